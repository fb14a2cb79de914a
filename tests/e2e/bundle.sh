#!/usr/bin/env bash
# pakfire diagnose --bundle FILE (docs/diagnose.md, "The bundle"): one
# .tar.gz that tar opens, with the reports, the log tail, an online copy of
# the database that sqlite3 opens, the configuration without a password,
# the mount table and df of the mounts pakfire plans for. It writes FILE
# only (nothing under the root), never over a file, never inside the root.
# shellcheck source=tests/lib.sh disable=SC2034
source "$(dirname "$0")/../lib.sh"

MEMBERS="report.txt report.json pakfire.log pakfire.db pakfire.conf mounts.txt df.txt"

# An appliance on its own file systems (/ and /boot), whose mirror needs a
# password and is down: `pakfire update` fails there and is recorded, so the
# database holds runs and the log has lines. Its pakfire.conf also names a
# proxy with a password in a comment (a proxy line may not hold one:
# pakfire.conf(5)), which the bundle must not carry either.
appliance() {
	make_key signer
	TRUST=("$(key_file signer)")
	dead_port
	mount_fs "$R" 32M
	mount_fs "$R/boot" 8M
	root_at_core 138 --mirror "http://mirroruser:mirrorsecret42@127.0.0.1:$DEAD_PORT/pakfire"
	printf '# proxy = http://proxyuser:proxysecret42@proxy.example:3128\n' \
		>>"$R/etc/pakfire/pakfire.conf"
	conf_set connect-timeout 2
	run pakfire --root "$R" update
	assert_exit 5
	mkdir -p "$T/out"
}

# extract FILE: the bundle unpacked into $T/x; B is its one folder.
extract() {
	rm -rf "$T/x"
	mkdir -p "$T/x"
	tar -xzf "$1" -C "$T/x" || fail "tar -xzf $1 failed"
	[ "$(find "$T/x" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] ||
		fail "the bundle holds more than one folder: $(ls "$T/x")"
	B=$(find "$T/x" -mindepth 1 -maxdepth 1 -type d -name 'pakfire-diagnose-*-????????T??????Z')
	[ -n "$B" ] || fail "no folder pakfire-diagnose-HOST-YYYYMMDDTHHMMSSZ in the bundle: $(ls "$T/x")"
}

# What pakfire keeps beside the database (no -wal or -shm may appear) and
# the database's bytes: diagnose reads it without writing.
db_files() {
	(cd "$R/var/lib/pakfire" && ls -A && sha256sum pakfire.db)
}

# The bundle holds every member, each 0600 in a 0700 folder; its database
# is a self-contained copy that sqlite3 opens and that passes
# integrity_check with every run of the system; its configuration is the
# root's without the passwords (nowhere in the bundle, compressed or
# not); its df lists the root's and /boot's file systems. The root, its
# database and pakfire's folder are unchanged.
test_bundle_holds_everything() {
	appliance
	# an add-on owns paths on /opt and, deeper, on /var/spool (mounts of
	# their own); nothing owned lies on /srv, which pakfire never plans for
	mount_fs "$R/opt" 4M
	mount_fs "$R/var/spool" 2M
	mount_fs "$R/srv" 2M
	db_query "INSERT INTO units (id, kind, version, series, applied_at, outcome)
			VALUES ('tool', 'addon', '1-1', '$SERIES', 1, 'applied');
		INSERT INTO files (path, type, mode, size, sha256, owner) VALUES
			('opt/tool/bin/tool', 'file', 493, 1, '$(printf x | sha256sum | cut -c1-64)', 'tool'),
			('var/spool/tool/queue', 'dir', 493, 0, NULL, 'tool');" >/dev/null ||
		fail "could not record the add-on"
	remember_state
	db_files >"$T/state/dbfiles.before"
	run pakfire --root "$R" diagnose --bundle "$T/out/b.tar.gz"
	[ "$RUN_RC" = 0 ] || [ "$RUN_RC" -ge 65 ] ||
		fail "diagnose --bundle exited $RUN_RC: $(cat "$RUN_ERR")"
	[ -f "$T/out/b.tar.gz" ] || fail "no bundle written"
	[ "$(stat -c %a "$T/out/b.tar.gz")" = 600 ] || fail "the bundle is not 0600"
	[ "$(ls -A "$T/out")" = b.tar.gz ] || fail "left beside it: $(ls -A "$T/out")"
	extract "$T/out/b.tar.gz"
	[ "$(stat -c %a "$B")" = 700 ] || fail "the bundle's folder is not 0700"
	local m
	for m in $MEMBERS; do
		[ -f "$B/$m" ] || fail "no $m in the bundle (got: $(ls "$B"))"
		[ "$(stat -c %a "$B/$m")" = 600 ] || fail "$m is not 0600"
	done
	[ "$(find "$B" -mindepth 1 | wc -l)" = 7 ] || fail "more than the 7 members: $(ls "$B")"
	# the reports are the command's own
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$B/report.json" ||
		fail "report.json is no JSON document"
	grep -q . "$B/report.txt" || fail "report.txt is empty"
	# the database: its own file, whole, with the system's runs
	[ "$(head -c 15 "$B/pakfire.db")" = "SQLite format 3" ] || fail "pakfire.db is no SQLite file"
	[ "$(sqlite3 "$B/pakfire.db" 'PRAGMA journal_mode')" = delete ] ||
		fail "pakfire.db needs a -wal beside it"
	[ "$(sqlite3 "$B/pakfire.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check of the copy"
	[ "$(sqlite3 "$B/pakfire.db" 'SELECT id, command, outcome FROM transactions ORDER BY id')" = \
	  "$(db_query 'SELECT id, command, outcome FROM transactions ORDER BY id')" ] ||
		fail "the copy's runs differ from the database's"
	[ "$(sqlite3 "$B/pakfire.db" "SELECT count(*) FROM transactions WHERE command = 'update'")" = 1 ] ||
		fail "the copy lacks the failed update"
	# the log: whole lines, the update's among them
	grep -q 'update' "$B/pakfire.log" || fail "pakfire.log does not tell the update"
	[ "$(tail -c 1 "$B/pakfire.log" | od -An -c | tr -d ' ')" = '\n' ] || fail "pakfire.log ends mid-line"
	# the configuration, redacted: the same lines otherwise
	sed -e 's|mirroruser:mirrorsecret42@|***@|' -e 's|proxyuser:proxysecret42@|***@|' \
		"$R/etc/pakfire/pakfire.conf" | cmp -s - "$B/pakfire.conf" ||
		fail "pakfire.conf is not the root's with the passwords redacted: $(diff "$R/etc/pakfire/pakfire.conf" "$B/pakfire.conf")"
	grep -rq 'secret42' "$T/x" && fail "a password is in the bundle: $(grep -rl secret42 "$T/x")"
	zcat "$T/out/b.tar.gz" | grep -aq 'secret42' && fail "a password is in the archive's bytes"
	grep -q 'secret42' "$RUN_OUT" "$RUN_ERR" && fail "a password is in the command's output"
	# the mounts: the kernel's table, and df of / and /boot (the test's tmpfs)
	grep -qF " $R " "$B/mounts.txt" || fail "mounts.txt does not hold the root's mount"
	grep -qF " $R/boot " "$B/mounts.txt" || fail "mounts.txt does not hold /boot's mount"
	grep -qE '^/ +pakfire-test +tmpfs ' "$B/df.txt" || fail "df.txt has no line for /: $(cat "$B/df.txt")"
	grep -qE '^/boot +pakfire-test +tmpfs +8192 ' "$B/df.txt" ||
		fail "df.txt has no line for /boot of 8 MiB: $(cat "$B/df.txt")"
	grep -qE '^/opt +pakfire-test +tmpfs +4096 ' "$B/df.txt" ||
		fail "df.txt has no line for /opt, where an add-on owns a file: $(cat "$B/df.txt")"
	grep -qE '^/var/spool +pakfire-test +tmpfs +2048 ' "$B/df.txt" ||
		fail "df.txt has no line for /var/spool, where an add-on owns a folder: $(cat "$B/df.txt")"
	grep -qE '^/srv ' "$B/df.txt" && fail "df.txt lists /srv, which no update touches"
	[ "$(grep -c . "$B/df.txt")" = 5 ] || fail "df.txt lists other mounts: $(cat "$B/df.txt")"
	# nothing written under the root, not even beside the database
	assert_nothing_changed
	db_files >"$T/state/dbfiles.after"
	diff -u "$T/state/dbfiles.before" "$T/state/dbfiles.after" ||
		fail "the database or its folder changed"
}

# A live database: another pakfire holds the lock, and a writer has
# committed rows to the WAL that no checkpoint has moved into the database
# file yet. The bundle is made all the same, and its copy holds those rows
# (a file copy of pakfire.db would not); the writer's WAL stays its own.
test_bundle_live_wal_and_lock() {
	appliance
	# -o: the lock stays with flock itself, not with the sleep it runs
	flock -o "$R/var/lib/pakfire/lock" sleep 60 &
	echo $! >>"$T/run/bg.pids"
	for _ in $(seq 50); do flock -n "$R/var/lib/pakfire/lock" true || break; sleep 0.1; done
	flock -n "$R/var/lib/pakfire/lock" true && fail "the lock was not taken"
	python3 - "$DB" "$T/run/writer.ready" >"$T/run/writer.log" 2>&1 <<-'EOF' &
		import sqlite3, sys, time
		db = sqlite3.connect(sys.argv[1], isolation_level=None)
		db.execute("PRAGMA wal_autocheckpoint = 0")
		db.execute("BEGIN IMMEDIATE")
		for i in range(200):
		    db.execute("INSERT INTO transactions (command, started, ended, outcome, exit_code)"
		               " VALUES ('walrow', ?, ?, 'ok', 0)", (1000 + i, 1001 + i))
		db.execute("COMMIT")
		open(sys.argv[2], "w").write("ready\n")
		time.sleep(60)
	EOF
	echo $! >>"$T/run/bg.pids"
	for _ in $(seq 100); do [ -s "$T/run/writer.ready" ] && break; sleep 0.05; done
	[ -s "$T/run/writer.ready" ] || fail "the writer never committed: $(cat "$T/run/writer.log")"
	[ -s "$DB-wal" ] || fail "no WAL beside the database"
	# the database file alone does not hold the rows: they are in the WAL only
	cp "$DB" "$T/filecopy.db"
	[ "$(sqlite3 "$T/filecopy.db" "SELECT count(*) FROM transactions WHERE command = 'walrow'")" = 0 ] ||
		fail "the rows were checkpointed already: the test proves nothing"
	local wal_before
	wal_before=$(sha256sum <"$DB-wal")
	run pakfire --root "$R" diagnose --bundle "$T/out/live.tar.gz"
	[ "$RUN_RC" = 0 ] || [ "$RUN_RC" -ge 65 ] ||
		fail "diagnose --bundle exited $RUN_RC: $(cat "$RUN_ERR")"
	extract "$T/out/live.tar.gz"
	[ "$(sqlite3 "$B/pakfire.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check of the copy"
	[ "$(sqlite3 "$B/pakfire.db" "SELECT count(*) FROM transactions WHERE command = 'walrow'")" = 200 ] ||
		fail "the copy lacks the rows committed to the WAL"
	[ "$(sha256sum <"$DB-wal")" = "$wal_before" ] || fail "the WAL changed"
	[ ! -e "$B/pakfire.db.missing" ] || fail "pakfire.db is missing: $(cat "$B/pakfire.db.missing")"
}

# FILE that exists, lies inside the root, or has no folder: a usage error
# (exit 2) on one line naming it, and nothing written anywhere.
test_bundle_refuses_bad_file() {
	appliance
	remember_state
	printf 'keep me\n' >"$T/out/there.tar.gz"
	run pakfire --root "$R" diagnose --bundle "$T/out/there.tar.gz"
	assert_exit 2
	assert_stderr_contains "$T/out/there.tar.gz exists"
	[ "$(cat "$T/out/there.tar.gz")" = "keep me" ] || fail "the existing file changed"
	ln -s "$T/nowhere" "$T/out/dangling.tar.gz"
	run pakfire --root "$R" diagnose --bundle "$T/out/dangling.tar.gz"
	assert_exit 2
	[ ! -e "$T/nowhere" ] || fail "the bundle was written through a symlink"
	run pakfire --root "$R" diagnose --bundle "$R/tmp-bundle.tar.gz"
	assert_exit 2
	assert_stderr_contains "inside the root"
	[ ! -e "$R/tmp-bundle.tar.gz" ] || fail "a bundle was written inside the root"
	run pakfire --root "$R" diagnose --bundle "$T/out/../../$(basename "$T")/root/var/b.tar.gz"
	assert_exit 2
	assert_stderr_contains "inside the root"
	run pakfire --root "$R" diagnose --bundle "$T/no/such/folder/b.tar.gz"
	assert_exit 2
	assert_stderr_contains "$T/no/such/folder"
	[ "$(ls -A "$T/out" | sort | tr '\n' ' ')" = "dangling.tar.gz there.tar.gz " ] ||
		fail "left in the folder: $(ls -A "$T/out")"
	assert_nothing_changed
}

# FILE's file system is too small: exit 3, and nothing is left there (no
# FILE, no temporary folder, no copy of the database).
test_bundle_full_disk() {
	appliance
	mount_fs "$T/small" 40K
	run pakfire --root "$R" diagnose --bundle "$T/small/b.tar.gz"
	assert_exit 3
	assert_stderr_contains "$T/small"
	[ -z "$(ls -A "$T/small")" ] || fail "left on the full disk: $(ls -A "$T/small")"
}

# A member that cannot be made is NAME.missing saying why, and the bundle
# is still made: no log (never written, or removed), no database, no
# pakfire.conf (the defaults' paths are looked at then).
test_bundle_missing_members() {
	appliance
	rm -f "$R"/var/log/pakfire/pakfire.log*
	rm -f "$DB" "$DB-wal" "$DB-shm" "$R/etc/pakfire/pakfire.conf"
	run pakfire --root "$R" diagnose --bundle "$T/out/b.tar.gz"
	[ -f "$T/out/b.tar.gz" ] || fail "no bundle without a log and a database (exit $RUN_RC): $(cat "$RUN_ERR")"
	extract "$T/out/b.tar.gz"
	[ -f "$B/pakfire.log.missing" ] || fail "no pakfire.log.missing: $(ls "$B")"
	grep -q 'no log' "$B/pakfire.log.missing" || fail "pakfire.log.missing says: $(cat "$B/pakfire.log.missing")"
	[ -f "$B/pakfire.db.missing" ] || fail "no pakfire.db.missing: $(ls "$B")"
	grep -q 'no pakfire database' "$B/pakfire.db.missing" ||
		fail "pakfire.db.missing says: $(cat "$B/pakfire.db.missing")"
	[ -f "$B/pakfire.conf.missing" ] || fail "no pakfire.conf.missing: $(ls "$B")"
	grep -q 'etc/pakfire/pakfire.conf' "$B/pakfire.conf.missing" ||
		fail "pakfire.conf.missing says: $(cat "$B/pakfire.conf.missing")"
	[ ! -e "$B/pakfire.log" ] && [ ! -e "$B/pakfire.db" ] && [ ! -e "$B/pakfire.conf" ] ||
		fail "a member and its .missing both"
	grep -qE '^/ ' "$B/df.txt" || fail "df.txt has no line for / without pakfire.conf: $(cat "$B/df.txt")"
	for m in report.txt report.json mounts.txt df.txt; do
		[ -f "$B/$m" ] || fail "no $m in the bundle (got: $(ls "$B"))"
	done
	[ ! -e "$DB" ] || fail "a database was made"
}

# --config FILE: the bundle carries that configuration (redacted), not the
# root's.
test_bundle_config_file() {
	appliance
	sed -e 's|^mirror = .*|mirror = https://hostuser:hostsecret42@mirror.example/pakfire|' \
		"$R/etc/pakfire/pakfire.conf" >"$T/host.conf"
	echo '# the host copy' >>"$T/host.conf"
	run pakfire --root "$R" --config "$T/host.conf" diagnose --bundle "$T/out/b.tar.gz"
	[ -f "$T/out/b.tar.gz" ] || fail "no bundle (exit $RUN_RC): $(cat "$RUN_ERR")"
	extract "$T/out/b.tar.gz"
	sed -e 's|hostuser:hostsecret42@|***@|' -e 's|proxyuser:proxysecret42@|***@|' "$T/host.conf" |
		cmp -s - "$B/pakfire.conf" || fail "pakfire.conf is not --config's, redacted: $(cat "$B/pakfire.conf")"
	zcat "$T/out/b.tar.gz" | grep -aq 'secret42' && fail "a password is in the archive's bytes"
	return 0
}

# The log's last MiB, in whole lines: the end of pakfire.log.1 first when
# the current one is shorter.
test_bundle_log_tail() {
	appliance
	local d=$R/var/log/pakfire
	python3 - "$d" <<-'EOF'
		import sys
		d = sys.argv[1]
		with open(d + "/pakfire.log.1", "w") as f:
		    for i in range(40000):
		        f.write("old line %06d %s\n" % (i, "x" * 20))
		with open(d + "/pakfire.log", "w") as f:
		    for i in range(1000):
		        f.write("new line %06d %s\n" % (i, "y" * 20))
		    f.write("partial line being writ")
	EOF
	run pakfire --root "$R" diagnose --bundle "$T/out/b.tar.gz"
	[ -f "$T/out/b.tar.gz" ] || fail "no bundle (exit $RUN_RC): $(cat "$RUN_ERR")"
	extract "$T/out/b.tar.gz"
	local size
	size=$(stat -c %s "$B/pakfire.log")
	[ "$size" -le 1048576 ] && [ "$size" -gt 1000000 ] || fail "pakfire.log is $size bytes, not the last MiB"
	head -n 1 "$B/pakfire.log" | grep -qE '^old line [0-9]{6} x{20}$' ||
		fail "pakfire.log starts mid-line: $(head -c 60 "$B/pakfire.log")"
	[ "$(grep -c '^old line 039999 ' "$B/pakfire.log")" = 1 ] || fail "the end of pakfire.log.1 is not there"
	[ "$(tail -n 1 "$B/pakfire.log")" = "new line 000999 $(printf 'y%.0s' $(seq 20))" ] ||
		fail "pakfire.log does not end with the current log's last whole line: $(tail -n 1 "$B/pakfire.log")"
	grep -q 'partial line' "$B/pakfire.log" && fail "a partial line was taken"
	grep -n 'new line 000000' "$B/pakfire.log" | grep -q . || fail "the current log is not all there"
}

run_tests "$@"
