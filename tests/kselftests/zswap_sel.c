// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's zswap selftest (tools/testing/selftests/cgroup/test_zswap.c,
 * 6.12), built from the kernel tree unchanged: this file includes it and
 * replaces only main(), which is upstream's except that the cases named in
 * $KST_SKIP (comma separated) are not run; the tests/kst_*.c wrappers
 * report those as skipped, with their reason.  Built by tests/kselftests.mk.
 */
#define main zswap_upstream_main
#include "test_zswap.c"
#undef main

static bool kst_skipped(const char *name)
{
	const char *s = getenv("KST_SKIP");
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
	char root[PATH_MAX];
	int i, ret = EXIT_SUCCESS;

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
		if (kst_skipped(tests[i].name))
			continue;
		switch (tests[i].fn(root)) {
		case KSFT_PASS:
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ret = EXIT_FAILURE;
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}
	return ret;
}
