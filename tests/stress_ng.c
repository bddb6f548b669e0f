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
 * (teardown).  The kernel log is judged by scripts/vm.sh as for every test.
 *
 * Skips when stress-ng is not in the image (scripts/initramfs.sh copies the
 * host's /usr/bin/stress-ng and its libraries when installed).  The run time
 * scales with VSWAP_SCALE (tests/vswap_test.h).  /dev/vda is overwritten.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "vswap_test.h"
#include "vswap_data.h"

#define PHYS_DEV		"/dev/vda"
#define STRESS_NG		"/usr/bin/stress-ng"
#define SECS			VT_SCALE(60, 15)
#define NR_CGS			3
#define CG_MAX			MB(48)

/*
 * Per cgroup: stress-ng arguments (after the common ones).  Each instance
 * touches well over its memory.max in anon memory.  Not --pageswap: it maps
 * every page separately, and the memcg-charged VMAs/maple nodes alone
 * (~20 MiB with KASAN) fill a small cgroup with unreclaimable slab, so the
 * rest of the cgroup thrashes for minutes - a test artifact, not a vswap
 * problem.
 */
static const char * const cg_args[NR_CGS][12] = {
	{ "--vm", "2", "--vm-bytes", "32M", "--vm-method", "all", NULL },
	{ "--mmap", "1", "--mmap-bytes", "24M",
	  "--vm", "1", "--vm-bytes", "40M", "--vm-keep", NULL },
	{ "--vm-rw", "1", "--vm-rw-bytes", "8M", "--madvise", "1",
	  "--vm", "1", "--vm-bytes", "40M", NULL },
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
		SKIP(return, STRESS_NG " not in the image: opt-in with VSWAP_STRESS_NG=1 (the guest hangs after a memcg OOM kill in this test; issue 6)");
	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_TRUE(vt_exists(PHYS_DEV));
	ret = vd_phys_on(PHYS_DEV, -1);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon " PHYS_DEV ": %s", strerror(-ret));
	self->phys = true;
}

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
	/* vswap idle (phys 0) and unloaded first, then the device goes */
	vd_env_teardown(_metadata, &self->env);
	if (self->phys) {
		ret = vd_phys_off(PHYS_DEV);
		EXPECT_EQ(0, ret) TH_LOG("swapoff " PHYS_DEV ": %s", strerror(-ret));
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

TEST_F_TIMEOUT(stress_ng, vm_verify_cgroups, 1800)
{
	pid_t pids[NR_CGS];
	struct vd_stats s0, s1;
	char name[64], out[NR_CGS][64], secs[32], val[32];
	long long swpout;
	int i, ret;

	snprintf(secs, sizeof(secs), "%ds", SECS);
	ASSERT_EQ(0, vd_stats_read(&s0));
	for (i = 0; i < NR_CGS; i++) {
		snprintf(name, sizeof(name), "vswap_stress_ng_%d", i);
		ret = cg_create(name, self->cg[i], sizeof(self->cg[i]));
		if (ret == -EOPNOTSUPP || ret == -ENOENT)
			SKIP(return, "no cgroup v2 memory controller");
		ASSERT_EQ(0, ret) TH_LOG("cgroup %s: %s", name, strerror(-ret));
		snprintf(val, sizeof(val), "%lu", CG_MAX);
		ASSERT_EQ(0, cg_write(self->cg[i], "memory.max", val));
		cg_write(self->cg[i], "memory.swap.max", "max");
		cg_write(self->cg[i], "memory.zswap.max", "max");
	}
	TH_LOG("%d stress-ng instances, %s each, memory.max %lu MiB, zswap on, " PHYS_DEV " as backend",
	       NR_CGS, secs, CG_MAX >> 20);

	for (i = 0; i < NR_CGS; i++) {
		const char *argv[32] = { "stress-ng", "--timeout", secs,
					 "--verify", "--metrics-brief",
					 "--oomable", "--temp-path", "/tmp" };
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

		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
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
		       cg_read_key(self->cg[i], "memory.events", "oom_kill"));
	}

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("after stress-ng", &s1);
	swpout = vd_delta(&s1, &s0, VD_SWPOUT_ZERO) + vd_delta(&s1, &s0, VD_SWPOUT_ZSWAP) +
		 vd_delta(&s1, &s0, VD_SWPOUT_INMEM) + vd_delta(&s1, &s0, VD_SWPOUT_PHYS);
	EXPECT_LT(0, swpout) TH_LOG("stress-ng never made vswap swap out");
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s1, &s0, VD_IO_ERROR));
}

TEST_HARNESS_MAIN
