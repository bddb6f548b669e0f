// SPDX-License-Identifier: GPL-2.0
/*
 * Races that matter, each with every page checksummed, with zswap (no
 * disk) and with a disk backend (zswap off):
 *
 *   unload_during_swap: worker processes keep paging their data out and
 *       reading it back while the parent, whenever it sees slots in use,
 *       tries to unload vswap.  It is refused, or succeeds because every
 *       slot went meanwhile (the parent then loads it again).  No data is
 *       ever lost either way.
 *   swapoff_during_swap (disk): the same workers while the parent keeps
 *       swapping the disk off and on again: every swapoff succeeds.
 *   same_entry_faults: threads released together fault the same swapped
 *       pages in at once, round after round.
 *   fork_storm: while a thread keeps paging the region out, the parent
 *       forks children in bursts; each checks the inherited pages,
 *       changes some (copy-on-write) and checks them again.
 *
 * Work is bounded by counts, never by time; the host checks the kernel
 * log.  /dev/vda is overwritten.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"

#define SEED			0x4ace5eedULL
#define WORKERS			2
#define WORKER_PAGES		VT_SCALE(1024, 512)
#define WORKER_ROUNDS		VT_SCALE(40, 12)
#define FAULT_PAGES		VT_SCALE(1024, 256)
#define FAULT_THREADS		8
#define FAULT_ROUNDS		VT_SCALE(10, 4)
#define STORM_PAGES		VT_SCALE(1024, 256)
#define STORM_ROUNDS		VT_SCALE(6, 3)
#define STORM_CHILDREN		24

FIXTURE(race) {
	struct vd_env env;
	bool phys;
};

FIXTURE_VARIANT(race) {
	bool disk;
};

FIXTURE_VARIANT_ADD(race, zswap) {
	.disk = false,
};

FIXTURE_VARIANT_ADD(race, disk) {
	.disk = true,
};

FIXTURE_SETUP(race)
{
	int ret;

	self->phys = false;
	vd_env_setup(_metadata, &self->env, variant->disk ? 0 : 1);
	/* no limit: teardown reclaims the swap cache copies left in it */
	vd_cg_setup(_metadata, &self->env, "vswap-race", 1ULL << 40);
	ASSERT_EQ(0, cg_enter(self->env.cg, 0));
	if (variant->disk) {
		ASSERT_TRUE(vt_exists(VT_PHYS_DEV));
		ret = vd_phys_on(VT_PHYS_DEV, -1);
		ASSERT_EQ(0, ret) TH_LOG("swapon %s: %s", VT_PHYS_DEV,
					 strerror(-ret));
		self->phys = true;
	}
}

FIXTURE_TEARDOWN_PARENT(race)
{
	vd_env_teardown(_metadata, &self->env);
	if (self->phys)
		EXPECT_EQ(0, vd_phys_off(VT_PHYS_DEV));
}

/*
 * Worker: @rounds times rewrite the region, page it out (as far as any
 * swap takes it) and check every page.  Exits 0, or 1 on bad data.
 */
static void __noreturn worker_main(uint64_t seed, int rounds)
{
	size_t bad, first = 0;
	struct vd_region r;
	int i;

	if (vd_region_map(&r, WORKER_PAGES, false))
		_exit(2);
	for (i = 0; i < rounds; i++) {
		vd_region_fill(&r, 0, WORKER_PAGES, seed + i, NULL);
		madvise(r.mem, WORKER_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
		bad = vd_region_verify(&r, 0, WORKER_PAGES, &first);
		if (bad) {
			vt_log("worker %d round %d: %zu bad pages, first %zu",
			       getpid(), i, bad, first);
			_exit(1);
		}
	}
	_exit(0);
}

static int workers_start(struct vd_env *env, pid_t *pids, uint64_t seed)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (!pids[i])
			worker_main(seed + i * 1000, WORKER_ROUNDS);
		vd_env_add_pid(env, pids[i]);
	}
	return 0;
}

/* Has any worker exited yet?  Reaps it into @status. */
static bool workers_done(pid_t *pids, int *status, int *left)
{
	int i, st;

	for (i = 0; i < WORKERS; i++) {
		if (pids[i] <= 0 || waitpid(pids[i], &st, WNOHANG) != pids[i])
			continue;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			(*status)++;
		pids[i] = 0;
		(*left)--;
	}
	return !*left;
}

TEST_F_TIMEOUT(race, unload_during_swap, 900)
{
	int ret, failed = 0, left = WORKERS, refused = 0, unloaded = 0;
	pid_t pids[WORKERS];

	struct vd_stats s;

	ASSERT_EQ(0, workers_start(&self->env, pids, SEED));
	while (!workers_done(pids, &failed, &left)) {
		/* try while slots are in use; they may all go meanwhile */
		if (vd_stats_read(&s) || !s.v[VD_SLOTS_USED]) {
			usleep(1000);
			continue;
		}
		ret = vswap_unload();
		if (!ret) {
			unloaded++;
			ret = vswap_load("");
			ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
		} else {
			ASSERT_TRUE(ret == -EAGAIN || ret == -EBUSY)
				TH_LOG("unload: %s", strerror(-ret));
			ASSERT_TRUE(vswap_loaded());
			refused++;
		}
		usleep(2000);
	}
	TH_LOG("unload refused %d times, succeeded %d times (and reloaded)",
	       refused, unloaded);
	EXPECT_EQ(0, failed) TH_LOG("%d workers found bad data", failed);
	EXPECT_LT(0, refused);
}

TEST_F_TIMEOUT(race, swapoff_during_swap, 900)
{
	int ret, failed = 0, left = WORKERS, cycles = 0;
	pid_t pids[WORKERS];

	if (!variant->disk)
		SKIP(return, "needs the disk variant");
	ASSERT_EQ(0, workers_start(&self->env, pids, SEED ^ 7));
	while (!workers_done(pids, &failed, &left)) {
		ret = swap_off(VT_PHYS_DEV);
		ASSERT_EQ(0, ret) TH_LOG("swapoff %d: %s", cycles,
					 strerror(-ret));
		self->phys = false;
		usleep(5000);
		ret = swap_on(VT_PHYS_DEV, 0);
		ASSERT_EQ(0, ret) TH_LOG("swapon %d: %s", cycles,
					 strerror(-ret));
		self->phys = true;
		cycles++;
		usleep(5000);
	}
	TH_LOG("%d swapoff/swapon cycles under the workers", cycles);
	EXPECT_EQ(0, failed) TH_LOG("%d workers found bad data", failed);
	EXPECT_LT(0, cycles);
}

/* ------------------------------------------------------------------ */

struct fault_ctx {
	struct vd_region *r;
	pthread_barrier_t *start;
	size_t bad;
};

static void *fault_thread(void *arg)
{
	struct fault_ctx *c = arg;
	size_t first;

	pthread_barrier_wait(c->start);
	c->bad = vd_region_verify(c->r, 0, c->r->nr_pages, &first);
	return NULL;
}

TEST_F_TIMEOUT(race, same_entry_faults, 900)
{
	struct fault_ctx ctx[FAULT_THREADS];
	pthread_t th[FAULT_THREADS];
	pthread_barrier_t start;
	struct vd_region r;
	size_t k[3];
	int i, t;

	ASSERT_EQ(0, vd_region_map(&r, FAULT_PAGES, false));
	for (i = 0; i < FAULT_ROUNDS; i++) {
		vd_region_fill(&r, 0, FAULT_PAGES, SEED + i, NULL);
		vd_count_kinds(0, FAULT_PAGES, SEED + i, NULL, k);
		/* threads fault on both CPUs: a few folios may sit in the
		 * other CPU's LRU batch and stay resident; that is fine here */
		ASSERT_LT(0, vd_pageout_anon(&r, 0, FAULT_PAGES));
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, FAULT_THREADS));
		for (t = 0; t < FAULT_THREADS; t++) {
			ctx[t].r = &r;
			ctx[t].start = &start;
			ctx[t].bad = 0;
			ASSERT_EQ(0, pthread_create(&th[t], NULL, fault_thread,
						    &ctx[t]));
		}
		for (t = 0; t < FAULT_THREADS; t++) {
			pthread_join(th[t], NULL);
			EXPECT_EQ(0, ctx[t].bad) TH_LOG("round %d thread %d", i, t);
		}
		pthread_barrier_destroy(&start);
	}
	vd_region_unmap(&r);
}

/* ------------------------------------------------------------------ */

struct pageout_ctx {
	struct vd_region *r;
	volatile bool stop;
	long calls;
};

static void *pageout_thread(void *arg)
{
	struct pageout_ctx *c = arg;

	while (!c->stop) {
		madvise(c->r->mem, c->r->nr_pages * VT_PAGE_SIZE, MADV_PAGEOUT);
		c->calls++;
		usleep(500);
	}
	return NULL;
}

/* Child of the storm: check, write, check again (its own copy). */
static void __noreturn storm_child(struct vd_region *r, unsigned int n)
{
	size_t bad, first = 0, i;

	bad = vd_region_verify(r, 0, r->nr_pages, &first);
	if (bad) {
		vt_log("storm child %d: %zu bad inherited pages, first %zu",
		       getpid(), bad, first);
		_exit(1);
	}
	for (i = n % 7; i < r->nr_pages; i += 7)
		vd_region_fill(r, i, 1, SEED ^ (n + 1), NULL);
	madvise(r->mem, r->nr_pages * VT_PAGE_SIZE, MADV_PAGEOUT);
	bad = vd_region_verify(r, 0, r->nr_pages, &first);
	_exit(bad ? 1 : 0);
}

TEST_F_TIMEOUT(race, fork_storm, 900)
{
	struct pageout_ctx pc = { 0 };
	int i, c, st, failed = 0;
	pid_t pids[STORM_CHILDREN];
	struct vd_region r;
	pthread_t th;

	ASSERT_EQ(0, vd_region_map(&r, STORM_PAGES, false));
	vd_region_fill(&r, 0, STORM_PAGES, SEED, NULL);
	ASSERT_LT(0, vd_pageout_anon(&r, 0, STORM_PAGES));
	pc.r = &r;
	ASSERT_EQ(0, pthread_create(&th, NULL, pageout_thread, &pc));
	for (i = 0; i < STORM_ROUNDS; i++) {
		fflush(stdout);
		fflush(stderr);
		for (c = 0; c < STORM_CHILDREN; c++) {
			pids[c] = fork();
			if (!pids[c])
				storm_child(&r, i * STORM_CHILDREN + c);
			if (pids[c] < 0)
				break;
		}
		while (c--) {
			if (waitpid(pids[c], &st, 0) != pids[c] ||
			    !WIFEXITED(st) || WEXITSTATUS(st))
				failed++;
		}
	}
	pc.stop = true;
	pthread_join(th, NULL);
	TH_LOG("%d x %d children, %ld page-outs meanwhile", STORM_ROUNDS,
	       STORM_CHILDREN, pc.calls);
	EXPECT_EQ(0, failed) TH_LOG("%d children found bad data", failed);
	vd_region_check(_metadata, &r, SEED, NULL, "parent after the storm");
	vd_region_unmap(&r);
}

TEST_HARNESS_MAIN
