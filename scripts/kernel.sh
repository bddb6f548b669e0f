#!/usr/bin/env bash
# scripts/kernel.sh [flavor] - prepare the kernel tree and build bzImage.
#   1. unpack the pinned Debian linux-source tarball into a git tree (once),
#   2. (re)apply hooks-patch/ with `git am` whenever hooks-patch/ changed
#      (flavor pristine: none, in a tree of its own; see scripts/lib.sh),
#   3. configure: tinyconfig + scripts/config/<flavor>.config (when changed),
#      then verify every requested symbol,
#   4. build bzImage + modules (Module.symvers) + modules_prepare + headers.
# Incremental: a re-run with nothing changed only runs a no-op make.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
usage_on_help "$@"
[ $# -le 1 ] || usage_die "too many arguments"
vswap_lock
set_flavor "${1:-$VSWAP_FLAVOR}"
T0=$(date +%s)
GIT=(git -C "$KSRC" -c user.name=vswap -c user.email=vswap@localhost -c advice.detachedHead=false)

[ -f "$FRAGMENT" ] || die "no config fragment for flavor '$VSWAP_FLAVOR': $FRAGMENT"

# ---- 1. source tree ------------------------------------------------------
TARBALL=${VSWAP_KERNEL_TARBALL:-$KSRC_TARBALL_DEFAULT}
[ -f "$TARBALL" ] || die "kernel source tarball $TARBALL not found (run scripts/deps.sh)"
SRC_ID="$(readlink -f "$TARBALL") $(stat -c '%s %Y' "$TARBALL")"
if [ ! -f "$KSRC/.git/vswap-source-id" ] || [ "$(cat "$KSRC/.git/vswap-source-id")" != "$SRC_ID" ]; then
	log "unpacking $TARBALL -> $KSRC (one-time, ~1-2 min)..."
	mkdir -p "$(dirname "$KSRC")"
	rm -rf "$KSRC".tmp.* # leftovers of an interrupted unpack
	tmp=$(mktemp -d "$KSRC.tmp.XXXXXX")
	tar -xJf "$TARBALL" -C "$tmp" --strip-components=1
	ver=$(make -s -C "$tmp" kernelversion 2>/dev/null || true)
	[ "$ver" = "$KVER_UPSTREAM" ] || warn "tarball is kernel '$ver', pin in scripts/lib.sh says $KVER_UPSTREAM"
	log "creating base commit (git add -f -A; the tarball's .gitignore ignores everything)..."
	git -C "$tmp" init -q
	git -C "$tmp" add -f -A
	git -C "$tmp" -c user.name=vswap -c user.email=vswap@localhost commit -q -m "base: $(basename "$TARBALL") ($ver)"
	git -C "$tmp" tag base
	echo "$SRC_ID" >"$tmp/.git/vswap-source-id"
	rm -rf "$KSRC" "$KBUILD"
	mv "$tmp" "$KSRC"
fi

# ---- 2. hooks-patch series ----------------------------------------------
PHASH=$(patches_hash)
mapfile -t PATCHES < <(series_patches)
if [ "${#PATCHES[@]}" -eq 0 ] && [ -z "$VSWAP_PRISTINE" ]; then
	warn "*****************************************************************"
	warn "hooks-patch/series is empty or absent: building a STOCK kernel"
	warn "without the vswap core hooks (CONFIG_SWAP_OPS will be missing)."
	warn "*****************************************************************"
fi
if [ "$(cat "$KSRC/.git/vswap-patches-hash" 2>/dev/null || true)" != "$PHASH" ]; then
	log "hooks-patch/ changed: resetting kernel tree to 'base' and applying ${#PATCHES[@]} patch(es)..."
	rm -f "$KSRC/.git/vswap-patches-hash"
	"${GIT[@]}" am --abort >/dev/null 2>&1 || true
	"${GIT[@]}" reset -q --hard base
	"${GIT[@]}" clean -q -fdx
	for p in "${PATCHES[@]}"; do
		f=$VSWAP_ROOT/hooks-patch/$p
		[ -f "$f" ] || die "hooks-patch/series lists '$p' but $f does not exist"
		log "  git am $p"
		if ! out=$("${GIT[@]}" am -q --whitespace=nowarn "$f" 2>&1); then
			printf '%s\n' "$out" | grep -vE '^(hint:|When you have resolved|If you prefer to skip|To restore the original)' |
				sed 's/^/[vswap]     /' >&2
			"${GIT[@]}" am --abort >/dev/null 2>&1 || true
			die "patch hooks-patch/$p does not apply to linux $KVER_UPSTREAM (see git am output above)"
		fi
	done
	echo "$PHASH" >"$KSRC/.git/vswap-patches-hash"
fi

# ---- 3. configure ----------------------------------------------------------
# Resolve "# vswap-include: other.config" lines (one level is plenty).
FRAGMENTS=()
while read -r inc; do
	[ -f "$VSWAP_SCRIPTS/config/$inc" ] || die "$FRAGMENT includes missing $inc"
	FRAGMENTS+=("$VSWAP_SCRIPTS/config/$inc")
done < <(sed -n 's/^# *vswap-include: *\([^ ]*\).*/\1/p' "$FRAGMENT")
FRAGMENTS+=("$FRAGMENT")

CHASH=$( (
	echo "$PHASH"
	cat "${FRAGMENTS[@]}" "$0"
) | sha256sum | cut -d' ' -f1)
mkdir -p "$KBUILD"
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$KBUILD/.vswap-config-hash" 2>/dev/null || true)" != "$CHASH" ]; then
	log "configuring $VSWAP_FLAVOR kernel: tinyconfig + ${FRAGMENTS[*]##*/}..."
	rm -f "$KBUILD/.vswap-config-hash"
	kmake -s tinyconfig >/dev/null || die "make tinyconfig failed"
	(cd "$KBUILD" && KCONFIG_CONFIG=.config "$KSRC/scripts/kconfig/merge_config.sh" -m -O . .config "${FRAGMENTS[@]}" >merge_config.log 2>&1) ||
		die "merge_config.sh failed, see $KBUILD/merge_config.log"
	kmake -s olddefconfig >/dev/null || die "make olddefconfig failed"
	# Verify every symbol requested by the fragments (last one wins).
	bad=()
	while IFS=' ' read -r sym want; do
		if [ "$want" = n ]; then
			grep -qE "^$sym=" "$KBUILD/.config" && have=$(grep -E "^$sym=" "$KBUILD/.config" | cut -d= -f2-) || have=n
		else
			have=$(grep -E "^$sym=" "$KBUILD/.config" | cut -d= -f2- || true)
			[ -n "$have" ] || have=n
		fi
		[ "$have" = "$want" ] && continue
		if [ "$sym" = CONFIG_SWAP_OPS ] && [ "${#PATCHES[@]}" -eq 0 ]; then
			[ -z "$VSWAP_PRISTINE" ] || continue # stock on purpose
			warn "CONFIG_SWAP_OPS is not set (hooks-patch/series is empty) - stock kernel, vswap cannot work"
			continue
		fi
		bad+=("$sym (want $want, got $have)")
	done < <(cat "${FRAGMENTS[@]}" | sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' | awk '{v[$1]=$2; if (!($1 in o)) o[$1]=NR} END {for (k in v) print o[k], k, v[k]}' | sort -n | cut -d' ' -f2-)
	if [ "${#bad[@]}" -gt 0 ]; then
		printf '[vswap]   %s\n' "${bad[@]}" >&2
		die "${#bad[@]} config symbol(s) from ${FRAGMENTS[*]##*/} not set as requested (missing dependency or typo?)"
	fi
	echo "$CHASH" >"$KBUILD/.vswap-config-hash"
	log "config OK ($(grep -c '=y$' "$KBUILD/.config") symbols =y)"
fi

# ---- 4. build ------------------------------------------------------------------
log "building bzImage + modules_prepare ($VSWAP_FLAVOR, -j$NPROC, ccache)..."
BUILDLOG=$KBUILD/build.log
# Progress: print a line every ~100 compiled objects instead of the full log.
if ! kmake -j"$NPROC" bzImage modules 2>&1 | tee "$BUILDLOG" |
	awk '/^  CC /{n++; if (n%250==0) {printf "[vswap]   ... %d objects compiled\n", n; fflush()}} /(error|Error) |: error:|\*\*\*/{print; fflush()}'; then
	tail -n 40 "$BUILDLOG" >&2
	die "kernel build failed, full log: $BUILDLOG"
fi
kmake -j"$NPROC" modules_prepare headers >>"$BUILDLOG" 2>&1 || {
	tail -n 40 "$BUILDLOG" >&2
	die "modules_prepare/headers failed, full log: $BUILDLOG"
}
[ -f "$KBUILD/arch/x86/boot/bzImage" ] || die "no bzImage produced?"
log "kernel ready: $KBUILD/arch/x86/boot/bzImage ($(fmt_secs $(($(date +%s) - T0))); $(ccache -s 2>/dev/null | grep -iE '^ *hits:' | head -1 | xargs || true))"
