/* The verdict of diagnose: one problem per cause found, most urgent
 * first, each saying what is wrong (the file, the mount, the number) and
 * what to do, with the command to run (docs/diagnose.md, "Problems and
 * the exit code"). Made from the filled struct alone. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/context.h"
#include "base/event.h"
#include "base/time.h"
#include "ops/diagnose-parts.h"
#include "ops/hook.h"

static bool have(const struct pf_diagnosis *d, enum pf_diag_cause c)
{
	for (size_t i = 0; i < d->n_problems; i++)
		if (d->problems[i].cause == c)
			return true;
	return false;
}

/* A new problem of cause C, or NULL when out of memory. */
static struct pf_diag_problem *add(struct pf_diagnosis *d, enum pf_diag_cause c, size_t *cap)
{
	struct pf_diag_problem *p;

	if (d->n_problems == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct pf_diag_problem *m = realloc(d->problems, ncap * sizeof(*m));

		if (!m)
			return NULL;
		d->problems = m;
		*cap = ncap;
	}
	p = &d->problems[d->n_problems++];
	memset(p, 0, sizeof(*p));
	p->cause = c;
	return p;
}

static void say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static void set_unit(struct pf_diag_problem *p, const char *unit, const char *label)
{
	snprintf(p->unit, sizeof(p->unit), "%s", unit);
	snprintf(p->label, sizeof(p->label), "%s", label);
}

static int database(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_diag_database *db = &d->database;
	const char *keep = "keep a copy for support first (pakfire diagnose --bundle"
		" /root/pakfire-diagnose.tar.gz), run no other pakfire command, and restore the"
		" database from a backup";
	struct pf_diag_problem *p;
	bool integrity = db->integrity[0] && strcmp(db->integrity, "ok");
	bool quick = db->quick[0] && strcmp(db->quick, "ok");

	if (db->opened && !integrity && !quick)
		return 0;
	if (!(p = add(d, PF_CAUSE_DATABASE, cap)))
		return -1;
	if (!db->exists && !db->opened) {
		say(p->what, sizeof(p->what), "%.900s", db->error);
		say(p->action, sizeof(p->action), "on a new system, run 'pakfire init --series S"
		    " --core N'; if the file was lost, restore it from a backup: without it pakfire"
		    " does not know what is installed");
	} else if (!db->opened) {
		say(p->what, sizeof(p->what), "the database %.400s cannot be read: %.500s", db->path,
		    db->error);
		say(p->action, sizeof(p->action), "%s", keep);
	} else {
		say(p->what, sizeof(p->what), "the database %.300s is damaged: %s says %.600s",
		    db->path, integrity ? "integrity_check" : "quick_check",
		    integrity ? db->integrity : db->quick);
		say(p->action, sizeof(p->action), "%s", keep);
	}
	return 0;
}

/* The pre hook the interrupted run RUN was in when it was killed, or NULL. */
static const struct pf_hook_run_view *killed_in_pre(const struct pf_diagnosis *d, int64_t run)
{
	if (!d->have_failure || d->failure.run.id != run)
		return NULL;
	for (size_t i = 0; i < d->failure.n_hooks; i++) {
		const struct pf_hook_run_view *h = &d->failure.hooks[i];

		if (!strncmp(h->phase, "pre", 3) &&
		    (!strcmp(h->state, "interrupted") || !strcmp(h->state, "running")))
			return h;
	}
	return NULL;
}

/* What the paths are now, from the journal's state alone
 * (docs/crash-safety.md): while staging no target was replaced yet. */
static void journal_paths_now(const struct pf_diag_journal *j, char *buf, size_t size)
{
	if (!strcmp(j->state, "staging"))
		snprintf(buf, size, "none of its %zu paths was replaced yet (what was staged"
			 " beside them, if anything, is temporary)", j->n_paths);
	else if (!strcmp(j->state, "committing"))
		snprintf(buf, size, "%zu paths are left half-way, every one old or new", j->n_paths);
	else
		snprintf(buf, size, "its %zu paths are in place, their clean-up not finished",
			 j->n_paths);
}

/* What X is once recovery is done, by the command that was stopped. */
static const char *recovered(const struct pf_diag_journal *j, bool forward)
{
	bool repair = !strcmp(j->command, "verify --fix");

	if (!strcmp(j->command, "install"))
		return forward ? "it stays installed" : "it is not installed";
	if (!strcmp(j->command, "remove"))
		return forward ? "it stays removed" : "it stays installed";
	if (repair)
		return forward ? "its paths stay restored" : "its paths stay as verify found them";
	return forward ? "it stays applied" : "it is not applied";
}

static int interrupted(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_diag_journal *j = &d->journal;
	const struct pf_hook_run_view *pre = killed_in_pre(d, j->run);
	struct pf_diag_problem *p;
	bool forward = !strcmp(j->action, "roll forward");
	bool repair = !strcmp(j->command, "verify --fix");
	bool addon = !strcmp(j->command, "install") || !strcmp(j->command, "remove");
	char cmd[160], during[128] = "", now[256];

	if (!j->present)
		return 0;
	if (!(p = add(d, PF_CAUSE_INTERRUPTED, cap)))
		return -1;
	set_unit(p, j->unit, j->label);
	p->run = j->run;
	if (!j->command[0])
		snprintf(cmd, sizeof(cmd), "the command that was stopped");
	else if (addon)
		snprintf(cmd, sizeof(cmd), "'pakfire %s' with the add-ons it named (%s among them)",
			 j->command, j->label);
	else
		snprintf(cmd, sizeof(cmd), "'pakfire %s'", j->command);
	if (pre)
		snprintf(during, sizeof(during), ", in its pre hook %.64s", pre->name);
	journal_paths_now(j, now, sizeof(now));
	say(p->what, sizeof(p->what), "run #%lld%s%s%s was stopped while %s %s%s (journal state"
	    " %s): %s", (long long)j->run, j->command[0] ? " (" : "", j->command,
	    j->command[0] ? ")" : "", repair ? "repairing" : "applying", j->label, during,
	    j->state, now);
	say(p->action, sizeof(p->action), "the next pakfire that takes the lock will %s %s (%s:"
	    " %s): run %s again (any command that takes the lock, e.g. 'pakfire clean', finishes"
	    " the recovery first); nothing is to be done by hand", j->action, j->label,
	    forward ? "finish its commit" : "put every file back as it was before",
	    recovered(j, forward), cmd);
	return 0;
}

static int lock(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_diag_lock *l = &d->lock;
	struct pf_diag_problem *p;
	char since[21] = "", who[320];

	if (!l->held)
		return 0;
	if (!(p = add(d, PF_CAUSE_LOCK, cap)))
		return -1;
	p->run = l->run;
	if (l->pid > 0)
		snprintf(who, sizeof(who), "pid %ld%s%.256s%s", l->pid, l->command[0] ? ": '" : "",
			 l->command, l->command[0] ? "'" : "");
	else
		snprintf(who, sizeof(who), "its pid is not known");
	if (l->since)
		pf_time_format(l->since, since);
	if (l->run)
		say(p->what, sizeof(p->what), "another pakfire holds the lock (%s), at run #%lld"
		    " since %s", who, (long long)l->run, since);
	else
		say(p->what, sizeof(p->what), "another pakfire holds the lock (%s)", who);
	if (l->pid > 0)
		say(p->action, sizeof(p->action), "wait for it to finish; if it hangs, stop it with"
		    " 'kill %ld': the next run then rolls its update back or forward", l->pid);
	else
		say(p->action, sizeof(p->action), "wait for it to finish; if it hangs, find it with"
		    " 'fuser /var/lib/pakfire/lock' and stop it");
	return 0;
}

/* The recorded space check of the failure on MOUNT that did not fit. */
static const struct pf_run_space *recorded(const struct pf_diagnosis *d, const char *mount)
{
	for (size_t i = 0; d->have_failure && i < d->failure.n_space; i++)
		if (!d->failure.space[i].fits && (!mount || !strcmp(d->failure.space[i].mount, mount)))
			return &d->failure.space[i];
	return NULL;
}

/* "core update 141", or the unit as it is named. */
static void update_name(const struct pf_status_mount *m, char *buf, size_t size)
{
	if (m->refused_core)
		snprintf(buf, size, "core update %u", m->refused_core);
	else
		snprintf(buf, size, "%s", m->refused_unit);
}

static int space_now(struct pf_diagnosis *d, const struct pf_status_mount *m, size_t *cap)
{
	const struct pf_run_space *rec = recorded(d, m->mount);
	bool never = !strcmp(m->verdict, "never-fits");
	struct pf_diag_problem *p = add(d, never ? PF_CAUSE_NEVER_FITS : PF_CAUSE_SPACE, cap);
	char name[80], label[64], a[32], b[32], c[32];

	if (!p)
		return -1;
	update_name(m, name, sizeof(name));
	snprintf(label, sizeof(label), "core %u", m->refused_core);
	set_unit(p, m->refused_unit, m->refused_core ? label : m->refused_unit);
	snprintf(p->mount, sizeof(p->mount), "%s", m->mount);
	if (d->have_failure && rec)
		p->run = d->failure.run.id;
	if (m->read_only) {
		say(p->what, sizeof(p->what), "%s is mounted read-only, and %s writes there",
		    m->mount, name);
		say(p->action, sizeof(p->action), "mount it read-write ('mount -o remount,rw %s'),"
		    " then run 'pakfire upgrade'", m->mount);
		return 0;
	}
	if (never) {
		pf_format_size_whole(m->advised, c);
		if (m->in_place)
			say(p->what, sizeof(p->what), "%s is big enough for %s, but not beside what"
			    " stays there: freeing all that pakfire can name there is not enough",
			    m->mount, name);
		else if (rec && rec->judged && rec->total) {
			pf_format_size_whole(rec->total, a);
			pf_format_size(rec->minimum, b);
			say(p->what, sizeof(p->what), "%s is %s in total and %s needs %s even on an"
			    " empty %s: this partition can never hold it", m->mount, a, name, b,
			    m->mount);
		} else
			say(p->what, sizeof(p->what), "%s can never hold %s: it needs a partition of"
			    " at least %s", m->mount, name, c);
		say(p->action, sizeof(p->action), "back up the configuration and reinstall with the"
		    " current partition layout (%s at least %s)", m->mount, c);
		return 0;
	}
	if (m->needed + m->reserve > m->available) {
		pf_format_size(m->needed + m->reserve - m->available, a);
		say(p->what, sizeof(p->what), "%s needs %s more for %s", m->mount, a, name);
	} else {
		say(p->what, sizeof(p->what), "%s needs %llu more inodes for %s", m->mount,
		    (unsigned long long)(m->inodes_needed - m->inodes_available), name);
	}
	if (!strcmp(m->verdict, "fits-after-cleanup")) {
		unsigned n = 0;

		sscanf(m->cleanup, "core %u", &n);
		say(p->action, sizeof(p->action), "apply the cleanup update %s first: 'pakfire"
		    " upgrade --to %u', then 'pakfire upgrade'", n ? m->cleanup + 5 : m->cleanup, n);
	} else if (!strcmp(m->verdict, "fits-after-freeing")) {
		pf_format_size(m->freeable, b);
		say(p->action, sizeof(p->action), "remove what 'pakfire upgrade --dry-run' lists there"
		    " (%s can be freed: kernels that are not the running one, files no update owns),"
		    " then run 'pakfire upgrade'", b);
	} else {
		say(p->action, sizeof(p->action), "free that much on %s, then run 'pakfire upgrade'"
		    " ('pakfire upgrade --dry-run' shows what fits)", m->mount);
	}
	return 0;
}

static int space(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_status_space *sp = &d->status.space;

	if (!d->have_status)
		return 0;
	for (size_t i = 0; i < sp->n_mounts; i++)
		if (!sp->mounts[i].fits && space_now(d, &sp->mounts[i], cap) < 0)
			return -1;
	return 0;
}

/* The failed hook run of the failure, or NULL. */
static const struct pf_hook_run_view *failed_hook(const struct pf_diagnosis *d)
{
	for (size_t i = 0; i < d->failure.n_hooks; i++)
		if (strcmp(d->failure.hooks[i].state, "ok"))
			return &d->failure.hooks[i];
	return NULL;
}

static void failure_action(const struct pf_diagnosis *d, enum pf_diag_cause c,
			   struct pf_diag_problem *p)
{
	const char *cmd = d->failure.run.command;
	const struct pf_hook_run_view *h;

	switch (c) {
	case PF_CAUSE_SIGNATURE:
		say(p->action, sizeof(p->action), "make sure the keys folder holds the distribution's"
		    " current key (the keys are listed above), or configure another mirror; then"
		    " 'pakfire update'");
		return;
	case PF_CAUSE_HASH:
		say(p->action, sizeof(p->action), "run 'pakfire clean', then 'pakfire %s' again; if it"
		    " fails again, the mirror serves damaged files: configure another mirror", cmd);
		return;
	case PF_CAUSE_EXPIRED:
		say(p->action, sizeof(p->action), "the mirror serves an index past its Valid-Until (it"
		    " is frozen or stale): configure another mirror, then 'pakfire update'");
		return;
	case PF_CAUSE_ROLLBACK:
		say(p->action, sizeof(p->action), "a mirror served an older Revision than already"
		    " seen (stale, or an attack): remove or replace it in pakfire.conf, then"
		    " 'pakfire update'");
		return;
	case PF_CAUSE_DOWNLOAD:
		say(p->action, sizeof(p->action), "check the network and the mirrors (their last"
		    " results are listed above), then run 'pakfire %s' again", cmd);
		return;
	case PF_CAUSE_HOOK:
		/* a failed pre hook's update was undone: hook rerun refuses it
		 * (docs/hooks.md), the command runs it again */
		if ((h = failed_hook(d)) && !strncmp(h->phase, "pre", 3))
			say(p->action, sizeof(p->action), "read its output ('pakfire hook show %lld'),"
			    " fix what it names, then run 'pakfire %s' again", (long long)h->id, cmd);
		else if (h)
			say(p->action, sizeof(p->action), "read its output ('pakfire hook show %lld'),"
			    " fix what it names, then 'pakfire hook rerun %lld', or 'pakfire hook ack"
			    " %lld' to go on without it", (long long)h->id, (long long)h->id,
			    (long long)h->id);
		else
			say(p->action, sizeof(p->action), "read the hook's output ('pakfire hook list'),"
			    " fix what it names, then run 'pakfire %s' again", cmd);
		return;
	case PF_CAUSE_SPACE:
	case PF_CAUSE_NEVER_FITS:
		say(p->action, sizeof(p->action), "it fits now: run 'pakfire %s' again", cmd);
		return;
	default:
		say(p->action, sizeof(p->action), "fix what the error names, then run 'pakfire %s'"
		    " again", cmd);
	}
}

/* The failure that stands, unless a problem of its cause was found
 * already from how things are now (space now, the journal, the lock). */
static int failure(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_run *r = &d->failure.run;
	int c = pf_diag_cause_of(d->failure_cause);
	struct pf_diag_problem *p;
	char at[160] = "";

	if (!d->have_failure)
		return 0;
	if (c < 0)
		c = PF_CAUSE_FAILED;
	/* the lock it met is free now: it only failed */
	if (c == PF_CAUSE_LOCK && !d->lock.held)
		c = PF_CAUSE_FAILED;
	/* space now knows better; an interrupted run is a problem while the
	 * journal holds its unit (above) */
	if ((c == PF_CAUSE_SPACE || c == PF_CAUSE_NEVER_FITS) &&
	    (have(d, PF_CAUSE_SPACE) || have(d, PF_CAUSE_NEVER_FITS)))
		return 0;
	if (c == PF_CAUSE_INTERRUPTED || have(d, (enum pf_diag_cause)c))
		return 0;
	if (!(p = add(d, (enum pf_diag_cause)c, cap)))
		return -1;
	set_unit(p, d->failure_unit, d->failure_label);
	p->run = r->id;
	if (d->failure_label[0])
		snprintf(at, sizeof(at), " at %s of %s", d->failure_step, d->failure_label);
	else if (d->failure_step[0])
		snprintf(at, sizeof(at), " at %s", d->failure_step);
	if (c == PF_CAUSE_SPACE || c == PF_CAUSE_NEVER_FITS) {
		const struct pf_run_space *s = recorded(d, NULL);

		if (s)
			snprintf(p->mount, sizeof(p->mount), "%s", s->mount);
		say(p->what, sizeof(p->what), "run #%lld (%s) was refused for space%s%s%s",
		    (long long)r->id, r->command, s ? " on " : "", s ? s->mount : "", at);
	} else {
		say(p->what, sizeof(p->what), "run #%lld (%s) %s%s: %.700s", (long long)r->id,
		    r->command, r->outcome, at, r->error);
	}
	failure_action(d, (enum pf_diag_cause)c, p);
	return 0;
}

/* Failed post hooks that hold upgrades, when the failure did not say so. */
static int hooks_open(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_hook_run_view *h;
	struct pf_diag_problem *p;

	if (!d->have_status || !d->status.n_hooks_open || have(d, PF_CAUSE_HOOK))
		return 0;
	h = &d->status.hooks_open[0];
	if (!(p = add(d, PF_CAUSE_HOOK, cap)))
		return -1;
	set_unit(p, h->unit, h->label);
	p->run = h->tx;
	say(p->what, sizeof(p->what), "the %s hook %s of %s failed (%s%s) in run #%lld: it holds"
	    " every upgrade%s", h->phase, h->name, h->label, h->state,
	    h->exit_code >= 0 ? ", exit code shown by 'pakfire hook show'" : "", (long long)h->tx,
	    d->status.n_hooks_open > 1 ? " (and more: 'pakfire hook list')" : "");
	say(p->action, sizeof(p->action), "read its output ('pakfire hook show %lld'), fix what it"
	    " names, then 'pakfire hook rerun %lld', or 'pakfire hook ack %lld' to go on without it",
	    (long long)h->id, (long long)h->id, (long long)h->id);
	return 0;
}

/* The failure that stands is an update refused for trust (a signature,
 * Valid-Until, a lower Revision), and is a problem of the verdict. */
static bool update_distrusted(const struct pf_diagnosis *d)
{
	if (!d->have_failure || strcmp(d->failure.run.command, "update"))
		return false;
	return have(d, PF_CAUSE_SIGNATURE) || have(d, PF_CAUSE_EXPIRED) ||
	       have(d, PF_CAUSE_ROLLBACK);
}

static int index_age(struct pf_diagnosis *d, size_t *cap)
{
	const struct pf_status *st = &d->status;
	struct pf_diag_problem *p;
	char when[21];

	if (!d->have_status)
		return 0;
	if (!st->have_index) {
		/* an update that failed its trust check says what to do; "run
		 * 'pakfire update'" would be the very command that failed */
		if (have(d, PF_CAUSE_STALE) || update_distrusted(d))
			return 0;
		if (!(p = add(d, PF_CAUSE_STALE, cap)))
			return -1;
		say(p->what, sizeof(p->what), "there is no verified index of series %s/%s: pakfire"
		    " does not know which updates exist", st->series, st->arch);
		say(p->action, sizeof(p->action), "run 'pakfire update'");
		return 0;
	}
	if (st->index_expired && !have(d, PF_CAUSE_EXPIRED)) {
		if (!(p = add(d, PF_CAUSE_EXPIRED, cap)))
			return -1;
		pf_time_format(st->index_valid_until, when);
		say(p->what, sizeof(p->what), "the index of series %s (Revision %llu) expired:"
		    " Valid-Until %s has passed", st->series, (unsigned long long)st->index_revision,
		    when);
		say(p->action, sizeof(p->action), "run 'pakfire update'; if the mirror still serves"
		    " the same index, it is frozen: configure another mirror");
	} else if (st->index_stale && !have(d, PF_CAUSE_STALE)) {
		if (!(p = add(d, PF_CAUSE_STALE, cap)))
			return -1;
		pf_time_format(st->index_fetched_at, when);
		say(p->what, sizeof(p->what), "the index of series %s was last fetched %s, %lld days"
		    " ago", st->series, when, (long long)((d->now - st->index_fetched_at) / 86400));
		say(p->action, sizeof(p->action), "run 'pakfire update' (from cron, daily)");
	}
	return 0;
}

static int keys(struct pf_diagnosis *d, size_t *cap)
{
	struct pf_diag_problem *p;
	char when[21];

	if (d->keys_error[0]) {
		if (!(p = add(d, PF_CAUSE_KEY, cap)))
			return -1;
		say(p->what, sizeof(p->what), "no trusted key can be read: %.900s", d->keys_error);
		say(p->action, sizeof(p->action), "install the distribution's key (an .asc file) in"
		    " the keys folder of pakfire.conf (keys, default /etc/pakfire/keys)");
		return 0;
	}
	/* an expired or revoked key; one that expires soon is a warning of
	 * the Keys section, not a problem (docs/diagnose.md) */
	for (size_t i = 0; i < d->n_keys; i++) {
		const struct pf_diag_key *k = &d->keys[i];

		if (!k->expired && !k->revoked)
			continue;
		if (!(p = add(d, PF_CAUSE_KEY, cap)))
			return -1;
		pf_time_format(k->expires, when);
		say(p->what, sizeof(p->what), "the trusted key %s (%s) in %s %s%s%s", k->fingerprint,
		    k->uid, k->file, k->revoked ? "is revoked" : "expired on ", k->revoked ? "" : when,
		    k->signed_index ? "; it signed the current index" : "");
		/* the key of the current index stays until an index signed by
		 * another was fetched: without it the next update fails */
		if (k->signed_index)
			say(p->action, sizeof(p->action), "install the distribution's new key in the"
			    " keys folder and run 'pakfire update'; keep %s until an index signed by the"
			    " new key was fetched (the Keys section then shows which key signed it)",
			    k->file);
		else
			say(p->action, sizeof(p->action), "it signs no current index: remove %s from the"
			    " keys folder; if the mirrors' index is signed by no other trusted key,"
			    " install the distribution's new key first; then 'pakfire update'", k->file);
		return 0; /* one problem per cause */
	}
	return 0;
}

static int config(struct pf_diagnosis *d, size_t *cap)
{
	struct pf_diag_problem *p;

	if (!d->config_error[0] || have(d, PF_CAUSE_FAILED))
		return 0;
	if (!(p = add(d, PF_CAUSE_FAILED, cap)))
		return -1;
	say(p->what, sizeof(p->what), "%.1000s", d->config_error);
	say(p->action, sizeof(p->action), "write pakfire.conf ('man 5 pakfire.conf'); until then"
	    " every pakfire command but diagnose stops there");
	return 0;
}

int pf_diag_problems(struct pf_diagnosis *d)
{
	size_t cap = 0;

	/* what is now first: the failure recorded adds only what they do not say */
	if (database(d, &cap) < 0 || interrupted(d, &cap) < 0 || lock(d, &cap) < 0 ||
	    space(d, &cap) < 0 || failure(d, &cap) < 0 || hooks_open(d, &cap) < 0 ||
	    index_age(d, &cap) < 0 || keys(d, &cap) < 0 || config(d, &cap) < 0)
		return -1;
	pf_diag_sort(d->problems, d->n_problems);
	d->bits = 0;
	for (size_t i = 0; i < d->n_problems; i++)
		d->bits |= pf_diag_cause_bit(d->problems[i].cause);
	return 0;
}
