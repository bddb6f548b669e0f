# shellcheck shell=bash
# shellcheck disable=SC2034  # N, PASS, FAIL, SKIP are read by the sourcing script
# scripts/tap.sh - TAP-style checks for the checking scripts that
# scripts/test.sh counts (dkms-test.sh, build-check.sh).  Source after
# lib.sh, set TAP_NAME (and TAP_T0 for an elapsed time in the summary) and
# RESULT_FILE (from --result-file, may be empty).
#   ok/nok/skip DESCRIPTION    one "ok N - ..." / "not ok N - ..." line
#   t DESCRIPTION COMMAND...   ok or nok from the command's status
#   note TEXT                  a "# ..." comment line
#   finish                     the summary line, RESULT_FILE's pass=/fail=/
#                              skip=, and exit 0 iff nothing failed
N=0 PASS=0 FAIL=0 SKIP=0
ok() { N=$((N + 1)) PASS=$((PASS + 1)); echo "ok $N - $*"; }
nok() { N=$((N + 1)) FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
skip() { N=$((N + 1)) SKIP=$((SKIP + 1)); echo "ok $N - $* # SKIP"; }
t() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
note() { printf '# %s\n' "$*"; }
finish() {
	echo "# $TAP_NAME: $PASS passed, $FAIL failed, $SKIP skipped${TAP_T0:+ ($(fmt_secs $(($(date +%s) - TAP_T0))))}"
	if [ -n "${RESULT_FILE:-}" ]; then
		printf 'pass=%s\nfail=%s\nskip=%s\n' "$PASS" "$FAIL" "$SKIP" >"$RESULT_FILE"
	fi
	[ "$FAIL" -eq 0 ]
	exit
}
