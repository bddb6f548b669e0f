// SPDX-License-Identifier: GPL-2.0
/*
 * Memory regions whose pages carry a reproducible pattern: generation,
 * verification, pagemap state, MADV_PAGEOUT.
 */
#include "harness.h"
#include "region.h"

#include <sched.h>

const char *page_kind_str(enum page_kind kind)
{
	switch (kind) {
	case PAGE_ZERO:
		return "zero";
	case PAGE_COMPRESSIBLE:
		return "compressible";
	case PAGE_RANDOM:
		return "random";
	}
	return "?";
}

const struct page_mix page_mix_default = { 30, 40 };

__u64 splitmix64(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

__u64 page_seed(__u64 seed, size_t idx)
{
	__u64 s = seed ^ ((__u64)idx * 0xd1342543de82ef95ULL);

	return splitmix64(&s);
}

enum page_kind page_kind_of(__u64 seed, size_t idx,
			    const struct page_mix *mix)
{
	unsigned int r = page_seed(seed, idx) % 100;

	if (!mix)
		mix = &page_mix_default;
	if (r < mix->zero_pct)
		return PAGE_ZERO;
	if (r < mix->zero_pct + mix->comp_pct)
		return PAGE_COMPRESSIBLE;
	return PAGE_RANDOM;
}

void page_generate(void *page, __u64 seed, size_t idx,
		   const struct page_mix *mix)
{
	__u64 st = page_seed(seed, idx) ^ 0x5bd1e995ULL;
	__u64 *q = page;
	char *p = page;
	size_t i;

	switch (page_kind_of(seed, idx, mix)) {
	case PAGE_ZERO:
		memset(page, 0, VT_PAGE_SIZE);
		break;
	case PAGE_COMPRESSIBLE:
		/* 64-byte records: compresses well, never same-filled */
		memset(page, ' ', VT_PAGE_SIZE);
		for (i = 0; i < VT_PAGE_SIZE; i += 64)
			snprintf(p + i, 64, "vswap seed %016llx page %010zu rec %02zu ....",
				 (unsigned long long)seed, idx, i / 64);
		/* snprintf leaves a NUL per record; make it a newline */
		for (i = 63; i < VT_PAGE_SIZE; i += 64)
			p[i] = '\n';
		break;
	case PAGE_RANDOM:
		for (i = 0; i < VT_PAGE_SIZE / sizeof(*q); i++)
			q[i] = splitmix64(&st);
		break;
	}
}

void pattern_fill(void *buf, size_t nr_pages, __u64 seed,
		  const struct page_mix *mix)
{
	size_t i;

	for (i = 0; i < nr_pages; i++)
		page_generate((char *)buf + i * VT_PAGE_SIZE, seed, i, mix);
}

size_t pattern_verify(const void *buf, size_t nr_pages, __u64 seed,
		      const struct page_mix *mix,
		      struct page_mismatch *mm)
{
	unsigned char exp[VT_PAGE_SIZE];
	const unsigned char *p;
	size_t i, off, bad = 0;

	for (i = 0; i < nr_pages; i++) {
		p = (const unsigned char *)buf + i * VT_PAGE_SIZE;
		page_generate(exp, seed, i, mix);
		if (!memcmp(p, exp, VT_PAGE_SIZE))
			continue;
		if (!bad++ && mm) {
			for (off = 0; p[off] == exp[off]; off++)
				;
			mm->page = i;
			mm->offset = off;
			mm->kind = page_kind_of(seed, i, mix);
			mm->expected = exp[off];
			mm->got = p[off];
		}
	}
	if (mm)
		mm->bad_pages = bad;
	return bad;
}

void pattern_report(const struct page_mismatch *mm, size_t nr_pages)
{
	vt_log("%zu of %zu pages corrupt; first: page %zu (%s) byte %zu expected 0x%02x got 0x%02x",
	       mm->bad_pages, nr_pages, mm->page, page_kind_str(mm->kind),
	       mm->offset, mm->expected, mm->got);
}

__u64 page_csum(const void *page)
{
	const unsigned char *p = page;
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < VT_PAGE_SIZE; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void pattern_count(size_t nr_pages, __u64 seed,
		   const struct page_mix *mix, size_t counts[3])
{
	size_t i;

	memset(counts, 0, 3 * sizeof(counts[0]));
	for (i = 0; i < nr_pages; i++)
		counts[page_kind_of(seed, i, mix)]++;
}

int pagemap_walk(const void *addr, size_t nr_pages,
		 void (*fn)(__u64 ent, void *arg), void *arg)
{
	__u64 ent[512];
	size_t i, done = 0, n;
	ssize_t ret;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < nr_pages) {
		n = nr_pages - done < 512 ? nr_pages - done : 512;
		ret = pread(fd, ent, n * sizeof(ent[0]),
			    ((uintptr_t)addr / VT_PAGE_SIZE + done) * sizeof(ent[0]));
		if (ret != (ssize_t)(n * sizeof(ent[0]))) {
			ret = ret < 0 ? -errno : -EIO;
			close(fd);
			return ret;
		}
		for (i = 0; i < n; i++)
			fn(ent[i], arg);
		done += n;
	}
	close(fd);
	return 0;
}

struct pagemap_counts {
	size_t swapped, present;
};

static void pagemap_count_one(__u64 ent, void *arg)
{
	struct pagemap_counts *c = arg;

	if (ent & PM_SWAP)
		c->swapped++;
	if (ent & PM_PRESENT)
		c->present++;
}

int pagemap_count(const void *addr, size_t nr_pages,
		  size_t *swapped, size_t *present)
{
	struct pagemap_counts c = { 0 };
	int ret = pagemap_walk(addr, nr_pages, pagemap_count_one, &c);

	*swapped = c.swapped;
	if (present)
		*present = c.present;
	return ret;
}

int region_swap_state(const void *addr, size_t nr_pages,
		      size_t *swapped, size_t *present)
{
	long long swap_kb, anon_kb;
	int ret;

	ret = pagemap_count(addr, nr_pages, swapped, present);
	if (ret != -ENOENT)
		return ret;
	swap_kb = read_status_kb("VmSwap");
	anon_kb = read_status_kb("RssAnon");
	if (swap_kb < 0 || anon_kb < 0)
		return -ENOENT;
	*swapped = swap_kb / 4 < (long long)nr_pages ? swap_kb / 4 : nr_pages;
	if (present)
		*present = anon_kb / 4 < (long long)nr_pages ? anon_kb / 4 : nr_pages;
	return 1;
}

char *vd_page(const struct vd_region *r, size_t idx)
{
	return r->mem + idx * VT_PAGE_SIZE;
}

void *vt_map_pages(size_t nr_pages, bool shared, int fd)
{
	int flags = (fd < 0 ? MAP_ANONYMOUS : 0) |
		    (shared ? MAP_SHARED : MAP_PRIVATE);
	void *p;

	p = mmap(NULL, nr_pages * VT_PAGE_SIZE, PROT_READ | PROT_WRITE, flags,
		 fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, nr_pages * VT_PAGE_SIZE, MADV_NOHUGEPAGE)) {
		int err = errno;

		munmap(p, nr_pages * VT_PAGE_SIZE);
		errno = err;
		return NULL;
	}
	return p;
}

int vd_region_map_fd(struct vd_region *r, size_t nr_pages, bool shared,
		     int fd)
{
	void *p;

	memset(r, 0, sizeof(*r));
	p = vt_map_pages(nr_pages, shared, fd);
	if (!p)
		return -errno;
	r->csum = calloc(nr_pages, sizeof(*r->csum));
	if (!r->csum) {
		munmap(p, nr_pages * VT_PAGE_SIZE);
		return -ENOMEM;
	}
	r->mem = p;
	r->nr_pages = nr_pages;
	r->shared = shared;
	return 0;
}

int vd_region_map(struct vd_region *r, size_t nr_pages, bool shared)
{
	return vd_region_map_fd(r, nr_pages, shared, -1);
}

void vd_region_unmap(struct vd_region *r)
{
	if (r->mem)
		munmap(r->mem, r->nr_pages * VT_PAGE_SIZE);
	free(r->csum);
	memset(r, 0, sizeof(*r));
}

void vd_region_fill(struct vd_region *r, size_t first, size_t n,
		    __u64 seed, const struct page_mix *mix)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		/* page indexes fit 32 bits; tells gcc how long the text gets */
		page_generate(vd_page(r, i), seed, (uint32_t)i, mix);
		r->csum[i] = page_csum(vd_page(r, i));
	}
}

size_t vd_region_verify(const struct vd_region *r, size_t first,
			size_t n, size_t *first_bad)
{
	size_t i, bad = 0;

	for (i = first; i < first + n; i++) {
		if (page_csum(vd_page(r, i)) == r->csum[i])
			continue;
		if (!bad++ && first_bad)
			*first_bad = i;
	}
	return bad;
}

void vd_count_kinds(size_t first, size_t n, __u64 seed,
		    const struct page_mix *mix, size_t counts[3])
{
	size_t i;

	memset(counts, 0, 3 * sizeof(counts[0]));
	for (i = first; i < first + n; i++)
		counts[page_kind_of(seed, i, mix)]++;
}

long vd_pageout_anon(const struct vd_region *r, size_t first,
		     size_t n)
{
	size_t swapped = 0;
	int i, ret;

	for (i = 0; i < 10; i++) {
		if (madvise(vd_page(r, first), n * VT_PAGE_SIZE, MADV_PAGEOUT))
			return -errno;
		ret = pagemap_count(vd_page(r, first), n, &swapped, NULL);
		if (ret)
			return ret;
		if (swapped == n)
			break;
		usleep(10 * 1000);
	}
	return swapped;
}

void vd_region_out(struct __test_metadata *_metadata,
		   struct vd_region *r, size_t n, __u64 seed,
		   const struct page_mix *mix, size_t k[3])
{
	cpu_set_t all;
	bool pinned;
	long out;

	/*
	 * On one CPU from the first write to MADV_PAGEOUT: the last pages
	 * written wait in the writing CPU's LRU batch, and MADV_PAGEOUT
	 * drains only the batch of the CPU it runs on, so after a migration
	 * it cannot take them (up to a batch, 31 pages, stayed resident).
	 */
	pinned = !sched_getaffinity(0, sizeof(all), &all) && !vd_pin_cpu();
	ASSERT_EQ(0, vd_region_map(r, n, false));
	vd_region_fill(r, 0, n, seed, mix);
	vd_count_kinds(0, n, seed, mix, k);
	out = vd_pageout_anon(r, 0, n);
	if (pinned)
		sched_setaffinity(0, sizeof(all), &all);
	ASSERT_EQ((long)n, out) TH_LOG("MADV_PAGEOUT left pages resident");
}

void vd_region_check(struct __test_metadata *_metadata,
		     const struct vd_region *r, __u64 seed,
		     const struct page_mix *mix, const char *when)
{
	size_t bad, first_bad = 0;

	bad = vd_region_verify(r, 0, r->nr_pages, &first_bad);
	ASSERT_EQ(0, bad)
		TH_LOG("%s: %zu of %zu pages bad, first %zu (%s)", when, bad,
		       r->nr_pages, first_bad,
		       page_kind_str(page_kind_of(seed, first_bad, mix)));
}
