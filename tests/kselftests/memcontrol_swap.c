// SPDX-License-Identifier: GPL-2.0
/*
 * The swap-dependent cases of the kernel's cgroup memory controller selftest
 * (tools/testing/selftests/cgroup/test_memcontrol.c, 6.12), built from the
 * kernel tree unchanged: this file includes it and replaces only main(), to
 * run the cases named below instead of all 14 (the others do not involve
 * swap, and test_memcg_min/low are slow and noisy under TCG).
 * Built by tests/kselftests.mk; run by the tests/kst_*.c wrappers.
 *
 * Each case behaves as upstream; the choice:
 *   test_memcg_swap_max_peak     memory.swap.max / swap.current / swap.peak
 *   test_memcg_oom_events        swap.max=0: OOM must happen (anon can't swap)
 *   test_memcg_oom_group_*       same, with memory.oom.group
 *   test_memcg_max               memory.max with swap: anon goes to swap
 *   test_memcg_reclaim           memory.reclaim reclaims anon when swap is on
 */
#define main memcontrol_upstream_main
#include "test_memcontrol.c"
#undef main

static const char *const selected[] = {
	"test_memcg_max",
	"test_memcg_reclaim",
	"test_memcg_oom_events",
	"test_memcg_swap_max_peak",
	"test_memcg_oom_group_leaf_events",
	"test_memcg_oom_group_parent_events",
	"test_memcg_oom_group_score_events",
};

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	int i, j, n, proc_status, ret = EXIT_SUCCESS;

	ksft_print_header();
	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (cg_read_strstr(root, "cgroup.controllers", "memory"))
		ksft_exit_skip("memory controller isn't available\n");
	if (cg_read_strstr(root, "cgroup.subtree_control", "memory"))
		if (cg_write(root, "cgroup.subtree_control", "+memory"))
			ksft_exit_skip("Failed to set memory controller\n");
	proc_status = proc_mount_contains("memory_recursiveprot");
	if (proc_status < 0)
		ksft_exit_skip("Failed to query cgroup mount option\n");
	has_recursiveprot = proc_status;
	proc_status = proc_mount_contains("memory_localevents");
	if (proc_status < 0)
		ksft_exit_skip("Failed to query cgroup mount option\n");
	has_localevents = proc_status;

	n = 0;
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		for (j = 0; j < ARRAY_SIZE(selected); j++)
			if (!strcmp(tests[i].name, selected[j]))
				n++;
	ksft_set_plan(n);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		for (j = 0; j < ARRAY_SIZE(selected); j++)
			if (!strcmp(tests[i].name, selected[j]))
				break;
		if (j == ARRAY_SIZE(selected))
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
