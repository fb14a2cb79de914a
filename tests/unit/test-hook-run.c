/* hooks/run.c: the execution contract of one hook, against real scripts
 * written at test time into a temporary root. Timeouts and graces are
 * short (1-3 s) so that the file stays within ~15 s. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "unit.h"

#include "base/bootid.h"
#include "base/context.h"
#include "hooks/run.h"
#include "hooks/run-parts.h"

struct t {
	struct pf_ctx *ctx;
	char root[64];
};

static int t_setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->root, "/tmp/pf-hook-run-XXXXXX");
	if (!mkdtemp(t->root) || !(t->ctx = pf_ctx_new()) ||
	    pf_ctx_set_root(t->ctx, t->root) < 0)
		return -1;
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int t_teardown(void **state)
{
	struct t *t = *state;

	pf_ctx_free(t->ctx);
	nftw(t->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* ROOT/NAME holding BODY (after "#!/bin/sh\n" when SHEBANG), mode MODE. */
static void put_file(struct t *t, const char *name, bool shebang, const char *body, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (shebang)
		fputs("#!/bin/sh\n", f);
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void script(struct t *t, const char *name, const char *body)
{
	put_file(t, name, true, body, 0755);
}

static struct pf_hook_job job_for(struct t *t, const char *name)
{
	return (struct pf_hook_job){
		.path = name, .name = name, .timeout = 5, .grace = 1,
		.env = { .root = t->root, .phase = "post" },
	};
}

/* The number in ROOT/NAME (a pid a script wrote). */
static pid_t read_pid(struct t *t, const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/%s", t->root, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_true(pid > 1);
	return pid;
}

/* PID no longer runs. It is not our child: whoever reaps orphans here may
 * take a moment, or never (a container's pid 1), so a zombie counts. */
static bool gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		char path[64], buf[512], *p;
		FILE *f;
		size_t n;

		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (!f)
			return true;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			return true;
		usleep(10000);
	}
	return false;
}

static void test_ok_and_failed(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;

	script(t, "ok", "echo hello\n");
	job = job_for(t, "ok");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.signal, 0);
	assert_string_equal(res.output, "hello\n");
	assert_int_equal(res.output_len, 6);
	assert_int_equal(res.output_total, 6);
	assert_int_equal(res.dropped, 0);
	assert_true(res.duration_ms >= 0 && res.duration_ms < 2000);
	pf_hook_result_clear(&res);
	assert_null(res.output);
	pf_hook_result_clear(NULL);

	/* stdout and stderr in one stream, in the order written. */
	script(t, "bad", "echo out; echo err >&2; echo more; exit 3\n");
	job = job_for(t, "bad");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_FAILED);
	assert_string_equal(pf_hook_outcome_name(res.outcome), "failed");
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.signal, 0);
	assert_string_equal(res.output, "out\nerr\nmore\n");
	assert_string_equal(pf_hook_output_tail(&res, 2), "err\nmore\n");
	pf_hook_result_clear(&res);

	/* Ended by a signal nobody of pakfire sent. */
	script(t, "selfkill", "echo bye; kill -KILL $$\n");
	job = job_for(t, "selfkill");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_KILLED);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.signal, SIGKILL);
	assert_string_equal(res.output, "bye\n");
	pf_hook_result_clear(&res);
}

/* Sleeps for ever, with a grandchild in the background: the timeout ends
 * both (SIGTERM is enough for sh and sleep). */
static void test_timeout(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	pid_t grandchild;

	script(t, "hang", "sleep 1000 & echo $! > pid\necho started\nsleep 1000\n");
	job = job_for(t, "hang");
	job.timeout = 1;
	job.grace = 3;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_TIMEOUT);
	assert_string_equal(pf_hook_outcome_name(res.outcome), "timeout");
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.signal, SIGTERM);
	assert_int_equal(res.stop_signal, 0);
	/* The timeout, not the grace: TERM was obeyed (KILL would be at 4 s;
	 * the rest is room for a loaded machine). */
	assert_true(res.duration_ms >= 1000 && res.duration_ms < 3500);
	assert_string_equal(res.output, "started\n");
	grandchild = read_pid(t, "pid");
	assert_true(gone(grandchild));
	pf_hook_result_clear(&res);
}

/* A group that ignores SIGTERM gets SIGKILL after the grace. */
static void test_timeout_kill(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;

	script(t, "stubborn", "trap '' TERM\nsleep 1000 & echo $! > pid\nwhile :; do sleep 1; done\n");
	job = job_for(t, "stubborn");
	job.timeout = 1;
	job.grace = 1;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_TIMEOUT);
	assert_int_equal(res.signal, SIGKILL);
	assert_true(res.duration_ms >= 2000 && res.duration_ms < 4000);
	assert_true(gone(read_pid(t, "pid")));
	pf_hook_result_clear(&res);
}

/* Exits 0 at once, leaving a process behind in its group: it goes too,
 * and the run does not wait for it. */
static void test_leftover(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;

	script(t, "leave", "sleep 1000 & echo $! > pid\nexit 0\n");
	job = job_for(t, "leave");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	assert_true(res.duration_ms < 1800); /* not the 2 s of a drain */
	assert_true(gone(read_pid(t, "pid")));
	pf_hook_result_clear(&res);
}

/* A process that left the group (its own session) keeps the pipe open:
 * the run ends anyway, and the record says the rest was not read. */
static void test_escaped(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	pid_t escaped;

	/* The pid is written once the new session exists. */
	script(t, "escape", "setsid sh -c 'echo $$ > pid; exec sleep 1000' &\n"
			    "while [ ! -s pid ]; do sleep 0.01; done\necho done\n");
	job = job_for(t, "escape");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	escaped = read_pid(t, "pid");
	assert_int_equal(kill(escaped, SIGKILL), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	if (res.duration_ms < 1900 || res.duration_ms >= 4500)
		fail_msg("took %lld ms: %s", (long long)res.duration_ms, res.output);
	assert_string_equal(res.output, "done\npakfire: output no longer read: a process that left the "
			    "hook's process group still holds it open\n");
	assert_int_equal(res.output_total, 5);
	pf_hook_result_clear(&res);
}

/* 100 MB: a bounded record with the right head and tail. */
static void test_big_output(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	const uint64_t total = 100000000;
	char marker[64];
	size_t mlen;

	script(t, "big", "printf START\nhead -c 99999991 /dev/zero | tr '\\0' x\nprintf 'END\\n'\n");
	job = job_for(t, "big");
	job.timeout = 30;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	assert_int_equal(res.output_total, total);
	assert_int_equal(res.dropped, total - PF_HOOK_KEEP_HEAD - PF_HOOK_KEEP_TAIL);
	mlen = (size_t)snprintf(marker, sizeof(marker), "\n[... %llu bytes dropped ...]\n",
				(unsigned long long)res.dropped);
	assert_int_equal(res.output_len, PF_HOOK_KEEP_HEAD + mlen + PF_HOOK_KEEP_TAIL);
	assert_memory_equal(res.output, "STARTxxx", 8);
	for (size_t i = 5; i < PF_HOOK_KEEP_HEAD; i++)
		if (res.output[i] != 'x')
			fail_msg("head byte %zu is %d", i, res.output[i]);
	assert_memory_equal(res.output + PF_HOOK_KEEP_HEAD, marker, mlen);
	for (size_t i = 0; i < PF_HOOK_KEEP_TAIL - 4; i++)
		if (res.output[PF_HOOK_KEEP_HEAD + mlen + i] != 'x')
			fail_msg("tail byte %zu is %d", i, res.output[PF_HOOK_KEEP_HEAD + mlen + i]);
	assert_string_equal(res.output + res.output_len - 8, "xxxxEND\n");
	/* No line ends in the tail but its last: its last line starts after
	 * the marker. */
	assert_ptr_equal(pf_hook_output_tail(&res, 1), res.output + PF_HOOK_KEEP_HEAD + mlen);
	pf_hook_result_clear(&res);
}

/* The ring on its own: any split of the same bytes keeps the same record. */
static void test_capture_splits(void **state)
{
	static const size_t sizes[] = { 1, 7, 4096, 65535, 65536, 65537, 100000, 3 };
	const size_t total = 300000;
	char *data = malloc(total);
	struct pf_hook_result res;
	(void)state;

	assert_non_null(data);
	for (size_t i = 0; i < total; i++)
		data[i] = (char)('a' + i % 23);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pf_capture c;
		size_t off = 0, mlen;
		char marker[64];

		assert_int_equal(pf_capture_init(&c), 0);
		while (off < total) {
			size_t n = total - off < sizes[s] ? total - off : sizes[s];

			pf_capture_add(&c, data + off, n);
			off += n;
		}
		memset(&res, 0, sizeof(res));
		assert_int_equal(pf_capture_finish(&c, &res), 0);
		pf_capture_free(&c);
		mlen = (size_t)snprintf(marker, sizeof(marker), "\n[... %zu bytes dropped ...]\n",
					total - PF_HOOK_KEEP_HEAD - PF_HOOK_KEEP_TAIL);
		assert_int_equal(res.output_len, PF_HOOK_KEEP_HEAD + mlen + PF_HOOK_KEEP_TAIL);
		assert_memory_equal(res.output, data, PF_HOOK_KEEP_HEAD);
		assert_memory_equal(res.output + PF_HOOK_KEEP_HEAD, marker, mlen);
		assert_memory_equal(res.output + PF_HOOK_KEEP_HEAD + mlen,
				    data + total - PF_HOOK_KEEP_TAIL, PF_HOOK_KEEP_TAIL);
		assert_int_equal(res.output[res.output_len], '\0');
		pf_hook_result_clear(&res);
	}
	/* Exactly head + tail: nothing dropped, no marker. */
	{
		struct pf_capture c;

		assert_int_equal(pf_capture_init(&c), 0);
		pf_capture_add(&c, data, 100);
		pf_capture_add(&c, data + 100, PF_HOOK_KEEP_HEAD + PF_HOOK_KEEP_TAIL - 100);
		assert_int_equal(pf_capture_finish(&c, &res), 0);
		pf_capture_free(&c);
		assert_int_equal(res.dropped, 0);
		assert_int_equal(res.output_len, PF_HOOK_KEEP_HEAD + PF_HOOK_KEEP_TAIL);
		assert_memory_equal(res.output, data, PF_HOOK_KEEP_HEAD + PF_HOOK_KEEP_TAIL);
		pf_hook_result_clear(&res);
	}
	free(data);
}

/* A hook that reads stdin gets EOF at once. */
static void test_stdin(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;

	script(t, "reader", "cat\necho eof\n");
	job = job_for(t, "reader");
	job.timeout = 3;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	assert_string_equal(res.output, "eof\n");
	assert_true(res.duration_ms < 2500); /* not the 3 s timeout */
	pf_hook_result_clear(&res);
}

/* Nothing of the caller's environment: /usr/bin/env itself is the hook
 * (a shell would add its own PWD to what it prints). */
static void test_environment(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	char want[1024];

	assert_int_equal(setenv("LD_PRELOAD", "/nonexistent/libpf-test.so", 1), 0);
	assert_int_equal(setenv("http_proxy", "http://proxy.invalid:3128", 1), 0);
	assert_int_equal(setenv("GNUPGHOME", "/root/.gnupg-test", 1), 0);
	assert_int_equal(setenv("HOME", "/root-test", 1), 0);
	job = job_for(t, "env");
	job.path = "/usr/bin/env";
	job.env = (struct pf_hook_env){ .root = t->root, .core = 141, .series = "2.27",
					.phase = "post", .update = 141 };
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	snprintf(want, sizeof(want),
		 "PATH=" PF_HOOK_PATH "\nLANG=C\nPAKFIRE_ROOT=%s\nPAKFIRE_CORE=141\n"
		 "PAKFIRE_SERIES=2.27\nPAKFIRE_PHASE=post\nPAKFIRE_UPDATE=141\n", t->root);
	assert_string_equal(res.output, want);
	pf_hook_result_clear(&res);

	/* A local hook's: no core, the units instead. */
	job.env = (struct pf_hook_env){ .root = "/", .series = "2.27", .phase = "pre-transaction",
					.addon = "tor", .units = "core-141 tor" };
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_string_equal(res.output,
			    "PATH=" PF_HOOK_PATH "\nLANG=C\nPAKFIRE_ROOT=/\nPAKFIRE_SERIES=2.27\n"
			    "PAKFIRE_PHASE=pre-transaction\nPAKFIRE_ADDON=tor\n"
			    "PAKFIRE_UNITS=core-141 tor\n");
	pf_hook_result_clear(&res);
	unsetenv("LD_PRELOAD");
	unsetenv("http_proxy");
	unsetenv("GNUPGHOME");
	unsetenv("HOME");
}

/* The working directory is the root, and a relative path is taken from
 * it whatever pakfire's own working directory is. Only 0, 1, 2 are open. */
static void test_cwd_and_fds(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	char real[PATH_MAX], want[PATH_MAX + 64], path[PATH_MAX];
	int keep = open("/dev/null", O_RDONLY); /* not CLOEXEC: must be closed anyway */

	assert_true(keep >= 3);
	snprintf(path, sizeof(path), "%s/hooks", t->root);
	assert_int_equal(mkdir(path, 0755), 0);
	script(t, "hooks/where", "pwd -P\nls /proc/self/fd\n");
	assert_int_equal(chdir("/"), 0);
	job = job_for(t, "hooks/where");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	assert_non_null(realpath(t->root, real));
	/* ls's own fd 3 is the folder it reads. */
	snprintf(want, sizeof(want), "%s\n0\n1\n2\n3\n", real);
	assert_string_equal(res.output, want);
	pf_hook_result_clear(&res);
	close(keep);
}

static void test_exec_failures(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;

	put_file(t, "noexec", true, "echo never\n", 0644);
	job = job_for(t, "noexec");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_FAILED);
	assert_int_equal(res.exit_code, 126);
	assert_string_equal(res.output, "pakfire: cannot execute noexec: Permission denied\n");
	assert_int_equal(res.output_total, 0);
	pf_hook_result_clear(&res);

	job = job_for(t, "missing");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_FAILED);
	assert_int_equal(res.exit_code, 127);
	assert_string_equal(res.output, "pakfire: cannot execute missing: No such file or directory\n");
	pf_hook_result_clear(&res);

	/* Executable, but neither a program nor a script. */
	put_file(t, "garbage", false, "\x01\x02 not a program\n", 0755);
	job = job_for(t, "garbage");
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.exit_code, 126);
	assert_string_equal(res.output, "pakfire: cannot execute garbage: Exec format error\n");
	pf_hook_result_clear(&res);
}

struct live {
	char buf[256];
	size_t len;
	unsigned events;
	bool wrong_name;
};

static void on_event(const struct pf_event *ev, void *data)
{
	struct live *l = data;

	if (ev->type != PF_EV_HOOK_OUTPUT)
		return;
	l->events++;
	if (strcmp(ev->hook_output.name, "talk") || !ev->hook_output.unit.id ||
	    strcmp(ev->hook_output.unit.id, "core-141"))
		l->wrong_name = true;
	if (l->len + ev->hook_output.len < sizeof(l->buf)) {
		memcpy(l->buf + l->len, ev->hook_output.data, ev->hook_output.len);
		l->len += ev->hook_output.len;
	}
}

static void test_live(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	struct live l = { .len = 0 };

	pf_ctx_set_event_sink(t->ctx, on_event, &l);
	script(t, "talk", "echo one\nsleep 0.2\necho two >&2\n");
	job = job_for(t, "talk");
	job.unit = (struct pf_unit_ref){ .id = "core-141", .number = 141 };
	job.live = true;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_true(l.events >= 2); /* two writes 0.2 s apart: two reads */
	assert_false(l.wrong_name);
	assert_int_equal(l.len, res.output_len);
	assert_memory_equal(l.buf, "one\ntwo\n", 8);
	assert_string_equal(res.output, "one\ntwo\n");
	pf_hook_result_clear(&res);

	/* Not asked: no events, the same record. */
	l.events = 0;
	job.live = false;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(l.events, 0);
	assert_string_equal(res.output, "one\ntwo\n");
	pf_hook_result_clear(&res);
}

struct started {
	pid_t pgid;
	uint64_t start_time, proc_start_time;
	unsigned calls;
	int ret;
	struct pf_ctx *ctx;
	bool sigterm;
};

/* Field 22 of /proc/PID/stat, read independently of proc.c. */
static uint64_t proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &v) != 1)
		return 0;
	return v;
}

static int on_started(void *data, pid_t pgid, uint64_t start_time)
{
	struct started *s = data;

	s->calls++;
	s->pgid = pgid;
	s->start_time = start_time;
	s->proc_start_time = proc_start(pgid);
	if (s->sigterm) {
		/* pakfire's own SIGTERM, a moment after the hook started. */
		usleep(300000);
		kill(getpid(), SIGTERM);
	}
	if (s->ret && s->ctx)
		pf_fail(s->ctx, PF_E_OTHER, "cannot record hook run: database is gone");
	return s->ret;
}

static void test_started(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	struct started s = { .pgid = 0 };
	int pid = 0, pgrp = 0, sid = 0;

	/* Its own session and group: pid, group and session are one id. */
	script(t, "who", "echo $$ $(cut -d' ' -f5 /proc/$$/stat) $(cut -d' ' -f6 /proc/$$/stat)\n");
	job = job_for(t, "who");
	job.started = on_started;
	job.data = &s;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_OK);
	assert_int_equal(sscanf(res.output, "%d %d %d", &pid, &pgrp, &sid), 3);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.pgid, pid);
	assert_int_equal(pgrp, pid);
	assert_int_equal(sid, pid);
	assert_true(s.start_time > 0);
	assert_true(s.start_time == s.proc_start_time);
	pf_hook_result_clear(&res);

	/* Refused by the caller: the hook is killed, the run fails with the
	 * caller's reason. */
	s = (struct started){ .ret = -1, .ctx = t->ctx };
	script(t, "long", "sleep 1000\n");
	job = job_for(t, "long");
	job.started = on_started;
	job.data = &s;
	expect_error(t->ctx, pf_hook_run(t->ctx, &job, &res), PF_E_OTHER,
		     "cannot record hook run: database is gone");
	assert_null(res.output);
	assert_true(gone(s.pgid));

	/* The same without a reason of its own. */
	s = (struct started){ .ret = 1 };
	expect_error(t->ctx, pf_hook_run(t->ctx, &job, &res), PF_E_OTHER,
		     "hook long: its start could not be recorded");
	assert_true(gone(s.pgid));
}

/* A leader that sleeps in its own group, started by hand. */
static pid_t start_group(const char *cmd, int out_fd)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setsid() < 0)
			_exit(126);
		if (out_fd >= 0 && dup2(out_fd, 1) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* Until it is the leader of its group. */
	for (int i = 0; i < 200; i++) {
		pid_t grp = 0;
		uint64_t st;

		if (pf_proc_stat(pid, &grp, &st) == 0 && grp == pid)
			break;
		usleep(5000);
	}
	return pid;
}

/* The boot id from a configured file (boot-id-file, inside the root), the
 * test double of a reboot: its first line; unreadable or empty is an
 * error. */
static void test_boot_id_file(void **state)
{
	char path[] = "/tmp/pf-bootid-XXXXXX", boot[40], mark[40];
	struct pf_ctx *ctx = pf_ctx_new();
	int fd = mkstemp(path);
	(void)state;

	assert_non_null(ctx);
	assert_int_equal(pf_ctx_set_root(ctx, "/"), 0);
	assert_true(fd >= 0);
	assert_int_equal(pf_boot_id(ctx, path, boot), -1);
	assert_int_equal(errno, ENODATA);
	assert_string_equal(boot, "");
	assert_int_equal(write(fd, "1111-2222\nmore\n", 15), 15);
	assert_int_equal(pf_boot_id(ctx, path, boot), 0);
	assert_string_equal(boot, "1111-2222");
	pf_boot_mark(ctx, path, mark);
	assert_string_equal(mark, "1111-2222");
	/* longer than an id: cut, never overflowing */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, "0123456789012345678901234567890123456789xyz", 43, 0), 43);
	assert_int_equal(pf_boot_id(ctx, path, boot), 0);
	assert_int_equal(strlen(boot), 39);
	close(fd);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(pf_boot_id(ctx, path, boot), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(boot, "");
	/* unknown: the time stands in, and this boot started before it */
	pf_boot_mark(ctx, path, mark);
	assert_int_equal(mark[0], '@');
	assert_false(pf_booted_since(mark, ""));
	assert_false(pf_booted_since(mark, "1111-2222"));
	/* a mark from before this boot started: booted since */
	assert_true(pf_booted_since("@1000", ""));
	assert_false(pf_booted_since("@1000x", ""));
	/* ids: another boot only when both are known and differ */
	assert_true(pf_booted_since("1111-2222", "1111-3333"));
	assert_false(pf_booted_since("1111-2222", "1111-2222"));
	assert_false(pf_booted_since("1111-2222", ""));
	assert_false(pf_booted_since("", "1111-2222"));
	pf_ctx_free(ctx);
}

static void test_kill_left(void **state)
{
	uint64_t st;
	pid_t pid, grp, grandchild;
	int status, fds[2];
	char buf[32] = "", boot[40];
	ssize_t n;
	(void)state;

	assert_int_equal(pf_boot_id(NULL, NULL, boot), 0);
	assert_int_equal(strlen(boot), 36);

	/* A live leader: killed with its start time, left alone without. */
	pid = start_group("exec sleep 1000", -1);
	assert_int_equal(pf_proc_stat(pid, &grp, &st), 0);
	assert_int_equal(grp, pid);
	assert_int_equal(pf_hook_kill_left(pid, st + 1, boot, boot), 0);
	usleep(100000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(pf_hook_kill_left(pid, st, boot, boot), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* The leader is gone, a member of its group is left. */
	assert_int_equal(pipe(fds), 0);
	pid = start_group("sleep 1000 & echo $!", fds[1]);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	grandchild = atoi(buf);
	assert_true(grandchild > 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(kill(grandchild, 0), 0);
	assert_int_equal(pf_hook_kill_left(pid, 12345, boot, boot), 0);
	assert_true(gone(grandchild));
	close(fds[0]);

	/* Another boot's group id is anyone's: never killed. */
	pid = start_group("exec sleep 1000", -1);
	assert_int_equal(pf_proc_stat(pid, &grp, &st), 0);
	assert_int_equal(pf_hook_kill_left(pid, st, "00000000-0000-0000-0000-000000000000", boot), 0);
	assert_int_equal(pf_hook_kill_left(pid, st, "", boot), 0);
	/* nor when this boot's id is unknown */
	assert_int_equal(pf_hook_kill_left(pid, st, boot, ""), 0);
	assert_int_equal(pf_hook_kill_left(pid, st, boot, NULL), 0);
	usleep(100000);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(pf_hook_kill_left(pid, st, boot, boot), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	/* Nothing left at all. */
	assert_int_equal(pf_hook_kill_left(pid, 12345, boot, boot), 0);
	/* Ids that would reach far more than a group. */
	errno = 0;
	assert_int_equal(pf_hook_kill_left(0, 1, boot, boot), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pf_hook_kill_left(1, 1, boot, boot), -1);
	assert_int_equal(pf_hook_kill_left(-5, 1, boot, boot), -1);
}

/* pakfire's own SIGTERM while a hook runs: passed on to its group (the
 * hook was not started with pakfire's blocked mask, so TERM ends it at
 * once), recorded as the context's stop signal, outcome interrupted. */
static void test_interrupt(void **state)
{
	struct t *t = *state;
	struct pf_hook_result res;
	struct pf_hook_job job;
	struct started s = { .sigterm = true };
	struct timespec zero = { 0, 0 };
	sigset_t set;

	assert_int_equal(pf_ctx_watch_signals(t->ctx), 0);
	script(t, "sleeper", "sleep 1000 & echo $! > pid\nsleep 1000\n");
	job = job_for(t, "sleeper");
	job.grace = 3;
	job.started = on_started;
	job.data = &s;
	assert_int_equal(pf_hook_run(t->ctx, &job, &res), 0);
	assert_int_equal(res.outcome, PF_HOOK_INTERRUPTED);
	assert_string_equal(pf_hook_outcome_name(res.outcome), "interrupted");
	assert_int_equal(res.stop_signal, SIGTERM);
	assert_int_equal(t->ctx->stop_signal, SIGTERM);
	assert_int_equal(res.signal, SIGTERM);
	assert_true(res.duration_ms < 2900); /* TERM obeyed: no KILL after the 3 s grace */
	assert_true(gone(read_pid(t, "pid")));
	assert_true(gone(s.pgid));
	pf_hook_result_clear(&res);

	/* Back to normal for the tests after this one. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
}

static void test_names_and_tail(void **state)
{
	struct pf_hook_result res = { .output = (char *)"a\nb\nc\n", .output_len = 6 };
	(void)state;

	assert_string_equal(pf_hook_outcome_name(PF_HOOK_OK), "ok");
	assert_string_equal(pf_hook_outcome_name(PF_HOOK_FAILED), "failed");
	assert_string_equal(pf_hook_outcome_name(PF_HOOK_KILLED), "killed");
	assert_string_equal(pf_hook_outcome_name(PF_HOOK_TIMEOUT), "timeout");
	assert_string_equal(pf_hook_outcome_name(PF_HOOK_INTERRUPTED), "interrupted");
	assert_string_equal(pf_hook_output_tail(&res, 1), "c\n");
	assert_string_equal(pf_hook_output_tail(&res, 2), "b\nc\n");
	assert_string_equal(pf_hook_output_tail(&res, 3), "a\nb\nc\n");
	assert_string_equal(pf_hook_output_tail(&res, 9), "a\nb\nc\n");
	assert_string_equal(pf_hook_output_tail(&res, 0), "");
	res.output = (char *)"a\nb";
	res.output_len = 3;
	assert_string_equal(pf_hook_output_tail(&res, 1), "b");
	res.output = NULL;
	res.output_len = 0;
	assert_string_equal(pf_hook_output_tail(&res, 3), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok_and_failed, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kill, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_leftover, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_escaped, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_big_output, t_setup, t_teardown),
		cmocka_unit_test(test_capture_splits),
		cmocka_unit_test_setup_teardown(test_stdin, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_environment, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_cwd_and_fds, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_exec_failures, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_live, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_started, t_setup, t_teardown),
		cmocka_unit_test(test_boot_id_file),
		cmocka_unit_test(test_kill_left),
		cmocka_unit_test_setup_teardown(test_interrupt, t_setup, t_teardown),
		cmocka_unit_test(test_names_and_tail),
	};

	return cmocka_run_group_tests_name("hook-run", tests, NULL, NULL);
}
