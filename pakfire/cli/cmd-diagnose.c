/* pakfire diagnose [--bundle FILE]: one report for support staff
 * (docs/diagnose.md). It only reads: the session opens the configuration
 * and nothing else (no lock: it runs beside a hung pakfire; no recovery;
 * no record, no log line: it writes nothing under the root); pf_diagnose
 * opens the database itself, read-only. Its exit code is 0 when healthy,
 * else 64 + the bits of the causes found (ops/diagnose.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/context.h"
#include "ops/bundle.h"
#include "ops/diagnose.h"

struct diagnose_opts {
	const char *bundle;
};

static const struct pf_opt options[] = {
	{ .name = "bundle", .kind = PF_OPT_STRING, .arg = "FILE",
	  .offset = offsetof(struct diagnose_opts, bundle),
	  .help = "also write FILE (a new .tar.gz, outside the root): the report, the log tail,"
		  " a copy of the database, the config without passwords, the mounts" },
	{ NULL },
};

/* The report as text and as the JSON document, in memory, for the bundle. */
static int bundle(struct cli *cli, const struct pf_diagnosis *d, const char *file)
{
	char *txt = NULL, *json = NULL;
	size_t txt_len = 0;
	FILE *f = open_memstream(&txt, &txt_len);
	int r = -1;

	if (!f) {
		pf_fail(cli->ctx, PF_E_OTHER, "%s: out of memory for the report", file);
		goto out;
	}
	report_diagnose_text(f, d);
	if (fclose(f) != 0) {
		f = NULL;
		pf_fail(cli->ctx, PF_E_OTHER, "%s: out of memory for the report", file);
		goto out;
	}
	json = report_diagnose_document(d);
	if (!json) {
		pf_fail(cli->ctx, PF_E_OTHER, "%s: out of memory for the JSON report", file);
		goto out;
	}
	const struct pf_bundle_parts parts = {
		.report_txt = txt, .report_txt_len = txt_len,
		.report_json = json, .report_json_len = strlen(json),
	};
	r = pf_bundle_write(cli->session, d, file, &parts);
out:
	free(txt);
	free(json);
	return r;
}

static int run(struct cli *cli, void *opts)
{
	const struct diagnose_opts *o = opts;
	struct pf_diagnosis d;
	int r;

	memset(&d, 0, sizeof(d));
	/* A FILE that can never be written (it exists, lies inside the root,
	 * has no folder) is a usage error before anything is looked at. */
	if (o->bundle && pf_bundle_check(cli->session, o->bundle) < 0)
		return -1;
	r = pf_diagnose(cli->session, &d);
	if (r == 0) {
		/* The report stands even when the bundle then fails: what
		 * support needs most is on the screen already. */
		output_diagnose(&cli->out, &d);
		/* 65..95 say what was found; 1 and 2 that it could not look */
		cli->out.code_if_ok = pf_diagnose_exit_code(&d);
		if (o->bundle)
			r = bundle(cli, &d, o->bundle);
		if (r == 0 && o->bundle && !cli->out.json)
			printf("Bundle:      %s\n", o->bundle);
	}
	pf_diagnosis_clear(&d);
	return r;
}

const struct cli_command cmd_diagnose = {
	.spec = {
		.name = "diagnose", .summary = "what failed, where, why, and what to do (reads only)",
		.opts = options, .opts_size = sizeof(struct diagnose_opts),
	},
	.needs = 0, /* pf_diagnose reads pakfire.conf itself: a missing one is reported */
	.writes_nothing = true,
	.run = run,
};
