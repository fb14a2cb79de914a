# shellcheck shell=bash
# tests/lib-diagnose.sh: what tests/e2e/diagnose*.sh assert of `pakfire
# diagnose` (docs/diagnose.md) in each world that another test leaves
# broken: it names the cause, the update and the next action, in text and
# in JSON (validated against docs/schemas/diagnose.json by `run`), exits 64
# plus the cause's bit, and changes nothing: not a byte under the root.

# root_print: every path under $R with its type, mode, size, mtime and,
# for a file, its SHA-256 (the database, its WAL and the log included).
root_print() {
	(cd "$R" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# diagnose_finds CAUSE BIT [UNIT [LABEL]]: `pakfire diagnose` finds a problem
# of CAUSE (its exit code 64 + bits, with BIT), about UNIT ("core-139",
# named LABEL, "core 139", in the text) when given, with what is wrong and
# the next action; the JSON document says the same; the root is unchanged.
diagnose_finds() {
	local cause=$1 bit=$2 unit=${3:-} label=${4:-} rc
	root_print >"$T/diag.before"

	run pakfire --root "$R" diagnose
	rc=$RUN_RC
	{ [ "$rc" -ge 65 ] && [ "$rc" -le 95 ]; } ||
		fail "diagnose exited $rc, expected 64 + bits: $(cat "$RUN_ERR")"
	[ $(((rc - 64) & bit)) -ne 0 ] || fail "diagnose exited $rc: bit $bit ($cause) is not set"
	assert_stderr_empty
	# the verdict's block: "* CAUSE[, LABEL]: what", then "  next: action"
	grep -q -- "^\* $cause${label:+, $label}: ." "$RUN_OUT" ||
		fail "the verdict names no '$cause'${label:+ of $label}: $(sed -n '/^Verdict/,$p' "$RUN_OUT")"
	grep -A12 -- "^\* $cause" "$RUN_OUT" | grep -q '^  next: .' ||
		fail "the '$cause' problem gives no next action: $(sed -n '/^Verdict/,$p' "$RUN_OUT")"
	assert_output_contains "Verdict: "
	cp "$RUN_OUT" "$T/diag.txt"

	run pakfire --root "$R" --json diagnose
	assert_exit "$rc"
	"$PF_PY3" - "$RUN_OUT" "$cause" "$unit" "$rc" <<-'EOF' || fail "diagnose --json: $(cat "$RUN_OUT.why" 2>/dev/null)"
		import json, sys
		doc = json.load(open(sys.argv[1]))
		cause, unit, rc = sys.argv[2], sys.argv[3], int(sys.argv[4])
		r = doc["diagnose"]
		def bad(why):
		    open(sys.argv[1] + ".why", "w").write(why)
		    print(why); sys.exit(1)
		if doc["exit_code"] != rc or r["exit_code"] != rc or r["healthy"]:
		    bad("exit_code %r / %r, healthy %r; the text said %d" % (doc["exit_code"], r["exit_code"], r["healthy"], rc))
		hits = [p for p in r["problems"] if p["cause"] == cause]
		if not hits:
		    bad("no problem of cause %r in %r" % (cause, r["problems"]))
		if unit and not any(p["unit"] == unit for p in hits):
		    bad("no %r problem about %r: %r" % (cause, unit, hits))
		if not all(p["what"] and p["action"] for p in hits):
		    bad("a %r problem without what or action: %r" % (cause, hits))
	EOF
	root_print >"$T/diag.after"
	diff -u "$T/diag.before" "$T/diag.after" >"$T/diag.diff" ||
		fail "diagnose changed the root: $(grep '^[-+][^-+]' "$T/diag.diff" | head -n 10)"
	DIAG_RC=$rc
}
