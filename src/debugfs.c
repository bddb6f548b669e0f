// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the files of stats.c in /sys/kernel/debug/vswap/, one read-only
 * decimal file each.  Writes fail with EACCES.  sysfs.c shows the same
 * files in /sys/module/vswap/stats/.
 */
#include <linux/debugfs.h>

#include "vswap.h"

static struct dentry *vswap_debugfs_root;

static int vswap_file_get(void *data, u64 *val)
{
	*val = vswap_file_value((unsigned long)data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vswap_file_fops, vswap_file_get, NULL, "%llu\n");

void vswap_debugfs_init(void)
{
	unsigned long i;

	vswap_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (i = 0; i < ARRAY_SIZE(vswap_file_names); i++)
		debugfs_create_file_unsafe(vswap_file_names[i], 0444,
					   vswap_debugfs_root, (void *)i,
					   &vswap_file_fops);
}

void vswap_debugfs_exit(void)
{
	debugfs_remove_recursive(vswap_debugfs_root);
}
