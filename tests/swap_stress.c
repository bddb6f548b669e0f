// SPDX-License-Identifier: GPL-2.0
/*
 * vswap under concurrency: several processes, each with several threads,
 * fault and swap the same and different ranges at once.
 *
 * Two kinds of memory: one MAP_SHARED anonymous (shmem) area shared by all
 * worker processes, and one private anonymous area per process.  Every
 * page has exactly one writer thread and a version stamp kept next to it
 * in a sequence counter (odd while the page is being rewritten), so every
 * check is exact:
 *   - writers rewrite random subsets of their pages (new version =
 *     different contents, and another zero/compressible/random kind), then
 *     compare all their pages with the expected contents;
 *   - a reader thread per process copies random pages of both areas,
 *     including pages other threads and processes are writing, and checks
 *     every copy that was not torn by a writer (seqlock retry rule);
 *   - a pageout thread per process keeps calling MADV_PAGEOUT on random
 *     ranges of both areas, under the feet of the readers and writers.
 * The work is bounded by iteration counts, never by time.  One variant
 * runs everything inside a memory-limited cgroup, so reclaim swaps the
 * shared pages too.  The host checks the kernel log for warnings.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "kselftest_harness.h"
#include "util.h"
#include "vswap_stats.h"
#include "region.h"
#include "memcg.h"
#include "env.h"

#define NR_PROCS		3
#define NR_WRITERS		2
#define SHARED_PAGES		1024
#define PRIV_PAGES		1024
#define ROUNDS			VT_SCALE(6, 2)
#define READS			VT_SCALE(3000, 300)
#define PAGEOUTS		VT_SCALE(300, 30)
/*
 * Random pages have no backend here (no disk, zswap rejects them) and stay
 * in memory: 16 MiB of data needs more than 10 MiB once 2 CPUs run it.
 */
#define PRESSURE_MAX		MB(16)
#define CG_NAME			"vswap_stress"
#define SEED			0x57e55c0ffee1ULL

static const struct page_mix mix_stress = { 30, 50 };

struct area {
	char *mem;
	uint32_t *seq;		/* per page: 2 * version, odd while written */
	size_t nr_pages;
	uint64_t seed;
};

struct proc_ctx {
	struct area shared, priv;
	int proc;
	int fails;		/* atomic */
	uint64_t reads_checked;	/* atomic */
};

struct thread_arg {
	struct proc_ctx *ctx;
	int id;
};

static void stamp(void *page, const struct area *a, size_t idx,
		  uint32_t version)
{
	page_generate(page, a->seed + version * 0x9e3779b97f4a7c15ULL,
		      (uint32_t)idx, &mix_stress);
}

static int area_map(struct area *a, size_t nr_pages, bool shared,
		    uint64_t seed)
{
	int flags = MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE);
	size_t i;

	a->mem = mmap(NULL, nr_pages * VT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      flags, -1, 0);
	a->seq = mmap(NULL, nr_pages * sizeof(*a->seq), PROT_READ | PROT_WRITE,
		      flags, -1, 0);
	if (a->mem == MAP_FAILED || a->seq == MAP_FAILED)
		return -ENOMEM;
	madvise(a->mem, nr_pages * VT_PAGE_SIZE, MADV_NOHUGEPAGE);
	a->nr_pages = nr_pages;
	a->seed = seed;
	for (i = 0; i < nr_pages; i++) {
		a->seq[i] = 0;
		stamp(a->mem + i * VT_PAGE_SIZE, a, i, 0);
	}
	return 0;
}

static void area_unmap(struct area *a)
{
	munmap(a->mem, a->nr_pages * VT_PAGE_SIZE);
	munmap(a->seq, a->nr_pages * sizeof(*a->seq));
}

static void fail(struct proc_ctx *ctx, const char *what, const struct area *a,
		 size_t idx, uint32_t seq)
{
	if (!__atomic_fetch_add(&ctx->fails, 1, __ATOMIC_RELAXED))
		vt_log("proc %d: %s: %s area page %zu seq %u (%s) corrupt",
		       ctx->proc, what, a == &ctx->shared ? "shared" : "private",
		       idx, seq,
		       page_kind_str(page_kind_of(a->seed + (seq / 2) *
						  0x9e3779b97f4a7c15ULL, idx,
						  &mix_stress)));
}

static void write_page(struct area *a, size_t idx)
{
	uint32_t s = __atomic_load_n(&a->seq[idx], __ATOMIC_RELAXED);

	__atomic_store_n(&a->seq[idx], s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	stamp(a->mem + idx * VT_PAGE_SIZE, a, idx, (s + 2) / 2);
	__atomic_store_n(&a->seq[idx], s + 2, __ATOMIC_RELEASE);
}

/* Exact check of a page nobody else writes. */
static void check_owned(struct proc_ctx *ctx, struct area *a, size_t idx,
			char *exp)
{
	uint32_t s = __atomic_load_n(&a->seq[idx], __ATOMIC_ACQUIRE);

	stamp(exp, a, idx, s / 2);
	if ((s & 1) || memcmp(a->mem + idx * VT_PAGE_SIZE, exp, VT_PAGE_SIZE))
		fail(ctx, "writer", a, idx, s);
}

static bool shared_owner(const struct proc_ctx *ctx, int w, size_t idx)
{
	return idx % (NR_PROCS * NR_WRITERS) ==
	       (size_t)(ctx->proc * NR_WRITERS + w);
}

static void *writer(void *p)
{
	struct thread_arg *ta = p;
	struct proc_ctx *ctx = ta->ctx;
	__u64 rs = SEED ^ (ctx->proc * 131 + ta->id);
	char *exp = malloc(VT_PAGE_SIZE);
	size_t i;
	int round;

	for (round = 0; exp && round < ROUNDS; round++) {
		for (i = 0; i < ctx->shared.nr_pages; i++)
			if (shared_owner(ctx, ta->id, i) && (splitmix64(&rs) & 1))
				write_page(&ctx->shared, i);
		for (i = ta->id; i < ctx->priv.nr_pages; i += NR_WRITERS)
			if (splitmix64(&rs) & 1)
				write_page(&ctx->priv, i);
		for (i = 0; i < ctx->shared.nr_pages; i++)
			if (shared_owner(ctx, ta->id, i))
				check_owned(ctx, &ctx->shared, i, exp);
		for (i = ta->id; i < ctx->priv.nr_pages; i += NR_WRITERS)
			check_owned(ctx, &ctx->priv, i, exp);
	}
	free(exp);
	return NULL;
}

/* seqlock read of any page: copy, and check it if no writer interfered */
static void *reader(void *p)
{
	struct thread_arg *ta = p;
	struct proc_ctx *ctx = ta->ctx;
	__u64 rs = SEED ^ (ctx->proc * 977 + 5);
	char *buf = malloc(2 * VT_PAGE_SIZE), *exp = buf + VT_PAGE_SIZE;
	int i;

	for (i = 0; buf && i < READS; i++) {
		struct area *a = (i & 1) ? &ctx->shared : &ctx->priv;
		size_t idx = splitmix64(&rs) % a->nr_pages;
		uint32_t s1, s2;

		s1 = __atomic_load_n(&a->seq[idx], __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memcpy(buf, a->mem + idx * VT_PAGE_SIZE, VT_PAGE_SIZE);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&a->seq[idx], __ATOMIC_RELAXED);
		if (s1 != s2)
			continue;
		stamp(exp, a, idx, s1 / 2);
		if (memcmp(buf, exp, VT_PAGE_SIZE))
			fail(ctx, "reader", a, idx, s1);
		__atomic_fetch_add(&ctx->reads_checked, 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

static void *pager(void *p)
{
	struct thread_arg *ta = p;
	struct proc_ctx *ctx = ta->ctx;
	__u64 rs = SEED ^ (ctx->proc * 31337 + 9);
	int i;

	for (i = 0; i < PAGEOUTS; i++) {
		struct area *a = (i & 1) ? &ctx->shared : &ctx->priv;
		size_t first = 0, len = a->nr_pages;

		if (i % 50) {
			len = 1 + splitmix64(&rs) % 128;
			first = splitmix64(&rs) % (a->nr_pages - len + 1);
		}
		if (madvise(a->mem + first * VT_PAGE_SIZE, len * VT_PAGE_SIZE,
			    MADV_PAGEOUT) && errno != EAGAIN) {
			vt_log("proc %d: MADV_PAGEOUT: %s", ctx->proc,
			       strerror(errno));
			__atomic_fetch_add(&ctx->fails, 1, __ATOMIC_RELAXED);
		}
		sched_yield();
	}
	return NULL;
}

/* One worker process: its private area, writers, a reader and a pager. */
static int worker(struct area *shared, int proc)
{
	pthread_t th[NR_WRITERS + 2];
	struct thread_arg ta[NR_WRITERS + 2];
	struct proc_ctx ctx = { .shared = *shared, .proc = proc };
	int i, nr = 0;

	if (area_map(&ctx.priv, PRIV_PAGES, false, SEED + 1000 * (proc + 1)))
		return 10;
	for (i = 0; i < NR_WRITERS + 2; i++) {
		void *(*fn)(void *) = i < NR_WRITERS ? writer :
				      i == NR_WRITERS ? reader : pager;

		ta[i].ctx = &ctx;
		ta[i].id = i;
		if (pthread_create(&th[i], NULL, fn, &ta[i]))
			break;
		nr++;
	}
	for (i = 0; i < nr; i++)
		pthread_join(th[i], NULL);
	if (nr != NR_WRITERS + 2)
		return 11;
	/* final exact check of the whole private area */
	for (i = 0; i < (int)ctx.priv.nr_pages; i++) {
		char exp[VT_PAGE_SIZE];

		check_owned(&ctx, &ctx.priv, i, exp);
	}
	vt_log("proc %d: %llu torn-free reads checked, %d failures", proc,
	       (unsigned long long)ctx.reads_checked, ctx.fails);
	area_unmap(&ctx.priv);
	return ctx.fails ? 1 : 0;
}

FIXTURE(stress) {
	struct vd_env env;
};

FIXTURE_VARIANT(stress) {
	bool zswap;
	bool pressure;
};

FIXTURE_VARIANT_ADD(stress, zswap_on) {
	.zswap = true,
};

FIXTURE_VARIANT_ADD(stress, zswap_off) {
	.zswap = false,
};

FIXTURE_VARIANT_ADD(stress, zswap_on_cgroup_pressure) {
	.zswap = true,
	.pressure = true,
};

FIXTURE_SETUP(stress)
{
	vd_env_setup(_metadata, &self->env, variant->zswap);
}

FIXTURE_TEARDOWN_PARENT(stress)
{
	vd_env_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(stress, procs_threads, 900)
{
	struct vd_stats s0, s1, s2;
	struct proc_ctx final = { .proc = -1 };
	struct area shared;
	pid_t pids[NR_PROCS];
	char exp[VT_PAGE_SIZE];
	long long out, in;
	int i, status;
	size_t idx;

	if (variant->pressure)
		vd_cg_setup(_metadata, &self->env, CG_NAME, PRESSURE_MAX);
	ASSERT_EQ(0, area_map(&shared, SHARED_PAGES, true, SEED));
	/* start with the shared pages swapped out */
	madvise(shared.mem, SHARED_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
	ASSERT_EQ(0, vd_stats_read(&s0));
	vd_stats_log("start", &s0);

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < NR_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			if (variant->pressure && cg_enter(self->env.cg, 0))
				_exit(12);
			_exit(worker(&shared, i));
		}
		vd_env_add_pid(&self->env, pids[i]);
	}
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("worker %d: status 0x%x (exit 1 = data mismatch)",
			       i, status);
	}
	self->env.nr_pids = 0;

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("workers done", &s1);
	out = vd_delta(&s1, &s0, VD_SWPOUT_ZERO) +
	      vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP) +
	      vd_delta(&s1, &s0, VD_SWPOUT_INMEM);
	in = vd_delta(&s1, &s0, VD_SWPIN_ZERO) +
	     vd_delta(&s1, &s0, VD_SWPIN_ZSWAP);
	TH_LOG("swap-outs %lld, backend swap-ins %lld during the run", out, in);
	EXPECT_LT(0, out);
	EXPECT_LT(0, in);
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_LARGE_REFUSED));
	if (!variant->zswap)
		EXPECT_EQ(0, vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP));

	/* the shared area as the workers left it, every page exact */
	final.shared = shared;
	for (idx = 0; idx < SHARED_PAGES; idx++)
		check_owned(&final, &final.shared, idx, exp);
	EXPECT_EQ(0, final.fails);

	area_unmap(&shared);
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after munmap", &s2);
}

TEST_HARNESS_MAIN
