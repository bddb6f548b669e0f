# tests/kselftests.mk - the kernel's own swap/zswap selftests, built from the
# kernel tree for the guest (included by tests/Makefile; README section
# "Kernel selftests under vswap").
#
# They go to $(OUT)/../kselftests/ (i.e. $VSWAP_CACHE/out/<flavor>/kselftests),
# NOT to $(OUT): every binary in /tests is run by the guest's test job on its
# own, but these need a swap setup first.  scripts/initramfs.sh copies them to
# /kselftests; the wrappers tests/kst_*.c set up stock swap or vswap, run
# them and report their cases as their own (tests/lib/kst.c).
#
#   test_zswap          tools/testing/selftests/cgroup/test_zswap.c (all cases;
#                       tests/kselftests/zswap_sel.c: $KST_SKIP / $KST_ONLY choose
#                       cases, $KST_REPEAT runs each several times)
#   memcontrol_swap     tools/testing/selftests/cgroup/test_memcontrol.c, only
#                       the 9 cases that depend on swap or on memory.swap.max=0
#                       (tests/kselftests/memcontrol_swap.c, which also logs their
#                       cgroup reads/writes and prints the log when a case fails)
#   cow                 tools/testing/selftests/mm/cow.c (swap-out via MADV_PAGEOUT)

KST_SRC := $(KSRC)/tools/testing/selftests
KST_OUT := $(abspath $(OUT)/../kselftests)
# Upstream's flags: mm/Makefile builds with -O2; cgroup/ with none (-O0),
# and its tests depend on that: e.g. allocate_bytes() in test_zswap.c and
# alloc_anon() in test_memcontrol.c write to malloc()ed memory and free()
# it, which gcc -O2 deletes as dead stores (nothing is allocated at all).
KST_CFLAGS := -g -Wall -Wno-unused-result -U_FORTIFY_SOURCE -pthread \
	-I$(KST_SRC) -I$(KST_OUT) $(if $(KHDR),-isystem $(KHDR)) \
	-isystem $(KSRC)/tools/include/uapi
KST_LDLIBS := -lrt -lpthread -lm
KST_CG := $(KST_SRC)/cgroup
KST_MM := $(KST_SRC)/mm
KST_BINS := $(KST_OUT)/test_zswap $(KST_OUT)/memcontrol_swap $(KST_OUT)/cow

all: $(KST_BINS)

$(KST_OUT):
	mkdir -p $@

# mm/cow.c includes "local_config.h" (normally from check_config.sh):
# no liburing in the static guest binary.
$(KST_OUT)/local_config.h: | $(KST_OUT)
	printf '/* vswap: built without liburing */\n' >$@

$(KST_OUT)/test_zswap: $(TESTS_DIR)/kselftests/zswap_sel.c $(KST_CG)/test_zswap.c $(TESTS_DIR)/kselftests.mk \
		$(KST_CG)/cgroup_util.c $(KST_CG)/cgroup_util.h | $(KST_OUT)
	$(CC) $(KST_CFLAGS) -I$(KST_CG) -static -o $@ $< $(KST_CG)/cgroup_util.c $(KST_LDLIBS)

$(KST_OUT)/memcontrol_swap: $(TESTS_DIR)/kselftests/memcontrol_swap.c $(TESTS_DIR)/kselftests.mk $(KST_CG)/test_memcontrol.c \
		$(KST_CG)/cgroup_util.c $(KST_CG)/cgroup_util.h | $(KST_OUT)
	$(CC) $(KST_CFLAGS) -I$(KST_CG) -static -o $@ $< $(KST_CG)/cgroup_util.c $(KST_LDLIBS)

$(KST_OUT)/cow: $(KST_MM)/cow.c $(TESTS_DIR)/kselftests.mk $(KST_MM)/vm_util.c $(KST_MM)/thp_settings.c $(KST_OUT)/local_config.h | $(KST_OUT)
	$(CC) $(KST_CFLAGS) -O2 -I$(KST_MM) -static -o $@ $(KST_MM)/cow.c $(KST_MM)/vm_util.c $(KST_MM)/thp_settings.c $(KST_LDLIBS)

kst-clean:
	rm -f $(KST_BINS) $(KST_OUT)/local_config.h

clean: kst-clean
.PHONY: kst-clean
