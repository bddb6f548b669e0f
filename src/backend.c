// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the backends of a slot and the swap-out/swap-in paths.
 *
 * A slot's backend word changes only while its folio is locked (swap-out,
 * swap-in, physical swapoff), or under its cluster lock while the slot has
 * no folio at all (allocation and free).  So the word needs no lock of its own;
 * counters are per-cpu because different slots change concurrently.
 *
 * A physical slot is held with SWAP_HAS_CACHE from swap_ops_phys_alloc()
 * to swap_ops_phys_free(), and no page table ever holds its entry.  The
 * I/O to it goes through swap_ops_phys_read()/swap_ops_phys_write(): the
 * core's bios, accounted to the page's cgroup, completed in the core.  A
 * completion of ours would run module code after the folio is unlocked,
 * when the slot and with it vswap's last module reference may be gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <linux/wait_bit.h>
#include <linux/writeback.h>
#include <linux/zswap.h>

#include "vswap.h"

static const enum vswap_stat tag_stat[VSWAP_NR_TAGS] = {
	[VSWAP_NONE] = VSWAP_NR_STATS,
	[VSWAP_FOLIO] = VSWAP_SLOTS_INMEM,
	[VSWAP_ZERO] = VSWAP_SLOTS_ZERO,
	[VSWAP_ZSWAP] = VSWAP_SLOTS_ZSWAP,
	[VSWAP_PHYS] = VSWAP_SLOTS_PHYS,
};

/* Set a slot's backend word, keep the counters; returns the old word. */
unsigned long vswap_set_word(unsigned long *wp, unsigned long word)
{
	unsigned long old = READ_ONCE(*wp);

	if (vswap_tag(old) != VSWAP_NONE)
		vswap_stat_add(tag_stat[vswap_tag(old)], -1);
	if (vswap_tag(word) != VSWAP_NONE)
		vswap_stat_add(tag_stat[vswap_tag(word)], 1);
	WRITE_ONCE(*wp, word);
	return old;
}

/*
 * Release the physical slots of PHYS words, undoing their memcg swap
 * charges: consecutive slots of one memcg are freed and uncharged with one
 * call, which takes the device's lock once (physical swapoff and process
 * exit free whole runs).  vswap_release_add() words, then flush.
 */
void vswap_release_add(struct vswap_release *r, unsigned long word)
{
	swp_entry_t phys = vswap_decode_phys(word);
	unsigned short id = vswap_decode_memcg(word);

	if (r->nr && (id != r->id || swp_type(phys) != swp_type(r->start) ||
		      swp_offset(phys) != swp_offset(r->start) + r->nr))
		vswap_release_flush(r);
	if (!r->nr) {
		r->start = phys;
		r->id = id;
	}
	r->nr++;
}

void vswap_release_flush(struct vswap_release *r)
{
	if (!r->nr)
		return;
	swap_ops_phys_free(r->start, r->nr);
	if (r->id) {
		mem_cgroup_uncharge_swap_id(r->id, r->nr);
		vswap_stat_add(VSWAP_UNCHARGE, r->nr);
	}
	r->nr = 0;
}

static void vswap_phys_release(unsigned long word)
{
	struct vswap_release r = {};

	vswap_release_add(&r, word);
	vswap_release_flush(&r);
}

/* Set the word and let go of a physical slot the data no longer needs. */
static void vswap_replace(unsigned long *wp, unsigned long word)
{
	unsigned long old = vswap_set_word(wp, word);

	if (vswap_tag(old) == VSWAP_PHYS && old != word)
		vswap_phys_release(old);
}

/*
 * The memcg whose memory.swap.* a slot's disk use is charged to: the one
 * that swapped it out.  0 on cgroup v1, whose memsw counter charged the
 * virtual slot itself, as stock charges every swap slot.
 */
static unsigned short vswap_swap_memcg(swp_entry_t entry)
{
	unsigned short *id;

#ifdef CONFIG_MEMCG
	if (mem_cgroup_disabled() || !cgroup_subsys_on_dfl(memory_cgrp_subsys))
		return 0;
#endif
	id = vswap_cgroup_id(entry);
	return id ? READ_ONCE(*id) : 0;
}

/*
 * The swap_ops ->can_writeout callback: could vswap_writeout() write the
 * slot to disk now?  zswap asks before it decompresses the slot, so that
 * it never leaves a page it cannot write uncompressed in memory.  The slot
 * may be freed meanwhile (its cluster too): RCU keeps the cluster.
 */
bool vswap_can_writeout(swp_entry_t entry)
{
	unsigned short id;

	if (get_nr_swap_pages() <= 0)
		return false;
	rcu_read_lock();
	id = vswap_swap_memcg(entry);
	rcu_read_unlock();
	if (!id)
		return true;
	/* Room under memory.swap.max, for vswap_phys_get()'s charge */
	if (!mem_cgroup_may_charge_swap_id(id)) {
		vswap_stat_add(VSWAP_CHARGE_FAIL, 1);
		return false;
	}
	return true;
}

/*
 * A new physical slot for a virtual one, charged to the memcg that swapped
 * it out (recorded at swap-out, so a task that moved or exited since
 * changes nothing): memory.swap.max limits disk use only.  A slot that
 * replaces the physical slot @old takes over its charge.
 */
static unsigned long vswap_phys_get(struct folio *folio, unsigned long old)
{
	unsigned short id;
	swp_entry_t phys;

	if (get_nr_swap_pages() <= 0)
		return 0;
	phys = swap_ops_phys_alloc();
	if (!phys.val)
		return 0;
	/* Swap over a filesystem's swap_rw is not a backend */
	if (swp_swap_info(phys)->flags & SWP_FS_OPS) {
		swap_ops_phys_free(phys, 1);
		return 0;
	}
	if (vswap_tag(old) == VSWAP_PHYS)
		return vswap_encode_phys(phys, vswap_decode_memcg(old));
	/* the slot is in use: its cluster exists */
	id = vswap_swap_memcg(folio->swap);
	if (id && mem_cgroup_charge_swap_id(id)) {
		swap_ops_phys_free(phys, 1);
		vswap_stat_add(VSWAP_CHARGE_FAIL, 1);
		return 0;
	}
	if (id)
		vswap_stat_add(VSWAP_CHARGE, 1);
	return vswap_encode_phys(phys, id);
}

static bool vswap_folio_is_zero(struct folio *folio)
{
	long i, nr = folio_nr_pages(folio);
	bool zero = true;
	void *addr;

	for (i = 0; zero && i < nr; i++) {
		addr = kmap_local_folio(folio, i * PAGE_SIZE);
		zero = !memchr_inv(addr, 0, PAGE_SIZE);
		kunmap_local(addr);
	}
	return zero;
}

/*
 * A zero-page swap event, counted globally and for the folio's memcg as
 * stock does (memcg has no PSWPIN/PSWPOUT events in 6.12).
 */
static void vswap_count_zero(struct folio *folio, enum vm_event_item item,
			     long nr)
{
	count_vm_events(item, nr);
	count_memcg_folio_events(folio, item, nr);
}

/*
 * The core registers the virtual type with SWP_SYNCHRONOUS_IO: a fault on
 * a zswap or zero slot fills a private folio and frees the slot at once,
 * as on zram.  A slot on disk wants the swap cache and its readahead, as
 * stock swap from a disk: from the first disk write on (until vswap is
 * reloaded), every fault goes that way.  do_swap_page() reads the flag
 * racily; either path is correct for any slot.
 */
static void vswap_swapin_readahead(void)
{
	spin_lock(&vswap.si->lock);
	vswap.si->flags &= ~SWP_SYNCHRONOUS_IO;
	spin_unlock(&vswap.si->lock);
	pr_info("a physical backend is in use: swap-in reads ahead\n");
}

/*
 * Write a locked swap cache folio to a physical slot.  Every write takes a
 * new slot, by device priority, and frees the one the data had before (its
 * memcg charge moves along): the folios reclaim writes one after the other
 * then land on adjacent slots, and their bios merge into a few large
 * requests, whatever their old slots were.  If no new slot is left, the
 * old one is written again.  Unlocks the folio on success.
 */
static int vswap_write_phys(struct folio *folio, unsigned long *wp,
			    struct writeback_control *wbc)
{
	unsigned long old = READ_ONCE(*wp), word;
	swp_entry_t phys;
	atomic_t *writes;

	word = vswap_phys_get(folio, old);
	if (word) {
		phys = vswap_decode_phys(word);
		writes = &vswap.phys_writes[swp_type(phys)];
		/*
		 * swapoff of the new slot's device clears SWP_WRITEOK, then
		 * vswap_unuse() waits for the writers it counts: either it
		 * waits for us until the slot is in the table, or we see
		 * the flag and let the slot go.
		 */
		atomic_inc(writes);
		smp_mb__after_atomic();	/* pairs with smp_mb() in vswap_unuse() */
		if (!(READ_ONCE(swp_swap_info(phys)->flags) & SWP_WRITEOK)) {
			/* a slot replacing @old has @old's charge */
			if (vswap_tag(old) == VSWAP_PHYS)
				swap_ops_phys_free(phys, 1);
			else
				vswap_phys_release(word);
			word = 0;
		} else {
			vswap_set_word(wp, word);
			if (vswap_tag(old) == VSWAP_PHYS)
				swap_ops_phys_free(vswap_decode_phys(old), 1);
		}
		if (atomic_dec_and_test(writes))
			wake_up_var(writes);
	}
	if (!word && vswap_tag(old) == VSWAP_PHYS)
		word = old;
	if (!word)
		return -ENOSPC;
	/* a stale read only takes si->lock once more */
	if (unlikely(data_race(vswap.si->flags & SWP_SYNCHRONOUS_IO)))
		vswap_swapin_readahead();

	swap_ops_phys_write(folio, vswap_decode_phys(word), wbc);
	return 0;
}

/*
 * The swap_ops ->writepage callback: the folio is locked, in the swap
 * cache and order 0 (vswap_alloc() refuses large folios).  Backends in
 * order: zero, zswap, a physical device, memory.
 */
int vswap_writepage(struct folio *folio, struct writeback_control *wbc)
{
	unsigned long *wp = vswap_word_of(folio->swap);

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (WARN_ON_ONCE(!wp)) {
		folio_mark_dirty(folio);
		return AOP_WRITEPAGE_ACTIVATE;
	}

	/*
	 * A slot written again has no zswap entry: swap-in through the
	 * swap cache took it out of zswap, as for a stock swap device.
	 */
	if (vswap_folio_is_zero(folio)) {
		vswap_replace(wp, VSWAP_ZERO);
		vswap_stat_add(VSWAP_SWPOUT_ZERO, 1);
		vswap_count_zero(folio, SWPOUT_ZERO, 1);
		folio_unlock(folio);
		return 0;
	}

	if (zswap_store(folio)) {
		vswap_replace(wp, VSWAP_ZSWAP);
		vswap_stat_add(VSWAP_SWPOUT_ZSWAP, 1);
		folio_unlock(folio);
		return 0;
	}
	vswap_stat_add(VSWAP_ZSWAP_REJECT, 1);

	if (mem_cgroup_zswap_writeback_enabled(folio_memcg(folio)) &&
	    !vswap_write_phys(folio, wp, wbc)) {
		vswap_stat_add(VSWAP_SWPOUT_PHYS, 1);
		return 0;
	}

	/*
	 * No backend takes it: keep the data in the swap cache folio, dirty,
	 * and let reclaim activate it.  Nothing is lost, and the page tables
	 * keep their virtual entry for when a backend accepts it later.
	 */
	vswap_replace(wp, VSWAP_FOLIO);
	vswap_stat_add(VSWAP_SWPOUT_INMEM, 1);
	folio_mark_dirty(folio);
	return AOP_WRITEPAGE_ACTIVATE;
}

/*
 * The swap_ops ->writeout callback: zswap writeback of a slot.  zswap has
 * decompressed it into a locked, uptodate swap cache folio and freed its
 * entry; no page table walk is needed to move the slot to disk.
 */
void vswap_writeout(struct folio *folio, struct writeback_control *wbc)
{
	unsigned long *wp = vswap_word_of(folio->swap);

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (wp && !vswap_write_phys(folio, wp, wbc)) {
		vswap_stat_add(VSWAP_ZSWAP_WRITEBACK, 1);
		return;
	}
	/* No disk slot after all (or a bug): the data stays in memory */
	WARN_ON_ONCE(!wp);
	if (wp)
		vswap_replace(wp, VSWAP_FOLIO);
	folio_mark_dirty(folio);
	folio_unlock(folio);
}

/*
 * The swap_ops ->read_folio callback.  The folio is locked and not
 * uptodate; it is in the swap cache, or (SWP_SYNCHRONOUS_IO) it is a
 * private folio whose slot the faulting task holds with SWAP_HAS_CACHE.
 * Leaving the folio !uptodate makes the fault fail with SIGBUS.
 */
void vswap_read_folio(struct folio *folio)
{
	long i, nr = folio_nr_pages(folio);
	swp_entry_t entry = folio->swap;
	unsigned long *wp, word = 0;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	for (i = 0; i < nr; i++) {
		wp = vswap_word_of(swp_entry(swp_type(entry),
					     swp_offset(entry) + i));
		word = wp ? READ_ONCE(*wp) : VSWAP_NONE;
		if (vswap_tag(word) == VSWAP_ZERO)
			continue;
		/* zswap_load() and our bios take order-0 folios only */
		if (nr == 1 && (vswap_tag(word) == VSWAP_ZSWAP ||
				vswap_tag(word) == VSWAP_PHYS))
			break;
		pr_err_ratelimited("cannot read slot %lu: backend %u\n",
				   swp_offset(entry) + i, (unsigned int)vswap_tag(word));
		vswap_stat_add(VSWAP_READ_ERROR, 1);
		goto unlock;
	}

	if (i == nr) {
		folio_zero_range(folio, 0, folio_size(folio));
		folio_mark_uptodate(folio);
		vswap_stat_add(VSWAP_SWPIN_ZERO, nr);
		vswap_count_zero(folio, SWPIN_ZERO, nr);
		goto unlock;
	}

	if (vswap_tag(word) == VSWAP_PHYS) {
		/*
		 * The slot stays on disk: a clean folio can be dropped again.
		 * A folio outside the swap cache is the SWP_SYNCHRONOUS_IO
		 * fault path, which would drop a still-locked folio and fault
		 * again: read it synchronously.  An error leaves the folio
		 * !uptodate (SIGBUS), and the core logs it.
		 */
		bool sync = !folio_test_swapcache(folio);

		vswap_stat_add(VSWAP_SWPIN_PHYS, 1);
		swap_ops_phys_read(folio, vswap_decode_phys(word), sync);
		if (sync && !folio_test_uptodate(folio))
			vswap_stat_add(VSWAP_IO_ERROR, 1);
		return;
	}

	/* A swap cache load takes the entry out of zswap, dirtying the folio */
	if (zswap_load(folio) && folio_test_uptodate(folio)) {
		if (folio_test_swapcache(folio))
			vswap_set_word(wp, VSWAP_FOLIO);
		vswap_stat_add(VSWAP_SWPIN_ZSWAP, 1);
	} else {
		pr_err_ratelimited("slot %lu is not in zswap\n",
				   swp_offset(entry));
		vswap_stat_add(VSWAP_READ_ERROR, 1);
	}
unlock:
	folio_unlock(folio);
}

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
	unsigned long *wp;
	int err = 0;

	folio_lock(folio);
	folio_wait_writeback(folio);
	wp = vswap_word_of(entry);
	if (folio_test_swapcache(folio) && folio->swap.val == entry.val &&
	    wp && vswap_on_type(READ_ONCE(*wp), type)) {
		/* swap_map, ours, says if nothing but the cache holds it */
		if (READ_ONCE(vswap.si->swap_map[swp_offset(entry)]) ==
		    SWAP_HAS_CACHE && folio_free_swap(folio)) {
			/* vswap_free() released the physical slot */
			vswap_stat_add(VSWAP_UNUSE_MOVED, 1);
		} else if (folio_test_uptodate(folio)) {
			folio_mark_dirty(folio);
			vswap_release_add(r, vswap_set_word(wp, VSWAP_FOLIO));
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
 * later swap out again, to zswap or another device.  At swapoff(2) of
 * the virtual type (@type is ours), the slots on every device are read
 * so, in disk order with their physical slots freed in runs, before the
 * core's page table walk finds them in the swap cache.  A cluster's reads are
 * issued together, and while they are in flight the previous cluster's are
 * waited for and its physical slots freed.  On error, swapoff fails as
 * stock swapoff does, and the slots moved so far stay in memory.
 */
int vswap_unuse(int type)
{
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
	 * The type takes no more allocations (SWP_WRITEOK is clear): wait
	 * for writers holding one of its slots not yet in the table, see
	 * vswap_write_phys().  A fatal signal ends the wait.
	 */
	smp_mb();	/* pairs with smp_mb__after_atomic() in vswap_write_phys() */
	err = wait_var_event_killable(&vswap.phys_writes[type],
				      !atomic_read_acquire(&vswap.phys_writes[type]));
	if (err) {
		err = -EINTR;
		goto out;
	}

	prev->nr = 0;
	while (more) {
		more = !err && vswap_unuse_start_batch(cur, &idx, type, &err);
		vswap_unuse_finish_batch(prev, type, &err);
		swap(cur, prev);
		if (!err && signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
out:
	kfree(prev);
	kfree(cur);
	return err;
}
