// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: dynamic clusters, slot allocation and free.
 *
 * Clusters hold the backend table and memcg ids of their slots.  They live
 * in vswap.clusters (which hands out their numbers) and in their heads from
 * the allocation of their first slot to the free of their last, and are
 * freed after an RCU grace period.  Each CPU allocates
 * from a cluster of its own (vswap.current_cluster) until it is full, then
 * takes the next from vswap.nonfull or makes a new one: CPUs swapping at
 * once do not share a cluster lock.  A CPU's own cluster outlives its last
 * slot until it has stayed empty for one to two seconds (through two runs
 * of vswap.idle_work) or the CPU moves on: a CPU whose pages come and go
 * one at a time would otherwise make and free a cluster for every page.
 * A new cluster's swap_map page, head, swap cache address space and zswap
 * tree are mapped first (map.c), and stay after it is freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vswap.h"

/*
 * Metadata allocations on the swap-out path.  They are charged to the memcg
 * of the page being swapped out (the caller's set_active_memcg()), so that
 * a cgroup cannot pin unaccounted kernel memory by swapping.  Reclaim runs
 * with PF_MEMALLOC, and its emergency reserves are first of all for the
 * core's own swap-out (add_to_swap() uses __GFP_NOMEMALLOC): so the first
 * try does not touch them, then a per-CPU spare cluster (refilled outside
 * reclaim by vswap_refill()) is taken.  Only when both fail does
 * vswap_alloc() try once more with the reserves, as zswap's own
 * allocations on this path do: a cluster of 5 KiB lets reclaim free 512
 * pages, and without it the machine would run out of memory earlier than
 * it does without vswap (test_no_kmem_bypass raises min_free_kbytes to
 * half of memory: there, nothing else can be allocated).
 */
#define VSWAP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NOMEMALLOC | __GFP_NOWARN)

/*
 * The swap_ops ->cluster callback: the lock of @offset's cluster.  The
 * core asks only for slots vswap has handed out (and the aligned blocks
 * of 32 slots around them, in the same cluster), whose heads are mapped
 * from the first use of their cluster until unload: it reads their
 * swap_map bytes, mapped with the heads, as well.
 */
struct swap_cluster_info *vswap_cluster_ci(unsigned long offset)
{
	return &vswap.heads[offset / VSWAP_CLUSTER].lock;
}

/* The cluster of @offset, or NULL; see struct vswap_cluster_head */
static struct vswap_cluster *vswap_cluster_of(unsigned long offset)
{
	return READ_ONCE(vswap.heads[offset / VSWAP_CLUSTER].cluster);
}

/* Top up every CPU's spare cluster; see VSWAP_GFP */
static void vswap_refill(struct work_struct *work)
{
	struct vswap_cluster *c;
	int cpu;

	for_each_possible_cpu(cpu) {
		if (READ_ONCE(*per_cpu_ptr(vswap.spare, cpu)))
			continue;
		c = kmem_cache_zalloc(vswap.cluster_cache, GFP_KERNEL);
		if (c && cmpxchg(per_cpu_ptr(vswap.spare, cpu), NULL, c))
			kmem_cache_free(vswap.cluster_cache, c);
	}
}

int vswap_spare_init(void)
{
	vswap.spare = alloc_percpu(struct vswap_cluster *);
	if (!vswap.spare)
		return -ENOMEM;
	INIT_WORK(&vswap.refill_work, vswap_refill);
	vswap_refill(&vswap.refill_work);
	return 0;
}

void vswap_spare_exit(void)
{
	int cpu;

	cancel_work_sync(&vswap.refill_work);
	for_each_possible_cpu(cpu) {
		struct vswap_cluster *c = *per_cpu_ptr(vswap.spare, cpu);

		if (c)
			kmem_cache_free(vswap.cluster_cache, c);
	}
	free_percpu(vswap.spare);
}

/* Back to this CPU's spare if it is empty (the cluster never had a slot) */
static void vswap_cluster_unused(struct vswap_cluster *c)
{
	memset(c, 0, sizeof(*c));
	if (cmpxchg(raw_cpu_ptr(vswap.spare), NULL, c))
		kmem_cache_free(vswap.cluster_cache, c);
}

/* A new cluster, charged to the active memcg, or this CPU's spare */
static struct vswap_cluster *vswap_cluster_zalloc(gfp_t gfp)
{
	struct vswap_cluster *c;

	c = kmem_cache_zalloc(vswap.cluster_cache, gfp);
	if (c)
		return c;
	/* xchg(), not this_cpu_xchg(): vswap_refill() fills it remotely */
	c = xchg(raw_cpu_ptr(vswap.spare), NULL);
	if (c)
		queue_work(system_unbound_wq, &vswap.refill_work);
	return c;
}

/* Clusters of a swap cache address space (and zswap tree) */
#define SPACE_CLUSTERS		(SWAP_OPS_SPACE_PAGES / VSWAP_CLUSTER)
/* How many of its own address spaces a CPU tries before any free index */
#define SPACE_TRIES		8

/* Which of its own address spaces a CPU makes its next cluster in */
static DEFINE_PER_CPU(unsigned int, vswap_space_next);

/*
 * Allocate a cluster number.  A CPU looks in up to SPACE_TRIES address
 * spaces of its own first (of SWAP_OPS_SPACE_PAGES slots: the CPU's
 * number, then every nr_cpu_ids-th after it), so that CPUs swapping at
 * once do not queue on one swap cache i_pages lock or zswap tree lock.
 * Each new cluster starts at the next of them, so that a CPU's pages
 * spread over all of them, as stock's clusters spread over a device: the
 * tasks that swap out on one CPU swap in, and are reclaimed, on the others
 * too, and with one space per CPU, more tasks than CPUs met on its lock
 * (measured: 4 tasks on 2 CPUs, through the disk, 4 times stock's i_pages
 * contentions; stock had the same pages in 8 spaces).  The cost: up to
 * SPACE_TRIES partly used swap_map pages per CPU, and the pages of their
 * cluster heads.  Within a space, the lowest free number keeps the mapped
 * part of swap_map small.  When those are full, or the type has a single
 * space, the lowest free number.  With fewer spaces than CPUs, CPUs share.
 */
static int vswap_cluster_number(u32 *index, gfp_t gfp)
{
	unsigned long spaces = DIV_ROUND_UP(vswap.capacity / VSWAP_CLUSTER,
					    SPACE_CLUSTERS);
	u32 last = vswap.capacity / VSWAP_CLUSTER - 1;
	unsigned long first = raw_smp_processor_id() % spaces, space;
	unsigned int next = this_cpu_inc_return(vswap_space_next);
	unsigned int i, n;
	int err;

	n = min_t(unsigned long, SPACE_TRIES,
		  DIV_ROUND_UP(spaces - first, nr_cpu_ids));
	for (i = 0; i < n && spaces > 1; i++) {
		space = first + (unsigned long)nr_cpu_ids * ((next + i) % n);
		err = xa_alloc(&vswap.clusters, index, NULL,
			       XA_LIMIT(space * SPACE_CLUSTERS,
					min_t(unsigned long, last,
					      (space + 1) * SPACE_CLUSTERS - 1)),
			       gfp);
		if (err != -EBUSY)
			return err;
	}
	return xa_alloc(&vswap.clusters, index, NULL, XA_LIMIT(0, last), gfp);
}

static struct vswap_cluster *vswap_cluster_new(gfp_t gfp)
{
	struct vswap_cluster *c;
	u32 index;
	int err;

	c = vswap_cluster_zalloc(gfp);
	if (!c)
		return NULL;
	INIT_LIST_HEAD(&c->list);
	c->owned = true;	/* the CPU that makes it allocates from it */
	c->gen = atomic_inc_return(&vswap.cluster_gen);

	err = vswap_cluster_number(&index, gfp);
	if (err)
		goto free;
	c->index = index;
	if (vswap_map_cluster(index, gfp))
		goto erase;
	/*
	 * Publish only now, set up: in its head first, for vswap_word_of()
	 * and for vswap_take() on a CPU that finds it in vswap.clusters (its
	 * entry is allocated, the store cannot fail).  The release pairs
	 * with vswap_cluster_of()'s READ_ONCE().
	 */
	smp_store_release(&vswap.heads[index].cluster, c);
	xa_store(&vswap.clusters, index, c, gfp);
	vswap_stat_add(VSWAP_CLUSTERS, 1);
	return c;
erase:
	xa_erase(&vswap.clusters, index);
free:
	vswap_cluster_unused(c);
	return NULL;
}

static spinlock_t *vswap_cluster_spinlock(struct vswap_cluster *c)
{
	return &vswap_cluster_ci((unsigned long)c->index * VSWAP_CLUSTER)->lock;
}

static void vswap_cluster_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(vswap.cluster_cache,
			container_of(rcu, struct vswap_cluster, rcu));
}

/* Take @c, with no slot in use, out of vswap.clusters and its head; free it */
static void vswap_cluster_erase(struct vswap_cluster *c)
{
	lockdep_assert_held(vswap_cluster_spinlock(c));
	WRITE_ONCE(vswap.heads[c->index].cluster, NULL);
	xa_erase(&vswap.clusters, c->index);
	vswap_stat_add(VSWAP_CLUSTERS, -1);
	call_rcu(&c->rcu, vswap_cluster_free_rcu);
}

static unsigned int cluster_capacity(struct vswap_cluster *c)
{
	return VSWAP_CLUSTER - (c->index == 0);	/* slot 0 */
}

/*
 * Keep @c on vswap.nonfull while it has both a slot in use and a free
 * one and no CPU allocates from it; called under its cluster lock when
 * that may have changed.
 */
static void vswap_cluster_relist(struct vswap_cluster *c)
{
	bool nonfull = c->used && c->used < cluster_capacity(c);

	lockdep_assert_held(vswap_cluster_spinlock(c));
	spin_lock(&vswap.list_lock);
	if (!nonfull || c->owned)
		list_del_init(&c->list);
	else if (list_empty(&c->list))
		list_add_tail(&c->list, &vswap.nonfull);
	spin_unlock(&vswap.list_lock);
}

/*
 * A CPU's current cluster, as a hint: a cluster freed and another made at
 * the same index is told apart by its generation.
 */
static u64 vswap_hint(struct vswap_cluster *c)
{
	return (u64)c->gen << 32 | (c->index + 1);
}

static struct swap_cluster_info *vswap_hint_ci(u64 hint)
{
	return vswap_cluster_ci((unsigned long)((u32)hint - 1) *
				VSWAP_CLUSTER);
}

/* The cluster @hint names, or NULL; under its cluster lock @ci */
static struct vswap_cluster *vswap_hint_cluster(struct swap_cluster_info *ci,
						u64 hint)
{
	struct vswap_cluster *c;

	lockdep_assert_held(&ci->lock);
	c = vswap_cluster_of(((u32)hint - 1) * VSWAP_CLUSTER);
	return c && c->gen == hint >> 32 ? c : NULL;
}

/*
 * No CPU allocates from cluster @hint any more: list it if it can serve,
 * free it if it is empty (its owner kept it, see vswap_free())
 */
static void vswap_cluster_disown(u64 hint)
{
	struct swap_cluster_info *ci = vswap_hint_ci(hint);
	struct vswap_cluster *c;

	spin_lock(&ci->lock);
	c = vswap_hint_cluster(ci, hint);
	if (c) {
		spin_lock(&vswap.list_lock);
		WRITE_ONCE(c->owned, false);
		spin_unlock(&vswap.list_lock);
		vswap_cluster_relist(c);
		if (!c->used)
			vswap_cluster_erase(c);
	}
	spin_unlock(&ci->lock);
}

/*
 * A free slot of cluster @hint, taken for a folio: its count set to
 * SWAP_HAS_CACHE under the cluster lock.  0 if the cluster is gone or
 * full.
 */
static unsigned long vswap_take(u64 hint)
{
	struct swap_cluster_info *ci = vswap_hint_ci(hint);
	unsigned char *map = vswap.maps.swap_map;
	struct vswap_cluster *c;
	unsigned long base;
	unsigned int i, n;

	spin_lock(&ci->lock);
	/* erased under this lock: if it is there, it stays */
	c = vswap_hint_cluster(ci, hint);
	if (!c || c->used == cluster_capacity(c)) {
		spin_unlock(&ci->lock);
		return 0;
	}
	base = (unsigned long)c->index * VSWAP_CLUSTER;
	for (n = 0, i = c->next; n < VSWAP_CLUSTER; n++) {
		if (!map[base + i])
			break;
		i = (i + 1) % VSWAP_CLUSTER;
	}
	if (WARN_ON_ONCE(n == VSWAP_CLUSTER)) {
		spin_unlock(&ci->lock);
		return 0;
	}
	map[base + i] = SWAP_HAS_CACHE;
	c->next = (i + 1) % VSWAP_CLUSTER;
	c->idle = false;
	WRITE_ONCE(c->used, c->used + 1);
	if (c->used == 1 || c->used == cluster_capacity(c))
		vswap_cluster_relist(c);
	vswap_set_word(&ci->lock, &c->table[i], VSWAP_FOLIO);
	spin_unlock(&ci->lock);
	return base + i;
}

/*
 * Another CPU's current cluster with a free slot, to share: when no new
 * cluster can be made (the space or memory is exhausted), the free slots
 * left are in clusters that CPUs own.  0 if there is none.
 */
static u64 vswap_cluster_share(void)
{
	struct vswap_cluster *c;
	unsigned long index;
	u64 hint = 0;

	rcu_read_lock();
	xa_for_each(&vswap.clusters, index, c) {
		if (READ_ONCE(c->used) < cluster_capacity(c)) {
			hint = vswap_hint(c);
			break;
		}
	}
	rcu_read_unlock();
	return hint;
}

/*
 * The next cluster for this CPU: the oldest one with a free slot, taken
 * off the list, or a new one, or one another CPU owns.  Returns its hint,
 * 0 if there is no free slot at all.
 */
static u64 vswap_next_cluster(struct folio *folio)
{
	struct mem_cgroup *memcg;
	struct vswap_cluster *c;
	u64 hint = 0;

	spin_lock(&vswap.list_lock);
	c = list_first_entry_or_null(&vswap.nonfull, struct vswap_cluster,
				     list);
	if (c) {
		list_del_init(&c->list);
		WRITE_ONCE(c->owned, true);
		hint = vswap_hint(c);
	}
	spin_unlock(&vswap.list_lock);
	if (hint)
		return hint;

	/* metadata is charged to the page's memcg, see VSWAP_GFP */
	memcg = set_active_memcg(folio_memcg(folio));
	c = vswap_cluster_new(VSWAP_GFP);
	if (!c)
		c = vswap_cluster_new(VSWAP_GFP & ~__GFP_NOMEMALLOC);
	set_active_memcg(memcg);
	return c ? vswap_hint(c) : vswap_cluster_share();
}

/*
 * The swap_ops ->alloc callback.  Large folios are refused: zswap in 6.12
 * stores only order-0 folios, so reclaim splits them and tries again
 * (counted as large_refused, and by the kernel as thp_swpout_fallback).
 */
swp_entry_t vswap_alloc(struct folio *folio)
{
	u64 old, hint = this_cpu_read(*vswap.current_cluster);
	unsigned long offset = 0;

	if (folio_test_large(folio)) {
		vswap_stat_add(VSWAP_LARGE_REFUSED, 1);
		return (swp_entry_t){};
	}

	if (hint)
		offset = vswap_take(hint);
	while (!offset) {
		hint = vswap_next_cluster(folio);
		if (!hint) {
			vswap_stat_add(VSWAP_ALLOC_FAIL, 1);
			return (swp_entry_t){};
		}
		/* the task may run on another CPU by now: then that one's */
		old = this_cpu_xchg(*vswap.current_cluster, hint);
		if (old && old != hint)
			vswap_cluster_disown(old);
		offset = vswap_take(hint);
	}
	return swp_entry(vswap.si->type, offset);
}

/*
 * The swap_ops ->free callback, under the slots' cluster lock: their
 * counts are 0, no swap cache folio holds them, their zswap entries and
 * memcg ids are gone.  A cluster whose last slot goes is freed, unless
 * a CPU allocates from it.
 */
void vswap_free(struct swap_info_struct *si, unsigned long offset,
		unsigned int nr)
{
	struct vswap_release r = {};
	struct vswap_cluster *c;
	unsigned int i, ci;
	unsigned long word;
	spinlock_t *lock;		/* their cluster lock, held */
	bool full;

	c = vswap_cluster_of(offset);
	if (WARN_ON_ONCE(!c || nr > c->used))
		return;
	lock = vswap_cluster_spinlock(c);
	lockdep_assert_held(lock);
	for (i = 0; i < nr; i++) {
		ci = (offset + i) % VSWAP_CLUSTER;
		word = vswap_set_word(lock, &c->table[ci], VSWAP_NONE);
		/* physical locks nest inside ours */
		if (vswap_tag(word) == VSWAP_PHYS)
			vswap_release_add(&r, word);
		/* cleared by the core's uncharge (never set with memcg off) */
		VM_WARN_ON_ONCE(READ_ONCE(c->memcg_id[ci]));
	}
	full = c->used == cluster_capacity(c);
	WRITE_ONCE(c->used, c->used - nr);
	if (full || !c->used)
		vswap_cluster_relist(c);
	/*
	 * An empty cluster is on no list: only its owner, if it has one,
	 * takes from it again (or a CPU that shares it), so the owner keeps
	 * it (see vswap_cluster_idle()).
	 */
	if (!c->used && READ_ONCE(c->owned)) {
		if (!delayed_work_pending(&vswap.idle_work))
			queue_delayed_work(system_unbound_wq, &vswap.idle_work,
					   HZ);
	} else if (!c->used) {
		vswap_cluster_erase(c);
	}
	vswap_release_flush(&r);
}

/*
 * vswap.idle_work: free the CPUs' own clusters that have stayed empty
 * since its last run, as vswap_free() frees the others at once; mark the
 * ones empty now, to be freed at the next run unless a slot is taken from
 * them meanwhile.  Their CPUs' hints go stale (a CPU's hint is written by
 * that CPU alone), which vswap_take() finds.
 */
static void vswap_cluster_idle(struct work_struct *work)
{
	struct swap_cluster_info *ci;
	struct vswap_cluster *c;
	bool again = false;
	u64 hint;
	int cpu;

	for_each_possible_cpu(cpu) {
		hint = READ_ONCE(*per_cpu_ptr(vswap.current_cluster, cpu));
		if (!hint)
			continue;
		ci = vswap_hint_ci(hint);
		spin_lock(&ci->lock);
		c = vswap_hint_cluster(ci, hint);
		if (c && !c->used && c->idle) {
			vswap_cluster_erase(c);
		} else if (c && !c->used) {
			c->idle = true;
			again = true;
		}
		spin_unlock(&ci->lock);
	}
	if (again)
		queue_delayed_work(system_unbound_wq, &vswap.idle_work, HZ);
}

void vswap_cluster_init(void)
{
	xa_init_flags(&vswap.clusters, XA_FLAGS_ALLOC);
	spin_lock_init(&vswap.list_lock);
	INIT_LIST_HEAD(&vswap.nonfull);
	INIT_DELAYED_WORK(&vswap.idle_work, vswap_cluster_idle);
}

/* At unload, no slot in use: the clusters CPUs kept */
void vswap_cluster_exit(void)
{
	struct vswap_cluster *c;
	unsigned long idx;

	cancel_delayed_work_sync(&vswap.idle_work);
	rcu_barrier();	/* clusters freed by call_rcu() */
	xa_for_each(&vswap.clusters, idx, c) {
		WARN_ON_ONCE(c->used);
		kmem_cache_free(vswap.cluster_cache, c);
	}
	xa_destroy(&vswap.clusters);
}

/*
 * The backend word of a slot, or NULL if its cluster is gone.  The caller
 * keeps the cluster alive: the slot is in use, or it holds rcu_read_lock().
 */
unsigned long *vswap_word_of(swp_entry_t entry)
{
	unsigned long offset = swp_offset(entry);
	struct vswap_cluster *c;

	c = vswap_cluster_of(offset);
	return c ? &c->table[offset % VSWAP_CLUSTER] : NULL;
}

/*
 * The swap_ops ->cgroup_id callback: where the slot's memcg id is kept, or
 * NULL if its cluster is gone.  A lookup for swap-in charging may race with
 * the slot's free; the core holds rcu_read_lock() then, which keeps a
 * cluster just erased from being freed under it.
 */
unsigned short *vswap_cgroup_id(swp_entry_t entry)
{
	unsigned long offset = swp_offset(entry);
	struct vswap_cluster *c;

	c = vswap_cluster_of(offset);
	return c ? &c->memcg_id[offset % VSWAP_CLUSTER] : NULL;
}
