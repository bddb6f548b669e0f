#!/usr/bin/env bash
# scripts/bench-pristine.sh - does the hooked kernel cost anything while
# vswap is not loaded?  Builds a pristine 6.12 (the pinned source without
# hooks-patch/, configured from the vm flavor's fragment: flavor
# "pristine", with a tree and build directory of its own; about 13 minutes
# the first time) and the hooked vm kernel, then boots them in turn, B
# times each, with the same initramfs (the vm flavor's).  Every boot runs
# the stock configuration of the swapoff benchmark (tests/bench_swapoff.c
# with vswap.bench_modes=stock: P processes swap S KiB each out to
# /dev/vda, non-rotational, zswap off, and keep R MiB resident; swapoff
# /dev/vda is timed, best of N rounds; every page is verified).  Prints
# every boot's figure, then per kernel the median and minimum over its
# boots, and hooked/pristine (1.00: the hooks cost nothing).  Alternating
# boots spread the host's drift over both kernels.  Other pipelines using
# $VSWAP_CACHE wait for the whole run.  Figures are informative only: the
# exit status is non-zero only for bad data, a build/VM failure or a kernel
# problem.
#
#   scripts/bench-pristine.sh                  # 5 boots each, 200 procs x 2 MiB + 4 MiB resident, best of 3
#   scripts/bench-pristine.sh 3 100 2048 4 2   # boots, procs, KiB swapped, MiB resident, rounds
#
# Keep procs x (swapped + resident) well under the guest's 2 GiB.
# Env: VSWAP_VM_TIMEOUT (per boot, default 1200 s), VSWAP_ACCEL,
#      VSWAP_VERBOSE, VSWAP_CACHE (as for scripts/test.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage_on_help "$@"
BOOTS=${1:-5}
PROCS=${2:-200}
SWAP_KB=${3:-2048}
RES_MB=${4:-4}
ROUNDS=${5:-3}
[ $# -le 5 ] || usage_die "too many arguments"
case $BOOTS$PROCS$SWAP_KB$RES_MB$ROUNDS in *[!0-9]*) usage_die "boots, procs, KiB, MiB and rounds must be numbers, got '$BOOTS' '$PROCS' '$SWAP_KB' '$RES_MB' '$ROUNDS'" ;; esac
[ "$BOOTS" -ge 1 ] || usage_die "boots must be at least 1"

# one pipeline at a time, from the kernel builds to the last boot
vswap_lock
set_flavor vm
log "cache $VSWAP_CACHE, $BOOTS boot(s) each of pristine and vm, $PROCS procs x $SWAP_KB KiB + $RES_MB MiB resident, best of $ROUNDS round(s)"
build_phases bench_swapoff || run_failed bench-pristine "$BUILD_FAILED"
phase pristine "$VSWAP_SCRIPTS/kernel.sh" pristine || run_failed bench-pristine "pristine kernel"
INITRD=$VSWAP_OUT/initramfs.cpio.gz

# The two configs must differ in CONFIG_SWAP_OPS alone.
grep -q '^CONFIG_SWAP_OPS=y' "$KBUILD/.config" || run_failed bench-pristine "the vm kernel has no CONFIG_SWAP_OPS"
cfg_diff=$(diff <(grep -v SWAP_OPS "$KBUILD/.config") \
	<(grep -v SWAP_OPS "$VSWAP_CACHE/build/pristine/.config") | grep '^[<>]' || true)
[ -z "$cfg_diff" ] || warn "the vm and pristine configs differ in more than CONFIG_SWAP_OPS (< vm, > pristine): $(xargs <<<"$cfg_diff")"

# one_boot FLAVOR: one boot of FLAVOR's kernel; sets WALL and SYS (ms) of
# its stock swapoff, and ACCEL.  Returns 1 on a VM failure or no figure.
one_boot() {
	local res log line
	res=$(mktemp)
	WALL='' SYS=''
	if ! "$VSWAP_SCRIPTS/vm.sh" --flavor "$1" --initrd "$INITRD" --job bench-swapoff \
		--timeout "${VSWAP_VM_TIMEOUT:-1200}" --result-file "$res" --append \
		"vswap.bench_modes=stock vswap.bench_procs=$PROCS vswap.bench_swap_kb=$SWAP_KB vswap.bench_resident_mb=$RES_MB vswap.bench_rounds=$ROUNDS"; then
		rm -f "$res"
		return 1
	fi
	log=$(sed -n 's/^log=//p' "$res" | head -n 1)
	ACCEL=$(sed -n 's/^accel=//p' "$res" | head -n 1)
	rm -f "$res"
	[ -n "$log" ] && [ -f "${log%.log}.markers" ] || return 1
	line=$(grep -E '^VSWAP: BENCH swapoff .* stock [0-9.]+ ms \(sys [0-9.]+\)' "${log%.log}.markers" | tail -n 1 || true)
	read -r WALL SYS < <(sed -E 's/.* stock ([0-9.]+) ms \(sys ([0-9.]+)\).*/\1 \2/' <<<"$line")
	[ -n "$WALL" ]
}

# boots: B rounds of one pristine and one vm boot; FIGS[flavor] collects
# "wall,sys" of each.  Runs inside `phase ... ||`: set -e is off.
declare -A FIGS=([pristine]='' [vm]='')
ACCEL=
# shellcheck disable=SC2317  # invoked indirectly via phase
boots() {
	local b fl
	for ((b = 1; b <= BOOTS; b++)); do
		for fl in pristine vm; do
			if ! one_boot "$fl"; then
				BOOT_FAILED="$fl boot $b"
				return 1
			fi
			FIGS[$fl]+="$WALL,$SYS "
			log "boot $b $fl: swapoff $WALL ms (sys $SYS ms)"
		done
	done
}
BOOT_FAILED=
phase vm boots || run_failed bench-pristine "$BOOT_FAILED, see the messages above"

# stats FLAVOR COLUMN: "median min" of column 1 (wall) or 2 (sys) of FIGS
stats() {
	tr ' ' '\n' <<<"${FIGS[$1]}" | grep . | cut -d, -f"$2" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.1f %.1f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
read -r pm pmin < <(stats pristine 1)
read -r hm hmin < <(stats vm 1)
read -r psm psmin < <(stats pristine 2)
read -r hsm hsmin < <(stats vm 2)

phase_summary
log "bench-pristine figures ($ACCEL; $BOOTS boots of each kernel, alternating; $PROCS procs x $SWAP_KB KiB swapped + $RES_MB MiB resident, best of $ROUNDS per boot; /dev/vda non-rotational, zswap off, vswap not loaded):"
log "  swapoff /dev/vda, pristine 6.12: median $pm ms (sys $psm), min $pmin ms (sys $psmin)"
log "  swapoff /dev/vda, hooked 6.12:   median $hm ms (sys $hsm), min $hmin ms (sys $hsmin)"
log "  hooked/pristine: median $(ratio "$hm" "$pm")x (sys $(ratio "$hsm" "$psm")x), min $(ratio "$hmin" "$pmin")x (sys $(ratio "$hsmin" "$psmin")x); 1.00: the hooks cost nothing"
log "bench-pristine OK (figures are informative, not pass/fail)"
