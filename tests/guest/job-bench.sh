#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-bench.sh - the swap benchmark (tests/bench_swap.c) in one
# boot: stock (zswap + /dev/vda), vswap (zswap, no disk), zram, and the
# round trip through a disk alone: stock disk, vswap disk (zswap off).
# Sourced by /init (mark() and bench_run() come from there).
# Kernel command line:
#   vswap.bench_mb=N      region size in MiB (default 64)
#   vswap.bench_rounds=N  pageout/read-back rounds (default 11)
#   vswap.bench_pairs=N   stock/vswap pairs of disk rounds in turns (default 11)
#   vswap.bench_rotational=1  /dev/vda on the HDD path (default: SSD path)
# Emits "VSWAP: BENCH <figures>" for every figure line and finally
# "VSWAP: BENCH-DONE rc=..".  Fails only if the benchmark binary failed
# (bad data or a configuration that could not be set up), never on timing.

VSWAP_BENCH_MB=64
VSWAP_BENCH_ROUNDS=11
VSWAP_BENCH_PAIRS=11
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	vswap.bench_mb=*) VSWAP_BENCH_MB=${arg#*=} ;;
	vswap.bench_rounds=*) VSWAP_BENCH_ROUNDS=${arg#*=} ;;
	vswap.bench_pairs=*) VSWAP_BENCH_PAIRS=${arg#*=} ;;
	vswap.bench_rotational=*) VSWAP_BENCH_ROTATIONAL=${arg#*=} ;;
	esac
done
export VSWAP_BENCH_MB VSWAP_BENCH_ROUNDS VSWAP_BENCH_PAIRS VSWAP_BENCH_ROTATIONAL

path="SSD path (non-rotational)"
[ "${VSWAP_BENCH_ROTATIONAL:-0}" = 1 ] && path="HDD path (rotational)"
echo "bench: ${VSWAP_BENCH_MB} MiB x ${VSWAP_BENCH_ROUNDS} rounds, ${VSWAP_BENCH_PAIRS} disk pairs, $(nproc) CPUs, /dev/vda on stock's $path, kernel $(uname -r)"
bench_run bench_swap
