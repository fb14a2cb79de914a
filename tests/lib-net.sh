# shellcheck shell=bash disable=SC2034
# tests/lib-net.sh: the network's hostile side, sourced by tests/lib.sh
# (read its header first: the same rules hold, no fixed port or path).
# A TLS test CA and lighttpd over https, a logging http server, and a
# scriptable hostile server (tests/lib/hostile.py): issue 18.
#
#	tls_ca                     $T/tls: a test CA and server certificates
#	https_start [--cert C]     lighttpd over https (C: good, wrong-host, self-signed)
#	http_start --log           (lib.sh) lighttpd with an access log, $HTTP_LOG
#	hostile_start MODE         tests/lib/hostile.py, its log $HOSTILE_LOG
#	root_trusts_test_ca        the root's ca-bundle is the test CA
#	wait_for_log FILE ERE      a server's log shows a request
#	partial_of N, partial_files, assert_partial_kept N, assert_no_partial

# ---------------------------------------------------------------------------
# TLS

# tls_ca: a test CA made now by openssl, in $T/tls (EC P-256: well under a
# second): ca.pem (the CA), good.pem/good.key (IP:127.0.0.1, signed by the
# CA), wrong-host.pem/.key (DNS:wrong.example, signed by the CA),
# self-signed.pem/.key (IP:127.0.0.1, signed by itself) and other-ca.pem
# (a valid CA that signed none of them). Made once per test.
tls_ca() {
	local d=$T/tls
	[ -s "$d/other-ca.pem" ] && return 0
	mkdir -p "$d"
	_tls_self "$d/ca" "pakfire test CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	_tls_signed "$d/good" 127.0.0.1 "IP:127.0.0.1"
	_tls_signed "$d/wrong-host" wrong.example "DNS:wrong.example"
	_tls_self "$d/self-signed" 127.0.0.1 -addext "subjectAltName=IP:127.0.0.1"
	_tls_self "$d/other-ca" "pakfire other CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	# a chain that does not verify would show up as pakfire's failure
	must openssl verify -CAfile "$d/ca.pem" "$d/good.pem" "$d/wrong-host.pem"
}

# _tls_self BASE CN [openssl req options]: BASE.pem self-signed, BASE.key.
_tls_self() {
	local base=$1 cn=$2
	shift 2
	must openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$base.key" -out "$base.pem" -days 2 -subj "/CN=$cn" "$@"
}

# _tls_signed BASE CN SAN: BASE.pem for SAN, signed by $T/tls/ca.
_tls_signed() {
	local base=$1 cn=$2 san=$3 ca=$T/tls/ca
	must openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$base.key" -out "$base.csr" -subj "/CN=$cn"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$san" >"$base.ext"
	must openssl x509 -req -in "$base.csr" -CA "$ca.pem" -CAkey "$ca.key" \
		-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 2 \
		-extfile "$base.ext" -out "$base.pem"
}

# https_start [--cert good|wrong-host|self-signed] [DIR]: lighttpd over
# https (mod_openssl) serving DIR (default $WWW) with that certificate
# (default good) of tls_ca; sets MIRROR=https://127.0.0.1:PORT.
https_start() {
	local cert=good
	if [ "${1:-}" = --cert ]; then
		cert=${2:-}
		shift 2
	fi
	case $cert in
	good|wrong-host|self-signed) ;;
	*) fail "https_start --cert: '$cert' is not good, wrong-host or self-signed" ;;
	esac
	tls_ca
	lighttpd_start https "${1:-$WWW}" 'server.modules += ("mod_openssl")' \
		'ssl.engine = "enable"' \
		"ssl.pemfile = \"$T/tls/$cert.pem\"" \
		"ssl.privkey = \"$T/tls/$cert.key\""
}

# root_trusts_test_ca: $R's pakfire.conf takes the test CA as its ca-bundle,
# a copy inside the root at /etc/pakfire/test-ca.pem (ca-bundle is a path
# inside the root).
root_trusts_test_ca() {
	tls_ca
	cp "$T/tls/ca.pem" "$R/etc/pakfire/test-ca.pem"
	conf_set ca-bundle /etc/pakfire/test-ca.pem
}

# ---------------------------------------------------------------------------
# The hostile server

# hostile_start MODE [--tls] [--rate BYTES] [DIR]: tests/lib/hostile.py
# serving DIR (default $WWW) on 127.0.0.1 with MODE applied to packages
# (*.pak; every path for portal); see hostile.py for the modes. Sets
# MIRROR=http://127.0.0.1:PORT (https with --tls: the good certificate of
# tls_ca), HOSTILE_PORT, and HOSTILE_LOG, where each request is one line,
# "REQUEST-LINE STATUS BYTES RANGE" as in http_start --log, written as it
# is answered. --rate: bytes a second for trickle (default 1).
# The server binds port 0 itself and prints the port it got, so no other
# test can hold it (no tag handshake needed); the port is printed once it
# listens.
hostile_start() {
	local mode=${1:-} args=() scheme=http out pid port=""
	shift || true
	[ -n "$mode" ] || fail "hostile_start: no MODE"
	while [ $# -gt 0 ]; do
		case $1 in
		--tls)
			tls_ca
			args+=(--tls "$T/tls/good.pem" "$T/tls/good.key")
			scheme=https
			shift
			;;
		--rate) args+=(--rate "$2"); shift 2 ;;
		*) break ;;
		esac
	done
	mkdir -p "${1:-$WWW}"
	out=$(mktemp "$T/httpd/hostile.XXXXXX")
	"$PF_PY3" "$PF_TOP/tests/lib/hostile.py" --mode "$mode" --root "${1:-$WWW}" \
		--log-dir "$T/httpd" "${args[@]}" >"$out" 2>"$out.err" &
	pid=$!
	echo "$pid" >>"$T/httpd/pids"
	# 20 s: a python start on a loaded machine, not a sleep of that length
	for _ in $(seq 400); do
		read -r port <"$out" 2>/dev/null || true
		[[ $port =~ ^[0-9]+$ ]] && break
		port=""
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$port" ] || fail "hostile_start $mode: no port: $(cat "$out" "$out.err" 2>/dev/null | tail -n 5)"
	HOSTILE_PORT=$port
	HOSTILE_LOG=$T/httpd/hostile.$port.log
	MIRROR=$scheme://127.0.0.1:$port
}

# wait_for_log FILE ERE [SECONDS]: until a line of the server log FILE
# matches ERE (lighttpd writes its access log a little later than it
# answers); fails after SECONDS (default 5) showing the log.
wait_for_log() {
	local tries=$((${3:-5} * 20))
	while [ "$tries" -gt 0 ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "server log $1:"
	sed 's/^/  | /' "$1" 2>/dev/null | tail -n 20
	fail "the server log shows no request matching '$2'"
}

# ---------------------------------------------------------------------------
# Partial downloads: <cache>/<series>/<arch>/partial/<hex sha256>.part,
# with root_at_core's cache (/var/cache/pakfire) and $SERIES.

# partial_of N: the path of the partial download of core-N.pak of $REPO.
partial_of() {
	local sum
	sum=$(sha256sum "$REPO/core/core-$1.pak") || fail "partial_of: no $REPO/core/core-$1.pak"
	echo "$R/var/cache/pakfire/$SERIES/$ARCH/partial/${sum%% *}.part"
}

# partial_files: every partial download in R's cache, one a line, with the
# legacy NAME.part files of older releases.
partial_files() {
	find "$R/var/cache" -name '*.part' 2>/dev/null | sort
}

# assert_partial_kept N: the partial download of core-N.pak is there, holds
# at least a byte and less than the package, and is a prefix of it.
assert_partial_kept() {
	local p size want
	p=$(partial_of "$1")
	[ -f "$p" ] || fail "no partial download kept at ${p#"$R"} (there are: $(partial_files | tr '\n' ' '))"
	size=$(stat -c %s "$p")
	want=$(stat -c %s "$REPO/core/core-$1.pak")
	if [ "$size" -eq 0 ] || [ "$size" -ge "$want" ]; then
		fail "partial download ${p##*/} holds $size bytes; expected 1 to $((want - 1))"
	fi
	cmp -s -n "$size" "$p" "$REPO/core/core-$1.pak" ||
		fail "partial download ${p##*/} is not the first $size bytes of core-$1.pak"
}

# assert_no_partial: no partial download left anywhere in R's cache.
assert_no_partial() {
	local left
	left=$(partial_files)
	[ -z "$left" ] || fail "a partial download was left: $(echo "$left" | tr '\n' ' ')"
}

# make_partial N BYTES: the partial download of core-N.pak holds its first
# BYTES bytes, as an interrupted download leaves it.
make_partial() {
	local p
	p=$(partial_of "$1")
	mkdir -p "${p%/*}"
	head -c "$2" "$REPO/core/core-$1.pak" >"$p"
}
