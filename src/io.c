// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the swap-out and swap-in hooks (swap_ops ->writepage, ->writeout
 * and ->read_folio).
 *
 * Swap-out tries the backends in order: zero, zswap, a physical device
 * (phys.c), memory.  Swap-in reads the slot from the backend its word
 * names.  Every hook is called with the folio locked, which is what allows
 * it to change the slot's word (table.c); the folio is unlocked here, or
 * by the core's bio completion for a physical slot (phys.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/vmstat.h>
#include <linux/writeback.h>
#include <linux/zswap.h>

#include "vswap.h"

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
		vswap_replace(folio, wp, VSWAP_ZERO);
		vswap_stat_add(VSWAP_SWPOUT_ZERO, 1);
		vswap_count_zero(folio, SWPOUT_ZERO, 1);
		folio_unlock(folio);
		return 0;
	}

	if (zswap_store(folio)) {
		vswap_replace(folio, wp, VSWAP_ZSWAP);
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
	vswap_replace(folio, wp, VSWAP_FOLIO);
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
		vswap_replace(folio, wp, VSWAP_FOLIO);
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
			vswap_folio_set_word(folio, wp, VSWAP_FOLIO);
		vswap_stat_add(VSWAP_SWPIN_ZSWAP, 1);
	} else {
		pr_err_ratelimited("slot %lu is not in zswap\n",
				   swp_offset(entry));
		vswap_stat_add(VSWAP_READ_ERROR, 1);
	}
unlock:
	folio_unlock(folio);
}
