// SPDX-License-Identifier: GPL-2.0
/*
 * Reserve benchmark: does vswap make the machine run out of memory
 * earlier than stock swap?  Reclaim runs with PF_MEMALLOC, and vswap
 * allocates its metadata there (a cluster per 512 slots, a swap_map page
 * per 4096); stock swap to a disk needs almost nothing.  So under global
 * memory pressure, with vm.min_free_kbytes raised to an eighth of memory
 * (reclaim then runs far below the watermarks), one process writes
 * incompressible pages and /dev/vda (non-rotational: stock's SSD path) is
 * the only swap, zswap off:
 *   stock - vswap not loaded, swap on /dev/vda,
 *   vswap - vswap loaded, /dev/vda its backend,
 * in one boot, each with two workloads:
 *   fits - seven eighths of MemTotal: needs swap and fits in it; the
 *          process reads every page back and must find it intact;
 *   over - MemTotal plus twice the swap device: the OOM killer must end
 *          it (oom_score_adj 1000), the question is how far it got.
 * Prints per run the OOM kills (vmstat oom_kill), how many MiB the process
 * had written when it finished or was killed, the pages swapped out
 * (pswpout) and, under vswap, its alloc_fail counter; then the
 * vswap/stock ratio of the MiB written in the "over" run.  Figures only:
 * the test fails only if the "fits" process finds bad data or a
 * configuration cannot be set up.
 *
 * The "fits" workload scales with $VSWAP_SCALE; the "over" one runs only
 * with $VSWAP_BENCH_OVER=1 (scripts/bench-reserve.sh), not in the test
 * suite.  VT_PHYS_DEV is overwritten.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "env.h"

#define MIN_FREE		"/proc/sys/vm/min_free_kbytes"
#define SEED			0x5e5e7eULL
#define CHUNK_PAGES		256	/* progress is counted in 1 MiB steps */

static const struct page_mix mix_random = { 0, 0 };

enum { CFG_STOCK, CFG_VSWAP, NR_CFG };
enum { RUN_FITS, RUN_OVER, NR_RUN };

static const char * const cfg_name[NR_CFG] = { "stock", "vswap" };
static const char * const run_name[NR_RUN] = { "fits", "over" };

struct reserve_result {
	bool done;
	long long oom_kills, pswpout, alloc_fail;
	long mib;		/* written when it finished or was killed */
	int status;		/* wait status of the workload */
};

FIXTURE(reserve) {
	struct vd_env env;
	char dev[64];
	int rot_saved;		/* the disk's rotational flag; -1: untouched */
	long long min_free_old;
	int zswap_old;
};

FIXTURE_SETUP(reserve)
{
	snprintf(self->dev, sizeof(self->dev), "%s", VT_PHYS_DEV);
	self->rot_saved = -1;
	self->min_free_old = -1;
	vt_read_u64(MIN_FREE, (unsigned long long *)&self->min_free_old);
	self->zswap_old = zswap_get_enabled();
	vd_env_setup(_metadata, &self->env, 0);
	ASSERT_TRUE(vt_exists(self->dev)) TH_LOG("%s missing", self->dev);
}

FIXTURE_TEARDOWN_PARENT(reserve)
{
	char buf[32];

	if (self->min_free_old > 0) {
		snprintf(buf, sizeof(buf), "%lld", self->min_free_old);
		vt_write_file(MIN_FREE, buf);
	}
	vd_env_teardown(_metadata, &self->env);
	vd_phys_off(self->dev);
	vd_rot_restore(self->dev, &self->rot_saved);
	if (self->zswap_old >= 0)
		zswap_set_enabled(self->zswap_old);
}

/*
 * The workload: write @pages incompressible pages, counting the MiB done
 * in *@mib, then (if @verify) read every page back.  Exit 0, or 1 for bad
 * data; an OOM kill ends it with SIGKILL.
 */
static int workload(size_t pages, bool verify, volatile long *mib)
{
	struct page_mismatch mm;
	size_t i, n;
	char *mem;

	vt_write_file("/proc/self/oom_score_adj", "1000");
	mem = mmap(NULL, pages * VT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return 10;
	for (i = 0; i < pages; i += n) {
		n = pages - i < CHUNK_PAGES ? pages - i : CHUNK_PAGES;
		pattern_fill(mem + i * VT_PAGE_SIZE, n, SEED + i, &mix_random);
		*mib = (long)((i + n) * VT_PAGE_SIZE >> 20);
	}
	if (!verify)
		return 0;
	for (i = 0; i < pages; i += n) {
		n = pages - i < CHUNK_PAGES ? pages - i : CHUNK_PAGES;
		if (pattern_verify(mem + i * VT_PAGE_SIZE, n, SEED + i,
				   &mix_random, &mm)) {
			pattern_report(&mm, n);
			return 1;
		}
	}
	return 0;
}

static void one_run(struct __test_metadata *_metadata, struct vd_env *env,
		    int cfg, int run, size_t pages, struct reserve_result *r)
{
	volatile long *mib;
	long long k0, o0, f0 = 0;
	unsigned long long v;
	pid_t pid;

	mib = mmap(NULL, sizeof(*mib), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mib);
	*mib = 0;
	vm_settle();
	k0 = read_vmstat("oom_kill");
	o0 = read_vmstat("pswpout");
	if (cfg == CFG_VSWAP && !vswap_debugfs_read("alloc_fail", &v))
		f0 = v;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(workload(pages, run == RUN_FITS, mib));
	vd_env_add_pid(env, pid);
	ASSERT_EQ(pid, waitpid(pid, &r->status, 0));
	r->mib = *mib;
	r->oom_kills = read_vmstat("oom_kill") - k0;
	r->pswpout = read_vmstat("pswpout") - o0;
	if (cfg == CFG_VSWAP && !vswap_debugfs_read("alloc_fail", &v))
		r->alloc_fail = (long long)v - f0;
	r->done = true;
	munmap((void *)mib, sizeof(*mib));
	vt_log("bench: %s %s: %zu MiB asked, %ld MiB written, %s, oom_kill %lld, pswpout %lld MiB, vswap alloc_fail %lld",
	       cfg_name[cfg], run_name[run], pages * VT_PAGE_SIZE >> 20, r->mib,
	       WIFSIGNALED(r->status) ? "killed" : "finished", r->oom_kills,
	       r->pswpout * (long long)VT_PAGE_SIZE >> 20, r->alloc_fail);
}

/* vswap off the machine (swapoff /dev/vswap, rmmod) or loaded: 0 or -errno */
static int set_vswap(bool on)
{
	int ret;

	if (on)
		return vswap_loaded() ? 0 : vswap_load(NULL);
	if (!vswap_loaded())
		return 0;
	if (swapoff(VSWAP_DEV) && errno != EINVAL)
		return -errno;
	ret = vswap_ensure_unloaded();
	return ret;
}

TEST_F_TIMEOUT(reserve, oom_no_earlier_than_stock, 3600)
{
	struct reserve_result res[NR_CFG][NR_RUN] = {};
	unsigned long long swap_kb = 0;
	long long mem_kb = read_meminfo_kb("MemTotal");
	bool over = getenv("VSWAP_BENCH_OVER") &&
		    !strcmp(getenv("VSWAP_BENCH_OVER"), "1");
	size_t pages[NR_RUN];
	char buf[32];
	int cfg, run, ret;

	ASSERT_LT(0, mem_kb);
	ASSERT_EQ(0, zswap_set_enabled(false));
	snprintf(buf, sizeof(buf), "%lld", mem_kb / 8);
	ASSERT_EQ(0, vt_write_file(MIN_FREE, buf));
	pages[RUN_FITS] = (size_t)VT_SCALE(mem_kb * 7 / 8 / 4, 4096);

	for (cfg = 0; cfg < NR_CFG; cfg++) {
		ret = set_vswap(cfg == CFG_VSWAP);
		ASSERT_EQ(0, ret) TH_LOG("%s vswap: %s",
					 cfg == CFG_VSWAP ? "load" : "unload",
					 strerror(-ret));
		ret = vd_phys_on_ssd(self->dev, -1, &self->rot_saved);
		ASSERT_EQ(0, ret) TH_LOG("non-rotational, swapon %s: %s",
					 self->dev, strerror(-ret));
		ASSERT_EQ(1, proc_swaps_find(self->dev, &swap_kb, NULL, NULL));
		pages[RUN_OVER] = (size_t)((mem_kb + 2 * swap_kb) / 4);

		for (run = 0; run < NR_RUN; run++) {
			struct reserve_result *r = &res[cfg][run];

			if (run == RUN_OVER && !over)
				continue;
			one_run(_metadata, &self->env, cfg, run, pages[run], r);
			/* "fits" may be OOM-killed (a figure), never bad data */
			if (run == RUN_FITS && WIFEXITED(r->status))
				ASSERT_EQ(0, WEXITSTATUS(r->status))
					TH_LOG("%s fits: exit %d (1: bad data)",
					       cfg_name[cfg], WEXITSTATUS(r->status));
		}
		/* what the killed process left in the swap cache comes back */
		ret = set_vswap(false);
		ASSERT_EQ(0, ret) TH_LOG("swapoff %s, rmmod: %s", VSWAP_DEV,
					 strerror(-ret));
		ret = vd_phys_off(self->dev);
		ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", self->dev,
					 strerror(-ret));
	}

	if (res[CFG_STOCK][RUN_OVER].done && res[CFG_STOCK][RUN_OVER].mib)
		vt_log("bench: over: MiB written before the OOM kill, vswap/stock %.2f",
		       (double)res[CFG_VSWAP][RUN_OVER].mib /
		       res[CFG_STOCK][RUN_OVER].mib);
	vt_log("bench: fits: OOM kills stock %lld, vswap %lld",
	       res[CFG_STOCK][RUN_FITS].oom_kills,
	       res[CFG_VSWAP][RUN_FITS].oom_kills);
}

TEST_HARNESS_MAIN
