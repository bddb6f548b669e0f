#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-bench-swapoff.sh - the swapoff benchmark
# (tests/bench_swapoff.c) in one boot: swapoff of /dev/vda holding the
# swapped pages of many processes, stock (vswap not loaded) vs vswap loaded.
# Sourced by /init (mark() and bench_run() come from there).
# Kernel command line:
#   vswap.bench_procs=N        processes (default 200)
#   vswap.bench_swap_kb=N      swapped KiB per process (default 2048)
#   vswap.bench_resident_mb=L  comma-separated resident MiB per process
#                              (default 0,2,4)
#   vswap.bench_rounds=N       rounds per configuration (default 3)
#   vswap.bench_modes=stock    the stock configuration only, vswap never
#                              loaded (scripts/bench-pristine.sh)
#   vswap.bench_cached=1       keep the swap cache copies swap-out leaves:
#                              swapoff finds the pages in memory
# Emits "VSWAP: BENCH <figures>" for every figure line and finally
# "VSWAP: BENCH-DONE rc=..".  Fails only if the benchmark binary failed
# (bad data, swapoff error, setup failure), never on timing.

VSWAP_BENCH_PROCS=200
VSWAP_BENCH_SWAP_KB=2048
VSWAP_BENCH_RESIDENT_MB=0,2,4
VSWAP_BENCH_ROUNDS=3
VSWAP_BENCH_MODES=
VSWAP_BENCH_CACHED=
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	vswap.bench_procs=*) VSWAP_BENCH_PROCS=${arg#*=} ;;
	vswap.bench_swap_kb=*) VSWAP_BENCH_SWAP_KB=${arg#*=} ;;
	vswap.bench_resident_mb=*) VSWAP_BENCH_RESIDENT_MB=${arg#*=} ;;
	vswap.bench_rounds=*) VSWAP_BENCH_ROUNDS=${arg#*=} ;;
	vswap.bench_modes=*) VSWAP_BENCH_MODES=${arg#*=} ;;
	vswap.bench_cached=*) VSWAP_BENCH_CACHED=${arg#*=} ;;
	esac
done
export VSWAP_BENCH_PROCS VSWAP_BENCH_SWAP_KB VSWAP_BENCH_RESIDENT_MB VSWAP_BENCH_ROUNDS VSWAP_BENCH_MODES VSWAP_BENCH_CACHED

echo "bench-swapoff: ${VSWAP_BENCH_PROCS} procs x ${VSWAP_BENCH_SWAP_KB} KiB, resident ${VSWAP_BENCH_RESIDENT_MB} MiB, ${VSWAP_BENCH_MODES:+modes $VSWAP_BENCH_MODES, }${VSWAP_BENCH_CACHED:+swap cache kept, }$(nproc) CPUs, kernel $(uname -r)"
bench_run bench_swapoff
