#!/usr/bin/env bash
# tests/demo.sh BUILD: `make demo`, the story of pakfire told by running it.
# A maintainer builds and signs core updates 139.. from updates/ and
# manifests/, a mirror serves them on 127.0.0.1, and an appliance installed
# at core 138 updates, upgrades and reports. Everything lives in a temporary
# folder that is removed at the end, also when interrupted.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PF_BUILD=$(pwd)/${1:-build}
export PF_BUILD
# shellcheck source=tests/lib.sh
. tests/lib.sh

say() { printf '\n== %s\n' "$*"; }

# step CMD...: print the command as a person would type it, then run it.
step() {
	local a shown=""
	for a in "$@"; do
		case $a in
		*[[:space:]\'\"\|\;\(\)\*]*) shown+=" \"$a\"" ;;
		*) shown+=" $a" ;;
		esac
	done
	printf '\n$%s\n' "$shown"
	"$@"
}

# pakfire as it would be typed, with its output on the terminal.
demo_pakfire() {
	local rc=0
	step pakfire "$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "demo: pakfire $1... failed with exit $rc"
		exit "$rc"
	fi
}

world_begin
trap world_end EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

for bin in "$PAKFIRE_BIN" "$PAKFIRE_REPO_BIN"; do
	is_program "$bin" || { echo "demo: $bin is not built (run make)"; exit 1; }
done
for tool in lighttpd gpg curl python3 zstd sqlite3; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing (run make deps as root)"; exit 1; }
done

say "The maintainers build core updates from updates/ and manifests/ and sign the index"
SAMPLE=$T/sample
mkdir -p "$SAMPLE"
if ! build_sample_repo "$SAMPLE" "$PAKFIRE_REPO_BIN" 1; then
	echo "demo: building the sample repository failed: $(cat "$SAMPLE/error" 2>/dev/null)"
	exit 1
fi
echo
echo "The repository ($(du -sh "$SAMPLE/www" | cut -f1)):"
(cd "$SAMPLE/www" && find . -type f | sort | sed 's|^\./|  |')

say "A mirror: lighttpd serves it on 127.0.0.1"
http_start "$SAMPLE/www"
echo "mirror: $MIRROR$MIRROR_PATH"

say "An appliance, installed at core 138 (its root is $R)"
TRUST=("$SAMPLE/key.asc")
root_at_core 138 --no-init
echo "$R/etc/pakfire/pakfire.conf:"
sed 's/^/  /' "$R/etc/pakfire/pakfire.conf"
echo "trusted keys: $(cd "$R/etc/pakfire/keys" && echo ./*.asc)"
demo_pakfire --root "$R" init --series "$SERIES" --core 138

say "The appliance fetches and verifies the signed index"
demo_pakfire --root "$R" update
demo_pakfire --root "$R" status

say "It applies every pending core update, in order"
demo_pakfire --root "$R" upgrade --yes
demo_pakfire --root "$R" status

say "What the database says"
step sqlite3 -header -column "$DB" \
	"SELECT number, series, outcome, datetime(applied_at, 'unixepoch') AS applied_at FROM updates ORDER BY number"
step sqlite3 "$DB" "SELECT 'core level: ' || core FROM system"

echo
echo "demo: done (cleaning up $T)"
