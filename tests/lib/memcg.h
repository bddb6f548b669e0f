/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 helpers on top of the kernel's own
 * tools/testing/selftests/cgroup/cgroup_util.c (cg_write(), cg_enter(),
 * cg_read_long()...; linked into every test): only what it lacks is here.
 */
#ifndef __VSWAP_TEST_MEMCG_H
#define __VSWAP_TEST_MEMCG_H

#include "util.h"
#include "env.h"

/*
 * Upstream's header defines an int-typed MB() (x << 20) and has no include
 * guard: include it only here, and keep util.h's unsigned long MB().
 */
#pragma push_macro("MB")
#undef MB
#include "cgroup_util.h"
#undef MB
#pragma pop_macro("MB")

struct __test_metadata;

/* ---------------------------------------------------------------------
 * cgroup v2
 */

/* Enable the memory controller for children of the root cgroup. */
int cg_enable_memory(void);

/* Read a single-number cgroup file; "max" reads as LLONG_MAX. -1 on error */
long long cg_read_ll(const char *cg, const char *file);

/*
 * Read key @key of a flat keyed file like memory.stat; -1 if absent.  The
 * key must match a whole line's first word: upstream's cg_read_key_long()
 * finds it anywhere in the file ("swap" would match "zswap").
 */
long long cg_read_key_ll(const char *cg, const char *file, const char *key);

/*
 * Remove @cg: migrate any remaining processes to the root, kill them if
 * asked to, then rmdir, retrying for up to 10 s while exiting tasks
 * drain (a killed task that had much memory swapped out takes seconds to
 * exit in a TCG guest with more vCPUs than host cores).
 */
int cg_remove(const char *cg, bool kill_procs);

/*
 * Create /sys/fs/cgroup/@name with the memory controller available; a stale
 * group of that name is removed first.  The path goes to @cg.
 */
int cg_create_memcg(const char *name, char *cg, size_t len);

/* ---------------------------------------------------------------------
 * Workloads in a memory-limited cgroup
 */

/*
 * Create cgroup @name (path in @env->cg) with memory.max = @max_bytes and
 * no swap/zswap limit.
 */
void vd_cg_setup(struct __test_metadata *_metadata,
		 struct vd_env *env, const char *name,
		 size_t max_bytes);

/*
 * Evict the clean swap cache copies of @cg's pages (memory.reclaim), so
 * that their data must come from the backend.  A folio still under
 * writeback or in a CPU's LRU batch takes a while (longer on the debug
 * kernel): up to 100 x 50 ms.  Returns what is left cached, in bytes.
 */
long long vd_evict_swap_cache(const char *cg);

#endif /* __VSWAP_TEST_MEMCG_H */
