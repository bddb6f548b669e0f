#!/usr/bin/env bash
# Checks are often `t DESC eval '...'` (expanded when run, on purpose).
# shellcheck disable=SC2016,SC2317
# scripts/dkms-test.sh [--result-file FILE] - DKMS packaging test (root).
# Needs the flavor's kernel built (scripts/kernel.sh); scripts/test.sh runs
# this after the VM tests.  Steps:
#   1. `make bindeb-pkg` of the pipeline's kernel (incremental, in the same
#      O= build dir) -> linux-headers-<kver>_*.deb, dpkg -i it on the host;
#   2. scripts/dkms-install.sh --add-only (/usr/src/vswap-<VERSION>, dkms add);
#      the kernel postinst hook /etc/kernel/postinst.d/dkms must autoinstall
#      vswap for <kver>; then an explicit `dkms build` + `dkms install`
#      (timed); modinfo checks;
#   3. boot the kernel with the DKMS-installed /lib/modules/<kver> added to
#      the initramfs: tests/guest/job-dkms.sh does `modprobe vswap
#      max_pages=...`, swaps through it and unloads it;
#   4. Debian's stock linux-headers-<pinned>-amd64 (apt-get download + dpkg -x
#      into $VSWAP_CACHE, nothing installed): `dkms build` is skipped with exit
#      77 and a message naming hooks-patch/, `dkms autoinstall` and the
#      headers' postinst hook still succeed (with vswap installed for <kver>);
#   5. `dkms remove --all` + purge of the headers package leave nothing behind.
# Prints "ok N - ..." / "not ok N - ..." and "# dkms: N passed, N failed";
# --result-file gets pass=/fail=/skip=.  Exit 0 iff nothing failed.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"
# Same $VSWAP_CACHE lock as scripts/test.sh (already held when run from it).
if declare -F vswap_lock >/dev/null; then vswap_lock; fi

RESULT_FILE=
while [ $# -gt 0 ]; do
	case $1 in
	--result-file) RESULT_FILE=$2; shift ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

N=0 PASS=0 FAIL=0 SKIP=0
ok() { N=$((N + 1)) PASS=$((PASS + 1)); echo "ok $N - $*"; }
nok() { N=$((N + 1)) FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
skip() { N=$((N + 1)) SKIP=$((SKIP + 1)); echo "ok $N - $* # SKIP"; }
# t DESCRIPTION COMMAND... : one test line from a command's status.
t() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
note() { printf '# %s\n' "$*"; }
finish() {
	echo "# dkms: $PASS passed, $FAIL failed, $SKIP skipped"
	if [ -n "$RESULT_FILE" ]; then
		printf 'pass=%s\nfail=%s\nskip=%s\n' "$PASS" "$FAIL" "$SKIP" >"$RESULT_FILE"
	fi
	[ "$FAIL" -eq 0 ]
	exit
}

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
if [ -e /var/lib/dkms/vswap ] || compgen -G "/usr/src/vswap-*" >/dev/null; then
	skip "vswap is already registered with DKMS on this host (scripts/dkms-install.sh --remove to drop it); not touching it"
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
	dkms remove "vswap/$VER" --all >/dev/null 2>&1
	rm -rf "/usr/src/vswap-$VER"
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
t "scripts/dkms-install.sh --add-only (/usr/src/vswap-$VER, dkms add)" \
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
	eval 'modprobe -n -v -S "$KREL" vswap max_pages=4096 2>&1 | grep -q "updates/dkms/vswap.ko max_pages=4096"'

# ---- 3. the DKMS-installed module in the VM --------------------------------
INITRD=$WORK/initramfs-dkms.cpio.gz
if [ -f "$KO" ] && [ -f "$VSWAP_OUT/initramfs.cpio.gz" ]; then
	# Second cpio archive appended to the pipeline's initramfs: the kernel
	# unpacks both.  It adds /lib/modules/<kver>/ (vswap.ko + modules.dep*).
	stage=$(mktemp -d)
	mkdir -p "$stage/lib/modules/$KREL/updates/dkms"
	cp "$KO" "$stage/lib/modules/$KREL/updates/dkms/"
	cp /lib/modules/"$KREL"/modules.* "$stage/lib/modules/$KREL/" 2>/dev/null
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet | gzip -1) >"$WORK/overlay.cpio.gz"
	rm -rf "$stage"
	cat "$VSWAP_OUT/initramfs.cpio.gz" "$WORK/overlay.cpio.gz" >"$INITRD"
	RES=$(mktemp)
	"$VSWAP_SCRIPTS/vm.sh" --job dkms --initrd "$INITRD" --timeout "${VSWAP_DKMS_VM_TIMEOUT:-300}" \
		--append "vswap.dkms_version=$VER" --result-file "$RES" | sed 's/^/# /'
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

# ---- 5. removal --------------------------------------------------------------
t "scripts/dkms-install.sh --remove (dkms remove vswap/$VER --all)" \
	eval '"$VSWAP_SCRIPTS/dkms-install.sh" --remove >"$LOGD/dkms-remove.log" 2>&1'
left=$(
	ls -d /var/lib/dkms/vswap /usr/src/vswap-* 2>/dev/null
	compgen -G "/lib/modules/*/updates/dkms/vswap.ko*"
)
t "nothing left in /var/lib/dkms/vswap, /usr/src/vswap-*, /lib/modules/*/updates/dkms/vswap.ko*${left:+ (left: $(echo "$left" | xargs))}" [ -z "$left" ]
if [ "$had_hdr" != ii ]; then
	t "dpkg --purge $HDRPKG" eval 'dpkg --purge "$HDRPKG" >"$LOGD/dpkg-purge.log" 2>&1'
fi
t "other DKMS modules' status unchanged" [ "$(dkms status 2>/dev/null | grep -v '^vswap/' | sort)" = "$DKMS_OTHER_BEFORE" ]
t "dpkg --audit clean" eval '[ -z "$(dpkg --audit 2>&1)" ]'
finish
