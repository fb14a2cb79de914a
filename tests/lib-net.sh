# shellcheck shell=bash
# tests/lib-net.sh: the network's hostile side, sourced by tests/lib.sh
# (read its header first: the same rules hold, no fixed port or path).
# A TLS test CA and lighttpd over https, a logging http server, and a
# scriptable hostile server (tests/lib/hostile.py): issue 18.
