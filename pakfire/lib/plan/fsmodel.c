/* The allocation model: see fsmodel.h. */
#include "plan/fsmodel.h"
#include "plan/plan.h"

static uint64_t round_up(uint64_t n, uint64_t bsize)
{
	return bsize ? (n + bsize - 1) / bsize * bsize : n;
}

uint64_t pf_fs_file_bytes(const struct pf_space *s, uint64_t size)
{
	return round_up(size, s->bsize);
}

uint64_t pf_fs_symlink_bytes(const struct pf_space *s, uint64_t target_len)
{
	/* ext4 keeps a short target in the inode. */
	return target_len >= PF_FAST_SYMLINK ? s->bsize : 0;
}

uint64_t pf_fs_dir_bytes(const struct pf_space *s)
{
	return s->bsize;
}
