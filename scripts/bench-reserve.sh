#!/usr/bin/env bash
# scripts/bench-reserve.sh - build everything and run the reserve benchmark
# (tests/bench_reserve.c) in ONE VM boot: does vswap, which allocates its
# metadata in reclaim, make the machine run out of memory earlier than
# stock swap?  Global memory pressure with vm.min_free_kbytes at an eighth
# of memory, /dev/vda (non-rotational) the only swap, zswap off; stock and
# vswap each run a workload that fits (seven eighths of memory, read back
# and verified) and one that cannot (memory plus twice the swap device),
# which the OOM killer ends.  Prints the OOM kills, the MiB written before
# the kill, pswpout and vswap's alloc_fail, and the vswap/stock ratio.
# Figures are informative only: the exit status is non-zero only for bad
# data, a setup/VM failure or a kernel problem.
#
#   scripts/bench-reserve.sh
#
# Env: VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 2400 s), VSWAP_ACCEL,
#      VSWAP_VERBOSE, VSWAP_CACHE (as for scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

usage_on_help "$@"
[ $# -eq 0 ] || usage_die "no arguments expected, got '$*'"

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE"
run_bench bench-reserve bench_reserve "${VSWAP_VM_TIMEOUT:-2400}" ""
