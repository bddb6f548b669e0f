// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: physical slots, the memcg charge of disk use, and the writes to
 * physical devices.
 *
 * A physical slot is held with SWAP_HAS_CACHE from vswap_phys_take() to
 * vswap_phys_put() (phys_cache.c batches both), and no page table ever
 * holds its entry.  The I/O to it goes through swap_ops_phys_read() and
 * swap_ops_phys_write(): the core's bios, accounted to the page's cgroup,
 * completed in the core.  A completion of ours would run module code after
 * the folio is unlocked, when the slot and with it vswap's last module
 * reference may be gone.
 *
 * A physical slot is charged to memory.swap of the memcg that swapped the
 * virtual slot out (cgroup v2); the PHYS word keeps the memcg id, and
 * table.c undoes the charge when it releases the slot.
 *
 * Locking: vswap.phys_writes[type] counts writers holding a physical slot
 * of @type not yet in the table; a swapoff of @type waits for them in
 * vswap_phys_wait_writes() (see vswap_write_phys()).  The folio being
 * written is locked, which is what allows it to set the slot's word.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/swap.h>
#include <linux/wait_bit.h>
#include <linux/writeback.h>

#include "vswap.h"

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

	phys = vswap_phys_take();
	if (!phys.val)
		return 0;
	if (vswap_tag(old) == VSWAP_PHYS)
		return vswap_encode_phys(phys, vswap_decode_memcg(old));
	/* the slot is in use: its cluster exists */
	id = vswap_swap_memcg(folio->swap);
	if (id && mem_cgroup_charge_swap_id(id)) {
		vswap_phys_put(phys, 1);
		vswap_stat_add(VSWAP_CHARGE_FAIL, 1);
		return 0;
	}
	if (id)
		vswap_stat_add(VSWAP_CHARGE, 1);
	return vswap_encode_phys(phys, id);
}

/*
 * Write a locked swap cache folio to a physical slot.  Every write takes a
 * new slot, by device priority, and frees the one the data had before (its
 * memcg charge moves along): the folios reclaim writes one after the other
 * then land on adjacent slots, and their bios merge into a few large
 * requests, whatever their old slots were.  If no new slot is left, the
 * old one is written again.  Unlocks the folio on success.
 */
int vswap_write_phys(struct folio *folio, unsigned long *wp,
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
		 * vswap_phys_wait_writes() waits for the writers it counts: either it
		 * waits for us until the slot is in the table, or we see
		 * the flag and let the slot go.
		 */
		atomic_inc(writes);
		smp_mb__after_atomic();	/* pairs with smp_mb() in vswap_phys_wait_writes() */
		if (!(READ_ONCE(swp_swap_info(phys)->flags) & SWP_WRITEOK)) {
			/* a slot replacing @old has @old's charge */
			if (vswap_tag(old) == VSWAP_PHYS)
				vswap_phys_put(phys, 1);
			else
				vswap_phys_release(word);
			word = 0;
		} else {
			vswap_folio_set_word(folio, wp, word);
			if (vswap_tag(old) == VSWAP_PHYS)
				vswap_phys_put(vswap_decode_phys(old), 1);
		}
		if (atomic_dec_and_test(writes))
			wake_up_var(writes);
	}
	if (!word && vswap_tag(old) == VSWAP_PHYS)
		word = old;
	if (!word)
		return -ENOSPC;
	/* the core then turns the type's faults to swap cache readahead */
	pr_info_once("a physical backend is in use: swap-in reads ahead\n");
	swap_ops_phys_write(folio, vswap_decode_phys(word), wbc);
	return 0;
}

/*
 * Wait, at swapoff of physical type @type (its SWP_WRITEOK is clear, so
 * it takes no more allocations), for the writers holding one of its slots
 * not yet in the table, see vswap_write_phys().  A fatal signal ends the
 * wait: -EINTR.
 */
int vswap_phys_wait_writes(int type)
{
	smp_mb();	/* pairs with smp_mb__after_atomic() in vswap_write_phys() */
	if (wait_var_event_killable(&vswap.phys_writes[type],
				    !atomic_read_acquire(&vswap.phys_writes[type])))
		return -EINTR;
	return 0;
}
