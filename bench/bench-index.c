/* Benchmark of the index check (issue 6): "verifying and parsing a signed
 * index of 5,000 stanzas takes under 50 ms".
 *
 * The index: a repository stanza, 2,000 core stanzas (a chain: core N
 * requires N - 1, some with a Series-Switch) and 3,000 add-on stanzas, with
 * summaries, sizes and hashes, written by pf_index_write (the writer
 * pakfire-repo uses, so the bytes are ones the client accepts), about
 * 2.3 MiB. Deterministic: the same bytes on every run, apart from the dates.
 *
 * The key: a real ed25519 OpenPGP key made by gpg in a short temporary
 * GNUPGHOME, exported (armored) into the keys folder of a root laid out as
 * pakfire expects (<root>/etc/pakfire/pakfire.conf, <root>/etc/pakfire/keys/
 * *.asc); the index is signed with a detached signature, as pakfire-repo
 * publishes it.
 *
 * Measured, N times (default 20), median / min / max: what 'pakfire update'
 * does with the bytes it fetched:
 *   1. pf_verify_signature (verify.c: the private GnuPG home under
 *      <root>/var/lib/pakfire/gnupg, GPGME, the pinned fingerprints);
 *   2. pf_index_parse;
 *   3. both, one after the other (the target row).
 * The first verification (the private home built from nothing) is printed
 * on its own line: it is what the first 'pakfire update' after a change of
 * the keys folder pays.
 *
 * Usage: bench-index [IGNORED (manifests)] [RUNS (20)]; the first argument
 * is there so that 'make bench' can call every benchmark alike. Exit
 * status: 0 when row 3 meets the target, 1 when it does not, 2 on an
 * error. Temporary folders are removed and the gpg-agents killed at the
 * end. Nothing of this runs in 'make check'. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/context.h"
#include "base/error.h"
#include "format/config.h"
#include "format/index.h"
#include "ops/session.h"
#include "verify/signature.h"

#include "bench.h"

#define N_CORE     2000
#define N_ADDON    3000
#define TARGET_MS  50.0
#define SIG_MAX    (64 * 1024)

/* ---- small tools ---------------------------------------------------- */

/* The temporary folder, so that die() can clean up after itself. */
struct bench {
	char tmp[64];           /* /tmp/pfbi-XXXXXX: short, for gpg-agent's socket */
	char gnupg[96];         /* the signer's home: tmp/g */
	char root[96];          /* the appliance: tmp/r */
	bool made;
};

static void cleanup(struct bench *b);

static struct bench *the_bench; /* only for die(): the program's one run */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench-index: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (the_bench)
		cleanup(the_bench);
	exit(2);
}

static void die_ctx(struct pf_ctx *ctx, const char *what)
{
	die("%s: %s", what, pf_error_message(ctx));
}

/* Run ARGV (no shell) with stdout to OUT (NULL: /dev/null) and stderr to
 * /dev/null unless it fails; true when it exits 0. */
static bool run(char *const argv[], const char *out)
{
	char log[] = "/tmp/pfbi-log-XXXXXX";
	int logfd = mkstemp(log), status;
	pid_t pid;

	if (logfd < 0)
		die("mkstemp: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (o < 0 || in < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char buf[4096];
		ssize_t n;

		fprintf(stderr, "bench-index: %s failed; its messages:\n", argv[0]);
		if (lseek(logfd, 0, SEEK_SET) == 0)
			while ((n = read(logfd, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, stderr);
	}
	close(logfd);
	unlink(log);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "we");

	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		die("writing %s: %s", path, strerror(errno));
}

static void read_file(const char *path, char **buf, size_t *len, size_t max)
{
	FILE *fp = fopen(path, "re");
	char *p = malloc(max);
	size_t n;

	if (!fp || !p)
		die("reading %s: %s", path, strerror(errno));
	n = fread(p, 1, max, fp);
	if (ferror(fp) || n == 0 || n == max)
		die("reading %s: empty, too large or unreadable", path);
	fclose(fp);
	*buf = p;
	*len = n;
}

static void xmkdir(const char *path)
{
	if (mkdir(path, 0700) < 0)
		die("mkdir %s: %s", path, strerror(errno));
}

/* Kill the agents of both homes (ours signed; pakfire's should never have
 * started one, but a leftover agent would outlive the folder), then remove
 * everything. */
static void cleanup(struct bench *b)
{
	char *priv;

	if (!b->made)
		return;
	b->made = false;
	priv = xprintf("%s/var/lib/pakfire/gnupg", b->root);
	run((char *[]){ "gpgconf", "--homedir", b->gnupg, "--kill", "all", NULL }, NULL);
	if (access(priv, F_OK) == 0)
		run((char *[]){ "gpgconf", "--homedir", priv, "--kill", "all", NULL }, NULL);
	free(priv);
	rm_tree(b->tmp);
}

/* ---- the index ------------------------------------------------------ */

static void fill_hash(uint8_t h[32])
{
	for (size_t i = 0; i < 32; i += 8) {
		uint64_t x = rnd();

		memcpy(h + i, &x, 8);
	}
}

static void make_index(struct pf_ctx *ctx, char **buf, size_t *len)
{
	static const char *const words[] = {
		"security", "fixes", "for", "openssl", "kernel", "firmware", "update", "the",
		"web", "interface", "IPsec", "WireGuard", "DNS", "proxy", "new", "driver",
	};
	/* Built on the heap like a parsed one, so that pf_index_free owns it. */
	struct pf_index *idx = calloc(1, sizeof(*idx));
	time_t t = time(NULL);

	if (!idx)
		die("out of memory");
	idx->format = 1;
	idx->series = xprintf("2.25");
	idx->arch = xprintf("x86_64");
	idx->revision = 1042;
	idx->date = t - 3600;
	idx->valid_until = t + 14 * 86400;
	idx->n = N_CORE + N_ADDON;
	idx->entries = calloc(idx->n, sizeof(*idx->entries));
	if (!idx->entries)
		die("out of memory");
	for (size_t i = 0; i < idx->n; i++) {
		struct pf_index_entry *e = &idx->entries[i];
		char summary[256];
		size_t w = 0;

		for (size_t k = 0, n = 4 + rnd() % 8; k < n; k++)
			w += (size_t)snprintf(summary + w, sizeof(summary) - w, "%s%s", k ? " " : "",
					      words[rnd() % (sizeof(words) / sizeof(words[0]))]);
		e->summary = xprintf("%s", summary);
		e->reboot = rnd() % 4 == 0;
		if (i < N_CORE) {
			e->type = PF_STANZA_CORE;
			e->number = 100 + (unsigned)i;
			e->requires = e->number - 1;
			if (i % 500 == 499)
				e->series_switch = xprintf("2.%u", 25 + (unsigned)(i / 500));
			e->manifest = xprintf("core/core-%u.manifest", e->number);
			e->package = xprintf("core/core-%u.pak", e->number);
		} else {
			size_t a = i - N_CORE;

			e->type = PF_STANZA_ADDON;
			e->name = xprintf("addon-%04zu", a);
			e->version = xprintf("%u.%u.%u", (unsigned)(rnd() % 10), (unsigned)(rnd() % 30),
					     (unsigned)(rnd() % 100));
			e->release = xprintf("%u", (unsigned)(1 + rnd() % 20));
			if (a % 3 == 0)
				e->depends = xprintf("addon-%04zu, addon-%04zu", (a + 1) % N_ADDON,
						     (a + 7) % N_ADDON);
			e->manifest = xprintf("addons/%s-%s-%s.manifest", e->name, e->version, e->release);
			e->package = xprintf("addons/%s-%s-%s.pak", e->name, e->version, e->release);
		}
		e->manifest_size = 200 + rnd() % (2 << 20);
		e->package_size = 4096 + rnd() % (512 << 20);
		fill_hash(e->manifest_sha256);
		fill_hash(e->package_sha256);
	}
	if (pf_index_write(ctx, idx, buf, len) < 0)
		die_ctx(ctx, "pf_index_write");
	pf_index_free(idx);
}

/* ---- the key and the root ------------------------------------------- */

static void make_key_and_sign(struct bench *b, const char *index_path)
{
	char *keys = xprintf("%s/etc/pakfire/keys", b->root);
	char *asc = xprintf("%s/bench.asc", keys);
	char *sig = xprintf("%s.sig", index_path);

	if (!run((char *[]){ "gpg", "--homedir", b->gnupg, "--batch", "--passphrase", "",
			     "--quick-gen-key", "Bench Signer <bench@pakfire.test>", "ed25519",
			     "sign", "never", NULL }, NULL))
		die("gpg could not make a key (is gnupg installed?)");
	if (!run((char *[]){ "gpg", "--homedir", b->gnupg, "--batch", "--armor", "--export",
			     "bench@pakfire.test", NULL }, asc))
		die("gpg could not export the key");
	if (!run((char *[]){ "gpg", "--homedir", b->gnupg, "--batch", "--yes",
			     "--pinentry-mode", "loopback", "--passphrase", "",
			     "--local-user", "bench@pakfire.test", "--output", sig,
			     "--detach-sign", (char *)index_path, NULL }, NULL))
		die("gpg could not sign the index");
	free(keys);
	free(asc);
	free(sig);
}

static void make_root(struct bench *b)
{
	static const char *const dirs[] = { "", "/etc", "/etc/pakfire", "/etc/pakfire/keys" };
	char *conf;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = xprintf("%s%s", b->root, dirs[i]);

		xmkdir(p);
		free(p);
	}
	conf = xprintf("%s/etc/pakfire/pakfire.conf", b->root);
	write_file(conf, "series = 2.25\narch = x86_64\nmirror = http://127.0.0.1:9/never-contacted\n",
		   strlen("series = 2.25\narch = x86_64\nmirror = http://127.0.0.1:9/never-contacted\n"));
	free(conf);
}

/* ---- the measurements, in child processes --------------------------- */

/* GPGME learns about the installed GnuPG (gpg --version, gpgconf
 * --list-dirs, ...) once per process; a real 'pakfire update' pays that on
 * every run. So every measurement runs in a child forked before this
 * process ever touched GPGME: MODE 'fresh' verifies and parses once (what
 * one 'pakfire update' does), MODE 'warm' does it RUNS times in one process
 * (GPGME's start-up paid once, outside the figures). The child writes its
 * figures (doubles) to a pipe. */
enum mode { FIRST, FRESH, WARM };

struct sample {
	double verify, parse, both;
};

static void child(struct bench *b, enum mode mode, const char *body, size_t len,
		  const char *sig, size_t sig_len, size_t reps, int out, char signer[PF_FPR_MAX])
{
	struct pf_ctx *ctx = pf_ctx_new();
	struct pf_session *session = NULL;

	if (!ctx || pf_ctx_set_root(ctx, b->root) < 0 ||
	    pf_session_open(ctx, NULL, PF_NEED_CONFIG, &session) < 0)
		_exit(2);
	if (mode == WARM && pf_verify_signature(ctx, session->config->keys, "index", body, len, sig, sig_len, signer) < 0)
		goto fail;
	for (size_t r = 0; r < (mode == WARM ? reps : 1); r++) {
		struct pf_index *idx = NULL;
		struct sample sm;
		double t0 = now_ms(), t1, t2;

		if (pf_verify_signature(ctx, session->config->keys, "index", body, len, sig, sig_len, signer) < 0)
			goto fail;
		t1 = now_ms();
		if (pf_index_parse(ctx, "index", body, len, &idx) < 0)
			goto fail;
		t2 = now_ms();
		if (idx->n != N_CORE + N_ADDON) {
			pf_fail(ctx, PF_E_OTHER, "parsed %zu stanzas, wrote %d", idx->n, N_CORE + N_ADDON);
			pf_index_free(idx);
			goto fail;
		}
		pf_index_free(idx);
		sm = (struct sample){ t1 - t0, t2 - t1, t2 - t0 };
		if (write(out, &sm, sizeof(sm)) != (ssize_t)sizeof(sm) ||
		    (r == 0 && write(out, signer, PF_FPR_MAX) != PF_FPR_MAX))
			_exit(2);
	}
	pf_session_close(session);
	pf_ctx_free(ctx);
	_exit(0);
fail:
	fprintf(stderr, "bench-index: %s\n", pf_error_message(ctx));
	_exit(2);
}

/* Run a child in MODE; its samples go to S (as many as it makes). */
static size_t measure(struct bench *b, enum mode mode, const char *body, size_t len,
		      const char *sig, size_t sig_len, size_t reps, struct sample *s,
		      char signer[PF_FPR_MAX])
{
	size_t n = 0, want = mode == WARM ? reps : 1;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		child(b, mode, body, len, sig, sig_len, reps, p[1], signer);
	}
	close(p[1]);
	for (; n < want; n++) {
		if (read(p[0], &s[n], sizeof(s[n])) != (ssize_t)sizeof(s[n]))
			break;
		if (n == 0 && read(p[0], signer, PF_FPR_MAX) != PF_FPR_MAX)
			break;
	}
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    n != want)
		die("a measuring child failed");
	return n;
}

/* ---- main ----------------------------------------------------------- */

static void column(const struct sample *s, size_t n, size_t field, double *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = field == 0 ? s[i].verify : field == 1 ? s[i].parse : s[i].both;
}

int main(int argc, char **argv)
{
	size_t reps = argc > 2 ? strtoul(argv[2], NULL, 10) : 20;
	struct bench b = { .made = false };
	struct pf_ctx *ctx = NULL;
	struct sample first, *fresh, *warm;
	double *col;
	char *body = NULL, *sig = NULL, *index_path, *sig_path, signer[PF_FPR_MAX] = "";
	size_t len = 0, sig_len = 0;
	bool ok = true;

	if (reps == 0 || reps > 10000)
		die("usage: bench-index [IGNORED] [RUNS (1-10000)]");
	fresh = calloc(reps, sizeof(*fresh));
	warm = calloc(reps, sizeof(*warm));
	col = calloc(reps, sizeof(*col));
	ctx = pf_ctx_new();
	if (!fresh || !warm || !col || !ctx)
		die("out of memory");

	snprintf(b.tmp, sizeof(b.tmp), "/tmp/pfbi-XXXXXX");
	if (!mkdtemp(b.tmp))
		die("mkdtemp: %s", strerror(errno));
	b.made = true;
	the_bench = &b;
	snprintf(b.gnupg, sizeof(b.gnupg), "%s/g", b.tmp);
	snprintf(b.root, sizeof(b.root), "%s/r", b.tmp);
	xmkdir(b.gnupg);
	make_root(&b);

	make_index(ctx, &body, &len);
	pf_ctx_free(ctx);
	index_path = xprintf("%s/index", b.tmp);
	sig_path = xprintf("%s/index.sig", b.tmp);
	write_file(index_path, body, len);
	make_key_and_sign(&b, index_path);
	read_file(sig_path, &sig, &sig_len, SIG_MAX);

	/* The first run builds the private home from the keys folder. */
	measure(&b, FIRST, body, len, sig, sig_len, 1, &first, signer);
	for (size_t r = 0; r < reps; r++)
		measure(&b, FRESH, body, len, sig, sig_len, 1, &fresh[r], signer);
	measure(&b, WARM, body, len, sig, sig_len, reps, warm, signer);
	cleanup(&b);
	the_bench = NULL;

	printf("Index: %d stanzas (1 repository, %d core, %d add-on), %zu KiB, "
	       "detached ed25519 signature by a key from the keys folder; %zu runs each\n",
	       1 + N_CORE + N_ADDON, N_CORE, N_ADDON, len / 1024, reps);
	printf("  signer %s\n", signer);
	printf("  first run (private GnuPG home built from the keys folder): verify %.2f ms,"
	       " verify + parse %.2f ms\n", first.verify, first.both);
	printf("  target: verify + parse < %.0f ms (median), as one 'pakfire update' process runs them\n\n",
	       TARGET_MS);
	bench_table_head();
	column(fresh, reps, 0, col);
	ok &= bench_row("verify (pf_verify_signature), new process", col, reps, TARGET_MS, false);
	column(fresh, reps, 1, col);
	ok &= bench_row("parse (pf_index_parse), new process", col, reps, TARGET_MS, false);
	column(fresh, reps, 2, col);
	ok &= bench_row("verify + parse, new process (pakfire update)", col, reps, TARGET_MS, true);
	column(warm, reps, 0, col);
	ok &= bench_row("warm: verify (GPGME started before)", col, reps, TARGET_MS, false);
	column(warm, reps, 1, col);
	ok &= bench_row("warm: parse", col, reps, TARGET_MS, false);
	column(warm, reps, 2, col);
	ok &= bench_row("warm: verify + parse", col, reps, TARGET_MS, false);
	printf("\n%s\n", ok ? "PASS" : "FAIL");

	free(index_path);
	free(sig_path);
	free(body);
	free(sig);
	free(fresh);
	free(warm);
	free(col);
	return ok ? 0 : 1;
}
