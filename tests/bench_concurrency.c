// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency benchmark: does swap traffic from several CPUs at once queue
 * on vswap's locks more than on stock swap's?  Four configurations, in one
 * boot, one test case each:
 *   stock zswap  - vswap not loaded, zswap enabled, swap on /dev/vda,
 *   stock disk   - vswap not loaded, zswap disabled, swap on /dev/vda,
 *   vswap zswap  - vswap loaded, zswap enabled, no physical swap,
 *   vswap disk   - vswap loaded, zswap disabled, /dev/vda its backend;
 * /dev/vda is marked non-rotational, so that stock takes its SSD path
 * (per-cluster locks, per-CPU clusters) as on a server.
 *
 * Per configuration and P = 1, 2, 4 processes: each process, in a cgroup
 * of its own (no limits), maps a private region of $VSWAP_BENCH_MB MiB
 * (P x MB in all) and fills it with zero, compressible and random pages
 * (the default mix).  Then all P start together (a pipe barrier) and each
 * runs $VSWAP_BENCH_ROUNDS rounds of:
 *   timed   - MADV_PAGEOUT of the whole region, wait for swap writeback
 *             (and, for the two disk configurations, memory.reclaim of the
 *             written swap cache copies in its cgroup, so that the way back
 *             reads the disk as it would under memory pressure); then a
 *             write fault on every page (an atomic add of 0 to its first
 *             word: the data stays, the page is dirty again and its swap
 *             slot is freed, so every round allocates, writes, reads and
 *             frees a slot per page, as for memory that is being rewritten);
 *   untimed - verify every page against its checksum; a round starts only
 *             when every process has verified the previous one.
 * Every configuration runs twice, in the order stock zswap, stock disk,
 * vswap zswap, vswap disk, then the same backwards (NR_PASSES).  Then
 * (test case disk_pairs) the two disk configurations once more in
 * $VSWAP_BENCH_PAIRS alternating pairs of one round at every P each, with
 * the median of the per-pair ratios in the summary.
 * Measured per (configuration, pass, P): wall time of the timed parts, from the
 * barrier's release to the last process done, summed over the rounds, and
 * the median round's (a host I/O stall can lengthen one round); the
 * system time the processes spent in their timed parts (getrusage in each
 * process; reclaim done by kswapd or in interrupts is not in it); the
 * throughput (MiB paged out and back in per second, all processes) and its
 * ratio to P = 1; the pages found swapped out (pagemap), the disk pages
 * read/written (pswpin/pswpout), the disk's requests (merged bios count
 * once) and the time it had one in flight (/sys/block/<disk>/stat: how
 * much of the wall time the disk was busy, whatever the CPUs did).  The
 * summary prints per P the means over
 * the passes and the vswap/stock ratios of those (wall, sys, median
 * round), zswap on against zswap on and vswap
 * disk against stock disk.  Stock with zswap writes the pages zswap
 * rejects (the random ones) to /dev/vda; vswap without a disk keeps them in
 * memory: that ratio is not about locks alone.
 *
 * Lock table (only if /proc/lock_stat exists: CONFIG_LOCK_STAT, the debug
 * flavor): for each configuration at the largest P (first pass), the lock
 * statistics are cleared right before the first round and read right after
 * the last round's timed part; printed are acquisitions per swapped page
 * (pages found swapped out, summed over processes and rounds) of the lock
 * classes all CPUs share on the swap path (the virtual type's si->lock, the
 * physical device's si->lock, swap_avail_lock, swap_lock), of the
 * per-cluster locks (the device's and vswap's), of a few more swap-path
 * classes, and of the xarray lock classes (swap cache, zswap trees) that
 * grew by more than the pages swapped; then contentions and wait time, and
 * the average hold time.  For each class in the table that was contended:
 * the code points that waited for it and those that held it meanwhile, with
 * lock_stat's counts (the first four of each it recorded). lock_stat counts
 * per class, machine-wide: anything else the machine did meanwhile is in
 * the figures.  Class names are lockdep's (the stringified lock, "#N" for
 * the N-th class of that name): the device's si->lock is the "&p->lock"
 * class /proc/lockdep shows taken under swap_lock (seq_file's mutex has the
 * same name); the xa_lock classes are told apart with /proc/lockdep (IRQs
 * off: the swap cache's; IRQs on: zswap's) and the contention points, where
 * there are any; the label says how sure it is.
 *
 * stress-ng --pageswap (four more test cases, after the eight above): for
 * the two zswap-on configurations (stock zswap, vswap zswap; same setup),
 * twice each, in the order stock, vswap, vswap, stock (the machine's rate
 * drifts through a boot, see PS_PASSES),
 * "stress-ng --pageswap P --timeout T --metrics-brief" for P = 1, 2, 4, in
 * a cgroup of its own (no limits).  Each worker maps one shared anonymous
 * (shmem) page at a time, pages it and the previous one out with
 * MADV_PAGEOUT and, when mmap() fails or at 65536 pages, reads every page
 * back, pages it out again and unmaps it; vm.max_map_count is set to
 * 16384 meanwhile (restored after), so a worker has at most ~64 MiB mapped
 * (P = 4: 256 MiB of swap at most, within /dev/vda's 512 MiB: stock never
 * runs out of slots).  Printed per configuration and P: stress-ng's "bogo
 * ops/s (real time)" (higher is better; its real time includes the
 * wind-down after T), bogo ops, real/usr/sys time, disk pages read and
 * written (pswpin/pswpout), OOM kills in the cgroup; and per P the ratio
 * vswap/stock of the two passes' mean bogo ops/s (> 1: vswap faster).
 * Skipped, with one
 * "bench: pageswap: skipped" line, when stress-ng is not in the image or
 * has no --pageswap (its --help is checked) or says it cannot run it.
 * T: $VSWAP_BENCH_STRESS_SECS, else vswap.bench_stress_secs= on the kernel
 * command line (scripts/bench-concurrency.sh passes 10), else 1.
 *
 * Figures are printed, never judged: a test case fails only if data comes
 * back wrong, a configuration cannot be set up, or stress-ng fails (exits
 * non-zero other than for an unsupported stressor, or does not end).  Size
 * and rounds: $VSWAP_BENCH_MB (default 8) and $VSWAP_BENCH_ROUNDS (default
 * 1) here (the test suite runs every binary); the bench-concurrency job
 * (scripts/bench-concurrency.sh) runs 32 MiB x 3.  VT_PHYS_DEV is
 * overwritten.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "util.h"
#include "bench.h"
#include "module.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"

#define SEED			0xc0cc0ULL
#ifndef LOCK_STAT		/* -D for a parser test on the host */
#define LOCK_STAT		"/proc/lock_stat"
#define LOCKDEP			"/proc/lockdep"
#endif
#define LOCK_STAT_SYSCTL	"/proc/sys/kernel/lock_stat"
#define MAX_MAP_COUNT		"/proc/sys/vm/max_map_count"
#define STRESS_NG		"/usr/bin/stress-ng"
#define PS_OUT			"/tmp/vswap-bench-pageswap.out"
/*
 * vm.max_map_count during the stress-ng runs: a pageswap worker maps one
 * page per mapping and, when mmap() fails, unmaps them all and starts over
 * (else at 65536): at most ~16k pages (64 MiB) per worker at a time.
 */
#define PS_MAP_COUNT		"16384"
#define CG_NAME			"vswap-bench-conc"
#define NR_P			3
#define MAX_PROCS		4
#define MAX_ROWS		40
#define NAME_LEN		48
#define MAX_ROUNDS		64

static const int p_list[NR_P] = { 1, 2, 4 };

enum { CFG_STOCK_ZSWAP, CFG_STOCK_DISK, CFG_VSWAP_ZSWAP, CFG_VSWAP_DISK,
       NR_CFG };

struct bench_cfg {
	const char *name;	/* in the figure lines */
	const char *col;	/* column of the lock table */
	bool vswap, zswap, disk;
};

static const struct bench_cfg cfgs[NR_CFG] = {
	[CFG_STOCK_ZSWAP] = { "stock zswap (+ /dev/vda)", "stock zswap", false, true, true },
	[CFG_STOCK_DISK]  = { "stock disk (/dev/vda)", "stock disk", false, false, true },
	[CFG_VSWAP_ZSWAP] = { "vswap zswap (no disk)", "vswap zswap", true, true, false },
	[CFG_VSWAP_DISK]  = { "vswap disk (/dev/vda)", "vswap disk", true, false, true },
};

struct p_result {
	bool done;
	int procs, rounds;
	size_t pages;		/* per process */
	double wall, sys;	/* timed parts: wall to the last one, sum of sys */
	double round_wall[MAX_ROUNDS];
	size_t swapped;		/* pages found swapped out, all rounds */
	long long pswpin, pswpout;
	struct blkdev_io io;	/* the disk's requests and busy time, all rounds */
	size_t bad;
};

struct lock_row {
	char name[NAME_LEN];
	char label[96];
	unsigned long long acq, con;
	double wait_us, hold_us;
};

struct lock_result {
	bool done;
	int procs;
	size_t pages;		/* pages swapped out meanwhile (pagemap) */
	long long pswpout;
	int nrows;
	struct lock_row rows[MAX_ROWS];
};

/*
 * Two passes of every configuration, in the order stock zswap, stock
 * disk, vswap zswap, vswap disk, then back: a boot's speed drifts (see
 * PS_PASSES), and whichever configuration ran first would be favoured.
 */
#define NR_PASSES	2

struct cfg_result {
	struct p_result p[NR_PASSES][NR_P];
	struct lock_result lk;
};

/* shared with the forked test processes */
static struct cfg_result *results;

/*
 * The disk configurations once more, in pairs (test case disk_pairs): per
 * pair, stock disk and vswap disk one round each at every P.
 */
#define MAX_PAIRS	32
#define PAIR_STOCK	0
#define PAIR_VSWAP	1

struct pair_result {
	struct p_result side[2][NR_P];	/* [PAIR_STOCK], [PAIR_VSWAP] */
};

static struct pair_result *pairs;

/*
 * stress-ng --pageswap, per configuration (the two zswap-on ones), pass
 * and P.  Two passes, in the order stock, vswap, vswap, stock: the
 * machine's rate drifts through a boot (measured: 3011, 2591, 2295 and
 * 2388 ops/s at P=1 for stock, vswap, stock, vswap), so that whichever
 * runs first would be favoured.
 */
#define PS_PASSES	2

struct ps_result {
	bool done;
	double ops, real, usr, sys, rate;	/* rate: bogo ops/s (real time) */
	long long pswpin, pswpout, oom_kills;
};

struct ps_state {
	int support;		/* 0: not probed yet, 1: yes, -1: skipped */
	struct ps_result r[NR_CFG][PS_PASSES][NR_P];
};

static struct ps_state *ps;

/* per workload process, shared with it */
#define MAX_SPACES	64

struct child_res {
	double sys;
	size_t swapped, bad, first_bad;
	size_t round_swapped;	/* this round's, for pagemap_walk() */
	/* swap cache address spaces (2^14 slots) of its last round's pages */
	int nspaces;
	unsigned long space_id[MAX_SPACES];
	size_t space_pages[MAX_SPACES];
};

static void __attribute__((constructor)) bench_init(void)
{
	results = mmap(NULL, NR_CFG * sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (results == MAP_FAILED)
		results = NULL;
	ps = mmap(NULL, sizeof(*ps), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ps == MAP_FAILED)
		ps = NULL;
	pairs = mmap(NULL, MAX_PAIRS * sizeof(*pairs), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pairs == MAP_FAILED)
		pairs = NULL;
}

static long bench_mb(void)
{
	long mb = bench_env_long("VSWAP_BENCH_MB", 8);

	return mb > 0 ? mb : 8;
}

static int bench_pairs(void)
{
	long n = bench_env_long("VSWAP_BENCH_PAIRS", 1);

	return n > 0 ? (n < MAX_PAIRS ? (int)n : MAX_PAIRS) : 1;
}

static int bench_rounds(void)
{
	long r = bench_env_long("VSWAP_BENCH_ROUNDS", 1);

	return r > 0 ? (r < MAX_ROUNDS ? (int)r : MAX_ROUNDS) : 1;
}

/*
 * @key (e.g. "vswap.bench_stress_secs=") on the kernel command line: its
 * value, else @def.
 */
static long cmdline_long(const char *key, long def)
{
	char buf[4096], *p;

	if (vt_read_file("/proc/cmdline", buf, sizeof(buf)) <= 0)
		return def;
	for (p = buf; (p = strstr(p, key)); p += strlen(key))
		if (p == buf || p[-1] == ' ')
			return strtol(p + strlen(key), NULL, 10);
	return def;
}

/*
 * Seconds per stress-ng --pageswap run: $VSWAP_BENCH_STRESS_SECS, else
 * vswap.bench_stress_secs= on the kernel command line (scripts/
 * bench-concurrency.sh: 10), else 1 (the test suite).
 */
static int stress_secs(void)
{
	long s = bench_env_long("VSWAP_BENCH_STRESS_SECS", 0);

	if (s <= 0)
		s = cmdline_long("vswap.bench_stress_secs=", 1);
	return s > 0 ? (s < 3600 ? (int)s : 3600) : 1;
}

static bool have_lock_stat(void)
{
	return vt_exists(LOCK_STAT);
}

/* ---------------------------------------------------------------------
 * Workload processes
 */

/*
 * pagemap_walk() callback: count a swapped page and note, in the
 * child_res, the swap cache address space (type, offset >> 14) it is in:
 * pages of several processes in one space contend for its i_pages lock.
 */
static void note_space(__u64 ent, void *arg)
{
	struct child_res *cr = arg;
	unsigned long id;
	int j;

	if (!(ent & PM_SWAP))
		return;
	cr->round_swapped++;
	id = PM_SWAP_TYPE(ent) << 48 | PM_SWAP_OFFSET(ent) >> 14;
	for (j = 0; j < cr->nspaces; j++)
		if (cr->space_id[j] == id)
			break;
	if (j == cr->nspaces && j < MAX_SPACES)
		cr->space_id[cr->nspaces++] = id;
	if (j < cr->nspaces)
		cr->space_pages[j]++;
}

/* A write fault that leaves the data as it is. */
static inline void touch_write(char *page)
{
	__atomic_fetch_add((unsigned long *)page, 0UL, __ATOMIC_RELAXED);
}

/*
 * Process @idx: fill, report 'k' (or the failed step) on @done_fd, then per
 * round: wait for a byte on @go_fd, timed part, 'd', verify, 'v' ('x': bad
 * pages).  Exit 0, 1 (bad data), 2 (setup), 3 (the parent is gone).
 */
static void __attribute__((noreturn))
child_main(int idx, const struct bench_cfg *c, const char *cg, size_t n,
	   int rounds, int go_fd, int done_fd, struct child_res *cr)
{
	struct vd_region reg;
	size_t i, bad, first = 0;
	long long cached;
	double s0, s1;
	char b = 'k', size[32];
	int r;

	if (cg_enter(cg, 0))
		b = 'c';
	else if (vd_region_map(&reg, n, false))
		b = 'm';
	if (b == 'k')
		vd_region_fill(&reg, 0, n, SEED + 1000003ULL * idx, NULL);
	if (write(done_fd, &b, 1) != 1 || b != 'k')
		_exit(2);
	for (r = 0; r < rounds; r++) {
		if (read(go_fd, &b, 1) != 1)
			_exit(3);
		s0 = vd_sys_time();
		if (madvise(reg.mem, n * VT_PAGE_SIZE, MADV_PAGEOUT))
			vt_log("child %d: MADV_PAGEOUT: %s", idx, strerror(errno));
		vt_wait_writeback();
		if (c->disk) {
			/* only this process's pages: its own cgroup */
			cached = cg_read_key_ll(cg, "memory.stat", "swapcached");
			if (cached > 0) {
				snprintf(size, sizeof(size), "%lld", cached);
				cg_write(cg, "memory.reclaim", size);
			}
		}
		s1 = vd_sys_time();
		cr->nspaces = 0;	/* the last round's spaces */
		cr->round_swapped = 0;
		memset(cr->space_pages, 0, sizeof(cr->space_pages));
		if (!pagemap_walk(reg.mem, n, note_space, cr))
			cr->swapped += cr->round_swapped;
		s0 += vd_sys_time() - s1;	/* not the pagemap read */
		for (i = 0; i < n; i++)
			touch_write(vd_page(&reg, i));
		cr->sys += vd_sys_time() - s0;
		b = 'd';
		if (write(done_fd, &b, 1) != 1)
			_exit(3);
		bad = vd_region_verify(&reg, 0, n, &first);
		if (bad) {
			if (!cr->bad)
				cr->first_bad = first;
			cr->bad += bad;
			vt_log("child %d round %d: %zu of %zu pages bad, first %zu (%s)",
			       idx, r, bad, n, first,
			       page_kind_str(page_kind_of(SEED + 1000003ULL * idx,
							  first, NULL)));
		}
		b = bad ? 'x' : 'v';
		if (write(done_fd, &b, 1) != 1)
			_exit(3);
	}
	_exit(cr->bad ? 1 : 0);
}

/* ---------------------------------------------------------------------
 * /proc/lock_stat and /proc/lockdep
 */

/* A code point lock_stat names for a class, with its count */
struct lk_point {
	char sym[NAME_LEN];
	unsigned long long n;
	bool holder;		/* contending point (held it), not a waiter */
};

struct lk_class {
	char name[NAME_LEN];
	unsigned long long acq, con;
	double wait_us, hold_us;
	int npts, section;	/* section: 1 waiters' points, 2 holders' */
	struct lk_point pts[8];
};

struct lk_set {
	struct lk_class *c;
	int n, cap;
	bool debug_off;		/* "lock debugging disabled": no new counts */
};

static void lk_free(struct lk_set *s)
{
	free(s->c);
	memset(s, 0, sizeof(*s));
}

static struct lk_class *lk_get(struct lk_set *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	if (s->n == s->cap) {
		struct lk_class *c;

		c = realloc(s->c, (s->cap ? s->cap * 2 : 512) * sizeof(*c));
		if (!c)
			return NULL;
		s->c = c;
		s->cap = s->cap ? s->cap * 2 : 512;
	}
	memset(&s->c[s->n], 0, sizeof(s->c[0]));
	snprintf(s->c[s->n].name, NAME_LEN, "%s", name);
	return &s->c[s->n++];
}

static char *trim(char *p)
{
	char *e;

	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return p;
}

/*
 * Class name without the lockdep version and subclass suffixes:
 * "&xa->xa_lock#4/1" -> "&xa->xa_lock".
 */
static void base_name(const char *name, char *out, size_t len)
{
	char *p;

	snprintf(out, len, "%s", name);
	p = strrchr(out, '/');
	if (p && p[1] >= '0' && p[1] <= '9' && strspn(p + 1, "0123456789") == strlen(p + 1))
		*p = '\0';
	p = strrchr(out, '#');
	if (p && p[1] >= '0' && p[1] <= '9' && strspn(p + 1, "0123456789") == strlen(p + 1))
		*p = '\0';
}

/*
 * Parse /proc/lock_stat (Documentation/locking/lockstat.rst): a class line
 * is "name: con-bounces contentions waittime-min waittime-max
 * waittime-total waittime-avg acq-bounces acquisitions holdtime-min
 * holdtime-max holdtime-total holdtime-avg" (rwlocks and rwsems: one line
 * "name-W:" and one "name-R:", summed here); it is followed, if the class
 * was contended, by up to 4 + 4 lines "name count [<ip>] symbol+off/size",
 * each group after a line of dashes: first the points that waited for the
 * lock (contention points), then those that held it meanwhile (contending
 * points).  Classes with no acquisition since the last clear are not listed.
 * 0 or -errno.
 */
static int lock_stat_read(struct lk_set *s)
{
	char line[1024], *colon, *p, *end, *name;
	struct lk_class *cur = NULL;
	double v[12];
	FILE *f;
	int k;

	memset(s, 0, sizeof(*s));
	f = fopen(LOCK_STAT, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "lock debugging disabled"))
			s->debug_off = true;
		colon = strrchr(line, ':');
		if (colon) {
			p = colon + 1;
			for (k = 0; k < 13; k++) {
				while (*p == ' ' || *p == '\t')
					p++;
				if (!*p || *p == '\n')
					break;
				if (k == 12)
					break;
				v[k] = strtod(p, &end);
				if (end == p || (*end && *end != ' ' && *end != '\n'))
					break;
				p = end;
			}
			while (*p == ' ' || *p == '\t')
				p++;
			if (k == 12 && (!*p || *p == '\n')) {
				size_t l;

				*colon = '\0';
				name = trim(line);
				l = strlen(name);
				if (l > 2 && name[l - 2] == '-' &&
				    (name[l - 1] == 'W' || name[l - 1] == 'R'))
					name[l - 2] = '\0';
				cur = lk_get(s, name);
				if (!cur)
					break;
				cur->con += (unsigned long long)v[1];
				cur->wait_us += v[4];
				cur->acq += (unsigned long long)v[7];
				cur->hold_us += v[10];
				cur->section = 0;
				continue;
			}
		}
		p = trim(line);
		if (cur && *p == '-' && strspn(p, "-") == strlen(p)) {
			cur->section++;
			continue;
		}
		/* a contention point of the class above: "name count [<ip>] sym" */
		p = strstr(line, "[<");
		if (cur && cur->section && p && (end = strstr(p, ">]"))) {
			char sym[NAME_LEN], *q = p;
			unsigned long long n;
			int i;

			while (q > line && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			while (q > line && q[-1] >= '0' && q[-1] <= '9')
				q--;
			n = strtoull(q, NULL, 10);
			p = trim(end + 2);
			snprintf(sym, sizeof(sym), "%s", p);
			sym[strcspn(sym, "+ \t")] = '\0';
			for (i = 0; i < cur->npts; i++)
				if (!strcmp(cur->pts[i].sym, sym) &&
				    cur->pts[i].holder == (cur->section > 1))
					break;
			if (i == cur->npts && cur->npts < 8 && *sym) {
				snprintf(cur->pts[i].sym, NAME_LEN, "%s", sym);
				cur->pts[i].holder = cur->section > 1;
				cur->npts++;
			}
			if (i < cur->npts)
				cur->pts[i].n += n;
		}
	}
	fclose(f);
	return 0;
}

/* Clear every class's statistics (echo 0 > /proc/lock_stat). */
static int lock_stat_clear(void)
{
	return vt_write_file(LOCK_STAT, "0");
}

/* What /proc/lockdep says about the classes (PROVE_LOCKING). */
struct ld_class {
	char name[NAME_LEN];
	char usage[8];		/* "+.-." etc.: [0] hardirq, write */
};

struct ld_edge {
	char from[NAME_LEN], to[NAME_LEN];
};

struct ld_info {
	struct ld_class *c;
	int nc, capc;
	struct ld_edge *e;
	int ne, cape;
};

static void ld_free(struct ld_info *d)
{
	free(d->c);
	free(d->e);
	memset(d, 0, sizeof(*d));
}

static bool is_swap_lock(const char *name)
{
	static const char * const names[] = {
		"swap_lock", "swap_avail_lock", "&p->lock",
		"&swap_virtual_lock_key", "&cluster_info[i].lock",
		"&heads[i].lock.lock", "&si->lock",
	};
	char base[NAME_LEN];
	unsigned int i;

	base_name(name, base, sizeof(base));
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(base, names[i]))
			return true;
	return false;
}

/*
 * /proc/lockdep: per class "key FD:n BD:n usage: name", then its direct
 * successors " -> [key] name".  Only the edges out of swap lock classes
 * are kept.  0 or -errno.
 */
static int lockdep_read(struct ld_info *d)
{
	char line[512], *p, *name, cur[NAME_LEN] = "";
	bool cur_swap = false;
	FILE *f;

	memset(d, 0, sizeof(*d));
	f = fopen(LOCKDEP, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " -> [");
		if (p == line) {
			if (!cur_swap || !(p = strstr(line, "] ")))
				continue;
			if (d->ne == d->cape) {
				struct ld_edge *e;

				e = realloc(d->e, (d->cape ? d->cape * 2 : 256) * sizeof(*e));
				if (!e)
					break;
				d->e = e;
				d->cape = d->cape ? d->cape * 2 : 256;
			}
			snprintf(d->e[d->ne].from, NAME_LEN, "%s", cur);
			snprintf(d->e[d->ne].to, NAME_LEN, "%s", trim(p + 2));
			d->ne++;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\n' || !strncmp(line, "all lock", 8))
			continue;
		if (d->nc == d->capc) {
			struct ld_class *c;

			c = realloc(d->c, (d->capc ? d->capc * 2 : 1024) * sizeof(*c));
			if (!c)
				break;
			d->c = c;
			d->capc = d->capc ? d->capc * 2 : 1024;
		}
		memset(&d->c[d->nc], 0, sizeof(d->c[0]));
		p = strstr(line, "BD:");
		if (p) {
			/* "BD:%5ld usage: name" */
			p += 3;
			p += strspn(p, " 0123456789");
			name = strstr(p, ": ");
			if (!name)
				continue;
			snprintf(d->c[d->nc].usage, sizeof(d->c[0].usage), "%.*s",
				 (int)(name - p), p);
			name += 2;
		} else {
			name = strstr(line, ": ");
			if (!name)
				continue;
			name += 2;
		}
		snprintf(d->c[d->nc].name, NAME_LEN, "%s", trim(name));
		snprintf(cur, sizeof(cur), "%s", d->c[d->nc].name);
		cur_swap = is_swap_lock(cur);
		d->nc++;
	}
	fclose(f);
	return 0;
}

static const struct ld_class *ld_class(const struct ld_info *d, const char *name)
{
	int i;

	for (i = 0; i < d->nc; i++)
		if (!strcmp(d->c[i].name, name))
			return &d->c[i];
	return NULL;
}

static bool ld_edge(const struct ld_info *d, const char *from, const char *to)
{
	int i;

	for (i = 0; i < d->ne; i++)
		if (!strcmp(d->e[i].from, from) && !strcmp(d->e[i].to, to))
			return true;
	return false;
}

/* The swap lock classes @name is taken under (direct edges), into @buf. */
static void ld_taken_under(const struct ld_info *d, const char *name,
			   char *buf, size_t len)
{
	size_t off = 0;
	int i, j;

	buf[0] = '\0';
	for (i = 0; i < d->ne; i++) {
		if (strcmp(d->e[i].to, name))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(d->e[j].to, name) &&
			    !strcmp(d->e[j].from, d->e[i].from))
				break;
		if (j < i)
			continue;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
				off ? ", " : "", d->e[i].from);
		if (off >= len)
			break;
	}
}

/* ---------------------------------------------------------------------
 * The lock table of one configuration
 */

struct known_class {
	const char *base;
	const char *label;
};

static const struct known_class known[] = {
	{ "&swap_virtual_lock_key", "si->lock, virtual type (vswap)" },
	{ "&p->lock", "si->lock, physical device" },
	{ "swap_avail_lock", "global" },
	{ "swap_lock", "global" },
	{ "&heads[i].lock.lock", "per-cluster, vswap" },
	{ "vswap_zswap_tree", "zswap tree, vswap (per 2^14 slots)" },
	{ "&cluster_info[i].lock", "per-cluster, physical device" },
	{ "&swap_cgroup_ctrl[type].lock", "swap_cgroup, virtual type" },
	{ "&ctrl->lock", "swap_cgroup, physical device" },
	{ "&cache->free_lock", "swap slot cache, per CPU" },
	{ "&cache->alloc_lock", "swap slot cache, per CPU" },
	{ "&class->lock", "zsmalloc size class (name not unique)" },
	{ "&lru->node[i].lock", "list_lru: zswap's LRU, and others" },
};

static bool in_rows(const struct lock_result *lk, const char *name)
{
	int i;

	for (i = 0; i < lk->nrows; i++)
		if (!strcmp(lk->rows[i].name, name))
			return true;
	return false;
}

static void add_row(struct lock_result *lk, const char *name,
		    const char *label, const struct lk_class *c)
{
	struct lock_row *row;

	if (lk->nrows >= MAX_ROWS || in_rows(lk, name))
		return;
	row = &lk->rows[lk->nrows++];
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->label, sizeof(row->label), "%s", label);
	if (c) {
		row->acq = c->acq;
		row->con = c->con;
		row->wait_us = c->wait_us;
		row->hold_us = c->hold_us;
	}
}

static bool is_swap_cache_fn(const char *sym)
{
	return strstr(sym, "swap_cache") || strstr(sym, "swapcache") ||
	       !strcmp(sym, "__remove_mapping");
}

/* Label an xa_lock class: swap cache, zswap tree, or unidentified. */
static void xa_label(const struct lk_class *c, const struct ld_info *d,
		     bool have_ld, char *label, size_t len)
{
	const struct ld_class *l = have_ld ? ld_class(d, c->name) : NULL;
	bool sc = false, zs = false, xa_api = false;
	char under[96] = "";
	int i;

	for (i = 0; i < c->npts; i++) {
		if (is_swap_cache_fn(c->pts[i].sym))
			sc = true;
		else if (!strncmp(c->pts[i].sym, "zswap", 5))
			zs = true;
		else if (!strncmp(c->pts[i].sym, "xa_", 3) || !strncmp(c->pts[i].sym, "__xa_", 5))
			xa_api = true;
	}
	if (have_ld)
		ld_taken_under(d, c->name, under, sizeof(under));
	if (sc && !zs) {
		snprintf(label, len, "swap cache (contended in its functions)");
	} else if (zs && !sc) {
		snprintf(label, len, "zswap tree (contended in zswap)");
	} else if (l && l->usage[0]) {
		bool irqs_on = l->usage[0] == '+' || l->usage[0] == '?';

		snprintf(label, len, "%s? (IRQs %s: %s)%s%s%s",
			 irqs_on ? "zswap tree" : "swap cache",
			 irqs_on ? "on" : "off", l->usage,
			 xa_api ? ", contended in xa_*()" : "",
			 *under ? ", under " : "", under);
	} else {
		snprintf(label, len, "xa_lock, grew by more than the pages swapped: unidentified");
	}
}

static int cmp_acq_desc(const void *a, const void *b)
{
	const struct lk_class *x = a, *y = b;

	return x->acq < y->acq ? 1 : x->acq > y->acq ? -1 : 0;
}

/*
 * Where a contended class was waited for and who held it meanwhile, with
 * lock_stat's counts (of the first points it recorded), and its average
 * hold time: more contentions at the same acquisitions per page mean the
 * lock is held longer, or by more CPUs at once.
 */
static void print_points(int cfg, const struct lk_class *c)
{
	char line[1024];
	size_t off = 0;
	int h, k;

	if (!c->npts)
		return;
	for (h = 0; h < 2; h++) {
		bool first = true;

		for (k = 0; k < c->npts; k++) {
			if (c->pts[k].holder != h)
				continue;
			off += snprintf(line + off, off < sizeof(line) ? sizeof(line) - off : 0,
					"%s%s %llu", first ? (h ? "; held by: " : "waited at: ") : ", ",
					c->pts[k].sym, c->pts[k].n);
			first = false;
		}
	}
	ksft_print_msg("bench: locks %s: %s: %llu contentions, hold %.2f us avg; %s\n",
		       cfgs[cfg].col, c->name, c->con,
		       c->acq ? c->hold_us / c->acq : 0.0, line);
}

/*
 * Build the rows of @lk from what lock_stat said (@s) and print the
 * configuration's lines (the busiest other classes among them).
 */
static void lock_table_build(int cfg, struct lk_set *s, struct lock_result *lk)
{
	char base[NAME_LEN], label[256], line[1024];
	struct ld_info d;
	bool have_ld, any_si_phys = false;
	double pages = lk->pages ? (double)lk->pages : 1.0;
	size_t off;
	unsigned int k;
	int i, shown;

	have_ld = !lockdep_read(&d);
	/* which "&p->lock" classes are si->lock: taken under swap_lock */
	for (i = 0; have_ld && i < d.nc; i++) {
		base_name(d.c[i].name, base, sizeof(base));
		if (!strcmp(base, "&p->lock") && ld_edge(&d, "swap_lock", d.c[i].name))
			any_si_phys = true;
	}
	for (k = 0; k < ARRAY_SIZE(known); k++) {
		bool found = false;

		for (i = 0; i < s->n; i++) {
			base_name(s->c[i].name, base, sizeof(base));
			if (strcmp(base, known[k].base))
				continue;
			if (!strcmp(base, "&p->lock")) {
				if (any_si_phys &&
				    !ld_edge(&d, "swap_lock", s->c[i].name))
					continue;	/* seq_file's mutex */
				snprintf(label, sizeof(label), "%s%s",
					 known[k].label, any_si_phys ? "" :
					 " (or seq_file's &p->lock: not told apart)");
				add_row(lk, s->c[i].name, label, &s->c[i]);
			} else {
				add_row(lk, s->c[i].name, known[k].label, &s->c[i]);
			}
			found = true;
		}
		if (found || !strcmp(known[k].base, "&ctrl->lock") ||
		    !strcmp(known[k].base, "&swap_cgroup_ctrl[type].lock"))
			continue;
		/*
		 * No acquisition in the window: a row of zeros, under the
		 * name lockdep knows the class by (not registered: the base)
		 */
		snprintf(label, sizeof(label), "%s", known[k].label);
		for (i = 0; have_ld && i < d.nc; i++) {
			base_name(d.c[i].name, base, sizeof(base));
			if (strcmp(base, known[k].base))
				continue;
			if (!strcmp(base, "&p->lock") &&
			    !ld_edge(&d, "swap_lock", d.c[i].name))
				continue;
			break;
		}
		if (have_ld && i < d.nc) {
			add_row(lk, d.c[i].name, label, NULL);
		} else {
			if (have_ld)
				snprintf(label, sizeof(label), "%s (not registered)",
					 known[k].label);
			add_row(lk, known[k].base, label, NULL);
		}
	}
	/* xarray locks that grew by more than the pages swapped */
	for (i = 0; i < s->n; i++) {
		base_name(s->c[i].name, base, sizeof(base));
		if (strcmp(base, "&xa->xa_lock") || s->c[i].acq <= lk->pages)
			continue;
		xa_label(&s->c[i], &d, have_ld, label, sizeof(label));
		add_row(lk, s->c[i].name, label, &s->c[i]);
	}
	for (i = 0; i < s->n; i++)
		if (in_rows(lk, s->c[i].name))
			print_points(cfg, &s->c[i]);
	/* the busiest classes not in the table */
	qsort(s->c, s->n, sizeof(s->c[0]), cmp_acq_desc);
	off = 0;
	for (i = 0, shown = 0; i < s->n && shown < 8; i++) {
		if (in_rows(lk, s->c[i].name))
			continue;
		off += snprintf(line + off, off < sizeof(line) ? sizeof(line) - off : 0,
				"%s%s %.2f", shown ? ", " : "", s->c[i].name,
				s->c[i].acq / pages);
		shown++;
	}
	if (shown)
		ksft_print_msg("bench: locks %s: busiest other classes, acquisitions per page: %s\n",
			       cfgs[cfg].col, line);
	if (!have_ld)
		ksft_print_msg("bench: locks %s: no %s: xa_lock and &p->lock classes not told apart\n",
			       cfgs[cfg].col, LOCKDEP);
	if (s->debug_off)
		ksft_print_msg("bench: locks %s: WARNING lock debugging disabled (an earlier lockdep report): counts may be stale\n",
			       cfgs[cfg].col);
	if (have_ld)
		ld_free(&d);
	lk->done = true;
}

/* ---------------------------------------------------------------------
 * One configuration
 */

FIXTURE(conc) {
	char dev[64];
	int rot_saved;		/* the disk's rotational flag; -1: untouched */
	int zswap_saved;
	int lock_stat_saved;	/* /proc/sys/kernel/lock_stat; -1: untouched */
	char map_count_saved[24];	/* vm.max_map_count; "": untouched */
	char cg[MAX_PROCS][128];
	int nr_pids;
	pid_t pids[NR_P * MAX_PROCS];	/* 0: reaped */
	int status[NR_P * MAX_PROCS];	/* wait status once reaped */
};

/* vswap off the machine (swapoff /dev/vswap, rmmod) or loaded: 0 or -errno */
static int set_vswap(bool on)
{
	if (on) {
		int ret = vswap_loaded() ? 0 : vswap_load(NULL);

		return ret == -EEXIST ? 0 : ret;
	}
	if (!vswap_loaded())
		return 0;
	if (swapoff(VSWAP_DEV) && errno != EINVAL)
		return -errno;
	return vswap_ensure_unloaded();
}

FIXTURE_SETUP(conc)
{
	unsigned long long v = 1;
	int i, ret;

	snprintf(self->dev, sizeof(self->dev), "%s", VT_PHYS_DEV);
	self->rot_saved = -1;
	self->lock_stat_saved = -1;
	self->map_count_saved[0] = '\0';
	self->nr_pids = 0;
	for (i = 0; i < MAX_PROCS; i++)
		self->cg[i][0] = '\0';
	self->zswap_saved = zswap_get_enabled();
	ASSERT_LE(0, self->zswap_saved) TH_LOG("zswap is not available");
	ASSERT_NE(NULL, results);
	vd_swapoff_others();
	ret = set_vswap(false);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s, rmmod: %s", VSWAP_DEV, strerror(-ret));
	for (i = 0; i < MAX_PROCS; i++) {
		char name[64];

		snprintf(name, sizeof(name), CG_NAME "-%d", i);
		ret = cg_create_memcg(name, self->cg[i], sizeof(self->cg[i]));
		if (ret == -EOPNOTSUPP || ret == -ENOENT)
			SKIP(return, "no cgroup v2 memory controller");
		ASSERT_EQ(0, ret) TH_LOG("cgroup %s: %s", name, strerror(-ret));
	}
	if (have_lock_stat() && !vt_read_u64(LOCK_STAT_SYSCTL, &v) && !v) {
		self->lock_stat_saved = 0;
		vt_write_file(LOCK_STAT_SYSCTL, "1");
	}
}

FIXTURE_TEARDOWN_PARENT(conc)
{
	int i, ret;

	for (i = 0; i < self->nr_pids; i++)
		if (self->pids[i] > 0 && !kill(self->pids[i], SIGKILL))
			waitpid(self->pids[i], NULL, 0);
	self->nr_pids = 0;
	for (i = 0; i < MAX_PROCS; i++) {
		if (!self->cg[i][0])
			continue;
		ret = cg_remove(self->cg[i], true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", self->cg[i], strerror(-ret));
	}
	ret = set_vswap(false);
	EXPECT_EQ(0, ret) TH_LOG("swapoff %s, rmmod: %s", VSWAP_DEV, strerror(-ret));
	ret = vd_phys_off(self->dev);
	EXPECT_EQ(0, ret) TH_LOG("swapoff %s: %s", self->dev, strerror(-ret));
	vd_rot_restore(self->dev, &self->rot_saved);
	if (self->zswap_saved >= 0)
		zswap_set_enabled(self->zswap_saved);
	if (self->lock_stat_saved == 0)
		vt_write_file(LOCK_STAT_SYSCTL, "0");
	if (self->map_count_saved[0])
		vt_write_file(MAX_MAP_COUNT, self->map_count_saved);
}

/*
 * Next byte from processes [@first, @first + @nr) of self->pids; '\0' if
 * one of them was killed or failed, or the pipe broke.  A process that
 * finished its rounds may exit while the others still work: it is reaped
 * here (self->status) and the wait goes on.
 */
static char next_byte(int fd, FIXTURE_DATA(conc) *self, int first, int nr)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int i, status;
	char b;

	for (;;) {
		int ret = poll(&pfd, 1, 1000);

		if (ret > 0)
			return read(fd, &b, 1) == 1 ? b : '\0';
		if (ret < 0 && errno != EINTR)
			return '\0';
		for (i = first; i < first + nr; i++) {
			if (self->pids[i] <= 0)
				continue;
			ret = waitpid(self->pids[i], &status, WNOHANG);
			if (ret != self->pids[i])
				continue;
			self->pids[i] = 0;
			self->status[i] = status;
			if (WIFEXITED(status) && !WEXITSTATUS(status))
				continue;
			vt_log("process %d ended early: %s %d", ret,
			       WIFSIGNALED(status) ? "signal" : "exit",
			       WIFSIGNALED(status) ? WTERMSIG(status) :
			       WEXITSTATUS(status));
			return '\0';
		}
	}
}

/*
 * The median round's wall time: a host I/O stall (the guest's disk is a
 * file on the host) can add a second to one round of any configuration.
 */
static double median_round(const struct p_result *p)
{
	return bench_median(p->round_wall, p->rounds);
}

/*
 * How the processes' swapped pages (last round) spread over swap cache
 * address spaces, each with its own i_pages lock: the more processes share
 * a space, the more they contend for it.
 */
static void print_spaces(const struct bench_cfg *c, int procs,
			 const struct child_res *cr)
{
	unsigned long id[MAX_PROCS * MAX_SPACES];
	size_t pages[MAX_PROCS * MAX_SPACES], total = 0, shared = 0;
	int users[MAX_PROCS * MAX_SPACES], n = 0, i, j, k, nshared = 0;
	bool full = false;

	for (i = 0; i < procs; i++) {
		full |= cr[i].nspaces == MAX_SPACES;
		for (j = 0; j < cr[i].nspaces; j++) {
			for (k = 0; k < n; k++)
				if (id[k] == cr[i].space_id[j])
					break;
			if (k == n) {
				id[n] = cr[i].space_id[j];
				pages[n] = 0;
				users[n++] = 0;
			}
			pages[k] += cr[i].space_pages[j];
			users[k]++;
			total += cr[i].space_pages[j];
		}
	}
	for (k = 0; k < n; k++) {
		if (users[k] > 1) {
			nshared++;
			shared += pages[k];
		}
	}
	ksft_print_msg("bench: %-25s P=%d: last round's swapped pages in %d swap cache address spaces%s, %d of them shared by processes (%.0f%% of the pages)\n",
		       c->name, procs, n, full ? " (or more)" : "", nshared,
		       total ? 100.0 * shared / total : 0.0);
}

/*
 * @procs = p_list[@pi] processes of configuration @cfg, @rounds rounds;
 * the figures go to @row[@pi] (@row[0]: P=1's, for the scaling), and
 * are printed labelled @tag ("pass 1", "pair 3").
 */
static void run_p(struct __test_metadata *_metadata, FIXTURE_DATA(conc) *self,
		  int cfg, struct p_result *row, int pi, int rounds,
		  const char *tag, bool lockstat)
{
	const struct bench_cfg *c = &cfgs[cfg];
	struct p_result *res = &row[pi];
	struct lock_result *lk = &results[cfg].lk;
	int procs = p_list[pi];
	size_t n = bench_mb() * 256, i;
	long long in0, out0, lk_out = 0;
	struct child_res *cr;
	int go[2], done[2], first = self->nr_pids, r, nd, nv, status;
	struct lk_set s = { 0 };
	char b, gos[MAX_PROCS];
	struct blkdev_io io0 = {};
	double t0;

	memset(res, 0, sizeof(*res));
	res->procs = procs;
	res->rounds = rounds;
	res->pages = n;
	cr = mmap(NULL, procs * sizeof(*cr), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cr);
	memset(cr, 0, procs * sizeof(*cr));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < (size_t)procs; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			close(go[1]);
			close(done[0]);
			child_main(i, c, self->cg[i], n, rounds, go[0], done[1],
				   &cr[i]);
		}
		self->status[self->nr_pids] = 0;
		self->pids[self->nr_pids++] = pid;
	}
	close(go[0]);
	close(done[1]);
	for (i = 0; i < (size_t)procs; i++) {
		b = next_byte(done[0], self, first, procs);
		ASSERT_EQ('k', b) TH_LOG("%s P=%d: a process failed to set up (step '%c': c cgroup, m mmap, 0 died)",
					 c->name, procs, b ? b : '0');
	}
	memset(gos, 'g', sizeof(gos));
	in0 = read_vmstat("pswpin");
	out0 = read_vmstat("pswpout");
	blkdev_io_read(self->dev, &io0);
	if (lockstat) {
		ASSERT_EQ(0, lock_stat_clear()) TH_LOG("echo 0 > %s", LOCK_STAT);
	}
	for (r = 0; r < rounds; r++) {
		nd = nv = 0;
		t0 = vd_now();
		ASSERT_EQ(procs, write(go[1], gos, procs));
		while (nd < procs) {
			b = next_byte(done[0], self, first, procs);
			ASSERT_NE('\0', b) TH_LOG("%s P=%d round %d: a process died",
						  c->name, procs, r);
			if (b == 'd')
				nd++;
			else
				nv++;
		}
		res->round_wall[r] = vd_now() - t0;
		res->wall += res->round_wall[r];
		if (lockstat && r == rounds - 1) {
			lk_out = read_vmstat("pswpout") - out0;
			ASSERT_EQ(0, lock_stat_read(&s)) TH_LOG("read %s", LOCK_STAT);
		}
		while (nv < procs) {
			b = next_byte(done[0], self, first, procs);
			ASSERT_NE('\0', b) TH_LOG("%s P=%d round %d: a process died",
						  c->name, procs, r);
			nv++;
		}
	}
	res->pswpin = read_vmstat("pswpin") - in0;
	res->pswpout = read_vmstat("pswpout") - out0;
	if (blkdev_io_since(self->dev, &io0, &res->io))
		memset(&res->io, 0, sizeof(res->io));
	close(go[1]);
	close(done[0]);
	for (i = 0; i < (size_t)procs; i++) {
		pid_t pid = self->pids[first + i];

		if (pid > 0) {
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			self->pids[first + i] = 0;
		} else {
			status = self->status[first + i];
		}
		res->sys += cr[i].sys;
		res->swapped += cr[i].swapped;
		res->bad += cr[i].bad;
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("%s P=%d: process %zu: %s %d (exit 1: bad data)",
			       c->name, procs, i,
			       WIFSIGNALED(status) ? "signal" : "exit",
			       WIFSIGNALED(status) ? WTERMSIG(status) :
			       WEXITSTATUS(status));
	}
	print_spaces(c, procs, cr);
	munmap(cr, procs * sizeof(*cr));
	res->done = true;
	EXPECT_EQ(0, res->bad) TH_LOG("%s P=%d: %zu bad pages", c->name, procs,
				      res->bad);

	{
		double mib = (double)procs * n * rounds * VT_PAGE_SIZE / MB(1);
		char rs[256];
		const struct p_result *p1 = &row[0];

		ksft_print_msg("bench: %-25s P=%d, %s: wall %7.3f s  sys %7.3f s  median round %6.3f s  %7.1f MiB/s  x%.2f of P=1  (%zu MiB x %d rounds each; pages out %zu of %zu, disk in %lld out %lld, requests in %lld out %lld, disk busy %.3f s)%s\n",
			       c->name, procs, tag, res->wall, res->sys,
			       median_round(res),
			       mib / res->wall,
			       p1->done && pi ? (mib / res->wall) /
			       ((double)p1->procs * p1->pages * p1->rounds *
				VT_PAGE_SIZE / MB(1) / p1->wall) : 1.0,
			       n * VT_PAGE_SIZE >> 20, rounds, res->swapped,
			       (size_t)procs * n * rounds, res->pswpin,
			       res->pswpout, res->io.reads, res->io.writes,
			       res->io.busy_ms / 1000.0,
			       res->bad ? "  DATA MISMATCH" : "");
		ksft_print_msg("bench: %-25s P=%d, %s: rounds %s s\n",
			       c->name, procs, tag,
			       bench_values_str(rs, sizeof(rs), res->round_wall,
						rounds, 3));
	}
	if (lockstat) {
		memset(lk, 0, sizeof(*lk));
		lk->procs = procs;
		lk->pages = res->swapped;
		lk->pswpout = lk_out;
		ksft_print_msg("bench: locks %s: P=%d, %zu pages swapped out (pswpout %lld), %d classes acquired\n",
			       c->col, procs, lk->pages, lk->pswpout, s.n);
		lock_table_build(cfg, &s, lk);
		lk_free(&s);
	}
}

/* vswap loaded or not, zswap on or off, /dev/vda swapon'd or not */
static void setup_config(struct __test_metadata *_metadata,
			 FIXTURE_DATA(conc) *self, int cfg)
{
	const struct bench_cfg *c = &cfgs[cfg];
	int ret;

	ret = set_vswap(c->vswap);
	ASSERT_EQ(0, ret) TH_LOG("%s vswap: %s", c->vswap ? "load" : "unload",
				 strerror(-ret));
	ret = zswap_set_enabled(c->zswap);
	ASSERT_EQ(0, ret) TH_LOG("zswap enabled=%d: %s", c->zswap, strerror(-ret));
	if (c->disk) {
		ASSERT_LT(0, blkdev_bytes(self->dev)) TH_LOG("no disk %s", self->dev);
		ret = vd_phys_on_ssd(self->dev, -1, &self->rot_saved);
		ASSERT_EQ(0, ret) TH_LOG("non-rotational, swapon %s: %s",
					 self->dev, strerror(-ret));
		ASSERT_EQ(1, proc_swaps_find(self->dev, NULL, NULL, NULL));
	} else {
		ASSERT_EQ(0, vd_count_other_swaps());
	}
	if (c->vswap)
		ASSERT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL));
}

/* The lock table comes from the first pass at the largest P */
static void run_config(struct __test_metadata *_metadata,
		       FIXTURE_DATA(conc) *self, int cfg, int pass)
{
	char tag[16];
	int pi;

	ASSERT_NE(NULL, results);
	memset(results[cfg].p[pass], 0, sizeof(results[cfg].p[pass]));
	if (!pass)
		memset(&results[cfg].lk, 0, sizeof(results[cfg].lk));
	setup_config(_metadata, self, cfg);
	snprintf(tag, sizeof(tag), "pass %d", pass + 1);
	for (pi = 0; pi < NR_P; pi++)
		run_p(_metadata, self, cfg, results[cfg].p[pass], pi,
		      bench_rounds(), tag,
		      !pass && have_lock_stat() && pi == NR_P - 1);
}

/* Declared in the order they run (see NR_PASSES) */
TEST_F_TIMEOUT(conc, stock_zswap, 3600)
{
	run_config(_metadata, self, CFG_STOCK_ZSWAP, 0);
}

TEST_F_TIMEOUT(conc, stock_disk, 3600)
{
	run_config(_metadata, self, CFG_STOCK_DISK, 0);
}

TEST_F_TIMEOUT(conc, vswap_zswap, 3600)
{
	run_config(_metadata, self, CFG_VSWAP_ZSWAP, 0);
}

TEST_F_TIMEOUT(conc, vswap_disk, 3600)
{
	run_config(_metadata, self, CFG_VSWAP_DISK, 0);
}

TEST_F_TIMEOUT(conc, vswap_disk_again, 3600)
{
	run_config(_metadata, self, CFG_VSWAP_DISK, 1);
}

TEST_F_TIMEOUT(conc, vswap_zswap_again, 3600)
{
	run_config(_metadata, self, CFG_VSWAP_ZSWAP, 1);
}

TEST_F_TIMEOUT(conc, stock_disk_again, 3600)
{
	run_config(_metadata, self, CFG_STOCK_DISK, 1);
}

TEST_F_TIMEOUT(conc, stock_zswap_again, 3600)
{
	run_config(_metadata, self, CFG_STOCK_ZSWAP, 1);
}

/*
 * One side of a pair: @cfg set up afresh (vswap loaded or not, /dev/vda
 * swapped on anew), one round at every P, then /dev/vda off and vswap
 * unloaded, so that the next side starts from the same state.
 */
static void pair_side(struct __test_metadata *_metadata,
		      FIXTURE_DATA(conc) *self, int cfg, int k)
{
	struct p_result *row = pairs[k].side[cfgs[cfg].vswap ? PAIR_VSWAP :
					     PAIR_STOCK];
	char tag[16];
	int pi, ret;

	setup_config(_metadata, self, cfg);
	snprintf(tag, sizeof(tag), "pair %d", k + 1);
	for (pi = 0; pi < NR_P; pi++)
		run_p(_metadata, self, cfg, row, pi, 1, tag, false);
	ret = vd_phys_off(self->dev);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s: %s", self->dev, strerror(-ret));
	ret = set_vswap(false);
	ASSERT_EQ(0, ret) TH_LOG("swapoff %s, rmmod: %s", VSWAP_DEV,
				 strerror(-ret));
}

/*
 * The disk round trip again, stock and vswap in turns: $VSWAP_BENCH_PAIRS
 * pairs (default 1; scripts/bench-concurrency.sh passes more), vswap
 * first in every other pair.  The passes above run a configuration's
 * rounds back to back, a minute away from the other's: a host I/O stall
 * or a drift of the machine's speed over that time lands on one side.
 * Within a pair both sides run seconds apart, and the summary takes the
 * median of the per-pair ratios.
 */
TEST_F_TIMEOUT(conc, disk_pairs, 3600)
{
	int k;

	ASSERT_NE(NULL, pairs);
	for (k = 0; k < bench_pairs(); k++) {
		memset(&pairs[k], 0, sizeof(pairs[k]));
		if (k % 2) {
			pair_side(_metadata, self, CFG_VSWAP_DISK, k);
			pair_side(_metadata, self, CFG_STOCK_DISK, k);
		} else {
			pair_side(_metadata, self, CFG_STOCK_DISK, k);
			pair_side(_metadata, self, CFG_VSWAP_DISK, k);
		}
	}
}

/* ---------------------------------------------------------------------
 * stress-ng --pageswap, zswap on: stock (+ /dev/vda) against vswap
 */

/* Run @argv (stress-ng) in @cg (NULL: here), output to @out. pid or -errno */
static pid_t ps_spawn(const char *const argv[], const char *cg, const char *out)
{
	pid_t pid;
	int fd;

	pid = vt_fork();
	if (pid < 0)
		return pid;
	if (!pid) {
		if (cg && cg_enter(cg, 0))
			_exit(126);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(STRESS_NG, (char * const *)argv);
		_exit(127);
	}
	return pid;
}

/* waitpid() until @deadline (vd_now() seconds): 0, -ETIMEDOUT or -errno */
static int ps_wait(pid_t pid, int *status, double deadline)
{
	while (vd_now() < deadline) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		usleep(50 * 1000);
	}
	return -ETIMEDOUT;
}

/*
 * Does the image's stress-ng have --pageswap (its --help lists
 * "--pageswap N")?  1 yes, 0 no (why in @why).
 */
static int ps_probe(char *why, size_t len)
{
	const char *argv[] = { "stress-ng", "--help", NULL };
	char line[512];
	int status = 0, found = 0;
	pid_t pid;
	FILE *f;

	if (access(STRESS_NG, X_OK)) {
		snprintf(why, len, STRESS_NG " not in the image (VSWAP_STRESS_NG=0, or not installed on the host)");
		return 0;
	}
	pid = ps_spawn(argv, NULL, PS_OUT);
	if (pid < 0 || ps_wait(pid, &status, vd_now() + 60)) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		snprintf(why, len, "stress-ng --help did not run");
		return 0;
	}
	f = fopen(PS_OUT, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "--pageswap N"))
			found = 1;
	if (f)
		fclose(f);
	unlink(PS_OUT);
	if (!found)
		snprintf(why, len, "this stress-ng has no --pageswap (not in its --help)");
	return found;
}

/*
 * Print stress-ng's output (@path) with a "# " prefix and parse its
 * --metrics-brief line "... [pid] pageswap <bogo ops> <real time s> <usr s>
 * <sys s> <bogo ops/s real time> <bogo ops/s usr+sys time>".  *@unsupported:
 * stress-ng said it cannot run the stressor.  true if the line was found.
 */
static bool ps_parse(const char *path, struct ps_result *r, bool *unsupported)
{
	double ops, real, usr, sys, rate;
	char line[1024], *p;
	bool found = false;
	FILE *f;

	*unsupported = false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *w = strstr(line, "WARNING:");

		/* stress-ng's own warnings are not kernel ones (log scan) */
		if (w)
			memcpy(w, "warning:", 8);
		fprintf(stderr, "# %s%s", line,
			line[0] && line[strlen(line) - 1] == '\n' ? "" : "\n");
		if (strstr(line, "unrecognized option") ||
		    strstr(line, "will be skipped") ||
		    strstr(line, "not implemented"))
			*unsupported = true;
		/* not the "pageswap N millisecs per page swapout" line */
		p = strstr(line, "] pageswap ");
		if (p && sscanf(p + 2, "pageswap %lf %lf %lf %lf %lf", &ops,
				&real, &usr, &sys, &rate) == 5) {
			r->ops = ops;
			r->real = real;
			r->usr = usr;
			r->sys = sys;
			r->rate = rate;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void run_pageswap_p(struct __test_metadata *_metadata,
			   FIXTURE_DATA(conc) *self, int cfg, int pass, int pi,
			   int secs)
{
	const struct bench_cfg *c = &cfgs[cfg];
	struct ps_result *r = &ps->r[cfg][pass][pi];
	char nstr[16], tstr[16];
	const char *argv[] = { "stress-ng", "--pageswap", nstr, "--timeout", tstr,
			       "--metrics-brief", "--temp-path", "/tmp", NULL };
	int procs = p_list[pi], status = 0, slot, ret;
	long long in0, out0, oom0;
	bool found, unsupported;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(nstr, sizeof(nstr), "%d", procs);
	snprintf(tstr, sizeof(tstr), "%ds", secs);
	in0 = read_vmstat("pswpin");
	out0 = read_vmstat("pswpout");
	oom0 = cg_read_key_ll(self->cg[0], "memory.events", "oom_kill");
	pid = ps_spawn(argv, self->cg[0], PS_OUT);
	ASSERT_LT(0, pid) TH_LOG("fork: %s", strerror(-pid));
	slot = self->nr_pids++;
	self->status[slot] = 0;
	self->pids[slot] = pid;
	/* the wind-down (every page read back, paged out, unmapped) included */
	ret = ps_wait(pid, &status, vd_now() + secs * 4 + 120);
	if (ret) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	self->pids[slot] = 0;
	fprintf(stderr, "# ---- %s, pass %d, stress-ng --pageswap %d --timeout %s:\n",
		c->name, pass + 1, procs, tstr);
	found = ps_parse(PS_OUT, r, &unsupported);
	unlink(PS_OUT);
	ASSERT_EQ(0, ret) TH_LOG("%s P=%d: stress-ng did not end within %d s",
				 c->name, procs, secs * 4 + 120);
	r->pswpin = read_vmstat("pswpin") - in0;
	r->pswpout = read_vmstat("pswpout") - out0;
	r->oom_kills = cg_read_key_ll(self->cg[0], "memory.events", "oom_kill") - oom0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		unsupported = true;	/* could not be executed */
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && unsupported) {
		if (ps->support >= 0)
			ksft_print_msg("bench: pageswap: skipped: stress-ng cannot run --pageswap here (exit %d, see its output above)\n",
				       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		ps->support = -1;
		SKIP(return, "stress-ng cannot run --pageswap");
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("%s P=%d: stress-ng: %s %d", c->name, procs,
		       WIFEXITED(status) ? "exit status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	if (!found) {
		ksft_print_msg("bench: pageswap %-25s P=%d: no figure (no pageswap line in stress-ng's --metrics-brief output)\n",
			       c->name, procs);
		return;
	}
	r->done = true;
	ksft_print_msg("bench: pageswap %-25s P=%d, pass %d: %9.1f bogo ops/s (real time)  (%.0f bogo ops, real %.2f s, usr %.2f s, sys %.2f s; disk in %lld out %lld; OOM kills %lld)\n",
		       c->name, procs, pass + 1, r->rate, r->ops, r->real,
		       r->usr, r->sys,
		       r->pswpin, r->pswpout, r->oom_kills);
}

/*
 * stress-ng --pageswap P --timeout T --metrics-brief, P = 1, 2, 4, in the
 * first cgroup (no limits), vm.max_map_count capped (PS_MAP_COUNT).
 */
static void run_pageswap(struct __test_metadata *_metadata,
			 FIXTURE_DATA(conc) *self, int cfg, int pass)
{
	int secs = stress_secs(), pi;
	char why[160];
	ssize_t len;

	ASSERT_NE(NULL, ps);
	memset(ps->r[cfg][pass], 0, sizeof(ps->r[cfg][pass]));
	if (!ps->support) {
		ps->support = ps_probe(why, sizeof(why)) ? 1 : -1;
		if (ps->support < 0)
			ksft_print_msg("bench: pageswap: skipped: %s\n", why);
	}
	if (ps->support < 0)
		SKIP(return, "stress-ng --pageswap not available");
	setup_config(_metadata, self, cfg);
	len = vt_read_file(MAX_MAP_COUNT, self->map_count_saved,
			   sizeof(self->map_count_saved));
	if (len <= 0)
		self->map_count_saved[0] = '\0';
	ASSERT_EQ(0, vt_write_file(MAX_MAP_COUNT, PS_MAP_COUNT))
		TH_LOG("vm.max_map_count = " PS_MAP_COUNT);
	for (pi = 0; pi < NR_P && ps->support > 0; pi++)
		run_pageswap_p(_metadata, self, cfg, pass, pi, secs);
}

/* Declared in the order they run: stock, vswap, vswap, stock */
TEST_F_TIMEOUT(conc, pageswap_stock_zswap, 1800)
{
	run_pageswap(_metadata, self, CFG_STOCK_ZSWAP, 0);
}

TEST_F_TIMEOUT(conc, pageswap_vswap_zswap, 1800)
{
	run_pageswap(_metadata, self, CFG_VSWAP_ZSWAP, 0);
}

TEST_F_TIMEOUT(conc, pageswap_vswap_zswap_again, 1800)
{
	run_pageswap(_metadata, self, CFG_VSWAP_ZSWAP, 1);
}

TEST_F_TIMEOUT(conc, pageswap_stock_zswap_again, 1800)
{
	run_pageswap(_metadata, self, CFG_STOCK_ZSWAP, 1);
}

/* ---------------------------------------------------------------------
 * Summary
 */

/* The means over a configuration's passes at P index @pi; false if none */
static bool pass_means(int cfg, int pi, double *wall, double *sys,
		       double *median)
{
	int pass, n = 0;

	*wall = *sys = *median = 0;
	for (pass = 0; pass < NR_PASSES; pass++) {
		const struct p_result *p = &results[cfg].p[pass][pi];

		if (!p->done)
			continue;
		*wall += p->wall;
		*sys += p->sys;
		*median += median_round(p);
		n++;
	}
	if (!n)
		return false;
	*wall /= n;
	*sys /= n;
	*median /= n;
	return true;
}

/* vswap/stock of the passes' means, and of each pass's median round */
static void print_ratio(const char *what, int vs, int st)
{
	double vw, vsys, vm, sw, ssys, sm;
	char per[64];
	size_t off;
	int pi, pass;

	for (pi = 0; pi < NR_P; pi++) {
		if (!pass_means(vs, pi, &vw, &vsys, &vm) ||
		    !pass_means(st, pi, &sw, &ssys, &sm))
			continue;
		off = 0;
		per[0] = '\0';
		for (pass = 0; pass < NR_PASSES; pass++) {
			const struct p_result *v = &results[vs].p[pass][pi];
			const struct p_result *s = &results[st].p[pass][pi];

			if (v->done && s->done)
				off += snprintf(per + off, sizeof(per) - off,
						"%s%.2f", off ? " / " : "",
						median_round(v) /
						median_round(s));
		}
		ksft_print_msg("bench: ratio %s P=%d: wall %.2f, sys %.2f, median round %.2f (per pass: %s)\n",
			       what, p_list[pi], vw / sw, vsys / (ssys + 1e-9),
			       vm / sm, per);
	}
}

/* Column cells of one row of the lock table, "-" where not measured. */
static void lock_cells(const char *name, int t, char *buf, size_t len)
{
	size_t off = 0;
	int cfg, i;

	buf[0] = '\0';
	for (cfg = 0; cfg < NR_CFG; cfg++) {
		const struct lock_result *lk = &results[cfg].lk;
		const struct lock_row *row = NULL;
		char cell[32];

		for (i = 0; lk->done && i < lk->nrows; i++)
			if (!strcmp(lk->rows[i].name, name))
				row = &lk->rows[i];
		if (!lk->done)
			snprintf(cell, sizeof(cell), "-");
		else if (t == 0)
			snprintf(cell, sizeof(cell), "%.3f",
				 row ? row->acq / (double)(lk->pages ? lk->pages : 1) : 0.0);
		else if (t == 1)
			snprintf(cell, sizeof(cell), "%llu/%.1fms",
				 row ? row->con : 0ULL, row ? row->wait_us / 1000 : 0.0);
		else
			snprintf(cell, sizeof(cell), "%.2f",
				 row && row->acq ? row->hold_us / row->acq : 0.0);
		off += snprintf(buf + off, off < len ? len - off : 0, " %14s", cell);
	}
}

static void print_lock_table(void)
{
	char names[NR_CFG * MAX_ROWS][NAME_LEN], labels[NR_CFG * MAX_ROWS][96];
	char cells[NR_CFG * 16 + 16], head[NR_CFG * 16 + 16];
	int cfg, i, j, n = 0, procs = 0, t;
	size_t off = 0;

	for (cfg = 0; cfg < NR_CFG; cfg++) {
		const struct lock_result *lk = &results[cfg].lk;

		if (!lk->done)
			continue;
		procs = lk->procs;
		for (i = 0; i < lk->nrows; i++) {
			for (j = 0; j < n; j++)
				if (!strcmp(names[j], lk->rows[i].name))
					break;
			if (j < n)
				continue;
			snprintf(names[n], NAME_LEN, "%s", lk->rows[i].name);
			snprintf(labels[n], 96, "%s", lk->rows[i].label);
			n++;
		}
	}
	if (!n) {
		ksft_print_msg("bench: lock table: no configuration measured\n");
		return;
	}
	for (cfg = 0; cfg < NR_CFG; cfg++)
		off += snprintf(head + off, sizeof(head) - off, " %14s", cfgs[cfg].col);
	for (cfg = 0; cfg < NR_CFG; cfg++)
		if (results[cfg].lk.done)
			ksft_print_msg("bench: locks: %s at P=%d: %zu pages swapped out, pswpout %lld\n",
				       cfgs[cfg].col, results[cfg].lk.procs,
				       results[cfg].lk.pages, results[cfg].lk.pswpout);
	for (t = 0; t < 3; t++) {
		static const char * const what[] = {
			"acquisitions per swapped page",
			"contentions/total wait time",
			"average hold time per acquisition (us)",
		};

		ksft_print_msg("bench: locks: %s at P=%d (lock_stat, per class, machine-wide)\n",
			       what[t], procs);
		ksft_print_msg("bench: locks: %-37s%s\n", "class", head);
		for (i = 0; i < n; i++) {
			lock_cells(names[i], t, cells, sizeof(cells));
			ksft_print_msg("bench: locks: %-37s%s  %s\n", names[i],
				       cells, labels[i]);
		}
	}
}

/*
 * The mean rate of a configuration's passes at P index @pi, 0 if none has
 * a figure; the passes with one in *@n.
 */
static double ps_mean(int cfg, int pi, int *n)
{
	double sum = 0;
	int pass;

	*n = 0;
	for (pass = 0; pass < PS_PASSES; pass++) {
		const struct ps_result *r = &ps->r[cfg][pass][pi];

		if (r->done) {
			sum += r->rate;
			(*n)++;
		}
	}
	return *n ? sum / *n : 0;
}

/*
 * stress-ng --pageswap: figures per configuration and pass, vswap/stock
 * per P of the passes' means
 */
static void print_pageswap(void)
{
	static const int pcfg[] = { CFG_STOCK_ZSWAP, CFG_VSWAP_ZSWAP };
	unsigned int k;
	int pi, pass, nv, ns;
	double v, st;

	if (!ps || ps->support <= 0)
		return;		/* skipped: said so once already */
	ksft_print_msg("bench: pageswap: stress-ng --pageswap P --timeout %ds, bogo ops/s (real time) per P and pass (stock, vswap, vswap, stock), higher is better:\n",
		       stress_secs());
	for (k = 0; k < ARRAY_SIZE(pcfg); k++) {
		char line[256];
		size_t off = 0;

		for (pi = 0; pi < NR_P; pi++) {
			off += snprintf(line + off, sizeof(line) - off,
					"  P=%d", p_list[pi]);
			for (pass = 0; pass < PS_PASSES; pass++) {
				const struct ps_result *r =
					&ps->r[pcfg[k]][pass][pi];

				if (r->done)
					off += snprintf(line + off,
							sizeof(line) - off,
							" %7.1f", r->rate);
				else
					off += snprintf(line + off,
							sizeof(line) - off,
							" %7s", "-");
			}
		}
		ksft_print_msg("bench: pageswap %-25s%s\n", cfgs[pcfg[k]].name,
			       line);
	}
	for (pi = 0; pi < NR_P; pi++) {
		v = ps_mean(CFG_VSWAP_ZSWAP, pi, &nv);
		st = ps_mean(CFG_STOCK_ZSWAP, pi, &ns);
		if (nv && ns && st > 0)
			ksft_print_msg("bench: pageswap ratio vswap/stock bogo-ops/s, zswap on P=%d: %.2f (means of %d and %d passes; > 1: vswap does more page swaps per second)\n",
				       p_list[pi], v / st, nv, ns);
	}
}

/*
 * Per P, the median over the pairs of vswap disk/stock disk (wall, sys),
 * and each pair's wall ratio.
 */
static void print_pairs(void)
{
	double wall[MAX_PAIRS], sys[MAX_PAIRS];
	char per[MAX_PAIRS * 8];
	int pi, k, n;

	for (pi = 0; pi < NR_P; pi++) {
		n = 0;
		for (k = 0; k < bench_pairs(); k++) {
			const struct p_result *v = &pairs[k].side[PAIR_VSWAP][pi];
			const struct p_result *s = &pairs[k].side[PAIR_STOCK][pi];

			if (!v->done || !s->done)
				continue;
			wall[n] = v->wall / s->wall;
			sys[n] = v->sys / (s->sys + 1e-9);
			n++;
		}
		if (n)
			ksft_print_msg("bench: ratio vswap disk/stock disk, zswap off P=%d, median of %d alternating pairs: wall %.2f, sys %.2f (wall per pair: %s)\n",
				       p_list[pi], n, bench_median(wall, n),
				       bench_median(sys, n),
				       bench_values_str(per, sizeof(per), wall,
							n, 2));
	}
}

/*
 * Not a test of anything: prints the comparison of the runs above (same
 * fixture, declared last, so the harness runs it after them).
 */
TEST_F_TIMEOUT(conc, summary, 120)
{
	int cfg, pi;

	ASSERT_NE(NULL, results);
	ksft_print_msg("bench: concurrency: %ld CPUs, %ld MiB x %d rounds per process; wall s (sys s) per P, mean of %d passes:\n",
		       sysconf(_SC_NPROCESSORS_ONLN), bench_mb(), bench_rounds(),
		       NR_PASSES);
	for (cfg = 0; cfg < NR_CFG; cfg++) {
		double wall, sys, median;
		char line[256];
		size_t off = 0;

		for (pi = 0; pi < NR_P; pi++) {
			if (pass_means(cfg, pi, &wall, &sys, &median))
				off += snprintf(line + off, sizeof(line) - off,
						"  P=%d %7.3f (%7.3f)",
						p_list[pi], wall, sys);
		}
		if (off)
			ksft_print_msg("bench: %-25s%s\n", cfgs[cfg].name, line);
	}
	print_ratio("vswap/stock, zswap on", CFG_VSWAP_ZSWAP, CFG_STOCK_ZSWAP);
	print_ratio("vswap disk/stock disk, zswap off", CFG_VSWAP_DISK,
		    CFG_STOCK_DISK);
	if (pairs)
		print_pairs();
	print_pageswap();
	if (!have_lock_stat()) {
		ksft_print_msg("bench: lock table: no %s, it needs the debug flavor (CONFIG_LOCK_STAT): VSWAP_FLAVOR=debug\n",
			       LOCK_STAT);
		return;
	}
	print_lock_table();
}

TEST_HARNESS_MAIN
