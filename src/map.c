// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the sparse per-slot arrays the core reads.
 *
 * swap_map is a VM_SPARSE area of one byte per slot.  A page of it (the
 * counts of 4096 slots, 8 clusters) is mapped the first time one of its
 * clusters is allocated and stays mapped until unload: the core may read
 * the count of a slot that was just freed (a stale page table entry seen
 * by swap readahead, say), and such a read must find 0, not fault.
 *
 * With each page come the heads of its 8 clusters (struct
 * vswap_cluster_head, in the sparse array vswap.heads), kept until unload
 * too: their locks, which the core takes (through ->cluster) around every
 * swap_map change, and vswap around every allocation and free, so that no
 * lock shared by all CPUs is on the per-page path; and the pointers by
 * which a slot's cluster is found without a tree walk.  The swap cache
 * address spaces and zswap trees, one each per SWAP_OPS_SPACE_PAGES slots,
 * are sparse arrays too, set up with the first cluster they cover.
 *
 * Locking: vswap.map_lock serializes the mapping; vswap.map_pages and
 * vswap.spaces say, locklessly, what is mapped and set up already.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/vmalloc.h>

#include "vswap.h"

#define SLOTS_PER_MAP_PAGE	PAGE_SIZE	/* swap_map has a byte a slot */

/*
 * Map the pages under [@start, @start + @size) of @area not mapped yet;
 * under map_lock, which makes the check and the mapping one step.
 */
static int vswap_map_range(struct vm_struct *area, void *start, size_t size,
			   gfp_t gfp)
{
	unsigned long addr = (unsigned long)start & PAGE_MASK;
	struct page *page;

	lockdep_assert_held(&vswap.map_lock);
	for (; addr < (unsigned long)start + size; addr += PAGE_SIZE) {
		if (vmalloc_to_page((void *)addr))
			continue;
		page = alloc_page(gfp | __GFP_ZERO);
		if (!page)
			return -ENOMEM;
		if (vm_area_map_pages(area, addr, addr + PAGE_SIZE, &page)) {
			__free_page(page);
			return -ENOMEM;
		}
		atomic_long_inc(&vswap.sparse_pages);
	}
	return 0;
}

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
	struct vswap_cluster_head *heads = vswap.heads + pgidx * VSWAP_MAP_CLUSTERS;
	unsigned int noio, i;
	unsigned long addr;
	struct page *page;
	int err = 0;

	if (xa_load(&vswap.map_pages, pgidx)) {
		smp_rmb();	/* the page's contents after it: xa_store() */
		return 0;
	}

	mutex_lock(&vswap.map_lock);
	noio = memalloc_noio_save();
	if (xa_load(&vswap.map_pages, pgidx))
		goto out;
	/* the heads of its clusters first: a page of heads is shared */
	err = vswap_map_range(vswap.heads_area, heads,
			      VSWAP_MAP_CLUSTERS * sizeof(*heads), gfp);
	if (err)
		goto out;
	for (i = 0; i < VSWAP_MAP_CLUSTERS; i++)
		spin_lock_init(&heads[i].lock.lock);
	err = -ENOMEM;
	page = alloc_page(gfp | __GFP_ZERO);
	if (!page)
		goto out;
	/* Reserved entries read as NULL; storing over one cannot fail */
	err = xa_reserve(&vswap.map_pages, pgidx, gfp);
	if (err)
		goto free_page;
	addr = (unsigned long)vswap.map_area->addr + pgidx * PAGE_SIZE;
	err = vm_area_map_pages(vswap.map_area, addr, addr + PAGE_SIZE, &page);
	if (err) {
		xa_release(&vswap.map_pages, pgidx);
		goto free_page;
	}
	xa_store(&vswap.map_pages, pgidx, page, GFP_KERNEL);
	vswap_stat_add(VSWAP_MAP_PAGES, 1);
	goto out;
free_page:
	__free_page(page);
out:
	memalloc_noio_restore(noio);
	mutex_unlock(&vswap.map_lock);
	return err;
}

/* Free @area with the pages mapped in it */
static void vswap_free_area(struct vm_struct *area)
{
	unsigned long addr, end;
	struct page *page;
	LIST_HEAD(pages);

	if (!area)
		return;
	addr = (unsigned long)area->addr;
	for (end = addr + get_vm_area_size(area); addr < end; addr += PAGE_SIZE) {
		page = vmalloc_to_page((void *)addr);
		if (page)
			list_add(&page->lru, &pages);
	}
	free_vm_area(area);
	put_pages_list(&pages);
}

/*
 * One lockdep class for the zswap trees, named so that lock_stat tells them
 * from the module's other xarrays (and from the trees of devices).
 */
static struct lock_class_key vswap_zswap_tree_key;

/*
 * The swap cache address space and zswap tree of @offset's slots (one
 * each per SWAP_OPS_SPACE_PAGES, as for a device: 50 MiB for the whole
 * space, so they live in sparse arrays too), set up before the first of
 * those slots is handed out and kept until unload.  Under map_lock, for
 * the reasons given at vswap_map_page().
 */
static int vswap_map_space(unsigned long offset, gfp_t gfp)
{
	unsigned long i = offset / SWAP_OPS_SPACE_PAGES;
	struct address_space *space = vswap.maps.spaces + i;
	struct xarray *tree = vswap.maps.zswap_trees + i;
	unsigned int noio;
	int err = 0;

	if (xa_load(&vswap.spaces, i)) {
		smp_rmb();	/* the set-up space after it: xa_store() */
		return 0;
	}

	mutex_lock(&vswap.map_lock);
	noio = memalloc_noio_save();
	if (xa_load(&vswap.spaces, i))
		goto out;
	err = xa_reserve(&vswap.spaces, i, gfp);
	if (err)
		goto out;
	err = vswap_map_range(vswap.spaces_area, space, sizeof(*space), gfp);
	if (!err)
		err = vswap_map_range(vswap.trees_area, tree, sizeof(*tree), gfp);
	if (err) {
		xa_release(&vswap.spaces, i);
		goto out;
	}
	swap_address_space_init(space);
	xa_init(tree);
	lockdep_set_class_and_name(&tree->xa_lock, &vswap_zswap_tree_key,
				   "vswap_zswap_tree");
	/* published set up: a lockless xa_load() above may use it at once */
	xa_store(&vswap.spaces, i, xa_mk_value(1), GFP_KERNEL);
out:
	memalloc_noio_restore(noio);
	mutex_unlock(&vswap.map_lock);
	return err;
}

/*
 * Everything a new cluster @index needs mapped before its first slot is
 * handed out: its swap_map page with the heads, its address space and
 * zswap tree.  0 or -ENOMEM.
 */
int vswap_map_cluster(u32 index, gfp_t gfp)
{
	unsigned long offset = (unsigned long)index * VSWAP_CLUSTER;

	return vswap_map_page(offset / SLOTS_PER_MAP_PAGE, gfp) ?:
	       vswap_map_space(offset, gfp);
}

int vswap_map_init(void)
{
	unsigned long nr = DIV_ROUND_UP(vswap.capacity, SWAP_OPS_SPACE_PAGES);
	int err = -ENOMEM;

	xa_init(&vswap.map_pages);
	xa_init(&vswap.spaces);
	mutex_init(&vswap.map_lock);

	vswap.map_area = get_vm_area(PAGE_ALIGN(vswap.capacity), VM_SPARSE);
	/* vswap_map_page() maps the heads of a whole page's clusters */
	vswap.heads_area = get_vm_area(DIV_ROUND_UP(vswap.capacity,
						    SLOTS_PER_MAP_PAGE) *
				       VSWAP_MAP_CLUSTERS *
				       sizeof(*vswap.heads), VM_SPARSE);
	vswap.spaces_area = get_vm_area(nr * sizeof(struct address_space),
					VM_SPARSE);
	vswap.trees_area = get_vm_area(nr * sizeof(struct xarray), VM_SPARSE);
	if (!vswap.map_area || !vswap.heads_area || !vswap.spaces_area ||
	    !vswap.trees_area)
		goto free;
	vswap.heads = vswap.heads_area->addr;
	vswap.maps.swap_map = vswap.map_area->addr;
	vswap.maps.spaces = vswap.spaces_area->addr;
	vswap.maps.zswap_trees = vswap.trees_area->addr;

	/* Slot 0 is never handed out, as on a device with a header */
	err = vswap_map_page(0, GFP_KERNEL_ACCOUNT);
	if (err)
		goto free;
	vswap.maps.swap_map[0] = SWAP_MAP_BAD;
	return 0;
free:
	vswap_free_area(vswap.trees_area);
	vswap_free_area(vswap.spaces_area);
	vswap_free_area(vswap.heads_area);
	vswap_free_area(vswap.map_area);
	return err;
}

void vswap_map_exit(void)
{
	struct page *page;
	unsigned long idx;
	void *entry;

	/*
	 * No entry may be left in a swap cache space or zswap tree: a shadow
	 * would leave its xa_node on the workingset LRU, in freed memory.
	 * An xa_store() that failed for want of memory may have left empty
	 * nodes behind: free those.
	 */
	xa_for_each(&vswap.spaces, idx, entry) {
		struct address_space *space = &vswap.maps.spaces[idx];
		struct xarray *tree = &vswap.maps.zswap_trees[idx];
		unsigned long i = 0, j = 0;

		WARN_ON_ONCE(xa_find(&space->i_pages, &i, ULONG_MAX, XA_PRESENT));
		WARN_ON_ONCE(xa_find(tree, &j, ULONG_MAX, XA_PRESENT));
		xa_destroy(&space->i_pages);
		xa_destroy(tree);
	}
	vswap_free_area(vswap.trees_area);
	vswap_free_area(vswap.spaces_area);
	xa_destroy(&vswap.spaces);
	vswap_free_area(vswap.heads_area);
	/* map_pages lists swap_map's pages: no walk of its 4 GiB area */
	free_vm_area(vswap.map_area);
	xa_for_each(&vswap.map_pages, idx, page)
		__free_page(page);
	xa_destroy(&vswap.map_pages);
}
