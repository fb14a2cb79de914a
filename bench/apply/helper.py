#!/usr/bin/env python3
"""bench/apply/helper.py: the parts of the apply benchmark that are easier in
Python than in shell. Subcommands:

  free-port                          a free TCP port on 127.0.0.1
  tree SRC ROOT                      ROOT holds SRC byte for byte (type, mode,
                                     owner, size, SHA-256, symlink target);
                                     nothing else but the tools' own folders
  strace-summary FILE...             the syscalls that matter, from strace -c -w
  phases FILE...                     pakfire's phases from perf script outputs
                                     of syscall tracepoints (median of runs)
  perf-top FILE N                    the top N lines of a perf report --stdio
  rss-map OUT.json CMD...            run CMD; what its largest RSS was made of
                                     (/proc/PID/smaps sampled every 5 ms)
  report WORK RESULTS.md             the "Apply" section of RESULTS.md, from
                                     the files run.sh left in WORK
"""
import collections
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "lib"))
import tree as trees  # noqa: E402  (tests/lib/tree.py)

# What each tool writes for itself into the root (and the folders above).
OWN = ("var/lib/pakfire", "var/cache/pakfire", "var/log/pakfire", "etc/pakfire",
       "var/lib/pacman", "var/log/pacman.log", "var/cache/pacman",
       "var/lib/dpkg", "var/log/dpkg.log")


def tree(src, root):
    want = {p: src for p in trees.walk(src)}
    # brief descriptions: the tools are not asked to agree on a symlink's owner
    return trees.report(trees.compare(root, want, skip=OWN, full=False), 20)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


# --------------------------------------------------------------------------
# strace -c -w: "% time  seconds  usecs/call  calls  errors syscall"

WATCH = ("fsync", "fdatasync", "syncfs", "sync", "sync_file_range", "renameat", "renameat2",
         "rename", "linkat", "link", "unlinkat", "unlink", "openat", "openat2", "write",
         "pwrite64", "read", "pread64", "mkdirat", "mkdir", "fchmod", "fchown", "fchownat",
         "chmod", "chown", "lchown", "utimensat", "symlinkat", "newfstatat", "statx")


def strace_table(path):
    rows = {}
    total = None
    for line in open(path, errors="replace"):
        f = line.split()
        if len(f) >= 5 and re.match(r"^\d+\.\d+$", f[0]) and re.match(r"^\d+\.\d+$", f[1]):
            name = f[-1]
            calls = int(f[3])
            if name == "total":
                total = (float(f[1]), calls)
            else:
                rows[name] = (float(f[1]), calls)
    return rows, total


def strace_summary(paths):
    out = {}
    for p in paths:
        rows, total = strace_table(p)
        out[os.path.basename(p)] = {"rows": rows, "total": total}
    json.dump(out, sys.stdout, indent=1)


# --------------------------------------------------------------------------
# pakfire's phases, from `perf script` of syscall tracepoints (perf record -e
# syscalls:...): the kernel stamps each event, the process is not slowed
# down the way strace slows it.

O_STAGE = 0xa00c1   # O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC: a staged file
O_PAK = 0xa0000     # O_RDONLY|O_NOFOLLOW|O_CLOEXEC: the cached package

PHASES = [
    ("start", "pak", "start-up: database, lock, recovery check, index from the database"),
    ("pak", "manifest", "SHA-256 of the cached package, checked against the signed index"),
    ("manifest", "stage", "manifest read from the package, checked, parsed; space plan; removals planned; journal begun"),
    ("stage", "sync1", "staging: decompress, check each member, write the temporaries (hashed in a second thread)"),
    ("sync1", "sync1_end", "syncfs #1 (staged data on disk)"),
    ("sync1_end", "sync2", "journal 'committing'; renames over the targets; directory modes"),
    ("sync2", "sync2_end", "syncfs #2 (renames on disk)"),
    ("sync2_end", "sync3", "database commit (files, update, level); backups cleaned up (without syncfs #3: up to the end)"),
    ("sync3", "sync3_end", "syncfs #3 (the clean-up on disk; none when every path was new)"),
    ("sync3_end", "end", "the rest: transaction closed, package unlinked, output"),
]


def perf_events(path):
    ev = []
    for line in open(path, errors="replace"):
        m = re.match(r"^\s*(\S.*?)\s+(\d+)\s+\[\d+\]\s+(\d+\.\d+):\s+syscalls:sys_(enter|exit)_(\w+):\s*(.*)$",
                     line)
        if not m:
            continue
        comm, pid, t, kind, name, args = m.groups()
        fl = re.search(r"flags: (0x[0-9a-f]+)", args)
        ev.append((float(t), int(pid), kind, name, int(fl.group(1), 16) if fl else None))
    return ev


def phase_marks(ev):
    mk = {}
    first = lambda pred: next((e[0] for e in ev if pred(e)), None)
    mk["start"] = first(lambda e: e[2] == "exit" and e[3] == "execve")
    paks = [e[0] for e in ev if e[2] == "enter" and e[3] == "openat" and e[4] == O_PAK]
    mk["pak"] = paks[0] if paks else None
    # the package is rewound after its hash (then its manifest is read);
    # staging starts with the first temporary
    seeks = [e[0] for e in ev if e[2] == "enter" and e[3] == "lseek" and paks and e[0] >= paks[0]]
    mk["manifest"] = seeks[0] if seeks else None
    mk["stage"] = first(lambda e: e[2] == "enter" and e[3] == "openat" and e[4] == O_STAGE)
    se = [e[0] for e in ev if e[3] == "syncfs" and e[2] == "enter"]
    sx = [e[0] for e in ev if e[3] == "syncfs" and e[2] == "exit"]
    if len(se) >= 2 and len(sx) >= 2:
        mk["sync1"], mk["sync1_end"], mk["sync2"], mk["sync2_end"] = se[0], sx[0], se[1], sx[1]
        # the clean-up syncs only when it deleted something; without it,
        # the commit row runs to the end and the two rows after it are 0
        if len(se) >= 3 and len(sx) >= 3:
            mk["sync3"], mk["sync3_end"] = se[2], sx[2]
    mk["end"] = first(lambda e: e[3] == "exit_group")
    if "sync2_end" in mk and "sync3" not in mk:
        mk["sync3"] = mk["sync3_end"] = mk["end"]
    # the time inside fdatasync (SQLite's commits) and the renames
    open_ = {}
    fds = []
    for t, pid, kind, name, _ in ev:
        if name == "fdatasync" or name == "fsync":
            if kind == "enter":
                open_[pid] = t
            elif pid in open_:
                fds.append(t - open_.pop(pid))
    mk["fdatasync_n"] = len(fds)
    mk["fdatasync_s"] = sum(fds)
    mk["renames"] = sum(1 for e in ev if e[3] == "renameat" and e[2] == "enter")
    mk["staged"] = sum(1 for e in ev if e[3] == "openat" and e[4] == O_STAGE)
    return mk


def phases(paths):
    runs = [phase_marks(perf_events(p)) for p in paths]
    out = {"runs": len(runs), "phases": []}
    for a, b, label in PHASES:
        xs = [r[b] - r[a] for r in runs if r.get(a) is not None and r.get(b) is not None]
        if xs:
            out["phases"].append([label, quantile(xs, 0.5), min(xs), max(xs)])
    tot = [r["end"] - r["start"] for r in runs if r.get("end") and r.get("start")]
    if tot:
        out["total"] = [quantile(tot, 0.5), min(tot), max(tot)]
    out["fdatasync"] = [quantile([r["fdatasync_n"] for r in runs], 0.5),
                        quantile([r["fdatasync_s"] for r in runs], 0.5)]
    out["renames"] = runs[0]["renames"] if runs else 0
    out["staged"] = runs[0]["staged"] if runs else 0
    print(json.dumps(out))


def perf_top(path, n):
    print(json.dumps(perf_rows(path, int(n))))


def perf_rows(path, n):
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path, errors="replace"):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^\s+(\d+\.\d+)%\s+(.*)$", line)
        if m:
            rest = re.sub(r"\s+", " ", m.group(2)).strip()
            rows.append((float(m.group(1)), rest))
    return _group_addresses(rows, n)


def _group_addresses(rows, n):
    # addresses in a library without symbols (libcrypto): one row per library
    out, seen = [], {}
    for pct, what in rows:
        m = re.match(r"^(\S+) \[\.\] 0x[0-9a-f]+$", what)
        if m:
            key = m.group(1)
            if key in seen:
                seen[key][0] += pct
                seen[key][2] += 1
                continue
            seen[key] = [pct, key, 1]
            out.append(seen[key])
        else:
            out.append([pct, what, 0])
    out = [(p, "%s [.] (%d addresses, no symbols)" % (w, k) if k else w) for p, w, k in out]
    out.sort(key=lambda r: -r[0])
    return out[:n]


KERNEL_WATCH = re.compile(r"^(__ext4_new_inode|recently_deleted|ext4_mkdir|do_sys_openat2|ksys_write|"
                          r"do_renameat2|ext4_rename2?|sync_filesystem|ksys_sync|do_unlinkat|"
                          r"ext4_buffered_write_iter|copy_page_from_iter|copy_page_to_iter|"
                          r"ext4_lookup|vfs_fstatat|link_path_walk|do_linkat|ext4_da_write_begin|"
                          r"filemap_read|ksys_read|do_mkdirat|__x64_sys_fchown|chown_common|"
                          r"ext4_setattr|ext4_file_write_iter)$")


def perf_children(path):
    """(children %, self %, kind, symbol) of `perf report --children --sort sym`:
    pakfire's own and its libraries' functions, and the kernel work they
    cause, by the time spent in them and below them."""
    user, kern = [], []
    if not os.path.exists(path):
        return []
    for line in open(path, errors="replace"):
        m = re.match(r"^\s+(\d+\.\d+)%\s+(\d+\.\d+)%\s+\[(.)\]\s+(.*?)\s*$", line)
        if not m:
            continue
        ch, se, kind, sym = float(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
        base = sym.replace(" (inlined)", "")
        if kind == "k":
            if KERNEL_WATCH.match(base):
                kern.append((ch, se, "kernel", sym))
        elif not re.match(r"^0x[0-9a-f]+$", base) and not base.startswith(("_dl_", "dl_", "_start")):
            user.append((ch, se, "user", sym))
    return user[:22] + kern[:14]


# --------------------------------------------------------------------------
# What the resident memory is made of: /proc/PID/smaps sampled while the
# command runs; the sample with the largest RSS, summed per mapping.

def smaps(pid):
    out = {}
    cur = None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    parts = line.split(None, 5)
                    name = parts[5].strip() if len(parts) > 5 else ""
                    if not name:
                        name = "[anonymous]"
                    elif name.startswith("/"):
                        name = os.path.basename(name)
                    cur = name
                elif line.startswith("Rss:") and cur is not None:
                    out[cur] = out.get(cur, 0) + int(line.split()[1])
    except (OSError, ValueError):
        return None
    return out


def rss_map(out_path, cmd):
    import subprocess
    import time
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    best, best_total = {}, 0
    while p.poll() is None:
        m = smaps(p.pid)
        if m:
            t = sum(m.values())
            if t > best_total:
                best, best_total = m, t
        time.sleep(0.005)
    rows = sorted(best.items(), key=lambda kv: -kv[1])
    libs = sum(v for k, v in best.items() if ".so" in k or k == "pakfire")
    n_libs = sum(1 for k in best if ".so" in k)
    with open(out_path, "w") as f:
        json.dump({"rc": p.returncode, "total_kib": best_total, "libs_kib": libs, "n_libs": n_libs,
                   "top": rows[:12]}, f)
    return 0 if p.returncode == 0 else 1


# --------------------------------------------------------------------------
# The report

def quantile(xs, q):
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


BEGIN = "<!-- BEGIN apply: generated by bench/apply/run.sh, do not edit by hand -->"
END = "<!-- END apply -->"
INTRO = """## Apply

Issue 6: applying core update 141 (its real file list,
`manifests/core-141.filelist`, 2,407 entries, about 163 MB made by
`updates/make-buildroot 141`) with pakfire side by side with `tar`,
`pacman` and `dpkg`, each given the same files in its own package format,
each into a fresh root on the same file system, from a warm page cache.
`make bench` runs it (`bench/apply/run.sh`, as root; it installs what it
needs with `bench/apply/deps.sh`, i.e.
`apt-get install -y pacman-package-manager libarchive-tools dpkg zstd time strace lighttpd gnupg curl python3 linux-perf`).
It is never part of `make check`.

"""


def busy(load):
    try:
        return float(load.split()[0]) > 0.5
    except (ValueError, IndexError):
        return False


def fmt_s(x):
    return "%.2f s" % x


def tsv(path):
    if not os.path.exists(path):
        return []
    return [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]


def load(work):
    """The run's data, from the plain files that run.sh writes in WORK."""
    meta = dict(r[:2] for r in tsv(os.path.join(work, "meta.tsv")) if len(r) >= 2)
    d = {"machine": meta, "when": meta.get("when", "?"),
         "reproduce": meta.get("reproduce", "make bench"),
         "scale": meta.get("scale", "1"), "rounds": int(meta.get("rounds", "0"))}
    d["payload"] = {k: int(meta.get(k, "0")) for k in ("entries", "files", "dirs", "symlinks", "bytes")}
    d["tools"] = [dict(zip(("key", "label", "cmd", "prep"), r)) for r in tsv(os.path.join(work, "tools.tsv"))]
    d["packages"] = [{"format": r[0], "file": r[1], "size": int(r[2]), "compression": r[3]}
                     for r in tsv(os.path.join(work, "packages.tsv"))]
    vp = os.path.join(work, "versions.txt")
    d["versions"] = [l.strip() for l in open(vp) if l.strip()] if os.path.exists(vp) else []
    d["runs"] = [{"tool": r[0], "round": int(r[1]), "wall": float(r[2]), "rss_kib": int(r[3]),
                  "user": float(r[4]), "sys": float(r[5])}
                 for r in tsv(os.path.join(work, "runs.tsv"))]
    d["round_load"] = {int(r[0]): (r[1], r[2]) for r in tsv(os.path.join(work, "rounds.tsv"))
                       if len(r) >= 3}
    sdir = os.path.join(work, "strace")
    if os.path.isdir(sdir):
        sc = {}
        for f in sorted(os.listdir(sdir)):
            if f.endswith(".txt"):
                rows, total = strace_table(os.path.join(sdir, f))
                if rows:
                    sc[f[:-4]] = {"rows": rows, "total": total}
        d["syscalls"] = sc
    pp = os.path.join(work, "phases.json")
    if os.path.exists(pp):
        d["phases"] = json.load(open(pp))
    if os.path.exists(os.path.join(work, "perf-self.txt")):
        d["perf"] = {"cmd": meta.get("perf_cmd", "perf record"),
                     "top": perf_rows(os.path.join(work, "perf-self.txt"), 15),
                     "dso": [(p, w) for p, w in perf_rows(os.path.join(work, "perf-dso.txt"), 8)],
                     "children": perf_children(os.path.join(work, "perf-children.txt"))}
    d["perf_note"] = meta.get("perf_note")
    rp = os.path.join(work, "rss-map.json")
    if os.path.exists(rp):
        d["rss_map"] = json.load(open(rp))
    d["verify_tools"] = [dict(zip(("key", "cmd", "note"), r)) for r in tsv(os.path.join(work, "verify-tools.tsv"))]
    d["verify_runs"] = [{"tool": r[0], "round": int(r[1]), "wall": float(r[2]), "rss_kib": int(r[3]),
                         "user": float(r[4]), "sys": float(r[5])}
                        for r in tsv(os.path.join(work, "verify.tsv"))]
    return d


def verify_stats(d):
    """Medians of `pakfire verify` and sha256sum over the same files, and
    verify's throughput as a share of sha256sum's (same bytes, so the ratio
    of the median times, and the median of the per-round ratios)."""
    runs = d.get("verify_runs") or []
    by = {}
    for r in runs:
        by.setdefault(r["tool"], []).append(r)
    if "pakfire" not in by or "sha256sum" not in by:
        return None
    st = {k: {"median": quantile([r["wall"] for r in v], 0.5),
              "min": min(r["wall"] for r in v), "max": max(r["wall"] for r in v),
              "user": quantile([r["user"] for r in v], 0.5),
              "sys": quantile([r["sys"] for r in v], 0.5),
              "rss": max(r["rss_kib"] for r in v), "n": len(v)} for k, v in by.items()}
    sha = {r["round"]: r["wall"] for r in by["sha256sum"]}
    per = [sha[r["round"]] / r["wall"] for r in by["pakfire"] if r["round"] in sha and r["wall"] > 0]
    return {"stats": st, "share": st["sha256sum"]["median"] / st["pakfire"]["median"],
            "share_rounds": quantile(per, 0.5) if per else None,
            "rounds": sorted({r["round"] for r in runs}), "by": by}


def report(work, results_path):
    d = load(work)
    tools = d["tools"]                     # [{key, label, cmd}]
    runs = d["runs"]                       # [{tool, round, wall, rss_kib, user, sys}]
    by = {t["key"]: [r for r in runs if r["tool"] == t["key"]] for t in tools}
    stats = {}
    for t in tools:
        w = [r["wall"] for r in by[t["key"]]]
        if not w:
            continue
        stats[t["key"]] = {
            "median": quantile(w, 0.5), "min": min(w), "max": max(w),
            "q1": quantile(w, 0.25), "q3": quantile(w, 0.75),
            "rss": max(r["rss_kib"] for r in by[t["key"]]),
            "user": quantile([r["user"] for r in by[t["key"]]], 0.5),
            "sys": quantile([r["sys"] for r in by[t["key"]]], 0.5),
            "n": len(w),
        }
    base = stats.get("tar", {}).get("median")
    # the ratio to tar+sync within each round (same moment, same load), median
    tar_by_round = {r["round"]: r["wall"] for r in by.get("tar", [])}
    for k, st in stats.items():
        rs = [r["wall"] / tar_by_round[r["round"]] for r in by[k] if tar_by_round.get(r["round"])]
        st["ratio_rounds"] = quantile(rs, 0.5) if rs else None
    L = []
    L.append(BEGIN)
    L.append("")
    L.append("### Last run")
    L.append("")
    m = collections.defaultdict(lambda: "?", d["machine"])
    L.append("- Machine: %s, %s CPUs (`nproc`), %s GiB of memory, kernel %s, %s." % (
        m["cpu"], m["nproc"], m["mem_gib"], m["kernel"], m["os"]))
    L.append("- Work folder: `%s` on %s%s (`%s`, %s), the same file system for every tool." % (
        m["work"], m["fstype"], " " + m["fsjournal"] if m.get("fsjournal") else "",
        m["fssource"], m["fsopts"]))
    if m.get("roots_note"):
        L.append("- " + m["roots_note"])
    L.append("- When: %s; load average before the rounds %s, after %s%s." % (
        d["when"], m["load_before"], m["load_after"],
        " (other jobs were running on the machine)" if busy(m["load_before"]) else ""))
    L.append("- Reproduce: `%s`" % d["reproduce"])
    L.append("- Payload: %s entries (%s files, %s directories, %s symlinks), %.1f MB; "
             "scale %s; %d timed rounds in turns (%s), after one untimed round that warms the "
             "caches and checks that every tool installs the same tree." % (
                 d["payload"]["entries"], d["payload"]["files"], d["payload"]["dirs"],
                 d["payload"]["symlinks"], d["payload"]["bytes"] / 1e6, d["scale"],
                 d["rounds"], " ".join(t["key"] for t in tools)))
    L.append("- Versions: %s." % "; ".join(d["versions"]))
    L.append("")
    L.append("Packages (same files, same modes, owner 0:0):")
    L.append("")
    L.append("| format | file | size | compression |")
    L.append("|---|---|---:|---|")
    for p in d["packages"]:
        L.append("| %s | `%s` | %.1f MB | %s |" % (p["format"], p["file"], p["size"] / 1e6, p["compression"]))
    L.append("")
    L.append("Commands (R: a fresh root made before the clock starts; PKG: the package):")
    L.append("")
    for t in tools:
        L.append("- **%s**: `%s`" % (t["label"], t["cmd"]))
        if t.get("prep"):
            L.append("  - prepared (not timed): %s" % t["prep"])
    L.append("")
    L.append("| tool | median | spread (min-max) | IQR | x tar+sync | x tar+sync, per round | user | sys | peak RSS |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in tools:
        s = stats.get(t["key"])
        if not s:
            L.append("| %s | failed | | | | | | | |" % t["label"])
            continue
        ratio = "%.2f" % (s["median"] / base) if base else "-"
        rr = "%.2f" % s["ratio_rounds"] if s.get("ratio_rounds") else "-"
        L.append("| %s | %s | %.2f-%.2f s | %.2f-%.2f s | %s | %s | %.2f s | %.2f s | %.1f MiB |" % (
            t["label"], fmt_s(s["median"]), s["min"], s["max"], s["q1"], s["q3"], ratio, rr,
            s["user"], s["sys"], s["rss"] / 1024.0))
    L.append("")
    L.append("(median of %d rounds; x tar+sync: the ratio of the medians, and the median of "
             "the ratios within each round, which the load of other jobs moves less; "
             "user and sys: median CPU seconds of the command and its "
             "children; peak RSS: the largest \"Maximum resident set size\" of GNU time over the "
             "rounds, for the command and its children.)" % d["rounds"])
    L.append("")
    # targets
    pk = stats.get("pakfire")
    L.append("Targets (reported, not asserted):")
    L.append("")
    checks = []
    if pk and base:
        r = pk["median"] / base
        rr = pk.get("ratio_rounds")
        checks.append(("pakfire at most 1.25 x tar+sync", r <= 1.25,
                       "%.2f x (median per round %s)" % (r, "%.2f x" % rr if rr else "-")))
    for other in ("pacman", "dpkg"):
        if pk and other in stats:
            o = stats[other]["median"]
            checks.append(("pakfire faster than %s" % other, pk["median"] < o,
                           "%.2f s vs %.2f s" % (pk["median"], o)))
    if pk:
        checks.append(("pakfire peak RSS under 16 MiB", pk["rss"] < 16 * 1024,
                       "%.1f MiB" % (pk["rss"] / 1024.0)))
    vs = verify_stats(d)
    if vs:
        checks.append(("pakfire verify at least 80% of sha256sum's throughput", vs["share"] >= 0.8,
                       "%.0f%% (median per round %s)" % (
                           100 * vs["share"],
                           "%.0f%%" % (100 * vs["share_rounds"]) if vs["share_rounds"] else "-")))
    L.append("| target | result | measured |")
    L.append("|---|---|---|")
    for name, ok, what in checks:
        L.append("| %s | %s | %s |" % (name, "PASS" if ok else "FAIL", what))
    L.append("")
    if vs:
        vm = d["machine"]
        nbytes = int(vm.get("verify_bytes", "0") or 0)
        L.append("Verify throughput: `pakfire --root R verify` of a root where pakfire installed "
                 "core %s (%s paths in its database, %s of them regular files, %.1f MB), and "
                 "sha256sum over exactly those files, in turns, %d timed rounds after an untimed "
                 "one that warms the page cache:" % (
                     vm.get("verify_core", "?"), vm.get("verify_paths", "?"), vm.get("verify_files", "?"),
                     nbytes / 1e6, len(vs["rounds"])))
        L.append("")
        for t in d.get("verify_tools", []):
            L.append("- **%s**: `%s`%s" % (t["key"], t["cmd"], " (%s)" % t["note"] if t.get("note") else ""))
        L.append("")
        L.append("| tool | median | spread (min-max) | throughput | user | sys | peak RSS |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for key in ("pakfire", "sha256sum"):
            s = vs["stats"][key]
            L.append("| %s | %.3f s | %.3f-%.3f s | %s | %.2f s | %.2f s | %.1f MiB |" % (
                "pakfire verify" if key == "pakfire" else key, s["median"], s["min"], s["max"],
                "%.0f MB/s" % (nbytes / s["median"] / 1e6) if nbytes and s["median"] else "-",
                s["user"], s["sys"], s["rss"] / 1024.0))
        L.append("")
        L.append("pakfire verify's throughput is %.0f%% of sha256sum's (the ratio of the medians; "
                 "median of the per-round ratios %s): %s against the target of 80%%. Every round "
                 "(seconds): %s." % (
                     100 * vs["share"],
                     "%.0f%%" % (100 * vs["share_rounds"]) if vs["share_rounds"] else "-",
                     "PASS" if vs["share"] >= 0.8 else "FAIL",
                     "; ".join("%s %s" % ("pakfire verify" if k == "pakfire" else k,
                                          " ".join("%.3f" % r["wall"] for r in sorted(
                                              vs["by"][k], key=lambda r: r["round"])))
                               for k in ("pakfire", "sha256sum"))))
        L.append("")
    L.append("Every round (seconds, wall clock):")
    L.append("")
    rounds = sorted({r["round"] for r in runs})
    L.append("| tool | " + " | ".join("%d" % i for i in rounds) + " |")
    L.append("|---|" + "---:|" * len(rounds))
    for t in tools:
        cells = []
        for i in rounds:
            x = [r["wall"] for r in by[t["key"]] if r["round"] == i]
            cells.append("%.2f" % x[0] if x else "-")
        L.append("| %s | %s |" % (t["label"], " | ".join(cells)))
    rl = d.get("round_load", {})
    if rl:
        L.append("| *load average (1 min) at the start* | %s |" % " | ".join(
            rl.get(i, ("-", "-"))[0] for i in rounds))
        L.append("| *CPU pressure (some avg10, %%)* | %s |" % " | ".join(
            rl.get(i, ("-", "-"))[1] for i in rounds))
    L.append("")
    # syscalls
    sc = d.get("syscalls")
    if sc:
        L.append("System calls of one run of each (`strace -f -c -w`: counts; for pakfire, "
                 "a single process, also the wall-clock seconds inside the calls. The other "
                 "tools run a decompressor in a second process, so their seconds would count "
                 "waiting on a pipe. strace slows every call down: these runs are slower than "
                 "the rounds):")
        L.append("")
        names = [n for n in WATCH if any(n in v["rows"] for v in sc.values())]
        keys = [t["key"] for t in tools if t["key"] in sc]
        L.append("| syscall | " + " | ".join(keys) + " |")
        L.append("|---|" + "---:|" * len(keys))
        for n in names:
            cells = []
            for k in keys:
                r = sc[k]["rows"].get(n)
                if not r:
                    cells.append("")
                elif k == "pakfire":
                    cells.append("%d (%.3f s)" % (r[1], r[0]))
                else:
                    cells.append("%d" % r[1])
            L.append("| %s | %s |" % (n, " | ".join(cells)))
        cells = []
        for k in keys:
            tot = sc[k]["total"]
            if not tot:
                cells.append("")
            elif k == "pakfire":
                cells.append("%d (%.3f s)" % (tot[1], tot[0]))
            else:
                cells.append("%d" % tot[1])
        L.append("| all | %s |" % " | ".join(cells))
        L.append("")
    ph = d.get("phases")
    if ph and ph.get("phases"):
        L.append("pakfire's phases (median of %d runs; from syscall tracepoints recorded by "
                 "`perf record -e syscalls:...`, which does not slow the process down as strace "
                 "does; the runs are untimed ones after the rounds):" % ph["runs"])
        L.append("")
        L.append("| phase | median | min-max | share |")
        L.append("|---|---:|---:|---:|")
        tot = ph.get("total", [0])[0] or 1
        for label, med, lo, hi in ph["phases"]:
            L.append("| %s | %.3f s | %.3f-%.3f s | %.0f%% |" % (label, med, lo, hi, 100 * med / tot))
        if ph.get("total"):
            L.append("| **total** (exec to exit) | %.3f s | %.3f-%.3f s | |" % tuple(ph["total"]))
        L.append("")
        L.append("%d files staged, %d renames; %d fdatasync/fsync calls (SQLite commits) "
                 "took %.3f s in all." % (ph.get("staged", 0), ph.get("renames", 0),
                                          ph["fdatasync"][0], ph["fdatasync"][1]))
        L.append("")
    pf = d.get("perf")
    if pf:
        L.append("Where pakfire's CPU time goes (`%s`, self time, top entries):" % pf["cmd"])
        L.append("")
        L.append("| self | command, object, symbol |")
        L.append("|---:|---|")
        for pct, what in pf["top"]:
            L.append("| %.1f%% | `%s` |" % (pct, what.replace("|", "\\|")))
        L.append("")
        if pf.get("dso"):
            L.append("By object: " + ", ".join("%s %.1f%%" % (w, p) for p, w in pf["dso"]) + ".")
            L.append("")
        if pf.get("children"):
            L.append("The same samples by function, with what runs below it (`perf report "
                     "--children`; \"(inlined)\": a static function of pakfire's; kernel "
                     "functions: the file system work that the calls cause):")
            L.append("")
            L.append("| with callees | self | where | function |")
            L.append("|---:|---:|---|---|")
            for ch, se, kind, sym in pf["children"]:
                L.append("| %.1f%% | %.1f%% | %s | `%s` |" % (ch, se, kind, sym))
            L.append("")
    elif d.get("perf_note"):
        L.append("Profile: %s" % d["perf_note"])
        L.append("")
    rm = d.get("rss_map")
    if rm:
        L.append("What pakfire's peak resident memory is made of (one run, `/proc/PID/smaps` "
                 "sampled every 5 ms; the sample with the most): %.1f MiB in all, %.1f MiB of it "
                 "pages of the program and its %s shared libraries; the largest parts: %s." % (
                     rm["total_kib"] / 1024.0, rm["libs_kib"] / 1024.0, rm.get("n_libs", "?"),
                     ", ".join("%s %.1f MiB" % (k, v / 1024.0) for k, v in rm["top"][:9])))
        L.append("")
    L.append(END)
    block = "\n".join(L) + "\n"

    text = open(results_path).read() if os.path.exists(results_path) else ""
    if BEGIN in text and END in text:
        a = text.index(BEGIN)
        b = text.index(END) + len(END)
        if text[b:b + 1] == "\n":
            b += 1
        text = text[:a] + block + text[b:]
    elif re.search(r"^## Apply\s*$", text, re.M):
        # a section without markers: the generated block goes at its end
        m = re.search(r"^## Apply\s*$", text, re.M)
        n = re.search(r"^## ", text[m.end():], re.M)
        at = m.end() + n.start() if n else len(text)
        text = text[:at].rstrip("\n") + "\n\n" + block + ("\n" + text[at:] if n else "")
    else:
        if not text:
            text = "# Benchmarks\n\n"
        text = text.rstrip("\n") + "\n\n" + INTRO + block
    tmp = results_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, results_path)
    # the verdicts, for the terminal
    for name, ok, what in checks:
        print("  %-36s %s (%s)" % (name, "PASS" if ok else "FAIL", what))


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "free-port":
        free_port()
    elif cmd == "tree":
        sys.exit(tree(*args))
    elif cmd == "strace-summary":
        strace_summary(args)
    elif cmd == "phases":
        phases(args)
    elif cmd == "perf-top":
        perf_top(*args)
    elif cmd == "rss-map":
        sys.exit(rss_map(args[0], args[1:]))
    elif cmd == "report":
        report(*args)
    else:
        sys.exit("unknown subcommand %s" % cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
