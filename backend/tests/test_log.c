/* SPDX-License-Identifier: MIT */
/*
 * The log line formats (log.c): sd-daemon(3) priority prefixes when stderr
 * is the journal, ISO 8601 local time with milliseconds otherwise, and the
 * JOURNAL_STREAM check.  Expected strings are written out by hand (the time
 * stamps from Python's datetime for the same instant), not made by log.c.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* 2025-12-02T14:24:47.123 UTC */
static const struct timespec instant = { .tv_sec = 1764685487, .tv_nsec = 123456789 };

static int fmt(char *buf, size_t len, bool journal, int level, const char *f, ...)
	__attribute__((format(printf, 5, 6)));
static int fmt(char *buf, size_t len, bool journal, int level, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vlog_format(buf, len, journal, level, &instant, f, ap);
	va_end(ap);
	return n;
}

static void test_journal_prefixes(void **state)
{
	char buf[128];

	(void)state;
	fmt(buf, sizeof(buf), true, LOG_ERR, "cannot reach XenStore: %s", "gone");
	assert_string_equal(buf, "<3>cannot reach XenStore: gone");
	fmt(buf, sizeof(buf), true, LOG_WARNING, "buffer %u", 7u);
	assert_string_equal(buf, "<4>buffer 7");
	fmt(buf, sizeof(buf), true, LOG_NOTICE, "serving");
	assert_string_equal(buf, "<5>serving");
	fmt(buf, sizeof(buf), true, LOG_INFO, "executor: cpu");
	assert_string_equal(buf, "<6>executor: cpu");
	fmt(buf, sizeof(buf), true, LOG_DEBUG, "refused");
	assert_string_equal(buf, "<7>refused");
}

static void test_time_stamps(void **state)
{
	char buf[128];

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	fmt(buf, sizeof(buf), false, LOG_ERR, "x=%d", 1);
	assert_string_equal(buf, "2025-12-02T14:24:47.123+0000 vgpuback error: x=1");
	/* Local time, not UTC: a zone 5:30 east of it. */
	setenv("TZ", "XST-5:30", 1);
	tzset();
	fmt(buf, sizeof(buf), false, LOG_WARNING, "w");
	assert_string_equal(buf, "2025-12-02T19:54:47.123+0530 vgpuback warning: w");
	fmt(buf, sizeof(buf), false, LOG_INFO, "i");
	assert_string_equal(buf, "2025-12-02T19:54:47.123+0530 vgpuback info: i");
	unsetenv("TZ");
	tzset();
}

static void test_truncation(void **state)
{
	char buf[8];
	int n;

	(void)state;
	n = fmt(buf, sizeof(buf), true, LOG_ERR, "%s", "0123456789");
	assert_int_equal(n, 13);	/* what it would have been, as snprintf */
	assert_string_equal(buf, "<3>0123");
	n = fmt(buf, 2, false, LOG_ERR, "%s", "abc");
	assert_true(n > 2);
	assert_int_equal(strlen(buf), 1);
}

static void test_journal_stream(void **state)
{
	char path[] = "/tmp/test_log.XXXXXX", env[64];
	struct stat st;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_true(vlog_fd_is_journal(env, fd));
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	assert_false(vlog_fd_is_journal(env, fd));	/* inherited, not ours */
	snprintf(env, sizeof(env), "%llu:%llux", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_false(vlog_fd_is_journal(env, fd));
	assert_false(vlog_fd_is_journal("", fd));
	assert_false(vlog_fd_is_journal("garbage", fd));
	assert_false(vlog_fd_is_journal(NULL, fd));
	close(fd);
	assert_false(vlog_fd_is_journal(env, fd));	/* closed fd */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_prefixes),
		cmocka_unit_test(test_time_stamps),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_journal_stream),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
