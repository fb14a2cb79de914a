/* A hook's environment, made from scratch (docs/hooks.md, "Execution
 * contract"): nothing of pakfire's own (no LD_PRELOAD, proxies,
 * GNUPGHOME, HOME) can reach a script that runs as root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hooks/run-parts.h"

#define MAX_VARS 10

static int add(char **envp, size_t *n, const char *name, const char *value)
{
	if (asprintf(&envp[*n], "%s=%s", name, value) < 0) {
		envp[*n] = NULL;
		errno = ENOMEM;
		return -1;
	}
	(*n)++;
	return 0;
}

static int add_uint(char **envp, size_t *n, const char *name, unsigned value)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", value);
	return add(envp, n, name, num);
}

char **pf_hook_envp(const struct pf_hook_env *env)
{
	char **envp = calloc(MAX_VARS + 1, sizeof(*envp));
	size_t n = 0;

	if (!envp)
		return NULL;
	if (add(envp, &n, "PATH", PF_HOOK_PATH) < 0 || add(envp, &n, "LANG", "C") < 0 ||
	    (env->root && add(envp, &n, "PAKFIRE_ROOT", env->root) < 0) ||
	    (env->core && add_uint(envp, &n, "PAKFIRE_CORE", env->core) < 0) ||
	    (env->series && add(envp, &n, "PAKFIRE_SERIES", env->series) < 0) ||
	    (env->phase && add(envp, &n, "PAKFIRE_PHASE", env->phase) < 0) ||
	    (env->update && add_uint(envp, &n, "PAKFIRE_UPDATE", env->update) < 0) ||
	    (env->addon && add(envp, &n, "PAKFIRE_ADDON", env->addon) < 0) ||
	    (env->units && add(envp, &n, "PAKFIRE_UNITS", env->units) < 0)) {
		pf_hook_envp_free(envp);
		return NULL;
	}
	return envp;
}

void pf_hook_envp_free(char **envp)
{
	if (!envp)
		return;
	for (size_t i = 0; envp[i]; i++)
		free(envp[i]);
	free(envp);
}
