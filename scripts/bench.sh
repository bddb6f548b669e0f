#!/usr/bin/env bash
# scripts/bench.sh - build everything and run the swap benchmark
# (tests/bench_swap.c) in ONE VM boot: stock (zswap + swap on /dev/vda),
# vswap (vswap.ko + zswap, no physical swap), zram, and with zswap off the
# round trip through /dev/vda alone, stock and as vswap's backend.  Prints
# wall and system time per configuration, the vswap/stock ratios and
# vswap's metadata bytes per swapped page.  Figures are informative only: the exit status is
# non-zero only for bad data, a setup/VM failure or a kernel problem.
#
#   scripts/bench.sh              # 64 MiB x 5 rounds
#   scripts/bench.sh 128 5        # 128 MiB x 5 rounds
#
# Env: VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 1800 s), VSWAP_ACCEL,
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
MB=${1:-64}
ROUNDS=${2:-5}
case $MB$ROUNDS in *[!0-9]*) die "usage: scripts/bench.sh [MiB] [rounds]" ;; esac

fail() {
	phase_summary
	log "bench FAILED ($1)"
	exit 1
}

# shellcheck disable=SC2317  # invoked indirectly via phase
build_tests() {
	mkdir -p "$VSWAP_OUT/tests"
	make -s -C "$VSWAP_ROOT/tests" -j"$NPROC" KSRC="$KSRC" KHDR="$KBUILD/usr/include" OUT="$VSWAP_OUT/tests" all || return 1
	[ -x "$VSWAP_OUT/tests/bench_swap" ] || return 1
}

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE, ${MB} MiB x $ROUNDS rounds"
phase deps "$VSWAP_SCRIPTS/deps.sh" || fail deps
phase kernel "$VSWAP_SCRIPTS/kernel.sh" "$VSWAP_FLAVOR" || fail kernel
phase module "$VSWAP_SCRIPTS/module.sh" "$VSWAP_FLAVOR" || fail module
[ -f "$VSWAP_OUT/vswap.ko" ] || fail "vswap.ko was not built"
phase tests build_tests || fail "test binaries"
phase initramfs "$VSWAP_SCRIPTS/initramfs.sh" "$VSWAP_FLAVOR" || fail initramfs

RES=$(mktemp)
trap 'rm -f "$RES"' EXIT
RC=0
phase vm "$VSWAP_SCRIPTS/vm.sh" --job bench --timeout "${VSWAP_VM_TIMEOUT:-1800}" \
	--append "vswap.bench_mb=$MB vswap.bench_rounds=$ROUNDS" --result-file "$RES" || RC=1
LOG=$(sed -n 's/^log=//p' "$RES" | head -n 1)
phase_summary
log "benchmark figures (${MB} MiB x $ROUNDS rounds, $(sed -n 's/^accel=//p' "$RES" | head -n 1)):"
if [ -n "$LOG" ] && [ -f "${LOG%.log}.markers" ]; then
	sed -n 's/^VSWAP: BENCH \(.*\)/[vswap]   \1/p' "${LOG%.log}.markers"
fi
[ "$RC" = 0 ] || fail "VM run, see the messages above"
log "bench OK (figures are informative, not pass/fail)"
