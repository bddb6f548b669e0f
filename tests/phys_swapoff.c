// SPDX-License-Identifier: GPL-2.0
/*
 * swapoff of physical devices that back vswap slots.
 *
 * vswap walks its own table on swapoff(2) and reads every PHYS slot of the
 * device into memory; processes keep their virtual entries, keep running
 * and keep their data.  With zswap off and every page checksummed:
 *
 *   running_processes: holders block on a pipe with their data on the
 *     device; swapoff returns 0, unuse_moved == the pages that were on
 *     it, the device line is gone, then every holder verifies its pages.
 *   two_devices: swapon -p 10 /dev/vda, -p 5 /dev/vdb: vda takes the
 *     pages; swapoff of each in turn, moved slots swapped out again go
 *     to the remaining device; data verified after each step.
 *   order_independence: swapon before/after loading vswap, swapoff while
 *     vswap is unloaded, reload with the device still on and holding
 *     stock swap entries; swapoff brings back both kinds.
 *
 * /dev/vda and /dev/vdb are overwritten.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "env.h"
#include "proc.h"

#define DEV_HI			VT_PHYS_DEV
#define DEV_LO			VT_PHYS_DEV2
#define HOLDERS			8
#define HOLDER_PAGES		1024		/* 4 MiB each */
#define PAGES			4096		/* 16 MiB */
#define SEED			0x5a0ff5eedULL

/* every page goes to a device: no zero pages */
static const struct page_mix mix_nonzero = { 0, 50 };

FIXTURE(swapoff) {
	struct vd_env env;
};

FIXTURE_SETUP(swapoff)
{
	vd_env_setup(_metadata, &self->env, 0);
	ASSERT_EQ(0, vd_pin_cpu());
}

FIXTURE_TEARDOWN_PARENT(swapoff)
{
	int ret;

	vd_env_teardown(_metadata, &self->env);
	ret = vd_phys_off(DEV_HI);
	EXPECT_EQ(0, ret) TH_LOG("swapoff " DEV_HI ": %s", strerror(-ret));
	ret = vd_phys_off(DEV_LO);
	EXPECT_EQ(0, ret) TH_LOG("swapoff " DEV_LO ": %s", strerror(-ret));
}

static void phys_on(struct __test_metadata *_metadata, const char *dev,
		    int prio)
{
	int ret;

	ASSERT_TRUE(vt_exists(dev)) TH_LOG("%s missing", dev);
	ret = vd_phys_on(dev, prio);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon %s: %s", dev, strerror(-ret));
}

/*
 * swapoff @dev, which holds @on_dev PHYS slots (the only ones there), and
 * check that they all moved to memory and nothing else changed.
 */
static void swapoff_moves(struct __test_metadata *_metadata, const char *dev,
			  unsigned long long on_dev)
{
	struct vd_stats s0, s1;
	int ret;

	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ((long long)on_dev * 4,
		  vd_wait_swap_used(dev, (long long)on_dev * 4));
	ret = swap_off(dev);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", dev, strerror(-ret));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after swapoff", &s1);
	EXPECT_EQ(0, proc_swaps_find(dev, NULL, NULL, NULL));
	EXPECT_EQ(on_dev, vd_delta(&s1, &s0, VD_UNUSE_MOVED));
	EXPECT_EQ(s0.v[VD_PHYS] - on_dev, s1.v[VD_PHYS]);
	EXPECT_EQ(s0.v[VD_INMEM] + on_dev, s1.v[VD_INMEM]);
	EXPECT_EQ(s0.v[VD_SLOTS_USED], s1.v[VD_SLOTS_USED]);
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_IO_ERROR));
}

TEST_F_TIMEOUT(swapoff, running_processes, 600)
{
	const struct page_mix *mix = NULL;
	unsigned long long nonzero = 0;
	struct vd_holders h;
	struct vd_stats s1, s2;
	size_t k[3];
	int i, ret;

	phys_on(_metadata, DEV_HI, -1);
	for (i = 0; i < HOLDERS; i++) {
		vd_count_kinds(0, HOLDER_PAGES, SEED + i, mix, k);
		nonzero += k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM];
	}
	ret = vd_holders_start(&h, &self->env, HOLDERS, HOLDER_PAGES, 0, SEED,
			       mix);
	ASSERT_EQ(0, ret) TH_LOG("holders: %s", strerror(-ret));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("holders swapped out", &s1);
	EXPECT_EQ((unsigned long long)HOLDERS * HOLDER_PAGES,
		  s1.v[VD_SLOTS_USED]);
	ASSERT_EQ(nonzero, s1.v[VD_PHYS]);

	/* the holders are alive, blocked on the pipe, entries mapped */
	swapoff_moves(_metadata, DEV_HI, nonzero);
	for (i = 0; i < h.nr; i++)
		EXPECT_EQ(0, kill(h.pids[i], 0)) TH_LOG("holder %d gone", i);

	ret = vd_holders_finish(&h, &self->env);
	EXPECT_EQ(0, ret) TH_LOG("%d holders failed (1 = data mismatch)", ret);
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(0, vd_delta(&s2, &s1, VD_SWPIN_PHYS));
	EXPECT_EQ(0, vd_delta(&s2, &s1, VD_READ_ERROR));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after exit", &s2);
}

/*
 * MADV_PAGEOUT a region whose slots were moved to memory by a swapoff and
 * then faulted back in: every PTE becomes a swap entry again and the
 * written pages must all land on @dev (none on @other).  Reclaim may keep
 * a few folios unwritten (dirty in the swap cache, an extra reference held
 * elsewhere), so the count on @dev is returned, not assumed.
 */
static unsigned long long pageout_to(struct __test_metadata *_metadata,
				     struct vd_region *r, const char *dev,
				     const char *other)
{
	struct vd_stats s;

	ASSERT_EQ((long)r->nr_pages, vd_pageout_anon(r, 0, r->nr_pages));
	ASSERT_EQ(0, vd_stats_read(&s));
	vd_stats_log("after pageout", &s);
	EXPECT_EQ(r->nr_pages, s.v[VD_PHYS] + s.v[VD_INMEM]);
	EXPECT_LE(r->nr_pages * 9 / 10, s.v[VD_PHYS]);
	EXPECT_EQ((long long)s.v[VD_PHYS] * 4,
		  vd_wait_swap_used(dev, (long long)s.v[VD_PHYS] * 4));
	/* @other is off (-1) or empty */
	if (other) {
		EXPECT_GE(0, vd_swap_used_kb(other));
	}
	return s.v[VD_PHYS];
}

TEST_F_TIMEOUT(swapoff, two_devices, 600)
{
	unsigned long long on;
	struct vd_stats s1, s2;
	struct vd_region r;
	size_t k[3];
	int hi_prio = 0, lo_prio = 0, ret;

	phys_on(_metadata, DEV_HI, 10);
	phys_on(_metadata, DEV_LO, 5);
	ASSERT_EQ(1, proc_swaps_find(DEV_HI, NULL, NULL, &hi_prio));
	ASSERT_EQ(1, proc_swaps_find(DEV_LO, NULL, NULL, &lo_prio));
	EXPECT_EQ(10, hi_prio);
	EXPECT_EQ(5, lo_prio);

	/* the higher priority device takes everything while it has room */
	vd_region_out(_metadata, &r, PAGES, SEED, &mix_nonzero, k);
	ASSERT_EQ(PAGES, k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM]);
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	EXPECT_EQ(PAGES, s1.v[VD_PHYS]);
	EXPECT_EQ(PAGES * 4, vd_wait_swap_used(DEV_HI, PAGES * 4));
	EXPECT_EQ(0, vd_swap_used_kb(DEV_LO));

	/* off the high one: all to memory, the low one is untouched */
	swapoff_moves(_metadata, DEV_HI, PAGES);
	EXPECT_EQ(0, vd_swap_used_kb(DEV_LO));
	vd_region_check(_metadata, &r, SEED, &mix_nonzero, "after swapoff hi");

	/* moved slots swap out again, now to the remaining device */
	on = pageout_to(_metadata, &r, DEV_LO, DEV_HI);

	/* the high one comes back, the low one goes */
	phys_on(_metadata, DEV_HI, 10);
	swapoff_moves(_metadata, DEV_LO, on);
	vd_region_check(_metadata, &r, SEED, &mix_nonzero, "after swapoff lo");

	/* and to the high one again, then off it too */
	on = pageout_to(_metadata, &r, DEV_HI, NULL);
	swapoff_moves(_metadata, DEV_HI, on);
	vd_region_check(_metadata, &r, SEED, &mix_nonzero, "after swapoff hi 2");

	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(0, s2.v[VD_PHYS]);
	EXPECT_EQ(0, s2.v[VD_READ_ERROR] + s2.v[VD_IO_ERROR]);
	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s2));
	ret = vd_count_other_swaps();
	EXPECT_EQ(0, ret);
}

/* Swap a region to @dev through vswap, verify it, free it. */
static void swap_round(struct __test_metadata *_metadata, const char *dev,
		       uint64_t seed)
{
	struct vd_stats s1, s2;
	struct vd_region r;
	size_t k[3];

	vd_region_out(_metadata, &r, PAGES, seed, NULL, k);
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM], s1.v[VD_PHYS]);
	EXPECT_EQ((long long)s1.v[VD_PHYS] * 4,
		  vd_wait_swap_used(dev, (long long)s1.v[VD_PHYS] * 4));
	vd_region_check(_metadata, &r, seed, NULL, dev);
	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s2));
	EXPECT_EQ(0, vd_wait_swap_used(dev, 0));
}

TEST_F_TIMEOUT(swapoff, order_independence, 600)
{
	struct vd_region r, v;
	struct vd_stats s, s2;
	long long stock_kb;
	size_t k[3];
	int ret;

	/* swapon before vswap is loaded */
	ASSERT_EQ(0, vswap_unload());
	phys_on(_metadata, DEV_HI, -1);
	ASSERT_EQ(0, vswap_load(""));
	swap_round(_metadata, DEV_HI, SEED + 1);

	/* unload, swapoff while vswap is gone, swapon again, reload */
	ASSERT_EQ(0, vswap_unload());
	ASSERT_EQ(0, swap_off(DEV_HI));
	phys_on(_metadata, DEV_HI, -1);
	ASSERT_EQ(0, vswap_load(""));
	swap_round(_metadata, DEV_HI, SEED + 2);

	/* swapoff of an idle device while vswap is loaded, then swapon */
	ASSERT_EQ(0, swap_off(DEV_HI));
	ASSERT_EQ(0, vd_count_other_swaps());
	phys_on(_metadata, DEV_HI, -1);
	swap_round(_metadata, DEV_HI, SEED + 3);

	/*
	 * Unload with the device on; stock swap puts a region on it; load
	 * again: stock and vswap-backed entries share the device, and its
	 * swapoff brings back both.
	 */
	ASSERT_EQ(0, vswap_unload());
	ASSERT_EQ(0, vd_swap_used_kb(DEV_HI));
	vd_region_out(_metadata, &r, PAGES, SEED + 5, NULL, k);
	stock_kb = vd_swap_used_kb(DEV_HI);
	TH_LOG("stock: %lld KiB on " DEV_HI, stock_kb);
	ASSERT_LT(0, stock_kb);
	ASSERT_EQ(0, vswap_load(""));
	vd_region_out(_metadata, &v, PAGES, SEED + 6, NULL, k);
	ASSERT_EQ(0, vd_stats_read(&s));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM], s.v[VD_PHYS]);
	EXPECT_EQ(stock_kb + (long long)s.v[VD_PHYS] * 4,
		  vd_wait_swap_used(DEV_HI,
				    stock_kb + (long long)s.v[VD_PHYS] * 4));
	ret = swap_off(DEV_HI);
	ASSERT_EQ(0, ret) TH_LOG("swapoff " DEV_HI ": %s", strerror(-ret));
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(s.v[VD_PHYS], vd_delta(&s2, &s, VD_UNUSE_MOVED));
	EXPECT_EQ(0, s2.v[VD_PHYS]);
	vd_region_check(_metadata, &r, SEED + 5, NULL, "stock region");
	vd_region_check(_metadata, &v, SEED + 6, NULL, "vswap region");
	vd_region_unmap(&r);
	vd_region_unmap(&v);
	ret = vd_wait_idle(&s);
	EXPECT_EQ(0, ret);
}

TEST_HARNESS_MAIN
