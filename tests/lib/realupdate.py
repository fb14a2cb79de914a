#!/usr/bin/env python3
"""tests/lib/realupdate.py: realistic updates for the prediction-versus-df
check (tests/e2e/space-fs.sh).

    tree LIST BUILD SCALE OUT [--move FROM=TO]... [--chain LIST]...
        The build root OUT of a core update whose paths are the real file
        list LIST (tests/data/ipfire/core-N.filelist: IPFire's own lists,
        from ../shared/data/ipfire-2.x), shaped as updates/make-buildroot
        shapes the sample: folders, soname symlinks, files of a size
        realistic for their kind (make-buildroot's table, the bytes seeded
        by BUILD) times SCALE. --move puts the paths below FROM below TO
        instead (grub's EFI modules into boot/grub, where grub-install puts
        them on an EFI system partition). A path that is a folder in a
        --chain LIST (the other updates of the chain) is a folder here too
        (make-buildroot makes a listed folder without listed children a
        small file, and a chain cannot turn a folder into a file). Prints
        what it made, per top folder.

    judge FIGURES
        FIGURES: one line per update and mount, as tests/e2e/space-fs.sh
        writes them: N MOUNT FSTYPE BLOCK NEEDED AVAILABLE AFTER DF_BEFORE
        DF_PEAK DF_AFTER (the plan's figures, then df's available bytes).
        Prints the table of docs/space.md and exits 1 when a prediction is
        below what df shows (the unsafe side) or above it by more than 1 %
        of the planned bytes or 16 blocks, whichever is larger.

The sizes and contents are make-buildroot's own (loaded from
updates/make-buildroot), so that the sample and this check agree on what a
realistic update is.
"""

import importlib.machinery
import importlib.util
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def buildroot_module():
    path = os.path.join(TOP, "updates", "make-buildroot")
    loader = importlib.machinery.SourceFileLoader("make_buildroot", path)
    spec = importlib.util.spec_from_loader("make_buildroot", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def moved(p, moves):
    for src, dst in moves:
        if p == src or p.startswith(src + "/"):
            return dst + p[len(src):]
    return p


def tree(listname, build, scale, out, moves, chain):
    mb = buildroot_module()
    orig = mb.read_list(listname)
    dirs = mb.directories(orig)
    for other in chain:
        dirs |= {p for p in mb.directories(mb.read_list(other)) if p in set(orig)}
    links = mb.symlinks(orig, dirs)
    os.umask(0o022)
    os.makedirs(out)
    made = {}
    for p in orig:
        dst = moved(p, moves)
        full = os.path.join(out, dst)
        top = dst.split("/")[0]
        n, size = made.get(top, (0, 0))
        if p in dirs:
            os.makedirs(full, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if p in links:
            os.symlink(links[p], full)
            made[top] = (n + 1, size)
            continue
        s = mb.size_of(build, p, scale)
        data = mb.content(build, p, s if s is not None else 40, mb.kind(p)[3])
        mb.write_file(full, data, 0o755 if mb.is_executable(p) else 0o644)
        made[top] = (n + 1, size + len(data))
    for top in sorted(made):
        print("%-6s %5d files and symlinks, %9d bytes" % (top, made[top][0], made[top][1]))


def kib(n):
    return "%.1f" % (n / 1024.0)


def judge(name):
    rows, bad = [], []
    for line in open(name):
        f = line.split()
        if not f:
            continue
        n, mount, fstype = f[0], f[1], f[2]
        block, needed, avail, after, before, peak, later = (int(x) for x in f[3:])
        bound = max(needed // 100, 16 * block)
        cells = [n, mount, fstype, str(block)]
        for what, planned, measured in (("peak", needed, before - peak),
                                        ("after", avail - after, before - later)):
            err = planned - measured
            pct = 100.0 * err / needed if needed else 0.0
            cells += [kib(planned), kib(measured), "%+.2f%%" % pct]
            if err < 0:
                bad.append("core %s on %s (%s) at the %s: planned %d bytes, df shows %d: "
                           "the unsafe side" % (n, mount, fstype, what, planned, measured))
            elif err > bound:
                bad.append("core %s on %s (%s) at the %s: planned %d bytes, df shows %d: "
                           "%d too many (bound %d)" % (n, mount, fstype, what, planned, measured,
                                                       err, bound))
        if avail != before:
            cells.append("(plan saw %d available, df %d)" % (avail, before))
        rows.append(cells)
    head = ["core", "mount", "fs", "block", "planned peak KiB", "df peak KiB", "error",
            "planned after KiB", "df after KiB", "error"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print("(error: planned minus df, in % of the bytes planned at the peak; "
          "positive is the safe side)")
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "tree":
        moves, chain = [], []
        while "--move" in a:
            i = a.index("--move")
            src, _, dst = a[i + 1].partition("=")
            moves.append((src.strip("/"), dst.strip("/")))
            del a[i:i + 2]
        while "--chain" in a:
            i = a.index("--chain")
            chain.append(a[i + 1])
            del a[i:i + 2]
        tree(a[0], int(a[1]), float(a[2]), a[3], moves, chain)
    elif cmd == "judge":
        sys.exit(judge(a[0]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
