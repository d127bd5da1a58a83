/* SPDX-License-Identifier: MIT */
/* log.h: vgpuback's log (log.c); the formatting is exposed for its tests. */
#ifndef VGPUBACK_LOG_H
#define VGPUBACK_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

void vlog_init(bool to_stderr, int level);
void vlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Before vlog_init (bad options): one line to stderr, at @level in a journal. */
void vlog_stderr(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * True when @journal_stream (the JOURNAL_STREAM variable, "DEV:INODE") names
 * the file open on @fd: systemd connected it to the journal (sd_journal
 * docs: compare before trusting it, the variable may be inherited).
 */
bool vlog_fd_is_journal(const char *journal_stream, int fd);

/*
 * One log line, without the newline, into @buf: "<N>MESSAGE" for the
 * journal (sd-daemon(3) priority prefix; the journal stamps it), else
 * "YYYY-MM-DDTHH:MM:SS.mmm+ZZZZ vgpuback LEVEL: MESSAGE" in local time.
 * Returns what snprintf returns.
 */
int vlog_format(char *buf, size_t len, bool journal, int level,
		const struct timespec *now, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

#endif /* VGPUBACK_LOG_H */
