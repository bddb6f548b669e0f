#!/bin/sh
# shellcheck shell=sh
# tests/guest/demo-workload.sh - the demo's memory-pressure workload, sourced
# by job-demo.sh with vswap loaded.  Busybox only: tmpfs files of zero,
# compressible and random data are written by a shell in a cgroup whose
# memory.max is a third of their size, so reclaim swaps them out through
# vswap: zero pages cost nothing, text goes to zswap, random data (which
# zswap rejects) goes to the disk.  Then swapoff of the disk moves its pages
# back without a page-table walk, the data is checked, and freeing it
# returns vswap to idle.  Exits non-zero if anything is off.

CG=/sys/fs/cgroup/vswap-demo
DBG=/sys/kernel/debug/vswap

counters() {
	for f in slots_used zero zswap phys inmem zswap_writeback unuse_moved \
		 metadata_bytes; do
		printf '%s=%s ' "$f" "$(cat "$DBG/$f")"
	done
	echo
}

cgstat() {
	printf 'memory.current=%s memory.swap.current=%s memory.zswap.current=%s\n' \
	       "$(cat $CG/memory.current)" "$(cat $CG/memory.swap.current)" \
	       "$(cat $CG/memory.zswap.current)"
}

echo "zswap on; /dev/vda as a physical backend"
echo 1 > /sys/module/zswap/parameters/enabled
mkswap /dev/vda > /dev/null && swapon /dev/vda || return 1
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p $CG && echo 32M > $CG/memory.max || return 1

echo
# Oldest first on the LRU, so the random data is reclaimed too
echo "writing 3 x 24 MiB of tmpfs data (random, zero, text) in a cgroup with memory.max=32M ..."
mkdir -p /tmp/demo
sh -c "echo \$\$ > $CG/cgroup.procs &&
	head -c 25165824 /dev/urandom > /tmp/demo/random &&
	dd if=/dev/zero of=/tmp/demo/zero bs=1M count=24 2>/dev/null &&
	yes 'vswap demo: a compressible line of text' | head -c 25165824 > /tmp/demo/text &&
	md5sum /tmp/demo/* > /tmp/sums" || return 1

echo
echo "under pressure:"
counters
cgstat
echo "(memory.swap.current counts only the pages on disk)"
cat /proc/swaps

echo
echo "swapoff /dev/vda while its pages are in use (vswap walks its own table):"
echo max > $CG/memory.max
swapoff /dev/vda || return 1
counters
cat /proc/swaps

echo
echo "checking every file against its checksum:"
md5sum -c /tmp/sums || return 1

echo
echo "freeing the data:"
rm -rf /tmp/demo
i=0
while [ "$(cat $DBG/slots_used)" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
counters
[ "$(cat $DBG/slots_used)" = 0 ] || return 1
rmdir $CG
echo 0 > /sys/module/zswap/parameters/enabled
