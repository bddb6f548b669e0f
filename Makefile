# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of vswap.ko:
#   make KDIR=<kernel build dir>	(default: the running kernel's)
#   make KDIR=... clean
#   make KDIR=... modules_install
#   make dkms-install | dkms-add | dkms-remove	(root; scripts/dkms-install.sh)

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules modules_install clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

# DKMS: copy the sources to /usr/src/vswap-$(cat VERSION)/ and register them.
dkms-install:
	$(CURDIR)/scripts/dkms-install.sh
dkms-add:
	$(CURDIR)/scripts/dkms-install.sh --add-only
dkms-remove:
	$(CURDIR)/scripts/dkms-install.sh --remove

.PHONY: all modules modules_install clean dkms-install dkms-add dkms-remove
