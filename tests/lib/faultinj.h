/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's fault injection (Documentation/fault-injection/): the
 * failslab and fail_page_alloc attributes in debugfs.  The debug kernel
 * has them; the plain one does not, and the tests that need them skip.
 */
#ifndef __VSWAP_TEST_FAULTINJ_H
#define __VSWAP_TEST_FAULTINJ_H

#include "util.h"

#define FI_FAILSLAB		"/sys/kernel/debug/failslab"
#define FI_FAILPAGE		"/sys/kernel/debug/fail_page_alloc"

/* Write @val to attribute @attr of @dir (FI_FAILSLAB, FI_FAILPAGE); logs a failure */
int fi_set(const char *dir, const char *attr, const char *val);

/* Attribute @attr of @dir as a number; -1 if it cannot be read */
long long fi_get(const char *dir, const char *attr);

/*
 * Both attribute directories with the address and task filters
 * (require-start, task-filter) and /proc/self/make-it-fail.
 */
bool fi_available(void);

#endif /* __VSWAP_TEST_FAULTINJ_H */
