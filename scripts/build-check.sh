#!/usr/bin/env bash
# Checks are often `t DESC eval '...'` (expanded when run, on purpose).
# shellcheck disable=SC2016,SC2317
# scripts/build-check.sh [--result-file FILE] - compile hooks-patch/ and
# vswap.ko under Debian's own kernel config, warnings as errors.
# scripts/test.sh runs it after the DKMS test.
#
# The config is the one Debian builds its 6.12 kernel with: the `.config`
# of the stock linux-headers-<pinned>+deb12-amd64 package (apt-get
# download + dpkg -x into $VSWAP_CACHE/build/distro-check/debian/, nothing
# installed).  On top of it, as scripts/distro-kernel.sh does: no Debian
# signing certificates, no debug info/BTF; and CONFIG_WERROR=y.  The hooked
# tree $VSWAP_CACHE/src/linux-<ver> is only read: each variant has its own
# O= build dir $VSWAP_CACHE/build/distro-check/<variant>/ (CC "ccache gcc",
# as kmake in scripts/lib.sh, so warm runs are mostly cache hits):
#   swap_ops   CONFIG_SWAP_OPS=y: `make modules_prepare`, `make mm/
#              kernel/power/` (every object of both directories), and
#              vswap.ko with the top-level Makefile (make M=), its modpost
#              resolved against Debian's Module.symvers plus the symbols the
#              hooks export (from the objects just built);
#   no_swap_ops  CONFIG_SWAP_OPS=n: the mm/*.c files the series touches
#              (those the config builds); vswap.ko must refuse to build,
#              naming CONFIG_SWAP_OPS;
#   no_memcg   CONFIG_SWAP_OPS=y, CONFIG_MEMCG=n: the touched files, and
#              vswap.ko's objects.
# In the two "n" variants, no compiled object may reference a symbol the
# hooks define (a global defined by a touched file in swap_ops and named in
# a line the series adds) unless a compiled touched file defines it there
# too: that would be a link error of vmlinux.
# Every config is checked after olddefconfig: the distro options (NUMA,
# THP_SWAP, HIBERNATION, ZSWAP, ZRAM, ...) as Debian sets them.  Any
# compiler, objtool or modpost warning fails the step.
# Prints "ok N - ..." / "not ok N - ..." and "# build-check: N passed, N
# failed"; --result-file gets pass=/fail=/skip=.  Exit 0 iff nothing failed.
# Logs: $VSWAP_CACHE/build/distro-check/logs/.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

result_file_args "$@"
# Same $VSWAP_CACHE lock as scripts/test.sh (already held when run from it).
vswap_lock

T0=$(date +%s)
TAP_NAME=build-check TAP_T0=$T0
# shellcheck source=scripts/tap.sh
. "$VSWAP_SCRIPTS/tap.sh"

CK=$VSWAP_CACHE/build/distro-check
LOGD=$CK/logs
DEBD=$CK/debian
STOCK_KVER=${VSWAP_DKMS_STOCK_KVER:-$KVER_UPSTREAM+deb12-amd64}
HDRPKG=linux-headers-$STOCK_KVER
DEBHDR=$DEBD/root/usr/src/$HDRPKG
mkdir -p "$LOGD"
rm -f "$LOGD"/*.log

# ---- the hooked tree and Debian's config ------------------------------------
if [ "$(cat "$KSRC/.git/vswap-patches-hash" 2>/dev/null)" != "$(patches_hash)" ] ||
	! grep -q '^config SWAP_OPS' "$KSRC/mm/Kconfig" 2>/dev/null; then
	nok "kernel tree $KSRC has the current hooks-patch/ applied (run scripts/kernel.sh)"
	finish
fi
get_debian() {
	[ -f "$DEBHDR/.config" ] && [ -f "$DEBHDR/Module.symvers" ] && return 0
	rm -rf "$DEBD"
	mkdir -p "$DEBD/root"
	# apt-get download: fetched, not installed (it would pull in a linux-image).
	(cd "$DEBD" && { apt-get download -q "$HDRPKG=$KVER_DEB" ||
		{ apt-get update -q && apt-get download -q "$HDRPKG=$KVER_DEB"; }; }) >"$LOGD/apt-download.log" 2>&1 &&
		dpkg -x "$DEBD/${HDRPKG}_"*.deb "$DEBD/root" &&
		[ -f "$DEBHDR/.config" ] && [ -f "$DEBHDR/Module.symvers" ]
}
if ! get_debian; then
	sed 's/^/# /' "$LOGD/apt-download.log" 2>/dev/null | tail -n 10
	nok "Debian's $HDRPKG ($KVER_DEB) downloaded (log: $LOGD/apt-download.log)"
	finish
fi
DEBCFG=$DEBHDR/.config
note "tree $KSRC ($(git -C "$KSRC" rev-list --count base..HEAD) hooks-patch/ commits), config: $DEBCFG ($HDRPKG $KVER_DEB), build dirs $CK/<variant>, logs $LOGD"

# Options a distro kernel has and the pipeline's VM kernels mostly do not:
# each variant must keep Debian's value (except what the variant changes).
DISTRO_SYMS=(SWAP SMP NUMA MEMCG MEMCG_V1 CGROUP_WRITEBACK TRANSPARENT_HUGEPAGE THP_SWAP
	HIBERNATION SUSPEND ZSWAP ZSMALLOC ZRAM LRU_GEN SHMEM MIGRATION KSM
	USERFAULTFD MEMORY_HOTPLUG DEVICE_PRIVATE PREEMPT_DYNAMIC MODVERSIONS KASAN)
cfgval() { # cfgval FILE SYM: y, m, a value, or n
	local v
	v=$(sed -n "s/^CONFIG_$2=//p" "$1")
	echo "${v:-n}"
}
note "Debian's values: $(for s in "${DISTRO_SYMS[@]}"; do printf '%s=%s ' "$s" "$(cfgval "$DEBCFG" "$s")"; done)"

# ckmake DIR ARGS...: kmake (same CC string) in build dir DIR.
ckmake() {
	# shellcheck disable=SC2034  # read by kmake
	local KBUILD=$1
	shift
	kmake LOCALVERSION= "$@"
}

# configure VARIANT SCRIPTS_CONFIG_ARGS...: Debian's config + the pipeline's
# changes + the variant's, olddefconfig, then checked.
configure() {
	local v=$1 b=$CK/$1 s want got bad=() t0 input
	local -A asked=()
	shift
	t0=$(date +%s)
	mkdir -p "$b"
	local tweaks=(--enable WERROR --disable LOCALVERSION_AUTO
		--set-str SYSTEM_TRUSTED_KEYS '' --set-str SYSTEM_REVOCATION_KEYS ''
		--set-str MODULE_SIG_KEY certs/signing_key.pem
		--disable DEBUG_INFO --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 --enable DEBUG_INFO_NONE
		--disable DEBUG_INFO_BTF "$@")
	# Reconfigured only when Debian's config, the series or the changes
	# differ from last time (olddefconfig and the syncconfig it causes take
	# half a minute of Kconfig's compiler probes).
	input=$({
		sha256sum <"$DEBCFG"
		patches_hash
		printf '%s\n' "${tweaks[@]}"
	} | sha256sum | cut -d' ' -f1)
	: >"$LOGD/$v-config.log"
	if [ ! -f "$b/.config" ] || [ "$(cat "$b/.vswap-config-input" 2>/dev/null)" != "$input" ]; then
		rm -f "$b/.vswap-config-input"
		cp "$DEBCFG" "$b/.config"
		"$KSRC/scripts/config" --file "$b/.config" "${tweaks[@]}"
		if ! ckmake "$b" olddefconfig >"$LOGD/$v-config.log" 2>&1; then
			sed 's/^/# /' "$LOGD/$v-config.log" | tail -n 20
			nok "$v: olddefconfig (log: $LOGD/$v-config.log)"
			return 1
		fi
		echo "$input" >"$b/.vswap-config-input"
	fi
	grep -i 'warning' "$LOGD/$v-config.log" | sed 's/^/# kconfig: /'
	# What the variant asks for, then Debian's value for everything else.
	while [ $# -gt 0 ]; do
		case $1 in
		--enable) want=y ;;
		--disable) want=n ;;
		esac
		s=$2
		shift 2
		got=$(cfgval "$b/.config" "$s")
		[ "$got" = "$want" ] || bad+=("CONFIG_$s=$got (wanted $want)")
		asked[$s]=1
	done
	for s in WERROR DEBUG_INFO_NONE; do
		[ "$(cfgval "$b/.config" "$s")" = y ] || bad+=("CONFIG_$s=$(cfgval "$b/.config" "$s") (wanted y)")
	done
	for s in "${DISTRO_SYMS[@]}"; do
		[ -n "${asked[$s]:-}" ] && continue
		case $s in # they depend on MEMCG
		MEMCG_V1 | CGROUP_WRITEBACK) [ -n "${asked[MEMCG]:-}" ] && continue ;;
		esac
		want=$(cfgval "$DEBCFG" "$s")
		got=$(cfgval "$b/.config" "$s")
		[ "$got" = "$want" ] || bad+=("CONFIG_$s=$got (Debian: $want)")
	done
	if [ "${#bad[@]}" -eq 0 ]; then
		ok "$v: Debian's config + ${VARIANT_DESC[$v]} configured, distro options kept ($(grep -c '=m$' "$b/.config") modules, $(fmt_secs $(($(date +%s) - t0))))"
	else
		nok "$v: config after olddefconfig: ${bad[*]}"
		return 1
	fi
}

# build VARIANT STEP ARGS...: make in the variant's build dir, warnings fail.
build() {
	local v=$1 step=$2 b=$CK/$1 log rc=0 t0
	shift 2
	log=$LOGD/$v-$step.log
	t0=$(date +%s)
	ckmake "$b" -k -j"$NPROC" "$@" >"$log" 2>&1 || rc=$?
	BUILD_SECS=$(($(date +%s) - t0))
	BUILD_CC=$(grep -cE '^ +CC( \[M\])? ' "$log")
	if [ "$rc" != 0 ]; then
		grep -E '(error|warning):' "$log" | head -n 20 | sed 's/^/# /'
		return 1
	fi
	if grep -qiE 'warning' "$log"; then
		grep -iE 'warning' "$log" | head -n 20 | sed 's/^/# /'
		return 1
	fi
}

# The mm/*.c files the series touches.
mapfile -t TOUCHED < <(
	series_patches | while read -r p; do
		sed -n 's|^diff --git a/\(mm/[^ /]*\.c\) .*|\1|p' "$VSWAP_ROOT/hooks-patch/$p"
	done | sort -u
)
# built_objs VARIANT DIR: obj-y and obj-m of DIR/Makefile under the variant's
# config, evaluated by make itself.
built_objs() {
	make -s -f - B="$CK/$1" DIR="$2" srctree="$KSRC" print-objs <<-'EOF'
		include $(B)/include/config/auto.conf
		obj := $(DIR)
		src := $(srctree)/$(DIR)
		include $(srctree)/$(DIR)/Makefile
		print-objs: ; @echo $(sort $(obj-y) $(obj-m))
	EOF
}
# touched_objs VARIANT: the touched files' objects the variant's config builds.
touched_objs() {
	local built f
	built=" $(built_objs "$1" mm) "
	for f in "${TOUCHED[@]}"; do
		f=${f%.c}.o
		case $built in *" ${f#mm/} "*) echo "$f" ;; esac
	done
}

# The vswap module sources (what dkms-install.sh ships), copied per variant:
# 6.12's M= builds in the source directory, and the repository keeps the
# pipeline's own vswap.ko.
stage_module() {
	local d=$CK/$1/vswap-src
	mkdir -p "$d"
	rsync -a --delete --include=/Kbuild --include=/Makefile --include=/VERSION \
		--include=/src/ --include='/src/*.[ch]' --exclude='*' "$VSWAP_ROOT/" "$d/"
	echo "$d"
}
modmake() { # modmake VARIANT LOGNAME ARGS...: the top-level Makefile, as DKMS runs it
	local v=$1 log=$LOGD/$1-$2.log
	shift 2
	make -C "$CK/$v/vswap-src" KDIR="$CK/$v" CC="ccache gcc" HOSTCC="ccache gcc" -j"$NPROC" "$@" >"$log" 2>&1
}

declare -A VARIANT_DESC=(
	[swap_ops]="CONFIG_SWAP_OPS=y"
	[no_swap_ops]="CONFIG_SWAP_OPS=n"
	[no_memcg]="CONFIG_SWAP_OPS=y CONFIG_MEMCG=n"
)

# ---- swap_ops: mm/, kernel/power/, vswap.ko -----------------------------------
V=swap_ops B=$CK/$V
HOOK_SYMS=()
if configure "$V" --enable SWAP_OPS; then
	if build "$V" prepare modules_prepare; then
		ok "$V: make modules_prepare ($(fmt_secs "$BUILD_SECS"))"
		if build "$V" mm mm/ kernel/power/; then
			ok "$V: make mm/ kernel/power/ with -Werror: $(find "$B/mm" "$B/kernel/power" -name '*.o' ! -name '*.mod.o' | wc -l) objects, no warning ($BUILD_CC compiled, $(fmt_secs "$BUILD_SECS"))"
		else
			nok "$V: make mm/ kernel/power/ with -Werror (log: $LOGD/$V-mm.log)"
		fi
	else
		nok "$V: make modules_prepare (log: $LOGD/$V-prepare.log)"
	fi
	# Symbols the hooks define: globals of the touched objects named in a
	# line the series adds.
	mapfile -t YOBJS < <(touched_objs "$V" | sed "s|^|$B/|")
	if [ "${#YOBJS[@]}" -gt 0 ] && [ -f "${YOBJS[0]}" ]; then
		mapfile -t HOOK_SYMS < <(comm -12 \
			<(nm -g --defined-only "${YOBJS[@]}" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u) \
			<(series_patches | while read -r p; do grep -E '^\+' "$VSWAP_ROOT/hooks-patch/$p"; done |
				grep -oE '[A-Za-z_][A-Za-z0-9_]*' | sort -u))
	fi
	note "$V: ${#HOOK_SYMS[@]} symbols defined by the hooks: ${HOOK_SYMS[*]}"

	# Module.symvers for vswap's modpost: Debian's (the stock kernel of the
	# same config) plus what the hooked objects export, with the CRCs
	# genksyms recorded in their .cmd files.
	gen_symvers() {
		local o sym crc lic
		cat "$DEBHDR/Module.symvers"
		while read -r o sym; do
			crc=$(sed -n "s/^#SYMVER $sym \(0x[0-9a-f]*\)$/\1/p" "$(dirname "$o")/.$(basename "$o").cmd" 2>/dev/null | head -n 1)
			crc=$(printf '0x%08x' "${crc:-0}")
			lic=EXPORT_SYMBOL
			grep -rqE "EXPORT_SYMBOL_GPL\($sym\)" "$KSRC/mm" "$KSRC/kernel/power" && lic=EXPORT_SYMBOL_GPL
			printf '%s\t%s\tvmlinux\t%s\t\n' "$crc" "$sym" "$lic"
		done < <(find "$B/mm" "$B/kernel/power" -name '*.o' ! -name '*.mod.o' -print0 |
			xargs -0r nm -A 2>/dev/null | sed -n 's/^\([^:]*\):.* __export_symbol_\(.*\)$/\1 \2/p' |
			awk -F'\t' 'FILENAME != "-" { deb[$2] = 1; next } { split($0, f, " ") } !(f[2] in deb)' \
				"$DEBHDR/Module.symvers" -)
	}
	if [ -f "$B/mm/built-in.a" ]; then
		gen_symvers >"$B/Module.symvers.new"
		note "$V: Module.symvers: Debian's $(grep -c . "$DEBHDR/Module.symvers") + $(($(grep -c . "$B/Module.symvers.new") - $(grep -c . "$DEBHDR/Module.symvers"))) exported by the hooks: $(tail -n +"$(($(grep -c . "$DEBHDR/Module.symvers") + 1))" "$B/Module.symvers.new" | cut -f2 | xargs)"
		cmp -s "$B/Module.symvers.new" "$B/Module.symvers" || mv "$B/Module.symvers.new" "$B/Module.symvers"
		rm -f "$B/Module.symvers.new"
		stage_module "$V" >/dev/null
		t0=$(date +%s)
		if modmake "$V" vswap; then
			if grep -qiE 'warning' "$LOGD/$V-vswap.log"; then
				grep -iE 'warning' "$LOGD/$V-vswap.log" | head -n 20 | sed 's/^/# /'
				nok "$V: vswap.ko built, but with warnings (log: $LOGD/$V-vswap.log)"
			else
				ok "$V: vswap.ko (make M=) with -Werror, every symbol resolved by the hooked Debian kernel, no warning ($(fmt_secs $(($(date +%s) - t0))))"
			fi
			t "$V: vswap.ko vermagic $(cat "$B/include/config/kernel.release") $(grep -q '^CONFIG_MODVERSIONS=y' "$B/.config" && echo modversions)" \
				eval '[ -f "$B/vswap-src/vswap.ko" ] && [ "$(modinfo -F vermagic "$B/vswap-src/vswap.ko" | cut -d" " -f1)" = "$(cat "$B/include/config/kernel.release")" ]'
		else
			grep -E 'error|ERROR' "$LOGD/$V-vswap.log" | head -n 20 | sed 's/^/# /'
			nok "$V: vswap.ko (make M=) (log: $LOGD/$V-vswap.log)"
		fi
	else
		nok "$V: vswap.ko: not tried, mm/ did not build"
	fi
fi

# ---- no_swap_ops, no_memcg: the touched files; the hooks must vanish --------
# link_check VARIANT OBJS...: no reference to a hook symbol the variant's
# touched objects do not define.
link_check() {
	local v=$1 defined missing
	shift
	if [ "${#HOOK_SYMS[@]}" -eq 0 ]; then
		nok "$v: no reference to hook symbols the config leaves out: no hook symbols known (swap_ops failed)"
		return
	fi
	defined=$(touched_objs "$v" | sed "s|^|$CK/$v/|" | xargs -r nm -g --defined-only 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
	missing=$(for o in "$@"; do nm -u "$o" | awk -v o="${o#"$CK/$v/"}" '{ print $2, o }'; done |
		awk -v hooks="${HOOK_SYMS[*]}" -v def="${defined//$'\n'/ }" '
			BEGIN { split(hooks, h, " "); for (i in h) H[h[i]] = 1
				split(def, d, " "); for (i in d) D[d[i]] = 1 }
			($1 in H) && !($1 in D)' | sort -u)
	if [ -z "$missing" ]; then
		ok "$v: no compiled object references a hook symbol the config leaves out (${#HOOK_SYMS[@]} hook symbols, $# objects)"
	else
		printf '%s\n' "$missing" | sed 's/^\([^ ]*\) \(.*\)/# undefined at link: \1 (referenced by \2)/'
		nok "$v: objects reference hook symbols nothing defines in this config (vmlinux would not link)"
	fi
}
touched_variant() {
	local v=$1 objs left o
	mapfile -t objs < <(touched_objs "$v")
	left=$(printf '%s\n' "${TOUCHED[@]}" | sed 's/\.c$/.o/' | grep -vxFf <(printf '%s\n' "${objs[@]}" | grep .) | xargs)
	build "$v" touched "${objs[@]}"
	local rc=$?
	TOUCHED_OBJS=()
	for o in "${objs[@]}"; do # make -k went on after an error
		[ -f "$CK/$v/$o" ] && TOUCHED_OBJS+=("$CK/$v/$o")
	done
	if [ "$rc" = 0 ]; then
		ok "$v: ${#objs[@]} touched files compile with -Werror: ${objs[*]}${left:+ (not built in this config: $left)} ($BUILD_CC compiled, $(fmt_secs "$BUILD_SECS"))"
	else
		nok "$v: touched files with -Werror: ${#TOUCHED_OBJS[@]} of ${#objs[@]} compiled (log: $LOGD/$v-touched.log)"
	fi
	return "$rc"
}

V=no_swap_ops B=$CK/$V
if configure "$V" --disable SWAP_OPS; then
	if build "$V" prepare modules_prepare; then
		ok "$V: make modules_prepare ($(fmt_secs "$BUILD_SECS"))"
		if touched_variant "$V"; then
			link_check "$V" "${TOUCHED_OBJS[@]}"
		else
			note "$V: no link check: not every touched file compiled"
		fi
		# Informative: globals the series adds (absent from the base tree)
		# that stay defined without CONFIG_SWAP_OPS.
		left=$(nm -g --defined-only "${TOUCHED_OBJS[@]}" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u |
			grep -xFf <(printf '%s\n' "${HOOK_SYMS[@]}" | grep .) |
			grep -vxFf <(git -C "$KSRC" grep -ohw -F "${HOOK_SYMS[@]/#/-e}" base -- mm include | sort -u) | xargs)
		note "$V: globals added by the series still defined here: ${left:-none}"
		stage_module "$V" >/dev/null
		rm -f "$B/vswap-src/vswap.ko" "$B"/vswap-src/src/*.o
		modmake "$V" vswap
		rc=$?
		msg=$(grep -m1 'vswap: this kernel lacks CONFIG_SWAP_OPS=y' "$LOGD/$V-vswap.log")
		t "$V: vswap.ko refuses to build (make exit $rc): ${msg:-no message naming CONFIG_SWAP_OPS (log: $LOGD/$V-vswap.log)}" \
			eval '[ "$rc" != 0 ] && [ -n "$msg" ] && [ ! -e "$B/vswap-src/vswap.ko" ] && ! compgen -G "$B/vswap-src/src/*.o" >/dev/null'
	else
		nok "$V: make modules_prepare (log: $LOGD/$V-prepare.log)"
	fi
fi

V=no_memcg B=$CK/$V
if configure "$V" --enable SWAP_OPS --disable MEMCG; then
	if build "$V" prepare modules_prepare; then
		ok "$V: make modules_prepare ($(fmt_secs "$BUILD_SECS"))"
		touched_variant "$V" || TOUCHED_OBJS=()
		stage_module "$V" >/dev/null
		mapfile -t VOBJS < <(sed -n 's/^vswap-y *:= *//p' "$B/vswap-src/Kbuild" | xargs -n1)
		t0=$(date +%s)
		# Objects only: modpost would need this config's Module.symvers.
		if ckmake "$B" -k -j"$NPROC" M="$B/vswap-src" "${VOBJS[@]}" >"$LOGD/$V-vswap.log" 2>&1 &&
			! grep -qiE 'warning' "$LOGD/$V-vswap.log"; then
			ok "$V: vswap.ko's objects compile with -Werror: ${VOBJS[*]} ($(fmt_secs $(($(date +%s) - t0))))"
			if [ "${#TOUCHED_OBJS[@]}" -gt 0 ]; then
				link_check "$V" "${TOUCHED_OBJS[@]}" "${VOBJS[@]/#/$B/vswap-src/}"
			else
				note "$V: no link check: not every touched file compiled"
			fi
		else
			grep -E '(error|warning):' "$LOGD/$V-vswap.log" | head -n 20 | sed 's/^/# /'
			nok "$V: vswap.ko's objects with -Werror (log: $LOGD/$V-vswap.log)"
		fi
	else
		nok "$V: make modules_prepare (log: $LOGD/$V-prepare.log)"
	fi
fi
finish
