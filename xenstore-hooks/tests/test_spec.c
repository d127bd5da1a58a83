/* SPDX-License-Identifier: MIT */
/* vgpu= spec parsing: accepted forms and every error naming spec and key. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "spec.h"
#include "xsnodes.h"

static void test_accepts(void **state)
{
	struct vgpu_spec s;
	char err[256];

	(void)state;
	assert_int_equal(vgpu_spec_parse("pool=A,prio=high", &s, err, sizeof(err)), 0);
	assert_string_equal(s.pool, "A");
	assert_int_equal(s.prio, VGPU_PRIO_HIGH);
	assert_int_equal(s.devid, -1);
	assert_int_equal(s.backend, 0);
	assert_int_equal(vgpu_spec_parse("pool=B", &s, err, sizeof(err)), 0);
	assert_int_equal(s.prio, VGPU_PRIO_MEDIUM);
	assert_int_equal(vgpu_spec_parse("prio=low,devid=1,pool=gpu-0_x,backend=0", &s, err,
					 sizeof(err)), 0);
	assert_int_equal(s.prio, VGPU_PRIO_LOW);
	assert_int_equal(s.devid, 1);
	assert_int_equal(s.backend, 0);
	assert_string_equal(s.pool, "gpu-0_x");
	assert_int_equal(vgpu_spec_parse("pool=A,priority=medium", &s, err, sizeof(err)), 0);
}

static void rejects(const char *spec, const char *want)
{
	struct vgpu_spec s;
	char err[256];

	assert_int_equal(vgpu_spec_parse(spec, &s, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err, want);
	if (spec[0] && !strstr(err, spec))
		fail_msg("'%s': message '%s' does not name the spec", spec, err);
}

static void test_rejects(void **state)
{
	(void)state;
	rejects("", "empty");
	rejects("pool=A,color=red", "unknown key 'color'");
	rejects("pool=A,pool=B", "key 'pool' given twice");
	rejects("prio=high", "key 'pool' is required");
	rejects("pool=A,prio=urgent", "prio 'urgent'");
	rejects("pool=A,devid=x", "devid 'x'");
	rejects("pool=A,devid=300", "devid '300'");
	rejects("pool=A,devid=-1", "devid '-1'");
	rejects("pool=", "pool ''");
	rejects("pool=a/b", "pool 'a/b'");
	rejects("pool=ABCDEFGHIJKLMNOPQ", "pool 'ABCDEFGHIJKLMNOPQ'");
	rejects("pool=A,", "trailing comma");
	rejects("pool=A,high", "'high' is not key=value");
	rejects("pool=A,backend=dom0", "backend 'dom0'");
	/* vgpuback serves dom0's backend tree only: another domain is never served. */
	rejects("pool=A,backend=7", "backend '7': want 0");
	rejects("pool=A,backend=32751", "backend '32751': want 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
