#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-dkms.sh - the vswap.ko that DKMS built and installed, set
# up the way the boot files make a Debian machine boot.  scripts/dkms-test.sh
# adds to the initramfs the host's /lib/modules/<kver>/ (the DKMS-installed
# updates/dkms/vswap.ko + depmod's modules.dep*), the installed
# /etc/modules-load.d/vswap.conf and /etc/modprobe.d/vswap.conf (with the
# options the test set, as an admin would), and the host's kmod (the
# modprobe of Debian, libkmod, which systemd-modules-load uses too) under
# /usr/lib/vswap-test/; the pipeline's /lib/vswap/vswap.ko is not used here.
#
# 1. Boot, in systemd's order (this guest has no systemd, so each step is
#    done here the way the unit does it):
#    - kernel command line: the host built it from the installed
#      /etc/default/grub.d/vswap.cfg as grub-mkconfig does, so zswap is on
#      from the start;
#    - systemd-modules-load.service: every modules-load.d file (by file
#      name, /etc before /run before /usr/lib before /lib), every module
#      name in it (# and ; start comments) loaded with `modprobe -b`, which
#      applies the /etc/modprobe.d options and the blacklist as
#      systemd-modules-load does (libkmod, KMOD_PROBE_APPLY_BLACKLIST);
#    - swap units, ordered after that service by the installed
#      swap.d/vswap.conf drop-in (the host checked that it applies):
#      `swapon -a` of /etc/fstab, which lists /dev/vda;
#    then pages go out to zswap and to /dev/vda and are read back.
# 2. `modprobe vswap max_pages=...` by hand, a bad value, swapping, unload.
# Sourced by /init (mark() comes from there).  Kernel command line:
#   vswap_dkms.version=V      expected module version (the VERSION file)
#   vswap_dkms.max_pages=N    max_pages set in /etc/modprobe.d/vswap.conf
# (not vswap.*: modprobe passes vswap.* to the module as parameters).
# Every check prints "ok N - ..." / "not ok N - ..." and the marker
# "VSWAP: DKMS-CHECK ok|not-ok <description>"; finally
# "VSWAP: DKMS-DONE pass=.. fail=..".  Fails if any check failed.

KO=/lib/modules/$(uname -r)/updates/dkms/vswap.ko
KMOD=/usr/lib/vswap-test/kmod
DBG=/sys/kernel/debug/vswap
WANT_VER=
WANT_PAGES=
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	vswap_dkms.version=*) WANT_VER=${arg#*=} ;;
	vswap_dkms.max_pages=*) WANT_PAGES=${arg#*=} ;;
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
# Swap areas on, in /proc/swaps order, one "name used-KiB" line each.
swaps() { tail -n +2 /proc/swaps | awk '{print $1, $4}'; }
used_kib() { swaps | awk -v d="$1" '$1 == d {print $2}'; }

if [ ! -f "$KO" ]; then
	check "DKMS-built module present at $KO" false
	finish
	exit 1
fi
if [ ! -x "$KMOD" ]; then
	check "kmod present at $KMOD" false
	finish
	exit 1
fi
# Debian's modprobe instead of busybox's (the initramfs is writable tmpfs).
ln -sf "$KMOD" /sbin/modprobe
modinfo "$KO" 2>/dev/null | grep -E '^(version|description|license|vermagic|parm):'

# ---- 1. boot ----------------------------------------------------------------
echo "# kernel command line: $(cat /proc/cmdline)"
zswap_at_boot() {
	grep -qw "zswap.enabled=1" /proc/cmdline && [ "$(rd /sys/module/zswap/parameters/enabled)" = Y ]
}
check "kernel command line has zswap.enabled=1 (grub.d/vswap.cfg): zswap on at boot" zswap_at_boot
nothing_yet() { [ ! -d /sys/module/vswap ] && [ -z "$(swaps)" ]; }
check "before systemd-modules-load: vswap not loaded, no swap on" nothing_yet

# systemd-modules-load: conf files by name, the first directory holding a
# name wins; one module name per line.
modules_load() {
	seen=" " rc=0 i=0
	for dir in /etc/modules-load.d /run/modules-load.d /usr/local/lib/modules-load.d \
		/usr/lib/modules-load.d /lib/modules-load.d; do
		i=$((i + 1))
		for f in "$dir"/*.conf; do
			[ -f "$f" ] && echo "${f##*/} $i $f"
		done
	done | sort | while read -r name _ f; do
		case $seen in *" $name "*) continue ;; esac
		seen="$seen$name "
		echo "# modules-load: $f"
		sed -e 's/[#;].*//' -e 's/[[:space:]]//g' "$f" | grep -v '^$' | while read -r m; do
			echo "# modprobe -b $m"
			modprobe -b "$m" || exit 1
		done || rc=1
		[ "$rc" = 0 ] || exit 1
	done
}
check "systemd-modules-load (/etc/modules-load.d/vswap.conf): modprobe -b vswap" modules_load
lsmod | grep '^vswap ' || true
cat /proc/swaps
check "vswap loaded: /dev/vswap is the only swap area" [ "$(swaps | cut -d' ' -f1)" = /dev/vswap ]
options_applied() {
	[ -n "$WANT_PAGES" ] && [ "$(rd /sys/module/vswap/parameters/max_pages)" = "$WANT_PAGES" ] &&
		[ "$(rd $DBG/capacity)" = "$WANT_PAGES" ]
}
check "/etc/modprobe.d/vswap.conf applied: max_pages is $WANT_PAGES (sysfs and debugfs capacity)" options_applied
check "/sys/module/vswap/version is '$WANT_VER'" [ "$(rd /sys/module/vswap/version)" = "$WANT_VER" ]

# Swap units: /etc/fstab's swap lines, after systemd-modules-load.
swap_units() {
	mkswap /dev/vda >/dev/null || return 1
	echo "/dev/vda none swap sw 0 0" >/etc/fstab
	swapon -a
}
check "swap units after it: swapon -a (/etc/fstab: /dev/vda)" swap_units
cat /proc/swaps
check "/proc/swaps: /dev/vswap first (loaded first), then /dev/vda" \
	[ "$(swaps | cut -d' ' -f1 | tr '\n' ' ')" = "/dev/vswap /dev/vda " ]

# 8 MiB of text (zswap keeps it), 12 MiB of random bytes (zswap rejects
# them: vswap writes them to /dev/vda), 8 MiB of text, in tmpfs, written
# from a cgroup with memory.high=16M: reclaim pushes the oldest out.
# (memory.high, not memory.max: with memory.max=8M the writer was OOM-killed
# while the random pages were still under writeback, and memory.reclaim
# of the whole cgroup swapped out 6 pages.)
CG=/sys/fs/cgroup/boot
workload() {
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p $CG && echo 16M >$CG/memory.high || return 1
	# The checksums are taken from the data as it is written, before any of
	# it is swapped out.
	: >/tmp/boot.sum
	sh -c "echo \$\$ >$CG/cgroup.procs &&
		yes 'vswap at boot: a compressible line' | head -c 8388608 | tee /tmp/boot-text1 |
			sha1sum | sed 's|-\$|/tmp/boot-text1|' >>/tmp/boot.sum &&
		head -c 12582912 /dev/urandom | tee /tmp/boot-rand | sha1sum | sed 's|-\$|/tmp/boot-rand|' >>/tmp/boot.sum &&
		yes 'vswap at boot: another compressible line' | head -c 8388608 | tee /tmp/boot-text2 |
			sha1sum | sed 's|-\$|/tmp/boot-text2|' >>/tmp/boot.sum" || return 1
	cat /tmp/boot.sum
	for c in slots_used zswap phys swpout_zswap swpout_phys zswap_reject; do
		echo "# $c: $(rd $DBG/$c)"
	done
	cat /proc/swaps
	[ "$(rd $DBG/zswap)" -gt 0 ] && [ "$(rd $DBG/phys)" -gt 0 ]
}
check "memory.high=16M, 28 MiB written: pages go to zswap and, through vswap, to /dev/vda (zswap > 0, phys > 0)" workload
backend_only() {
	# vswap returns its per-CPU batches of disk slots a second or two
	# after their last use
	i=0
	while [ $i -lt 100 ]; do
		u=$(used_kib /dev/vda)
		[ -n "$u" ] && [ "$((u / 4))" = "$(rd $DBG/phys)" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	echo "# /dev/vda Used: ${u:-?} KiB, vswap phys: $(rd $DBG/phys) pages"
	[ -n "$u" ] && [ "$((u / 4))" = "$(rd $DBG/phys)" ]
}
check "/dev/vda became a backend: its Used is vswap's phys pages, nothing swapped to it directly" backend_only
echo max >$CG/memory.high
check "every page reads back identical (sha1sum of 28 MiB)" sha1sum -c -s /tmp/boot.sum
rm -f /tmp/boot-text1 /tmp/boot-text2 /tmp/boot-rand /tmp/boot.sum
freed() {
	# the last swap cache folios go a moment later (as in job-demo), the
	# disk slots vswap batches per CPU a second or two after their last use
	i=0
	while { [ "$(rd $DBG/slots_used)" != 0 ] || [ "$(used_kib /dev/vda)" != 0 ]; } &&
		[ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(rd $DBG/slots_used)" = 0 ] && [ "$(used_kib /dev/vda)" = 0 ]
}
check "data freed: slots_used 0, /dev/vda Used 0" freed
stop_all() { swapoff /dev/vda && swapoff /dev/vswap && modprobe -r vswap && [ ! -d /sys/module/vswap ]; }
check "shutdown: swapoff /dev/vda, swapoff /dev/vswap, modprobe -r vswap" stop_all

# ---- 2. by hand -------------------------------------------------------------
check "modinfo: version is '$WANT_VER'" [ "$(modinfo -F version "$KO" 2>/dev/null)" = "$WANT_VER" ]
check "modinfo: vermagic matches the running kernel $(uname -r)" \
	[ "$(modinfo -F vermagic "$KO" 2>/dev/null | cut -d' ' -f1)" = "$(uname -r)" ]
check "modinfo vswap (by name): license GPL, parm max_pages" \
	sh -c 'modinfo -F license vswap | grep -qx GPL && modinfo -F parm vswap | grep -q "^max_pages:"'
check "modprobe vswap max_pages=1000 (invalid) fails" sh -c "! modprobe vswap max_pages=1000 2>/dev/null"
check "modprobe vswap max_pages=4096 (overrides /etc/modprobe.d)" modprobe vswap max_pages=4096
check "parameter max_pages is 4096" [ "$(rd /sys/module/vswap/parameters/max_pages)" = 4096 ]
check "/proc/swaps lists /dev/vswap" grep -q '^/dev/vswap ' /proc/swaps
check "debugfs capacity is 4096" [ "$(rd $DBG/capacity)" = 4096 ]

# Push 8 MiB of shmem out through vswap (zswap on) and read it back.
swapped() {
	echo 1 >/sys/module/zswap/parameters/enabled 2>/dev/null
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p /sys/fs/cgroup/dkms || return 1
	echo 0 >/sys/fs/cgroup/dkms/cgroup.procs || return 1 # this shell
	yes "vswap dkms smoke" | head -c 8388608 >/tmp/dkms-data || return 1
	sha1sum /tmp/dkms-data >/tmp/dkms-data.sum
	echo 16M >/sys/fs/cgroup/dkms/memory.reclaim 2>/dev/null
	used=$(rd $DBG/slots_used)
	echo "# slots_used after memory.reclaim: $used"
	[ "${used:-0}" -gt 0 ]
}
check "memory.reclaim swaps shmem out to vswap (slots_used > 0)" swapped
check "swapped-out data reads back intact" sha1sum -c -s /tmp/dkms-data.sum
rm -f /tmp/dkms-data /tmp/dkms-data.sum
echo 0 >/sys/fs/cgroup/cgroup.procs 2>/dev/null
check "slots_used back to 0 after freeing the data" [ "$(rd $DBG/slots_used)" = 0 ]
check "modprobe -r vswap" modprobe -r vswap
check "/proc/swaps no longer lists /dev/vswap" sh -c "! grep -q '^/dev/vswap ' /proc/swaps"
finish
