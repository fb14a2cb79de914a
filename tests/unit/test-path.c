/* path.c: path rules, the root fd, mkdirs, rmtree, read_file_at, quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/context.h"
#include "base/error.h"
#include "base/path.h"

struct fixture {
	struct pf_ctx *ctx;
	char base[64];    /* temporary folder holding root/ and outside/ */
	int base_fd;
	int root_fd;      /* base/root, an ordinary fd for checking results */
	int outside_fd;   /* base/outside: must never be touched */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char root[128];

	if (!f)
		return -1;
	snprintf(f->base, sizeof(f->base), "/tmp/pf-test-path.XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	f->base_fd = open(f->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->base_fd < 0 || mkdirat(f->base_fd, "root", 0755) < 0 ||
	    mkdirat(f->base_fd, "outside", 0755) < 0)
		return -1;
	f->root_fd = openat(f->base_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->outside_fd = openat(f->base_fd, "outside", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->ctx = pf_ctx_new();
	if (f->root_fd < 0 || f->outside_fd < 0 || !f->ctx)
		return -1;
	snprintf(root, sizeof(root), "%s/root", f->base);
	if (pf_ctx_set_root(f->ctx, root) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pf_ctx_free(f->ctx);
	close(f->root_fd);
	close(f->outside_fd);
	if (pf_rmtree_at(f->base_fd, "root") < 0 || pf_rmtree_at(f->base_fd, "outside") < 0)
		return -1;
	close(f->base_fd);
	if (rmdir(f->base) < 0)
		return -1;
	free(f);
	return 0;
}

static void write_file(int dirfd, const char *name, const char *content)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(close(fd), 0);
}

static bool is_dir_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static bool exists_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void assert_invalid(const char *path, size_t len, const char *why_needle)
{
	const char *why = NULL;

	if (pf_path_valid(path, len, &why))
		fail_msg("path \"%s\" accepted", path);
	assert_non_null(why);
	if (!strstr(why, why_needle))
		fail_msg("path \"%s\": reason \"%s\" does not contain \"%s\"", path, why,
			 why_needle);
}

static void test_valid(void **state)
{
	static const char *good[] = {
		"a", "usr/lib/libc.so.6", "etc/pakfire/pakfire.conf", "...", "..a", "a..",
		".hidden/x", "a/.b/c", "with space/and-dash_under+plus", "caf\xc3\xa9",
		"a/b/c/d/e/f/g/h/i/j",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!pf_path_valid(good[i], strlen(good[i]), NULL))
			fail_msg("path \"%s\" refused", good[i]);
	/* Only LEN bytes count: what follows is not part of the path. */
	assert_true(pf_path_valid("abc/..", 3, NULL));
}

static void test_invalid(void **state)
{
	(void)state;
	assert_invalid("", 0, "empty path");
	assert_invalid("/etc/passwd", 11, "absolute");
	assert_invalid("/", 1, "absolute");
	assert_invalid("usr/", 4, "trailing '/'");
	assert_invalid("a//b", 4, "empty component");
	assert_invalid(".", 1, "'.' component");
	assert_invalid("./x", 3, "'.' component");
	assert_invalid("a/./b", 5, "'.' component");
	assert_invalid("a/.", 3, "'.' component");
	assert_invalid("..", 2, "'..' component");
	assert_invalid("../etc", 6, "'..' component");
	assert_invalid("a/../../etc", 11, "'..' component");
	assert_invalid("a/..", 4, "'..' component");
	assert_invalid("a\nb", 3, "control character");
	assert_invalid("a\tb", 3, "control character");
	assert_invalid("a\x1b", 2, "control character");
	assert_invalid("a\x7f", 2, "control character");
	assert_invalid("a\rb", 3, "control character");
	assert_invalid("a\0b", 3, "control character");
}

static void test_length_limits(void **state)
{
	char *p = malloc(PATH_MAX + 2);
	(void)state;

	assert_non_null(p);
	/* A component of NAME_MAX is fine, one more is not. */
	memset(p, 'x', NAME_MAX + 1);
	assert_true(pf_path_valid(p, NAME_MAX, NULL));
	assert_invalid(p, NAME_MAX + 1, "NAME_MAX");
	/* PATH_MAX - 1 bytes (what the kernel takes) is fine, PATH_MAX is not. */
	for (size_t i = 0; i < PATH_MAX + 1; i++)
		p[i] = i % 100 == 99 ? '/' : 'y';
	p[PATH_MAX - 2] = 'z';
	assert_true(pf_path_valid(p, PATH_MAX - 1, NULL));
	assert_invalid(p, PATH_MAX, "PATH_MAX");
	free(p);
}

static void test_quote(void **state)
{
	char out[64], small[8];
	(void)state;

	assert_string_equal(pf_quote("usr/bin/x", 9, out, sizeof(out)), "usr/bin/x");
	assert_string_equal(pf_quote("a\nb\tc\\d\x7f", 8, out, sizeof(out)),
			    "a\\x0ab\\x09c\\\\d\\x7f");
	assert_string_equal(pf_quote("caf\xc3\xa9", 5, out, sizeof(out)), "caf\\xc3\\xa9");
	assert_string_equal(pf_quote("a\0b", 3, out, sizeof(out)), "a\\x00b");
	assert_string_equal(pf_quote("abcdefghij", 10, small, sizeof(small)), "abcd...");
	assert_string_equal(pf_quote("abcd", 4, small, sizeof(small)), "abcd");
	assert_string_equal(pf_quote("\n\n\n", 3, small, sizeof(small)), "\\x0a...");
	assert_string_equal(pf_quote("", 0, small, sizeof(small)), "");
}

static void test_root_open(void **state)
{
	struct fixture *f = *state;
	char buf[16] = { 0 };
	int fd;

	assert_int_equal(mkdirat(f->root_fd, "etc", 0755), 0);
	write_file(f->root_fd, "etc/issue", "inside");
	write_file(f->outside_fd, "secret", "outside");

	/* The root itself, as "" and ".". */
	fd = pf_root_open(f->ctx, "", O_PATH | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	fd = pf_root_open(f->ctx, ".", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	close(fd);

	fd = pf_root_open(f->ctx, "etc/issue", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "inside");
	close(fd);

	/* ".." and absolute symlinks stay inside the root. */
	fd = pf_root_open(f->ctx, "../outside/secret", O_RDONLY, 0);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(symlinkat("../outside", f->root_fd, "up"), 0);
	assert_int_equal(pf_root_open(f->ctx, "up/secret", O_RDONLY, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(symlinkat("/etc", f->root_fd, "abs"), 0);
	fd = pf_root_open(f->ctx, "abs/issue", O_RDONLY, 0);
	assert_true(fd >= 0); /* root/etc/issue, not the host's /etc/issue */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "inside");
	close(fd);

	/* Creating a file: the mode is used. */
	fd = pf_root_open(f->ctx, "etc/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	{
		struct stat st;
		assert_int_equal(fstatat(f->root_fd, "etc/new", &st, 0), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}

	/* Magic links are refused. */
	assert_int_equal(symlinkat("/proc/self/root/etc", f->root_fd, "magic"), 0);
	assert_int_equal(pf_root_open(f->ctx, "magic", O_RDONLY, 0), -1);
}

static void test_root_open_without_root(void **state)
{
	struct pf_ctx *ctx = pf_ctx_new();
	(void)state;

	assert_non_null(ctx);
	assert_int_equal(pf_root_open(ctx, "etc", O_RDONLY, 0), -1);
	assert_int_equal(errno, EBADF);
	pf_ctx_free(ctx);
}

static void test_mkdirs(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(pf_root_mkdirs(f->ctx, "usr/lib/x86_64"), 0);
	assert_true(is_dir_at(f->root_fd, "usr/lib/x86_64"));
	assert_int_equal(fstatat(f->root_fd, "usr/lib", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0755); /* umask 022 from main() */
	/* Again: nothing to do. The root itself: nothing to do. */
	assert_int_equal(pf_root_mkdirs(f->ctx, "usr/lib/x86_64"), 0);
	assert_int_equal(pf_root_mkdirs(f->ctx, ""), 0);
	assert_int_equal(pf_root_mkdirs(f->ctx, "usr/share"), 0);
	assert_true(is_dir_at(f->root_fd, "usr/share"));

	/* A symlink to a directory inside the root is followed (lib -> usr/lib). */
	assert_int_equal(symlinkat("usr/lib", f->root_fd, "lib"), 0);
	assert_int_equal(pf_root_mkdirs(f->ctx, "lib/firmware/intel"), 0);
	assert_true(is_dir_at(f->root_fd, "usr/lib/firmware/intel"));

	/* A symlink pointing out of the root resolves inside it. */
	assert_int_equal(symlinkat("/", f->root_fd, "slash"), 0);
	assert_int_equal(pf_root_mkdirs(f->ctx, "slash/made-inside"), 0);
	assert_true(is_dir_at(f->root_fd, "made-inside"));
	{
		char target[128];
		snprintf(target, sizeof(target), "%s/outside", f->base);
		assert_int_equal(symlinkat(target, f->root_fd, "escape"), 0);
	}
	assert_int_equal(pf_root_mkdirs(f->ctx, "escape/x"), -1);
	assert_int_equal(pf_error_class(f->ctx), PF_E_OTHER);
	assert_non_null(strstr(pf_error_message(f->ctx), "escape"));
	pf_clear_error(f->ctx);
	assert_false(exists_at(f->outside_fd, "x"));
	assert_int_equal(symlinkat("../outside", f->root_fd, "dotdot"), 0);
	assert_int_equal(pf_root_mkdirs(f->ctx, "dotdot/y"), -1);
	pf_clear_error(f->ctx);
	assert_false(exists_at(f->outside_fd, "y"));
}

static void test_mkdirs_errors(void **state)
{
	struct fixture *f = *state;
	const char *msg;

	write_file(f->root_fd, "file", "x");
	assert_int_equal(pf_root_mkdirs(f->ctx, "file/sub"), -1);
	msg = pf_error_message(f->ctx);
	assert_int_equal(pf_error_class(f->ctx), PF_E_OTHER);
	if (!strstr(msg, "file: exists and is not a directory"))
		fail_msg("message: %s", msg);
	pf_clear_error(f->ctx);

	assert_int_equal(pf_root_mkdirs(f->ctx, "a/../b"), -1);
	msg = pf_error_message(f->ctx);
	if (!strstr(msg, "'..' component"))
		fail_msg("message: %s", msg);
	pf_clear_error(f->ctx);
	assert_false(exists_at(f->root_fd, "a"));
	assert_int_equal(pf_root_mkdirs(f->ctx, "/abs"), -1);
	pf_clear_error(f->ctx);
}

static void test_rmtree(void **state)
{
	struct fixture *f = *state;

	write_file(f->outside_fd, "keep", "precious");
	assert_int_equal(mkdirat(f->outside_fd, "dir", 0755), 0);
	write_file(f->outside_fd, "dir/keep2", "precious");

	assert_int_equal(mkdirat(f->root_fd, "t", 0755), 0);
	assert_int_equal(mkdirat(f->root_fd, "t/a", 0755), 0);
	assert_int_equal(mkdirat(f->root_fd, "t/a/b", 0700), 0);
	write_file(f->root_fd, "t/a/b/file", "x");
	write_file(f->root_fd, "t/top", "x");
	assert_int_equal(symlinkat("../../outside", f->root_fd, "t/a/link-dir"), 0);
	assert_int_equal(symlinkat("../../outside/keep", f->root_fd, "t/link-file"), 0);
	assert_int_equal(symlinkat("nowhere", f->root_fd, "t/dangling"), 0);
	assert_int_equal(mkfifoat(f->root_fd, "t/fifo", 0600), 0);

	assert_int_equal(pf_rmtree_at(f->root_fd, "t"), 0);
	assert_false(exists_at(f->root_fd, "t"));
	assert_true(exists_at(f->outside_fd, "keep"));
	assert_true(exists_at(f->outside_fd, "dir/keep2"));

	/* Missing: nothing to do. A plain file or a symlink: removed itself. */
	assert_int_equal(pf_rmtree_at(f->root_fd, "t"), 0);
	write_file(f->root_fd, "plain", "x");
	assert_int_equal(pf_rmtree_at(f->root_fd, "plain"), 0);
	assert_false(exists_at(f->root_fd, "plain"));
	assert_int_equal(symlinkat("../outside", f->root_fd, "top-link"), 0);
	assert_int_equal(pf_rmtree_at(f->root_fd, "top-link"), 0);
	assert_false(exists_at(f->root_fd, "top-link"));
	assert_true(exists_at(f->outside_fd, "dir/keep2"));
}

static void test_read_file(void **state)
{
	struct fixture *f = *state;
	char *buf = NULL;
	size_t len = 99;

	write_file(f->root_fd, "conf", "series = 2.25\n");
	assert_int_equal(pf_read_file_at(f->root_fd, "conf", 1024, &buf, &len), 0);
	assert_int_equal(len, 14);
	assert_string_equal(buf, "series = 2.25\n");
	free(buf);

	/* Exactly max is fine, one byte more is EFBIG. */
	assert_int_equal(pf_read_file_at(f->root_fd, "conf", 14, &buf, &len), 0);
	free(buf);
	assert_int_equal(pf_read_file_at(f->root_fd, "conf", 13, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(buf);

	write_file(f->root_fd, "empty", "");
	assert_int_equal(pf_read_file_at(f->root_fd, "empty", 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);

	/* Not followed, not regular, missing. */
	assert_int_equal(symlinkat("conf", f->root_fd, "link"), 0);
	assert_int_equal(pf_read_file_at(f->root_fd, "link", 1024, &buf, &len), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(mkdirat(f->root_fd, "dir", 0755), 0);
	assert_int_equal(pf_read_file_at(f->root_fd, "dir", 1024, &buf, &len), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(mkfifoat(f->root_fd, "fifo", 0600), 0);
	assert_int_equal(pf_read_file_at(f->root_fd, "fifo", 1024, &buf, &len), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pf_read_file_at(f->root_fd, "missing", 1024, &buf, &len), -1);
	assert_int_equal(errno, ENOENT);
	/* len may be NULL */
	assert_int_equal(pf_read_file_at(f->root_fd, "conf", 1024, &buf, NULL), 0);
	free(buf);
}

static void test_read_file_big(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * 1024 * 1024 + 17;
	char *data = malloc(n + 1), *buf = NULL;
	size_t len = 0;

	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	data[n] = '\0';
	write_file(f->root_fd, "big", data);
	assert_int_equal(pf_read_file_at(f->root_fd, "big", n, &buf, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(buf, data, n);
	assert_int_equal(buf[n], '\0');
	free(buf);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_root_open_without_root),
		cmocka_unit_test_setup_teardown(test_root_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rmtree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file_big, setup, teardown),
	};

	umask(022);
	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
