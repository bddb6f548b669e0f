#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-shell.sh - interactive shell for debugging
# (scripts/vm.sh --job shell --interactive).  `exit` powers the VM off.
echo "vswap debug shell: vswap.ko is /lib/vswap/vswap.ko, tests are in /tests"
setsid cttyhack sh -l
