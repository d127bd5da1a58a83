/* SPDX-License-Identifier: MIT */
/*
 * vgpu= in xl configs (vgpu_xl_config_specs): every mistake is refused with
 * the config file and line, devids are resolved and a devid given twice is
 * refused (each of these was silently ignored or lost before).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nodes.h"
#include "spec.h"
#include "xlhook.h"

static char path[64];

static int parse(const char *text, struct vgpu_spec *specs, int *lines, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return vgpu_xl_config_specs(path, specs, lines, 16, err, errlen);
}

/* @text is refused, the message naming the file, @line and saying @want. */
static void refused(const char *text, int line, const char *want)
{
	struct vgpu_spec specs[16];
	int lines[16];
	char err[512], where[96];

	assert_int_equal(parse(text, specs, lines, err, sizeof(err)), -1);
	snprintf(where, sizeof(where), "%s:%d:", path, line);
	if (strncmp(err, where, strlen(where)))
		fail_msg("'%s' does not start with '%s'", err, where);
	if (!strstr(err, want))
		fail_msg("'%s' lacks '%s'", err, want);
}

static void test_refused(void **state)
{
	(void)state;
	/* A string, not a list: was ignored without a word. */
	refused("name = \"a\"\nmemory = 512\nvgpu = 'pool=A'\n", 3, "not a list");
	/* A syntax error: libxlutil's report (was sent to /dev/null) with its line. */
	refused("name = \"a\"\nvgpu = [ 'pool=A'\nmemory = 5\n", 3, "syntax error");
	refused("name = \"a\"\nmemory = 5 5\n", 2, "syntax error");
	/* A devid given twice: the second device was dropped silently. */
	refused("name = \"a\"\nvgpu = [ 'pool=A',\n\t'pool=B,devid=0' ]\n", 3,
		"devid 0 is also device 1's (line 2)");
	refused("vgpu = [ 'pool=A,devid=1',\n'pool=B',\n'pool=B,devid=1' ]\n", 3,
		"devid 1 is also device 1's (line 1)");
	/* A bad spec names its own line, even past comments and blank lines. */
	refused("# vgpu = [ 'pool=A,backend=3' ]\nvgpu = [ 'pool=A',\n\n 'pool=A,backend=3' ]\n",
		4, "backend '3': want 0");
	refused("vgpu = [ 'pool=A', 'pool=A', 'pool=A,prio=urgent' ]\n", 1, "prio 'urgent'");
	refused("vgpu = [ 'pool=A', [ 'pool=B' ] ]\n", 1, "not a string");
}

static void test_accepted(void **state)
{
	struct vgpu_spec s[16];
	int lines[16];
	char err[512];

	(void)state;
	assert_int_equal(parse("name = \"a\"\nvgpu = [ 'pool=A',\n  \"pool=B,devid=3\",\n"
			       "  'pool=A,prio=low' ]\n", s, lines, err, sizeof(err)), 3);
	assert_int_equal(s[0].devid, 0);
	assert_int_equal(s[1].devid, 3);
	assert_int_equal(s[2].devid, 4);
	assert_int_equal(lines[0], 2);
	assert_int_equal(lines[1], 3);
	assert_int_equal(lines[2], 4);
	assert_string_equal(s[1].pool, "B");
	assert_int_equal(parse("name = \"a\"\n", s, lines, err, sizeof(err)), 0);
	assert_int_equal(parse("vgpu = [ ]\n", s, lines, err, sizeof(err)), 0);
}

/* The strict numbers every devid and domid read from XenStore goes through. */
static void test_parse_ulong(void **state)
{
	static const char *const bad[] = {
		"", "x", "-1", "+1", " 1", "1 ", "1.5", "0x1", "99999999999", "256", "1e2",
		"4294967296", "18446744073709551617",
	};
	unsigned long v = 7;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!vgpu_parse_ulong(bad[i], VGPU_MAX_DEVID, &v))
			fail_msg("'%s' accepted as %lu", bad[i], v);
	assert_int_equal(v, 7);
	assert_int_equal(vgpu_parse_ulong(NULL, 9, &v), -1);
	assert_int_equal(vgpu_parse_ulong("0", VGPU_MAX_DEVID, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vgpu_parse_ulong("255", VGPU_MAX_DEVID, &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(vgpu_parse_ulong("007", VGPU_MAX_DEVID, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(vgpu_parse_ulong("32751", VGPU_MAX_DOMID, &v), 0);
	assert_int_equal(vgpu_parse_ulong("32752", VGPU_MAX_DOMID, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_parse_ulong),
	};
	int fd, rc;

	snprintf(path, sizeof(path), "%s/vgpu-xlcfg.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	rc = cmocka_run_group_tests_name("xlconfig", tests, NULL, NULL);
	unlink(path);
	return rc;
}
