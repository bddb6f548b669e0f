#!/usr/bin/env bash
# scripts/demo.sh - build everything (packages, kernel with the vswap hooks,
# vswap.ko, initramfs), boot a QEMU VM, load vswap and show it working:
# /proc/swaps, free -m and the vswap debugfs counters before/after insmod,
# then rmmod.  Env: VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 300 s),
# VSWAP_ACCEL=auto|tcg|kvm, VSWAP_VERBOSE=1, VSWAP_CACHE.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
vswap_lock
set_flavor "$VSWAP_FLAVOR"

fail() {
	phase_summary
	log "demo FAILED ($1)"
	exit 1
}
log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE"
phase deps "$VSWAP_SCRIPTS/deps.sh" || fail deps
phase kernel "$VSWAP_SCRIPTS/kernel.sh" "$VSWAP_FLAVOR" || fail kernel
phase module "$VSWAP_SCRIPTS/module.sh" "$VSWAP_FLAVOR" || fail module
[ -f "$VSWAP_OUT/vswap.ko" ] || warn "vswap.ko was not built: the demo will boot but cannot load vswap"
phase initramfs "$VSWAP_SCRIPTS/initramfs.sh" "$VSWAP_FLAVOR" || fail initramfs
phase vm "$VSWAP_SCRIPTS/vm.sh" --job demo || fail "VM run, see the messages above"
phase_summary
log "demo OK"
