#!/usr/bin/env python3
"""tests/fault/scenario.py: the world of the crash and fault scenarios
(tests/e2e/crash.sh, faults.sh), called through tests/lib.sh.

    trees OUT COUNT [FIRST]
        Build roots OUT/buildroot-N for a chain of three updates FIRST,
        FIRST+1, FIRST+2 (default 139..141) and OUT/removals-N (the paths an
        update removes, one a line). FIRST installs COUNT libraries in ten
        folders, soname symlinks, three big files (more than one write
        each) and a program. FIRST+1 replaces a third of them with new
        bytes, removes some, turns a file into a symlink and a symlink into
        a file, retargets symlinks, changes the mode of a file and of the
        folder etc/pf (0750), and adds new files in new nested folders (and
        one empty folder with mode 0750). FIRST+2
        replaces files of both earlier updates, removes files of both, and
        adds a new folder. Contents are random bytes, seeded by update and
        path: deterministic, different in every update.

    states OUT FIRST LAST
        OUT/states.json: for each level K in FIRST-1..LAST, what every path
        is at core K (FIRST-1: nothing), as the overlay of the build roots.

    check ROOT STATES K [INFLIGHT]
        Without INFLIGHT: ROOT is exactly the state at core K (a rolled-back
        update leaves none of its folders and every folder's mode as it
        was).
        With INFLIGHT (= K + 1, the update the journal says was in flight):
        every path is entirely its version at core K or at core K+1 (a
        folder only needs to be a folder), and nothing else is there but
        the temporaries of that update (.pakfire-N-I, .pakfire-old-N-I).

    files ROOT DB
        The files table agrees with the tree: every row is on disk as it
        says (type, sha256, symlink target), and every file and symlink on
        disk (pakfire's own folders and etc/pakfire aside) has its row.

    killed ROOT STATES DB
        Right after a kill: what the database says (read from a copy, so
        that SQLite recovers the copy, not the real one) as one line
        CORE|NUMBER|STATE|TX (the journal's update, state and transaction,
        empty without a journal row), then `check` for the update in
        flight, as narrow as the journal's state allows: staging, every
        file and symlink is its old version (CORE); committing, old or new
        (CORE or CORE+1); committed, new (CORE), but for paths that it
        removes, which may still be there; no journal, exactly CORE.

    final ROOT STATES K DB
        ROOT is exactly core K, the files table agrees with it, the database
        says core K, and its journal is empty.

    pick LOG COUNT
        From a reference run traced with `strace -y -e trace=...` (one line
        per call), choose kill points spread over the apply of every
        update: COUNT stratified by phase (staging, syncfs, renames,
        database, cleanup), and every sync call around the commit; each "SYSCALL N PHASE"
        where N counts that syscall's calls from the start, as strace's
        `-e inject=...:when=N` counts them.

    find LOG PHASE SYSCALL first|mid|last [TEXT]
        The N of the first, middle or last SYSCALL in PHASE (as pick
        prints it), among the calls whose arguments hold TEXT if given.

    serve
        The commands above, one a line on stdin (words separated by tabs),
        each answered on stdout by its output and a line "\\x01 EXIT".
"""

import json
import os
import random
import re
import sqlite3
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tree  # noqa: E402  (tests/lib/tree.py)
from tree import ancestors, sha, walk  # noqa: E402

OWN = tree.PAKFIRE_OWN + ("etc/pakfire",)


# --- trees -------------------------------------------------------------------

def put(root, path, data, mode=0o644):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.lexists(p):
        os.unlink(p)
    with open(p, "wb") as f:
        f.write(data)
    os.chmod(p, mode)


def link(root, path, target):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.lexists(p):
        os.unlink(p)
    os.symlink(target, p)


def content(n, path, size):
    return random.Random("%d:%s" % (n, path)).randbytes(size)


def small(n, path):
    return content(n, path, random.Random("size:%s" % path).randrange(100, 6000))


def trees(out, count, first=139):
    a, b, c = first, first + 1, first + 2
    ra, rb, rc = (os.path.join(out, "buildroot-%d" % n) for n in (a, b, c))
    lib = lambda i: "usr/lib/pf/d%d/libf%d.so.1" % (i % 10, i)
    soname = lambda j: "usr/lib/pf/d%d/libl%d.so" % (j % 10, j)
    new_b = lambda i: "usr/share/pf%d/n%d/s%d/g%d.txt" % (b, i % 6, i % 3, i)
    for r in (ra, rb, rc):
        os.makedirs(r)

    # a: the update the root starts with
    for i in range(count):
        put(ra, lib(i), small(a, lib(i)), 0o755 if i % 4 == 0 else 0o644)
    for j in range(24):
        link(ra, soname(j), "libf%d.so.1" % j)
    for k in range(3):
        p = "usr/share/pf/big%d.dat" % k
        put(ra, p, content(a, p, 600000 + 1000 * k))
    put(ra, "usr/bin/pftool", content(a, "usr/bin/pftool", 9000), 0o755)
    put(ra, "etc/pf/pf.conf", b"core %d\n" % a)

    # b: replaces, removes, retypes, retargets, adds new folders
    removed_b = [lib(i) for i in range(40, count) if i % 17 == 5 and i % 3 != 0]
    removed_b.append(soname(23))
    for i in range(count):
        if i % 3 == 0:
            put(rb, lib(i), small(b, lib(i)), 0o755 if i % 4 == 0 else 0o644)
    link(rb, lib(1), "libf11.so.1")                   # a file becomes a symlink
    put(rb, soname(1), content(b, soname(1), 3000))   # a symlink becomes a file
    for j in range(0, 20, 2):
        link(rb, soname(j), "libf%d.so.1" % (j + 10)) # retargeted
    for k in (0, 1):
        p = "usr/share/pf/big%d.dat" % k
        put(rb, p, content(b, p, 610000 + 1000 * k))
    put(rb, "usr/bin/pftool", content(b, "usr/bin/pftool", 9500), 0o700)
    put(rb, "etc/pf/pf.conf", b"core %d\n" % b)
    n_new = count * 3 // 4
    for i in range(n_new):
        put(rb, new_b(i), small(b, new_b(i)))
    for k in range(6):
        link(rb, "usr/share/pf%d/n%d/latest" % (b, k), "s%d/g%d.txt" % (k % 3, k))
    os.makedirs(os.path.join(rb, "usr/share/pf%d/empty" % b))
    os.chmod(os.path.join(rb, "usr/share/pf%d/empty" % b), 0o750)
    # an existing folder gets a new mode (a rollback must put the old back)
    os.chmod(os.path.join(rb, "etc/pf"), 0o750)

    # c: replaces files of a and b, removes files of a and b, adds a folder
    gone = set(removed_b)
    replaced_c = set()
    for i in range(2, count):
        if i % 5 == 0 and lib(i) not in gone:
            put(rc, lib(i), small(c, lib(i)), 0o644)
            replaced_c.add(lib(i))
    removed_c = []
    for i in range(n_new):
        if i % 4 == 1:
            put(rc, new_b(i), small(c, new_b(i)))
        elif i % 7 == 3 and i >= 6:
            removed_c.append(new_b(i))
    for i in range(40, count):
        if i % 19 == 7 and lib(i) not in gone and lib(i) not in replaced_c:
            removed_c.append(lib(i))
    removed_c.append(soname(3))
    p = "usr/share/pf/big2.dat"
    put(rc, p, content(c, p, 620000))
    for i in range(count // 4):
        p = "usr/lib/pf%d/h%d.so" % (c, i)
        put(rc, p, small(c, p), 0o755)
    put(rc, "etc/pf/pf.conf", b"core %d\n" % c)
    os.chmod(os.path.join(rc, "etc/pf"), 0o750)  # as b left it

    for n, rm in ((a, []), (b, removed_b), (c, removed_c)):
        with open(os.path.join(out, "removals-%d" % n), "w") as f:
            f.writelines(p + "\n" for p in rm)


# --- describing trees ----------------------------------------------------------

def describe(p):
    # the brief form: these scenarios never compared a symlink's owner
    return tree.describe(p, full=False)


def states(out, first, last):
    cur, res = {}, {str(first - 1): {}}
    for n in range(first, last + 1):
        rm = os.path.join(out, "removals-%d" % n)
        if os.path.exists(rm):
            for r in tree.read_list(rm):
                tree.drop(cur, r)
        cur.update(tree.snapshot(os.path.join(out, "buildroot-%d" % n), full=False))
        res[str(n)] = dict(cur)
    with open(os.path.join(out, "states.json"), "w") as f:
        json.dump(res, f)


def check(root, states_file, k, inflight=None, only=None):
    """See `check` above. ONLY narrows "old or new" to one of them for the
    files and symlinks of the update in flight: "old" while it is staged
    (no rename has happened), "new" once it is committed (every rename
    happened; a path it removes may still be there)."""
    st = json.load(open(states_file))
    old = st[str(k)]
    new = st[str(inflight)] if inflight is not None else old
    errs = []
    got = tree.snapshot(root, OWN, full=False)
    paths = set(old) | set(new)
    for p in sorted(paths):
        g, a, b = got.get(p), old.get(p), new.get(p)
        if inflight is not None and g and g.startswith("dir ") and \
                ((a or "").startswith("dir ") or (b or "").startswith("dir ")):
            continue  # folders are not atomic: a folder is enough
        if only == "old":
            ok = [a]
        elif only == "new" and b is not None:
            ok = [b]
        else:
            ok = [a, b]
        if g in ok:
            continue
        if inflight is None:
            errs.append("%s: expected %s, found %s" % (p, a or "nothing", g or "nothing"))
        elif only == "old":
            errs.append("%s: the journal says staging (nothing renamed), so its old version"
                        " (%s) is expected, but it is %s" % (p, a or "nothing", g or "nothing"))
        elif only == "new" and b is not None:
            errs.append("%s: the journal says committed (everything renamed), so its new"
                        " version (%s) is expected, but it is %s" % (p, b, g or "nothing"))
        else:
            errs.append("%s: neither its old version (%s) nor its new one (%s), but %s" %
                        (p, a or "nothing", b or "nothing", g or "nothing"))
    allowed = paths | ancestors(paths) | ancestors(OWN) | set(OWN)
    tmp = re.compile(r"\.pakfire-(old-)?core-%s-[0-9]+$" % inflight) if inflight is not None else None
    for p in sorted(set(got) - allowed):
        if tmp and tmp.match(os.path.basename(p)):
            continue
        errs.append("unexpected: %s (%s)" % (p, got[p]))
    return report(errs)


def files(root, db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT path, type, sha256, target FROM files").fetchall()
    con.close()
    return report(files_errors(root, rows))


def report(errs):
    return tree.report(errs, 30)


def files_errors(root, rows):
    errs = []
    owned = set()
    for path, typ, sum_, target in rows:
        owned.add(path)
        p = os.path.join(root, path)
        if not os.path.lexists(p):
            errs.append("files table has %s (%s), the root does not" % (path, typ))
            continue
        m = os.lstat(p).st_mode
        if typ == "file":
            if not stat.S_ISREG(m):
                errs.append("%s: a file in the files table, not on disk" % path)
            elif sha(p) != sum_:
                errs.append("%s: sha256 %s on disk, %s in the files table" % (path, sha(p), sum_))
        elif typ == "symlink":
            if not stat.S_ISLNK(m) or os.readlink(p) != target:
                errs.append("%s: symlink to %s in the files table, on disk %s" %
                            (path, target, describe(p)))
        elif typ == "dir":
            if not stat.S_ISDIR(m):
                errs.append("%s: a folder in the files table, not on disk" % path)
        else:
            errs.append("%s: unknown type %s" % (path, typ))
    for p in walk(root, OWN):
        if not os.path.isdir(os.path.join(root, p)) or os.path.islink(os.path.join(root, p)):
            if p not in owned:
                errs.append("%s is on disk but not in the files table" % p)
    return errs


def peek(db):
    """What a killed pakfire left in the database, read from a copy of it and
    its WAL, so that SQLite recovers the copy and the real files stay as the
    next run will find them: (core, journal number, state, transaction)."""
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(db, os.path.join(d, "pakfire.db"))
        if os.path.exists(db + "-wal"):
            shutil.copy(db + "-wal", os.path.join(d, "pakfire.db-wal"))
        con = sqlite3.connect(os.path.join(d, "pakfire.db"))
        core = con.execute("SELECT core FROM system").fetchone()[0]
        rows = con.execute("SELECT CAST(substr(unit, 6) AS INTEGER), state, transaction_id"
                           " FROM journal").fetchall()
        con.close()
    if len(rows) > 1:
        sys.exit("the journal has %d rows: %r" % (len(rows), rows))
    return (core,) + (tuple(rows[0]) if rows else (None, None, None))


def killed(root, states_file, db):
    """Right after a kill: print CORE|NUMBER|STATE|TX, then check that every
    path is old or new for the update in flight, as the journal's state
    allows: staging, old; committing, old or new; committed, new (or not
    yet removed); no journal, exactly CORE."""
    core, number, state, tx = peek(db)
    print("%s|%s|%s|%s" % (core, number or "", state or "", tx or ""))
    if state == "committed":
        if number != core:
            print("the journal holds core %s as committed, but the system is at core %s" %
                  (number, core))
            return 1
        return check(root, states_file, core - 1, number, only="new")
    if state in ("staging", "committing"):
        if number != core + 1:
            print("the journal holds core %s as %s, but the system is at core %s" %
                  (number, state, core))
            return 1
        return check(root, states_file, core, number,
                     only="old" if state == "staging" else None)
    if state:
        print("the journal has an unknown state %r" % state)
        return 1
    return check(root, states_file, core)


def final(root, states_file, k, db):
    """ROOT is exactly core K, the files table agrees with it, the database
    says core K and its journal is empty."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT path, type, sha256, target FROM files").fetchall()
    core = con.execute("SELECT core FROM system").fetchone()[0]
    journal = con.execute("SELECT count(*) FROM journal").fetchone()[0]
    con.close()
    errs = []
    if core != k:
        errs.append("the database says core %s, expected %s" % (core, k))
    if journal:
        errs.append("the journal still has %d row(s)" % journal)
    if check(root, states_file, k):
        errs.append("the root is not core %d (above)" % k)
    errs += files_errors(root, rows)
    return report(errs)


# --- kill points ------------------------------------------------------------------

LINE = re.compile(r"^(?:\[pid +\d+\] )?(\w+)\((.*)$")
STAGE = re.compile(r"\.pakfire-(old-)?core-(\d+)-\d+")


def classify(log):
    """Each traced call of a reference run: (name, ordinal among the calls
    of that name, "PHASE:UPDATE"), from the paths that strace -y prints.
    Phases of an update: staging, staged-syncfs, journal (state committing
    recorded), renames, renamed-syncfs, commit (the database transaction),
    cleanup, after (journal row deleted, steps)."""
    seen, calls = {}, []
    phase, number = "before", None
    for line in open(log, errors="replace"):
        m = LINE.match(line)
        if not m or "resumed>" in line:
            continue
        name, rest = m.group(1), m.group(2)
        seen[name] = seen.get(name, 0) + 1
        st = STAGE.search(rest)
        db = "pakfire.db" in rest
        label = phase
        if st and st.group(2) != number:
            number, phase = st.group(2), "staging"
            label = phase
        elif name == "syncfs" and phase == "staging":
            label, phase = "staged-syncfs", "journal"
        elif name == "syncfs" and phase == "renames":
            label, phase = "renamed-syncfs", "commit"
        elif st and name.startswith("rename"):
            label = phase = "renames"
        elif st and name.startswith("unlink") and phase == "commit":
            label = phase = "cleanup"
        elif db and phase == "cleanup":
            label = phase = "after"
        calls.append((name, seen[name], "%s:%s" % (label, number or "-"), rest))
    return calls


def pick(log, count):
    """COUNT points stratified by phase (each phase a share by the square
    root of its size, at least one), then every syncfs and every database
    sync from the end of staging to the end of the cleanup: the instants
    around the commit point."""
    calls = [c[:3] for c in classify(log)]
    groups = {}
    for c in calls:
        groups.setdefault(c[2], []).append(c)
    order = sorted(groups, key=lambda g: calls.index(groups[g][0]))
    want = {g: 1 for g in order}
    left = count - len(order)
    while left > 0:
        grow = [g for g in order if want[g] < len(groups[g])]
        if not grow:
            break
        g = min(grow, key=lambda g: want[g] / len(groups[g]) ** 0.5)
        want[g] += 1
        left -= 1
    out = []
    for g in order:
        lst, k = groups[g], want[g]
        out += [lst[(2 * i + 1) * len(lst) // (2 * k)] for i in range(k)]
    out += [c for c in calls if c[0] in ("syncfs", "fsync", "fdatasync") and
            c[2].split(":")[0] in ("staged-syncfs", "journal", "renamed-syncfs",
                                   "commit", "cleanup")]
    for name, n, ph in sorted(set(out), key=calls.index):
        print("%s %d %s" % (name, n, ph))


def find(log, phase, name, which, text=None):
    """The ordinal of the first, middle or last call NAME in PHASE (e.g.
    commit:140), among those whose arguments hold TEXT if given."""
    hits = [n for (c, n, ph, rest) in classify(log)
            if c == name and ph == phase and (text is None or text in rest)]
    if not hits:
        sys.exit("no %s%s in phase %s of %s" % (name, text and " on " + text or "", phase, log))
    print({"first": hits[0], "mid": hits[len(hits) // 2], "last": hits[-1]}[which])


def serve():
    """Commands from stdin, one a line, its words separated by tabs; each
    runs as `scenario.py WORDS...` would, and its answer is what that
    printed (stdout and stderr) and then a line "\\x01 EXIT". One
    interpreter for the hundred checks of the crash loop: each start and
    its imports cost about 0.08 s of CPU (tests/lib.sh, scenario_serve)."""
    import io
    import traceback
    real = sys.stdout
    for line in sys.stdin:
        out = io.StringIO()
        sys.stdout = sys.stderr = out
        rc = 0
        try:
            run(line.rstrip("\n").split("\t"))
        except SystemExit as e:
            if isinstance(e.code, int):
                rc = e.code
            elif e.code is not None:
                print(e.code)
                rc = 1
        except Exception:
            traceback.print_exc(file=out)
            rc = 1
        finally:
            sys.stdout, sys.stderr = real, sys.__stderr__
        text = out.getvalue()
        if text and not text.endswith("\n"):
            text += "\n"
        real.write("%s\x01 %d\n" % (text, rc))
        real.flush()


def main():
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        run(sys.argv[1:])


def run(argv):
    cmd, a = argv[0], argv[1:]
    if cmd == "trees":
        trees(a[0], int(a[1]), int(a[2]) if len(a) > 2 else 139)
    elif cmd == "states":
        states(a[0], int(a[1]), int(a[2]))
    elif cmd == "check":
        sys.exit(check(a[0], a[1], int(a[2]), int(a[3]) if len(a) > 3 else None))
    elif cmd == "files":
        sys.exit(files(a[0], a[1]))
    elif cmd == "killed":
        sys.exit(killed(a[0], a[1], a[2]))
    elif cmd == "final":
        sys.exit(final(a[0], a[1], int(a[2]), a[3]))
    elif cmd == "pick":
        pick(a[0], int(a[1]))
    elif cmd == "find":
        find(*a)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
