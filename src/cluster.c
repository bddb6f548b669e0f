// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: slot allocation, dynamic clusters and the sparse swap_map.
 *
 * swap_map is a VM_SPARSE area of one byte per slot.  A page of it (the
 * counts of 4096 slots, 8 clusters) is mapped the first time one of its
 * clusters is allocated and stays mapped until unload: the core may read
 * the count of a slot that was just freed (a stale page table entry seen
 * by swap readahead, say), and such a read must find 0, not fault.
 *
 * Clusters hold the backend table and memcg ids of their slots.  They live
 * in vswap.clusters from the allocation of their first slot to the free of
 * their last, and are freed after an RCU grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vswap.h"

#define SLOTS_PER_MAP_PAGE	PAGE_SIZE	/* swap_map has a byte a slot */

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
 * Reclaim swaps out through vswap_alloc() and may need a new swap_map page
 * here: what is allocated under map_lock (the page, xarray nodes, kernel
 * page tables) must not swap out, or reclaim would wait for map_lock held
 * by a task that waits for reclaim.  memalloc_noio_save() keeps reclaim
 * from swapping (it needs __GFP_IO) without granting the reserves.
 *
 * A page is published in map_pages only once it is mapped: the lockless
 * check below lets the caller read its swap_map bytes at once.
 */
static int vswap_map_page(unsigned long pgidx, gfp_t gfp)
{
	unsigned int noio;
	unsigned long addr;
	struct page *page;
	int err = 0;

	if (xa_load(&vswap.map_pages, pgidx))
		return 0;

	mutex_lock(&vswap.map_lock);
	noio = memalloc_noio_save();
	if (xa_load(&vswap.map_pages, pgidx))
		goto out;
	err = -ENOMEM;
	page = alloc_page(gfp | __GFP_ZERO);
	if (!page)
		goto out;
	/* Reserved entries read as NULL; storing over one cannot fail */
	err = xa_reserve(&vswap.map_pages, pgidx, gfp);
	if (err) {
		__free_page(page);
		goto out;
	}
	addr = (unsigned long)vswap.map_area->addr + pgidx * PAGE_SIZE;
	err = vm_area_map_pages(vswap.map_area, addr, addr + PAGE_SIZE, &page);
	if (err) {
		xa_release(&vswap.map_pages, pgidx);
		__free_page(page);
		goto out;
	}
	xa_store(&vswap.map_pages, pgidx, page, GFP_KERNEL);
	vswap_stat_add(VSWAP_MAP_PAGES, 1);
out:
	memalloc_noio_restore(noio);
	mutex_unlock(&vswap.map_lock);
	return err;
}

int vswap_map_init(void)
{
	unsigned long size = PAGE_ALIGN(vswap.capacity);
	int err;

	vswap.map_area = get_vm_area(size, VM_SPARSE);
	if (!vswap.map_area)
		return -ENOMEM;

	/* Slot 0 is never handed out, as on a device with a header */
	err = vswap_map_page(0, GFP_KERNEL_ACCOUNT);
	if (err) {
		free_vm_area(vswap.map_area);
		return err;
	}
	((unsigned char *)vswap.map_area->addr)[0] = SWAP_MAP_BAD;
	return 0;
}

void vswap_map_exit(void)
{
	struct page *page;
	unsigned long idx;

	free_vm_area(vswap.map_area);
	xa_for_each(&vswap.map_pages, idx, page) {
		/* the core may have marked it as a continuation head */
		set_page_private(page, 0);
		__free_page(page);
	}
	xa_destroy(&vswap.map_pages);
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

static struct vswap_cluster *vswap_cluster_new(gfp_t gfp)
{
	struct vswap_cluster *c;
	u32 index;
	int err;

	c = vswap_cluster_zalloc(gfp);
	if (!c)
		return NULL;
	INIT_LIST_HEAD(&c->list);

	/* The lowest free index keeps the mapped part of swap_map small */
	err = xa_alloc(&vswap.clusters, &index, NULL,
		       XA_LIMIT(0, vswap.capacity / VSWAP_CLUSTER - 1), gfp);
	if (err)
		goto free;
	c->index = index;
	if (vswap_map_page((unsigned long)index * VSWAP_CLUSTER /
			   SLOTS_PER_MAP_PAGE, gfp))
		goto erase;
	/* Publish only now, for vswap_slot(); the entry is allocated */
	xa_store(&vswap.clusters, index, c, gfp);
	vswap_stat_add(VSWAP_CLUSTERS, 1);
	return c;
erase:
	xa_erase(&vswap.clusters, index);
free:
	vswap_cluster_unused(c);
	return NULL;
}

static void vswap_cluster_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(vswap.cluster_cache,
			container_of(rcu, struct vswap_cluster, rcu));
}

static unsigned int cluster_capacity(struct vswap_cluster *c)
{
	return VSWAP_CLUSTER - (c->index == 0);	/* slot 0 */
}

/* Take a free slot of @c.  Called under si->lock; @c is not full. */
static unsigned long vswap_cluster_take(struct vswap_cluster *c)
{
	unsigned char *map = vswap.si->swap_map;
	unsigned long base = (unsigned long)c->index * VSWAP_CLUSTER;
	unsigned int i, n;

	for (n = 0, i = c->next; n < VSWAP_CLUSTER; n++) {
		if (!map[base + i])
			break;
		i = (i + 1) % VSWAP_CLUSTER;
	}
	if (WARN_ON_ONCE(n == VSWAP_CLUSTER))
		return 0;

	map[base + i] = SWAP_HAS_CACHE;
	c->next = (i + 1) % VSWAP_CLUSTER;
	if (++c->used == cluster_capacity(c))
		list_del_init(&c->list);
	return base + i;
}

/*
 * The swap_ops ->alloc callback.  Large folios are refused: zswap in 6.12
 * stores only order-0 folios, so reclaim splits them and tries again
 * (counted as large_refused, and by the kernel as thp_swpout_fallback).
 */
swp_entry_t vswap_alloc(struct folio *folio)
{
	struct swap_info_struct *si = vswap.si;
	struct vswap_cluster *c, *new = NULL;
	struct mem_cgroup *memcg;
	unsigned long offset;
	swp_entry_t entry = {};

	if (folio_test_large(folio)) {
		vswap_stat_add(VSWAP_LARGE_REFUSED, 1);
		return entry;
	}

	for (;;) {
		spin_lock(&si->lock);
		if (new) {
			list_add(&new->list, &vswap.nonfull);
			new = NULL;
		}
		c = list_first_entry_or_null(&vswap.nonfull,
					     struct vswap_cluster, list);
		if (c)
			break;
		spin_unlock(&si->lock);

		/* metadata is charged to the page's memcg, see VSWAP_GFP */
		memcg = set_active_memcg(folio_memcg(folio));
		new = vswap_cluster_new(VSWAP_GFP);
		if (!new)
			new = vswap_cluster_new(VSWAP_GFP & ~__GFP_NOMEMALLOC);
		set_active_memcg(memcg);
		if (!new) {
			vswap_stat_add(VSWAP_ALLOC_FAIL, 1);
			return entry;
		}
	}

	offset = vswap_cluster_take(c);
	if (offset) {
		WRITE_ONCE(si->inuse_pages, si->inuse_pages + 1);
		vswap_set_word(&c->table[offset % VSWAP_CLUSTER], VSWAP_FOLIO);
		/* One reference while any slot is in use; the core holds one */
		if (!vswap.nr_used++)
			__module_get(THIS_MODULE);
		entry = swp_entry(si->type, offset);
	}
	spin_unlock(&si->lock);
	return entry;
}

/*
 * The swap_ops ->free callback, under si->lock: the slots' counts are 0,
 * no swap cache folio holds them and their zswap entries are gone.
 */
void vswap_free(struct swap_info_struct *si, unsigned long offset,
		unsigned int nr)
{
	struct vswap_cluster *c = NULL;
	struct vswap_release r = {};
	unsigned int i, ci;
	unsigned long word;

	lockdep_assert_held(&si->lock);
	for (i = 0; i < nr; i++, offset++) {
		if (!c || c->index != offset / VSWAP_CLUSTER)
			c = xa_load(&vswap.clusters, offset / VSWAP_CLUSTER);
		if (WARN_ON_ONCE(!c))
			continue;
		ci = offset % VSWAP_CLUSTER;
		word = vswap_set_word(&c->table[ci], VSWAP_NONE);
		/* physical si->lock nests inside ours: a lockdep class apart */
		if (vswap_tag(word) == VSWAP_PHYS)
			vswap_release_add(&r, word);
		c->memcg_id[ci] = 0;
		if (c->used-- == cluster_capacity(c))
			list_add_tail(&c->list, &vswap.nonfull);
		if (!c->used) {
			list_del(&c->list);
			xa_erase(&vswap.clusters, c->index);
			vswap_stat_add(VSWAP_CLUSTERS, -1);
			call_rcu(&c->rcu, vswap_cluster_free_rcu);
			c = NULL;
		}
	}
	vswap_release_flush(&r);
	/*
	 * The last slot drops vswap's reference: the core calls us in an
	 * SRCU section that swap_ops_unregister() waits for.
	 */
	vswap.nr_used -= nr;
	if (!vswap.nr_used)
		module_put(THIS_MODULE);
}

/*
 * The backend word of a slot, or NULL if its cluster is gone.  The caller
 * keeps the cluster alive: the slot is in use, or it holds rcu_read_lock().
 */
unsigned long *vswap_slot(swp_entry_t entry)
{
	unsigned long offset = swp_offset(entry);
	struct vswap_cluster *c;

	c = xa_load(&vswap.clusters, offset / VSWAP_CLUSTER);
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

	c = xa_load(&vswap.clusters, offset / VSWAP_CLUSTER);
	return c ? &c->memcg_id[offset % VSWAP_CLUSTER] : NULL;
}
