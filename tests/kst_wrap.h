/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run the kernel's own swap/zswap selftests (built by tests/kselftests.mk,
 * shipped in the guest's /kselftests) in one swap setup, and report their
 * cases as this binary's own TAP cases.  Used by tests/kst_stock.c,
 * tests/kst_vswap.c and tests/kst_vswap_phys.c (one binary per mode).
 *
 * Per selftest: set up the mode (stock: mkswap + swapon /dev/vda; vswap:
 * insmod vswap.ko, optionally plus /dev/vda as a backend), set zswap on or
 * off, run the selftest with its output as "# " comments, re-emit each of
 * its "ok"/"not ok" lines as "ok N <selftest>[zswap=..]: <case>", then
 * restore (swapoff, rmmod, zswap as it was).  A selftest that crashes, times
 * out or leaves cases of its plan unreported adds a failing case.
 *
 * Expected differences (README "Kernel selftests under vswap"): a case that
 * fails in a mode where it is listed in kst_expected[] is reported as
 * "ok N ... # SKIP XFAIL under vswap: <why>", i.e. counted as skipped, not
 * passed; one that passes there anyway is reported as a pass with an
 * "XPASS" note.  Nothing else is ever turned into a pass or a skip.
 */
#ifndef __KST_WRAP_H
#define __KST_WRAP_H

#include "vswap_test.h"
#include <time.h>
#include <poll.h>
#include <termios.h>
#include <sys/mount.h>
#include <ftw.h>

#define KST_DIR		"/kselftests"
#define KST_DEV		"/dev/vda"
/* cwd of the selftests: an ext2 file system, not tmpfs (their page cache
 * must be reclaimable without swap, as on a real system) */
#define KST_FS_DEV	"/dev/vdb"
#define KST_FS_DIR	"/mnt/kst"
/*
 * Each selftest runs in this cgroup.  When it has exited, the wrapper
 * reclaims what is still charged there: swap cache folios whose owners
 * are gone keep their swap slots (stock 6.12 too: after mm/cow.c ~8 MiB
 * stay in SwapCached and "Used" in /proc/swaps).  Stock swapoff drops
 * them; vswap refuses rmmod while any slot is in use, so reclaim them first.
 */
#define KST_CG		CG_ROOT "/kst_run"

enum kst_mode { KST_STOCK, KST_VSWAP, KST_VSWAP_PHYS };

static const char *const kst_mode_name[] = { "stock", "vswap", "vswap+phys" };

struct kst_run {
	const char *bin;	/* in KST_DIR */
	bool zswap;		/* zswap enabled while it runs */
	int timeout;		/* seconds */
	const char *skip;	/* cases not run ($KST_SKIP, comma separated) */
	const char *skip_why;	/* ... reported as SKIP with this reason */
};

struct kst_expect {
	unsigned int modes;	/* 1 << enum kst_mode */
	const char *bin;
	int zswap;		/* -1: either */
	const char *tcase;	/* the selftest's case name */
	const char *why;
};

#define KST_M(m)	(1u << (m))
#define KST_ANY_VSWAP	(KST_M(KST_VSWAP) | KST_M(KST_VSWAP_PHYS))

/*
 * Where a kernel selftest's expectation legitimately changes under vswap.
 * Keep in sync with README "Kernel selftests under vswap".
 */
#define KST_WHY_NODISK(what) \
	what ": needs a physical swap device, and this mode has none (stock zswap cannot run without one at all)"
#define KST_WHY_SWAPMAX0 \
	"expects an OOM kill with memory.swap.max=0; under vswap memory.swap.max limits disk swap only, and the test's zero-filled anon pages go to vswap's zero backend (no storage, no charge), so the cgroup never OOMs"

static const struct kst_expect kst_expected[] = {
	{ KST_M(KST_VSWAP), "test_zswap", -1, "test_swapin_nozswap",
	  KST_WHY_NODISK("memory.zswap.max=0 leaves only disk, and memory.swap.peak counts only disk-backed pages") },
	{ KST_M(KST_VSWAP), "test_zswap", -1, "test_zswap_writeback_enabled",
	  KST_WHY_NODISK("zswap writeback writes to a physical slot") },
	{ KST_M(KST_VSWAP), "test_zswap", -1, "test_no_invasive_cgroup_shrink",
	  KST_WHY_NODISK("it expects zswap writeback (memory.stat zswpwb > 0) of the limited cgroup") },
	{ KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_max", KST_WHY_SWAPMAX0 },
	{ KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_oom_events", KST_WHY_SWAPMAX0 },
	{ KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_oom_group_leaf_events", KST_WHY_SWAPMAX0 },
	{ KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_oom_group_parent_events", KST_WHY_SWAPMAX0 },
	{ KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_oom_group_score_events", KST_WHY_SWAPMAX0 },
};

/*
 * Cases that fail on the stock kernel in this guest as well (every mode):
 * not a vswap difference.  Reported as SKIP only when they fail.
 */
static const struct kst_expect kst_stock_fails[] = {
	{ ~0u, "memcontrol_swap", -1, "test_memcg_reclaim",
	  "fails on stock swap in this guest too (not a vswap difference; README \"Kernel selftests under vswap\")" },
	{ ~0u, "memcontrol_swap", -1, "test_memcg_swap_max_peak",
	  "fails on stock swap in this guest too (not a vswap difference; README \"Kernel selftests under vswap\")" },
};

static int kst_n;		/* our TAP case number */
static int kst_fail, kst_xfail;

static const char *kst_lookup(const struct kst_expect *tab, size_t n,
			      enum kst_mode mode, const struct kst_run *r,
			      const char *tcase)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct kst_expect *e = &tab[i];

		if (!e->bin || !(e->modes & KST_M(mode)))
			continue;
		if (strcmp(e->bin, r->bin) || strcmp(e->tcase, tcase))
			continue;
		if (e->zswap >= 0 && e->zswap != r->zswap)
			continue;
		return e->why;
	}
	return NULL;
}

#define KST_LOOKUP(tab, mode, r, tcase) \
	kst_lookup(tab, sizeof(tab) / sizeof(tab[0]), mode, r, tcase)
#define kst_xfail_why(mode, r, tcase)	KST_LOOKUP(kst_expected, mode, r, tcase)

/* Strip "\n", a trailing " # ..." directive, and leading spaces. */
static void kst_case_name(const char *desc, char *out, size_t len)
{
	const char *hash;
	size_t n;

	while (*desc == ' ' || *desc == '-')
		desc++;
	if (*desc == '#') {	/* "ok 3 # SKIP why": no description */
		out[0] = '\0';
		return;
	}
	hash = strstr(desc, " #");
	n = hash ? (size_t)(hash - desc) : strcspn(desc, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, desc, n);
	out[n] = '\0';
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\n'))
		out[--n] = '\0';
}

static void kst_report(enum kst_mode mode, const struct kst_run *r,
		       const char *tag, bool ok, const char *directive,
		       const char *tcase)
{
	const char *why;

	kst_n++;
	if (directive) {	/* SKIP (or XFAIL) from the selftest itself */
		printf("ok %d %s: %s #%s\n", kst_n, tag, tcase, directive);
	} else if (ok) {
		why = kst_xfail_why(mode, r, tcase);
		if (why)
			printf("# XPASS: %s passed in mode %s although listed as an expected difference\n",
			       tcase, kst_mode_name[mode]);
		printf("ok %d %s: %s\n", kst_n, tag, tcase);
	} else if ((why = kst_xfail_why(mode, r, tcase))) {
		kst_xfail++;
		printf("ok %d %s: %s # SKIP XFAIL under vswap: %s\n", kst_n, tag, tcase, why);
	} else if ((why = KST_LOOKUP(kst_stock_fails, mode, r, tcase))) {
		printf("ok %d %s: %s # SKIP failed: %s\n", kst_n, tag, tcase, why);
	} else {
		kst_fail++;
		printf("not ok %d %s: %s\n", kst_n, tag, tcase);
	}
	fflush(stdout);
}

static int kst_setup(enum kst_mode mode)
{
	int ret;

	swap_off(KST_DEV);	/* leftovers of a crashed run */
	ret = vswap_ensure_unloaded();
	if (ret) {
		vt_log("vswap is loaded and cannot be unloaded: %s", strerror(-ret));
		return ret;
	}
	if (mode != KST_STOCK) {
		ret = vswap_load(NULL);
		if (ret) {
			vt_log("insmod vswap.ko: %s", strerror(-ret));
			return ret;
		}
	}
	if (mode != KST_VSWAP) {
		ret = swap_mkswap(KST_DEV);
		if (ret) {
			vt_log("mkswap %s failed (%d)", KST_DEV, ret);
			return -EIO;
		}
		ret = swap_on(KST_DEV, 0);
		if (ret) {
			vt_log("swapon %s: %s", KST_DEV, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Read every file of the guest's tmpfs/rootfs mounts.  A selftest that
 * pushes the whole machine into reclaim (test_zswap's test_no_kmem_bypass
 * allocates nearly all RAM) gets the initramfs' own files (rootfs is tmpfs)
 * swapped out; shmem frees a page's swap slot when it is read back.  Stock
 * swapoff does the same with try_to_unuse(); vswap instead refuses rmmod
 * while any slot is in use (README "Using vswap"), so fault them in first.
 */
static int kst_read_one(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	static char buf[65536];
	int fd;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return 0;
}

static void kst_fault_in_tmpfs(void)
{
	static const char *const dirs[] = { "/", "/tmp", "/run", "/dev/shm" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		nftw(dirs[i], kst_read_one, 16, FTW_PHYS | FTW_MOUNT);
}

static int kst_teardown(enum kst_mode mode)
{
	int ret = 0, i;

	if (mode != KST_VSWAP) {
		ret = swap_off(KST_DEV);
		if (ret)
			vt_log("swapoff %s: %s", KST_DEV, strerror(-ret));
	}
	if (mode != KST_STOCK) {
		/* Slots may still be freed lazily (swap cache): retry a while. */
		for (i = 0; i < 100 && vswap_loaded(); i++) {
			if (!vswap_unload())
				break;
			if (i % 10 == 0)
				kst_fault_in_tmpfs();
			usleep(100 * 1000);
		}
		if (vswap_loaded()) {
			static const char *const ctr[] = { "slots_used", "inmem", "zero",
							   "zswap", "phys" };
			unsigned long long v;
			size_t k;

			vt_log("rmmod vswap still refused after 10 s");
			for (k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++)
				if (!vswap_debugfs_read(ctr[k], &v))
					vt_log("  vswap %s = %llu", ctr[k], v);
			ret = -EBUSY;
		}
	}
	return ret;
}

/*
 * One line (without the newline) from @fd into @buf; 1, 0 at EOF, -1 when
 * @deadline passed.  Byte by byte: the selftests print little.
 */
static int kst_getline(int fd, char *buf, size_t len, time_t deadline)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - time(NULL);
		ssize_t ret;
		char c;

		if (left <= 0)
			return -1;
		ret = poll(&p, 1, left * 1000);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret == 0)
			continue;
		ret = read(fd, &c, 1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret > 0 && c == '\r')
			continue;
		if (ret <= 0) {
			buf[n] = '\0';
			return n ? 1 : 0;
		}
		if (c == '\n') {
			buf[n] = '\0';
			return 1;
		}
		if (n < len - 1)
			buf[n++] = c;
	}
}

/*
 * Run one selftest; its output goes out as comments, its cases as ours.
 */
static void kst_run_one(enum kst_mode mode, const struct kst_run *r)
{
	char tag[128], line[4096], tcase[512], path[256];
	int pfd[2], status = 0, seen = 0, plan = -1, zs_old;
	char run[512] = "";
	bool timed_out = false;
	struct termios tio;
	time_t deadline;
	pid_t pid;

	snprintf(tag, sizeof(tag), "%s[%s,zswap=%s]", r->bin, kst_mode_name[mode],
		 r->zswap ? "on" : "off");
	snprintf(path, sizeof(path), KST_DIR "/%s", r->bin);
	printf("# ==== %s: %s ====\n", tag, path);
	fflush(stdout);
	if (access(path, X_OK)) {
		kst_report(mode, r, tag, false, NULL, "selftest binary missing (tests/kselftests.mk, scripts/initramfs.sh)");
		return;
	}
	if (kst_setup(mode)) {
		kst_teardown(mode);
		kst_report(mode, r, tag, false, NULL, "swap setup failed");
		return;
	}
	zs_old = zswap_get_enabled();
	if (zswap_set_enabled(r->zswap))
		vt_log("cannot set zswap enabled=%d", r->zswap);

	/*
	 * A pty, not a pipe: the selftests fork with unflushed stdio buffers,
	 * which on a pipe (fully buffered) makes every child print the
	 * parent's earlier lines again; on a tty stdout is line buffered.
	 */
	pfd[0] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	pfd[1] = -1;
	if (pfd[0] >= 0 && !grantpt(pfd[0]) && !unlockpt(pfd[0]))
		pfd[1] = open(ptsname(pfd[0]), O_RDWR | O_NOCTTY);
	if (pfd[1] < 0) {
		kst_report(mode, r, tag, false, NULL, "no pty");
		return;
	}
	if (!tcgetattr(pfd[1], &tio)) {
		cfmakeraw(&tio);
		tcsetattr(pfd[1], TCSANOW, &tio);
	}
	vt_write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	mkdir(KST_CG, 0755);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		int fd;

		setsid();
		vt_write_file(KST_CG "/cgroup.procs", "0");
		if (r->skip)
			setenv("KST_SKIP", r->skip, 1);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[1]);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		if (chdir(KST_FS_DIR))
			chdir("/tmp");
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	deadline = time(NULL) + r->timeout;
	for (;;) {
		int got = kst_getline(pfd[0], line, sizeof(line), deadline);

		if (got < 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (!got)
			break;
		if (!strncmp(line, "ok ", 3) || !strncmp(line, "not ok ", 7)) {
			bool ok = line[0] == 'o';
			char *d = line + (ok ? 3 : 7);
			char *dir;

			while (isdigit((unsigned char)*d))
				d++;
			kst_case_name(d, tcase + 0, sizeof(tcase));
			if (run[0]) {	/* mm selftests: "[RUN] what" names the case */
				char tmp[512];

				snprintf(tmp, sizeof(tmp), "%s%s%s", run, tcase[0] ? ": " : "", tcase);
				snprintf(tcase, sizeof(tcase), "%s", tmp);
				run[0] = '\0';
			}
			dir = strstr(d, " # ");
			if (dir && strncasecmp(dir + 3, "SKIP", 4))
				dir = NULL;	/* a comment, not a directive */
			if (dir)
				dir += 2;
			printf("# %s\n", line);
			kst_report(mode, r, tag, ok, dir, tcase);
			seen++;
			continue;
		}
		if (sscanf(line, "1..%d", &plan) == 1) {
			printf("# %s\n", line);
			continue;
		}
		if (!strncmp(line, "# [RUN] ", 8))
			snprintf(run, sizeof(run), "%.500s", line + 8);
		printf("# %s\n", line);
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);

	if (timed_out) {
		snprintf(tcase, sizeof(tcase), "timed out after %d s (%d case(s) reported)",
			 r->timeout, seen);
		kst_report(mode, r, tag, false, NULL, tcase);
	} else if (WIFSIGNALED(status)) {
		snprintf(tcase, sizeof(tcase), "killed by signal %d", WTERMSIG(status));
		kst_report(mode, r, tag, false, NULL, tcase);
	} else if (plan >= 0 && seen < plan) {
		snprintf(tcase, sizeof(tcase), "%d of its %d planned case(s) not reported (rc=%d)",
			 plan - seen, plan, WEXITSTATUS(status));
		kst_report(mode, r, tag, false, NULL, tcase);
	} else if (!seen) {
		snprintf(tcase, sizeof(tcase), "no case reported (rc=%d)", WEXITSTATUS(status));
		kst_report(mode, r, tag, WEXITSTATUS(status) == 0, NULL, tcase);
	}
	printf("# %s: rc=%d\n", tag, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (r->skip) {
		char buf[512], *tok, *save;

		snprintf(buf, sizeof(buf), "%s", r->skip);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			kst_n++;
			printf("ok %d %s: %s # SKIP %s\n", kst_n, tag, tok, r->skip_why);
		}
	}

	vt_write_file(KST_CG "/memory.reclaim", "1G");	/* -EAGAIN: fine */
	if (rmdir(KST_CG))
		vt_log("rmdir " KST_CG ": %s", strerror(errno));
	if (zs_old >= 0)
		zswap_set_enabled(zs_old);
	if (kst_teardown(mode))
		kst_report(mode, r, tag, false, NULL, "restoring the swap setup failed");
}

static int kst_main(enum kst_mode mode, const struct kst_run *runs, size_t nr)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (geteuid()) {
		printf("1..0 # SKIP needs root\n");
		return 4;
	}
	if (mode != KST_STOCK && access(vswap_ko_path(), R_OK)) {
		printf("1..0 # SKIP no %s\n", vswap_ko_path());
		return 4;
	}
	mkdir(KST_FS_DIR, 0755);
	{
		char *mkfs[] = { "mke2fs", "-F", KST_FS_DEV, NULL };

		if (vt_run(mkfs) || mount(KST_FS_DEV, KST_FS_DIR, "ext2", 0, NULL))
			vt_log("no ext2 on %s: the selftests run in /tmp (tmpfs)", KST_FS_DEV);
	}
	for (i = 0; i < nr; i++)
		kst_run_one(mode, &runs[i]);
	umount(KST_FS_DIR);
	printf("1..%d\n", kst_n);
	printf("# %s: %d case(s), %d failed, %d expected difference(s) under vswap\n",
	       kst_mode_name[mode], kst_n, kst_fail, kst_xfail);
	return kst_fail ? 1 : 0;
}

#endif /* __KST_WRAP_H */
