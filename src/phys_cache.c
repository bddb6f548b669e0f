// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: per-CPU caches of physical slots.
 *
 * Taking a physical slot with get_swap_pages() takes swap_avail_lock and
 * the device's si->lock, and freeing one takes that si->lock again: locks
 * that every CPU shares.  Stock swap takes and frees a device's slots in
 * batches through the slot cache (mm/swap_slots.c), which no slot goes
 * through while vswap is loaded.  vswap batches its physical slots the
 * same way: each CPU takes up to VSWAP_PHYS_BATCH slots of one device at
 * a time and hands them out one by one (adjacent slots, so reclaim's
 * writes still merge), and collects the slots it frees and returns them
 * together, one lock round per device.
 *
 * A cached slot is held on its device (SWAP_HAS_CACHE, counted in the
 * device's Used) but in no backend word.  The caches are returned
 *  - when a batch is used up or full;
 *  - one to two seconds (VSWAP_PHYS_IDLE, checked as often) after a CPU
 *    last used its cache, by phys_cache_work, so that a quiet machine's
 *    Used is exactly what vswap keeps there;
 *  - all at once when the devices run low (VSWAP_PHYS_LOW), as the slot
 *    cache is switched off then: slots are taken and freed one at a time
 *    until there is room again (VSWAP_PHYS_HIGH), so that no CPU fails to
 *    write while another's cache holds the last free slots;
 *  - at swapoff of a device (vswap_unuse(): SWP_WRITEOK is clear, so no
 *    cache takes its slots any more) and at unload.
 * A freed slot of a device without SWP_WRITEOK is not kept: it flushes
 * the CPU's batch at once, so that swapoff's try_to_unuse() never waits
 * for a slot that only sits in a cache.  Nor is a cached one handed out.
 *
 * Locking: a CPU's cache has two locks, taken by that CPU on the hot path
 * and by the drain for each CPU in turn.  @alloc_lock is a mutex, since
 * get_swap_pages() may sleep scanning a rotational device (the slot
 * cache's is one for the same reason); @free_lock is a spinlock, since
 * slots are freed under the virtual type's cluster locks.  Nesting:
 * @alloc_lock or a virtual cluster lock, then @free_lock, then the
 * device's swap_avail_lock, si->lock and cluster lock (in the core).
 *
 * Lifetime: from vswap_phys_cache_init() to vswap_phys_cache_exit(),
 * which runs after the last hook call and returns every cached slot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/swap.h>
#include <linux/swap_ops.h>
#include <linux/workqueue.h>

#include "vswap.h"

/* get_swap_pages() takes at most SWAP_BATCH slots at a time */
#define VSWAP_PHYS_BATCH	SWAP_BATCH
/* A cache its CPU has not used for this long is returned */
#define VSWAP_PHYS_IDLE		HZ
/* Free slots below which slots are not cached, above which they are again */
#define VSWAP_PHYS_LOW		(2 * VSWAP_PHYS_BATCH * num_online_cpus())
#define VSWAP_PHYS_HIGH		(5 * VSWAP_PHYS_BATCH * num_online_cpus())

struct vswap_phys_cache {
	struct mutex alloc_lock;	/* protects cur, nr, slots */
	unsigned int cur, nr;		/* slots[cur..nr) to hand out */
	swp_entry_t slots[VSWAP_PHYS_BATCH];
	spinlock_t free_lock;		/* protects nr_freed, freed */
	unsigned int nr_freed;		/* freed[0..nr_freed) to free */
	swp_entry_t freed[VSWAP_PHYS_BATCH];
	unsigned long used;		/* jiffies of the last use, a hint */
};

static struct vswap_phys_cache __percpu *phys_cache;
static struct delayed_work phys_cache_work;
/* The devices are low on free slots: nothing is cached (a hint) */
static bool phys_cache_low;

/*
 * Whether to cache slots: not while the devices are nearly full.  Going
 * low returns every CPU's cache at once (from phys_cache_work).
 */
static bool vswap_phys_cache_on(void)
{
	long free = get_nr_swap_pages();

	if (!READ_ONCE(phys_cache_low)) {
		if (free >= VSWAP_PHYS_LOW)
			return true;
		WRITE_ONCE(phys_cache_low, true);
		mod_delayed_work(system_unbound_wq, &phys_cache_work, 0);
		return false;
	}
	if (free > VSWAP_PHYS_HIGH)
		WRITE_ONCE(phys_cache_low, false);
	return !READ_ONCE(phys_cache_low);
}

/* Note a use of @c; the idle drain will return it once it is unused */
static void vswap_phys_cache_used(struct vswap_phys_cache *c)
{
	WRITE_ONCE(c->used, jiffies);
	/* the pending bit is read-mostly: test it before setting it */
	if (!delayed_work_pending(&phys_cache_work))
		queue_delayed_work(system_unbound_wq, &phys_cache_work,
				   VSWAP_PHYS_IDLE);
}

static int vswap_phys_cmp(const void *a, const void *b)
{
	const swp_entry_t *x = a, *y = b;

	return x->val < y->val ? -1 : x->val > y->val;
}

/*
 * Under @c->free_lock.  Sorted, the batch frees runs of adjacent slots
 * at once, a device at a time (swap_ops_phys_free()).  Runs freed whole
 * (swapoff, exit) come sorted: sort() would still compare n log n times.
 */
static void vswap_phys_cache_flush(struct vswap_phys_cache *c)
{
	unsigned int i;

	lockdep_assert_held(&c->free_lock);
	for (i = 1; i < c->nr_freed; i++) {
		if (c->freed[i].val < c->freed[i - 1].val) {
			sort(c->freed, c->nr_freed, sizeof(c->freed[0]),
			     vswap_phys_cmp, NULL);
			break;
		}
	}
	if (c->nr_freed)
		swap_ops_phys_free(c->freed, c->nr_freed);
	c->nr_freed = 0;
}

/* Under @c->alloc_lock: give back the slots not handed out */
static void vswap_phys_cache_put_back(struct vswap_phys_cache *c)
{
	lockdep_assert_held(&c->alloc_lock);
	if (c->cur < c->nr)
		swap_ops_phys_free(c->slots + c->cur, c->nr - c->cur);
	c->cur = 0;
	c->nr = 0;
}

static bool vswap_phys_writeok(swp_entry_t slot)
{
	return READ_ONCE(swp_swap_info(slot)->flags) & SWP_WRITEOK;
}

/*
 * A physical slot for this CPU, by device priority: zero if no device has
 * one.  May sleep.
 */
swp_entry_t vswap_phys_take(void)
{
	struct vswap_phys_cache *c = raw_cpu_ptr(phys_cache);
	swp_entry_t slot = {};

	mutex_lock(&c->alloc_lock);
	/* a batch is of one device: is it being switched off? */
	if (c->cur < c->nr && !vswap_phys_writeok(c->slots[c->cur]))
		vswap_phys_cache_put_back(c);
	/* no device has a free slot: skip swap_avail_lock */
	if (c->cur == c->nr && get_nr_swap_pages() > 0) {
		c->cur = 0;
		c->nr = swap_ops_phys_alloc(vswap_phys_cache_on() ?
					    VSWAP_PHYS_BATCH : 1, c->slots);
	}
	if (c->cur < c->nr) {
		slot = c->slots[c->cur++];
		if (c->cur < c->nr)
			vswap_phys_cache_used(c);
	}
	mutex_unlock(&c->alloc_lock);
	return slot;
}

/*
 * Free @nr consecutive physical slots from @start on: no backend word
 * holds them any more.
 */
void vswap_phys_put(swp_entry_t start, unsigned int nr)
{
	struct vswap_phys_cache *c = raw_cpu_ptr(phys_cache);
	unsigned int i;
	bool keep;

	spin_lock(&c->free_lock);
	/*
	 * SWP_WRITEOK is read under free_lock: vswap_phys_cache_drain() runs
	 * after swapoff cleared it and takes this lock, so either it finds
	 * our slots here or we see the flag clear.
	 */
	keep = vswap_phys_writeok(start) && !READ_ONCE(phys_cache_low);
	for (i = 0; i < nr; i++) {
		c->freed[c->nr_freed++] = swp_entry(swp_type(start),
						    swp_offset(start) + i);
		if (c->nr_freed == VSWAP_PHYS_BATCH)
			vswap_phys_cache_flush(c);
	}
	if (!keep)
		vswap_phys_cache_flush(c);
	else if (c->nr_freed)
		vswap_phys_cache_used(c);
	spin_unlock(&c->free_lock);
}

/*
 * Return what @c holds, or, with @idle, only if its CPU has not used it
 * for VSWAP_PHYS_IDLE; true if something is left in it.
 */
static bool vswap_phys_cache_return(struct vswap_phys_cache *c, bool idle)
{
	bool left;

	/*
	 * A hint, for the idle drain only: whoever fills it again queues
	 * the work again.  A drain at swapoff must take the locks (see
	 * vswap_phys_put()).
	 */
	if (idle && data_race(c->cur == c->nr && !c->nr_freed))
		return false;
	mutex_lock(&c->alloc_lock);
	spin_lock(&c->free_lock);
	left = c->cur < c->nr || c->nr_freed;
	if (left && (!idle ||
		     time_after_eq(jiffies, READ_ONCE(c->used) + VSWAP_PHYS_IDLE))) {
		vswap_phys_cache_put_back(c);
		vswap_phys_cache_flush(c);
		left = false;
	}
	spin_unlock(&c->free_lock);
	mutex_unlock(&c->alloc_lock);
	return left;
}

/* Return every CPU's cached slots: a device is going, or vswap is */
void vswap_phys_cache_drain(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		vswap_phys_cache_return(per_cpu_ptr(phys_cache, cpu), false);
}

/*
 * phys_cache_work: return the caches their CPUs stopped using, or all of
 * them when the devices run low
 */
static void vswap_phys_cache_idle(struct work_struct *work)
{
	bool idle = !READ_ONCE(phys_cache_low), left = false;
	int cpu;

	for_each_possible_cpu(cpu)
		left |= vswap_phys_cache_return(per_cpu_ptr(phys_cache, cpu),
						idle);
	if (left)
		queue_delayed_work(system_unbound_wq, &phys_cache_work,
				   VSWAP_PHYS_IDLE);
}

int vswap_phys_cache_init(void)
{
	int cpu;

	phys_cache = alloc_percpu(struct vswap_phys_cache);
	if (!phys_cache)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct vswap_phys_cache *c = per_cpu_ptr(phys_cache, cpu);

		mutex_init(&c->alloc_lock);
		spin_lock_init(&c->free_lock);
	}
	INIT_DELAYED_WORK(&phys_cache_work, vswap_phys_cache_idle);
	return 0;
}

/* After the last hook call: nothing fills the caches any more */
void vswap_phys_cache_exit(void)
{
	cancel_delayed_work_sync(&phys_cache_work);
	vswap_phys_cache_drain();
	free_percpu(phys_cache);
}
