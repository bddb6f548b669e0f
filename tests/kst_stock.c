// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's swap/zswap selftests (tests/kselftests.mk) on STOCK swap:
 * vswap not loaded, /dev/vda mkswap'd and swapon'd (stock zswap needs a
 * swap device).  The reference for tests/kst_vswap*.c; see tests/kst_wrap.h
 * and README "Kernel selftests under vswap".
 */
#include "kst_wrap.h"

static const struct kst_run runs[] = {
	{ "test_zswap",		true,	300 },
	{ "memcontrol_swap",	false,	300 },
	{ "memcontrol_swap",	true,	300 },
	{ "cow",		false,	300 },
};

int main(void)
{
	return kst_main(KST_STOCK, runs, sizeof(runs) / sizeof(runs[0]));
}
