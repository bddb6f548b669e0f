/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run the kernel's own swap/zswap selftests (built by tests/kselftests.mk,
 * shipped in the guest's /kselftests) in one swap setup, and report their
 * cases as this binary's own TAP cases.  Used by tests/kst_stock.c,
 * tests/kst_vswap.c and tests/kst_vswap_phys.c (one binary per mode).
 *
 * Per selftest: set up the mode (stock: mkswap + swapon /dev/vda; vswap:
 * insmod vswap.ko, optionally plus /dev/vda as a backend), set zswap on or
 * off (and THP to "never" where asked), settle the machine (sync,
 * drop_caches, compact_memory), run the selftest with its output as "# "
 * comments, re-emit each of its "ok"/"not ok" lines as
 * "ok N <selftest>[zswap=..]: <case>", then restore (swapoff, rmmod, zswap,
 * THP, min_free_kbytes as they were).  A selftest that crashes, times out
 * or leaves cases of its plan unreported adds a failing case.
 *
 * Expected differences (docs/testing.md "Kernel selftests under
 * vswap"): a case that fails in a mode where it is listed in
 * kst_expected[] is reported as "ok N ... # SKIP XFAIL (<mode>): <why>",
 * i.e. counted as skipped, not passed; one that passes there anyway is
 * reported as a pass with an "XPASS" note.  Nothing else is ever turned
 * into a pass or a skip.  (Inside tests/kselftests/, a few named cases get
 * up to three attempts, each failed one logged: docs/testing.md.)
 *
 * The selftests' working directory is an ext2 file system on /dev/vdb
 * (4 KiB blocks): their page cache (O_TMPFILE files read from holes) must be
 * real, reclaimable page cache.  In tmpfs a read of a hole allocates
 * nothing, which breaks every memcontrol case that counts page cache
 * (test_memcg_max, _reclaim, _min, _low); if /dev/vdb cannot be used the
 * binary reports a failing case instead of falling back silently.
 */
#ifndef __VSWAP_TEST_KST_H
#define __VSWAP_TEST_KST_H

#include "util.h"
#include "kselftest.h"	/* ARRAY_SIZE() */

enum kst_mode { KST_STOCK, KST_VSWAP, KST_VSWAP_PHYS };

struct kst_run {
	const char *bin;	/* in KST_DIR */
	bool zswap;		/* zswap enabled while it runs */
	int timeout;		/* seconds */
	const char *skip;	/* $KST_SKIP: cases left out (a later entry runs them) */
	const char *only;	/* $KST_ONLY: run only these cases (comma separated) */
	int repeat;		/* $KST_REPEAT: run each case this many times */
	/*
	 * THP "never" while it runs.  The memcontrol cases assume 4 KiB anon
	 * charging.  With THP "always" (the Kconfig default, which the vm
	 * flavor gets: CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS=y) a fault charges
	 * 2 MiB or, at the limit, falls back to 4 KiB without reclaim; one
	 * reclaimed THP (split: the virtio disk is rotational, no THP swap
	 * entries) uncharges 2 MiB at once; khugepaged may collapse (and swap
	 * in) ranges of the cases' processes meanwhile.  Against 3 % on
	 * memory.current (alloc_anon_50M_check_swap: 30 MiB +- ~1.8 MiB) and
	 * reclaim_until()'s "nothing else changes memory.current".
	 */
	bool thp_never;
};

/*
 * test_no_kmem_bypass (cgroup/test_zswap.c) raises min_free_kbytes to about
 * half of RAM and fills RAM, so global reclaim swaps out everything,
 * including the guest's long-lived processes and the initramfs.  It runs
 * in every mode, five times in a row (to catch a crash seen in one of four
 * runs under vswap), as the last run of each binary; each run ends with
 * swapoff /dev/vswap and rmmod, which must succeed.  The first test_zswap
 * run leaves it out ($KST_SKIP).
 */
#define KST_NO_KMEM_BYPASS	"test_no_kmem_bypass"
#define KST_NO_KMEM_BYPASS_RUNS	5
#define KST_RUN_NO_KMEM_BYPASS \
	{ .bin = "test_zswap", .zswap = true, .timeout = 480, \
	  .only = KST_NO_KMEM_BYPASS, .repeat = KST_NO_KMEM_BYPASS_RUNS }

/*
 * Run @runs in @mode and print the TAP stream of one binary; the exit
 * status of its main(): 0, 1 if a case failed, 4 if skipped.
 */
int kst_main(enum kst_mode mode, const struct kst_run *runs, size_t nr);

#endif /* __VSWAP_TEST_KST_H */
