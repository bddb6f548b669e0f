#!/usr/bin/env bash
# scripts/vm.sh [options] - boot the flavor's bzImage + initramfs in QEMU,
# run one guest job, and judge the run.
#
#   --job NAME          guest job: test (default), demo, shell, probe
#   --tests a,b         test job: only these test binaries (default: all)
#   --flavor NAME       kernel flavor (default $VSWAP_FLAVOR or vm)
#   --timeout SECS      hard timeout (default $VSWAP_VM_TIMEOUT, else 1200 for
#                       test, 300 for demo)
#   --test-timeout SECS per test binary timeout inside the guest (default
#                       $VSWAP_TEST_TIMEOUT or 600)
#   --append "ARGS"     extra kernel command line
#   --result-file FILE  write key=value results (status, pass, fail, skip, log)
#   --interactive       serial console on your terminal (use with --job shell)
#   --initrd FILE       boot this initramfs instead of the flavor's
#   --disks DIR         keep the disk images (vda.img, vdb.img) in DIR, so
#                       that a later boot sees what this one wrote (default:
#                       fresh empty disks in a temporary directory)
#   --expect-poweroff   the guest is to write a hibernation image and power
#                       off before its job ends (the first boot of
#                       tests/guest/job-hibernate.sh): judged by the kernel's
#                       "Image saving done" and "Power down" lines instead of
#                       the job's completion
#
# Env: VSWAP_ACCEL=auto|tcg|kvm (auto: probe KVM once per host boot with a
# short timeout, fall back to TCG), VSWAP_VERBOSE=1 to stream the whole
# console (default: guest output only; kernel lines are in the log file),
# VSWAP_LOG_IGNORE=REGEX lines the kernel-log scanner should ignore,
# VSWAP_SCALE=PERCENT test workload scale (guest: vswap.scale=, VSWAP_SCALE),
# VSWAP_QEMU_ARGS extra QEMU arguments (debugging: "-s" = gdb stub on :1234).
#
# Exit 0 only if the guest reported completion with rc=0, no test failed,
# and the console log contains no kernel problem (WARNING, BUG, Oops, ...).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

JOB=test TESTS='' APPEND='' RESULT_FILE='' INTERACTIVE=0 TMO=${VSWAP_VM_TIMEOUT:-}
DISKS='' EXPECT_POWEROFF=0
TEST_TMO=${VSWAP_TEST_TIMEOUT:-600}
FLAVOR=$VSWAP_FLAVOR
while [ $# -gt 0 ]; do
	case $1 in
	--job) need_value "$@"; JOB=$2; shift ;;
	--tests) need_value "$@"; TESTS=$2; shift ;;
	--flavor) need_value "$@"; FLAVOR=$2; shift ;;
	--timeout) need_value "$@"; TMO=$2; shift ;;
	--test-timeout) need_value "$@"; TEST_TMO=$2; shift ;;
	--append) need_value "$@"; APPEND=$2; shift ;;
	--result-file) need_value "$@"; RESULT_FILE=$2; shift ;;
	--interactive) INTERACTIVE=1 ;;
	--initrd) need_value "$@"; INITRD_OPT=$2; shift ;;
	--disks) need_value "$@"; DISKS=$2; shift ;;
	--expect-poweroff) EXPECT_POWEROFF=1 ;;
	-h | --help) usage_from_header; exit 0 ;;
	*) usage_die "unknown option '$1'" ;;
	esac
	shift
done
vswap_lock
set_flavor "$FLAVOR"
if [ -z "$TMO" ]; then
	case $JOB in
	demo | probe) TMO=300 ;;
	shell) TMO=86400 ;;
	*) TMO=1200 ;;
	esac
fi

KERNEL=$KBUILD/arch/x86/boot/bzImage
INITRD=${INITRD_OPT:-$VSWAP_OUT/initramfs.cpio.gz}
[ -f "$KERNEL" ] || die "no kernel $KERNEL (run scripts/kernel.sh $VSWAP_FLAVOR)"
[ -f "$INITRD" ] || die "no initramfs $INITRD (run scripts/initramfs.sh $VSWAP_FLAVOR)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/deps.sh)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CMDLINE="console=ttyS0 panic=-1 oops=panic loglevel=7 vswap.job=$JOB"
[ -n "$TESTS" ] && CMDLINE+=" vswap.tests=$TESTS"
case $JOB in test | hibernate) CMDLINE+=" vswap.test_timeout=$TEST_TMO" ;; esac
# Test workload scale (percent, tests/lib/util.h VT_SCALE), e.g. for the debug flavor.
[ -n "${VSWAP_SCALE:-}" ] && CMDLINE+=" vswap.scale=$VSWAP_SCALE"
[ -n "$APPEND" ] && CMDLINE+=" $APPEND"

# qemu_cmd ACCEL RESULTS_FILE DISK_DIR -> fills the QEMU array
qemu_cmd() {
	local accel=$1 results=$2 dir=$3 cmdline=$CMDLINE
	# Under TCG the guest's TSC is the host's raw TSC, which keeps counting
	# while the host (itself often a VM) is paused: the guest's clock would
	# jump by the pause, firing every test timeout at once.  HPET follows
	# QEMU's virtual clock, which does not jump.
	[ "$accel" = kvm ] || cmdline+=" tsc=unstable"
	QEMU=(qemu-system-x86_64 -m 2G -smp "${VSWAP_SMP:-2}" -display none -no-reboot -nic none
		-kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline")
	if [ "$accel" = kvm ]; then
		QEMU+=(-accel kvm -cpu host)
	else
		QEMU+=(-accel 'tcg,thread=multi')
	fi
	if [ "$INTERACTIVE" = 1 ]; then
		QEMU+=(-serial mon:stdio)
	else
		QEMU+=(-chardev 'stdio,id=con,signal=off' -serial chardev:con -monitor none)
	fi
	# ttyS1: the guest's result markers, free of interleaved kernel messages.
	QEMU+=(-serial "file:$results")
	# Debugging aid, e.g. VSWAP_QEMU_ARGS="-s" for a gdb stub on :1234.
	# shellcheck disable=SC2206  # word splitting intended
	[ -n "${VSWAP_QEMU_ARGS:-}" ] && QEMU+=(${VSWAP_QEMU_ARGS})
	if [ -n "$dir" ]; then
		truncate -s 512M "$dir/vda.img"
		truncate -s 256M "$dir/vdb.img"
		QEMU+=(-drive "file=$dir/vda.img,if=virtio,format=raw,cache=unsafe"
			-drive "file=$dir/vdb.img,if=virtio,format=raw,cache=unsafe")
	fi
}

# ---- accelerator ---------------------------------------------------------
# Nested KVM can hang, so KVM is only used after a bounded probe boot of this
# very kernel succeeded.  The verdict is cached per host boot.
pick_accel() {
	local want=${VSWAP_ACCEL:-auto} cache=$VSWAP_CACHE/accel-probe boot_id verdict
	case $want in
	tcg) echo tcg; return ;;
	kvm) echo kvm; return ;;
	auto) ;;
	*) die "VSWAP_ACCEL must be auto, tcg or kvm (got '$want')" ;;
	esac
	if [ ! -w /dev/kvm ]; then echo tcg; return; fi
	boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
	if [ -f "$cache" ] && [ "$(cut -d' ' -f1 "$cache")" = "$boot_id" ]; then
		cut -d' ' -f2 "$cache"
		return
	fi
	log "probing KVM (bounded: ${VSWAP_KVM_PROBE_TIMEOUT:-30}s)..." >&2
	local save_cmdline=$CMDLINE
	CMDLINE="console=ttyS0 panic=-1 vswap.job=probe"
	qemu_cmd kvm "$TMP/probe.txt" ""
	CMDLINE=$save_cmdline
	verdict=tcg
	if timeout -k 5 "${VSWAP_KVM_PROBE_TIMEOUT:-30}" "${QEMU[@]}" </dev/null >"$TMP/probe.log" 2>&1 &&
		grep -q 'VSWAP: PROBE-OK' "$TMP/probe.txt" 2>/dev/null; then
		verdict=kvm
	fi
	mkdir -p "$VSWAP_CACHE"
	echo "$boot_id $verdict" >"$cache"
	log "KVM probe: $([ $verdict = kvm ] && echo 'works, using KVM' || echo 'failed/hung, using TCG')" >&2
	echo "$verdict"
}
ACCEL=$(pick_accel)

# ---- run -------------------------------------------------------------------
mkdir -p "$VSWAP_LOGS"
LOG=$VSWAP_LOGS/$(date +%Y%m%d-%H%M%S)-$JOB-$$.log
RESULTS=$TMP/results.txt
: >"$RESULTS"
if [ -n "$DISKS" ]; then
	mkdir -p "$DISKS" || die "cannot create --disks $DISKS"
fi
qemu_cmd "$ACCEL" "$RESULTS" "${DISKS:-$TMP}"
ln -sfn "$(basename "$LOG")" "$VSWAP_LOGS/latest-$JOB.log"

log "booting $VSWAP_FLAVOR kernel ($ACCEL, job=$JOB, timeout ${TMO}s), console log: $LOG"
T0=$(date +%s)
set +e
if [ "$INTERACTIVE" = 1 ]; then
	timeout -k 10 --foreground "$TMO" "${QEMU[@]}" 2>"$TMP/qemu.err" | tee "$LOG"
	RCS=("${PIPESTATUS[@]}")
else
	# Default view: everything the guest's userspace prints; kernel lines
	# ("[    1.234] ...") and the dmesg dump only with VSWAP_VERBOSE=1.
	timeout -k 10 "$TMO" "${QEMU[@]}" </dev/null 2>"$TMP/qemu.err" | tee "$LOG" |
		awk -v verbose="${VSWAP_VERBOSE:-0}" '
			{ sub(/\r$/, "") }
			verbose == 1 { print; fflush(); next }
			/VSWAP: DMESG-BEGIN/ { skip = 1; print "[vswap] (kernel log dump omitted here; it is in the log file)"; fflush(); next }
			/VSWAP: DMESG-END/ { skip = 0; next }
			skip || /^\[ *[0-9]+\.[0-9]+\]/ { next }
			{ print; fflush() }'
	RCS=("${PIPESTATUS[@]}")
fi
set -e
QRC=${RCS[0]}
ELAPSED=$(($(date +%s) - T0))
if [ -s "$TMP/qemu.err" ]; then
	{
		echo "---- qemu stderr ----"
		cat "$TMP/qemu.err"
	} >>"$LOG"
fi

# ---- judge -----------------------------------------------------------------
tr -d '\r' <"$RESULTS" >"$TMP/markers"
cp "$TMP/markers" "${LOG%.log}.markers"
# Last marker line of a kind, "" if none (never fails: set -e).
marker() { grep -E "^VSWAP: $1( |$)" "$TMP/markers" | tail -n 1 || true; }
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2" || true; }

STATUS=ok
REASONS=()
DONE=$(marker JOB-DONE)
CONSOLE=$(tr -d '\r' <"$LOG")
if [ "$EXPECT_POWEROFF" = 1 ] && [ "$QRC" = 0 ]; then
	if [ -n "$DONE" ]; then
		STATUS=job-failed
		REASONS+=("the guest job finished instead of powering off after writing a hibernation image")
	elif ! grep -q 'PM: Image saving done' <<<"$CONSOLE" || ! grep -q 'reboot: Power down' <<<"$CONSOLE"; then
		STATUS=no-completion
		REASONS+=("the guest powered off without 'PM: Image saving done' and 'reboot: Power down' on the console")
	fi
	DONE=powered-off
fi
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	STATUS=timeout
	REASONS+=("TIMEOUT: the VM did not finish within ${TMO}s (VSWAP_VM_TIMEOUT) and was killed")
elif [ "$QRC" != 0 ]; then
	STATUS=qemu-error
	REASONS+=("QEMU exited with status $QRC: $(head -c 2000 "$TMP/qemu.err")")
fi
if [ -z "$DONE" ]; then
	[ "$STATUS" = ok ] && STATUS=no-completion
	REASONS+=("the guest never reported completion (kernel panic, init crash or hang?)")
else
	JOB_RC=$(field rc "$DONE")
	[ "$DONE" = powered-off ] && JOB_RC=0
	if [ "$JOB_RC" != 0 ]; then
		[ "$STATUS" = ok ] && STATUS=job-failed
		REASONS+=("guest job '$JOB' finished with rc=$JOB_RC")
	fi
fi

# Kernel problems anywhere in the console log.
# lockdep's own reports, not stack frames of lockdep functions (e.g. in the
# trace of an allocation failure warning).
PATTERNS='WARNING:|BUG:|Oops|Kernel panic|general protection fault|DEBUG_LOCKS_WARN_ON|locking correctness validator|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|rcu: INFO|RCU stall|rcu_sched detected stall|rcu_preempt detected stall|KASAN|UBSAN|kernel BUG at|list_add corruption|list_del corruption|Unable to handle'
# Known-benign lines that match a pattern (boot banners of debug options).
BENIGN='RCU lockdep checking is enabled'
grep -nE "$PATTERNS" <<<"$CONSOLE" | grep -vE '^[0-9]+:VSWAP: ' | grep -vE "$BENIGN" >"$TMP/problems" || true
if [ -n "${VSWAP_LOG_IGNORE:-}" ] && [ -s "$TMP/problems" ]; then
	grep -vE "$VSWAP_LOG_IGNORE" "$TMP/problems" >"$TMP/problems.2" || true
	mv "$TMP/problems.2" "$TMP/problems"
fi
NPROB=$(wc -l <"$TMP/problems")
if [ "$NPROB" -gt 0 ]; then
	[ "$STATUS" = ok ] && STATUS=kernel-problems
	REASONS+=("$NPROB kernel problem line(s) in the console log")
fi

# Test results.
PASS=0 FAIL=0 SKIP=0
RESULT=$(marker RESULT)
if { [ "$JOB" = test ] || [ "$JOB" = hibernate ]; } && [ "$EXPECT_POWEROFF" = 0 ]; then
	if [ -n "$RESULT" ]; then
		PASS=$(field pass "$RESULT") FAIL=$(field fail "$RESULT") SKIP=$(field skip "$RESULT")
	else
		# Partial results of an unfinished run.
		while read -r l; do
			PASS=$((PASS + $(field pass "$l"))) FAIL=$((FAIL + $(field fail "$l"))) SKIP=$((SKIP + $(field skip "$l")))
		done < <(grep -E '^VSWAP: TEST ' "$TMP/markers" || true)
		started=$(grep -E '^VSWAP: TEST-BEGIN ' "$TMP/markers" | tail -n 1 | sed 's/.*name=//' || true)
		finished=$(grep -E '^VSWAP: TEST ' "$TMP/markers" | tail -n 1 | sed 's/.*name=\([^ ]*\).*/\1/' || true)
		if [ -n "$started" ] && [ "$started" != "$finished" ]; then
			# Count the TAP lines the interrupted binary printed on the console.
			read -r p f s < <(tr -d '\r' <"$LOG" | awk -v b="VSWAP: TEST-BEGIN name=$started" '
				$0 == b { on = 1; p = f = s = 0; next }
				on && /^ok [0-9]+/ { if (tolower($0) ~ /# *skip/) s++; else p++ }
				on && /^not ok [0-9]+/ { f++ }
				END { print p + 0, f + 0, s + 0 }')
			PASS=$((PASS + p)) FAIL=$((FAIL + f + 1)) SKIP=$((SKIP + s))
			REASONS+=("test binary '$started' was running when the VM died/timed out (its $p passed/$f failed cases so far are counted, plus 1 failure for the interruption)")
		fi
	fi
	if grep -qE '^VSWAP: TEST ' "$TMP/markers"; then
		log "per-binary results:"
		grep -E '^VSWAP: TEST ' "$TMP/markers" | sed 's/^VSWAP: TEST /[vswap]   /'
	fi
	if [ $((PASS + FAIL + SKIP)) -eq 0 ] && [ "$STATUS" = ok ]; then
		STATUS=no-tests
		REASONS+=("no test case was run")
	fi
fi

if [ "$STATUS" != ok ]; then
	if [ "$NPROB" -gt 0 ]; then
		log "kernel problems found in the console log (line: text), first 60:"
		head -n 60 "$TMP/problems" | sed 's/^/[vswap]   /'
	fi
	if [ "$STATUS" != kernel-problems ] && [ "$STATUS" != job-failed ]; then
		log "last 60 lines of the console log:"
		tail -n 60 "$LOG" | tr -d '\r' | sed 's/^/[vswap] | /'
	fi
	for r in "${REASONS[@]}"; do log "FAILED: $r"; done
fi
log "VM run: status=$STATUS, ${ELAPSED}s ($ACCEL), console log: $LOG"

if [ -n "$RESULT_FILE" ]; then
	{
		echo "status=$STATUS"
		echo "pass=$PASS"
		echo "fail=$FAIL"
		echo "skip=$SKIP"
		echo "log=$LOG"
		echo "accel=$ACCEL"
		echo "secs=$ELAPSED"
		for r in "${REASONS[@]}"; do echo "reason=$r"; done
	} >"$RESULT_FILE"
fi
[ "$STATUS" = ok ]
