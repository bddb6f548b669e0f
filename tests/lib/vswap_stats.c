// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: vswap's and zswap's debugfs files and a snapshot of the
 * vswap counters with the "back to idle" check.
 */
#include "vswap_stats.h"

int vswap_debugfs_read(const char *name, unsigned long long *val)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), VSWAP_DEBUGFS "/%s", name);
	return vt_read_u64(path, val);
}

long long zswap_debugfs_read(const char *name)
{
	char path[PATH_MAX + 64];
	unsigned long long v = 0;

	snprintf(path, sizeof(path), ZSWAP_DEBUGFS "/%s", name);
	if (vt_read_u64(path, &v))
		return -1;
	return v;
}

const char * const vd_stat_names[VD_NR_STATS] = {
	[VD_CAPACITY] = "capacity",
	[VD_SLOTS_USED] = "slots_used",
	[VD_CLUSTERS] = "clusters",
	[VD_MAP_PAGES] = "map_pages",
	[VD_METADATA_BYTES] = "metadata_bytes",
	[VD_INMEM] = "inmem",
	[VD_ZERO] = "zero",
	[VD_ZSWAP] = "zswap",
	[VD_SWPOUT_ZERO] = "swpout_zero",
	[VD_SWPOUT_ZSWAP] = "swpout_zswap",
	[VD_SWPOUT_INMEM] = "swpout_inmem",
	[VD_SWPIN_ZERO] = "swpin_zero",
	[VD_SWPIN_ZSWAP] = "swpin_zswap",
	[VD_ZSWAP_REJECT] = "zswap_reject",
	[VD_LARGE_REFUSED] = "large_refused",
	[VD_ALLOC_FAIL] = "alloc_fail",
	[VD_READ_ERROR] = "read_error",
	[VD_PHYS] = "phys",
	[VD_SWPOUT_PHYS] = "swpout_phys",
	[VD_SWPIN_PHYS] = "swpin_phys",
	[VD_ZSWAP_WRITEBACK] = "zswap_writeback",
	[VD_UNUSE_MOVED] = "unuse_moved",
	[VD_IO_ERROR] = "io_error",
};

int vd_stats_read(struct vd_stats *s)
{
	int i, ret;

	for (i = 0; i < VD_NR_STATS; i++) {
		ret = vswap_debugfs_read(vd_stat_names[i], &s->v[i]);
		if (ret)
			return ret;
	}
	return 0;
}

long long vd_delta(const struct vd_stats *a,
		   const struct vd_stats *b, enum vd_stat i)
{
	return (long long)(a->v[i] - b->v[i]);
}

void vd_stats_log(const char *tag, const struct vd_stats *s)
{
	fprintf(stderr,
		"# vswap %s: used %llu clusters %llu map_pages %llu meta %llu | now zero %llu zswap %llu phys %llu inmem %llu | out zero %llu zswap %llu phys %llu inmem %llu | in zero %llu zswap %llu phys %llu | zswap wb %llu unuse %llu | reject %llu large %llu allocfail %llu rderr %llu ioerr %llu\n",
		tag, s->v[VD_SLOTS_USED], s->v[VD_CLUSTERS], s->v[VD_MAP_PAGES],
		s->v[VD_METADATA_BYTES], s->v[VD_ZERO], s->v[VD_ZSWAP],
		s->v[VD_PHYS], s->v[VD_INMEM], s->v[VD_SWPOUT_ZERO],
		s->v[VD_SWPOUT_ZSWAP], s->v[VD_SWPOUT_PHYS],
		s->v[VD_SWPOUT_INMEM], s->v[VD_SWPIN_ZERO], s->v[VD_SWPIN_ZSWAP],
		s->v[VD_SWPIN_PHYS], s->v[VD_ZSWAP_WRITEBACK],
		s->v[VD_UNUSE_MOVED], s->v[VD_ZSWAP_REJECT],
		s->v[VD_LARGE_REFUSED], s->v[VD_ALLOC_FAIL],
		s->v[VD_READ_ERROR], s->v[VD_IO_ERROR]);
}

bool vd_stats_idle(const struct vd_stats *s)
{
	return !s->v[VD_SLOTS_USED] && !s->v[VD_CLUSTERS] &&
	       !s->v[VD_INMEM] && !s->v[VD_ZERO] && !s->v[VD_ZSWAP] &&
	       !s->v[VD_PHYS];
}

/*
 * A slot can stay in use with nothing but a swap cache folio that nobody
 * maps holding it, on stock swap as under vswap: when its last owner lets
 * go while another task has the folio locked (a readahead read, reclaim,
 * compaction), the owner cannot drop the folio, and only reclaim or
 * swapoff frees it later.  If what is left fits in SwapCached, swapoff
 * VSWAP_DEV and swapon again, as an admin would: swapoff frees such slots
 * at once, but never finishes while a slot holds a reference that nobody
 * owns (a leak, what the idle check is for).  So it runs in a child that
 * SIGALRM stops after VD_SWAPOFF_SECS.  0 if it ran, else -EBUSY.
 */
#define VD_SWAPOFF_SECS		60

static int vd_drop_cache_only(const struct vd_stats *s)
{
	long long cached = read_meminfo_kb("SwapCached");
	unsigned long long used = s->v[VD_SLOTS_USED];
	int status;
	pid_t pid;

	if (cached < 0 || used * (VT_PAGE_SIZE / 1024) > (unsigned long long)cached)
		return -EBUSY;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -EBUSY;
	if (!pid) {
		alarm(VD_SWAPOFF_SECS);
		_exit(swapoff(VSWAP_DEV) ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		vt_log("swapoff %s of %llu slot(s) (SwapCached %lld kB) failed (status 0x%x)",
		       VSWAP_DEV, used, cached, status);
		return -EBUSY;
	}
	vt_log("%llu slot(s) left, within SwapCached (%lld kB): swapoff %s freed them",
	       used, cached, VSWAP_DEV);
	if (swapon(VSWAP_DEV, 0)) {
		vt_log("swapon %s: %s", VSWAP_DEV, strerror(errno));
		return -EBUSY;
	}
	return 0;
}

int vd_wait_idle(struct vd_stats *s)
{
	bool dropped = false;
	int i, ret = 0;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		ret = vd_stats_read(s);
		if (ret)
			return ret;
		if (vd_stats_idle(s))
			return 0;
		if (i == VD_IDLE_POLLS / 2)
			vt_write_file("/proc/sys/vm/drop_caches", "3");
		if (i == VD_IDLE_POLLS - 1 && !dropped) {
			dropped = true;
			if (!vd_drop_cache_only(s))
				i = VD_IDLE_POLLS * 3 / 4;
		}
		usleep(50 * 1000);
	}
	return -EBUSY;
}
