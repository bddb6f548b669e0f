// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's swap/zswap selftests (tests/kselftests.mk) on STOCK swap:
 * vswap not loaded, /dev/vda mkswap'd and swapon'd (stock zswap needs a
 * swap device).  The reference for tests/kst_vswap*.c; see tests/lib/kst.h
 * and docs/testing.md "Kernel selftests under vswap".
 */
#include "kst.h"

static const struct kst_run runs[] = {
	{ .bin = "test_zswap", .zswap = true, .timeout = 300,
	  .skip = KST_NO_KMEM_BYPASS },
	{ .bin = "memcontrol_swap", .zswap = false, .timeout = 420, .thp_never = true },
	{ .bin = "memcontrol_swap", .zswap = true, .timeout = 420, .thp_never = true },
	{ .bin = "cow", .zswap = false, .timeout = 300 },
	KST_RUN_NO_KMEM_BYPASS,		/* last: it swaps out the whole guest */
};

int main(void)
{
	return kst_main(KST_STOCK, runs, ARRAY_SIZE(runs));
}
