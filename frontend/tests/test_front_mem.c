/* SPDX-License-Identifier: MIT */
/*
 * test_front_mem: how mem.c packs protocol version 2's requests and reads
 * their responses, with no backend: the link wraps vgpufront_call (which
 * records each request and answers as the test says) and
 * vgpufront_connected; the backend's version is the device's (read at open).
 * Expected requests are written out byte by byte from vgpuif.h's layout.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "front_priv.h"
#include "wire_expect.h"

static struct {
	unsigned calls;
	struct vgpuif_request req;	/* the last one sent */
	int32_t status;			/* the answer */
	int64_t scalar;
} w;

int __wrap_vgpufront_call(struct vgpufront *dev, struct vgpuif_request *req,
			  struct vgpuif_response *rsp);
int __wrap_vgpufront_call(struct vgpufront *dev, struct vgpuif_request *req,
			  struct vgpuif_response *rsp)
{
	(void)dev;
	w.calls++;
	w.req = *req;
	memset(rsp, 0, sizeof(*rsp));
	rsp->status = w.status;
	rsp->op = req->op;
	rsp->result.scalar = w.scalar;
	return vgpufront_status(w.status);
}

bool __wrap_vgpufront_connected(const struct vgpufront *dev);
bool __wrap_vgpufront_connected(const struct vgpufront *dev)
{
	(void)dev;
	return true;
}

static struct vgpufront fake_dev;
static struct vgpufront_buf fake_buf = { .handle = 0x01020304 };

static int reset(void **state)
{
	(void)state;
	memset(&w, 0, sizeof(w));
	fake_dev.protocol = 2;
	return 0;
}

#define put wire_put
#define sent(want) wire_sent(&w.req, want)

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vgpuif_request), 64);
	assert_int_equal(offsetof(struct vgpuif_request, session), 12);
	assert_int_equal(offsetof(struct vgpuif_request, u), 16);
}

static void test_session(void **state)
{
	uint8_t want[64] = { 0 };
	uint32_t s = 0;

	(void)state;
	w.scalar = 7;
	assert_int_equal(vgpufront_session_open(&fake_dev, 3, &s), 0);
	assert_int_equal(s, 7);
	want[8] = VGPU_OP_SESSION_OPEN;
	put(want, 16, 3, 4);			/* gpu; flags stay 0 */
	sent(want);
	memset(want, 0, sizeof(want));
	assert_int_equal(vgpufront_session_close(&fake_dev, 0xa1b2c3d4), 0);
	want[8] = VGPU_OP_SESSION_CLOSE;
	put(want, 12, 0xa1b2c3d4, 4);
	sent(want);
	assert_int_equal(w.calls, 2);
}

static void test_alloc_free(void **state)
{
	uint8_t want[64] = { 0 };
	uint64_t d = 0;

	(void)state;
	w.scalar = 0x7f0000001000;
	assert_int_equal(vgpufront_mem_alloc(&fake_dev, 5, 0x123456789a, &d), 0);
	assert_true(d == 0x7f0000001000);
	want[8] = VGPU_OP_MEM_ALLOC;
	put(want, 12, 5, 4);
	put(want, 16, 0x123456789a, 8);
	sent(want);
	memset(want, 0, sizeof(want));
	assert_int_equal(vgpufront_mem_free(&fake_dev, 6, 0xdeadbeef00), 0);
	want[8] = VGPU_OP_MEM_FREE;
	put(want, 12, 6, 4);
	put(want, 16, 0xdeadbeef00, 8);
	sent(want);
}

static void test_copies(void **state)
{
	uint8_t want[64] = { 0 };

	(void)state;
	assert_int_equal(vgpufront_memcpy_htod(&fake_dev, 9, 0x1000, &fake_buf, 0x55, 0x10000), 0);
	want[8] = VGPU_OP_MEMCPY_HTOD;
	put(want, 12, 9, 4);
	put(want, 16, 0x1000, 8);		/* dptr */
	put(want, 24, 0x10000, 8);		/* bytes */
	put(want, 32, 0x01020304, 4);		/* buf.handle */
	put(want, 36, 0x55, 4);			/* buf.offset; stream 0 */
	sent(want);
	assert_int_equal(vgpufront_memcpy_dtoh(&fake_dev, 9, &fake_buf, 0x55, 0x1000, 0x10000), 0);
	want[8] = VGPU_OP_MEMCPY_DTOH;
	sent(want);
	memset(want, 0, sizeof(want));
	assert_int_equal(vgpufront_memcpy_dtod(&fake_dev, 2, 0x2000, 0x3000, 77), 0);
	want[8] = VGPU_OP_MEMCPY_DTOD;
	put(want, 12, 2, 4);
	put(want, 16, 0x2000, 8);
	put(want, 24, 0x3000, 8);
	put(want, 32, 77, 8);
	sent(want);
}

static void test_memset(void **state)
{
	uint8_t want[64] = { 0 };

	(void)state;
	assert_int_equal(vgpufront_memset(&fake_dev, 4, 0x4000, 0xbeef, 2, 1000), 0);
	want[8] = VGPU_OP_MEMSET;
	put(want, 12, 4, 4);
	put(want, 16, 0x4000, 8);		/* dptr */
	put(want, 24, 1000, 8);			/* count */
	put(want, 32, 0xbeef, 4);		/* value */
	want[36] = 2;				/* elem; pads and stream 0 */
	sent(want);
	/* What the backend judges goes out as asked: elem 3, a value too big. */
	assert_int_equal(vgpufront_memset(&fake_dev, 4, 0x4000, 0x1ff, 3, 1), 0);
	assert_int_equal(w.req.u.memset.elem, 3);
	assert_int_equal(w.req.u.memset.value, 0x1ff);
	w.calls = 0;
	assert_int_equal(vgpufront_memset(&fake_dev, 4, 0x4000, 0, 256, 1), -EINVAL);
	assert_int_equal(w.calls, 0);
}

/* An older backend: -EOPNOTSUPP and nothing on the ring. */
static void test_old_backend(void **state)
{
	uint64_t d;
	uint32_t s;

	(void)state;
	fake_dev.protocol = 1;
	assert_int_equal(vgpufront_protocol_version(&fake_dev), 1);
	assert_int_equal(vgpufront_session_open(&fake_dev, 0, &s), -EOPNOTSUPP);
	assert_int_equal(vgpufront_mem_alloc(&fake_dev, 1, 1, &d), -EOPNOTSUPP);
	assert_int_equal(vgpufront_memcpy_htod(&fake_dev, 1, 1, &fake_buf, 0, 1), -EOPNOTSUPP);
	assert_int_equal(vgpufront_memset(&fake_dev, 1, 1, 0, 1, 1), -EOPNOTSUPP);
	assert_int_equal(vgpufront_session_close(&fake_dev, 1), -EOPNOTSUPP);
	assert_int_equal(w.calls, 0);
}

/* Answers: a refusal as VGPUFRONT_E, results that cannot be true as -EPROTO. */
static void test_answers(void **state)
{
	uint32_t s = 99;
	uint64_t d = 99;

	(void)state;
	w.status = VGPU_ESESSION;
	assert_int_equal(vgpufront_mem_alloc(&fake_dev, 1, 1, &d), VGPUFRONT_E(VGPU_ESESSION));
	assert_true(d == 99);
	w.status = VGPU_ENOMEM;
	assert_int_equal(vgpufront_session_open(&fake_dev, 0, &s), VGPUFRONT_E(VGPU_ENOMEM));
	assert_int_equal(s, 99);
	w.status = VGPU_OK;
	w.scalar = -1;
	assert_int_equal(vgpufront_session_open(&fake_dev, 0, &s), -EPROTO);
	w.scalar = 1ll << 32;
	assert_int_equal(vgpufront_session_open(&fake_dev, 0, &s), -EPROTO);
	w.scalar = 0;
	assert_int_equal(vgpufront_mem_alloc(&fake_dev, 1, 1, &d), -EPROTO);
	assert_int_equal(vgpufront_session_open(&fake_dev, 0, NULL), -EINVAL);
	assert_int_equal(vgpufront_memcpy_dtoh(&fake_dev, 1, NULL, 0, 1, 1), -EINVAL);
	assert_int_equal(w.calls, 5);
}

static void test_explain(void **state)
{
	char buf[512];

	(void)state;
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_ESESSION), buf, sizeof(buf));
	assert_non_null(strstr(buf, "no such session: "));
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_EBADPTR), buf, sizeof(buf));
	assert_non_null(strstr(buf, "freed"));
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_ENOMEM), buf, sizeof(buf));
	assert_non_null(strstr(buf, "--mem-quota"));
	vgpufront_explain(NULL, -EOPNOTSUPP, buf, sizeof(buf));
	assert_non_null(strstr(buf, "version 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test_setup(test_session, reset),
		cmocka_unit_test_setup(test_alloc_free, reset),
		cmocka_unit_test_setup(test_copies, reset),
		cmocka_unit_test_setup(test_memset, reset),
		cmocka_unit_test_setup(test_old_backend, reset),
		cmocka_unit_test_setup(test_answers, reset),
		cmocka_unit_test_setup(test_explain, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
