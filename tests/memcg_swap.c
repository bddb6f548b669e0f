// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 swap accounting under vswap.
 *
 * With vswap loaded, memory.swap.{current,peak,max,events} count only the
 * virtual slots that have a physical swap slot behind them (vswap debugfs
 * "phys").  Zero pages, zswap and in-memory slots charge no swap; zswap's
 * compressed memory is charged as stock (memory.zswap.current).  The memcg
 * of a slot is recorded at swap-out and a later physical slot (zswap
 * writeback, or a swap-out zswap rejects) is charged to it, even if the
 * task moved away since.  memory.swap.max limits the physical slots only.
 *
 * Each workload runs in a worker process inside a fresh child cgroup and
 * is driven step by step (fill, MADV_PAGEOUT, verify, exit), so the
 * counters can be read between the steps, while nothing else in the guest
 * swaps: every comparison below is exact.
 *
 *   memcg_zswap (zswap on, no physical device):
 *     pageout:   swap.current/peak/events stay 0; zswap.current > 0;
 *                memory.stat zswap == zswap.current, zswapped == debugfs
 *                zswap == zswap stored_pages, zswpout/zswpin and
 *                swpout_zero/swpin_zero == the page kinds; no charge.
 *     pressure:  the same under memory.max pressure instead of madvise.
 *   memcg_disk (zswap off, /dev/vda):
 *     charge:    swap.current == swap.peak == debugfs phys * PAGE_SIZE ==
 *                swap_charge delta * PAGE_SIZE == the device's Used ==
 *                SwapTotal - SwapFree == pswpout delta; still after the
 *                pages were read back; 0 after the free.
 *     swapoff:   swapoff of the device while the pages are mapped moves
 *                them to memory and uncharges all of them.
 *   memcg_both (zswap on, /dev/vda):
 *     swap_max_limit: memory.swap.max = 4 MiB below the incompressible
 *                part: swap.current == peak == max, events max == fail ==
 *                swap_charge_fail delta == the refused pages.
 *     swap_max_zero: memory.swap.max = 0: no swap at all, as on stock: no
 *                virtual slot, no zswap, no disk; every page stays
 *                present and each attempt counts events max and fail.
 *     writeback_after_move: task T swaps compressible pages from cgroup A
 *                to zswap, moves to cgroup B; a second task in A with
 *                memory.zswap.max = 0 forces writeback of A's entries: the
 *                charge lands in A (memory.stat zswpwb too), never in B.
 *
 * After every workload each cgroup used is back to swap.current 0 and
 * zswap.current 0, swap_charge == swap_uncharge, and the fixture teardown
 * checks that vswap is idle and unloads.
 *
 * The disk, VT_PHYS_DEV, is overwritten.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "kselftest_harness.h"
#include "util.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"

#define PAGES			VT_SCALE(8192, 2048)	/* 32 MiB */
#define PRESSURE_PAGES		VT_SCALE(12288, 4096)	/* 48 MiB */
#define PRESSURE_MAX		VT_SCALE_MB(24, 8)
#define LIMIT_BYTES		VT_SCALE_MB(4, 1)	/* < PAGES' random pages */
#define MOVE_X_PAGES		1024		/* T's pages, swapped from A */
#define MOVE_Y_PAGES		1024		/* T's pages, swapped from B */
#define MOVE_Z_PAGES		3072		/* H's pages in A, zswap.max 0 */
#define CG_A			"vswap_memcg_a"
#define CG_B			"vswap_memcg_b"
#define SEED			0x6d656d6367ULL
#define MC_MAX_CGS		2
#define MC_MAX_WORKERS		2
#define MC_REGIONS		4

/* zswap on, no disk: ~20% random pages stay in memory under memory.max */
static const struct page_mix mix_pressure = { 30, 50 };
/* every page compressible: it goes to zswap and nowhere else */
static const struct page_mix mix_comp = { 0, 100 };

/* ---------------------------------------------------------------------
 * Workers: a process in a cgroup that runs one command at a time
 */

enum mw_op {
	MW_FILL = 1,	/* map region idx, fill it with (seed, mix) */
	MW_PAGEOUT,	/* MADV_PAGEOUT all of it; returns pages swapped */
	MW_VERIFY,	/* read every page back; returns bad pages */
	MW_UNMAP,	/* munmap it */
	MW_EXIT,	/* _exit(0) without a reply */
};

struct mw_cmd {
	int op;
	int idx;
	size_t pages;
	unsigned long long seed;
	struct page_mix mix;
};

struct mw_worker {
	pid_t pid;
	int cmd_fd;		/* parent -> worker */
	int rep_fd;		/* worker -> parent */
};

static void __noreturn mw_main(int cmd_fd, int rep_fd)
{
	struct vd_region r[MC_REGIONS];
	struct page_mix mix[MC_REGIONS];
	unsigned long long seed[MC_REGIONS];
	size_t bad, first_bad = 0;
	struct mw_cmd c;
	cpu_set_t set;
	long val;
	int cpu;

	memset(r, 0, sizeof(r));
	/*
	 * Stay on one CPU: MADV_PAGEOUT drains only the local CPU's LRU
	 * batches, so pages still batched on another CPU would stay resident.
	 */
	cpu = sched_getcpu();
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	for (;;) {
		if (read(cmd_fd, &c, sizeof(c)) != sizeof(c))
			_exit(3);
		if (c.idx < 0 || c.idx >= MC_REGIONS)
			_exit(4);
		switch (c.op) {
		case MW_FILL:
			val = vd_region_map(&r[c.idx], c.pages, false);
			if (!val) {
				seed[c.idx] = c.seed;
				mix[c.idx] = c.mix;
				vd_region_fill(&r[c.idx], 0, c.pages, c.seed,
					       &c.mix);
				val = c.pages;
			}
			break;
		case MW_PAGEOUT:
			val = vd_pageout_anon(&r[c.idx], 0, r[c.idx].nr_pages);
			break;
		case MW_VERIFY:
			bad = vd_region_verify(&r[c.idx], 0, r[c.idx].nr_pages,
					       &first_bad);
			if (bad)
				vt_log("worker %d: %zu of %zu pages bad, first %zu (%s)",
				       getpid(), bad, r[c.idx].nr_pages,
				       first_bad,
				       page_kind_str(page_kind_of(seed[c.idx],
								  first_bad,
								  &mix[c.idx])));
			val = bad;
			break;
		case MW_UNMAP:
			vd_region_unmap(&r[c.idx]);
			val = 0;
			break;
		case MW_EXIT:
			_exit(0);
		default:
			_exit(5);
		}
		if (write(rep_fd, &val, sizeof(val)) != sizeof(val))
			_exit(6);
	}
}

/* Fork a worker and move it into @cg before it touches any memory. */
static int mw_start(struct mw_worker *w, struct vd_env *env, const char *cg)
{
	int cmd[2], rep[2], ret;

	if (pipe(cmd))
		return -errno;
	if (pipe(rep)) {
		ret = -errno;
		close(cmd[0]);
		close(cmd[1]);
		return ret;
	}
	w->pid = vt_fork();
	if (w->pid < 0)
		return w->pid;
	if (!w->pid) {
		close(cmd[1]);
		close(rep[0]);
		mw_main(cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	w->cmd_fd = cmd[1];
	w->rep_fd = rep[0];
	vd_env_add_pid(env, w->pid);
	return cg_enter(cg, w->pid);
}

/* Run one command; its result, or -ECHILD if the worker died. */
static long mw_call(struct mw_worker *w, int op, int idx, size_t pages,
		    unsigned long long seed, const struct page_mix *mix)
{
	struct mw_cmd c = {
		.op = op,
		.idx = idx,
		.pages = pages,
		.seed = seed,
		.mix = mix ? *mix : page_mix_default,
	};
	long val;

	if (write(w->cmd_fd, &c, sizeof(c)) != sizeof(c))
		return -ECHILD;
	if (read(w->rep_fd, &val, sizeof(val)) != sizeof(val))
		return -ECHILD;
	return val;
}

/* Let the worker exit and reap it; its exit status (128 + signal). */
static int mw_finish(struct mw_worker *w, struct vd_env *env)
{
	int i, status = 0;

	mw_call(w, MW_EXIT, 0, 0, 0, NULL);
	close(w->cmd_fd);
	close(w->rep_fd);
	if (waitpid(w->pid, &status, 0) != w->pid)
		return -errno;
	for (i = 0; i < env->nr_pids; i++)
		if (env->pids[i] == w->pid)
			env->pids[i] = 0;
	w->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---------------------------------------------------------------------
 * Counters
 */

/* vswap's memcg counters (not in struct vd_stats) */
struct mc_charges {
	unsigned long long charge, uncharge, fail;
};

static int mc_charges_read(struct mc_charges *c)
{
	return vswap_debugfs_read("swap_charge", &c->charge) ?:
	       vswap_debugfs_read("swap_uncharge", &c->uncharge) ?:
	       vswap_debugfs_read("swap_charge_fail", &c->fail);
}

/* A cgroup file, or key @key of a keyed one (@key NULL: single value). */
static long long mc_cg_read(const char *cg, const char *file, const char *key)
{
	return key ? cg_read_key_ll(cg, file, key) : cg_read_ll(cg, file);
}

/*
 * Wait until a cgroup value reads @want; returns the last value read.
 * memory.stat and memory.zswap.current are rstat counters, which a read
 * flushes only past a batch threshold (the periodic flush catches up
 * within seconds), and pages are uncharged by asynchronous frees after a
 * workload exits.  Bounded: VD_IDLE_POLLS x 50 ms.
 */
static long long mc_wait_cg(const char *cg, const char *file, const char *key,
			    long long want)
{
	long long val = -1;
	int i;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		val = mc_cg_read(cg, file, key);
		if (val == want)
			break;
		usleep(50 * 1000);
	}
	return val;
}

/*
 * memory.stat's zswapped (bytes of the pages in zswap) once it reads
 * @pages pages; returned in pages.
 */
static long long mc_wait_zswapped(const char *cg, long long pages)
{
	long long v = mc_wait_cg(cg, "memory.stat", "zswapped",
				 pages * VT_PAGE_SIZE);

	return v < 0 ? v : v / (long long)VT_PAGE_SIZE;
}

/* SwapTotal - SwapFree in KiB (vswap itself is not counted in either). */
static long long mc_meminfo_swap_used_kb(void)
{
	return read_meminfo_kb("SwapTotal") - read_meminfo_kb("SwapFree");
}

static void mc_log_cg(const char *tag, const char *cg)
{
	const char *name = cg + sizeof(CG_ROOT);

	vt_log("%s %s: swap.current %lld peak %lld events max %lld fail %lld, zswap.current %lld",
	       tag, name, cg_read_ll(cg, "memory.swap.current"),
	       cg_read_ll(cg, "memory.swap.peak"),
	       cg_read_key_ll(cg, "memory.swap.events", "max"),
	       cg_read_key_ll(cg, "memory.swap.events", "fail"),
	       cg_read_ll(cg, "memory.zswap.current"));
	vt_log("%s %s: stat zswap %lld zswapped %lld zswpout %lld zswpin %lld zswpwb %lld",
	       tag, name, cg_read_key_ll(cg, "memory.stat", "zswap"),
	       cg_read_key_ll(cg, "memory.stat", "zswapped"),
	       cg_read_key_ll(cg, "memory.stat", "zswpout"),
	       cg_read_key_ll(cg, "memory.stat", "zswpin"),
	       cg_read_key_ll(cg, "memory.stat", "zswpwb"));
	vt_log("%s %s: stat swpout_zero %lld swpin_zero %lld swapcached %lld",
	       tag, name, cg_read_key_ll(cg, "memory.stat", "swpout_zero"),
	       cg_read_key_ll(cg, "memory.stat", "swpin_zero"),
	       cg_read_key_ll(cg, "memory.stat", "swapcached"));
}

/* ---------------------------------------------------------------------
 * Fixture state shared by the three fixtures
 */

struct mc {
	struct vd_env env;
	char dev[256];			/* physical device; "" if none */
	char cg[MC_MAX_CGS][128];	/* cgroups to remove */
	int nr_cgs;
	struct vd_stats s0;		/* after setup */
	struct mc_charges c0;
	long long meminfo_used0;	/* SwapTotal - SwapFree after setup */
};

static void mc_setup(struct __test_metadata *_metadata, struct mc *m,
		     bool zswap, bool disk)
{
	int ret;

	m->dev[0] = '\0';
	m->nr_cgs = 0;
	vd_env_setup(_metadata, &m->env, zswap);
	if (disk) {
		snprintf(m->dev, sizeof(m->dev), "%s", VT_PHYS_DEV);
		if (!vt_exists(m->dev)) {
			m->dev[0] = '\0';
			SKIP(return, "no disk for physical swap");
		}
		ret = vd_phys_on(m->dev, -1);
		ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon %s: %s", m->dev,
					 strerror(-ret));
		ASSERT_EQ(0, vd_swap_used_kb(m->dev));
	}
	ASSERT_EQ(0, vd_stats_read(&m->s0));
	ASSERT_EQ(0, mc_charges_read(&m->c0));
	m->meminfo_used0 = mc_meminfo_swap_used_kb();
}

static void mc_teardown(struct __test_metadata *_metadata, struct mc *m)
{
	int i, ret;

	for (i = 0; i < m->env.nr_pids; i++) {
		if (m->env.pids[i] > 0 && !kill(m->env.pids[i], SIGKILL))
			waitpid(m->env.pids[i], NULL, 0);
	}
	m->env.nr_pids = 0;
	for (i = 0; i < m->nr_cgs; i++) {
		ret = cg_remove(m->cg[i], true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", m->cg[i],
					 strerror(-ret));
	}
	m->nr_cgs = 0;
	vd_env_teardown(_metadata, &m->env);
	if (m->dev[0]) {
		ret = vd_phys_off(m->dev);
		EXPECT_EQ(0, ret) TH_LOG("swapoff %s: %s", m->dev,
					 strerror(-ret));
	}
}

/*
 * A fresh cgroup (removed by the teardown) with memory.max @max_bytes (0:
 * no limit) and no swap or zswap limit; its path is returned.
 */
static const char *mc_cg(struct __test_metadata *_metadata, struct mc *m,
			 const char *name, size_t max_bytes)
{
	char val[32], *cg;
	int ret;

	if (m->nr_cgs >= MC_MAX_CGS)
		return NULL;
	cg = m->cg[m->nr_cgs];
	ret = cg_create_memcg(name, cg, sizeof(m->cg[0]));
	if (ret == -EOPNOTSUPP || ret == -ENOENT)
		return NULL;
	if (ret)
		return NULL;
	m->nr_cgs++;
	if (max_bytes)
		snprintf(val, sizeof(val), "%zu", max_bytes);
	else
		snprintf(val, sizeof(val), "max");
	if (cg_write(cg, "memory.max", val) ||
	    cg_write(cg, "memory.swap.max", "max") ||
	    cg_write(cg, "memory.zswap.max", "max"))
		return NULL;
	return cg;
}

/*
 * A cgroup whose workloads are over: no swap, no zswap charged to it.
 * Waits for the asynchronous frees; asserts.
 */
static void mc_cg_idle(struct __test_metadata *_metadata, const char *cg)
{
	long long v;

	v = mc_wait_cg(cg, "memory.swap.current", NULL, 0);
	EXPECT_EQ(0, v) TH_LOG("%s: memory.swap.current %lld after exit",
			       cg, v);
	v = mc_wait_cg(cg, "memory.zswap.current", NULL, 0);
	EXPECT_EQ(0, v) TH_LOG("%s: memory.zswap.current %lld after exit",
			       cg, v);
	v = mc_wait_zswapped(cg, 0);
	EXPECT_EQ(0, v) TH_LOG("%s: memory.stat zswapped %lld after exit",
			       cg, v);
}

/*
 * Everything is over: vswap idle, every charge given back, the device
 * empty and SwapFree back where it was.
 */
static void mc_all_idle(struct __test_metadata *_metadata, struct mc *m)
{
	struct mc_charges c;
	struct vd_stats s;
	long long used;

	EXPECT_EQ(0, vd_wait_idle(&s));
	vd_stats_log("idle", &s);
	EXPECT_EQ(0, vd_delta(&s, &m->s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s, &m->s0, VD_IO_ERROR));
	ASSERT_EQ(0, mc_charges_read(&c));
	vt_log("swap_charge %llu swap_uncharge %llu swap_charge_fail %llu",
	       c.charge, c.uncharge, c.fail);
	EXPECT_EQ(c.charge - m->c0.charge, c.uncharge - m->c0.uncharge);
	if (m->dev[0]) {
		used = vd_wait_swap_used(m->dev, 0);
		EXPECT_EQ(0, used) TH_LOG("%s: %lld KiB used", m->dev, used);
		EXPECT_EQ(m->meminfo_used0, mc_meminfo_swap_used_kb());
	}
}

/*
 * Wait until every disk slot is charged to @cg alone (the frees of an
 * exiting task may trail); returns memory.swap.current, debugfs phys in
 * *@phys.
 */
static long long mc_wait_phys_charged(const char *cg, unsigned long long *phys)
{
	long long cur = -1;
	int i;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		if (vswap_debugfs_read("phys", phys))
			return -1;
		cur = cg_read_ll(cg, "memory.swap.current");
		if (cur == (long long)(*phys * VT_PAGE_SIZE))
			break;
		usleep(50 * 1000);
	}
	return cur;
}

static long long mc_vmstat_delta(const char *key, long long before)
{
	return read_vmstat(key) - before;
}

/* ---------------------------------------------------------------------
 * memcg_zswap: zswap on, no physical device
 */

FIXTURE(memcg_zswap) {
	struct mc m;
};

FIXTURE_SETUP(memcg_zswap)
{
	mc_setup(_metadata, &self->m, true, false);
}

FIXTURE_TEARDOWN_PARENT(memcg_zswap)
{
	mc_teardown(_metadata, &self->m);
}

/*
 * MADV_PAGEOUT: exact counts.  Zero pages -> ZERO, compressible -> zswap,
 * random -> refused by zswap, kept in memory (no disk).  None of that is
 * swap for the cgroup; the compressed bytes are zswap.
 */
TEST_F_TIMEOUT(memcg_zswap, pageout, 600)
{
	long long zswpout0 = read_vmstat("zswpout"), v;
	struct mc *m = &self->m;
	struct mc_charges c1;
	struct mw_worker w;
	struct vd_stats s1;
	const char *cg;
	size_t k[3];

	cg = mc_cg(_metadata, m, CG_A, 0);
	ASSERT_NE(NULL, cg) TH_LOG("cannot set up cgroup " CG_A);
	vd_count_kinds(0, PAGES, SEED, NULL, k);
	TH_LOG("%d pages: %zu zero, %zu compressible, %zu random", PAGES,
	       k[PAGE_ZERO], k[PAGE_COMPRESSIBLE], k[PAGE_RANDOM]);

	ASSERT_EQ(0, mw_start(&w, &m->env, cg));
	ASSERT_EQ(PAGES, mw_call(&w, MW_FILL, 0, PAGES, SEED, NULL));
	ASSERT_EQ(PAGES, mw_call(&w, MW_PAGEOUT, 0, 0, 0, NULL));

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	mc_log_cg("after pageout", cg);
	EXPECT_EQ(k[PAGE_ZERO], s1.v[VD_ZERO]);
	EXPECT_EQ(k[PAGE_COMPRESSIBLE], s1.v[VD_ZSWAP]);
	EXPECT_EQ(k[PAGE_RANDOM], s1.v[VD_INMEM]);
	EXPECT_EQ(0, s1.v[VD_PHYS]);

	/* swap: nothing, ever */
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "max"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "fail"));
	ASSERT_EQ(0, mc_charges_read(&c1));
	EXPECT_EQ(0, c1.charge - m->c0.charge);
	EXPECT_EQ(0, c1.fail - m->c0.fail);

	/* zswap: charged as stock */
	v = cg_read_ll(cg, "memory.zswap.current");
	EXPECT_LT(0, v);
	EXPECT_EQ(v, cg_read_key_ll(cg, "memory.stat", "zswap"));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE],
		  mc_wait_zswapped(cg, k[PAGE_COMPRESSIBLE]));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE],
		  mc_wait_cg(cg, "memory.stat", "zswpout", k[PAGE_COMPRESSIBLE]));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE], zswap_debugfs_read("stored_pages"));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE], mc_vmstat_delta("zswpout", zswpout0));
	/* zero pages: memory.stat counts them as stock does (page_io.c) */
	EXPECT_EQ(k[PAGE_ZERO],
		  mc_wait_cg(cg, "memory.stat", "swpout_zero", k[PAGE_ZERO]));

	/* read back: out of zswap, still no swap charge */
	ASSERT_EQ(0, mw_call(&w, MW_VERIFY, 0, 0, 0, NULL));
	mc_log_cg("after read-back", cg);
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE],
		  mc_wait_cg(cg, "memory.stat", "zswpin", k[PAGE_COMPRESSIBLE]));
	EXPECT_EQ(k[PAGE_ZERO],
		  mc_wait_cg(cg, "memory.stat", "swpin_zero", k[PAGE_ZERO]));

	EXPECT_EQ(0, mw_finish(&w, &m->env));
	mc_cg_idle(_metadata, cg);
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.peak"));
	mc_all_idle(_metadata, m);
}

/* memory.max far below the workload: reclaim, not madvise, swaps out. */
TEST_F_TIMEOUT(memcg_zswap, pressure, 600)
{
	struct mc *m = &self->m;
	struct mc_charges c1;
	struct mw_worker w;
	struct vd_stats s1;
	const char *cg;

	cg = mc_cg(_metadata, m, CG_A, PRESSURE_MAX);
	ASSERT_NE(NULL, cg) TH_LOG("cannot set up cgroup " CG_A);
	ASSERT_EQ(0, mw_start(&w, &m->env, cg));
	ASSERT_EQ(PRESSURE_PAGES, mw_call(&w, MW_FILL, 0, PRESSURE_PAGES, SEED,
					  &mix_pressure))
		TH_LOG("workload died (OOM?)");

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("under pressure", &s1);
	mc_log_cg("under pressure", cg);
	EXPECT_LT(0, s1.v[VD_ZSWAP]);
	EXPECT_LT(0, s1.v[VD_ZERO]);
	EXPECT_EQ(0, s1.v[VD_PHYS]);
	EXPECT_LT(0, cg_read_ll(cg, "memory.zswap.current"));
	EXPECT_EQ(s1.v[VD_ZSWAP],
		  mc_wait_zswapped(cg, s1.v[VD_ZSWAP]));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "max"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "fail"));
	ASSERT_EQ(0, mc_charges_read(&c1));
	EXPECT_EQ(0, c1.charge - m->c0.charge);

	ASSERT_EQ(0, mw_call(&w, MW_VERIFY, 0, 0, 0, NULL));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(0, mw_finish(&w, &m->env));
	mc_cg_idle(_metadata, cg);
	mc_all_idle(_metadata, m);
}

/* ---------------------------------------------------------------------
 * memcg_disk: zswap off, one physical device
 */

FIXTURE(memcg_disk) {
	struct mc m;
};

FIXTURE_SETUP(memcg_disk)
{
	mc_setup(_metadata, &self->m, false, true);
}

FIXTURE_TEARDOWN_PARENT(memcg_disk)
{
	mc_teardown(_metadata, &self->m);
}

/*
 * Every view of the disk usage must agree while all of it belongs to one
 * cgroup: memory.swap.current (bytes), debugfs phys (slots), the device's
 * Used and SwapTotal - SwapFree (KiB).  @phys is the expected slot count.
 */
static void mc_check_disk(struct __test_metadata *_metadata, struct mc *m,
			  const char *cg, unsigned long long phys)
{
	struct mc_charges c;
	struct vd_stats s;
	long long used;

	ASSERT_EQ(0, vd_stats_read(&s));
	ASSERT_EQ(0, mc_charges_read(&c));
	EXPECT_EQ(phys, s.v[VD_PHYS]);
	EXPECT_EQ(phys * VT_PAGE_SIZE, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(phys, (c.charge - m->c0.charge) -
			(c.uncharge - m->c0.uncharge));
	used = vd_wait_swap_used(m->dev, phys * 4);
	EXPECT_EQ(phys * 4, used) TH_LOG("%s Used %lld KiB", m->dev, used);
	EXPECT_EQ(phys * 4, mc_meminfo_swap_used_kb() - m->meminfo_used0);
}

TEST_F_TIMEOUT(memcg_disk, charge, 600)
{
	long long pswpout0 = read_vmstat("pswpout");
	struct mc *m = &self->m;
	unsigned long long phys;
	struct mw_worker w;
	struct vd_stats s1;
	const char *cg;
	size_t k[3];

	cg = mc_cg(_metadata, m, CG_A, 0);
	ASSERT_NE(NULL, cg) TH_LOG("cannot set up cgroup " CG_A);
	vd_count_kinds(0, PAGES, SEED, NULL, k);
	phys = k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM];

	ASSERT_EQ(0, mw_start(&w, &m->env, cg));
	ASSERT_EQ(PAGES, mw_call(&w, MW_FILL, 0, PAGES, SEED, NULL));
	ASSERT_EQ(PAGES, mw_call(&w, MW_PAGEOUT, 0, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	mc_log_cg("after pageout", cg);

	EXPECT_EQ(k[PAGE_ZERO], s1.v[VD_ZERO]);
	EXPECT_EQ(0, s1.v[VD_ZSWAP]);
	EXPECT_EQ(0, s1.v[VD_INMEM]);
	mc_check_disk(_metadata, m, cg, phys);
	EXPECT_EQ(phys * VT_PAGE_SIZE, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "max"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "fail"));
	EXPECT_EQ(phys, mc_vmstat_delta("pswpout", pswpout0));
	/* memory.stat: no zswap; zero pages counted as stock does */
	EXPECT_EQ(0, cg_read_ll(cg, "memory.zswap.current"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.stat", "zswpout"));
	EXPECT_EQ(k[PAGE_ZERO],
		  mc_wait_cg(cg, "memory.stat", "swpout_zero", k[PAGE_ZERO]));
	/* the swap cache holds at most the pages just written */
	EXPECT_GE(phys * VT_PAGE_SIZE,
		  cg_read_key_ll(cg, "memory.stat", "swapcached"));

	/*
	 * Read back: the data stays on disk while the virtual slot lives (a
	 * clean copy can be dropped again), and so does its charge.
	 */
	ASSERT_EQ(0, mw_call(&w, MW_VERIFY, 0, 0, 0, NULL));
	mc_log_cg("after read-back", cg);
	ASSERT_EQ(0, vd_stats_read(&s1));
	mc_check_disk(_metadata, m, cg, s1.v[VD_PHYS]);
	EXPECT_EQ(phys * VT_PAGE_SIZE, cg_read_ll(cg, "memory.swap.peak"));

	/* free: uncharged */
	ASSERT_EQ(0, mw_call(&w, MW_UNMAP, 0, 0, 0, NULL));
	EXPECT_EQ(0, mc_wait_cg(cg, "memory.swap.current", NULL, 0));
	EXPECT_EQ(0, mw_finish(&w, &m->env));
	mc_cg_idle(_metadata, cg);
	mc_all_idle(_metadata, m);
}

/*
 * swapoff of the device while the pages are mapped: all uncharged from
 * swap, and the pages brought back are charged to the cgroup that swapped
 * them out (as on stock), not to the task running swapoff.
 */
TEST_F_TIMEOUT(memcg_disk, swapoff, 600)
{
	struct mc_charges c1, c2;
	struct mc *m = &self->m;
	unsigned long long phys, moved;
	long long cached0, cached1;
	struct vd_stats s1, s2;
	struct mw_worker w;
	const char *cg;
	size_t k[3];
	int ret;

	cg = mc_cg(_metadata, m, CG_A, 0);
	ASSERT_NE(NULL, cg) TH_LOG("cannot set up cgroup " CG_A);
	vd_count_kinds(0, PAGES, SEED ^ 1, NULL, k);
	phys = k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM];

	ASSERT_EQ(0, mw_start(&w, &m->env, cg));
	ASSERT_EQ(PAGES, mw_call(&w, MW_FILL, 0, PAGES, SEED ^ 1, NULL));
	ASSERT_EQ(PAGES, mw_call(&w, MW_PAGEOUT, 0, 0, 0, NULL));
	mc_check_disk(_metadata, m, cg, phys);
	/*
	 * swapoff must read every page back, into new folios; memory.reclaim
	 * may page out (and the worker fault back) a few pages of its own
	 */
	ASSERT_GE(16LL * VT_PAGE_SIZE, vd_evict_swap_cache(cg));
	ASSERT_EQ(0, vd_stats_read(&s1));
	ASSERT_EQ(0, mc_charges_read(&c1));
	moved = s1.v[VD_PHYS];
	EXPECT_LE(phys, moved);
	cached0 = cg_read_key_ll(cg, "memory.stat", "swapcached");

	ret = swap_off(m->dev);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", m->dev, strerror(-ret));
	m->dev[0] = '\0';	/* off: nothing for the teardown to do */
	cached1 = cg_read_key_ll(cg, "memory.stat", "swapcached");
	TH_LOG("memory.stat swapcached %lld -> %lld for %llu pages moved",
	       cached0, cached1, moved);
	/* less the few pages of its own the worker may have freed */
	EXPECT_LE((long long)((moved - 16) * VT_PAGE_SIZE), cached1 - cached0)
		TH_LOG("swapoff did not charge the moved pages to their cgroup");
	ASSERT_EQ(0, vd_stats_read(&s2));
	ASSERT_EQ(0, mc_charges_read(&c2));
	vd_stats_log("after swapoff", &s2);
	mc_log_cg("after swapoff", cg);
	EXPECT_EQ(0, s2.v[VD_PHYS]);
	EXPECT_EQ(moved, vd_delta(&s2, &s1, VD_UNUSE_MOVED));
	EXPECT_EQ(moved, c2.uncharge - c1.uncharge);
	EXPECT_EQ(0, c2.charge - c1.charge);
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(moved * VT_PAGE_SIZE, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(m->meminfo_used0, mc_meminfo_swap_used_kb());

	ASSERT_EQ(0, mw_call(&w, MW_VERIFY, 0, 0, 0, NULL));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(0, mw_finish(&w, &m->env));
	mc_cg_idle(_metadata, cg);
	mc_all_idle(_metadata, m);
}

/* ---------------------------------------------------------------------
 * memcg_both: zswap on, one physical device
 */

FIXTURE(memcg_both) {
	struct mc m;
};

FIXTURE_SETUP(memcg_both)
{
	mc_setup(_metadata, &self->m, true, true);
}

FIXTURE_TEARDOWN_PARENT(memcg_both)
{
	mc_teardown(_metadata, &self->m);
}

/*
 * Random pages are refused by zswap and need a disk slot each; @limit
 * bytes of memory.swap.max let only some of them (or none) have one.
 */
static void mc_swap_max_run(struct __test_metadata *_metadata, struct mc *m,
			    size_t limit)
{
	const unsigned long long limit_pages = limit / VT_PAGE_SIZE;
	unsigned long long refused;
	struct mc_charges c1;
	struct vd_stats s1;
	struct mw_worker w;
	const char *cg;
	char val[32];
	size_t k[3];

	cg = mc_cg(_metadata, m, CG_A, 0);
	ASSERT_NE(NULL, cg) TH_LOG("cannot set up cgroup " CG_A);
	snprintf(val, sizeof(val), "%zu", limit);
	ASSERT_EQ(0, cg_write(cg, "memory.swap.max", val));
	vd_count_kinds(0, PAGES, SEED ^ 2, NULL, k);
	ASSERT_LT(limit_pages, k[PAGE_RANDOM]);
	refused = k[PAGE_RANDOM] - limit_pages;
	TH_LOG("%zu random pages, memory.swap.max %zu pages: %llu refused",
	       k[PAGE_RANDOM], limit / VT_PAGE_SIZE, refused);

	ASSERT_EQ(0, mw_start(&w, &m->env, cg));
	ASSERT_EQ(PAGES, mw_call(&w, MW_FILL, 0, PAGES, SEED ^ 2, NULL));
	ASSERT_EQ(PAGES, mw_call(&w, MW_PAGEOUT, 0, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s1));
	ASSERT_EQ(0, mc_charges_read(&c1));
	vd_stats_log("after pageout", &s1);
	mc_log_cg("after pageout", cg);

	EXPECT_EQ(k[PAGE_ZERO], s1.v[VD_ZERO]);
	EXPECT_EQ(k[PAGE_COMPRESSIBLE], s1.v[VD_ZSWAP]);
	EXPECT_EQ(limit_pages, s1.v[VD_PHYS]);
	EXPECT_EQ(refused, s1.v[VD_INMEM]);
	/* the limit holds, exactly */
	EXPECT_EQ(limit, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(limit, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(limit_pages, c1.charge - m->c0.charge);
	EXPECT_EQ(refused, c1.fail - m->c0.fail);
	EXPECT_EQ(refused, cg_read_key_ll(cg, "memory.swap.events", "max"));
	EXPECT_EQ(refused, cg_read_key_ll(cg, "memory.swap.events", "fail"));
	EXPECT_EQ(limit / 1024, vd_wait_swap_used(m->dev, limit / 1024));
	EXPECT_EQ(limit / 1024,
		  mc_meminfo_swap_used_kb() - m->meminfo_used0);
	/* zswap unaffected by memory.swap.max */
	EXPECT_LT(0, cg_read_ll(cg, "memory.zswap.current"));
	EXPECT_EQ(k[PAGE_COMPRESSIBLE],
		  mc_wait_zswapped(cg, k[PAGE_COMPRESSIBLE]));

	ASSERT_EQ(0, mw_call(&w, MW_VERIFY, 0, 0, 0, NULL));
	EXPECT_GE(limit, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(limit, cg_read_ll(cg, "memory.swap.peak"));
	EXPECT_EQ(0, mw_finish(&w, &m->env));
	mc_cg_idle(_metadata, cg);
	EXPECT_EQ(limit, cg_read_ll(cg, "memory.swap.peak"));
	mc_all_idle(_metadata, m);
}

TEST_F_TIMEOUT(memcg_both, swap_max_limit, 600)
{
	mc_swap_max_run(_metadata, &self->m, LIMIT_BYTES);
}

/*
 * memory.swap.max = 0 keeps its stock meaning under vswap: the cgroup does
 * not swap at all (Kubernetes and systemd's MemorySwapMax=0 rely on it).
 */
TEST_F_TIMEOUT(memcg_both, swap_max_zero, 600)
{
	struct mc *m = &self->m;
	struct vd_stats s0, s1;
	struct mw_worker w;
	const char *cg;
	long long fail;

	cg = mc_cg(_metadata, m, CG_A, 0);
	ASSERT_NE(NULL, cg) TH_LOG("cannot set up cgroup " CG_A);
	ASSERT_EQ(0, cg_write(cg, "memory.swap.max", "0"));
	ASSERT_EQ(0, vd_stats_read(&s0));

	ASSERT_EQ(0, mw_start(&w, &m->env, cg));
	ASSERT_EQ(PAGES, mw_call(&w, MW_FILL, 0, PAGES, SEED ^ 3, NULL));
	EXPECT_EQ(0, mw_call(&w, MW_PAGEOUT, 0, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	mc_log_cg("after pageout", cg);

	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_SLOTS_USED));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_ZERO));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_ZSWAP));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_PHYS));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_INMEM));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.zswap.current"));
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.stat", "zswpout"));
	/* every refused page is a swap allocation failure, as on stock */
	fail = cg_read_key_ll(cg, "memory.swap.events", "fail");
	EXPECT_LE(PAGES, fail);
	EXPECT_EQ(fail, cg_read_key_ll(cg, "memory.swap.events", "max"));

	ASSERT_EQ(0, mw_call(&w, MW_VERIFY, 0, 0, 0, NULL));
	EXPECT_EQ(0, mw_finish(&w, &m->env));
	mc_cg_idle(_metadata, cg);
	mc_all_idle(_metadata, m);
}

/*
 * The charge of a slot goes to the cgroup that swapped it out.  Task T
 * swaps compressible pages (X) from cgroup A into zswap: no swap charge.
 * T moves to cgroup B and swaps more (Y, charged to B's zswap).  Then A's
 * memory.zswap.max drops to 0 and a second task H in A swaps Z out: each
 * of H's stores makes zswap write back one of A's entries (shrink_memcg,
 * oldest first: X), refused stores go to the disk directly.  Every disk
 * slot belongs to A.  X read back from the disk proves that T's own pages
 * moved.
 */
TEST_F_TIMEOUT(memcg_both, writeback_after_move, 600)
{
	struct vd_stats s1, s2, s3, s4;
	unsigned long long phys = 0;
	struct mc *m = &self->m;
	struct mw_worker t, h;
	struct mc_charges c1;
	const char *a, *b;
	long long wb, cur, moved;

	a = mc_cg(_metadata, m, CG_A, 0);
	ASSERT_NE(NULL, a) TH_LOG("cannot set up cgroup " CG_A);
	b = mc_cg(_metadata, m, CG_B, 0);
	ASSERT_NE(NULL, b) TH_LOG("cannot set up cgroup " CG_B);

	/* T in A: X to zswap */
	ASSERT_EQ(0, mw_start(&t, &m->env, a));
	ASSERT_EQ(MOVE_X_PAGES, mw_call(&t, MW_FILL, 0, MOVE_X_PAGES, SEED ^ 3,
					&mix_comp));
	ASSERT_EQ(MOVE_X_PAGES, mw_call(&t, MW_PAGEOUT, 0, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(MOVE_X_PAGES, s1.v[VD_ZSWAP]);
	EXPECT_EQ(0, s1.v[VD_PHYS]);
	EXPECT_EQ(0, cg_read_ll(a, "memory.swap.current"));
	EXPECT_LT(0, cg_read_ll(a, "memory.zswap.current"));

	/* T moves to B: Y to zswap, charged to B */
	ASSERT_EQ(0, cg_enter(b, t.pid));
	ASSERT_EQ(MOVE_Y_PAGES, mw_call(&t, MW_FILL, 1, MOVE_Y_PAGES, SEED ^ 4,
					&mix_comp));
	ASSERT_EQ(MOVE_Y_PAGES, mw_call(&t, MW_PAGEOUT, 1, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(MOVE_X_PAGES + MOVE_Y_PAGES, s2.v[VD_ZSWAP]);
	EXPECT_EQ(0, s2.v[VD_PHYS]);
	EXPECT_LT(0, cg_read_ll(b, "memory.zswap.current"));
	EXPECT_EQ(MOVE_Y_PAGES,
		  mc_wait_zswapped(b, MOVE_Y_PAGES));
	EXPECT_EQ(MOVE_X_PAGES,
		  mc_wait_zswapped(a, MOVE_X_PAGES));

	/* H in A, over A's zswap limit: writeback of A's entries */
	ASSERT_EQ(0, cg_write(a, "memory.zswap.max", "0"));
	ASSERT_EQ(0, mw_start(&h, &m->env, a));
	ASSERT_EQ(MOVE_Z_PAGES, mw_call(&h, MW_FILL, 0, MOVE_Z_PAGES, SEED ^ 5,
					&mix_comp));
	ASSERT_EQ(MOVE_Z_PAGES, mw_call(&h, MW_PAGEOUT, 0, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s3));
	ASSERT_EQ(0, mc_charges_read(&c1));
	vd_stats_log("after H's pageout", &s3);
	mc_log_cg("after H's pageout", a);
	mc_log_cg("after H's pageout", b);

	wb = vd_delta(&s3, &s2, VD_ZSWAP_WRITEBACK);
	EXPECT_LT(0, wb) TH_LOG("no zswap writeback was forced");
	EXPECT_LT(0, s3.v[VD_PHYS]);
	EXPECT_EQ(s3.v[VD_PHYS], wb + vd_delta(&s3, &s2, VD_SWPOUT_PHYS));
	/* every disk slot is A's */
	EXPECT_EQ(s3.v[VD_PHYS] * VT_PAGE_SIZE,
		  cg_read_ll(a, "memory.swap.current"));
	EXPECT_EQ(s3.v[VD_PHYS], c1.charge - m->c0.charge);
	EXPECT_EQ(0, c1.fail - m->c0.fail);
	EXPECT_EQ(wb, mc_wait_cg(a, "memory.stat", "zswpwb", wb));
	/* nothing of B's: its zswap is untouched */
	EXPECT_EQ(0, cg_read_ll(b, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(b, "memory.swap.peak"));
	EXPECT_EQ(0, cg_read_key_ll(b, "memory.stat", "zswpwb"));
	EXPECT_EQ(MOVE_Y_PAGES,
		  mc_wait_zswapped(b, MOVE_Y_PAGES));
	EXPECT_EQ(s3.v[VD_PHYS] * 4, vd_wait_swap_used(m->dev,
						       s3.v[VD_PHYS] * 4));

	/*
	 * T reads X back.  A page of X still in zswap is loaded from it
	 * (swpin_zswap); one written back is read from the swap cache or the
	 * disk.  So X's pages that left zswap were written back.
	 */
	ASSERT_EQ(0, mw_call(&t, MW_VERIFY, 0, 0, 0, NULL));
	ASSERT_EQ(0, vd_stats_read(&s4));
	moved = MOVE_X_PAGES - vd_delta(&s4, &s3, VD_SWPIN_ZSWAP);
	TH_LOG("%lld of T's %d pages were written back (%lld read from disk)",
	       moved, MOVE_X_PAGES, vd_delta(&s4, &s3, VD_SWPIN_PHYS));
	EXPECT_LT(0, moved) TH_LOG("none of T's pages was written back");
	EXPECT_GE(wb, moved);
	EXPECT_EQ(s4.v[VD_PHYS] * VT_PAGE_SIZE,
		  cg_read_ll(a, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(b, "memory.swap.current"));
	ASSERT_EQ(0, mw_call(&t, MW_VERIFY, 1, 0, 0, NULL));
	ASSERT_EQ(0, mw_call(&h, MW_VERIFY, 0, 0, 0, NULL));
	EXPECT_EQ(0, cg_read_ll(b, "memory.swap.current"));
	ASSERT_EQ(0, vd_stats_read(&s4));
	EXPECT_EQ(s4.v[VD_PHYS] * VT_PAGE_SIZE,
		  cg_read_ll(a, "memory.swap.current"));

	/* T exits (from B): its disk slots are uncharged from A */
	EXPECT_EQ(0, mw_finish(&t, &m->env));
	cur = mc_wait_phys_charged(a, &phys);
	EXPECT_EQ(phys * VT_PAGE_SIZE, cur);
	EXPECT_GT(s4.v[VD_PHYS], phys) TH_LOG("T's disk slots not freed");
	EXPECT_EQ(0, cg_read_ll(b, "memory.swap.current"));
	mc_cg_idle(_metadata, b);

	EXPECT_EQ(0, mw_finish(&h, &m->env));
	mc_cg_idle(_metadata, a);
	mc_cg_idle(_metadata, b);
	EXPECT_EQ(0, cg_read_ll(b, "memory.swap.peak"));
	mc_all_idle(_metadata, m);
}

TEST_HARNESS_MAIN
