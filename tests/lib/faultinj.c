// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's fault injection attributes in debugfs.
 */
#include "faultinj.h"

int fi_set(const char *dir, const char *attr, const char *val)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	ret = vt_write_file(path, val);
	if (ret)
		vt_log("%s <- %s: %s", path, val, strerror(-ret));
	return ret;
}

long long fi_get(const char *dir, const char *attr)
{
	unsigned long long v = 0;
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return vt_read_u64(path, &v) ? -1 : (long long)v;
}

bool fi_available(void)
{
	return vt_exists(FI_FAILSLAB "/require-start") &&
	       vt_exists(FI_FAILSLAB "/task-filter") &&
	       vt_exists(FI_FAILPAGE "/require-start") &&
	       vt_exists(FI_FAILPAGE "/task-filter") &&
	       vt_exists("/proc/self/make-it-fail");
}
