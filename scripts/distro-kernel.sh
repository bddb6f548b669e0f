#!/usr/bin/env bash
# scripts/distro-kernel.sh [options] - turn a distro kernel config into a
# hooked kernel and build installable Debian packages (linux-image-*,
# linux-headers-*) with `make bindeb-pkg`, so that `dkms install vswap` works.
#
#   --config FILE        kernel config to start from (default: the running
#                        kernel's /boot/config-$(uname -r))
#   --localversion STR   appended to the version (default: -vswap), e.g.
#                        6.12.117-vswap
#   --localmodconfig     only the modules loaded right now (`lsmod`): a far
#                        smaller, faster build for this machine
#   --keep-debug         keep the config's DEBUG_INFO/BTF (default: off, it
#                        doubles build time and disk; needs pahole/dwarves)
#   --config-only        configure and check, do not build
#
# Uses the pipeline's pinned Debian linux-source-6.12 tree with hooks-patch/
# applied ($VSWAP_CACHE/src/linux-<ver>, prepared by scripts/kernel.sh when
# missing or out of date), a separate build dir
# $VSWAP_CACHE/build/distro-<name> (<name> from --localversion), and puts the
# packages in $VSWAP_CACHE/distro-debs/.  Config changes on top of FILE:
# CONFIG_SWAP_OPS=y, LOCALVERSION, no LOCALVERSION_AUTO, no Debian signing
# certificates (SYSTEM_TRUSTED_KEYS/REVOCATION_KEYS empty, MODULE_SIG_KEY
# certs/signing_key.pem: the build signs its modules with a key it generates;
# DKMS signs vswap.ko with its own MOK key), then `make olddefconfig`.
#
# Build time: a full Debian amd64 config is ~4000 modules, roughly 25x the
# objects of the pipeline's minimal kernel: expect hours on 2 cores (see
# README.md, "Hooked distro kernel").
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

CONFIG=/boot/config-$(uname -r) LV=-vswap LOCALMOD=0 KEEP_DEBUG=0 CONFIG_ONLY=0
while [ $# -gt 0 ]; do
	case $1 in
	--config) need_value "$@"; CONFIG=$2; shift ;;
	--localversion) need_value "$@"; LV=$2; shift ;;
	--localmodconfig) LOCALMOD=1 ;;
	--keep-debug) KEEP_DEBUG=1 ;;
	--config-only) CONFIG_ONLY=1 ;;
	-h | --help) usage_from_header; exit 0 ;;
	*) usage_die "unknown option '$1'" ;;
	esac
	shift
done
[ -f "$CONFIG" ] || die "kernel config '$CONFIG' not found (use --config FILE, e.g. a Debian /boot/config-6.12.*)"
case $LV in -* | '') ;; *) LV=-$LV ;; esac
case $LV in *[!A-Za-z0-9.+_-]*) die "bad --localversion '$LV'" ;; esac
NAME=${LV#-}
NAME=${NAME:-plain}
T0=$(date +%s)

"$VSWAP_SCRIPTS/deps.sh"
# The hooked tree: scripts/kernel.sh unpacks the pinned source and applies
# hooks-patch/ (and builds its small test kernel, a few minutes at most).
# VSWAP_DISTRO_TREE_AS_IS=1: use $KSRC as it is (e.g. while another build runs).
if [ "${VSWAP_DISTRO_TREE_AS_IS:-0}" != 1 ] &&
	[ "$(cat "$KSRC/.git/vswap-patches-hash" 2>/dev/null || true)" != "$(patches_hash)" ]; then
	log "kernel tree $KSRC missing or not at the current hooks-patch/: running scripts/kernel.sh"
	"$VSWAP_SCRIPTS/kernel.sh"
fi
grep -q 'config SWAP_OPS' "$KSRC/mm/Kconfig" || die "$KSRC has no CONFIG_SWAP_OPS (hooks-patch/ not applied?)"

KBUILD=$VSWAP_CACHE/build/distro-$NAME
DEBS=$VSWAP_CACHE/distro-debs
mkdir -p "$KBUILD" "$DEBS"
# kmake uses $KBUILD.  LOCALVERSION= on the command line: no "+" suffix for
# the git tree (setlocalversion), the release is <ver><--localversion>.
dk() { kmake LOCALVERSION= "$@"; }

log "config: $CONFIG -> $KBUILD/.config"
cp "$CONFIG" "$KBUILD/.config"
if [ "$LOCALMOD" = 1 ]; then
	log "localmodconfig: keeping the $(lsmod | tail -n +2 | wc -l) modules loaded now"
	yes '' | dk -s localmodconfig >/dev/null 2>&1 || die "make localmodconfig failed"
fi
SC=("$KSRC/scripts/config" --file "$KBUILD/.config")
"${SC[@]}" --enable SWAP_OPS --set-str LOCALVERSION "$LV" --disable LOCALVERSION_AUTO \
	--set-str SYSTEM_TRUSTED_KEYS '' --set-str SYSTEM_REVOCATION_KEYS '' \
	--set-str MODULE_SIG_KEY certs/signing_key.pem
if [ "$KEEP_DEBUG" = 0 ]; then
	"${SC[@]}" --disable DEBUG_INFO --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 --enable DEBUG_INFO_NONE \
		--disable DEBUG_INFO_BTF
fi
dk -s olddefconfig >/dev/null
grep -q '^CONFIG_SWAP_OPS=y' "$KBUILD/.config" ||
	die "CONFIG_SWAP_OPS did not stick after olddefconfig (needs CONFIG_SWAP=y and CONFIG_MMU): check $KBUILD/.config"
REL=$(dk -s kernelrelease)
log "configured $REL: CONFIG_SWAP_OPS=y, $(grep -c '=m$' "$KBUILD/.config") modules, $(grep -c '=y$' "$KBUILD/.config") built-in"
if [ "$CONFIG_ONLY" = 1 ]; then
	log "--config-only: not building ($KBUILD/.config)"
	exit 0
fi

log "make bindeb-pkg -j$NPROC for $REL (this takes long: see README.md; log: $KBUILD/bindeb-pkg.log)"
rm -f "$VSWAP_CACHE"/build/*.deb "$VSWAP_CACHE"/build/*.buildinfo "$VSWAP_CACHE"/build/*.changes
if ! dk -j"$NPROC" bindeb-pkg >"$KBUILD/bindeb-pkg.log" 2>&1; then
	tail -n 40 "$KBUILD/bindeb-pkg.log" >&2
	die "make bindeb-pkg failed, full log: $KBUILD/bindeb-pkg.log"
fi
mv "$VSWAP_CACHE"/build/*.deb "$VSWAP_CACHE"/build/*.buildinfo "$VSWAP_CACHE"/build/*.changes "$DEBS/" 2>/dev/null || true
log "done in $(fmt_secs $(($(date +%s) - T0))); packages in $DEBS:"
find "$DEBS" -maxdepth 1 -name "*${REL}_*.deb" -printf '[vswap]   %f\n'
log "install: dpkg -i $DEBS/linux-image-${REL}_*.deb $DEBS/linux-headers-${REL}_*.deb"
log "then boot $REL and: scripts/dkms-install.sh (or make dkms-install); modprobe vswap"
