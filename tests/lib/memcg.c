// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 helpers on top of the kernel's own
 * tools/testing/selftests/cgroup/cgroup_util.c (cg_write(), cg_enter(),
 * cg_read_long()...; linked into every test): only what it lacks is here.
 */
#include "harness.h"
#include "memcg.h"

int cg_enable_memory(void)
{
	return vt_write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
}

long long cg_read_ll(const char *cg, const char *file)
{
	char path[PATH_MAX + 64], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return LLONG_MAX;
	return strtoll(buf, NULL, 10);
}

long long cg_read_key_ll(const char *cg, const char *file, const char *key)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return vt_read_key(path, key);
}

int cg_remove(const char *cg, bool kill_procs)
{
	char path[PATH_MAX + 64], buf[4096], *p, *save;
	int i, ret = 0;

	if (!vt_exists(cg))
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	for (i = 0; i < 500; i++) {
		if (!rmdir(cg) || errno == ENOENT)
			return 0;
		ret = -errno;
		if (vt_read_file(path, buf, sizeof(buf)) > 0) {
			for (p = strtok_r(buf, "\n", &save); p;
			     p = strtok_r(NULL, "\n", &save)) {
				pid_t pid = atoi(p);

				if (kill_procs)
					kill(pid, SIGKILL);
				else
					vt_write_file(CG_ROOT "/cgroup.procs", p);
			}
		}
		usleep(20 * 1000);
	}
	return ret;
}

int cg_create_memcg(const char *name, char *cg, size_t len)
{
	char path[PATH_MAX + 64];
	int ret;

	ret = cg_enable_memory();
	if (ret)
		return ret;
	snprintf(cg, len, CG_ROOT "/%s", name);
	ret = cg_remove(cg, true);
	if (ret)
		return ret;
	if (cg_create(cg))
		return -errno;
	/* memory.max only exists if the memory controller reached us */
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	if (!vt_exists(path)) {
		rmdir(cg);
		return -EOPNOTSUPP;
	}
	return 0;
}

void vd_cg_setup(struct __test_metadata *_metadata,
		 struct vd_env *env, const char *name,
		 size_t max_bytes)
{
	char val[32];
	int ret;

	ret = cg_create_memcg(name, env->cg, sizeof(env->cg));
	if (ret == -EOPNOTSUPP || ret == -ENOENT)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, ret) TH_LOG("cgroup %s: %s", name, strerror(-ret));
	snprintf(val, sizeof(val), "%zu", max_bytes);
	ASSERT_EQ(0, cg_write(env->cg, "memory.max", val));
	ASSERT_EQ(0, cg_write(env->cg, "memory.high", "max"));
	cg_write(env->cg, "memory.swap.max", "max");
	cg_write(env->cg, "memory.zswap.max", "max");
}

long long vd_evict_swap_cache(const char *cg)
{
	long long cached = -1;
	int i;

	for (i = 0; i < 100 && cached; i++) {
		cg_write(cg, "memory.reclaim", "256M");
		cached = cg_read_key_ll(cg, "memory.stat", "swapcached");
		if (cached)
			usleep(50 * 1000);
	}
	return cached;
}
