/* SPDX-License-Identifier: MIT */
/* log.c: to stderr in the foreground, to syslog as a daemon. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "vgpuback.h"

static struct {
	bool to_stderr;
	int level;
} logcfg = { true, LOG_INFO };	/* set once at start-up, read-only after */

void vlog_init(bool to_stderr, int level)
{
	logcfg.to_stderr = to_stderr;
	logcfg.level = level;
	if (!to_stderr)
		openlog("vgpuback", LOG_PID, LOG_DAEMON);
}

void vlog(int level, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	va_list ap;

	if (level > logcfg.level)
		return;
	va_start(ap, fmt);
	if (logcfg.to_stderr) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "vgpuback[%ld.%03ld] %s: ", (long)ts.tv_sec,
			ts.tv_nsec / 1000000, names[level & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(level, fmt, ap);
	}
	va_end(ap);
}
