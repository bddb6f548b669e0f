# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of vswap.ko:
#   make KDIR=<kernel build dir>	(default: the running kernel's)
#   make KDIR=... clean
#   make KDIR=... modules_install
#   make dkms-install | dkms-add | dkms-remove	(root; scripts/dkms-install.sh)
#   make deb		vswap-dkms_<VERSION>_all.deb (scripts/deb.sh)
#   make install [DESTDIR=...] [PREFIX=/usr/local]	the status tool vswapctl

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local

all: modules

modules modules_install clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

# DKMS: copy the sources to /usr/src/vswap-$(cat VERSION)/ and register them;
# install (or remove) the files that load vswap at boot (boot/).
dkms-install:
	$(CURDIR)/scripts/dkms-install.sh
dkms-add:
	$(CURDIR)/scripts/dkms-install.sh --add-only
dkms-remove:
	$(CURDIR)/scripts/dkms-install.sh --remove

# Debian package vswap-dkms (debhelper + dh-dkms), in this directory.
deb:
	$(CURDIR)/scripts/deb.sh

# tools/vswapctl is a POSIX sh + awk script: nothing to build
install:
	install -D -m 0755 $(CURDIR)/tools/vswapctl $(DESTDIR)$(PREFIX)/sbin/vswapctl
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/vswapctl

.PHONY: all modules modules_install clean dkms-install dkms-add dkms-remove deb \
	install uninstall
