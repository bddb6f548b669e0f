// SPDX-License-Identifier: GPL-2.0
/*
 * The wrapper around the kernel's own selftests: see kst.h.
 */
#include "kst.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include <time.h>
#include <poll.h>
#include <termios.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#define KST_DIR		"/kselftests"
/*
 * cwd of the selftests: an ext2 file system, not tmpfs (their page cache
 * must be reclaimable without swap, as on a real system)
 */
#define KST_FS_DIR	"/mnt/kst"
#define KST_EXT2_MAGIC	0xEF53
#define KST_THP		"/sys/kernel/mm/transparent_hugepage/enabled"
#define KST_MIN_FREE	"/proc/sys/vm/min_free_kbytes"
/*
 * Each selftest runs in this cgroup.  When it has exited, the wrapper
 * reclaims what is still charged there: swap cache folios whose owners
 * are gone keep their swap slots (stock 6.12 too: after mm/cow.c ~8 MiB
 * stay in SwapCached and "Used" in /proc/swaps); swapoff drops them.
 */
#define KST_CG		CG_ROOT "/kst_run"

static const char *const kst_mode_name[] = { "stock", "vswap", "vswap+phys" };

struct kst_expect {
	unsigned int modes;	/* 1 << enum kst_mode */
	const char *bin;
	int zswap;		/* -1: either */
	const char *tcase;	/* the selftest's case name */
	const char *why;
	bool debug_only;	/* only on the debug kernel (KST_DEBUG_KERNEL) */
};

/* The debug flavor has lockdep (scripts/config/debug.config), the plain one not. */
#define KST_DEBUG_KERNEL	"/proc/lockdep"

#define KST_M(m)	(1u << (m))
#define KST_ANY_VSWAP	(KST_M(KST_VSWAP) | KST_M(KST_VSWAP_PHYS))

/*
 * Where a kernel selftest's expectation legitimately changes under vswap.
 * Keep in sync with docs/testing.md "Kernel selftests under vswap".
 */
#define KST_NODISK \
	": needs a physical swap device, and this mode has none (stock zswap cannot run without one at all)"

static const struct kst_expect kst_expected[] = {
	{ KST_M(KST_VSWAP), "test_zswap", -1, "test_swapin_nozswap",
	  "memory.zswap.max=0 leaves only disk, and memory.swap.peak counts only disk-backed pages"
	  KST_NODISK },
	{ KST_M(KST_VSWAP), "test_zswap", -1, "test_zswap_writeback_enabled",
	  "zswap writeback writes to a physical slot" KST_NODISK },
	{ KST_M(KST_VSWAP), "test_zswap", -1, "test_no_invasive_cgroup_shrink",
	  "it expects zswap writeback (memory.stat zswpwb > 0) of the limited cgroup"
	  KST_NODISK },
	/*
	 * Open: not a vswap difference (stock fails the same way), seen only
	 * on the debug kernel, with zswap on and (in one run) off; it passes
	 * on the plain kernel, where it is not listed.
	 */
	{ KST_M(KST_STOCK) | KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_reclaim",
	  "open: on the debug kernel it fails on stock as well as under vswap, with zswap on and in one run with zswap off (3 of 3 attempts on stock each time): memory.reclaim reports success while memory.current drops by 39-45 of the 56-59 MiB asked; it passes on the plain kernel",
	  .debug_only = true },
	{ KST_ANY_VSWAP, "memcontrol_swap", -1, "test_memcg_swap_max_peak",
	  "memory.swap.current/peak/max count only disk-backed slots (README \"cgroup v2 accounting\"): its zero-filled pages take uncharged zero slots, so memory.swap.max=30M never stops them and memory.swap.peak stays 0"
	},
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
		if (e->debug_only && access(KST_DEBUG_KERNEL, F_OK))
			continue;
		return e->why;
	}
	return NULL;
}

#define kst_xfail_why(mode, r, tcase) \
	kst_lookup(kst_expected, ARRAY_SIZE(kst_expected), mode, r, tcase)

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
	why = directive ? NULL : kst_xfail_why(mode, r, tcase);
	if (directive) {	/* SKIP (or XFAIL) from the selftest itself */
		printf("ok %d %s: %s #%s\n", kst_n, tag, tcase, directive);
	} else if (ok) {
		if (why)
			printf("# XPASS: %s passed in mode %s %s\n", tcase,
			       kst_mode_name[mode],
			       "although listed as an expected difference");
		printf("ok %d %s: %s\n", kst_n, tag, tcase);
	} else if (why) {
		kst_xfail++;
		printf("ok %d %s: %s # SKIP XFAIL (%s): %s\n", kst_n, tag, tcase,
		       kst_mode_name[mode], why);
	} else {
		kst_fail++;
		printf("not ok %d %s: %s\n", kst_n, tag, tcase);
	}
	fflush(stdout);
}

static void kst_vswap_counters(void)
{
	static const char *const ctr[] = { "slots_used", "inmem", "zero",
					   "zswap", "phys" };
	unsigned long long v;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(ctr); k++)
		if (!vswap_debugfs_read(ctr[k], &v))
			vt_log("  vswap %s = %llu", ctr[k], v);
}

/*
 * swapoff /dev/vswap brings every virtual slot back into memory, those
 * global reclaim gave the guest's own processes and the initramfs too
 * (test_no_kmem_bypass), then vswap unloads (README "Using vswap").
 */
static int kst_unload_vswap(void)
{
	int ret = 0;

	if (!vswap_loaded())
		return 0;
	/* EINVAL: it is off already */
	if (swapoff(VSWAP_DEV) && errno != EINVAL)
		ret = -errno;
	if (!ret)
		ret = vswap_ensure_unloaded();
	if (ret) {
		vt_log("swapoff %s + rmmod vswap: %s", VSWAP_DEV, strerror(-ret));
		kst_vswap_counters();
	}
	return ret;
}

static int kst_setup(enum kst_mode mode)
{
	int ret;

	swap_off(VT_PHYS_DEV);	/* leftovers of a crashed run */
	ret = kst_unload_vswap();
	if (ret)
		return ret;
	if (mode != KST_STOCK && !vswap_loaded()) {
		ret = vswap_load(NULL);
		if (ret) {
			vt_log("insmod vswap.ko: %s", strerror(-ret));
			return ret;
		}
	}
	if (mode != KST_VSWAP) {
		ret = swap_mkswap(VT_PHYS_DEV);
		if (ret) {
			vt_log("mkswap %s failed (%d)", VT_PHYS_DEV, ret);
			return -EIO;
		}
		ret = swap_on(VT_PHYS_DEV, 0);
		if (ret) {
			vt_log("swapon %s: %s", VT_PHYS_DEV, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int kst_teardown(enum kst_mode mode)
{
	int ret = 0, err;

	if (mode != KST_VSWAP) {
		ret = swap_off(VT_PHYS_DEV);
		if (ret)
			vt_log("swapoff %s: %s", VT_PHYS_DEV, strerror(-ret));
	}
	err = kst_unload_vswap();
	return ret ? ret : err;
}

/* THP mode ("always", "madvise", "never") into @mode; -1 if unavailable. */
static int kst_thp_get(char *mode, size_t len)
{
	char buf[128], *b, *e;

	if (vt_read_file(KST_THP, buf, sizeof(buf)) <= 0)
		return -1;
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	if (!e || (size_t)(e - b - 1) >= len)
		return -1;
	memcpy(mode, b + 1, e - b - 1);
	mode[e - b - 1] = '\0';
	return 0;
}

static long long kst_read_ll(const char *path)
{
	char buf[64];

	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return atoll(buf);
}

/*
 * A quiet machine for each selftest: no dirty data, no clean cache to
 * reclaim first, free memory in large blocks.  test_memcg_reclaim (and
 * test_memcg_min/low) give their children 5-7 s to fill 50-150 MiB, which
 * is not much under TCG.
 */
static void kst_settle(void)
{
	sync();
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	vt_write_file("/proc/sys/vm/compact_memory", "1");
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
static bool kst_fs_ok;		/* KST_FS_DIR is the ext2 file system */

static void kst_run_one(enum kst_mode mode, const struct kst_run *r)
{
	char tag[128], line[4096], tcase[512], path[256], thp_old[16] = "";
	int pfd[2], status = 0, seen = 0, plan = -1, zs_old;
	long long min_free_old, v;
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
		kst_report(mode, r, tag, false, NULL,
			   "selftest binary missing (tests/kselftests.mk, scripts/initramfs.sh)");
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
	/* A selftest killed half-way would leave its settings behind. */
	min_free_old = kst_read_ll(KST_MIN_FREE);
	if (r->thp_never && !kst_thp_get(thp_old, sizeof(thp_old)) &&
	    strcmp(thp_old, "never") && vt_write_file(KST_THP, "never"))
		vt_log("cannot set THP to never (%s)", thp_old);
	kst_settle();

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
		if (pfd[0] >= 0)
			close(pfd[0]);
		goto restore;
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
		if (r->only)
			setenv("KST_ONLY", r->only, 1);
		if (r->repeat > 1) {
			char n[16];

			snprintf(n, sizeof(n), "%d", r->repeat);
			setenv("KST_REPEAT", n, 1);
		}
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[1]);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		if (!kst_fs_ok || chdir(KST_FS_DIR))
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

				snprintf(tmp, sizeof(tmp), "%s%s%s", run,
					 tcase[0] ? ": " : "", tcase);
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

	vt_write_file(KST_CG "/memory.reclaim", "1G");	/* -EAGAIN: fine */
	if (rmdir(KST_CG))
		vt_log("rmdir " KST_CG ": %s", strerror(errno));
restore:
	v = kst_read_ll(KST_MIN_FREE);
	if (min_free_old > 0 && v != min_free_old) {
		char buf[32];

		vt_log("note: %s left min_free_kbytes at %lld: restoring %lld",
		       r->bin, v, min_free_old);
		snprintf(buf, sizeof(buf), "%lld", min_free_old);
		vt_write_file(KST_MIN_FREE, buf);
	}
	if (thp_old[0] && strcmp(thp_old, "never"))
		vt_write_file(KST_THP, thp_old);
	if (zs_old >= 0)
		zswap_set_enabled(zs_old);
	if (kst_teardown(mode))
		kst_report(mode, r, tag, false, NULL, "restoring the swap setup failed");
}

int kst_main(enum kst_mode mode, const struct kst_run *runs, size_t nr)
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
	umount2(KST_FS_DIR, MNT_DETACH);	/* left mounted by a killed run */
	{
		/* 4 KiB blocks: one block lookup per page cache page */
		static char *const mkfs[] = {
			"mke2fs", "-F", "-b", "4096", VT_PHYS_DEV2, NULL
		};
		static const struct kst_run fs_run = { .bin = "kst" };
		char tag[64];
		struct statfs sfs;

		kst_fs_ok = !vt_run(mkfs) &&
			    !mount(VT_PHYS_DEV2, KST_FS_DIR, "ext2", 0, NULL) &&
			    !statfs(KST_FS_DIR, &sfs) && sfs.f_type == KST_EXT2_MAGIC;
		if (!kst_fs_ok) {
			/* tmpfs allocates no page cache for a read of a hole */
			vt_log("no ext2 on %s: %s", VT_PHYS_DEV2,
			       "the selftests run in /tmp (tmpfs), where their page cache cases cannot pass");
			snprintf(tag, sizeof(tag), "kst[%s]", kst_mode_name[mode]);
			kst_report(mode, &fs_run, tag, false, NULL,
				   "ext2 working directory on " VT_PHYS_DEV2);
		}
	}
	for (i = 0; i < nr; i++)
		kst_run_one(mode, &runs[i]);
	if (umount(KST_FS_DIR))
		umount2(KST_FS_DIR, MNT_DETACH);
	printf("1..%d\n", kst_n);
	printf("# %s: %d case(s), %d failed, %d expected difference(s) under vswap\n",
	       kst_mode_name[mode], kst_n, kst_fail, kst_xfail);
	return kst_fail ? 1 : 0;
}
