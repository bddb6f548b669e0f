// SPDX-License-Identifier: GPL-2.0
/*
 * vswap: the files of stats.c, read-only in /sys/module/vswap/stats/ (as
 * in debugfs.c), for machines that do not mount debugfs: one decimal
 * number each.
 */
#include <linux/module.h>
#include <linux/sysfs.h>

#include "vswap.h"

struct vswap_attr {
	struct module_attribute mattr;
	unsigned long item;		/* index of vswap_file_names */
};

static struct vswap_attr vswap_attrs[VSWAP_NR_FILES];
static struct attribute *vswap_attr_list[VSWAP_NR_FILES + 1];

static const struct attribute_group vswap_attr_group = {
	.name = "stats",
	.attrs = vswap_attr_list,
};

static ssize_t vswap_attr_show(struct module_attribute *mattr,
			       struct module_kobject *mk, char *buf)
{
	struct vswap_attr *a = container_of(mattr, struct vswap_attr, mattr);

	return sysfs_emit(buf, "%llu\n", vswap_file_value(a->item));
}

/* Called once vswap.si is set: slots_used reads it */
int vswap_sysfs_init(void)
{
	unsigned long i;

	for (i = 0; i < VSWAP_NR_FILES; i++) {
		struct vswap_attr *a = &vswap_attrs[i];

		sysfs_attr_init(&a->mattr.attr);
		a->mattr.attr.name = vswap_file_names[i];
		a->mattr.attr.mode = 0444;
		a->mattr.show = vswap_attr_show;
		a->item = i;
		vswap_attr_list[i] = &a->mattr.attr;
	}
	return sysfs_create_group(&THIS_MODULE->mkobj.kobj, &vswap_attr_group);
}

/*
 * Removing the files waits for the readers inside ->show (kernfs active
 * references), and a file still open afterwards reads ENODEV: nothing
 * calls into vswap once this returns.  The module's kobject itself is the
 * module loader's, released after vswap_exit().
 */
void vswap_sysfs_exit(void)
{
	sysfs_remove_group(&THIS_MODULE->mkobj.kobj, &vswap_attr_group);
}
