/* `pakfire init --series S --core N`: the state of a freshly installed
 * system (what the installer runs). */
#ifndef PF_INIT_H
#define PF_INIT_H

struct pf_session;

/* Needs the configuration (its series must be SERIES). Takes the lock and
 * refuses when a database already exists (pf_session_create_db). */
int pf_init(struct pf_session *s, const char *series, unsigned core);

#endif
