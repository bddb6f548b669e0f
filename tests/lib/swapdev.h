/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swap devices: /proc/swaps (parsed here only), mkswap/swapon/swapoff,
 * the physical disk the tests overwrite (VT_PHYS_DEV) and its use as a
 * vswap backend.
 */
#ifndef __VSWAP_TEST_SWAPDEV_H
#define __VSWAP_TEST_SWAPDEV_H

#include "util.h"

/*
 * The guest's two virtio disks, scratch space the tests overwrite (see
 * scripts/vm.sh): VT_PHYS_DEV is the physical swap device / vswap backend,
 * VT_PHYS_DEV2 the second disk (a file system, a second swap device, the
 * hibernation token).  Every test names them by these macros only.
 */
#define VT_PHYS_DEV		"/dev/vda"
#define VT_PHYS_DEV2		"/dev/vdb"

/* ---------------------------------------------------------------------
 * /proc/swaps
 */

struct swaps_line {
	char name[PATH_MAX];
	char type[32];
	unsigned long long size_kb;
	unsigned long long used_kb;
	int prio;
};

/*
 * Call @fn for each line of /proc/swaps, in order, until it returns
 * non-zero.  Returns the number of lines passed to @fn, or -errno if
 * /proc/swaps cannot be read.  Every other /proc/swaps reader here uses it.
 */
int proc_swaps_for_each(int (*fn)(const struct swaps_line *l, void *arg),
			void *arg);

/*
 * Find lines of /proc/swaps whose Filename or Type equals @what.  The first
 * match is returned in @out (may be NULL).  Returns the number of matching
 * lines, or -errno if /proc/swaps cannot be read.
 */
int proc_swaps_lookup(const char *what, struct swaps_line *out);

/* Convenience form; any output pointer may be NULL. */
int proc_swaps_find(const char *what, unsigned long long *size_kb,
		    unsigned long long *used_kb, int *prio);

/* mkswap @dev; 0 on success, else the exit status or -errno. */
int swap_mkswap(const char *dev);

int swap_on(const char *dev, int flags);

int swap_off(const char *dev);

/* Size of a block device in bytes; -errno on failure. */
long long blkdev_bytes(const char *dev);

/*
 * Block device @dev (/dev/<disk>), from /sys/block/<disk>/stat: requests
 * completed (merged bios count once), and milliseconds during which the
 * device had a request in flight (io_ticks).
 */
struct blkdev_io {
	long long reads, writes, busy_ms;
};

/* 0, or -errno. */
int blkdev_io_read(const char *dev, struct blkdev_io *io);

/* What @dev did since blkdev_io_read() gave @start, into @io; 0 or -errno. */
int blkdev_io_since(const char *dev, const struct blkdev_io *start,
		    struct blkdev_io *io);

/* Number of active swap areas other than vswap; -errno on error. */
int vd_count_other_swaps(void);

/* swapoff every active swap area that is not vswap (left by a crash). */
void vd_swapoff_others(void);

#ifndef SWAP_FLAG_PREFER
#define SWAP_FLAG_PREFER	0x8000
#define SWAP_FLAG_PRIO_MASK	0x7fff
#define SWAP_FLAG_PRIO_SHIFT	0
#endif

/* ---------------------------------------------------------------------
 * Physical swap devices as vswap backends
 */

/* Used KiB of the /proc/swaps line of @dev; -1 if @dev is not listed. */
long long vd_swap_used_kb(const char *dev);

/*
 * Wait until the /proc/swaps line of @dev shows @kb KiB used: a physical
 * slot is released when its write completes or its last user goes, which
 * may trail the counters a little, and vswap's per-CPU caches hold slots
 * taken or freed in batches until their CPU leaves them idle for a
 * second.  Bounded (VD_IDLE_POLLS x 50 ms); returns the last value read.
 */
long long vd_wait_swap_used(const char *dev, long long kb);

/*
 * mkswap @dev (a block device or a file) and swapon it, with priority
 * @prio, or the kernel's default (negative) one if @prio < 0.  An active
 * swap area of that name is switched off first.  0 or -errno (-EIO: mkswap
 * failed).
 */
int vd_phys_on(const char *dev, int prio);

/*
 * Mark @dev non-rotational, so that stock swap takes its SSD path
 * (per-cluster locks, per-CPU clusters) as on a server, saving the old
 * flag in *@rot_saved unless it holds one (>= 0) already; then mkswap and
 * swapon it.  0 or -errno.  vd_rot_restore() puts the flag back.
 */
int vd_phys_on_ssd(const char *dev, int prio, int *rot_saved);

/* The rotational flag vd_phys_on_ssd() saved, back; 0 or -errno. */
int vd_rot_restore(const char *dev, int *rot_saved);

/* swapoff @dev if it is active; 0 or -errno. */
int vd_phys_off(const char *dev);

#endif /* __VSWAP_TEST_SWAPDEV_H */
