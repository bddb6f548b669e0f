// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's zswap selftest (tools/testing/selftests/cgroup/test_zswap.c,
 * 6.12), built from the kernel tree unchanged: this file includes it and
 * replaces only main(), which is upstream's except for a retry of two
 * cases whose attempt lost a race with the disk (kst_run_case() below),
 * and three environment variables set by the tests/kst_*.c wrappers:
 *
 *   KST_SKIP=a,b    these cases are not run (a later run of the wrapper
 *                   runs them, e.g. test_no_kmem_bypass as the last one);
 *   KST_ONLY=a,b    only these cases are run;
 *   KST_REPEAT=N    each case runs N times in a row, reported as
 *                   "<case> [i/N]".
 *
 * Upstream's cg_write_numeric() calls go through kst_cg_write_numeric(),
 * which records what memory.reclaim did; nothing else is changed.
 *
 * Built by tests/kselftests.mk.
 */
#include <sys/mman.h>

#define main zswap_upstream_main
#define cg_write_numeric kst_cg_write_numeric
#include "test_zswap.c"
#undef cg_write_numeric
#undef main

int cg_write_numeric(const char *cgroup, const char *control, long value);

/* @name is an item of the comma separated list in $@var */
static bool kst_listed(const char *var, const char *name)
{
	const char *s = getenv(var);
	size_t n = strlen(name);

	while (s && *s) {
		if (!strncmp(s, name, n) && (s[n] == ',' || !s[n]))
			return true;
		s = strchr(s, ',');
		if (s)
			s++;
	}
	return false;
}

/* A counter of /proc/vmstat, or -1 */
static long kst_vmstat(const char *name)
{
	char line[128], key[64];
	long v = -1, x;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &x) == 2 && !strcmp(key, name)) {
			v = x;
			break;
		}
	fclose(f);
	return v;
}

/*
 * What the memory.reclaim writes of a case's attempt saw.  Shared memory:
 * the cases write memory.reclaim from children that cg_run() forks.
 */
struct kst_reclaim {
	long eagain;	/* writes that failed with -EAGAIN */
	long disk;	/* pages written to disk (pswpout) during those */
	long inflight;	/* nr_writeback right after the last of those */
};

static struct kst_reclaim *kst_reclaim;

int kst_cg_write_numeric(const char *cgroup, const char *control, long value)
{
	bool reclaim = kst_reclaim && !strcmp(control, "memory.reclaim");
	long pswpout = reclaim ? kst_vmstat("pswpout") : 0;
	int ret = cg_write_numeric(cgroup, control, value);

	if (reclaim && ret == -EAGAIN) {
		kst_reclaim->eagain++;
		kst_reclaim->disk += kst_vmstat("pswpout") - pswpout;
		kst_reclaim->inflight = kst_vmstat("nr_writeback");
	}
	return ret;
}

/*
 * Two cases can lose a race with /dev/vda before they check anything:
 * memcg reclaim does not wait for anon writeback (cgroup v2 only throttles
 * on dirty page cache), and under TCG the disk can take longer to complete
 * a batch of writes than reclaim takes to run out of its retries.
 *
 * - test_swapin_nozswap: its 8 MiB cgroup sends all of its pages to
 *   /dev/vda in one go, and the charge runs out of reclaim retries: an OOM
 *   kill.  Seen on stock once in eleven plain-kernel runs, the OOM report
 *   showing the whole 8 MiB as swap cache.  Upstream shrank the case's
 *   sizes for the same OOM ("selftests/cgroup: avoid OOM in
 *   test_swapin_nozswap", 2026).
 *
 * - test_zswap_writeback_enabled: attempt_writeback()'s second
 *   memory.reclaim asks for 4 MiB of a cgroup holding little more than
 *   that; about half goes to zswap and half, rejected while the zswap
 *   shrinker rotates its LRU, to /dev/vda in a few ~100-page requests.
 *   Those pages count as reclaimed only once their write completes; when
 *   it has not within reclaim's retries, the write returns -EAGAIN and
 *   the case fails silently.  Seen in loops of the case on stock (2 of
 *   220 attempts) and on vswap with a disk (10 of 420), the same way:
 *   pswpout +520 during the reclaim, up to 504 pages in flight after it.
 *
 * Such a failure gets another attempt, up to KST_TRIES in all, each
 * logged: for the first, only if an OOM kill happened during it; for the
 * second, only if a memory.reclaim of it failed with -EAGAIN after pages
 * went to disk during it.  Any other failure (the cases' own checks of
 * memory.swap.peak, zswpout, zswpwb) counts at once.
 */
#define KST_TRIES	3

static int kst_run_case(int i, const char *root)
{
	const char *name = tests[i].name;
	bool oom_retry = !strcmp(name, "test_swapin_nozswap");
	bool reclaim_retry = !strcmp(name, "test_zswap_writeback_enabled");
	int res, try;

	for (try = 1; ; try++) {
		long oom = kst_vmstat("oom_kill");
		bool again;

		if (kst_reclaim)
			memset(kst_reclaim, 0, sizeof(*kst_reclaim));
		res = tests[i].fn(root);
		if (res == KSFT_PASS || res == KSFT_SKIP)
			return res;
		if (oom_retry) {
			oom = kst_vmstat("oom_kill") - oom;
			again = oom > 0;
			printf("# kst: %s failed, attempt %d of %d, %ld OOM kill(s) during it\n",
			       name, try, KST_TRIES, oom);
		} else if (reclaim_retry && kst_reclaim) {
			again = kst_reclaim->eagain && kst_reclaim->disk > 0;
			printf("# kst: %s failed, attempt %d of %d, ",
			       name, try, KST_TRIES);
			printf("memory.reclaim -EAGAIN %ld time(s), ",
			       kst_reclaim->eagain);
			printf("%ld pages to disk meanwhile, %ld in flight after\n",
			       kst_reclaim->disk, kst_reclaim->inflight);
		} else {
			return res;
		}
		if (!again || try == KST_TRIES)
			return res;
	}
}

int main(int argc, char **argv)
{
	const char *rep = getenv("KST_REPEAT");
	int repeat = rep ? atoi(rep) : 1;
	char root[PATH_MAX], name[128];
	int i, r, ret = EXIT_SUCCESS;

	if (repeat < 1)
		repeat = 1;
	kst_reclaim = mmap(NULL, sizeof(*kst_reclaim), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kst_reclaim == MAP_FAILED)
		kst_reclaim = NULL;
	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (!zswap_configured())
		ksft_exit_skip("zswap isn't configured\n");
	if (cg_read_strstr(root, "cgroup.controllers", "memory"))
		ksft_exit_skip("memory controller isn't available\n");
	if (cg_read_strstr(root, "cgroup.subtree_control", "memory"))
		if (cg_write(root, "cgroup.subtree_control", "+memory"))
			ksft_exit_skip("Failed to set memory controller\n");

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (kst_listed("KST_SKIP", tests[i].name))
			continue;
		if (getenv("KST_ONLY") && !kst_listed("KST_ONLY", tests[i].name))
			continue;
		for (r = 1; r <= repeat; r++) {
			if (repeat > 1)
				snprintf(name, sizeof(name), "%s [%d/%d]",
					 tests[i].name, r, repeat);
			else
				snprintf(name, sizeof(name), "%s", tests[i].name);
			switch (kst_run_case(i, root)) {
			case KSFT_PASS:
				ksft_test_result_pass("%s\n", name);
				break;
			case KSFT_SKIP:
				ksft_test_result_skip("%s\n", name);
				break;
			default:
				ret = EXIT_FAILURE;
				ksft_test_result_fail("%s\n", name);
				break;
			}
		}
	}
	return ret;
}
