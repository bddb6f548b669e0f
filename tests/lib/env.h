/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The environment of the data-path tests: vswap loaded and idle, no
 * physical swap, zswap as asked; restored and checked at teardown.
 */
#ifndef __VSWAP_TEST_ENV_H
#define __VSWAP_TEST_ENV_H

#include "util.h"

struct __test_metadata;

/* ---------------------------------------------------------------------
 * Environment: vswap loaded, no physical swap, zswap as requested
 */

#define VD_MAX_PIDS		128

struct vd_env {
	int zswap_saved;		/* to restore; -1: untouched */
	char cg[128];			/* cgroup to remove; "" if none */
	int nr_pids;			/* workload children to reap */
	pid_t pids[VD_MAX_PIDS];
};

/*
 * Common setup: no physical swap active, vswap loaded and idle and the
 * only line of /proc/swaps, zswap enabled or disabled as asked (@zswap < 0:
 * left alone), the previous zswap setting remembered in @env.
 */
void vd_env_setup(struct __test_metadata *_metadata,
		  struct vd_env *env, int zswap);

/* Remember a workload child so that teardown can kill it. */
void vd_env_add_pid(struct vd_env *env, pid_t pid);

/*
 * Common teardown, run in the harness parent (FIXTURE_TEARDOWN_PARENT)
 * after the test process is gone: kill leftover children, remove the
 * cgroup, restore zswap, check that vswap went back to idle and that the
 * module unloads.
 */
void vd_env_teardown(struct __test_metadata *_metadata,
		     struct vd_env *env);

#endif /* __VSWAP_TEST_ENV_H */
