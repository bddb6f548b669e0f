// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers only the benchmarks (tests/bench_*.c) use.
 */
#include "bench.h"

long bench_env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : def;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(const double *v, size_t n)
{
	double *w, m;

	if (!n)
		return 0;
	w = malloc(n * sizeof(*w));
	if (!w)
		return 0;
	memcpy(w, v, n * sizeof(*w));
	qsort(w, n, sizeof(*w), cmp_double);
	m = w[n / 2];
	free(w);
	return m;
}

char *bench_values_str(char *buf, size_t size, const double *v, size_t n,
		       int decimals)
{
	size_t i, len = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%.*f", i ? " " : "",
				decimals, v[i]);
	return buf;
}
