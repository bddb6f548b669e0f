#!/usr/bin/env bash
# scripts/dkms-install.sh - register vswap with DKMS and set it up to load at
# every boot (run as root).
#
#   scripts/dkms-install.sh [-k KVER]...  copy the sources to
#       /usr/src/vswap-<VERSION>/, `dkms add`, then `dkms install` for each
#       -k KVER (default: the running kernel, `uname -r`); install the boot
#       files
#   scripts/dkms-install.sh --add-only    copy + `dkms add` + boot files only
#       (DKMS builds it for the next kernel whose headers get installed)
#   scripts/dkms-install.sh --remove      `dkms remove vswap/<VERSION> --all`,
#       delete /usr/src/vswap-<VERSION>/ and the boot files
#   --no-boot-files    with the above: leave the boot files alone
#   scripts/dkms-install.sh --stage DIR   no DKMS, no root: write the
#       source tree (DIR/usr/src/vswap-<VERSION>/) and the boot files
#       (DIR/etc/..., DIR/lib/...) into DIR; the Debian package (debian/rules)
#       is built from that
#
# The version comes from the VERSION file only: the copy of dkms.conf in
# /usr/src/vswap-<VERSION>/ gets it written in literally (the repository's
# dkms.conf reads VERSION at source time).  Copied: Kbuild, Makefile,
# VERSION, dkms.conf, scripts/dkms-hooked.sh (run by dkms.conf), src/, and
# hooks-patch/ + README.md (for users of a kernel without the hooks).
#
# The boot files are the files under boot/, installed at the same path
# under /: /etc/modules-load.d/vswap.conf (load vswap at boot),
# /etc/modprobe.d/vswap.conf (its options), /etc/default/grub.d/vswap.cfg
# (zswap.enabled=1 on the kernel command line) and
# /lib/systemd/system/swap.d/vswap.conf (swap units start after the modules
# are loaded).  A boot file that exists and differs from the shipped one
# (edited by the admin) is kept; the shipped one is put next to it as
# FILE.vswap-new, which none of these directories reads.  --remove deletes
# both.  After a change, update-grub runs if GRUB is installed, and systemd
# reloads its units if it runs.  `make dkms-install` / `make dkms-add` /
# `make dkms-remove` call this script.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VER=$(cat "$ROOT/VERSION")
NAME=vswap

die() {
	printf '[vswap] ERROR: %s\n' "$*" >&2
	exit 1
}
log() { printf '[vswap] %s\n' "$*"; }

MODE=install
KVERS=()
BOOT=1
STAGE=
while [ $# -gt 0 ]; do
	case $1 in
	-k) [ $# -ge 2 ] || die "-k needs a kernel version"; KVERS+=("$2"); shift ;;
	--add-only) MODE=add ;;
	--remove) MODE=remove ;;
	--no-boot-files) BOOT=0 ;;
	--stage) [ $# -ge 2 ] || die "--stage needs a directory"; MODE=stage STAGE=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done
case $VER in '' | *[!0-9A-Za-z.+~_-]*) die "bad version '$VER' in $ROOT/VERSION" ;; esac
DEST=${VSWAP_DKMS_SRC:-/usr/src}/$NAME-$VER

# The boot files, as paths relative to boot/ (= relative to /).
mapfile -t BOOT_FILES < <(cd "$ROOT/boot" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
[ "${#BOOT_FILES[@]}" -gt 0 ] || die "no boot files in $ROOT/boot"

# copy_sources DIR: the DKMS source tree, dkms.conf with the literal version.
copy_sources() {
	local d=$1
	rm -rf "$d"
	mkdir -p "$d"
	cp -r "$ROOT/Kbuild" "$ROOT/Makefile" "$ROOT/VERSION" "$ROOT/README.md" "$ROOT/src" "$ROOT/hooks-patch" "$d/"
	find "$d/src" -type f ! -name '*.[ch]' -delete
	install -D -m 0755 "$ROOT/scripts/dkms-hooked.sh" "$d/scripts/dkms-hooked.sh"
	sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$VER\"/" "$ROOT/dkms.conf" >"$d/dkms.conf"
	grep -qx "PACKAGE_VERSION=\"$VER\"" "$d/dkms.conf" || die "could not set PACKAGE_VERSION in $d/dkms.conf"
}

if [ "$MODE" = stage ]; then
	mkdir -p "$STAGE"
	copy_sources "$STAGE/usr/src/$NAME-$VER"
	for f in "${BOOT_FILES[@]}"; do
		install -D -m 0644 "$ROOT/boot/$f" "$STAGE/$f"
	done
	log "staged $NAME $VER in $STAGE"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root"
command -v dkms >/dev/null || die "dkms is not installed (apt-get install dkms)"

# After the boot files changed: GRUB's config (zswap.enabled=1) and systemd's
# view of the swap units.  Neither is fatal: both are also read at the next
# update-grub / boot.
BOOT_CHANGED=0
boot_files_changed() {
	[ "$BOOT_CHANGED" = 1 ] || return 0
	if command -v update-grub >/dev/null && [ -e /boot/grub/grub.cfg ]; then
		update-grub || log "WARNING: update-grub failed; run it again before the next boot"
	elif [ "$MODE" = remove ]; then
		log "no GRUB here (update-grub): take zswap.enabled=1 off the kernel command line yourself if you put it there"
	else
		log "no GRUB here (update-grub): put zswap.enabled=1 on the kernel command line yourself (see /etc/default/grub.d/vswap.cfg)"
	fi
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || log "WARNING: systemctl daemon-reload failed"
	fi
}

install_boot_files() {
	local f src dst
	for f in "${BOOT_FILES[@]}"; do
		src=$ROOT/boot/$f dst=/$f
		if [ -e "$dst" ] && ! cmp -s "$src" "$dst"; then
			install -D -m 0644 "$src" "$dst.vswap-new"
			log "kept $dst (it differs from the shipped one: yours?); the shipped one is $dst.vswap-new"
			continue
		fi
		rm -f "$dst.vswap-new"
		[ -e "$dst" ] && continue
		install -D -m 0644 "$src" "$dst"
		BOOT_CHANGED=1
		log "boot file $dst"
	done
	boot_files_changed
}

remove_boot_files() {
	local f d
	for f in "${BOOT_FILES[@]}"; do
		if [ -e "/$f" ] || [ -e "/$f.vswap-new" ]; then
			rm -f "/$f" "/$f.vswap-new"
			BOOT_CHANGED=1
			log "removed /$f"
		fi
		# A directory made for it (no package owns it, e.g. swap.d/), if empty.
		d=$(dirname "/$f")
		if [ -d "$d" ] && ! dpkg-query -S "$d" >/dev/null 2>&1; then
			rmdir "$d" 2>/dev/null || true
		fi
	done
	boot_files_changed
}

if [ "$MODE" = remove ]; then
	if dkms status -m "$NAME" -v "$VER" 2>/dev/null | grep -q .; then
		dkms remove "$NAME/$VER" --all
	fi
	rm -rf "$DEST"
	log "removed $NAME/$VER from DKMS and $DEST"
	[ "$BOOT" = 0 ] || remove_boot_files
	exit 0
fi

# Re-adding the same version: drop the old registration first, so the new
# sources are the ones built.
if dkms status -m "$NAME" -v "$VER" 2>/dev/null | grep -q .; then
	log "$NAME/$VER already registered: removing it first"
	dkms remove "$NAME/$VER" --all >/dev/null
fi
copy_sources "$DEST"
log "sources -> $DEST"
dkms add -m "$NAME" -v "$VER"
if [ "$MODE" = install ]; then
	[ "${#KVERS[@]}" -gt 0 ] || KVERS=("$(uname -r)")
	for k in "${KVERS[@]}"; do
		dkms install -m "$NAME" -v "$VER" -k "$k"
	done
fi
[ "$BOOT" = 0 ] || install_boot_files
