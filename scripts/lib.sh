# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts sourcing this file
# scripts/lib.sh - shared variables and helpers for the vswap build/test
# pipeline.  Sourced by every scripts/*.sh but dkms-install.sh and
# dkms-hooked.sh (shipped with the DKMS sources); not meant to be executed.
#
# Everything that is big or slow to rebuild lives OUTSIDE the repo, in
# $VSWAP_CACHE (default ~/.cache/vswap):
#   src/linux-<ver>/      git tree: tag "base" = pristine tarball, then hooks-patch/ applied
#   src/pristine-linux-<ver>/  the same tarball without hooks-patch/ (flavor pristine)
#   build/<flavor>/       kernel O= build directory (bzImage, Module.symvers, ...)
#   out/<flavor>/         vswap.ko, tests/<binaries>, initramfs.cpio.gz
#   ccache/               compiler cache (CCACHE_DIR)
#   logs/                 full QEMU console logs, one per VM run

# ---- The ONE place the kernel version is pinned ---------------------------
# Debian package version of linux-source-6.12.  If it disappears from the
# archive, update it here and re-check that hooks-patch/ still applies.
KVER_DEB=6.12.117-1~deb12u1
KVER_UPSTREAM=${KVER_DEB%%-*}            # 6.12.117
KSRC_PKG=linux-source-6.12
KSRC_TARBALL_DEFAULT=/usr/src/linux-source-6.12.tar.xz
# ---------------------------------------------------------------------------

VSWAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VSWAP_SCRIPTS=$VSWAP_ROOT/scripts
VSWAP_CACHE=${VSWAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vswap}
VSWAP_FLAVOR=${VSWAP_FLAVOR:-vm}
VSWAP_LOGS=$VSWAP_CACHE/logs
NPROC=$(nproc 2>/dev/null || echo 2)

export CCACHE_DIR=${CCACHE_DIR:-$VSWAP_CACHE/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$VSWAP_CACHE}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_COMPILERCHECK=${CCACHE_COMPILERCHECK:-content}
# Reproducible-ish kernel builds, so ccache hits across rebuilds.
export KBUILD_BUILD_USER=vswap KBUILD_BUILD_HOST=vswap
export KBUILD_BUILD_TIMESTAMP=${KBUILD_BUILD_TIMESTAMP:-2025-01-01}

# Per-flavor paths.  Call set_flavor after parsing arguments.
set_flavor() {
	VSWAP_FLAVOR=$1
	case $VSWAP_FLAVOR in
	*[!A-Za-z0-9_-]* | '') die "invalid flavor name '$VSWAP_FLAVOR'" ;;
	esac
	KBUILD=$VSWAP_CACHE/build/$VSWAP_FLAVOR
	VSWAP_OUT=$VSWAP_CACHE/out/$VSWAP_FLAVOR
	FRAGMENT=$VSWAP_SCRIPTS/config/$VSWAP_FLAVOR.config
	KSRC=$VSWAP_CACHE/src/linux-$KVER_UPSTREAM
	VSWAP_PRISTINE=
	# Stock 6.12 with the vm flavor's config and no hooks-patch/, in a
	# tree of its own (scripts/bench-pristine.sh compares it with vm).
	if [ "$VSWAP_FLAVOR" = pristine ]; then
		KSRC=$VSWAP_CACHE/src/pristine-linux-$KVER_UPSTREAM
		FRAGMENT=$VSWAP_SCRIPTS/config/vm.config
		VSWAP_PRISTINE=1
	fi
}
set_flavor "$VSWAP_FLAVOR"

# The kernel make command line.  CC must be identical on every invocation
# (config and build), otherwise Kconfig sees a "new compiler" and reconfigures.
kmake() {
	make -C "$KSRC" O="$KBUILD" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

log() { printf '[vswap] %s\n' "$*"; }
warn() { printf '[vswap] WARNING: %s\n' "$*" >&2; }
die() {
	printf '[vswap] ERROR: %s\n' "$*" >&2
	exit 1
}

# Human readable duration of N seconds.
fmt_secs() {
	local s=$1
	if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# Phase timing: `phase NAME cmd args...` runs the command, records its
# duration, and returns its exit status.  phase_summary prints the table.
VSWAP_PHASES=()
VSWAP_T0=$(date +%s)
phase() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	"$@" || rc=$?
	VSWAP_PHASES+=("$name $(($(date +%s) - t0)) $rc")
	return "$rc"
}
phase_summary() {
	local p name secs rc
	log "phase durations:"
	for p in "${VSWAP_PHASES[@]}"; do
		read -r name secs rc <<<"$p"
		printf '[vswap]   %-12s %8s%s\n' "$name" "$(fmt_secs "$secs")" "$([ "$rc" = 0 ] || echo "  (FAILED rc=$rc)")"
	done
	printf '[vswap]   %-12s %8s\n' total "$(fmt_secs $(($(date +%s) - VSWAP_T0)))"
}

# Hash of everything under hooks-patch/ (series + patches); "pristine" for
# the pristine flavor, which applies none of them.
patches_hash() {
	local d=$VSWAP_ROOT/hooks-patch
	if [ -n "$VSWAP_PRISTINE" ]; then
		echo pristine
	elif [ -d "$d" ]; then
		(cd "$d" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum | cut -d' ' -f1
	else
		echo none
	fi
}

# Patch file names listed in hooks-patch/series (comments/blank lines
# removed); none for the pristine flavor.
series_patches() {
	local s=$VSWAP_ROOT/hooks-patch/series
	[ -f "$s" ] && [ -z "$VSWAP_PRISTINE" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$s" | grep -v '^$' || true
}

# One pipeline at a time per $VSWAP_CACHE: two concurrent runs would reset
# the kernel tree or rebuild it under each other.  The lock (fd 9) is taken
# by the first script and inherited by the scripts it starts.
vswap_lock() {
	[ -n "${VSWAP_LOCKED:-}" ] && return 0
	mkdir -p "$VSWAP_CACHE"
	exec 9>"$VSWAP_CACHE/.lock"
	if ! flock -n 9; then
		log "another vswap build/test is using $VSWAP_CACHE; waiting for it to finish..."
		flock 9
	fi
	export VSWAP_LOCKED=1
}

# ---- Usage and arguments --------------------------------------------------
# Every script's usage is its header comment: from the "# scripts/NAME"
# line to the `set -...` line, without the "# " prefixes.
usage_from_header() {
	sed -n '/^# scripts\//,/^set -/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}
# usage_on_help "$@": for scripts that take positional arguments: if the
# first one is -h or --help, print the usage and exit 0.
usage_on_help() {
	case ${1:-} in -h | --help)
		usage_from_header
		exit 0
		;;
	esac
}
# usage_die MESSAGE: a bad argument: the message, a pointer to --help, exit 1.
usage_die() {
	die "$* (see scripts/${0##*/} --help)"
}
# need_value "$@" in an option loop: the option in $1 must have a value.
need_value() {
	[ $# -ge 2 ] || usage_die "$1 needs a value"
}
# result_file_args "$@": the options of a check that a full run counts
# (scripts/test.sh's counted_phase): --result-file FILE (sets RESULT_FILE)
# and --help.
result_file_args() {
	RESULT_FILE=
	while [ $# -gt 0 ]; do
		case $1 in
		--result-file) need_value "$@"; RESULT_FILE=$2; shift ;;
		-h | --help) usage_from_header; exit 0 ;;
		*) usage_die "unknown option '$1'" ;;
		esac
		shift
	done
}

# ---- Build phases ----------------------------------------------------------
# build_tests [NAME...]: the test binaries of tests/*.c in $VSWAP_OUT/tests
# (binaries whose source is gone are dropped) and the kernel selftests of
# tests/kselftests.mk; each NAME must be built.  Everything another
# checkout built into the same $VSWAP_CACHE is dropped first
# ($VSWAP_OUT/tests-tree names the last one): its binaries may be newer
# than this checkout's sources, and make would keep them.
# Note: runs inside `phase ... || ...`, where set -e is off: check each step.
# shellcheck disable=SC2317  # invoked indirectly via phase
build_tests() {
	log "building test binaries..."
	local t src
	if [ "$(cat "$VSWAP_OUT/tests-tree" 2>/dev/null || true)" != "$VSWAP_ROOT" ]; then
		rm -rf "$VSWAP_OUT/tests" "$VSWAP_OUT/tests-lib" "$VSWAP_OUT/kselftests" "$VSWAP_OUT/tests-tree"
	fi
	mkdir -p "$VSWAP_OUT/tests"
	for t in "$VSWAP_OUT"/tests/*; do
		[ -e "$t" ] || continue
		src=$VSWAP_ROOT/tests/${t##*/}.c
		[ -f "$src" ] || rm -f "$t"
	done
	make -s -C "$VSWAP_ROOT/tests" -j"$NPROC" KSRC="$KSRC" KHDR="$KBUILD/usr/include" OUT="$VSWAP_OUT/tests" all || return 1
	echo "$VSWAP_ROOT" >"$VSWAP_OUT/tests-tree"
	for t in "$@"; do
		if [ ! -x "$VSWAP_OUT/tests/$t" ]; then
			log "no test named '$t'; available: $(make -s -C "$VSWAP_ROOT/tests" list | xargs)"
			return 1
		fi
	done
	log "$(find "$VSWAP_OUT/tests" -maxdepth 1 -type f | wc -l) test binaries built"
}

# build_phases [--need-module] [--no-tests] [TEST...]: everything a VM run
# boots, for $VSWAP_FLAVOR, each step a timed phase: deps, kernel, module
# (vswap.ko; with --need-module its absence is a failure, else a warning:
# module.sh skips it while the kernel has no CONFIG_SWAP_OPS), tests
# (build_tests TEST...; left out with --no-tests) and initramfs.  Returns 0,
# or 1 with BUILD_FAILED naming the failed step: the caller reports it
# (run_failed, or scripts/test.sh's closing line).
BUILD_FAILED=
build_phases() {
	local need_module=0 tests=1
	while [ $# -gt 0 ]; do
		case $1 in
		--need-module) need_module=1 ;;
		--no-tests) tests=0 ;;
		*) break ;;
		esac
		shift
	done
	BUILD_FAILED=deps
	phase deps "$VSWAP_SCRIPTS/deps.sh" || return 1
	BUILD_FAILED=kernel
	phase kernel "$VSWAP_SCRIPTS/kernel.sh" "$VSWAP_FLAVOR" || return 1
	BUILD_FAILED=module
	phase module "$VSWAP_SCRIPTS/module.sh" "$VSWAP_FLAVOR" || return 1
	if [ ! -f "$VSWAP_OUT/vswap.ko" ]; then
		BUILD_FAILED="vswap.ko was not built"
		[ "$need_module" = 0 ] || return 1
		warn "vswap.ko was not built: the VM will boot without it"
	fi
	if [ "$tests" = 1 ]; then
		BUILD_FAILED=tests
		phase tests build_tests "$@" || return 1
	fi
	BUILD_FAILED=initramfs
	phase initramfs "$VSWAP_SCRIPTS/initramfs.sh" "$VSWAP_FLAVOR" || return 1
	BUILD_FAILED=
}

# run_failed NAME WHAT: the end of a failed demo/benchmark run: the phase
# table, "NAME FAILED (WHAT)", exit 1.
run_failed() {
	phase_summary
	log "$1 FAILED ($2)"
	exit 1
}

# run_bench NAME BINARY TIMEOUT APPEND: the benchmark scripts' driver.
# Builds everything (kernel, vswap.ko, test binaries, initramfs), boots
# guest job NAME (tests/guest/job-NAME.sh, which runs tests/BINARY) once
# with APPEND on the kernel command line, and prints its "VSWAP: BENCH"
# figures.  Exits 1 on a build, VM or data failure; figures are never judged.
run_bench() {
	local name=$1 bin=$2 tmo=$3 append=$4 res log rc=0

	build_phases --need-module "$bin" || run_failed "$name" "$BUILD_FAILED"
	res=$(mktemp)
	phase vm "$VSWAP_SCRIPTS/vm.sh" --job "$name" --timeout "$tmo" \
		--append "$append" --result-file "$res" || rc=1
	log=$(sed -n 's/^log=//p' "$res" | head -n 1)
	phase_summary
	log "$name figures ($(sed -n 's/^accel=//p' "$res" | head -n 1)):"
	rm -f "$res"
	if [ -n "$log" ] && [ -f "${log%.log}.markers" ]; then
		sed -n 's/^VSWAP: BENCH \(.*\)/[vswap]   \1/p' "${log%.log}.markers"
	fi
	[ "$rc" = 0 ] || run_failed "$name" "VM run, see the messages above"
	log "$name OK (figures are informative, not pass/fail)"
}
