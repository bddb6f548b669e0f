// SPDX-License-Identifier: GPL-2.0
/*
 * Swap benchmark: the same mixed workload through
 *   stock       - vswap not loaded, zswap enabled, physical swap on /dev/vda,
 *   vswap       - vswap loaded, zswap enabled, no physical swap,
 *   zram        - vswap not loaded, zswap disabled, swap on /dev/zram0 (lzo),
 *   stock disk  - vswap not loaded, zswap disabled, swap on /dev/vda,
 *   vswap disk  - vswap loaded, zswap disabled, /dev/vda its backend,
 * in one boot.  Workload: a region of zero, compressible and random pages
 * (default mix), per round: rewrite it (untimed), MADV_PAGEOUT all of it
 * (timed, including waiting for swap writeback; for the two disk
 * configurations also memory.reclaim of the written swap cache copies, so
 * that swap-in reads the disk as it would under memory pressure), fault
 * every page back in (timed), verify every page (untimed).  The workload
 * runs in a cgroup of its own, without limits.  Prints wall and system time
 * and the median round per configuration, the pages read and written to
 * disk, the vswap/stock, zram/stock and (the round trip through a
 * physical backend) vswap disk/stock disk ratios, and vswap's
 * metadata bytes per swapped page (metadata_bytes / slots_used while the
 * whole region is swapped out).  Then the disk round trip once more, stock
 * and vswap in turns, a round each per pair (disk_pairs below), and the
 * median of the per-pair ratios.
 *
 * /dev/vda is marked non-rotational before swapon, so that stock takes the
 * SSD path servers take (per-cluster locks, per-CPU clusters);
 * $VSWAP_BENCH_ROTATIONAL=1 keeps QEMU's default, the HDD path.
 *
 * Figures are printed, never judged: a test case fails only if data comes
 * back wrong or a configuration cannot be set up.  Size, rounds, pairs:
 * $VSWAP_BENCH_MB (default 16), $VSWAP_BENCH_ROUNDS (default 1) and
 * $VSWAP_BENCH_PAIRS (default 1); the bench job (scripts/bench.sh) runs
 * 64 MiB x 11 rounds and 11 pairs.  VT_PHYS_DEV is overwritten.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "bench.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"

#define ZRAM_DEV		"/dev/zram0"
#define ZRAM_SYS		"/sys/block/zram0"
#define SEED			0xbe7c4ULL
#define MAX_ROUNDS		64

enum { CFG_STOCK, CFG_VSWAP, CFG_ZRAM, CFG_STOCK_DISK, CFG_VSWAP_DISK,
       NR_CFG };

static const char * const cfg_names[NR_CFG] = {
	"stock (zswap + /dev/vda)", "vswap (zswap, no disk)", "zram (lzo)",
	"stock disk (/dev/vda)", "vswap disk (/dev/vda)",
};

struct bench_result {
	bool done;
	size_t pages;
	int rounds;
	double pageout_wall, pageout_sys, swapin_wall, swapin_sys;
	unsigned long long peak_slots, peak_meta;
	long long pswpin, pswpout;
	double round_wall[MAX_ROUNDS];	/* page-out + swap-in, per round */
	double round_out[MAX_ROUNDS];	/* page-out alone, per round */
	struct blkdev_io io;		/* the disk's requests, busy time, this run */
	size_t bad;
};

/* shared with the forked test processes */
static struct bench_result *results;

static void __attribute__((constructor)) bench_init(void)
{
	results = mmap(NULL, NR_CFG * sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		results = NULL;
}

/* One round's times, seconds */
struct round_time {
	double out_wall, out_sys;	/* page-out, writes and waiting for them */
	double in_wall, in_sys;		/* faulting every page back in */
};

/* A round's whole time, page-out and swap-in */
static double rt_wall(const struct round_time *t)
{
	return t->out_wall + t->in_wall;
}

static double rt_sys(const struct round_time *t)
{
	return t->out_sys + t->in_sys;
}

/*
 * One round on @reg's @n pages: rewrite them (untimed), page them out and
 * wait for the writes (timed; for the disk round trip, @cg set, also drop
 * the written swap cache copies, as reclaim would under pressure, so that
 * swap-in reads them back from the disk), fault every page back in
 * (timed), verify (untimed).  @res, if set, gets vswap's peak metadata.
 * Returns the pages that came back wrong, the first at *@first.
 */
static size_t round_trip(struct __test_metadata *_metadata,
			 struct vd_region *reg, size_t n, int r,
			 const char *cg, struct bench_result *res,
			 struct round_time *t, size_t *first)
{
	volatile char sink = 0;
	long long cached;
	struct vd_stats s;
	char size[32];
	double t0, c0;
	size_t i, sw;

	vd_region_fill(reg, 0, n, SEED + r, NULL);
	t0 = vd_now();
	c0 = vd_sys_time();
	EXPECT_EQ(0, madvise(reg->mem, n * VT_PAGE_SIZE, MADV_PAGEOUT));
	vt_wait_writeback();
	cached = cg ? cg_read_key_ll(cg, "memory.stat", "swapcached") : 0;
	if (cached > 0) {
		snprintf(size, sizeof(size), "%lld", cached);
		cg_write(cg, "memory.reclaim", size);
	}
	t->out_wall = vd_now() - t0;
	t->out_sys = vd_sys_time() - c0;

	EXPECT_EQ(0, pagemap_count(reg->mem, n, &sw, NULL));
	if (sw != n)
		TH_LOG("round %d: %zu of %zu pages swapped out", r, sw, n);
	if (res && !vd_stats_read(&s) &&
	    s.v[VD_SLOTS_USED] > res->peak_slots) {
		res->peak_slots = s.v[VD_SLOTS_USED];
		res->peak_meta = s.v[VD_METADATA_BYTES];
	}

	t0 = vd_now();
	c0 = vd_sys_time();
	for (i = 0; i < n; i++)
		sink += *(volatile char *)vd_page(reg, i);
	t->in_wall = vd_now() - t0;
	t->in_sys = vd_sys_time() - c0;
	(void)sink;
	return vd_region_verify(reg, 0, n, first);
}

static void run_workload(struct __test_metadata *_metadata, int cfg,
			 const char *cg)
{
	struct bench_result *res = &results[cfg];
	size_t n = bench_env_long("VSWAP_BENCH_MB", 16) * 256, first = 0;
	int rounds = bench_env_long("VSWAP_BENCH_ROUNDS", 1), r;
	struct blkdev_io io0 = {};
	struct round_time t;
	struct vd_region reg;
	char rs[256];

	ASSERT_NE(NULL, results);
	ASSERT_GE(MAX_ROUNDS, rounds);
	memset(res, 0, sizeof(*res));
	res->pages = n;
	res->rounds = rounds;
	ASSERT_EQ(0, vd_region_map(&reg, n, false));
	res->pswpin = -read_vmstat("pswpin");
	res->pswpout = -read_vmstat("pswpout");
	blkdev_io_read(VT_PHYS_DEV, &io0);
	for (r = 0; r < rounds; r++) {
		res->bad += round_trip(_metadata, &reg, n, r, cg,
				       cfg == CFG_VSWAP ? res : NULL, &t,
				       &first);
		res->pageout_wall += t.out_wall;
		res->pageout_sys += t.out_sys;
		res->swapin_wall += t.in_wall;
		res->swapin_sys += t.in_sys;
		res->round_out[r] = t.out_wall;
		res->round_wall[r] = rt_wall(&t);
	}
	res->pswpin += read_vmstat("pswpin");
	res->pswpout += read_vmstat("pswpout");
	if (blkdev_io_since(VT_PHYS_DEV, &io0, &res->io))
		memset(&res->io, 0, sizeof(res->io));
	vd_region_unmap(&reg);
	res->done = true;
	ksft_print_msg("bench: %-26s %zu pages x %d rounds: pageout %.3f s (sys %.3f), swapin %.3f s (sys %.3f), total %.3f s (sys %.3f), disk pages in %lld out %lld, requests in %lld out %lld, disk busy %.3f s%s\n",
		       cfg_names[cfg], n, rounds, res->pageout_wall,
		       res->pageout_sys, res->swapin_wall, res->swapin_sys,
		       res->pageout_wall + res->swapin_wall,
		       res->pageout_sys + res->swapin_sys,
		       res->pswpin, res->pswpout, res->io.reads, res->io.writes,
		       res->io.busy_ms / 1000.0, res->bad ? "  DATA MISMATCH" : "");
	ksft_print_msg("bench: %-26s rounds %s s\n", cfg_names[cfg],
		       bench_values_str(rs, sizeof(rs), res->round_wall, rounds, 3));
	ksft_print_msg("bench: %-26s page-out %s s\n", cfg_names[cfg],
		       bench_values_str(rs, sizeof(rs), res->round_out, rounds, 3));
	EXPECT_EQ(0, res->bad) TH_LOG("%zu bad pages, first %zu", res->bad, first);
}

FIXTURE(bench) {
	struct vd_env env;
	bool phys_on, zram_on;
	int rot_saved;		/* the disk's rotational flag, see phys_on() */
};

/*
 * swapon the disk, on stock's SSD path (non-rotational: per-cluster locks,
 * per-CPU clusters) unless $VSWAP_BENCH_ROTATIONAL=1 asks for the HDD path
 * that QEMU's virtio-blk gets by default.
 */
static int phys_on(const char *dev, int prio, int *rot_saved)
{
	if (bench_env_long("VSWAP_BENCH_ROTATIONAL", 0))
		return vd_phys_on(dev, prio);
	return vd_phys_on_ssd(dev, prio, rot_saved);
}

FIXTURE_SETUP(bench)
{
	self->env.zswap_saved = -1;
	self->env.cg[0] = '\0';
	self->env.nr_pids = 0;
	self->phys_on = false;
	self->zram_on = false;
	self->rot_saved = -1;
	vd_swapoff_others();
	ASSERT_EQ(0, vswap_ensure_unloaded());
	self->env.zswap_saved = zswap_get_enabled();
	ASSERT_LE(0, self->env.zswap_saved) TH_LOG("zswap is not available");
	/* no limit: only for memory.reclaim of the workload's own pages */
	vd_cg_setup(_metadata, &self->env, "vswap-bench", 1ULL << 40);
	ASSERT_EQ(0, cg_enter(self->env.cg, 0));
}

FIXTURE_TEARDOWN_PARENT(bench)
{
	if (self->phys_on)
		EXPECT_EQ(0, swap_off(VT_PHYS_DEV));
	EXPECT_EQ(0, vd_rot_restore(VT_PHYS_DEV, &self->rot_saved));
	if (self->zram_on) {
		EXPECT_EQ(0, swap_off(ZRAM_DEV));
		vt_write_file(ZRAM_SYS "/reset", "1");
	}
	/* restores zswap; checks vswap is idle and unloads it if loaded */
	vd_env_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(bench, stock_zswap_disk, 1200)
{
	const char *dev = VT_PHYS_DEV;

	ASSERT_LT(0, blkdev_bytes(dev)) TH_LOG("no disk %s", dev);
	ASSERT_EQ(0, zswap_set_enabled(true));
	ASSERT_EQ(0, phys_on(dev, -1, &self->rot_saved));
	self->phys_on = true;
	run_workload(_metadata, CFG_STOCK, NULL);
}

TEST_F_TIMEOUT(bench, vswap_zswap, 1200)
{
	ASSERT_EQ(0, vd_ensure_loaded());
	ASSERT_EQ(0, vd_count_other_swaps());
	ASSERT_EQ(0, zswap_set_enabled(true));
	run_workload(_metadata, CFG_VSWAP, NULL);
}

TEST_F_TIMEOUT(bench, zram, 1200)
{
	char size[32];

	if (!vt_exists(ZRAM_SYS))
		SKIP(return, "no zram0");
	ASSERT_EQ(0, zswap_set_enabled(false));
	vt_write_file(ZRAM_SYS "/reset", "1");
	if (vt_write_file(ZRAM_SYS "/comp_algorithm", "lzo"))
		TH_LOG("zram: lzo not selectable, using the default compressor");
	snprintf(size, sizeof(size), "%ld",
		 bench_env_long("VSWAP_BENCH_MB", 16) * 2 * (long)MB(1));
	ASSERT_EQ(0, vt_write_file(ZRAM_SYS "/disksize", size));
	ASSERT_EQ(0, swap_mkswap(ZRAM_DEV));
	ASSERT_EQ(0, swap_on(ZRAM_DEV, 0));
	self->zram_on = true;
	run_workload(_metadata, CFG_ZRAM, NULL);
}

/* The round trip through a physical device, zswap off: no vswap, then vswap */
TEST_F_TIMEOUT(bench, stock_disk, 1200)
{
	const char *dev = VT_PHYS_DEV;

	ASSERT_LT(0, blkdev_bytes(dev)) TH_LOG("no disk %s", dev);
	ASSERT_EQ(0, zswap_set_enabled(false));
	ASSERT_EQ(0, phys_on(dev, -1, &self->rot_saved));
	self->phys_on = true;
	run_workload(_metadata, CFG_STOCK_DISK, self->env.cg);
}

TEST_F_TIMEOUT(bench, vswap_disk, 1200)
{
	const char *dev = VT_PHYS_DEV;

	ASSERT_LT(0, blkdev_bytes(dev)) TH_LOG("no disk %s", dev);
	ASSERT_EQ(0, vd_ensure_loaded());
	ASSERT_EQ(0, zswap_set_enabled(false));
	ASSERT_EQ(0, phys_on(dev, -1, &self->rot_saved));
	self->phys_on = true;
	run_workload(_metadata, CFG_VSWAP_DISK, self->env.cg);
}

/*
 * The disk round trip again, stock and vswap in turns: $VSWAP_BENCH_PAIRS
 * pairs (default 1) of one round each, each with the disk swapped on
 * afresh and a new region, vswap loaded for its round and unloaded after.
 * Every other pair runs vswap first, so that neither side always follows
 * the other; slow host I/O for a while (the guest's disk is a file on the
 * host) then lands on both sides of a pair, which a ratio per pair
 * cancels where the runs above, one side after the other, do not.
 * Printed: each pair's times and its vswap/stock ratios, and the median
 * of each ratio.
 */
#define MAX_PAIRS		64

static void disk_half(struct __test_metadata *_metadata,
		      FIXTURE_DATA(bench) *self, bool vswap, size_t n, int r,
		      struct round_time *t)
{
	const char *dev = VT_PHYS_DEV;
	struct vd_region reg;
	struct vd_stats s;
	size_t first = 0, bad;

	if (vswap)
		ASSERT_EQ(0, vd_ensure_loaded());
	ASSERT_EQ(0, phys_on(dev, -1, &self->rot_saved));
	self->phys_on = true;
	ASSERT_EQ(0, vd_region_map(&reg, n, false));
	bad = round_trip(_metadata, &reg, n, r, self->env.cg, NULL, t, &first);
	EXPECT_EQ(0, bad) TH_LOG("%s, round %d: %zu bad pages, first %zu",
				 vswap ? "vswap" : "stock", r, bad, first);
	vd_region_unmap(&reg);
	EXPECT_EQ(0, swap_off(dev));
	self->phys_on = false;
	if (!vswap)
		return;
	/*
	 * Unload as a user would: swapoff(2) brings back the pages of other
	 * processes that global reclaim swapped out meanwhile (the VM is
	 * small), then vswap is idle.
	 */
	EXPECT_EQ(0, swap_off(VSWAP_DEV));
	EXPECT_EQ(0, vd_wait_idle(&s)) vd_stats_log("not idle", &s);
	EXPECT_EQ(0, vswap_ensure_unloaded());
}

TEST_F_TIMEOUT(bench, disk_pairs, 1800)
{
	size_t n = bench_env_long("VSWAP_BENCH_MB", 16) * 256;
	int pairs = bench_env_long("VSWAP_BENCH_PAIRS", 1), p;
	double wall[MAX_PAIRS], sys[MAX_PAIRS], out[MAX_PAIRS];
	double in[MAX_PAIRS];
	struct round_time st, vs;

	ASSERT_LT(0, blkdev_bytes(VT_PHYS_DEV))
		TH_LOG("no disk %s", VT_PHYS_DEV);
	ASSERT_LE(1, pairs);
	ASSERT_GE(MAX_PAIRS, pairs);
	ASSERT_EQ(0, zswap_set_enabled(false));
	for (p = 0; p < pairs; p++) {
		if (p % 2) {
			disk_half(_metadata, self, true, n, p, &vs);
			disk_half(_metadata, self, false, n, p, &st);
		} else {
			disk_half(_metadata, self, false, n, p, &st);
			disk_half(_metadata, self, true, n, p, &vs);
		}
		wall[p] = rt_wall(&vs) / rt_wall(&st);
		sys[p] = rt_sys(&vs) / (rt_sys(&st) + 1e-9);
		out[p] = vs.out_wall / st.out_wall;
		in[p] = vs.in_wall / st.in_wall;
		ksft_print_msg("bench: disk pair %2d (%s first): stock %.3f s (sys %.3f), vswap %.3f s (sys %.3f): vswap/stock wall %.2f, sys %.2f, page-out %.2f, swap-in %.2f\n",
			       p, p % 2 ? "vswap" : "stock",
			       rt_wall(&st), rt_sys(&st), rt_wall(&vs), rt_sys(&vs),
			       wall[p], sys[p], out[p], in[p]);
	}
	ksft_print_msg("bench: ratio vswap disk/stock disk, %d alternating pairs of %zu MiB, median: wall %.2f, sys %.2f, page-out %.2f, swap-in %.2f\n",
		       pairs, n * VT_PAGE_SIZE >> 20, bench_median(wall, pairs),
		       bench_median(sys, pairs), bench_median(out, pairs),
		       bench_median(in, pairs));
}

/*
 * The median round's wall time: a host I/O stall (the guest's disk is a
 * file on the host) can add a second to one round of either configuration.
 */
static double median_round(const struct bench_result *b)
{
	return bench_median(b->round_wall, b->rounds);
}

/* The median round's page-out alone (writes, and waiting for them) */
static double median_pageout(const struct bench_result *b)
{
	return bench_median(b->round_out, b->rounds);
}

/* vswap's time over stock's, wall and sys, for two configurations */
static void print_ratio(const char *what, const struct bench_result *vs,
			const struct bench_result *st)
{
	if (!vs->done || !st->done)
		return;
	ksft_print_msg("bench: ratio %s: wall %.2f, sys %.2f, median round %.2f (pageout wall %.2f, swapin wall %.2f)\n",
		       what, (vs->pageout_wall + vs->swapin_wall) /
		       (st->pageout_wall + st->swapin_wall),
		       (vs->pageout_sys + vs->swapin_sys) /
		       (st->pageout_sys + st->swapin_sys + 1e-9),
		       median_round(vs) / median_round(st),
		       vs->pageout_wall / st->pageout_wall,
		       vs->swapin_wall / st->swapin_wall);
}

/*
 * Not a test of anything: prints the comparison of the runs above (same
 * fixture, declared last, so the harness runs it after them).
 */
TEST_F_TIMEOUT(bench, summary, 60)
{
	const struct bench_result *st, *vs, *zr;
	int i;

	ASSERT_NE(NULL, results);
	st = &results[CFG_STOCK];
	vs = &results[CFG_VSWAP];
	zr = &results[CFG_ZRAM];
	for (i = 0; i < NR_CFG; i++) {
		const struct bench_result *b = &results[i];

		if (!b->done)
			continue;
		ksft_print_msg("bench: %-26s wall %8.3f s  sys %8.3f s  median round %6.3f s (page-out %.3f s)  (%zu MiB x %d)\n",
			       cfg_names[i], b->pageout_wall + b->swapin_wall,
			       b->pageout_sys + b->swapin_sys, median_round(b),
			       median_pageout(b),
			       b->pages * VT_PAGE_SIZE >> 20, b->rounds);
	}
	print_ratio("vswap/stock", vs, st);
	print_ratio("vswap disk/stock disk", &results[CFG_VSWAP_DISK],
		    &results[CFG_STOCK_DISK]);
	if (st->done && zr->done) {
		ksft_print_msg("bench: ratio zram/stock: wall %.2f, sys %.2f\n",
			       (zr->pageout_wall + zr->swapin_wall) /
			       (st->pageout_wall + st->swapin_wall),
			       (zr->pageout_sys + zr->swapin_sys) /
			       (st->pageout_sys + st->swapin_sys + 1e-9));
	}
	if (vs->done && vs->peak_slots) {
		ksft_print_msg("bench: vswap metadata at peak: %llu bytes for %llu slots = %.2f bytes per swapped page\n",
			       vs->peak_meta, vs->peak_slots,
			       (double)vs->peak_meta / vs->peak_slots);
	}
}

TEST_HARNESS_MAIN
