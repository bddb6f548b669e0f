// SPDX-License-Identifier: GPL-2.0
/*
 * Workload processes: a child in a cgroup that stops at checkpoints, and
 * groups of "holders" that keep swapped-out regions mapped.
 */
#include "proc.h"
#include "memcg.h"

int vd_child_start(struct vd_child *c, struct vd_env *env,
		   const char *cg)
{
	if (pipe(c->to_parent) || pipe(c->to_child))
		return -errno;
	c->pid = vt_fork();
	if (c->pid < 0)
		return c->pid;
	if (!c->pid) {
		close(c->to_parent[0]);
		close(c->to_child[1]);
		if (cg && cg_enter(cg, 0)) {
			vt_log("cannot enter %s", cg);
			_exit(2);
		}
		return 0;
	}
	close(c->to_parent[1]);
	close(c->to_child[0]);
	vd_env_add_pid(env, c->pid);
	return 0;
}

void vd_child_checkpoint(struct vd_child *c)
{
	char b = 'c';

	if (write(c->to_parent[1], &b, 1) != 1 ||
	    read(c->to_child[0], &b, 1) != 1)
		_exit(3);
}

bool vd_parent_wait(struct vd_child *c)
{
	char b;

	return read(c->to_parent[0], &b, 1) == 1;
}

void vd_parent_release(struct vd_child *c)
{
	char b = 'r';

	if (write(c->to_child[1], &b, 1) != 1)
		vt_log("child %d is gone", c->pid);
}

int vd_child_finish(struct vd_child *c, struct vd_env *env)
{
	int i, status = 0;

	close(c->to_parent[0]);
	close(c->to_child[1]);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -errno;
	for (i = 0; i < env->nr_pids; i++)
		if (env->pids[i] == c->pid)
			env->pids[i] = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void __noreturn
vd_holder_main(struct vd_holders *h, size_t swap_pages, size_t res_pages,
	       __u64 seed, const struct page_mix *mix)
{
	struct vd_region r;
	size_t bad, first_bad = 0;
	char *res = NULL, b = 'k';
	size_t i;

	close(h->ready[0]);
	close(h->go[1]);
	if (res_pages) {
		res = mmap(NULL, res_pages * VT_PAGE_SIZE,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			b = 'r';
		else
			for (i = 0; i < res_pages; i++)
				memset(res + i * VT_PAGE_SIZE, (int)(i | 1),
				       VT_PAGE_SIZE);
		if (b == 'k' && mlock(res, res_pages * VT_PAGE_SIZE))
			b = 'l';
	}
	if (b == 'k' && vd_region_map(&r, swap_pages, false))
		b = 'm';
	if (b == 'k') {
		vd_region_fill(&r, 0, swap_pages, seed, mix);
		if (vd_pageout_anon(&r, 0, swap_pages) != (long)swap_pages)
			b = 'p';
	}
	if (write(h->ready[1], &b, 1) != 1 || b != 'k')
		_exit(2);
	if (read(h->go[0], &b, 1) != 1)
		_exit(3);
	bad = vd_region_verify(&r, 0, swap_pages, &first_bad);
	if (bad) {
		vt_log("holder %d: %zu of %zu pages bad, first %zu (%s)",
		       getpid(), bad, swap_pages, first_bad,
		       page_kind_str(page_kind_of(seed, first_bad, mix)));
		_exit(1);
	}
	_exit(0);
}

int vd_holders_start(struct vd_holders *h, struct vd_env *env,
		     int nr, size_t swap_pages, size_t res_pages,
		     __u64 seed, const struct page_mix *mix)
{
	int i, ret = 0;
	char b;

	memset(h, 0, sizeof(*h));
	h->pids = calloc(nr, sizeof(*h->pids));
	if (!h->pids || pipe(h->ready) || pipe(h->go))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < nr; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = -errno;
			break;
		}
		if (!pid)
			vd_holder_main(h, swap_pages, res_pages, seed + i, mix);
		h->pids[h->nr++] = pid;
		if (env)
			vd_env_add_pid(env, pid);
	}
	close(h->ready[1]);
	close(h->go[0]);
	for (i = 0; i < h->nr; i++) {
		if (read(h->ready[0], &b, 1) != 1) {
			vt_log("holders: only %d of %d reported", i, h->nr);
			return -ECHILD;
		}
		if (b != 'k') {
			vt_log("holders: one failed at step '%c'", b);
			ret = -ECHILD;
		}
	}
	return ret;
}

int vd_holders_finish(struct vd_holders *h, struct vd_env *env)
{
	int i, j, status, failed = 0;
	char b = 'g';

	for (i = 0; i < h->nr; i++)
		if (write(h->go[1], &b, 1) != 1)
			break;
	close(h->go[1]);
	close(h->ready[0]);
	for (i = 0; i < h->nr; i++) {
		if (waitpid(h->pids[i], &status, 0) != h->pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			failed++;
			if (WIFEXITED(status))
				vt_log("holder %d exited %d", h->pids[i],
				       WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				vt_log("holder %d killed by signal %d",
				       h->pids[i], WTERMSIG(status));
		}
		for (j = 0; env && j < env->nr_pids; j++)
			if (env->pids[j] == h->pids[i])
				env->pids[j] = 0;
	}
	free(h->pids);
	h->pids = NULL;
	h->nr = 0;
	return failed;
}
