# shellcheck shell=bash
# tests/lib.sh: the world that end-to-end tests run in.
#
# An e2e file sources this, defines test_* functions and ends with
# `run_tests "$@"`. Each test runs in its own bash process, in a fresh
# temporary world $T, under a timeout; whatever happens, the world is torn
# down: the web server stopped, gpg agents killed, file systems unmounted,
# $T removed. A test states the world, runs the command, says what must hold:
#
#	test_index_expired() {
#		repo_mini 139 --valid-days -1
#		http_start
#		root_at_core 138
#		remember_state
#		run pakfire --root "$R" update
#		assert_refused 4 "Valid-Until"
#	}
#
# The names a test sees:
#   T        the test's temporary world (short path under /tmp)
#   R        the appliance root (root_at_core), DB its SQLite file
#   WWW      the web server's document root; MIRROR its base URL
#   REPO     the repository folder: $WWW/pakfire/<series>/<arch>
#   SRC      sources of mini repositories (updates/, manifests/, build roots)
#   G        the test's GnuPG home (short, made by make_key)
# Environment: PF_BUILD (build dir holding pakfire and pakfire-repo),
# PF_SAMPLE (the sample repository prebuilt by tests/run.sh; built on demand
# when unset).

PF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${PF_BUILD:=$PF_TOP/build}"
PF_BUILD=$(cd "$PF_BUILD" 2>/dev/null && pwd || echo "$PF_BUILD")
PAKFIRE_BIN=$PF_BUILD/pakfire
PAKFIRE_REPO_BIN=$PF_BUILD/pakfire-repo
CRAFT_PAK=$PF_TOP/tests/craft-pak.py

SERIES=2.25
ARCH=x86_64
MIRROR_PATH=/pakfire            # the repository lives at $MIRROR$MIRROR_PATH
SAMPLE_BASE=138                 # the sample repository holds the updates after this
: "${PF_CLIENT_TIMEOUT:=120}"   # seconds for one pakfire or pakfire-repo call
: "${PF_TEST_TIMEOUT:=900}"     # seconds for one whole test
: "${PF_SAMPLE_SCALE:=1}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C TZ=UTC

# ---------------------------------------------------------------------------
# Failing, running, asserting

# A regular executable file (a folder passes -x too).
is_program() { [ -f "$1" ] && [ -x "$1" ]; }

# fail WHY: the test fails. The first reason is the one reported; the output
# of the last command run is shown under it.
fail() {
	if [ -n "${PF_RESULT:-}" ] && [ ! -s "$PF_RESULT" ]; then
		printf '%s\n' "$*" >"$PF_RESULT"
	fi
	[ -n "${PF_RESULT:-}" ] || printf 'why: %s\n' "$*"
	show_last_run
	exit 1
}

# The output of the last `run`, indented, at most 40 lines of each stream.
show_last_run() {
	[ -n "${RUN_CMD:-}" ] || return 0
	printf 'last command: %s\n' "$RUN_CMD"
	printf 'exit code: %s\n' "$RUN_RC"
	if [ -s "$RUN_OUT" ]; then
		echo "stdout:"
		head -n 40 "$RUN_OUT" | sed 's/^/  | /'
	fi
	if [ -s "$RUN_ERR" ]; then
		echo "stderr:"
		head -n 40 "$RUN_ERR" | sed 's/^/  | /'
	fi
	return 0
}

# The programs under test, always under a timeout and with stdin closed.
pakfire() {
	timeout -k 5 "$PF_CLIENT_TIMEOUT" "$PAKFIRE_BIN" "$@" </dev/null
}
pakfire_repo() {
	timeout -k 5 "$PF_CLIENT_TIMEOUT" "$PAKFIRE_REPO_BIN" "$@" </dev/null
}

# run CMD...: run the command under test; its stdout, stderr and exit code
# go to $RUN_OUT, $RUN_ERR, $RUN_RC for the assertions.
RUN_N=0
run() {
	RUN_N=$((RUN_N + 1))
	RUN_CMD=$*
	RUN_OUT=$T/run/$RUN_N.out
	RUN_ERR=$T/run/$RUN_N.err
	RUN_RC=0
	"$@" >"$RUN_OUT" 2>"$RUN_ERR" || RUN_RC=$?
	printf '%s\t%s\n' "$RUN_RC" "$RUN_CMD" >>"$T/run/log"
}

# must CMD...: a step that sets up the world; if it fails, the test fails
# with its output (these are not the commands under test).
must() {
	local rc=0 log=$T/run/must.log
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		RUN_CMD=""
		echo "output of the failed step:"
		tail -n 40 "$log" | sed 's/^/  | /'
		fail "setup step failed (exit $rc$(timed_out_note "$rc")): $*"
	fi
}

timed_out_note() {
	case $1 in
	124|137) echo ", timed out" ;;
	*) [ "$1" -gt 128 ] && echo ", killed by signal $(($1 - 128))" ;;
	esac
	return 0
}

assert_exit() {
	[ "$RUN_RC" = "$1" ] ||
		fail "expected exit $1, got $RUN_RC$(timed_out_note "$RUN_RC"): $RUN_CMD"
}

assert_exit_nonzero() {
	[ "$RUN_RC" != 0 ] || fail "expected a failure, got exit 0: $RUN_CMD"
	[ "$RUN_RC" -lt 124 ] ||
		fail "expected a clean failure, got exit $RUN_RC$(timed_out_note "$RUN_RC"): $RUN_CMD"
}

# Keywords are matched as fixed strings, ignoring case.
assert_stderr_contains() {
	grep -qiF -- "$1" "$RUN_ERR" || fail "stderr does not mention \"$1\": $RUN_CMD"
}
assert_output_contains() {
	grep -qiF -- "$1" "$RUN_OUT" || fail "stdout does not mention \"$1\": $RUN_CMD"
}
assert_stderr_empty() {
	[ ! -s "$RUN_ERR" ] || fail "expected nothing on stderr: $RUN_CMD"
}

# stderr is exactly one line, and it starts with "pakfire: ".
assert_one_line_error() {
	local lines=()
	mapfile -t lines <"$RUN_ERR"
	[ "${#lines[@]}" -eq 1 ] ||
		fail "expected exactly one line on stderr, got ${#lines[@]}: $RUN_CMD"
	[[ ${lines[0]} == "pakfire: "* ]] ||
		fail "the error line does not start with \"pakfire: \": $RUN_CMD"
}

# assert_db SQL EXPECTED: the query's output (sqlite3 list mode) is EXPECTED.
assert_db() {
	local got
	got=$(db_query "$1") || fail "database query failed: $1: $got"
	[ "$got" = "$2" ] || fail "database: $1 -> expected \"$2\", got \"$got\""
}

db_query() {
	[ -f "$DB" ] || { echo "no database at $DB"; return 1; }
	sqlite3 -batch -cmd ".timeout 5000" "$DB" "$1" 2>&1
}

# The state that a refused command must leave as it was: every path of the
# root (but pakfire's own var/lib, var/cache and var/log folders) and the
# database's rows (but the transactions and steps, which record the failure).
db_state() {
	db_query "SELECT * FROM system;
		SELECT * FROM updates ORDER BY number;
		SELECT * FROM files ORDER BY path;
		SELECT series, arch, revision, sha256 FROM indexes ORDER BY series, arch;"
}

snapshot_root() {
	py snapshot "$R"
}

remember_state() {
	mkdir -p "$T/state"
	snapshot_root >"$T/state/root.before" || fail "could not snapshot $R"
	db_state >"$T/state/db.before" || fail "could not read the database: $(cat "$T/state/db.before")"
}

assert_root_unchanged() {
	snapshot_root >"$T/state/root.after" || fail "could not snapshot $R"
	if ! diff -u "$T/state/root.before" "$T/state/root.after" >"$T/state/root.diff"; then
		echo "the root changed (- before, + after):"
		grep '^[-+][^-+]' "$T/state/root.diff" | head -n 30 | sed 's/^/  /'
		fail "the root changed"
	fi
}

assert_db_unchanged() {
	db_state >"$T/state/db.after" || fail "could not read the database: $(cat "$T/state/db.after")"
	if ! diff -u "$T/state/db.before" "$T/state/db.after" >"$T/state/db.diff"; then
		echo "the database changed (- before, + after):"
		grep '^[-+][^-+]' "$T/state/db.diff" | head -n 30 | sed 's/^/  /'
		fail "the database changed"
	fi
}

assert_nothing_changed() {
	assert_root_unchanged
	assert_db_unchanged
}

# assert_refused CODE KEYWORD: the command was refused with exit CODE and one
# error line that mentions KEYWORD, and it changed nothing.
assert_refused() {
	assert_exit "$1"
	assert_one_line_error
	assert_stderr_contains "$2"
	assert_nothing_changed
}

# assert_tree_equal R [--remove LIST] BUILDROOT [[--remove LIST] BUILDROOT]...
# The build roots, overlaid in order (each LIST, one path a line, deleted
# before the next build root is laid on), must be in R byte for byte, with
# the same type, mode, owner and symlink targets; removed paths must be gone;
# and R must hold nothing else (but pakfire's own folders and etc/pakfire).
assert_tree_equal() {
	local out
	out=$(py tree "$@" 2>&1) || {
		echo "$out" | head -n 40 | sed 's/^/  /'
		fail "the root is not the expected tree ($(echo "$out" | grep -c .) difference(s))"
	}
}

# ---------------------------------------------------------------------------
# The world

world_begin() {
	umask 022
	T=$(mktemp -d /tmp/pft.XXXXXX)
	mkdir -p "$T/run" "$T/state" "$T/keys" "$T/httpd"
	R=$T/root
	DB=$R/var/lib/pakfire/pakfire.db
	WWW=$T/www
	REPO=$WWW${MIRROR_PATH}/$SERIES/$ARCH
	SRC=$T/src
	G=""
	MIRROR=""
	TRUST=()
}

world_end() {
	trap - ERR
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	local pid dir mnt loop ok=1
	# the web servers
	if [ -f "$T/httpd/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done <"$T/httpd/pids"
		while read -r pid; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null || true
		done <"$T/httpd/pids"
	fi
	# gpg agents: ours, and any that a client started in a home below $T
	{
		[ -n "$G" ] && echo "$G"
		find "$T" -xdev -name 'S.gpg-agent*' -printf '%h\n' 2>/dev/null
	} | sort -u | while read -r dir; do
		gpgconf --homedir "$dir" --kill all >/dev/null 2>&1 || true
	done
	# file systems mounted below $T, deepest first, then their loop devices
	findmnt -rn -o TARGET 2>/dev/null | awk -v t="$T/" 'index($0 "/", t) == 1' |
		sort -r | while read -r mnt; do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	done
	losetup -rn -O NAME,BACK-FILE 2>/dev/null | awk -v t="$T/" 'index($2, t) == 1 {print $1}' |
		while read -r loop; do
		losetup -d "$loop" 2>/dev/null || true
	done
	if findmnt -rn -o TARGET 2>/dev/null | awk -v t="$T/" 'index($0 "/", t) == 1' | grep -q .; then
		echo "warning: something is still mounted below $T; not removing it" >&2
		ok=0
	fi
	[ "$ok" = 1 ] && rm -rf "$T"
	[ -n "$G" ] && rm -rf "$G"
	return 0
}

# ---------------------------------------------------------------------------
# Keys

gpg_home() {
	if [ -z "$G" ]; then
		G=$(mktemp -d /tmp/pfg.XXXXXX)
		chmod 700 "$G"
	fi
}

# make_key NAME: an ed25519 signing key without passphrase in $G; exports
# $T/keys/NAME.asc and sets FPR_<NAME>.
make_key() {
	local name=$1 fpr
	gpg_home
	must gpg --homedir "$G" --batch --passphrase '' \
		--quick-gen-key "$name <$name@pakfire.test>" ed25519 sign never
	fpr=$(gpg --homedir "$G" --with-colons --list-keys "<$name@pakfire.test>" 2>/dev/null |
		awk -F: '/^fpr/ {print $10; exit}')
	[ -n "$fpr" ] || fail "make_key $name: no fingerprint"
	gpg --homedir "$G" --armor --export "$fpr" >"$T/keys/$name.asc"
	[ -s "$T/keys/$name.asc" ] || fail "make_key $name: export failed"
	printf -v "FPR_$name" '%s' "$fpr"
}

# ensure_key NAME: make the key unless it exists; KEY_FPR is its fingerprint.
ensure_key() {
	local v="FPR_$1"
	[ -n "${!v:-}" ] || make_key "$1"
	KEY_FPR=${!v}
}

# A key by name (made by make_key) or an .asc file.
key_file() {
	if [ -f "$1" ]; then echo "$1"; else echo "$T/keys/$1.asc"; fi
}

# ---------------------------------------------------------------------------
# The web server

# http_start [DIR]: lighttpd serving DIR (default $WWW) on 127.0.0.1 on a
# free port; sets MIRROR=http://127.0.0.1:PORT.
# shellcheck disable=SC2120
http_start() {
	local dir=${1:-$WWW} port conf pid try
	mkdir -p "$dir"
	for try in 1 2 3; do
		port=$(py free_port)
		conf=$T/httpd/$port.conf
		cat >"$conf" <<-EOF
			server.document-root = "$dir"
			server.port = $port
			server.bind = "127.0.0.1"
			server.pid-file = "$T/httpd/$port.pid"
			server.errorlog = "$T/httpd/$port.log"
			mimetype.assign = ("" => "application/octet-stream")
			# tests replace served files: no stale cached copies
			server.stat-cache-engine = "disable"
		EOF
		lighttpd -D -f "$conf" >>"$T/httpd/$port.out" 2>&1 &
		pid=$!
		echo "$pid" >>"$T/httpd/pids"
		for _ in $(seq 100); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
				MIRROR=http://127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
		echo "lighttpd attempt $try on port $port:"
		cat "$T/httpd/$port.out" "$T/httpd/$port.log" 2>/dev/null | tail -n 5 | sed 's/^/  | /'
	done
	fail "lighttpd did not start"
}

# ---------------------------------------------------------------------------
# Repositories

# repo_sample: the sample repository (updates 139.. of updates/, built by
# pakfire-repo from make-buildroot trees), hardlinked into $WWW. Files there
# are shared with other tests: replace them, never edit them in place.
# Sets SAMPLE_ROOTS (the build roots, one folder per update) and TRUST.
repo_sample() {
	if [ -z "${PF_SAMPLE:-}" ]; then
		PF_SAMPLE=$T/sample
		mkdir -p "$PF_SAMPLE"
		build_sample_repo "$PF_SAMPLE" "$PAKFIRE_REPO_BIN" "$PF_SAMPLE_SCALE" \
			>"$PF_SAMPLE/build.log" 2>&1 || true
	fi
	if [ ! -f "$PF_SAMPLE/ok" ]; then
		echo "sample repository build log (tail):"
		tail -n 30 "$PF_SAMPLE/build.log" 2>/dev/null | sed 's/^/  | /'
		fail "the sample repository could not be built: $(cat "$PF_SAMPLE/error" 2>/dev/null)"
	fi
	mkdir -p "$WWW"
	cp -al "$PF_SAMPLE/www/." "$WWW/"
	SAMPLE_ROOTS=$PF_SAMPLE/roots
	TRUST=("$PF_SAMPLE/key.asc")
}

# build_sample_repo OUT REPO_BIN SCALE: build roots for every update after
# $SAMPLE_BASE that has updates/N/update.conf and manifests/core-N.filelist
# (updates/make-buildroot), a signing key, pakfire-repo build for each, one
# publish. Lays out OUT/www (document root), OUT/roots/N, OUT/key.asc,
# OUT/numbers; OUT/ok when done, OUT/error saying why not.
build_sample_repo() {
	local out=$1 repobin=$2 scale=${3:-1} n fpr nums=() repo
	repo=$out/www${MIRROR_PATH}/$SERIES/$ARCH
	sample_error() { echo "$*" >"$out/error"; echo "sample: $*" >&2; return 1; }
	mkdir -p "$repo" "$out/roots" "$out/g" || { sample_error "cannot create $out"; return 1; }
	chmod 700 "$out/g"
	is_program "$PF_TOP/updates/make-buildroot" ||
		{ sample_error "updates/make-buildroot is missing or not executable"; return 1; }
	is_program "$repobin" || { sample_error "$repobin was not built"; return 1; }
	for n in $(find "$PF_TOP/updates" -mindepth 2 -maxdepth 2 -name update.conf -printf '%h\n' |
		xargs -rn1 basename | grep -E '^[0-9]+$' | sort -n); do
		[ "$n" -gt "$SAMPLE_BASE" ] && [ -f "$PF_TOP/manifests/core-$n.filelist" ] && nums+=("$n")
	done
	[ "${#nums[@]}" -gt 0 ] ||
		{ sample_error "no updates after $SAMPLE_BASE in updates/ with a manifests/core-N.filelist"; return 1; }
	gpg --homedir "$out/g" --batch --passphrase '' \
		--quick-gen-key 'Sample Signer <sample@pakfire.test>' ed25519 sign never \
		>"$out/gpg.log" 2>&1 ||
		{ cat "$out/gpg.log" >&2; sample_error "gpg could not make the sample key"; return 1; }
	fpr=$(gpg --homedir "$out/g" --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
	gpg --homedir "$out/g" --armor --export "$fpr" >"$out/key.asc"
	for n in "${nums[@]}"; do
		echo "\$ updates/make-buildroot --scale $scale $n $out/roots/$n"
		timeout 1200 "$PF_TOP/updates/make-buildroot" --scale "$scale" "$n" "$out/roots/$n" ||
			{ sample_error "updates/make-buildroot --scale $scale $n failed"; return 1; }
		echo "\$ pakfire-repo build --update updates/$n --filelist manifests/core-$n.filelist" \
			"--root $out/roots/$n --out $repo"
		timeout 1200 "$repobin" build --update "$PF_TOP/updates/$n" \
			--filelist "$PF_TOP/manifests/core-$n.filelist" \
			--root "$out/roots/$n" --out "$repo" </dev/null ||
			{ sample_error "pakfire-repo build of core $n failed"; return 1; }
	done
	echo "\$ pakfire-repo publish --repo $repo --updates updates --series $SERIES --arch $ARCH" \
		"--key $fpr --gnupghome $out/g --revision 1 --valid-days 30"
	timeout 600 "$repobin" publish --repo "$repo" --updates "$PF_TOP/updates" \
		--series "$SERIES" --arch "$ARCH" --key "$fpr" --gnupghome "$out/g" \
		--revision 1 --valid-days 30 </dev/null ||
		{ sample_error "pakfire-repo publish failed"; return 1; }
	gpgconf --homedir "$out/g" --kill all >/dev/null 2>&1 || true
	printf '%s\n' "${nums[@]}" >"$out/numbers"
	touch "$out/ok"
}

# The paths that updates/N/update.conf removes, one a line (for the overlay).
sample_removals() {
	awk '/^[ \t]*remove[ \t]*=/ {
		sub(/^[^=]*=[ \t]*/, "")
		n = split($0, a, /[ \t]+/)
		for (i = 1; i <= n; i++) if (a[i] != "") { sub(/^\/+/, "", a[i]); print a[i] }
	}' "$PF_TOP/updates/$1/update.conf"
}

# assert_root_is_sample N...: R is the overlay of the sample build roots of
# updates N... in order, each update's removals applied before its files.
assert_root_is_sample() {
	local n args=()
	for n in "$@"; do
		sample_removals "$n" >"$T/state/removals-$n"
		args+=(--remove "$T/state/removals-$n" "$SAMPLE_ROOTS/$n")
	done
	assert_tree_equal "$R" "${args[@]}"
}

# repo_mini N [--key NAME] [--revision N] [--valid-days D] [--requires N]
#           [--remove PATH]...
# A small update N: a build root of a few files made on the fly under
# $SRC/buildroot-N, its file list and update.conf, built and published into
# $REPO with pakfire-repo, signed by key NAME (default "signer", made if
# needed). May be called again for further updates; each call republishes.
# Sets TRUST to the signing key, REPO_KEY, REPO_REVISION.
repo_mini() {
	local n=$1 key=signer revision=${REPO_REVISION:-9} days=7 requires removes=()
	shift
	requires=$((n - 1))
	revision=$((revision + 1))
	while [ $# -gt 0 ]; do
		case $1 in
		--key) key=$2; shift 2 ;;
		--revision) revision=$2; shift 2 ;;
		--valid-days) days=$2; shift 2 ;;
		--requires) requires=$2; shift 2 ;;
		--remove) removes+=("$2"); shift 2 ;;
		*) fail "repo_mini: unknown option $1" ;;
		esac
	done
	local b=$SRC/buildroot-$n
	mkdir -p "$b/etc" "$b/usr/bin" "$b/usr/lib" "$b/usr/share/mini" "$SRC/updates/$n" "$SRC/manifests"
	printf 'Mini Linux - core%s\n' "$n" >"$b/etc/mini-release"
	printf '#!/bin/sh\necho "mini core %s"\n' "$n" >"$b/usr/bin/mini"
	chmod 0755 "$b/usr/bin/mini"
	yes "libmini core $n" | head -c 5000 >"$b/usr/lib/libmini.so.$n"
	ln -sfn "libmini.so.$n" "$b/usr/lib/libmini.so"
	printf 'data of core %s\n' "$n" >"$b/usr/share/mini/data-$n.txt"
	chmod 0600 "$b/usr/share/mini/data-$n.txt"
	(cd "$b" && find . ! -type d | sed 's|^\./||' | sort) >"$SRC/manifests/core-$n.filelist"
	{
		echo "number = $n"
		echo "series = $SERIES"
		echo "summary = Mini core update $n"
		echo "reboot = no"
		echo "requires = $requires"
		local p
		for p in ${removes[@]+"${removes[@]}"}; do echo "remove = $p"; done
	} >"$SRC/updates/$n/update.conf"
	mkdir -p "$REPO"
	must pakfire_repo build --update "$SRC/updates/$n" --filelist "$SRC/manifests/core-$n.filelist" \
		--root "$b" --out "$REPO"
	REPO_KEY=$key
	REPO_DAYS=$days
	repo_publish --revision "$revision" --valid-days "$days"
	TRUST=("$(key_file "$key")")
}

# repo_publish [--revision N] [other publish options]: (re)publish $REPO from
# what is in $REPO/core now, signed by $REPO_KEY; the revision goes up by one
# unless given.
repo_publish() {
	local revision=$((${REPO_REVISION:-9} + 1)) opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--revision) revision=$2; shift 2 ;;
		*) opts+=("$1"); shift ;;
		esac
	done
	case " ${opts[*]-} " in
	*" --valid-days "*|*" --valid-until "*) ;;
	*) opts+=(--valid-days "${REPO_DAYS:-7}") ;;
	esac
	ensure_key "${REPO_KEY:-signer}"
	must pakfire_repo publish --repo "$REPO" --updates "$SRC/updates" \
		--series "$SERIES" --arch "$ARCH" --key "$KEY_FPR" --gnupghome "$G" \
		--revision "$revision" "${opts[@]}"
	REPO_REVISION=$revision
}

# hostile_pak N [craft-pak options]: replace $REPO/core/core-N.pak by one that
# tests/craft-pak.py builds from the published manifest and $SRC/buildroot-N
# with the given changes, then republish with the trusted key, so that the
# index's size and hash match the hostile package.
hostile_pak() {
	local n=$1
	shift
	must python3 "$CRAFT_PAK" --manifest "$REPO/core/core-$n.manifest" \
		--root "$SRC/buildroot-$n" --out "$SRC/core-$n.pak" "$@"
	mv -f "$SRC/core-$n.pak" "$REPO/core/core-$n.pak"
	repo_publish
}

# flip_byte FILE: replace FILE by a copy with its middle byte inverted.
flip_byte() { py flip "$1"; }

# append_bytes FILE N: replace FILE by a copy with N more bytes at its end.
append_bytes() {
	{ cat "$1"; head -c "$2" /dev/zero; } >"$1.new" && mv -f "$1.new" "$1"
}

# ---------------------------------------------------------------------------
# The appliance

# root_at_core N [--trust KEY]... [--mirror URL] [--no-init]: the root $R of
# an appliance installed at core N: pakfire.conf, the trusted keys (default:
# the repository's signer) in etc/pakfire/keys, then `pakfire init`.
root_at_core() {
	local core=$1 trust=() mirror k init=1
	shift
	mirror=${MIRROR:+$MIRROR$MIRROR_PATH}
	while [ $# -gt 0 ]; do
		case $1 in
		--trust) trust+=("$(key_file "$2")"); shift 2 ;;
		--mirror) mirror=$2; shift 2 ;;
		--no-init) init=0; shift ;;
		*) fail "root_at_core: unknown option $1" ;;
		esac
	done
	[ "${#trust[@]}" -gt 0 ] || trust=(${TRUST[@]+"${TRUST[@]}"})
	[ "${#trust[@]}" -gt 0 ] || fail "root_at_core: no trusted key (make a repository or a key first)"
	[ -n "$mirror" ] || fail "root_at_core: no mirror (call http_start or set MIRROR first)"
	# an installed system: the folders that every root has
	mkdir -p "$R/etc/pakfire/keys" "$R/var/lib" "$R/var/cache" "$R/var/log"
	for k in "${trust[@]}"; do
		[ -s "$k" ] || fail "root_at_core: no key file $k"
		cp "$k" "$R/etc/pakfire/keys/"
	done
	cat >"$R/etc/pakfire/pakfire.conf" <<-EOF
		series = $SERIES
		arch = $ARCH
		mirror = $mirror
		keys = /etc/pakfire/keys
		cache = /var/cache/pakfire
		database = /var/lib/pakfire/pakfire.db
	EOF
	[ "$init" = 1 ] || return 0
	must pakfire --root "$R" init --series "$SERIES" --core "$core"
	[ -f "$DB" ] || fail "pakfire init made no database at $DB"
}

# must_update: `pakfire update` succeeds (a step before the command under test).
must_update() {
	run pakfire --root "$R" update
	assert_exit 0
}

# ---------------------------------------------------------------------------
# Python helpers: snapshots and tree comparison need hashes and lstat.

py() { python3 -c "$PF_PY" "$@"; }

# shellcheck disable=SC2016
PF_PY='
import hashlib, os, socket, stat, sys

OWN = ("var/lib/pakfire", "var/cache/pakfire", "var/log/pakfire")

def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()

def kind(m):
    for t, c in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                 (stat.S_ISCHR, "chardev"), (stat.S_ISBLK, "blockdev"),
                 (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket")):
        if t(m):
            return c
    return "other"

def describe(p):
    st = os.lstat(p)
    k = kind(st.st_mode)
    d = "%s %04o %d:%d" % (k, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    if k == "file":
        d += " %d %s" % (st.st_size, sha(p))
    elif k == "symlink":
        d += " -> %s" % os.readlink(p)
    elif k in ("chardev", "blockdev"):
        d += " %d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    return d

def walk(top, skip=()):
    out = []
    for d, dirs, files in os.walk(top):
        rel = os.path.relpath(d, top)
        rel = "" if rel == "." else rel + "/"
        keep = []
        for n in dirs:
            p = rel + n
            if p in skip:
                continue
            if os.path.islink(os.path.join(d, n)):
                files.append(n)
            else:
                keep.append(n)
                out.append(p)
        dirs[:] = keep
        out.extend(rel + n for n in files)
    return out

def snapshot(root):
    for p in sorted(walk(root, OWN)):
        print(p, describe(os.path.join(root, p)))

def tree(args):
    root, args = args[0], args[1:]
    exp, removed = {}, set()
    i = 0
    while i < len(args):
        if args[i] == "--remove":
            for line in open(args[i + 1]):
                r = line.strip().strip("/")
                if not r:
                    continue
                removed.add(r)
                for p in [p for p in exp if p == r or p.startswith(r + "/")]:
                    del exp[p]
            i += 2
            continue
        src = args[i]
        if not os.path.isdir(src):
            print("build root %s does not exist" % src)
            sys.exit(1)
        for p in walk(src):
            exp[p] = src
        i += 1
    errs = []
    for p in sorted(exp):
        want = describe(os.path.join(exp[p], p))
        q = os.path.join(root, p)
        if not os.path.lexists(q):
            errs.append("missing: %s (%s)" % (p, want))
            continue
        got = describe(q)
        if got != want:
            errs.append("differs: %s: expected %s, got %s" % (p, want, got))
    for r in sorted(removed - set(exp)):
        if os.path.lexists(os.path.join(root, r)):
            errs.append("should have been removed: %s" % r)
    allowed = set(exp)
    for p in list(exp) + list(OWN) + ["etc/pakfire"]:
        while "/" in p:
            p = p.rsplit("/", 1)[0]
            allowed.add(p)
    for p in sorted(walk(root, OWN + ("etc/pakfire",))):
        if p not in allowed:
            errs.append("unexpected: %s (%s)" % (p, describe(os.path.join(root, p))))
    for e in errs[:40]:
        print(e)
    if len(errs) > 40:
        print("... and %d more" % (len(errs) - 40))
    sys.exit(1 if errs else 0)

def flip(path):
    b = bytearray(open(path, "rb").read())
    b[len(b) // 2] ^= 0xFF
    open(path + ".new", "wb").write(b)
    os.rename(path + ".new", path)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()

cmd, rest = sys.argv[1], sys.argv[2:]
if cmd == "snapshot":
    snapshot(rest[0])
elif cmd == "tree":
    tree(rest)
elif cmd == "flip":
    flip(rest[0])
elif cmd == "free_port":
    free_port()
else:
    sys.exit("unknown helper " + cmd)
'

# ---------------------------------------------------------------------------
# Running the tests of one file

_on_err() {
	fail "a command failed (exit $2) at line $1: $3"
}

# run_tests [TEST...]: run every test_* function of the calling file (or the
# named ones), each in its own process and world, printing
# "ok   BUILD FILE TEST" or "FAIL BUILD FILE TEST: WHY" and the test's output.
run_tests() {
	local file build name
	file=e2e/$(basename "$0")
	build=$(basename "$PF_BUILD")
	if [ -n "${PF_ONE:-}" ]; then
		_run_one "$PF_ONE"
		exit 0
	fi
	local tests=() t out res rc passed=0 failed=0
	mapfile -t tests < <(grep -oE '^test_[A-Za-z0-9_]+[[:space:]]*\(\)' "$0" | sed 's/[[:space:]]*()$//')
	[ $# -gt 0 ] && tests=("$@")
	if [ "${#tests[@]}" -eq 0 ]; then
		echo "FAIL $build $file: no test_* functions"
		exit 1
	fi
	for name in "${tests[@]}"; do
		out=$(mktemp /tmp/pfo.XXXXXX)
		res=$(mktemp /tmp/pfr.XXXXXX)
		rc=0
		PF_ONE=$name PF_RESULT=$res timeout -k 15 "$PF_TEST_TIMEOUT" bash "$0" >"$out" 2>&1 || rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "ok   $build $file $name"
			passed=$((passed + 1))
		else
			t=$(head -n 1 "$res")
			[ -n "$t" ] || t="exited $rc$(timed_out_note "$rc")"
			[ "$rc" -eq 124 ] && t="timed out after ${PF_TEST_TIMEOUT}s ($t)"
			echo "FAIL $build $file $name: $t"
			sed 's/^/    /' "$out"
			failed=$((failed + 1))
		fi
		[ "${PF_VERBOSE:-0}" = 1 ] && [ "$rc" -eq 0 ] && sed 's/^/    /' "$out"
		rm -f "$out" "$res"
	done
	echo "# $build $file: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

_run_one() {
	local name=$1
	declare -F "$name" >/dev/null || { echo "no such test: $name" >"$PF_RESULT"; exit 1; }
	world_begin
	trap world_end EXIT
	trap 'exit 143' TERM INT HUP
	is_program "$PAKFIRE_BIN" || fail "$PAKFIRE_BIN does not exist (make did not build it)"
	is_program "$PAKFIRE_REPO_BIN" || fail "$PAKFIRE_REPO_BIN does not exist (make did not build it)"
	set -E
	trap '_on_err "$LINENO" "$?" "$BASH_COMMAND"' ERR
	"$name"
	trap - ERR
}
