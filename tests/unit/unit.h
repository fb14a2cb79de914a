/* What every unit test file shares: cmocka, a context per test, and the one
 * check that matters for a refusal (returns -1, the right class, a message
 * that names what is wrong and stays on one line). */
#ifndef PF_UNIT_H
#define PF_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/context.h"
#include "base/error.h"

static inline int setup(void **state)
{
	*state = pf_ctx_new();
	return *state ? 0 : -1;
}

static inline int teardown(void **state)
{
	pf_ctx_free(*state);
	return 0;
}

static inline void expect_error(struct pf_ctx *ctx, int r, enum pf_errclass cls,
				const char *needle)
{
	const char *msg = pf_error_message(ctx);

	assert_int_equal(r, -1);
	assert_int_equal(pf_error_class(ctx), cls);
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", msg, needle);
	if (strchr(msg, '\n'))
		fail_msg("message \"%s\" spans lines", msg);
	pf_clear_error(ctx);
}

#endif
