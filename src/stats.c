// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the files that show its counters (enum vswap_stat, summed over
 * the CPUs) and three values that are not counters, by name and value,
 * for debugfs.c and sysfs.c.  README.md has a table of their meaning.
 */
#include <linux/slab.h>

#include "vswap.h"

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
static size_t vswap_metadata_bytes(void)
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
