#!/usr/bin/env bash
# scripts/dkms-hooked.sh DKMS_PID KERNELVER KERNEL_SOURCE_DIR VERSION -
# dkms.conf's test whether the kernel dkms is acting on has the vswap core
# hooks (CONFIG_SWAP_OPS=y).  Exit 0: yes, or unknown (no .config); exit 1
# with a message naming hooks-patch/: no, dkms.conf then sets
# AUTOINSTALL="".  Installed with the DKMS sources (scripts/ next to
# dkms.conf); dkms.conf runs it with its own $$, $kernelver,
# $kernel_source_dir and $PACKAGE_VERSION.
#
# Why dkms' command line: dkms 3.0.10 (Debian 12) fails `dkms autoinstall`
# - and with it the postinst of a stock linux-image/linux-headers package,
# whose hook runs `dkms autoinstall --kernelver <new>` - when a module's
# build is excluded (BUILD_EXCLUSIVE_CONFIG, exit 77); it only honours
# AUTOINSTALL="".  But its autoinstall scan sources dkms.conf with
# $kernelver set to a kernel vswap is already built for (or empty), a
# local variable that hides the target kernel: the target is only in
# dkms' own arguments (-k/--kernelver, else `uname -r`;
# --kernelsourcedir, else /lib/modules/<target>/build).  Newer dkms
# (3.0.11+) skips excluded builds in autoinstall by itself.
set -uo pipefail

pid=$1 k=$2 kdir=$3 ver=$4
args=()
[ -r "/proc/$pid/cmdline" ] && mapfile -d '' -t args <"/proc/$pid/cmdline"
auto='' ck='' cdir=''
for ((i = 0; i < ${#args[@]}; i++)); do
	next=${args[i + 1]:-}
	case ${args[i]} in
	autoinstall) auto=1 ;;
	-k | --kernelver) ck=$next ;;
	--kernelver=*) ck=${args[i]#*=} ;;
	--kernelsourcedir) cdir=$next ;;
	--kernelsourcedir=*) cdir=${args[i]#*=} ;;
	esac
done
if [ -n "$auto" ] || [ -z "$k" ]; then
	k=${ck%%/*}
	[ -n "$k" ] || k=$(uname -r)
	kdir=${cdir:-/lib/modules/$k/build}
fi
if [ -f "$kdir/.config" ] && ! grep -q '^CONFIG_SWAP_OPS=y' "$kdir/.config"; then
	echo "vswap: kernel $k has no CONFIG_SWAP_OPS=y (the vswap core hooks):" \
		"DKMS skips vswap for it. Use a kernel built with the patches in" \
		"/usr/src/vswap-$ver/hooks-patch/ (scripts/distro-kernel.sh" \
		"in the vswap repository builds one from Debian's linux-source-6.12)." >&2
	exit 1
fi
exit 0
