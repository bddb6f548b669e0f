/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers only the benchmarks (tests/bench_*.c) use: their knobs from the
 * environment and the median of the timed rounds.  Timing itself
 * (vd_now(), vd_sys_time()) is in util.h, tests use it too.
 */
#ifndef __VSWAP_TEST_BENCH_H
#define __VSWAP_TEST_BENCH_H

#include "util.h"

/* $@name as a number if set and not empty, else @def. */
long bench_env_long(const char *name, long def);

/*
 * The median of @n values (the upper one of the two middle values if @n
 * is even); @v is left as it is.  A host I/O stall (the guest's disk is a
 * file on the host) can add a second to any one round, so the benchmarks
 * compare medians.  0 if @n is 0 or on allocation failure.
 */
double bench_median(const double *v, size_t n);

/*
 * The @n values with @decimals decimals, as "0.512 0.498 ..." into @buf
 * of @size bytes, cut short if it does not fit: a slow first round (3
 * decimals, seconds), or one pair's outlying ratio (2), shows in the log
 * next to the median.  Returns @buf.
 */
char *bench_values_str(char *buf, size_t size, const double *v, size_t n,
		       int decimals);

#endif /* __VSWAP_TEST_BENCH_H */
