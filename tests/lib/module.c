// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading vswap.ko; switching zswap on and off.
 */
#include "module.h"

const char *vswap_ko_path(void)
{
	const char *p = getenv("VSWAP_KO");

	return p && *p ? p : VSWAP_KO_DEFAULT;
}

int vswap_load(const char *params)
{
	int fd, ret;

	fd = open(vswap_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int vswap_unload(void)
{
	if (syscall(__NR_delete_module, VSWAP_MOD_NAME, O_NONBLOCK))
		return -errno;
	return 0;
}

bool vswap_loaded(void)
{
	return vt_exists(VSWAP_SYSFS_MOD);
}

int vswap_ensure_unloaded(void)
{
	int i, ret = 0;

	for (i = 0; i < 20 && vswap_loaded(); i++) {
		ret = vswap_unload();
		if (!ret || ret == -ENOENT)
			return 0;
		usleep(50 * 1000);
	}
	return vswap_loaded() ? ret : 0;
}

int zswap_get_enabled(void)
{
	char buf[8];
	ssize_t ret;

	ret = vt_read_file(ZSWAP_ENABLED, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1')
		return 1;
	return 0;
}

int zswap_set_enabled(bool on)
{
	int ret = vt_write_file(ZSWAP_ENABLED, on ? "Y" : "N");

	if (ret)
		return ret;
	return zswap_get_enabled() == on ? 0 : -EIO;
}

int vd_ensure_loaded(void)
{
	int ret;

	if (vswap_loaded())
		return 0;
	ret = vswap_load("");
	return ret == -EEXIST ? 0 : ret;
}
