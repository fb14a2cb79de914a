/* cli/log-line.c and cli/log-event.c: a line of pakfire.log byte for byte
 * (the prefix, bare and quoted values, what is escaped, the cut of a long
 * value and of a full line), the events' names and fields, and when syslog
 * is written (cli/log.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "unit.h"

#include "cli/log.h"
#include "cli/log-line.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_syslog_wanted),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
