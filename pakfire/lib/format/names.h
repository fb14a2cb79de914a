/* Names of add-ons: one rule for pakfire-repo, which builds and publishes
 * them, and for the client, which refuses an index stanza that breaks it
 * (resolve/transaction.c), so that a maintainer can never publish an add-on
 * that no appliance will take. */
#ifndef PF_NAMES_H
#define PF_NAMES_H

/* Longer names are refused: a unit id holds the name (PF_UNIT_ID_MAX - 1). */
#define PF_ADDON_NAME_MAX 63

/* NULL when NAME is a valid add-on name, else why it is not, for a message
 * ("starts with 'core-', which is reserved for core updates"). The rule: 1
 * to PF_ADDON_NAME_MAX bytes of [A-Za-z0-9._+-], not starting with '.', not
 * "core-..." (a core unit's id), not "old-..." (the prefix of a staged
 * backup, ".pakfire-old-ID-I"), not digits alone (the tag of a journal row
 * left by a pakfire before units). The name is part of file names beside
 * the files it installs (".pakfire-NAME-I") and on the mirrors. */
const char *pf_addon_name_problem(const char *name);

#endif
