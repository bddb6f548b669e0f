#!/usr/bin/env bash
# Checks are often `t DESC eval '...'` (expanded when run, on purpose).
# shellcheck disable=SC2016,SC2317
# scripts/dkms-test.sh [--result-file FILE] - DKMS packaging test (root).
# Needs the flavor's kernel built (scripts/kernel.sh); scripts/test.sh runs
# this after the VM tests.  Steps:
#   1. `make bindeb-pkg` of the pipeline's kernel (incremental, in the same
#      O= build dir) -> linux-headers-<kver>_*.deb, dpkg -i it on the host;
#   2. scripts/dkms-install.sh --add-only (/usr/src/vswap-<VERSION>, dkms add,
#      the boot files of boot/); the kernel postinst hook
#      /etc/kernel/postinst.d/dkms must autoinstall vswap for <kver>; then an
#      explicit `dkms build` + `dkms install` (timed); modinfo checks; the
#      boot files: installed as shipped, the swap.d drop-in orders a swap
#      unit after systemd-modules-load.service (systemd-analyze verify),
#      the GRUB snippet gives zswap.enabled=1 (sourced as grub-mkconfig
#      does); max_pages is changed in /etc/modprobe.d/vswap.conf, as an
#      admin would, and libkmod (`modprobe -n`) applies it;
#   3. boot the kernel with the DKMS-installed /lib/modules/<kver>, the
#      installed modules-load.d and modprobe.d files and the host's kmod
#      added to the initramfs, and the GRUB snippet's command line:
#      tests/guest/job-dkms.sh boots in systemd's order (modules-load, then
#      `swapon -a` of /dev/vda), checks the options, zswap, /dev/vda as a
#      vswap backend and the data, then `modprobe vswap max_pages=...` by
#      hand, swaps through it and unloads it;
#   4. Debian's stock linux-headers-<pinned>-amd64 (apt-get download + dpkg -x
#      into $VSWAP_CACHE, nothing installed): `dkms build` is skipped with exit
#      77 and a message naming hooks-patch/, `dkms autoinstall` and the
#      headers' postinst hook still succeed (with vswap installed for <kver>);
#   5. dkms-install.sh again keeps the edited boot file; `--remove` leaves
#      nothing behind (DKMS, /usr/src, the boot files);
#   6. `make deb` (scripts/deb.sh): vswap-dkms_<VERSION>_all.deb, its files
#      and conffiles; `dpkg -i` with <kver>'s headers installed and the
#      stock headers visible as /lib/modules/<stock>/build: built and
#      installed for <kver>, skipped for stock, exit 0; the stock headers'
#      postinst hook still succeeds; `apt-get purge` leaves nothing behind;
#   7. purge of the headers package.
# Prints "ok N - ..." / "not ok N - ..." and "# dkms: N passed, N failed";
# --result-file gets pass=/fail=/skip=.  Exit 0 iff nothing failed.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

result_file_args "$@"
# Same $VSWAP_CACHE lock as scripts/test.sh (already held when run from it).
vswap_lock

TAP_NAME=dkms
# shellcheck source=scripts/tap.sh
. "$VSWAP_SCRIPTS/tap.sh"

VER=$(cat "$VSWAP_ROOT/VERSION")
WORK=$VSWAP_CACHE/dkms
LOGD=$WORK/logs
mkdir -p "$LOGD"
# Debian's stock flavour of the pinned kernel version, e.g. 6.12.117+deb12-amd64.
STOCK_KVER=${VSWAP_DKMS_STOCK_KVER:-$KVER_UPSTREAM+deb12-amd64}

if [ "$(id -u)" != 0 ]; then
	skip "DKMS test needs root"
	finish
fi
# The boot files (boot/, installed at the same path under /).
mapfile -t BOOT_FILES < <(cd "$VSWAP_ROOT/boot" && find . -type f | sed 's|^\./|/|' | LC_ALL=C sort)
pkg_present() { dpkg-query -W -f='${Status}\n' vswap-dkms 2>/dev/null | grep -qv not-installed; }
boot_files_present() {
	local f
	for f in "${BOOT_FILES[@]}"; do [ -e "$f" ] && return 0; done
	return 1
}
# Their directories that do not exist yet must not be left behind either.
NEW_DIRS=()
for f in "${BOOT_FILES[@]}"; do
	d=$(dirname "$f")
	[ -d "$d" ] || NEW_DIRS+=("$d")
done
if [ -e /var/lib/dkms/vswap ] || compgen -G "/usr/src/vswap-*" >/dev/null || pkg_present || boot_files_present; then
	skip "vswap is already installed on this host (DKMS, vswap-dkms or its boot files; make dkms-remove or apt-get purge vswap-dkms to drop it); not touching it"
	finish
fi
if [ ! -f "$KBUILD/include/config/kernel.release" ] || [ ! -f "$KBUILD/arch/x86/boot/bzImage" ]; then
	nok "kernel $VSWAP_FLAVOR is built (run scripts/kernel.sh)"
	finish
fi
KREL=$(cat "$KBUILD/include/config/kernel.release")
HDRPKG=linux-headers-$KREL
had_hdr=$(dpkg-query -W -f='${db:Status-Abbrev}' "$HDRPKG" 2>/dev/null | cut -c1-2)
had_mok=$([ -e /var/lib/dkms/mok.key ] && echo 1 || echo 0)
had_moddir=$([ -e "/lib/modules/$KREL" ] && echo 1 || echo 0)
DKMS_OTHER_BEFORE=$(dkms status 2>/dev/null | grep -v '^vswap/' | sort)
note "kernel $KREL ($KBUILD), vswap $VER, stock kernel $STOCK_KVER, logs in $LOGD"

cleanup_host() {
	pkg_present && dpkg --purge vswap-dkms >/dev/null 2>&1
	dkms remove "vswap/$VER" --all >/dev/null 2>&1
	rm -rf "/usr/src/vswap-$VER"
	local f
	for f in "${BOOT_FILES[@]}"; do rm -f "$f" "$f.vswap-new"; done
	for f in "${NEW_DIRS[@]}"; do rmdir "$f" 2>/dev/null; done
	if [ "$had_hdr" != ii ] && dpkg-query -W "$HDRPKG" >/dev/null 2>&1; then
		dpkg --purge "$HDRPKG" >/dev/null 2>&1
	fi
	[ "$had_moddir" = 1 ] || rm -rf "/lib/modules/$KREL"
	[ -n "${STOCK_FAKE_MODDIR:-}" ] && rm -rf "$STOCK_FAKE_MODDIR"
	rmdir /lib/modules 2>/dev/null
	[ "$had_mok" = 1 ] || rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
}
trap cleanup_host EXIT

# ---- 1. bindeb-pkg of the test kernel --------------------------------------
# In the existing O= dir: only version.o/vmlinux are relinked (the package
# revision becomes the build number) before packaging.  A copy of the build
# dir would rebuild everything (objtool records absolute paths).
DEBS=$WORK/debs-$VSWAP_FLAVOR
rm -rf "$DEBS"
mkdir -p "$DEBS"
rm -f "$VSWAP_CACHE"/build/*.deb "$VSWAP_CACHE"/build/*.buildinfo "$VSWAP_CACHE"/build/*.changes
t0=$(date +%s)
if kmake -j"$NPROC" bindeb-pkg >"$LOGD/bindeb-pkg.log" 2>&1; then
	mv "$VSWAP_CACHE"/build/*.deb "$VSWAP_CACHE"/build/*.buildinfo "$VSWAP_CACHE"/build/*.changes "$DEBS/" 2>/dev/null
	secs=$(($(date +%s) - t0))
	HDRDEB=$(compgen -G "$DEBS/${HDRPKG}_*.deb" | head -n 1)
	t "make bindeb-pkg ($VSWAP_FLAVOR kernel, $(fmt_secs "$secs")): $(for d in "$DEBS"/*.deb; do printf '%s ' "${d##*/}"; done)" [ -n "$HDRDEB" ]
else
	tail -n 30 "$LOGD/bindeb-pkg.log" | sed 's/^/# /'
	nok "make bindeb-pkg failed (log: $LOGD/bindeb-pkg.log)"
	finish
fi

# ---- 2. dkms add / autoinstall / build / install ----------------------------
t "scripts/dkms-install.sh --add-only (/usr/src/vswap-$VER, dkms add, boot files)" \
	eval '"$VSWAP_SCRIPTS/dkms-install.sh" --add-only >"$LOGD/dkms-add.log" 2>&1'
t "/usr/src/vswap-$VER/dkms.conf carries PACKAGE_VERSION=\"$VER\" literally" \
	grep -qx "PACKAGE_VERSION=\"$VER\"" "/usr/src/vswap-$VER/dkms.conf"

# The upstream (bindeb-pkg) headers package has no maintainer scripts; DKMS
# autoinstall comes from the linux-image postinst, which runs
# /etc/kernel/postinst.d/* (set -e: a failing hook fails the install).  The
# image itself is not installed on this host: its hook is run directly.
t0=$(date +%s)
dpkg -i "$HDRDEB" >"$LOGD/dpkg-i.log" 2>&1
rc=$?
t "dpkg -i $HDRPKG ($(fmt_secs $(($(date +%s) - t0))))" [ "$rc" = 0 ]
t "AUTOINSTALL: /etc/kernel/postinst.d/dkms $KREL (linux-image postinst hook) installs vswap/$VER" \
	eval '/etc/kernel/postinst.d/dkms "$KREL" >"$LOGD/postinst-hook.log" 2>&1 &&
		dkms status -m vswap -v "$VER" -k "$KREL" 2>/dev/null | grep -q ": installed"'

dkms remove "vswap/$VER" -k "$KREL" >/dev/null 2>&1
t0=$(date +%s)
if dkms build "vswap/$VER" -k "$KREL" >"$LOGD/dkms-build.log" 2>&1; then
	ok "dkms build vswap/$VER -k $KREL ($(fmt_secs $(($(date +%s) - t0))))"
else
	tail -n 20 "$LOGD/dkms-build.log" | sed 's/^/# /'
	nok "dkms build vswap/$VER -k $KREL (log: $LOGD/dkms-build.log)"
fi
t "dkms install vswap/$VER -k $KREL" eval 'dkms install "vswap/$VER" -k "$KREL" >"$LOGD/dkms-install.log" 2>&1'
KO=/lib/modules/$KREL/updates/dkms/vswap.ko
t "installed as $KO" [ -f "$KO" ]
mi() { modinfo -k "$KREL" -F "$1" vswap 2>/dev/null; }
t "modinfo -k $KREL vswap: version $VER" [ "$(mi version)" = "$VER" ]
t "modinfo: license GPL, description set" eval '[ "$(mi license)" = GPL ] && [ -n "$(mi description)" ]'
t "modinfo: parameter max_pages documented" eval 'mi parm | grep -q "^max_pages:.\{10,\}"'
t "modinfo: vermagic $KREL" eval '[ "$(mi vermagic | cut -d" " -f1)" = "$KREL" ]'
t "modprobe --dry-run -S $KREL vswap max_pages=4096 resolves it" \
	eval 'modprobe -n -v -S "$KREL" vswap max_pages=4096 2>&1 | grep -q "updates/dkms/vswap.ko .*max_pages=4096"'

# The boot files that dkms-install.sh installed.
same_as_shipped() {
	local f
	for f in "${BOOT_FILES[@]}"; do cmp -s "$VSWAP_ROOT/boot$f" "$f" || return 1; done
}
t "boot files installed as shipped: ${BOOT_FILES[*]}" same_as_shipped
# systemd's view of a swap unit for /dev/vda (as systemd-fstab-generator
# writes one) with the installed drop-in: its debug output lists the
# unit's drop-ins and dependencies.
swap_unit_ordered() {
	local d rc
	d=$(mktemp -d)
	printf '[Unit]\nDescription=/dev/vda\n[Swap]\nWhat=/dev/vda\n' >"$d/dev-vda.swap"
	SYSTEMD_LOG_LEVEL=debug SYSTEMD_UNIT_PATH="$d:" systemd-analyze verify --man=no "$d/dev-vda.swap" >"$LOGD/swap-unit.log" 2>&1
	rc=$?
	rm -rf "$d"
	[ "$rc" = 0 ] && grep -q "DropIn Path: .*/systemd/system/swap.d/vswap.conf" "$LOGD/swap-unit.log" &&
		grep -q "After: systemd-modules-load.service" "$LOGD/swap-unit.log" &&
		! grep -q "swap.d/vswap.conf:[0-9]" "$LOGD/swap-unit.log"
}
if command -v systemd-analyze >/dev/null; then
	t "systemd-analyze verify: a swap unit for /dev/vda gets swap.d/vswap.conf, After=systemd-modules-load.service" swap_unit_ordered
else
	skip "systemd-analyze not installed (package systemd): swap.d drop-in not checked"
fi
# grub-mkconfig sources /etc/default/grub, then /etc/default/grub.d/*.cfg.
GRUB_ARGS=$(sh -c 'GRUB_CMDLINE_LINUX_DEFAULT=; . "$1" && echo $GRUB_CMDLINE_LINUX_DEFAULT' sh /etc/default/grub.d/vswap.cfg 2>&1)
t "/etc/default/grub.d/vswap.cfg (sourced as grub-mkconfig does) adds '$GRUB_ARGS'" [ "$GRUB_ARGS" = zswap.enabled=1 ]
# An admin changes an option where the comments say.
TEST_PAGES=262144
sed -i "s/^options vswap max_pages=0\$/options vswap max_pages=$TEST_PAGES/" /etc/modprobe.d/vswap.conf
t "max_pages=$TEST_PAGES set in /etc/modprobe.d/vswap.conf; modprobe -n -v -S $KREL vswap (libkmod) passes it" \
	eval 'grep -qx "options vswap max_pages=$TEST_PAGES" /etc/modprobe.d/vswap.conf &&
		modprobe -n -v -S "$KREL" vswap 2>&1 | grep -q "updates/dkms/vswap.ko max_pages=$TEST_PAGES"'

# ---- 3. the DKMS-installed module in the VM --------------------------------
INITRD=$WORK/initramfs-dkms.cpio.gz
if [ -f "$KO" ] && [ -f "$VSWAP_OUT/initramfs.cpio.gz" ]; then
	# Second cpio archive appended to the pipeline's initramfs: the kernel
	# unpacks both.  It adds /lib/modules/<kver>/ (vswap.ko + modules.dep*).
	# Also: the installed modules-load.d and modprobe.d files, the host's
	# kmod with the libraries ldd lists (at their host paths), the
	# modprobe that reads them at boot on Debian, and this tree's guest
	# job (the pipeline's initramfs may come from another tree).
	stage=$(mktemp -d)
	mkdir -p "$stage/lib/modules/$KREL/updates/dkms" "$stage/etc/modules-load.d" "$stage/etc/modprobe.d" "$stage/guest"
	install -m 0755 "$VSWAP_ROOT/tests/guest/job-dkms.sh" "$stage/guest/"
	cp "$KO" "$stage/lib/modules/$KREL/updates/dkms/"
	cp /lib/modules/"$KREL"/modules.* "$stage/lib/modules/$KREL/" 2>/dev/null
	cp /etc/modules-load.d/vswap.conf "$stage/etc/modules-load.d/"
	cp /etc/modprobe.d/vswap.conf "$stage/etc/modprobe.d/"
	kmod=$(readlink -f "$(command -v kmod)")
	install -D -m 0755 "$kmod" "$stage/usr/lib/vswap-test/kmod"
	for lib in $(ldd "$kmod" | grep -oE '/[^ ]+\.so[^ ]*'); do
		install -D -m 0755 "$(readlink -f "$lib")" "$stage$lib"
	done
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet | gzip -1) >"$WORK/overlay.cpio.gz"
	rm -rf "$stage"
	cat "$VSWAP_OUT/initramfs.cpio.gz" "$WORK/overlay.cpio.gz" >"$INITRD"
	RES=$(mktemp)
	"$VSWAP_SCRIPTS/vm.sh" --job dkms --initrd "$INITRD" --timeout "${VSWAP_DKMS_VM_TIMEOUT:-300}" \
		--append "vswap_dkms.version=$VER vswap_dkms.max_pages=$TEST_PAGES $GRUB_ARGS" --result-file "$RES" | sed 's/^/# /'
	vlog=$(sed -n 's/^log=//p' "$RES")
	status=$(sed -n 's/^status=//p' "$RES")
	rm -f "$RES"
	mk=${vlog%.log}.markers
	if [ -f "$mk" ]; then
		while read -r _ _ res desc; do
			if [ "$res" = ok ]; then ok "VM: $desc"; else nok "VM: $desc"; fi
		done < <(grep -E '^VSWAP: DKMS-CHECK ' "$mk")
	fi
	t "VM run with the DKMS-built module: status ${status:-none} (log: ${vlog:-none})" \
		eval '[ "$status" = ok ] && grep -q "^VSWAP: DKMS-DONE .*fail=0" "$mk"'
else
	nok "VM smoke test: no $KO or no $VSWAP_OUT/initramfs.cpio.gz"
fi

# ---- 4. Debian's stock headers: skipped, nothing breaks ---------------------
SDEBS=$WORK/stock-debs
SROOT=$WORK/stock-root
SDIR=$SROOT/usr/src/linux-headers-$STOCK_KVER
get_stock() {
	local pv=$KVER_DEB pkgs
	pkgs=("linux-headers-$STOCK_KVER=$pv" "linux-headers-${STOCK_KVER%-amd64}-common=$pv" "linux-kbuild-${STOCK_KVER%-amd64}=$pv")
	[ -f "$SDIR/.config" ] && return 0
	mkdir -p "$SDEBS" && cd "$SDEBS" || return 1
	# apt-get download: fetched into $SDEBS, not installed (the headers
	# package would pull in and install the matching linux-image).
	apt-get download -q "${pkgs[@]}" >"$LOGD/apt-download.log" 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && apt-get download -q "${pkgs[@]}" >>"$LOGD/apt-download.log" 2>&1; } || return 1
	rm -rf "$SROOT"
	local d
	for d in "$SDEBS"/*.deb; do dpkg -x "$d" "$SROOT" || return 1; done
	cd - >/dev/null || true
	[ -f "$SDIR/.config" ]
}
if get_stock; then
	grep -q '^CONFIG_SWAP_OPS=y' "$SDIR/.config" && nok "stock $STOCK_KVER unexpectedly has CONFIG_SWAP_OPS"
	dkms build "vswap/$VER" -k "$STOCK_KVER" --kernelsourcedir "$SDIR" >"$LOGD/dkms-stock.log" 2>&1
	rc=$?
	t "stock $STOCK_KVER: dkms build skipped with exit status 77 (BUILD_EXCLUSIVE; got $rc)" [ "$rc" = 77 ]
	t "stock: the message names CONFIG_SWAP_OPS and hooks-patch/" \
		eval 'grep -q "no CONFIG_SWAP_OPS=y.*hooks-patch/" "$LOGD/dkms-stock.log"'
	t "stock: nothing built or installed for $STOCK_KVER" \
		eval '! dkms status -m vswap -k "$STOCK_KVER" 2>/dev/null | grep -qE ": (built|installed)"'
	t "stock: dkms autoinstall -k $STOCK_KVER exits 0 (vswap opted out)" \
		eval 'dkms autoinstall -k "$STOCK_KVER" --kernelsourcedir "$SDIR" >"$LOGD/dkms-stock-autoinstall.log" 2>&1'
	# The hook a stock linux-headers package runs from its postinst, against
	# a temporary /lib/modules/<stock>/build (only if there is none).
	if [ ! -e "/lib/modules/$STOCK_KVER" ]; then
		STOCK_FAKE_MODDIR=/lib/modules/$STOCK_KVER
		mkdir -p "$STOCK_FAKE_MODDIR" && ln -s "$SDIR" "$STOCK_FAKE_MODDIR/build"
		t "stock: /etc/kernel/header_postinst.d/dkms $STOCK_KVER exits 0 (headers install would not fail)" \
			eval '/etc/kernel/header_postinst.d/dkms "$STOCK_KVER" >"$LOGD/stock-hook.log" 2>&1'
		rm -rf "$STOCK_FAKE_MODDIR"
		STOCK_FAKE_MODDIR=
	else
		skip "stock: header_postinst hook (/lib/modules/$STOCK_KVER exists on this host)"
	fi
else
	nok "stock headers $STOCK_KVER ($KVER_DEB) could not be downloaded (log: $LOGD/apt-download.log)"
fi

# ---- 5. again, then removal -------------------------------------------------
# Installing again (a new version, say) keeps the admin's edit.
kept_edit() {
	"$VSWAP_SCRIPTS/dkms-install.sh" --add-only >"$LOGD/dkms-add-again.log" 2>&1 &&
		grep -qx "options vswap max_pages=$TEST_PAGES" /etc/modprobe.d/vswap.conf &&
		cmp -s "$VSWAP_ROOT/boot/etc/modprobe.d/vswap.conf" /etc/modprobe.d/vswap.conf.vswap-new &&
		grep -q "kept /etc/modprobe.d/vswap.conf" "$LOGD/dkms-add-again.log"
}
t "dkms-install.sh again: the edited /etc/modprobe.d/vswap.conf is kept, the shipped one is .vswap-new" kept_edit
t "scripts/dkms-install.sh --remove (dkms remove vswap/$VER --all, boot files)" \
	eval '"$VSWAP_SCRIPTS/dkms-install.sh" --remove >"$LOGD/dkms-remove.log" 2>&1'
# leftovers: what a vswap install can leave, one path a line
leftovers() {
	local f
	ls -d /var/lib/dkms/vswap /usr/src/vswap-* 2>/dev/null
	compgen -G "/lib/modules/*/updates/dkms/vswap.ko*"
	for f in "${BOOT_FILES[@]}"; do compgen -G "$f*"; done
	for f in "${NEW_DIRS[@]}"; do ls -d "$f" 2>/dev/null; done
}
left=$(leftovers)
t "nothing left in /var/lib/dkms/vswap, /usr/src/vswap-*, /lib/modules/*/updates/dkms/vswap.ko*, the boot files${left:+ (left: $(echo "$left" | xargs))}" [ -z "$left" ]

# ---- 6. the vswap-dkms package ------------------------------------------------
DEBD=$WORK/deb
rm -rf "$DEBD"
t0=$(date +%s)
"$VSWAP_SCRIPTS/deb.sh" --out "$DEBD" >"$LOGD/deb-build.log" 2>&1
rc=$?
VDEB=$DEBD/vswap-dkms_${VER}_all.deb
t "make deb (scripts/deb.sh, $(fmt_secs $(($(date +%s) - t0)))): ${VDEB##*/}" eval '[ "$rc" = 0 ] && [ -f "$VDEB" ]'
if [ -f "$VDEB" ]; then
	deb_files() {
		local f want=("./usr/src/vswap-$VER/"{dkms.conf,Kbuild,Makefile,VERSION,README.md,scripts/dkms-hooked.sh,src/module.c,src/vswap.h,hooks-patch/series} ./usr/sbin/vswapctl)
		for f in "${BOOT_FILES[@]}"; do want+=(".$f"); done
		dpkg-deb -c "$VDEB" | awk '{print $6}' >"$LOGD/deb-contents.txt" || return 1
		for f in "${want[@]}"; do grep -qxF "$f" "$LOGD/deb-contents.txt" || { echo "# missing: $f"; return 1; }; done
		! grep -qE '\.(o|ko|mod|cmd)$' "$LOGD/deb-contents.txt"
	}
	t "deb: the DKMS source tree /usr/src/vswap-$VER/ (sources only), the boot files, /usr/sbin/vswapctl" deb_files
	t "deb: conffiles are the /etc boot files" \
		eval '[ "$(dpkg-deb -I "$VDEB" conffiles | LC_ALL=C sort | xargs)" = "$(printf "%s\n" "${BOOT_FILES[@]}" | grep "^/etc/" | xargs)" ]'
	t "deb: dkms.conf has PACKAGE_VERSION=\"$VER\"; Depends: dkms" \
		eval 'conf=$(dpkg-deb --fsys-tarfile "$VDEB" | tar -xOf - "./usr/src/vswap-$VER/dkms.conf") &&
			grep -qx "PACKAGE_VERSION=\"$VER\"" <<<"$conf" &&
			dpkg-deb -f "$VDEB" Depends | grep -q "^dkms"'

	# Debian's stock headers, as an installed kernel for the postinst.
	if [ ! -e "/lib/modules/$STOCK_KVER" ] && [ -f "$SDIR/.config" ]; then
		STOCK_FAKE_MODDIR=/lib/modules/$STOCK_KVER
		mkdir -p "$STOCK_FAKE_MODDIR" && ln -s "$SDIR" "$STOCK_FAKE_MODDIR/build"
	fi
	# dkms' postinst builds for the running kernel and the newest one in
	# /boot, or, in a chroot or container (the running kernel has no
	# /lib/modules), for every kernel; autoinstall_all_kernels (as in
	# /etc/dkms/framework.conf) makes that the same on every host.
	t0=$(date +%s)
	autoinstall_all_kernels=1 dpkg -i "$VDEB" >"$LOGD/deb-install.log" 2>&1
	rc=$?
	sed -n '/Building for/,$p' "$LOGD/deb-install.log" | sed 's/^/# /'
	t "dpkg -i ${VDEB##*/} ($(fmt_secs $(($(date +%s) - t0)))): exit 0, configured" \
		eval '[ "$rc" = 0 ] && [ "$(dpkg-query -W -f="\${db:Status-Abbrev}" vswap-dkms)" = "ii " ]'
	t "deb: built and installed for $KREL by its postinst ($KO, version $VER)" \
		eval 'dkms status -m vswap -v "$VER" -k "$KREL" 2>/dev/null | grep -q ": installed" && [ -f "$KO" ] && [ "$(mi version)" = "$VER" ]'
	if [ -n "${STOCK_FAKE_MODDIR:-}" ]; then
		t "deb: stock $STOCK_KVER skipped by its postinst (vswap's message), nothing built for it" \
			eval 'grep -q "kernel $STOCK_KVER has no CONFIG_SWAP_OPS=y" "$LOGD/deb-install.log" &&
				! dkms status -m vswap -k "$STOCK_KVER" 2>/dev/null | grep -qE ": (built|installed)"'
		t "deb: stock: /etc/kernel/header_postinst.d/dkms $STOCK_KVER exits 0" \
			eval '/etc/kernel/header_postinst.d/dkms "$STOCK_KVER" >"$LOGD/deb-stock-hook.log" 2>&1'
	else
		skip "deb: stock headers (/lib/modules/$STOCK_KVER exists on this host, or no stock headers)"
	fi
	t "deb: boot files installed as shipped, the /etc ones dpkg conffiles" \
		eval 'same_as_shipped && [ "$(dpkg-query -W -f="\${Conffiles}" vswap-dkms | awk "NF {print \$1}" | LC_ALL=C sort | xargs)" = \
			"$(printf "%s\n" "${BOOT_FILES[@]}" | grep "^/etc/" | xargs)" ]'
	t0=$(date +%s)
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q vswap-dkms >"$LOGD/deb-purge.log" 2>&1
	rc=$?
	t "apt-get purge vswap-dkms ($(fmt_secs $(($(date +%s) - t0))))" [ "$rc" = 0 ]
	left=$(leftovers)
	t "purge leaves nothing: package gone, /var/lib/dkms/vswap, /usr/src/vswap-*, vswap.ko, boot files${left:+ (left: $(echo "$left" | xargs))}" \
		eval '[ -z "$left" ] && ! pkg_present'
	if [ -n "${STOCK_FAKE_MODDIR:-}" ]; then
		rm -rf "$STOCK_FAKE_MODDIR"
		STOCK_FAKE_MODDIR=
	fi
fi

# ---- 7. the test kernel's headers --------------------------------------------
if [ "$had_hdr" != ii ]; then
	t "dpkg --purge $HDRPKG" eval 'dpkg --purge "$HDRPKG" >"$LOGD/dpkg-purge.log" 2>&1'
fi
t "other DKMS modules' status unchanged" [ "$(dkms status 2>/dev/null | grep -v '^vswap/' | sort)" = "$DKMS_OTHER_BEFORE" ]
t "dpkg --audit clean" eval '[ -z "$(dpkg --audit 2>&1)" ]'
finish
