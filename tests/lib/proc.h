/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workload processes: a child in a cgroup that stops at checkpoints, and
 * groups of "holders" that keep swapped-out regions mapped.
 */
#ifndef __VSWAP_TEST_PROC_H
#define __VSWAP_TEST_PROC_H

#include "env.h"
#include "region.h"

/*
 * A child process that runs in a cgroup and pauses at checkpoints so the
 * parent can look at the counters while the workload's memory is under
 * pressure.  The child calls vd_child_checkpoint(); the parent
 * vd_parent_wait() then vd_parent_release().
 */
struct vd_child {
	pid_t pid;
	int to_parent[2];
	int to_child[2];
};

int vd_child_start(struct vd_child *c, struct vd_env *env,
		   const char *cg);

/* Child: tell the parent we reached a checkpoint and wait to be released. */
void vd_child_checkpoint(struct vd_child *c);

/* Parent: wait for a checkpoint; false if the child died instead. */
bool vd_parent_wait(struct vd_child *c);

void vd_parent_release(struct vd_child *c);

/* Parent: reap the child; its exit status (128 + signal if killed). */
int vd_child_finish(struct vd_child *c, struct vd_env *env);

/*
 * A group of processes that each hold a swapped-out region (and optionally
 * resident memory, mlock()ed: reclaim the parent asks for cannot swap it
 * out) and block on a pipe, so that the parent can act (e.g. swapoff)
 * while their virtual entries are mapped.
 *
 * Holder i fills @swap_pages pages with (@seed + i, @mix), pages all of
 * them out, writes one byte to the ready pipe ('k': ok, else the step that
 * failed) and waits for one byte on the go pipe; then it verifies every
 * page and exits 0 (1: data mismatch).  A holder whose go pipe is closed
 * without a byte (the parent died) exits 3 without touching its data.
 */
struct vd_holders {
	int nr;
	pid_t *pids;
	int ready[2];
	int go[2];
};

/*
 * Start @nr holders (registered in @env for teardown if it is not NULL)
 * and wait until every one has paged its region out.  0, -errno, or
 * -ECHILD if a holder failed (its failure byte is logged).
 */
int vd_holders_start(struct vd_holders *h, struct vd_env *env,
		     int nr, size_t swap_pages, size_t res_pages,
		     __u64 seed, const struct page_mix *mix);

/*
 * Let every holder verify its data and exit; reap them.  Returns the
 * number of holders that did not exit 0.
 */
int vd_holders_finish(struct vd_holders *h, struct vd_env *env);

#endif /* __VSWAP_TEST_PROC_H */
