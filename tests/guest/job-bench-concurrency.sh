#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-bench-concurrency.sh - the concurrency benchmark
# (tests/bench_concurrency.c) in one boot: P = 1, 2, 4 processes swapping
# their own regions out and back in at the same time, through stock
# (zswap + /dev/vda, then /dev/vda alone) and vswap (zswap without a disk,
# then /dev/vda as its backend, zswap off); with lock_stat (debug flavor)
# also the lock acquisitions per swapped page.
# Sourced by /init (mark() and bench_run() come from there).
# Kernel command line:
#   vswap.bench_mb=N      region size per process in MiB (default 32)
#   vswap.bench_rounds=N  pageout/read-back rounds (default 3)
#   vswap.bench_pairs=N   stock/vswap pairs of disk rounds in turns (default 9)
# Emits "VSWAP: BENCH <figures>" for every figure line and finally
# "VSWAP: BENCH-DONE rc=..".  Fails only if the benchmark binary failed
# (bad data or a configuration that could not be set up), never on timing.

VSWAP_BENCH_MB=32
VSWAP_BENCH_ROUNDS=3
VSWAP_BENCH_PAIRS=9
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	vswap.bench_mb=*) VSWAP_BENCH_MB=${arg#*=} ;;
	vswap.bench_rounds=*) VSWAP_BENCH_ROUNDS=${arg#*=} ;;
	vswap.bench_pairs=*) VSWAP_BENCH_PAIRS=${arg#*=} ;;
	esac
done
export VSWAP_BENCH_MB VSWAP_BENCH_ROUNDS VSWAP_BENCH_PAIRS

echo "bench-concurrency: ${VSWAP_BENCH_MB} MiB x ${VSWAP_BENCH_ROUNDS} rounds per process, ${VSWAP_BENCH_PAIRS} disk pairs, $(nproc) CPUs, kernel $(uname -r), lock_stat $([ -e /proc/lock_stat ] && echo yes || echo no)"
bench_run bench_concurrency
