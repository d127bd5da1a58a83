/* SPDX-License-Identifier: MIT */
/* Unit tests of request copy-and-validate: every rejection path. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"
#include "vgpu_ops.h"

static struct vgpuif_request base(uint8_t op)
{
	struct vgpuif_request r;

	memset(&r, 0, sizeof(r));
	r.id = 0x1122334455667788ull;
	r.op = op;
	return r;
}

static struct vgpuif_request vadd(uint64_t n, uint32_t oa, uint32_t ob,
				  uint32_t oc)
{
	struct vgpuif_request r = base(VGPU_OP_VECTOR_ADD);

	r.u.vector_add.n = n;
	r.u.vector_add.a = (struct vgpuif_bufref){ 1, oa };
	r.u.vector_add.b = (struct vgpuif_bufref){ 2, ob };
	r.u.vector_add.c = (struct vgpuif_bufref){ 3, oc };
	return r;
}

static void test_valid_requests(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = base(VGPU_OP_NOP);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = base(VGPU_OP_QUERY);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.flags = VGPU_REQ_F_QUERY_TEXT;
	r.u.query.out = (struct vgpuif_bufref){ 7, 100 };
	r.u.query.out_len = 4096;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = base(VGPU_OP_SCALAR_ADD);
	r.u.scalar_add.a = 100;
	r.u.scalar_add.b = 200;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.scalar_add.a = INT64_MAX;
	r.u.scalar_add.b = -1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = vadd(1024, 0, 4096, 8192);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = vadd(VGPUIF_MAX_VECTOR_ELEMS, 0, 0, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = base(VGPU_OP_BUF_REGISTER);
	r.u.buf_register.handle = 9;
	r.u.buf_register.nr_pages = VGPUIF_MAX_BUF_PAGES;
	r.u.buf_register.flags = VGPU_BUF_F_READONLY;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = base(VGPU_OP_BUF_UNREGISTER);
	r.u.buf_unregister.handle = 9;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r = vadd(16, 0, 64, 128);
	r.flags = VGPU_REQ_F_TEST_FAULT;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
}

static void test_reject_header(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = base(VGPU_OP_MAX + 1);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ENOSYS);
	r = base(0xff);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ENOSYS);
	r = base(VGPU_OP_NOP);
	r._pad0 = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_NOP);
	r.session = 0x80000000u;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	/* Flags an op does not take. */
	r = base(VGPU_OP_NOP);
	r.flags = VGPU_REQ_F_QUERY_TEXT;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_NOP);
	r.flags = 0x40;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_QUERY);
	r.flags = VGPU_REQ_F_TEST_FAULT;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_BUF_REGISTER);
	r.u.buf_register.nr_pages = 1;
	r.flags = VGPU_REQ_F_TEST_FAULT;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	/* NOP carries no payload. */
	r = base(VGPU_OP_NOP);
	r.u.raw[47] = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
}

static void test_reject_query(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = base(VGPU_OP_QUERY);
	r.u.query._pad = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_QUERY);
	r.u.raw[sizeof(struct vgpuif_query_req)] = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_QUERY);	/* no text flag but an output named */
	r.u.query.out_len = 16;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_QUERY);
	r.u.query.out.handle = 3;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_QUERY);
	r.flags = VGPU_REQ_F_QUERY_TEXT;	/* text but zero length */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.query.out.offset = UINT32_MAX;
	r.u.query.out_len = UINT32_MAX;
	r.u.query.out.handle = 1;
	/* 8 GiB - 2 fits the u64 sum but not the largest buffer (4 GiB). */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
}

static void test_reject_scalar(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = base(VGPU_OP_SCALAR_ADD);
	r.u.scalar_add.a = INT64_MAX;
	r.u.scalar_add.b = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EOVERFLOW);
	r.u.scalar_add.a = INT64_MIN;
	r.u.scalar_add.b = -1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EOVERFLOW);
	r = base(VGPU_OP_SCALAR_ADD);
	r.u.raw[16] = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
}

static void test_reject_vector(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = vadd(0, 0, 0, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = vadd(VGPUIF_MAX_VECTOR_ELEMS + 1, 0, 0, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = vadd(UINT64_MAX, 0, 0, 0);	/* n * 4 would wrap */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = vadd(16, 2, 0, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = vadd(16, 0, 1, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = vadd(16, 0, 0, 3);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	/* Offset near 4 GiB plus a 1 GiB operand leaves the largest buffer. */
	r = vadd(VGPUIF_MAX_VECTOR_ELEMS, 0, 0, 0xfffffffcu);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = vadd(VGPUIF_MAX_VECTOR_ELEMS, 0xfffffffcu, 0, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = vadd(VGPUIF_MAX_VECTOR_ELEMS, 0, 0xfffffffcu, 0);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = vadd(16, 0, 0, 0);
	r.u.raw[47] = 0xaa;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
}

static void test_reject_buffers(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = base(VGPU_OP_BUF_REGISTER);
	r.u.buf_register.nr_pages = 0;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.buf_register.nr_pages = VGPUIF_MAX_BUF_PAGES + 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.buf_register.nr_pages = 1;
	r.u.buf_register.flags = 0x2;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r.u.buf_register.flags = 0;
	r.u.raw[20] = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_BUF_UNREGISTER);
	r.u.buf_unregister._pad = 5;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_BUF_UNREGISTER);
	r.u.raw[8] = 5;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
}

static struct vgpuif_request v2(uint8_t op)
{
	struct vgpuif_request r = base(op);

	r.session = 7;
	return r;
}

/* Version 2: the session field, then each op's own fields. */
static void test_v2_sessions(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = base(VGPU_OP_SESSION_OPEN);
	r.u.session_open.gpu = 3;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.session = 1;		/* opens one: names none */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_SESSION_OPEN);
	r.u.session_open.flags = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_SESSION_CLOSE);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ESESSION);
	r = v2(VGPU_OP_SESSION_CLOSE);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.raw[0] = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = v2(VGPU_OP_MEM_ALLOC);
	r.u.mem_alloc.bytes = VGPUIF_MAX_ALLOC;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.mem_alloc.bytes = VGPUIF_MAX_ALLOC + 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.mem_alloc.bytes = 0;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = v2(VGPU_OP_MEM_FREE);
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EBADPTR);
	r.u.mem_free.dptr = 0x1000;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
}

static void test_v2_copies(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = v2(VGPU_OP_MEMCPY_HTOD);
	r.u.memcpy.dptr = 0x10000;
	r.u.memcpy.bytes = 4096;
	r.u.memcpy.buf = (struct vgpuif_bufref){ 1, 3 };
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.op = VGPU_OP_MEMCPY_DTOH;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.memcpy.stream = 1;	/* a stream: vgpuback checks it is the session's */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	assert_int_equal(vgpu_op_stream(&r), 1);
	r.u.memcpy._pad = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r.u.memcpy._pad = 0;
	r.u.memcpy.stream = 0;
	r.u.memcpy.dptr = UINT64_MAX - 100;	/* wraps */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.memcpy.dptr = 0x10000;
	r.u.memcpy.bytes = 0;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.memcpy.bytes = (uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE;	/* past 4 GiB */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r = v2(VGPU_OP_MEMCPY_DTOD);
	r.u.memcpy_dtod.dst = 0x10000;
	r.u.memcpy_dtod.src = 0x20000;
	r.u.memcpy_dtod.bytes = 0x10000;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.memcpy_dtod.bytes = 0x10001;	/* overlap by one byte */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r.u.memcpy_dtod.src = 0;
	r.u.memcpy_dtod.bytes = 16;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
}

static void test_v2_memset(void **state)
{
	struct vgpuif_request r;

	(void)state;
	r = v2(VGPU_OP_MEMSET);
	r.u.memset.dptr = 0x10000;
	r.u.memset.count = 100;
	r.u.memset.elem = 4;
	r.u.memset.value = 0xdeadbeef;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.memset.elem = 2;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);	/* value too big */
	r.u.memset.value = 0xbeef;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_OK);
	r.u.memset.dptr = 0x10001;	/* misaligned */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r.u.memset.dptr = 0x10000;
	r.u.memset.elem = 3;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r.u.memset.elem = 4;
	r.u.memset.count = UINT64_MAX / 2;	/* count * elem overflows */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_ERANGE);
	r.u.memset.count = 1;
	r.u.memset._pad[1] = 1;
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
	r = base(VGPU_OP_NOP);
	r.session = 7;	/* version 1 ops name no session */
	assert_int_equal(vgpuif_validate_request(&r), VGPU_EINVAL);
}

static void test_range_check(void **state)
{
	(void)state;
	assert_int_equal(vgpuif_range_check(0, 4096, 4096, 4), VGPU_OK);
	assert_int_equal(vgpuif_range_check(4, 4096, 4096, 4), VGPU_ERANGE);
	assert_int_equal(vgpuif_range_check(4096, 0, 4096, 4), VGPU_OK);
	assert_int_equal(vgpuif_range_check(2, 4, 4096, 4), VGPU_EINVAL);
	assert_int_equal(vgpuif_range_check(UINT64_MAX - 3, 8, UINT64_MAX, 4),
			 VGPU_ERANGE);
	assert_int_equal(vgpuif_range_check(7, 1, 8, 0), VGPU_OK);
}

/* The copy comes from the ring slot and is immune to later ring writes. */
static void test_copy_is_private(void **state)
{
	vgpuif_sring_t *sring;
	vgpuif_front_ring_t front;
	vgpuif_back_ring_t back;
	struct vgpuif_request *slot, copy;
	unsigned i;

	(void)state;
	sring = aligned_alloc(VGPUIF_PAGE_SIZE, VGPUIF_PAGE_SIZE);
	assert_non_null(sring);
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&front, sring, VGPUIF_PAGE_SIZE);
	BACK_RING_INIT(&back, sring, VGPUIF_PAGE_SIZE);
	for (i = 0; i < 3; i++) {
		slot = RING_GET_REQUEST(&front, front.req_prod_pvt++);
		*slot = base(VGPU_OP_SCALAR_ADD);
		slot->id = i;
		slot->u.scalar_add.a = i;
		slot->u.scalar_add.b = 10;
	}
	RING_PUSH_REQUESTS(&front);
	assert_int_equal(RING_HAS_UNCONSUMED_REQUESTS(&back), 3);
	assert_int_equal(vgpuif_copy_request(&back, 1, &copy), VGPU_OK);
	assert_int_equal(copy.id, 1);
	/* The frontend rewrites the slot after the copy: the copy stands. */
	slot = RING_GET_REQUEST(&front, 1);
	slot->op = 0xee;
	slot->u.scalar_add.a = INT64_MAX;
	assert_int_equal(copy.op, VGPU_OP_SCALAR_ADD);
	assert_int_equal(copy.u.scalar_add.a, 1);
	assert_int_equal(vgpuif_validate_request(&copy), VGPU_OK);
	/* Copying the rewritten slot now catches the bad op. */
	assert_int_equal(vgpuif_copy_request(&back, 1, &copy), VGPU_ENOSYS);
	/* A producer index far ahead is detectable before any copy. */
	sring->req_prod = back.req_cons + RING_SIZE(&back) + 1;
	assert_true(RING_REQUEST_PROD_OVERFLOW(&back, sring->req_prod));
	free(sring);
}

static void test_names(void **state)
{
	int s;

	(void)state;
	assert_string_equal(vgpuif_op_name(VGPU_OP_VECTOR_ADD), "vector_add");
	assert_string_equal(vgpuif_op_name(200), "?");
	assert_string_equal(vgpuif_strerror(VGPU_OK), "success");
	for (s = VGPU_ELAST; s < 0; s++)
		assert_string_not_equal(vgpuif_strerror(s), "unknown status");
	assert_string_equal(vgpuif_strerror(VGPU_ELAST - 1), "unknown status");
	assert_string_equal(vgpuif_strerror(1), "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_requests),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_reject_query),
		cmocka_unit_test(test_reject_scalar),
		cmocka_unit_test(test_reject_vector),
		cmocka_unit_test(test_reject_buffers),
		cmocka_unit_test(test_v2_sessions),
		cmocka_unit_test(test_v2_copies),
		cmocka_unit_test(test_v2_memset),
		cmocka_unit_test(test_range_check),
		cmocka_unit_test(test_copy_is_private),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
