#!/usr/bin/env python3
"""A repository of one series with core updates and add-ons, written straight
from the formats (docs/formats.md), for the tests of add-ons and series
crossings. pakfire-repo builds the sample distribution; this builds small,
exact worlds a test can reason about, and is independent of pakfire-repo so
that a bug shared by both cannot hide.

usage: series.py SPEC.json OUTDIR
SPEC (or the form of the contract's craft.py: "updates" and file lists):
      {"series", "arch", "revision", "successor"?, "gnupghome", "keys": [fpr...],
       "valid_days"?, "extra"?: {key: value}, "index_keys"?: {key: value},
       "core": [{"number", "requires"?, "switch"?, "files": {path: text-or-size},
                 "modes"?: {path: "0755"}, "removes"?: [...], "extra"?: {...},
                 "keys"?: {key: value},
                 "hooks"?: [{"phase": "pre"|"post", "name", "content"}]}],
       "addons": [{"name", "version", "release", "depends"?: [...],
                   "files": {path: text-or-size}, "dirs"?: [path or {path, mode}],
                   "symlinks"?: [{path, target}], "extra"?: {...}, "keys"?: {...},
                   "hooks"?: [...]}]}
"extra" adds its `Key: value` lines, as given, to the repository stanza, a
core stanza or an add-on stanza, right after the keys that name it (client
levels: Min-Client, Provides-Client, Optional-Keys, keys no client knows).
A file given as a number gets that many bytes derived from its path, the
series and the build (so two builds differ). "keys" and "index_keys" are
written as they are at the end of the stanza (or of the repository stanza):
any key, known or not (Min-Client, Provides-Client, Optional-Keys, X-Foo);
"hooks" become hook entries of the manifest and .pakfire/hooks/NAME members
of the package, right after the manifest. Writes OUTDIR/<series>/<arch>/
and the payload trees OUTDIR/build/<series>/<core-N|NAME>/ for comparisons.
"""
import datetime, hashlib, io, json, os, subprocess, sys, tarfile


def content(spec, path, salt):
    if isinstance(spec, str):
        return spec.encode()
    seed = hashlib.sha256((salt + "/" + path).encode()).digest()
    return (seed * (spec // 32 + 1))[:spec]


def package(unit, salt, build):
    lines = ["pakfire-manifest\t1"]
    members = []
    for d in unit.get("dirs", []):
        path, mode = (d, "0755") if isinstance(d, str) else (d["path"], d.get("mode", "0755"))
        lines.append(f"dir\t{mode}\t0\t0\t{path}")
        ti = tarfile.TarInfo(path); ti.type = tarfile.DIRTYPE; ti.mode = int(mode, 8)
        members.append((ti, None))
    for path, spec in sorted(unit.get("files", {}).items()):
        data = content(spec, path, salt)
        mode = unit.get("modes", {}).get(path, "0644")
        lines.append(f"file\t{mode}\t0\t0\t{len(data)}\t{hashlib.sha256(data).hexdigest()}\t{path}")
        ti = tarfile.TarInfo(path); ti.size = len(data); ti.mode = int(mode, 8)
        members.append((ti, data))
        out = os.path.join(build, path)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(data)
    for sl in unit.get("symlinks", []):
        lines.append(f"symlink\t{sl['target']}\t{sl['path']}")
        ti = tarfile.TarInfo(sl["path"]); ti.type = tarfile.SYMTYPE
        ti.linkname = sl["target"]; ti.mode = 0o777
        members.append((ti, None))
    for r in unit.get("removes", []):
        lines.append(f"remove\t{r}")
    hooks = []
    for h in unit.get("hooks", []):
        data = h.get("content", "#!/bin/sh\n").encode()
        lines.append(f"hook\t{h['phase']}\t{hashlib.sha256(data).hexdigest()}\t{h['name']}")
        ti = tarfile.TarInfo(".pakfire/hooks/" + h["name"]); ti.size = len(data); ti.mode = 0o755
        hooks.append((ti, data))
    manifest = ("\n".join(lines) + "\n").encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo(".pakfire/manifest"); ti.size = len(manifest); ti.mode = 0o644
        tf.addfile(ti, io.BytesIO(manifest))
        for ti, data in hooks + members:
            ti.uid = ti.gid = 0; ti.uname = ti.gname = "root"; ti.mtime = 0
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    pak = subprocess.run(["zstd", "-q", "-c", "-3"], input=buf.getvalue(),
                         stdout=subprocess.PIPE, check=True).stdout
    return manifest, pak


def files_lines(base, rel, manifest, pak):
    for ext, data in ((".manifest", manifest), (".pak", pak)):
        os.makedirs(os.path.dirname(os.path.join(base, rel)), exist_ok=True)
        with open(os.path.join(base, rel + ext), "wb") as f:
            f.write(data)
    sha = lambda b: hashlib.sha256(b).hexdigest()
    return [f"Manifest: {rel}.manifest", f"Manifest-Size: {len(manifest)}",
            f"Manifest-SHA256: {sha(manifest)}", f"Package: {rel}.pak",
            f"Package-Size: {len(pak)}", f"Package-SHA256: {sha(pak)}"]


def from_contract(spec):
    """The spec of the contract's craft.py (updates/addons with files as
    lists), as this script reads it: the tests may use either form."""
    def files(u):
        out, modes = {}, {}
        for f in u.get("files", []):
            out[f["path"]] = f["content"] if "content" in f else f["size"]
            if "mode" in f:
                modes[f["path"]] = f["mode"]
        return out, modes
    core = []
    for u in spec.pop("updates", []):
        fs, modes = files(u)
        core.append({"number": u["number"], "requires": u.get("requires", u["number"] - 1),
                     "switch": u.get("series_switch"), "files": fs, "modes": modes,
                     "dirs": u.get("dirs", []), "symlinks": u.get("symlinks", []),
                     "removes": u.get("removes", []), "salt": u.get("salt", ""),
                     "extra": u.get("extra", {}),
                     "keys": u.get("keys", {}), "hooks": u.get("hooks", [])})
    addons = []
    for a in spec.get("addons", []):
        fs, modes = files(a)
        b = dict(a)
        b["files"], b["modes"] = fs, modes
        addons.append(b)
    spec["core"], spec["addons"] = core, addons
    if "key" in spec and "keys" not in spec:
        spec["keys"] = [spec["key"]]
    spec.setdefault("series", "2.23")
    spec.setdefault("revision", 10)
    return spec


def extra(stanza):
    return [f"{k}: {v}" for k, v in stanza.get("extra", {}).items()]


def main():
    spec = json.load(open(sys.argv[1]))
    if "updates" in spec or any(isinstance(a.get("files"), list) for a in spec.get("addons", [])):
        spec = from_contract(spec)
    out = sys.argv[2]
    series, arch = spec["series"], spec.get("arch", "x86_64")
    base = os.path.join(out, series, arch)
    os.makedirs(base, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    fmt = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
    head = ["Format: 1", f"Series: {series}", f"Arch: {arch}", f"Revision: {spec['revision']}",
            f"Date: {fmt(now)}",
            f"Valid-Until: {fmt(now + datetime.timedelta(days=spec.get('valid_days', 7)))}"]
    if spec.get("successor"):
        head.append(f"Successor: {spec['successor']}")
    head += extra(spec)
    head += [f"{k}: {v}" for k, v in spec.get("index_keys", {}).items()]
    stanzas = ["\n".join(head)]
    for u in spec.get("core", []):
        n = u["number"]
        m, p = package(u, f"{series}/core-{n}{u.get('salt', '')}",
                       os.path.join(out, "build", series, f"core-{n}"))
        st = ["Type: core", f"Number: {n}", f"Requires: {u.get('requires', n - 1)}"]
        if u.get("switch"):
            st.append(f"Series-Switch: {u['switch']}")
        st += extra(u)
        st += [f"Summary: Core Update {n}", "Reboot: no"]
        st += files_lines(base, f"core/core-{n}", m, p)
        st += [f"{k}: {v}" for k, v in u.get("keys", {}).items()]
        stanzas.append("\n".join(st))
    for a in spec.get("addons", []):
        name, ver, rel = a["name"], a["version"], a.get("release", 1)
        m, p = package(a, f"{series}/{name}-{ver}-{rel}{a.get('salt', '')}",
                       os.path.join(out, "build", series, name))
        st = ["Type: addon", f"Name: {name}", f"Version: {ver}", f"Release: {rel}"]
        if a.get("depends"):
            st.append("Depends: " + ", ".join(a["depends"]))
        st += extra(a)
        st.append(f"Summary: {a.get('summary', 'add-on ' + name)}")
        st += files_lines(base, f"addons/{name}-{ver}-{rel}", m, p)
        st += [f"{k}: {v}" for k, v in a.get("keys", {}).items()]
        stanzas.append("\n".join(st))
    index = os.path.join(base, "index")
    with open(index, "w") as f:
        f.write("\n\n".join(stanzas) + "\n")
    cmd = ["gpg", "--batch", "--yes", "--homedir", spec["gnupghome"]]
    for k in spec["keys"]:
        cmd += ["--local-user", k]
    subprocess.run(cmd + ["--output", index + ".sig", "--detach-sign", index], check=True,
                   stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
