// SPDX-License-Identifier: GPL-2.0
/*
 * vswap and shared memory: shmem (memfd, tmpfs files) swaps through
 * shmem_writepage() and the swap cache of the inode's mapping, not through
 * anonymous page tables.  Pages are pushed out with MADV_PAGEOUT on a
 * MAP_SHARED mapping (exact counters) and by a cgroup v2 memory.max limit,
 * then read back through the mapping and with pread(); a tmpfs file must
 * keep its contents after its writer is gone.  Freeing the file must
 * release every slot, and vswap must unload.
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "util.h"
#include "vswap_stats.h"
#include "region.h"
#include "memcg.h"
#include "env.h"
#include "proc.h"

#define PAGEOUT_PAGES		VT_SCALE(4096, 1024)	/* 16 MiB */
#define PRESSURE_PAGES		VT_SCALE(12288, 4096)	/* 48 MiB */
#define PRESSURE_MAX		VT_SCALE_MB(24, 8)
#define CG_NAME			"vswap_shmem"
#define SEED			0x5be3f00d4242ULL

static const struct page_mix mix_zswap = { 30, 50 };
static const struct page_mix mix_nozswap = { 80, 10 };

FIXTURE(shmem) {
	struct vd_env env;
	char dir[64];		/* private tmpfs mount; "" if none */
};

FIXTURE_VARIANT(shmem) {
	bool zswap;
};

FIXTURE_VARIANT_ADD(shmem, zswap_on) {
	.zswap = true,
};

FIXTURE_VARIANT_ADD(shmem, zswap_off) {
	.zswap = false,
};

FIXTURE_SETUP(shmem)
{
	self->dir[0] = '\0';
	vd_env_setup(_metadata, &self->env, variant->zswap);
	/* MADV_PAGEOUT misses folios still in another CPU's LRU batch */
	ASSERT_EQ(0, vd_pin_cpu());
}

FIXTURE_TEARDOWN_PARENT(shmem)
{
	if (self->dir[0]) {
		/* unmounting frees whatever a failed test left in the fs */
		EXPECT_EQ(0, umount2(self->dir, MNT_DETACH));
		rmdir(self->dir);
	}
	vd_env_teardown(_metadata, &self->env);
}

/* Mount a tmpfs without huge pages at a fresh directory in self->dir. */
static void mount_tmpfs(struct __test_metadata *_metadata,
			FIXTURE_DATA(shmem) *self)
{
	char dir[] = "/tmp/vswap_shmem.XXXXXX";

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=256m,huge=never"))
		TH_LOG("mount tmpfs: %s", strerror(errno));
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
}

/* Fill @nr_pages of a file with the pattern using pwrite(). */
static int file_fill(int fd, size_t nr_pages, uint64_t seed,
		     const struct page_mix *mix)
{
	char page[VT_PAGE_SIZE];
	size_t i;

	for (i = 0; i < nr_pages; i++) {
		page_generate(page, seed, (uint32_t)i, mix);
		if (pwrite(fd, page, VT_PAGE_SIZE, i * VT_PAGE_SIZE) !=
		    (ssize_t)VT_PAGE_SIZE)
			return -EIO;
	}
	return 0;
}

/*
 * Compare every page of a file (read with pread()) with the pattern.
 * Returns the number of bad pages, first one in *@first.
 */
static size_t file_verify(int fd, size_t nr_pages, uint64_t seed,
			  const struct page_mix *mix, size_t *first)
{
	char page[VT_PAGE_SIZE], exp[VT_PAGE_SIZE];
	size_t i, bad = 0;

	for (i = 0; i < nr_pages; i++) {
		page_generate(exp, seed, (uint32_t)i, mix);
		if (pread(fd, page, VT_PAGE_SIZE, i * VT_PAGE_SIZE) ==
		    (ssize_t)VT_PAGE_SIZE && !memcmp(page, exp, VT_PAGE_SIZE))
			continue;
		if (!bad++ && first)
			*first = i;
	}
	return bad;
}

static void set_csums(struct vd_region *r, uint64_t seed,
		      const struct page_mix *mix)
{
	char page[VT_PAGE_SIZE];
	size_t i;

	for (i = 0; i < r->nr_pages; i++) {
		page_generate(page, seed, (uint32_t)i, mix);
		r->csum[i] = page_csum(page);
	}
}

/*
 * MADV_PAGEOUT a shared file mapping until vswap holds @want more slots
 * than @base (pagemap does not show swapped shmem).  Returns the slots
 * gained.
 */
static long long shmem_pageout(const struct vd_region *r,
			       const struct vd_stats *base, size_t want)
{
	struct vd_stats s;
	long long got = 0;
	int i;

	for (i = 0; i < 50; i++) {
		if (madvise(r->mem, r->nr_pages * VT_PAGE_SIZE, MADV_PAGEOUT))
			return -errno;
		if (vd_stats_read(&s))
			return -EIO;
		got = vd_delta(&s, base, VD_SLOTS_USED);
		if (got >= (long long)want)
			break;
		usleep(20 * 1000);
	}
	return got;
}

/* Exact per-backend counts for @k pages swapped out by MADV_PAGEOUT. */
static void check_exact(struct __test_metadata *_metadata,
			const struct vd_stats *s0, const struct vd_stats *s1,
			const size_t k[3], bool zswap)
{
	size_t n = k[0] + k[1] + k[2];

	EXPECT_EQ(n, s1->v[VD_SLOTS_USED]);
	EXPECT_EQ(k[PAGE_ZERO], s1->v[VD_ZERO]);
	EXPECT_EQ(k[PAGE_ZERO], vd_delta(s1, s0, VD_SWPOUT_ZERO));
	if (zswap) {
		EXPECT_EQ(k[PAGE_COMPRESSIBLE], s1->v[VD_ZSWAP]);
		EXPECT_EQ(k[PAGE_RANDOM], s1->v[VD_INMEM]);
	} else {
		EXPECT_EQ(0, s1->v[VD_ZSWAP]);
		EXPECT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM], s1->v[VD_INMEM]);
	}
	EXPECT_EQ(0, vd_delta(s1, s0, VD_LARGE_REFUSED));
	EXPECT_EQ(0, vd_delta(s1, s0, VD_ALLOC_FAIL));
}

TEST_F_TIMEOUT(shmem, memfd_pageout, 600)
{
	const size_t n = PAGEOUT_PAGES;
	struct vd_stats s0, s1, s2;
	struct vd_region r;
	size_t k[3], bad, first = 0;
	int fd;

	fd = memfd_create("vswap_shmem", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, n * VT_PAGE_SIZE));
	ASSERT_EQ(0, vd_region_map_fd(&r, n, true, fd));
	vd_region_fill(&r, 0, n, SEED, NULL);
	vd_count_kinds(0, n, SEED, NULL, k);

	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ((long long)n, shmem_pageout(&r, &s0, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	check_exact(_metadata, &s0, &s1, k, variant->zswap);

	/* read back half through the mapping, all of it with pread() */
	bad = vd_region_verify(&r, 0, n / 2, &first);
	EXPECT_EQ(0, bad) TH_LOG("mapping: %zu bad pages, first %zu", bad, first);
	bad = file_verify(fd, n, SEED, NULL, &first);
	EXPECT_EQ(0, bad) TH_LOG("pread: %zu bad pages, first %zu", bad, first);
	bad = vd_region_verify(&r, 0, n, &first);
	EXPECT_EQ(0, bad) TH_LOG("mapping: %zu bad pages, first %zu", bad, first);
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(k[PAGE_ZERO], vd_delta(&s2, &s1, VD_SWPIN_ZERO));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));

	vd_region_unmap(&r);
	close(fd);
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after close", &s2);
}

/*
 * A tmpfs file written with write(), swapped out through a temporary
 * mapping, then read with read() after the mapping is gone; unlinking it
 * releases the slots.
 */
TEST_F_TIMEOUT(shmem, tmpfs_file_pageout, 600)
{
	const size_t n = PAGEOUT_PAGES / 2;
	struct vd_stats s0, s1, s2;
	struct vd_region r;
	char path[128];
	size_t k[3], bad, first = 0;
	int fd;

	mount_tmpfs(_metadata, self);
	snprintf(path, sizeof(path), "%s/data", self->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_fill(fd, n, SEED ^ 7, NULL));
	vd_count_kinds(0, n, SEED ^ 7, NULL, k);

	ASSERT_EQ(0, vd_region_map_fd(&r, n, true, fd));
	set_csums(&r, SEED ^ 7, NULL);
	/* MADV_PAGEOUT walks page tables: map every page first (read fault) */
	bad = vd_region_verify(&r, 0, n, &first);
	ASSERT_EQ(0, bad) TH_LOG("written data: %zu bad pages", bad);
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ((long long)n, shmem_pageout(&r, &s0, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	check_exact(_metadata, &s0, &s1, k, variant->zswap);
	vd_region_unmap(&r);
	close(fd);

	/* the file is still swapped out with nobody mapping it */
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	bad = file_verify(fd, n, SEED ^ 7, NULL, &first);
	EXPECT_EQ(0, bad) TH_LOG("read: %zu bad pages, first %zu", bad, first);
	close(fd);

	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after unlink", &s2);
}

/* memfd written in a memory-limited cgroup, verified while still limited */
TEST_F_TIMEOUT(shmem, memfd_pressure, 600)
{
	const struct page_mix *mix = variant->zswap ? &mix_zswap : &mix_nozswap;
	const size_t n = PRESSURE_PAGES;
	struct vd_stats s0, s1, s2;
	struct vd_child c;
	int rc;

	vd_cg_setup(_metadata, &self->env, CG_NAME, PRESSURE_MAX);
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ(0, vd_child_start(&c, &self->env, self->env.cg));
	if (!c.pid) {
		size_t bad, first = 0;
		struct vd_region r;
		int fd;

		fd = memfd_create("vswap_pressure", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, n * VT_PAGE_SIZE) ||
		    vd_region_map_fd(&r, n, true, fd))
			_exit(10);
		vd_region_fill(&r, 0, n, SEED, mix);
		vd_child_checkpoint(&c);
		bad = vd_region_verify(&r, 0, n, &first);
		if (bad) {
			vt_log("child: mapping: %zu bad pages, first %zu", bad,
			       first);
			_exit(1);
		}
		bad = file_verify(fd, n, SEED, mix, &first);
		if (bad) {
			vt_log("child: pread: %zu bad pages, first %zu", bad,
			       first);
			_exit(2);
		}
		_exit(0);
	}
	ASSERT_TRUE(vd_parent_wait(&c)) TH_LOG("workload died (OOM?)");
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("under pressure", &s1);
	TH_LOG("memory.current %lld, memory.swap.current %lld, memory.zswap.current %lld",
	       cg_read_ll(self->env.cg, "memory.current"),
	       cg_read_ll(self->env.cg, "memory.swap.current"),
	       cg_read_ll(self->env.cg, "memory.zswap.current"));
	EXPECT_LT(0, s1.v[VD_SLOTS_USED]);
	EXPECT_LT(0, s1.v[VD_ZERO]);
	if (variant->zswap) {
		EXPECT_LT(0, s1.v[VD_ZSWAP]);
	} else {
		EXPECT_EQ(0, s1.v[VD_ZSWAP]);
	}
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("workload rc %d (1/2 = data mismatch)", rc);
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after exit", &s2);
}

/*
 * A tmpfs file written by a process in a memory-limited cgroup is swapped
 * out; the writer exits.  The file must keep its contents (read back by
 * another process) and release its slots when unlinked.
 */
TEST_F_TIMEOUT(shmem, tmpfs_file_survives_pressure, 600)
{
	const struct page_mix *mix = variant->zswap ? &mix_zswap : &mix_nozswap;
	const size_t n = PRESSURE_PAGES;
	struct vd_stats s1, s2;
	struct vd_child c;
	char path[128];
	size_t bad, first = 0;
	int fd, rc;

	mount_tmpfs(_metadata, self);
	snprintf(path, sizeof(path), "%s/data", self->dir);
	vd_cg_setup(_metadata, &self->env, CG_NAME, PRESSURE_MAX);
	ASSERT_EQ(0, vd_child_start(&c, &self->env, self->env.cg));
	if (!c.pid) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || file_fill(fd, n, SEED ^ 3, mix))
			_exit(10);
		close(fd);
		_exit(0);
	}
	rc = vd_child_finish(&c, &self->env);
	ASSERT_EQ(0, rc) TH_LOG("writer rc %d", rc);
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("writer gone", &s1);
	EXPECT_LT(0, s1.v[VD_SLOTS_USED]);
	EXPECT_LT(0, s1.v[VD_ZERO]);
	if (variant->zswap)
		EXPECT_LT(0, s1.v[VD_ZSWAP]);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	bad = file_verify(fd, n, SEED ^ 3, mix, &first);
	EXPECT_EQ(0, bad) TH_LOG("read: %zu bad pages, first %zu", bad, first);
	close(fd);
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after unlink", &s2);
}

TEST_HARNESS_MAIN
