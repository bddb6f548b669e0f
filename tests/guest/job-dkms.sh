#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-dkms.sh - smoke check of the vswap.ko that DKMS built and
# installed: scripts/dkms-test.sh adds the host's /lib/modules/<kver>/ (the
# DKMS-installed updates/dkms/vswap.ko + depmod's modules.dep*) to the
# initramfs; the pipeline's /lib/vswap/vswap.ko is not used here.  Loads it
# the way a user does: `modprobe vswap max_pages=...`.
# Sourced by /init (mark() comes from there).  Kernel command line:
#   vswap.dkms_version=V   expected module version (the VERSION file)
# Every check prints "ok N - ..." / "not ok N - ..." and the marker
# "VSWAP: DKMS-CHECK ok|not-ok <description>"; finally
# "VSWAP: DKMS-DONE pass=.. fail=..".  Fails if any check failed.

KO=/lib/modules/$(uname -r)/updates/dkms/vswap.ko
WANT_VER=
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	vswap.dkms_version=*) WANT_VER=${arg#*=} ;;
	esac
done

n=0 pass=0 fail=0
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $d"
		mark "DKMS-CHECK ok $d"
		pass=$((pass + 1))
	else
		echo "not ok $n - $d"
		mark "DKMS-CHECK not-ok $d"
		fail=$((fail + 1))
	fi
}
finish() {
	mark "DKMS-DONE pass=$pass fail=$fail"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
rd() { cat "$1" 2>/dev/null; }

if [ ! -f "$KO" ]; then
	check "DKMS-built module present at $KO" false
	finish
	exit 1
fi
modinfo "$KO" 2>/dev/null | grep -E '^(version|description|license|vermagic|parm):'

check "modinfo: version is '$WANT_VER'" [ "$(modinfo -F version "$KO" 2>/dev/null)" = "$WANT_VER" ]
check "modinfo: vermagic matches the running kernel $(uname -r)" \
	[ "$(modinfo -F vermagic "$KO" 2>/dev/null | cut -d' ' -f1)" = "$(uname -r)" ]
check "modinfo vswap (by name): license GPL, parm max_pages" \
	sh -c 'modinfo -F license vswap | grep -qx GPL && modinfo -F parm vswap | grep -q "^max_pages:"'
check "modprobe vswap max_pages=1000 (invalid) fails" sh -c "! modprobe vswap max_pages=1000 2>/dev/null"
check "modprobe vswap max_pages=4096" modprobe vswap max_pages=4096
check "/sys/module/vswap/version is '$WANT_VER'" [ "$(rd /sys/module/vswap/version)" = "$WANT_VER" ]
check "parameter max_pages is 4096" [ "$(rd /sys/module/vswap/parameters/max_pages)" = 4096 ]
check "/proc/swaps lists /dev/vswap" grep -q '^/dev/vswap ' /proc/swaps
check "debugfs capacity is 4096" [ "$(rd /sys/kernel/debug/vswap/capacity)" = 4096 ]

# Push 8 MiB of shmem out through vswap (zswap on) and read it back.
swapped() {
	echo 1 >/sys/module/zswap/parameters/enabled 2>/dev/null
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p /sys/fs/cgroup/dkms || return 1
	echo 0 >/sys/fs/cgroup/dkms/cgroup.procs || return 1 # this shell
	yes "vswap dkms smoke" | head -c 8388608 >/tmp/dkms-data || return 1
	sha1sum /tmp/dkms-data >/tmp/dkms-data.sum
	echo 16M >/sys/fs/cgroup/dkms/memory.reclaim 2>/dev/null
	used=$(rd /sys/kernel/debug/vswap/slots_used)
	echo "# slots_used after memory.reclaim: $used"
	[ "${used:-0}" -gt 0 ]
}
check "memory.reclaim swaps shmem out to vswap (slots_used > 0)" swapped
check "swapped-out data reads back intact" sha1sum -c -s /tmp/dkms-data.sum
rm -f /tmp/dkms-data /tmp/dkms-data.sum
echo 0 >/sys/fs/cgroup/cgroup.procs 2>/dev/null
check "slots_used back to 0 after freeing the data" [ "$(rd /sys/kernel/debug/vswap/slots_used)" = 0 ]
check "modprobe -r vswap" modprobe -r vswap
check "/proc/swaps no longer lists /dev/vswap" sh -c "! grep -q '^/dev/vswap ' /proc/swaps"
finish
