// SPDX-License-Identifier: GPL-2.0
/*
 * Physical swap devices as vswap backends.
 *
 * With vswap loaded, page tables hold only virtual entries; a page that is
 * neither zero-filled nor taken by zswap is written to a swapon'd physical
 * device (PHYS backend) by vswap itself.  These tests check, with every
 * page checksummed:
 *
 *   phys:        zswap off, MADV_PAGEOUT: every non-zero page goes to the
 *                device (phys == non-zero pages == the device's Used),
 *                comes back identical, and after the free nothing is left
 *                (phys 0, Used 0, vswap idle); swapoff of the device while
 *                the data is mapped moves every slot to memory.  Both on a
 *                partition (/dev/vda) and on a swap file on ext2 (/dev/vdb).
 *   phys_zswap:  a cgroup with a small memory.zswap.max makes zswap write
 *                back to the device (zswap_writeback); a cgroup with
 *                memory.zswap.writeback=0 never reaches the device.
 *   phys_unload: the module cannot be unloaded while a slot is in use, and
 *                20 load -> swap -> free -> unload cycles do not leak.
 *
 * /dev/vda and /dev/vdb are overwritten.
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "util.h"
#include "klog.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"
#include "proc.h"

#define MNT			"/tmp/vswap_swapfs"
#define SWAPFILE		MNT "/swapfile"
#define SWAPFILE_MB		128
#define PAGES			8192		/* 32 MiB */
#define CG_NAME			"vswap_phys"
#define SEED			0x9b4c0de5ULL

#define CYCLES			20
#define CYCLE_PAGES		2048
/* 20 cycles with 8 MiB of swap traffic each; cf. vswap_device's 50 x idle */
#define CYCLE_SLAB_TOL_KB	512
#define CYCLE_FREE_TOL_KB	4096

/* Does /proc/filesystems list @fs? */
static bool have_fs(const char *fs)
{
	char buf[4096], pat[64];

	if (vt_read_file("/proc/filesystems", buf, sizeof(buf)) <= 0)
		return false;
	snprintf(pat, sizeof(pat), "\t%s\n", fs);
	return strstr(buf, pat);
}

/* Write @mb MiB of zeroes to @path (no holes: swapon refuses them). */
static int write_zero_file(const char *path, size_t mb)
{
	static char zero[1 << 20];
	size_t i;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (i = 0; i < mb && !ret; i++)
		if (write(fd, zero, sizeof(zero)) != sizeof(zero))
			ret = -EIO;
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------
 * phys: zswap off, one device (a partition or a swap file)
 */

FIXTURE(phys) {
	struct vd_env env;
	char dev[64];
	bool mounted;
};

FIXTURE_VARIANT(phys) {
	bool file;
};

FIXTURE_VARIANT_ADD(phys, partition) {
	.file = false,
};

FIXTURE_VARIANT_ADD(phys, swapfile) {
	.file = true,
};

FIXTURE_SETUP(phys)
{
	static char * const mkfs[] = { "mke2fs", "-F", VT_PHYS_DEV2, NULL };
	struct swaps_line l = { 0 };
	int ret;

	self->mounted = false;
	snprintf(self->dev, sizeof(self->dev), "%s",
		 variant->file ? SWAPFILE : VT_PHYS_DEV);
	vd_env_setup(_metadata, &self->env, 0);
	ASSERT_EQ(0, vd_pin_cpu());
	if (variant->file) {
		if (!have_fs("ext2") && !have_fs("ext4"))
			SKIP(return, "no ext2/ext4 in /proc/filesystems (CONFIG_EXT2_FS=y in scripts/config/vm.config)");
		ASSERT_TRUE(vt_exists(VT_PHYS_DEV2));
		umount(MNT);
		ASSERT_EQ(0, vt_run(mkfs)) TH_LOG("mke2fs " VT_PHYS_DEV2);
		mkdir(MNT, 0755);
		ret = mount(VT_PHYS_DEV2, MNT, have_fs("ext2") ? "ext2" : "ext4", 0,
			    NULL);
		ASSERT_EQ(0, ret) TH_LOG("mount " VT_PHYS_DEV2 ": %s", strerror(errno));
		self->mounted = true;
		ret = write_zero_file(SWAPFILE, SWAPFILE_MB);
		ASSERT_EQ(0, ret) TH_LOG(SWAPFILE ": %s", strerror(-ret));
	}
	ASSERT_TRUE(vt_exists(self->dev));
	ret = vd_phys_on(self->dev, -1);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon %s: %s", self->dev,
				 strerror(-ret));
	ASSERT_EQ(1, proc_swaps_lookup(self->dev, &l));
	EXPECT_STREQ(variant->file ? "file" : "partition", l.type);
	EXPECT_EQ(0, l.used_kb);
	EXPECT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL));
}

FIXTURE_TEARDOWN_PARENT(phys)
{
	int ret;

	/* vswap idle (phys 0) and unloaded first, then the device goes */
	vd_env_teardown(_metadata, &self->env);
	ret = vd_phys_off(self->dev);
	EXPECT_EQ(0, ret) TH_LOG("swapoff %s: %s", self->dev, strerror(-ret));
	if (self->mounted) {
		EXPECT_EQ(0, umount(MNT)) TH_LOG("umount: %s", strerror(errno));
		self->mounted = false;
	}
}

/*
 * Zswap off: zero pages go to ZERO, every other page to the device, and
 * every page comes back identical; after the free nothing is left.
 */
TEST_F_TIMEOUT(phys, integrity, 600)
{
	const size_t n = PAGES;
	struct vd_stats s0, s1, s2, s3;
	long long pswpout0, used;
	struct vd_region r;
	size_t k[3], nonzero;

	ASSERT_EQ(0, vd_stats_read(&s0));
	pswpout0 = read_vmstat("pswpout");
	vd_region_out(_metadata, &r, n, SEED, NULL, k);
	nonzero = k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM];
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	TH_LOG("%zu pages: %zu zero, %zu compressible, %zu random; %s used %lld KiB",
	       n, k[PAGE_ZERO], k[PAGE_COMPRESSIBLE], k[PAGE_RANDOM],
	       self->dev, vd_swap_used_kb(self->dev));

	/* every non-zero page is on the device, nothing anywhere else */
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);
	EXPECT_EQ(k[PAGE_ZERO], s1.v[VD_ZERO]);
	EXPECT_EQ(nonzero, s1.v[VD_PHYS]);
	EXPECT_EQ(0, s1.v[VD_ZSWAP]);
	EXPECT_EQ(0, s1.v[VD_INMEM]);
	EXPECT_EQ(k[PAGE_ZERO], vd_delta(&s1, &s0, VD_SWPOUT_ZERO));
	EXPECT_EQ(nonzero, vd_delta(&s1, &s0, VD_SWPOUT_PHYS));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_SWPOUT_INMEM));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_ALLOC_FAIL));
	EXPECT_LE(pswpout0 + (long long)nonzero, read_vmstat("pswpout"));
	/* the device holds exactly the PHYS slots; vswap's line all of them */
	EXPECT_EQ((long long)nonzero * 4,
		  vd_wait_swap_used(self->dev, (long long)nonzero * 4));
	EXPECT_EQ((long long)n * 4, vd_swap_used_kb("vswap"));

	/* mostly from the swap cache: writeback was async (readback_io_*) */
	vd_region_check(_metadata, &r, SEED, NULL, "after read-back");
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("after read-back", &s2);
	EXPECT_EQ(k[PAGE_ZERO], vd_delta(&s2, &s1, VD_SWPIN_ZERO));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_IO_ERROR));

	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s3));
	vd_stats_log("after munmap", &s3);
	EXPECT_EQ(0, s3.v[VD_PHYS]);
	used = vd_wait_swap_used(self->dev, 0);
	EXPECT_EQ(0, used) TH_LOG("%s still has %lld KiB used", self->dev, used);
	EXPECT_EQ(0, vd_swap_used_kb("vswap"));
}

/*
 * Data written again goes to a new physical slot and its old slot is freed
 * at once: pages read back stay in the swap cache with their slots, are
 * rewritten (some become zero, some stop being zero) and paged out again.
 * The device then holds exactly the PHYS slots, and every page reads back
 * the new data.
 */
TEST_F_TIMEOUT(phys, rewrite_takes_new_slots, 600)
{
	const uint64_t seed2 = SEED ^ 0x3e;
	const size_t n = PAGES / 2;
	struct vd_stats s1, s2, s3;
	size_t k[3], k2[3], nz2;
	struct vd_region r;

	vd_region_out(_metadata, &r, n, SEED, NULL, k);
	vd_region_check(_metadata, &r, SEED, NULL, "after the first read-back");
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_region_fill(&r, 0, n, seed2, NULL);
	vd_count_kinds(0, n, seed2, NULL, k2);
	nz2 = k2[PAGE_COMPRESSIBLE] + k2[PAGE_RANDOM];
	ASSERT_EQ((long)n, vd_pageout_anon(&r, 0, n));
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("after the second pageout", &s2);
	EXPECT_EQ(nz2, s2.v[VD_PHYS]);
	EXPECT_EQ(k2[PAGE_ZERO], s2.v[VD_ZERO]);
	EXPECT_EQ(nz2, vd_delta(&s2, &s1, VD_SWPOUT_PHYS));
	/* no old slot left behind */
	EXPECT_EQ((long long)nz2 * 4,
		  vd_wait_swap_used(self->dev, (long long)nz2 * 4));
	vd_region_check(_metadata, &r, seed2, NULL, "after the second read-back");
	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s3));
	EXPECT_EQ(0, vd_wait_swap_used(self->dev, 0));
}

/*
 * Each PHYS slot is read from the device once when its page is faulted
 * back in, and the reads are batched: swap-in reads ahead (cluster
 * readahead over virtual slots, whose physical slots were written
 * together), so the device sees fewer, larger requests.  A child in our
 * cgroup pages its region out; the parent evicts the clean swap cache
 * copies (memory.reclaim) so that every non-zero page must come from the
 * device; then the child reads every page back.
 * @shared: a grandchild shares the region (swap count 2).  Either way the
 * faults go through the swap cache and swapin_readahead(): vswap clears
 * SWP_SYNCHRONOUS_IO at its first disk write.
 */
static void readback_io(struct __test_metadata *_metadata,
			FIXTURE_DATA(phys) *self, bool shared, uint64_t seed)
{
	const size_t n = PAGES / 2;
	struct vd_stats s1, s2, s3;
	long long cached = -1, extra, reads, rq;
	const char *disk = self->mounted ? VT_PHYS_DEV2 : VT_PHYS_DEV;
	struct blkdev_io io1, io2;
	struct vd_child c;
	size_t k[3], nonzero;
	int i, rc;

	vd_cg_setup(_metadata, &self->env, CG_NAME, MB(1024));
	vd_count_kinds(0, n, seed, NULL, k);
	nonzero = k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM];
	ASSERT_EQ(0, vd_child_start(&c, &self->env, self->env.cg));
	if (!c.pid) {
		size_t bad, first_bad = 0;
		struct vd_region r;
		pid_t sharer = 0;
		cpu_set_t all;

		if (vd_region_map(&r, n, false))
			_exit(10);
		vd_region_fill(&r, 0, n, seed, NULL);
		if (vd_pageout_anon(&r, 0, n) != (long)n)
			_exit(11);
		if (shared) {
			sharer = fork();
			if (sharer < 0)
				_exit(12);
			if (!sharer) {
				pause();
				_exit(0);
			}
		}
		vd_child_checkpoint(&c);
		/*
		 * Fault on any CPU: whether a read is still in flight when
		 * the fault looks at the folio depends on where the
		 * completion runs.
		 */
		CPU_ZERO(&all);
		for (i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
		bad = vd_region_verify(&r, 0, n, &first_bad);
		if (bad)
			vt_log("child: %zu bad pages, first %zu", bad, first_bad);
		if (sharer > 0) {
			kill(sharer, SIGKILL);
			waitpid(sharer, NULL, 0);
		}
		_exit(bad ? 1 : 0);
	}
	ASSERT_TRUE(vd_parent_wait(&c)) TH_LOG("child died");
	ASSERT_EQ(0, vd_stats_read(&s1));
	ASSERT_EQ(nonzero, s1.v[VD_PHYS]);
	cached = vd_evict_swap_cache(self->env.cg);
	ASSERT_EQ(0, cached) TH_LOG("swap cache not evicted");
	ASSERT_EQ(0, vd_stats_read(&s2));
	/* memory.reclaim may also have paged out a few of the child's pages */
	extra = vd_delta(&s2, &s1, VD_SWPOUT_PHYS);

	ASSERT_EQ(0, blkdev_io_read(disk, &io1));
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("child failed (rc %d: 1 = data mismatch)", rc);
	ASSERT_EQ(0, blkdev_io_read(disk, &io2));
	rq = io2.reads - io1.reads;
	ASSERT_EQ(0, vd_stats_read(&s3));
	vd_stats_log("after read-back", &s3);
	reads = vd_delta(&s3, &s2, VD_SWPIN_PHYS);
	TH_LOG("%s: %zu PHYS slots of the region (+%lld other pages paged out), swpin_phys %lld in %lld read requests",
	       shared ? "shared" : "private", nonzero, extra, reads, rq);
	EXPECT_LE(2 * rq, reads) TH_LOG("swap-in did not read ahead");
	EXPECT_LE((long long)nonzero, reads);
	EXPECT_GE((long long)nonzero + extra, reads)
		TH_LOG("slots were read from the device more than once");
	EXPECT_EQ(0, vd_delta(&s3, &s1, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s3, &s1, VD_IO_ERROR));
	EXPECT_EQ(0, vd_wait_idle(&s3));
}

TEST_F_TIMEOUT(phys, readback_io_once_private, 600)
{
	readback_io(_metadata, self, false, SEED ^ 0x71);
}

TEST_F_TIMEOUT(phys, readback_io_once_shared, 600)
{
	readback_io(_metadata, self, true, SEED ^ 0x72);
}

/*
 * swapoff of the device while the data is mapped: vswap reads every PHYS
 * slot of it into memory, the page tables keep their virtual entries.
 */
TEST_F_TIMEOUT(phys, swapoff_while_mapped, 600)
{
	const size_t n = PAGES;
	struct vd_stats s1, s2, s3;
	struct vd_region r;
	size_t k[3], nonzero;
	size_t swapped = 0;
	int ret;

	vd_region_out(_metadata, &r, n, SEED ^ 0xff, NULL, k);
	nonzero = k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM];
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	ASSERT_EQ(nonzero, s1.v[VD_PHYS]);
	ASSERT_EQ((long long)nonzero * 4,
		  vd_wait_swap_used(self->dev, (long long)nonzero * 4));

	ret = swap_off(self->dev);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", self->dev, strerror(-ret));
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("after swapoff", &s2);
	EXPECT_EQ(0, proc_swaps_find(self->dev, NULL, NULL, NULL));
	EXPECT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL));
	EXPECT_EQ(s1.v[VD_PHYS], vd_delta(&s2, &s1, VD_UNUSE_MOVED));
	EXPECT_EQ(0, s2.v[VD_PHYS]);
	EXPECT_EQ(s1.v[VD_INMEM] + s1.v[VD_PHYS], s2.v[VD_INMEM]);
	EXPECT_EQ(s1.v[VD_ZERO], s2.v[VD_ZERO]);
	/* the processes keep their virtual entries */
	EXPECT_EQ(s1.v[VD_SLOTS_USED], s2.v[VD_SLOTS_USED]);
	ASSERT_EQ(0, pagemap_count(r.mem, n, &swapped, NULL));
	EXPECT_EQ(n, swapped);

	vd_region_check(_metadata, &r, SEED ^ 0xff, NULL, "after swapoff");
	EXPECT_EQ(0, vd_delta(&s2, &s1, VD_SWPIN_PHYS));
	vd_region_unmap(&r);
	EXPECT_EQ(0, vd_wait_idle(&s3));
	vd_stats_log("after munmap", &s3);
	EXPECT_EQ(0, vd_delta(&s3, &s1, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s3, &s1, VD_IO_ERROR));
}

/* ---------------------------------------------------------------------
 * phys_zswap: zswap on, writeback to /dev/vda from a memory cgroup
 */

#define WB_PAGES		12288		/* 48 MiB */
#define WB_MEMORY_MAX		MB(16)
#define WB_ZSWAP_MAX		"524288"	/* 512 KiB */

/* compressible and zero pages only: PHYS slots come from writeback */
static const struct page_mix mix_wb = { 20, 80 };
/* random pages are refused by zswap and would go to the device */
static const struct page_mix mix_nowb = { 30, 60 };

FIXTURE(phys_zswap) {
	struct vd_env env;
};

FIXTURE_SETUP(phys_zswap)
{
	int ret;

	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_EQ(0, vd_pin_cpu());
	ret = vd_phys_on(VT_PHYS_DEV, -1);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon " VT_PHYS_DEV ": %s",
				 strerror(-ret));
}

FIXTURE_TEARDOWN_PARENT(phys_zswap)
{
	int ret;

	vd_env_teardown(_metadata, &self->env);
	ret = vd_phys_off(VT_PHYS_DEV);
	EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
}

/*
 * Run @n pages of (@seed, @mix) in a child inside env->cg; at the
 * checkpoint (everything written once) the counters go to @s1; then the
 * child verifies every page.  Returns the child's exit status.
 */
static int cg_workload(struct __test_metadata *_metadata, struct vd_env *env,
		       size_t n, uint64_t seed, const struct page_mix *mix,
		       struct vd_stats *s1)
{
	struct vd_child c;
	int rc;

	ASSERT_EQ(0, vd_child_start(&c, env, env->cg));
	if (!c.pid) {
		size_t bad, first_bad = 0, sw = 0, pr = 0;
		struct vd_region r;

		if (vd_region_map(&r, n, false))
			_exit(10);
		vd_region_fill(&r, 0, n, seed, mix);
		if (!pagemap_count(r.mem, n, &sw, &pr))
			vt_log("child: %zu swapped, %zu present of %zu",
			       sw, pr, n);
		vd_child_checkpoint(&c);
		bad = vd_region_verify(&r, 0, n, &first_bad);
		if (bad) {
			vt_log("child: %zu bad pages, first %zu (%s)", bad,
			       first_bad,
			       page_kind_str(page_kind_of(seed, first_bad, mix)));
			_exit(1);
		}
		_exit(sw ? 0 : 11);
	}
	ASSERT_TRUE(vd_parent_wait(&c)) TH_LOG("workload died (OOM?)");
	ASSERT_EQ(0, vd_stats_read(s1));
	vd_stats_log("under pressure", s1);
	TH_LOG("memory.current %lld, memory.swap.current %lld, memory.zswap.current %lld, %s used %lld KiB",
	       cg_read_ll(env->cg, "memory.current"),
	       cg_read_ll(env->cg, "memory.swap.current"),
	       cg_read_ll(env->cg, "memory.zswap.current"), VT_PHYS_DEV,
	       vd_swap_used_kb(VT_PHYS_DEV));
	vd_parent_release(&c);
	rc = vd_child_finish(&c, env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: 1 = data mismatch, 11 = nothing swapped, >128 killed)",
				rc);
	return rc;
}

/*
 * memory.zswap.max far below the compressed size of the workload: every
 * store over the limit makes zswap write back its oldest entry of the
 * cgroup, which vswap moves to the device without a page table walk.
 */
TEST_F_TIMEOUT(phys_zswap, writeback_forced, 600)
{
	struct vd_stats s0, s1, s2;
	long long used;

	vd_cg_setup(_metadata, &self->env, CG_NAME, WB_MEMORY_MAX);
	ASSERT_EQ(0, cg_write(self->env.cg, "memory.zswap.max", WB_ZSWAP_MAX));
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ(0, cg_workload(_metadata, &self->env, WB_PAGES, SEED ^ 2,
				 &mix_wb, &s1));
	EXPECT_LT(0, vd_delta(&s1, &s0, VD_ZSWAP_WRITEBACK));
	EXPECT_LT(0, s1.v[VD_PHYS]);
	EXPECT_LT(0, s1.v[VD_ZSWAP]);
	EXPECT_EQ(s1.v[VD_SLOTS_USED], s1.v[VD_ZERO] + s1.v[VD_ZSWAP] +
		  s1.v[VD_PHYS] + s1.v[VD_INMEM]);

	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("after exit", &s2);
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_IO_ERROR));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	used = vd_wait_swap_used(VT_PHYS_DEV, 0);
	EXPECT_EQ(0, used) TH_LOG(VT_PHYS_DEV " still has %lld KiB used", used);
}

/*
 * memory.zswap.writeback=0: neither zswap writeback nor pages zswap
 * refuses may reach the device; they stay in zswap or in memory.
 */
TEST_F_TIMEOUT(phys_zswap, writeback_disabled, 600)
{
	struct vd_stats s0, s1, s2;
	char path[PATH_MAX];

	vd_cg_setup(_metadata, &self->env, CG_NAME, MB(24));
	snprintf(path, sizeof(path), "%s/memory.zswap.writeback",
		 self->env.cg);
	if (!vt_exists(path))
		SKIP(return, "no memory.zswap.writeback");
	ASSERT_EQ(0, cg_write(self->env.cg, "memory.zswap.writeback", "0"));
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ(0, cg_workload(_metadata, &self->env, WB_PAGES, SEED ^ 3,
				 &mix_nowb, &s1));
	EXPECT_EQ(0, s1.v[VD_PHYS]);
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_SWPOUT_PHYS));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_ZSWAP_WRITEBACK));
	EXPECT_LT(0, s1.v[VD_ZSWAP]);
	/* random pages were offered to zswap, refused, and kept in memory */
	EXPECT_LT(0, vd_delta(&s1, &s0, VD_ZSWAP_REJECT));
	EXPECT_LT(0, vd_delta(&s1, &s0, VD_SWPOUT_INMEM));
	EXPECT_EQ(0, vd_wait_swap_used(VT_PHYS_DEV, 0));

	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_SWPOUT_PHYS));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_ZSWAP_WRITEBACK));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_wait_idle(&s2));
	vd_stats_log("after exit", &s2);
}

/* ---------------------------------------------------------------------
 * phys_unload: module unload with slots in use, load/unload cycles
 */

FIXTURE(phys_unload) {
	struct vd_env env;
};

FIXTURE_SETUP(phys_unload)
{
	int ret;

	vd_env_setup(_metadata, &self->env, 0);
	ASSERT_EQ(0, vd_pin_cpu());
	ret = vd_phys_on(VT_PHYS_DEV, -1);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon " VT_PHYS_DEV ": %s",
				 strerror(-ret));
}

FIXTURE_TEARDOWN_PARENT(phys_unload)
{
	int ret;

	vd_env_teardown(_metadata, &self->env);
	ret = vd_phys_off(VT_PHYS_DEV);
	EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
}

/* Kernel problems or vswap errors logged since @m. */
static void check_klog(struct __test_metadata *_metadata,
		       const struct klog_mark *m)
{
	static const char * const bad[] = {
		"WARNING", "BUG", "Oops", "error on swap device",
		"cannot read slot", "is not in zswap",
	};
	char line[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_FALSE(dmesg_find(m, NULL, bad[i], line, sizeof(line)))
			TH_LOG("kernel log: %s", line);
	}
}

TEST_F_TIMEOUT(phys_unload, refused_while_in_use, 600)
{
	const size_t n = PAGES;
	struct vd_stats s1, s2;
	struct klog_mark m;
	struct vd_region r;
	size_t k[3];
	int ret, i;

	klog_mark(&m);
	vd_region_out(_metadata, &r, n, SEED ^ 4, NULL, k);
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after pageout", &s1);
	ASSERT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM], s1.v[VD_PHYS]);

	for (i = 0; i < 3; i++) {
		ret = vswap_unload();
		EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN)
			TH_LOG("unload with %llu slots in use: %s",
			       s1.v[VD_SLOTS_USED], strerror(-ret));
		ASSERT_TRUE(vswap_loaded());
	}
	ASSERT_EQ(0, vd_stats_read(&s2));
	EXPECT_EQ(s1.v[VD_SLOTS_USED], s2.v[VD_SLOTS_USED]);
	EXPECT_EQ(s1.v[VD_PHYS], s2.v[VD_PHYS]);
	vd_region_check(_metadata, &r, SEED ^ 4, NULL, "after refused unload");
	/* touched, but the slots may still be held by the swap cache */
	ret = vswap_unload();
	if (ret) {
		EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EAGAIN)
			TH_LOG("unload: %s", strerror(-ret));
		vd_region_unmap(&r);
		EXPECT_EQ(0, vd_wait_idle(&s2));
		vd_stats_log("after munmap", &s2);
		ret = vswap_unload();
		EXPECT_EQ(0, ret) TH_LOG("unload once idle: %s", strerror(-ret));
	} else {
		/* everything must have been released by the read-back */
		EXPECT_EQ(0, s2.v[VD_SLOTS_USED]) TH_LOG("unloaded with slots in use");
		vd_region_unmap(&r);
	}
	EXPECT_FALSE(vswap_loaded());
	EXPECT_EQ(0, vd_wait_swap_used(VT_PHYS_DEV, 0));
	check_klog(_metadata, &m);
}

/* One cycle: load, swap to the device, verify, free, unload. */
static void swap_cycle(struct __test_metadata *_metadata, int cycle)
{
	const size_t n = CYCLE_PAGES;
	struct vd_stats s1, s2;
	struct vd_region r;
	size_t k[3];
	int ret;

	ret = vswap_load("");
	ASSERT_EQ(0, ret) TH_LOG("cycle %d: load: %s", cycle, strerror(-ret));
	vd_region_out(_metadata, &r, n, SEED + cycle, NULL, k);
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(k[PAGE_ZERO], s1.v[VD_ZERO]) TH_LOG("cycle %d", cycle);
	EXPECT_EQ(k[PAGE_COMPRESSIBLE] + k[PAGE_RANDOM], s1.v[VD_PHYS])
		TH_LOG("cycle %d", cycle);
	ASSERT_EQ(-EWOULDBLOCK, vswap_unload()) TH_LOG("cycle %d", cycle);
	vd_region_check(_metadata, &r, SEED + cycle, NULL, "cycle read-back");
	vd_region_unmap(&r);
	ret = vd_wait_idle(&s2);
	if (ret)
		vd_stats_log("not idle", &s2);
	ASSERT_EQ(0, ret) TH_LOG("cycle %d: not idle after munmap", cycle);
	EXPECT_EQ(0, s2.v[VD_READ_ERROR] + s2.v[VD_IO_ERROR]);
	ASSERT_EQ(0, vd_wait_swap_used(VT_PHYS_DEV, 0)) TH_LOG("cycle %d", cycle);
	ret = vswap_unload();
	ASSERT_EQ(0, ret) TH_LOG("cycle %d: unload: %s", cycle, strerror(-ret));
}

TEST_F_TIMEOUT(phys_unload, load_swap_free_unload_cycles, 900)
{
	long long slab0, slab1, free0, free1;
	int i, ret;

	ret = vswap_unload();
	ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));
	/* two warm-up cycles absorb one-time allocations */
	for (i = 0; i < 2; i++)
		swap_cycle(_metadata, i);
	vm_settle();
	slab0 = read_meminfo_kb("Slab");
	free0 = read_free_incl_pcp_kb();
	ASSERT_GE(slab0, 0);
	ASSERT_GE(free0, 0);

	for (i = 0; i < CYCLES; i++)
		swap_cycle(_metadata, 2 + i);

	vm_settle();
	slab1 = read_meminfo_kb("Slab");
	free1 = read_free_incl_pcp_kb();
	TH_LOG("%d cycles of %d pages: Slab %+lld KiB (tolerance %d), free incl. pcp %+lld KiB (tolerance -%d)",
	       CYCLES, CYCLE_PAGES, slab1 - slab0, CYCLE_SLAB_TOL_KB,
	       free1 - free0, CYCLE_FREE_TOL_KB);
	EXPECT_LE(slab1 - slab0, CYCLE_SLAB_TOL_KB);
	EXPECT_LE(free0 - free1, CYCLE_FREE_TOL_KB);
	EXPECT_FALSE(vswap_loaded());
	EXPECT_EQ(0, vd_swap_used_kb(VT_PHYS_DEV));
}

TEST_HARNESS_MAIN
