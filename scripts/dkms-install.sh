#!/usr/bin/env bash
# scripts/dkms-install.sh - register vswap with DKMS (run as root).
#
#   scripts/dkms-install.sh [-k KVER]...  copy the sources to
#       /usr/src/vswap-<VERSION>/, `dkms add`, then `dkms install` for each
#       -k KVER (default: the running kernel, `uname -r`)
#   scripts/dkms-install.sh --add-only    copy + `dkms add` only (DKMS builds
#       it for the next kernel whose headers get installed)
#   scripts/dkms-install.sh --remove      `dkms remove vswap/<VERSION> --all`
#       and delete /usr/src/vswap-<VERSION>/
#
# The version comes from the VERSION file only: the copy of dkms.conf in
# /usr/src/vswap-<VERSION>/ gets it written in literally (the repository's
# dkms.conf reads VERSION at source time).  Copied: Kbuild, Makefile,
# VERSION, dkms.conf, src/, and hooks-patch/ + README.md (for users of a
# kernel without the hooks).  `make dkms-install` / `make dkms-remove` call
# this script.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VER=$(cat "$ROOT/VERSION")
NAME=vswap
DEST=${VSWAP_DKMS_SRC:-/usr/src}/$NAME-$VER

die() {
	printf '[vswap] ERROR: %s\n' "$*" >&2
	exit 1
}
log() { printf '[vswap] %s\n' "$*"; }

MODE=install
KVERS=()
while [ $# -gt 0 ]; do
	case $1 in
	-k) KVERS+=("$2"); shift ;;
	--add-only) MODE=add ;;
	--remove) MODE=remove ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || die "run as root"
command -v dkms >/dev/null || die "dkms is not installed (apt-get install dkms)"
case $VER in '' | *[!0-9A-Za-z.+~_-]*) die "bad version '$VER' in $ROOT/VERSION" ;; esac

if [ "$MODE" = remove ]; then
	if dkms status -m "$NAME" -v "$VER" 2>/dev/null | grep -q .; then
		dkms remove "$NAME/$VER" --all
	fi
	rm -rf "$DEST"
	log "removed $NAME/$VER from DKMS and $DEST"
	exit 0
fi

# Re-adding the same version: drop the old registration first, so the new
# sources are the ones built.
if dkms status -m "$NAME" -v "$VER" 2>/dev/null | grep -q .; then
	log "$NAME/$VER already registered: removing it first"
	dkms remove "$NAME/$VER" --all >/dev/null
fi
rm -rf "$DEST"
mkdir -p "$DEST"
cp -r "$ROOT/Kbuild" "$ROOT/Makefile" "$ROOT/VERSION" "$ROOT/README.md" "$ROOT/src" "$ROOT/hooks-patch" "$DEST/"
find "$DEST/src" -type f ! -name '*.[ch]' -delete
sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$VER\"/" "$ROOT/dkms.conf" >"$DEST/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$VER\"" "$DEST/dkms.conf" || die "could not set PACKAGE_VERSION in $DEST/dkms.conf"
log "sources -> $DEST"
dkms add -m "$NAME" -v "$VER"
[ "$MODE" = add ] && exit 0
[ "${#KVERS[@]}" -gt 0 ] || KVERS=("$(uname -r)")
for k in "${KVERS[@]}"; do
	dkms install -m "$NAME" -v "$VER" -k "$k"
done
