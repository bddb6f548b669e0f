/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory regions whose pages carry a reproducible pattern: generation,
 * verification, pagemap state, MADV_PAGEOUT.
 */
#ifndef __VSWAP_TEST_REGION_H
#define __VSWAP_TEST_REGION_H

#include "util.h"

struct __test_metadata;

/* ---------------------------------------------------------------------
 * Deterministic page patterns
 *
 * Every page of a region is one of three kinds, chosen from (seed, index):
 * all-zero, compressible (text-like, page-unique, not same-filled) and
 * random (incompressible).  Contents depend on (seed, index) only, so
 * verification regenerates each page and compares all of it: a page that
 * came back from the wrong slot or from an earlier run with another seed
 * is caught, not only a torn one.
 */

enum page_kind {
	PAGE_ZERO,
	PAGE_COMPRESSIBLE,
	PAGE_RANDOM,
};

const char *page_kind_str(enum page_kind kind);

/* Percentages of zero and compressible pages; the rest are random. */
struct page_mix {
	unsigned int zero_pct;
	unsigned int comp_pct;
};

extern const struct page_mix page_mix_default;

struct page_mismatch {
	size_t page;		/* index of the first bad page */
	size_t offset;		/* first differing byte in that page */
	enum page_kind kind;	/* what the page should have been */
	unsigned char expected;
	unsigned char got;
	size_t bad_pages;	/* total number of bad pages */
};

__u64 splitmix64(__u64 *state);

__u64 page_seed(__u64 seed, size_t idx);

enum page_kind page_kind_of(__u64 seed, size_t idx,
			    const struct page_mix *mix);

/* Generate the expected contents of page @idx into @page (VT_PAGE_SIZE). */
void page_generate(void *page, __u64 seed, size_t idx,
		   const struct page_mix *mix);

/*
 * Fill @nr_pages pages at @buf.  Zero pages are written too, so every page
 * is a real, dirty anonymous page and not the shared zero page.
 */
void pattern_fill(void *buf, size_t nr_pages, __u64 seed,
		  const struct page_mix *mix);

/*
 * Compare every page against its expected contents.  Returns the number
 * of bad pages; details of the first one go to @mm (may be NULL).
 */
size_t pattern_verify(const void *buf, size_t nr_pages, __u64 seed,
		      const struct page_mix *mix,
		      struct page_mismatch *mm);

void pattern_report(const struct page_mismatch *mm, size_t nr_pages);

/* 64-bit FNV-1a of one page, for tests that keep per-page checksums. */
__u64 page_csum(const void *page);

/* Count pages of the kinds in a region (for logging). */
void pattern_count(size_t nr_pages, __u64 seed,
		   const struct page_mix *mix, size_t counts[3]);

/* ---------------------------------------------------------------------
 * /proc/self/pagemap
 */

#ifndef BIT_ULL
#define BIT_ULL(nr)	(1ULL << (nr))
#endif
#define PM_SWAP		BIT_ULL(62)
#define PM_PRESENT	BIT_ULL(63)
/* Of a PM_SWAP entry: bits 0-4 the swap type, 5-54 the offset */
#define PM_SWAP_TYPE(e)		((e) & 0x1f)
#define PM_SWAP_OFFSET(e)	(((e) >> 5) & (BIT_ULL(50) - 1))

/*
 * Call @fn with the pagemap entry of each page of [@addr, @addr +
 * @nr_pages pages), in order.  0 or -errno; -ENOENT without pagemap.
 */
int pagemap_walk(const void *addr, size_t nr_pages,
		 void (*fn)(__u64 ent, void *arg), void *arg);

/*
 * Count pages of [@addr, @addr + @nr_pages pages) that are swapped out and
 * present (@present may be NULL).  0 or -errno; -ENOENT without pagemap.
 */
int pagemap_count(const void *addr, size_t nr_pages,
		  size_t *swapped, size_t *present);

/* Error allowed when region_swap_state() has to estimate (pages). */
#define REGION_EST_SLACK	512

/*
 * How many pages of a region are swapped out and resident.  Exact from
 * /proc/self/pagemap (returns 0).  Kernels without CONFIG_PROC_PAGE_MONITOR
 * have no pagemap: then it is estimated from VmSwap and RssAnon of the
 * whole process (returns 1) and callers must allow REGION_EST_SLACK pages
 * of error (approximate per-cpu rss counters, other anonymous memory).
 * -errno on failure.
 */
int region_swap_state(const void *addr, size_t nr_pages,
		      size_t *swapped, size_t *present);

/* ---------------------------------------------------------------------
 * Regions with one remembered checksum per page
 */

struct vd_region {
	char *mem;
	size_t nr_pages;
	__u64 *csum;		/* expected page_csum() of every page */
	bool shared;
};

char *vd_page(const struct vd_region *r, size_t idx);

/*
 * The one place test memory is mapped: @nr_pages read-write, of @fd
 * (anonymous if @fd < 0; @shared: MAP_SHARED, i.e. shmem when anonymous),
 * with MADV_NOHUGEPAGE, so that a THP split can never remap zero-filled
 * subpages to the shared zero page behind the counters' back.  NULL with
 * errno set on failure.
 */
void *vt_map_pages(size_t nr_pages, bool shared, int fd);

/*
 * vt_map_pages() as a vd_region with a checksum slot per page; 0 or
 * -errno.  vd_region_map() maps anonymous memory.
 */
int vd_region_map_fd(struct vd_region *r, size_t nr_pages, bool shared,
		     int fd);
int vd_region_map(struct vd_region *r, size_t nr_pages, bool shared);

void vd_region_unmap(struct vd_region *r);

/*
 * Write pages [@first, @first + @n) with the deterministic pattern of
 * (@seed, page index) and remember their checksums.
 */
void vd_region_fill(struct vd_region *r, size_t first, size_t n,
		    __u64 seed, const struct page_mix *mix);

/*
 * Check pages [@first, @first + @n) against the remembered checksums.
 * Returns the number of bad pages; the first one goes to *@first_bad.
 */
size_t vd_region_verify(const struct vd_region *r, size_t first,
			size_t n, size_t *first_bad);

/* Pages of each kind in [@first, @first + @n) for (@seed, @mix). */
void vd_count_kinds(size_t first, size_t n, __u64 seed,
		    const struct page_mix *mix, size_t counts[3]);

/*
 * MADV_PAGEOUT the pages [@first, @first + @n) until pagemap shows all of
 * them swapped out (a page can be missed while it sits in another CPU's
 * LRU batch; the call is repeated a bounded number of times).  Returns the
 * number of pages swapped out, or -errno.  Private anonymous mappings only:
 * pagemap does not show swapped shmem.
 */
long vd_pageout_anon(const struct vd_region *r, size_t first,
		     size_t n);

/*
 * Map @n pages, fill them with (@seed, @mix), count the kinds into @k and
 * MADV_PAGEOUT all of them (asserts that every page left), all on the
 * CPU it runs on.
 */
void vd_region_out(struct __test_metadata *_metadata,
		   struct vd_region *r, size_t n, __u64 seed,
		   const struct page_mix *mix, size_t k[3]);

/* Every page of @r against its checksum; asserts, logs the first bad one. */
void vd_region_check(struct __test_metadata *_metadata,
		     const struct vd_region *r, __u64 seed,
		     const struct page_mix *mix, const char *when);

#endif /* __VSWAP_TEST_REGION_H */
