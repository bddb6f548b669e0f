// SPDX-License-Identifier: GPL-2.0
/*
 * The status tool (tools/vswapctl, /usr/sbin/vswapctl in the VM) and the
 * sysfs copy of vswap's counters (/sys/module/vswap/stats/).
 *
 * A process in a cgroup swaps out known amounts with MADV_PAGEOUT, on one
 * CPU so that the counts are exact: ZERO_PAGES zero-filled pages (zero
 * slots), COMP_PAGES compressible ones (zswap) and RAND_PAGES random ones
 * (zswap refuses them: /dev/vda).  Then, with nothing else swapping:
 *
 *   ctl.sysfs_mirrors_debugfs: the same files in sysfs and debugfs, mode
 *       0444, equal values, and the counters are what was done; writes
 *       fail.
 *   ctl.table_and_json: `vswapctl -b --cgroup CG` and `--json`: every
 *       row and field equals the counters, /proc/swaps, /proc/meminfo
 *       (zswap's pool) and the cgroup's files (memory.swap.current is
 *       the disk pages only); the JSON parses; sizes print as 8M etc.
 *   ctl.without_debugfs: debugfs unmounted (as on production machines):
 *       the tool still works, from sysfs.
 *   ctl.watch: `--watch 0.1 --json` prints snapshot after snapshot and
 *       shows the zero slots go when their pages are unmapped.
 *   ctl.errors: bad cgroup paths (missing, the root, a group without the
 *       memory controller) and bad options fail with a message and exit
 *       1 or 2.
 *   bare.not_loaded: without the module, exit 1 with "not loaded".
 *   bare.unload_with_files_open: the module unloads while a process holds
 *       every sysfs file open and reads it in a loop; reads then fail with
 *       ENODEV (no use after free; the debug kernel's KASAN would see
 *       one), and a running `vswapctl --watch` exits 1 with a message.
 *
 * /dev/vda is overwritten.  $VSWAPCTL overrides the tool's path.
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "util.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "memcg.h"
#include "env.h"

#define CG_NAME			"vswap_ctl"
#define VSWAPCTL_DEFAULT	"/usr/sbin/vswapctl"
#define SYSFS_STATS		VSWAP_SYSFS_MOD "/stats"
#define DEBUGFS_MNT		"/sys/kernel/debug"
#define SEED			0x7673776170ULL

/* different sizes, so that a row mixed up with another is caught */
#define ZERO_PAGES		2048	/* 8 MiB */
#define COMP_PAGES		3072	/* 12 MiB */
#define RAND_PAGES		1024	/* 4 MiB */
#define OUT_MAX			(64 * 1024)

static const struct page_mix mix_zero = { 100, 0 };
static const struct page_mix mix_comp = { 0, 100 };
static const struct page_mix mix_rand = { 0, 0 };

static const char *ctl_path(void)
{
	const char *p = getenv("VSWAPCTL");

	return p && *p ? p : VSWAPCTL_DEFAULT;
}

/*
 * Run vswapctl with @args (NULL-terminated, without argv[0]); its stdout
 * and stderr go to @out and @err (OUT_MAX bytes each, NUL terminated).
 * Returns the exit status, or -errno / 128 + signal.
 */
static int ctl_run(const char *const *args, char *out, char *err)
{
	char *argv[16];
	int o[2], e[2], status, i;
	ssize_t n, no = 0, ne = 0;
	pid_t pid;

	argv[0] = (char *)ctl_path();
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	if (pipe(o) || pipe(e))
		return -errno;
	pid = vt_fork();
	if (pid < 0)
		return pid;
	if (!pid) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	/* stderr is a line or two: it fits the pipe while stdout is read */
	while ((n = read(o[0], out + no, OUT_MAX - 1 - no)) > 0)
		no += n;
	while ((n = read(e[0], err + ne, OUT_MAX - 1 - ne)) > 0)
		ne += n;
	out[no] = '\0';
	err[ne] = '\0';
	close(o[0]);
	close(e[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The line of @text that starts with @prefix followed by a blank; or NULL */
static const char *line_of(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, len) && (p[len] == ' ' || p[len] == '\t'))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * A small JSON checker: is @s exactly one valid JSON value?
 */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (!strchr("\"\\/bfnrtu", *p) || !*p)
				return NULL;
		}
		p++;
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (isdigit((unsigned char)*p))
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		s = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		s = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
	}
	return p;
}

static const char *json_container(const char *p, int depth, bool object)
{
	char close = object ? '}' : ']';

	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(p);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = json_ws(p);
	}
}

static const char *json_value(const char *p, int depth)
{
	p = json_ws(p);
	if (depth > 16)
		return NULL;
	switch (*p) {
	case '{':
		return json_container(p, depth, true);
	case '[':
		return json_container(p, depth, false);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

/* Where the first complete JSON value of @s ends; NULL if it is invalid */
static const char *json_check(const char *s)
{
	return json_value(s, 0);
}

/*
 * The value of "@key": on the line of @text holding @anchor (from @anchor
 * on), as text up to the next ',' or '}' (a string keeps its quotes).
 * 0 or -ENOENT.
 */
static int json_field(const char *text, const char *anchor, const char *key,
		      char *val, size_t len)
{
	char pat[128];
	const char *a, *eol, *k, *end;

	a = strstr(text, anchor);
	if (!a)
		return -ENOENT;
	eol = strchr(a, '\n');
	if (!eol)
		eol = a + strlen(a);
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	k = strstr(a, pat);
	if (!k || k >= eol)
		return -ENOENT;
	k += strlen(pat);
	end = k + strcspn(k, ",}\n");
	snprintf(val, len, "%.*s", (int)(end - k), k);
	return 0;
}

/* Same, as a number; -1 if absent or not a number */
static long long json_ll(const char *text, const char *anchor, const char *key)
{
	char val[64], *end;
	long long v;

	if (json_field(text, anchor, key, val, sizeof(val)))
		return -1;
	v = strtoll(val, &end, 10);
	return *end || end == val ? -1 : v;
}

/* ---------------------------------------------------------------------
 * The files of a counters directory
 */

#define MAX_FILES		64

struct ctl_files {
	int nr;
	char name[MAX_FILES][NAME_MAX + 1];
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The file names of @dir, sorted; 0 or -errno */
static int files_list(const char *dir, struct ctl_files *f)
{
	struct dirent *de;
	DIR *d;

	f->nr = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && f->nr < MAX_FILES) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(f->name[f->nr++], sizeof(f->name[0]), "%s", de->d_name);
	}
	closedir(d);
	qsort(f->name, f->nr, sizeof(f->name[0]), name_cmp);
	return 0;
}

static int sysfs_read(const char *name, unsigned long long *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYSFS_STATS "/%s", name);
	return vt_read_u64(path, val);
}

static bool debugfs_mounted(void)
{
	return vt_exists(VSWAP_DEBUGFS) || vt_exists(ZSWAP_DEBUGFS);
}

/* How a write of @path fails: the errno of open() or write(); 0: accepted */
static int write_refused(const char *path)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, "0\n", 2) < 0)
		ret = errno;
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------
 * The fixture: vswap, zswap on, /dev/vda, a cgroup, known pages out
 */

FIXTURE(ctl) {
	struct vd_env env;
	struct vd_region zero, comp, rand;
};

FIXTURE_SETUP(ctl)
{
	int ret;

	memset(&self->zero, 0, sizeof(self->zero));
	memset(&self->comp, 0, sizeof(self->comp));
	memset(&self->rand, 0, sizeof(self->rand));
	ASSERT_TRUE(vt_exists(ctl_path()))
		TH_LOG("%s is missing (scripts/initramfs.sh installs tools/vswapctl)",
		       ctl_path());
	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_EQ(0, vd_pin_cpu());
	ret = vd_phys_on(VT_PHYS_DEV, -1);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon " VT_PHYS_DEV ": %s",
				 strerror(-ret));
	vd_cg_setup(_metadata, &self->env, CG_NAME, MB(1024));
}

FIXTURE_TEARDOWN_PARENT(ctl)
{
	int ret;

	if (!debugfs_mounted())
		EXPECT_EQ(0, mount("debugfs", DEBUGFS_MNT, "debugfs", 0, NULL))
			TH_LOG("mount debugfs: %s", strerror(errno));
	vd_env_teardown(_metadata, &self->env);
	ret = vd_phys_off(VT_PHYS_DEV);
	EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
}

/* Into the cgroup, then the three regions out; exact counters checked */
static void pages_out(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ctl) *self)
{
	struct vd_stats s;
	size_t k[3];

	ASSERT_EQ(0, cg_enter(self->env.cg, 0));
	vd_region_out(_metadata, &self->zero, ZERO_PAGES, SEED, &mix_zero, k);
	vd_region_out(_metadata, &self->comp, COMP_PAGES, SEED, &mix_comp, k);
	vd_region_out(_metadata, &self->rand, RAND_PAGES, SEED, &mix_rand, k);
	ASSERT_EQ(0, vd_stats_read(&s));
	vd_stats_log("after pageout", &s);
	ASSERT_EQ(ZERO_PAGES, s.v[VD_ZERO]);
	ASSERT_EQ(COMP_PAGES, s.v[VD_ZSWAP]);
	ASSERT_EQ(RAND_PAGES, s.v[VD_PHYS]);
	ASSERT_EQ(0, s.v[VD_INMEM]);
	ASSERT_EQ(ZERO_PAGES + COMP_PAGES + RAND_PAGES, s.v[VD_SLOTS_USED]);
	ASSERT_EQ(RAND_PAGES * VT_PAGE_SIZE,
		  cg_read_ll(self->env.cg, "memory.swap.current"));
}

/* memory.stat @key once it reads @want (its per-CPU batches are flushed) */
static long long cg_wait_key(const char *cg, const char *key, long long want)
{
	long long v = -1;
	int i;

	for (i = 0; i < VD_IDLE_POLLS; i++) {
		v = cg_read_key_ll(cg, "memory.stat", key);
		if (v == want)
			break;
		usleep(50 * 1000);
	}
	return v;
}

/* Every page still reads back what was written */
static void pages_check(struct __test_metadata *_metadata,
			FIXTURE_DATA(ctl) *self)
{
	if (self->zero.mem)
		vd_region_check(_metadata, &self->zero, SEED, &mix_zero, "zero");
	vd_region_check(_metadata, &self->comp, SEED, &mix_comp, "compressible");
	vd_region_check(_metadata, &self->rand, SEED, &mix_rand, "random");
}

TEST_F_TIMEOUT(ctl, sysfs_mirrors_debugfs, 300)
{
	unsigned long long a = 0, b = 0;
	struct ctl_files fs, fd;
	char path[PATH_MAX];
	struct stat st;
	int i;

	pages_out(_metadata, self);
	ASSERT_EQ(0, files_list(SYSFS_STATS, &fs));
	ASSERT_EQ(0, files_list(VSWAP_DEBUGFS, &fd));
	ASSERT_EQ(fd.nr, fs.nr);
	ASSERT_LE(20, fs.nr);
	for (i = 0; i < fs.nr; i++) {
		ASSERT_STREQ(fd.name[i], fs.name[i]);
		snprintf(path, sizeof(path), SYSFS_STATS "/%s", fs.name[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0444, st.st_mode & 07777) TH_LOG("%s", path);
		ASSERT_EQ(0, sysfs_read(fs.name[i], &a)) TH_LOG("%s", path);
		ASSERT_EQ(0, vswap_debugfs_read(fd.name[i], &b));
		EXPECT_EQ(b, a) TH_LOG("%s: sysfs %llu, debugfs %llu",
				       fs.name[i], a, b);
	}
	ASSERT_EQ(0, sysfs_read("zero", &a));
	EXPECT_EQ(ZERO_PAGES, a);
	ASSERT_EQ(0, sysfs_read("zswap", &a));
	EXPECT_EQ(COMP_PAGES, a);
	ASSERT_EQ(0, sysfs_read("phys", &a));
	EXPECT_EQ(RAND_PAGES, a);

	/* read-only, even for root (who may open a 0444 file for writing) */
	EXPECT_EQ(EACCES, write_refused(SYSFS_STATS "/zero"));
	EXPECT_EQ(EACCES, write_refused(VSWAP_DEBUGFS "/zero"));
	ASSERT_EQ(0, sysfs_read("zero", &a));
	EXPECT_EQ(ZERO_PAGES, a);
	pages_check(_metadata, self);
}

/* `vswapctl -b`'s backend row @name: slots, data, stored and ratio */
static void check_row(struct __test_metadata *_metadata, const char *out,
		      const char *name, unsigned long long slots,
		      unsigned long long stored, const char *ratio)
{
	unsigned long long s, d, st;
	const char *l = line_of(out, name);
	char r[16];

	ASSERT_NE(NULL, l) TH_LOG("no '%s' row in:\n%s", name, out);
	ASSERT_EQ(4, sscanf(l, "%*s %llu %llu %llu %15s", &s, &d, &st, r))
		TH_LOG("bad row: %.80s", l);
	EXPECT_EQ(slots, s) TH_LOG("%s slots", name);
	EXPECT_EQ(slots * VT_PAGE_SIZE, d) TH_LOG("%s data", name);
	EXPECT_EQ(stored, st) TH_LOG("%s stored", name);
	EXPECT_STREQ(ratio, r) TH_LOG("%s ratio", name);
}

/* The same row in --json */
static void check_json_row(struct __test_metadata *_metadata, const char *out,
			   const char *name, unsigned long long slots,
			   unsigned long long stored, const char *ratio)
{
	char anchor[64], r[16];

	snprintf(anchor, sizeof(anchor), "{\"backend\": \"%s\"", name);
	EXPECT_EQ(slots, json_ll(out, anchor, "slots")) TH_LOG("%s", name);
	EXPECT_EQ(slots * VT_PAGE_SIZE, json_ll(out, anchor, "data_bytes"));
	EXPECT_EQ(stored, json_ll(out, anchor, "stored_bytes")) TH_LOG("%s", name);
	ASSERT_EQ(0, json_field(out, anchor, "ratio", r, sizeof(r)));
	EXPECT_STREQ(ratio, r) TH_LOG("%s ratio", name);
}

TEST_F_TIMEOUT(ctl, table_and_json, 300)
{
	static char out[OUT_MAX], err[OUT_MAX];
	unsigned long long cap, used, meta, size, pused, v, phys_dev;
	long long zswap_kb, zswapped_kb, zcur, zswapped, swapcur;
	char name[64], state[16], zs[16], type[32], rz[16], rt[16], path[PATH_MAX];
	struct swaps_line dev = { 0 };
	unsigned long long zstored, total_data, total_stored;
	struct ctl_files fs;
	const char *l;
	int prio, i, rc;

	pages_out(_metadata, self);
	zswap_kb = read_meminfo_kb("Zswap");
	zswapped_kb = read_meminfo_kb("Zswapped");
	/* every page in zswap is ours */
	ASSERT_EQ(COMP_PAGES * VT_PAGE_SIZE / 1024, zswapped_kb);
	ASSERT_LT(0, zswap_kb);
	zstored = zswap_kb * 1024;
	snprintf(rz, sizeof(rz), "%.2f", (double)COMP_PAGES * VT_PAGE_SIZE / zstored);
	total_data = (ZERO_PAGES + COMP_PAGES + RAND_PAGES) * VT_PAGE_SIZE;
	total_stored = zstored + RAND_PAGES * VT_PAGE_SIZE;
	snprintf(rt, sizeof(rt), "%.2f", (double)total_data / total_stored);
	/* vswap's per-CPU batches of disk slots returned: Used stays put */
	ASSERT_EQ(RAND_PAGES * VT_PAGE_SIZE / 1024,
		  vd_wait_swap_used(VT_PHYS_DEV, RAND_PAGES * VT_PAGE_SIZE / 1024));
	ASSERT_EQ(1, proc_swaps_lookup(VT_PHYS_DEV, &dev));
	zcur = cg_read_ll(self->env.cg, "memory.zswap.current");
	zswapped = cg_wait_key(self->env.cg, "zswapped", COMP_PAGES * VT_PAGE_SIZE);
	swapcur = cg_read_ll(self->env.cg, "memory.swap.current");
	ASSERT_LT(0, zcur);
	ASSERT_EQ(COMP_PAGES * VT_PAGE_SIZE, zswapped);
	ASSERT_EQ(RAND_PAGES * VT_PAGE_SIZE, swapcur);

	/* the table, in bytes */
	rc = ctl_run((const char *[]){ "-b", "--cgroup", CG_NAME, NULL }, out, err);
	ASSERT_EQ(0, rc) TH_LOG("vswapctl -b: rc %d, stderr: %s", rc, err);
	EXPECT_STREQ("", err);
	fprintf(stderr, "# vswapctl -b --cgroup " CG_NAME ":\n%s", out);
	ASSERT_NE(NULL, line_of(out, "NAME"));
	l = line_of(out, VSWAP_DEV);
	ASSERT_NE(NULL, l);
	ASSERT_EQ(6, sscanf(l, "%63s %15s %15s %llu %llu %llu", name, state, zs,
			    &cap, &used, &meta));
	ASSERT_EQ(0, vswap_debugfs_read("capacity", &v));
	EXPECT_EQ(v * VT_PAGE_SIZE, cap);
	EXPECT_STREQ("on", state);
	EXPECT_STREQ("on", zs);
	EXPECT_EQ((ZERO_PAGES + COMP_PAGES + RAND_PAGES) * VT_PAGE_SIZE, used);
	ASSERT_EQ(0, vswap_debugfs_read("metadata_bytes", &v));
	EXPECT_EQ(v, meta);
	EXPECT_LT(0, meta);

	check_row(_metadata, out, "zero", ZERO_PAGES, 0, "-");
	check_row(_metadata, out, "zswap", COMP_PAGES, zstored, rz);
	check_row(_metadata, out, "disk", RAND_PAGES, RAND_PAGES * VT_PAGE_SIZE,
		  "1.00");
	check_row(_metadata, out, "memory", 0, 0, "-");
	check_row(_metadata, out, "total", ZERO_PAGES + COMP_PAGES + RAND_PAGES,
		  total_stored, rt);

	l = line_of(out, VT_PHYS_DEV);
	ASSERT_NE(NULL, l) TH_LOG("no " VT_PHYS_DEV " row");
	ASSERT_EQ(4, sscanf(l, "%*s %31s %llu %llu %d", type, &size, &pused,
			    &prio));
	EXPECT_STREQ(dev.type, type);
	EXPECT_EQ(dev.size_kb * 1024, size);
	EXPECT_EQ(dev.used_kb * 1024, pused);
	EXPECT_EQ(RAND_PAGES * VT_PAGE_SIZE, pused);
	EXPECT_EQ(dev.prio, prio);

	l = line_of(out, self->env.cg);
	ASSERT_NE(NULL, l) TH_LOG("no cgroup row for %s", self->env.cg);
	ASSERT_EQ(4, sscanf(l, "%*s %llu %15s %llu %llu", &v, zs, &phys_dev,
			    &used));
	EXPECT_EQ(swapcur, v) TH_LOG("DISK is memory.swap.current");
	EXPECT_STREQ("max", zs);
	EXPECT_EQ(zcur, phys_dev) TH_LOG("ZSWAP is memory.zswap.current");
	EXPECT_EQ(zswapped, used);

	/* human-readable sizes */
	rc = ctl_run((const char *[]){ NULL }, out, err);
	ASSERT_EQ(0, rc) TH_LOG("vswapctl: rc %d, stderr: %s", rc, err);
	fprintf(stderr, "# vswapctl:\n%s", out);
	l = line_of(out, "zero");
	ASSERT_NE(NULL, l);
	ASSERT_EQ(0, strncmp(l, "zero", 4));
	EXPECT_EQ(2, sscanf(l, "zero %*s %15s %15s", name, state));
	EXPECT_STREQ("8M", name);
	EXPECT_STREQ("0B", state);
	l = line_of(out, "zswap");
	ASSERT_NE(NULL, l);
	EXPECT_EQ(1, sscanf(l, "zswap %*s %15s", name));
	EXPECT_STREQ("12M", name);
	l = line_of(out, "disk");
	ASSERT_NE(NULL, l);
	EXPECT_EQ(2, sscanf(l, "disk %*s %15s %15s", name, state));
	EXPECT_STREQ("4M", name);
	EXPECT_STREQ("4M", state);

	/* JSON */
	rc = ctl_run((const char *[]){ "--json", "--cgroup", CG_NAME, NULL },
		     out, err);
	ASSERT_EQ(0, rc) TH_LOG("vswapctl --json: rc %d, stderr: %s", rc, err);
	fprintf(stderr, "# vswapctl --json --cgroup " CG_NAME ":\n%s", out);
	l = json_check(out);
	ASSERT_NE(NULL, l) TH_LOG("not valid JSON");
	EXPECT_STREQ("", json_ws(l)) TH_LOG("text after the JSON object");
	EXPECT_EQ(0, json_field(out, "\"vswap\": {", "state", name, sizeof(name)));
	EXPECT_STREQ("\"on\"", name);
	EXPECT_EQ(0, json_field(out, "\"vswap\": {", "source", name, sizeof(name)));
	EXPECT_STREQ("\"" SYSFS_STATS "\"", name);
	EXPECT_EQ((ZERO_PAGES + COMP_PAGES + RAND_PAGES) * VT_PAGE_SIZE,
		  json_ll(out, "\"vswap\": {", "used_bytes"));
	EXPECT_EQ(meta, json_ll(out, "\"vswap\": {", "metadata_bytes"));
	check_json_row(_metadata, out, "zero", ZERO_PAGES, 0, "null");
	check_json_row(_metadata, out, "zswap", COMP_PAGES, zstored, rz);
	check_json_row(_metadata, out, "disk", RAND_PAGES,
		       RAND_PAGES * VT_PAGE_SIZE, "1.00");
	check_json_row(_metadata, out, "memory", 0, 0, "null");
	check_json_row(_metadata, out, "total",
		       ZERO_PAGES + COMP_PAGES + RAND_PAGES, total_stored, rt);
	EXPECT_EQ(dev.used_kb * 1024,
		  json_ll(out, "{\"name\": \"" VT_PHYS_DEV "\"", "used_bytes"));
	EXPECT_EQ(dev.size_kb * 1024,
		  json_ll(out, "{\"name\": \"" VT_PHYS_DEV "\"", "size_bytes"));
	EXPECT_EQ(swapcur, json_ll(out, "\"cgroup\": {", "swap_current_bytes"));
	EXPECT_EQ(0, json_field(out, "\"cgroup\": {", "swap_max_bytes", name,
				sizeof(name)));
	EXPECT_STREQ("null", name);
	EXPECT_EQ(zcur, json_ll(out, "\"cgroup\": {", "zswap_current_bytes"));
	EXPECT_EQ(zswapped, json_ll(out, "\"cgroup\": {", "zswapped_bytes"));
	snprintf(path, sizeof(path), "\"path\": \"%s\"", self->env.cg);
	EXPECT_NE(NULL, strstr(out, path));
	/* every counter, as the files say */
	ASSERT_NE(NULL, strstr(out, "\"counters\": {"));
	ASSERT_EQ(0, files_list(VSWAP_DEBUGFS, &fs));
	for (i = 0; i < fs.nr; i++) {
		char pat[64], val[32];

		ASSERT_EQ(0, vswap_debugfs_read(fs.name[i], &v));
		snprintf(pat, sizeof(pat), "\"%s\": ", fs.name[i]);
		l = strstr(strstr(out, "\"counters\": {"), pat);
		ASSERT_NE(NULL, l) TH_LOG("no counter %s", fs.name[i]);
		snprintf(val, sizeof(val), "%llu", v);
		EXPECT_EQ(0, strncmp(l + strlen(pat), val, strlen(val)))
			TH_LOG("%s: %.30s, file %s", fs.name[i], l, val);
	}
	/* nothing moved meanwhile */
	EXPECT_EQ(zswap_kb, read_meminfo_kb("Zswap"));
	pages_check(_metadata, self);
}

/* debugfs not mounted, as on most production machines: sysfs is enough */
TEST_F_TIMEOUT(ctl, without_debugfs, 300)
{
	static char out[OUT_MAX], err[OUT_MAX];
	unsigned long long v;
	int rc;

	pages_out(_metadata, self);
	ASSERT_EQ(0, umount(DEBUGFS_MNT)) TH_LOG("umount: %s", strerror(errno));
	ASSERT_FALSE(debugfs_mounted());
	rc = ctl_run((const char *[]){ "--json", NULL }, out, err);
	ASSERT_EQ(0, rc) TH_LOG("rc %d, stderr: %s", rc, err);
	ASSERT_NE(NULL, json_check(out));
	EXPECT_EQ(ZERO_PAGES, json_ll(out, "{\"backend\": \"zero\"", "slots"));
	EXPECT_EQ(COMP_PAGES, json_ll(out, "{\"backend\": \"zswap\"", "slots"));
	EXPECT_EQ(RAND_PAGES, json_ll(out, "{\"backend\": \"disk\"", "slots"));
	ASSERT_EQ(0, sysfs_read("slots_used", &v));
	EXPECT_EQ(ZERO_PAGES + COMP_PAGES + RAND_PAGES, v);
	EXPECT_NE(NULL, strstr(out, "\"source\": \"" SYSFS_STATS "\""));
	rc = ctl_run((const char *[]){ NULL }, out, err);
	EXPECT_EQ(0, rc) TH_LOG("rc %d, stderr: %s", rc, err);
	ASSERT_EQ(0, mount("debugfs", DEBUGFS_MNT, "debugfs", 0, NULL));
	pages_check(_metadata, self);
}

/*
 * --watch: snapshot after snapshot; unmapping the zero pages frees their
 * slots, and a later snapshot shows zero slots 0.
 */
TEST_F_TIMEOUT(ctl, watch, 300)
{
	static char buf[OUT_MAX];
	int o[2], i, snaps = 0, status;
	long long first = -1, last = -1;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	pages_out(_metadata, self);
	ASSERT_EQ(0, pipe(o));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(o[1], 1);
		close(o[0]);
		execl(ctl_path(), ctl_path(), "--watch", "0.1", "--json", NULL);
		_exit(127);
	}
	close(o[1]);
	/* each object ends with a "}" line; bounded: 300 snapshots */
	for (i = 0; i < 300 && last != 0; ) {
		char *end;

		n = read(o[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		while ((end = strstr(buf, "\n}\n"))) {
			size_t one = end + 3 - buf;

			end[2] = '\0';
			ASSERT_NE(NULL, json_check(buf)) TH_LOG("snapshot %d", i);
			last = json_ll(buf, "{\"backend\": \"zero\"", "slots");
			if (first < 0)
				first = last;
			snaps++;
			i++;
			if (snaps == 2)
				vd_region_unmap(&self->zero);
			memmove(buf, buf + one, len - one);
			len -= one;
			buf[len] = '\0';
		}
	}
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(o[0]);
	TH_LOG("%d snapshots, zero slots %lld first, %lld last", snaps, first,
	       last);
	EXPECT_EQ(ZERO_PAGES, first);
	EXPECT_EQ(0, last);
	EXPECT_LE(3, snaps);
	pages_check(_metadata, self);
}

TEST_F_TIMEOUT(ctl, errors, 300)
{
	static char out[OUT_MAX], err[OUT_MAX];
	char sub[PATH_MAX];
	int rc;

	rc = ctl_run((const char *[]){ "--cgroup", "no_such_group", NULL }, out,
		     err);
	EXPECT_EQ(1, rc);
	EXPECT_NE(NULL, strstr(err, "no such cgroup")) TH_LOG("%s", err);
	EXPECT_STREQ("", out);

	rc = ctl_run((const char *[]){ "--cgroup", CG_ROOT, NULL }, out, err);
	EXPECT_EQ(1, rc);
	EXPECT_NE(NULL, strstr(err, "root cgroup")) TH_LOG("%s", err);

	/* a child of ours without the memory controller */
	snprintf(sub, sizeof(sub), "%s/nomem", self->env.cg);
	rmdir(sub);
	ASSERT_EQ(0, mkdir(sub, 0755));
	rc = ctl_run((const char *[]){ "--cgroup", CG_NAME "/nomem", NULL }, out,
		     err);
	rmdir(sub);
	EXPECT_EQ(1, rc);
	EXPECT_NE(NULL, strstr(err, "memory controller is not enabled"))
		TH_LOG("%s", err);

	rc = ctl_run((const char *[]){ "--bogus", NULL }, out, err);
	EXPECT_EQ(2, rc);
	EXPECT_NE(NULL, strstr(err, "unknown argument")) TH_LOG("%s", err);
	rc = ctl_run((const char *[]){ "--watch", "0", NULL }, out, err);
	EXPECT_EQ(2, rc);
	rc = ctl_run((const char *[]){ "--cgroup", NULL }, out, err);
	EXPECT_EQ(2, rc);
	rc = ctl_run((const char *[]){ "--help", NULL }, out, err);
	EXPECT_EQ(0, rc);
	EXPECT_NE(NULL, strstr(out, "SYNOPSIS"));
	EXPECT_NE(NULL, strstr(out, "--cgroup"));
}

/* No vswap in the fixture: these tests load and unload it themselves */
FIXTURE(bare) {
	int unused;
};

FIXTURE_SETUP(bare)
{
}

FIXTURE_TEARDOWN(bare)
{
	vswap_ensure_unloaded();
}

TEST_F_TIMEOUT(bare, not_loaded, 120)
{
	static char out[OUT_MAX], err[OUT_MAX];
	int rc;

	ASSERT_EQ(0, vswap_ensure_unloaded());
	ASSERT_FALSE(vt_exists(SYSFS_STATS));
	rc = ctl_run((const char *[]){ NULL }, out, err);
	EXPECT_EQ(1, rc);
	EXPECT_NE(NULL, strstr(err, "vswap is not loaded")) TH_LOG("%s", err);
	EXPECT_STREQ("", out);
	rc = ctl_run((const char *[]){ "--json", NULL }, out, err);
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("", out);
}

/*
 * Unload while every sysfs file is open and being read: rmmod succeeds,
 * the reads then fail with ENODEV, and a new load has the files again.
 */
TEST_F_TIMEOUT(bare, unload_with_files_open, 300)
{
	static char err[OUT_MAX];
	int fds[MAX_FILES], i, j, ret, status, e[2];
	struct ctl_files fs;
	char path[PATH_MAX], buf[64];
	unsigned long long v;
	size_t ne = 0;
	ssize_t n;
	pid_t reader, watcher;

	ASSERT_EQ(0, vswap_ensure_unloaded());
	ret = vswap_load("max_pages=65536");
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	ASSERT_EQ(0, files_list(SYSFS_STATS, &fs));
	ASSERT_LE(20, fs.nr);
	for (i = 0; i < fs.nr; i++) {
		snprintf(path, sizeof(path), SYSFS_STATS "/%s", fs.name[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fds[i]) TH_LOG("%s: %s", path, strerror(errno));
	}
	ASSERT_EQ(0, sysfs_read("capacity", &v));
	EXPECT_EQ(65536, v);

	/* a reader hammering every open file until they all fail */
	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		for (;;) {
			int alive = 0;

			for (i = 0; i < fs.nr; i++) {
				n = pread(fds[i], buf, sizeof(buf), 0);
				if (n > 0)
					alive++;
				else if (n < 0 && errno != ENODEV)
					_exit(2);
			}
			if (!alive)
				_exit(0);
		}
	}
	/* and vswapctl --watch */
	ASSERT_EQ(0, pipe(e));
	watcher = fork();
	ASSERT_LE(0, watcher);
	if (!watcher) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(e[1], 2);
		close(e[0]);
		execl(ctl_path(), ctl_path(), "--watch", "0.1", NULL);
		_exit(127);
	}
	close(e[1]);
	usleep(300 * 1000);	/* not a timing assertion: let both start */

	ret = vswap_ensure_unloaded();
	EXPECT_EQ(0, ret) TH_LOG("unload with files open: %s", strerror(-ret));
	EXPECT_FALSE(vswap_loaded());
	/* bounded: the reader sees the files die at once */
	for (j = 0; j < VD_IDLE_POLLS; j++) {
		if (waitpid(reader, &status, WNOHANG) == reader)
			break;
		usleep(50 * 1000);
	}
	if (j == VD_IDLE_POLLS) {
		kill(reader, SIGKILL);
		waitpid(reader, &status, 0);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("reader status 0x%x (2: an error other than ENODEV, killed: reads never failed)",
		       status);
	for (i = 0; i < fs.nr; i++) {
		n = pread(fds[i], buf, sizeof(buf), 0);
		ret = errno;
		EXPECT_EQ(-1, n);
		EXPECT_EQ(ENODEV, ret) TH_LOG("%s: %s", fs.name[i], strerror(ret));
	}

	/* the watcher notices and exits 1 (bounded wait) */
	while ((n = read(e[0], err + ne, sizeof(err) - 1 - ne)) > 0)
		ne += n;
	err[ne] = '\0';
	close(e[0]);
	ASSERT_EQ(watcher, waitpid(watcher, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
		TH_LOG("watcher status 0x%x, stderr: %s", status, err);
	EXPECT_TRUE(strstr(err, "not loaded") || strstr(err, "went away") ||
		    strstr(err, "being unloaded"))
		TH_LOG("%s", err);

	/* the old files stay dead; a new load has new ones */
	ret = vswap_load("");
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	EXPECT_EQ(-1, pread(fds[0], buf, sizeof(buf), 0));
	ASSERT_EQ(0, sysfs_read("capacity", &v));
	EXPECT_EQ(VSWAP_MAX_PAGES, v);
	for (i = 0; i < fs.nr; i++)
		close(fds[i]);
	EXPECT_EQ(0, vswap_ensure_unloaded());
	EXPECT_FALSE(vt_exists(VSWAP_SYSFS_MOD));
}

TEST_HARNESS_MAIN
