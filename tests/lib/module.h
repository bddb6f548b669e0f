/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading vswap.ko; switching zswap on and off.
 */
#ifndef __VSWAP_TEST_MODULE_H
#define __VSWAP_TEST_MODULE_H

#include "util.h"

/* ---------------------------------------------------------------------
 * Module load / unload
 */

const char *vswap_ko_path(void);

/* finit_module($VSWAP_KO, @params, 0); 0 or -errno. */
int vswap_load(const char *params);

/* delete_module("vswap", O_NONBLOCK); 0 or -errno. */
int vswap_unload(void);

bool vswap_loaded(void);

/*
 * Make sure vswap is not loaded (left over from a crashed test).  Retries
 * a transient -EAGAIN/-EBUSY a few times.  0 or the last -errno.
 */
int vswap_ensure_unloaded(void);

/* ---------------------------------------------------------------------
 * zswap
 */

/* 1 if enabled, 0 if disabled, -errno if zswap is not available. */
int zswap_get_enabled(void);

int zswap_set_enabled(bool on);

/* Make sure vswap is loaded (default parameters); 0 or -errno. */
int vd_ensure_loaded(void);

#endif /* __VSWAP_TEST_MODULE_H */
