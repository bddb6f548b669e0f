// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: counters in /sys/kernel/debug/vswap/, one read-only decimal file
 * each.  Writes fail with EACCES.  README.md has a table of their meaning.
 * sysfs.c shows the same files in /sys/module/vswap/stats/.
 */
#include <linux/debugfs.h>
#include <linux/slab.h>

#include "vswap.h"

static struct dentry *vswap_debugfs_root;

const char * const vswap_file_names[VSWAP_NR_FILES] = {
	[VSWAP_SLOTS_INMEM] = "inmem",
	[VSWAP_SLOTS_ZERO] = "zero",
	[VSWAP_SLOTS_ZSWAP] = "zswap",
	[VSWAP_SLOTS_PHYS] = "phys",
	[VSWAP_CLUSTERS] = "clusters",
	[VSWAP_MAP_PAGES] = "map_pages",
	[VSWAP_SWPOUT_ZERO] = "swpout_zero",
	[VSWAP_SWPOUT_ZSWAP] = "swpout_zswap",
	[VSWAP_SWPOUT_INMEM] = "swpout_inmem",
	[VSWAP_SWPOUT_PHYS] = "swpout_phys",
	[VSWAP_SWPIN_ZERO] = "swpin_zero",
	[VSWAP_SWPIN_ZSWAP] = "swpin_zswap",
	[VSWAP_SWPIN_PHYS] = "swpin_phys",
	[VSWAP_ZSWAP_WRITEBACK] = "zswap_writeback",
	[VSWAP_UNUSE_MOVED] = "unuse_moved",
	[VSWAP_IO_ERROR] = "io_error",
	[VSWAP_CHARGE] = "swap_charge",
	[VSWAP_UNCHARGE] = "swap_uncharge",
	[VSWAP_CHARGE_FAIL] = "swap_charge_fail",
	[VSWAP_ZSWAP_REJECT] = "zswap_reject",
	[VSWAP_LARGE_REFUSED] = "large_refused",
	[VSWAP_ALLOC_FAIL] = "alloc_fail",
	[VSWAP_READ_ERROR] = "read_error",
	[VSWAP_FILE_CAPACITY] = "capacity",
	[VSWAP_FILE_SLOTS_USED] = "slots_used",
	[VSWAP_FILE_METADATA_BYTES] = "metadata_bytes",
};

/*
 * Memory vswap spends on slots: clusters (with their slab overhead), the
 * mapped swap_map pages, and the pages mapped for cluster heads, swap
 * cache address spaces and zswap trees.
 */
size_t vswap_metadata_bytes(void)
{
	return vswap_stat_read(VSWAP_CLUSTERS) *
		kmem_cache_size(vswap.cluster_cache) +
		(vswap_stat_read(VSWAP_MAP_PAGES) +
		 atomic_long_read(&vswap.sparse_pages)) * PAGE_SIZE;
}

/* The value of file @item (an index of vswap_file_names) */
u64 vswap_file_value(unsigned long item)
{
	switch (item) {
	case VSWAP_FILE_CAPACITY:
		return vswap.capacity;
	case VSWAP_FILE_SLOTS_USED:
		return READ_ONCE(vswap.si->inuse_pages);
	case VSWAP_FILE_METADATA_BYTES:
		return vswap_metadata_bytes();
	default:
		return vswap_stat_read(item);
	}
}

static int vswap_file_get(void *data, u64 *val)
{
	*val = vswap_file_value((unsigned long)data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vswap_file_fops, vswap_file_get, NULL, "%llu\n");

void vswap_debugfs_init(void)
{
	unsigned long i;

	vswap_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (i = 0; i < ARRAY_SIZE(vswap_file_names); i++)
		debugfs_create_file_unsafe(vswap_file_names[i], 0444,
					   vswap_debugfs_root, (void *)i,
					   &vswap_file_fops);
}

void vswap_debugfs_exit(void)
{
	debugfs_remove_recursive(vswap_debugfs_root);
}
