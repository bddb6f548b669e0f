/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters: vswap's and zswap's debugfs files and a snapshot of the
 * vswap counters with the "back to idle" check.
 */
#ifndef __VSWAP_TEST_VSWAP_STATS_H
#define __VSWAP_TEST_VSWAP_STATS_H

#include "util.h"

/* Read /sys/kernel/debug/vswap/@name; 0 or -errno (-EINVAL: bad format). */
int vswap_debugfs_read(const char *name, unsigned long long *val);

/* zswap debugfs counter (e.g. "stored_pages"); -1 if unavailable */
long long zswap_debugfs_read(const char *name);

/* ---------------------------------------------------------------------
 * vswap debugfs counters
 */

enum vd_stat {
	VD_CAPACITY,
	VD_SLOTS_USED,
	VD_CLUSTERS,
	VD_MAP_PAGES,
	VD_METADATA_BYTES,
	VD_INMEM,
	VD_ZERO,
	VD_ZSWAP,
	VD_SWPOUT_ZERO,
	VD_SWPOUT_ZSWAP,
	VD_SWPOUT_INMEM,
	VD_SWPIN_ZERO,
	VD_SWPIN_ZSWAP,
	VD_ZSWAP_REJECT,
	VD_LARGE_REFUSED,
	VD_ALLOC_FAIL,
	VD_READ_ERROR,
	/* physical swap devices as backends */
	VD_PHYS,
	VD_SWPOUT_PHYS,
	VD_SWPIN_PHYS,
	VD_ZSWAP_WRITEBACK,
	VD_UNUSE_MOVED,
	VD_IO_ERROR,
	VD_NR_STATS,
};

extern const char * const vd_stat_names[VD_NR_STATS];

struct vd_stats {
	unsigned long long v[VD_NR_STATS];
};

/* Read every counter; 0 or the first -errno. */
int vd_stats_read(struct vd_stats *s);

/* @a - @b for event counters (never negative for a sane module) */
long long vd_delta(const struct vd_stats *a,
		   const struct vd_stats *b, enum vd_stat i);

void vd_stats_log(const char *tag, const struct vd_stats *s);

/* Nothing held: no slot, no cluster, no page in any backend. */
bool vd_stats_idle(const struct vd_stats *s);

int vd_wait_idle(struct vd_stats *s);

#endif /* __VSWAP_TEST_VSWAP_STATS_H */
