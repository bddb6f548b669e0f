// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's zswap selftest (tools/testing/selftests/cgroup/test_zswap.c,
 * 6.12), built from the kernel tree unchanged: this file includes it and
 * replaces only main(), which is upstream's except for a retry of one case
 * after an OOM kill (kst_run_case() below) and three environment variables
 * set by the tests/kst_*.c wrappers:
 *
 *   KST_SKIP=a,b    these cases are not run (a later run of the wrapper
 *                   runs them, e.g. test_no_kmem_bypass as the last one);
 *   KST_ONLY=a,b    only these cases are run;
 *   KST_REPEAT=N    each case runs N times in a row, reported as
 *                   "<case> [i/N]".
 *
 * Built by tests/kselftests.mk.
 */
#define main zswap_upstream_main
#include "test_zswap.c"
#undef main

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

/*
 * test_swapin_nozswap can be OOM-killed before it checks anything.  Its
 * 8 MiB cgroup sends all of its pages to /dev/vda in one go, memcg reclaim
 * does not wait for anon writeback (cgroup v2 only throttles on dirty page
 * cache), and when the disk is slow to complete (TCG) the charge runs out
 * of reclaim retries first.  Seen on stock (vswap not loaded): once in
 * eleven plain-kernel runs, the OOM report showing the whole 8 MiB as swap
 * cache.  Upstream shrank the case's sizes for the same OOM
 * ("selftests/cgroup: avoid OOM in test_swapin_nozswap", 2026).
 *
 * Such a failure, with an OOM kill during the case, gets another attempt,
 * up to KST_OOM_TRIES in all, each logged; a failure without an OOM kill
 * (its memory.swap.peak or zswpout checks) counts at once.
 */
#define KST_OOM_TRIES	3

static long kst_oom_kills(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int kst_run_case(int i, const char *root)
{
	bool oom_retry = !strcmp(tests[i].name, "test_swapin_nozswap");
	int res, try;

	for (try = 1; ; try++) {
		long oom = kst_oom_kills();

		res = tests[i].fn(root);
		if (res == KSFT_PASS || res == KSFT_SKIP || !oom_retry)
			return res;
		oom = kst_oom_kills() - oom;
		printf("# kst: %s failed, attempt %d of %d, %ld OOM kill(s) during it\n",
		       tests[i].name, try, KST_OOM_TRIES, oom);
		if (oom <= 0 || try == KST_OOM_TRIES)
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
				snprintf(name, sizeof(name), "%s [%d/%d]", tests[i].name, r, repeat);
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
