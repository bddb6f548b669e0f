# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of vswap.ko:
#   make KDIR=<kernel build dir>	(default: the running kernel's)
#   make KDIR=... clean
#   make KDIR=... modules_install

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules modules_install clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

.PHONY: all modules modules_install clean
