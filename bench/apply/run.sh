#!/usr/bin/env bash
# bench/apply/run.sh: how fast pakfire applies a core update, side by side
# with tar, pacman and dpkg (issue 6). `make bench` runs it; run it as root.
#
#   bench/apply/run.sh [--rounds N] [--scale F] [--work-base DIR] [--build DIR]
#                      [--results FILE | --no-results] [--no-profile] [--no-deps]
#                      [--wait-load LOAD] [--keep]
#
#   --rounds N       timed rounds (default 7)
#   --scale F        file sizes times F (default 1: about 163 MB; 0.1 for a try)
#   --work-base DIR  where the work folder is made (default /var/tmp)
#   --build DIR      the pakfire and pakfire-repo to measure (default build/);
#                    PF_BENCH_REV=TEXT names what they were built from
#   --results FILE   the file whose "Apply" section is written (default
#                    bench/RESULTS.md); --no-results prints the table only
#   --no-profile     no strace, perf or memory map runs
#   --no-deps        do not run bench/apply/deps.sh
#   --wait-load L    first wait (up to 10 minutes) for the load average to
#                    fall below L, and up to a minute before each round
#   --keep           keep the work folder (for a look at the logs)
#
# 1. Payload: core update 141 as updates/make-buildroot builds it from its real
#    file list (2,407 entries, about 163 MB at --scale 1), packaged four ways
#    with the same files, modes and owners:
#      pakfire  pakfire-repo build + publish (a signing key made on the spot),
#               served by lighttpd on 127.0.0.1
#      pacman   .pkg.tar.zst with .PKGINFO and .MTREE as makepkg makes them
#      dpkg     .deb (dpkg-deb --build -Zzstd)
#      tar      tar --zstd
# 2. One untimed round warms the page cache and checks that every tool puts
#    the same tree in its root; then N timed rounds in turns (pakfire tar
#    pacman dpkg pacman+sync, again and again), each into a fresh root made
#    (untimed) just before, with `sync -f` between preparing and timing so
#    that no tool pays for another's writeback. Wall time from the shell's
#    clock, CPU time and peak RSS from GNU time.
#    Then `pakfire verify` of a root at core 141 against sha256sum over the
#    same regular files, in turns (at least 5 rounds): verify throughput.
# 3. Where the time goes: strace -c of one run of each tool; pakfire's phases
#    from syscall tracepoints (perf record -e syscalls:...) and a perf profile
#    of its CPU time (cpu-clock, DWARF call graphs).
# 4. The "Apply" section of bench/RESULTS.md: between its BEGIN/END markers
#    (the text around them is kept).
#
# Everything lives in one work folder (default under /var/tmp, on the same
# file system for every tool), removed at the end, also when interrupted;
# lighttpd and gpg agents are stopped.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
HELPER=$HERE/helper.py

ROUNDS=7
SCALE=1
WORK_BASE=/var/tmp
BUILD_DIR=${PF_BUILD:-$TOP/build}
RESULTS=$TOP/bench/RESULTS.md
PROFILE=1
DEPS=1
KEEP=0
WAIT_LOAD=""
ARGS=("$@")

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
die() { echo "bench/apply: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--scale) SCALE=$2; shift 2 ;;
	--work-base) WORK_BASE=$2; shift 2 ;;
	--build) BUILD_DIR=$2; shift 2 ;;
	--results) RESULTS=$2; shift 2 ;;
	--no-results) RESULTS=""; shift ;;
	--no-profile) PROFILE=0; shift ;;
	--no-deps) DEPS=0; shift ;;
	--wait-load) WAIT_LOAD=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h|--help) usage 0 ;;
	*) echo "bench/apply: unknown option $1" >&2; usage 2 ;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive number"
[ "$(id -u)" = 0 ] || die "run as root: pacman and dpkg install as root, and the dependencies are installed with apt-get"
[ "$DEPS" = 0 ] || "$HERE/deps.sh"

BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || die "no build folder $BUILD_DIR (run make first)"
PAKFIRE=$BUILD_DIR/pakfire
PAKFIRE_REPO=$BUILD_DIR/pakfire-repo
{ [ -x "$PAKFIRE" ] && [ -x "$PAKFIRE_REPO" ]; } || die "$BUILD_DIR has no pakfire and pakfire-repo (run make first)"

export LC_ALL=C TZ=UTC
umask 022
SERIES=2.25
ARCH=x86_64
N=141

# ---------------------------------------------------------------------------
# The work folder, and leaving nothing behind

W=""
HTTPD_PID=""

kill_agents() {
	local dir
	[ -d "$1" ] || return 0
	find "$1" -xdev -name 'S.gpg-agent*' -printf '%h\n' 2>/dev/null | sort -u |
		while read -r dir; do
			gpgconf --homedir "$dir" --kill all >/dev/null 2>&1 || true
		done
	return 0
}

cleanup() {
	local rc=$?
	trap - EXIT
	trap '' INT TERM HUP
	if [ -n "$HTTPD_PID" ]; then
		kill "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
	fi
	if [ -n "$W" ] && [ -d "$W" ]; then
		[ -d "$W/g" ] && gpgconf --homedir "$W/g" --kill all >/dev/null 2>&1
		kill_agents "$W"
		if [ "$KEEP" = 1 ]; then
			echo "bench/apply: kept $W" >&2
		else
			rm -rf "$W"
			# when the next run may start (see STAMP)
			date +%s >"$STAMP" 2>/dev/null || true
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$WORK_BASE"
# ext4 skips over inodes freed in the last 5 seconds (in the last 5 minutes
# while their inode table block is dirty) when it looks for a free one (on
# a file system without a journal, like this machine's /): thousands of
# files removed by the last run's clean-up would slow down every file
# creation of this one, on whichever tool's clock. The clean-up leaves the
# time it ended in STAMP; a run that starts sooner waits.
STAMP=/var/tmp/.pakfire-bench-apply.last
if [ -f "$STAMP" ]; then
	last=$(cat "$STAMP" 2>/dev/null || echo 0)
	[[ $last =~ ^[0-9]+$ ]] || last=0
	left=$((last + 310 - $(date +%s)))
	if [ "$left" -gt 0 ] && [ "$left" -le 310 ]; then
		echo "bench/apply: the last run removed its files $((310 - left)) s ago; waiting $left s" \
			"so that ext4 does not make this run pay for it" >&2
		sleep "$left" &
		wait $!
	fi
fi
# a short path: gpg-agent's socket path must stay short
W=$(mktemp -d "$WORK_BASE/pfb.XXXXXX")
mkdir -p "$W/log" "$W/roots" "$W/pkg" "$W/strace"
LOG=$W/log/setup.log
: >"$W/runs.tsv"

step() { printf '%s  %s\n' "$(date +%T)" "$*"; }
# run a setup step; on failure show its output and stop
must() {
	if ! "$@" >>"$LOG" 2>&1; then
		echo "bench/apply: failed: $*" >&2
		tail -n 30 "$LOG" | sed 's/^/  | /' >&2
		exit 1
	fi
}
meta() { printf '%s\t%s\n' "$1" "$2" >>"$W/meta.tsv"; }

step "work folder $W ($(findmnt -n -o FSTYPE -T "$W" | sed -n 1p))"

# ---------------------------------------------------------------------------
# 1. The payload and its four packages

SRC=$W/src
step "payload: updates/make-buildroot --scale $SCALE $N"
must "$TOP/updates/make-buildroot" --scale "$SCALE" "$N" "$SRC"
ENTRIES=$(wc -l <"$TOP/manifests/core-$N.filelist")
FILES=$(find "$SRC" -type f | wc -l)
DIRS=$(find "$SRC" -mindepth 1 -type d | wc -l)
LINKS=$(find "$SRC" -type l | wc -l)
BYTES=$(find "$SRC" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')

# pakfire: a key, pakfire-repo build and publish
G=$W/g
mkdir -p "$G" && chmod 700 "$G"
must gpg --homedir "$G" --batch --passphrase '' \
	--quick-gen-key 'Bench Signer <bench@pakfire.test>' ed25519 sign never
FPR=$(gpg --homedir "$G" --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
[ -n "$FPR" ] || die "no key fingerprint"
gpg --homedir "$G" --armor --export "$FPR" >"$W/key.asc"
WWW=$W/www
REPO=$WWW/pakfire/$SERIES/$ARCH
mkdir -p "$REPO"
step "pakfire: pakfire-repo build, publish"
must "$PAKFIRE_REPO" build --update "$TOP/updates/$N" --filelist "$TOP/manifests/core-$N.filelist" \
	--root "$SRC" --out "$REPO"
must "$PAKFIRE_REPO" publish --repo "$REPO" --updates "$TOP/updates" --series "$SERIES" \
	--arch "$ARCH" --key "$FPR" --gnupghome "$G" --revision 1 --valid-days 30
gpgconf --homedir "$G" --kill all >/dev/null 2>&1 || true
PAK=$REPO/core/core-$N.pak

# pacman: .PKGINFO and .MTREE as makepkg writes them, then the archive with
# the metadata first (makepkg's create_package), zstd level 3 like the others
step "pacman: .pkg.tar.zst with .PKGINFO and .MTREE"
PACPKG=$W/pkg/core-$N-1-$ARCH.pkg.tar.zst
ST=$W/stage-pacman
cp -al "$SRC" "$ST"
cat >"$ST/.PKGINFO" <<EOF
# Generated by bench/apply/run.sh, as makepkg would
pkgname = core-$N
pkgbase = core-$N
pkgver = $N-1
pkgdesc = Core Update $N (pakfire apply benchmark payload)
url = https://www.ipfire.org/
builddate = 0
packager = pakfire bench <bench@pakfire.test>
size = $BYTES
arch = $ARCH
license = GPL
EOF
touch -d @0 "$ST/.PKGINFO"
pac_files() { (cd "$ST" && find . -mindepth 1 ! -name .PKGINFO ! -name .MTREE -printf '%P\0' | sort -z); }
(
	cd "$ST"
	{ printf '.PKGINFO\0'; pac_files; } |
		bsdtar -cnf - --format=mtree \
			--options='!all,use-set,type,uid,gid,mode,time,size,md5,sha256,link' \
			--null --files-from - --exclude .MTREE | gzip -c -f -n >.MTREE
	touch -d @0 .MTREE
	{ printf '.PKGINFO\0.MTREE\0'; pac_files; } |
		bsdtar --no-fflags -cnf - --null --files-from - | zstd -3 -T0 -q -c >"$PACPKG"
) >>"$LOG" 2>&1 || die "building the pacman package failed (see $LOG)"

# dpkg: control and md5sums (as dh_md5sums), dpkg-deb with zstd if it can
step "dpkg: .deb"
DEBPKG=$W/pkg/core-${N}_${N}-1_amd64.deb
ST=$W/stage-deb
cp -al "$SRC" "$ST"
mkdir -p "$ST/DEBIAN"
cat >"$ST/DEBIAN/control" <<EOF
Package: core-$N
Version: $N-1
Architecture: amd64
Maintainer: pakfire bench <bench@pakfire.test>
Installed-Size: $(((BYTES + 1023) / 1024))
Section: admin
Priority: optional
Description: Core Update $N (pakfire apply benchmark payload)
 The files of core update $N of the sample distribution.
EOF
(cd "$SRC" && find . -type f -printf '%P\0' | sort -z | xargs -0 -r md5sum) >"$ST/DEBIAN/md5sums"
if dpkg-deb --help 2>/dev/null | grep -q 'zstd'; then
	DEB_COMP=zstd
	DEB_COMP_NOTE="zstd -3 (dpkg-deb -Zzstd -z3)"
else
	DEB_COMP=xz
	DEB_COMP_NOTE="xz -6 (this dpkg-deb has no zstd)"
fi
must dpkg-deb --root-owner-group "-Z$DEB_COMP" -z"$([ "$DEB_COMP" = zstd ] && echo 3 || echo 6)" \
	--build "$ST" "$DEBPKG"

# tar: plain tar, zstd
step "tar: .tar.zst"
TARPKG=$W/pkg/core-$N.tar.zst
must tar --zstd -cf "$TARPKG" --sort=name --owner=0 --group=0 --numeric-owner -C "$SRC" .

{
	printf 'pakfire\t%s\t%s\t%s\n' "$(basename "$PAK")" "$(stat -c %s "$PAK")" "zstd -3 (libarchive, pakfire-repo)"
	printf 'pacman\t%s\t%s\t%s\n' "$(basename "$PACPKG")" "$(stat -c %s "$PACPKG")" "zstd -3 (bsdtar | zstd -3 -T0, as makepkg)"
	printf 'dpkg\t%s\t%s\t%s\n' "$(basename "$DEBPKG")" "$(stat -c %s "$DEBPKG")" "$DEB_COMP_NOTE"
	printf 'tar\t%s\t%s\t%s\n' "$(basename "$TARPKG")" "$(stat -c %s "$TARPKG")" "zstd -3 (tar --zstd)"
} >"$W/packages.tsv"

# ---------------------------------------------------------------------------
# The mirror (pakfire fetches the index while preparing; the timed run needs
# nothing from it) and the pacman configuration

PORT=$(python3 "$HELPER" free-port)
cat >"$W/httpd.conf" <<EOF
server.document-root = "$WWW"
server.port = $PORT
server.bind = "127.0.0.1"
server.pid-file = "$W/httpd.pid"
server.errorlog = "$W/log/httpd.log"
mimetype.assign = ("" => "application/octet-stream")
EOF
lighttpd -D -f "$W/httpd.conf" >>"$W/log/httpd.out" 2>&1 &
HTTPD_PID=$!
for _ in $(seq 100); do
	kill -0 "$HTTPD_PID" 2>/dev/null || die "lighttpd did not start: $(cat "$W/log/httpd.out" "$W/log/httpd.log" 2>/dev/null | tail -n 3)"
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" && break
	sleep 0.1
done
MIRROR=http://127.0.0.1:$PORT/pakfire

PACMAN_CONF=$HERE/pacman.conf
CACHE_REL=var/cache/pakfire/$SERIES/$ARCH/core

# ---------------------------------------------------------------------------
# The tools: preparing a fresh root (untimed), the timed command

TOOLS=(pakfire tar pacman dpkg pacman+sync)

prep() {
	local key=$1 R=$2
	rm -rf "$R"
	mkdir -p "$R"
	case $key in
	pakfire)
		# an appliance at core 140 that has fetched the index, with the
		# package in its download cache (a hard link: same bytes, no copy
		# to write back)
		mkdir -p "$R/etc/pakfire/keys" "$R/var/lib" "$R/var/cache" "$R/var/log"
		cp "$W/key.asc" "$R/etc/pakfire/keys/bench.asc"
		cat >"$R/etc/pakfire/pakfire.conf" <<-EOF
			series = $SERIES
			arch = $ARCH
			mirror = $MIRROR
			keys = /etc/pakfire/keys
			cache = /var/cache/pakfire
			database = /var/lib/pakfire/pakfire.db
		EOF
		"$PAKFIRE" --root "$R" init --series "$SERIES" --core $((N - 1)) &&
			"$PAKFIRE" --root "$R" update &&
			mkdir -p "$R/$CACHE_REL" &&
			ln "$PAK" "$R/$CACHE_REL/core-$N.pak"
		;;
	tar) ;;
	pacman|pacman+sync)
		mkdir -p "$R/var/lib/pacman" "$R/var/log" "$R/var/cache/pacman/pkg"
		;;
	dpkg)
		mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/var/log"
		: >"$R/var/lib/dpkg/status"
		: >"$R/var/lib/dpkg/available"
		;;
	esac
}

# CMD: the timed command for KEY into root R
command_for() {
	local key=$1 R=$2
	local pac=(pacman -U --root "$R" --dbpath "$R/var/lib/pacman" --config "$PACMAN_CONF"
		--cachedir "$R/var/cache/pacman/pkg" --logfile "$R/var/log/pacman.log"
		--gpgdir "$R/etc/pacman.d/gnupg" --hookdir "$R/etc/pacman.d/hooks"
		--noconfirm --noprogressbar "$PACPKG")
	case $key in
	pakfire) CMD=("$PAKFIRE" --root "$R" upgrade --yes) ;;
	tar) CMD=(sh -c 'tar --zstd -xf "$1" -C "$2" && sync -f "$2"' sh "$TARPKG" "$R") ;;
	pacman) CMD=("${pac[@]}") ;;
	pacman+sync) CMD=(sh -c 'r=$1; shift; "$@" && sync -f "$r"' sh "$R" "${pac[@]}") ;;
	dpkg) CMD=(dpkg --root="$R" --log="$R/var/log/dpkg.log" -i "$DEBPKG") ;;
	esac
}

# the commands as the report shows them (R the root, PKG the package)
{
	printf 'pakfire\tpakfire\tpakfire --root R upgrade --yes\t%s\n' \
		"pakfire --root R init --series $SERIES --core $((N - 1)); pakfire --root R update (index and signature from lighttpd on 127.0.0.1); ln core-$N.pak R/$CACHE_REL/ (pakfire checks its size and SHA-256 against the signed index and reads the manifest from it: the timed run makes no request)"
	printf 'tar\ttar+sync\ttar --zstd -xf PKG -C R \&\& sync -f R\t%s\n' "mkdir R"
	printf 'pacman\tpacman\tpacman -U --root R --dbpath R/var/lib/pacman --config bench/apply/pacman.conf --cachedir R/var/cache/pacman/pkg --logfile R/var/log/pacman.log --gpgdir R/etc/pacman.d/gnupg --hookdir R/etc/pacman.d/hooks --noconfirm --noprogressbar PKG\t%s\n' \
		"mkdir -p R/var/lib/pacman R/var/log R/var/cache/pacman/pkg; pacman.conf: SigLevel = Never, LocalFileSigLevel = Never (a local unsigned package); no --nodeps/--needed/--noscriptlet needed (no dependencies, no scriptlet)"
	printf 'dpkg\tdpkg\tdpkg --root=R --log=R/var/log/dpkg.log -i PKG\t%s\n' \
		"mkdir -p R/var/lib/dpkg/{info,updates,triggers} R/var/log; touch R/var/lib/dpkg/{status,available}; no --force option needed as root"
	printf 'pacman+sync\tpacman+sync\tpacman -U ... PKG \&\& sync -f R\t%s\n' \
		"as pacman (for comparison: pacman itself never syncs)"
} | sed 's/\\&/\&/g' >"$W/tools.tsv"

# measure KEY ROUND: prepare a fresh root, then time the command
measure() {
	local key=$1 round=$2 R t0 t1 rc=0 rss user sys
	R=$W/roots/$key-$round
	prep "$key" "$R" >>"$W/log/prep.log" 2>&1 || {
		tail -n 20 "$W/log/prep.log" | sed 's/^/  | /' >&2
		die "preparing the root for $key failed"
	}
	command_for "$key" "$R"
	# nothing of the preparation (or of the last root's removal) is left to
	# write back on the tool's clock
	sync -f "$W"
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M %U %S' -o "$W/time.out" "${CMD[@]}" \
		>"$W/log/$key-$round.out" 2>&1 </dev/null || rc=$?
	t1=$EPOCHREALTIME
	if [ "$rc" != 0 ]; then
		tail -n 20 "$W/log/$key-$round.out" | sed 's/^/  | /' >&2
		die "$key failed (exit $rc) in round $round: ${CMD[*]}"
	fi
	read -r rss user sys < <(tail -n 1 "$W/time.out")
	LAST_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
	if [ "$round" = 0 ]; then
		# the warm-up round: every tool must have installed the same tree
		if ! python3 "$HELPER" tree "$SRC" "$R" >"$W/log/tree-$key.txt" 2>&1; then
			sed 's/^/  | /' "$W/log/tree-$key.txt" | head -n 20 >&2
			die "$key did not install the payload as built"
		fi
	else
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$round" "$LAST_WALL" "$rss" "$user" "$sys" >>"$W/runs.tsv"
	fi
	kill_agents "$R"
	# removed files leave "recently deleted" inodes that ext4's allocator
	# steps around: the roots stay until the rounds are over when there is
	# room, so that no tool allocates among the last one's remains
	[ "$KEEP_ROOTS" = 1 ] || rm -rf "$R"
	LAST_RSS=$rss
}

# ---------------------------------------------------------------------------
# 2. The rounds

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
if [ -n "$WAIT_LOAD" ]; then
	for i in $(seq 120); do
		awk -v l="$WAIT_LOAD" '{exit !($1 < l)}' /proc/loadavg && break
		[ "$i" = 1 ] && step "waiting (up to 10 minutes) for the load ($(loadavg)) to fall below $WAIT_LOAD"
		sleep 5 &
		wait $!
	done
fi

need=$((((ROUNDS + 1) * ${#TOOLS[@]} + 10) * BYTES * 12 / 10))
avail=$(df -B1 --output=avail "$W" | tail -n 1 | tr -d ' ')
KEEP_ROOTS=0
[ "$avail" -gt $((2 * need + (4 << 30))) ] && KEEP_ROOTS=1
if [ "$KEEP_ROOTS" = 0 ]; then
	echo "bench/apply: not enough room to keep every root until the end ($((need >> 20)) MiB):" \
		"each is removed after its run, and the next run's file creations may pay for it" >&2
	meta roots_note "Not enough room to keep every root until the end: each was removed after its run, so later runs allocated inodes among recently deleted ones."
fi

# a warm page cache: each package read once
cat "$PAK" "$PACPKG" "$DEBPKG" "$TARPKG" >/dev/null

meta when "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta load_before "$(loadavg)"
psi() { awk '/^some/ {sub("avg10=", "", $2); print $2}' /proc/pressure/cpu 2>/dev/null || echo "-"; }
for round in $(seq 0 "$ROUNDS"); do
	# other jobs on the machine: wait a little for a quieter moment, and
	# say how busy it was (the 1-minute load average; the share of the
	# last 10 s in which something waited for a CPU)
	if [ -n "$WAIT_LOAD" ] && [ "$round" -gt 0 ]; then
		for i in $(seq 30); do
			awk -v l="$WAIT_LOAD" '{exit !($1 < l)}' /proc/loadavg && break
			sleep 2 &
			wait $!
		done
	fi
	printf '%s\t%s\t%s\n' "$round" "$(cut -d' ' -f1 /proc/loadavg)" "$(psi)" >>"$W/rounds.tsv"
	line="round $round"
	[ "$round" = 0 ] && line="round 0 (warm-up, checks the trees)"
	for key in "${TOOLS[@]}"; do
		measure "$key" "$round"
		line+="  $key $(printf '%.2f' "$LAST_WALL")s/$((LAST_RSS / 1024))M"
	done
	step "$line"
done
meta load_after "$(loadavg)"

# ---------------------------------------------------------------------------
# 2b. Verify throughput: `pakfire verify` of a root where pakfire installed
# core 141, against sha256sum over exactly the regular files that its
# database lists, in turns (max(N, 5) timed rounds after an untimed one that
# warms the page cache). Target: at least 80% of sha256sum's throughput.

VERIFY_ROUNDS=$((ROUNDS > 5 ? ROUNDS : 5))
VR=$W/roots/verify
prep pakfire "$VR" >>"$W/log/prep.log" 2>&1 || die "preparing the root for verify failed"
command_for pakfire "$VR"
"${CMD[@]}" >"$W/log/verify-upgrade.out" 2>&1 </dev/null || die "pakfire upgrade of the verify root failed"
# paths hold no control characters (the manifest parser refuses them), so
# one a line is safe; no folder on the way is a symlink (a manifest may not
# pass through one it creates), so R/PATH is the file pakfire reads
mapfile -t VFILES < <(sqlite3 -batch "$VR/var/lib/pakfire/pakfire.db" \
	"SELECT path FROM files WHERE type = 'file' ORDER BY path")
[ "${#VFILES[@]}" -gt 0 ] || die "the verify root's database lists no files"
VFILES=("${VFILES[@]/#/"$VR"/}")
meta verify_core "$N"
meta verify_files "${#VFILES[@]}"
meta verify_paths "$(sqlite3 -batch "$VR/var/lib/pakfire/pakfire.db" "SELECT count(*) FROM files")"
meta verify_bytes "$(sqlite3 -batch "$VR/var/lib/pakfire/pakfire.db" \
	"SELECT total(size) FROM files WHERE type = 'file'" | sed 's/\.0$//')"
printf 'pakfire verify\tpakfire --root R verify\t\n' >"$W/verify-tools.tsv"
printf 'sha256sum\tsha256sum -- FILE...\tthe %s regular files of the database, in its order, in one process\n' \
	"${#VFILES[@]}" >>"$W/verify-tools.tsv"
: >"$W/verify.tsv"

# measure_verify KEY ROUND: one timed run (round 0: untimed, warms the cache
# and checks that verify finds everything as installed)
measure_verify() {
	local key=$1 round=$2 t0 t1 rc=0 rss user sys
	case $key in
	pakfire) CMD=("$PAKFIRE" --root "$VR" verify) ;;
	sha256sum) CMD=(sha256sum -- "${VFILES[@]}") ;;
	esac
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M %U %S' -o "$W/time.out" "${CMD[@]}" \
		>"$W/log/verify-$key-$round.out" 2>&1 </dev/null || rc=$?
	t1=$EPOCHREALTIME
	if [ "$rc" != 0 ]; then
		tail -n 20 "$W/log/verify-$key-$round.out" | sed 's/^/  | /' >&2
		die "$key (verify) failed (exit $rc) in round $round"
	fi
	read -r rss user sys < <(tail -n 1 "$W/time.out")
	LAST_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
	[ "$round" = 0 ] ||
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$round" "$LAST_WALL" "$rss" "$user" "$sys" >>"$W/verify.tsv"
}

for round in $(seq 0 "$VERIFY_ROUNDS"); do
	line="verify round $round"
	[ "$round" = 0 ] && line="verify round 0 (warm-up)"
	for key in pakfire sha256sum; do
		measure_verify "$key" "$round"
		line+="  $key $(printf '%.3f' "$LAST_WALL")s"
	done
	step "$line"
done

# ---------------------------------------------------------------------------
# 3. Where the time goes (untimed runs)

if [ "$PROFILE" = 1 ]; then
	step "profile: strace -c of each tool"
	for key in "${TOOLS[@]}"; do
		[ "$key" = pacman+sync ] && continue
		R=$W/roots/strace-$key
		prep "$key" "$R" >>"$W/log/prep.log" 2>&1 || die "preparing $key for strace failed"
		command_for "$key" "$R"
		sync -f "$W"
		strace -f -c -w -o "$W/strace/$key.txt" "${CMD[@]}" >"$W/log/strace-$key.out" 2>&1 </dev/null ||
			echo "bench/apply: $key under strace failed" >&2
		kill_agents "$R"
		[ "$KEEP_ROOTS" = 1 ] || rm -rf "$R"
	done

	if perf stat -e cpu-clock true >/dev/null 2>&1; then
		step "profile: pakfire's phases (perf record of syscall tracepoints, 3 runs)"
		ev=syscalls:sys_exit_execve,syscalls:sys_enter_connect,syscalls:sys_enter_lseek
		ev+=,syscalls:sys_enter_syncfs,syscalls:sys_exit_syncfs,syscalls:sys_enter_sync,syscalls:sys_exit_sync
		ev+=,syscalls:sys_enter_fdatasync,syscalls:sys_exit_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_exit_fsync
		ev+=,syscalls:sys_enter_renameat,syscalls:sys_enter_exit_group
		traces=()
		for i in 1 2 3; do
			R=$W/roots/phases-$i
			prep pakfire "$R" >>"$W/log/prep.log" 2>&1 || die "preparing pakfire for the phases failed"
			command_for pakfire "$R"
			sync -f "$W"
			# the openat calls that matter only: the cached package, staged files
			if perf record -q -o "$W/phases-$i.data" -e "$ev" \
				-e syscalls:sys_enter_openat --filter 'flags == 0xa0000 || flags == 0xa00c1' \
				-- "${CMD[@]}" >"$W/log/phases-$i.out" 2>&1 </dev/null &&
				perf script -i "$W/phases-$i.data" >"$W/phases-$i.txt" 2>>"$W/log/phases-$i.out"; then
				traces+=("$W/phases-$i.txt")
			else
				echo "bench/apply: perf record of the phases failed: $(tail -n 1 "$W/log/phases-$i.out")" >&2
			fi
			kill_agents "$R"
			[ "$KEEP_ROOTS" = 1 ] || rm -rf "$R"
		done
		[ ${#traces[@]} -eq 0 ] || python3 "$HELPER" phases "${traces[@]}" >"$W/phases.json" ||
			rm -f "$W/phases.json"
	fi

	if perf stat -e cpu-clock true >/dev/null 2>&1; then
		step "profile: perf record of pakfire"
		R=$W/roots/perf
		prep pakfire "$R" >>"$W/log/prep.log" 2>&1 || die "preparing pakfire for perf failed"
		command_for pakfire "$R"
		sync -f "$W"
		PERF_CMD="perf record -e cpu-clock -F 999 -g --call-graph dwarf -- pakfire --root R upgrade --yes"
		if perf record -q -e cpu-clock -F 999 -g --call-graph dwarf,16384 -o "$W/perf.data" -- \
			"${CMD[@]}" >"$W/log/perf.out" 2>&1 </dev/null; then
			perf report -i "$W/perf.data" --no-children --sort dso,sym --stdio -g none \
				--percent-limit 0.5 >"$W/perf-self.txt" 2>/dev/null || true
			perf report -i "$W/perf.data" --no-children --sort dso --stdio -g none \
				>"$W/perf-dso.txt" 2>/dev/null || true
			perf report -i "$W/perf.data" --children --sort sym --stdio -g none \
				--percent-limit 2 >"$W/perf-children.txt" 2>/dev/null || true
			meta perf_cmd "$PERF_CMD"
		else
			meta perf_note "perf record failed: $(tail -n 1 "$W/log/perf.out")"
		fi
		kill_agents "$R"
		[ "$KEEP_ROOTS" = 1 ] || rm -rf "$R"
	else
		meta perf_note "perf does not work on this machine (perf stat -e cpu-clock true fails)"
	fi

	step "profile: what pakfire's peak RSS is made of (/proc/PID/smaps)"
	R=$W/roots/rss
	prep pakfire "$R" >>"$W/log/prep.log" 2>&1 || die "preparing pakfire for the memory map failed"
	command_for pakfire "$R"
	sync -f "$W"
	python3 "$HELPER" rss-map "$W/rss-map.json" "${CMD[@]}" || rm -f "$W/rss-map.json"
	kill_agents "$R"
fi

# ---------------------------------------------------------------------------
# 4. The report

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
meta cpu "${cpu:-unknown CPU}"
meta nproc "$(nproc)"
meta mem_gib "$(awk '/^MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
meta kernel "$(uname -r)"
meta os "$(. /etc/os-release && echo "$PRETTY_NAME")"
meta work "$WORK_BASE"
read -r fstype fssource fsopts < <(findmnt -n -o FSTYPE,SOURCE,OPTIONS -T "$W" | sed -n 1p)
meta fstype "$fstype"
meta fssource "$fssource"
meta fsopts "$fsopts"
journal=""
if [ "$fstype" = ext4 ]; then
	if compgen -G "/proc/fs/jbd2/$(basename "$fssource")-*" >/dev/null; then
		journal="with a journal"
	else
		journal="without a journal"
	fi
fi
meta fsjournal "$journal"
reproduce="make bench (as root)"
[ ${#ARGS[@]} -eq 0 ] || reproduce="bench/apply/run.sh ${ARGS[*]} (as root)"
meta reproduce "$reproduce"
meta scale "$SCALE"
meta rounds "$ROUNDS"
meta entries "$ENTRIES"
meta files "$FILES"
meta dirs "$DIRS"
meta symlinks "$LINKS"
meta bytes "$BYTES"
# what was measured: PF_BENCH_REV says it for a build made elsewhere
rev=${PF_BENCH_REV:-}
if [ -z "$rev" ]; then
	rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo "?")
	git -C "$TOP" diff --quiet HEAD -- pakfire 2>/dev/null || rev+=" with uncommitted changes in pakfire/"
fi
{
	echo "pakfire $rev (built in $BUILD_DIR with the Makefile's -O2 -g)"
	pacman --version 2>/dev/null | grep -o 'Pacman v[^ ]* - libalpm v[^ ]*' | sed -n 1p
	dpkg --version | sed -n 1p | sed 's/ (.*//; s/program version/version/'
	tar --version | sed -n 1p
	zstd --version | sed 's/^\*\** *//; s/ \*\**$//; s/, by .*//'
	bsdtar --version | sed -n 1p
	lighttpd -v 2>/dev/null | sed -n 1p | sed 's/ - .*//'
} >"$W/versions.txt"

if [ -n "$RESULTS" ]; then
	step "results: $RESULTS (section Apply)"
	python3 "$HELPER" report "$W" "$RESULTS"
else
	python3 "$HELPER" report "$W" "$W/RESULTS.md" && sed -n '/^| tool | median/,/^$/p' "$W/RESULTS.md"
fi
