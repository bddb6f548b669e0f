#!/usr/bin/env bash
# scripts/bench-concurrency.sh - build everything and run the concurrency
# benchmark (tests/bench_concurrency.c) in ONE VM boot: does swap traffic
# from several CPUs at once queue on vswap's locks more than on stock
# swap's?  P = 1, 2 and 4 processes each swap their own region (zero,
# compressible and random pages) out with MADV_PAGEOUT and write-fault it
# back in, all starting together, in four configurations: stock with zswap
# and /dev/vda, stock with /dev/vda alone (zswap off), vswap with zswap and
# no disk, vswap with /dev/vda as its backend (zswap off); /dev/vda is
# non-rotational (stock's SSD path, per-cluster locks).  Every page is
# verified after every round (untimed).  Prints per configuration and P the
# wall time to the last process done and the processes' system time, the
# throughput and its scaling from P = 1, and per P the vswap/stock ratios
# (zswap on: vswap/stock; zswap off: vswap disk/stock disk).  Then the two
# disk configurations once more in alternating pairs (stock and vswap one
# round each at every P, seconds apart, vswap first in every other pair),
# and per P the median of the pairs' vswap/stock ratios.
# Then, for the two zswap-on configurations, `stress-ng --pageswap P
# --timeout T --metrics-brief` for P = 1, 2, 4 (T = 10 s here, 3 s in the
# test suite): stress-ng's bogo ops/s (real time) per configuration and P,
# and per P the ratio vswap/stock of the bogo ops/s (> 1: vswap faster).
# Skipped with one "pageswap: skipped" line if the image's stress-ng is
# missing or has no --pageswap.
#
# VSWAP_SMP (default 2) sets the guest's vCPUs (scripts/vm.sh passes
# -smp $VSWAP_SMP to QEMU).  Under TCG (no KVM) the extra vCPUs are threads
# on the host's cores, and the host has few: the figures are relative
# (configurations against each other, P against P = 1), never absolute.
# VSWAP_FLAVOR=debug (a kernel with CONFIG_LOCK_STAT) adds the lock table:
# lock_stat acquisitions per swapped page, contentions and wait time at the
# largest P for the locks all CPUs share on the swap path (si->lock of the
# virtual type and of the device, swap_avail_lock, swap_lock), the
# per-cluster locks and the swap cache / zswap xarray locks.  The debug
# kernel is many times slower (lockdep, KASAN): its times are not
# comparable with the plain kernel's.  Figures are informative only: the
# exit status is non-zero only for bad data, a setup/VM failure or a kernel
# problem.
#
#   scripts/bench-concurrency.sh                # 32 MiB per process x 3 rounds, 2 vCPUs
#   scripts/bench-concurrency.sh 64 5           # 64 MiB per process x 5 rounds
#   scripts/bench-concurrency.sh 32 3 30        # stress-ng --pageswap runs of 30 s
#   scripts/bench-concurrency.sh 32 3 10 15     # 15 disk pairs (default 9)
#   VSWAP_SMP=4 scripts/bench-concurrency.sh    # 4 vCPUs
#   VSWAP_FLAVOR=debug scripts/bench-concurrency.sh   # with the lock table
#
# Keep 4 x MiB well under the guest's 2 GiB and (zswap off) /dev/vda's 512 MiB.
# Env: VSWAP_SMP, VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 1800 s, debug
#      7200 s), VSWAP_ACCEL, VSWAP_VERBOSE, VSWAP_CACHE (as for
#      scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

usage_on_help "$@"
MB=${1:-32}
ROUNDS=${2:-3}
STRESS_SECS=${3:-10}
PAIRS=${4:-9}
[ $# -le 4 ] || usage_die "too many arguments"
case $MB$ROUNDS$STRESS_SECS$PAIRS in *[!0-9]*) usage_die "MiB per process, rounds, stress-ng seconds and pairs must be numbers, got '$MB' '$ROUNDS' '$STRESS_SECS' '$PAIRS'" ;; esac
case ${VSWAP_SMP:-2} in '' | *[!0-9]* | 0) die "VSWAP_SMP must be a number of vCPUs" ;; esac
export VSWAP_SMP=${VSWAP_SMP:-2}
TMO=1800
[ "$VSWAP_FLAVOR" = debug ] && TMO=7200

# one pipeline at a time, from the kernel build to the VM run
vswap_lock
log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE, $VSWAP_SMP vCPUs, ${MB} MiB per process x $ROUNDS rounds, stress-ng --pageswap ${STRESS_SECS} s, $PAIRS disk pairs, P = 1 2 4"
# vswap.bench_stress_secs is read by tests/bench_concurrency.c itself
run_bench bench-concurrency bench_concurrency "${VSWAP_VM_TIMEOUT:-$TMO}" \
	"vswap.bench_mb=$MB vswap.bench_rounds=$ROUNDS vswap.bench_stress_secs=$STRESS_SECS vswap.bench_pairs=$PAIRS"
