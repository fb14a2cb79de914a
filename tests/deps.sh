#!/usr/bin/env bash
# Checks that the Debian packages needed to build and test pakfire are
# installed. As root, installs the missing ones; otherwise prints the one
# apt-get line to run and exits 1. Quiet when everything is there.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config
	libarchive-dev libcurl4-openssl-dev libgpgme-dev libsqlite3-dev nettle-dev
	libjson-c-dev
	libcmocka-dev
	lighttpd gnupg sqlite3 zstd python3 e2fsprogs util-linux curl strace procps git
	dosfstools fusefat mtools shellcheck
	groff-base man-db python3-jsonschema systemd
	openssl tmux lighttpd-mod-openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
	exit 0
fi

echo "deps: missing Debian packages: ${missing[*]}" >&2
echo "deps: run as root:" >&2
echo "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
exit 1
