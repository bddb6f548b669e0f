#!/usr/bin/env bash
# scripts/bench.sh - build everything and run the swap benchmark
# (tests/bench_swap.c) in ONE VM boot: stock (zswap + swap on /dev/vda),
# vswap (vswap.ko + zswap, no physical swap), zram, and with zswap off the
# round trip through /dev/vda alone, stock and as vswap's backend, first one
# after the other, then in alternating pairs of rounds.  /dev/vda
# is marked non-rotational, so stock takes its SSD path, as on servers;
# VSWAP_BENCH_ROTATIONAL=1 keeps QEMU's default (rotational: the HDD path).
# Prints
# wall and system time per configuration, the vswap/stock ratios and
# vswap's metadata bytes per swapped page.  Figures are informative only: the exit status is
# non-zero only for bad data, a setup/VM failure or a kernel problem.
#
#   scripts/bench.sh              # 64 MiB x 11 rounds, 11 disk pairs
#   scripts/bench.sh 128 5 3      # 128 MiB x 5 rounds, 3 disk pairs
#
# Env: VSWAP_BENCH_ROTATIONAL, VSWAP_SMP (vCPUs, default 2),
#      VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 1800 s), VSWAP_ACCEL,
#      VSWAP_VERBOSE, VSWAP_CACHE (as for scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

usage_on_help "$@"
MB=${1:-64}
ROUNDS=${2:-11}
PAIRS=${3:-11}
[ $# -le 3 ] || usage_die "too many arguments"
case $MB$ROUNDS$PAIRS in *[!0-9]*) usage_die "MiB, rounds and pairs must be numbers, got '$MB' '$ROUNDS' '$PAIRS'" ;; esac

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE, ${MB} MiB x $ROUNDS rounds, $PAIRS disk pairs"
run_bench bench bench_swap "${VSWAP_VM_TIMEOUT:-1800}" \
	"vswap.bench_mb=$MB vswap.bench_rounds=$ROUNDS vswap.bench_pairs=$PAIRS vswap.bench_rotational=${VSWAP_BENCH_ROTATIONAL:-0}"
