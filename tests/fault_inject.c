// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on vswap's own paths (the debug flavor: CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_STACKTRACE_FILTER; the
 * tests skip on a kernel without them).
 *
 * Slab and page allocations are made to fail with a given probability, but
 * only those of this task (task-filter, /proc/self/make-it-fail) and only
 * those with a vswap function on the stack (require-start/require-end set
 * to vswap.ko's text): cluster and swap_map page allocations, zswap stores
 * made by vswap, its bios and, in swapoff, its swap cache folios (user
 * pages, hence ignore-gfp-highmem=N).  The test's own faults allocate
 * their pages before vswap is on the stack, so they never fail.  Verbose
 * is off: a failed allocation's own warning is not a problem report.
 *
 *   swapout (zswap + disk, disk, zswap only): per probability (10, 50 and
 *       100 %), a region of zero, compressible and random pages is paged
 *       out under injection; whatever could not be swapped stays resident
 *       or in memory, every page reads back identical, a second page-out
 *       without injection swaps everything, and after the free vswap is
 *       idle.  Faults must really have been injected.
 *   swapoff: with the swap cache evicted, swapoff of the disk backend
 *       under injection (vswap's batches and swap cache folios) fails
 *       with ENOMEM or succeeds; either way nothing is lost, and without
 *       injection it succeeds.
 *   load: vswap.ko loaded with the loading task's nth allocation failing,
 *       n swept over the load (module loader included): ENOMEM and
 *       nothing left behind, or an idle device that unloads; no leak.
 *   phys_full: a 1 MiB swap area as the only backend, zswap off: slots
 *       that find no physical slot stay in memory (swpout_inmem), the
 *       device never holds more than its size, every page comes back.
 *
 * The host scans the kernel log of the run for WARNING/BUG/KASAN/lockdep.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"
#include "faultinj.h"

#define CG_NAME			"vswap_fi"
#define PAGES			VT_SCALE(4096, 1024)	/* 16 MiB */
#define SEED			0xfa11ed5eedULL
#define TIMES			1000000L

static const char * const fi_dirs[] = { FI_FAILSLAB, FI_FAILPAGE };

/*
 * [start, end) of vswap.ko's text from /proc/kallsyms; the end is one page
 * past the last function (module memory is page granular, so the range
 * still covers only vswap.ko).  0 or -errno.
 */
static int vswap_text_range(unsigned long long *start, unsigned long long *end)
{
	unsigned long long addr, lo = ~0ULL, hi = 0;
	char line[512], type, name[256], mod[64];
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name,
			   mod) != 4 || strcmp(mod, VSWAP_MOD_NAME) ||
		    (type != 't' && type != 'T'))
			continue;
		if (addr < lo)
			lo = addr;
		if (addr > hi)
			hi = addr;
	}
	fclose(f);
	if (!hi || !lo)
		return -ENOENT;	/* no module symbols, or addresses hidden */
	*start = lo;
	*end = hi + 4096;
	return 0;
}

/*
 * Fail @pct % of the matching allocations of a make-it-fail task, or with
 * fi_arm_nth(), only its @nth matching allocation.
 */
static long long fi_times;

static int fi_arm_nth(int pct, long nth, long times, unsigned long long start,
		      unsigned long long end)
{
	char v[32];
	int i, ret = 0;

	/* the filters first: until they are set, everyone would fail */
	for (i = 0; i < 2; i++) {
		const char *d = fi_dirs[i];

		ret |= fi_set(d, "probability", "0");
		snprintf(v, sizeof(v), "%ld", nth);
		ret |= fi_set(d, "interval", v);
		snprintf(v, sizeof(v), "%ld", times);
		ret |= fi_set(d, "times", v);
		ret |= fi_set(d, "space", "0");
		ret |= fi_set(d, "verbose", "0");
		ret |= fi_set(d, "task-filter", "Y");
		ret |= fi_set(d, "ignore-gfp-wait", "N");
		snprintf(v, sizeof(v), "%llu", start);
		ret |= fi_set(d, "require-start", v);
		snprintf(v, sizeof(v), "%llu", end);
		ret |= fi_set(d, "require-end", v);
	}
	/* swapoff's swap cache folios are user pages (GFP_HIGHUSER_MOVABLE) */
	ret |= fi_set(FI_FAILPAGE, "ignore-gfp-highmem", "N");
	ret |= fi_set(FI_FAILPAGE, "min-order", "0");
	snprintf(v, sizeof(v), "%d", pct);
	fi_times = times;
	for (i = 0; !ret && i < 2; i++)
		ret |= fi_set(fi_dirs[i], "probability", v);
	return ret ? -EIO : 0;
}

static int fi_arm(int pct, unsigned long long start, unsigned long long end)
{
	return fi_arm_nth(pct, 1, TIMES, start, end);
}

/* Stop injecting; returns how many faults were injected since fi_arm(). */
static long long fi_disarm(void)
{
	long long n = 0, left;
	int i;

	for (i = 0; i < 2; i++) {
		fi_set(fi_dirs[i], "probability", "0");
		left = fi_get(fi_dirs[i], "times");
		if (left >= 0)
			n += fi_times - left;
		fi_set(fi_dirs[i], "times", "1");
		fi_set(fi_dirs[i], "interval", "1");
		fi_set(fi_dirs[i], "task-filter", "Y");
	}
	return n;
}

/* Turning it off may itself hit an injected failure: retry */
static int make_it_fail(bool on)
{
	int i, ret;

	for (i = 0; i < 100; i++) {
		ret = vt_write_file("/proc/self/make-it-fail", on ? "1" : "0");
		if (!ret || on)
			break;
	}
	return ret;
}

FIXTURE(fi) {
	struct vd_env env;
	unsigned long long text_start, text_end;
	bool phys;
};

FIXTURE_VARIANT(fi) {
	int zswap;
	bool disk;
};

FIXTURE_VARIANT_ADD(fi, zswap_disk) {
	.zswap = 1,
	.disk = true,
};

FIXTURE_VARIANT_ADD(fi, disk) {
	.zswap = 0,
	.disk = true,
};

FIXTURE_VARIANT_ADD(fi, zswap_only) {
	.zswap = 1,
	.disk = false,
};

FIXTURE_SETUP(fi)
{
	int ret;

	self->phys = false;
	self->env.zswap_saved = -1;
	self->env.cg[0] = '\0';
	self->env.nr_pids = 0;
	if (!fi_available())
		SKIP(return, "no fault injection with a stack filter (debug flavor: VSWAP_FLAVOR=debug)");
	vd_env_setup(_metadata, &self->env, variant->zswap);
	ASSERT_EQ(0, vd_pin_cpu());
	ret = vswap_text_range(&self->text_start, &self->text_end);
	ASSERT_EQ(0, ret) TH_LOG("vswap text in /proc/kallsyms: %s",
				 strerror(-ret));
	if (variant->disk) {
		ASSERT_TRUE(vt_exists(VT_PHYS_DEV));
		ret = vd_phys_on(VT_PHYS_DEV, -1);
		ASSERT_EQ(0, ret) TH_LOG("swapon %s: %s", VT_PHYS_DEV,
					 strerror(-ret));
		self->phys = true;
	}
}

FIXTURE_TEARDOWN_PARENT(fi)
{
	fi_disarm();
	if (self->env.zswap_saved < 0 && !self->phys)
		return;		/* skipped */
	vd_env_teardown(_metadata, &self->env);
	if (self->phys)
		EXPECT_EQ(0, vd_phys_off(VT_PHYS_DEV));
}

/* MADV_PAGEOUT of all of @r once, with injection armed at @pct %. */
static long long pageout_injected(struct __test_metadata *_metadata,
				  FIXTURE_DATA(fi) *self, struct vd_region *r,
				  int pct)
{
	long long n;
	int ret;

	ASSERT_EQ(0, fi_arm(pct, self->text_start, self->text_end));
	ASSERT_EQ(0, make_it_fail(true));
	ret = madvise(r->mem, r->nr_pages * VT_PAGE_SIZE, MADV_PAGEOUT);
	make_it_fail(false);
	n = fi_disarm();
	EXPECT_EQ(0, ret) TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
	return n;
}

TEST_F_TIMEOUT(fi, swapout, 900)
{
	static const int pcts[] = { 10, 50, 100 };
	long long injected, total = 0;
	struct vd_stats s0, s1;
	struct vd_region r;
	size_t swapped;
	unsigned int i;
	int ret;

	ASSERT_EQ(0, vd_region_map(&r, PAGES, false));
	ASSERT_EQ(0, vd_stats_read(&s0));
	for (i = 0; i < ARRAY_SIZE(pcts); i++) {
		uint64_t seed = SEED + i;

		vd_region_fill(&r, 0, PAGES, seed, NULL);
		injected = pageout_injected(_metadata, self, &r, pcts[i]);
		total += injected;
		ASSERT_EQ(0, pagemap_count(r.mem, PAGES, &swapped, NULL));
		TH_LOG("%d%%: %lld faults injected, %zu of %d pages swapped out",
		       pcts[i], injected, swapped, PAGES);
		vd_region_check(_metadata, &r, seed, NULL,
				"after injected page-out");

		/* Nothing is stuck: without injection everything goes */
		ASSERT_EQ(PAGES, vd_pageout_anon(&r, 0, PAGES));
		vd_region_check(_metadata, &r, seed, NULL, "after page-out");
	}
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_IO_ERROR));
	vd_region_unmap(&r);
	EXPECT_LT(0, total) TH_LOG("no fault was injected: the test tested nothing");
	ret = vd_wait_idle(&s1);
	if (ret)
		vd_stats_log("not idle", &s1);
	ASSERT_EQ(0, ret);
}

TEST_F_TIMEOUT(fi, swapoff, 900)
{
	static const int pcts[] = { 1, 1, 2, 5, 20 };
	long long injected = 0, n, cached;
	struct vd_stats s0, s1;
	struct vd_region r;
	size_t k[3];
	int ret = 0, i;

	if (!variant->disk || variant->zswap)
		SKIP(return, "swapoff runs on the disk-only variant");
	/* our pages in a cgroup of our own, whose swap cache can be evicted */
	vd_cg_setup(_metadata, &self->env, CG_NAME, MB(1024));
	ASSERT_EQ(0, cg_enter(self->env.cg, getpid()));
	vd_region_out(_metadata, &r, PAGES, SEED, NULL, k);
	/*
	 * memory.reclaim also pages out a few of this task's own pages,
	 * which come back through the swap cache (swap-in from disk reads
	 * ahead): those may stay cached, the region's copies must not.
	 */
	cached = vd_evict_swap_cache(self->env.cg);
	ASSERT_GE(16LL * VT_PAGE_SIZE, cached)
		TH_LOG("%lld bytes still in the swap cache", cached);
	/*
	 * A few tries (reading the data in between would fault it all
	 * back): each may fail with ENOMEM at any point, leaving the slots
	 * moved so far in memory.
	 */
	for (i = 0; i < (int)ARRAY_SIZE(pcts); i++) {
		ASSERT_EQ(0, vd_stats_read(&s0));
		ASSERT_EQ(0, fi_arm(pcts[i], self->text_start, self->text_end));
		ASSERT_EQ(0, make_it_fail(true));
		ret = swap_off(VT_PHYS_DEV);
		make_it_fail(false);
		n = fi_disarm();
		injected += n;
		ASSERT_EQ(0, vd_stats_read(&s1));
		TH_LOG("swapoff under injection (%d%%): %s, %lld faults injected, %lld slots moved",
		       pcts[i], ret ? strerror(-ret) : "ok", n,
		       vd_delta(&s1, &s0, VD_UNUSE_MOVED));
		if (!ret)
			break;
		EXPECT_EQ(-ENOMEM, ret);
	}
	if (ret)
		ASSERT_EQ(0, swap_off(VT_PHYS_DEV));
	self->phys = false;
	EXPECT_EQ(0, proc_swaps_find(VT_PHYS_DEV, NULL, NULL, NULL));
	vd_region_check(_metadata, &r, SEED, NULL, "after swapoff");
	vd_region_unmap(&r);
	TH_LOG("%lld faults injected", injected);
	EXPECT_LT(0, injected) TH_LOG("no fault was injected");
}

/* ---------------------------------------------------------------------
 * load: vswap_init() and the module loader under injection
 */

#define LOAD_TRIES		28	/* nth up to ~10^5 */
#define LOAD_SLAB_TOL_KB	512
#define LOAD_FREE_TOL_KB	4096

FIXTURE(load) {
	bool armed;
};

FIXTURE_SETUP(load)
{
	self->armed = false;
	if (!fi_available())
		SKIP(return, "no fault injection (debug flavor: VSWAP_FLAVOR=debug)");
	vd_swapoff_others();
	ASSERT_EQ(0, vswap_ensure_unloaded());
	self->armed = true;
}

FIXTURE_TEARDOWN_PARENT(load)
{
	fi_disarm();
	if (self->armed)
		EXPECT_EQ(0, vswap_ensure_unloaded());
}

/*
 * Loads in which the loading task's nth allocation fails, for n spread
 * over the whole load: nothing of vswap is known before it loads, so there
 * is no stack filter, and the module loader's allocations fail too.  A
 * load fails with ENOMEM and leaves nothing behind, or succeeds with an
 * idle device that unloads.
 */
TEST_F_TIMEOUT(load, init_allocs_fail, 600)
{
	long long slab0, slab1, free0, free1, injected = 0, n;
	int i, ret, failed = 0;
	struct vd_stats s;
	long nth = 1;

	ASSERT_EQ(0, vswap_load(""));
	ASSERT_EQ(0, vswap_unload());
	vm_settle();
	slab0 = read_meminfo_kb("Slab");
	free0 = read_free_incl_pcp_kb();

	for (i = 0; i < LOAD_TRIES; i++, nth = nth * 3 / 2 + 1) {
		ASSERT_EQ(0, fi_arm_nth(100, nth, 1, 0, ~0ULL));
		ASSERT_EQ(0, make_it_fail(true));
		ret = vswap_load("");
		ASSERT_EQ(0, make_it_fail(false));
		n = fi_disarm();
		injected += n;
		if (ret) {
			failed++;
			EXPECT_EQ(-ENOMEM, ret)
				TH_LOG("try %d: load: %s", i, strerror(-ret));
			ASSERT_FALSE(vswap_loaded()) TH_LOG("try %d", i);
			ASSERT_EQ(0, proc_swaps_find("vswap", NULL, NULL, NULL));
			continue;
		}
		ASSERT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL));
		/* debugfs failures are ignored, as upstream asks */
		ret = vd_wait_idle(&s);
		if (ret == -ENOENT)
			TH_LOG("try %d: loaded without all its debugfs files", i);
		else
			ASSERT_EQ(0, ret) TH_LOG("try %d", i);
		ASSERT_EQ(0, vswap_unload()) TH_LOG("try %d", i);
	}

	/* and a clean load still works */
	ASSERT_EQ(0, vswap_load(""));
	ASSERT_EQ(0, vswap_unload());
	vm_settle();
	slab1 = read_meminfo_kb("Slab");
	free1 = read_free_incl_pcp_kb();
	TH_LOG("%d loads (nth allocation failing, nth 1..%ld), %d failed, %lld faults injected; Slab %+lld KiB, free %+lld KiB",
	       LOAD_TRIES, nth, failed, injected, slab1 - slab0, free1 - free0);
	EXPECT_LT(0, injected);
	EXPECT_LE(slab1 - slab0, LOAD_SLAB_TOL_KB);
	EXPECT_LE(free0 - free1, LOAD_FREE_TOL_KB);
}

/* ---------------------------------------------------------------------
 * phys_full: the only backend is too small
 */

FIXTURE(full) {
	struct vd_env env;
};

FIXTURE_SETUP(full)
{
	char *mk[] = { "mkswap", VT_PHYS_DEV, "1024", NULL };

	vd_env_setup(_metadata, &self->env, 0);
	ASSERT_EQ(0, vd_pin_cpu());
	ASSERT_TRUE(vt_exists(VT_PHYS_DEV));
	vd_phys_off(VT_PHYS_DEV);
	ASSERT_EQ(0, vt_run(mk)) TH_LOG("mkswap %s 1024", VT_PHYS_DEV);
	ASSERT_EQ(0, swap_on(VT_PHYS_DEV, 0));
}

FIXTURE_TEARDOWN_PARENT(full)
{
	vd_env_teardown(_metadata, &self->env);
	EXPECT_EQ(0, vd_phys_off(VT_PHYS_DEV));
}

TEST_F_TIMEOUT(full, phys_full, 600)
{
	static const struct page_mix all_random = { 0, 0 };
	struct vd_stats s0, s1;
	unsigned long long size = 0;
	struct vd_region r;
	long long size_kb;
	size_t k[3];

	ASSERT_EQ(0, vd_stats_read(&s0));
	vd_region_out(_metadata, &r, PAGES, SEED ^ 1, &all_random, k);
	ASSERT_EQ(0, vd_stats_read(&s1));
	ASSERT_EQ(1, proc_swaps_find(VT_PHYS_DEV, &size, NULL, NULL));
	size_kb = size;
	ASSERT_LT(0, size_kb);
	TH_LOG("%s: %lld KiB; phys %llu, inmem %llu", VT_PHYS_DEV, size_kb,
	       s1.v[VD_PHYS], s1.v[VD_INMEM]);
	EXPECT_GE(size_kb / 4, (long long)s1.v[VD_PHYS]);
	EXPECT_LE(vd_swap_used_kb(VT_PHYS_DEV), size_kb);
	EXPECT_EQ(PAGES, s1.v[VD_PHYS] + s1.v[VD_INMEM]);
	EXPECT_LT(0, vd_delta(&s1, &s0, VD_SWPOUT_INMEM));
	vd_region_check(_metadata, &r, SEED ^ 1, &all_random, "read back");
	vd_region_unmap(&r);
	ASSERT_EQ(0, vd_wait_idle(&s1));
	EXPECT_EQ(0, vd_wait_swap_used(VT_PHYS_DEV, 0));
}

TEST_HARNESS_MAIN
