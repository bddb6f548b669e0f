#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-probe.sh - used by scripts/vm.sh to check that an
# accelerator (KVM) really runs a guest: just report and power off.
mark "PROBE-OK"
