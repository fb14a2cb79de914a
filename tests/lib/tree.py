"""tests/lib/tree.py: what a tree holds, path by path, for the tests
(tests/lib.sh's snapshots and tree comparisons, tests/fault/scenario.py)
and the apply benchmark (bench/apply/helper.py).

A path is relative to the top of its tree ("usr/lib/libx.so"); a symlink to
a folder is a path like any other symlink (walk does not follow it). Each
path is described in one line:

    file 0644 0:0 SIZE SHA256
    dir 0755 0:0
    symlink 0777 0:0 -> TARGET        (brief: symlink -> TARGET)
    chardev 0600 0:0 MAJOR,MINOR      (brief: other MODE, in octal)

Tests compare these lines byte for byte (a snapshot before and after, a
tree against its build roots), so the format is fixed. The brief form,
full=False, is the one the crash scenarios and the benchmark have always
used: it ignores a symlink's owner.

The callers import it by path, e.g.
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
"""

import hashlib
import os
import stat

# pakfire's own folders in a root: its database, download cache and logs.
PAKFIRE_OWN = ("var/lib/pakfire", "var/cache/pakfire", "var/log/pakfire")

_KINDS = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
          (stat.S_ISCHR, "chardev"), (stat.S_ISBLK, "blockdev"),
          (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"))


def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def kind(m):
    for test, name in _KINDS:
        if test(m):
            return name
    return "other"


def describe(p, full=True):
    """One line for the path P itself (lstat: a symlink is not followed)."""
    st = os.lstat(p)
    k = kind(st.st_mode)
    own = "%04o %d:%d" % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    if k == "file":
        return "file %s %d %s" % (own, st.st_size, sha(p))
    if k == "dir":
        return "dir %s" % own
    if not full:
        if k == "symlink":
            return "symlink -> %s" % os.readlink(p)
        return "other %o" % st.st_mode
    d = "%s %s" % (k, own)
    if k == "symlink":
        d += " -> %s" % os.readlink(p)
    elif k in ("chardev", "blockdev"):
        d += " %d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    return d


def walk(top, skip=()):
    """Every path below TOP (TOP itself not), folders before what they hold;
    the folders named in SKIP are left out with all they hold."""
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


def snapshot(top, skip=(), full=True):
    """{path: description} of every path below TOP (but SKIP), in walk order."""
    return {p: describe(os.path.join(top, p), full) for p in walk(top, skip)}


def ancestors(paths):
    """The folders above each of PATHS ("a/b/c" -> "a/b", "a")."""
    res = set()
    for p in paths:
        while "/" in p:
            p = p.rsplit("/", 1)[0]
            res.add(p)
    return res


def read_list(path):
    """A list of paths, one a line, without leading or trailing slashes."""
    with open(path) as f:
        return [r for r in (line.strip().strip("/") for line in f) if r]


def drop(paths, r):
    """Delete R and everything below it from the dict PATHS."""
    for p in [p for p in paths if p == r or p.startswith(r + "/")]:
        del paths[p]


def compare(root, want, removed=(), skip=(), allow=(), full=True):
    """ROOT against WANT ({path: the top of the tree that holds its expected
    version}): the differences, one line each. Paths in REMOVED must be gone
    (unless WANT has them again); ROOT must hold nothing else but the paths
    in SKIP (not looked into), ALLOW, and the folders above them."""
    errs = []
    for p in sorted(want):
        w = describe(os.path.join(want[p], p), full)
        q = os.path.join(root, p)
        if not os.path.lexists(q):
            errs.append("missing: %s (%s)" % (p, w))
            continue
        got = describe(q, full)
        if got != w:
            errs.append("differs: %s: expected %s, got %s" % (p, w, got))
    for r in sorted(set(removed) - set(want)):
        if os.path.lexists(os.path.join(root, r)):
            errs.append("should have been removed: %s" % r)
    fixed = set(skip) | set(allow)
    allowed = set(want) | fixed | ancestors(set(want) | fixed)
    for p in sorted(walk(root, skip)):
        if p not in allowed:
            errs.append("unexpected: %s (%s)" % (p, describe(os.path.join(root, p), full)))
    return errs


def report(errs, limit):
    """Print at most LIMIT of ERRS; 1 when there are any, else 0."""
    for e in errs[:limit]:
        print(e)
    if len(errs) > limit:
        print("... and %d more" % (len(errs) - limit))
    return 1 if errs else 0
