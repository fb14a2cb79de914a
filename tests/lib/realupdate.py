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

    fatreplay [--mtools IMAGE SCRATCH] MANIFEST BUILDROOT ROOT PREFIX UNIT
        Applies the entries of MANIFEST (a published core-N.manifest) below
        PREFIX to ROOT (a FAT file system mounted on ROOT/PREFIX; with
        --mtools, the FAT image IMAGE written by mtools, SCRATCH a folder
        to stage files in) the way pakfire applies an update, with the names
        it uses: each file written as .pakfire-UNIT-K beside its target
        (K: the entry's index), the file it replaces kept as a copy
        .pakfire-old-UNIT-K (vfat has no hard links: apply/keep.c), then
        every temporary renamed over its target, then the backups deleted
        (after). The peak is the least free space seen: with every
        temporary and copy written, before the renames free the originals.
        Prints the bytes free on the FAT before, at the peak and after
        (statvfs f_bfree * f_frsize; with --mtools, counted in the
        image's FAT).

    fatfree IMAGE
        The bytes free in the FAT image IMAGE, counted in its first FAT
        (FAT12, 16 or 32), its cluster size and its number of clusters:
        what any FAT driver has written, read without one.

The sizes and contents are make-buildroot's own (loaded from
updates/make-buildroot), so that the sample and this check agree on what a
realistic update is.
"""

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
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


def manifest_entries(name):
    """(index, type, path) of each entry of a manifest (docs/formats.md)."""
    lines = open(name, encoding="utf-8").read().split("\n")
    if not lines[0].startswith("pakfire-manifest\t"):
        sys.exit("%s: not a manifest" % name)
    out = []
    for k, line in enumerate(l for l in lines[1:] if l):
        f = line.split("\t")
        out.append((k, f[0], f[-1]))
    return out


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bfree * st.f_frsize


class Direct:
    """The FAT file system mounted at ROOT/PREFIX: plain system calls."""

    def __init__(self, root, prefix):
        self.top = os.path.join(root, prefix)

    def path(self, rel):
        return os.path.join(self.top, rel) if rel else self.top

    def exists(self, rel):
        return os.path.lexists(self.path(rel))

    def mkdir(self, rel):
        os.makedirs(self.path(rel), exist_ok=True)

    def put(self, folder, files):
        for name, src in files:
            with open(src, "rb") as i, open(os.path.join(self.path(folder), name), "wb") as o:
                o.write(i.read())

    def rename(self, a, b):
        os.rename(self.path(a), self.path(b))

    def commit(self, folder, items):
        for tmp, base, _ in items:
            os.rename(os.path.join(self.path(folder), tmp), os.path.join(self.path(folder), base))

    def copy(self, folder, pairs):
        for name, bak in pairs:
            shutil.copyfile(os.path.join(self.path(folder), name),
                            os.path.join(self.path(folder), bak))

    def delete(self, rels):
        for r in rels:
            os.unlink(self.path(r))

    def free(self):
        os.sync()
        return free_bytes(self.top)


class Mtools:
    """The FAT image IMAGE, through mtools (one call a step; the files to
    write into one folder in one call). What is on the image is known from
    what was written: it starts empty, and only this replays write it."""

    def __init__(self, image, scratch):
        self.image, self.scratch = image, scratch
        os.makedirs(scratch, exist_ok=True)
        self.env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        self.dirs, self.files = {""}, set()
        listing = os.path.join(scratch, "files")
        if os.path.exists(listing):
            self.files = set(open(listing).read().split("\n")) - {""}
            self.dirs |= {f.rpartition("/")[0] for f in self.files}

    def run(self, *args):
        subprocess.run(args[:1] + ("-i", self.image) + args[1:], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def exists(self, rel):
        return rel in self.files

    def mkdir(self, rel):
        parts = rel.split("/") if rel else []
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.run("mmd", "::/" + d)
                self.dirs.add(d)

    def put(self, folder, files):
        stage = os.path.join(self.scratch, "stage")
        shutil.rmtree(stage, ignore_errors=True)
        os.makedirs(stage)
        for name, src in files:
            shutil.copyfile(src, os.path.join(stage, name))
        self.run("mcopy", *[os.path.join(stage, n) for n, _ in files], "::/" + folder + "/")
        self.files |= {(folder + "/" if folder else "") + n for n, _ in files}

    def rename(self, a, b):
        # The kernel's rename to a new name adds the name first (vfat_add_
        # entry: fat_add_entries takes the first run of free or deleted
        # slots long enough, else clusters at the end) and only then
        # deletes the old one's slots; mren writes the new name over the
        # old one's slots when they are enough, so a rename in a folder
        # full to the end of its cluster would not grow it as the kernel's
        # does. So: a copy under the new name while the old one is there
        # (mcopy finds slots as fat_add_entries does), then the old one
        # deleted, before the next rename, which may use its slots.
        self.run("mcopy", "::/" + a, "::/" + b)
        self.run("mdel", "::/" + a)
        self.files.discard(a)
        self.files.add(b)

    def commit(self, folder, items):
        # The kernel's rename over an existing name rewrites the target's
        # entry in place and deletes the temporary's (vfat_rename); mren
        # cannot replace, so: the temporaries deleted, their bytes written
        # over the targets (mcopy -o deletes a target's entry and writes it
        # again in the first run of free slots long enough, at worst its
        # own: as many slots as the kernel uses, maybe elsewhere in the
        # folder), a new target renamed as the kernel would add it.
        # mtools gives an 8.3 name in small letters ("acpi.mod") one slot,
        # with its case in the short entry, as Windows and shortname=winnt
        # do; the kernel's default, shortname=mixed, gives it a long name
        # too (VFAT_SFN_CREATE_WIN95), which the plan counts: the image
        # then holds fewer slots than the kernel's vfat would.
        join = (lambda n: folder + "/" + n) if folder else (lambda n: n)
        over = [(tmp, base, src) for tmp, base, src in items if join(base) in self.files]
        for tmp, base, src in items:
            if join(base) not in self.files:
                self.rename(join(tmp), join(base))
        if not over:
            return
        self.delete([join(tmp) for tmp, _, _ in over])
        stage = os.path.join(self.scratch, "stage")
        shutil.rmtree(stage, ignore_errors=True)
        os.makedirs(stage)
        for _, base, src in over:
            shutil.copyfile(src, os.path.join(stage, base))
        self.run("mcopy", "-o", *[os.path.join(stage, b) for _, b, _ in over],
                 "::/" + folder + "/" if folder else "::/")

    def copy(self, folder, pairs):
        # out of the image into the scratch folder, then back in under
        # the backup names (two calls a folder)
        old = os.path.join(self.scratch, "old")
        shutil.rmtree(old, ignore_errors=True)
        os.makedirs(old)
        at = "::/" + folder + "/" if folder else "::/"
        self.run("mcopy", *[at + n for n, _ in pairs], old + "/")
        for name, bak in pairs:
            os.rename(os.path.join(old, name), os.path.join(old, bak))
        self.run("mcopy", *[os.path.join(old, b) for _, b in pairs], at)
        self.files |= {(folder + "/" if folder else "") + b for _, b in pairs}

    def delete(self, rels):
        for i in range(0, len(rels), 200):
            self.run("mdel", *["::/" + r for r in rels[i:i + 200]])
        self.files -= set(rels)

    def free(self):
        with open(os.path.join(self.scratch, "files"), "w") as f:
            f.write("\n".join(sorted(self.files)) + "\n")
        return fat_free(self.image)[0]


def fatreplay(manifest, buildroot, prefix, unit, fs):
    prefix = prefix.strip("/")
    mine = [(k, kind, path[len(prefix) + 1:]) for k, kind, path in manifest_entries(manifest)
            if path.startswith(prefix + "/")]
    before = fs.free()
    staged, batches, copies = [], {}, {}
    for k, kind, rel in mine:
        if kind == "dir":
            fs.mkdir(rel)
            continue
        if kind != "file":
            sys.exit("%s: a %s cannot be on vfat" % (rel, kind))
        folder, _, base = rel.rpartition("/")
        tmp, bak = ".pakfire-%s-%d" % (unit, k), ".pakfire-old-%s-%d" % (unit, k)
        fs.mkdir(folder)
        join = (lambda n: folder + "/" + n) if folder else (lambda n: n)
        # the original is copied to its backup name
        if fs.exists(rel):
            copies.setdefault(folder, []).append((base, bak))
        batches.setdefault(folder, []).append((tmp, os.path.join(buildroot, prefix, rel)))
        staged.append((folder, tmp, base, join(bak), os.path.join(buildroot, prefix, rel)))
    for folder, pairs in copies.items():
        fs.copy(folder, pairs)
    for folder, files in batches.items():
        fs.put(folder, files)
    peak = fs.free()
    commits = {}
    for folder, tmp, base, _, src in staged:
        commits.setdefault(folder, []).append((tmp, base, src))
    for folder, items in commits.items():
        fs.commit(folder, items)
    peak = min(peak, fs.free())
    fs.delete([bak for _, _, _, bak, _ in staged if fs.exists(bak)])
    print(before, peak, fs.free())


def fat_free(image):
    with open(image, "rb") as f:
        boot = f.read(512)
        sector = int.from_bytes(boot[11:13], "little")
        per_cluster = boot[13]
        reserved = int.from_bytes(boot[14:16], "little")
        fats = boot[16]
        root_entries = int.from_bytes(boot[17:19], "little")
        total = int.from_bytes(boot[19:21], "little") or int.from_bytes(boot[32:36], "little")
        fat_sectors = int.from_bytes(boot[22:24], "little") or int.from_bytes(boot[36:40], "little")
        root_sectors = (root_entries * 32 + sector - 1) // sector
        data = total - reserved - fats * fat_sectors - root_sectors
        clusters = data // per_cluster
        f.seek(reserved * sector)
        fat = f.read(fat_sectors * sector)
    free = 0
    for c in range(2, clusters + 2):
        if clusters < 4085:          # FAT12: 12 bits each
            v = int.from_bytes(fat[c * 3 // 2:c * 3 // 2 + 2], "little")
            v = v >> 4 if c & 1 else v & 0xFFF
        elif clusters < 65525:       # FAT16
            v = int.from_bytes(fat[2 * c:2 * c + 2], "little")
        else:                        # FAT32: the high 4 bits are reserved
            v = int.from_bytes(fat[4 * c:4 * c + 4], "little") & 0x0FFFFFFF
        free += v == 0
    return free * sector * per_cluster, sector * per_cluster, clusters


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
    elif cmd == "fatreplay":
        if a[0] == "--mtools":
            fs, a = Mtools(a[1], a[2]), a[3:]
        else:
            fs = Direct(a[2], a[3])
        fatreplay(a[0], a[1], a[3], a[4], fs)
    elif cmd == "fatfree":
        print(*fat_free(a[0]))
    elif cmd == "judge":
        sys.exit(judge(a[0]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
