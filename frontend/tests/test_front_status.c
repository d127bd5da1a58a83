/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of libvgpufront's return codes: protocol statuses and local
 * errors never share a value, each maps back to what it was, and
 * vgpufront_strerror() gives each its own text (the reference for the
 * protocol's is vgpuif_strerror, for errno's strerror).  Before the split,
 * -1 read "malformed request" whether it was VGPU_EINVAL or -EPERM.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "front_priv.h"
#include "request.h"
#include "vgpufront.h"

/* Every errno value Linux has, and then some. */
#define MAX_ERRNO 200

static void test_ranges_disjoint(void **state)
{
	int s, e;

	(void)state;
	for (s = VGPU_ELAST; s <= -1; s++) {
		int rc = vgpufront_status(s);

		assert_true(vgpufront_is_status(rc));
		assert_int_equal(rc, VGPUFRONT_E(s));
		assert_int_equal(rc + VGPUFRONT_STATUS_BASE, s);	/* back again */
		for (e = 1; e <= MAX_ERRNO; e++)
			assert_int_not_equal(rc, -e);
	}
	for (e = 1; e <= MAX_ERRNO; e++)
		assert_false(vgpufront_is_status(-e));
	assert_false(vgpufront_is_status(0));
	assert_int_equal(vgpufront_status(VGPU_OK), 0);
	/* Statuses a later protocol may add keep to the range. */
	assert_true(vgpufront_is_status(vgpufront_status(-999)));
}

static void test_impossible_wire_status(void **state)
{
	(void)state;
	assert_int_equal(vgpufront_status(1), -EPROTO);
	assert_int_equal(vgpufront_status(0x7fffffff), -EPROTO);
	assert_int_equal(vgpufront_status(-1000), -EPROTO);
	assert_int_equal(vgpufront_status(INT32_MIN), -EPROTO);
}

/*
 * strerror's text for an errno: copied, as glibc reuses its buffer for
 * numbers it has no name for.
 */
static void assert_errno_text(int e)
{
	char want[128];

	snprintf(want, sizeof(want), "%s", strerror(e));
	assert_string_equal(vgpufront_strerror(-e), want);
}

static void test_strerror(void **state)
{
	int s, e;

	(void)state;
	assert_string_equal(vgpufront_strerror(0), "success");
	for (s = VGPU_ELAST; s <= -1; s++)
		assert_string_equal(vgpufront_strerror(VGPUFRONT_E(s)), vgpuif_strerror(s));
	for (e = 1; e <= 133; e++) {
		if (e == EPROTO || e == ENOSPC)
			continue;
		assert_errno_text(e);
	}
	/* The overlap that printed the wrong text. */
	assert_errno_text(EPERM);
	assert_string_equal(vgpufront_strerror(VGPUFRONT_E(VGPU_EINVAL)), "malformed request");
	assert_errno_text(ENOENT);
	assert_string_equal(vgpufront_strerror(VGPUFRONT_E(VGPU_ENOSYS)), "unknown operation");
	assert_non_null(strstr(vgpufront_strerror(-EPROTO), "protocol"));
	assert_non_null(strstr(vgpufront_strerror(-ENOSPC), "grant"));
	assert_string_equal(vgpufront_strerror(1), "unknown error");
	assert_string_equal(vgpufront_strerror(-5000), "unknown error");
}

/* Which limit a failed share ran into (no gntalloc here: the grant table). */
static void test_explain(void **state)
{
	struct vgpufront dev;
	char buf[512];

	(void)state;
	memset(&dev, 0, sizeof(dev));
	dev.granted = 4;
	dev.grant_want = 1024;
	vgpufront_explain(&dev, -ENOSPC, buf, sizeof(buf));
	if (access("/sys/module/xen_gntalloc/parameters/limit", R_OK))
		assert_non_null(strstr(buf, "max_grant_frames"));
	assert_non_null(strstr(buf, "1024 more pages"));
	vgpufront_explain(&dev, VGPUFRONT_E(VGPU_EGRANT), buf, sizeof(buf));
	assert_non_null(strstr(buf, "xen_gntdev"));
	vgpufront_explain(&dev, VGPUFRONT_E(VGPU_ENOMEM), buf, sizeof(buf));
	assert_non_null(strstr(buf, "vgpufront info"));
	dev.broken = true;
	snprintf(dev.fault, sizeof(dev.fault), "a response to id 0x7");
	vgpufront_explain(&dev, -EPROTO, buf, sizeof(buf));
	assert_string_equal(buf, "the backend broke the protocol: a response to id 0x7");
	vgpufront_explain(NULL, -EPERM, buf, sizeof(buf));
	assert_string_equal(buf, strerror(EPERM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_disjoint),
		cmocka_unit_test(test_impossible_wire_status),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
