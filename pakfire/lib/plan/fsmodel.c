/* The allocation model: see fsmodel.h, and docs/space.md for the rules,
 * where each comes from in the kernel, and the figures measured.
 *
 * ext4 (ext2 and ext3 are planned alike: their indirect blocks are fewer
 * than the extent blocks counted here for the same file):
 *   - a file: its blocks, plus the extent tree blocks it may need; an inode
 *     holds 4 extents, a tree block (bs - 12) / 12. How many extents a file
 *     is cut into depends on how fragmented the free space is; the model
 *     takes every extent to be as short as EXT_MIN_EXTENT (a fresh file
 *     system gives one extent per 8 MiB block group on 1 KiB blocks, one
 *     per 128 MiB on 4 KiB blocks): a block more for a file over 512 KiB,
 *     which costs little and keeps an aged file system on the safe side;
 *   - a symlink: in the inode when its target is shorter than 60 bytes,
 *     else one block; a new folder: one block;
 *   - a folder's entries: 8 bytes + the name, rounded up to 4. One block
 *     holds them while they fit beside "." and ".." and the checksum tail
 *     (bs - 36 bytes); past that the folder becomes a hash tree: a root
 *     block and leaves, two at first. A leaf that overflows is split in
 *     two, so a leaf is at least half full: the model counts every leaf
 *     half full (measured: 55-77 %), and a second level of index blocks
 *     past the root's 507 (4 KiB) or 123 (1 KiB) leaves.
 * tmpfs: pages for the data of a file; a folder, a name and a symlink
 *   target shorter than 128 bytes cost no page (measured), a longer target
 *   one page.
 * vfat: clusters (f_frsize is the cluster size); an empty file no cluster;
 *   a new folder one cluster; a name 32 bytes, plus 32 for each 13
 *   characters of its long name (every name that is not an upper-case 8.3
 *   name gets one from the kernel's default, shortname=mixed, whose
 *   VFAT_SFN_CREATE_WIN95 rule gives "acpi.mod" a long name too; under
 *   shortname=winnt, and as Windows and mtools write it, an 8.3 name in
 *   small letters takes one slot: pf_fs_name_bytes_least); a folder that
 *   exists is read, and the room of deleted names counted on (fsmodel.h,
 *   pf_fs_dir_readable). No symlinks (refused before the plan). */
#include <string.h>

#include "plan/fsmodel.h"
#include "plan/plan.h"

#define EXT_INODE_EXTENTS 4
#define EXT_MIN_EXTENT (128u * 1024)
#define EXT_DIRENT_TAIL 12      /* the checksum entry at the end of a folder block */
#define EXT_DOTS 24             /* "." and ".." in the first block */
#define TMPFS_SHORT_SYMLINK 128 /* SHORT_SYMLINK_LEN, the target's NUL included */
#define FAT_SLOT 32
#define FAT_LFN_CHARS 13

static uint64_t div_up(uint64_t n, uint64_t d)
{
	return d ? (n + d - 1) / d : n;
}

static uint64_t round_up(uint64_t n, uint64_t bsize)
{
	return bsize ? div_up(n, bsize) * bsize : n;
}

/* The extent tree blocks a file of SIZE bytes may need on ext4. */
static uint64_t ext_tree_blocks(uint64_t bsize, uint64_t size)
{
	uint64_t per_block = bsize > 12 ? (bsize - 12) / 12 : 1;
	uint64_t n = div_up(size, EXT_MIN_EXTENT), blocks = 0;

	/* Each level holds the entries of the one below, until the inode's
	 * four slots hold the top one. */
	while (n > EXT_INODE_EXTENTS) {
		n = div_up(n, per_block);
		blocks += n;
	}
	return blocks;
}

uint64_t pf_fs_file_bytes(const struct pf_space *s, uint64_t size)
{
	uint64_t data = round_up(size, s->bsize);

	if (s->kind == PF_FS_EXT)
		return data + ext_tree_blocks(s->bsize, size) * s->bsize;
	return data;
}

uint64_t pf_fs_file_held(const struct pf_space *s, uint64_t size)
{
	return round_up(size, s->bsize);
}

uint64_t pf_fs_symlink_bytes(const struct pf_space *s, uint64_t target_len)
{
	switch (s->kind) {
	case PF_FS_TMPFS:
		return target_len + 1 > TMPFS_SHORT_SYMLINK ? s->bsize : 0;
	case PF_FS_VFAT:
		return 0; /* none can exist there: refused before the plan */
	default:
		/* ext4 keeps a short target in the inode. */
		return target_len >= PF_FAST_SYMLINK ? s->bsize : 0;
	}
}

uint64_t pf_fs_dir_bytes(const struct pf_space *s)
{
	return s->kind == PF_FS_TMPFS ? 0 : s->bsize;
}

/* Whether NAME is an 8.3 name in capitals: the one kind vfat stores in a
 * single slot whatever the mount options; with ANY_CASE, in small letters
 * too (one slot under shortname=winnt, or written by Windows or mtools). */
static bool fat_short(const char *name, size_t len, bool any_case)
{
	static const char special[] = "!#$%&'()-@^_`{}~";
	size_t base = 0, ext = 0;
	bool dot = false;

	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '.' && !dot && i > 0) {
			dot = true;
			continue;
		}
		if (any_case && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr(special, c))))
			return false;
		if (dot ? ++ext > 3 : ++base > 8)
			return false;
	}
	return base > 0 && (!dot || ext > 0);
}

/* UTF-16 code units of a UTF-8 name: one per character, two beyond the
 * basic plane (a 4-byte sequence). */
static uint64_t utf16_units(const char *name, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

static uint64_t name_bytes(const struct pf_space *s, const char *name, size_t len, bool least)
{
	switch (s->kind) {
	case PF_FS_EXT:
		return (8 + len + 3) & ~(uint64_t)3;
	case PF_FS_VFAT:
		if (fat_short(name, len, least))
			return FAT_SLOT;
		return FAT_SLOT * (1 + div_up(utf16_units(name, len), FAT_LFN_CHARS));
	default:
		return 0;
	}
}

uint64_t pf_fs_name_bytes(const struct pf_space *s, const char *name, size_t len)
{
	return name_bytes(s, name, len, false);
}

uint64_t pf_fs_name_bytes_least(const struct pf_space *s, const char *name, size_t len)
{
	return name_bytes(s, name, len, true);
}

bool pf_fs_dir_readable(const struct pf_space *s)
{
	return s->kind == PF_FS_EXT || s->kind == PF_FS_VFAT;
}

/* The blocks of an ext4 folder whose entries take USED bytes. */
static uint64_t ext_dir_blocks(uint64_t bsize, uint64_t used)
{
	uint64_t leaf = bsize - EXT_DIRENT_TAIL;
	uint64_t root_limit = (bsize - 32 - 8) / 8, node_limit = (bsize - 8 - 8) / 8;
	uint64_t leaves;

	if (used + EXT_DOTS <= leaf)
		return 1;
	leaves = div_up(used, leaf / 2);
	if (leaves < 2)
		leaves = 2;
	return leaves + 1 + (leaves > root_limit ? div_up(leaves, node_limit) : 0);
}

uint64_t pf_fs_dir_growth(const struct pf_space *s, const struct pf_fs_dir *d, uint64_t added)
{
	uint64_t bs = s->bsize, have, need, used;

	if (!added || !bs)
		return 0;
	have = d->alloc / bs;
	switch (s->kind) {
	case PF_FS_EXT:
		/* Not read: every block it has is full. */
		used = d->used_known ? d->used : have * (bs - EXT_DIRENT_TAIL);
		need = ext_dir_blocks(bs, used + added);
		break;
	case PF_FS_VFAT:
		/* "." and ".." take two slots of the first cluster. */
		used = d->used_known ? d->used + 2 * FAT_SLOT : d->alloc;
		need = div_up(used + added, bs);
		break;
	default:
		return 0;
	}
	return need > have ? (need - have) * bs : 0;
}

uint64_t pf_fs_dir_least(const struct pf_space *s, uint64_t least)
{
	switch (s->kind) {
	case PF_FS_EXT:
		/* A block holds bs bytes of entries at most, "." and ".." among
		 * them in the first (no checksum tail counted: it may be off). */
		return round_up(least + EXT_DOTS, s->bsize);
	case PF_FS_VFAT:
		return round_up(least + 2 * FAT_SLOT, s->bsize);
	default:
		return 0;
	}
}
