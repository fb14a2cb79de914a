/* `pakfire init --series S --core N`: the state of a freshly installed
 * system (what the installer runs). */
#ifndef PF_INIT_H
#define PF_INIT_H

struct pf_ctx;

/* Needs the configuration (its series must be SERIES). Takes the lock and
 * refuses when a database already exists. */
int pf_init(struct pf_ctx *ctx, const char *series, unsigned core);

#endif
