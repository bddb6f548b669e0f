// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's swap/zswap selftests (tests/kselftests.mk) with vswap.ko
 * loaded and /dev/vda swapon'd as its physical backend, with zswap on and
 * off.  Compare with tests/kst_stock.c; see tests/lib/kst.h and
 * docs/testing.md "Kernel selftests under vswap".
 */
#include "kst.h"

static const struct kst_run runs[] = {
	{ .bin = "test_zswap", .zswap = true, .timeout = 300,
	  .skip = KST_NO_KMEM_BYPASS },
	{ .bin = "memcontrol_swap", .zswap = false, .timeout = 420, .thp_never = true },
	{ .bin = "memcontrol_swap", .zswap = true, .timeout = 420, .thp_never = true },
	{ .bin = "cow", .zswap = false, .timeout = 300 },
	/* Last: global reclaim swaps out the whole guest */
	KST_RUN_NO_KMEM_BYPASS,
};

int main(void)
{
	return kst_main(KST_VSWAP_PHYS, runs, ARRAY_SIZE(runs));
}
