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
# Env: VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 2400 s), VSWAP_ACCEL,
#      VSWAP_VERBOSE, VSWAP_CACHE (as for scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
	;;
esac
PROCS=${1:-200}
SWAP_KB=${2:-2048}
RESIDENT=${3:-0,2,4}
ROUNDS=${4:-3}
case $PROCS$SWAP_KB$ROUNDS in *[!0-9]*) die "usage: scripts/bench-swapoff.sh [procs] [KiB] [MiB,MiB..] [rounds]" ;; esac
case $RESIDENT in '' | *[!0-9,]*) die "resident sizes must be a comma-separated list of MiB" ;; esac

fail() {
	phase_summary
	log "bench-swapoff FAILED ($1)"
	exit 1
}

# shellcheck disable=SC2317  # invoked indirectly via phase
build_tests() {
	mkdir -p "$VSWAP_OUT/tests"
	make -s -C "$VSWAP_ROOT/tests" -j"$NPROC" KSRC="$KSRC" KHDR="$KBUILD/usr/include" OUT="$VSWAP_OUT/tests" all || return 1
	[ -x "$VSWAP_OUT/tests/bench_swapoff" ] || return 1
}

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE, $PROCS procs x $SWAP_KB KiB, resident $RESIDENT MiB, $ROUNDS round(s)"
phase deps "$VSWAP_SCRIPTS/deps.sh" || fail deps
phase kernel "$VSWAP_SCRIPTS/kernel.sh" "$VSWAP_FLAVOR" || fail kernel
phase module "$VSWAP_SCRIPTS/module.sh" "$VSWAP_FLAVOR" || fail module
[ -f "$VSWAP_OUT/vswap.ko" ] || fail "vswap.ko was not built"
phase tests build_tests || fail "test binaries"
phase initramfs "$VSWAP_SCRIPTS/initramfs.sh" "$VSWAP_FLAVOR" || fail initramfs

RES=$(mktemp)
trap 'rm -f "$RES"' EXIT
RC=0
phase vm "$VSWAP_SCRIPTS/vm.sh" --job bench-swapoff --timeout "${VSWAP_VM_TIMEOUT:-2400}" \
	--append "vswap.bench_procs=$PROCS vswap.bench_swap_kb=$SWAP_KB vswap.bench_resident_mb=$RESIDENT vswap.bench_rounds=$ROUNDS" \
	--result-file "$RES" || RC=1
LOG=$(sed -n 's/^log=//p' "$RES" | head -n 1)
phase_summary
log "swapoff benchmark figures ($(sed -n 's/^accel=//p' "$RES" | head -n 1)):"
if [ -n "$LOG" ] && [ -f "${LOG%.log}.markers" ]; then
	sed -n 's/^VSWAP: BENCH \(.*\)/[vswap]   \1/p' "${LOG%.log}.markers"
fi
[ "$RC" = 0 ] || fail "VM run, see the messages above"
log "bench-swapoff OK (figures are informative, not pass/fail)"
