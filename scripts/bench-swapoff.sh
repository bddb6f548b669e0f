#!/usr/bin/env bash
# scripts/bench-swapoff.sh - build everything and run the swapoff benchmark
# (tests/bench_swapoff.c) in ONE VM boot: swapoff of /dev/vda holding the
# swapped-out pages of many processes that also hold resident memory, stock
# (vswap not loaded: the kernel walks every process's page tables) vs vswap
# loaded (vswap walks its own slot table).  zswap is off in both.  Prints
# the swapoff wall/system time per resident size and the stock/vswap ratio.
# Figures are informative only: the exit status is non-zero only for bad
# data, a swapoff/setup/VM failure or a kernel problem.
#
#   scripts/bench-swapoff.sh                    # 200 procs x 2 MiB, 0,2,4 MiB resident
#   scripts/bench-swapoff.sh 100 2048 0,4 3     # procs, KiB swapped, resident list, rounds
#
# Keep procs x (swapped + resident) well under the guest's 2 GiB.
# Before each swapoff the clean swap cache copies that swap-out leaves are
# dropped, so that swapoff reads every page from the disk;
# VSWAP_BENCH_CACHED=1 keeps them (swapoff then reads nothing).
# Env: VSWAP_BENCH_CACHED, VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 2400 s),
#      VSWAP_ACCEL, VSWAP_VERBOSE, VSWAP_CACHE (as for scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

usage_on_help "$@"
PROCS=${1:-200}
SWAP_KB=${2:-2048}
RESIDENT=${3:-0,2,4}
ROUNDS=${4:-3}
[ $# -le 4 ] || usage_die "too many arguments"
case $PROCS$SWAP_KB$ROUNDS in *[!0-9]*) usage_die "procs, KiB and rounds must be numbers, got '$PROCS' '$SWAP_KB' '$ROUNDS'" ;; esac
case $RESIDENT in '' | *[!0-9,]*) usage_die "resident sizes must be a comma-separated list of MiB, got '$RESIDENT'" ;; esac

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE, $PROCS procs x $SWAP_KB KiB, resident $RESIDENT MiB, $ROUNDS round(s)${VSWAP_BENCH_CACHED:+, swap cache kept}"
run_bench bench-swapoff bench_swapoff "${VSWAP_VM_TIMEOUT:-2400}" \
	"vswap.bench_procs=$PROCS vswap.bench_swap_kb=$SWAP_KB vswap.bench_resident_mb=$RESIDENT vswap.bench_rounds=$ROUNDS${VSWAP_BENCH_CACHED:+ vswap.bench_cached=$VSWAP_BENCH_CACHED}"
