/* cli/log-line.c and cli/log-event.c: a line of pakfire.log byte for byte
 * (the prefix, bare and quoted values, what is escaped, the cut of a long
 * value and of a full line), the events' names and fields, and when syslog
 * is written (cli/log.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "unit.h"

#include "base/path.h"
#include "cli/log.h"
#include "cli/log-line.h"

/* cli/log.c: the file in a root of its own (log_open .. log_end). */
struct root {
	struct pf_ctx *ctx;
	char base[64];
	int fd;                 /* the root, to look at what was written */
	struct cli_log *log;
};

/* 2026-11-25T10:00:00Z */
#define T0 ((time_t)1795600800)

static const char *finish(struct log_line *l)
{
	size_t n;
	const char *s = log_line_end(l, &n);

	assert_int_equal(n, strlen(s));
	return s;
}

static void test_prefix(void **state)
{
	struct log_line *l = malloc(sizeof(*l));
	(void)state;

	assert_non_null(l);
	log_line_start(l, T0, 4242, 0, "status", "start");
	assert_string_equal(finish(l),
			    "2026-11-25T10:00:00Z pid=4242 tx=- cmd=status event=start\n");
	log_line_start(l, T0, 7, 17, "upgrade", "transaction-step");
	log_line_str(l, "unit", "core-141");
	log_line_str(l, "detail", NULL); /* no value: no field */
	log_line_uint(l, "needed", 18446744073709551615ULL);
	log_line_int(l, "exit", -1);
	log_line_bool(l, "reboot", true);
	assert_string_equal(finish(l), "2026-11-25T10:00:00Z pid=7 tx=17 cmd=upgrade"
			    " event=transaction-step unit=core-141 needed=18446744073709551615"
			    " exit=-1 reboot=yes\n");
	free(l);
}

/* Nothing but printable ASCII reaches the file, and a value is one field. */
static void test_escaping(void **state)
{
	struct log_line *l = malloc(sizeof(*l));
	(void)state;

	assert_non_null(l);
	log_line_start(l, T0, 1, 2, "x", "e");
	log_line_str(l, "a", "two words");
	log_line_str(l, "b", "line\nbreak\r\t\x1b[31m");
	log_line_str(l, "c", "bad \xff\xfe utf-8, good \xc3\xa9");
	log_line_str(l, "d", "say \"hi\" \\ back");
	log_line_str(l, "e", "");
	log_line_mem(l, "f", "nul\0byte", 8);
	log_line_str(l, "g", "k=v/path:1,2");
	assert_string_equal(finish(l), "2026-11-25T10:00:00Z pid=1 tx=2 cmd=x event=e"
			    " a=\"two words\""
			    " b=\"line\\x0abreak\\x0d\\x09\\x1b[31m\""
			    " c=\"bad \\xff\\xfe utf-8, good \\xc3\\xa9\""
			    " d=\"say \\x22hi\\x22 \\\\ back\""
			    " e=\"\""
			    " f=\"nul\\x00byte\""
			    " g=k=v/path:1,2\n");
	free(l);
}

static void test_cuts(void **state)
{
	struct log_line *l = malloc(sizeof(*l));
	char *big = malloc(3 * LOG_LINE_MAX);
	const char *s, *q;
	(void)state;

	assert_non_null(l);
	assert_non_null(big);
	/* A long value: quoted, cut with "..." at LOG_VALUE_MAX. */
	memset(big, 'a', 3 * LOG_LINE_MAX - 1);
	big[3 * LOG_LINE_MAX - 1] = '\0';
	log_line_start(l, T0, 1, 2, "x", "e");
	log_line_str(l, "v", big);
	log_line_str(l, "msg", "last");
	s = finish(l);
	q = strstr(s, " v=\"");
	assert_non_null(q);
	assert_int_equal(strchr(q + 4, '"') - (q + 4) + 2, LOG_VALUE_MAX);
	assert_memory_equal(strchr(q + 4, '"') - 3, "...", 3);
	assert_non_null(strstr(s, "...\" msg=last\n"));
	/* Escapes are never cut in half. */
	memset(big, '\n', LOG_VALUE_MAX);
	big[LOG_VALUE_MAX] = '\0';
	log_line_start(l, T0, 1, 2, "x", "e");
	log_line_str(l, "v", big);
	s = finish(l);
	assert_non_null(strstr(s, "\\x0a...\"\n"));
	/* A line full of fields ends in " ..." and its newline, in bounds. */
	memset(big, 'b', LOG_VALUE_MAX - 10);
	big[LOG_VALUE_MAX - 10] = '\0';
	log_line_start(l, T0, 1, 2, "x", "e");
	for (int i = 0; i < 20; i++)
		log_line_str(l, "k", big);
	s = finish(l);
	assert_true(strlen(s) <= LOG_LINE_MAX);
	assert_string_equal(s + strlen(s) - 5, " ...\n");
	assert_null(strchr(s, '\n') == s + strlen(s) - 1 ? NULL : "two newlines");
	free(big);
	free(l);
}

static const char *event_line(struct log_line *l, const struct pf_event *ev, bool brief)
{
	const char *name = log_event_name(ev, brief);

	if (!name)
		return NULL;
	log_line_start(l, T0, 9, 5, "upgrade", name);
	log_event_fields(l, ev);
	return finish(l);
}

static void test_events(void **state)
{
	struct log_line *l = malloc(sizeof(*l));
	struct pf_event ev = { .type = PF_EV_TX_STEP,
		.tx = { .id = 5, .unit = "core-141", .step = "failed", .detail = "bad\nsum" } };
	(void)state;

	assert_non_null(l);
	assert_string_equal(event_line(l, &ev, false),
			    "2026-11-25T10:00:00Z pid=9 tx=5 cmd=upgrade event=transaction-step"
			    " unit=core-141 step=failed detail=\"bad\\x0asum\"\n");
	/* The record is logged by a command that only reads too. */
	assert_non_null(event_line(l, &ev, true));
	ev = (struct pf_event){ .type = PF_EV_TX_END,
		.tx = { .id = 5, .outcome = "failed", .exit_code = 4, .error = "x: bad" } };
	assert_string_equal(event_line(l, &ev, false),
			    "2026-11-25T10:00:00Z pid=9 tx=5 cmd=upgrade event=transaction-end"
			    " outcome=failed exit=4 error=\"x: bad\"\n");
	assert_int_equal(log_event_priority(&ev), LOG_ERR);
	ev.tx.outcome = "ok";
	assert_int_equal(log_event_priority(&ev), LOG_INFO);
	/* A unit: the JSON document's names. */
	ev = (struct pf_event){ .type = PF_EV_UNIT_BEGIN,
		.begin = { .unit = { .id = "core-141", .number = 141 } } };
	assert_string_equal(event_line(l, &ev, false),
			    "2026-11-25T10:00:00Z pid=9 tx=5 cmd=upgrade event=update-begin"
			    " unit=core-141\n");
	assert_null(event_line(l, &ev, true)); /* brief: not logged */
	assert_int_equal(log_event_priority(&ev), LOG_INFO);
	/* Never logged: progress ticks and a hook's output. */
	ev = (struct pf_event){ .type = PF_EV_DOWNLOAD_PROGRESS };
	assert_null(log_event_name(&ev, false));
	ev = (struct pf_event){ .type = PF_EV_HOOK_OUTPUT };
	assert_null(log_event_name(&ev, false));
	/* A hook's failure goes to syslog, its success not; its tail not at
	 * all. */
	ev = (struct pf_event){ .type = PF_EV_HOOK_DONE,
		.hook = { .phase = "pre", .name = "10-stop", .run_id = 3, .outcome = "failed",
			  .exit_code = 1, .duration_ms = 12, .tail = "secret output" } };
	assert_string_equal(event_line(l, &ev, false),
			    "2026-11-25T10:00:00Z pid=9 tx=5 cmd=upgrade event=hook-done"
			    " phase=pre hook=10-stop run=3 outcome=failed exit=1 duration_ms=12\n");
	assert_int_equal(log_event_priority(&ev), LOG_ERR);
	ev.hook.outcome = "ok";
	assert_int_equal(log_event_priority(&ev), -1);
	/* A kept file's path with a newline stays on its line. */
	ev = (struct pf_event){ .type = PF_EV_FILE_KEPT,
		.kept = { .unit = { .id = "core-141", .number = 141 }, .path = "etc/a\nb\xff",
			  .reason = "changed by the owner" } };
	assert_string_equal(event_line(l, &ev, false),
			    "2026-11-25T10:00:00Z pid=9 tx=5 cmd=upgrade event=file-kept"
			    " unit=core-141 path=\"etc/a\\x0ab\\xff\" msg=\"changed by the owner\"\n");
	free(l);
}

static void test_syslog_wanted(void **state)
{
	(void)state;
	assert_true(log_syslog_wanted(NULL));
	assert_true(log_syslog_wanted("/"));
	assert_true(log_syslog_wanted("//"));
	assert_true(log_syslog_wanted("/./"));
	assert_false(log_syslog_wanted("/tmp/root"));
	assert_false(log_syslog_wanted("root"));
	assert_false(log_syslog_wanted("."));
	assert_false(log_syslog_wanted("/.."));
	assert_false(log_syslog_wanted(""));
}

static int root_setup(void **state)
{
	struct root *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	snprintf(r->base, sizeof(r->base), "/tmp/pf-test-log.XXXXXX");
	r->ctx = pf_ctx_new();
	r->log = malloc(sizeof(*r->log));
	if (!r->ctx || !r->log || !mkdtemp(r->base) || pf_ctx_set_root(r->ctx, r->base) < 0)
		return -1;
	r->fd = open(r->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0)
		return -1;
	log_init(r->log);
	*state = r;
	return 0;
}

static int root_teardown(void **state)
{
	struct root *r = *state;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	log_close(r->log);
	if (fd < 0 || pf_rmtree_at(fd, r->base + strlen("/tmp/")) < 0)
		return -1;
	close(fd);
	close(r->fd);
	pf_ctx_free(r->ctx);
	free(r->log);
	free(r);
	return 0;
}

static char *args[] = { "pakfire", "--quiet", "status", NULL };

/* A run of COMMAND as HOW says (brief, create, size, tx), with EVENTS
 * (N of them), ending with CODE and, when ERROR, that error on the
 * context. */
static void log_run(struct root *r, const struct log_how *how, const struct pf_event *events,
		    size_t n, int code, const char *error)
{
	log_open(r->log, r->ctx, how, 3, args);
	for (size_t i = 0; i < n; i++)
		log_event(r->log, &events[i]);
	if (error)
		pf_fail(r->ctx, PF_E_USAGE, "%s", error);
	log_end(r->log, r->ctx, code, false);
	log_close(r->log);
	pf_clear_error(r->ctx);
}

/* The log's content (NULL: no such file), and its number of lines. */
static char *log_text(struct root *r, const char *name, size_t *lines)
{
	char path[128], *buf = calloc(1, 65536);
	int fd;
	ssize_t n;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "var/log/pakfire/%s", name);
	fd = openat(r->fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	n = read(fd, buf, 65535);
	assert_true(n >= 0);
	close(fd);
	*lines = 0;
	for (ssize_t i = 0; i < n; i++)
		*lines += buf[i] == '\n';
	return buf;
}

static void put_file(struct root *r, const char *path, size_t size)
{
	int fd = openat(r->fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	char line[64];

	assert_true(fd >= 0);
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	for (size_t done = 0; done < size; done += sizeof(line))
		assert_int_equal(write(fd, line, sizeof(line)), (ssize_t)sizeof(line));
	close(fd);
}

static void make_log_folder(struct root *r)
{
	assert_int_equal(mkdirat(r->fd, "var", 0755), 0);
	assert_int_equal(mkdirat(r->fd, "var/log", 0755), 0);
	assert_int_equal(mkdirat(r->fd, "var/log/pakfire", 0750), 0);
}

/* A command that only reads and ends well: one line, with its duration;
 * a dry run's record is named by tx= and not repeated. */
static void test_brief_run_is_one_line(void **state)
{
	struct root *r = *state;
	const struct log_how how = { .cmd = "status", .size = 1 << 20, .brief = true };
	const struct pf_event dry[] = {
		{ .type = PF_EV_TX_BEGIN, .tx = { .id = 5, .command = "upgrade", .dry_run = true } },
		{ .type = PF_EV_TX_END, .tx = { .id = 5, .outcome = "ok" } },
		{ .type = PF_EV_INFO, .text = { .message = "nothing to do" } }, /* brief: not logged */
	};
	size_t lines;
	char *s;

	log_run(r, &how, NULL, 0, 36, NULL);
	s = log_text(r, "pakfire.log", &lines);
	assert_non_null(s);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(s, " tx=- cmd=status event=run args=\"--quiet status\" exit=36"
			       " duration_ms="));
	free(s);
	log_run(r, &how, dry, 3, 0, NULL);
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 2);
	assert_non_null(strstr(s, " tx=5 cmd=status event=run args=\"--quiet status\" exit=0"
			       " duration_ms="));
	assert_null(strstr(s, "event=transaction"));
	free(s);
}

/* With a warning or an error, a brief run keeps its start, what it said
 * and its end (the start held back comes first, with its own time). */
static void test_brief_run_with_news_keeps_its_story(void **state)
{
	struct root *r = *state;
	const struct log_how how = { .cmd = "status", .size = 1 << 20, .brief = true };
	const struct pf_event warn[] = {
		{ .type = PF_EV_TX_BEGIN, .tx = { .id = 6, .command = "upgrade", .dry_run = true } },
		{ .type = PF_EV_WARNING, .text = { .message = "cannot read the boot id" } },
	};
	size_t lines;
	char *s;

	log_run(r, &how, warn, 2, 36, NULL);
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 4);
	assert_non_null(strstr(s, " tx=- cmd=status event=start args=\"--quiet status\"\n"));
	assert_non_null(strstr(s, " tx=6 cmd=status event=transaction command=upgrade dry_run=yes\n"));
	assert_non_null(strstr(s, " tx=6 cmd=status event=warning msg=\"cannot read the boot id\"\n"));
	assert_non_null(strstr(s, " tx=6 cmd=status event=end exit=36 duration_ms="));
	assert_true(strstr(s, "event=start") < strstr(s, "event=transaction"));
	assert_true(strstr(s, "event=transaction") < strstr(s, "event=warning"));
	free(s);
	log_run(r, &how, NULL, 0, 2, "history 99: no such run");
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 6);
	assert_non_null(strstr(s, " tx=- cmd=status event=end exit=2 duration_ms="));
	assert_non_null(strstr(s, " error=\"history 99: no such run\"\n"));
	assert_null(strstr(s, "event=run"));
	free(s);
}

/* The configuration could not be read: nothing is made in the root; an
 * existing pakfire.log is appended to (not rotated). */
static void test_unread_configuration_makes_nothing(void **state)
{
	struct root *r = *state;
	const struct log_how how = { .cmd = "status", .size = 4096, .create = LOG_EXISTING };
	struct stat st;
	size_t lines;
	char *s;

	log_run(r, &how, NULL, 0, 2, "pakfire.conf does not exist");
	assert_int_equal(fstatat(r->fd, "var", &st, 0), -1);
	make_log_folder(r);
	log_run(r, &how, NULL, 0, 2, "pakfire.conf does not exist");
	assert_null(log_text(r, "pakfire.log", &lines));
	put_file(r, "var/log/pakfire/pakfire.log", 8192);
	log_run(r, &how, NULL, 0, 2, "pakfire.conf does not exist");
	s = log_text(r, "pakfire.log", &lines);
	assert_non_null(s);
	assert_int_equal(lines, 8192 / 64 + 2);
	assert_non_null(strstr(s, " event=end exit=2 duration_ms="));
	assert_null(log_text(r, "pakfire.log.1", &lines));
	free(s);
}

/* init: the log is made once it succeeded, with what it held back. */
static void test_init_makes_the_log_only_when_it_succeeded(void **state)
{
	struct root *r = *state;
	const struct log_how how = { .cmd = "init", .size = 1 << 20, .create = LOG_CREATE_IF_OK };
	const struct pf_event info = { .type = PF_EV_INFO,
		.text = { .message = "Initialised 2.25 (x86_64) at core 138." } };
	struct stat st;
	size_t lines;
	char *s;

	log_run(r, &how, &info, 1, 2, "init --series 2.26, but pakfire.conf says series = 2.25");
	assert_int_equal(fstatat(r->fd, "var", &st, 0), -1);
	log_run(r, &how, &info, 1, 0, NULL);
	s = log_text(r, "pakfire.log", &lines);
	assert_non_null(s);
	assert_int_equal(lines, 3);
	assert_non_null(strstr(s, " cmd=init event=start "));
	assert_true(strstr(s, "event=start") < strstr(s, "event=info"));
	assert_true(strstr(s, "event=info") < strstr(s, "event=end exit=0"));
	assert_int_equal(fstatat(r->fd, "var/log/pakfire", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	free(s);
	/* Once there, a refused init appends like any run. */
	log_run(r, &how, NULL, 0, 2, "the database exists already");
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 5);
	free(s);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Another process's flock on pakfire.log (here another open file of it:
 * flock locks are per open file) never makes pakfire wait: it appends and
 * rotates another time. */
static void test_rotation_never_waits(void **state)
{
	struct root *r = *state;
	const struct log_how how = { .cmd = "upgrade", .size = 4096 };
	struct timespec t0;
	size_t lines;
	int held;
	char *s;

	make_log_folder(r);
	put_file(r, "var/log/pakfire/pakfire.log", 8192);
	held = openat(r->fd, "var/log/pakfire/pakfire.log", O_RDONLY | O_CLOEXEC);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_EX), 0);
	alarm(10); /* a blocking flock: killed, failed */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_run(r, &how, NULL, 0, 0, NULL);
	alarm(0);
	assert_true(seconds_since(&t0) < 1.0);
	assert_null(log_text(r, "pakfire.log.1", &lines));
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 8192 / 64 + 2);
	free(s);
	close(held);
	log_run(r, &how, NULL, 0, 0, NULL);
	s = log_text(r, "pakfire.log.1", &lines);
	assert_non_null(s);
	assert_int_equal(lines, 8192 / 64 + 2);
	free(s);
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 2);
	free(s);
}

/* A restarted pakfire: its start line names its record, and it never
 * rotates (the transaction's lines stay in one file). */
static void test_restarted_run_names_its_record_and_never_rotates(void **state)
{
	struct root *r = *state;
	const struct log_how how = { .cmd = "upgrade", .size = 4096, .tx = 12 };
	size_t lines;
	char *s;

	make_log_folder(r);
	put_file(r, "var/log/pakfire/pakfire.log", 8192);
	log_run(r, &how, NULL, 0, 0, NULL);
	assert_null(log_text(r, "pakfire.log.1", &lines));
	s = log_text(r, "pakfire.log", &lines);
	assert_int_equal(lines, 8192 / 64 + 2);
	assert_non_null(strstr(s, " tx=12 cmd=upgrade event=start args="));
	assert_non_null(strstr(s, " tx=12 cmd=upgrade event=end exit=0"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_syslog_wanted),
		cmocka_unit_test_setup_teardown(test_brief_run_is_one_line, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_brief_run_with_news_keeps_its_story, root_setup,
						root_teardown),
		cmocka_unit_test_setup_teardown(test_unread_configuration_makes_nothing, root_setup,
						root_teardown),
		cmocka_unit_test_setup_teardown(test_init_makes_the_log_only_when_it_succeeded,
						root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_never_waits, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_restarted_run_names_its_record_and_never_rotates,
						root_setup, root_teardown),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
