/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the vswap data-path tests (swap_integrity, swap_fork,
 * swap_shmem, swap_stress, bench_swap): a snapshot of the vswap debugfs
 * counters, the "only vswap is active" environment, regions whose pages
 * carry a remembered checksum each, and workloads run in a child process
 * inside a memory-limited cgroup.
 *
 * Include after kselftest_harness.h and vswap_test.h.  Functions taking a
 * struct __test_metadata use ASSERT_*() and must only be called from the
 * test process itself, never from a forked workload child.
 */
#ifndef __VSWAP_DATA_H
#define __VSWAP_DATA_H

#include <sched.h>
#include <time.h>
#include <sys/resource.h>

#include "vswap_test.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

/* ---------------------------------------------------------------------
 * vswap debugfs counters
 */

enum vd_stat {
	VD_CAPACITY,
	VD_SLOTS_USED,
	VD_CLUSTERS,
	VD_MAP_PAGES,
	VD_METADATA_BYTES,
	VD_INMEM,
	VD_ZERO,
	VD_ZSWAP,
	VD_SWPOUT_ZERO,
	VD_SWPOUT_ZSWAP,
	VD_SWPOUT_INMEM,
	VD_SWPIN_ZERO,
	VD_SWPIN_ZSWAP,
	VD_ZSWAP_REJECT,
	VD_LARGE_REFUSED,
	VD_ALLOC_FAIL,
	VD_READ_ERROR,
	/* physical swap devices as backends */
	VD_PHYS,
	VD_SWPOUT_PHYS,
	VD_SWPIN_PHYS,
	VD_ZSWAP_WRITEBACK,
	VD_UNUSE_MOVED,
	VD_IO_ERROR,
	VD_NR_STATS,
};

static const char * const vd_stat_names[VD_NR_STATS] = {
	[VD_CAPACITY] = "capacity",
	[VD_SLOTS_USED] = "slots_used",
	[VD_CLUSTERS] = "clusters",
	[VD_MAP_PAGES] = "map_pages",
	[VD_METADATA_BYTES] = "metadata_bytes",
	[VD_INMEM] = "inmem",
	[VD_ZERO] = "zero",
	[VD_ZSWAP] = "zswap",
	[VD_SWPOUT_ZERO] = "swpout_zero",
	[VD_SWPOUT_ZSWAP] = "swpout_zswap",
	[VD_SWPOUT_INMEM] = "swpout_inmem",
	[VD_SWPIN_ZERO] = "swpin_zero",
	[VD_SWPIN_ZSWAP] = "swpin_zswap",
	[VD_ZSWAP_REJECT] = "zswap_reject",
	[VD_LARGE_REFUSED] = "large_refused",
	[VD_ALLOC_FAIL] = "alloc_fail",
	[VD_READ_ERROR] = "read_error",
	[VD_PHYS] = "phys",
	[VD_SWPOUT_PHYS] = "swpout_phys",
	[VD_SWPIN_PHYS] = "swpin_phys",
	[VD_ZSWAP_WRITEBACK] = "zswap_writeback",
	[VD_UNUSE_MOVED] = "unuse_moved",
	[VD_IO_ERROR] = "io_error",
};

struct vd_stats {
	unsigned long long v[VD_NR_STATS];
};

/* Read every counter; 0 or the first -errno. */
static inline int vd_stats_read(struct vd_stats *s)
{
	int i, ret;

	for (i = 0; i < VD_NR_STATS; i++) {
		ret = vswap_debugfs_read(vd_stat_names[i], &s->v[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* @a - @b for event counters (never negative for a sane module) */
static inline long long vd_delta(const struct vd_stats *a,
				 const struct vd_stats *b, enum vd_stat i)
{
	return (long long)(a->v[i] - b->v[i]);
}

static inline void vd_stats_log(const char *tag, const struct vd_stats *s)
{
	vt_log("vswap %s: used %llu clusters %llu map_pages %llu meta %llu | now zero %llu zswap %llu phys %llu inmem %llu | out zero %llu zswap %llu phys %llu inmem %llu | in zero %llu zswap %llu phys %llu | zswap wb %llu unuse %llu | reject %llu large %llu allocfail %llu rderr %llu ioerr %llu",
	       tag, s->v[VD_SLOTS_USED], s->v[VD_CLUSTERS], s->v[VD_MAP_PAGES],
	       s->v[VD_METADATA_BYTES], s->v[VD_ZERO], s->v[VD_ZSWAP],
	       s->v[VD_PHYS], s->v[VD_INMEM], s->v[VD_SWPOUT_ZERO],
	       s->v[VD_SWPOUT_ZSWAP], s->v[VD_SWPOUT_PHYS],
	       s->v[VD_SWPOUT_INMEM], s->v[VD_SWPIN_ZERO], s->v[VD_SWPIN_ZSWAP],
	       s->v[VD_SWPIN_PHYS], s->v[VD_ZSWAP_WRITEBACK],
	       s->v[VD_UNUSE_MOVED], s->v[VD_ZSWAP_REJECT],
	       s->v[VD_LARGE_REFUSED], s->v[VD_ALLOC_FAIL],
	       s->v[VD_READ_ERROR], s->v[VD_IO_ERROR]);
}

/* Nothing held: no slot, no cluster, no page in any backend. */
static inline bool vd_stats_idle(const struct vd_stats *s)
{
	return !s->v[VD_SLOTS_USED] && !s->v[VD_CLUSTERS] &&
	       !s->v[VD_INMEM] && !s->v[VD_ZERO] && !s->v[VD_ZSWAP] &&
	       !s->v[VD_PHYS];
}

/*
 * Wait until vswap is idle.  Freeing a swap slot is synchronous with the
 * last unmap, but a workload's exit, a cgroup's pages and the per-cpu LRU
 * batches drain asynchronously, so poll a bounded number of times
 * (VD_IDLE_POLLS x 50 ms).  Returns 0 when idle, -EBUSY if it never got
 * there, or -errno; the last reading is left in @s.
 */
#define VD_IDLE_POLLS		200

static inline int vd_wait_idle(struct vd_stats *s)
{
	int i, ret = 0;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		ret = vd_stats_read(s);
		if (ret)
			return ret;
		if (vd_stats_idle(s))
			return 0;
		if (i == VD_IDLE_POLLS / 2)
			vt_write_file("/proc/sys/vm/drop_caches", "3");
		usleep(50 * 1000);
	}
	return -EBUSY;
}

/* ---------------------------------------------------------------------
 * Environment: vswap loaded, no physical swap, zswap as requested
 */

#define VD_MAX_PIDS		128

struct vd_env {
	int zswap_saved;		/* to restore; -1: untouched */
	char cg[128];			/* cgroup to remove; "" if none */
	int nr_pids;			/* workload children to reap */
	pid_t pids[VD_MAX_PIDS];
};

/* Number of active swap areas other than vswap; -errno on error. */
static inline int vd_count_other_swaps(void)
{
	char line[PATH_MAX + 128], name[PATH_MAX], type[32];
	int n = 0;
	FILE *f;

	f = fopen("/proc/swaps", "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s %31s", name, type) != 2)
			continue;
		if (strcmp(type, "vswap"))
			n++;
	}
	fclose(f);
	return n;
}

/* swapoff every active swap area that is not vswap (left by a crash). */
static inline void vd_swapoff_others(void)
{
	char line[PATH_MAX + 128], name[PATH_MAX], type[32];
	FILE *f;

	f = fopen("/proc/swaps", "re");
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s %31s", name, type) != 2)
			continue;
		if (strcmp(type, "vswap") && swapoff(name))
			vt_log("swapoff %s: %s", name, strerror(errno));
	}
	fclose(f);
}

/* Make sure vswap is loaded (default parameters); 0 or -errno. */
static inline int vd_ensure_loaded(void)
{
	int ret;

	if (vswap_loaded())
		return 0;
	ret = vswap_load("");
	return ret == -EEXIST ? 0 : ret;
}

/*
 * Common setup: no physical swap active, vswap loaded and idle and the
 * only line of /proc/swaps, zswap enabled or disabled as asked (@zswap < 0:
 * left alone), the previous zswap setting remembered in @env.
 */
static inline void vd_env_setup(struct __test_metadata *_metadata,
				struct vd_env *env, int zswap)
{
	struct vd_stats s;
	int ret;

	env->zswap_saved = -1;
	env->cg[0] = '\0';
	env->nr_pids = 0;

	ASSERT_TRUE(vt_exists(vswap_ko_path()))
		TH_LOG("%s not found (set VSWAP_KO)", vswap_ko_path());
	vd_swapoff_others();
	ret = vd_ensure_loaded();
	ASSERT_EQ(0, ret) TH_LOG("cannot load vswap: %s", strerror(-ret));
	ASSERT_EQ(0, vd_count_other_swaps())
		TH_LOG("a physical swap device is still active");
	ASSERT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL))
		TH_LOG("/proc/swaps must hold exactly the vswap line");
	ret = vd_wait_idle(&s);
	if (ret)
		vd_stats_log("not idle at start", &s);
	ASSERT_EQ(0, ret) TH_LOG("vswap not idle before the test");
	if (zswap >= 0) {
		ret = zswap_get_enabled();
		ASSERT_LE(0, ret) TH_LOG("zswap is not available");
		env->zswap_saved = ret;
		ret = zswap_set_enabled(zswap);
		ASSERT_EQ(0, ret) TH_LOG("cannot set zswap enabled=%d", zswap);
	}
}

/* Remember a workload child so that teardown can kill it. */
static inline void vd_env_add_pid(struct vd_env *env, pid_t pid)
{
	if (env->nr_pids < VD_MAX_PIDS)
		env->pids[env->nr_pids++] = pid;
}

/*
 * Common teardown, run in the harness parent (FIXTURE_TEARDOWN_PARENT)
 * after the test process is gone: kill leftover children, remove the
 * cgroup, restore zswap, check that vswap went back to idle and that the
 * module unloads.
 */
static inline void vd_env_teardown(struct __test_metadata *_metadata,
				   struct vd_env *env)
{
	struct vd_stats s;
	int i, ret;

	for (i = 0; i < env->nr_pids; i++) {
		if (env->pids[i] > 0 && !kill(env->pids[i], SIGKILL))
			waitpid(env->pids[i], NULL, 0);
	}
	env->nr_pids = 0;
	if (env->cg[0]) {
		/*
		 * A task that exits while its page is under writeback leaves
		 * the slot to the clean swap cache copy until reclaim drops
		 * it, as on stock swap (seen with 4 CPUs and a disk backend):
		 * reclaim them here, where only the workload's pages are.
		 * -EAGAIN if it reclaimed less than asked: fine.
		 */
		cg_write(env->cg, "memory.reclaim", "256M");
		ret = cg_remove(env->cg, true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", env->cg, strerror(-ret));
		env->cg[0] = '\0';
	}
	if (env->zswap_saved >= 0) {
		ret = zswap_set_enabled(env->zswap_saved);
		EXPECT_EQ(0, ret) TH_LOG("cannot restore zswap enabled=%d",
					 env->zswap_saved);
		env->zswap_saved = -1;
	}
	if (!vswap_loaded())
		return;
	ret = vd_wait_idle(&s);
	if (ret)
		vd_stats_log("not idle at teardown", &s);
	EXPECT_EQ(0, ret) TH_LOG("vswap did not return to idle");
	ret = vswap_ensure_unloaded();
	EXPECT_EQ(0, ret) TH_LOG("vswap does not unload: %s", strerror(-ret));
	EXPECT_FALSE(vswap_loaded());
}

/* ---------------------------------------------------------------------
 * Regions with one remembered checksum per page
 */

struct vd_region {
	char *mem;
	size_t nr_pages;
	uint64_t *csum;		/* expected page_csum() of every page */
	bool shared;
};

static inline char *vd_page(const struct vd_region *r, size_t idx)
{
	return r->mem + idx * VT_PAGE_SIZE;
}

/*
 * Map @nr_pages of anonymous memory (MAP_SHARED: shmem) with
 * MADV_NOHUGEPAGE, so that a THP split can never remap zero-filled
 * subpages to the shared zero page behind the counters' back.
 */
static inline int vd_region_map(struct vd_region *r, size_t nr_pages,
				bool shared)
{
	int flags = MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE);
	void *p;

	memset(r, 0, sizeof(*r));
	p = mmap(NULL, nr_pages * VT_PAGE_SIZE, PROT_READ | PROT_WRITE, flags,
		 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (madvise(p, nr_pages * VT_PAGE_SIZE, MADV_NOHUGEPAGE)) {
		int ret = -errno;

		munmap(p, nr_pages * VT_PAGE_SIZE);
		return ret;
	}
	r->csum = calloc(nr_pages, sizeof(*r->csum));
	if (!r->csum) {
		munmap(p, nr_pages * VT_PAGE_SIZE);
		return -ENOMEM;
	}
	r->mem = p;
	r->nr_pages = nr_pages;
	r->shared = shared;
	return 0;
}

static inline void vd_region_unmap(struct vd_region *r)
{
	if (r->mem)
		munmap(r->mem, r->nr_pages * VT_PAGE_SIZE);
	free(r->csum);
	memset(r, 0, sizeof(*r));
}

/*
 * Write pages [@first, @first + @n) with the deterministic pattern of
 * (@seed, page index) and remember their checksums.
 */
static inline void vd_region_fill(struct vd_region *r, size_t first, size_t n,
				  uint64_t seed, const struct page_mix *mix)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		/* page indexes fit 32 bits; tells gcc how long the text gets */
		page_generate(vd_page(r, i), seed, (uint32_t)i, mix);
		r->csum[i] = page_csum(vd_page(r, i));
	}
}

/*
 * Check pages [@first, @first + @n) against the remembered checksums.
 * Returns the number of bad pages; the first one goes to *@first_bad.
 */
static inline size_t vd_region_verify(const struct vd_region *r, size_t first,
				      size_t n, size_t *first_bad)
{
	size_t i, bad = 0;

	for (i = first; i < first + n; i++) {
		if (page_csum(vd_page(r, i)) == r->csum[i])
			continue;
		if (!bad++ && first_bad)
			*first_bad = i;
	}
	return bad;
}

/* Pages of each kind in [@first, @first + @n) for (@seed, @mix). */
static inline void vd_count_kinds(size_t first, size_t n, uint64_t seed,
				  const struct page_mix *mix, size_t counts[3])
{
	size_t i;

	memset(counts, 0, 3 * sizeof(counts[0]));
	for (i = first; i < first + n; i++)
		counts[page_kind_of(seed, i, mix)]++;
}

/*
 * MADV_PAGEOUT the pages [@first, @first + @n) until pagemap shows all of
 * them swapped out (a page can be missed while it sits in another CPU's
 * LRU batch; the call is repeated a bounded number of times).  Returns the
 * number of pages swapped out, or -errno.  Private anonymous mappings only:
 * pagemap does not show swapped shmem.
 */
static inline long vd_pageout_anon(const struct vd_region *r, size_t first,
				   size_t n)
{
	size_t swapped = 0;
	int i, ret;

	for (i = 0; i < 10; i++) {
		if (madvise(vd_page(r, first), n * VT_PAGE_SIZE, MADV_PAGEOUT))
			return -errno;
		ret = pagemap_count(vd_page(r, first), n, &swapped, NULL);
		if (ret)
			return ret;
		if (swapped == n)
			break;
		usleep(10 * 1000);
	}
	return swapped;
}

/* ---------------------------------------------------------------------
 * Workloads in a memory-limited cgroup
 */

/*
 * Create cgroup @name (path in @env->cg) with memory.max = @max_bytes and
 * no swap/zswap limit.
 */
static inline void vd_cg_setup(struct __test_metadata *_metadata,
			       struct vd_env *env, const char *name,
			       size_t max_bytes)
{
	char val[32];
	int ret;

	ret = cg_create(name, env->cg, sizeof(env->cg));
	if (ret == -EOPNOTSUPP || ret == -ENOENT)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, ret) TH_LOG("cgroup %s: %s", name, strerror(-ret));
	snprintf(val, sizeof(val), "%zu", max_bytes);
	ASSERT_EQ(0, cg_write(env->cg, "memory.max", val));
	ASSERT_EQ(0, cg_write(env->cg, "memory.high", "max"));
	cg_write(env->cg, "memory.swap.max", "max");
	cg_write(env->cg, "memory.zswap.max", "max");
}

/*
 * Evict the clean swap cache copies of @cg's pages (memory.reclaim), so
 * that their data must come from the backend.  A folio still under
 * writeback or in a CPU's LRU batch takes a while (longer on the debug
 * kernel): up to 100 x 50 ms.  Returns what is left cached, in bytes.
 */
static inline long long vd_evict_swap_cache(const char *cg)
{
	long long cached = -1;
	int i;

	for (i = 0; i < 100 && cached; i++) {
		cg_write(cg, "memory.reclaim", "256M");
		cached = cg_read_key(cg, "memory.stat", "swapcached");
		if (cached)
			usleep(50 * 1000);
	}
	return cached;
}

/*
 * A child process that runs in a cgroup and pauses at checkpoints so the
 * parent can look at the counters while the workload's memory is under
 * pressure.  The child calls vd_child_checkpoint(); the parent
 * vd_parent_wait() then vd_parent_release().
 */
struct vd_child {
	pid_t pid;
	int to_parent[2];
	int to_child[2];
};

static inline int vd_child_start(struct vd_child *c, struct vd_env *env,
				 const char *cg)
{
	if (pipe(c->to_parent) || pipe(c->to_child))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (!c->pid) {
		close(c->to_parent[0]);
		close(c->to_child[1]);
		if (cg && cg_enter(cg, 0)) {
			vt_log("cannot enter %s", cg);
			_exit(2);
		}
		return 0;
	}
	close(c->to_parent[1]);
	close(c->to_child[0]);
	vd_env_add_pid(env, c->pid);
	return 0;
}

/* Child: tell the parent we reached a checkpoint and wait to be released. */
static inline void vd_child_checkpoint(struct vd_child *c)
{
	char b = 'c';

	if (write(c->to_parent[1], &b, 1) != 1 ||
	    read(c->to_child[0], &b, 1) != 1)
		_exit(3);
}

/* Parent: wait for a checkpoint; false if the child died instead. */
static inline bool vd_parent_wait(struct vd_child *c)
{
	char b;

	return read(c->to_parent[0], &b, 1) == 1;
}

static inline void vd_parent_release(struct vd_child *c)
{
	char b = 'r';

	if (write(c->to_child[1], &b, 1) != 1)
		vt_log("child %d is gone", c->pid);
}

/* Parent: reap the child; its exit status (128 + signal if killed). */
static inline int vd_child_finish(struct vd_child *c, struct vd_env *env)
{
	int i, status = 0;

	close(c->to_parent[0]);
	close(c->to_child[1]);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -errno;
	for (i = 0; i < env->nr_pids; i++)
		if (env->pids[i] == c->pid)
			env->pids[i] = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---------------------------------------------------------------------
 * Time
 */

static inline double vd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* System CPU time of the calling process (all threads), seconds. */
static inline double vd_sys_time(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---------------------------------------------------------------------
 * Physical swap devices as vswap backends
 */

#ifndef SWAP_FLAG_PREFER
#define SWAP_FLAG_PREFER	0x8000
#define SWAP_FLAG_PRIO_MASK	0x7fff
#define SWAP_FLAG_PRIO_SHIFT	0
#endif

/* Used KiB of the /proc/swaps line of @dev; -1 if @dev is not listed. */
static inline long long vd_swap_used_kb(const char *dev)
{
	unsigned long long used = 0;

	if (proc_swaps_find(dev, NULL, &used, NULL) != 1)
		return -1;
	return used;
}

/*
 * Wait until the /proc/swaps line of @dev shows @kb KiB used: a physical
 * slot is released when its write completes or its last user goes, which
 * may trail the counters a little.  Bounded (VD_IDLE_POLLS x 50 ms);
 * returns the last value read.
 */
static inline long long vd_wait_swap_used(const char *dev, long long kb)
{
	long long used = -1;
	int i;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		used = vd_swap_used_kb(dev);
		if (used == kb)
			break;
		usleep(50 * 1000);
	}
	return used;
}

/*
 * mkswap @dev (a block device or a file) and swapon it, with priority
 * @prio, or the kernel's default (negative) one if @prio < 0.  An active
 * swap area of that name is switched off first.  0 or -errno (-EIO: mkswap
 * failed).
 */
static inline int vd_phys_on(const char *dev, int prio)
{
	int flags = 0, ret;

	if (proc_swaps_find(dev, NULL, NULL, NULL) > 0)
		swap_off(dev);
	ret = swap_mkswap(dev);
	if (ret)
		return ret > 0 ? -EIO : ret;
	if (prio >= 0)
		flags = SWAP_FLAG_PREFER |
			((prio & SWAP_FLAG_PRIO_MASK) << SWAP_FLAG_PRIO_SHIFT);
	return swap_on(dev, flags);
}

/* /sys/block/<disk>/queue/rotational of the block device @dev (/dev/<disk>) */
static inline void vd_rot_path(const char *dev, char *buf, size_t len)
{
	const char *base = strrchr(dev, '/');

	snprintf(buf, len, "/sys/block/%s/queue/rotational", base ? base + 1 : dev);
}

/*
 * Mark @dev non-rotational, so that stock swap takes its SSD path
 * (per-cluster locks, per-CPU clusters) as on a server, saving the old
 * flag in *@rot_saved unless it holds one (>= 0) already; then mkswap and
 * swapon it.  0 or -errno.  vd_rot_restore() puts the flag back.
 */
static inline int vd_phys_on_ssd(const char *dev, int prio, int *rot_saved)
{
	char path[128], buf[16];
	int ret;

	vd_rot_path(dev, path, sizeof(path));
	if (*rot_saved < 0 && vt_read_file(path, buf, sizeof(buf)) > 0)
		*rot_saved = atoi(buf);
	ret = vt_write_file(path, "0");
	if (ret)
		return ret;
	return vd_phys_on(dev, prio);
}

/* The rotational flag vd_phys_on_ssd() saved, back; 0 or -errno. */
static inline int vd_rot_restore(const char *dev, int *rot_saved)
{
	char path[128], buf[16];

	if (*rot_saved < 0)
		return 0;
	vd_rot_path(dev, path, sizeof(path));
	snprintf(buf, sizeof(buf), "%d", *rot_saved);
	*rot_saved = -1;
	return vt_write_file(path, buf);
}

/* swapoff @dev if it is active; 0 or -errno. */
static inline int vd_phys_off(const char *dev)
{
	if (proc_swaps_find(dev, NULL, NULL, NULL) <= 0)
		return 0;
	return swap_off(dev);
}

/*
 * Map @n pages, fill them with (@seed, @mix), count the kinds into @k and
 * MADV_PAGEOUT all of them (asserts that every page left).
 */
static inline void vd_region_out(struct __test_metadata *_metadata,
				 struct vd_region *r, size_t n, uint64_t seed,
				 const struct page_mix *mix, size_t k[3])
{
	ASSERT_EQ(0, vd_region_map(r, n, false));
	vd_region_fill(r, 0, n, seed, mix);
	vd_count_kinds(0, n, seed, mix, k);
	ASSERT_EQ((long)n, vd_pageout_anon(r, 0, n))
		TH_LOG("MADV_PAGEOUT left pages resident");
}

/* Every page of @r against its checksum; asserts, logs the first bad one. */
static inline void vd_region_check(struct __test_metadata *_metadata,
				   const struct vd_region *r, uint64_t seed,
				   const struct page_mix *mix, const char *when)
{
	size_t bad, first_bad = 0;

	bad = vd_region_verify(r, 0, r->nr_pages, &first_bad);
	ASSERT_EQ(0, bad)
		TH_LOG("%s: %zu of %zu pages bad, first %zu (%s)", when, bad,
		       r->nr_pages, first_bad,
		       page_kind_str(page_kind_of(seed, first_bad, mix)));
}

/*
 * A group of processes that each hold a swapped-out region (and optionally
 * resident memory) and block on a pipe, so that the parent can act (e.g.
 * swapoff) while their virtual entries are mapped.
 *
 * Holder i fills @swap_pages pages with (@seed + i, @mix), pages all of
 * them out, writes one byte to the ready pipe ('k': ok, else the step that
 * failed) and waits for one byte on the go pipe; then it verifies every
 * page and exits 0 (1: data mismatch).  A holder whose go pipe is closed
 * without a byte (the parent died) exits 3 without touching its data.
 */
struct vd_holders {
	int nr;
	pid_t *pids;
	int ready[2];
	int go[2];
};

static inline void __noreturn
vd_holder_main(struct vd_holders *h, size_t swap_pages, size_t res_pages,
	       uint64_t seed, const struct page_mix *mix)
{
	struct vd_region r;
	size_t bad, first_bad = 0;
	char *res = NULL, b = 'k';
	size_t i;

	close(h->ready[0]);
	close(h->go[1]);
	if (res_pages) {
		res = mmap(NULL, res_pages * VT_PAGE_SIZE,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			b = 'r';
		else
			for (i = 0; i < res_pages; i++)
				memset(res + i * VT_PAGE_SIZE, (int)(i | 1),
				       VT_PAGE_SIZE);
	}
	if (b == 'k' && vd_region_map(&r, swap_pages, false))
		b = 'm';
	if (b == 'k') {
		vd_region_fill(&r, 0, swap_pages, seed, mix);
		if (vd_pageout_anon(&r, 0, swap_pages) != (long)swap_pages)
			b = 'p';
	}
	if (write(h->ready[1], &b, 1) != 1 || b != 'k')
		_exit(2);
	if (read(h->go[0], &b, 1) != 1)
		_exit(3);
	bad = vd_region_verify(&r, 0, swap_pages, &first_bad);
	if (bad) {
		vt_log("holder %d: %zu of %zu pages bad, first %zu (%s)",
		       getpid(), bad, swap_pages, first_bad,
		       page_kind_str(page_kind_of(seed, first_bad, mix)));
		_exit(1);
	}
	_exit(0);
}

/*
 * Start @nr holders (registered in @env for teardown if it is not NULL)
 * and wait until every one has paged its region out.  0, -errno, or
 * -ECHILD if a holder failed (its failure byte is logged).
 */
static inline int vd_holders_start(struct vd_holders *h, struct vd_env *env,
				   int nr, size_t swap_pages, size_t res_pages,
				   uint64_t seed, const struct page_mix *mix)
{
	int i, ret = 0;
	char b;

	memset(h, 0, sizeof(*h));
	h->pids = calloc(nr, sizeof(*h->pids));
	if (!h->pids || pipe(h->ready) || pipe(h->go))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < nr; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = -errno;
			break;
		}
		if (!pid)
			vd_holder_main(h, swap_pages, res_pages, seed + i, mix);
		h->pids[h->nr++] = pid;
		if (env)
			vd_env_add_pid(env, pid);
	}
	close(h->ready[1]);
	close(h->go[0]);
	for (i = 0; i < h->nr; i++) {
		if (read(h->ready[0], &b, 1) != 1) {
			vt_log("holders: only %d of %d reported", i, h->nr);
			return -ECHILD;
		}
		if (b != 'k') {
			vt_log("holders: one failed at step '%c'", b);
			ret = -ECHILD;
		}
	}
	return ret;
}

/*
 * Let every holder verify its data and exit; reap them.  Returns the
 * number of holders that did not exit 0.
 */
static inline int vd_holders_finish(struct vd_holders *h, struct vd_env *env)
{
	int i, j, status, failed = 0;
	char b = 'g';

	for (i = 0; i < h->nr; i++)
		if (write(h->go[1], &b, 1) != 1)
			break;
	close(h->go[1]);
	close(h->ready[0]);
	for (i = 0; i < h->nr; i++) {
		if (waitpid(h->pids[i], &status, 0) != h->pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			failed++;
			if (WIFEXITED(status))
				vt_log("holder %d exited %d", h->pids[i],
				       WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				vt_log("holder %d killed by signal %d",
				       h->pids[i], WTERMSIG(status));
		}
		for (j = 0; env && j < env->nr_pids; j++)
			if (env->pids[j] == h->pids[i])
				env->pids[j] = 0;
	}
	free(h->pids);
	h->pids = NULL;
	h->nr = 0;
	return failed;
}

/*
 * Run the caller (and what it forks later) on one CPU.  A fresh or just
 * faulted folio sits in the per-cpu LRU batch of the CPU that touched it,
 * holding a reference, until that batch is drained; MADV_PAGEOUT drains
 * only the local CPU's batches, so a folio left in another (idle) CPU's
 * batch is neither isolated nor written.  With everything on one CPU,
 * MADV_PAGEOUT sees every folio and the counters are exact.  0 or -errno.
 */
static inline int vd_pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

#endif /* __VSWAP_DATA_H */
