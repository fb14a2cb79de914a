/* Benchmark of the space plan (issue 4): "planning a 50-update chain over a
 * 10,000-file system takes under 50 ms".
 *
 * The system: the paths of manifests/core-*.filelist (real IPFire file
 * lists, about 4,000 files) repeated under two chroot-like prefixes until
 * there are 10,000 files, with deterministic sizes by kind (kernels and
 * initramfs, libraries, programs, small configuration files).
 *
 * The chain: 50 updates of 200-400 entries each: replacements of system
 * files (and now and then of a file an earlier update of the chain
 * installed), new files in existing folders, one to three new folders with
 * files in them, symlinks (some with targets of 60 bytes or more), removals
 * of system files, one hook. Entries are in path order, as pakfire-repo
 * writes them from a sorted file list. Two chains are built: "clustered"
 * (runs of neighbouring files, as packages are laid out; the target is
 * judged on it) and "scattered" (every entry in another folder: the worst
 * case for the real probe, which keeps only the last folder open).
 *
 * Measured for each chain, N times (default 20), median / min / max:
 *   1. pf_manifest_parse of the 50 manifests from their written text;
 *   2. pf_plan_chain + pf_plan_free, with a probe answering from hash
 *      tables (the planner's own cost) on a synthetic mount table
 *      (/, /boot, /var);
 *   3. pf_space_plan + pf_plan_free (what 'pakfire upgrade' runs: the real
 *      root probe: the files table in one query, folders resolved on the
 *      disk (openat2, then an lstat per folder below), an lstat per path
 *      the database does not own, statvfs, and the database and an lstat
 *      for each 'remove') on a real tree of the same 10,000 files (sparse)
 *      made in a temporary folder ($TMPDIR or /tmp), with a pakfire.conf and
 *      a database whose files table records every system file and folder
 *      as owned by core 138 (written by pf_db_commit_update, as pakfire
 *      records an applied update): the probe takes the type and size of
 *      an owned path from there and lstats only the others. The tree was
 *      just written: the dentry cache is warm.
 *
 * Usage: bench-plan [FILELIST-DIR (manifests)] [RUNS (20)]. Exit status: 0
 * when 2 and 3 meet the target on the clustered chain, 1 when one does not,
 * 2 on an error. Nothing of this runs in 'make check'. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "format/config.h"
#include "ops/session.h"
#include "state/history.h"
#include "state/units.h"
#include "base/error.h"
#include "format/manifest.h"
#include "plan/mounts.h"
#include "base/path.h"
#include "plan/plan.h"
#include "plan/space.h"

#include "bench.h"

#define N_FILES    10000
#define N_UPDATES  50
#define TARGET_MS  50.0
#define FIRST_CORE 139

static const char *const prefixes[] = { "", "srv/chroot-a/", "srv/chroot-b/" };

/* ---- small tools ---------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench-plan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void die_ctx(struct pf_ctx *ctx, const char *what)
{
	fprintf(stderr, "bench-plan: %s: %s\n", what, pf_error_message(ctx));
	exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

/* Log-uniform between LO and HI: file sizes spread over magnitudes. */
static uint64_t size_between(uint64_t lo, uint64_t hi)
{
	double u = (double)(rnd() >> 11) / (double)(1ull << 53);

	return (uint64_t)((double)lo * pow((double)hi / (double)lo, u));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- a string hash map (open addressing, FNV-1a) --------------------- */

struct map {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

static void map_init(struct map *m, size_t expect)
{
	m->cap = 1;
	while (m->cap < 2 * expect)
		m->cap <<= 1;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->n = 0;
}

static size_t *map_find(const struct map *m, const char *key)
{
	for (size_t i = fnv(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return NULL;
		if (!strcmp(m->keys[i], key))
			return &m->vals[i];
	}
}

/* KEY is borrowed: it must outlive the map. */
static bool map_put(struct map *m, char *key, size_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap)
		die("map full"); /* sized up front */
	for (i = fnv(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key))
			return false;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return true;
}

static void map_free(struct map *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- the system ----------------------------------------------------- */

struct node {
	char *path;
	bool is_dir;
	uint64_t size;
};

struct sys {
	struct node *nodes;      /* files first (N_FILES), then folders */
	size_t n, cap, n_files;
	struct map by_path;      /* path -> index into nodes */
};

static void sys_add(struct sys *s, char *path, bool is_dir, uint64_t size)
{
	if (s->n == s->cap)
		die("system: too many nodes"); /* sized up front */
	if (!map_put(&s->by_path, path, s->n)) {
		free(path);
		return;
	}
	s->nodes[s->n++] = (struct node){ path, is_dir, size };
}

/* Sizes by kind, roughly as on an IPFire system. */
static uint64_t size_for(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strstr(path, "boot/initramfs"))
		return 30 * 1024 * 1024 + below(4 * 1024 * 1024);
	if (strstr(path, "boot/vmlinuz"))
		return 12 * 1024 * 1024 + below(1024 * 1024);
	if (strstr(path, "boot/System.map"))
		return 5 * 1024 * 1024 + below(512 * 1024);
	if (strstr(base, ".so") || strstr(path, "/lib/modules/"))
		return size_between(16 * 1024, 3 * 1024 * 1024);
	if (strstr(path, "bin/"))
		return size_between(8 * 1024, 1024 * 1024);
	return size_between(100, 64 * 1024);
}

static char **read_filelists(const char *dir, size_t *n_out)
{
	static const char *const names[] = {
		"core-138.filelist", "core-139.filelist", "core-140.filelist", "core-141.filelist",
	};
	char **lines = NULL;
	size_t n = 0, cap = 0, k = 0;

	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		char *file = xprintf("%s/%s", dir, names[f]), *line = NULL;
		size_t lcap = 0;
		ssize_t len;
		FILE *fp = fopen(file, "re");

		if (!fp) {
			fprintf(stderr, "bench-plan: %s: %s\n", file, strerror(errno));
			exit(2);
		}
		while ((len = getline(&line, &lcap, fp)) >= 0) {
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			if (!len)
				continue;
			if (n == cap) {
				char **p;

				cap = cap ? 2 * cap : 4096;
				p = realloc(lines, cap * sizeof(*p));
				if (!p)
					die("out of memory");
				lines = p;
			}
			lines[n++] = xstrdup(line);
		}
		if (ferror(fp))
			die("reading a file list");
		free(line);
		if (fclose(fp) != 0)
			die("closing a file list");
		free(file);
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(lines[k - 1], lines[i])) {
			free(lines[i]);
			continue;
		}
		lines[k++] = lines[i];
	}
	*n_out = k;
	return lines;
}

/* Every folder above PATH, added to the system. */
static void add_ancestors(struct sys *s, const char *path)
{
	for (const char *c = strchr(path, '/'); c; c = strchr(c + 1, '/'))
		sys_add(s, xprintf("%.*s", (int)(c - path), path), true, 0);
}

static void build_system(struct sys *s, const char *filelists)
{
	size_t n_lines;
	char **lines = read_filelists(filelists, &n_lines);
	struct map parents;

	/* A listed path that is the folder of another listed path is a folder. */
	map_init(&parents, 2 * n_lines);
	for (size_t i = 0; i < n_lines; i++)
		for (char *c = strchr(lines[i], '/'); c; c = strchr(c + 1, '/')) {
			char *p = xprintf("%.*s", (int)(c - lines[i]), lines[i]);

			if (!map_put(&parents, p, 0))
				free(p);
		}
	s->cap = 4 * N_FILES;
	s->nodes = xcalloc(s->cap, sizeof(*s->nodes));
	map_init(&s->by_path, s->cap);
	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]) && s->n_files < N_FILES; p++)
		for (size_t i = 0; i < n_lines && s->n_files < N_FILES; i++) {
			if (map_find(&parents, lines[i]))
				continue;
			sys_add(s, xprintf("%s%s", prefixes[p], lines[i]), false, 0);
			s->n_files = s->n;
		}
	if (s->n_files < N_FILES)
		die("the file lists give too few files");
	for (size_t i = 0; i < s->n_files; i++)
		s->nodes[i].size = size_for(s->nodes[i].path);
	for (size_t i = 0; i < s->n_files; i++)
		add_ancestors(s, s->nodes[i].path);
	for (size_t i = 0; i < parents.cap; i++)
		free(parents.keys[i]);
	map_free(&parents);
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i]);
	free(lines);
}

static void free_system(struct sys *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->nodes[i].path);
	free(s->nodes);
	map_free(&s->by_path);
}

/* ---- the chain ------------------------------------------------------ */

struct chain {
	struct pf_manifest *built[N_UPDATES];   /* as pakfire-repo builds them */
	char *text[N_UPDATES];                  /* as published */
	size_t len[N_UPDATES];
	struct pf_manifest *parsed[N_UPDATES];  /* as the client reads them */
	size_t n_entries, n_replace, n_new, n_dirs, n_links, n_remove;
	size_t text_bytes;
	double per_folder;      /* entries per change of folder, in file order */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct pf_entry *x = a, *y = b;

	/* Hooks last, as pakfire-repo lists them. */
	if ((x->type == PF_ENTRY_HOOK) != (y->type == PF_ENTRY_HOOK))
		return x->type == PF_ENTRY_HOOK ? 1 : -1;
	return strcmp(x->path, y->path);
}

struct draft {
	struct pf_entry e[512];
	size_t n;
};

static void draft_add(struct draft *d, struct pf_entry e)
{
	if (d->n == sizeof(d->e) / sizeof(d->e[0]))
		die("draft full");
	d->e[d->n++] = e;
}

/* How often the folder changes from one entry to the next: what the real
 * probe pays for (it keeps the last folder open). */
static size_t folder_changes(const struct pf_manifest *m)
{
	size_t n = 0;
	const char *last = NULL;
	size_t last_len = 0;

	for (size_t i = 0; i < m->n; i++) {
		const char *p = m->entries[i].path, *slash;
		size_t len;

		if (m->entries[i].type == PF_ENTRY_HOOK)
			continue;
		slash = strrchr(p, '/');
		len = slash ? (size_t)(slash - p) : 0;
		if (!last || len != last_len || strncmp(p, last, len)) {
			n++;
			last = p;
			last_len = len;
		}
	}
	return n;
}

static void build_chain(struct pf_ctx *ctx, const struct sys *s, struct chain *c, bool clustered)
{
	/* Which update last took a system file, so that no path is listed
	 * twice in one manifest. */
	unsigned *taken = xcalloc(s->n_files, sizeof(*taken));
	char **chain_new = xcalloc(N_UPDATES * 64, sizeof(*chain_new));
	size_t n_chain_new = 0, n_dirs_sys = s->n - s->n_files, changes = 0;
	char long_target[96];

	memset(long_target, 'x', sizeof(long_target) - 1);
	long_target[sizeof(long_target) - 1] = '\0';
	for (unsigned u = 0; u < N_UPDATES; u++) {
		struct draft d = { .n = 0 };
		unsigned number = FIRST_CORE + u;
		size_t want = 200 + below(201), start_new = n_chain_new;
		size_t folders = 1 + below(3);

		/* New folders, each with files in it (a new package). */
		for (size_t f = 0; f < folders; f++) {
			const char *base = below(2) ? "usr/lib" : "usr/share";
			char *dir = xprintf("%s/pkg-%u-%zu", base, number, f);
			size_t files = 5 + below(11);

			draft_add(&d, (struct pf_entry){ .type = PF_ENTRY_DIR, .path = dir, .mode = 0755 });
			c->n_dirs++;
			for (size_t k = 0; k < files; k++) {
				char *p = xprintf("%s/%s-%zu", dir, below(3) ? "module" : "data", k);

				draft_add(&d, (struct pf_entry){ .type = PF_ENTRY_FILE, .path = p,
								 .mode = 0644,
								 .size = size_between(200, 512 * 1024) });
				c->n_new++;
				if (n_chain_new < N_UPDATES * 64)
					chain_new[n_chain_new++] = p;
			}
		}
		while (d.n < want) {
			uint64_t kind = below(100);
			/* Clustered: a package's files lie together, so a run of
			 * neighbours in the (sorted) system list: about 6 entries
			 * per change of folder (the real core-139 and core-141
			 * have 9-10, which is kinder to the real probe).
			 * Scattered: nearly every entry in another folder, the
			 * worst case for the real probe, which keeps one open. */
			size_t run = clustered ? 1 + below(kind < 72 ? 40 : 8) : 1;

			if (kind < 4 && start_new > 0) {
				/* Replace a file an earlier update of this chain
				 * installed: it is known by the size it will have. */
				char *p = chain_new[below(start_new)];
				bool dup = false;

				for (size_t i = 0; i < d.n && !dup; i++)
					dup = !strcmp(d.e[i].path, p);
				if (dup)
					continue;
				draft_add(&d, (struct pf_entry){ .type = PF_ENTRY_FILE,
								 .path = xstrdup(p), .mode = 0644,
								 .size = size_between(200, 512 * 1024) });
				c->n_replace++;
			} else if (kind < 72 || kind >= 93) {
				/* Replace, or remove, system files. */
				size_t first = below(s->n_files);

				for (size_t i = first; i < first + run && i < s->n_files; i++) {
					if (taken[i] == number)
						continue;
					taken[i] = number;
					if (kind < 72) {
						draft_add(&d, (struct pf_entry){
							.type = PF_ENTRY_FILE, .path = xstrdup(s->nodes[i].path),
							.mode = 0644, .size = size_for(s->nodes[i].path) });
						c->n_replace++;
					} else {
						draft_add(&d, (struct pf_entry){ .type = PF_ENTRY_REMOVE,
										 .path = xstrdup(s->nodes[i].path) });
						c->n_remove++;
					}
				}
			} else {
				/* New files, or symlinks (mostly short ones, kept in
				 * the inode), in a folder the system has. */
				const struct node *dir = &s->nodes[s->n_files + below(n_dirs_sys)];

				for (size_t k = 0; k < run; k++) {
					if (kind < 88) {
						draft_add(&d, (struct pf_entry){
							.type = PF_ENTRY_FILE, .mode = 0644,
							.path = xprintf("%s/new-%u-%zu.conf", dir->path, number, d.n),
							.size = size_between(100, 64 * 1024) });
						c->n_new++;
					} else {
						draft_add(&d, (struct pf_entry){
							.type = PF_ENTRY_SYMLINK,
							.path = xprintf("%s/link-%u-%zu", dir->path, number, d.n),
							.target = xstrdup(below(4) ? "libfoo.so.1" : long_target) });
						c->n_links++;
					}
				}
			}
		}
		draft_add(&d, (struct pf_entry){ .type = PF_ENTRY_HOOK, .phase = PF_HOOK_POST,
						 .path = xstrdup("update-bootloader") });
		qsort(d.e, d.n, sizeof(d.e[0]), cmp_entry);
		c->built[u] = pf_manifest_new();
		if (!c->built[u])
			die("out of memory");
		for (size_t i = 0; i < d.n; i++)
			if (pf_manifest_add(ctx, c->built[u], &d.e[i]) < 0)
				die_ctx(ctx, "pf_manifest_add");
		if (pf_manifest_check(ctx, "bench.manifest", c->built[u]) < 0 ||
		    pf_manifest_write(ctx, c->built[u], &c->text[u], &c->len[u]) < 0)
			die_ctx(ctx, "building a manifest");
		c->n_entries += d.n;
		c->text_bytes += c->len[u];
		changes += folder_changes(c->built[u]);
		/* The manifest copied the strings: from here on, chain_new
		 * points at the manifest's copies of this update's new files. */
		for (size_t i = start_new; i < n_chain_new; i++) {
			const struct pf_entry *e = pf_manifest_find(c->built[u], chain_new[i]);

			if (!e)
				die("a new file went missing");
			chain_new[i] = e->path;
		}
		for (size_t i = 0; i < d.n; i++) {
			free(d.e[i].path);
			free(d.e[i].target);
		}
	}
	c->per_folder = (double)c->n_entries / (double)(changes ? changes : 1);
	free(chain_new);
	free(taken);
}

static void parse_chain(struct pf_ctx *ctx, struct chain *c, struct pf_manifest **out)
{
	for (size_t u = 0; u < N_UPDATES; u++)
		if (pf_manifest_parse(ctx, "bench.manifest", c->text[u], c->len[u], &out[u]) < 0)
			die_ctx(ctx, "pf_manifest_parse");
}

static void free_manifests(struct pf_manifest **m)
{
	for (size_t u = 0; u < N_UPDATES; u++) {
		pf_manifest_free(m[u]);
		m[u] = NULL;
	}
}

/* ---- the synthetic probe -------------------------------------------- */

static const char synthetic_mounts[] =
	"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
	"30 22 8:2 / /srv/r rw,relatime - ext4 /dev/sda2 rw\n"
	"31 30 8:3 / /srv/r/boot rw,relatime - ext4 /dev/sda3 rw\n"
	"32 30 8:5 / /srv/r/var rw,relatime - ext4 /dev/sda5 rw\n";

struct fake {
	struct pf_ctx *ctx;
	const struct sys *s;
};

static int fk_resolve(void *data, const char *path, char *host, size_t size)
{
	struct fake *f = data;
	int n = snprintf(host, size, "/srv/r/%s", path);

	if (n < 0 || (size_t)n >= size)
		return pf_fail(f->ctx, PF_E_OTHER, "path too long: %s", path);
	return 0;
}

static int fk_existing(void *data, const char *path, struct pf_existing *out)
{
	struct fake *f = data;
	const size_t *i = map_find(&f->s->by_path, path);

	memset(out, 0, sizeof(*out));
	if (i) {
		const struct node *nd = &f->s->nodes[*i];

		out->exists = true;
		out->is_dir = nd->is_dir;
		out->size = nd->is_dir ? 4096 : nd->size;
		out->alloc = (out->size + 4095) / 4096 * 4096;
	}
	return 0;
}

/* Every system file was installed by an earlier update, unmodified. */
static int fk_removable(void *data, const char *path, struct pf_existing *now, bool *out)
{
	struct fake *f = data;
	const size_t *i = map_find(&f->s->by_path, path);

	if (fk_existing(data, path, now) < 0)
		return -1;

	*out = i && !f->s->nodes[*i].is_dir;
	return 0;
}

static int fk_space(void *data, const struct pf_mount *m, struct pf_space *out)
{
	(void)data;
	memset(out, 0, sizeof(*out));
	out->bsize = strcmp(m->point, "/srv/r/boot") ? 4096 : 1024;
	out->avail = !strcmp(m->point, "/srv/r/boot") ? 512ull << 20 : 16ull << 30;
	out->inodes = 1000000;
	return 0;
}

/* ---- the real tree -------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		die("writing pakfire.conf");
}

static void make_tree(const char *root, const struct sys *s)
{
	char **dirs = xcalloc(s->n - s->n_files + 8, sizeof(*dirs));
	static const char *const extra[] = {
		"etc", "etc/pakfire", "var", "var/lib", "var/lib/pakfire", "var/cache", "var/cache/pakfire",
	};
	size_t nd = 0;
	char *conf;

	/* Folders in path order: every parent before its children. */
	for (size_t i = s->n_files; i < s->n; i++)
		dirs[nd++] = s->nodes[i].path;
	qsort(dirs, nd, sizeof(*dirs), cmp_str);
	for (size_t i = 0; i < nd + sizeof(extra) / sizeof(extra[0]); i++) {
		char *p = xprintf("%s/%s", root, i < nd ? dirs[i] : extra[i - nd]);

		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "bench-plan: mkdir %s: %s\n", p, strerror(errno));
			exit(2);
		}
		free(p);
	}
	free(dirs);
	/* Files of the right size; sparse, so that 10,000 files cost little
	 * disk. The probe's work (openat2, fstatat) does not depend on it. */
	for (size_t i = 0; i < s->n_files; i++) {
		char *p = xprintf("%s/%s", root, s->nodes[i].path);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 || ftruncate(fd, (off_t)s->nodes[i].size) < 0 || close(fd) < 0) {
			fprintf(stderr, "bench-plan: %s: %s\n", p, strerror(errno));
			exit(2);
		}
		free(p);
	}
	conf = xprintf("%s/etc/pakfire/pakfire.conf", root);
	write_text(conf, "series = bench\n"
			 "arch = x86_64\n"
			 "mirror = http://127.0.0.1:9/never-contacted\n"
			 "cache = /var/cache/pakfire\n"
			 "database = /var/lib/pakfire/pakfire.db\n");
	free(conf);
}

/* Record every system file and folder as installed by core 138, the way
 * pakfire's commit point records an applied update (pf_db_commit_unit
 * with a manifest of them), so that the plan's 'remove' entries meet a
 * real owner lookup and the probe reads sizes from a real files table. */
static void own_system(struct pf_ctx *rctx, struct pf_db *db, const struct sys *s)
{
	struct pf_manifest *m = pf_manifest_new();
	int64_t tx = 0;

	if (!m)
		die("out of memory");
	for (size_t i = 0; i < s->n; i++) {
		const struct node *nd = &s->nodes[i];
		struct pf_entry e = { .type = nd->is_dir ? PF_ENTRY_DIR : PF_ENTRY_FILE,
				      .path = nd->path, .mode = nd->is_dir ? 0755 : 0644,
				      .size = nd->is_dir ? 0 : nd->size };

		if (pf_manifest_add(rctx, m, &e) < 0)
			die_ctx(rctx, "own_system: pf_manifest_add");
	}
	if (pf_db_tx_begin(db, "bench", &tx) < 0 ||
	    pf_db_commit_unit(db, tx, &(struct pf_unit_record){ .id = "core-138", .kind = "core",
				.number = 138, .series = "bench" }, m, NULL, 0) < 0)
		die_ctx(rctx, "own_system: recording the system in the database");
	pf_db_tx_end(db, tx);
	pf_manifest_free(m);
}

/* What the real probe's two kinds of system call cost on this machine, so
 * that its figures can be read: per path an fstatat; per change of folder
 * an openat2 (RESOLVE_IN_ROOT), a readlink of /proc/self/fd/N and a close. */
static void calibrate(struct pf_ctx *rctx, const struct sys *s, double *stat_us, double *visit_us)
{
	size_t nd = s->n - s->n_files, rounds = 0;
	double t0;

	t0 = now_ms();
	for (size_t i = 0; i < s->n_files; i++) {
		struct stat st;

		if (fstatat(rctx->root_fd, s->nodes[i].path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("calibration: fstatat");
	}
	*stat_us = (now_ms() - t0) * 1e3 / (double)s->n_files;
	t0 = now_ms();
	for (size_t r = 0; r < 4; r++)
		for (size_t i = s->n_files; i < s->n; i++, rounds++) {
			char link[64], host[4096];
			int fd = pf_root_open(rctx, s->nodes[i].path, O_PATH | O_DIRECTORY, 0);

			if (fd < 0)
				die_ctx(rctx, "calibration: pf_root_open");
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			if (readlink(link, host, sizeof(host)) < 0 || close(fd) < 0)
				die("calibration: readlink");
		}
	*visit_us = nd ? (now_ms() - t0) * 1e3 / (double)rounds : 0;
}

/* ---- main ----------------------------------------------------------- */

static bool check_plan(const struct pf_plan *p, const char *what)
{
	if (p->first_refused != p->n) {
		fprintf(stderr, "bench-plan: %s: update %zu refused; the chain must fit so that "
			"every update is planned\n", what, p->first_refused);
		return false;
	}
	return true;
}

struct timings {
	double *parse, *syn, *real;
};

/* Parse the chain's text REPS times, then plan it REPS times with each
 * probe. OK turns false when a plan refuses an update (less work done). */
static void measure(struct pf_ctx *ctx, struct chain *c, const struct pf_plan_env *env,
		    struct pf_ctx *rctx, struct pf_space_check *sc, size_t reps,
		    struct timings *t, bool *ok)
{
	struct pf_plan_input in[N_UPDATES];

	for (size_t r = 0; r < reps; r++) {
		double t0 = now_ms();

		parse_chain(ctx, c, c->parsed);
		t->parse[r] = now_ms() - t0;
		if (r + 1 < reps)
			free_manifests(c->parsed);
	}
	/* Four packages in five still to download, 20 MiB each. */
	for (size_t u = 0; u < N_UPDATES; u++)
		in[u] = (struct pf_plan_input){ .number = FIRST_CORE + (unsigned)u, .m = c->parsed[u],
						.package_size = u % 5 ? 20ull << 20 : 0 };
	for (size_t r = 0; r < reps; r++) {
		struct pf_plan *p = NULL;
		double t0 = now_ms();

		if (pf_plan_chain(ctx, env, in, N_UPDATES, &p) < 0)
			die_ctx(ctx, "pf_plan_chain (synthetic probe)");
		t->syn[r] = now_ms() - t0;
		*ok &= check_plan(p, "synthetic probe");
		pf_plan_free(p);
	}
	for (size_t r = 0; r < reps; r++) {
		struct pf_plan *p = NULL;
		double t0 = now_ms();

		if (pf_space_plan(rctx, sc, in, N_UPDATES, &p) < 0)
			die_ctx(rctx, "pf_space_plan (real root)");
		t->real[r] = now_ms() - t0;
		*ok &= check_plan(p, "real root probe");
		pf_plan_free(p);
	}
}

static void timings_init(struct timings *t, size_t reps)
{
	t->parse = xcalloc(reps, sizeof(double));
	t->syn = xcalloc(reps, sizeof(double));
	t->real = xcalloc(reps, sizeof(double));
}

static void timings_free(struct timings *t)
{
	free(t->parse);
	free(t->syn);
	free(t->real);
}

static void free_chain(struct chain *c)
{
	free_manifests(c->parsed);
	for (size_t u = 0; u < N_UPDATES; u++) {
		pf_manifest_free(c->built[u]);
		free(c->text[u]);
	}
}

static void print_chain(const char *name, const struct chain *c)
{
	printf("  %s chain: %zu entries (%zu replacements, %zu new files, %zu new folders, "
	       "%zu symlinks, %zu removals, %d hooks), %zu KiB of manifest text, "
	       "%.1f entries per folder change\n",
	       name, c->n_entries, c->n_replace, c->n_new, c->n_dirs, c->n_links, c->n_remove,
	       N_UPDATES, c->text_bytes / 1024, c->per_folder);
}

int main(int argc, char **argv)
{
	const char *filelists = argc > 1 ? argv[1] : "manifests";
	size_t reps = argc > 2 ? strtoul(argv[2], NULL, 10) : 20;
	struct pf_ctx *ctx = pf_ctx_new(), *rctx = pf_ctx_new();
	struct pf_session *session = NULL;
	struct pf_mount_table *mt = NULL;
	struct sys s = { 0 };
	struct chain clustered = { 0 }, scattered = { 0 };
	struct timings tc, ts;
	struct fake fk;
	struct pf_plan_probe probe;
	struct pf_plan_env env;
	struct pf_space_check sc;
	const char *tmpdir = getenv("TMPDIR");
	char *root_path;
	double stat_us, visit_us;
	bool ok = true;

	if (!ctx || !rctx)
		die("out of memory");
	if (reps == 0 || reps > 10000)
		die("usage: bench-plan [FILELIST-DIR] [REPETITIONS (1-10000)]");
	timings_init(&tc, reps);
	timings_init(&ts, reps);

	build_system(&s, filelists);
	build_chain(ctx, &s, &clustered, true);
	build_chain(ctx, &s, &scattered, false);

	/* The synthetic probe: the planner's own cost. */
	if (pf_mounts_parse(ctx, synthetic_mounts, strlen(synthetic_mounts), &mt) < 0)
		die_ctx(ctx, "pf_mounts_parse");
	fk = (struct fake){ ctx, &s };
	probe = (struct pf_plan_probe){ fk_resolve, fk_existing, fk_removable, fk_space, &fk };
	env = (struct pf_plan_env){ .mounts = mt, .probe = &probe, .root_host = "/srv/r",
				    .cache = "var/cache/pakfire" };

	/* The real root: the same files, a pakfire.conf, an owning database. */
	root_path = xprintf("%s/pakfire-bench-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(root_path)) {
		fprintf(stderr, "bench-plan: mkdtemp %s: %s\n", root_path, strerror(errno));
		exit(2);
	}
	make_tree(root_path, &s);
	if (pf_ctx_set_root(rctx, root_path) < 0 ||
	    pf_session_open(rctx, NULL, PF_NEED_CONFIG, &session) < 0 ||
	    pf_session_create_db(session) < 0)
		die_ctx(rctx, "the real root");
	own_system(rctx, session->db, &s);
	if (pf_space_open(rctx, &sc, session->db, "var/cache/pakfire", session->config->reserves,
			  session->config->n_reserves) < 0)
		die_ctx(rctx, "pf_space_open");

	calibrate(rctx, &s, &stat_us, &visit_us);
	measure(ctx, &clustered, &env, rctx, &sc, reps, &tc, &ok);
	measure(ctx, &scattered, &env, rctx, &sc, reps, &ts, &ok);

	pf_space_close(&sc);
	pf_session_close(session);
	pf_ctx_free(rctx);
	rm_tree(root_path);

	printf("Space plan: %d updates over %zu system files in %zu folders; %zu runs each\n",
	       N_UPDATES, s.n_files, s.n - s.n_files, reps);
	print_chain("clustered", &clustered);
	print_chain("scattered", &scattered);
	printf("  real tree in %s: fstatat of a system file %.1f us; openat2 + readlink + close "
	       "of a folder %.1f us\n", tmpdir && *tmpdir ? tmpdir : "/tmp", stat_us, visit_us);
	printf("  target: planning the chain takes < %.0f ms (median), clustered chain\n\n", TARGET_MS);
	bench_table_head();
	ok &= bench_row("parse 50 manifests (pf_manifest_parse)", tc.parse, reps, TARGET_MS, false);
	ok &= bench_row("plan, synthetic probe (pf_plan_chain)", tc.syn, reps, TARGET_MS, true);
	ok &= bench_row("plan, real root probe (pf_space_plan)", tc.real, reps, TARGET_MS, true);
	ok &= bench_row("scattered: parse 50 manifests", ts.parse, reps, TARGET_MS, false);
	ok &= bench_row("scattered: plan, synthetic probe", ts.syn, reps, TARGET_MS, false);
	ok &= bench_row("scattered: plan, real root probe", ts.real, reps, TARGET_MS, false);
	printf("\n%s\n", ok ? "PASS" : "FAIL");

	free_chain(&clustered);
	free_chain(&scattered);
	pf_mounts_free(mt);
	free_system(&s);
	free(root_path);
	timings_free(&tc);
	timings_free(&ts);
	pf_ctx_free(ctx);
	return ok ? 0 : 1;
}
