#!/usr/bin/env bash
# bench/hooks/run.sh [--build DIR] [--rounds N]: what running hooks costs
# (issue 16; docs/hooks.md). On a small update (tests/lib.sh's repo_mini):
# `upgrade` of an update without hooks, and of the same update with 10 post
# hooks that do nothing (`exit 0`): their difference / 10 is what pakfire
# adds per hook (the copy from the database, the process group, the
# capture, two rows of hook_runs); beside it, the same 10 scripts run by
# `sh` one after another (the floor: fork and exec of a shell). And a hook
# writing 100 MB: pakfire's run of it (capture bounded to 64 KiB) against
# the same script piped into `cat >/dev/null`. Prints each time (ms) and
# the medians.
HELP_LINES=2,12p
# shellcheck source=bench/worlds.sh
. "$(dirname "$0")/../worlds.sh"
bench_world
bench_medians plain hooks10 sh10 loud cat100
med() { awk -v k="$1" '$1==k {print $2}' "$BENCH_OUT" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
awk -v p="$(med plain)" -v h="$(med hooks10)" -v s="$(med sh10)" -v l="$(med loud)" -v c="$(med cat100)" 'BEGIN {
	printf "per hook: pakfire %.1f ms, sh alone %.1f ms (ratio %.1f)\n", (h - p) / 10, s / 10, (h - p) / s
	printf "100 MB of output: pakfire %d ms (the upgrade without it subtracted), sh | cat %d ms (ratio %.2f)\n", l - p, c, (l - p) / c
}'
