// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's swap/zswap selftests (tests/kselftests.mk) with vswap.ko
 * loaded and NO physical swap device: zswap (enabled) is the only place a
 * page can go.  Compare with tests/kst_stock.c (zswap=on runs); see
 * tests/lib/kst.h and docs/testing.md "Kernel selftests under vswap".
 */
#include "kst.h"

static const struct kst_run runs[] = {
	{ .bin = "test_zswap", .zswap = true, .timeout = 300,
	  .skip = KST_NO_KMEM_BYPASS },
	{ .bin = "memcontrol_swap", .zswap = true, .timeout = 420, .thp_never = true },
	{ .bin = "cow", .zswap = true, .timeout = 300 },
	/* Last: global reclaim swaps out the whole guest */
	KST_RUN_NO_KMEM_BYPASS,
};

int main(void)
{
	return kst_main(KST_VSWAP, runs, ARRAY_SIZE(runs));
}
