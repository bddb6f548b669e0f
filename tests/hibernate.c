// SPDX-License-Identifier: GPL-2.0
/*
 * Suspend to disk with vswap loaded.
 *
 * A laptop runs zswap with a swap partition that is also its hibernation
 * target.  Here /dev/vda is both: a physical swap device that vswap uses
 * as a backend, and the device the hibernation image is written to.  The
 * virtual device itself is never a hibernation target (the core skips it in
 * swap_type_of()), so the image takes free slots of /dev/vda around the
 * ones vswap holds.
 *
 * The test fills two regions with zero, compressible and random pages and
 * pages them out: the first with zswap on (zero pages to ZERO, compressible
 * ones to zswap, the random ones zswap refuses to the disk), the second with
 * zswap off (every non-zero page to the disk).  It writes a token to the
 * start of /dev/vdb with O_DIRECT, takes the counters, and hibernates
 * ("disk" to /sys/power/state).  When that write returns, the machine has
 * resumed the image: every page of both regions must read back identical,
 * /dev/vda must hold exactly vswap's disk slots again (the image's slots
 * freed), and after the free vswap is idle and the disk empty.
 *
 *   hibernate:        /sys/power/disk = test_resume: the kernel writes the
 *                     image to /dev/vda, reads it back and restores it, in
 *                     one boot (part of the suite).
 *   hibernate_reboot: /sys/power/disk = shutdown: the VM powers off after
 *                     writing the image; scripts/test.sh (phase hibernate)
 *                     then overwrites the token on vdb.img from the host and
 *                     boots the same disks with resume=/dev/vda.  The token
 *                     read back proves that the process lived through a
 *                     real power cycle.  Built from this file with
 *                     HIBERNATE_REBOOT (tests/hibernate_reboot.c) and run
 *                     only by tests/guest/job-hibernate.sh.
 *
 * /dev/vda and /dev/vdb are overwritten.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "util.h"
#include "klog.h"
#include "module.h"
#include "vswap_stats.h"
#include "swapdev.h"
#include "region.h"
#include "env.h"

#ifndef HIBERNATE_REBOOT
#define HIBERNATE_REBOOT	0
#endif

#define TOKEN_DEV		VT_PHYS_DEV2
#define POWER_STATE		"/sys/power/state"
#define POWER_DISK		"/sys/power/disk"
#define POWER_RESUME		"/sys/power/resume"
#define PAGES			4096		/* 16 MiB per region */
#define SEED			0x41b3c0deULL

/* The token: written before hibernating, overwritten by the host between boots */
#define TOKEN_BEFORE		"VSWAP-HIBERNATE-BOOT1"
#define TOKEN_AFTER		"VSWAP-HIBERNATE-BOOT2"
#define TOKEN_LEN		4096

/*
 * Write @buf to, or read 64 bytes into @buf from, the first block of
 * TOKEN_DEV, around the page cache (restored with the image).
 */
static int token_io(char *buf, bool write_it)
{
	void *blk;
	ssize_t n;
	int fd, ret = 0;

	if (posix_memalign(&blk, TOKEN_LEN, TOKEN_LEN))
		return -ENOMEM;
	fd = open(TOKEN_DEV, (write_it ? O_WRONLY : O_RDONLY) | O_DIRECT |
		  O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (write_it) {
		memset(blk, 0, TOKEN_LEN);
		snprintf(blk, TOKEN_LEN, "%s", buf);
		n = pwrite(fd, blk, TOKEN_LEN, 0);
	} else {
		n = pread(fd, blk, TOKEN_LEN, 0);
		((char *)blk)[TOKEN_LEN - 1] = '\0';
		snprintf(buf, 64, "%s", (char *)blk);
	}
	if (n != TOKEN_LEN)
		ret = n < 0 ? -errno : -EIO;
	close(fd);
out:
	free(blk);
	return ret;
}

/* Does @path (a sysfs choice list like "[platform] shutdown") offer @word? */
static bool sysfs_offers(const char *path, const char *word)
{
	char buf[256], *tok, *save;

	if (vt_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, "[]\n ", &save); tok;
	     tok = strtok_r(NULL, "[]\n ", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

FIXTURE(hib) {
	struct vd_env env;
	int rot_saved;
};

FIXTURE_SETUP(hib)
{
	const char *mode = HIBERNATE_REBOOT ? "shutdown" : "test_resume";
	int ret;

	self->rot_saved = -1;
	ASSERT_TRUE(sysfs_offers(POWER_STATE, "disk"))
		TH_LOG(POWER_STATE " has no \"disk\" (CONFIG_HIBERNATION)");
	ASSERT_TRUE(sysfs_offers(POWER_DISK, mode))
		TH_LOG(POWER_DISK " does not offer %s", mode);
	ASSERT_TRUE(vt_exists(VT_PHYS_DEV));
	ASSERT_TRUE(vt_exists(TOKEN_DEV));
	vd_env_setup(_metadata, &self->env, 1);
	ASSERT_EQ(0, vd_pin_cpu());
	/* the SSD path, as on a laptop's NVMe drive */
	ret = vd_phys_on_ssd(VT_PHYS_DEV, -1, &self->rot_saved);
	ASSERT_EQ(0, ret) TH_LOG("mkswap/swapon " VT_PHYS_DEV ": %s",
				 strerror(-ret));
	/*
	 * The resume device, as resume= on the command line sets it (the
	 * reboot variant has both).  Writing it also looks for an image
	 * there, finds a swap signature instead and goes on.
	 */
	ret = vt_write_file(POWER_RESUME, VT_PHYS_DEV);
	ASSERT_EQ(0, ret) TH_LOG(POWER_RESUME ": %s", strerror(-ret));
	ASSERT_EQ(0, vt_write_file(POWER_DISK, mode));
}

FIXTURE_TEARDOWN_PARENT(hib)
{
	int ret;

	vd_env_teardown(_metadata, &self->env);
	ret = vd_phys_off(VT_PHYS_DEV);
	EXPECT_EQ(0, ret) TH_LOG("swapoff " VT_PHYS_DEV ": %s", strerror(-ret));
	vd_rot_restore(VT_PHYS_DEV, &self->rot_saved);
}

TEST_F_TIMEOUT(hib, image_on_backend, 900)
{
	const size_t n = PAGES;
	struct vd_region a, b;
	struct vd_stats s0, s1, s2, s3;
	size_t ka[3], kb[3], zero, swapped;
	char token[64];
	long long used;
	int ret;

	ASSERT_EQ(0, vd_stats_read(&s0));

	/* a: zswap on; b: zswap off, so that the disk surely holds pages */
	vd_region_out(_metadata, &a, n, SEED, NULL, ka);
	ASSERT_EQ(0, zswap_set_enabled(false));
	vd_region_out(_metadata, &b, n, SEED ^ 1, NULL, kb);
	ASSERT_EQ(0, zswap_set_enabled(true));
	zero = ka[PAGE_ZERO] + kb[PAGE_ZERO];

	ASSERT_EQ(0, vd_stats_read(&s1));
	vd_stats_log("before hibernation", &s1);
	EXPECT_EQ(2 * n, s1.v[VD_SLOTS_USED] - s0.v[VD_SLOTS_USED]);
	EXPECT_EQ(zero, s1.v[VD_ZERO] - s0.v[VD_ZERO]);
	EXPECT_LE(ka[PAGE_COMPRESSIBLE], s1.v[VD_ZSWAP]);
	EXPECT_LE(kb[PAGE_COMPRESSIBLE] + kb[PAGE_RANDOM], s1.v[VD_PHYS]);
	used = vd_wait_swap_used(VT_PHYS_DEV, s1.v[VD_PHYS] * 4);
	EXPECT_EQ((long long)s1.v[VD_PHYS] * 4, used);

	ASSERT_EQ(0, token_io(TOKEN_BEFORE, true));
	TH_LOG("hibernating (%s): %llu slots, %llu zero, %llu zswap, %llu on " VT_PHYS_DEV,
	       HIBERNATE_REBOOT ? "power off, resume on the next boot" : "test_resume",
	       s1.v[VD_SLOTS_USED], s1.v[VD_ZERO], s1.v[VD_ZSWAP],
	       s1.v[VD_PHYS]);
	/*
	 * Returns 0 only from the restored image: after the image is written,
	 * test_resume loads it back and jumps into it (an error if it cannot),
	 * shutdown powers the machine off.
	 */
	ret = vt_write_file(POWER_STATE, "disk");
	ASSERT_EQ(0, ret) TH_LOG("hibernation failed: %s", strerror(-ret));

	ASSERT_EQ(0, token_io(token, false));
	EXPECT_STREQ(HIBERNATE_REBOOT ? TOKEN_AFTER : TOKEN_BEFORE, token);

	/* every page is still out, where it was */
	ASSERT_EQ(0, region_swap_state(a.mem, n, &swapped, NULL));
	EXPECT_EQ(n, swapped);
	ASSERT_EQ(0, region_swap_state(b.mem, n, &swapped, NULL));
	EXPECT_EQ(n, swapped);
	ASSERT_EQ(0, vd_stats_read(&s2));
	vd_stats_log("after resume", &s2);
	EXPECT_LE(s1.v[VD_SLOTS_USED], s2.v[VD_SLOTS_USED]);
	EXPECT_LE(s1.v[VD_ZERO], s2.v[VD_ZERO]);
	EXPECT_LE(s1.v[VD_PHYS], s2.v[VD_PHYS]);
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s2, &s0, VD_IO_ERROR));
	/* the image's slots on the disk are free again: only vswap's remain */
	used = vd_wait_swap_used(VT_PHYS_DEV, s2.v[VD_PHYS] * 4);
	EXPECT_EQ((long long)s2.v[VD_PHYS] * 4, used);

	vd_region_check(_metadata, &a, SEED, NULL, "region a after resume");
	vd_region_check(_metadata, &b, SEED ^ 1, NULL, "region b after resume");
	ASSERT_EQ(0, vd_stats_read(&s3));
	EXPECT_LE(zero, vd_delta(&s3, &s1, VD_SWPIN_ZERO));
	EXPECT_EQ(0, vd_delta(&s3, &s0, VD_READ_ERROR));
	EXPECT_EQ(0, vd_delta(&s3, &s0, VD_IO_ERROR));

	vd_region_unmap(&a);
	vd_region_unmap(&b);
	ret = vd_wait_idle(&s3);
	if (ret)
		vd_stats_log("not idle after the free", &s3);
	EXPECT_EQ(0, ret);
	used = vd_wait_swap_used(VT_PHYS_DEV, 0);
	EXPECT_EQ(0, used) TH_LOG(VT_PHYS_DEV " still has %lld KiB used", used);
}

#if !HIBERNATE_REBOOT
/*
 * /dev/vswap is never a hibernation target.  With the resume device set to
 * its device number and no physical swap, hibernation fails after the
 * snapshot with ENODEV ("Cannot find swap device", as on stock without
 * swap), and the pages vswap holds read back identical.
 */
FIXTURE(hib_refuse) {
	struct vd_env env;
};

FIXTURE_SETUP(hib_refuse)
{
	ASSERT_TRUE(sysfs_offers(POWER_STATE, "disk"));
	vd_env_setup(_metadata, &self->env, 1);
}

FIXTURE_TEARDOWN_PARENT(hib_refuse)
{
	vd_env_teardown(_metadata, &self->env);
}

TEST_F_TIMEOUT(hib_refuse, vswap_is_no_target, 600)
{
	struct klog_mark m;
	struct vd_region r;
	struct stat st;
	char dev[32];
	size_t k[3];
	int ret;

	ASSERT_EQ(0, stat(VSWAP_DEV, &st));
	snprintf(dev, sizeof(dev), "%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	ASSERT_EQ(0, vt_write_file(POWER_RESUME, dev));
	/* were it taken, test_resume would still come back here */
	ASSERT_EQ(0, vt_write_file(POWER_DISK, "test_resume"));
	vd_region_out(_metadata, &r, PAGES / 4, SEED ^ 2, NULL, k);

	klog_mark(&m);
	ret = vt_write_file(POWER_STATE, "disk");
	EXPECT_EQ(-ENODEV, ret) TH_LOG("hibernation to /dev/vswap (%s): %s",
				       dev, strerror(-ret));
	EXPECT_TRUE(dmesg_contains(&m, "Cannot find swap device"));
	vd_region_check(_metadata, &r, SEED ^ 2, NULL, "after the refusal");
	vd_region_unmap(&r);
}
#endif

TEST_HARNESS_MAIN
