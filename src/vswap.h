/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vswap: virtual swap space.  Shared definitions; the design, the data
 * structures and the locking rules that span files are described at the
 * top of module.c, the files and their layers at the end of this one.
 */
#ifndef _VSWAP_H
#define _VSWAP_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/swap.h>
#include <linux/swap_ops.h>
#include <linux/swapops.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/*
 * Slots per cluster: the unit in which vswap allocates its metadata, and
 * the core's unit of ->cluster locks and ->cgroup_id ids
 */
#define VSWAP_CLUSTER		SWAP_OPS_CLUSTER_PAGES

/*
 * The backend table: one word per slot.  The low bits are a tag saying
 * where the slot's data lives while no swap cache folio holds it; the
 * bits above the tag are the tag's payload.  Only PHYS has one: the
 * physical slot's type and offset, and the memcg id its swap charge went
 * to (0: none), which holds an id reference until the slot is released.
 * The zswap tree is keyed by the virtual entry itself.
 */
enum vswap_tag {
	VSWAP_NONE,	/* free slot */
	VSWAP_FOLIO,	/* in memory: the (dirty) swap cache folio */
	VSWAP_ZERO,	/* a zero-filled page: no storage at all */
	VSWAP_ZSWAP,	/* compressed in zswap */
	VSWAP_PHYS,	/* on a physical swap device: type, offset */
	VSWAP_NR_TAGS,
};

#define VSWAP_TAG_BITS		3
#define VSWAP_TAG_MASK		((1UL << VSWAP_TAG_BITS) - 1)
#define VSWAP_PHYS_OFF_SHIFT	(VSWAP_TAG_BITS + MAX_SWAPFILES_SHIFT)
#define VSWAP_PHYS_ID_SHIFT	(VSWAP_PHYS_OFF_SHIFT + 32)

static inline enum vswap_tag vswap_tag(unsigned long word)
{
	return word & VSWAP_TAG_MASK;
}

/*
 * A PHYS word from a physical slot and the memcg id charged for it.
 * Physical slot offsets fit in 32 bits: si->max is an unsigned int.
 * vswap_check_layout() checks that the fields fit the word.
 */
static inline unsigned long vswap_encode_phys(swp_entry_t phys,
					      unsigned short memcg_id)
{
	return (unsigned long)memcg_id << VSWAP_PHYS_ID_SHIFT |
		swp_offset(phys) << VSWAP_PHYS_OFF_SHIFT |
		swp_type(phys) << VSWAP_TAG_BITS | VSWAP_PHYS;
}

/* The physical slot of a PHYS word */
static inline swp_entry_t vswap_decode_phys(unsigned long word)
{
	return swp_entry((word >> VSWAP_TAG_BITS) &
			 ((1UL << MAX_SWAPFILES_SHIFT) - 1),
			 (word >> VSWAP_PHYS_OFF_SHIFT) & U32_MAX);
}

/* The memcg id a PHYS word's swap charge went to; 0: none */
static inline unsigned short vswap_decode_memcg(unsigned long word)
{
	return word >> VSWAP_PHYS_ID_SHIFT;
}

/* Clusters whose swap_map bytes share a page of swap_map */
#define VSWAP_MAP_CLUSTERS	(PAGE_SIZE / VSWAP_CLUSTER)

/*
 * What is looked up by cluster number, on every swap_map change and every
 * backend lookup: an index into a sparse array (vswap.heads, VM_SPARSE),
 * not a tree walk.  The heads of the 8 clusters of a swap_map page are
 * mapped with that page and kept until unload, so that the lock of a slot
 * the core looks at is always the same.
 */
struct vswap_cluster_head {
	/*
	 * The swap_ops ->cluster lock.  It protects its cluster's swap_map
	 * bytes, the fields of its struct vswap_cluster marked so, and the
	 * backend words and memcg ids of slots that no folio holds.
	 */
	struct swap_cluster_info lock;
	/*
	 * The cluster, or NULL: published set up (a release store), cleared
	 * under the cluster lock when it is erased; read locklessly (the
	 * reader keeps it alive: RCU, the cluster lock, or a slot in use)
	 */
	struct vswap_cluster *cluster;
};

/*
 * A cluster of VSWAP_CLUSTER slots, allocated when the first of its
 * slots is handed out and freed (after an RCU grace period) when the last
 * one is freed, or, if it is a CPU's own, once it has stayed empty through
 * two runs of vswap.idle_work.  Indexed by cluster number in
 * vswap.clusters (which hands out the numbers) and in its head (where it
 * is looked up); published whole in both before any slot is taken, erased
 * from both under its cluster lock.  "Cluster lock" is the spinlock in its
 * head, the swap_cluster_info that vswap_cluster_ci() returns.
 */
struct vswap_cluster {
	unsigned int index;		/* constant */
	u32 gen;			/* constant: tells it from an earlier one */
	/* slots in use; cluster lock (read locklessly: vswap_cluster_share()) */
	unsigned int used;
	unsigned int next;		/* next slot to try; cluster lock */
	/* empty at the last vswap_cluster_idle(), no slot taken since */
	bool idle;			/* cluster lock */
	/*
	 * On vswap.nonfull while it has a slot in use and a free one, and is
	 * no CPU's current cluster (@owned).  Both under list_lock; the
	 * holder of the cluster lock puts it on or off the list as its use
	 * count changes, vswap_next_cluster() takes it off.
	 */
	struct list_head list;		/* list_lock */
	/* list_lock; read under the cluster lock alone by vswap_free() */
	bool owned;
	struct rcu_head rcu;		/* frees it, once erased from both */
	/*
	 * The backend word of each slot (enum vswap_tag): changed with the
	 * slot's swap cache folio locked, or under the cluster lock while
	 * no folio holds the slot (allocation, free); read locklessly.
	 */
	unsigned long table[VSWAP_CLUSTER];
	/* swap_cgroup's id of each slot: the core's rules (->cgroup_id) */
	unsigned short memcg_id[VSWAP_CLUSTER];
};

/* Counters shown in debugfs and sysfs; see the table in README.md. */
enum vswap_stat {
	/* gauges: slots whose data is now ... */
	VSWAP_SLOTS_INMEM,	/* in a swap cache folio only (no backend took it) */
	VSWAP_SLOTS_ZERO,	/* a zero-filled page, stored nowhere */
	VSWAP_SLOTS_ZSWAP,	/* compressed in zswap */
	VSWAP_SLOTS_PHYS,	/* on a physical swap device */
	VSWAP_CLUSTERS,		/* clusters allocated (struct vswap_cluster) */
	VSWAP_MAP_PAGES,	/* swap_map pages mapped, kept until unload */
	/* events: pages written out to ... */
	VSWAP_SWPOUT_ZERO,	/* the zero backend */
	VSWAP_SWPOUT_ZSWAP,	/* zswap */
	VSWAP_SWPOUT_INMEM,	/* nowhere: kept dirty in memory */
	VSWAP_SWPOUT_PHYS,	/* a physical device, by reclaim */
	/* events: pages read back from ... */
	VSWAP_SWPIN_ZERO,	/* the zero backend (filled with zeroes) */
	VSWAP_SWPIN_ZSWAP,	/* zswap */
	VSWAP_SWPIN_PHYS,	/* a physical device (reads started) */
	VSWAP_ZSWAP_WRITEBACK,	/* zswap entries moved to a physical device */
	/*
	 * slots a swapoff moved off a physical device: read into memory, or
	 * dropped with an unmapped swap cache copy (a device's swapoff, and
	 * the disk pass that starts a swapoff of the virtual type)
	 */
	VSWAP_UNUSE_MOVED,
	VSWAP_IO_ERROR,		/* synchronous reads from a device that failed */
	VSWAP_CHARGE,		/* memory.swap charges taken for physical slots */
	VSWAP_UNCHARGE,		/* ... and undone */
	VSWAP_CHARGE_FAIL,	/* physical slots refused by memory.swap.max */
	VSWAP_ZSWAP_REJECT,	/* pages zswap did not take */
	VSWAP_LARGE_REFUSED,	/* large folios refused a slot (they get split) */
	VSWAP_ALLOC_FAIL,	/* slot allocations that failed (full, no memory) */
	VSWAP_READ_ERROR,	/* reads of a slot with no data (a bug) */
	VSWAP_NR_STATS,
};

/* Files of debugfs and sysfs that are not a counter of enum vswap_stat */
enum {
	VSWAP_FILE_CAPACITY = VSWAP_NR_STATS,	/* slots of the virtual type */
	VSWAP_FILE_SLOTS_USED,		/* slots in use: si->inuse_pages */
	VSWAP_FILE_METADATA_BYTES,	/* memory of clusters, maps, heads */
	VSWAP_NR_FILES,
};

/* Per cpu, summed when read: slots on different CPUs count concurrently */
struct vswap_stats {
	long nr[VSWAP_NR_STATS];
};

struct vswap {
	struct swap_info_struct *si;
	unsigned long capacity;		/* slots, slot 0 included */
	struct vm_struct *map_area;	/* the sparse swap_map */
	/* the sparse swap cache address spaces and zswap trees of the type */
	struct vm_struct *spaces_area, *trees_area;
	struct swap_ops_maps maps;	/* the three areas, for the core */
	struct xarray spaces;		/* the ones set up so far */
	atomic_long_t sparse_pages;	/* pages mapped for them and heads */
	struct xarray map_pages;	/* struct page of swap_map by index */
	struct vm_struct *heads_area;	/* the sparse vswap.heads */
	struct vswap_cluster_head *heads;	/* by cluster number */
	struct mutex map_lock;		/* serialises mapping them */
	struct xarray clusters;		/* the clusters, for allocation */
	spinlock_t list_lock;		/* protects nonfull */
	struct list_head nonfull;	/* clusters with a free slot */
	/*
	 * per CPU: the cluster it allocates from (vswap_hint(); 0: none),
	 * written by that CPU only, read by vswap_cluster_idle() (64-bit)
	 */
	u64 __percpu *current_cluster;
	atomic_t cluster_gen;		/* for the next new cluster */
	struct kmem_cache *cluster_cache;
	struct vswap_cluster * __percpu *spare;	/* see VSWAP_GFP */
	struct work_struct refill_work;
	struct delayed_work idle_work;	/* frees CPUs' empty clusters */
	struct vswap_stats __percpu *stats;
};

extern struct vswap vswap;

/* The word layout and the cluster geometry, checked at build time */
static inline void vswap_check_layout(void)
{
	BUILD_BUG_ON(VSWAP_TAG_MASK + 1 < VSWAP_NR_TAGS);
	/* type, 32-bit offset and a 16-bit memcg id above the tag */
	BUILD_BUG_ON(VSWAP_PHYS_ID_SHIFT + 16 > BITS_PER_LONG);
	BUILD_BUG_ON(sizeof_field(struct vswap_cluster, memcg_id[0]) != 2);
	/* a physical offset fits its 32 bits: si->max bounds it */
	BUILD_BUG_ON(sizeof_field(struct swap_info_struct, max) > 4);
	/* swap_map bytes of a cluster never straddle two pages */
	BUILD_BUG_ON(PAGE_SIZE % VSWAP_CLUSTER);
	/* an address space and a zswap tree cover whole clusters */
	BUILD_BUG_ON(SWAP_OPS_SPACE_PAGES % VSWAP_CLUSTER);
}

/* A run of physical slots being released; see vswap_release_add(). */
struct vswap_release {
	swp_entry_t start;
	unsigned int nr;
	unsigned short id;
};

static inline void vswap_stat_add(enum vswap_stat item, long nr)
{
	this_cpu_add(vswap.stats->nr[item], nr);
}

static inline long vswap_stat_read(enum vswap_stat item)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(vswap.stats, cpu)->nr[item]);
	/* a CPU's increment may be read before another's decrement */
	return max(sum, 0L);
}

/*
 * The files of src/, each calling only the ones listed above it (so no
 * two call each other), with what each one's functions declared here are:
 *
 *   phys_cache.c  per-CPU batches of physical slots, taken and freed
 *   table.c       a slot's backend word, release of a PHYS word (phys_cache.c)
 *   map.c         the sparse swap_map, cluster heads, address spaces and
 *                 zswap trees
 *   cluster.c     clusters, slot alloc and free         (table.c, map.c)
 *   phys.c        physical slots, memcg charges, disk writes
 *                                          (phys_cache.c, table.c, cluster.c)
 *   io.c          the swap-out and swap-in hooks   (table.c, cluster.c, phys.c)
 *   unuse.c       the swapoff walker                  (all of the above)
 *   stats.c       the counter files' names and values
 *   debugfs.c, sysfs.c   those files in debugfs and sysfs       (stats.c)
 *   module.c      load/unload and the swap_ops table  (all of them)
 *
 * One header, its declarations in sections of that order.  All of them
 * use the state struct vswap vswap, defined (and set up) in module.c.
 */

/* phys_cache.c */
int vswap_phys_cache_init(void);
void vswap_phys_cache_exit(void);
swp_entry_t vswap_phys_take(void);
void vswap_phys_put(swp_entry_t start, unsigned int nr);
void vswap_phys_cache_drain(void);

/* table.c */
unsigned long vswap_set_word(spinlock_t *lock, unsigned long *wp,
			     unsigned long word);
unsigned long vswap_folio_set_word(struct folio *folio, unsigned long *wp,
				   unsigned long word);
void vswap_release_add(struct vswap_release *r, unsigned long word);
void vswap_release_flush(struct vswap_release *r);
void vswap_phys_release(unsigned long word);
void vswap_replace(struct folio *folio, unsigned long *wp, unsigned long word);

/* map.c */
int vswap_map_init(void);
void vswap_map_exit(void);
int vswap_map_cluster(u32 index, gfp_t gfp);

/* cluster.c */
void vswap_cluster_init(void);
void vswap_cluster_exit(void);
int vswap_spare_init(void);
void vswap_spare_exit(void);
swp_entry_t vswap_alloc(struct folio *folio);
void vswap_free(struct swap_info_struct *si, unsigned long offset,
		unsigned int nr);
unsigned short *vswap_cgroup_id(swp_entry_t entry);
struct swap_cluster_info *vswap_cluster_ci(unsigned long offset);
unsigned long *vswap_word_of(swp_entry_t entry);

/* phys.c */
bool vswap_can_writeout(swp_entry_t entry);
int vswap_write_phys(struct folio *folio, unsigned long *wp,
		     struct writeback_control *wbc);
void vswap_phys_wait_writes(void);

/* io.c */
int vswap_writepage(struct folio *folio, struct writeback_control *wbc);
void vswap_writeout(struct folio *folio, struct writeback_control *wbc);
void vswap_read_folio(struct folio *folio);

/* unuse.c */
int vswap_unuse(int type);

/* stats.c */
extern const char * const vswap_file_names[VSWAP_NR_FILES];
u64 vswap_file_value(unsigned long item);

/* debugfs.c */
void vswap_debugfs_init(void);
void vswap_debugfs_exit(void);

/* sysfs.c */
int vswap_sysfs_init(void);
void vswap_sysfs_exit(void);

#endif /* _VSWAP_H */
