#!/usr/bin/env bash
# tests/demo.sh BUILD: `make demo`, the story of issue 4 told by running it.
# A maintainer builds and signs core updates 138..141 from updates/ and
# manifests/, a mirror serves them on 127.0.0.1, and an appliance installed
# at core 137 with the small /boot of the old installs (20 MiB, real file
# systems: tmpfs with size=) wants them. Core 138 ships a new kernel and
# initramfs that /boot cannot hold: pakfire refuses before it writes a byte,
# says why and what frees space; with a bigger /boot every update applies.
# Needs root (it mounts). Everything lives in a temporary folder that is
# unmounted and removed at the end, also when interrupted.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PF_BUILD=${1:-build}
case $PF_BUILD in /*) ;; *) PF_BUILD=$(pwd)/$PF_BUILD ;; esac
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

# demo_pakfire [--expect CODE] ARGS...: pakfire as it would be typed, with
# its output on the terminal; any other exit code than CODE (default 0)
# ends the demo.
demo_pakfire() {
	local rc=0 want=0
	if [ "$1" = --expect ]; then
		want=$2
		shift 2
	fi
	step pakfire "$@" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "demo: pakfire $*: exit $rc, expected $want"
		exit 1
	fi
	[ "$rc" -eq 0 ] || echo "(exit code $rc)"
}

# mount_small DIR SIZE: a small real file system (tmpfs with size=) on DIR,
# unmounted when the demo ends.
mount_small() {
	mkdir -p "$1"
	echo "$1" >>"$T/mounts"
	step mount -t tmpfs -o "size=$2,mode=0755" pakfire-demo "$1" ||
		{ echo "demo: could not mount $1"; exit 1; }
}

if [ "$(id -u)" != 0 ]; then
	echo "demo: run me as root (sudo make demo): the appliance's / and /boot are"
	echo "demo: small file systems that the demo mounts, so that pakfire meets real limits"
	exit 1
fi
for bin in "$PAKFIRE_BIN" "$PAKFIRE_REPO_BIN"; do
	is_program "$bin" || { echo "demo: $bin is not built (run make)"; exit 1; }
done
for tool in lighttpd gpg curl python3 zstd sqlite3 mount umount df; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing (run make deps as root)"; exit 1; }
done

world_begin
trap world_end EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

say "The maintainers build core updates 138 to 141 from updates/ and manifests/ and sign the index"
SAMPLE=$T/sample
mkdir -p "$SAMPLE"
if ! build_sample_repo "$SAMPLE" "$PAKFIRE_REPO_BIN" 1 137; then
	echo "demo: building the sample repository failed: $(cat "$SAMPLE/error" 2>/dev/null)"
	exit 1
fi
echo
echo "The repository ($(du -sh "$SAMPLE/www" | cut -f1)):"
(cd "$SAMPLE/www" && find . -type f -printf '%s %p\n' | sort -k2 |
	awk '{ printf "  %-45s %8.1f MB\n", substr($2, 3), $1 / 1e6 }')
echo
echo "What core 138 puts in /boot:"
(cd "$SAMPLE/roots/138/boot" && find . -type f -printf '%s %p\n' | sort -k2 |
	awk '{ printf "  /boot/%-38s %8.1f MB\n", substr($2, 3), $1 / 1e6 }')

say "A mirror: lighttpd serves it on 127.0.0.1"
http_start "$SAMPLE/www"
echo "mirror: $MIRROR$MIRROR_PATH"

say "An appliance installed years ago at core 137: a 1 GiB / and the 20 MiB /boot of the old installs"
echo "(its root is $R)"
mount_small "$R" 1G
mount_small "$R/boot" 20M
TRUST=("$SAMPLE/key.asc")
root_at_core 137 --no-init
echo
echo "$R/etc/pakfire/pakfire.conf:"
sed 's/^/  /' "$R/etc/pakfire/pakfire.conf"
echo "trusted keys: $(cd "$R/etc/pakfire/keys" && echo ./*.asc)"
demo_pakfire --root "$R" init --series "$SERIES" --core 137
step df -h "$R" "$R/boot"

say "The appliance fetches and verifies the signed index: four core updates pending"
demo_pakfire --root "$R" update
demo_pakfire --root "$R" status

say "The plan, before anything is downloaded: --dry-run shows what each update needs where"
demo_pakfire --expect 3 --root "$R" upgrade --dry-run

say "upgrade refuses core 138: /boot is too small, and nothing is written"
demo_pakfire --expect 3 --root "$R" upgrade --yes

say "Nothing changed: still core 137, /boot as it was, no package downloaded"
demo_pakfire --root "$R" status
step ls -A "$R/boot"
step df -h "$R/boot"
step find "$R/var/cache/pakfire" -type f
step sqlite3 -header -column "$DB" \
	"SELECT unit, mount, needed, available, reserve, fits FROM space_checks"
step sqlite3 -header -column "$DB" \
	"SELECT id, command, outcome, exit_code, error FROM transactions WHERE command = 'upgrade'"

say "The admin gives the appliance a 128 MiB /boot"
step umount "$R/boot"
mount_small "$R/boot" 128M
step df -h "$R/boot"

say "upgrade again: every update is checked on fresh numbers right before it is applied"
demo_pakfire --root "$R" upgrade --yes
echo
echo "(core 140 only removes files: / has more room after it than before it,"
echo " and core 141 was planned on that room)"
demo_pakfire --root "$R" status
step df -h "$R" "$R/boot"
step ls -A "$R/boot"

say "What the database says"
step sqlite3 -header -column "$DB" \
	"SELECT number, series, outcome, datetime(applied_at, 'unixepoch') AS applied_at FROM updates ORDER BY number"
step sqlite3 -header -column "$DB" \
	"SELECT transaction_id AS tx, unit, mount, needed, available, fits FROM space_checks ORDER BY id"
step sqlite3 "$DB" "SELECT 'core level: ' || core FROM system"

echo
echo "demo: done (unmounting and cleaning up $T)"
