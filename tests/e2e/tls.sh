#!/usr/bin/env bash
# https against a real TLS server (lighttpd with a test CA made by openssl
# at test time): the certificate and the host name are always verified,
# against the ca-bundle of pakfire.conf (a file inside the root) and nothing
# else; a proxy is used only when pakfire.conf names one. The caller's
# environment (SSL_CERT_FILE, CURL_CA_BUNDLE, http_proxy...) changes nothing.
# shellcheck source=tests/lib.sh disable=SC2034
. "$(dirname "$0")/../lib.sh"

# tls_world [https_start options]: update 139 published over https, a root
# at core 138 that trusts the test CA.
tls_world() {
	repo_mini 139
	https_start "$@"
	root_at_core 138
	root_trusts_test_ca
}

# pakfire_env [NAME=VALUE...] ARG...: pakfire as `pakfire` runs it (lib.sh),
# with those variables in its environment.
pakfire_env() {
	local vars=()
	while [[ ${1:-} == *=* ]]; do
		vars+=("$1")
		shift
	done
	env ${vars[@]+"${vars[@]}"} timeout -k 5 "$PF_CLIENT_TIMEOUT" "$PAKFIRE_BIN" "$@" </dev/null
}

# update and upgrade succeed, with the root at core 139 after (the
# environment of the caller, if any, given as NAME=VALUE... before).
assert_update_and_upgrade() {
	run pakfire_env "$@" --root "$R" update
	assert_exit 0
	run pakfire_env "$@" --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "139"
	assert_tree_equal "$R" "$SRC/buildroot-139"
}

test_tls_with_the_configured_ca() {
	tls_world --cert good
	assert_update_and_upgrade
}

test_tls_self_signed_certificate_is_refused() {
	tls_world --cert self-signed
	remember_state

	run pakfire --root "$R" update
	assert_refused 5 "certificate"
}

test_tls_certificate_for_another_host_is_refused() {
	# signed by the trusted CA, but for wrong.example, not 127.0.0.1
	tls_world --cert wrong-host
	remember_state

	run pakfire --root "$R" update
	assert_refused 5 "certificate"
}

test_tls_the_environment_cannot_add_a_ca() {
	# ca-bundle names another CA: the test CA in the caller's environment
	# must not make the server trusted
	tls_world --cert good
	cp "$T/tls/other-ca.pem" "$R/etc/pakfire/other-ca.pem"
	conf_set ca-bundle /etc/pakfire/other-ca.pem
	remember_state

	run pakfire_env SSL_CERT_FILE="$T/tls/ca.pem" CURL_CA_BUNDLE="$T/tls/ca.pem" SSL_CERT_DIR="$T/tls" \
		 --root "$R" update
	assert_refused 5 "certificate"
}

test_tls_the_environment_cannot_take_the_ca_away() {
	tls_world --cert good
	assert_update_and_upgrade SSL_CERT_FILE=/dev/null CURL_CA_BUNDLE=/dev/null \
		SSL_CERT_DIR="$T/nothing"
}

test_tls_the_environment_cannot_log_the_session_keys() {
	# SSLKEYLOGFILE would make libcurl's TLS library write the session
	# secrets (as root, to any path): pakfire clears it at start
	tls_world --cert good
	assert_update_and_upgrade SSLKEYLOGFILE="$T/keys.log"
	[ ! -e "$T/keys.log" ] || fail "TLS secrets were written to \$SSLKEYLOGFILE: $(head -c 200 "$T/keys.log")"
}

test_tls_the_environment_cannot_configure_openssl() {
	# an OPENSSL_CONF whose ciphers the server does not speak would break
	# every https download; another one could load an engine or a
	# provider into a process running as root: pakfire clears it at start
	tls_world --cert good
	cat >"$T/openssl.cnf" <<-'EOF'
		openssl_conf = default_conf
		[default_conf]
		ssl_conf = ssl_sect
		[ssl_sect]
		system_default = sys
		[sys]
		Ciphersuites = TLS_AES_128_CCM_8_SHA256
		CipherString = NULL-SHA
	EOF
	assert_update_and_upgrade OPENSSL_CONF="$T/openssl.cnf"
}

test_tls_missing_ca_bundle() {
	tls_world --cert good
	conf_set ca-bundle /etc/pakfire/missing.pem
	remember_state

	run pakfire --root "$R" update
	assert_refused 2 "ca-bundle /etc/pakfire/missing.pem: No such file or directory (pakfire.conf; a PEM file inside the root)"
}

test_proxy_in_the_environment_is_ignored() {
	# a proxy in the caller's environment that would refuse every
	# connection: pakfire goes to the mirror directly, over https and http
	dead_port
	local dead=http://127.0.0.1:$DEAD_PORT
	tls_world --cert good
	local proxies=(http_proxy="$dead" https_proxy="$dead" all_proxy="$dead"
		HTTP_PROXY="$dead" HTTPS_PROXY="$dead" ALL_PROXY="$dead" no_proxy= NO_PROXY=)
	assert_update_and_upgrade "${proxies[@]}"

	repo_mini 140
	http_start
	sed -i "s|^mirror = .*|mirror = $MIRROR$MIRROR_PATH|" "$R/etc/pakfire/pakfire.conf"
	run pakfire_env "${proxies[@]}" --root "$R" update
	assert_exit 0
	run pakfire_env "${proxies[@]}" --root "$R" upgrade --yes
	assert_exit 0
	assert_db "SELECT core FROM system" "140"
}

# proxy_world: update 139 on a logging lighttpd over http (or https with
# --tls), the hostile server as a forward proxy, and a root whose
# pakfire.conf says `proxy =` that proxy. ORIGIN is the mirror's base URL.
proxy_world() {
	repo_mini 139
	if [ "${1:-}" = --tls ]; then https_start; else http_start --log; fi
	ORIGIN=$MIRROR
	hostile_start proxy
	PROXY_LOG=$HOSTILE_LOG
	MIRROR=$ORIGIN
	root_at_core 138
	[ "${1:-}" != --tls ] || root_trusts_test_ca
	conf_set proxy "http://127.0.0.1:$HOSTILE_PORT"
}

test_proxy_from_the_configuration() {
	proxy_world
	# and the environment's (dead) proxy is not the one used
	dead_port
	assert_update_and_upgrade http_proxy="http://127.0.0.1:$DEAD_PORT"
	local base="GET $ORIGIN$MIRROR_PATH/$SERIES/$ARCH"
	wait_for_log "$PROXY_LOG" "^$base/index HTTP/1.1 200 "
	wait_for_log "$PROXY_LOG" "^$base/index.sig HTTP/1.1 200 "
	wait_for_log "$PROXY_LOG" "^$base/core/core-139.pak HTTP/1.1 200 "
	# the mirror saw the same requests, from the proxy
	wait_for_log "$HTTP_LOG" "^GET $MIRROR_PATH/$SERIES/$ARCH/core/core-139.pak HTTP/1.1 200 "
}

test_no_proxy_in_the_environment_cannot_bypass_the_proxy() {
	proxy_world
	assert_update_and_upgrade NO_PROXY='*' no_proxy='*'
	local base="GET $ORIGIN$MIRROR_PATH/$SERIES/$ARCH"
	wait_for_log "$PROXY_LOG" "^$base/index HTTP/1.1 200 "
	wait_for_log "$PROXY_LOG" "^$base/core/core-139.pak HTTP/1.1 200 "
}

test_proxy_from_the_configuration_tunnels_https() {
	proxy_world --tls
	assert_update_and_upgrade
	wait_for_log "$PROXY_LOG" "^CONNECT ${ORIGIN#https://} HTTP/1.1 200 "
}

run_tests "$@"
