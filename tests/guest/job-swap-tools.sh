#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-swap-tools.sh - what common tools show with vswap loaded
# (scripts/swap-tools.sh runs it and prints the README's table).
# Sourced by /init (mark() comes from there).
#
# Three scenarios, zswap on in each: "stock" (vswap not loaded, /dev/vda
# as swap, for comparison), "vswap" (vswap loaded, no disk) and
# "vswap+disk" (vswap loaded, /dev/vda as its disk); /dev/vda non-rotational
# (stock's SSD path).  In each, a shell in
# the cgroup swap-tools (memory.max 16M) writes tmpfs files of 8 MiB of
# random data, 16 MiB of zeroes and 16 MiB of text, so that reclaim swaps
# most of them out; then, without the limit, they are read back and
# removed.  Under that pressure and after the read-back,
# it prints what free (procps), swapon --show (util-linux), /proc/swaps,
# /proc/meminfo, vmstat (pswpin/pswpout, which its si/so are computed
# from), memory.stat, memory.swap.current and vswapctl show, and the
# figures as "VSWAP: TOOLS <scenario> <key>=<value>" markers.
# Fails only if a step of the setup fails, never on the figures.

CG=/sys/fs/cgroup/swap-tools
HB=/opt/host/bin
DATA=/tmp/swap-tools

section() {
	echo
	echo "==== $* ===="
}

# tools SCENARIO WHEN: every tool's view, and the markers
tools() {
	sc=$1 when=$2
	section "$sc, $when: free (procps $($HB/free -V | sed 's/.* //'))"
	$HB/free -k
	section "$sc, $when: swapon --show (util-linux)"
	$HB/swapon --show 2>&1
	section "$sc, $when: /proc/swaps"
	cat /proc/swaps
	section "$sc, $when: /proc/meminfo"
	grep -E '^(Swap|Zswap)' /proc/meminfo
	section "$sc, $when: vmstat -s (swap lines) and /proc/vmstat"
	$HB/vmstat -s | grep -E 'swap$|swapped'
	grep -E '^(pswp|zswp|swpin_zero|swpout_zero)' /proc/vmstat
	section "$sc, $when: memory.stat (swap lines), memory.swap.current, memory.zswap.current"
	grep -E 'swap|swp' $CG/memory.stat
	echo "memory.swap.current $(cat $CG/memory.swap.current)"
	echo "memory.swap.peak $(cat $CG/memory.swap.peak)"
	echo "memory.zswap.current $(cat $CG/memory.zswap.current)"
	if [ -d /sys/module/vswap ]; then
		section "$sc, $when: vswapctl --cgroup swap-tools"
		vswapctl --cgroup swap-tools
	fi

	w="$sc $when"
	mark "TOOLS $w free_swap=$($HB/free -k | awk '/^Swap:/ { print $2 "/" $3 "/" $4 }')"
	mark "TOOLS $w swapon_stderr=$($HB/swapon --show 2>&1 >/dev/null)"
	mark "TOOLS $w swapon_show=$($HB/swapon --show --noheadings 2>/dev/null | awk '{ printf "%s%s %s %s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3, $4, $5 }')"
	mark "TOOLS $w proc_swaps=$(awk 'NR > 1 { printf "%s%s %s %s %s %s", (NR > 2 ? "; " : ""), $1, $2, $3, $4, $5 }' /proc/swaps)"
	for k in SwapTotal SwapFree SwapCached Zswap Zswapped; do
		mark "TOOLS $w meminfo_$k=$(awk -v k="$k:" '$1 == k { print $2 }' /proc/meminfo)"
	done
	for k in pswpin pswpout zswpin zswpout swpin_zero swpout_zero; do
		mark "TOOLS $w vmstat_$k=$(($(awk -v k="$k" '$1 == k { print $2 }' /proc/vmstat) - $(awk -v k="$k" '$1 == k { print $2 }' /tmp/vmstat0)))"
	done
	for k in zswap zswapped swapcached zswpin zswpout zswpwb swpin_zero swpout_zero; do
		mark "TOOLS $w memstat_$k=$(awk -v k="$k" '$1 == k { print $2 }' $CG/memory.stat)"
	done
	mark "TOOLS $w swap_current=$(cat $CG/memory.swap.current)"
	mark "TOOLS $w zswap_current=$(cat $CG/memory.zswap.current)"
	if [ -d /sys/module/vswap ]; then
		mark "TOOLS $w vswapctl=$(vswapctl -b | awk '$1 ~ /^(zero|zswap|disk|memory)$/ { printf "%s%s %s", (n++ ? ", " : ""), $1, $2 }')"
	fi
}

# run SCENARIO: the workload, with the views after each step
run() {
	sc=$1
	rm -rf $DATA
	mkdir -p $CG $DATA || return 1
	echo 16M > $CG/memory.max || return 1
	cp /proc/vmstat /tmp/vmstat0
	# 20 lines, not killed: vmstat does not flush its output to a file
	$HB/vmstat -n 1 20 > /tmp/vmstat.log &
	vmstat_pid=$!
	echo "$sc: writing 8 MiB of random data, 16 MiB of zeroes and 16 MiB of text to tmpfs in $CG (memory.max 16M)"
	sh -c "echo \$\$ > $CG/cgroup.procs &&
		head -c 8388608 /dev/urandom > $DATA/random &&
		dd if=/dev/zero of=$DATA/zero bs=1M count=16 2>/dev/null &&
		yes 'swap-tools: a line of text, compressible' | head -c 16777216 > $DATA/text &&
		md5sum $DATA/* > /tmp/swap-tools.md5" || return 1
	sleep 2
	echo "memory.current $(cat $CG/memory.current)"
	grep -E '^(anon|shmem|file|(in)?active_(anon|file)|unevictable) ' $CG/memory.stat
	tools "$sc" "under-pressure"
	echo max > $CG/memory.max
	echo
	echo "$sc: reading the files back (memory.max max)"
	sh -c "echo \$\$ > $CG/cgroup.procs && md5sum -c /tmp/swap-tools.md5" || return 1
	sleep 2
	tools "$sc" "after-readback"
	wait $vmstat_pid
	section "$sc: vmstat -n 1 20 over the run (si/so: KiB/s; the first line is since boot)"
	cat /tmp/vmstat.log
	w="$sc whole-run"
	mark "TOOLS $w vmstat_si_sum=$(awk 'NR > 3 { s += $7 } END { print s + 0 }' /tmp/vmstat.log)"
	mark "TOOLS $w vmstat_so_sum=$(awk 'NR > 3 { s += $8 } END { print s + 0 }' /tmp/vmstat.log)"
	rm -rf $DATA
	i=0
	while [ "$(cat $CG/memory.swap.current)" != 0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rmdir $CG
}

for b in free swapon vmstat; do
	if [ ! -x $HB/$b ]; then
		echo "swap-tools: $HB/$b is not in the initramfs"
		exit 1
	fi
done
echo +memory > /sys/fs/cgroup/cgroup.subtree_control || exit 1
echo Y > /sys/module/zswap/parameters/enabled || exit 1
# Stock's SSD path (per-cluster locks, per-CPU clusters), as on a server:
# QEMU's virtio-blk is rotational by default.
echo 0 > /sys/block/vda/queue/rotational || exit 1

section "stock: zswap on, /dev/vda as swap, vswap not loaded"
mkswap /dev/vda > /dev/null && swapon /dev/vda || exit 1
run stock || exit 1
swapoff /dev/vda || exit 1

section "vswap: zswap on, no disk"
insmod /lib/vswap/vswap.ko || exit 1
run vswap || exit 1

section "vswap+disk: zswap on, /dev/vda as vswap's disk"
mkswap /dev/vda > /dev/null && swapon /dev/vda || exit 1
run vswap+disk || exit 1
swapoff /dev/vda || exit 1
swapoff /dev/vswap || exit 1
rmmod vswap || exit 1
mark "TOOLS-DONE"
