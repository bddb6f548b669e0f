#!/usr/bin/env bash
# scripts/module.sh [flavor] - build vswap.ko against the flavor's kernel
# build dir (make -C <repo> KDIR=$VSWAP_CACHE/build/<flavor>) and copy it
# to $VSWAP_CACHE/out/<flavor>/vswap.ko.  Skips (with a warning) while the
# repo has no top-level Makefile.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
usage_on_help "$@"
[ $# -le 1 ] || usage_die "too many arguments"
vswap_lock
set_flavor "${1:-$VSWAP_FLAVOR}"
T0=$(date +%s)
mkdir -p "$VSWAP_OUT"
rm -f "$VSWAP_OUT/vswap.ko"

if [ ! -f "$VSWAP_ROOT/Makefile" ]; then
	warn "no top-level Makefile in the repo yet: skipping vswap.ko (the VM will run without it)"
	exit 0
fi
if ! grep -q '^CONFIG_SWAP_OPS=y' "$KBUILD/.config" 2>/dev/null; then
	warn "kernel ($VSWAP_FLAVOR) has no CONFIG_SWAP_OPS (hooks-patch/ not applied?): skipping vswap.ko"
	exit 0
fi
[ -f "$KBUILD/Module.symvers" ] || die "kernel not built for flavor $VSWAP_FLAVOR (run scripts/kernel.sh $VSWAP_FLAVOR)"

log "building vswap.ko against $KBUILD..."
MODLOG=$VSWAP_OUT/module-build.log
if ! make -C "$VSWAP_ROOT" KDIR="$KBUILD" CC="ccache gcc" HOSTCC="ccache gcc" -j"$NPROC" >"$MODLOG" 2>&1; then
	tail -n 40 "$MODLOG" >&2
	die "vswap.ko build failed, full log: $MODLOG"
fi
grep -E 'warning:|WARNING' "$MODLOG" >&2 || true

if [ -f "$VSWAP_ROOT/vswap.ko" ]; then
	ko=$VSWAP_ROOT/vswap.ko
else
	ko=$(find "$VSWAP_ROOT" -path "$VSWAP_ROOT/.git" -prune -o -name vswap.ko -printf '%T@ %p\n' | sort -nr | head -n 1 | cut -d' ' -f2-)
fi
{ [ -n "$ko" ] && [ -f "$ko" ]; } || die "make succeeded but no vswap.ko found in $VSWAP_ROOT"

want=$(cat "$KBUILD/include/config/kernel.release")
got=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
[ "$got" = "$want" ] || die "$ko was built for kernel '$got', expected '$want' (stale module?)"
cp "$ko" "$VSWAP_OUT/vswap.ko"
log "vswap.ko -> $VSWAP_OUT/vswap.ko ($(fmt_secs $(($(date +%s) - T0))))"
