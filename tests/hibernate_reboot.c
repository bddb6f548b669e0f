// SPDX-License-Identifier: GPL-2.0
/*
 * tests/hibernate.c across a real power cycle: hibernate, power off, boot
 * the same disks with resume=/dev/vda.  Needs the two boots of
 * scripts/test.sh's hibernate phase (tests/guest/job-hibernate.sh); the
 * test job leaves it out.
 */
#define HIBERNATE_REBOOT	1
#include "hibernate.c"
