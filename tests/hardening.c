// SPDX-License-Identifier: GPL-2.0
/*
 * Hardening: the edges where vswap meets the rest of the kernel.
 *
 * Each case checks a real outcome (every page written before swap-out
 * reads back identical; counters match what was done), never a timing:
 *
 *   load_unload_under_swap: vswap is loaded and unloaded 15 times while two
 *       workers in a 24M cgroup swap their data to zswap and /dev/vda.
 *       Reclaim may enter the allocation hook while the module is still
 *       loading.  Every worker verifies its data, vswap unloads every time,
 *       and /dev/vda is empty at the end.
 *   io_stat_stock_swap_baseline / io_stat_charged_to_page_cgroup: the
 *       swap-out writes of a cgroup's pages show up in that cgroup's
 *       io.stat, on stock swap and through vswap.  The task that swaps the
 *       pages out is moved out of the cgroup first, so only a bio tied to
 *       the page's cgroup counts, not one tied to the task.
 *   swap_max_zero_never_swaps: memory.swap.max=0, set on the parent or on
 *       the cgroup itself, means no swap at all: no vswap slot and no zswap.
 *       A task over memory.max is OOM-killed, and MADV_PAGEOUT leaves the
 *       pages in memory.
 *   zswap_writeback_respects_swap_max: zswap writeback stops at
 *       memory.swap.max, and it counts (zswpwb) only the pages it really
 *       wrote to disk.
 *   large_folio_refusal_is_not_a_swap_failure: vswap refuses a THP at
 *       allocation and reclaim splits it.  That is not a swap failure:
 *       memory.swap.events "fail" stays 0.
 *   metadata_charged_to_cgroup: vswap's slot metadata (clusters, swap_map
 *       pages) is charged to the cgroup whose pages caused it.
 *   small_swap_max_with_zswap: memory.swap.max=4M with zswap on, 64 MiB
 *       in memory.max 32M: stock OOMs (zswap entries hold swap slots),
 *       vswap keeps it all compressed; both figures are logged.
 *
 * /dev/vda is overwritten.  The teardown puts back everything a case
 * changed: processes, cgroups, zswap, THP, the io controller, the disk's
 * rotational flag, swap devices and the module.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"
#include "proc.h"

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE		14
#endif

#define PHYS_DISK		"vda"
#define PHYS_DEVNUM		"/sys/block/" PHYS_DISK "/dev"
#define THP_ENABLED		"/sys/kernel/mm/transparent_hugepage/enabled"
#define CG_SUBTREE		CG_ROOT "/cgroup.subtree_control"
#define CG_PREFIX		"vswap_hd_"
#define SEED			0x68617264ULL		/* "hard" */

#define HD_MAX_CGS		4
#define HD_CG_LEN		192

/* exit codes of the workload children */
#define RC_BAD_DATA		1
#define RC_MMAP			10
#define RC_PAGEOUT		11
#define RC_CGROUP		12
#define RC_MADVISE		13
#define RC_HELP	"1 = data mismatch, 10 = mmap, 11 = MADV_PAGEOUT left pages resident, 12 = cgroup move, 13 = madvise, >128 = killed by signal rc-128"

/* load_unload_under_swap */
#define LU_ITERS		VT_SCALE(15, 4)
#define LU_WORKERS		2
#define LU_PAGES		VT_SCALE(8192, 2048)	/* 32 MiB a worker */
#define LU_MEMORY_MAX		VT_SCALE_MB(24, 6)
#define LU_RUN_US		700000			/* with vswap loaded */
#define LU_UNLOAD_TRIES		50

/* io_stat_* */
#define IO_PAGES		4096			/* 16 MiB */

/* swap_max_zero_never_swaps */
#define SMZ_MEMORY_MAX		MB(32)
#define SMZ_OOM_PAGES		16384			/* 64 MiB */
#define SMZ_PAGES		4096			/* 16 MiB */

/* zswap_writeback_respects_swap_max */
#define WB_SWAP_MAX		MB(4)
#define WB_LIMIT_PAGES		(WB_SWAP_MAX / VT_PAGE_SIZE)
#define WB_R1_PAGES		VT_SCALE(8192, 4096)	/* 32 MiB to zswap */
#define WB_R2_PAGES		(WB_R1_PAGES + 256)
#define WB_R3_PAGES		(3 * WB_LIMIT_PAGES)
/* writebacks over the limit tolerated (none is expected) */
#define WB_SLACK_PAGES		16

/* large_folio_refusal_is_not_a_swap_failure */
#define THP_SIZE		MB(2)
#define THP_LEN			MB(8)

/* metadata_charged_to_cgroup */
#define META_BYTES		VT_SCALE_MB(1024, 128)
#define META_CHUNK		MB(64)
#define META_MEMORY_MAX		MB(32)
/* vswap needs more than this per slot: an 8-byte backend word at least */
#define META_MIN_BYTES_PER_SLOT	8

/* every page compressible: zswap takes it */
static const struct page_mix mix_comp = { 0, 100 };
/* every page random: zswap refuses it */
static const struct page_mix mix_random = { 0, 0 };
/* no zero pages: a THP split maps zero-filled subpages to the zero page */
static const struct page_mix mix_nozero = { 0, 60 };

/* What a workload child reports to the parent (shared memory). */
struct hd_report {
	long long swapped;
	long long present;
	long long thp_kb;
};

FIXTURE(hardening) {
	struct vd_env env;		/* zswap setting, children */
	char cgs[HD_MAX_CGS][HD_CG_LEN];	/* removed last to first */
	int nr_cgs;
	bool phys_on;			/* VT_PHYS_DEV swapon'd by us */
	int rot_saved;			/* VT_PHYS_DEV rotational; -1: untouched */
	char thp_saved[32];		/* THP "enabled"; "": untouched */
	bool io_enabled;		/* we added io to the root subtree */
};

FIXTURE_SETUP(hardening)
{
	self->env.zswap_saved = -1;
	self->env.cg[0] = '\0';
	self->env.nr_pids = 0;
	self->nr_cgs = 0;
	self->phys_on = false;
	self->rot_saved = -1;
	self->thp_saved[0] = '\0';
	self->io_enabled = false;
	ASSERT_TRUE(vt_exists(vswap_ko_path()))
		TH_LOG("%s not found (set VSWAP_KO)", vswap_ko_path());
}

FIXTURE_TEARDOWN_PARENT(hardening)
{
	int i, ret;

	for (i = 0; i < self->env.nr_pids; i++) {
		if (self->env.pids[i] > 0 && !kill(self->env.pids[i], SIGKILL))
			waitpid(self->env.pids[i], NULL, 0);
	}
	self->env.nr_pids = 0;
	for (i = self->nr_cgs - 1; i >= 0; i--) {
		ret = cg_remove(self->cgs[i], true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", self->cgs[i],
					 strerror(-ret));
	}
	self->nr_cgs = 0;
	if (self->thp_saved[0]) {
		ret = vt_write_file(THP_ENABLED, self->thp_saved);
		EXPECT_EQ(0, ret) TH_LOG("cannot restore THP enabled=%s",
					 self->thp_saved);
		self->thp_saved[0] = '\0';
	}
	/* zswap back as it was; vswap idle and unloaded (if loaded) */
	vd_env_teardown(_metadata, &self->env);
	if (self->phys_on) {
		ret = vd_phys_off(VT_PHYS_DEV);
		EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s",
					 strerror(-ret));
		self->phys_on = false;
	}
	ret = vd_rot_restore(VT_PHYS_DEV, &self->rot_saved);
	EXPECT_EQ(0, ret) TH_LOG("cannot restore the rotational flag of " VT_PHYS_DEV);
	if (self->io_enabled) {
		ret = vt_write_file(CG_SUBTREE, "-io");
		EXPECT_EQ(0, ret) TH_LOG("cannot disable the io controller: %s",
					 strerror(-ret));
		self->io_enabled = false;
	}
}

/* ---------------------------------------------------------------------
 * Helpers
 */

/* Is @word one of the space-separated words of @path? */
static bool hd_word_in_file(const char *path, const char *word)
{
	char buf[1024], *tok, *save;

	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

static bool hd_have_memcg(void)
{
	return hd_word_in_file(CG_ROOT "/cgroup.controllers", "memory");
}

/* Remove a cgroup and every cgroup below it (left over by a crash). */
static void hd_cg_rmtree(const char *path)
{
	char sub[PATH_MAX + 320];
	struct dirent *de;
	DIR *d;

	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		hd_cg_rmtree(sub);
	}
	closedir(d);
	cg_remove(path, true);
}

/*
 * A fresh cgroup @parent/@name with the memory controller (removed by the
 * teardown).  @parent is CG_ROOT or a cgroup made here before.  No limit
 * is set.  Returns its path.
 */
static const char *hd_cg_make(struct __test_metadata *_metadata,
			      FIXTURE_DATA(hardening) *self,
			      const char *parent, const char *name)
{
	char path[PATH_MAX + 64], *cg;
	int ret;

	ASSERT_GT(HD_MAX_CGS, self->nr_cgs);
	cg = self->cgs[self->nr_cgs];
	snprintf(cg, HD_CG_LEN, "%s/%s", parent, name);
	hd_cg_rmtree(cg);
	if (!strcmp(parent, CG_ROOT))
		ret = cg_enable_memory();
	else
		ret = cg_write(parent, "cgroup.subtree_control", "+memory");
	ASSERT_EQ(0, ret) TH_LOG("memory controller for %s: %s", parent,
				 strerror(-ret));
	ASSERT_EQ(0, mkdir(cg, 0755)) TH_LOG("mkdir %s: %s", cg,
					     strerror(errno));
	self->nr_cgs++;
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	ASSERT_TRUE(vt_exists(path)) TH_LOG("no memory controller in %s", cg);
	return cg;
}

/* Reap @pid and forget it; its exit status (128 + signal if killed). */
static int hd_reap(struct vd_env *env, pid_t pid)
{
	int i, status = 0;

	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	for (i = 0; i < env->nr_pids; i++)
		if (env->pids[i] == pid)
			env->pids[i] = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Wait for the child's checkpoint; if it died instead, say how. */
static void hd_checkpoint(struct __test_metadata *_metadata,
			  struct vd_env *env, struct vd_child *c,
			  const char *what)
{
	int rc;

	if (vd_parent_wait(c))
		return;
	rc = vd_child_finish(c, env);
	ASSERT_TRUE(false) TH_LOG("workload died before '%s' (rc %d: %s)",
				  what, rc, RC_HELP);
}

/* A page of memory shared with the workload children. */
static struct hd_report *hd_report_map(void)
{
	void *p = mmap(NULL, VT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Environment without vswap: the module unloaded, no other swap device,
 * zswap as asked (the old setting restored by the teardown).
 */
static void hd_setup_stock(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hardening) *self, bool zswap)
{
	int ret;

	ret = vswap_ensure_unloaded();
	ASSERT_EQ(0, ret) TH_LOG("cannot unload vswap: %s", strerror(-ret));
	vd_swapoff_others();
	ASSERT_EQ(0, vd_count_other_swaps())
		TH_LOG("a swap device is still active");
	ret = zswap_get_enabled();
	ASSERT_LE(0, ret) TH_LOG("zswap is not available");
	self->env.zswap_saved = ret;
	ret = zswap_set_enabled(zswap);
	ASSERT_EQ(0, ret) TH_LOG("cannot set zswap enabled=%d", zswap);
}

/* VT_PHYS_DEV on stock's SSD path, swapped on (default priority). */
static void hd_phys_on(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hardening) *self)
{
	int ret;

	ASSERT_TRUE(vt_exists(VT_PHYS_DEV)) TH_LOG("no " VT_PHYS_DEV);
	ret = vd_phys_on_ssd(VT_PHYS_DEV, -1, &self->rot_saved);
	ASSERT_EQ(0, ret) TH_LOG("non-rotational, mkswap, swapon " VT_PHYS_DEV ": %s",
				 strerror(-ret));
	self->phys_on = true;
	ASSERT_EQ(0, vd_swap_used_kb(VT_PHYS_DEV));
}

/*
 * Wait until a cgroup key reads @want (memory.stat is an rstat counter
 * that a read flushes only past a batch threshold; the periodic flush
 * catches up within seconds).  Bounded; returns the last value read.
 */
static long long hd_wait_cg_key(const char *cg, const char *file,
				const char *key, long long want)
{
	long long val = -1;
	int i;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		val = cg_read_key_ll(cg, file, key);
		if (val == want)
			break;
		usleep(50 * 1000);
	}
	return val;
}

/* swpout_zero + swpout_zswap + swpout_inmem + swpout_phys */
static long long hd_swpouts(const struct vd_stats *s)
{
	return s->v[VD_SWPOUT_ZERO] + s->v[VD_SWPOUT_ZSWAP] +
	       s->v[VD_SWPOUT_INMEM] + s->v[VD_SWPOUT_PHYS];
}

/* ---------------------------------------------------------------------
 * load_unload_under_swap
 */

/* The parent closed the stop pipe (non-blocking read end). */
static bool lu_stopped(int fd)
{
	char b;

	return read(fd, &b, 1) == 0;
}

/*
 * Round after round: drop the region (and its swap slots), fill it with
 * fresh data, so that reclaim allocates new slots, page it out and check
 * every page.  When the stop pipe closes, check once more and exit 0.
 */
static void __noreturn lu_worker(int stop_fd, uint64_t seed, size_t n)
{
	struct page_mismatch mm;
	unsigned int round;
	struct vd_region r;
	uint64_t s = seed;

	if (fcntl(stop_fd, F_SETFL, O_NONBLOCK))
		_exit(RC_MMAP);
	if (vd_region_map(&r, n, false))
		_exit(RC_MMAP);
	for (round = 0; ; round++) {
		s = seed + round;
		if (madvise(r.mem, n * VT_PAGE_SIZE, MADV_DONTNEED))
			_exit(RC_MADVISE);
		pattern_fill(r.mem, n, s, NULL);
		if (lu_stopped(stop_fd))
			break;
		madvise(r.mem, n * VT_PAGE_SIZE, MADV_PAGEOUT);
		if (pattern_verify(r.mem, n, s, NULL, &mm)) {
			vt_log("worker %d, round %u:", getpid(), round);
			pattern_report(&mm, n);
			_exit(RC_BAD_DATA);
		}
		if (lu_stopped(stop_fd))
			break;
	}
	if (pattern_verify(r.mem, n, s, NULL, &mm)) {
		vt_log("worker %d, final check after %u rounds:", getpid(),
		       round + 1);
		pattern_report(&mm, n);
		_exit(RC_BAD_DATA);
	}
	_exit(0);
}

/* Pages swapped out so far, by any swap: pswpout + zswpout. */
static long long lu_swapouts(void)
{
	return read_vmstat("pswpout") + read_vmstat("zswpout");
}

TEST_F_TIMEOUT(hardening, load_unload_under_swap, 600)
{
	long long out0, vswap_out = 0;
	pid_t pids[LU_WORKERS];
	int it, i, try, ret, rc, failed;
	struct vd_stats s;
	const char *cg;
	int stop[2];
	char val[32];

	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	hd_setup_stock(_metadata, self, true);
	hd_phys_on(_metadata, self);
	cg = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "lu");
	snprintf(val, sizeof(val), "%lu", LU_MEMORY_MAX);
	ASSERT_EQ(0, cg_write(cg, "memory.max", val));
	TH_LOG("%d iterations, %d workers of %d pages, memory.max %lu",
	       LU_ITERS, LU_WORKERS, LU_PAGES, LU_MEMORY_MAX);

	for (it = 0; it < LU_ITERS; it++) {
		ASSERT_FALSE(vswap_loaded()) TH_LOG("iteration %d", it);
		ASSERT_EQ(0, pipe(stop));
		out0 = lu_swapouts();
		fflush(stdout);
		fflush(stderr);
		for (i = 0; i < LU_WORKERS; i++) {
			pids[i] = fork();
			ASSERT_LE(0, pids[i]) TH_LOG("fork: %s", strerror(errno));
			if (!pids[i]) {
				close(stop[1]);
				if (cg_enter(cg, 0))
					_exit(RC_CGROUP);
				lu_worker(stop[0], SEED ^ ((uint64_t)it << 32) ^
					  ((uint64_t)i << 48), LU_PAGES);
			}
			vd_env_add_pid(&self->env, pids[i]);
		}
		close(stop[0]);

		/* load while reclaim is swapping (bounded wait, no assert) */
		for (i = 0; i < 200 && lu_swapouts() == out0; i++)
			usleep(20 * 1000);
		ret = vswap_load("");
		ASSERT_EQ(0, ret) TH_LOG("iteration %d: load: %s", it,
					 strerror(-ret));
		usleep(LU_RUN_US);
		if (!vd_stats_read(&s))
			vswap_out += hd_swpouts(&s);

		/* stop: each worker checks its data once more and exits */
		close(stop[1]);
		failed = 0;
		for (i = 0; i < LU_WORKERS; i++) {
			rc = hd_reap(&self->env, pids[i]);
			EXPECT_EQ(0, rc) TH_LOG("iteration %d: worker %d failed (rc %d: %s)",
						it, i, rc, RC_HELP);
			failed += rc != 0;
		}
		ASSERT_EQ(0, failed);

		/*
		 * Swap cache copies hold slots after their process exited:
		 * reclaim them, then unload; again between refused tries.
		 */
		ret = -EBUSY;
		for (try = 0; try < LU_UNLOAD_TRIES && ret; try++) {
			cg_write(cg, "memory.reclaim", "1G");
			ret = vswap_unload();
			if (ret)
				usleep(100 * 1000);
		}
		if (ret && !vd_stats_read(&s))
			vd_stats_log("cannot unload", &s);
		ASSERT_EQ(0, ret) TH_LOG("iteration %d: unload after %d tries: %s",
					 it, try, strerror(-ret));
		ASSERT_FALSE(vswap_loaded());
		TH_LOG("iteration %d: unloaded after %d tries; %s used %lld KiB",
		       it, try, VT_PHYS_DEV, vd_swap_used_kb(VT_PHYS_DEV));
	}
	TH_LOG("%lld swap-outs went through vswap", vswap_out);
	EXPECT_LT(0, vswap_out) TH_LOG("vswap was never used while loaded");

	/*
	 * The disk goes off cleanly.  Swap cache copies of pages the workers
	 * read back while vswap was not loaded may still hold stock slots
	 * there, as on a kernel without vswap: swapoff takes them back.
	 */
	TH_LOG("%s used %lld KiB before swapoff", VT_PHYS_DEV,
	       vd_swap_used_kb(VT_PHYS_DEV));
	ret = swap_off(VT_PHYS_DEV);
	ASSERT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
	self->phys_on = false;
	EXPECT_EQ(0, proc_swaps_find(VT_PHYS_DEV, NULL, NULL, NULL));
	EXPECT_EQ(0, vd_count_other_swaps());
	EXPECT_EQ(read_meminfo_kb("SwapTotal"), read_meminfo_kb("SwapFree"));
}

/* ---------------------------------------------------------------------
 * io_stat_*: swap-out writes charged to the page's cgroup in io.stat
 */

/* "MAJ:MIN" of VT_PHYS_DEV; 0 or -errno. */
static int io_devnum(char *buf, size_t len)
{
	ssize_t n = vt_read_file(PHYS_DEVNUM, buf, len);

	if (n < 0)
		return n;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n ? 0 : -EINVAL;
}

/*
 * @key ("wbytes", "rbytes", ...) of the io.stat line of @devnum in @cg: 0
 * if the device has no line (no I/O yet), -1 if io.stat cannot be read.
 */
static long long io_stat(const char *cg, const char *devnum, const char *key)
{
	char path[PATH_MAX + 64], line[1024], pat[48], *p;
	size_t dlen = strlen(devnum);
	long long val = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/io.stat", cg);
	snprintf(pat, sizeof(pat), " %s=", key);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, devnum, dlen) || line[dlen] != ' ')
			continue;
		p = strstr(line, pat);
		if (p)
			val = strtoll(p + strlen(pat), NULL, 10);
		break;
	}
	fclose(f);
	return val;
}

/*
 * A child in cgroup A fills 16 MiB of incompressible pages (charged to A),
 * moves itself to the root cgroup and pages them out with zswap off: every
 * page is written to VT_PHYS_DEV by a task outside A.  The writes must be
 * charged to A in io.stat all the same: the I/O belongs to the cgroup of
 * the page (as stock swap does with bio_associate_blkg_from_page()), not
 * to the task that happens to reclaim it.  Then every page reads back.
 */
static void io_stat_run(struct __test_metadata *_metadata,
			FIXTURE_DATA(hardening) *self, bool with_vswap,
			uint64_t seed)
{
	const size_t n = IO_PAGES;
	long long w0, w1, r1, pswpout0;
	struct vd_stats s0, s1;
	char devnum[32];
	struct vd_child c;
	const char *cg;
	bool had_io;
	int ret, rc;

	had_io = hd_word_in_file(CG_SUBTREE, "io");
	ret = vt_write_file(CG_SUBTREE, "+io +memory");
	ASSERT_EQ(0, ret) TH_LOG("cannot enable io and memory in " CG_SUBTREE
				 ": %s", strerror(-ret));
	if (!had_io)
		self->io_enabled = true;
	if (with_vswap)
		vd_env_setup(_metadata, &self->env, 0);
	else
		hd_setup_stock(_metadata, self, false);
	hd_phys_on(_metadata, self);
	ASSERT_EQ(0, io_devnum(devnum, sizeof(devnum)));
	cg = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "io");
	w0 = io_stat(cg, devnum, "wbytes");
	ASSERT_LE(0, w0) TH_LOG("%s/io.stat cannot be read", cg);
	if (with_vswap)
		ASSERT_EQ(0, vd_stats_read(&s0));
	pswpout0 = read_vmstat("pswpout");

	ASSERT_EQ(0, vd_child_start(&c, &self->env, cg));
	if (!c.pid) {
		struct page_mismatch mm;
		struct vd_region r;

		vd_pin_cpu();
		if (vd_region_map(&r, n, false))
			_exit(RC_MMAP);
		pattern_fill(r.mem, n, seed, &mix_random);
		/* the pages stay charged to A; the task leaves it */
		if (cg_enter(CG_ROOT, 0))
			_exit(RC_CGROUP);
		if (vd_pageout_anon(&r, 0, n) != (long)n)
			_exit(RC_PAGEOUT);
		vd_child_checkpoint(&c);
		if (pattern_verify(r.mem, n, seed, &mix_random, &mm)) {
			pattern_report(&mm, n);
			_exit(RC_BAD_DATA);
		}
		_exit(0);
	}
	hd_checkpoint(_metadata, &self->env, &c, "paged out");
	/* io.stat counts a bio when it is submitted */
	w1 = io_stat(cg, devnum, "wbytes");
	TH_LOG("%s: %s io.stat %s wbytes %lld -> %lld for %zu pages (%zu bytes); pswpout +%lld",
	       with_vswap ? "vswap" : "stock", cg + sizeof(CG_ROOT), devnum,
	       w0, w1, n, n * VT_PAGE_SIZE, read_vmstat("pswpout") - pswpout0);
	if (with_vswap) {
		ASSERT_EQ(0, vd_stats_read(&s1));
		vd_stats_log("after pageout", &s1);
		EXPECT_EQ(n, vd_delta(&s1, &s0, VD_SWPOUT_PHYS))
			TH_LOG("not every page went to " VT_PHYS_DEV);
	}
	EXPECT_LE((long long)(n * VT_PAGE_SIZE * 8 / 10), w1 - w0)
		TH_LOG("the swap-out writes were not charged to the pages' cgroup");

	/* the data must come back from the disk */
	vd_evict_swap_cache(cg);
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: %s)", rc, RC_HELP);
	r1 = io_stat(cg, devnum, "rbytes");
	TH_LOG("after read-back: io.stat rbytes %lld", r1);
	if (with_vswap) {
		ASSERT_EQ(0, vd_stats_read(&s1));
		EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
		EXPECT_EQ(0, vd_delta(&s1, &s0, VD_IO_ERROR));
	}
}

/* Is the io controller there (CONFIG_BLK_CGROUP)? */
static bool io_available(void)
{
	return hd_word_in_file(CG_ROOT "/cgroup.controllers", "io");
}

/* The same on stock swap: shows that the test itself is sound. */
TEST_F_TIMEOUT(hardening, io_stat_stock_swap_baseline, 300)
{
	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	if (!io_available())
		SKIP(return,
		     "no io controller in /sys/fs/cgroup/cgroup.controllers (needs CONFIG_BLK_CGROUP=y)");
	io_stat_run(_metadata, self, false, SEED ^ 0x10);
}

TEST_F_TIMEOUT(hardening, io_stat_charged_to_page_cgroup, 300)
{
	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	if (!io_available())
		SKIP(return,
		     "no io controller in /sys/fs/cgroup/cgroup.controllers (needs CONFIG_BLK_CGROUP=y)");
	io_stat_run(_metadata, self, true, SEED ^ 0x11);
}

/* ---------------------------------------------------------------------
 * swap_max_zero_never_swaps
 */

TEST_F_TIMEOUT(hardening, swap_max_zero_never_swaps, 300)
{
	long long oom_kill, zswpout_c, zswpout_p, zswpout_d;
	struct vd_stats s0, s1, s2;
	const char *p, *cgc, *d;
	struct hd_report *rep;
	struct vd_child c;
	char val[32];
	pid_t pid;
	int rc;

	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	vd_env_setup(_metadata, &self->env, 1);
	rep = hd_report_map();
	ASSERT_NE(NULL, rep);

	/*
	 * Part 1: P has memory.swap.max=0, its child C has swap.max=max and
	 * memory.max=32M; a task in C touches 64 MiB of compressible data.
	 * P's limit holds for C: no swap at all (not even zswap), so the
	 * task must be OOM-killed.
	 */
	p = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "p");
	ASSERT_EQ(0, cg_write(p, "memory.swap.max", "0"));
	cgc = hd_cg_make(_metadata, self, p, "c");
	snprintf(val, sizeof(val), "%lu", SMZ_MEMORY_MAX);
	ASSERT_EQ(0, cg_write(cgc, "memory.max", val));
	ASSERT_EQ(LLONG_MAX, cg_read_ll(cgc, "memory.swap.max"));
	ASSERT_EQ(0, cg_read_ll(p, "memory.swap.max"));
	ASSERT_EQ(0, vd_stats_read(&s0));

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (!pid) {
		size_t len = SMZ_OOM_PAGES * VT_PAGE_SIZE;
		char *mem;

		if (cg_enter(cgc, 0))
			_exit(RC_CGROUP);
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(RC_MMAP);
		madvise(mem, len, MADV_NOHUGEPAGE);
		pattern_fill(mem, SMZ_OOM_PAGES, SEED ^ 0x30, &mix_comp);
		_exit(0);
	}
	vd_env_add_pid(&self->env, pid);
	rc = hd_reap(&self->env, pid);
	ASSERT_EQ(0, vd_stats_read(&s1));
	oom_kill = cg_read_key_ll(cgc, "memory.events", "oom_kill");
	zswpout_c = cg_read_key_ll(cgc, "memory.stat", "zswpout");
	zswpout_p = cg_read_key_ll(p, "memory.stat", "zswpout");
	vd_stats_log("after the OOM", &s1);
	TH_LOG("C: rc %d, oom_kill %lld, zswpout %lld (P %lld)",
	       rc, oom_kill, zswpout_c, zswpout_p);
	TH_LOG("C: swap.current %lld, zswap.current %lld",
	       cg_read_ll(cgc, "memory.swap.current"),
	       cg_read_ll(cgc, "memory.zswap.current"));
	EXPECT_EQ(128 + SIGKILL, rc)
		TH_LOG("64 MiB in memory.max 32M without swap: not OOM-killed (rc %d: %s)",
		       rc, RC_HELP);
	EXPECT_LE(1, oom_kill);
	EXPECT_EQ(0, hd_swpouts(&s1) - hd_swpouts(&s0))
		TH_LOG("pages were swapped out under memory.swap.max=0");
	EXPECT_EQ(0, zswpout_c);
	EXPECT_EQ(0, zswpout_p);

	/*
	 * Part 2: D has memory.swap.max=0 itself, no parent limit; its task
	 * touches 16 MiB and MADV_PAGEOUTs it: every page stays in memory.
	 */
	d = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "swap0");
	ASSERT_EQ(0, cg_write(d, "memory.swap.max", "0"));
	ASSERT_EQ(0, vd_stats_read(&s1));
	ASSERT_EQ(0, vd_child_start(&c, &self->env, d));
	if (!c.pid) {
		struct page_mismatch mm;
		size_t sw = 0, pr = 0;
		struct vd_region r;
		int i;

		vd_pin_cpu();
		if (vd_region_map(&r, SMZ_PAGES, false))
			_exit(RC_MMAP);
		pattern_fill(r.mem, SMZ_PAGES, SEED ^ 0x31, NULL);
		for (i = 0; i < 3; i++)
			madvise(r.mem, SMZ_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
		if (pagemap_count(r.mem, SMZ_PAGES, &sw, &pr))
			_exit(RC_PAGEOUT);
		rep->swapped = sw;
		rep->present = pr;
		vd_child_checkpoint(&c);
		if (pattern_verify(r.mem, SMZ_PAGES, SEED ^ 0x31, NULL, &mm)) {
			pattern_report(&mm, SMZ_PAGES);
			_exit(RC_BAD_DATA);
		}
		_exit(0);
	}
	hd_checkpoint(_metadata, &self->env, &c, "paged out");
	ASSERT_EQ(0, vd_stats_read(&s2));
	zswpout_d = cg_read_key_ll(d, "memory.stat", "zswpout");
	vd_stats_log("after MADV_PAGEOUT", &s2);
	TH_LOG("D: %lld of %d pages swapped, %lld present; zswpout %lld",
	       rep->swapped, SMZ_PAGES, rep->present, zswpout_d);
	EXPECT_EQ(0, rep->swapped);
	EXPECT_EQ(SMZ_PAGES, rep->present);
	EXPECT_EQ(s1.v[VD_SLOTS_USED], s2.v[VD_SLOTS_USED]);
	EXPECT_EQ(0, hd_swpouts(&s2) - hd_swpouts(&s1));
	EXPECT_EQ(0, zswpout_d);
	EXPECT_EQ(0, cg_read_ll(d, "memory.swap.current"));
	EXPECT_EQ(0, cg_read_ll(d, "memory.zswap.current"));
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: %s)", rc, RC_HELP);
	munmap(rep, VT_PAGE_SIZE);
}

/* ---------------------------------------------------------------------
 * small_swap_max_with_zswap: what memory.swap.max=4M means with zswap on
 */

/* One run in a fresh cgroup: 64 MiB of compressible pages in 32M */
static void ssm_run(struct __test_metadata *_metadata,
		    FIXTURE_DATA(hardening) *self, const char *name, int *rc,
		    long long *zswapped)
{
	char val[32];
	const char *cg;
	pid_t pid;

	cg = hd_cg_make(_metadata, self, CG_ROOT, name);
	snprintf(val, sizeof(val), "%lu", SMZ_MEMORY_MAX);
	ASSERT_EQ(0, cg_write(cg, "memory.max", val));
	ASSERT_EQ(0, cg_write(cg, "memory.swap.max", "4M"));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (!pid) {
		struct page_mismatch mm;
		size_t len = SMZ_OOM_PAGES * VT_PAGE_SIZE;
		char *mem;

		if (cg_enter(cg, 0))
			_exit(RC_CGROUP);
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(RC_MMAP);
		madvise(mem, len, MADV_NOHUGEPAGE);
		pattern_fill(mem, SMZ_OOM_PAGES, SEED ^ 0x40, &mix_comp);
		if (pattern_verify(mem, SMZ_OOM_PAGES, SEED ^ 0x40, &mix_comp,
				   &mm))
			_exit(RC_BAD_DATA);
		_exit(0);
	}
	vd_env_add_pid(&self->env, pid);
	*zswapped = 0;
	*rc = hd_reap(&self->env, pid);
	*zswapped = cg_read_key_ll(cg, "memory.stat", "zswpout");
	TH_LOG("%s: 64 MiB compressible in memory.max 32M, memory.swap.max 4M, zswap on: %s; zswpout %lld pages, oom_kill %lld, memory.peak %lld KiB, memory.swap.peak %lld KiB",
	       name, *rc ? "killed" : "all written and read back", *zswapped,
	       cg_read_key_ll(cg, "memory.events", "oom_kill"),
	       cg_read_ll(cg, "memory.peak") / 1024,
	       cg_read_ll(cg, "memory.swap.peak") / 1024);
}

/*
 * A small nonzero memory.swap.max with zswap on: stock counts every zswap
 * entry against it (a zswap entry holds a swap slot), so the cgroup keeps
 * at most 4 MiB out of memory and goes OOM; under vswap it limits disk
 * only, so the cgroup keeps as much compressed as memory.max allows.  The
 * README's cgroup section quotes these figures.
 */
TEST_F_TIMEOUT(hardening, small_swap_max_with_zswap, 300)
{
	long long zs_stock, zs_vswap;
	int rc_stock, rc_vswap;

	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	vd_env_setup(_metadata, &self->env, 1);

	hd_setup_stock(_metadata, self, true);
	hd_phys_on(_metadata, self);
	ssm_run(_metadata, self, CG_PREFIX "ssm_stock", &rc_stock, &zs_stock);
	ASSERT_EQ(0, vd_phys_off(VT_PHYS_DEV));
	self->phys_on = false;

	ASSERT_EQ(0, vd_ensure_loaded());
	ssm_run(_metadata, self, CG_PREFIX "ssm_vswap", &rc_vswap, &zs_vswap);
	/* never worse than stock: whatever stock kept, vswap keeps too */
	EXPECT_EQ(0, rc_vswap) TH_LOG("rc %d: %s", rc_vswap, RC_HELP);
	EXPECT_LT(1024, zs_vswap)
		TH_LOG("no more than memory.swap.max was kept in zswap");
	if (!rc_stock)
		TH_LOG("note: stock kept it all too");
}

/* ---------------------------------------------------------------------
 * zswap_writeback_respects_swap_max
 */

/*
 * Three regions of compressible pages, each filled and paged out, with a
 * checkpoint after each; then every page of all three is checked.
 */
static void __noreturn wb_child(struct vd_child *c)
{
	const size_t n[3] = { WB_R1_PAGES, WB_R2_PAGES, WB_R3_PAGES };
	struct page_mismatch mm;
	struct vd_region r[3];
	int i;

	vd_pin_cpu();
	for (i = 0; i < 3; i++) {
		if (vd_region_map(&r[i], n[i], false))
			_exit(RC_MMAP);
		pattern_fill(r[i].mem, n[i], SEED ^ (0x40 + i), &mix_comp);
		if (vd_pageout_anon(&r[i], 0, n[i]) != (long)n[i])
			_exit(RC_PAGEOUT);
		vd_child_checkpoint(c);
	}
	for (i = 0; i < 3; i++) {
		if (pattern_verify(r[i].mem, n[i], SEED ^ (0x40 + i), &mix_comp,
				   &mm)) {
			vt_log("region %d:", i + 1);
			pattern_report(&mm, n[i]);
			_exit(RC_BAD_DATA);
		}
	}
	_exit(0);
}

/*
 * memory.swap.max = 4 MiB.  zswap writes a cgroup's oldest entry back for
 * each store over memory.zswap.max (shrink_memcg(), one LRU step a store);
 * a first step only clears an entry's referenced bit (second chance).
 *
 *   R1: 32 MiB to zswap (no limit yet).
 *   R2: memory.zswap.max = 0, no disk yet: each store gives one R1 entry
 *       its second chance and is refused; R2 stays in memory.  Nothing is
 *       written back (there is no disk) and no swap is charged.
 *   R3: /dev/vda on; 3 x 4 MiB of stores, each writing back one R1 entry:
 *       the first 4 MiB fit memory.swap.max, the rest must not be written
 *       back, and zswap must not count (zswpwb) what it did not write.
 */
TEST_F_TIMEOUT(hardening, zswap_writeback_respects_swap_max, 300)
{
	long long wb_vm0, wb_vm, wb_vs, wb_cg, cur, peak;
	struct vd_stats s0, s1, s2, s3;
	struct vd_child c;
	const char *cg;
	char val[32];
	int rc;

	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	vd_env_setup(_metadata, &self->env, 1);
	cg = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "wb");
	snprintf(val, sizeof(val), "%lu", WB_SWAP_MAX);
	ASSERT_EQ(0, cg_write(cg, "memory.swap.max", val));
	ASSERT_EQ(0, vd_stats_read(&s0));
	wb_vm0 = read_vmstat("zswpwb");
	ASSERT_LE(0, wb_vm0) TH_LOG("no zswpwb in /proc/vmstat");

	ASSERT_EQ(0, vd_child_start(&c, &self->env, cg));
	if (!c.pid)
		wb_child(&c);

	/* R1 */
	hd_checkpoint(_metadata, &self->env, &c, "R1 paged out");
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("R1 in zswap", &s1);
	EXPECT_EQ(WB_R1_PAGES, s1.v[VD_ZSWAP]);
	ASSERT_EQ(0, cg_write(cg, "memory.zswap.max", "0"));
	vd_parent_release(&c);

	/* R2 */
	hd_checkpoint(_metadata, &self->env, &c, "R2 paged out");
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("R2 refused", &s2);
	EXPECT_EQ(0, vd_delta(&s2, &s1, VD_ZSWAP_WRITEBACK));
	EXPECT_EQ(wb_vm0, read_vmstat("zswpwb"));
	EXPECT_EQ(0, cg_read_ll(cg, "memory.swap.current"));
	hd_phys_on(_metadata, self);
	vd_parent_release(&c);

	/* R3 */
	hd_checkpoint(_metadata, &self->env, &c, "R3 paged out");
	ASSERT_EQ(0, vd_stats_read(&s3));
	wb_vs = vd_delta(&s3, &s2, VD_ZSWAP_WRITEBACK);
	wb_vm = read_vmstat("zswpwb") - wb_vm0;
	wb_cg = hd_wait_cg_key(cg, "memory.stat", "zswpwb", wb_vm);
	cur = cg_read_ll(cg, "memory.swap.current");
	peak = cg_read_ll(cg, "memory.swap.peak");
	vd_stats_log("R3 paged out", &s3);
	TH_LOG("zswpwb: vmstat +%lld, memory.stat %lld; vswap zswap_writeback +%lld",
	       wb_vm, wb_cg, wb_vs);
	TH_LOG("swap.current %lld peak %lld (max %lu); events max %lld fail %lld",
	       cur, peak, WB_SWAP_MAX,
	       cg_read_key_ll(cg, "memory.swap.events", "max"),
	       cg_read_key_ll(cg, "memory.swap.events", "fail"));
	EXPECT_LT(0, wb_vs) TH_LOG("no zswap writeback happened at all");
	EXPECT_EQ(wb_vs, wb_vm)
		TH_LOG("zswap counted writebacks that vswap never wrote");
	EXPECT_EQ(wb_vm, wb_cg);
	EXPECT_GE((long long)(WB_LIMIT_PAGES + WB_SLACK_PAGES), wb_cg)
		TH_LOG("writeback went past memory.swap.max");
	EXPECT_GE((long long)WB_SWAP_MAX, cur);
	EXPECT_GE((long long)WB_SWAP_MAX, peak);
	EXPECT_GE(WB_LIMIT_PAGES, s3.v[VD_PHYS]);

	/* every page of R1, R2 and R3 reads back */
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: %s)", rc, RC_HELP);
	EXPECT_GE((long long)WB_SWAP_MAX, cg_read_ll(cg, "memory.swap.peak"));
	ASSERT_EQ(0, vd_stats_read(&s3));
	EXPECT_EQ(0, vd_delta(&s3, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s3, &s0, VD_IO_ERROR));
}

/* ---------------------------------------------------------------------
 * large_folio_refusal_is_not_a_swap_failure
 */

TEST_F_TIMEOUT(hardening, large_folio_refusal_is_not_a_swap_failure, 300)
{
	const size_t n = THP_LEN / VT_PAGE_SIZE;
	long long fallback0, fail;
	char buf[128], *b, *e;
	struct hd_report *rep;
	struct vd_stats s0, s1;
	struct vd_child c;
	const char *cg;
	int ret, rc;

	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	if (!vt_exists(THP_ENABLED))
		SKIP(return, "no " THP_ENABLED " (CONFIG_TRANSPARENT_HUGEPAGE)");
	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_LT(0, vt_read_file(THP_ENABLED, buf, sizeof(buf)));
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	ASSERT_TRUE(b && e && e - b - 1 < (long)sizeof(self->thp_saved))
		TH_LOG(THP_ENABLED ": %s", buf);
	*e = '\0';
	snprintf(self->thp_saved, sizeof(self->thp_saved), "%s", b + 1);
	ret = vt_write_file(THP_ENABLED, "madvise");
	ASSERT_EQ(0, ret) TH_LOG("cannot set THP enabled=madvise");
	rep = hd_report_map();
	ASSERT_NE(NULL, rep);
	cg = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "thp");
	ASSERT_EQ(0, vd_stats_read(&s0));
	fallback0 = read_vmstat("thp_swpout_fallback");

	ASSERT_EQ(0, vd_child_start(&c, &self->env, cg));
	if (!c.pid) {
		struct page_mismatch mm;
		size_t sw = 0, pr = 0;
		char *raw, *mem;
		int i;

		vd_pin_cpu();
		raw = mmap(NULL, THP_LEN + THP_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (raw == MAP_FAILED)
			_exit(RC_MMAP);
		mem = (char *)(((uintptr_t)raw + THP_SIZE - 1) &
			       ~(uintptr_t)(THP_SIZE - 1));
		if (madvise(mem, THP_LEN, MADV_HUGEPAGE))
			_exit(RC_MADVISE);
		pattern_fill(mem, n, SEED ^ 0x50, &mix_nozero);
		rep->thp_kb = vt_read_key("/proc/self/smaps_rollup",
					  "AnonHugePages");
		for (i = 0; i < 10; i++) {
			madvise(mem, THP_LEN, MADV_PAGEOUT);
			if (pagemap_count(mem, n, &sw, &pr))
				_exit(RC_PAGEOUT);
			if (sw == n)
				break;
			usleep(10 * 1000);
		}
		rep->swapped = sw;
		rep->present = pr;
		vd_child_checkpoint(&c);
		if (pattern_verify(mem, n, SEED ^ 0x50, &mix_nozero, &mm)) {
			pattern_report(&mm, n);
			_exit(RC_BAD_DATA);
		}
		_exit(0);
	}
	hd_checkpoint(_metadata, &self->env, &c, "paged out");
	if (rep->thp_kb <= 0) {
		vd_parent_release(&c);
		rc = vd_child_finish(&c, &self->env);
		SKIP(return, "no THP was allocated (AnonHugePages %lld kB, workload rc %d)",
		     rep->thp_kb, rc);
	}
	ASSERT_EQ(0, vd_stats_read(&s1));
	fail = cg_read_key_ll(cg, "memory.swap.events", "fail");
	vd_stats_log("after pageout", &s1);
	TH_LOG("AnonHugePages %lld kB; %lld of %zu pages swapped; swap.events fail %lld",
	       rep->thp_kb, rep->swapped, n, fail);
	TH_LOG("large_refused +%lld, thp_swpout_fallback +%lld",
	       vd_delta(&s1, &s0, VD_LARGE_REFUSED),
	       read_vmstat("thp_swpout_fallback") - fallback0);
	EXPECT_EQ(0, fail)
		TH_LOG("a large folio vswap refused counted as a swap failure");
	EXPECT_EQ(n, rep->swapped) TH_LOG("the THP was not swapped out");
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: %s)", rc, RC_HELP);
	EXPECT_EQ(0, cg_read_key_ll(cg, "memory.swap.events", "fail"));
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
	munmap(rep, VT_PAGE_SIZE);
}

/* ---------------------------------------------------------------------
 * metadata_charged_to_cgroup
 */

/*
 * Kernel memory charged to @cg that is not the workload's own: memory.stat
 * "kernel" (every kmem charge: slab, vmalloc, percpu, page tables, zswap's
 * compressed pages, kernel stacks) less the page tables, kernel stacks
 * and zswap; without "kernel", slab + vmalloc + percpu.  Bytes.
 */
static long long meta_cg_kmem(const char *cg)
{
	long long kernel = cg_read_key_ll(cg, "memory.stat", "kernel");
	long long zswap = cg_read_key_ll(cg, "memory.stat", "zswap");

	if (kernel < 0)
		return cg_read_key_ll(cg, "memory.stat", "slab") +
		       cg_read_key_ll(cg, "memory.stat", "vmalloc") +
		       cg_read_key_ll(cg, "memory.stat", "percpu");
	return kernel - cg_read_key_ll(cg, "memory.stat", "pagetables") -
	       cg_read_key_ll(cg, "memory.stat", "kernel_stack") -
	       (zswap > 0 ? zswap : 0);
}

/*
 * Map @META_BYTES, then chunk by chunk write a zero byte to every page (a
 * real, zero-filled page) and page the chunk out.  Every page becomes a
 * ZERO slot: no storage, only vswap's metadata.
 */
static void __noreturn meta_child(struct vd_child *c, struct hd_report *rep)
{
	static const char zero[VT_PAGE_SIZE];
	const size_t n = META_BYTES / VT_PAGE_SIZE;
	const size_t chunk = META_CHUNK / VT_PAGE_SIZE;
	size_t first, i, k, sw = 0, bad = 0;
	struct vd_region r;

	vd_pin_cpu();
	if (vd_region_map(&r, n, false))
		_exit(RC_MMAP);
	vd_child_checkpoint(c);
	for (first = 0; first < n; first += chunk) {
		k = n - first < chunk ? n - first : chunk;
		for (i = first; i < first + k; i++)
			vd_page(&r, i)[0] = 0;
		/* retries a bounded number of times itself */
		vd_pageout_anon(&r, first, k);
	}
	if (pagemap_count(r.mem, n, &sw, NULL))
		_exit(RC_PAGEOUT);
	rep->swapped = sw;
	vd_child_checkpoint(c);
	for (i = 0; i < n; i++)
		if (memcmp(vd_page(&r, i), zero, VT_PAGE_SIZE) && !bad++)
			vt_log("page %zu is not zero", i);
	if (bad) {
		vt_log("%zu of %zu pages are not zero", bad, n);
		_exit(RC_BAD_DATA);
	}
	_exit(0);
}

TEST_F_TIMEOUT(hardening, metadata_charged_to_cgroup, 600)
{
	const size_t n = META_BYTES / VT_PAGE_SIZE;
	long long kmem0, kmem1 = 0, slab0, slab1, dmeta, dslots, dkmem;
	struct hd_report *rep;
	struct vd_stats s0, s1;
	struct vd_child c;
	const char *cg;
	char val[32];
	int ret, rc, i;

	if (!hd_have_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	/* a fresh module: no swap_map page is mapped yet */
	ret = vswap_ensure_unloaded();
	ASSERT_EQ(0, ret) TH_LOG("cannot unload vswap: %s", strerror(-ret));
	vd_env_setup(_metadata, &self->env, 1);
	rep = hd_report_map();
	ASSERT_NE(NULL, rep);
	cg = hd_cg_make(_metadata, self, CG_ROOT, CG_PREFIX "meta");
	snprintf(val, sizeof(val), "%lu", META_MEMORY_MAX);
	ASSERT_EQ(0, cg_write(cg, "memory.max", val));

	ASSERT_EQ(0, vd_child_start(&c, &self->env, cg));
	if (!c.pid)
		meta_child(&c, rep);
	hd_checkpoint(_metadata, &self->env, &c, "mapped");
	ASSERT_EQ(0, vd_stats_read(&s0));
	kmem0 = meta_cg_kmem(cg);
	slab0 = read_meminfo_kb("Slab");
	vd_parent_release(&c);

	hd_checkpoint(_metadata, &self->env, &c, "paged out");
	ASSERT_EQ(0, vd_stats_read(&s1));
	dmeta = vd_delta(&s1, &s0, VD_METADATA_BYTES);
	dslots = vd_delta(&s1, &s0, VD_SLOTS_USED);
	/* memory.stat may lag until the next rstat flush: bounded wait */
	for (i = 0; i < VD_IDLE_POLLS; i++) {
		kmem1 = meta_cg_kmem(cg);
		if (2 * (kmem1 - kmem0) >= dmeta)
			break;
		usleep(50 * 1000);
	}
	dkmem = kmem1 - kmem0;
	slab1 = read_meminfo_kb("Slab");
	vd_stats_log("after pageout", &s1);
	TH_LOG("%lld of %zu pages swapped, slots_used +%lld, metadata_bytes +%lld (%.1f per slot)",
	       rep->swapped, n, dslots, dmeta,
	       dslots > 0 ? (double)dmeta / dslots : 0.0);
	TH_LOG("memory.stat: kernel %lld slab %lld pagetables %lld",
	       cg_read_key_ll(cg, "memory.stat", "kernel"),
	       cg_read_key_ll(cg, "memory.stat", "slab"),
	       cg_read_key_ll(cg, "memory.stat", "pagetables"));
	TH_LOG("memory.stat: percpu %lld vmalloc %lld; charged kmem +%lld",
	       cg_read_key_ll(cg, "memory.stat", "percpu"),
	       cg_read_key_ll(cg, "memory.stat", "vmalloc"), dkmem);
	TH_LOG("/proc/meminfo Slab %lld -> %lld kB (%+lld)", slab0, slab1,
	       slab1 - slab0);

	EXPECT_EQ((long long)n, rep->swapped);
	EXPECT_LE(rep->swapped, dslots);
	EXPECT_LE(META_MIN_BYTES_PER_SLOT * dslots, dmeta)
		TH_LOG("metadata_bytes does not cover the slots' metadata");
	EXPECT_LE(dmeta, 2 * dkmem)
		TH_LOG("less than half of vswap's metadata is charged to the cgroup");

	/* every page reads back as zero */
	vd_parent_release(&c);
	rc = vd_child_finish(&c, &self->env);
	EXPECT_EQ(0, rc) TH_LOG("workload failed (rc %d: %s)", rc, RC_HELP);
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_ALLOC_FAIL));
	munmap(rep, VT_PAGE_SIZE);
}

TEST_HARNESS_MAIN
