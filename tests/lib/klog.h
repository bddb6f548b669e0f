/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log: marks and searches after a mark.
 */
#ifndef __VSWAP_TEST_KLOG_H
#define __VSWAP_TEST_KLOG_H

#include "util.h"

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

/* SYSLOG_ACTION_CLEAR; 0 or -errno.  Prefer marks: the host reads the log. */
int klog_clear(void);

void klog_mark(struct klog_mark *m);

struct klog_match {
	const char *prefix;
	const char *substr;
	char found[512];
};

/*
 * Is there a kernel log line logged since @m which starts with @prefix and
 * contains @substr (either may be NULL)?  The matching line is copied to
 * @found (may be NULL).
 */
bool dmesg_find(const struct klog_mark *m, const char *prefix,
		const char *substr, char *found, size_t found_len);

bool dmesg_contains(const struct klog_mark *m, const char *substr);

#endif /* __VSWAP_TEST_KLOG_H */
