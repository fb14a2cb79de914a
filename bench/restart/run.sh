#!/usr/bin/env bash
# bench/restart/run.sh [--build DIR] [--rounds N] [--against REV]: what the
# restart after a self-update costs (issue 14; docs/formats.md, "Self-update
# and re-exec"), measured in the world of tests/e2e/reexec.sh: the root's
# own pakfire applies core 140 (which replaces it and its C library) and
# 141, restarting once, against the same upgrade by the build run from
# outside the root (which never restarts). With --against REV, also the
# sample's upgrade 138 -> 141 by REV's pakfire (built from git) against this
# build's, alternated: what reading client levels and what pakfire runs
# from adds to a real chain. Prints the times (ms) and their medians.
HELP_LINES=2,10p
# shellcheck source=bench/worlds.sh
. "$(dirname "$0")/../worlds.sh"
bench_world
bench_medians restart plain old new
