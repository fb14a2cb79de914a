/* The diagnose report as JSON (docs/diagnose.md, docs/schemas/diagnose.json):
 * one member per section of the text, then "problems", "exit_code" and
 * "healthy". What status and history already render (the space, the
 * mirrors, a run with its steps, an add-on, a hook run) is rendered by
 * their code, so that the same thing reads the same in every document. */
#include <string.h>

#include "jsonc.h"
#include "ops/diagnose.h"
#include "render.h"

typedef struct json_object jobj;

/* A string, or null when empty. */
static int opt_str(jobj *o, const char *key, const char *s)
{
	return jv_string(o, key, s && s[0] ? s : NULL);
}

/* A positive number, or null for 0 (not known, none). */
static int opt_int(jobj *o, const char *key, int64_t v)
{
	return v ? jv_int(o, key, v) : jv_string(o, key, NULL);
}

/* Adds the array KEY to R, made of N elements by ONE (NULL: out of memory). */
static int add_array(jobj *r, const char *key, const void *base, size_t size, size_t n,
		     jobj *(*one)(const void *))
{
	jobj *list = json_object_new_array();

	if (!list)
		return -1;
	for (size_t i = 0; i < n; i++) {
		jobj *e = one((const char *)base + i * size);

		if (!e || json_object_array_add(list, e) < 0) {
			json_object_put(e);
			json_object_put(list);
			return -1;
		}
	}
	return jv_add(r, key, list);
}

static jobj *addon_one(const void *p)
{
	return report_addon_json(p);
}

static int system_json(jobj *r, const struct pf_diagnosis *d)
{
	const struct pf_status *st = &d->status;
	jobj *s;

	if (!d->have_status)
		return jv_string(r, "system", NULL);
	s = json_object_new_object();
	if (!s || jv_string(s, "series", st->series) < 0 || jv_string(s, "arch", st->arch) < 0 ||
	    jv_uint(s, "core", st->core) < 0 ||
	    add_array(s, "addons", st->addons, sizeof(st->addons[0]), st->n_addons, addon_one) < 0 ||
	    jv_bool(s, "reboot_required", st->reboot_required) < 0) {
		json_object_put(s);
		return -1;
	}
	return jv_add(r, "system", s);
}

static jobj *run_one(const void *p)
{
	const struct pf_run *t = p;
	jobj *e = json_object_new_object();

	if (!e || jv_int(e, "id", t->id) < 0 || jv_string(e, "command", t->command) < 0 ||
	    jv_time(e, "started", t->started) < 0 || jv_time(e, "ended", t->ended) < 0 ||
	    opt_str(e, "outcome", t->outcome) < 0 ||
	    (t->has_exit_code ? jv_int(e, "exit_code", t->exit_code) :
				jv_string(e, "exit_code", NULL)) < 0 ||
	    opt_str(e, "error", t->error) < 0 || report_run_json(e, t) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static int failure_json(jobj *r, const struct pf_diagnosis *d)
{
	jobj *f;

	if (!d->have_failure)
		return jv_string(r, "failure", NULL);
	f = json_object_new_object();
	if (!f || jv_add(f, "run", report_history_run_json(&d->failure)) < 0 ||
	    opt_str(f, "unit", d->failure_unit) < 0 || opt_str(f, "label", d->failure_label) < 0 ||
	    opt_str(f, "step", d->failure_step) < 0 || opt_str(f, "cause", d->failure_cause) < 0) {
		json_object_put(f);
		return -1;
	}
	return jv_add(r, "failure", f);
}

static int journal_json(jobj *r, const struct pf_diagnosis *d)
{
	const struct pf_diag_journal *j = &d->journal;
	jobj *o, *paths;

	if (!j->present)
		return jv_string(r, "journal", NULL);
	o = json_object_new_object();
	paths = json_object_new_array();
	if (!o || !paths || jv_string(o, "unit", j->unit) < 0 || opt_str(o, "label", j->label) < 0 ||
	    opt_int(o, "run", j->run) < 0 || jv_string(o, "state", j->state) < 0 ||
	    jv_string(o, "action", j->action) < 0 || jv_time(o, "started", j->started) < 0 ||
	    jv_uint(o, "paths_total", j->n_paths) < 0)
		goto fail;
	for (size_t i = 0; i < j->n_listed && j->paths; i++) {
		/* a path is bytes: jv_path keeps them exactly */
		jobj *e = json_object_new_object();

		if (!e || jv_path(e, "path", j->paths[i]) < 0 || json_object_array_add(paths, e) < 0) {
			json_object_put(e);
			goto fail;
		}
	}
	if (jv_add(o, "paths", paths) < 0) {
		json_object_put(o);
		return -1;
	}
	return jv_add(r, "journal", o);
fail:
	json_object_put(paths);
	json_object_put(o);
	return -1;
}

static jobj *key_one(const void *p)
{
	const struct pf_diag_key *k = p;
	jobj *e = json_object_new_object();

	if (!e || jv_string(e, "fingerprint", k->fingerprint) < 0 || jv_string(e, "uid", k->uid) < 0 ||
	    jv_path(e, "file", k->file) < 0 || jv_time(e, "created", k->created) < 0 ||
	    jv_time(e, "expires", k->expires) < 0 || jv_bool(e, "expired", k->expired) < 0 ||
	    jv_bool(e, "revoked", k->revoked) < 0 ||
	    jv_bool(e, "signed_index", k->signed_index) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static jobj *index_one(const void *p)
{
	const struct pf_diag_index *x = p;
	jobj *e = json_object_new_object();

	if (!e || jv_string(e, "series", x->series) < 0 || jv_string(e, "arch", x->arch) < 0 ||
	    jv_uint(e, "revision", x->revision) < 0 || jv_time(e, "date", x->date) < 0 ||
	    jv_time(e, "valid_until", x->valid_until) < 0 ||
	    jv_time(e, "fetched_at", x->fetched_at) < 0 || opt_str(e, "signer", x->signer) < 0 ||
	    jv_string(e, "freshness", x->expired ? "expired" : x->stale ? "stale" : "fresh") < 0 ||
	    jv_bool(e, "expired", x->expired) < 0 || jv_bool(e, "stale", x->stale) < 0 ||
	    jv_bool(e, "current", x->current) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static int cache_json(jobj *r, const struct pf_diag_cache *c)
{
	jobj *o = json_object_new_object();

	if (!o || jv_path(o, "path", c->path) < 0 || jv_uint(o, "bytes", c->bytes) < 0 ||
	    jv_uint(o, "files", c->files) < 0 || jv_uint(o, "stale_bytes", c->stale_bytes) < 0 ||
	    jv_uint(o, "stale_files", c->stale_files) < 0 ||
	    jv_uint(o, "partial_bytes", c->partial_bytes) < 0 ||
	    jv_uint(o, "partial_files", c->partial_files) < 0) {
		json_object_put(o);
		return -1;
	}
	return jv_add(r, "cache", o);
}

static int database_json(jobj *r, const struct pf_diag_database *db)
{
	jobj *o = json_object_new_object();

	if (!o || jv_path(o, "path", db->path) < 0 || jv_bool(o, "opened", db->opened) < 0 ||
	    (db->opened ? jv_int(o, "schema", db->schema) : jv_string(o, "schema", NULL)) < 0 ||
	    jv_uint(o, "bytes", db->bytes) < 0 ||
	    opt_str(o, "integrity_check", db->integrity) < 0 ||
	    opt_str(o, "quick_check", db->quick) < 0 || opt_str(o, "error", db->error) < 0) {
		json_object_put(o);
		return -1;
	}
	return jv_add(r, "database", o);
}

static int lock_json(jobj *r, const struct pf_diag_lock *l)
{
	jobj *o = json_object_new_object();

	if (!o || jv_bool(o, "held", l->held) < 0 || opt_int(o, "pid", l->pid) < 0 ||
	    opt_str(o, "command", l->command) < 0 || opt_int(o, "run", l->run) < 0 ||
	    jv_time(o, "since", l->since) < 0) {
		json_object_put(o);
		return -1;
	}
	return jv_add(r, "lock", o);
}

static jobj *mount_one(const void *p)
{
	const struct pf_diag_mount *m = p;
	jobj *e = json_object_new_object();

	if (!e || jv_path(e, "mount", m->mount) < 0 || jv_string(e, "fstype", m->fstype) < 0 ||
	    jv_path(e, "device", m->device) < 0 || jv_uint(e, "total", m->total) < 0 ||
	    jv_uint(e, "used", m->used) < 0 || jv_uint(e, "available", m->available) < 0 ||
	    jv_uint(e, "inodes_total", m->inodes_total) < 0 ||
	    jv_uint(e, "inodes_available", m->inodes_available) < 0 ||
	    jv_bool(e, "read_only", m->read_only) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static jobj *problem_one(const void *p)
{
	const struct pf_diag_problem *x = p;
	jobj *e = json_object_new_object();

	if (!e || jv_string(e, "cause", pf_diag_cause_name(x->cause)) < 0 ||
	    opt_str(e, "unit", x->unit) < 0 || opt_str(e, "label", x->label) < 0 ||
	    opt_int(e, "run", x->run) < 0 || opt_str(e, "mount", x->mount) < 0 ||
	    jv_string(e, "what", x->what) < 0 || jv_string(e, "action", x->action) < 0) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

/* The report's members into R, in the order of the text. */
static int fill(jobj *r, const struct pf_diagnosis *d)
{
	return jv_time(r, "at", d->now) < 0 || opt_str(r, "status_error", d->status_error) < 0 ||
	       system_json(r, d) < 0 ||
	       add_array(r, "runs", d->runs, sizeof(d->runs[0]), d->n_runs, run_one) < 0 ||
	       failure_json(r, d) < 0 ||
	       (d->have_status ? report_space_json(r, &d->status) : jv_string(r, "space", NULL)) < 0 ||
	       journal_json(r, d) < 0 ||
	       add_array(r, "keys", d->keys, sizeof(d->keys[0]), d->n_keys, key_one) < 0 ||
	       add_array(r, "indexes", d->indexes, sizeof(d->indexes[0]), d->n_indexes,
			 index_one) < 0 ||
	       (d->have_status ? report_mirrors_json(r, &d->status) :
				 jv_string(r, "mirrors", NULL)) < 0 ||
	       cache_json(r, &d->cache) < 0 || database_json(r, &d->database) < 0 ||
	       lock_json(r, &d->lock) < 0 ||
	       add_array(r, "mounts", d->mounts, sizeof(d->mounts[0]), d->n_mounts, mount_one) < 0 ||
	       add_array(r, "problems", d->problems, sizeof(d->problems[0]), d->n_problems,
			 problem_one) < 0 ||
	       jv_int(r, "exit_code", pf_diagnose_exit_code(d)) < 0 ||
	       jv_bool(r, "healthy", d->n_problems == 0) < 0 ? -1 : 0;
}

void report_diagnose_json(struct output *o, const struct pf_diagnosis *d)
{
	jobj *r = output_report(o);

	if (!r || fill(r, d) < 0)
		o->failed = true;
}

/* The document `pakfire --json diagnose` prints, for the bundle: the same
 * envelope (docs/schemas/common.json) around the same report. */
char *report_diagnose_document(const struct pf_diagnosis *d)
{
	jobj *doc = json_object_new_object(), *r = json_object_new_object();
	const char *text;
	char *out = NULL;
	int code = pf_diagnose_exit_code(d);

	if (!doc || !r || fill(r, d) < 0 || jv_string(doc, "command", "diagnose") < 0 ||
	    jv_bool(doc, "ok", true) < 0 || jv_int(doc, "exit_code", code) < 0 ||
	    jv_string(doc, "error_class", NULL) < 0 || jv_string(doc, "error", NULL) < 0 ||
	    jv_bool(doc, "reboot_needed", false) < 0 ||
	    jv_add(doc, "events", json_object_new_array()) < 0) {
		json_object_put(r);
		goto out;
	}
	if (jv_add(doc, "diagnose", r) < 0)
		goto out;
	text = jv_text(doc);
	if (text)
		out = strdup(text);
out:
	json_object_put(doc);
	return out;
}
