#!/bin/sh
# shellcheck shell=sh disable=SC3045  # busybox ash
# tests/guest/job-test.sh - run the kselftest-harness test binaries in /tests.
# Sourced by /init (mark() and VSWAP_* come from there).
#
# Per binary: runs it under `timeout`, prints its TAP output and counts
# test cases: "ok N" = pass, "ok N ... # SKIP" = skip, "not ok N" = fail.
# A binary that times out, crashes or exits non-zero without reporting a
# failing case adds one failure; cases announced in the "1..N" plan but
# never reported count as failures too.
# Emits: "VSWAP: TEST name=.. status=.. rc=.. pass=.. fail=.. skip=.. secs=.."
# and finally "VSWAP: RESULT pass=.. fail=.. skip=.. binaries=..".

if [ -n "$VSWAP_TESTS" ]; then
	list=$(echo "$VSWAP_TESTS" | tr ',' ' ')
else
	list=
	for t in /tests/*; do
		# two boots: tests/guest/job-hibernate.sh
		[ "${t##*/}" = hibernate_reboot ] || list="$list ${t##*/}"
	done
fi

tp=0 tf=0 ts=0 nb=0
for t in $list; do
	nb=$((nb + 1))
	if [ ! -x "/tests/$t" ]; then
		echo "not ok - $t: no such test binary in /tests"
		mark "TEST name=$t status=missing rc=- pass=0 fail=1 skip=0 secs=0"
		tf=$((tf + 1))
		continue
	fi
	mark "TEST-BEGIN name=$t"
	out=/tmp/test-$t.out
	start=$(date +%s)
	{
		cd /tmp && timeout -s KILL "$VSWAP_TEST_TIMEOUT" "/tests/$t"
		echo $? >/tmp/test-rc
	} 2>&1 | tee "$out"
	rc=$(cat /tmp/test-rc)
	secs=$(($(date +%s) - start))

	p=$(grep -E '^ok [0-9]+' "$out" | grep -viEc '# *skip')
	s=$(grep -E '^ok [0-9]+' "$out" | grep -iEc '# *skip')
	f=$(grep -cE '^not ok [0-9]+' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
	status=ok
	if [ "$secs" -ge "$VSWAP_TEST_TIMEOUT" ] && [ "$rc" -ne 0 ]; then
		status=timeout
	elif [ "$rc" -ge 128 ]; then
		status=crashed
	fi
	if [ -n "$plan" ] && [ $((p + f + s)) -lt "$plan" ]; then
		missing=$((plan - p - f - s))
		echo "# vswap: $t: $missing test case(s) of the plan 1..$plan never reported ($status, rc=$rc)"
		f=$((f + missing))
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		# Not a TAP producer: judge by exit status (4 = KSFT_SKIP).
		case $rc in
		0) p=1 ;;
		4) s=1 ;;
		*) f=1 ;;
		esac
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && ! { [ "$rc" -eq 4 ] && [ "$p" -eq 0 ]; }; then
		echo "# vswap: $t exited with rc=$rc ($status) without a failing test case: counting 1 failure"
		f=1
	fi
	[ "$status" = ok ] && [ "$f" -gt 0 ] && status=fail
	mark "TEST name=$t status=$status rc=$rc pass=$p fail=$f skip=$s secs=$secs"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done

mark "RESULT pass=$tp fail=$tf skip=$ts binaries=$nb"
[ "$tf" -eq 0 ] && [ $((tp + ts)) -gt 0 ]
