#!/usr/bin/env python3
"""Validates pakfire's --json documents against docs/schemas/<command>.json.

    validate-json.py [--schemas DIR] [--schema NAME] [--check-schemas] FILE...
    validate-json.py [--schemas DIR] [--check-schemas] --queue QUEUE

A FILE holds what one pakfire run printed on stdout: one document a line
(a run that restarts itself prints one per process). QUEUE lists runs, one
a line: "FILE<TAB>EXIT CODE<TAB>COMMAND LINE[<TAB>ARGS]" (tests/lib.sh
writes it; ARGS a file of the arguments, each ended by a NUL, the exact
words the command line shows joined by spaces). Every run with --json
prints a document, usage errors and signals (129, 130, 143) included; a
run that printed nothing passes only when it was killed outright (124:
timeout, 137: SIGKILL), and a run with --help or --version prints text,
not a document, so its stdout is not read. The schema is the one the
document's "command" names (docs/schemas/no-command.json for null: a
command line that names no command pakfire knows); for a queued run that
must be the command the command line runs: the first word after pakfire's
global options (command_word). --schema NAME forces a schema;
--check-schemas first checks the schemas against the draft's metaschema.
Every document must be strict JSON in valid UTF-8 (what a web UI's parser
demands).

Prints "validated N documents" and exits 0; or, for each failure, the file,
the command, the schema, the JSON pointer of the failing value and the
message, and exits 1 (2 for a usage error or an unreadable schema).

jsonschema from Debian 12 (4.10) resolves common.json through a
RefResolver store; jsonschema >= 4.18 through a `referencing` registry
(RefResolver is deprecated there and cannot follow a $ref inside
if/then). Both are handled; each schema's $id is its file:// URI, so the
relative "common.json#/$defs/..." resolves beside it.
"""
import json
import os
import sys

import jsonschema

try:
    import referencing
    import referencing.jsonschema
except ImportError:  # jsonschema < 4.18
    referencing = None

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_ERRORS = 5
# The schema of a document whose "command" is null.
NO_COMMAND = "no-command"
# pakfire's global options that take the next word as their value
# (pakfire/cli/main.c, global_options).
GLOBAL_WITH_VALUE = ("--root", "--config")
# Runs killed outright, which print nothing: timeout(1)'s 124, SIGKILL.
KILLED = (124, 137)


def load_schemas(folder):
    schemas = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        schema.setdefault("$id", "file://" + os.path.abspath(path))
        schemas[name[:-5]] = schema
    if "common" not in schemas:
        raise OSError("no common.json in " + folder)
    return schemas


def make_validators(schemas, check):
    cls = jsonschema.Draft202012Validator
    # against the metaschema: a second or so of the tests' time, so only
    # when asked (tests/e2e/json-schema.sh asks)
    for schema in schemas.values() if check else ():
        cls.check_schema(schema)
    if referencing is not None:
        spec = referencing.jsonschema.DRAFT202012
        registry = referencing.Registry().with_resources(
            (s["$id"], referencing.Resource.from_contents(s, default_specification=spec))
            for s in schemas.values())
        return {n: cls(s, registry=registry) for n, s in schemas.items() if n != "common"}
    store = {s["$id"]: s for s in schemas.values()}
    return {n: cls(s, resolver=jsonschema.RefResolver(s["$id"], s, store=store))
            for n, s in schemas.items() if n != "common"}


def pointer(path):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def no_constant(name):
    """NaN and Infinity: Python reads them, JSON has none."""
    raise ValueError("%s is not JSON" % name)


def command_word(args):
    """The command that a queued command line runs: the first word that is
    not an option after pakfire's global options (None: there is none).
    ARGS starts with the program: pakfire or a path to it (after the words
    of a wrapper such as env), or a test's wrapper function whose own
    options end at "--" (pakfire_traced), or one that takes pakfire's
    arguments as they are (rpf)."""
    start = next((i + 1 for i, a in enumerate(args) if os.path.basename(a) == "pakfire"), None)
    if start is None:
        start = args.index("--") + 1 if "--" in args else 1
    words = iter(args[start:])
    for a in words:
        if a == "--":
            return next(words, None)
        if a in GLOBAL_WITH_VALUE:
            next(words, None)
        elif not (a.startswith("-") and a != "-"):
            return a
    return None


def check_document(validators, line, forced, word):
    """The problems of one document (a list of strings); WORD: the command
    its command line runs, False when there is no command line."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["not valid UTF-8 at byte %d" % e.start]
    try:
        doc = json.loads(text, parse_constant=no_constant)
    except ValueError as e:
        return ["not JSON: %s" % e]
    name = forced or (doc.get("command", "") if isinstance(doc, dict) else "")
    if name is None:
        name = NO_COMMAND
    elif word is not False and name != word:
        # null is the one answer that needs no match: the parser may stop
        # before the command word (an unknown option), and its schema
        # allows only a usage error
        return ["the command line runs %r but the document says \"command\": %r" % (word, name)]
    if name not in validators:
        return ["no schema for command %r (docs/schemas/%s.json)" % (name, name)]
    errors = sorted(validators[name].iter_errors(doc), key=lambda e: -len(e.absolute_path))
    out = []
    for e in errors[:MAX_ERRORS]:
        out.append("docs/schemas/%s.json at %s (schema path %s): %s" % (
            name, pointer(e.absolute_path), pointer(e.absolute_schema_path), e.message[:500]))
    if len(errors) > MAX_ERRORS:
        out.append("... and %d more" % (len(errors) - MAX_ERRORS))
    return out


def prints_text(args):
    """--help and --version print text, even with --json."""
    return any(w in ("--help", "-h", "--version") for w in args)


def read_args(cmd, path):
    """The words of a queued command line: from ARGS when queued, else the
    command line split at spaces (a hand-written queue)."""
    if not path:
        return cmd.split()
    with open(path, "rb") as f:
        return [a.decode("utf-8", "surrogateescape") for a in f.read().split(b"\0")[:-1]]


def main(argv):
    folder = os.path.join(TOP, "docs", "schemas")
    forced = None
    queue = None
    check = False
    files = []
    args = iter(argv)
    for a in args:
        if a == "--schemas":
            folder = next(args, None)
        elif a == "--schema":
            forced = next(args, None)
        elif a == "--check-schemas":
            check = True
        elif a == "--queue":
            queue = next(args, None)
        elif a.startswith("-"):
            sys.exit("usage: validate-json.py [--schemas DIR] [--schema NAME] [--check-schemas]"
                     " (--queue FILE | FILE...)")
        else:
            files.append(a)
    runs = [(f, None, "", None) for f in files]
    try:
        validators = make_validators(load_schemas(folder), check)
        if queue:
            with open(queue, encoding="utf-8", errors="surrogateescape") as q:
                for entry in q.read().splitlines():
                    path, rc, cmd, args = (entry.split("\t", 3) + ["", "", ""])[:4]
                    runs.append((path, int(rc), cmd, read_args(cmd, args)))
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print("validate-json: %s" % e)
        return 2
    if forced and forced not in validators:
        print("validate-json: no schema %s in %s" % (forced, folder))
        return 2
    checked = 0
    failed = 0
    for path, rc, cmd, args in runs:
        if args is not None and prints_text(args):
            continue
        word = command_word(args) if args is not None else False
        try:
            with open(path, "rb") as f:
                lines = [l for l in f.read().split(b"\n") if l.strip()]
        except OSError as e:
            print("validate-json: %s" % e)
            return 2
        problems = []
        if not lines and rc not in KILLED:
            problems.append("no JSON document on stdout")
        for n, line in enumerate(lines, 1):
            problems += ["document %d: %s" % (n, p) if len(lines) > 1 else p
                         for p in check_document(validators, line, forced, word)]
            checked += 1
        if problems:
            failed += 1
            print("%s%s: the JSON output does not match its schema:" % (
                path, " (%s, exit %s)" % (cmd, rc) if cmd else ""))
            for p in problems:
                print("  " + p)
    if failed:
        return 1
    print("validated %d documents" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
