// SPDX-License-Identifier: GPL-2.0
/*
 * Swap devices: /proc/swaps (parsed here only), mkswap/swapon/swapoff,
 * the physical disk the tests overwrite (VT_PHYS_DEV) and its use as
 * a vswap backend.
 */
#include "swapdev.h"

/*
 * The one parser of /proc/swaps.  Each line after the header is
 * "Filename Type Size Used Priority"; Filename has no blanks (the kernel
 * escapes them), so sscanf() splits it.
 */
int proc_swaps_for_each(int (*fn)(const struct swaps_line *l, void *arg),
			void *arg)
{
	struct swaps_line l = { 0 };
	char line[PATH_MAX + 128];
	int n = 0;
	FILE *f;

	f = fopen("/proc/swaps", "re");
	if (!f)
		return -errno;
	/* skip the header */
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s %31s %llu %llu %d", l.name, l.type,
			   &l.size_kb, &l.used_kb, &l.prio) != 5)
			continue;
		n++;
		if (fn(&l, arg))
			break;
	}
	fclose(f);
	return n;
}

struct swaps_match {
	const char *what;
	struct swaps_line *out;
	int found;
};

static int swaps_match_one(const struct swaps_line *l, void *arg)
{
	struct swaps_match *m = arg;

	if (strcmp(l->name, m->what) && strcmp(l->type, m->what))
		return 0;
	if (!m->found++ && m->out)
		*m->out = *l;
	return 0;
}

int proc_swaps_lookup(const char *what, struct swaps_line *out)
{
	struct swaps_match m = { .what = what, .out = out };
	int ret;

	ret = proc_swaps_for_each(swaps_match_one, &m);
	return ret < 0 ? ret : m.found;
}

int proc_swaps_find(const char *what, unsigned long long *size_kb,
		    unsigned long long *used_kb, int *prio)
{
	struct swaps_line l = { 0 };
	int n;

	n = proc_swaps_lookup(what, &l);
	if (n > 0) {
		if (size_kb)
			*size_kb = l.size_kb;
		if (used_kb)
			*used_kb = l.used_kb;
		if (prio)
			*prio = l.prio;
	}
	return n;
}

int swap_mkswap(const char *dev)
{
	char *argv[3];

	argv[0] = "mkswap";
	argv[1] = (char *)dev;
	argv[2] = NULL;

	return vt_run(argv);
}

int swap_on(const char *dev, int flags)
{
	return swapon(dev, flags) ? -errno : 0;
}

int swap_off(const char *dev)
{
	return swapoff(dev) ? -errno : 0;
}

long long blkdev_bytes(const char *dev)
{
	unsigned long long bytes;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* BLKGETSIZE64 = _IOR(0x12, 114, size_t) */
	if (ioctl(fd, _IOR(0x12, 114, size_t), &bytes)) {
		close(fd);
		return -errno;
	}
	close(fd);
	return bytes;
}

int blkdev_io_read(const char *dev, struct blkdev_io *io)
{
	const char *base = strrchr(dev, '/');
	char path[128], buf[256];

	snprintf(path, sizeof(path), "/sys/block/%s/stat", base ? base + 1 : dev);
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	/* reads, merges, sectors, ticks, the same for writes, in flight */
	if (sscanf(buf, "%lld %*d %*d %*d %lld %*d %*d %*d %*d %lld",
		   &io->reads, &io->writes, &io->busy_ms) != 3)
		return -EINVAL;
	return 0;
}

int blkdev_io_since(const char *dev, const struct blkdev_io *start,
		    struct blkdev_io *io)
{
	int ret = blkdev_io_read(dev, io);

	if (ret)
		return ret;
	io->reads -= start->reads;
	io->writes -= start->writes;
	io->busy_ms -= start->busy_ms;
	return 0;
}

static int count_other_one(const struct swaps_line *l, void *arg)
{
	if (strcmp(l->type, "vswap"))
		(*(int *)arg)++;
	return 0;
}

int vd_count_other_swaps(void)
{
	int n = 0, ret;

	ret = proc_swaps_for_each(count_other_one, &n);
	return ret < 0 ? ret : n;
}

static int swapoff_other_one(const struct swaps_line *l, void *arg)
{
	if (strcmp(l->type, "vswap") && swapoff(l->name))
		vt_log("swapoff %s: %s", l->name, strerror(errno));
	return 0;
}

void vd_swapoff_others(void)
{
	proc_swaps_for_each(swapoff_other_one, NULL);
}

long long vd_swap_used_kb(const char *dev)
{
	unsigned long long used = 0;

	if (proc_swaps_find(dev, NULL, &used, NULL) != 1)
		return -1;
	return used;
}

long long vd_wait_swap_used(const char *dev, long long kb)
{
	long long used = -1;
	int i;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		used = vd_swap_used_kb(dev);
		if (used == kb)
			break;
		usleep(50 * 1000);
	}
	return used;
}

int vd_phys_on(const char *dev, int prio)
{
	int flags = 0, ret;

	if (proc_swaps_find(dev, NULL, NULL, NULL) > 0)
		swap_off(dev);
	ret = swap_mkswap(dev);
	if (ret)
		return ret > 0 ? -EIO : ret;
	if (prio >= 0)
		flags = SWAP_FLAG_PREFER |
			((prio & SWAP_FLAG_PRIO_MASK) << SWAP_FLAG_PRIO_SHIFT);
	return swap_on(dev, flags);
}

/* /sys/block/<disk>/queue/rotational of the block device @dev (/dev/<disk>) */
static void vd_rot_path(const char *dev, char *buf, size_t len)
{
	const char *base = strrchr(dev, '/');

	snprintf(buf, len, "/sys/block/%s/queue/rotational", base ? base + 1 : dev);
}

int vd_phys_on_ssd(const char *dev, int prio, int *rot_saved)
{
	char path[128], buf[16];
	int ret;

	vd_rot_path(dev, path, sizeof(path));
	if (*rot_saved < 0 && vt_read_file(path, buf, sizeof(buf)) > 0)
		*rot_saved = atoi(buf);
	ret = vt_write_file(path, "0");
	if (ret)
		return ret;
	return vd_phys_on(dev, prio);
}

int vd_rot_restore(const char *dev, int *rot_saved)
{
	char path[128], buf[16];

	if (*rot_saved < 0)
		return 0;
	vd_rot_path(dev, path, sizeof(path));
	snprintf(buf, sizeof(buf), "%d", *rot_saved);
	*rot_saved = -1;
	return vt_write_file(path, buf);
}

int vd_phys_off(const char *dev)
{
	if (proc_swaps_find(dev, NULL, NULL, NULL) <= 0)
		return 0;
	return swap_off(dev);
}
