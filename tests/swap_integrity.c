// SPDX-License-Identifier: GPL-2.0
/*
 * vswap data integrity: every page that goes out through vswap must come
 * back bit for bit, and the backend counters must say where it went.
 *
 * A region holding a deterministic mix of zero, compressible and random
 * pages (one checksum remembered per page) is pushed out
 *   (a) with MADV_PAGEOUT, where the counters are exact, and
 *   (b) by a cgroup v2 memory.max limit well below the region,
 * with zswap enabled and disabled, while NO physical swap device is active
 * (/proc/swaps holds only the vswap line).  Then every page is read back
 * and compared, the region is freed and vswap must return to idle and
 * unload.
 *
 * Where a page goes (vswap design): zero-filled -> ZERO backend; else
 * zswap if enabled and the page compresses; else it stays in memory in the
 * swap cache (inmem, counted as zswap_reject).  Without zswap only zero
 * pages really leave memory, so the zswap-off pressure workload is mostly
 * zero pages: its other pages have to fit under memory.max.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"
#include "proc.h"

#define PAGEOUT_PAGES		VT_SCALE(8192, 1024)	/* 32 MiB */
#define PRESSURE_PAGES		VT_SCALE(12288, 4096)	/* 48 MiB */
#define PRESSURE_MAX		VT_SCALE_MB(24, 8)
#define FREE_TOL_KB		KB(8)		/* 8 MiB of 32 MiB */
#define CG_NAME			"vswap_integrity"
#define SEED			0x1a2b3c4d5e6fULL

/* zswap on: ~20% random pages stay in memory, the rest leaves */
static const struct page_mix mix_zswap = { 30, 50 };
/* zswap off: only zero pages leave memory; ~10 MiB must stay resident */
static const struct page_mix mix_nozswap = { 80, 10 };

FIXTURE(integrity) {
	struct vd_env env;
};

FIXTURE_VARIANT(integrity) {
	bool zswap;
};

FIXTURE_VARIANT_ADD(integrity, zswap_on) {
	.zswap = true,
};

FIXTURE_VARIANT_ADD(integrity, zswap_off) {
	.zswap = false,
};

FIXTURE_SETUP(integrity)
{
	vd_env_setup(_metadata, &self->env, variant->zswap);
	/* fresh folios in another CPU's LRU batch escape MADV_PAGEOUT */
	ASSERT_EQ(0, vd_pin_cpu());
}

FIXTURE_TEARDOWN_PARENT(integrity)
{
	vd_env_teardown(_metadata, &self->env);
}

/*
 * MADV_PAGEOUT of the whole region.  Nothing else in the guest swaps (no
 * memory pressure, the region is the only thing paged out), so the
 * per-backend slot counts and the swap-out events must match the page
 * kinds exactly.  Swap-in events are exact too: nothing reclaims a page
 * that was read back before the region is freed.
 */
TEST_F_TIMEOUT(integrity, pageout_madvise, 600)
{
	const size_t n = PAGEOUT_PAGES;
	struct vd_stats s0, s1, s2, s3;
	long long free0, free1;
	struct vd_region r;
	size_t k[3], bad, first_bad = 0;
	long swapped;

	vd_count_kinds(0, n, SEED, NULL, k);
	TH_LOG("%zu pages: %zu zero, %zu compressible, %zu random; zswap %s",
	       n, k[PAGE_ZERO], k[PAGE_COMPRESSIBLE], k[PAGE_RANDOM],
	       variant->zswap ? "on" : "off");
	ASSERT_NE(0, k[PAGE_ZERO]);
	ASSERT_NE(0, k[PAGE_COMPRESSIBLE]);
	ASSERT_NE(0, k[PAGE_RANDOM]);

	vm_settle();
	free0 = read_free_incl_pcp_kb();
	ASSERT_EQ(0, vd_region_map(&r, n, false));
	vd_region_fill(&r, 0, n, SEED, NULL);

	ASSERT_EQ(0, vd_stats_read(&s0));
	swapped = vd_pageout_anon(&r, 0, n);
	ASSERT_EQ((long)n, swapped) TH_LOG("MADV_PAGEOUT left pages resident");
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	ASSERT_EQ(0, vd_count_other_swaps());

	/* slots now held, per backend */
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);
	EXPECT_EQ(k[PAGE_ZERO], s1.v[VD_ZERO]);
	EXPECT_EQ(k[PAGE_ZERO], vd_delta(&s1, &s0, VD_SWPOUT_ZERO));
	if (variant->zswap) {
		EXPECT_EQ(k[PAGE_COMPRESSIBLE], s1.v[VD_ZSWAP]);
		EXPECT_EQ(k[PAGE_RANDOM], s1.v[VD_INMEM]);
		EXPECT_EQ(k[PAGE_COMPRESSIBLE], vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP));
		EXPECT_EQ(k[PAGE_RANDOM], vd_delta(&s1, &s0, VD_SWPOUT_INMEM));
		EXPECT_EQ(k[PAGE_RANDOM], vd_delta(&s1, &s0, VD_ZSWAP_REJECT));
	} else {
		EXPECT_EQ(0, s1.v[VD_ZSWAP]);
		EXPECT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM], s1.v[VD_INMEM]);
		EXPECT_EQ(0, vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP));
		EXPECT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM],
			  vd_delta(&s1, &s0, VD_SWPOUT_INMEM));
	}
	EXPECT_EQ(s1.v[VD_SLOTS_USED],
		  s1.v[VD_ZERO] + s1.v[VD_ZSWAP] + s1.v[VD_INMEM]);
	EXPECT_LT(0, s1.v[VD_CLUSTERS]);
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_LARGE_REFUSED));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_ALLOC_FAIL));

	/* read every page back */
	bad = vd_region_verify(&r, 0, n, &first_bad);
	EXPECT_EQ(0, bad) TH_LOG("%zu bad pages, first %zu (%s)", bad, first_bad,
				 page_kind_str(page_kind_of(SEED, first_bad, NULL)));
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("after read-back", &s2);
	EXPECT_EQ(k[PAGE_ZERO], vd_delta(&s2, &s1, VD_SWPIN_ZERO));
	EXPECT_EQ(variant->zswap ? k[PAGE_COMPRESSIBLE] : 0,
		  vd_delta(&s2, &s1, VD_SWPIN_ZSWAP));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));

	/* free it: every slot and every backend page must be released */
	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s3));
	vd_stats_log("after munmap", &s3);
	vm_settle();
	free1 = read_free_incl_pcp_kb();
	TH_LOG("free memory %lld KiB before, %lld KiB after", free0, free1);
	EXPECT_GE(free1, free0 - (long long)FREE_TOL_KB)
		TH_LOG("memory not returned after the region was freed");
}

/*
 * Swap out, then free the region without reading it back: the slots are
 * released from the page table zap, no swap-in happens.
 */
TEST_F_TIMEOUT(integrity, pageout_then_unmap, 300)
{
	const size_t n = PAGEOUT_PAGES / 4;
	struct vd_stats s0, s1, s2;
	struct vd_region r;

	ASSERT_EQ(0, vd_region_map(&r, n, false));
	vd_region_fill(&r, 0, n, SEED ^ 1, NULL);
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ((long)n, vd_pageout_anon(&r, 0, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);
	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after munmap", &s2);
	EXPECT_EQ(0, vd_delta(&s2, &s1, VD_SWPIN_ZERO));
	EXPECT_EQ(0, vd_delta(&s2, &s1, VD_SWPIN_ZSWAP));
}

/*
 * Run the mixed workload in a child process inside a cgroup whose
 * memory.max is half the region, check the counters while the child
 * holds its data, then let the child verify every page.
 */
static void pressure_run(struct __test_metadata *_metadata, struct vd_env *env,
			 bool zswap, const struct page_mix *mix)
{
	const size_t n = PRESSURE_PAGES;
	struct vd_stats s0, s1, s2;
	long long swap_cur, zswap_cur;
	struct vd_child c;
	size_t k[3];
	int rc;

	vd_cg_setup(_metadata, env, CG_NAME, PRESSURE_MAX);
	vd_count_kinds(0, n, SEED, mix, k);
	TH_LOG("%zu pages (%zu MiB): %zu zero, %zu compressible, %zu random; memory.max %lu MiB; zswap %s",
	       n, n * VT_PAGE_SIZE >> 20, k[PAGE_ZERO], k[PAGE_COMPRESSIBLE],
	       k[PAGE_RANDOM], PRESSURE_MAX >> 20, zswap ? "on" : "off");
	ASSERT_EQ(0, vd_stats_read(&s0));

	ASSERT_EQ(0, vd_child_start(&c, env, env->cg));
	if (!c.pid) {
		size_t bad, first_bad = 0, sw = 0, pr = 0;
		struct vd_region r;

		if (vd_region_map(&r, n, false))
			_exit(10);
		vd_region_fill(&r, 0, n, SEED, mix);
		if (!pagemap_count(r.mem, n, &sw, &pr))
			vt_log("child: %zu swapped, %zu present of %zu", sw, pr, n);
		vd_child_checkpoint(&c);
		bad = vd_region_verify(&r, 0, n, &first_bad);
		if (bad) {
			vt_log("child: %zu bad pages, first %zu (%s)", bad,
			       first_bad,
			       page_kind_str(page_kind_of(SEED, first_bad, mix)));
			_exit(1);
		}
		_exit(sw ? 0 : 11);
	}

	ASSERT_TRUE(vd_parent_wait(&c)) TH_LOG("workload died (OOM?)");
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("under pressure", &s1);
	swap_cur = cg_read_ll(env->cg, "memory.swap.current");
	zswap_cur = cg_read_ll(env->cg, "memory.zswap.current");
	TH_LOG("memory.current %lld, memory.swap.current %lld, memory.zswap.current %lld",
	       cg_read_ll(env->cg, "memory.current"), swap_cur, zswap_cur);
	EXPECT_EQ(0, vd_count_other_swaps());
	EXPECT_LT(0, s1.v[VD_SLOTS_USED]);
	EXPECT_LT(0, s1.v[VD_ZERO]);
	/* No disk: swap is charged for physical backing only (README) */
	EXPECT_EQ(0, swap_cur);
	if (zswap) {
		EXPECT_LT(0, s1.v[VD_ZSWAP]);
		EXPECT_LT(0, zswap_cur);
	} else {
		EXPECT_EQ(0, s1.v[VD_ZSWAP]);
		EXPECT_EQ(0, zswap_cur);
	}
	EXPECT_EQ(s1.v[VD_SLOTS_USED],
		  s1.v[VD_ZERO] + s1.v[VD_ZSWAP] + s1.v[VD_INMEM]);
	vd_parent_release(&c);

	rc = vd_child_finish(&c, env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: 1 = data mismatch, 11 = nothing swapped, >128 killed)",
				rc);
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_LT(0, vd_delta(&s2, &s0, VD_SWPOUT_ZERO));
	EXPECT_LT(0, vd_delta(&s2, &s0, VD_SWPIN_ZERO));
	if (zswap) {
		EXPECT_LT(0, vd_delta(&s2, &s0, VD_SWPOUT_ZSWAP));
		EXPECT_LT(0, vd_delta(&s2, &s0, VD_SWPIN_ZSWAP));
	} else {
		EXPECT_EQ(0, vd_delta(&s2, &s0, VD_SWPOUT_ZSWAP));
	}
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after exit", &s2);
}

TEST_F_TIMEOUT(integrity, cgroup_pressure, 600)
{
	pressure_run(_metadata, &self->env, variant->zswap,
		     variant->zswap ? &mix_zswap : &mix_nozswap);
}

/*
 * Headline: zswap works with no physical swap device at all.  On a stock
 * kernel zswap needs a backing swap device to allocate entries from; here
 * vswap provides them.  The workload is under memory.max pressure,
 * memory.zswap.current must be > 0 while it runs, and every page must
 * come back intact.
 */
FIXTURE(nodisk) {
	struct vd_env env;
};

FIXTURE_SETUP(nodisk)
{
	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_EQ(0, vd_pin_cpu());
}

FIXTURE_TEARDOWN_PARENT(nodisk)
{
	vd_env_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(nodisk, zswap_works_without_physical_swap, 600)
{
	ASSERT_EQ(0, vd_count_other_swaps());
	ASSERT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL));
	pressure_run(_metadata, &self->env, true, &mix_zswap);
}

TEST_HARNESS_MAIN
