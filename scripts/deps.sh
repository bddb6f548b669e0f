#!/usr/bin/env bash
# scripts/deps.sh - install the Debian packages the pipeline needs.
# Idempotent and silent when everything is already installed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
usage_on_help "$@"
[ $# -eq 0 ] || usage_die "no arguments expected, got '$*'"

PKGS=(qemu-system-x86 busybox-static ccache build-essential bc bison flex
	libelf-dev libssl-dev cpio kmod xz-utils python3 rsync dkms git
	dpkg-dev debhelper dh-dkms stress-ng procps util-linux)

# Prints "name[=version]" for each package that is not installed (at the
# required version for the pinned kernel source).
missing_pkgs() {
	local p st
	for p in "${PKGS[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		[ "${st:0:2}" = ii ] || echo "$p"
	done
	if [ -z "${VSWAP_KERNEL_TARBALL:-}" ]; then
		st=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$KSRC_PKG" 2>/dev/null || true)
		[ "$st" = "ii  $KVER_DEB" ] || echo "$KSRC_PKG=$KVER_DEB"
	fi
}

mapfile -t missing < <(missing_pkgs)
[ "${#missing[@]}" -eq 0 ] && exit 0

log "missing packages: ${missing[*]}"
[ "$(id -u)" = 0 ] || die "not root: run as root, or install them yourself: apt-get install ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=600 -q)
log "apt-get update..."
"${APT[@]}" update >/dev/null

if [ -z "${VSWAP_KERNEL_TARBALL:-}" ] &&
	! apt-cache madison "$KSRC_PKG" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$KVER_DEB"; then
	{
		echo "[vswap] ERROR: the pinned kernel source $KSRC_PKG=$KVER_DEB is no longer in the apt archive."
		echo "[vswap] apt-cache policy $KSRC_PKG offers:"
		apt-cache policy "$KSRC_PKG" 2>&1 | sed 's/^/[vswap]   /'
		echo "[vswap] Fix: update KVER_DEB in scripts/lib.sh to an offered version and re-check"
		echo "[vswap]      that hooks-patch/ still applies (scripts/kernel.sh does that),"
		echo "[vswap]      or set VSWAP_KERNEL_TARBALL=/path/to/linux-source-6.12.tar.xz."
	} >&2
	exit 1
fi

log "apt-get install ${missing[*]}..."
"${APT[@]}" install -y --no-install-recommends --allow-downgrades "${missing[@]}" >/dev/null ||
	die "apt-get install failed (packages: ${missing[*]})"
mapfile -t still < <(missing_pkgs)
[ "${#still[@]}" -eq 0 ] || die "still missing after apt-get install: ${still[*]}"
log "packages installed"
