/* cli/progress.c and render-progress.c: the moving rate and the time left
 * from figures at given times, how sizes and times read, which transfer an
 * event is about; and the block a terminal gets, read from what is written
 * to stderr (a file here, with o->tty set): a line per transfer, a Total
 * line for a batch, the step line, erased at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/error.h"
#include "base/event.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/render.h"

static void test_rate_over_the_window(void **state)
{
	struct progress_rate r = { 0 };

	(void)state;
	assert_int_equal(progress_rate_get(&r), 0);
	progress_rate_add(&r, 1000, 0);
	assert_int_equal(progress_rate_get(&r), 0);      /* one sample: no rate */
	progress_rate_add(&r, 1100, 10000);
	assert_int_equal(progress_rate_get(&r), 0);      /* 0.1 s: too short to say */
	for (int64_t t = 1200; t <= 3000; t += 200)
		progress_rate_add(&r, t, (uint64_t)(t - 1000) * 100);
	/* 100 bytes a millisecond: 100,000 a second */
	assert_int_equal(progress_rate_get(&r), 100000);
	/* It slows down to 10,000 a second: after the window, only that counts. */
	for (int64_t t = 3200; t <= 6000; t += 200)
		progress_rate_add(&r, t, 200000 + (uint64_t)(t - 3000) * 10);
	assert_int_equal(progress_rate_get(&r), 10000);
	/* Events closer together than the step keep the window at 2 s. */
	for (int64_t t = 6010; t <= 8000; t += 10)
		progress_rate_add(&r, t, 230000 + (uint64_t)(t - 6000) * 10);
	assert_int_equal(progress_rate_get(&r), 10000);
	/* A count that goes back: a new attempt, figures afresh. */
	progress_rate_add(&r, 8100, 5);
	assert_int_equal(progress_rate_get(&r), 0);
}

static void test_eta_and_formats(void **state)
{
	char b[48];

	(void)state;
	assert_int_equal(progress_eta(0, 0, 1000), -1);      /* no total */
	assert_int_equal(progress_eta(0, 1000, 0), -1);      /* no rate */
	assert_int_equal(progress_eta(1000, 1000, 0), 0);    /* done */
	assert_int_equal(progress_eta(0, 1001, 1000), 2);    /* rounded up */
	progress_format_eta(-1, b);
	assert_string_equal(b, "--:--");
	progress_format_eta(3, b);
	assert_string_equal(b, "0:03");
	progress_format_eta(754, b);
	assert_string_equal(b, "12:34");
	progress_format_eta(3723, b);
	assert_string_equal(b, "1:02:03");
	progress_format_eta(100 * 3600, b);
	assert_string_equal(b, "--:--");
	progress_format_rate(0, b);
	assert_string_equal(b, "--/s");
	progress_format_rate(1258291, b);
	assert_string_equal(b, "1.2 MiB/s");
	progress_format_pair(2202009, 6291456, b);
	assert_string_equal(b, "2.1/6.0 MiB");
	progress_format_pair(100, 500, b);
	assert_string_equal(b, "100/500 B");
	progress_format_pair(2048, 0, b);
	assert_string_equal(b, "2.0 KiB");
}

static struct pf_ev_download dl(const char *file, unsigned slot, uint64_t done, uint64_t total)
{
	return (struct pf_ev_download){ .file = file, .slot = slot, .done = done, .total = total };
}

static void test_transfers_by_slot_and_file(void **state)
{
	struct progress *p = calloc(1, sizeof(*p));
	struct progress_xfer *xs[PROGRESS_XFERS], *a, *b;
	struct pf_ev_download d;

	(void)state;
	assert_non_null(p);
	d = dl("core-141.pak", 1, 0, 100);
	a = progress_xfer_of(p, &d, true, 0);
	d = dl("core-140.pak", 0, 0, 100);
	b = progress_xfer_of(p, &d, true, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(progress_active(p, xs), 2);
	assert_ptr_equal(xs[0], b);                          /* slot order */
	assert_ptr_equal(xs[1], a);
	d = dl("core-141.pak", 1, 50, 100);
	assert_ptr_equal(progress_xfer_of(p, &d, false, 0), a);
	/* Slot 1 moved on to another file: the one before is over. */
	d = dl("core-142.pak", 1, 0, 100);
	assert_ptr_equal(progress_xfer_of(p, &d, true, 0), a);
	assert_string_equal(a->file, "core-142.pak");
	assert_int_equal(progress_active(p, xs), 2);
	/* A mirror's failure names the file by its path on the mirror. */
	progress_forget(p, "core/core-142.pak");
	assert_int_equal(progress_active(p, xs), 1);
	progress_forget(p, "core-140.pak");
	assert_int_equal(progress_active(p, xs), 0);
	free(p);
}

/* What the renderers write on "the terminal" (stderr, to a file here). */
struct term {
	char path[64];
	int saved;
	FILE *f;
};

static void term_open(struct term *t)
{
	int fd;

	snprintf(t->path, sizeof(t->path), "/tmp/pf-test-progress.XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	fflush(stderr);
	t->saved = dup(STDERR_FILENO);
	assert_true(t->saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

/* Everything written since term_open (or the last read), as a string. */
static char *term_read(struct term *t)
{
	FILE *f;
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(buf);
	fflush(stderr);
	f = fopen(t->path, "r");
	assert_non_null(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	assert_int_equal(truncate(t->path, 0), 0);
	assert_true(lseek(STDERR_FILENO, 0, SEEK_SET) == 0);
	return buf;
}

static void term_close(struct term *t)
{
	fflush(stderr);
	dup2(t->saved, STDERR_FILENO);
	close(t->saved);
	unlink(t->path);
}

static void emit(struct output *o, enum pf_event_type type, struct pf_ev_download d)
{
	struct pf_event ev = { .type = type, .download = d };

	render_text(o, &ev);
}

static void test_block_on_a_terminal(void **state)
{
	struct output o;
	struct term t;
	struct pf_event ev;
	char *s;

	(void)state;
	assert_int_equal(output_open(&o, false, 0), 0);
	o.tty = true;
	term_open(&t);
	emit(&o, PF_EV_DOWNLOAD_START, dl("core-140.pak", 0, 0, 6291456));
	emit(&o, PF_EV_DOWNLOAD_START, dl("core-141.pak", 1, 0, 1048576));
	ev = (struct pf_event){ .type = PF_EV_DOWNLOAD_TOTAL,
				.download_total = { .files_done = 0, .files = 2, .done = 0,
						    .total = 7340032 } };
	render_text(&o, &ev);
	s = term_read(&t);
	/* Two bars and the Total line, drawn in place: up over the two
	 * lines the second start drew, each line cleared to its end. */
	assert_non_null(strstr(s, "\rcore-140.pak "));
	assert_non_null(strstr(s, "\rcore-141.pak "));
	assert_non_null(strstr(s, "\rTotal 0/2 files "));
	assert_non_null(strstr(s, "0.0/7.0 MiB"));
	assert_non_null(strstr(s, "\033[2A"));
	assert_non_null(strstr(s, "\033[K\n"));
	free(s);
	/* A step line with its spinner, below the transfers. */
	ev = (struct pf_event){ .type = PF_EV_ACTIVITY,
				.activity = { .unit = "core-139", .what = "staging", .done = 1200,
					      .total = 2407 } };
	render_text(&o, &ev);
	s = term_read(&t);
	assert_non_null(strstr(s, " staging core-139  1200/2407 files\033[K\n"));
	free(s);
	/* The end: all of it erased (up over its 4 lines, cleared below). */
	render_text_end_progress(&o);
	s = term_read(&t);
	assert_string_equal(s, "\033[4A\r\033[J");
	free(s);
	render_text_end_progress(&o);
	s = term_read(&t);
	assert_string_equal(s, "");                          /* nothing left to erase */
	free(s);
	term_close(&t);
	output_close(&o);
}

/* No line of the block is wider than the terminal (80 columns when it is
 * not one, as here): a name that comes from the network is cut, and its
 * control characters never reach the terminal. */
static void test_lines_fit_and_names_are_printable(void **state)
{
	struct output o;
	struct term t;
	char *s, *line;

	(void)state;
	assert_int_equal(output_open(&o, false, 0), 0);
	o.tty = true;
	term_open(&t);
	emit(&o, PF_EV_DOWNLOAD_START,
	     dl("a-very-long-name-\033]0;evil\007-that-goes-on-and-on.pak", 0, 5, 10));
	s = term_read(&t);
	assert_null(strchr(s, '\007'));
	assert_null(strstr(s, "\033]"));
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char *text = strrchr(line, '\r');

		text = text ? text + 1 : line;
		if (strstr(text, "\033[K"))
			*strstr(text, "\033[K") = '\0';
		if (strlen(text) > 79)
			fail_msg("a line of %zu columns: %s", strlen(text), text);
	}
	free(s);
	render_text_end_progress(&o);
	free(term_read(&t));
	term_close(&t);
	output_close(&o);
}

/* --json: the stream's step holds a transfer's progress back for half a
 * second, and tells it at the next event once the step passed, so that
 * the last bytes of a burst are not lost; a failure names the file and
 * the mirror as the transfer's lines do. */
static void test_json_stream_tells_what_it_held(void **state)
{
	struct output o;
	struct term t;
	struct pf_ev_download d = dl("core-141.pak", 1, 0, 1000);
	struct pf_event ev;
	char *s;

	(void)state;
	assert_int_equal(output_open(&o, true, 0), 0);
	term_open(&t);
	d.mirror = "127.0.0.1:8080";
	d.unit = "core-141";
	render_json_progress(&o, &(struct pf_event){ .type = PF_EV_DOWNLOAD_START, .download = d });
	d.done = 400;
	render_json_progress(&o, &(struct pf_event){ .type = PF_EV_DOWNLOAD_PROGRESS, .download = d });
	s = term_read(&t);
	assert_non_null(strstr(s, "\"event\":\"download-start\""));
	assert_null(strstr(s, "download-progress")); /* within the step: held */
	free(s);
	usleep(600 * 1000);
	/* Another event after the step: the held 400 bytes come out. */
	ev = (struct pf_event){ .type = PF_EV_ACTIVITY,
				.activity = { .unit = "core-140", .what = "syncing" } };
	render_json_progress(&o, &ev);
	s = term_read(&t);
	assert_non_null(strstr(s, "{\"event\":\"download-progress\",\"file\":\"core-141.pak\","
				  "\"unit\":\"core-141\",\"mirror\":\"127.0.0.1:8080\",\"slot\":1,"
				  "\"done\":400,"));
	assert_non_null(strstr(s, "\"event\":\"activity\""));
	free(s);
	render_json_progress(&o, &ev);
	s = term_read(&t);
	assert_null(strstr(s, "download-progress")); /* told once */
	free(s);
	ev = (struct pf_event){ .type = PF_EV_DOWNLOAD_FAILED,
				.download_failed = { .file = "core/core-141.pak",
						     .mirror = "http://127.0.0.1:8080/pakfire",
						     .cls = PF_E_VERIFY, .message = "bad", .next = true } };
	render_json_progress(&o, &ev);
	s = term_read(&t);
	assert_non_null(strstr(s, "{\"event\":\"download-failed\",\"file\":\"core-141.pak\","
				  "\"path\":\"core/core-141.pak\",\"mirror\":\"127.0.0.1:8080\","
				  "\"slot\":1,\"error_class\":\"verification failed\","));
	free(s);
	/* Forgotten with its failure: a second one has no slot to name. */
	ev.download_failed.mirror = "file:///media/usb";
	render_json_progress(&o, &ev);
	s = term_read(&t);
	assert_non_null(strstr(s, "\"mirror\":\"local\",\"error_class\""));
	free(s);
	term_close(&t);
	output_close(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_over_the_window),
		cmocka_unit_test(test_eta_and_formats),
		cmocka_unit_test(test_transfers_by_slot_and_file),
		cmocka_unit_test(test_block_on_a_terminal),
		cmocka_unit_test(test_json_stream_tells_what_it_held),
		cmocka_unit_test(test_lines_fit_and_names_are_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
