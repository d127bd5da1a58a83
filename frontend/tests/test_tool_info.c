/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of vgpufront info's reading of the executor's key=value text:
 * the backend is not trusted, so lines that are not key=value, keys with
 * odd characters, values with control or non-ASCII bytes, overlong keys or
 * values are skipped, the rest kept, and more lines than it keeps cannot
 * overflow it.  The file is included to reach its static parser.
 */
#include "../tool_info.c"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

int tool_fail(struct tool *t, const char *what, int rc)
{
	(void)t;
	(void)what;
	(void)rc;
	return EXIT_FAILED;
}

static void test_good_lines(void **state)
{
	struct info in = { 0 };

	(void)state;
	parse_text(&in, "executor=cuda\npath=dma\ngpu0.name=NVIDIA H200\n"
		   "gpu0.cc=9.0\ncuda_version=13.0");
	assert_int_equal(in.nkv, 5);
	assert_string_equal(get(&in, "gpu0.name"), "NVIDIA H200");
	assert_string_equal(gpu_get(&in, 0, "cc"), "9.0");
	assert_string_equal(get(&in, "cuda_version"), "13.0");	/* no newline at the end */
	assert_null(get(&in, "gpu1.name"));
}

static void test_bad_lines_skipped(void **state)
{
	struct info in = { 0 };
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "no equals sign\n=empty key\nKEY=upper\n"
		 "a b=space\nname=ctl\x01here\nname=\xc3\xa9t\xc3\xa9\n\n"
		 "%0100d=long key\nlong=%0300d\nok=1\nempty=\n", 0, 0);
	parse_text(&in, text);
	assert_int_equal(in.nkv, 2);
	assert_string_equal(get(&in, "ok"), "1");
	assert_string_equal(get(&in, "empty"), "");
	assert_null(get(&in, "name"));
}

static void test_many_lines(void **state)
{
	struct info in = { 0 };
	char text[4096];
	size_t off = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < 500 && off < sizeof(text) - 16; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "k%u=%u\n", i, i);
	parse_text(&in, text);
	assert_int_equal(in.nkv, MAX_KV);
	assert_string_equal(get(&in, "k0"), "0");
	snprintf(text, sizeof(text), "k%u", MAX_KV);	/* the first one past the table */
	assert_null(get(&in, text));
}

static void test_first_wins(void **state)
{
	struct info in = { 0 };

	(void)state;
	parse_text(&in, "executor=cpu\nexecutor=cuda\n");
	assert_string_equal(get(&in, "executor"), "cpu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines_skipped),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_first_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
