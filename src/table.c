// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the backend table, a word per slot (the layout is in vswap.h).
 *
 * This file sets a slot's word, keeping the per-tag gauges, and releases
 * what a PHYS word holds: its physical slot (to phys_cache.c's per-CPU
 * batch) and the memcg swap charge taken for it.
 *
 * Locking: a slot's word changes only while its folio is locked (swap-out,
 * swap-in, physical swapoff: vswap_folio_set_word(), vswap_replace()), or
 * under its cluster lock while no folio holds the slot (allocation and
 * free in cluster.c: vswap_set_word()).  So the word needs no lock of its
 * own, and is read locklessly; the counters are per-cpu because different
 * slots change concurrently.  Releasing a physical slot takes its CPU's
 * phys_cache free_lock, and the device's locks when the batch is full or
 * the device is being switched off (their nesting: phys_cache.c).
 *
 * Lifetime: the words live in their cluster (struct vswap_cluster), from
 * the allocation of its first slot to an RCU grace period after the free
 * of its last.  A PHYS word holds its physical slot (with SWAP_HAS_CACHE)
 * and a reference on its memcg id until it is released here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/swap.h>

#include "vswap.h"

static const enum vswap_stat tag_stat[VSWAP_NR_TAGS] = {
	[VSWAP_NONE] = VSWAP_NR_STATS,
	[VSWAP_FOLIO] = VSWAP_SLOTS_INMEM,
	[VSWAP_ZERO] = VSWAP_SLOTS_ZERO,
	[VSWAP_ZSWAP] = VSWAP_SLOTS_ZSWAP,
	[VSWAP_PHYS] = VSWAP_SLOTS_PHYS,
};

/* Set a slot's backend word, keep the counters; returns the old word */
static unsigned long __vswap_set_word(unsigned long *wp, unsigned long word)
{
	unsigned long old = READ_ONCE(*wp);

	if (vswap_tag(old) != VSWAP_NONE)
		vswap_stat_add(tag_stat[vswap_tag(old)], -1);
	if (vswap_tag(word) != VSWAP_NONE)
		vswap_stat_add(tag_stat[vswap_tag(word)], 1);
	WRITE_ONCE(*wp, word);
	return old;
}

/* __vswap_set_word() by the holder of the slot's locked folio @folio */
unsigned long vswap_folio_set_word(struct folio *folio, unsigned long *wp,
				   unsigned long word)
{
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	return __vswap_set_word(wp, word);
}

/*
 * __vswap_set_word() under the slot's cluster lock @lock, while no folio
 * holds the slot: allocation and free, in cluster.c.
 */
unsigned long vswap_set_word(spinlock_t *lock, unsigned long *wp,
			     unsigned long word)
{
	lockdep_assert_held(lock);
	return __vswap_set_word(wp, word);
}

/*
 * Release the physical slots of PHYS words, undoing their memcg swap
 * charges: consecutive slots of one memcg are freed and uncharged with one
 * call (physical swapoff and process exit free whole runs).
 * vswap_release_add() words, then flush.
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
	vswap_phys_put(r->start, r->nr);
	if (r->id) {
		mem_cgroup_uncharge_swap_id(r->id, r->nr);
		vswap_stat_add(VSWAP_UNCHARGE, r->nr);
	}
	r->nr = 0;
}

/* Release the physical slot of one PHYS word */
void vswap_phys_release(unsigned long word)
{
	struct vswap_release r = {};

	vswap_release_add(&r, word);
	vswap_release_flush(&r);
}

/*
 * Set the word, by the holder of the slot's locked folio @folio, and let
 * go of a physical slot the data no longer needs.
 */
void vswap_replace(struct folio *folio, unsigned long *wp, unsigned long word)
{
	unsigned long old = vswap_folio_set_word(folio, wp, word);

	if (vswap_tag(old) == VSWAP_PHYS && old != word)
		vswap_phys_release(old);
}
