// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's zswap selftest (tools/testing/selftests/cgroup/test_zswap.c,
 * 6.12), built from the kernel tree unchanged: this file includes it and
 * replaces only main(), which is upstream's except for three environment
 * variables set by the tests/kst_*.c wrappers:
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
			switch (tests[i].fn(root)) {
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
