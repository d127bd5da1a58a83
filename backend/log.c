/* SPDX-License-Identifier: MIT */
/*
 * log.c: to stderr in the foreground, to syslog as a daemon.
 *
 * Under systemd, stderr is a stream into the journal, which takes every
 * line at priority info unless it starts with an sd-daemon(3) "<N>" prefix:
 * there each line gets its prefix and no time stamp (the journal has its
 * own), so that `journalctl -p err` finds the errors.  On a terminal or in
 * a file, each line gets a readable local time stamp instead.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LINE_MAX_LEN 2048

static struct {
	bool to_stderr;
	bool journal;
	int level;
} logcfg = { true, false, LOG_INFO };	/* set once at start-up, read-only after */

bool vlog_fd_is_journal(const char *journal_stream, int fd)
{
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (!journal_stream ||
	    sscanf(journal_stream, "%llu:%llu%n", &dev, &ino, &n) != 2 ||
	    journal_stream[n] || fstat(fd, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* stderr is the journal, or vgpuback runs as a systemd service (foreground). */
static bool stderr_is_journal(void)
{
	if (vlog_fd_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO))
		return true;
	/* systemd sets INVOCATION_ID for its services; a terminal is a person's. */
	return getenv("INVOCATION_ID") && !getenv("JOURNAL_STREAM") && !isatty(STDERR_FILENO);
}

int vlog_format(char *buf, size_t len, bool journal, int level,
		const struct timespec *now, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	char stamp[32], zone[8];
	struct tm tm;
	int n;

	if (journal) {
		n = snprintf(buf, len, "<%d>", level & 7);
	} else {
		localtime_r(&now->tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		strftime(zone, sizeof(zone), "%z", &tm);
		n = snprintf(buf, len, "%s.%03ld%s vgpuback %s: ", stamp,
			     now->tv_nsec / 1000000, zone, names[level & 7]);
	}
	if (n < 0)
		return n;
	if ((size_t)n >= len)
		return n + vsnprintf(NULL, 0, fmt, ap);
	return n + vsnprintf(buf + n, len - (size_t)n, fmt, ap);
}

static void to_stderr(bool journal, int level, const char *fmt, va_list ap)
{
	char line[LINE_MAX_LEN];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	vlog_format(line, sizeof(line), journal, level, &ts, fmt, ap);
	/* One write per line: lines of other threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

void vlog_init(bool to_stderr, int level)
{
	logcfg.to_stderr = to_stderr;
	logcfg.journal = to_stderr && stderr_is_journal();
	logcfg.level = level;
	if (!to_stderr)
		openlog("vgpuback", LOG_PID, LOG_DAEMON);
}

void vlog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > logcfg.level)
		return;
	va_start(ap, fmt);
	if (logcfg.to_stderr)
		to_stderr(logcfg.journal, level, fmt, ap);
	else
		vsyslog(level, fmt, ap);
	va_end(ap);
}

void vlog_stderr(int level, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;

	va_start(ap, fmt);
	if (stderr_is_journal()) {
		to_stderr(true, level, fmt, ap);
	} else {
		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "vgpuback: %s\n", line);
	}
	va_end(ap);
}
