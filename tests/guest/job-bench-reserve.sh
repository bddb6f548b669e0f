#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-bench-reserve.sh - the reserve benchmark
# (tests/bench_reserve.c) in one boot: global memory pressure with a raised
# min_free_kbytes, /dev/vda as the only swap, stock vs vswap, a workload
# that fits and one that ends in an OOM kill.
# Sourced by /init (mark() and bench_run() come from there).
# Emits "VSWAP: BENCH <figures>" for every figure line and finally
# "VSWAP: BENCH-DONE rc=..".  Fails only if the benchmark binary failed
# (bad data, setup failure), never on the figures.

VSWAP_BENCH_OVER=1
export VSWAP_BENCH_OVER

echo "bench-reserve: $(nproc) CPUs, kernel $(uname -r)"
bench_run bench_reserve
