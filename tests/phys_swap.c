// SPDX-License-Identifier: GPL-2.0
/*
 * Physical swap must keep working exactly as on a stock kernel while vswap
 * is not loaded.
 *
 * mkswap + swapon /dev/vda, then push a 64 MiB region holding a mix of zero,
 * compressible and random pages out (a) with MADV_PAGEOUT and (b) under a
 * cgroup v2 memory.max limit, check that swap was really used and that every
 * page reads back intact, and (c) swapoff while the data is still mapped.
 * Each test runs with zswap disabled and with stock zswap enabled in front
 * of the disk; the zswap setting is restored afterwards.
 *
 * The disk, VT_PHYS_DEV, is overwritten.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"

#define REGION_SIZE		MB(64)
#define CG_NAME			"vswap_phys_swap"
#define CG_MEMORY_MAX		MB(16)

FIXTURE(phys_swap) {
	char dev[256];
	int zswap_saved;	/* setting to restore; -1: not touched */
	char cg[256];		/* cgroup to remove; "" if none */
	long long swaptotal0;	/* SwapTotal before our swapon */
	void *mem;
	size_t nr_pages;
};

FIXTURE_VARIANT(phys_swap) {
	bool zswap;
};

FIXTURE_VARIANT_ADD(phys_swap, zswap_off) {
	.zswap = false,
};

FIXTURE_VARIANT_ADD(phys_swap, zswap_on) {
	.zswap = true,
};

/* Undo whatever setup or a test changed; used by teardown and setup. */
static void phys_cleanup(struct __test_metadata *_metadata,
			 FIXTURE_DATA(phys_swap) *self)
{
	int ret;

	if (self->mem) {
		munmap(self->mem, self->nr_pages * VT_PAGE_SIZE);
		self->mem = NULL;
	}
	if (self->cg[0]) {
		ret = cg_remove(self->cg, true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", self->cg, strerror(-ret));
		self->cg[0] = '\0';
	}
	if (proc_swaps_find(self->dev, NULL, NULL, NULL) > 0) {
		ret = swap_off(self->dev);
		EXPECT_EQ(0, ret) TH_LOG("cleanup: swapoff %s: %s", self->dev,
					 strerror(-ret));
	}
	if (self->zswap_saved >= 0) {
		ret = zswap_set_enabled(self->zswap_saved);
		EXPECT_EQ(0, ret) TH_LOG("cannot restore zswap enabled=%d",
					 self->zswap_saved);
		self->zswap_saved = -1;
	}
}

FIXTURE_SETUP(phys_swap)
{
	struct swaps_line l = { 0 };
	long long bytes;
	int ret;

	self->zswap_saved = -1;
	self->cg[0] = '\0';
	self->mem = NULL;
	self->nr_pages = REGION_SIZE / VT_PAGE_SIZE;
	snprintf(self->dev, sizeof(self->dev), "%s", VT_PHYS_DEV);

	if (!vt_exists(self->dev))
		SKIP(return, "%s missing: no disk for physical swap", self->dev);

	ret = vswap_ensure_unloaded();
	ASSERT_EQ(0, ret)
		TH_LOG("vswap is loaded and cannot be unloaded (%s); physical swap must be tested without it",
		       strerror(-ret));

	/* left active by a test that was killed? */
	if (proc_swaps_find(self->dev, NULL, NULL, NULL) > 0)
		swap_off(self->dev);
	self->swaptotal0 = read_meminfo_kb("SwapTotal");
	bytes = blkdev_bytes(self->dev);
	ASSERT_GT(bytes, 0) TH_LOG("%s: size: %s", self->dev, strerror(-bytes));

	ret = zswap_get_enabled();
	if (ret < 0 && variant->zswap)
		SKIP(return, "zswap not available (%s): %s", ZSWAP_ENABLED,
		     strerror(-ret));
	if (ret >= 0) {
		self->zswap_saved = ret;
		ret = zswap_set_enabled(variant->zswap);
		ASSERT_EQ(0, ret) {
			TH_LOG("cannot %s zswap: %s",
			       variant->zswap ? "enable" : "disable", strerror(-ret));
			phys_cleanup(_metadata, self);
		}
	}

	ret = swap_mkswap(self->dev);
	ASSERT_EQ(0, ret) {
		TH_LOG("mkswap %s failed (%d)", self->dev, ret);
		phys_cleanup(_metadata, self);
	}
	ret = swap_on(self->dev, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("swapon %s: %s", self->dev, strerror(-ret));
		phys_cleanup(_metadata, self);
	}

	/* the partition line: whole device minus the header page, idle */
	EXPECT_EQ(1, proc_swaps_lookup(self->dev, &l));
	EXPECT_STREQ("partition", l.type);
	EXPECT_EQ((bytes / VT_PAGE_SIZE - 1) * 4, l.size_kb);
	EXPECT_EQ(0, l.used_kb);
	EXPECT_LT(l.prio, 0) TH_LOG("swapon without a priority gets a negative one");
	EXPECT_EQ(self->swaptotal0 + (long long)l.size_kb,
		  read_meminfo_kb("SwapTotal"));
}

FIXTURE_TEARDOWN(phys_swap)
{
	phys_cleanup(_metadata, self);
}

/* Anonymous region of small pages: zswap only takes order-0 folios. */
static void *region_alloc(struct __test_metadata *_metadata, size_t size)
{
	void *mem;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem) TH_LOG("mmap: %s", strerror(errno));
	/* fails with EINVAL without THP support; then pages are small anyway */
	madvise(mem, size, MADV_NOHUGEPAGE);
	return mem;
}

static void fill_region(struct __test_metadata *_metadata, void *mem,
			size_t nr_pages, uint64_t seed)
{
	size_t counts[3];

	pattern_fill(mem, nr_pages, seed, NULL);
	pattern_count(nr_pages, seed, NULL, counts);
	TH_LOG("%zu pages: %zu zero, %zu compressible, %zu random", nr_pages,
	       counts[PAGE_ZERO], counts[PAGE_COMPRESSIBLE], counts[PAGE_RANDOM]);
	ASSERT_GT(counts[PAGE_ZERO], 0);
	ASSERT_GT(counts[PAGE_COMPRESSIBLE], 0);
	ASSERT_GT(counts[PAGE_RANDOM], 0);
}

static void verify_region(struct __test_metadata *_metadata, const void *mem,
			  size_t nr_pages, uint64_t seed, const char *when)
{
	struct page_mismatch mm = { 0 };
	size_t bad;

	bad = pattern_verify(mem, nr_pages, seed, NULL, &mm);
	if (bad) {
		TH_LOG("data corrupt %s", when);
		pattern_report(&mm, nr_pages);
	}
	ASSERT_EQ(0, bad);
}

/*
 * Swapped/present pages of the region; exact via pagemap, else estimated
 * (then *slack is the error allowed, see region_swap_state()).
 */
static void region_state(struct __test_metadata *_metadata, const void *mem,
			 size_t n, size_t *swapped, size_t *present,
			 size_t *slack)
{
	int ret = region_swap_state(mem, n, swapped, present);

	ASSERT_LE(0, ret) TH_LOG("region state: %s", strerror(-ret));
	*slack = ret ? REGION_EST_SLACK : 0;
	if (ret)
		TH_LOG("no /proc/self/pagemap (CONFIG_PROC_PAGE_MONITOR=n): estimating from VmSwap/RssAnon, +-%zu pages",
		       *slack);
}

struct swap_events {
	long long pswpout, zswpout, swpout_zero;
	long long pswpin, zswpin, swpin_zero;
};

static void swap_events_read(struct swap_events *ev)
{
	ev->pswpout = read_vmstat("pswpout");
	ev->zswpout = read_vmstat("zswpout");
	ev->swpout_zero = read_vmstat("swpout_zero");
	ev->pswpin = read_vmstat("pswpin");
	ev->zswpin = read_vmstat("zswpin");
	ev->swpin_zero = read_vmstat("swpin_zero");
}

/*
 * Data that was reclaimed long ago came back from the backends, not from
 * the swap cache: zero pages from the zeromap, the rest from the disk or,
 * with zswap on, at least partly from zswap.
 */
static void check_swapin_events(struct __test_metadata *_metadata,
				const struct swap_events *before, bool zswap)
{
	struct swap_events after;

	swap_events_read(&after);
	TH_LOG("vmstat: pswpin %+lld, zswpin %+lld, swpin_zero %+lld",
	       after.pswpin - before->pswpin, after.zswpin - before->zswpin,
	       after.swpin_zero - before->swpin_zero);
	EXPECT_GT(after.swpin_zero - before->swpin_zero, 0);
	if (zswap) {
		EXPECT_GT(after.zswpin - before->zswpin, 0);
	} else {
		EXPECT_EQ(0, after.zswpin - before->zswpin);
		EXPECT_GT(after.pswpin - before->pswpin, 0);
	}
}

/*
 * Where did the pages go?  Zero pages never reach a backend (swap zeromap);
 * with zswap off nothing may be stored in zswap and the rest is written to
 * the disk; with zswap on the compressible pages are stored by zswap.
 */
static void check_swap_events(struct __test_metadata *_metadata,
			      const struct swap_events *before, bool zswap)
{
	struct swap_events after;

	swap_events_read(&after);
	TH_LOG("vmstat: pswpout %+lld, zswpout %+lld, swpout_zero %+lld",
	       after.pswpout - before->pswpout, after.zswpout - before->zswpout,
	       after.swpout_zero - before->swpout_zero);
	ASSERT_GE(before->pswpout, 0);
	EXPECT_GT(after.swpout_zero - before->swpout_zero, 0);
	if (zswap) {
		EXPECT_GT(after.zswpout - before->zswpout, 0);
	} else {
		EXPECT_EQ(0, after.zswpout - before->zswpout);
		EXPECT_GT(after.pswpout - before->pswpout, 0);
	}
}

/* (a) MADV_PAGEOUT, then read back every page. */
TEST_F_TIMEOUT(phys_swap, pageout_madvise, 300)
{
	uint64_t seed = 0x9a6e0a7ULL + variant->zswap;
	size_t n = self->nr_pages, swapped, present, slack;
	unsigned long long used_kb = 0;
	struct swap_events ev;
	long long stored;

	self->mem = region_alloc(_metadata, REGION_SIZE);
	fill_region(_metadata, self->mem, n, seed);
	swap_events_read(&ev);

	ASSERT_EQ(0, madvise(self->mem, REGION_SIZE, MADV_PAGEOUT))
		TH_LOG("MADV_PAGEOUT: %s", strerror(errno));

	region_state(_metadata, self->mem, n, &swapped, &present, &slack);
	TH_LOG("after MADV_PAGEOUT: %zu swapped, %zu present of %zu",
	       swapped, present, n);
	ASSERT_GE(swapped, n * 9 / 10) TH_LOG("MADV_PAGEOUT left most pages in memory");
	EXPECT_GT(read_status_kb("VmSwap"), 0);
	ASSERT_EQ(1, proc_swaps_find(self->dev, NULL, &used_kb, NULL));
	TH_LOG("%s used %llu KiB", self->dev, used_kb);
	EXPECT_GT(used_kb, 0);
	check_swap_events(_metadata, &ev, variant->zswap);
	if (variant->zswap) {
		stored = zswap_debugfs_read("stored_pages");
		TH_LOG("zswap stored_pages %lld", stored);
		if (stored >= 0) {
			EXPECT_GT(stored, 0);
		}
	}

	verify_region(_metadata, self->mem, n, seed, "after MADV_PAGEOUT");
	/* reading it back brought every page in */
	region_state(_metadata, self->mem, n, &swapped, &present, &slack);
	EXPECT_LE(swapped, slack);
	EXPECT_GE(present, n - slack);
}

struct cg_result {
	int stage;		/* CG_STAGE_* reached */
	int err;		/* -errno of a failed step */
	size_t swapped;		/* pages swapped out after the fill */
	size_t present;
	size_t slack;		/* error allowed in swapped/present */
	long long swap_current;	/* memory.swap.current after the fill */
	long long zswap_current;
	long long vmswap_kb;
	size_t bad;
	struct page_mismatch mm;
};

enum {
	CG_STAGE_START,
	CG_STAGE_ENTERED,
	CG_STAGE_MAPPED,
	CG_STAGE_FILLED,
	CG_STAGE_VERIFIED,
};

static const char * const cg_stage_str[] = {
	"start", "entered cgroup", "mapped", "filled", "verified",
};

/* The workload, run in a child inside the limited cgroup. */
static void __noreturn
cg_child(const char *cg, size_t n, uint64_t seed, struct cg_result *r)
{
	void *mem;

	r->err = cg_enter(cg, 0);
	if (r->err)
		_exit(1);
	r->stage = CG_STAGE_ENTERED;

	mem = mmap(NULL, n * VT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		r->err = -errno;
		_exit(1);
	}
	madvise(mem, n * VT_PAGE_SIZE, MADV_NOHUGEPAGE);
	r->stage = CG_STAGE_MAPPED;

	pattern_fill(mem, n, seed, NULL);
	r->stage = CG_STAGE_FILLED;

	r->err = region_swap_state(mem, n, &r->swapped, &r->present);
	if (r->err < 0)
		_exit(1);
	r->slack = r->err ? REGION_EST_SLACK : 0;
	r->err = 0;
	r->swap_current = cg_read_ll(cg, "memory.swap.current");
	r->zswap_current = cg_read_ll(cg, "memory.zswap.current");
	r->vmswap_kb = read_status_kb("VmSwap");

	/* reading back under the limit swaps in and out again */
	r->bad = pattern_verify(mem, n, seed, NULL, &r->mm);
	r->stage = CG_STAGE_VERIFIED;
	_exit(0);
}

/* (b) memory.max well below the region size forces reclaim into swap. */
TEST_F_TIMEOUT(phys_swap, cgroup_pressure, 600)
{
	uint64_t seed = 0xc9a0b5ULL + variant->zswap;
	size_t n = self->nr_pages, max_resident = CG_MEMORY_MAX / VT_PAGE_SIZE;
	struct swap_events ev;
	struct cg_result *r;
	long long peak;
	char buf[32];
	int ret, status;
	pid_t pid;

	ret = cg_create_memcg(CG_NAME, self->cg, sizeof(self->cg));
	if (ret)
		self->cg[0] = '\0';
	ASSERT_EQ(0, ret) TH_LOG("create cgroup " CG_NAME ": %s", strerror(-ret));
	snprintf(buf, sizeof(buf), "%lu", CG_MEMORY_MAX);
	ASSERT_EQ(0, cg_write(self->cg, "memory.max", buf));
	ret = cg_write(self->cg, "memory.swap.max", "max");
	ASSERT_EQ(0, ret) TH_LOG("memory.swap.max: %s", strerror(-ret));

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));

	swap_events_read(&ev);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		cg_child(self->cg, n, seed, r);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	if (WIFSIGNALED(status))
		TH_LOG("workload killed by signal %d at stage '%s' (oom_kill %lld)",
		       WTERMSIG(status), cg_stage_str[r->stage],
		       cg_read_key_ll(self->cg, "memory.events", "oom_kill"));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("workload failed at stage '%s': %s",
		       cg_stage_str[r->stage], strerror(-r->err));
	ASSERT_EQ(CG_STAGE_VERIFIED, r->stage);

	TH_LOG("after fill: %zu swapped, %zu present of %zu; memory.swap.current %lld, memory.zswap.current %lld, VmSwap %lld KiB",
	       r->swapped, r->present, n, r->swap_current, r->zswap_current,
	       r->vmswap_kb);
	TH_LOG("memory.stat: zswpout %lld, swpout_zero %lld",
	       cg_read_key_ll(self->cg, "memory.stat", "zswpout"),
	       cg_read_key_ll(self->cg, "memory.stat", "swpout_zero"));

	/* the limit held: at most memory.max worth of pages stayed resident */
	if (r->slack)
		TH_LOG("no /proc/self/pagemap: page counts estimated, +-%zu pages",
		       r->slack);
	EXPECT_LE(r->present, max_resident + r->slack);
	EXPECT_GE(r->swapped + r->present, n - r->slack)
		TH_LOG("pages neither present nor swapped");
	EXPECT_LE(r->swapped + r->present, n);
	EXPECT_GE(r->swapped, n - max_resident - r->slack);
	EXPECT_GT(r->swap_current, 0);
	peak = cg_read_ll(self->cg, "memory.peak");
	TH_LOG("memory.peak %lld", peak);
	/*
	 * zswap charges its compressed copy from reclaim (PF_MEMALLOC) with a
	 * charge that must succeed (obj_cgroup_charge_zswap()), so the peak
	 * may overshoot memory.max a little with zswap on.
	 */
	if (peak >= 0) {
		EXPECT_LE(peak, (long long)(CG_MEMORY_MAX +
					    (variant->zswap ? MB(1) : 0)));
	}
	check_swap_events(_metadata, &ev, variant->zswap);
	check_swapin_events(_metadata, &ev, variant->zswap);

	if (r->bad)
		pattern_report(&r->mm, n);
	EXPECT_EQ(0, r->bad) TH_LOG("data corrupt under memory.max pressure");

	munmap(r, sizeof(*r));
	ret = cg_remove(self->cg, true);
	EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", self->cg, strerror(-ret));
	self->cg[0] = '\0';
}

/* (c) swapoff while the swapped-out data is still mapped. */
TEST_F_TIMEOUT(phys_swap, swapoff_while_mapped, 300)
{
	uint64_t seed = 0x5a0ff00ULL + variant->zswap;
	size_t n = self->nr_pages, swapped, present, slack;
	unsigned long long used_kb = 0;
	long long stored;
	int ret;

	self->mem = region_alloc(_metadata, REGION_SIZE);
	fill_region(_metadata, self->mem, n, seed);
	ASSERT_EQ(0, madvise(self->mem, REGION_SIZE, MADV_PAGEOUT))
		TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
	region_state(_metadata, self->mem, n, &swapped, &present, &slack);
	ASSERT_GE(swapped, n * 9 / 10);
	ASSERT_EQ(1, proc_swaps_find(self->dev, NULL, &used_kb, NULL));
	ASSERT_GT(used_kb, 0);
	TH_LOG("%zu pages swapped out, %llu KiB used; swapoff", swapped, used_kb);

	ret = swap_off(self->dev);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", self->dev, strerror(-ret));
	EXPECT_EQ(0, proc_swaps_find(self->dev, NULL, NULL, NULL));
	EXPECT_EQ(self->swaptotal0, read_meminfo_kb("SwapTotal"));

	/* swapoff brought every page back in */
	region_state(_metadata, self->mem, n, &swapped, &present, &slack);
	EXPECT_LE(swapped, slack);
	EXPECT_GE(present, n - slack);
	if (variant->zswap) {
		stored = zswap_debugfs_read("stored_pages");
		if (stored >= 0) {
			EXPECT_EQ(0, stored) TH_LOG("zswap entries survived swapoff");
		}
	}
	verify_region(_metadata, self->mem, n, seed, "after swapoff");
}

TEST_HARNESS_MAIN
