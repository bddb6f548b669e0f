/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the vswap selftests.
 *
 * Everything here is static so that every test binary is a single
 * translation unit built with:
 *
 *   gcc -static -O2 -g -Wall -I$KSRC/tools/testing/selftests foo.c
 *
 * Helpers return 0 (or a value) on success and -errno on failure unless
 * documented otherwise.  Diagnostics go to stderr with a "# " prefix:
 * test children leave with _exit(), so anything buffered on stdout would
 * be lost.
 */
#ifndef __VSWAP_TEST_H
#define __VSWAP_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#define VSWAP_MOD_NAME		"vswap"
#define VSWAP_KO_DEFAULT	"/lib/vswap/vswap.ko"
#define VSWAP_DEV		"/dev/vswap"
#define VSWAP_SYSFS_MOD		"/sys/module/vswap"
#define VSWAP_DEBUGFS		"/sys/kernel/debug/vswap"
#define VSWAP_LOG_PREFIX	"vswap: "

#define VSWAP_CLUSTER_SLOTS	512UL
#define VSWAP_MIN_PAGES		1024UL
/* ALIGN_DOWN(UINT_MAX, 512): the largest capacity, unless the arch limits it */
#define VSWAP_MAX_PAGES		4294966784UL
#define VSWAP_PRIO		32767

#define CG_ROOT			"/sys/fs/cgroup"
#define ZSWAP_ENABLED		"/sys/module/zswap/parameters/enabled"
#define ZSWAP_DEBUGFS		"/sys/kernel/debug/zswap"

#define VT_PAGE_SIZE		4096UL
#define KB(x)			((x) * 1024UL)
#define MB(x)			((x) * 1024UL * 1024UL)

/*
 * Workload scale knob: VSWAP_SCALE=PERCENT (1..100, default 100) in the
 * environment shrinks region sizes / iteration counts of the tests that use
 * VT_SCALE(), e.g. for the slow debug kernel (KASAN + lockdep under TCG).
 * The guest's /init takes it from the kernel command line (vswap.scale=N;
 * scripts/vm.sh passes $VSWAP_SCALE).  Never scales below @min, and never
 * changes what a test asserts - only how much work it does.
 */
static inline int vt_scale_pct(void)
{
	static int pct = -1;
	const char *e;

	if (pct < 0) {
		e = getenv("VSWAP_SCALE");
		pct = e && *e ? atoi(e) : 100;
		if (pct < 1 || pct > 100)
			pct = 100;
	}
	return pct;
}
/* n scaled by VSWAP_SCALE percent, at least min (an int, like the #defines);
 * VT_SCALE_MB(mb, min_mb) is MB(VT_SCALE(mb, min_mb)) (unsigned long). */
#define VT_SCALE(n, min)	((int)(((long)(n) * vt_scale_pct() / 100) > (long)(min) ? \
				 ((long)(n) * vt_scale_pct() / 100) : (long)(min)))
#define VT_SCALE_MB(mb, min_mb)	MB((unsigned long)VT_SCALE(mb, min_mb))

#define vt_log(fmt, ...)	fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__)

/* ---------------------------------------------------------------------
 * Small file helpers
 */

/* Read at most @len - 1 bytes of @path into @buf, NUL terminated. */
static inline ssize_t vt_read_file(const char *path, char *buf, size_t len)
{
	ssize_t ret;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len - 1) {
		ret = read(fd, buf + done, len - 1 - done);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			close(fd);
			return ret;
		}
		if (!ret)
			break;
		done += ret;
	}
	buf[done] = '\0';
	close(fd);
	return done;
}

/* Write @str to @path in one write(); 0 or -errno. */
static inline int vt_write_file(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, str, len);
	if (ret < 0)
		ret = -errno;
	else if ((size_t)ret != len)
		ret = -EIO;
	else
		ret = 0;
	close(fd);
	return ret;
}

/*
 * Parse a file holding exactly one unsigned decimal number followed by a
 * newline (the debugfs/sysfs convention).  -EINVAL if anything else.
 */
static inline int vt_read_u64(const char *path, unsigned long long *val)
{
	char buf[64], *end;
	ssize_t len;

	len = vt_read_file(path, buf, sizeof(buf));
	if (len < 0)
		return len;
	if (len < 2 || buf[len - 1] != '\n' || !isdigit((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end != buf + len - 1)
		return -EINVAL;
	return 0;
}

static inline bool vt_exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/*
 * Look up "@key <value>" (or "@key: <value> kB") in a key/value file such
 * as /proc/meminfo, /proc/vmstat, /proc/self/status or memory.stat.  The
 * key must match a whole word.  Returns the value, or -1 if absent.
 */
static inline long long vt_read_key(const char *path, const char *key)
{
	size_t klen = strlen(key);
	long long val = -1;
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + klen;

		if (strncmp(line, key, klen))
			continue;
		if (*p == ':')
			p++;
		if (*p != ' ' && *p != '\t')
			continue;
		val = strtoll(p, NULL, 10);
		break;
	}
	fclose(f);
	return val;
}

/* /proc/meminfo value in KiB, e.g. read_meminfo_kb("Slab"); -1 if absent */
static inline long long read_meminfo_kb(const char *key)
{
	return vt_read_key("/proc/meminfo", key);
}

/* /proc/vmstat counter, e.g. read_vmstat("pswpout"); -1 if absent */
static inline long long read_vmstat(const char *key)
{
	return vt_read_key("/proc/vmstat", key);
}

/* /proc/self/status value in KiB, e.g. read_status_kb("VmSwap") */
static inline long long read_status_kb(const char *key)
{
	return vt_read_key("/proc/self/status", key);
}

/*
 * Free memory including the per-cpu page lists, in KiB.
 *
 * MemFree does not count pages parked on the per-cpu lists, which can hold
 * several MiB and fluctuate; leak and cost measurements use this instead
 * (sum of "pages free" and every pageset "count:" in /proc/zoneinfo).
 * Returns -1 on error.
 */
static inline long long read_free_incl_pcp_kb(void)
{
	long long pages = 0, v;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %lld", &v) == 1)
			pages += v;
		else if (sscanf(line, " count: %lld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * (long long)(sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * Let the system quiesce before a memory measurement: wait out RCU-deferred
 * frees (membarrier(MEMBARRIER_CMD_GLOBAL) implies synchronize_rcu()), drop
 * the page/dentry/inode caches and shrink every slab cache.  Nothing is
 * measured against time; the sleeps only give kfree_rcu batches a chance.
 */
static inline void vm_settle(void)
{
	struct dirent *de;
	char path[PATH_MAX + 64];
	DIR *d;
	int i;

	for (i = 0; i < 3; i++) {
		syscall(__NR_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0);
		usleep(100 * 1000);
	}
	sync();
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	d = opendir("/sys/kernel/slab");
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || de->d_type == DT_LNK)
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 de->d_name);
			vt_write_file(path, "1");
		}
		closedir(d);
	}
}

/* ---------------------------------------------------------------------
 * Module load / unload
 */

static inline const char *vswap_ko_path(void)
{
	const char *p = getenv("VSWAP_KO");

	return p && *p ? p : VSWAP_KO_DEFAULT;
}

/* finit_module($VSWAP_KO, @params, 0); 0 or -errno. */
static inline int vswap_load(const char *params)
{
	int fd, ret;

	fd = open(vswap_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* delete_module("vswap", O_NONBLOCK); 0 or -errno. */
static inline int vswap_unload(void)
{
	if (syscall(__NR_delete_module, VSWAP_MOD_NAME, O_NONBLOCK))
		return -errno;
	return 0;
}

static inline bool vswap_loaded(void)
{
	return vt_exists(VSWAP_SYSFS_MOD);
}

/*
 * Make sure vswap is not loaded (left over from a crashed test).  Retries
 * a transient -EAGAIN/-EBUSY a few times.  0 or the last -errno.
 */
static inline int vswap_ensure_unloaded(void)
{
	int i, ret = 0;

	for (i = 0; i < 20 && vswap_loaded(); i++) {
		ret = vswap_unload();
		if (!ret || ret == -ENOENT)
			return 0;
		usleep(50 * 1000);
	}
	return vswap_loaded() ? ret : 0;
}

/* Read /sys/kernel/debug/vswap/@name; 0 or -errno (-EINVAL: bad format). */
static inline int vswap_debugfs_read(const char *name, unsigned long long *val)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), VSWAP_DEBUGFS "/%s", name);
	return vt_read_u64(path, val);
}

/* ---------------------------------------------------------------------
 * /proc/swaps
 */

struct swaps_line {
	char name[PATH_MAX];
	char type[32];
	unsigned long long size_kb;
	unsigned long long used_kb;
	int prio;
};

/*
 * Find lines of /proc/swaps whose Filename or Type equals @what.  The first
 * match is returned in @out (may be NULL).  Returns the number of matching
 * lines, or -errno if /proc/swaps cannot be read.
 */
static inline int proc_swaps_lookup(const char *what, struct swaps_line *out)
{
	struct swaps_line l = { 0 };
	char line[PATH_MAX + 128];
	int found = 0;
	FILE *f;

	f = fopen("/proc/swaps", "re");
	if (!f)
		return -errno;
	/* skip the header */
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s %31s %llu %llu %d", l.name, l.type,
			   &l.size_kb, &l.used_kb, &l.prio) != 5)
			continue;
		if (strcmp(l.name, what) && strcmp(l.type, what))
			continue;
		if (!found++ && out)
			*out = l;
	}
	fclose(f);
	return found;
}

/* Convenience form; any output pointer may be NULL. */
static inline int proc_swaps_find(const char *what, unsigned long long *size_kb,
				  unsigned long long *used_kb, int *prio)
{
	struct swaps_line l = { 0 };
	int n;

	n = proc_swaps_lookup(what, &l);
	if (n > 0) {
		if (size_kb)
			*size_kb = l.size_kb;
		if (used_kb)
			*used_kb = l.used_kb;
		if (prio)
			*prio = l.prio;
	}
	return n;
}

/* ---------------------------------------------------------------------
 * Kernel log
 *
 * A mark is the sequence number of the next /dev/kmsg record, so searches
 * only see what was logged after the mark and the ring buffer is never
 * cleared (the host scans the log too).  If /dev/kmsg is unavailable the
 * klogctl() buffer is used and the mark is its length at mark time.
 */

struct klog_mark {
	long long seq;		/* first /dev/kmsg record to look at, or -1 */
	size_t off;		/* klogctl fallback: offset into READ_ALL */
};

/* Whole kernel log via SYSLOG_ACTION_READ_ALL; caller frees. NULL on error. */
static inline char *klog_read_all(size_t *lenp)
{
	int size, len;
	char *buf;

	size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		size = 1 << 20;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* SYSLOG_ACTION_CLEAR; 0 or -errno.  Prefer marks: the host reads the log. */
static inline int klog_clear(void)
{
	return klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0) < 0 ? -errno : 0;
}

/*
 * Walk /dev/kmsg records with seq >= @from_seq.  For each record @fn is
 * called with the message text (without the "prio,seq,ts,flags;" header
 * and continuation lines); a non-zero return stops the walk and is
 * returned.  Returns the highest seq seen + 1 in @next (may be NULL).
 * -errno if /dev/kmsg cannot be opened.
 */
static inline int kmsg_walk(long long from_seq, long long *next,
			    int (*fn)(const char *msg, void *arg), void *arg)
{
	char rec[8192 + 1];
	long long last = from_seq - 1;
	int fd, ret = 0;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		unsigned long long seq;
		char *msg, *nl;
		ssize_t len;

		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;	/* records overwritten; go on */
			break;			/* EAGAIN: end of log */
		}
		rec[len] = '\0';
		if (sscanf(rec, "%*u,%llu,", &seq) != 1)
			continue;
		if ((long long)seq > last)
			last = seq;
		if ((long long)seq < from_seq || !fn)
			continue;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		ret = fn(msg, arg);
		if (ret)
			break;
	}
	close(fd);
	if (next)
		*next = last + 1;
	return ret;
}

static inline void klog_mark(struct klog_mark *m)
{
	char *buf;

	m->seq = -1;
	m->off = 0;
	if (!kmsg_walk(0, &m->seq, NULL, NULL))
		return;
	m->seq = -1;
	buf = klog_read_all(&m->off);
	free(buf);
}

struct klog_match {
	const char *prefix;
	const char *substr;
	char found[512];
};

static inline int klog_match_one(const char *msg, void *arg)
{
	struct klog_match *km = arg;

	if (km->prefix && strncmp(msg, km->prefix, strlen(km->prefix)))
		return 0;
	if (km->substr && !strstr(msg, km->substr))
		return 0;
	snprintf(km->found, sizeof(km->found), "%s", msg);
	return 1;
}

/*
 * Is there a kernel log line logged since @m which starts with @prefix and
 * contains @substr (either may be NULL)?  The matching line is copied to
 * @found (may be NULL).
 */
static inline bool dmesg_find(const struct klog_mark *m, const char *prefix,
			      const char *substr, char *found, size_t found_len)
{
	struct klog_match km = { .prefix = prefix, .substr = substr };
	bool hit = false;

	if (m->seq >= 0) {
		hit = kmsg_walk(m->seq, NULL, klog_match_one, &km) == 1;
	} else {
		size_t len = 0;
		char *buf = klog_read_all(&len), *line, *save;

		if (!buf)
			return false;
		/* klogctl lines look like "<3>[    1.234567] vswap: ..." */
		for (line = strtok_r(buf + (m->off < len ? m->off : len), "\n",
				     &save);
		     line && !hit; line = strtok_r(NULL, "\n", &save)) {
			char *p = line;

			if (*p == '<')
				p = strchr(p, '>') ? strchr(p, '>') + 1 : p;
			if (*p == '[')
				p = strchr(p, ']') ? strchr(p, ']') + 1 : p;
			while (*p == ' ')
				p++;
			hit = klog_match_one(p, &km) == 1;
		}
		free(buf);
	}
	if (hit && found)
		snprintf(found, found_len, "%s", km.found);
	return hit;
}

static inline bool dmesg_contains(const struct klog_mark *m, const char *substr)
{
	return dmesg_find(m, NULL, substr, NULL, 0);
}

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

static inline const char *page_kind_str(enum page_kind kind)
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

/* Percentages of zero and compressible pages; the rest are random. */
struct page_mix {
	unsigned int zero_pct;
	unsigned int comp_pct;
};

static const struct page_mix page_mix_default = { 30, 40 };

struct page_mismatch {
	size_t page;		/* index of the first bad page */
	size_t offset;		/* first differing byte in that page */
	enum page_kind kind;	/* what the page should have been */
	unsigned char expected;
	unsigned char got;
	size_t bad_pages;	/* total number of bad pages */
};

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t page_seed(uint64_t seed, size_t idx)
{
	uint64_t s = seed ^ ((uint64_t)idx * 0xd1342543de82ef95ULL);

	return splitmix64(&s);
}

static inline enum page_kind page_kind_of(uint64_t seed, size_t idx,
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

/* Generate the expected contents of page @idx into @page (VT_PAGE_SIZE). */
static inline void page_generate(void *page, uint64_t seed, size_t idx,
				 const struct page_mix *mix)
{
	uint64_t st = page_seed(seed, idx) ^ 0x5bd1e995ULL;
	uint64_t *q = page;
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

/*
 * Fill @nr_pages pages at @buf.  Zero pages are written too, so every page
 * is a real, dirty anonymous page and not the shared zero page.
 */
static inline void pattern_fill(void *buf, size_t nr_pages, uint64_t seed,
				const struct page_mix *mix)
{
	size_t i;

	for (i = 0; i < nr_pages; i++)
		page_generate((char *)buf + i * VT_PAGE_SIZE, seed, i, mix);
}

/*
 * Compare every page against its expected contents.  Returns the number
 * of bad pages; details of the first one go to @mm (may be NULL).
 */
static inline size_t pattern_verify(const void *buf, size_t nr_pages, uint64_t seed,
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

static inline void pattern_report(const struct page_mismatch *mm, size_t nr_pages)
{
	vt_log("%zu of %zu pages corrupt; first: page %zu (%s) byte %zu expected 0x%02x got 0x%02x",
	       mm->bad_pages, nr_pages, mm->page, page_kind_str(mm->kind),
	       mm->offset, mm->expected, mm->got);
}

/* 64-bit FNV-1a of one page, for tests that keep per-page checksums. */
static inline uint64_t page_csum(const void *page)
{
	const unsigned char *p = page;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < VT_PAGE_SIZE; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Count pages of the kinds in a region (for logging). */
static inline void pattern_count(size_t nr_pages, uint64_t seed,
				 const struct page_mix *mix, size_t counts[3])
{
	size_t i;

	memset(counts, 0, 3 * sizeof(counts[0]));
	for (i = 0; i < nr_pages; i++)
		counts[page_kind_of(seed, i, mix)]++;
}

/* ---------------------------------------------------------------------
 * /proc/self/pagemap
 */

#define PM_SWAP		(1ULL << 62)
#define PM_PRESENT	(1ULL << 63)

/*
 * Count pages of [@addr, @addr + @nr_pages pages) that are swapped out and
 * present (@present may be NULL).  0 or -errno; -ENOENT without pagemap.
 */
static inline int pagemap_count(const void *addr, size_t nr_pages,
				size_t *swapped, size_t *present)
{
	uint64_t ent[512];
	size_t i, done = 0, n;
	ssize_t ret;
	int fd;

	*swapped = 0;
	if (present)
		*present = 0;
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
		for (i = 0; i < n; i++) {
			if (ent[i] & PM_SWAP)
				(*swapped)++;
			if (present && (ent[i] & PM_PRESENT))
				(*present)++;
		}
		done += n;
	}
	close(fd);
	return 0;
}

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
static inline int region_swap_state(const void *addr, size_t nr_pages,
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

/* ---------------------------------------------------------------------
 * cgroup v2
 */

/* Enable the memory controller for children of the root cgroup. */
static inline int cg_enable_memory(void)
{
	return vt_write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
}

static inline int cg_write(const char *cg, const char *file, const char *val)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return vt_write_file(path, val);
}

/* Read a single-number cgroup file; "max" reads as LLONG_MAX. -1 on error */
static inline long long cg_read_ll(const char *cg, const char *file)
{
	char path[PATH_MAX + 64], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return LLONG_MAX;
	return strtoll(buf, NULL, 10);
}

/* Read key @key of a flat keyed file like memory.stat; -1 if absent. */
static inline long long cg_read_key(const char *cg, const char *file, const char *key)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return vt_read_key(path, key);
}

/* Move @pid (0: the caller) into @cg. */
static inline int cg_enter(const char *cg, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", pid ? pid : getpid());
	return cg_write(cg, "cgroup.procs", buf);
}

/*
 * Remove @cg: migrate any remaining processes to the root, kill them if
 * asked to, then rmdir (retrying briefly while exiting tasks drain).
 */
static inline int cg_remove(const char *cg, bool kill_procs)
{
	char path[PATH_MAX + 64], buf[4096], *p, *save;
	int i, ret = 0;

	if (!vt_exists(cg))
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	for (i = 0; i < 50; i++) {
		if (!rmdir(cg) || errno == ENOENT)
			return 0;
		ret = -errno;
		if (vt_read_file(path, buf, sizeof(buf)) > 0) {
			for (p = strtok_r(buf, "\n", &save); p;
			     p = strtok_r(NULL, "\n", &save)) {
				pid_t pid = atoi(p);

				if (kill_procs)
					kill(pid, SIGKILL);
				else
					vt_write_file(CG_ROOT "/cgroup.procs", p);
			}
		}
		usleep(20 * 1000);
	}
	return ret;
}

/*
 * Create /sys/fs/cgroup/@name with the memory controller available; a stale
 * group of that name is removed first.  The path goes to @cg.
 */
static inline int cg_create(const char *name, char *cg, size_t len)
{
	char path[PATH_MAX + 64];
	int ret;

	ret = cg_enable_memory();
	if (ret)
		return ret;
	snprintf(cg, len, CG_ROOT "/%s", name);
	ret = cg_remove(cg, true);
	if (ret)
		return ret;
	if (mkdir(cg, 0755))
		return -errno;
	/* memory.max only exists if the memory controller reached us */
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	if (!vt_exists(path)) {
		rmdir(cg);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * zswap
 */

/* 1 if enabled, 0 if disabled, -errno if zswap is not available. */
static inline int zswap_get_enabled(void)
{
	char buf[8];
	ssize_t ret;

	ret = vt_read_file(ZSWAP_ENABLED, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1')
		return 1;
	return 0;
}

static inline int zswap_set_enabled(bool on)
{
	int ret = vt_write_file(ZSWAP_ENABLED, on ? "Y" : "N");

	if (ret)
		return ret;
	return zswap_get_enabled() == on ? 0 : -EIO;
}

/* zswap debugfs counter (e.g. "stored_pages"); -1 if unavailable */
static inline long long zswap_debugfs_read(const char *name)
{
	char path[PATH_MAX + 64];
	unsigned long long v = 0;

	snprintf(path, sizeof(path), ZSWAP_DEBUGFS "/%s", name);
	if (vt_read_u64(path, &v))
		return -1;
	return v;
}

/* ---------------------------------------------------------------------
 * Swap devices
 */

/*
 * Run a command with stdout sent to stderr (keeps the TAP stream clean).
 * Tries @argv[0] from PATH, then "busybox @argv[0] ...".  Returns the exit
 * status, or -errno if it could not be run.
 */
static inline int vt_run(char *const argv[])
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		char *bb[16];
		int i;

		dup2(2, 1);
		execvp(argv[0], argv);
		bb[0] = "busybox";
		for (i = 0; argv[i] && i < 14; i++)
			bb[i + 1] = argv[i];
		bb[i + 1] = NULL;
		execvp("busybox", bb);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status);
}

/* mkswap @dev; 0 on success, else the exit status or -errno. */
static inline int swap_mkswap(const char *dev)
{
	char *argv[] = { "mkswap", (char *)dev, NULL };

	return vt_run(argv);
}

static inline int swap_on(const char *dev, int flags)
{
	return swapon(dev, flags) ? -errno : 0;
}

static inline int swap_off(const char *dev)
{
	return swapoff(dev) ? -errno : 0;
}

/* Size of a block device in bytes; -errno on failure. */
static inline long long blkdev_bytes(const char *dev)
{
	unsigned long long bytes;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* BLKGETSIZE64 = _IOR(0x12, 114, size_t) */
	if (ioctl(fd, _IOR(0x12, 114, size_t), &bytes)) {
		close(fd);
		return -errno;
	}
	close(fd);
	return bytes;
}

#endif /* __VSWAP_TEST_H */
