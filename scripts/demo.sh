#!/usr/bin/env bash
# scripts/demo.sh - build everything (packages, kernel with the vswap hooks,
# vswap.ko, initramfs), boot a QEMU VM, load vswap and show it working:
# /proc/swaps, free -m and the vswap debugfs counters before/after insmod,
# then rmmod.  Env: VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 300 s),
# VSWAP_ACCEL=auto|tcg|kvm, VSWAP_VERBOSE=1, VSWAP_CACHE.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"
usage_on_help "$@"
[ $# -eq 0 ] || usage_die "no arguments expected, got '$*'"
vswap_lock

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE"
build_phases --no-tests || run_failed demo "$BUILD_FAILED"
phase vm "$VSWAP_SCRIPTS/vm.sh" --job demo || run_failed demo "VM run, see the messages above"
phase_summary
log "demo OK"
