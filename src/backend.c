// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the backends of a slot and the swap-out/swap-in paths.
 *
 * A slot's backend word changes only while its folio is locked (swap-out
 * and swap-in), or under si->lock while the slot has no folio at all
 * (allocation and free).  So the word needs no lock of its own; counters
 * are atomics because different slots change concurrently.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/vmstat.h>
#include <linux/zswap.h>

#include "vswap.h"

static const enum vswap_stat tag_stat[VSWAP_NR_TAGS] = {
	[VSWAP_NONE] = VSWAP_NR_STATS,
	[VSWAP_FOLIO] = VSWAP_SLOTS_INMEM,
	[VSWAP_ZERO] = VSWAP_SLOTS_ZERO,
	[VSWAP_ZSWAP] = VSWAP_SLOTS_ZSWAP,
};

static enum vswap_tag vswap_tag(unsigned long word)
{
	return word & VSWAP_TAG_MASK;
}

void vswap_set_tag(unsigned long *slot, enum vswap_tag tag)
{
	enum vswap_tag old = vswap_tag(READ_ONCE(*slot));

	if (old == tag)
		return;
	if (old != VSWAP_NONE)
		vswap_stat_add(tag_stat[old], -1);
	if (tag != VSWAP_NONE)
		vswap_stat_add(tag_stat[tag], 1);
	WRITE_ONCE(*slot, tag);
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
 * The swap_ops ->writepage callback: the folio is locked, in the swap
 * cache and order 0 (vswap_alloc() refuses large folios).
 */
int vswap_writepage(struct folio *folio, struct writeback_control *wbc)
{
	unsigned long *slot = vswap_slot(folio->swap);

	if (WARN_ON_ONCE(!slot)) {
		folio_mark_dirty(folio);
		return AOP_WRITEPAGE_ACTIVATE;
	}

	/*
	 * A slot written again never has a zswap entry: swap-in through the
	 * swap cache took it out of zswap, as for a stock swap device.
	 */
	if (vswap_folio_is_zero(folio)) {
		vswap_set_tag(slot, VSWAP_ZERO);
		vswap_stat_add(VSWAP_SWPOUT_ZERO, 1);
		count_vm_event(SWPOUT_ZERO);
		folio_unlock(folio);
		return 0;
	}

	if (zswap_store(folio)) {
		vswap_set_tag(slot, VSWAP_ZSWAP);
		vswap_stat_add(VSWAP_SWPOUT_ZSWAP, 1);
		folio_unlock(folio);
		return 0;
	}

	/*
	 * No backend takes it: keep the data in the swap cache folio, dirty,
	 * and let reclaim activate it.  Nothing is lost, and the page tables
	 * keep their virtual entry for when a backend accepts it later.
	 */
	vswap_set_tag(slot, VSWAP_FOLIO);
	vswap_stat_add(VSWAP_ZSWAP_REJECT, 1);
	vswap_stat_add(VSWAP_SWPOUT_INMEM, 1);
	folio_mark_dirty(folio);
	return AOP_WRITEPAGE_ACTIVATE;
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
	unsigned long *slot;
	enum vswap_tag tag;

	for (i = 0; i < nr; i++) {
		slot = vswap_slot(swp_entry(swp_type(entry),
					    swp_offset(entry) + i));
		tag = slot ? vswap_tag(READ_ONCE(*slot)) : VSWAP_NONE;
		if (tag == VSWAP_ZERO)
			continue;
		/* zswap_load() takes order-0 folios only */
		if (tag == VSWAP_ZSWAP && nr == 1)
			break;
		pr_err_ratelimited("cannot read slot %lu: backend %d\n",
				   swp_offset(entry) + i, tag);
		vswap_stat_add(VSWAP_READ_ERROR, 1);
		goto unlock;
	}

	if (i == nr) {
		folio_zero_range(folio, 0, folio_size(folio));
		folio_mark_uptodate(folio);
		vswap_stat_add(VSWAP_SWPIN_ZERO, nr);
		count_vm_events(SWPIN_ZERO, nr);
		goto unlock;
	}

	/* A swap cache load takes the entry out of zswap, dirtying the folio */
	if (zswap_load(folio) && folio_test_uptodate(folio)) {
		if (folio_test_swapcache(folio))
			vswap_set_tag(slot, VSWAP_FOLIO);
		vswap_stat_add(VSWAP_SWPIN_ZSWAP, 1);
	} else {
		pr_err_ratelimited("slot %lu is not in zswap\n",
				   swp_offset(entry));
		vswap_stat_add(VSWAP_READ_ERROR, 1);
	}
unlock:
	folio_unlock(folio);
}
