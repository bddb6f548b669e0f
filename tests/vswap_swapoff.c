// SPDX-License-Identifier: GPL-2.0
/*
 * swapoff(2) and swapon(2) of the virtual device itself, /dev/vswap.
 *
 * swapoff /dev/vswap moves every page the virtual space holds back into
 * memory, whatever its backend (zero, zswap, a physical slot, the swap
 * cache): page tables, shmem/tmpfs files and swap cache pages drop their
 * virtual entries.  Afterwards no slot is in use, nothing new is swapped
 * to the virtual type and rmmod succeeds, with the processes and files
 * still alive.  swapon /dev/vswap turns it on again.  Every page is
 * generated from (seed, index) and compared in full (pattern_verify()).
 * /proc/swaps is not looked at after a swapoff (its listing then is not
 * specified).
 *
 *   backend.<zero|zswap|phys|inmem|mixed>.live_process: two live
 *       processes hold N MiB swapped out, all of it on one backend (mixed:
 *       zero + zswap + disk).  The counters match the page kinds; swapoff
 *       returns 0, slots_used is 0 at once, every backend counter is 0,
 *       the disk's Used is 0, each process's pagemap shows no swap entry
 *       and every page present, every page reads back identical, and
 *       rmmod succeeds while the processes still run (they check their
 *       data once more afterwards).  Disk variants evict the swap cache
 *       first (memory.reclaim), so swapoff reads the disk.
 *   swapoff.forked_children: 4 children share the parent's swapped
 *       entries (one slot per page); after swapoff parent and children
 *       have no swap entry left and all data; rmmod with all 5 alive.
 *   swapoff.shmem_tmpfs: a MAP_SHARED|MAP_ANONYMOUS region and a file
 *       on a private tmpfs mount (not mapped by anyone) swapped out;
 *       after swapoff both read back identical (mapping, pread()), also
 *       after rmmod.
 *   swapoff.swap_cache_only: the test reads its swapped pages back while
 *       a child shares them, then the child exits: the slots are held by
 *       swap cache folios only; swapoff leaves 0 slots and rmmod succeeds
 *       with no memory.reclaim, the data intact.
 *   swapoff.swapon_again: after swapoff, MADV_PAGEOUT swaps nothing to
 *       vswap (no device: the pages stay present; /dev/vda on: stock
 *       entries on it); swapon /dev/vswap returns 0 and swap-outs reach
 *       vswap again; a second swapon fails with EBUSY; swapoff, a second
 *       swapoff fails with EINVAL; rmmod.
 *   swapoff.eperm: swapoff and swapon of /dev/vswap by uid 65534 and by
 *       root without CAP_SYS_ADMIN fail with EPERM; no counter moves,
 *       vswap stays on (root's swapon gets EBUSY), the pages stay
 *       swapped.
 *   swapoff.eintr: 256 MiB (zero + zswap) held by two processes; a child
 *       calls swapoff with a SIGUSR1 handler (no SA_RESTART) and gets the
 *       signal as soon as slots start to go (50 ms at the latest).  It
 *       returns 0 (finished first: swapon and try again, 3 tries) or
 *       EINTR; then the data is intact, vswap is still on (EBUSY from
 *       swapon, a new page-out is counted), and a second swapoff and
 *       rmmod succeed.
 *   swapoff.cycles: 50 rounds in one boot of: load, an 8 MiB mixed
 *       workload (fill, page out, verify half; it exits before swapoff
 *       in even rounds and checks everything after rmmod in odd ones),
 *       swapoff, rmmod.
 *   swapoff.races: swapoff/swapon of /dev/vswap, round after round, while
 *       two processes keep paging out and verifying their data, one keeps
 *       forking children that read (some rewrite) the inherited swapped
 *       pages, and a thread keeps swapping /dev/vda (zswap + disk
 *       backends) off and on.  Every swapoff returns 0 with 0 slots left,
 *       no process sees bad data, no /dev/vda swapoff/swapon fails, rmmod
 *       succeeds after the workers stop.
 *   swapoff.fault_injection (debug kernel): fail_page_alloc for the
 *       swapoff task only (task-filter, make-it-fail) and only under
 *       the swapoff syscall (stack filter), after a third of the pages
 *       (space), at 10, 30, 50 then 100 %: swapoff fails with ENOMEM
 *       (a lucky 0 is followed by swapon and a higher probability); the
 *       data is intact, vswap still on, and without injection swapoff
 *       and rmmod succeed.
 *
 * /dev/vda is overwritten.  The teardown kills what a failed case left,
 * unmounts its tmpfs, switches /dev/vda off and restores its rotational
 * flag, zswap and fault injection, and unloads vswap (swapoff /dev/vswap
 * first if needed; if it still cannot unload, it is left switched on).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <sys/mount.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"
#include "faultinj.h"

#define CG_NAME			"vswap_swapoff"
#define SEED			0x5a0ff0ffULL

/* backend.*: two processes of 8 MiB each */
#define BK_PROCS		2
#define BK_PAGES		VT_SCALE(2048, 512)
/* forked_children */
#define FORK_PAGES		VT_SCALE(4096, 1024)	/* 16 MiB */
#define FORK_CHILDREN		4
/* shmem_tmpfs: the region and the file, 8 MiB each */
#define SHM_PAGES		VT_SCALE(2048, 512)
/* swap_cache_only, swapon_again, eperm */
#define SMALL_PAGES		VT_SCALE(2048, 512)	/* 8 MiB */
/* eintr: 256 MiB in two processes */
#define INTR_PROCS		2
#define INTR_PAGES		(VT_SCALE(65536, 8192) / INTR_PROCS)
#define INTR_TRIES		3
#define INTR_DELAY_S		0.05
/* cycles */
#define CYCLES			VT_SCALE(50, 10)
#define CYCLE_PAGES		VT_SCALE(2048, 1024)	/* 8 MiB */
/* races */
#define RACE_ROUNDS		VT_SCALE(6, 3)
#define RACE_WORKERS		2
#define RACE_PROCS		(RACE_WORKERS + 1)	/* + the fork storm */
#define RACE_PAGES		VT_SCALE(1024, 256)
#define STORM_PAGES		VT_SCALE(512, 128)
#define STORM_CHILDREN		8
#define RACE_MAX_ROUNDS		100000
#define RACE_WAIT_POLLS		1200			/* x 50 ms */
/* fault_injection */
#define FI_PROCS		2
#define FI_PAGES		VT_SCALE(2048, 1024)
#define FI_TIMES		1000000L
/* a small region that shows whether swap-outs reach vswap */
#define PROBE_PAGES		256

/* exit code of a so_call child whose setup (before the call) failed */
#define SO_RC_SETUP		200

static const struct page_mix mix_zero = { 100, 0 };
static const struct page_mix mix_comp = { 0, 100 };
static const struct page_mix mix_random = { 0, 0 };
/* zero + compressible: every slot needs a new page at swapoff */
static const struct page_mix mix_intr = { 90, 10 };
static const struct page_mix mix_fi = { 40, 60 };

/* ---------------------------------------------------------------------
 * State shared by both fixtures; the teardown runs in the harness parent
 */

struct so_state {
	struct vd_env env;	/* zswap setting, cgroup, children to kill */
	bool phys_on;		/* VT_PHYS_DEV swapon'd by us */
	int rot_saved;		/* VT_PHYS_DEV rotational; -1: untouched */
	char tmpdir[64];	/* our tmpfs mount; "" if none */
};

/* Stop injecting; returns the failures injected since fi_arm(). */
static long long fi_off(void)
{
	long long left;

	if (!vt_exists(FI_FAILPAGE))
		return 0;
	fi_set(FI_FAILPAGE, "probability", "0");
	left = fi_get(FI_FAILPAGE, "times");
	if (left < 0)
		left = FI_TIMES;
	fi_set(FI_FAILPAGE, "space", "0");
	fi_set(FI_FAILPAGE, "times", "1");
	return FI_TIMES - left;
}

/*
 * vswap loaded: unload it; if it holds slots, swapoff /dev/vswap first.
 * If it still cannot go, leave it switched on for whoever comes next.
 * 0 or the last -errno.
 */
static int so_vswap_cleanup(void)
{
	int i, ret = 0;

	for (i = 0; i < 20 && vswap_loaded(); i++) {
		ret = vswap_unload();
		if (!ret || ret == -ENOENT)
			return 0;
		usleep(50 * 1000);	/* killed processes still exiting */
	}
	if (!vswap_loaded())
		return 0;
	swap_off(VSWAP_DEV);
	ret = vswap_ensure_unloaded();
	if (ret)
		swap_on(VSWAP_DEV, 0);
	return ret;
}

/* Fresh vswap (no other swap device), zswap as asked (< 0: untouched). */
static void so_setup(struct __test_metadata *_metadata, struct so_state *st,
		     int zswap)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->env.zswap_saved = -1;
	st->rot_saved = -1;
	fi_off();
	ASSERT_TRUE(vt_exists(vswap_ko_path()))
		TH_LOG("%s not found (set VSWAP_KO)", vswap_ko_path());
	vd_swapoff_others();
	ret = so_vswap_cleanup();
	ASSERT_EQ(0, ret) TH_LOG("vswap left loaded: %s", strerror(-ret));
	vd_env_setup(_metadata, &st->env, zswap);
}

static void so_teardown(struct __test_metadata *_metadata, struct so_state *st)
{
	int i, ret;

	fi_off();
	for (i = 0; i < st->env.nr_pids; i++)
		if (st->env.pids[i] > 0)
			kill(st->env.pids[i], SIGKILL);
	st->env.nr_pids = 0;
	if (st->tmpdir[0]) {
		EXPECT_EQ(0, umount2(st->tmpdir, MNT_DETACH))
			TH_LOG("umount %s: %s", st->tmpdir, strerror(errno));
		rmdir(st->tmpdir);
		st->tmpdir[0] = '\0';
	}
	if (st->env.cg[0]) {
		ret = cg_remove(st->env.cg, true);
		EXPECT_EQ(0, ret) TH_LOG("rmdir %s: %s", st->env.cg,
					 strerror(-ret));
		st->env.cg[0] = '\0';
	}
	if (st->phys_on || proc_swaps_find(VT_PHYS_DEV, NULL, NULL, NULL) > 0) {
		ret = vd_phys_off(VT_PHYS_DEV);
		EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s",
					 strerror(-ret));
		st->phys_on = false;
	}
	ret = so_vswap_cleanup();
	EXPECT_EQ(0, ret) TH_LOG("vswap does not unload: %s", strerror(-ret));
	ret = vd_rot_restore(VT_PHYS_DEV, &st->rot_saved);
	EXPECT_EQ(0, ret) TH_LOG("cannot restore the rotational flag of " VT_PHYS_DEV);
	if (st->env.zswap_saved >= 0) {
		ret = zswap_set_enabled(st->env.zswap_saved);
		EXPECT_EQ(0, ret) TH_LOG("cannot restore zswap enabled=%d",
					 st->env.zswap_saved);
		st->env.zswap_saved = -1;
	}
}

/* zswap on or off; the old setting is restored by the teardown. */
static void so_zswap(struct __test_metadata *_metadata, struct so_state *st,
		     bool on)
{
	int ret;

	if (st->env.zswap_saved < 0) {
		ret = zswap_get_enabled();
		ASSERT_LE(0, ret) TH_LOG("zswap is not available");
		st->env.zswap_saved = ret;
	}
	ret = zswap_set_enabled(on);
	ASSERT_EQ(0, ret) TH_LOG("cannot set zswap enabled=%d", on);
}

/* Mark VT_PHYS_DEV non-rotational, mkswap and swapon it (default priority). */
static void so_phys_on(struct __test_metadata *_metadata, struct so_state *st)
{
	int ret;

	ASSERT_TRUE(vt_exists(VT_PHYS_DEV)) TH_LOG("no " VT_PHYS_DEV);
	st->phys_on = true;
	ret = vd_phys_on_ssd(VT_PHYS_DEV, -1, &st->rot_saved);
	ASSERT_EQ(0, ret) TH_LOG("non-rotational, mkswap, swapon " VT_PHYS_DEV ": %s",
				 strerror(-ret));
}

/* ---------------------------------------------------------------------
 * Regions, counters, checks
 */

static void so_fill(char *mem, size_t n, unsigned long long seed,
		    const struct page_mix *mix)
{
	size_t i;

	/* page indexes fit 32 bits; tells gcc how long the text gets */
	for (i = 0; i < n; i++)
		page_generate(mem + i * VT_PAGE_SIZE, seed, (uint32_t)i, mix);
}

/* Pages [@first, @first + @n) of a region filled by so_fill(); bad pages */
static size_t so_verify_range(const char *mem, size_t first, size_t n,
			      unsigned long long seed,
			      const struct page_mix *mix)
{
	unsigned char exp[VT_PAGE_SIZE];
	size_t i, bad = 0;

	for (i = first; i < first + n; i++) {
		page_generate(exp, seed, (uint32_t)i, mix);
		if (memcmp(mem + i * VT_PAGE_SIZE, exp, VT_PAGE_SIZE))
			bad++;
	}
	return bad;
}

/*
 * MADV_PAGEOUT a private region until pagemap shows it all swapped (or
 * 10 tries); pages swapped out, or -errno.
 */
static long so_pageout(char *mem, size_t n)
{
	struct vd_region r = { .mem = mem, .nr_pages = n };

	return vd_pageout_anon(&r, 0, n);
}

/*
 * MADV_PAGEOUT a shared (shmem) mapping until vswap holds @want more
 * slots than @base (pagemap does not show swapped shmem); slots gained.
 */
static long long so_shm_pageout(char *mem, size_t n, unsigned long long base,
				size_t want)
{
	unsigned long long v = 0;
	long long got = 0;
	int i;

	for (i = 0; i < 50; i++) {
		if (madvise(mem, n * VT_PAGE_SIZE, MADV_PAGEOUT))
			return -errno;
		if (vswap_debugfs_read("slots_used", &v))
			return -EIO;
		got = (long long)(v - base);
		if (got >= (long long)want)
			break;
		usleep(20 * 1000);
	}
	return got;
}

static long long so_slots(void)
{
	unsigned long long v;

	return vswap_debugfs_read("slots_used", &v) ? -1 : (long long)v;
}

static unsigned long long so_swpouts(const struct vd_stats *s)
{
	return s->v[VD_SWPOUT_ZERO] + s->v[VD_SWPOUT_ZSWAP] +
	       s->v[VD_SWPOUT_PHYS] + s->v[VD_SWPOUT_INMEM];
}

/* Which counter a page of @kind lands in */
static enum vd_stat so_backend_of(enum page_kind kind, bool zswap, bool disk)
{
	if (kind == PAGE_ZERO)
		return VD_ZERO;
	if (kind == PAGE_COMPRESSIBLE && zswap)
		return VD_ZSWAP;
	return disk ? VD_PHYS : VD_INMEM;
}

/* Right after a successful swapoff: nothing left in the virtual space. */
static void so_expect_empty(struct __test_metadata *_metadata, const char *when)
{
	struct vd_stats s;

	ASSERT_EQ(0, vd_stats_read(&s));
	vd_stats_log(when, &s);
	ASSERT_EQ(0, s.v[VD_SLOTS_USED]) TH_LOG("%s: slots still in use", when);
	EXPECT_EQ(0, s.v[VD_ZERO]);
	EXPECT_EQ(0, s.v[VD_ZSWAP]);
	EXPECT_EQ(0, s.v[VD_PHYS]);
	EXPECT_EQ(0, s.v[VD_INMEM]);
	EXPECT_EQ(0, s.v[VD_READ_ERROR] + s.v[VD_IO_ERROR]);
}

/* rmmod must succeed now (nothing is left to hold a reference) */
static void so_rmmod(struct __test_metadata *_metadata, const char *when)
{
	struct vd_stats s;
	int ret;

	ret = vswap_unload();
	if (ret && !vd_stats_read(&s))
		vd_stats_log("rmmod refused", &s);
	ASSERT_EQ(0, ret) TH_LOG("%s: rmmod: %s", when, strerror(-ret));
}

/* swapoff /dev/vswap must succeed and leave nothing. */
static void so_swapoff_ok(struct __test_metadata *_metadata, const char *when)
{
	double t0 = vd_now();
	int ret;

	ret = swap_off(VSWAP_DEV);
	ASSERT_EQ(0, ret) TH_LOG("%s: swapoff " VSWAP_DEV ": %s", when,
				 strerror(-ret));
	TH_LOG("%s: swapoff took %.3f s", when, vd_now() - t0);
	so_expect_empty(_metadata, when);
}

/*
 * Swap-outs vswap counted for a fresh region of PROBE_PAGES pages paged
 * out (it is checked and freed again); -errno on failure, -EBADMSG if it
 * came back wrong.  Pagemap of the region after the page-out in
 * *@swapped, *@present.
 */
static long long so_probe(size_t *swapped, size_t *present)
{
	struct page_mismatch mm;
	struct vd_stats s0, s1;
	long long ret;
	char *mem;

	mem = vt_map_pages(PROBE_PAGES, false, -1);
	if (!mem)
		return -ENOMEM;
	so_fill(mem, PROBE_PAGES, SEED ^ 0x9b0be, NULL);
	ret = vd_stats_read(&s0);
	if (!ret)
		ret = so_pageout(mem, PROBE_PAGES);
	if (ret >= 0)
		ret = pagemap_count(mem, PROBE_PAGES, swapped, present);
	if (!ret)
		ret = vd_stats_read(&s1);
	if (!ret && pattern_verify(mem, PROBE_PAGES, SEED ^ 0x9b0be, NULL, &mm)) {
		pattern_report(&mm, PROBE_PAGES);
		ret = -EBADMSG;
	}
	if (!ret)
		ret = (long long)(so_swpouts(&s1) - so_swpouts(&s0));
	munmap(mem, PROBE_PAGES * VT_PAGE_SIZE);
	return ret;
}

/* ---------------------------------------------------------------------
 * Processes that hold swapped data and check it on command
 *
 * The parent writes a command byte, the process answers 'k' (or the step
 * that failed) after filling its report:
 *   'c': pagemap of the region (before touching it), then pattern_verify
 *   'p': MADV_PAGEOUT of the whole region
 *   'x': as 'c', then exit 0 (1: bad data, 2: no pagemap); no answer
 */

struct so_report {
	long swapped;		/* swap entries in the region (pagemap) */
	long present;		/* present pages */
	long bad;		/* pages that differ from the pattern */
	long first_bad;
};

struct so_data {
	char *mem;		/* NULL: the process maps and fills it */
	size_t nr_pages;
	unsigned long long seed;
	const struct page_mix *mix;
};

struct so_proc {
	pid_t pid;
	int cmd;		/* parent -> process */
	int rep;		/* process -> parent */
	struct so_report *r;	/* shared */
};

static char so_check_data(const struct so_data *d, struct so_report *r)
{
	size_t swapped = 0, present = 0;
	struct page_mismatch mm;

	if (pagemap_count(d->mem, d->nr_pages, &swapped, &present))
		return 'm';
	r->swapped = swapped;
	r->present = present;
	r->bad = pattern_verify(d->mem, d->nr_pages, d->seed, d->mix, &mm);
	r->first_bad = r->bad ? (long)mm.page : -1;
	if (r->bad)
		pattern_report(&mm, d->nr_pages);
	return 'k';
}

static void __noreturn so_proc_main(int cmd, int rep, struct so_data *d,
				    struct so_report *r, const char *cg)
{
	char c = 'k';

	if (cg && cg_enter(cg, 0))
		c = 'g';
	/* MADV_PAGEOUT misses folios in another CPU's LRU batch */
	vd_pin_cpu();
	if (c == 'k' && !d->mem) {
		d->mem = vt_map_pages(d->nr_pages, false, -1);
		if (!d->mem) {
			c = 'a';
		} else {
			so_fill(d->mem, d->nr_pages, d->seed, d->mix);
			r->swapped = so_pageout(d->mem, d->nr_pages);
			if (r->swapped != (long)d->nr_pages)
				c = 'p';
		}
	}
	for (;;) {
		if (write(rep, &c, 1) != 1 || c != 'k')
			_exit(3);
		if (read(cmd, &c, 1) != 1)
			_exit(3);
		switch (c) {
		case 'c':
			c = so_check_data(d, r);
			break;
		case 'p':
			r->swapped = so_pageout(d->mem, d->nr_pages);
			c = 'k';
			break;
		case 'x':
			if (so_check_data(d, r) != 'k')
				_exit(2);
			_exit(r->bad ? 1 : 0);
		default:
			c = '?';
		}
	}
}

/*
 * Start a process for @d (d->mem NULL: it maps, fills and pages out its
 * own region; else it holds the inherited one) in cgroup @cg (NULL: ours).
 * Returns 0 once it is ready, -errno, or the step that failed (> 0).
 */
static int so_spawn(struct so_state *st, struct so_proc *p, struct so_data *d,
		    const char *cg)
{
	int cmd[2], rep[2];
	char c;

	memset(p, 0, sizeof(*p));
	p->r = mmap(NULL, VT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->r == MAP_FAILED || pipe(cmd))
		return -errno;
	if (pipe(rep))
		return -errno;
	p->pid = vt_fork();
	if (p->pid < 0)
		return p->pid;
	if (!p->pid) {
		close(cmd[1]);
		close(rep[0]);
		so_proc_main(cmd[0], rep[1], d, p->r, cg);
	}
	close(cmd[0]);
	close(rep[1]);
	p->cmd = cmd[1];
	p->rep = rep[0];
	vd_env_add_pid(&st->env, p->pid);
	if (read(p->rep, &c, 1) != 1)
		return -ECHILD;
	return c == 'k' ? 0 : c;
}

/* Send @c, wait for the answer; 0 or the failing step (> 0) / -errno. */
static int so_cmd(struct so_proc *p, char c)
{
	char a;

	if (write(p->cmd, &c, 1) != 1)
		return -errno;
	if (read(p->rep, &a, 1) != 1)
		return -ECHILD;
	return a == 'k' ? 0 : a;
}

/* Start @nr processes, each with its own region (seed + i). */
static void so_spawn_all(struct __test_metadata *_metadata,
			 struct so_state *st, struct so_proc *p,
			 struct so_data *d, int nr, size_t pages,
			 unsigned long long seed, const struct page_mix *mix,
			 const char *cg)
{
	int i, ret;

	for (i = 0; i < nr; i++) {
		d[i].mem = NULL;
		d[i].nr_pages = pages;
		d[i].seed = seed + i;
		d[i].mix = mix;
		ret = so_spawn(st, &p[i], &d[i], cg);
		ASSERT_EQ(0, ret)
			TH_LOG("process %d: %s", i, ret < 0 ? strerror(-ret) :
			       "failed (a = mmap, g = cgroup, p = page-out)");
	}
}

/*
 * Every process checks its data.  @off: right after a successful swapoff,
 * so no page may still be a swap entry and every one is present.
 */
static void so_check_all(struct __test_metadata *_metadata, struct so_proc *p,
			 int nr, size_t pages, bool off, const char *when)
{
	int i;

	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, so_cmd(&p[i], 'c'))
			TH_LOG("%s: process %d did not answer", when, i);
		EXPECT_EQ(0, p[i].r->bad)
			TH_LOG("%s: process %d: %ld of %zu pages differ, first %ld",
			       when, i, p[i].r->bad, pages, p[i].r->first_bad);
		if (!off)
			continue;
		EXPECT_EQ(0, p[i].r->swapped)
			TH_LOG("%s: process %d still maps %ld swap entries",
			       when, i, p[i].r->swapped);
		EXPECT_EQ((long)pages, p[i].r->present)
			TH_LOG("%s: process %d: only %ld of %zu pages present",
			       when, i, p[i].r->present, pages);
	}
}

/* Every process pages its whole region out again (vswap must be on). */
static void so_pageout_all(struct __test_metadata *_metadata,
			   struct so_proc *p, int nr, size_t pages)
{
	int i;

	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, so_cmd(&p[i], 'p'));
		ASSERT_EQ((long)pages, p[i].r->swapped)
			TH_LOG("process %d: page-out left pages resident", i);
	}
}

static void so_forget_pid(struct so_state *st, pid_t pid)
{
	int i;

	for (i = 0; i < st->env.nr_pids; i++)
		if (st->env.pids[i] == pid)
			st->env.pids[i] = 0;
}

/* Decoded wait status: the exit code, or 128 + the signal. */
static int so_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Each process checks its data a last time and exits; all must exit 0. */
static void so_finish_all(struct __test_metadata *_metadata,
			  struct so_state *st, struct so_proc *p, int nr)
{
	int i, status;
	char c = 'x';

	for (i = 0; i < nr; i++) {
		EXPECT_EQ(1, write(p[i].cmd, &c, 1));
		EXPECT_EQ(p[i].pid, waitpid(p[i].pid, &status, 0));
		EXPECT_EQ(0, so_status(status))
			TH_LOG("process %d: exit %d (1 = bad data)", i,
			       so_status(status));
		so_forget_pid(st, p[i].pid);
		close(p[i].cmd);
		close(p[i].rep);
		munmap(p[i].r, VT_PAGE_SIZE);
	}
}

/* ---------------------------------------------------------------------
 * A child that calls swapoff(2)/swapon(2) of /dev/vswap itself
 */

enum so_how {
	SO_AS_ROOT,
	SO_SETUID,	/* as uid/gid 65534 */
	SO_NOCAP,	/* uid 0 without CAP_SYS_ADMIN */
	SO_SIGNAL,	/* SIGUSR1 handler, no SA_RESTART */
	SO_FAIL,	/* /proc/self/make-it-fail */
};

struct so_call {
	pid_t pid;
	int ready;
};

static void so_sigusr1(int sig)
{
	(void)sig;
}

static int so_drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[i].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[i].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[i].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

static void __noreturn so_call_main(int ready, enum so_how how, bool on)
{
	struct sigaction sa = { .sa_handler = so_sigusr1 };
	long ret;

	switch (how) {
	case SO_AS_ROOT:
		break;
	case SO_SETUID:
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(SO_RC_SETUP);
		break;
	case SO_NOCAP:
		if (so_drop_cap_sys_admin())
			_exit(SO_RC_SETUP);
		break;
	case SO_SIGNAL:
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL))
			_exit(SO_RC_SETUP);
		break;
	case SO_FAIL:
		if (vt_write_file("/proc/self/make-it-fail", "1"))
			_exit(SO_RC_SETUP);
		break;
	}
	if (write(ready, "r", 1) != 1)
		_exit(SO_RC_SETUP);
	if (on)
		ret = syscall(__NR_swapon, VSWAP_DEV, 0);
	else
		ret = syscall(__NR_swapoff, VSWAP_DEV);
	_exit(ret ? errno : 0);
}

/* Fork the child; returns once it is about to make the call. */
static int so_call_start(struct so_call *c, enum so_how how, bool on)
{
	int fds[2];
	char b;

	if (pipe(fds))
		return -errno;
	c->pid = vt_fork();
	if (c->pid < 0)
		return c->pid;
	if (!c->pid) {
		close(fds[0]);
		so_call_main(fds[1], how, on);
	}
	close(fds[1]);
	c->ready = fds[0];
	/* nothing to read: it failed before; so_call_wait() tells */
	if (read(c->ready, &b, 1) != 1)
		b = 0;
	return 0;
}

/* The call's errno (0: it succeeded), SO_RC_SETUP, or 128 + signal. */
static int so_call_wait(struct so_call *c)
{
	int status;

	close(c->ready);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return -errno;
	return so_status(status);
}

/* Child's result as text for the log */
static const char *so_rc_str(int rc)
{
	if (!rc)
		return "success";
	if (rc == SO_RC_SETUP)
		return "child setup failed";
	if (rc > 128)
		return "child killed by a signal";
	return strerror(rc);
}

/* ---------------------------------------------------------------------
 * 1. Every backend, with live processes
 */

FIXTURE(backend) {
	struct so_state st;
};

FIXTURE_VARIANT(backend) {
	int zswap;
	bool disk;
	const struct page_mix *mix;
	enum vd_stat main;	/* the backend under test */
};

FIXTURE_VARIANT_ADD(backend, zero) {
	.zswap = 0,
	.disk = false,
	.mix = &mix_zero,
	.main = VD_ZERO,
};

FIXTURE_VARIANT_ADD(backend, zswap) {
	.zswap = 1,
	.disk = false,
	.mix = &mix_comp,
	.main = VD_ZSWAP,
};

FIXTURE_VARIANT_ADD(backend, phys) {
	.zswap = 0,
	.disk = true,
	.mix = &mix_random,
	.main = VD_PHYS,
};

/* zswap off and no disk: pages stay in the swap cache (FOLIO) */
FIXTURE_VARIANT_ADD(backend, inmem) {
	.zswap = 0,
	.disk = false,
	.mix = &mix_random,
	.main = VD_INMEM,
};

/* zero, zswap and disk at once (random pages: zswap refuses them) */
FIXTURE_VARIANT_ADD(backend, mixed) {
	.zswap = 1,
	.disk = true,
	.mix = &page_mix_default,
	.main = VD_PHYS,
};

FIXTURE_SETUP(backend)
{
	so_setup(_metadata, &self->st, variant->zswap);
	if (variant->disk)
		so_phys_on(_metadata, &self->st);
}

FIXTURE_TEARDOWN_PARENT(backend)
{
	so_teardown(_metadata, &self->st);
}

TEST_F_TIMEOUT(backend, live_process, 300)
{
	const size_t n = BK_PAGES;
	unsigned long long exp[VD_NR_STATS] = { 0 };
	struct so_proc p[BK_PROCS];
	struct so_data d[BK_PROCS];
	struct vd_stats s1, s2, s3;
	const char *cg = NULL;
	long long cached;
	size_t k[3];
	int i, kind;

	if (variant->disk) {
		/* a cgroup of their own, whose swap cache can be evicted */
		vd_cg_setup(_metadata, &self->st.env, CG_NAME, MB(1024));
		if (_metadata->exit_code == KSFT_SKIP)
			return;
		cg = self->st.env.cg;
	}
	so_spawn_all(_metadata, &self->st, p, d, BK_PROCS, n, SEED,
		     variant->mix, cg);
	for (i = 0; i < BK_PROCS; i++) {
		vd_count_kinds(0, n, d[i].seed, variant->mix, k);
		for (kind = PAGE_ZERO; kind <= PAGE_RANDOM; kind++)
			exp[so_backend_of(kind, variant->zswap,
					  variant->disk)] += k[kind];
	}

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("swapped out", &s1);
	ASSERT_EQ(BK_PROCS * n, s1.v[VD_SLOTS_USED]);
	EXPECT_EQ(exp[VD_ZERO], s1.v[VD_ZERO]);
	EXPECT_EQ(exp[VD_ZSWAP], s1.v[VD_ZSWAP]);
	/* a few disk writes may be refused and stay in memory */
	EXPECT_EQ(exp[VD_PHYS] + exp[VD_INMEM], s1.v[VD_PHYS] + s1.v[VD_INMEM]);
	EXPECT_LE(exp[VD_PHYS] * 9 / 10, s1.v[VD_PHYS]);
	if (!variant->disk) {
		EXPECT_EQ(exp[VD_INMEM], s1.v[VD_INMEM]);
	}
	ASSERT_LT(0, s1.v[variant->main])
		TH_LOG("the backend under test holds nothing");

	if (variant->disk) {
		/* drop the clean swap cache copies: swapoff reads the disk */
		cached = vd_evict_swap_cache(cg);
		TH_LOG("%lld bytes left in the swap cache, %lld KiB on " VT_PHYS_DEV,
		       cached, vd_swap_used_kb(VT_PHYS_DEV));
		ASSERT_LT(0, vd_swap_used_kb(VT_PHYS_DEV));
	}

	ASSERT_EQ(0, vd_stats_read(&s2));
	so_swapoff_ok(_metadata, "swapoff with live processes");
	ASSERT_EQ(0, vd_stats_read(&s3));
	TH_LOG("swapoff swapped in: zero %lld zswap %lld phys %lld",
	       vd_delta(&s3, &s2, VD_SWPIN_ZERO),
	       vd_delta(&s3, &s2, VD_SWPIN_ZSWAP),
	       vd_delta(&s3, &s2, VD_SWPIN_PHYS));
	if (variant->disk) {
		EXPECT_EQ(0, vd_wait_swap_used(VT_PHYS_DEV, 0));
	}
	if (variant->zswap)
		TH_LOG("zswap stored_pages %lld",
		       zswap_debugfs_read("stored_pages"));

	so_check_all(_metadata, p, BK_PROCS, n, true, "after swapoff");
	/* the processes are alive, their data in memory: vswap goes */
	so_rmmod(_metadata, "after swapoff");
	so_finish_all(_metadata, &self->st, p, BK_PROCS);
}

/* ---------------------------------------------------------------------
 * The other cases configure zswap and the disk themselves
 */

FIXTURE(swapoff) {
	struct so_state st;
};

FIXTURE_SETUP(swapoff)
{
	so_setup(_metadata, &self->st, -1);
}

FIXTURE_TEARDOWN_PARENT(swapoff)
{
	so_teardown(_metadata, &self->st);
}

/* 2. Children that share the parent's swapped entries */
TEST_F_TIMEOUT(swapoff, forked_children, 300)
{
	const size_t n = FORK_PAGES;
	struct so_proc p[FORK_CHILDREN];
	struct page_mismatch mm;
	struct so_data d;
	size_t swapped, present;
	int i, ret;

	so_zswap(_metadata, &self->st, true);
	ASSERT_EQ(0, vd_pin_cpu());
	d.nr_pages = n;
	d.seed = SEED ^ 0xf0;
	d.mix = NULL;
	d.mem = vt_map_pages(n, false, -1);
	ASSERT_NE(NULL, d.mem);
	so_fill(d.mem, n, d.seed, d.mix);
	ASSERT_EQ((long)n, so_pageout(d.mem, n));

	for (i = 0; i < FORK_CHILDREN; i++) {
		ret = so_spawn(&self->st, &p[i], &d, NULL);
		ASSERT_EQ(0, ret) TH_LOG("child %d: %d", i, ret);
	}
	/* one slot per page, whoever maps it */
	ASSERT_EQ((long long)n, so_slots());

	so_swapoff_ok(_metadata, "swapoff with 5 sharers");
	ASSERT_EQ(0, pagemap_count(d.mem, n, &swapped, &present));
	EXPECT_EQ(0, swapped) TH_LOG("parent still maps swap entries");
	EXPECT_EQ(n, present);
	ASSERT_EQ(0, pattern_verify(d.mem, n, d.seed, d.mix, &mm))
		pattern_report(&mm, n);
	so_check_all(_metadata, p, FORK_CHILDREN, n, true, "after swapoff");

	so_rmmod(_metadata, "after swapoff");
	so_finish_all(_metadata, &self->st, p, FORK_CHILDREN);
	ASSERT_EQ(0, pattern_verify(d.mem, n, d.seed, d.mix, &mm))
		pattern_report(&mm, n);
	munmap(d.mem, n * VT_PAGE_SIZE);
}

/* Fill @nr_pages of a file with the pattern using pwrite(). */
static int so_file_fill(int fd, size_t nr_pages, unsigned long long seed)
{
	char page[VT_PAGE_SIZE];
	size_t i;

	for (i = 0; i < nr_pages; i++) {
		page_generate(page, seed, (uint32_t)i, NULL);
		if (pwrite(fd, page, VT_PAGE_SIZE, i * VT_PAGE_SIZE) !=
		    (ssize_t)VT_PAGE_SIZE)
			return -EIO;
	}
	return 0;
}

/* Pages of the file at @path (read with pread()) that differ. */
static size_t so_file_verify(const char *path, size_t nr_pages,
			     unsigned long long seed)
{
	char page[VT_PAGE_SIZE], exp[VT_PAGE_SIZE];
	size_t i, bad = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nr_pages;
	for (i = 0; i < nr_pages; i++) {
		page_generate(exp, seed, (uint32_t)i, NULL);
		if (pread(fd, page, VT_PAGE_SIZE, i * VT_PAGE_SIZE) !=
		    (ssize_t)VT_PAGE_SIZE || memcmp(page, exp, VT_PAGE_SIZE))
			bad++;
	}
	close(fd);
	return bad;
}

/* 3. shmem: a shared anonymous region and a tmpfs file nobody maps */
TEST_F_TIMEOUT(swapoff, shmem_tmpfs, 300)
{
	const unsigned long long fseed = SEED ^ 0xf11e, rseed = SEED ^ 0x5e;
	const size_t n = SHM_PAGES;
	char dir[] = "/tmp/vswap_swapoff.XXXXXX";
	struct page_mismatch mm;
	char path[128], *map, *shm;
	long long base, got;
	int fd;

	so_zswap(_metadata, &self->st, true);
	ASSERT_EQ(0, vd_pin_cpu());
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=256m,huge=never"))
		TH_LOG("mount tmpfs: %s", strerror(errno));
	snprintf(self->st.tmpdir, sizeof(self->st.tmpdir), "%s", dir);

	/* the file: written, mapped, paged out, closed */
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, so_file_fill(fd, n, fseed));
	map = mmap(NULL, n * VT_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	madvise(map, n * VT_PAGE_SIZE, MADV_NOHUGEPAGE);
	/* MADV_PAGEOUT walks page tables: map every page (read fault) */
	ASSERT_EQ(0, pattern_verify(map, n, fseed, NULL, &mm));
	base = so_slots();
	got = so_shm_pageout(map, n, base, n);
	ASSERT_EQ((long long)n, got) TH_LOG("file: %lld of %zu pages out", got, n);
	munmap(map, n * VT_PAGE_SIZE);
	close(fd);

	/* the shared anonymous region, still mapped */
	shm = vt_map_pages(n, true, -1);
	ASSERT_NE(NULL, shm);
	so_fill(shm, n, rseed, NULL);
	base = so_slots();
	got = so_shm_pageout(shm, n, base, n);
	ASSERT_EQ((long long)n, got) TH_LOG("shmem: %lld of %zu pages out",
					    got, n);
	ASSERT_EQ((long long)(2 * n), so_slots());

	so_swapoff_ok(_metadata, "swapoff with shmem and tmpfs");
	ASSERT_EQ(0, pattern_verify(shm, n, rseed, NULL, &mm))
		pattern_report(&mm, n);
	ASSERT_EQ(0, so_file_verify(path, n, fseed));
	/* the file and the region still exist: vswap goes all the same */
	so_rmmod(_metadata, "after swapoff");
	ASSERT_EQ(0, pattern_verify(shm, n, rseed, NULL, &mm))
		pattern_report(&mm, n);
	ASSERT_EQ(0, so_file_verify(path, n, fseed));
	munmap(shm, n * VT_PAGE_SIZE);
}

/*
 * 4. Slots held by swap cache folios only.  A child shares every entry;
 * the test process reads its pages back through the swap cache (the
 * entries have two users), then the child exits: its zap drops the
 * entries' last count but leaves the folios, mapped here, in the swap
 * cache, which keeps their slots (as on stock swap).  Swapoff alone, no
 * memory.reclaim, frees them.
 */
TEST_F_TIMEOUT(swapoff, swap_cache_only, 300)
{
	const unsigned long long seed = SEED ^ 0xcac4e;
	const size_t n = SMALL_PAGES;
	struct page_mismatch mm;
	struct vd_stats s;
	int status;
	char *mem;
	pid_t pid;

	so_zswap(_metadata, &self->st, true);
	ASSERT_EQ(0, vd_pin_cpu());
	mem = vt_map_pages(n, false, -1);
	ASSERT_NE(NULL, mem);
	so_fill(mem, n, seed, NULL);
	ASSERT_EQ((long)n, so_pageout(mem, n));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pause();
		_exit(0);
	}
	vd_env_add_pid(&self->st.env, pid);
	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	so_forget_pid(&self->st, pid);

	ASSERT_EQ(0, vd_stats_read(&s));
	vd_stats_log("sharer gone", &s);
	TH_LOG("%llu of %zu slots held by the swap cache only, SwapCached %lld KiB",
	       s.v[VD_SLOTS_USED], n, read_meminfo_kb("SwapCached"));
	ASSERT_LT(0, s.v[VD_SLOTS_USED]) TH_LOG("nothing left to test");

	so_swapoff_ok(_metadata, "swapoff of swap cache pages");
	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
	so_rmmod(_metadata, "after swapoff");
	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
}

/* 5. Off: nothing goes to vswap; on again; EBUSY and EINVAL */
TEST_F_TIMEOUT(swapoff, swapon_again, 300)
{
	const size_t n = SMALL_PAGES;
	const unsigned long long seed = SEED ^ 0xa6a1;
	struct vd_stats s0, s1;
	size_t swapped, present;
	struct page_mismatch mm;
	long long out;
	char *mem;
	int ret;

	so_zswap(_metadata, &self->st, true);
	ASSERT_EQ(0, vd_pin_cpu());
	mem = vt_map_pages(n, false, -1);
	ASSERT_NE(NULL, mem);
	so_fill(mem, n, seed, NULL);
	ASSERT_EQ((long)n, so_pageout(mem, n));
	ASSERT_EQ((long long)n, so_slots());
	so_swapoff_ok(_metadata, "first swapoff");
	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);

	/* off, no swap device: page-out leaves everything present */
	ASSERT_EQ(0, vd_stats_read(&s0));
	EXPECT_EQ(0, so_pageout(mem, n));
	ASSERT_EQ(0, pagemap_count(mem, n, &swapped, &present));
	EXPECT_EQ(0, swapped);
	EXPECT_EQ(n, present);
	out = so_probe(&swapped, &present);
	EXPECT_EQ(0, out) TH_LOG("vswap counted swap-outs while off");
	EXPECT_EQ(0, swapped);
	EXPECT_EQ(PROBE_PAGES, present);
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(so_swpouts(&s0), so_swpouts(&s1));
	EXPECT_EQ(0, s1.v[VD_SLOTS_USED]);

	/* off, /dev/vda on: it takes the pages directly, stock entries */
	so_phys_on(_metadata, &self->st);
	EXPECT_EQ((long)n, so_pageout(mem, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	EXPECT_EQ(so_swpouts(&s0), so_swpouts(&s1));
	EXPECT_EQ(0, s1.v[VD_SLOTS_USED]);
	TH_LOG("vswap off: %lld KiB on " VT_PHYS_DEV, vd_swap_used_kb(VT_PHYS_DEV));
	EXPECT_LT(0, vd_swap_used_kb(VT_PHYS_DEV));
	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
	ret = swap_off(VT_PHYS_DEV);
	ASSERT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
	self->st.phys_on = false;

	/* on again */
	ret = swap_on(VSWAP_DEV, 0);
	ASSERT_EQ(0, ret) TH_LOG("swapon " VSWAP_DEV ": %s", strerror(-ret));
	ASSERT_EQ(0, vd_stats_read(&s0));
	ASSERT_EQ((long)n, so_pageout(mem, n));
	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("on again, paged out", &s1);
	ASSERT_LT(so_swpouts(&s0), so_swpouts(&s1));
	/*
	 * Every page got a virtual slot.  Reclaim may keep a few of them in
	 * the swap cache unwritten (pageout() skips a folio that someone
	 * holds a reference to for a moment, such as the folios swapoff of
	 * /dev/vda just brought in): they still count as in memory.
	 */
	EXPECT_EQ(n, s1.v[VD_SLOTS_USED]);
	out = (long long)(so_swpouts(&s1) - so_swpouts(&s0));
	EXPECT_GE(out, (long long)n * 9 / 10);
	EXPECT_LE(out, (long long)n);
	out = so_probe(&swapped, &present);
	EXPECT_EQ(PROBE_PAGES, out);
	EXPECT_EQ(PROBE_PAGES, swapped);

	ret = swap_on(VSWAP_DEV, 0);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("swapon while on: %s", strerror(-ret));

	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
	ASSERT_EQ((long)n, so_pageout(mem, n));
	so_swapoff_ok(_metadata, "second swapoff");
	ret = swap_off(VSWAP_DEV);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("swapoff while off: %s", strerror(-ret));
	so_rmmod(_metadata, "after swapoff");
	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
	munmap(mem, n * VT_PAGE_SIZE);
}

/* 6. Only CAP_SYS_ADMIN may switch it off (or on) */
TEST_F_TIMEOUT(swapoff, eperm, 300)
{
	static const struct {
		enum so_how how;
		bool on;
		const char *what;
	} calls[] = {
		{ SO_SETUID, false, "swapoff as uid 65534" },
		{ SO_SETUID, true, "swapon as uid 65534" },
		{ SO_NOCAP, false, "swapoff as root without CAP_SYS_ADMIN" },
		{ SO_NOCAP, true, "swapon as root without CAP_SYS_ADMIN" },
	};
	const size_t n = SMALL_PAGES;
	const unsigned long long seed = SEED ^ 0xe9e3;
	struct page_mismatch mm;
	struct vd_stats s0, s1;
	size_t swapped, present;
	struct so_call c;
	unsigned int i;
	char *mem;
	int rc;

	so_zswap(_metadata, &self->st, true);
	ASSERT_EQ(0, vd_pin_cpu());
	mem = vt_map_pages(n, false, -1);
	ASSERT_NE(NULL, mem);
	so_fill(mem, n, seed, NULL);
	ASSERT_EQ((long)n, so_pageout(mem, n));
	ASSERT_EQ(0, vd_stats_read(&s0));

	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		ASSERT_EQ(0, so_call_start(&c, calls[i].how, calls[i].on));
		rc = so_call_wait(&c);
		EXPECT_EQ(EPERM, rc) TH_LOG("%s: %s", calls[i].what,
					    so_rc_str(rc));
	}

	/* nothing changed */
	ASSERT_EQ(0, vd_stats_read(&s1));
	for (i = 0; i < VD_NR_STATS; i++) {
		if (i == VD_CAPACITY)
			continue;
		EXPECT_EQ(s0.v[i], s1.v[i]) TH_LOG("%s moved", vd_stat_names[i]);
	}
	ASSERT_EQ(0, pagemap_count(mem, n, &swapped, &present));
	EXPECT_EQ(n, swapped);
	rc = swap_on(VSWAP_DEV, 0);
	EXPECT_EQ(-EBUSY, rc) TH_LOG("root's swapon: %s (vswap was off?)",
				     strerror(-rc));

	ASSERT_EQ(0, pattern_verify(mem, n, seed, NULL, &mm))
		pattern_report(&mm, n);
	so_swapoff_ok(_metadata, "swapoff as root");
	so_rmmod(_metadata, "after swapoff");
	munmap(mem, n * VT_PAGE_SIZE);
}

/*
 * Send SIGUSR1 to the swapoff child once slots start to go (it has
 * begun; @before: slots when it started) or @delay seconds after it said
 * it was about to call, unless it finished first.  Its result.
 */
static int so_call_interrupt(struct so_call *c, long long before, double delay)
{
	double t0 = vd_now();
	long long now;
	int status;

	for (;;) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			close(c->ready);
			return so_status(status);
		}
		now = so_slots();
		if ((now >= 0 && now < before) || vd_now() - t0 > delay)
			break;
		usleep(200);
	}
	kill(c->pid, SIGUSR1);
	return so_call_wait(c);
}

/* 7. A signal interrupts swapoff: EINTR, nothing lost, still on */
TEST_F_TIMEOUT(swapoff, eintr, 600)
{
	const size_t n = INTR_PAGES;
	struct so_proc p[INTR_PROCS];
	struct so_data d[INTR_PROCS];
	size_t swapped, present;
	long long before, probe;
	struct so_call c;
	int try, rc = -1, ret;

	so_zswap(_metadata, &self->st, true);
	/* the processes pin themselves; this one and swapoff's may move */
	so_spawn_all(_metadata, &self->st, p, d, INTR_PROCS, n, SEED ^ 0x1e,
		     &mix_intr, NULL);
	for (try = 0; try < INTR_TRIES; try++) {
		before = so_slots();
		ASSERT_EQ((long long)(INTR_PROCS * n), before);
		ASSERT_EQ(0, so_call_start(&c, SO_SIGNAL, false));
		rc = so_call_interrupt(&c, before, INTR_DELAY_S);
		TH_LOG("try %d: swapoff: %s, %lld of %lld slots left", try,
		       so_rc_str(rc), so_slots(), before);
		if (rc == EINTR)
			break;
		ASSERT_EQ(0, rc) TH_LOG("swapoff: %s", so_rc_str(rc));
		/* it finished before the signal: all back, try again */
		so_expect_empty(_metadata, "swapoff done before the signal");
		so_check_all(_metadata, p, INTR_PROCS, n, true, "after swapoff");
		if (try == INTR_TRIES - 1)
			break;
		ret = swap_on(VSWAP_DEV, 0);
		ASSERT_EQ(0, ret) TH_LOG("swapon: %s", strerror(-ret));
		so_pageout_all(_metadata, p, INTR_PROCS, n);
	}

	if (rc == EINTR) {
		ret = swap_on(VSWAP_DEV, 0);
		EXPECT_EQ(-EBUSY, ret)
			TH_LOG("swapon after EINTR: %s (vswap was off)",
			       strerror(-ret));
		probe = so_probe(&swapped, &present);
		EXPECT_LT(0, probe) TH_LOG("no swap-out reached vswap (%lld)",
					   probe);
		so_check_all(_metadata, p, INTR_PROCS, n, false,
			     "after EINTR");
		so_pageout_all(_metadata, p, INTR_PROCS, n);
		so_swapoff_ok(_metadata, "swapoff after EINTR");
		so_check_all(_metadata, p, INTR_PROCS, n, true,
			     "after the second swapoff");
	} else {
		TH_LOG("swapoff always finished before the signal: EINTR not seen in %d tries",
		       INTR_TRIES);
	}
	so_rmmod(_metadata, "after swapoff");
	so_finish_all(_metadata, &self->st, p, INTR_PROCS);
}

/*
 * A cycle's workload: fill, page out, verify the first half; with @ready
 * >= 0, report and wait for @go, then verify everything.  0, else a step.
 */
static int cycle_child(unsigned long long seed, int ready, int go)
{
	struct page_mismatch mm;
	const size_t n = CYCLE_PAGES;
	char *mem, b = 'r';

	mem = vt_map_pages(n, false, -1);
	if (!mem)
		return 10;
	so_fill(mem, n, seed, NULL);
	if (so_pageout(mem, n) != (long)n)
		return 11;
	if (so_verify_range(mem, 0, n / 2, seed, NULL))
		return 1;
	if (ready < 0)
		return 0;
	if (write(ready, &b, 1) != 1 || read(go, &b, 1) != 1)
		return 12;
	if (pattern_verify(mem, n, seed, NULL, &mm)) {
		pattern_report(&mm, n);
		return 2;
	}
	return 0;
}

/* 8. load, workload, swapoff, rmmod: many times in one boot */
TEST_F_TIMEOUT(swapoff, cycles, 600)
{
	int i, ret, status, ready[2], go[2];
	long long slots;
	bool stay;
	pid_t pid;
	char b;

	so_zswap(_metadata, &self->st, true);
	ASSERT_EQ(0, vd_pin_cpu());
	for (i = 0; i < CYCLES; i++) {
		stay = i & 1;
		if (i) {
			ret = vswap_load("");
			ASSERT_EQ(0, ret) TH_LOG("cycle %d: load: %s", i,
						 strerror(-ret));
		}
		ASSERT_EQ(0, so_slots()) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, pipe(ready));
		ASSERT_EQ(0, pipe(go));
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(cycle_child(SEED + i, stay ? ready[1] : -1,
					  go[0]));
		vd_env_add_pid(&self->st.env, pid);
		close(ready[1]);
		close(go[0]);
		if (stay) {
			ASSERT_EQ(1, read(ready[0], &b, 1))
				TH_LOG("cycle %d: workload died", i);
		} else {
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			ASSERT_EQ(0, so_status(status))
				TH_LOG("cycle %d: workload %d", i,
				       so_status(status));
		}
		/* alive: its second half is swapped; gone: swap cache only */
		slots = so_slots();
		if (stay) {
			ASSERT_LT(0, slots) TH_LOG("cycle %d: nothing swapped", i);
		}
		ret = swap_off(VSWAP_DEV);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: swapoff: %s (%lld slots)",
					 i, strerror(-ret), slots);
		ASSERT_EQ(0, so_slots()) TH_LOG("cycle %d", i);
		ret = vswap_unload();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: rmmod: %s", i,
					 strerror(-ret));
		if (stay) {
			ASSERT_EQ(1, write(go[1], &b, 1));
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			ASSERT_EQ(0, so_status(status))
				TH_LOG("cycle %d: workload %d after rmmod", i,
				       so_status(status));
		}
		so_forget_pid(&self->st, pid);
		close(ready[0]);
		close(go[1]);
	}
	TH_LOG("%d cycles", CYCLES);
}

/* ---------------------------------------------------------------------
 * 9. Races
 */

struct race_ctl {
	int stop;
	long rounds[RACE_PROCS];
};

struct race_vda {
	int stop;
	long cycles;
	long failures;
	int first_err;
};

static int race_stopped(int *stop)
{
	return __atomic_load_n(stop, __ATOMIC_ACQUIRE);
}

/* Rewrite, page out, verify, as long as asked to. */
static void __noreturn race_worker(struct race_ctl *ctl, int id)
{
	struct page_mismatch mm;
	unsigned long long seed;
	char *mem;
	long i;

	mem = vt_map_pages(RACE_PAGES, false, -1);
	if (!mem)
		_exit(10);
	for (i = 0; i < RACE_MAX_ROUNDS && !race_stopped(&ctl->stop); i++) {
		seed = SEED + 1000000ULL * (id + 1) + i;
		so_fill(mem, RACE_PAGES, seed, NULL);
		madvise(mem, RACE_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
		if (pattern_verify(mem, RACE_PAGES, seed, NULL, &mm)) {
			vt_log("worker %d round %ld:", id, i);
			pattern_report(&mm, RACE_PAGES);
			_exit(1);
		}
		__atomic_fetch_add(&ctl->rounds[id], 1, __ATOMIC_RELEASE);
	}
	_exit(0);
}

/*
 * A storm child: check the inherited pages; odd ones rewrite the first
 * quarter (copy-on-write), page out and check both parts.
 */
static void __noreturn storm_child(char *mem, unsigned long long seed, int c)
{
	const size_t q = STORM_PAGES / 4;
	unsigned long long mine = seed ^ (0x5707ULL + c);

	if (so_verify_range(mem, 0, STORM_PAGES, seed, NULL))
		_exit(1);
	if (!(c & 1))
		_exit(0);
	so_fill(mem, q, mine, NULL);
	madvise(mem, STORM_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
	if (so_verify_range(mem, 0, q, mine, NULL) ||
	    so_verify_range(mem, q, STORM_PAGES - q, seed, NULL))
		_exit(2);
	_exit(0);
}

/* Page the region out and fork children that use it, as long as asked. */
static void __noreturn race_storm(struct race_ctl *ctl, int id)
{
	const unsigned long long seed = SEED ^ 0x570a4;
	pid_t pids[STORM_CHILDREN];
	int c, status = 0, failed = 0;
	char *mem;
	long i;

	mem = vt_map_pages(STORM_PAGES, false, -1);
	if (!mem)
		_exit(10);
	so_fill(mem, STORM_PAGES, seed, NULL);
	for (i = 0; i < RACE_MAX_ROUNDS && !race_stopped(&ctl->stop); i++) {
		madvise(mem, STORM_PAGES * VT_PAGE_SIZE, MADV_PAGEOUT);
		for (c = 0; c < STORM_CHILDREN; c++) {
			pids[c] = fork();
			if (!pids[c])
				storm_child(mem, seed, c);
			if (pids[c] < 0)
				break;
		}
		while (c--) {
			if (waitpid(pids[c], &status, 0) != pids[c] ||
			    so_status(status)) {
				vt_log("storm round %ld: child %d: %d", i, c,
				       so_status(status));
				failed++;
			}
		}
		if (so_verify_range(mem, 0, STORM_PAGES, seed, NULL)) {
			vt_log("storm round %ld: its own pages differ", i);
			_exit(2);
		}
		__atomic_fetch_add(&ctl->rounds[id], 1, __ATOMIC_RELEASE);
	}
	_exit(failed ? 1 : 0);
}

/* swapoff/swapon of VT_PHYS_DEV until stopped */
static void *race_vda_main(void *arg)
{
	struct race_vda *v = arg;
	bool on = true;
	int ret;

	while (!race_stopped(&v->stop)) {
		ret = swap_off(VT_PHYS_DEV);
		if (!ret)
			on = false;
		else if (!v->failures++)
			v->first_err = ret;
		usleep(4000);
		if (!on) {
			ret = swap_on(VT_PHYS_DEV, 0);
			if (!ret)
				on = true;
			else if (!v->failures++)
				v->first_err = ret;
		}
		v->cycles++;
		usleep(4000);
	}
	return NULL;
}

/*
 * Wait until every racing process has done @k more rounds.  0, -ECHILD
 * if one exited (its status in *@status, its index in *@who), or
 * -ETIMEDOUT.
 */
static int race_progress(struct race_ctl *ctl, pid_t *pids, int k,
			 int *who, int *status)
{
	long base[RACE_PROCS];
	int i, t;
	bool all;

	for (i = 0; i < RACE_PROCS; i++)
		base[i] = __atomic_load_n(&ctl->rounds[i], __ATOMIC_ACQUIRE);
	for (t = 0; t < RACE_WAIT_POLLS; t++) {
		all = true;
		for (i = 0; i < RACE_PROCS; i++)
			if (__atomic_load_n(&ctl->rounds[i], __ATOMIC_ACQUIRE) <
			    base[i] + k)
				all = false;
		if (all)
			return 0;
		for (i = 0; i < RACE_PROCS; i++) {
			if (pids[i] > 0 &&
			    waitpid(pids[i], status, WNOHANG) == pids[i]) {
				pids[i] = 0;
				*who = i;
				return -ECHILD;
			}
		}
		usleep(50 * 1000);
	}
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(swapoff, races, 600)
{
	struct race_vda vda = { 0 };
	pid_t pids[RACE_PROCS];
	struct race_ctl *ctl;
	int i, r, ret, who = -1, status = 0;
	long long slots;
	pthread_t th;

	so_zswap(_metadata, &self->st, true);
	so_phys_on(_metadata, &self->st);
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctl);
	memset(ctl, 0, sizeof(*ctl));
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < RACE_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			if (i < RACE_WORKERS)
				race_worker(ctl, i);
			race_storm(ctl, i);
		}
		vd_env_add_pid(&self->st.env, pids[i]);
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, race_vda_main, &vda));

	for (r = 0; r < RACE_ROUNDS; r++) {
		if (r) {
			ret = swap_on(VSWAP_DEV, 0);
			ASSERT_EQ(0, ret) TH_LOG("round %d: swapon: %s", r,
						 strerror(-ret));
		}
		ret = race_progress(ctl, pids, 2, &who, &status);
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s %d (status %d)", r,
					 ret == -ECHILD ? "exited:" : "stalled:",
					 who, so_status(status));
		slots = so_slots();
		ret = swap_off(VSWAP_DEV);
		ASSERT_EQ(0, ret) TH_LOG("round %d: swapoff: %s", r,
					 strerror(-ret));
		ASSERT_EQ(0, so_slots()) TH_LOG("round %d: slots left", r);
		TH_LOG("round %d: swapoff with %lld slots in use", r, slots);
		/* with vswap off, swapping goes on (to /dev/vda) or not */
		ret = race_progress(ctl, pids, 1, &who, &status);
		ASSERT_EQ(0, ret) TH_LOG("round %d, off: %s %d (status %d)", r,
					 ret == -ECHILD ? "exited:" : "stalled:",
					 who, so_status(status));
	}

	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < RACE_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		so_forget_pid(&self->st, pids[i]);
		EXPECT_EQ(0, so_status(status))
			TH_LOG("%s %d: exit %d (1/2 = bad data)",
			       i < RACE_WORKERS ? "worker" : "storm", i,
			       so_status(status));
	}
	__atomic_store_n(&vda.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	TH_LOG("%d rounds; rounds done: %ld %ld %ld; %ld " VT_PHYS_DEV " cycles",
	       RACE_ROUNDS, ctl->rounds[0], ctl->rounds[1], ctl->rounds[2],
	       vda.cycles);
	EXPECT_EQ(0, vda.failures) TH_LOG("%ld " VT_PHYS_DEV " swapoff/swapon failures, first: %s",
					  vda.failures, strerror(-vda.first_err));
	EXPECT_LT(0, vda.cycles);
	ASSERT_EQ(0, so_slots());

	for (i = 0; i < 100; i++) {
		ret = vswap_unload();
		if (!ret)
			break;
		usleep(50 * 1000);
	}
	ASSERT_EQ(0, ret) TH_LOG("rmmod after the workers stopped: %s",
				 strerror(-ret));
	munmap(ctl, sizeof(*ctl));
}

/* ---------------------------------------------------------------------
 * 10. Fault injection: swapoff runs out of memory
 */

/*
 * [start, end) of kernel function @name in /proc/kallsyms: from its
 * address to the next text symbol's.  0 or -errno.
 */
static int so_ksym_range(const char *name, unsigned long long *start,
			 unsigned long long *end)
{
	unsigned long long addr, lo = 0, hi = ~0ULL;
	char line[512], type, sym[256];
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3 ||
		    (type != 't' && type != 'T') || strchr(line, '['))
			continue;
		if (!strcmp(sym, name)) {
			lo = addr;
			break;
		}
	}
	if (!lo) {
		fclose(f);
		return -ENOENT;	/* not there, or addresses hidden */
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3 ||
		    (type != 't' && type != 'T') || strchr(line, '['))
			continue;
		if (addr > lo && addr < hi)
			hi = addr;
	}
	fclose(f);
	*start = lo;
	*end = hi;
	return 0;
}

/*
 * Fail @pct % of the page allocations of make-it-fail tasks made under
 * [@start, @end) (the swapoff syscall), once @space pages were allocated.
 */
static int fi_arm(int pct, long space, unsigned long long start,
		  unsigned long long end)
{
	char v[32];
	int ret = 0;

	/* the filters first: until they are set, everyone would fail */
	ret |= fi_set(FI_FAILPAGE, "probability", "0");
	ret |= fi_set(FI_FAILPAGE, "task-filter", "Y");
	ret |= fi_set(FI_FAILPAGE, "interval", "1");
	snprintf(v, sizeof(v), "%ld", FI_TIMES);
	ret |= fi_set(FI_FAILPAGE, "times", v);
	snprintf(v, sizeof(v), "%ld", space);
	ret |= fi_set(FI_FAILPAGE, "space", v);
	ret |= fi_set(FI_FAILPAGE, "verbose", "0");
	/* swap-in folios: GFP_HIGHUSER_MOVABLE, order 0, may sleep */
	ret |= fi_set(FI_FAILPAGE, "ignore-gfp-wait", "N");
	ret |= fi_set(FI_FAILPAGE, "ignore-gfp-highmem", "N");
	ret |= fi_set(FI_FAILPAGE, "min-order", "0");
	ret |= fi_set(FI_FAILPAGE, "stacktrace-depth", "32");
	snprintf(v, sizeof(v), "%llu", start);
	ret |= fi_set(FI_FAILPAGE, "require-start", v);
	snprintf(v, sizeof(v), "%llu", end);
	ret |= fi_set(FI_FAILPAGE, "require-end", v);
	if (ret)
		return -EIO;
	snprintf(v, sizeof(v), "%d", pct);
	return fi_set(FI_FAILPAGE, "probability", v) ? -EIO : 0;
}

TEST_F_TIMEOUT(swapoff, fault_injection, 600)
{
	static const char * const syms[] = {
		"__x64_sys_swapoff", "__do_sys_swapoff", "__se_sys_swapoff",
		"sys_swapoff",
	};
	static const int pcts[] = { 10, 30, 50, 100 };
	const size_t n = FI_PAGES;
	unsigned long long start = 0, end = 0;
	struct so_proc p[FI_PROCS];
	struct so_data d[FI_PROCS];
	long long before, injected, total = 0;
	size_t swapped, present;
	int i, ret, rc = -1;
	struct so_call c;
	unsigned int j;

	if (!fi_available())
		SKIP(return, "no fault injection in this kernel");
	for (j = 0, ret = -ENOENT; j < ARRAY_SIZE(syms) && ret; j++)
		ret = so_ksym_range(syms[j], &start, &end);
	if (ret)
		SKIP(return, "no swapoff syscall in /proc/kallsyms for the stack filter");
	TH_LOG("stack filter: %s [0x%llx, 0x%llx)", syms[j - 1], start, end);

	so_zswap(_metadata, &self->st, true);
	so_spawn_all(_metadata, &self->st, p, d, FI_PROCS, n, SEED ^ 0xfa11,
		     &mix_fi, NULL);
	for (i = 0; i < (int)ARRAY_SIZE(pcts); i++) {
		before = so_slots();
		ASSERT_EQ((long long)(FI_PROCS * n), before);
		/* let a third of the pages come back before failing */
		ASSERT_EQ(0, fi_arm(pcts[i], before / 3, start, end));
		ret = so_call_start(&c, SO_FAIL, false);
		if (ret)
			fi_off();
		ASSERT_EQ(0, ret);
		rc = so_call_wait(&c);
		injected = fi_off();
		total += injected;
		TH_LOG("%d%%: swapoff: %s, %lld failures injected, %lld of %lld slots left",
		       pcts[i], so_rc_str(rc), injected, so_slots(), before);
		if (rc == ENOMEM)
			break;
		ASSERT_EQ(0, rc) TH_LOG("swapoff under injection: %s",
					so_rc_str(rc));
		/* lucky: everything came back; on again, harder */
		so_expect_empty(_metadata, "swapoff done despite injection");
		so_check_all(_metadata, p, FI_PROCS, n, true, "after swapoff");
		ret = swap_on(VSWAP_DEV, 0);
		ASSERT_EQ(0, ret) TH_LOG("swapon: %s", strerror(-ret));
		so_pageout_all(_metadata, p, FI_PROCS, n);
	}
	ASSERT_EQ(ENOMEM, rc) TH_LOG("swapoff never failed (%lld failures injected)",
				     total);

	/* nothing lost, still on */
	ret = swap_on(VSWAP_DEV, 0);
	EXPECT_EQ(-EBUSY, ret) TH_LOG("swapon after ENOMEM: %s (vswap was off)",
				      strerror(-ret));
	EXPECT_LT(0, so_probe(&swapped, &present))
		TH_LOG("no swap-out reached vswap after ENOMEM");
	so_check_all(_metadata, p, FI_PROCS, n, false, "after ENOMEM");

	/* without injection it succeeds */
	so_pageout_all(_metadata, p, FI_PROCS, n);
	so_swapoff_ok(_metadata, "swapoff without injection");
	so_check_all(_metadata, p, FI_PROCS, n, true, "after swapoff");
	so_rmmod(_metadata, "after swapoff");
	so_finish_all(_metadata, &self->st, p, FI_PROCS);
}

TEST_HARNESS_MAIN
