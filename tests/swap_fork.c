// SPDX-License-Identifier: GPL-2.0
/*
 * vswap and fork(): swap entries shared between processes.
 *
 * A region swapped out through vswap is inherited by forked children (the
 * page tables copy the swap entries and take a reference on each slot).
 * Every child must read the parent's data, its copy-on-write changes must
 * stay private, pages it swaps out again must come back, and the parent's
 * data must be unchanged.  With more than SWAP_MAP_MAX (62) processes
 * sharing one swapped page the swap count needs continuation pages; that
 * path is run with 100 children.  After everything exits vswap must be
 * idle and unload.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "vswap_stats.h"
#include "region.h"
#include "env.h"

#define COW_PAGES		VT_SCALE(4096, 1024)	/* 16 MiB */
#define COW_CHILDREN		4
#define MANY_PAGES		256
#define MANY_CHILDREN		100		/* > SWAP_MAP_MAX (0x3e) */
#define SEED			0x600dcafe1234ULL

FIXTURE(fork) {
	struct vd_env env;
};

FIXTURE_VARIANT(fork) {
	bool zswap;
};

FIXTURE_VARIANT_ADD(fork, zswap_on) {
	.zswap = true,
};

FIXTURE_VARIANT_ADD(fork, zswap_off) {
	.zswap = false,
};

FIXTURE_SETUP(fork)
{
	vd_env_setup(_metadata, &self->env, variant->zswap);
	/* fresh folios in another CPU's LRU batch escape MADV_PAGEOUT */
	ASSERT_EQ(0, vd_pin_cpu());
}

FIXTURE_TEARDOWN_PARENT(fork)
{
	vd_env_teardown(_metadata, &self->env);
}

static uint64_t child_seed(int i)
{
	return SEED + 0x1000 * (i + 1);
}

/* Exit codes of the children, for the log. */
enum {
	CHILD_OK,
	CHILD_BAD_INHERITED,	/* parent's data wrong before any write */
	CHILD_BAD_AFTER_COW,	/* wrong after writing its own part */
	CHILD_BAD_AFTER_PAGEOUT,/* wrong after swapping its copy out again */
	CHILD_PAGEOUT_ERR,
	CHILD_SYNC_ERR,
};

static int verify_or_log(const struct vd_region *r, const char *what, int i)
{
	size_t bad, first = 0;

	bad = vd_region_verify(r, 0, r->nr_pages, &first);
	if (bad)
		vt_log("child %d: %s: %zu bad pages, first %zu", i, what, bad,
		       first);
	return bad != 0;
}

/*
 * Child @i of @nr: check the inherited data, overwrite its own slice
 * (copy-on-write of a swapped page), check, swap the whole region out
 * again, check.
 */
static int cow_child(struct vd_region *r, int i, int nr)
{
	size_t slice = r->nr_pages / nr;

	if (verify_or_log(r, "inherited", i))
		return CHILD_BAD_INHERITED;
	vd_region_fill(r, i * slice, slice, child_seed(i), NULL);
	if (verify_or_log(r, "after COW", i))
		return CHILD_BAD_AFTER_COW;
	if (madvise(r->mem, r->nr_pages * VT_PAGE_SIZE, MADV_PAGEOUT))
		return CHILD_PAGEOUT_ERR;
	if (verify_or_log(r, "after pageout", i))
		return CHILD_BAD_AFTER_PAGEOUT;
	return CHILD_OK;
}

TEST_F_TIMEOUT(fork, cow_children, 600)
{
	const size_t n = COW_PAGES;
	struct vd_stats s0, s1, s2, s3;
	pid_t pids[COW_CHILDREN];
	struct vd_region r;
	size_t bad, first = 0;
	int i, status;

	ASSERT_EQ(0, vd_region_map(&r, n, false));
	vd_region_fill(&r, 0, n, SEED, NULL);
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ((long)n, vd_pageout_anon(&r, 0, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("parent swapped out", &s1);
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < COW_CHILDREN; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(cow_child(&r, i, COW_CHILDREN));
		vd_env_add_pid(&self->env, pids[i]);
	}
	for (i = 0; i < COW_CHILDREN; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("child %d: status 0x%x", i, status);
	}
	self->env.nr_pids = 0;

	/* every child's COW copy is gone: at most the parent's slots remain */
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("children exited", &s2);
	EXPECT_GE(n, s2.v[VD_SLOTS_USED]);

	bad = vd_region_verify(&r, 0, n, &first);
	EXPECT_EQ(0, bad) TH_LOG("parent: %zu bad pages, first %zu", bad, first);

	/* and once more through vswap in the parent alone */
	ASSERT_EQ((long)n, vd_pageout_anon(&r, 0, n));
	bad = vd_region_verify(&r, 0, n, &first);
	EXPECT_EQ(0, bad) TH_LOG("parent, 2nd pageout: %zu bad pages, first %zu",
				 bad, first);
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));

	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s3));
	vd_stats_log("after munmap", &s3);
}

/*
 * 100 children hold the swapped region at the same time, so every slot's
 * swap count exceeds SWAP_MAP_MAX and uses count continuation.  While they
 * all hold it, each page still uses exactly one slot.  @touch: the children
 * read (and half of them partly rewrite) the data; otherwise they exit
 * without touching it, so the references are dropped by the exit zap.
 */
static void many_sharers(struct __test_metadata *_metadata, struct vd_env *env,
			 bool touch)
{
	const size_t n = MANY_PAGES;
	struct vd_stats s1, s2, s3;
	int go[2], ready[2];
	struct vd_region r;
	size_t bad, first = 0;
	int i, status, failed = 0;
	char b;

	ASSERT_EQ(0, vd_region_map(&r, n, false));
	vd_region_fill(&r, 0, n, SEED, NULL);
	ASSERT_EQ((long)n, vd_pageout_anon(&r, 0, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < MANY_CHILDREN; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			int ret = CHILD_OK;

			close(go[1]);
			close(ready[0]);
			b = 'r';
			if (write(ready[1], &b, 1) != 1)
				_exit(CHILD_SYNC_ERR);
			/* wait until the parent closes go[1]: all forked */
			if (read(go[0], &b, 1) != 0)
				_exit(CHILD_SYNC_ERR);
			if (!touch)
				_exit(CHILD_OK);
			if (verify_or_log(&r, "inherited", i))
				_exit(CHILD_BAD_INHERITED);
			if (i % 2) {
				vd_region_fill(&r, (i * 7) % (n - 16), 16,
					       child_seed(i), NULL);
				if (verify_or_log(&r, "after COW", i))
					ret = CHILD_BAD_AFTER_COW;
			}
			_exit(ret);
		}
		vd_env_add_pid(env, pid);
	}
	close(go[0]);
	close(ready[1]);
	for (i = 0; i < MANY_CHILDREN; i++)
		ASSERT_EQ(1, read(ready[0], &b, 1));

	/* 101 references to every slot, still one slot per page */
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("101 sharers", &s2);
	EXPECT_EQ(n, s2.v[VD_SLOTS_USED]);
	EXPECT_EQ(s1.v[VD_ZERO], s2.v[VD_ZERO]);
	EXPECT_EQ(s1.v[VD_ZSWAP], s2.v[VD_ZSWAP]);
	EXPECT_EQ(s1.v[VD_INMEM], s2.v[VD_INMEM]);

	close(go[1]);
	for (i = 0; i < env->nr_pids; i++) {
		if (waitpid(env->pids[i], &status, 0) != env->pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			if (!failed++)
				TH_LOG("child %d: status 0x%x", i, status);
		}
	}
	env->nr_pids = 0;
	close(ready[0]);
	EXPECT_EQ(0, failed) TH_LOG("%d of %d children failed", failed,
				    MANY_CHILDREN);

	ASSERT_EQ(0, vd_stats_read(&s3));
	vd_stats_log("children exited", &s3);
	if (!touch) {
		/* the parent's references are all that is left */
		EXPECT_EQ(n, s3.v[VD_SLOTS_USED]);
	}
	bad = vd_region_verify(&r, 0, n, &first);
	EXPECT_EQ(0, bad) TH_LOG("parent: %zu bad pages, first %zu", bad, first);
	EXPECT_EQ(0, s3.v[VD_READ_ERROR] - s1.v[VD_READ_ERROR]);

	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s3));
	vd_stats_log("after munmap", &s3);
}

TEST_F_TIMEOUT(fork, many_sharers_touch, 600)
{
	many_sharers(_metadata, &self->env, true);
}

TEST_F_TIMEOUT(fork, many_sharers_exit_untouched, 600)
{
	many_sharers(_metadata, &self->env, false);
}

TEST_HARNESS_MAIN
