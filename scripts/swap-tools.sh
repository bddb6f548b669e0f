#!/usr/bin/env bash
# scripts/swap-tools.sh - what common tools show with vswap loaded: builds
# everything (kernel, vswap.ko, initramfs with the host's util-linux swapon
# and procps free/vmstat), boots the VM once with the guest job
# tests/guest/job-swap-tools.sh (stock with zswap and a disk, vswap with
# zswap and no disk, vswap with zswap and a disk; the same tmpfs workload
# in each), and prints the figures as the README's Markdown table.  The
# tools' full output is in the console log.  Figures are not judged: the
# exit status is non-zero only if a build, the VM or a setup step failed.
#
#   scripts/swap-tools.sh
#
# Env: VSWAP_FLAVOR, VSWAP_VM_TIMEOUT (default 900 s), VSWAP_ACCEL,
#      VSWAP_VERBOSE, VSWAP_CACHE (as for scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

usage_on_help "$@"
[ $# -eq 0 ] || usage_die "no arguments expected, got '$*'"

fail() { run_failed swap-tools "$1"; }
vswap_lock
log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE"
build_phases --need-module --no-tests || fail "$BUILD_FAILED"
res=$(mktemp)
trap 'rm -f "$res"' EXIT
rc=0
phase vm "$VSWAP_SCRIPTS/vm.sh" --job swap-tools --timeout "${VSWAP_VM_TIMEOUT:-900}" \
	--result-file "$res" || rc=1
phase_summary
[ "$rc" = 0 ] || fail "VM run, see the messages above"
vmlog=$(sed -n 's/^log=//p' "$res" | head -n 1)
markers=${vmlog%.log}.markers
grep -q '^VSWAP: TOOLS-DONE' "$markers" || fail "the guest job did not finish"

# One row per figure, one column per scenario and moment
log "figures (KiB for meminfo and free, pages for vmstat, bytes for cgroup files):"
awk '
	/^VSWAP: TOOLS / {
		col = $3 " " $4
		kv = substr($0, index($0, $5))
		k = substr(kv, 1, index(kv, "=") - 1)
		v = substr(kv, index(kv, "=") + 1)
		if (!(col in seen)) { seen[col] = 1; cols[++nc] = col }
		if (!(k in seenk)) { seenk[k] = 1; keys[++nk] = k }
		val[k, col] = v
	}
	END {
		printf "| figure |"
		for (c = 1; c <= nc; c++) printf " %s |", cols[c]
		printf "\n| --- |"
		for (c = 1; c <= nc; c++) printf " --- |"
		printf "\n"
		for (i = 1; i <= nk; i++) {
			printf "| %s |", keys[i]
			for (c = 1; c <= nc; c++)
				printf " %s |", ((keys[i], cols[c]) in val) ? val[keys[i], cols[c]] : "-"
			printf "\n"
		}
	}' "$markers"
log "the tools' full output: $vmlog"
