#!/usr/bin/env bash
# scripts/test.sh [test-name ...] - build everything and run the test suite
# in a QEMU VM.  Does all setup itself (packages, kernel source, hooks-patch,
# config, kernel, vswap.ko, tests, initramfs).
#
#   scripts/test.sh               # all tests (every tests/*.c)
#   scripts/test.sh smoke foo     # only the test binaries smoke and foo
#
# Env: VSWAP_FLAVOR (default vm: scripts/config/<flavor>.config),
#      VSWAP_VM_TIMEOUT (default 1200 s), VSWAP_TEST_TIMEOUT (per binary,
#      default 600 s), VSWAP_ACCEL=auto|tcg|kvm, VSWAP_VERBOSE=1,
#      VSWAP_CACHE (default ~/.cache/vswap).
#      VSWAP_SMP (vCPUs, default 2); VSWAP_SMP_TESTS (default 1): after a
#      full run of the vm flavor, run the race tests again with 4 vCPUs.
#      VSWAP_CI_DEBUG (default 1): after a full run of the vm flavor, run
#      the whole suite again on the debug flavor (KASAN, lockdep, fault
#      injection, ...) at VSWAP_DEBUG_SCALE percent of the workload
#      (default 25); 0 skips it.
#      VSWAP_DKMS_TEST=0, VSWAP_BUILD_CHECK=0: leave out the DKMS test
#      (scripts/dkms-test.sh) or the build check under Debian's kernel
#      config (scripts/build-check.sh) of a full run.
# The very last line is always "N passed, N failed[, N skipped]"; the exit
# status is non-zero on any failure, kernel-log problem, timeout, or when no
# test ran.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
	;;
esac
finish() { # finish PASS FAIL SKIP EXIT_CODE
	phase_summary
	if [ "$3" -gt 0 ]; then echo "$1 passed, $2 failed, $3 skipped"; else echo "$1 passed, $2 failed"; fi
	exit "$4"
}
setup_failed() {
	log "FAILED during setup/build ($1); no test ran - counting it as 1 failure"
	finish 0 1 0 1
}

NAMES=()
for a in "$@"; do
	a=${a##*/}
	a=${a%.c}
	if [ ! -f "$VSWAP_ROOT/tests/$a.c" ]; then
		log "ERROR: no test named '$a' (no tests/$a.c); available: $(find "$VSWAP_ROOT/tests" -maxdepth 1 -name '*.c' -printf '%f\n' | sed 's/\.c$//' | sort | xargs)"
		finish 0 1 0 2
	fi
	NAMES+=("$a")
done

vswap_lock
# Note: runs inside `phase ... || ...`, where set -e is off: check each step.
# shellcheck disable=SC2317  # invoked indirectly via phase
build_tests() {
	log "building test binaries..."
	local t src
	mkdir -p "$VSWAP_OUT/tests"
	# Drop binaries whose tests/*.c is gone.
	for t in "$VSWAP_OUT"/tests/*; do
		[ -e "$t" ] || continue
		src=$VSWAP_ROOT/tests/${t##*/}.c
		[ -f "$src" ] || rm -f "$t"
	done
	make -s -C "$VSWAP_ROOT/tests" -j"$NPROC" KSRC="$KSRC" KHDR="$KBUILD/usr/include" OUT="$VSWAP_OUT/tests" all || return 1
	for t in "${NAMES[@]}"; do
		if [ ! -x "$VSWAP_OUT/tests/$t" ]; then
			log "no test named '$t'; available: $(make -s -C "$VSWAP_ROOT/tests" list | xargs)"
			return 1
		fi
	done
	log "$(find "$VSWAP_OUT/tests" -maxdepth 1 -type f | wc -l) test binaries built"
}

log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE"
phase deps "$VSWAP_SCRIPTS/deps.sh" || setup_failed deps
phase kernel "$VSWAP_SCRIPTS/kernel.sh" "$VSWAP_FLAVOR" || setup_failed kernel
phase module "$VSWAP_SCRIPTS/module.sh" "$VSWAP_FLAVOR" || setup_failed module

phase tests build_tests || setup_failed tests
phase initramfs "$VSWAP_SCRIPTS/initramfs.sh" "$VSWAP_FLAVOR" || setup_failed initramfs

RES=$(mktemp)
trap 'rm -f "$RES"' EXIT
VMARGS=(--job test --result-file "$RES")
if [ "${#NAMES[@]}" -gt 0 ]; then
	VMARGS+=(--tests "$(
		IFS=,
		echo "${NAMES[*]}"
	)")
fi
phase vm "$VSWAP_SCRIPTS/vm.sh" "${VMARGS[@]}" || true

get() { sed -n "s/^$1=//p" "$RES" | head -n 1; }
STATUS=$(get status)
PASS=$(get pass) FAIL=$(get fail) SKIP=$(get skip)
[ -n "$STATUS" ] || setup_failed "vm.sh produced no result"
RC=0
case $STATUS in
ok) ;;
no-tests)
	log "FAILED: no test ran"
	RC=1
	;;
*)
	RC=1
	if [ "$FAIL" -eq 0 ]; then
		# A VM-level failure (timeout, kernel problem, panic) not reflected in
		# the per-case counts still has to show up in the closing line.
		log "FAILED: VM run status '$STATUS' - counting it as 1 failure"
		FAIL=$((FAIL + 1))
	fi
	;;
esac
log "console log: $(get log)"
log "result: $PASS passed, $FAIL failed, $SKIP skipped (status: $STATUS)"

# counted_phase NAME SCRIPT: run a checking script of a full run as phase
# NAME with --result-file, and add its pass=/fail=/skip= to the closing
# line; a script that reports no result counts as 1 failure.
counted_phase() {
	local name=$1 script=$2 res p f s
	res=$(mktemp)
	log "$name: scripts/${script##*/}..."
	phase "$name" "$script" --result-file "$res" || RC=1
	p=$(sed -n 's/^pass=//p' "$res") f=$(sed -n 's/^fail=//p' "$res") s=$(sed -n 's/^skip=//p' "$res")
	rm -f "$res"
	if [ -z "$f" ]; then
		log "FAILED: scripts/${script##*/} reported no result - counting it as 1 failure"
		p=0 f=1 s=0
	fi
	[ "$f" -eq 0 ] || RC=1
	log "$name: $p passed, $f failed, $s skipped"
	PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
}

# DKMS packaging test (scripts/dkms-test.sh, ~2-3 min): full runs only.
# VSWAP_DKMS_TEST=0 skips it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "${VSWAP_DKMS_TEST:-1}" != 0 ]; then
	counted_phase dkms "$VSWAP_SCRIPTS/dkms-test.sh"
fi

# Suspend to disk across a power cycle (scripts/hibernate-test.sh, two
# boots, under a minute): full runs of the vm flavor only.
# tests/hibernate.c (one boot, test_resume) is in the suite of both
# flavors.  VSWAP_HIBERNATE_TEST=0 skips it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "$VSWAP_FLAVOR" = vm ] && [ "${VSWAP_HIBERNATE_TEST:-1}" != 0 ]; then
	counted_phase hibernate "$VSWAP_SCRIPTS/hibernate-test.sh"
fi

# Build check under Debian's own kernel config (scripts/build-check.sh:
# mm/, kernel/power/ and vswap.ko with CONFIG_SWAP_OPS=y, the touched files
# with SWAP_OPS=n and with MEMCG=n, -Werror; ~1 min warm, ~11 min on a
# new machine): full runs only.  VSWAP_BUILD_CHECK=0 skips it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "${VSWAP_BUILD_CHECK:-1}" != 0 ]; then
	counted_phase build-check "$VSWAP_SCRIPTS/build-check.sh"
fi

# More CPUs: on full runs of the vm flavor, boot it again with 4 vCPUs
# (VSWAP_SMP) for the tests that race CPUs against each other (~4 min; TCG
# runs the extra vCPUs as threads on the host's cores).  Its cases count
# into the closing line.  VSWAP_SMP_TESTS=0 skips it.
SMP_TESTS=(races vswap_swapoff swap_stress stress_ng)
if [ "${#NAMES[@]}" -eq 0 ] && [ "$VSWAP_FLAVOR" = vm ] && [ "${VSWAP_SMP_TESTS:-1}" = 1 ]; then
	SOUT=$(mktemp)
	log "4 vCPUs: ${SMP_TESTS[*]}..."
	# shellcheck disable=SC2317  # invoked indirectly via phase
	run_smp() {
		VSWAP_SMP=4 VSWAP_CI_DEBUG=0 VSWAP_DKMS_TEST=0 VSWAP_BUILD_CHECK=0 \
			"$VSWAP_SCRIPTS/test.sh" "${SMP_TESTS[@]}" 2>&1 | tee "$SOUT" | sed -u 's/^/[smp4] /'
		return "${PIPESTATUS[0]}"
	}
	phase smp4 run_smp || RC=1
	read -r SP SF SS < <(tail -n 1 "$SOUT" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p') || true
	rm -f "$SOUT"
	if [ -z "${SF:-}" ]; then
		log "FAILED: the 4-vCPU run reported no result - counting it as 1 failure"
		SP=0 SF=1 RC=1
	fi
	SS=${SS:-0}
	[ "$SF" -eq 0 ] || RC=1
	log "4 vCPUs: $SP passed, $SF failed, $SS skipped"
	PASS=$((PASS + SP)) FAIL=$((FAIL + SF)) SKIP=$((SKIP + SS))
fi

# Debug flavor (scripts/config/debug.config: KASAN, lockdep, DEBUG_VM, ...):
# on full runs of the vm flavor, run the whole suite again on the debug
# kernel, with the workload shrunk (VSWAP_SCALE percent, tests/vswap_test.h)
# because KASAN+lockdep under TCG is several times slower.  Its cases count
# into the closing line.  Measured: ~9 min cold kernel build, ~12 min in
# the VM.  VSWAP_CI_DEBUG=0 skips it; VSWAP_DEBUG_SCALE,
# VSWAP_DEBUG_VM_TIMEOUT, VSWAP_DEBUG_TEST_TIMEOUT tune it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "$VSWAP_FLAVOR" = vm ] && [ "${VSWAP_CI_DEBUG:-1}" = 1 ]; then
	DOUT=$(mktemp)
	log "debug flavor: whole suite on the debug kernel (VSWAP_SCALE=${VSWAP_DEBUG_SCALE:-25})..."
	# shellcheck disable=SC2317  # invoked indirectly via phase
	run_debug() {
		VSWAP_FLAVOR=debug VSWAP_CI_DEBUG=0 VSWAP_DKMS_TEST=0 VSWAP_BUILD_CHECK=0 \
			VSWAP_SCALE=${VSWAP_DEBUG_SCALE:-25} \
			VSWAP_VM_TIMEOUT=${VSWAP_DEBUG_VM_TIMEOUT:-3000} \
			VSWAP_TEST_TIMEOUT=${VSWAP_DEBUG_TEST_TIMEOUT:-1200} \
			"$VSWAP_SCRIPTS/test.sh" 2>&1 | tee "$DOUT" | sed -u 's/^/[debug] /'
		return "${PIPESTATUS[0]}"
	}
	phase debug run_debug || RC=1
	read -r GP GF GS < <(tail -n 1 "$DOUT" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p') || true
	rm -f "$DOUT"
	if [ -z "${GF:-}" ]; then
		log "FAILED: the debug flavor run reported no result - counting it as 1 failure"
		GP=0 GF=1 RC=1
	fi
	GS=${GS:-0}
	[ "$GF" -eq 0 ] || RC=1
	log "per-flavor: vm+dkms: $PASS passed, $FAIL failed, $SKIP skipped; debug: $GP passed, $GF failed, $GS skipped"
	PASS=$((PASS + GP)) FAIL=$((FAIL + GF)) SKIP=$((SKIP + GS))
fi
finish "$PASS" "$FAIL" "$SKIP" "$RC"
