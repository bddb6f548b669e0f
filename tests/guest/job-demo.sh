#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-demo.sh - what a user wants to see: vswap loaded and working.
# Sourced by /init (mark() comes from there).  Fails (non-zero) if the module
# is missing or does not load/unload.

section() {
	echo
	echo "==== $* ===="
}
show_swaps() {
	section "/proc/swaps ($1)"
	cat /proc/swaps
	section "free -m ($1)"
	free -m
}

section "kernel"
uname -r
show_swaps "before insmod"

KO=/lib/vswap/vswap.ko
if [ ! -f "$KO" ]; then
	echo "demo: $KO is not in the initramfs (vswap.ko was not built)"
	mark "DEMO status=no-module"
	exit 1
fi
section "insmod $KO"
cat /lib/vswap/vswap.modinfo 2>/dev/null
if ! insmod "$KO"; then
	mark "DEMO status=insmod-failed"
	exit 1
fi
lsmod
section "kernel messages from vswap"
# (strip the timestamp: the host hides "[ 1.23] ..." kernel lines from the view)
dmesg | grep -E '^\[[^]]*\] vswap' | sed 's/^\[[^]]*\] */kernel: /' || echo "(none)"
show_swaps "after insmod"

section "/sys/kernel/debug/vswap"
if [ -d /sys/kernel/debug/vswap ]; then
	find /sys/kernel/debug/vswap -type f | sort | while read -r f; do
		printf '%s: %s\n' "${f#/sys/kernel/debug/vswap/}" "$(cat "$f" 2>&1)"
	done
else
	echo "(no /sys/kernel/debug/vswap directory)"
fi

# ---- HOOK: memory-pressure workload -----------------------------------
# A later issue adds a workload that pushes memory into vswap.  Put it in
# tests/guest/demo-workload.sh (sourced here, after insmod, before rmmod);
# then show the debugfs counters again.
if [ -f /guest/demo-workload.sh ]; then
	section "memory-pressure workload"
	# shellcheck disable=SC1091
	(. /guest/demo-workload.sh) || {
		mark "DEMO status=workload-failed"
		exit 1
	}
fi
# ---- end of HOOK --------------------------------------------------------

section "rmmod vswap"
if ! rmmod vswap; then
	mark "DEMO status=rmmod-failed"
	exit 1
fi
show_swaps "after rmmod"
mark "DEMO status=ok"
