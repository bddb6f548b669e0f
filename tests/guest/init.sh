#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/init.sh - becomes /init in the vswap test initramfs.
# Mounts the basics, runs the job named on the kernel command line
# (vswap.job=NAME -> /guest/job-NAME.sh), dumps the kernel log and powers
# off with `reboot -f` (QEMU runs with -no-reboot, so that ends the VM).
#
# Markers: every line starting with "VSWAP: " is a marker for the host.
# Markers go to the console AND to /dev/ttyS1, a second serial port that
# QEMU writes to a file, so the host can parse them without kernel
# messages interleaving.  Kernel command line parameters understood:
#   vswap.job=test|demo|probe|shell   (default: test)
#   vswap.tests=name1,name2           (test job: binaries to run; default all)
#   vswap.test_timeout=SECONDS        (test job: per-binary timeout; default 600)
#   vswap.scale=PERCENT               (exported as VSWAP_SCALE: test workload
#                                     scale, 1..100, see tests/lib/util.h)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=linux

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null ||
	echo "init: cgroup2 not available"
hostname vswap-vm
ulimit -c 0

mark() {
	echo "VSWAP: $*"
	echo "VSWAP: $*" >/dev/ttyS1 2>/dev/null
}

# Benchmark jobs: run /tests/$1, mark each "# bench: " line it prints as
# "BENCH <figures>", then "BENCH-DONE rc=..".  Fails only if the binary
# failed (bad data, a setup that could not be done), never on timing.
bench_run() {
	if [ ! -x "/tests/$1" ]; then
		echo "bench: /tests/$1 is not in the initramfs"
		mark "BENCH-DONE rc=2"
		return 2
	fi
	{
		cd /tmp && "/tests/$1"
		echo $? >/tmp/bench-rc
	} 2>&1 | tee "/tmp/$1.out"
	rc=$(cat /tmp/bench-rc)
	grep -E '^# bench: ' "/tmp/$1.out" | sed 's/^# bench: //' | while read -r l; do
		mark "BENCH $l"
	done
	mark "BENCH-DONE rc=$rc"
	[ "$rc" -eq 0 ]
}

VSWAP_JOB="test"
VSWAP_TESTS=
VSWAP_TEST_TIMEOUT=600
# shellcheck disable=SC2013  # words, not lines
for arg in $(cat /proc/cmdline); do
	case $arg in
	vswap.job=*) VSWAP_JOB=${arg#*=} ;;
	vswap.tests=*) VSWAP_TESTS=${arg#*=} ;;
	vswap.test_timeout=*) VSWAP_TEST_TIMEOUT=${arg#*=} ;;
	vswap.scale=*) VSWAP_SCALE=${arg#*=}; export VSWAP_SCALE ;;
	esac
done
export VSWAP_JOB VSWAP_TESTS VSWAP_TEST_TIMEOUT

mark "JOB-START job=$VSWAP_JOB kernel=$(uname -r)"
if [ -f "/guest/job-$VSWAP_JOB.sh" ]; then
	# Subshell: a job's `exit` must not kill init.
	# shellcheck disable=SC1090
	(. "/guest/job-$VSWAP_JOB.sh")
	rc=$?
else
	echo "init: unknown job '$VSWAP_JOB' (no /guest/job-$VSWAP_JOB.sh)"
	rc=2
fi

mark "DMESG-BEGIN"
dmesg
mark "DMESG-END"
mark "JOB-DONE job=$VSWAP_JOB rc=$rc"
sync
reboot -f
# Should not get here; never let init exit (that would panic the kernel).
echo o >/proc/sysrq-trigger
sleep 1000
