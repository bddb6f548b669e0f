// SPDX-License-Identifier: GPL-2.0
/*
 * stress-ng memory/swap stressors on top of vswap.
 *
 * vswap loaded, zswap on, /dev/vda swapon'd as a physical backend; several
 * cgroups, each with a memory.max well below what its stress-ng instance
 * touches, run at the same time (time-bounded with --timeout) with
 * --verify.  Every stress-ng must exit 0 with "successful run completed"
 * and no "fail:" line (a --verify mismatch is reported as fail:), vswap
 * must really have swapped, and vswap must return to idle and unload
 * (teardown).  Next to stress-ng, in the first cgroup, the project's own
 * checksum workload rewrites, pages out and checks a region until the
 * stress-ng instances are done.  The kernel log is judged by scripts/vm.sh
 * as for every test.
 *
 * Skips when stress-ng is not in the image (scripts/initramfs.sh copies the
 * host's /usr/bin/stress-ng and its libraries when installed).  The run time
 * scales with VSWAP_SCALE (tests/lib/util.h).  /dev/vda is overwritten.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "util.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"

#define STRESS_NG		"/usr/bin/stress-ng"
#define SECS			VT_SCALE(60, 15)
#define NR_CGS			3
#define CG_MAX			MB(48)
/* stress-ng's files; an OOM-killed stressor leaves its own behind */
#define TEMP_DIR		"/tmp/vswap-stress-ng"
/* stress-ng gets this long (from the start) before it counts as hung */
#define DEADLINE		(SECS * 4 + 60)

/*
 * Per cgroup: stress-ng arguments (after the common ones).  Each instance
 * touches well over its memory.max in anon memory.  Not --pageswap: it maps
 * every page separately, and the memcg-charged VMAs/maple nodes alone
 * (~20 MiB with KASAN) fill a small cgroup with unreclaimable slab, so the
 * rest of the cgroup thrashes for minutes - a test artifact, not a vswap
 * problem.  Not --vm-method all (the default) either: it includes
 * quadratic methods (galpat, walk) whose one pass over 32 MiB takes
 * long under TCG.  move-inv, rand-set and flip are linear and verify
 * every pass.  (The guest "hang" this test once showed was stress-ng never
 * stopping: tinyconfig had no POSIX timers, so its --timeout alarm(2)
 * failed; scripts/config/vm.config now sets CONFIG_POSIX_TIMERS.)
 */
static const char * const cg_args[NR_CGS][16] = {
	{ "--vm", "2", "--vm-bytes", "32M", "--vm-method", "move-inv", NULL },
	{ "--mmap", "1", "--mmap-bytes", "24M",
	  "--vm", "1", "--vm-bytes", "40M", "--vm-keep",
	  "--vm-method", "rand-set", NULL },
	{ "--madvise", "1", "--vm", "1", "--vm-bytes", "40M",
	  "--vm-method", "flip", NULL },
};

FIXTURE(stress_ng) {
	struct vd_env env;
	char cg[NR_CGS][128];
	bool phys;
};

FIXTURE_SETUP(stress_ng)
{
	int ret;

	memset(self->cg, 0, sizeof(self->cg));
	self->phys = false;
	if (access(STRESS_NG, X_OK))
		SKIP(return, STRESS_NG " not in the image (VSWAP_STRESS_NG=0, or not installed on the host)");
	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_TRUE(vt_exists(VT_PHYS_DEV));
	ret = vd_phys_on(VT_PHYS_DEV, -1);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon " VT_PHYS_DEV ": %s", strerror(-ret));
	self->phys = true;
}

/*
 * tmpfs files (the output files, written from inside the cgroups, and what
 * OOM-killed stressors leave behind) hold swap slots legitimately.
 */
static char * const rm_leftovers[] = {
	"sh", "-c",
	"rm -rf " TEMP_DIR " /dev/shm/*stress* /tmp/stress-ng-*.out", NULL };

FIXTURE_TEARDOWN_PARENT(stress_ng)
{
	int i, ret;

	for (i = 0; i < NR_CGS; i++) {
		if (!self->cg[i][0])
			continue;
		ret = cg_remove(self->cg[i], true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", self->cg[i], strerror(-ret));
		self->cg[i][0] = '\0';
	}
	vt_run(rm_leftovers);
	/* vswap idle (phys 0) and unloaded first, then the device goes */
	vd_env_teardown(_metadata, &self->env);
	if (self->phys) {
		ret = vd_phys_off(VT_PHYS_DEV);
		EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
		self->phys = false;
	}
}

/* Print @path with a "# " prefix; count "fail:" lines and the success line. */
static void scan_output(const char *path, int *fails, bool *ok)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	*fails = 0;
	*ok = false;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *w = strstr(line, "WARNING:");

		/* stress-ng's own warnings are not kernel ones (log scan) */
		if (w)
			memcpy(w, "warning:", 8);
		fprintf(stderr, "# %s", line);
		if (strstr(line, " fail: ") || strstr(line, "verify fail") ||
		    strstr(line, "verification fail"))
			(*fails)++;
		if (strstr(line, "successful run completed") &&
		    !strstr(line, "unsuccessful"))
			*ok = true;
	}
	fclose(f);
}

/* The project's own checksum workload, run next to stress-ng */
#define CHECK_PAGES		VT_SCALE(2048, 1024)	/* 8 MiB */
#define CHECK_SEED		0x5eed5106ULL

struct checker {
	volatile int stop;
	volatile long rounds;
	volatile long bad;
};

/*
 * In cgroup @cg: until told to stop, rewrite a region, page it out and
 * check every page.  Not an OOM victim: stress-ng's stressors are.
 */
static void __noreturn checker_main(const char *cg, struct checker *c)
{
	size_t bad, first = 0;
	struct vd_region r;
	long i;

	if (cg_enter(cg, 0) ||
	    vt_write_file("/proc/self/oom_score_adj", "-1000") ||
	    vd_region_map(&r, CHECK_PAGES, false))
		_exit(2);
	for (i = 0; !c->stop; i++) {
		vd_region_fill(&r, 0, CHECK_PAGES, CHECK_SEED + i, NULL);
		madvise(r.mem, CHECK_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
		bad = vd_region_verify(&r, 0, CHECK_PAGES, &first);
		if (bad) {
			c->bad += bad;
			vt_log("checker round %ld: %zu bad pages, first %zu",
			       i, bad, first);
			_exit(1);
		}
		c->rounds++;
	}
	_exit(0);
}

/* waitpid() until @deadline (vd_now() seconds); -ETIMEDOUT after it */
static int wait_deadline(pid_t pid, int *status, double deadline)
{
	while (vd_now() < deadline) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		usleep(100 * 1000);
	}
	return -ETIMEDOUT;
}

static void dump_file(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "#   %s%s", prefix, line);
	fclose(f);
}

/* What every task of @cg is doing: state, wchan, kernel stack. */
static void dump_cgroup(const char *cg)
{
	char path[256], buf[256];
	FILE *f;
	int pid;

	fprintf(stderr, "# cgroup %s:\n", cg);
	snprintf(path, sizeof(path), "%s/memory.events", cg);
	dump_file(path, "memory.events: ");
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fscanf(f, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (vt_read_file(path, buf, sizeof(buf)) > 0)
			fprintf(stderr, "#   %s", buf);
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		if (vt_read_file(path, buf, sizeof(buf)) > 0)
			fprintf(stderr, "#   wchan %s\n", buf);
		snprintf(path, sizeof(path), "/proc/%d/stack", pid);
		dump_file(path, "");
	}
	fclose(f);
}

TEST_F_TIMEOUT(stress_ng, vm_verify_cgroups, 1800)
{
	pid_t pids[NR_CGS];
	struct vd_stats s0, s1;
	char name[64], out[NR_CGS][64], secs[32], val[32];
	struct checker *chk;
	int chk_status = 0;
	long long swpout;
	pid_t chk_pid;
	double t0;
	int i, ret;

	snprintf(secs, sizeof(secs), "%ds", SECS);
	ASSERT_EQ(0, vd_stats_read(&s0));
	t0 = vd_now();
	mkdir(TEMP_DIR, 0755);
	for (i = 0; i < NR_CGS; i++) {
		snprintf(name, sizeof(name), "vswap_stress_ng_%d", i);
		ret = cg_create_memcg(name, self->cg[i], sizeof(self->cg[i]));
		if (ret == -EOPNOTSUPP || ret == -ENOENT)
			SKIP(return, "no cgroup v2 memory controller");
		ASSERT_EQ(0, ret) TH_LOG("cgroup %s: %s", name, strerror(-ret));
		snprintf(val, sizeof(val), "%lu", CG_MAX);
		ASSERT_EQ(0, cg_write(self->cg[i], "memory.max", val));
		cg_write(self->cg[i], "memory.swap.max", "max");
		cg_write(self->cg[i], "memory.zswap.max", "max");
	}
	TH_LOG("%d stress-ng instances, %s each, memory.max %lu MiB, zswap on, " VT_PHYS_DEV " as backend",
	       NR_CGS, secs, CG_MAX >> 20);

	chk = mmap(NULL, sizeof(*chk), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, chk);
	fflush(stdout);
	fflush(stderr);
	chk_pid = fork();
	ASSERT_LE(0, chk_pid);
	if (!chk_pid)
		checker_main(self->cg[0], chk);
	vd_env_add_pid(&self->env, chk_pid);

	for (i = 0; i < NR_CGS; i++) {
		const char *argv[32] = { "stress-ng", "--timeout", secs,
					 "--verify", "--metrics-brief",
					 "--oomable", "--temp-path", TEMP_DIR };
		int n = 8, j, fd;

		for (j = 0; cg_args[i][j]; j++)
			argv[n++] = cg_args[i][j];
		argv[n] = NULL;
		snprintf(out[i], sizeof(out[i]), "/tmp/stress-ng-%d.out", i);
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			if (cg_enter(self->cg[i], 0))
				_exit(100);
			fd = open(out[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0)
				_exit(101);
			dup2(fd, 1);
			dup2(fd, 2);
			execv(STRESS_NG, (char * const *)argv);
			_exit(102);
		}
	}

	for (i = 0; i < NR_CGS; i++) {
		int status = 0, fails;
		bool ok;

		ret = wait_deadline(pids[i], &status, t0 + DEADLINE);
		if (ret) {
			int j;

			TH_LOG("stress-ng in %s still running %d s after its %s: dumping the cgroups",
			       self->cg[i], DEADLINE, secs);
			for (j = 0; j < NR_CGS; j++)
				dump_cgroup(self->cg[j]);
		}
		ASSERT_EQ(0, ret) TH_LOG("stress-ng did not end");
		fprintf(stderr, "# ---- stress-ng in %s:\n", self->cg[i]);
		scan_output(out[i], &fails, &ok);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("stress-ng in %s: %s %d", self->cg[i],
			       WIFEXITED(status) ? "exit status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		EXPECT_EQ(0, fails) TH_LOG("stress-ng in %s reported failures", self->cg[i]);
		EXPECT_TRUE(ok) TH_LOG("no 'successful run completed' from stress-ng in %s", self->cg[i]);
		TH_LOG("%s: memory.swap.peak %lld KiB, memory.events oom_kill %lld",
		       self->cg[i], cg_read_ll(self->cg[i], "memory.swap.peak") >> 10,
		       cg_read_key_ll(self->cg[i], "memory.events", "oom_kill"));
	}

	chk->stop = 1;
	ret = wait_deadline(chk_pid, &chk_status, vd_now() + 300);
	ASSERT_EQ(0, ret) TH_LOG("the checksum workload did not stop");
	TH_LOG("checksum workload next to stress-ng: %ld rounds of %d pages, %ld bad",
	       chk->rounds, CHECK_PAGES, chk->bad);
	EXPECT_TRUE(WIFEXITED(chk_status) && WEXITSTATUS(chk_status) == 0);
	EXPECT_EQ(0, chk->bad);
	EXPECT_LT(0, chk->rounds);

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after stress-ng", &s1);
	swpout = vd_delta(&s1, &s0, VD_SWPOUT_ZERO) + vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP) +
		 vd_delta(&s1, &s0, VD_SWPOUT_INMEM) + vd_delta(&s1, &s0, VD_SWPOUT_PHYS);
	EXPECT_LT(0, swpout) TH_LOG("stress-ng never made vswap swap out");
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_IO_ERROR));

	/*
	 * A task killed while its page was under writeback leaves the slot
	 * to the clean swap cache folio (SWAP_HAS_CACHE only), as on stock
	 * swap, until reclaim drops the folio.  The cgroups have no task
	 * left, so reclaiming them drops exactly such folios (and the output
	 * files, removed first): then vswap must go idle (teardown).
	 */
	vt_run(rm_leftovers);
	for (i = 0; i < NR_CGS; i++) {
		long long cached = vd_evict_swap_cache(self->cg[i]);

		EXPECT_EQ(0, cached) TH_LOG("%s: swap cache not dropped",
					   self->cg[i]);
	}
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after reclaiming the empty cgroups", &s1);
}

TEST_HARNESS_MAIN
