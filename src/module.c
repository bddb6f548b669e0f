// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: virtual swap space.
 *
 * vswap registers a virtual swap type through the core's swap_ops hooks
 * (CONFIG_SWAP_OPS, see include/linux/swap_ops.h).  While it is loaded,
 * every page that reclaim swaps out gets a virtual entry: the page tables
 * hold it, and vswap decides where the data lives.  The device is huge
 * (ALIGN_DOWN(UINT_MAX, 512) slots by default) and sparse:
 * memory is spent on clusters in use only.
 *
 * Data structures
 *
 * - swap_map (map.c): the core's per-slot reference counts, one byte a
 *   slot, in a VM_SPARSE area whose pages are mapped on demand and kept
 *   until unload, each with the heads of its 8 clusters (their locks and
 *   pointers to them) in another.
 * - the swap cache address spaces and zswap trees of the type (map.c),
 *   one each per SWAP_OPS_SPACE_PAGES slots, in two more VM_SPARSE arrays
 *   set up as clusters are created in their range, kept until unload.
 * - clusters (cluster.c): struct vswap_cluster, found through its head by
 *   cluster number (an xarray hands the numbers out: each CPU's from a
 *   swap cache address space of its own), allocated on demand and
 *   freed, after an RCU grace period, when their last slot is freed (a
 *   CPU's own cluster once it has stayed empty for a second or two).  A
 *   cluster holds the backend table and the memcg ids of its 512 slots.
 * - the backend table (table.c): a word per slot, tag in the low bits:
 *   FOLIO (in memory, in the swap cache), ZERO, ZSWAP, PHYS (a physical
 *   slot and the memcg charged for it).
 * - the physical slot caches (phys_cache.c): per CPU, a batch of slots
 *   taken from the devices and one of slots to give back.
 *
 * Each file of src/ holds one of these or one path (io.c: swap-out and
 * swap-in; phys.c: physical slots; unuse.c: swapoff), and calls only
 * the files listed before it at the end of vswap.h.  Each file's
 * header comment gives the locking rules and lifetimes of its data; the
 * rules that span files are here.
 *
 * Locking
 *
 * - the cluster locks (a swap_cluster_info per cluster, in its head in
 *   map.c, returned to the core by ->cluster in cluster.c) protect
 *   the cluster's swap_map bytes, its use count and allocation hint, and
 *   the erasure of its struct vswap_cluster.  The core takes
 *   one around every swap_map change of the virtual type, and calls ->free
 *   under it; vswap_alloc() takes it to hand out a slot.  si->lock of the
 *   virtual type is not on the per-page path.
 * - vswap.list_lock protects the nonfull list; it nests inside a cluster
 *   lock, and is taken when a cluster fills, stops being full, or is new.
 * - a slot's backend word is changed with the folio locked or under its
 *   cluster lock (table.c).  Freeing a PHYS slot under a cluster lock
 *   takes the CPU's phys_cache free_lock inside it, and inside that,
 *   when a batch is returned, the physical device's si->lock and
 *   cluster lock (phys_cache.c).
 * - vswap.map_lock serialises mapping new swap_map pages, cluster heads,
 *   swap cache spaces and zswap trees (map.c); it is taken
 *   without a spinlock held, in ->alloc, which may sleep, and allocates
 *   nothing that could swap out (reclaim swaps out through us).
 * - vswap_phys_srcu: writers a swapoff of a device waits for (phys.c).
 * - a slot's cluster is looked up in its head without a lock; the caller
 *   keeps it alive: the slot in use, its folio locked, the cluster lock,
 *   or rcu_read_lock() (lookups that may race with the slot's free).
 *
 * Lifetimes
 *
 * - the hooks are called only from swap_ops_enable() on, which vswap_init()
 *   calls once everything above is set up.
 * - the core holds a reference on vswap's module while any slot is in
 *   use, so it cannot be unloaded while a page table, shmem file or swap
 *   cache page holds a virtual entry: rmmod fails with "Module vswap is in
 *   use" until they are all freed (swapoff /dev/vswap frees them).
 * - no CPU runs vswap's code once it is unloaded: the core calls every
 *   hook in an SRCU section that swap_ops_unregister() waits for, and the
 *   I/O to physical slots completes in the core (swap_ops_phys_read() and
 *   swap_ops_phys_write()), not in a bio completion of ours.  vswap's own
 *   works (refill_work, idle_work, phys_cache_work) are cancelled after
 *   swap_ops_unregister(), when no hook can queue them again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vswap.h"

#define VSWAP_MIN_PAGES		(2 * VSWAP_CLUSTER)

struct vswap vswap;

static unsigned long max_pages;
module_param(max_pages, ulong, 0444);
MODULE_PARM_DESC(max_pages,
		 "Slots of the virtual device, a multiple of 512 (0: the largest possible)");

static const struct file_operations vswap_fops = {
	.owner = THIS_MODULE,
};

/* /dev/vswap names the virtual device for swapoff(2) and swapon(2). */
static struct miscdevice vswap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KBUILD_MODNAME,
	.fops = &vswap_fops,
};

static struct swap_ops vswap_ops = {
	.owner = THIS_MODULE,
	.name = "/dev/vswap",
	.type = "vswap\t",
	.cluster = vswap_cluster_ci,
	.alloc = vswap_alloc,
	.free = vswap_free,
	.writepage = vswap_writepage,
	.can_writeout = vswap_can_writeout,
	.writeout = vswap_writeout,
	.read_folio = vswap_read_folio,
	.cgroup_id = vswap_cgroup_id,
	.unuse = vswap_unuse,
};

static int __init vswap_check_params(void)
{
	unsigned long limit = ALIGN_DOWN(swap_ops_max_pages(), VSWAP_CLUSTER);

	vswap.capacity = max_pages ? max_pages : limit;
	if (vswap.capacity < VSWAP_MIN_PAGES || vswap.capacity > limit ||
	    vswap.capacity % VSWAP_CLUSTER) {
		pr_err("invalid max_pages=%lu: use 0 or a multiple of %u from %u to %lu\n",
		       max_pages, VSWAP_CLUSTER, VSWAP_MIN_PAGES, limit);
		return -EINVAL;
	}
	return 0;
}

static int __init vswap_init(void)
{
	struct swap_info_struct *si;
	int err;

	vswap_check_layout();
	err = vswap_check_params();
	if (err)
		return err;

	vswap_cluster_init();

	vswap.stats = alloc_percpu(struct vswap_stats);
	if (!vswap.stats)
		return -ENOMEM;
	vswap.current_cluster = alloc_percpu(u64);
	if (!vswap.current_cluster) {
		err = -ENOMEM;
		goto free_stats;
	}
	/* charged to the memcg of the page that needs one, see VSWAP_GFP */
	vswap.cluster_cache = KMEM_CACHE(vswap_cluster, SLAB_ACCOUNT);
	if (!vswap.cluster_cache) {
		err = -ENOMEM;
		goto free_stats;
	}
	err = vswap_spare_init();
	if (err)
		goto free_cache;
	err = vswap_phys_cache_init();
	if (err)
		goto free_spare;

	err = vswap_map_init();
	if (err)
		goto free_phys_cache;

	err = misc_register(&vswap_misc);
	if (err)
		goto free_map;
	vswap_ops.dev = vswap_misc.this_device->devt;

	si = swap_ops_register(&vswap_ops, &vswap.maps, vswap.capacity);
	if (IS_ERR(si)) {
		err = PTR_ERR(si);
		pr_err("cannot register the virtual swap device: %d\n", err);
		goto deregister;
	}
	vswap.si = si;
	vswap_debugfs_init();
	err = vswap_sysfs_init();
	if (err) {
		pr_err("cannot create /sys/module/vswap/stats: %d\n", err);
		goto unregister;
	}
	/* Only now can reclaim (or a physical swapoff) call into us */
	swap_ops_enable(si);
	pr_info("virtual swap device of %lu pages (type %d)\n",
		vswap.capacity, si->type);
	/* The kernel refuses rmmod silently, EAGAIN: say why here */
	pr_info("rmmod is refused while a virtual slot is in use: swapoff /dev/vswap, then rmmod\n");
	return 0;

unregister:
	vswap_debugfs_exit();
	swap_ops_unregister(si);
deregister:
	misc_deregister(&vswap_misc);
free_map:
	vswap_map_exit();
free_phys_cache:
	vswap_phys_cache_exit();
free_spare:
	vswap_spare_exit();
free_cache:
	kmem_cache_destroy(vswap.cluster_cache);
free_stats:
	free_percpu(vswap.current_cluster);
	free_percpu(vswap.stats);
	return err;
}

static void __exit vswap_exit(void)
{
	/* Waits for readers in a sysfs ->show; debugfs does the same */
	vswap_sysfs_exit();
	vswap_debugfs_exit();
	/* No slot is in use: that holds a module reference */
	swap_ops_unregister(vswap.si);
	misc_deregister(&vswap_misc);
	/* no hook runs any more: nothing fills the caches */
	vswap_phys_cache_exit();

	vswap_cluster_exit();
	vswap_spare_exit();
	vswap_map_exit();
	kmem_cache_destroy(vswap.cluster_cache);
	free_percpu(vswap.current_cluster);
	free_percpu(vswap.stats);
	pr_info("virtual swap device removed\n");
}

module_init(vswap_init);
module_exit(vswap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Virtual swap space: swap entries decoupled from storage");
MODULE_AUTHOR("The vswap developers");
MODULE_VERSION(VSWAP_VERSION);
