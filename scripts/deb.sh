#!/usr/bin/env bash
# scripts/deb.sh [--out DIR] - build the vswap-dkms Debian package
# (`make deb`): vswap-dkms_<VERSION>_all.deb in DIR (default: the
# repository root).
#
# The package is built with debhelper and dh-dkms (debian/): it holds the
# DKMS source tree /usr/src/vswap-<VERSION>/ and the boot files of boot/,
# both as scripts/dkms-install.sh --stage writes them; its maintainer
# scripts run dkms add/build/install and dkms remove.  The build runs in a
# copy of the needed files, where debian/changelog is written with the
# version of the VERSION file (the only place it is kept).  Needs
# dpkg-dev, debhelper and dh-dkms (scripts/deps.sh installs them); no root.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

OUT=$VSWAP_ROOT
while [ $# -gt 0 ]; do
	case $1 in
	--out) need_value "$@"; OUT=$2; shift ;;
	-h | --help) usage_from_header; exit 0 ;;
	*) usage_die "unknown option '$1'" ;;
	esac
	shift
done

VER=$(cat "$VSWAP_ROOT/VERSION")
case $VER in '' | *[!0-9A-Za-z.+~_-]*) die "bad version '$VER' in $VSWAP_ROOT/VERSION" ;; esac
missing=()
for p in dpkg-dev debhelper dh-dkms; do
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | cut -c1-2)" = ii ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] || die "missing packages: ${missing[*]} (apt-get install ${missing[*]}, or scripts/deps.sh)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SRC=$TMP/vswap-$VER
mkdir -p "$SRC/scripts"
cp -r "$VSWAP_ROOT"/{Kbuild,Makefile,VERSION,README.md,dkms.conf,src,hooks-patch,boot,debian,tools} "$SRC/"
cp "$VSWAP_ROOT/scripts/dkms-install.sh" "$VSWAP_ROOT/scripts/dkms-hooked.sh" "$SRC/scripts/"
# Where the package comes from, and a date that does not change from build
# to build of the same commit.
if rev=$(git -C "$VSWAP_ROOT" describe --always --dirty 2>/dev/null); then
	date=$(git -C "$VSWAP_ROOT" log -1 --format=%cD 2>/dev/null)
else
	rev="no git"
	date=$(date -R)
fi
maint=$(sed -n 's/^Maintainer: //p' "$SRC/debian/control")
cat >"$SRC/debian/changelog" <<EOF
vswap ($VER) unstable; urgency=medium

  * vswap $VER, built from the vswap repository ($rev).

 -- $maint  $date
EOF

log "building vswap-dkms $VER (dpkg-buildpackage, log: $TMP/build.log)"
if ! (cd "$SRC" && dpkg-buildpackage -b --no-sign) >"$TMP/build.log" 2>&1; then
	tail -n 30 "$TMP/build.log" >&2
	die "dpkg-buildpackage failed"
fi
deb=$TMP/vswap-dkms_${VER}_all.deb
[ -f "$deb" ] || die "dpkg-buildpackage made no $deb"
mv "$deb" "$OUT/"
log "$OUT/${deb##*/}"
