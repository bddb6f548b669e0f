// SPDX-License-Identifier: GPL-2.0
/*
 * swapoff benchmark: how long swapoff(2) of a physical device takes when it
 * holds the swapped-out pages of many processes that also hold resident
 * memory, on a stock swap setup (vswap not loaded: try_to_unuse() walks the
 * page tables of every process) and with vswap loaded (vswap walks its own
 * table of virtual slots and reads each PHYS slot of the device).
 *
 * Per resident size R: P processes each swap out S KiB (non-zero pages, so
 * everything goes to the disk; zswap off) and keep R MiB resident, then
 * block on a pipe; the parent drops the clean swap cache copies swap-out
 * left (memory.reclaim of the processes' cgroup: every page is then on
 * the disk only, as after memory pressure) and times swapoff of /dev/vda;
 * then every process verifies every one of its pages.  Printed per R: wall and system time of
 * swapoff, stock and vswap, and the stock/vswap ratio.  A third
 * configuration swaps off the virtual space itself (swapoff /dev/vswap, the
 * same data on its /dev/vda backend: the core's page table walk, as
 * stock's), for the stock/virtual ratio.  /dev/vda is marked
 * non-rotational: stock takes its SSD path (per-cluster locks).
 *
 * Figures are printed, never judged: the test fails only if data comes back
 * wrong, swapoff fails, or a configuration cannot be set up.  Sizes:
 *   $VSWAP_BENCH_PROCS          processes (default 50)
 *   $VSWAP_BENCH_SWAP_KB        swapped KiB per process (default 1024)
 *   $VSWAP_BENCH_RESIDENT_MB    comma-separated resident MiB per process
 *                               (default "0,2")
 *   $VSWAP_BENCH_ROUNDS         rounds per configuration, the best is
 *                               reported (default 1)
 *   $VSWAP_BENCH_CACHED         "1": keep the swap cache copies (swapoff
 *                               finds the pages in memory, reads nothing)
 *   $VSWAP_BENCH_MODES          "stock": the stock configuration only,
 *                               vswap never loaded, so that the kernel may
 *                               be one without the hooks
 *                               (scripts/bench-pristine.sh)
 * The bench-swapoff job (scripts/bench-swapoff.sh) runs 200 x 2 MiB with
 * 0, 2 and 4 MiB resident, 3 rounds.  VT_PHYS_DEV is overwritten.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "bench.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "env.h"
#include "proc.h"
#include "memcg.h"

#define SEED			0xb5e0ffULL
#define MAX_SIZES		8

static const struct page_mix mix_disk = { 0, 100 };

struct swapoff_time {
	double wall, sys;
};

FIXTURE(bench) {
	struct vd_env env;
	char dev[64];
	int rot_saved;		/* the disk's rotational flag; -1: untouched */
	bool stock_only;	/* $VSWAP_BENCH_MODES=stock */
};

FIXTURE_SETUP(bench)
{
	const char *modes = getenv("VSWAP_BENCH_MODES");
	int ret;

	snprintf(self->dev, sizeof(self->dev), "%s", VT_PHYS_DEV);
	self->stock_only = modes && !strcmp(modes, "stock");
	if (self->stock_only) {
		/*
		 * The kernel's own swap alone, zswap off, on a kernel that may
		 * have no hooks: teardown restores zswap and finds vswap
		 * unloaded.
		 */
		memset(&self->env, 0, sizeof(self->env));
		self->env.zswap_saved = -1;
		ASSERT_EQ(0, vswap_ensure_unloaded());
		vd_swapoff_others();
		ret = zswap_get_enabled();
		ASSERT_LE(0, ret) TH_LOG("zswap is not available");
		self->env.zswap_saved = ret;
		ASSERT_EQ(0, zswap_set_enabled(0));
	} else {
		vd_env_setup(_metadata, &self->env, 0);
	}
	ASSERT_EQ(0, vd_pin_cpu());
	ASSERT_TRUE(vt_exists(self->dev)) TH_LOG("%s missing", self->dev);
	self->rot_saved = -1;
}

FIXTURE_TEARDOWN_PARENT(bench)
{
	vd_env_teardown(_metadata, &self->env);
	vd_phys_off(self->dev);
	vd_rot_restore(self->dev, &self->rot_saved);
}

#define HOLDERS_CG		"vswap_bench_swapoff"

/*
 * Start the holders in cgroup @cg, then drop the clean swap cache copies
 * that swap-out leaves behind (until reclaim wants their memory), so that
 * swapoff finds every page on the disk only, as after real memory
 * pressure ($VSWAP_BENCH_CACHED=1: kept, swapoff then finds the pages in
 * memory).  The holders' resident memory is mlock()ed: the reclaim
 * cannot swap it out instead.  Returns what the holders' swap cache still
 * holds, in bytes (a figure for the log).
 */
static long long holders_start_evicted(struct __test_metadata *_metadata,
				       struct vd_holders *h, const char *cg,
				       int procs, size_t swap_pages,
				       size_t res_pages)
{
	int ret;

	ASSERT_EQ(0, cg_enter(cg, 0)) TH_LOG("enter %s", cg);
	ret = vd_holders_start(h, NULL, procs, swap_pages, res_pages, SEED,
			       &mix_disk);
	ASSERT_EQ(0, cg_enter(CG_ROOT, 0)) TH_LOG("enter %s", CG_ROOT);
	ASSERT_EQ(0, ret) TH_LOG("holders: %s", strerror(-ret));
	if (bench_env_long("VSWAP_BENCH_CACHED", 0) == 1)
		return cg_read_key_ll(cg, "memory.stat", "swapcached");
	return vd_evict_swap_cache(cg);
}

/*
 * One measurement: start the holders, time swapoff, let them verify.
 * vswap is loaded or not, as the caller set it up.
 */
enum { MODE_STOCK, MODE_VSWAP, MODE_VIRTUAL, NR_MODES };

static void one_round(struct __test_metadata *_metadata, const char *dev,
		      int *rot_saved, int mode, int procs, size_t swap_pages,
		      size_t res_pages, struct swapoff_time *t)
{
	bool vswap = mode != MODE_STOCK;
	unsigned long long moved = 0;
	struct vd_stats s0, s1;
	struct vd_holders h;
	long long used_kb, cached;
	char cg[PATH_MAX];
	double w0, c0;
	int ret;

	ret = vd_phys_on_ssd(dev, -1, rot_saved);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon %s: %s", dev, strerror(-ret));
	ret = cg_create_memcg(HOLDERS_CG, cg, sizeof(cg));
	ASSERT_EQ(0, ret) TH_LOG("cgroup %s: %s", HOLDERS_CG, strerror(-ret));
	cached = holders_start_evicted(_metadata, &h, cg, procs, swap_pages,
				       res_pages);
	used_kb = vd_swap_used_kb(dev);
	/* stock: plus up to a per-cpu swap slot cache batch */
	ASSERT_LE((long long)(procs * swap_pages * 4), used_kb)
		TH_LOG("not everything went to %s", dev);
	if (vswap)
		ASSERT_EQ(0, vd_stats_read(&s0));

	vm_settle();
	w0 = vd_now();
	c0 = vd_sys_time();
	ret = swap_off(mode == MODE_VIRTUAL ? VSWAP_DEV : dev);
	t->wall = vd_now() - w0;
	t->sys = vd_sys_time() - c0;
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s",
				 mode == MODE_VIRTUAL ? VSWAP_DEV : dev,
				 strerror(-ret));
	if (mode == MODE_VIRTUAL) {
		/* every slot is back in memory: the disk is empty, turn it on */
		ASSERT_EQ(0, vd_wait_swap_used(dev, 0));
		ret = swap_off(dev);
		ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", dev, strerror(-ret));
		ASSERT_EQ(0, swapon(VSWAP_DEV, 0))
			TH_LOG("swapon %s: %s", VSWAP_DEV, strerror(errno));
	} else if (vswap) {
		/* every slot on the disk, the holders' and any other's */
		ASSERT_EQ(0, vd_stats_read(&s1));
		moved = vd_delta(&s1, &s0, VD_UNUSE_MOVED);
		EXPECT_LE(procs * swap_pages, s0.v[VD_PHYS]);
		EXPECT_EQ(s0.v[VD_PHYS], moved);
		EXPECT_EQ(0, s1.v[VD_PHYS]);
	}
	ret = vd_holders_finish(&h, NULL);
	ASSERT_EQ(0, ret) TH_LOG("%d processes found bad data", ret);
	ret = cg_remove(cg, true);
	EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", cg, strerror(-ret));
	vt_log("  %s: %d procs, %lld KiB on %s (%lld KiB still in the swap cache), swapoff %s %.1f ms wall, %.1f ms sys%s",
	       vswap ? "vswap" : "stock", procs, used_kb, dev, cached / 1024,
	       mode == MODE_VIRTUAL ? VSWAP_DEV : dev, t->wall * 1e3,
	       t->sys * 1e3, mode == MODE_VSWAP ? "" : " (page table walk)");
	if (vswap)
		ASSERT_EQ(0, vd_wait_idle(&s1));
}

TEST_F_TIMEOUT(bench, swapoff_many_processes, 3600)
{
	long procs = bench_env_long("VSWAP_BENCH_PROCS", 50);
	long swap_kb = bench_env_long("VSWAP_BENCH_SWAP_KB", 1024);
	long rounds = bench_env_long("VSWAP_BENCH_ROUNDS", 1);
	const char *sizes_env = getenv("VSWAP_BENCH_RESIDENT_MB");
	int nr_modes = self->stock_only ? MODE_VSWAP : NR_MODES;
	struct swapoff_time best[MAX_SIZES][NR_MODES];
	long sizes[MAX_SIZES];
	char buf[128], *p, *save;
	int nsizes = 0, i, mode, round, ret;

	snprintf(buf, sizeof(buf), "%s",
		 sizes_env && *sizes_env ? sizes_env : "0,2");
	for (p = strtok_r(buf, ",", &save); p && nsizes < MAX_SIZES;
	     p = strtok_r(NULL, ",", &save))
		sizes[nsizes++] = strtol(p, NULL, 10);
	ASSERT_LT(0, procs);
	ASSERT_LT(0, swap_kb);
	ASSERT_LT(0, nsizes);
	if (rounds < 1)
		rounds = 1;
	vt_log("bench: swapoff of %s: %ld processes x %ld KiB swapped, resident MiB per process: %s, %ld round(s), zswap off",
	       self->dev, procs, swap_kb, sizes_env && *sizes_env ? sizes_env : "0,2",
	       rounds);

	for (i = 0; i < nsizes; i++) {
		for (mode = 0; mode < nr_modes; mode++) {
			best[i][mode].wall = 1e9;
			best[i][mode].sys = 0;
			if (mode) {
				ret = vd_ensure_loaded();
				ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
			} else {
				ret = vswap_ensure_unloaded();
				ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));
			}
			for (round = 0; round < rounds; round++) {
				struct swapoff_time t;

				one_round(_metadata, self->dev,
					  &self->rot_saved, mode,
					  procs, swap_kb / 4,
					  sizes[i] * 256, &t);
				if (t.wall < best[i][mode].wall)
					best[i][mode] = t;
			}
		}
		if (self->stock_only) {
			vt_log("bench: swapoff %ld procs x %ld KiB swapped + %ld MiB resident each: stock %.1f ms (sys %.1f)",
			       procs, swap_kb, sizes[i], best[i][0].wall * 1e3,
			       best[i][0].sys * 1e3);
			continue;
		}
		vt_log("bench: swapoff %ld procs x %ld KiB swapped + %ld MiB resident each: stock %.1f ms (sys %.1f), vswap %.1f ms (sys %.1f), stock/vswap %.2fx",
		       procs, swap_kb, sizes[i], best[i][0].wall * 1e3,
		       best[i][0].sys * 1e3, best[i][1].wall * 1e3,
		       best[i][1].sys * 1e3,
		       best[i][1].wall > 0 ? best[i][0].wall / best[i][1].wall : 0);
		vt_log("bench: swapoff /dev/vswap, the same data on its disk backend: %.1f ms (sys %.1f), stock/virtual %.2fx",
		       best[i][MODE_VIRTUAL].wall * 1e3,
		       best[i][MODE_VIRTUAL].sys * 1e3,
		       best[i][MODE_VIRTUAL].wall > 0 ?
		       best[i][0].wall / best[i][MODE_VIRTUAL].wall : 0);
	}
}

TEST_HARNESS_MAIN
