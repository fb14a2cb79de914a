/* fetch/sink.c: the progress throttle. PROGRESS events come at most 5 a
 * second, and what the step held back is told once it has passed
 * (pf_sink_due): a bar never stays short of the bytes that came when a
 * burst ends, and a stalled transfer is told once a second. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

#include "base/context.h"
#include "fetch/engine.h"

#define MS 1000000LL

struct seen {
	unsigned start, progress, done;
	uint64_t last_done;
};

static void on_event(const struct pf_event *ev, void *data)
{
	struct seen *s = data;

	if (ev->type == PF_EV_DOWNLOAD_START)
		s->start++;
	else if (ev->type == PF_EV_DOWNLOAD_PROGRESS)
		s->progress++;
	else if (ev->type == PF_EV_DOWNLOAD_DONE)
		s->done++;
	else
		return;
	s->last_done = ev->download.done;
}

/* A sink in memory whose events go to SEEN. */
static void sink_open(struct pf_sink *s, struct pf_ctx *ctx, struct seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	pf_ctx_set_event_sink(ctx, on_event, seen);
	pf_sink_init(s, ctx, -1, 1 << 20);
	s->ev.file = "core-141.pak";
}

static void test_burst_end_is_told(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_sink s;
	struct seen seen;
	char data[100] = { 0 };

	sink_open(&s, ctx, &seen);
	/* Not started: nothing is due, whatever the time. */
	assert_false(pf_sink_due(&s, pf_now_ns() + 10000 * MS));
	pf_sink_event(&s, PF_EV_DOWNLOAD_START, true);
	assert_int_equal(seen.start, 1);
	/* A burst: the first write is told, the rest within the step held. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(pf_sink_write(&s, data, sizeof(data)), 0);
	assert_int_equal(seen.progress, 1);
	assert_int_equal(seen.last_done, 100);
	assert_true(s.pending);
	/* Within the step nothing is due; once it passed, the held bytes are. */
	assert_false(pf_sink_due(&s, s.last_ns + PF_PROGRESS_STEP_NS - 1));
	assert_true(pf_sink_due(&s, s.last_ns + PF_PROGRESS_STEP_NS));
	/* Told (as pf_sink_flush_all does): the last event has all 500. */
	pf_sink_event(&s, PF_EV_DOWNLOAD_PROGRESS, true);
	assert_int_equal(seen.progress, 2);
	assert_int_equal(seen.last_done, 500);
	assert_false(s.pending);
	assert_false(pf_sink_due(&s, s.last_ns + PF_PROGRESS_STEP_NS));
	pf_sink_free(&s);
}

static void test_stall_is_told_each_second(void **state)
{
	struct pf_ctx *ctx = *state;
	struct pf_sink s;
	struct seen seen;

	sink_open(&s, ctx, &seen);
	pf_sink_event(&s, PF_EV_DOWNLOAD_START, true);
	/* Nothing came: due only after a second without an event. */
	assert_false(s.pending);
	assert_false(pf_sink_due(&s, s.emitted_ns + PF_PROGRESS_STEP_NS));
	assert_false(pf_sink_due(&s, s.emitted_ns + PF_PROGRESS_IDLE_NS - 1));
	assert_true(pf_sink_due(&s, s.emitted_ns + PF_PROGRESS_IDLE_NS));
	pf_sink_event(&s, PF_EV_DOWNLOAD_PROGRESS, true);
	assert_int_equal(seen.progress, 1);
	assert_int_equal(seen.last_done, 0);
	assert_false(pf_sink_due(&s, s.emitted_ns + PF_PROGRESS_IDLE_NS - 1));
	/* DONE is an event too: the clock of the stall starts again. */
	pf_sink_event(&s, PF_EV_DOWNLOAD_DONE, true);
	assert_int_equal(seen.done, 1);
	assert_false(pf_sink_due(&s, s.emitted_ns + PF_PROGRESS_IDLE_NS - 1));
	pf_sink_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_end_is_told, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_is_told_each_second, setup, teardown),
	};

	return cmocka_run_group_tests_name("sink", tests, NULL, NULL);
}
