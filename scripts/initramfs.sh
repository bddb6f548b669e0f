#!/usr/bin/env bash
# scripts/initramfs.sh [flavor] - build $VSWAP_CACHE/out/<flavor>/initramfs.cpio.gz:
#   busybox-static (+ an applet symlink for every applet), /init (from
#   tests/guest/init.sh), tests/guest/*.sh in /guest, the test binaries in
#   /tests, the kernel selftests of tests/kselftests.mk in /kselftests,
#   vswap.ko at /lib/vswap/vswap.ko (if built), tools/vswapctl in /usr/sbin,
#   and the host's util-linux swapon and procps free and vmstat in
#   /opt/host/bin (tests/guest/job-swap-tools.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
usage_on_help "$@"
[ $# -le 1 ] || usage_die "too many arguments"
vswap_lock
set_flavor "${1:-$VSWAP_FLAVOR}"

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamically linked (apt-get install busybox-static)"; fi

mkdir -p "$VSWAP_OUT"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp run root etc mnt lib/vswap tests guest
cp "$BUSYBOX" bin/busybox
# busybox --install -s equivalent, done on the host so the image is complete.
"$BUSYBOX" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] || [ -e "$applet" ] || ln -s /bin/busybox "$applet"
done
install -m 0755 "$VSWAP_ROOT/tests/guest/init.sh" init
install -m 0755 "$VSWAP_ROOT"/tests/guest/*.sh guest/
printf 'root:x:0:0:root:/root:/bin/sh\n' >etc/passwd
printf 'root:x:0:\n' >etc/group
[ "$(id -u)" = 0 ] && mknod -m 600 dev/console c 5 1

ntests=0
if [ -d "$VSWAP_OUT/tests" ]; then
	for t in "$VSWAP_OUT"/tests/*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
		cp "$t" tests/
		ntests=$((ntests + 1))
	done
fi
# The kernel's own swap selftests (tests/kselftests.mk): run by tests/kst_*.c.
if [ -d "$VSWAP_OUT/kselftests" ]; then
	mkdir -p kselftests
	for t in "$VSWAP_OUT"/kselftests/*; do
		if [ -f "$t" ] && [ -x "$t" ]; then cp "$t" kselftests/; fi
	done
fi
if [ -f "$VSWAP_OUT/vswap.ko" ]; then
	cp "$VSWAP_OUT/vswap.ko" lib/vswap/vswap.ko
	# busybox modinfo needs modules.dep; ship the host's view instead.
	modinfo "$VSWAP_OUT/vswap.ko" | grep -vE '^(filename|srcversion|depends|name):' >lib/vswap/vswap.modinfo || true
	mod="vswap.ko"
else
	mod="NO vswap.ko"
fi

install -D -m 0755 "$VSWAP_ROOT/tools/vswapctl" usr/sbin/vswapctl

# host_bin BINARY DEST: a dynamically linked host binary at DEST in the
# image, plus the shared libraries ldd lists, at their host paths.
host_bin() {
	local lib
	install -D -m 0755 "$1" ".$2"
	for lib in $(ldd "$1" | grep -oE '/[^ ]+\.so[^ ]*'); do
		[ -e ".$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" ".$lib"
	done
}

# stress-ng (tests/stress_ng.c; skips without it).  VSWAP_STRESS_NG=0
# leaves it out.
STRESS_NG=/usr/bin/stress-ng
if [ "${VSWAP_STRESS_NG:-1}" = 1 ] && [ -x "$STRESS_NG" ]; then
	host_bin "$STRESS_NG" "$STRESS_NG"
	mod="$mod, stress-ng"
fi

# What tests/guest/job-swap-tools.sh shows: util-linux swapon, procps free
# and vmstat (busybox has no swapon --show, no vmstat), out of PATH so that
# every other job keeps busybox's.
for b in /sbin/swapon /usr/bin/free /usr/bin/vmstat; do
	[ -x "$b" ] || die "$b not found (scripts/deps.sh installs util-linux and procps)"
	host_bin "$b" "/opt/host/bin/${b##*/}"
done

img=$VSWAP_OUT/initramfs.cpio.gz
find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet | gzip -1 >"$img.tmp"
mv "$img.tmp" "$img"
log "initramfs: $img ($(du -h "$img" | cut -f1), $ntests test binaries, $mod)"
