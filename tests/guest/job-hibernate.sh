#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-hibernate.sh - tests/hibernate_reboot.c across a power
# cycle.  Sourced by /init (mark() comes from there).
#
# Boot 1 runs /tests/hibernate_reboot like the test job; the test
# hibernates to /dev/vda and the VM powers off in the middle of it.
# scripts/test.sh then overwrites the token on vdb.img and boots the same
# disks with "resume=/dev/vda vswap.hibernate=resume": the kernel restores
# boot 1's memory, this very job (and the test) go on from where they
# stopped and report as the test job does.  If this job starts afresh with
# vswap.hibernate=resume on the command line, the image was not resumed.

if grep -q 'vswap.hibernate=resume' /proc/cmdline; then
	echo "not ok - hibernate: this boot did not resume the image written by the first one (see 'PM:' lines above)"
	mark "RESULT pass=0 fail=1 skip=0 binaries=1"
	exit 1
fi
VSWAP_TESTS=hibernate_reboot
# shellcheck source=tests/guest/job-test.sh
. /guest/job-test.sh
