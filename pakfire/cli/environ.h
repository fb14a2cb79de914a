/* The caller's environment, cleared of what would change pakfire's trust
 * or leak its secrets (cli/environ.c). */
#ifndef PF_CLI_ENVIRON_H
#define PF_CLI_ENVIRON_H

/* Remove from this process's environment every variable that libcurl or
 * its TLS libraries (OpenSSL, GnuTLS) read to change trust, proxies or
 * protocols, or to write secrets (docs/pakfire.8, ENVIRONMENT). -1 when
 * out of memory (errno ENOMEM), else 0. */
int cli_environ_scrub(void);

#endif
