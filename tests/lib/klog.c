// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel log: marks and searches after a mark.
 */
#include "klog.h"

/* Whole kernel log via SYSLOG_ACTION_READ_ALL; caller frees. NULL on error. */
static char *klog_read_all(size_t *lenp)
{
	int size, len;
	char *buf;

	size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (size <= 0)
		size = 1 << 20;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

int klog_clear(void)
{
	return klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0) < 0 ? -errno : 0;
}

/*
 * Walk /dev/kmsg records with seq >= @from_seq.  For each record @fn is
 * called with the message text (without the "prio,seq,ts,flags;" header
 * and continuation lines); a non-zero return stops the walk and is
 * returned.  Returns the highest seq seen + 1 in @next (may be NULL).
 * -errno if /dev/kmsg cannot be opened.
 */
static int kmsg_walk(long long from_seq, long long *next,
		     int (*fn)(const char *msg, void *arg), void *arg)
{
	char rec[8192 + 1];
	long long last = from_seq - 1;
	int fd, ret = 0;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		unsigned long long seq;
		char *msg, *nl;
		ssize_t len;

		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;	/* records overwritten; go on */
			break;			/* EAGAIN: end of log */
		}
		rec[len] = '\0';
		if (sscanf(rec, "%*u,%llu,", &seq) != 1)
			continue;
		if ((long long)seq > last)
			last = seq;
		if ((long long)seq < from_seq || !fn)
			continue;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		ret = fn(msg, arg);
		if (ret)
			break;
	}
	close(fd);
	if (next)
		*next = last + 1;
	return ret;
}

void klog_mark(struct klog_mark *m)
{
	char *buf;

	m->seq = -1;
	m->off = 0;
	if (!kmsg_walk(0, &m->seq, NULL, NULL))
		return;
	m->seq = -1;
	buf = klog_read_all(&m->off);
	free(buf);
}

static int klog_match_one(const char *msg, void *arg)
{
	struct klog_match *km = arg;

	if (km->prefix && strncmp(msg, km->prefix, strlen(km->prefix)))
		return 0;
	if (km->substr && !strstr(msg, km->substr))
		return 0;
	snprintf(km->found, sizeof(km->found), "%s", msg);
	return 1;
}

bool dmesg_find(const struct klog_mark *m, const char *prefix,
		const char *substr, char *found, size_t found_len)
{
	struct klog_match km = { .prefix = prefix, .substr = substr };
	bool hit = false;

	if (m->seq >= 0) {
		hit = kmsg_walk(m->seq, NULL, klog_match_one, &km) == 1;
	} else {
		size_t len = 0;
		char *buf = klog_read_all(&len), *line, *save;

		if (!buf)
			return false;
		/* klogctl lines look like "<3>[    1.234567] vswap: ..." */
		for (line = strtok_r(buf + (m->off < len ? m->off : len), "\n",
				     &save);
		     line && !hit; line = strtok_r(NULL, "\n", &save)) {
			char *p = line;

			if (*p == '<')
				p = strchr(p, '>') ? strchr(p, '>') + 1 : p;
			if (*p == '[')
				p = strchr(p, ']') ? strchr(p, ']') + 1 : p;
			while (*p == ' ')
				p++;
			hit = klog_match_one(p, &km) == 1;
		}
		free(buf);
	}
	if (hit && found)
		snprintf(found, found_len, "%s", km.found);
	return hit;
}

bool dmesg_contains(const struct klog_mark *m, const char *substr)
{
	return dmesg_find(m, NULL, substr, NULL, 0);
}
