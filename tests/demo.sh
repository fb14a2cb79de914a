#!/usr/bin/env bash
# tests/demo.sh BUILD: `make demo`, the stories of issues 4 and 13 told by
# running them. Maintainers build and sign the sample distribution from
# updates/ and manifests/: series 2.23 (core 138, 139 and 140, which moves
# systems to 2.25) and series 2.25 (core 141, the new toolchain), each with
# the add-ons of updates/addons/ built for it. A mirror serves them on
# 127.0.0.1.
# 1. An appliance installed at core 137 with the small /boot of the old
#    installs (20 MiB, real file systems: tmpfs with size=) wants them. Core
#    138 ships a new kernel and initramfs that /boot can never hold: status
#    says so after `update`, before anyone runs upgrade, and upgrade
#    refuses before it writes a byte, with the size to reinstall with; on
#    a bigger /boot that is only full (old kernels nobody owns), pakfire
#    names what to delete, and then every update applies, across the
#    series switch.
# 2. An appliance at core 138 on 2.23 with add-ons (tor pulls libseccomp in;
#    tor keeps its settings on a /var of its own) crosses into 2.25 with one
#    `pakfire upgrade`: core 139, 140 (the switch), 141, then every add-on
#    reinstalled from 2.25.
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

say "The maintainers build the sample distribution from updates/ and manifests/: series 2.23 (core 138 to 140, which moves systems to 2.25) and series 2.25 (core 141, the new toolchain), each with its builds of the add-ons, and sign the indexes"
SAMPLE=$T/sample
mkdir -p "$SAMPLE"
if ! build_sample_repo "$SAMPLE" "$PAKFIRE_REPO_BIN" 1 137; then
	echo "demo: building the sample repository failed: $(cat "$SAMPLE/error" 2>/dev/null)"
	exit 1
fi
# an appliance at core 137 is on the sample's first series
SERIES=$(head -n 1 "$SAMPLE/series")
echo
echo "The repository ($(du -sh "$SAMPLE/www" | cut -f1)):"
(cd "$SAMPLE/www" && find . -type f -printf '%s %p\n' | sort -k2 |
	awk '{ if ($1 >= 1e6) printf "  %-52s %8.1f MB\n", substr($2, 3), $1 / 1e6
	       else printf "  %-52s %8.1f kB\n", substr($2, 3), $1 / 1e3 }')
echo
echo "What core 138 puts in /boot:"
(cd "$SAMPLE/roots/138/boot" && find . -type f -printf '%s %p\n' | sort -k2 |
	awk '{ printf "  /boot/%-38s %8.1f MB\n", substr($2, 3), $1 / 1e6 }')

say "A mirror: lighttpd serves it on 127.0.0.1"
http_start "$SAMPLE/www"
echo "mirror: $MIRROR$MIRROR_PATH"

say "An appliance installed years ago at core 137 on series $SERIES: a 1 GiB / and the 20 MiB /boot of the old installs"
echo "(its root is $R)"
mount_small "$R" 1G
mount_small "$R/boot" 20M
TRUST=("$SAMPLE/key.asc")
root_at_core 137 --no-init
# what the installer left: the dynamic linker's configuration, from which
# core 141's ldconfig hook rebuilds the cache
printf '/lib\n/usr/lib\n' >"$R/etc/ld.so.conf"
echo
echo "$R/etc/pakfire/pakfire.conf:"
sed 's/^/  /' "$R/etc/pakfire/pakfire.conf"
echo "trusted keys: $(cd "$R/etc/pakfire/keys" && echo ./*.asc)"
demo_pakfire --root "$R" init --series "$SERIES" --core 137
step df -h "$R" "$R/boot"

say "The appliance fetches and verifies the signed index of $SERIES (three core updates pending, the last of which moves it to 2.25) and keeps their verified manifests: status shows, per mount, what the chain needs before anyone runs upgrade, and that this /boot can never hold it"
demo_pakfire --root "$R" update
echo
echo "(status exits 32 + what needs a person, for monitoring: 33 = 32 + 1, core updates are available)"
demo_pakfire --expect 33 --root "$R" status

say "The plan, before anything is downloaded: --dry-run shows what each update needs where (141 from the index of 2.25)"
demo_pakfire --expect 3 --root "$R" upgrade --dry-run

say "upgrade refuses core 138: /boot is 20 MiB in total, core 138 needs more even on an empty /boot: reinstall with the /boot the distribution advises (Min-Partition in the signed index); nothing is written"
demo_pakfire --expect 3 --root "$R" upgrade --yes

say "Nothing changed: still core 137, /boot as it was, no package downloaded (status: 41 = 32 + 1 updates available + 8 the last run did not end ok)"
demo_pakfire --expect 41 --root "$R" status
step ls -A "$R/boot"
step df -h "$R/boot"
step find "$R/var/cache/pakfire" -type f

say "What support staff run instead of SQL: diagnose reads the database and the system (no lock, nothing written) and ends with the verdict and the next action (66 = 64 + 2: a partition that can never hold the update; docs/diagnose.md)"
demo_pakfire --expect 66 --root "$R" diagnose

say "The admin moves /boot to a 64 MiB partition, and copies the old kernels of the installer along (nobody owns them): now /boot is only full"
step umount "$R/boot"
mount_small "$R/boot" 64M
step dd if=/dev/urandom of="$R/boot/vmlinuz-4.14.173-ipfire" bs=1M count=12 iflag=fullblock status=none
step dd if=/dev/urandom of="$R/boot/initramfs-4.14.173-ipfire.img" bs=1M count=9 iflag=fullblock status=none
step df -h "$R/boot"
demo_pakfire --expect 41 --root "$R" status

say "upgrade refuses core 138 again, and names what to free: the old kernels, largest first, never a file an update installed"
demo_pakfire --expect 3 --root "$R" upgrade --yes

say "The admin deletes the old kernels pakfire named"
step rm "$R/boot/vmlinuz-4.14.173-ipfire" "$R/boot/initramfs-4.14.173-ipfire.img"
demo_pakfire --expect 41 --root "$R" status

say "upgrade again: every update is checked on fresh numbers right before it is applied"
demo_pakfire --root "$R" upgrade --yes
echo
echo "(core 140 only removes files: / has more room after it than before it,"
echo " and core 141 was planned on that room; 140 also moved the system to"
echo " series 2.25, whose index brought 141)"
echo "(status exits 36 = 32 + 4: cores 139 and 141 asked for a reboot, and it"
echo " stays asked for until the kernel's boot id changes; a monitoring script"
echo " tests the bits, docs/monitoring.md)"
demo_pakfire --expect 36 --root "$R" status
step df -h "$R" "$R/boot"
step ls -A "$R/boot"

say "What the database says"
step sqlite3 -header -column "$DB" \
	"SELECT number, series, outcome, datetime(applied_at, 'unixepoch') AS applied_at FROM updates ORDER BY number"
step sqlite3 "$DB" "SELECT 'series ' || series || ', core level ' || core FROM system"

say "What support staff read: the history, and the refused run in detail (its steps and the space checks with their verdicts), told the same way by the log"
demo_pakfire --root "$R" history
refused_tx=$(sqlite3 "$DB" "SELECT max(id) FROM transactions WHERE outcome = 'refused' AND dry_run = 0")
demo_pakfire --root "$R" history "$refused_tx"
step grep -F "tx=$refused_tx " "$R/var/log/pakfire/pakfire.log"

say "The hooks the updates shipped ran, each recorded with its output: 138 the bootloader hook (a no-op here, and it says why), 141 ldconfig"
demo_pakfire --root "$R" hook list
tx=$(sqlite3 "$DB" "SELECT max(transaction_id) FROM hook_runs")
demo_pakfire --root "$R" history "$tx"
say "Core 140 removed the libraries its build no longer makes: pakfire-repo build --previous found them, the client removed them as any remove entry (only what an update installed, unchanged)"
step grep -E '^remove.*[.]so[.]' "$(find "$SAMPLE/www" -name core-140.manifest | head -n 1)"

# ---------------------------------------------------------------------------
# 2. add-ons across the toolchain bump

# installed_addons: what the appliance says it has (pakfire list --installed
# where this pakfire has it, else the database's units).
installed_addons() {
	if "$PAKFIRE_BIN" list --help >/dev/null 2>&1; then
		demo_pakfire --root "$R" list --installed
	else
		step sqlite3 -header -column "$DB" \
			"SELECT id AS addon, version, series, reason, outcome FROM units WHERE kind = 'addon' ORDER BY id"
	fi
}

R=$T/root2
DB=$R/var/lib/pakfire/pakfire.db
say "A second appliance, at core 138 on series $SERIES, with a /var of its own: / 1 GiB, /boot 128 MiB, /var 512 MiB"
echo "(its root is $R)"
mount_small "$R" 1G
mount_small "$R/boot" 128M
mount_small "$R/var" 512M
root_at_core 138 --no-init
demo_pakfire --root "$R" init --series "$SERIES" --core 138
demo_pakfire --root "$R" update

say "The admin installs tor and nano from $SERIES: tor needs libseccomp, which comes first; tor's settings go to /var"
demo_pakfire --root "$R" install --yes tor nano
echo
echo "(/var needs room for every package too: the download cache is on it)"
installed_addons
step ls -l "$R/var/ipfire/tor"

say "The admin adds a local hook that notes every transaction; a copy that anyone may edit is refused, not run"
mkdir -p "$R/etc/pakfire/hooks.d"
printf '#!/bin/sh\necho "$(date -u +%%FT%%TZ) $PAKFIRE_PHASE: $PAKFIRE_UNITS" >> var/log/pakfire-notes\n' \
	>"$R/etc/pakfire/hooks.d/50-notes"
chmod 0755 "$R/etc/pakfire/hooks.d/50-notes"
cp "$R/etc/pakfire/hooks.d/50-notes" "$R/etc/pakfire/hooks.d/60-careless"
chmod 0777 "$R/etc/pakfire/hooks.d/60-careless"
step ls -l "$R/etc/pakfire/hooks.d"

say "One upgrade crosses into 2.25: core 139, 140 (which switches the series), 141 from 2.25's index, then every add-on reinstalled as 2.25 builds it"
demo_pakfire --root "$R" upgrade --yes
step cat "$R/var/log/pakfire-notes"

say "After the crossing: series 2.25, every add-on at its 2.25 build, every file as recorded"
demo_pakfire --expect 36 --root "$R" status
installed_addons
demo_pakfire --root "$R" verify
step sqlite3 -header -column "$DB" \
	"SELECT id AS unit, series, outcome FROM units WHERE kind = 'core' ORDER BY id"
step sqlite3 -header -column "$DB" \
	"SELECT series, revision, datetime(fetched_at, 'unixepoch') AS fetched_at FROM indexes ORDER BY series"

echo
echo "demo: done (unmounting and cleaning up $T)"
