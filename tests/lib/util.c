// SPDX-License-Identifier: GPL-2.0
/*
 * Basics every vswap test uses: paths and sizes, the VSWAP_SCALE knob,
 * vt_log(), small file readers/writers, /proc and /sys lookups, vt_run()
 * and timing.  The library's conventions are in util.h.
 */
#include "util.h"

int vt_scale_pct(void)
{
	static int pct = -1;
	const char *e;

	if (pct < 0) {
		e = getenv("VSWAP_SCALE");
		pct = e && *e ? atoi(e) : 100;
		if (pct < 1 || pct > 100)
			pct = 100;
	}
	return pct;
}

int vt_scale(long n, long min)
{
	long v = n * vt_scale_pct() / 100;

	return (int)(v > min ? v : min);
}

ssize_t vt_read_file(const char *path, char *buf, size_t len)
{
	ssize_t ret;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len - 1) {
		ret = read(fd, buf + done, len - 1 - done);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			close(fd);
			return ret;
		}
		if (!ret)
			break;
		done += ret;
	}
	buf[done] = '\0';
	close(fd);
	return done;
}

int vt_write_file(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, str, len);
	if (ret < 0)
		ret = -errno;
	else if ((size_t)ret != len)
		ret = -EIO;
	else
		ret = 0;
	close(fd);
	return ret;
}

int vt_read_u64(const char *path, unsigned long long *val)
{
	char buf[64], *end;
	ssize_t len;

	len = vt_read_file(path, buf, sizeof(buf));
	if (len < 0)
		return len;
	if (len < 2 || buf[len - 1] != '\n' || !isdigit((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end != buf + len - 1)
		return -EINVAL;
	return 0;
}

bool vt_exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

long long vt_read_key(const char *path, const char *key)
{
	size_t klen = strlen(key);
	long long val = -1;
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + klen;

		if (strncmp(line, key, klen))
			continue;
		if (*p == ':')
			p++;
		if (*p != ' ' && *p != '\t')
			continue;
		val = strtoll(p, NULL, 10);
		break;
	}
	fclose(f);
	return val;
}

long long read_meminfo_kb(const char *key)
{
	return vt_read_key("/proc/meminfo", key);
}

long long read_vmstat(const char *key)
{
	return vt_read_key("/proc/vmstat", key);
}

void vt_wait_writeback(void)
{
	int i;

	for (i = 0; i < 2000 && read_vmstat("nr_writeback") > 0; i++) {
		/*
		 * Each CPU keeps a delta of nr_writeback that vmstat folds in
		 * only every vm.stat_interval (1 s): the sum can stay above 0
		 * for up to a second after the last write ended.  Fold them.
		 */
		vt_write_file("/proc/sys/vm/stat_refresh", "1");
		if (read_vmstat("nr_writeback") <= 0)
			break;
		usleep(1000);
	}
}

long long read_status_kb(const char *key)
{
	return vt_read_key("/proc/self/status", key);
}

long long read_free_incl_pcp_kb(void)
{
	long long pages = 0, v;
	char line[256];
	FILE *f;

	f = fopen("/proc/zoneinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %lld", &v) == 1)
			pages += v;
		else if (sscanf(line, " count: %lld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * (long long)(sysconf(_SC_PAGESIZE) / 1024);
}

void vm_settle(void)
{
	struct dirent *de;
	char path[PATH_MAX + 64];
	DIR *d;
	int i;

	for (i = 0; i < 3; i++) {
		syscall(__NR_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0);
		usleep(100 * 1000);
	}
	sync();
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	d = opendir("/sys/kernel/slab");
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || de->d_type == DT_LNK)
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 de->d_name);
			vt_write_file(path, "1");
		}
		closedir(d);
	}
}

/*
 * fork() with stdout and stderr flushed first, so that the child does not
 * print the parent's buffered output again.  The child's pid, 0 in the
 * child, or -errno.
 */
pid_t vt_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	return pid < 0 ? -errno : pid;
}

int vt_run(char *const argv[])
{
	int status;
	pid_t pid;

	pid = vt_fork();
	if (pid < 0)
		return pid;
	if (!pid) {
		char *bb[16];
		int i;

		dup2(2, 1);
		execvp(argv[0], argv);
		bb[0] = "busybox";
		for (i = 0; argv[i] && i < 14; i++)
			bb[i + 1] = argv[i];
		bb[i + 1] = NULL;
		execvp("busybox", bb);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status);
}

double vd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double vd_sys_time(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int vd_pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
