#!/usr/bin/env python3
"""Build a .pak (pax tar, zstd-compressed; DESIGN.md ".pak") from a published
manifest and the build root it describes, with deliberate defects, so that the
end-to-end tests can hand a client a package whose index hash is right but
whose contents are hostile.

usage: craft-pak.py --manifest FILE --root DIR --out PAK [CHANGE]...

Without CHANGE the package is what a correct pakfire-repo would make: first
.pakfire/manifest (the manifest's bytes), then .pakfire/hooks/NAME for each
hook entry (from DIR/.pakfire/hooks/NAME, or --hooks DIR), then one member per
file, dir and symlink entry, in manifest order, with the manifest's mode,
uid, gid, size and contents (taken from DIR and checked against the hash).

CHANGE (PATH is a member name as it goes into the tar, used literally, so
"../x" and "/etc/x" are possible):
  --extra PATH[=TEXT]      add a regular file that the manifest does not list
  --omit PATH              leave out the member for PATH
  --symlink PATH=TARGET    the member for PATH (added if not listed) is a symlink
  --hardlink PATH=TARGET   the member for PATH is a hard link to TARGET
  --device PATH            the member for PATH is a character device (1,3)
  --fifo PATH              the member for PATH is a FIFO
  --mode PATH=MODE         the member for PATH carries MODE (octal)
  --size PATH=N            the member for PATH carries N bytes of its content
                           (cut, or padded with zeros)
  --content PATH=TEXT      the member for PATH carries TEXT
  --owner PATH=UID:GID     the member for PATH carries these ids
  --manifest-member FILE   the .pakfire/manifest member carries FILE's bytes
  --no-manifest-member     leave .pakfire/manifest out
  --manifest-last          put .pakfire/manifest last instead of first
  --duplicate PATH         the member for PATH appears twice
  --compress CMD           compressor command line (default "zstd -q -c -3")
"""
import argparse
import hashlib
import io
import os
import shlex
import subprocess
import sys
import tarfile

MTIME = 1600000000


def die(msg):
    sys.exit("craft-pak: " + msg)


def kv(s, what):
    if "=" not in s:
        die("%s wants PATH=VALUE, got %r" % (what, s))
    return s.split("=", 1)


def parse_manifest(data):
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    if not lines or lines[0] != "pakfire-manifest\t1":
        die("not a pakfire manifest (first line %r)" % lines[:1])
    entries = []
    for n, line in enumerate(lines[1:], 2):
        if not line:
            continue
        f = line.split("\t")
        t = f[0]
        if t == "file" and len(f) == 7:
            entries.append(dict(type=t, mode=int(f[1], 8), uid=int(f[2]), gid=int(f[3]),
                                size=int(f[4]), sha256=f[5], path=f[6]))
        elif t == "dir" and len(f) == 5:
            entries.append(dict(type=t, mode=int(f[1], 8), uid=int(f[2]), gid=int(f[3]), path=f[4]))
        elif t == "symlink" and len(f) == 3:
            entries.append(dict(type=t, target=f[1], path=f[2], mode=0o777, uid=0, gid=0))
        elif t == "remove" and len(f) == 2:
            pass
        elif t == "hook" and len(f) == 4:
            entries.append(dict(type=t, phase=f[1], sha256=f[2], path=".pakfire/hooks/" + f[3],
                                name=f[3], mode=0o755, uid=0, gid=0))
        else:
            die("manifest line %d not understood: %r" % (n, line))
    return entries


class Member:
    def __init__(self, name, type_, mode=0o644, uid=0, gid=0, data=None, linkname=""):
        self.name, self.type, self.mode = name, type_, mode
        self.uid, self.gid, self.data, self.linkname = uid, gid, data, linkname

    def tarinfo(self):
        ti = tarfile.TarInfo(self.name)
        ti.type = self.type
        ti.mode = self.mode
        ti.uid, ti.gid = self.uid, self.gid
        ti.uname = "root" if self.uid == 0 else ""
        ti.gname = "root" if self.gid == 0 else ""
        ti.mtime = MTIME
        ti.linkname = self.linkname
        if self.type == tarfile.CHRTYPE:
            ti.devmajor, ti.devminor = 1, 3
        ti.size = len(self.data) if self.type == tarfile.REGTYPE and self.data is not None else 0
        return ti


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hooks")
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--omit", action="append", default=[])
    ap.add_argument("--symlink", action="append", default=[])
    ap.add_argument("--hardlink", action="append", default=[])
    ap.add_argument("--device", action="append", default=[])
    ap.add_argument("--fifo", action="append", default=[])
    ap.add_argument("--mode", action="append", default=[])
    ap.add_argument("--size", action="append", default=[])
    ap.add_argument("--content", action="append", default=[])
    ap.add_argument("--owner", action="append", default=[])
    ap.add_argument("--duplicate", action="append", default=[])
    ap.add_argument("--manifest-member")
    ap.add_argument("--no-manifest-member", action="store_true")
    ap.add_argument("--manifest-last", action="store_true")
    ap.add_argument("--compress", default="zstd -q -c -3")
    a = ap.parse_args()

    manifest = open(a.manifest, "rb").read()
    entries = parse_manifest(manifest)
    changed = set()
    for opt in (a.symlink, a.hardlink, a.mode, a.size, a.content, a.owner):
        changed.update(kv(s, "option")[0] for s in opt)
    changed.update(a.device + a.fifo + a.omit)

    members = []
    index = {}

    def put(m):
        if m.name in index:
            members[index[m.name]] = m
        else:
            index[m.name] = len(members)
            members.append(m)

    for e in entries:
        p = e["path"]
        if e["type"] == "file":
            src = os.path.join(a.root, p)
            if not os.path.isfile(src) and p not in changed:
                die("%s is in the manifest but not a file in %s" % (p, a.root))
            data = open(src, "rb").read() if os.path.isfile(src) else b""
            if p not in changed and hashlib.sha256(data).hexdigest() != e["sha256"]:
                die("%s in %s does not match the manifest's hash" % (p, a.root))
            put(Member(p, tarfile.REGTYPE, e["mode"], e["uid"], e["gid"], data))
        elif e["type"] == "dir":
            put(Member(p, tarfile.DIRTYPE, e["mode"], e["uid"], e["gid"]))
        elif e["type"] == "symlink":
            put(Member(p, tarfile.SYMTYPE, 0o777, linkname=e["target"]))
        elif e["type"] == "hook":
            hooks = a.hooks or os.path.join(a.root, ".pakfire", "hooks")
            data = open(os.path.join(hooks, e["name"]), "rb").read()
            put(Member(p, tarfile.REGTYPE, 0o755, data=data))

    for s in a.extra:
        p, text = (s.split("=", 1) + ["extra member\n"])[:2]
        put(Member(p, tarfile.REGTYPE, 0o644, data=text.encode()))
    for s in a.symlink:
        p, t = kv(s, "--symlink")
        put(Member(p, tarfile.SYMTYPE, 0o777, linkname=t))
    for s in a.hardlink:
        p, t = kv(s, "--hardlink")
        put(Member(p, tarfile.LNKTYPE, 0o644, linkname=t))
    for p in a.device:
        put(Member(p, tarfile.CHRTYPE, 0o666))
    for p in a.fifo:
        put(Member(p, tarfile.FIFOTYPE, 0o644))

    def member(p):
        if p not in index:
            die("no member %s to change" % p)
        return members[index[p]]

    for s in a.mode:
        p, m = kv(s, "--mode")
        member(p).mode = int(m, 8)
    for s in a.size:
        p, n = kv(s, "--size")
        m, n = member(p), int(n)
        d = m.data or b""
        m.data = d[:n] + b"\0" * max(0, n - len(d))
    for s in a.content:
        p, text = kv(s, "--content")
        member(p).data = text.encode()
    for s in a.owner:
        p, ids = kv(s, "--owner")
        u, g = ids.split(":")
        member(p).uid, member(p).gid = int(u), int(g)
    omit = set(a.omit)
    for p in omit:
        member(p)
    body = [m for m in members if m.name not in omit]
    for p in a.duplicate:
        body.append(member(p))

    head = []
    if not a.no_manifest_member:
        data = open(a.manifest_member, "rb").read() if a.manifest_member else manifest
        head = [Member(".pakfire/manifest", tarfile.REGTYPE, 0o644, data=data)]
    hooks = [m for m in body if m.name.startswith(".pakfire/hooks/")]
    rest = [m for m in body if not m.name.startswith(".pakfire/hooks/")]
    order = hooks + rest + head if a.manifest_last else head + hooks + rest

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for m in order:
            tf.addfile(m.tarinfo(), io.BytesIO(m.data) if m.type == tarfile.REGTYPE and m.data else None)
    pak = subprocess.run(shlex.split(a.compress), input=buf.getvalue(),
                         stdout=subprocess.PIPE, check=True).stdout
    with open(a.out + ".tmp", "wb") as f:
        f.write(pak)
    os.rename(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()
