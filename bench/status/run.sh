#!/usr/bin/env bash
# bench/status/run.sh [--build DIR] [--rounds N] [--against REV]: what it
# costs that `update` fetches and keeps the manifests of the pending core
# updates (issue 15; docs/space.md, "Before the upgrade: status"), and what
# status costs now that it plans the pending chain, on the sample
# repository (tests/lib.sh's repo_sample: a system at core 138, pending 139
# and 140). Measured: `update` on a root that has kept nothing yet (index
# and manifests fetched), `update` again (the kept manifests re-hashed,
# nothing more fetched), and `status`; with --against REV, the same two
# `update`s and `status` by REV's pakfire (built from git), alternated.
# Prints the bytes of the manifests fetched, the times (ms) and medians.
HELP_LINES=2,11p
# shellcheck source=bench/worlds.sh
. "$(dirname "$0")/../worlds.sh"
bench_world
grep '^bytes ' "$out/times" | sed 's/^bytes /manifests fetched by update: /'
bench_medians update update-kept status old-update old-update-again old-status
