#!/usr/bin/env bash
# scripts/test.sh [--result-file FILE] [test-name ...] - build everything
# and run the test suite in a QEMU VM.  Does all setup itself (packages,
# kernel source, hooks-patch, config, kernel, vswap.ko, tests, initramfs).
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
# test ran (2 for a bad argument).  --result-file FILE gets the same counts
# as pass=/fail=/skip= lines.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

finish() { # finish PASS FAIL SKIP EXIT_CODE
	phase_summary
	[ -z "$RESULT_FILE" ] || printf 'pass=%s\nfail=%s\nskip=%s\n' "$1" "$2" "$3" >"$RESULT_FILE"
	if [ "$3" -gt 0 ]; then echo "$1 passed, $2 failed, $3 skipped"; else echo "$1 passed, $2 failed"; fi
	exit "$4"
}
setup_failed() {
	log "FAILED during setup/build ($1); no test ran - counting it as 1 failure"
	finish 0 1 0 1
}

# A bad argument still ends with the closing line (exit status 2).
bad_usage() {
	log "ERROR: $* (see scripts/test.sh --help)"
	finish 0 1 0 2
}

NAMES=()
RESULT_FILE=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage_from_header
		exit 0
		;;
	--result-file)
		[ $# -ge 2 ] || bad_usage "--result-file needs a value"
		RESULT_FILE=$2
		shift
		;;
	-*) bad_usage "unknown option '$1'" ;;
	*)
		a=${1##*/}
		a=${a%.c}
		if [ ! -f "$VSWAP_ROOT/tests/$a.c" ]; then
			bad_usage "no test named '$a' (no tests/$a.c); available: $(find "$VSWAP_ROOT/tests" -maxdepth 1 -name '*.c' -printf '%f\n' | sed 's/\.c$//' | sort | xargs)"
		fi
		NAMES+=("$a")
		;;
	esac
	shift
done

vswap_lock
log "flavor $VSWAP_FLAVOR, cache $VSWAP_CACHE"
build_phases "${NAMES[@]}" || setup_failed "$BUILD_FAILED"

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

# counted_phase NAME COMMAND...: run a checking command of a full run as
# phase NAME with --result-file, and add its pass=/fail=/skip= to the
# closing line; a command that reports no result counts as 1 failure.
counted_phase() {
	local name=$1 res p f s
	shift
	res=$(mktemp)
	phase "$name" "$@" --result-file "$res" || RC=1
	p=$(sed -n 's/^pass=//p' "$res") f=$(sed -n 's/^fail=//p' "$res") s=$(sed -n 's/^skip=//p' "$res")
	rm -f "$res"
	if [ -z "$f" ]; then
		log "FAILED: $name reported no result - counting it as 1 failure"
		p=0 f=1 s=0
	fi
	[ "$f" -eq 0 ] || RC=1
	log "$name: $p passed, $f failed, $s skipped"
	PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
}

# counted_script NAME SCRIPT: counted_phase of one of the checking scripts.
counted_script() {
	log "$1: scripts/${2##*/}..."
	counted_phase "$1" "$2"
}

# nested_test TAG VAR=VALUE... -- ARG...: this script again, with the
# environment VAR=VALUE... and no debug/DKMS/build-check passes of its own,
# its output prefixed with "[TAG] ".
# shellcheck disable=SC2317  # invoked indirectly via counted_phase
nested_test() {
	local tag=$1 envs=()
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	env VSWAP_CI_DEBUG=0 VSWAP_DKMS_TEST=0 VSWAP_BUILD_CHECK=0 "${envs[@]}" \
		"$VSWAP_SCRIPTS/test.sh" "$@" 2>&1 | sed -u "s/^/[$tag] /"
	return "${PIPESTATUS[0]}"
}

# run_pass NAME VAR=VALUE... [-- TEST...]: one more pass of the suite (or
# of TEST...) in a nested scripts/test.sh with the environment VAR=VALUE...,
# as counted phase NAME: its cases count into the closing line, from the
# nested run's result file.
run_pass() {
	local name=$1 envs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	log "$name: ${*:-the whole suite} (${envs[*]})..."
	counted_phase "$name" nested_test "$name" "${envs[@]}" -- "$@"
}

# DKMS packaging test (scripts/dkms-test.sh, ~2-3 min): full runs only.
# VSWAP_DKMS_TEST=0 skips it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "${VSWAP_DKMS_TEST:-1}" != 0 ]; then
	counted_script dkms "$VSWAP_SCRIPTS/dkms-test.sh"
fi

# Suspend to disk across a power cycle (scripts/hibernate-test.sh, two
# boots, under a minute): full runs of the vm flavor only.
# tests/hibernate.c (one boot, test_resume) is in the suite of both
# flavors.  VSWAP_HIBERNATE_TEST=0 skips it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "$VSWAP_FLAVOR" = vm ] && [ "${VSWAP_HIBERNATE_TEST:-1}" != 0 ]; then
	counted_script hibernate "$VSWAP_SCRIPTS/hibernate-test.sh"
fi

# Build check under Debian's own kernel config (scripts/build-check.sh:
# mm/, kernel/power/ and vswap.ko with CONFIG_SWAP_OPS=y, the touched files
# with SWAP_OPS=n and with MEMCG=n, -Werror; ~1 min warm, ~11 min on a
# new machine): full runs only.  VSWAP_BUILD_CHECK=0 skips it.
if [ "${#NAMES[@]}" -eq 0 ] && [ "${VSWAP_BUILD_CHECK:-1}" != 0 ]; then
	counted_script build-check "$VSWAP_SCRIPTS/build-check.sh"
fi

# More CPUs: on full runs of the vm flavor, boot it again with 4 vCPUs
# (VSWAP_SMP) for the tests that race CPUs against each other (~4 min; TCG
# runs the extra vCPUs as threads on the host's cores).  Its cases count
# into the closing line.  VSWAP_SMP_TESTS=0 skips it.
SMP_TESTS=(races vswap_swapoff swap_stress stress_ng)
if [ "${#NAMES[@]}" -eq 0 ] && [ "$VSWAP_FLAVOR" = vm ] && [ "${VSWAP_SMP_TESTS:-1}" = 1 ]; then
	run_pass smp4 VSWAP_SMP=4 -- "${SMP_TESTS[@]}"
fi

# Debug flavor (scripts/config/debug.config: KASAN, lockdep, DEBUG_VM, ...):
# on full runs of the vm flavor, run the suite again on the debug kernel,
# with the workload shrunk (VSWAP_SCALE percent, tests/lib/util.h) because
# KASAN+lockdep under TCG is several times slower.  Its cases count into
# the closing line.  Left out of it, for CI's time budget (~11 min): the
# benchmarks, whose figures mean nothing on this kernel, but for
# bench_concurrency (its lock table needs the debug kernel's lock_stat);
# kst_stock, the kernel's selftests without vswap, where no vswap code
# runs; kst_vswap_phys, the same selftests with a disk behind vswap, whose
# backend paths phys_backend, phys_swap and phys_swapoff cover here.  The
# plain pass runs them all.  Measured: ~15 min cold kernel build, ~27 min
# in the VM.  VSWAP_CI_DEBUG=0 skips it; VSWAP_DEBUG_SCALE,
# VSWAP_DEBUG_VM_TIMEOUT, VSWAP_DEBUG_TEST_TIMEOUT tune it.
DEBUG_SKIP=(bench_reserve bench_swap bench_swapoff hibernate_reboot kst_stock
	kst_vswap_phys)
if [ "${#NAMES[@]}" -eq 0 ] && [ "$VSWAP_FLAVOR" = vm ] && [ "${VSWAP_CI_DEBUG:-1}" = 1 ]; then
	log "so far (vm flavor and its checks): $PASS passed, $FAIL failed, $SKIP skipped"
	mapfile -t DEBUG_TESTS < <(make -s -C "$VSWAP_ROOT/tests" list |
		grep -vxF -f <(printf '%s\n' "${DEBUG_SKIP[@]}"))
	run_pass debug VSWAP_FLAVOR=debug VSWAP_SCALE="${VSWAP_DEBUG_SCALE:-25}" \
		VSWAP_VM_TIMEOUT="${VSWAP_DEBUG_VM_TIMEOUT:-3000}" \
		VSWAP_TEST_TIMEOUT="${VSWAP_DEBUG_TEST_TIMEOUT:-1200}" \
		-- "${DEBUG_TESTS[@]}"
fi
finish "$PASS" "$FAIL" "$SKIP" "$RC"
