// SPDX-License-Identifier: GPL-2.0
/*
 * vswap device lifecycle tests.
 *
 * Load/unload of vswap.ko and what it registers: the /proc/swaps line,
 * /dev/vswap, /sys/kernel/debug/vswap, module parameter validation,
 * swapoff/swapon of the virtual device, that SwapTotal does not count it,
 * and that load/unload neither leaks nor costs much memory.
 *
 * Runs as root in the test guest; the module comes from $VSWAP_KO
 * (default /lib/vswap/vswap.ko).
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include "kselftest_harness.h"
#include "util.h"
#include "klog.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"

#define DEBUGFS_MAGIC		0x64626720
#define MISC_MAJOR		10

#define LEAK_CYCLES		VT_SCALE(50, 10)
#define LEAK_SLAB_TOL_KB	256
#define LEAK_FREE_TOL_KB	2048
#define IDLE_COST_MAX_KB	1024
#define IDLE_COST_TRIALS	3

static const char * const vswap_debugfs_files[] = {
	"capacity", "clusters", "slots_used", "zero", "zswap", "phys",
	"inmem", "metadata_bytes",
};

static void ensure_debugfs(void)
{
	struct statfs sfs;

	if (!statfs("/sys/kernel/debug", &sfs) && sfs.f_type == DEBUGFS_MAGIC)
		return;
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

/*
 * The default (max_pages=0) capacity is ALIGN_DOWN(UINT_MAX, 512) unless the
 * architecture limits swap offsets.  On x86 that happens only with the L1TF
 * PTE-inversion mitigation; its exact limit depends on the CPU's cache
 * address bits, which userspace cannot see, so only bounds are checked then.
 */
static bool default_capacity_is_exact(void)
{
#if defined(__x86_64__) || defined(__i386__)
	char buf[128];

	if (vt_read_file("/sys/devices/system/cpu/vulnerabilities/l1tf",
			 buf, sizeof(buf)) <= 0)
		return true;
	return !strncmp(buf, "Not affected", 12);
#else
	return true;
#endif
}

/* Capacity in slots as shown by /proc/swaps (slot 0 is not counted). */
static unsigned long long swaps_capacity(struct __test_metadata *_metadata)
{
	unsigned long long size_kb;

	ASSERT_EQ(1, proc_swaps_find("vswap", &size_kb, NULL, NULL));
	ASSERT_EQ(0, size_kb % 4);
	return size_kb / 4 + 1;
}

/*
 * Everything a loaded, idle vswap with @cap slots must show: one /proc/swaps
 * line, /dev/vswap, debugfs capacity, nothing in use.
 */
static void check_registered(struct __test_metadata *_metadata,
			     unsigned long long cap)
{
	struct swaps_line by_type = { 0 }, by_name = { 0 };
	unsigned long long val = 0;
	struct stat st;

	ASSERT_TRUE(vswap_loaded());

	ASSERT_EQ(1, proc_swaps_lookup("vswap", &by_type))
		TH_LOG("need exactly one /proc/swaps line of type vswap");
	ASSERT_EQ(1, proc_swaps_lookup(VSWAP_DEV, &by_name))
		TH_LOG("need exactly one /proc/swaps line for " VSWAP_DEV);
	EXPECT_STREQ(VSWAP_DEV, by_type.name);
	EXPECT_STREQ("vswap", by_name.type);
	EXPECT_EQ((cap - 1) * 4, by_type.size_kb)
		TH_LOG("capacity %llu slots", cap);
	EXPECT_EQ(0, by_type.used_kb);
	EXPECT_EQ(VSWAP_PRIO, by_type.prio);

	ASSERT_EQ(0, stat(VSWAP_DEV, &st)) TH_LOG(VSWAP_DEV ": %s", strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));

	ASSERT_TRUE(vt_exists(VSWAP_DEBUGFS));
	ASSERT_EQ(0, vswap_debugfs_read("capacity", &val));
	EXPECT_EQ(cap, val);
	ASSERT_EQ(0, vswap_debugfs_read("slots_used", &val));
	EXPECT_EQ(0, val);
}

/* Nothing of vswap may be left behind. */
static void check_gone(struct __test_metadata *_metadata)
{
	EXPECT_FALSE(vswap_loaded());
	EXPECT_EQ(0, proc_swaps_find("vswap", NULL, NULL, NULL));
	EXPECT_EQ(0, proc_swaps_find(VSWAP_DEV, NULL, NULL, NULL));
	EXPECT_FALSE(vt_exists(VSWAP_DEV));
	EXPECT_FALSE(vt_exists(VSWAP_DEBUGFS));
}

static void load_ok(struct __test_metadata *_metadata, const char *params)
{
	int ret = vswap_load(params);

	ASSERT_EQ(0, ret) TH_LOG("load \"%s\": %s", params, strerror(-ret));
}

static void unload_ok(struct __test_metadata *_metadata)
{
	int ret = vswap_unload();

	ASSERT_EQ(0, ret) TH_LOG("unload: %s", strerror(-ret));
}

static void common_setup(struct __test_metadata *_metadata,
			 struct klog_mark *mark)
{
	int ret;

	ASSERT_TRUE(vt_exists(vswap_ko_path()))
		TH_LOG("%s not found (set VSWAP_KO)", vswap_ko_path());
	ret = vswap_ensure_unloaded();
	ASSERT_EQ(0, ret)
		TH_LOG("vswap is loaded and cannot be unloaded: %s", strerror(-ret));
	ensure_debugfs();
	klog_mark(mark);
}

static void common_teardown(struct __test_metadata *_metadata)
{
	int ret = vswap_ensure_unloaded();

	EXPECT_EQ(0, ret) TH_LOG("teardown: unload failed: %s", strerror(-ret));
}

FIXTURE(vswap) {
	struct klog_mark mark;
};

FIXTURE_SETUP(vswap)
{
	common_setup(_metadata, &self->mark);
}

FIXTURE_TEARDOWN(vswap)
{
	common_teardown(_metadata);
}

TEST_F(vswap, load_262144)
{
	unsigned long long size_kb = 0;

	load_ok(_metadata, "max_pages=262144");
	check_registered(_metadata, 262144);
	/* (262144 - 1) * 4 KiB, spelled out */
	EXPECT_EQ(1, proc_swaps_find("vswap", &size_kb, NULL, NULL));
	EXPECT_EQ(1048572, size_kb);
	unload_ok(_metadata);
	check_gone(_metadata);
}

TEST_F(vswap, load_default)
{
	unsigned long long cap;

	load_ok(_metadata, "");
	cap = swaps_capacity(_metadata);
	TH_LOG("default capacity %llu slots", cap);
	if (default_capacity_is_exact()) {
		EXPECT_EQ(VSWAP_MAX_PAGES, cap);
	} else {
		TH_LOG("swap offsets limited by the L1TF mitigation: bounds only");
		EXPECT_LE(cap, VSWAP_MAX_PAGES);
		EXPECT_GE(cap, VSWAP_MIN_PAGES);
		EXPECT_EQ(0, cap % VSWAP_CLUSTER_SLOTS);
	}
	check_registered(_metadata, cap);
	unload_ok(_metadata);
	check_gone(_metadata);
}

TEST_F(vswap, max_pages_boundaries)
{
	char params[64];
	unsigned long long cap;
	char line[512];

	/* smallest */
	load_ok(_metadata, "max_pages=1024");
	check_registered(_metadata, 1024);
	unload_ok(_metadata);

	/* a multiple of 512 that is no power of two */
	load_ok(_metadata, "max_pages=1536");
	check_registered(_metadata, 1536);
	unload_ok(_metadata);

	/* the default is the largest; asking for it explicitly works */
	load_ok(_metadata, "");
	cap = swaps_capacity(_metadata);
	unload_ok(_metadata);
	snprintf(params, sizeof(params), "max_pages=%llu", cap);
	load_ok(_metadata, params);
	check_registered(_metadata, cap);
	unload_ok(_metadata);

	/* one cluster more is refused */
	klog_mark(&self->mark);
	snprintf(params, sizeof(params), "max_pages=%llu",
		 cap + VSWAP_CLUSTER_SLOTS);
	EXPECT_EQ(-EINVAL, vswap_load(params)) TH_LOG("%s", params);
	EXPECT_TRUE(dmesg_find(&self->mark, VSWAP_LOG_PREFIX, "max_pages",
			       line, sizeof(line)))
		TH_LOG("no \"vswap: ...max_pages...\" log line for %s", params);
	check_gone(_metadata);
}

TEST_F(vswap, swaptotal_unchanged)
{
	long long total0, free0;

	total0 = read_meminfo_kb("SwapTotal");
	free0 = read_meminfo_kb("SwapFree");
	ASSERT_GE(total0, 0);
	ASSERT_GE(free0, 0);

	load_ok(_metadata, "");
	EXPECT_EQ(total0, read_meminfo_kb("SwapTotal"));
	EXPECT_EQ(free0, read_meminfo_kb("SwapFree"));

	unload_ok(_metadata);
	EXPECT_EQ(total0, read_meminfo_kb("SwapTotal"));
	EXPECT_EQ(free0, read_meminfo_kb("SwapFree"));
}

/*
 * swapoff /dev/vswap of an idle virtual space succeeds and takes it off
 * /proc/swaps; a second swapoff fails with EINVAL, swapon turns it on
 * again (EBUSY while it is on), and SwapTotal never counts it.
 * tests/vswap_swapoff.c swaps off a virtual space that holds pages.
 */
TEST_F(vswap, swapoff_swapon)
{
	struct swaps_line before = { 0 }, after = { 0 };
	long long total0;

	load_ok(_metadata, "max_pages=262144");
	ASSERT_EQ(1, proc_swaps_lookup("vswap", &before));
	total0 = read_meminfo_kb("SwapTotal");

	ASSERT_EQ(0, swapoff(VSWAP_DEV)) TH_LOG("swapoff: %s", strerror(errno));
	EXPECT_EQ(0, proc_swaps_lookup("vswap", &after));
	EXPECT_EQ(-1, swapoff(VSWAP_DEV));
	EXPECT_EQ(EINVAL, errno) TH_LOG("second swapoff: %s", strerror(errno));
	EXPECT_EQ(total0, read_meminfo_kb("SwapTotal"));

	ASSERT_EQ(0, swapon(VSWAP_DEV, 0)) TH_LOG("swapon: %s", strerror(errno));
	EXPECT_EQ(-1, swapon(VSWAP_DEV, 0));
	EXPECT_EQ(EBUSY, errno) TH_LOG("second swapon: %s", strerror(errno));
	ASSERT_EQ(1, proc_swaps_lookup("vswap", &after));
	EXPECT_STREQ(before.name, after.name);
	EXPECT_EQ(before.size_kb, after.size_kb);
	EXPECT_EQ(before.used_kb, after.used_kb);
	EXPECT_EQ(before.prio, after.prio);
	EXPECT_EQ(total0, read_meminfo_kb("SwapTotal"));
	check_registered(_metadata, 262144);

	/* off again, then unloaded: as an admin backs out of vswap */
	ASSERT_EQ(0, swapoff(VSWAP_DEV)) TH_LOG("swapoff: %s", strerror(errno));
	unload_ok(_metadata);
	check_gone(_metadata);
}

TEST_F(vswap, double_load_eexist)
{
	load_ok(_metadata, "max_pages=262144");
	EXPECT_EQ(-EEXIST, vswap_load("max_pages=262144"));
	EXPECT_EQ(-EEXIST, vswap_load(""));
	/* the first instance is untouched by the refused loads */
	check_registered(_metadata, 262144);
	unload_ok(_metadata);
	check_gone(_metadata);
}

TEST_F(vswap, debugfs_idle)
{
	unsigned long long val = 0, again = 0;
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;

	load_ok(_metadata, "max_pages=262144");
	ASSERT_EQ(0, stat(VSWAP_DEBUGFS, &st)) TH_LOG("no " VSWAP_DEBUGFS);
	ASSERT_TRUE(S_ISDIR(st.st_mode));

	for (i = 0; i < ARRAY_SIZE(vswap_debugfs_files); i++) {
		const char *name = vswap_debugfs_files[i];
		ssize_t n;
		int fd, ret;

		snprintf(path, sizeof(path), VSWAP_DEBUGFS "/%s", name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("missing %s", path);
		EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s", path);
		EXPECT_EQ(0444, st.st_mode & 07777)
			TH_LOG("%s mode %o", path, st.st_mode & 07777);

		/* exactly one decimal number and a newline */
		ret = vswap_debugfs_read(name, &val);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", path, strerror(-ret));
		TH_LOG("idle %s = %llu", name, val);

		if (!strcmp(name, "capacity")) {
			EXPECT_EQ(262144, val);
		} else if (!strcmp(name, "clusters")) {
			EXPECT_LE(val, 1);
		} else if (strcmp(name, "metadata_bytes")) {
			EXPECT_EQ(0, val) TH_LOG("%s not 0 when idle", name);
		}

		/*
		 * Writes are refused.  Root may still open a 0444 file for
		 * writing (CAP_DAC_OVERRIDE); then write() must fail.
		 */
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			EXPECT_TRUE(errno == EACCES || errno == EPERM)
				TH_LOG("open(%s, O_WRONLY): %s", path, strerror(errno));
		} else {
			n = write(fd, "12345\n", 6);
			EXPECT_EQ(-1, n) TH_LOG("write to %s accepted", path);
			if (n < 0)
				TH_LOG("write to %s refused: %s", name, strerror(errno));
			close(fd);
		}
		ASSERT_EQ(0, vswap_debugfs_read(name, &again));
		if (strcmp(name, "metadata_bytes")) {
			EXPECT_EQ(val, again) TH_LOG("%s changed by write", name);
		} else {
			EXPECT_NE(12345, again);
		}
	}

	unload_ok(_metadata);
	check_gone(_metadata);
}

/*
 * Unknown module parameters are not the module's business: load_module()
 * ignores them with "vswap: unknown parameter 'bogus' ignored" and the load
 * goes ahead (kernel/module/main.c unknown_module_param_cb()).  ENOENT is
 * only returned for unknown *built-in* (command line) parameters.
 */
TEST_F(vswap, unknown_param_ignored)
{
	char line[512];
	int ret;

	ret = vswap_load("bogus=1");
	ASSERT_EQ(0, ret) TH_LOG("load \"bogus=1\": %s", strerror(-ret));
	EXPECT_TRUE(dmesg_find(&self->mark, VSWAP_LOG_PREFIX, "bogus",
			       line, sizeof(line)));
	TH_LOG("kernel: %s", line);
	check_registered(_metadata, swaps_capacity(_metadata));
	unload_ok(_metadata);
	check_gone(_metadata);
}

/*
 * Parameter values that must be refused.  The module logs "vswap: ..."
 * naming max_pages for out-of-range values; the kernel's parser logs
 * "vswap: `abc' invalid for parameter `max_pages'" for unparsable ones
 * (and returns -ERANGE rather than -EINVAL on overflow).
 */
FIXTURE(bad_param) {
	struct klog_mark mark;
};

FIXTURE_VARIANT(bad_param) {
	const char *params;
	int err;
	const char *log;
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_1) {
	.params = "max_pages=1", .err = -EINVAL, .log = "max_pages",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_512) {
	.params = "max_pages=512", .err = -EINVAL, .log = "max_pages",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_1000) {
	.params = "max_pages=1000", .err = -EINVAL, .log = "max_pages",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_525313) {
	/* 513 * 1024 + 1 */
	.params = "max_pages=525313", .err = -EINVAL, .log = "max_pages",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_2p32) {
	/* a multiple of 512, one cluster past ALIGN_DOWN(UINT_MAX, 512) */
	.params = "max_pages=4294967296", .err = -EINVAL, .log = "max_pages",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_2p40) {
	.params = "max_pages=1099511627776", .err = -EINVAL, .log = "max_pages",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_abc) {
	.params = "max_pages=abc", .err = -EINVAL,
	.log = "`abc' invalid for parameter `max_pages'",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_negative) {
	.params = "max_pages=-1", .err = -EINVAL,
	.log = "`-1' invalid for parameter `max_pages'",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_empty) {
	.params = "max_pages=", .err = -EINVAL,
	.log = "invalid for parameter `max_pages'",
};

FIXTURE_VARIANT_ADD(bad_param, max_pages_2p64) {
	.params = "max_pages=18446744073709551616", .err = -ERANGE,
	.log = "invalid for parameter `max_pages'",
};

FIXTURE_SETUP(bad_param)
{
	common_setup(_metadata, &self->mark);
}

FIXTURE_TEARDOWN(bad_param)
{
	common_teardown(_metadata);
}

TEST_F(bad_param, refused)
{
	char line[512] = "";
	long long total0;
	int ret;

	total0 = read_meminfo_kb("SwapTotal");
	ret = vswap_load(variant->params);
	if (!ret)
		vswap_unload();
	ASSERT_EQ(variant->err, ret)
		TH_LOG("load \"%s\": got %s", variant->params,
		       ret ? strerror(-ret) : "success");

	EXPECT_TRUE(dmesg_find(&self->mark, VSWAP_LOG_PREFIX, variant->log,
			       line, sizeof(line)))
		TH_LOG("no kernel log line \"%s...%s...\"", VSWAP_LOG_PREFIX,
		       variant->log);
	TH_LOG("kernel: %s", line);

	check_gone(_metadata);
	EXPECT_EQ(total0, read_meminfo_kb("SwapTotal"));

	/* no stale registration (misc minor, swap type, debugfs) blocks a reload */
	load_ok(_metadata, "max_pages=262144");
	check_registered(_metadata, 262144);
	unload_ok(_metadata);
	check_gone(_metadata);
}

/*
 * 50 load/unload cycles must not leak.  Two warm-up cycles absorb one-time
 * allocations; the system is settled (RCU, drop_caches, slab shrink) before
 * each measurement.  Free memory includes the per-cpu page lists.
 */
TEST_F_TIMEOUT(vswap, load_unload_cycles_no_leak, 300)
{
	long long slab0, slab1, free0, free1, memfree0, memfree1;
	int i;

	for (i = 0; i < 2; i++) {
		load_ok(_metadata, "");
		unload_ok(_metadata);
	}
	vm_settle();
	slab0 = read_meminfo_kb("Slab");
	free0 = read_free_incl_pcp_kb();
	memfree0 = read_meminfo_kb("MemFree");
	ASSERT_GE(slab0, 0);
	ASSERT_GE(free0, 0);

	for (i = 0; i < LEAK_CYCLES; i++) {
		const char *params = (i & 1) ? "max_pages=262144" : "";
		int ret = vswap_load(params);

		ASSERT_EQ(0, ret)
			TH_LOG("cycle %d: load \"%s\": %s", i, params, strerror(-ret));
		ASSERT_EQ(1, proc_swaps_find("vswap", NULL, NULL, NULL))
			TH_LOG("cycle %d", i);
		ret = vswap_unload();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: unload: %s", i, strerror(-ret));
		ASSERT_EQ(0, proc_swaps_find("vswap", NULL, NULL, NULL))
			TH_LOG("cycle %d", i);
	}

	vm_settle();
	slab1 = read_meminfo_kb("Slab");
	free1 = read_free_incl_pcp_kb();
	memfree1 = read_meminfo_kb("MemFree");

	TH_LOG("%d cycles: Slab %+lld KiB (tolerance %d), free incl. pcp %+lld KiB (tolerance -%d), MemFree %+lld KiB",
	       LEAK_CYCLES, slab1 - slab0, LEAK_SLAB_TOL_KB, free1 - free0,
	       LEAK_FREE_TOL_KB, memfree1 - memfree0);
	EXPECT_LE(slab1 - slab0, LEAK_SLAB_TOL_KB);
	EXPECT_LE(free0 - free1, LEAK_FREE_TOL_KB);
	check_gone(_metadata);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Idle cost of a loaded vswap with the largest capacity: free memory
 * (incl. per-cpu lists) before load vs after load, median of three trials.
 * This includes the module's own text/data (coresize).
 */
TEST_F_TIMEOUT(vswap, idle_memory_cost, 180)
{
	long long cost[IDLE_COST_TRIALS], slab[IDLE_COST_TRIALS];
	unsigned long long coresize = 0, meta = 0;
	int i;

	/*
	 * On a KASAN_VMALLOC kernel (the debug flavor) this includes the
	 * shadow of the sparse swap_map area: the core populates it as pages
	 * are mapped, not for the whole 4 GiB area at load (512 MiB).
	 */
	for (i = 0; i < IDLE_COST_TRIALS; i++) {
		long long free0, free1, slab0, slab1;

		vm_settle();
		free0 = read_free_incl_pcp_kb();
		slab0 = read_meminfo_kb("Slab");
		load_ok(_metadata, "");
		vm_settle();
		free1 = read_free_incl_pcp_kb();
		slab1 = read_meminfo_kb("Slab");
		ASSERT_GE(free0, 0);
		ASSERT_GE(free1, 0);

		if (vt_read_u64(VSWAP_SYSFS_MOD "/coresize", &coresize))
			coresize = 0;
		EXPECT_EQ(0, vswap_debugfs_read("metadata_bytes", &meta));
		cost[i] = free0 - free1;
		slab[i] = slab1 - slab0;
		TH_LOG("trial %d: free %+lld KiB, Slab %+lld KiB, coresize %llu KiB, metadata_bytes %llu",
		       i, -cost[i], slab[i], coresize / 1024, meta);
		EXPECT_LT(meta, KB(IDLE_COST_MAX_KB));
		unload_ok(_metadata);
	}

	qsort(cost, IDLE_COST_TRIALS, sizeof(cost[0]), cmp_ll);
	qsort(slab, IDLE_COST_TRIALS, sizeof(slab[0]), cmp_ll);
	TH_LOG("idle cost (median of %d): %lld KiB total, Slab %lld KiB, module coresize %llu KiB",
	       IDLE_COST_TRIALS, cost[IDLE_COST_TRIALS / 2],
	       slab[IDLE_COST_TRIALS / 2], coresize / 1024);
	EXPECT_LT(cost[IDLE_COST_TRIALS / 2], IDLE_COST_MAX_KB);
}

TEST_HARNESS_MAIN
