/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Basics every vswap test uses: paths and sizes, the VSWAP_SCALE knob,
 * vt_log(), small file readers/writers, /proc and /sys lookups, vt_run()
 * and timing.
 *
 * Conventions of the whole library (tests/lib/, linked into every test as
 * libvswaptest.a): helpers return 0 (or a value) on success and -errno on
 * failure unless documented otherwise.  Diagnostics go to stderr with a
 * "# " prefix: test children leave with _exit(), so anything buffered on
 * stdout would be lost.  Helpers taking a struct __test_metadata use
 * ASSERT_*() and must only be called from the test process itself, never
 * from a forked workload child.
 */
#ifndef __VSWAP_TEST_UTIL_H
#define __VSWAP_TEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/types.h>
#include <sched.h>
#include <time.h>
#include <sys/resource.h>

#define VSWAP_MOD_NAME		"vswap"
#define VSWAP_KO_DEFAULT	"/lib/vswap/vswap.ko"
#define VSWAP_DEV		"/dev/vswap"
#define VSWAP_SYSFS_MOD		"/sys/module/vswap"
#define VSWAP_DEBUGFS		"/sys/kernel/debug/vswap"
#define VSWAP_LOG_PREFIX	"vswap: "

#define VSWAP_CLUSTER_SLOTS	512UL
#define VSWAP_MIN_PAGES		1024UL
/* ALIGN_DOWN(UINT_MAX, 512): the largest capacity, unless the arch limits it */
#define VSWAP_MAX_PAGES		4294966784UL
#define VSWAP_PRIO		32767

#define CG_ROOT			"/sys/fs/cgroup"
#define ZSWAP_ENABLED		"/sys/module/zswap/parameters/enabled"
#define ZSWAP_DEBUGFS		"/sys/kernel/debug/zswap"

#define VT_PAGE_SIZE		4096UL
#define KB(x)			((x) * 1024UL)
#define MB(x)			((x) * 1024UL * 1024UL)

/*
 * Workload scale knob: VSWAP_SCALE=PERCENT (1..100, default 100) in the
 * environment shrinks region sizes / iteration counts of the tests that use
 * VT_SCALE(), e.g. for the slow debug kernel (KASAN + lockdep under TCG).
 * The guest's /init takes it from the kernel command line (vswap.scale=N;
 * scripts/vm.sh passes $VSWAP_SCALE).  Never scales below @min, and never
 * changes what a test asserts - only how much work it does.
 */
int vt_scale_pct(void);

/*
 * @n scaled by VSWAP_SCALE percent, at least @min (an int, like the
 * #defines); VT_SCALE_MB(mb, min_mb) is MB(VT_SCALE(mb, min_mb)) (unsigned
 * long).
 */
int vt_scale(long n, long min);
#define VT_SCALE(n, min)	vt_scale(n, min)
#define VT_SCALE_MB(mb, min_mb)	MB((unsigned long)VT_SCALE(mb, min_mb))

#define vt_log(fmt, ...)	fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__)

/* ---------------------------------------------------------------------
 * Small file helpers
 */

/* Read at most @len - 1 bytes of @path into @buf, NUL terminated. */
ssize_t vt_read_file(const char *path, char *buf, size_t len);

/* Write @str to @path in one write(); 0 or -errno. */
int vt_write_file(const char *path, const char *str);

/*
 * Parse a file holding exactly one unsigned decimal number followed by a
 * newline (the debugfs/sysfs convention).  -EINVAL if anything else.
 */
int vt_read_u64(const char *path, unsigned long long *val);

bool vt_exists(const char *path);

/*
 * Look up "@key <value>" (or "@key: <value> kB") in a key/value file such
 * as /proc/meminfo, /proc/vmstat, /proc/self/status or memory.stat.  The
 * key must match a whole word.  Returns the value, or -1 if absent.
 */
long long vt_read_key(const char *path, const char *key);

/* /proc/meminfo value in KiB, e.g. read_meminfo_kb("Slab"); -1 if absent */
long long read_meminfo_kb(const char *key);

/* /proc/vmstat counter, e.g. read_vmstat("pswpout"); -1 if absent */
long long read_vmstat(const char *key);

/*
 * Wait (at most 2 s) until no page is under writeback, e.g. to a disk.
 * It polls /proc/vmstat, not /proc/meminfo: meminfo takes swap_lock (in
 * si_swapinfo()), and a lock table would count the polls as swapping.
 * While the count is above 0 it has the CPUs' deltas folded in first
 * (/proc/sys/vm/stat_refresh), so that it does not wait up to a second
 * for vmstat's periodic update after the last write ended.
 */
void vt_wait_writeback(void);

/* /proc/self/status value in KiB, e.g. read_status_kb("VmSwap") */
long long read_status_kb(const char *key);

/*
 * Free memory including the per-cpu page lists, in KiB.
 *
 * MemFree does not count pages parked on the per-cpu lists, which can hold
 * several MiB and fluctuate; leak and cost measurements use this instead
 * (sum of "pages free" and every pageset "count:" in /proc/zoneinfo).
 * Returns -1 on error.
 */
long long read_free_incl_pcp_kb(void);

/*
 * Let the system quiesce before a memory measurement: wait out RCU-deferred
 * frees (membarrier(MEMBARRIER_CMD_GLOBAL) implies synchronize_rcu()), drop
 * the page/dentry/inode caches and shrink every slab cache.  Nothing is
 * measured against time; the sleeps only give kfree_rcu batches a chance.
 */
void vm_settle(void);

/* ---------------------------------------------------------------------
 * Swap devices
 */

/*
 * Run a command with stdout sent to stderr (keeps the TAP stream clean).
 * Tries @argv[0] from PATH, then "busybox @argv[0] ...".  Returns the exit
 * status, or -errno if it could not be run.
 */
pid_t vt_fork(void);
int vt_run(char *const argv[]);

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

/*
 * Wait until vswap is idle.  Freeing a swap slot is synchronous with the
 * last unmap, but a workload's exit, a cgroup's pages and the per-cpu LRU
 * batches drain asynchronously, so poll a bounded number of times
 * (VD_IDLE_POLLS x 50 ms).  Slots still held at the end by the swap cache
 * alone are freed by swapoff + swapon of /dev/vswap, logged
 * (vswap_stats.c: vd_drop_cache_only()).  Returns 0 when idle, -EBUSY if
 * it never got there, or -errno; the last reading is left in @s.
 */
#define VD_IDLE_POLLS		200

/* ---------------------------------------------------------------------
 * Time
 */

double vd_now(void);

/* System CPU time of the calling process (all threads), seconds. */
double vd_sys_time(void);

/*
 * Run the caller (and what it forks later) on one CPU.  A fresh or just
 * faulted folio sits in the per-cpu LRU batch of the CPU that touched it,
 * holding a reference, until that batch is drained; MADV_PAGEOUT drains
 * only the local CPU's batches, so a folio left in another (idle) CPU's
 * batch is neither isolated nor written.  With everything on one CPU,
 * MADV_PAGEOUT sees every folio and the counters are exact.  0 or -errno.
 */
int vd_pin_cpu(void);

#endif /* __VSWAP_TEST_UTIL_H */
