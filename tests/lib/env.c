// SPDX-License-Identifier: GPL-2.0
/*
 * The environment of the data-path tests: vswap loaded and idle, no
 * physical swap, zswap as asked; restored and checked at teardown.
 */
#include "harness.h"
#include "env.h"
#include "memcg.h"
#include "module.h"
#include "swapdev.h"
#include "vswap_stats.h"

void vd_env_setup(struct __test_metadata *_metadata,
		  struct vd_env *env, int zswap)
{
	struct vd_stats s;
	int ret;

	env->zswap_saved = -1;
	env->cg[0] = '\0';
	env->nr_pids = 0;

	ASSERT_TRUE(vt_exists(vswap_ko_path()))
		TH_LOG("%s not found (set VSWAP_KO)", vswap_ko_path());
	vd_swapoff_others();
	ret = vd_ensure_loaded();
	ASSERT_EQ(0, ret) TH_LOG("cannot load vswap: %s", strerror(-ret));
	ASSERT_EQ(0, vd_count_other_swaps())
		TH_LOG("a physical swap device is still active");
	ASSERT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL))
		TH_LOG("/proc/swaps must hold exactly the vswap line");
	ret = vd_wait_idle(&s);
	if (ret)
		vd_stats_log("not idle at start", &s);
	ASSERT_EQ(0, ret) TH_LOG("vswap not idle before the test");
	if (zswap >= 0) {
		ret = zswap_get_enabled();
		ASSERT_LE(0, ret) TH_LOG("zswap is not available");
		env->zswap_saved = ret;
		ret = zswap_set_enabled(zswap);
		ASSERT_EQ(0, ret) TH_LOG("cannot set zswap enabled=%d", zswap);
	}
}

void vd_env_add_pid(struct vd_env *env, pid_t pid)
{
	if (env->nr_pids < VD_MAX_PIDS)
		env->pids[env->nr_pids++] = pid;
}

void vd_env_teardown(struct __test_metadata *_metadata,
		     struct vd_env *env)
{
	struct vd_stats s;
	int i, ret;

	for (i = 0; i < env->nr_pids; i++) {
		if (env->pids[i] > 0 && !kill(env->pids[i], SIGKILL))
			waitpid(env->pids[i], NULL, 0);
	}
	env->nr_pids = 0;
	if (env->cg[0]) {
		/*
		 * A task that exits while its page is under writeback leaves
		 * the slot to the clean swap cache copy until reclaim drops
		 * it, as on stock swap (seen with 4 CPUs and a disk backend):
		 * reclaim them here, where only the workload's pages are.
		 * Reclaim skips a folio still under writeback, so let the
		 * writeback end first, twice: the first pass may start more.
		 * -EAGAIN if it reclaimed less than asked: fine.
		 */
		for (i = 0; i < 2; i++) {
			vt_wait_writeback();
			cg_write(env->cg, "memory.reclaim", "256M");
		}
		ret = cg_remove(env->cg, true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", env->cg, strerror(-ret));
		env->cg[0] = '\0';
	}
	if (env->zswap_saved >= 0) {
		ret = zswap_set_enabled(env->zswap_saved);
		EXPECT_EQ(0, ret) TH_LOG("cannot restore zswap enabled=%d",
					 env->zswap_saved);
		env->zswap_saved = -1;
	}
	if (!vswap_loaded())
		return;
	ret = vd_wait_idle(&s);
	if (ret)
		vd_stats_log("not idle at teardown", &s);
	EXPECT_EQ(0, ret) TH_LOG("vswap did not return to idle");
	ret = vswap_ensure_unloaded();
	EXPECT_EQ(0, ret) TH_LOG("vswap does not unload: %s", strerror(-ret));
	EXPECT_FALSE(vswap_loaded());
}
