// SPDX-License-Identifier: GPL-2.0
/*
 * tests/smoke.c - pipeline smoke test: proves the VM, the initramfs and the
 * kselftest harness plumbing work.  Does not need vswap.ko.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"

TEST(proc_swaps_readable)
{
	char line[256];
	FILE *f = fopen("/proc/swaps", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_EQ(0, strncmp(line, "Filename", 8));
	fclose(f);
}

TEST(meminfo_has_swaptotal)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "SwapTotal:", 10))
			found = 1;
	fclose(f);
	EXPECT_EQ(1, found);
}

TEST_HARNESS_MAIN
