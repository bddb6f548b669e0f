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
 * Locking: a writer checks SWP_WRITEOK of its new slot's device and puts
 * the slot in the table inside a read-side section of vswap_phys_srcu; a
 * swapoff clears the flag, then waits for the sections under way in
 * vswap_phys_wait_writes() (see vswap_write_phys()).  SRCU, not a count
 * of writers: it takes as many barriers, but a count would be a cache
 * line that every CPU writes twice per disk write.  The folio being
 * written is locked, which is what allows it to set the slot's word.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/srcu.h>
#include <linux/swap.h>
#include <linux/writeback.h>

#include "vswap.h"

DEFINE_STATIC_SRCU(vswap_phys_srcu);

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
	int idx;

	word = vswap_phys_get(folio, old);
	if (word) {
		phys = vswap_decode_phys(word);
		/*
		 * swapoff of the new slot's device clears SWP_WRITEOK, then
		 * vswap_phys_wait_writes() waits for the sections under way:
		 * either it waits for us until the slot is in the table, or
		 * it began before our section, and we see the flag clear and
		 * let the slot go.  The section must not sleep: that wait is
		 * not interruptible.
		 */
		idx = srcu_read_lock(&vswap_phys_srcu);
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
		srcu_read_unlock(&vswap_phys_srcu, idx);
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
 * At swapoff of a physical type, once its SWP_WRITEOK is clear (it takes
 * no more allocations): wait for the writers' sections under way (of any
 * device), see vswap_write_phys().  After it, no slot of the type enters
 * the table; a writer that still holds one frees it.  The sections are
 * short and do not sleep.
 */
void vswap_phys_wait_writes(void)
{
	synchronize_srcu(&vswap_phys_srcu);
}
