/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_harness.h for the library's .c files whose helpers take a
 * struct __test_metadata and use ASSERT_*() / EXPECT_*() / TH_LOG().
 *
 * The harness is written for a test's single translation unit: besides
 * static functions it defines four global symbols, which would clash with
 * the test's own copies at link time.  Here they get private names, weak
 * because every library file that asserts has a copy; the library never
 * uses them.  test_harness_run() is only called from a test's main(),
 * hence no "unused function" warning for the harness.  Tests include
 * kselftest_harness.h directly, not this file.
 */
#ifndef __VSWAP_TEST_HARNESS_H
#define __VSWAP_TEST_HARNESS_H

#define __wait_for_test		__vt_lib_wait_for_test
#define __run_test		__vt_lib_run_test
#define _fixture_global		_vt_lib_fixture_global
#define __active_test		__vt_lib_active_test

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#undef __wait_for_test
#undef __run_test
#undef _fixture_global
#undef __active_test

#pragma weak __vt_lib_wait_for_test
#pragma weak __vt_lib_run_test
#pragma weak _vt_lib_fixture_global
#pragma weak __vt_lib_active_test

#endif /* __VSWAP_TEST_HARNESS_H */
