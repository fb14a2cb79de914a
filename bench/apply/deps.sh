#!/usr/bin/env bash
# bench/apply/deps.sh: the Debian packages that the apply benchmark needs
# beside those of the build (tests/deps.sh): the peers it measures (pacman,
# dpkg), the tools that build their packages (bsdtar for makepkg's .MTREE,
# dpkg-deb), GNU time for peak memory, strace and perf for where the time
# goes. As root, installs the missing ones; otherwise prints the one apt-get
# line to run and exits 1. Quiet when everything is there.
set -euo pipefail

PACKAGES=(
	pacman-package-manager libarchive-tools dpkg zstd time
	strace lighttpd gnupg curl python3 coreutils
)
# perf is optional (where the time goes); Debian names it linux-perf
OPTIONAL=(linux-perf)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
optional=()
for p in "${OPTIONAL[@]}"; do
	installed "$p" || optional+=("$p")
done

[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "bench deps: installing ${missing[*]} ${optional[*]}" >&2
	apt-get update -qq
	if [ ${#missing[@]} -gt 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
	fi
	if [ ${#optional[@]} -gt 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${optional[@]}" ||
			echo "bench deps: ${optional[*]} not installed; the profile is skipped" >&2
	fi
	exit 0
fi

[ ${#missing[@]} -eq 0 ] && exit 0
echo "bench deps: missing Debian packages: ${missing[*]}" >&2
echo "bench deps: run as root:" >&2
echo "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]} ${optional[*]}"
exit 1
