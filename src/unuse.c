// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the swapoff walker (swap_ops ->unuse).
 *
 * At swapoff(2) of a physical device, vswap walks its own table, never the
 * page tables: each slot on the device is read into the swap cache and
 * becomes an in-memory slot.  At swapoff(2) of the virtual type, the core
 * calls it for the virtual type first: a best-effort head start for its
 * page table walk, which reads the slots of every device so, a cluster
 * of virtual slots at a time, while memory allows.
 *
 * Locking: the walker looks clusters up under RCU and reads their words
 * locklessly; it changes a slot's word only with the slot's swap cache
 * folio locked (table.c), and frees physical slots in runs after the
 * folios are unlocked.  Its batches are its own (kmalloc'ed per call).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swap.h>

#include "vswap.h"

/* Is @word a physical slot on @type?  The virtual type means any device. */
static bool vswap_on_type(unsigned long word, int type)
{
	return vswap_tag(word) == VSWAP_PHYS &&
		(type == vswap.si->type ||
		 swp_type(vswap_decode_phys(word)) == type);
}

/* The slots of one cluster on the type being swapped off, and their reads */
struct vswap_unuse_batch {
	unsigned int nr;
	swp_entry_t entry[VSWAP_CLUSTER];
	struct folio *folio[VSWAP_CLUSTER];
};

/*
 * Get a slot backed by physical type @type into the swap cache, starting
 * its read if it is not there yet (the caller's plug merges the reads of
 * adjacent physical slots).  Returns the folio (referenced), NULL if the
 * slot is gone, or an error.
 */
static struct folio *vswap_unuse_start(swp_entry_t entry, int type)
{
	struct folio *folio;
	unsigned long *wp;
	unsigned long word;
	bool allocated;

	folio = swap_ops_cache_folio(entry, &allocated);
	if (folio) {
		if (allocated)
			vswap_read_folio(folio);
		return folio;
	}
	/* freed meanwhile (cluster too, maybe), or no memory */
	rcu_read_lock();
	wp = vswap_word_of(entry);
	word = wp ? READ_ONCE(*wp) : VSWAP_NONE;
	rcu_read_unlock();
	return vswap_on_type(word, type) ? ERR_PTR(-ENOMEM) : NULL;
}

/*
 * Wait for the read, and make the swap cache folio the slot's data; the
 * physical slot goes to @r.  A copy nobody references (swap readahead
 * brought it in, its task exited) is dropped instead, slot and all, as
 * try_to_unuse() does: it would hold the slot, and vswap, until reclaim.
 */
static int vswap_unuse_finish(struct folio *folio, swp_entry_t entry,
			      int type, struct vswap_release *r)
{
	unsigned long *wp, word;
	int err = 0;

	folio_lock(folio);
	folio_wait_writeback(folio);
	wp = vswap_word_of(entry);
	if (folio_test_swapcache(folio) && folio->swap.val == entry.val &&
	    wp && vswap_on_type(READ_ONCE(*wp), type)) {
		/* no page table or shmem file holds it: drop it */
		if (folio_free_swap(folio)) {
			/* vswap_free() released the physical slot */
			vswap_stat_add(VSWAP_UNUSE_MOVED, 1);
		} else if (folio_test_uptodate(folio)) {
			folio_mark_dirty(folio);
			word = vswap_folio_set_word(folio, wp, VSWAP_FOLIO);
			vswap_release_add(r, word);
			vswap_stat_add(VSWAP_UNUSE_MOVED, 1);
		} else {
			err = -EIO;
		}
	}
	folio_unlock(folio);
	folio_put(folio);
	return err;
}

/*
 * Gather the slots on @type of the first cluster from *@idx on and start
 * reading them, under a plug that merges adjacent slots into one request.
 * Returns false when no cluster is left.
 */
static bool vswap_unuse_start_batch(struct vswap_unuse_batch *b,
				    unsigned long *idx, int type, int *err)
{
	struct vswap_cluster *c;
	struct blk_plug plug;
	unsigned long word;
	unsigned int i;

	b->nr = 0;
	rcu_read_lock();
	c = xa_find(&vswap.clusters, idx, ULONG_MAX, XA_PRESENT);
	for (i = 0; c && i < VSWAP_CLUSTER; i++) {
		word = READ_ONCE(c->table[i]);
		if (vswap_on_type(word, type))
			b->entry[b->nr++] = swp_entry(vswap.si->type,
						      *idx * VSWAP_CLUSTER + i);
	}
	rcu_read_unlock();
	if (!c)
		return false;
	(*idx)++;

	blk_start_plug(&plug);
	for (i = 0; i < b->nr; i++) {
		b->folio[i] = *err ? NULL : vswap_unuse_start(b->entry[i], type);
		if (IS_ERR(b->folio[i])) {
			*err = PTR_ERR(b->folio[i]);
			b->folio[i] = NULL;
		}
	}
	blk_finish_plug(&plug);
	return true;
}

/* Wait for a batch's reads and free its physical slots, in runs. */
static void vswap_unuse_finish_batch(struct vswap_unuse_batch *b, int type,
				     int *err)
{
	struct vswap_release r = {};
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		if (b->folio[i] &&
		    vswap_unuse_finish(b->folio[i], b->entry[i], type, &r) &&
		    !*err)
			*err = -EIO;
	}
	vswap_release_flush(&r);
	b->nr = 0;
}

/*
 * The swap_ops ->unuse callback: swapoff(2) of physical type @type.  Walks
 * vswap's own table, never the page tables: each slot on @type is read
 * into the swap cache and becomes an in-memory slot, which reclaim may
 * later swap out again, to zswap or another device.  A cluster's reads
 * are issued together, and while they are in flight the previous
 * cluster's are waited for and its physical slots freed.  On error,
 * swapoff fails as stock swapoff does, and the slots moved so far stay in
 * memory.
 *
 * At swapoff(2) of the virtual type (@type is ours), the slots on every
 * device are read so before the core's page table walk, which then finds
 * them in the swap cache: their physical slots are freed in runs instead
 * of one at a time.  This is a head start only: it stops while a quarter
 * of RAM is still available (reclaim would write the unmapped copies out
 * again), and at an error, which it leaves to the walk (a read error
 * poisons the page table entry there, as on stock swapoff); only a signal
 * fails it.
 */
int vswap_unuse(int type)
{
	bool head_start = type == vswap.si->type;
	struct vswap_unuse_batch *cur, *prev;
	unsigned long idx = 0;
	bool more = true;
	int err = 0;

	cur = kmalloc(sizeof(*cur), GFP_KERNEL);
	prev = kmalloc(sizeof(*prev), GFP_KERNEL);
	if (!cur || !prev) {
		err = -ENOMEM;
		goto out;
	}

	/*
	 * No slot of @type may enter the table after the walk has passed
	 * it, nor sit in a CPU's cache: try_to_unuse() would wait for it
	 */
	if (!head_start) {
		vswap_phys_wait_writes();
		vswap_phys_cache_drain();
	}

	prev->nr = 0;
	while (more) {
		/* a head start leaves a quarter of RAM to the walk */
		bool room = !head_start ||
			si_mem_available() >= (long)(totalram_pages() / 4);

		more = !err && room &&
			vswap_unuse_start_batch(cur, &idx, type, &err);
		vswap_unuse_finish_batch(prev, type, &err);
		swap(cur, prev);
		if (!err && signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
out:
	kfree(prev);
	kfree(cur);
	return head_start && err != -EINTR ? 0 : err;
}
