#!/usr/bin/env bash
# scripts/hibernate-test.sh [--result-file FILE] - suspend to disk with vswap
# loaded, across a real power cycle: tests/hibernate_reboot.c in two boots
# of the same disks (tests/guest/job-hibernate.sh).  Needs the kernel,
# vswap.ko, the test binaries and the initramfs built: scripts/test.sh runs
# this after the VM tests.
#   1. boot: the test pages data out to zswap and to /dev/vda (a vswap
#      backend), writes a token to vdb and hibernates to /dev/vda; the VM
#      powers off (scripts/vm.sh --expect-poweroff);
#   2. the host overwrites the token at the start of vdb.img;
#   3. boot the same disks with resume=/dev/vda: the kernel restores the
#      image, the test goes on, reads the new token and checks every page
#      and the counters.
# Prints the test's result; --result-file gets pass=/fail=/skip=.  Exit 0
# iff both boots passed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set_flavor "$VSWAP_FLAVOR"

result_file_args "$@"
vswap_lock

DISKS=$(mktemp -d)
RES=$(mktemp)
trap 'rm -rf "$DISKS" "$RES"' EXIT
PASS=0 FAIL=0 SKIP=0
report() {
	log "hibernate: $PASS passed, $FAIL failed, $SKIP skipped"
	[ -z "$RESULT_FILE" ] || printf 'pass=%s\nfail=%s\nskip=%s\n' "$PASS" "$FAIL" "$SKIP" >"$RESULT_FILE"
	[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
	exit
}

log "hibernate, boot 1: page out, hibernate to /dev/vda, power off..."
if ! "$VSWAP_SCRIPTS/vm.sh" --job hibernate --disks "$DISKS" --expect-poweroff \
	--timeout "${VSWAP_HIBERNATE_TIMEOUT:-900}" --result-file "$RES"; then
	log "FAILED: the first boot did not hibernate (status $(sed -n 's/^status=//p' "$RES"))"
	FAIL=1
	report
fi
# Same length as the token the test wrote; the rest of the block is zero.
printf 'VSWAP-HIBERNATE-BOOT2' | dd of="$DISKS/vdb.img" conv=notrunc status=none
log "hibernate, boot 2: resume=/dev/vda, verify..."
"$VSWAP_SCRIPTS/vm.sh" --job hibernate --disks "$DISKS" \
	--timeout "${VSWAP_HIBERNATE_TIMEOUT:-900}" --result-file "$RES" \
	--append "resume=/dev/vda vswap.hibernate=resume" || true
STATUS=$(sed -n 's/^status=//p' "$RES")
PASS=$(sed -n 's/^pass=//p' "$RES") FAIL=$(sed -n 's/^fail=//p' "$RES") SKIP=$(sed -n 's/^skip=//p' "$RES")
PASS=${PASS:-0} FAIL=${FAIL:-0} SKIP=${SKIP:-0}
if [ "$STATUS" != ok ] && [ "$FAIL" -eq 0 ]; then
	log "FAILED: the second boot ended with status '$STATUS' - counting it as 1 failure"
	FAIL=1
fi
report
