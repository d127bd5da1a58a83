/* SPDX-License-Identifier: MIT */
/*
 * test_front_launch: how launch.c packs modules, kernels and launches (and
 * events.c events), and what it believes of the answers, with no backend: the link wraps
 * vgpufront_call and vgpufront_submit (each records the request; call
 * answers as the test says and, for FUNC_GET, writes a layout where the
 * request asked), vgpufront_connected, and vgpufront_buf_alloc/_free
 * (plain memory the test can read after the call: each freed buffer is
 * kept until the next test).  Expected requests are written out byte by
 * byte from vgpuif.h's layout; parameter blobs are built by hand.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front_priv.h"
#include "wire_expect.h"
#include "kernels/vgpu_kernels.h"

#define MAX_BUFS 8

static struct {
	unsigned calls, submits, allocs, frees;
	struct vgpuif_request req;	/* the last one sent */
	int32_t status;			/* the answer */
	int64_t scalar;
	struct vgpuif_func_result func;
	struct vgpuif_param layout[8];	/* what FUNC_GET writes */
	unsigned nlayout;
	int alloc_fail;			/* vgpufront_buf_alloc's status, if not 0 */
	struct vgpufront_buf *bufs[MAX_BUFS];
	unsigned alloc_flags[MAX_BUFS];
	bool freed[MAX_BUFS];
	void *image_seen;		/* MODULE_LOAD's image as the call saw it */
} w;

struct vgpufront_buf *__wrap_vgpufront_buf_alloc(struct vgpufront *dev, size_t bytes,
						 unsigned flags, int *status);
struct vgpufront_buf *__wrap_vgpufront_buf_alloc(struct vgpufront *dev, size_t bytes,
						 unsigned flags, int *status)
{
	struct vgpufront_buf *b;

	(void)dev;
	if (w.alloc_fail || w.allocs >= MAX_BUFS) {
		*status = w.alloc_fail ? w.alloc_fail : -ENOMEM;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	b->addr = calloc(1, bytes);
	assert_non_null(b->addr);
	b->len = bytes;
	b->handle = 0x100 + w.allocs;
	b->readonly = flags & VGPUFRONT_BUF_READONLY;
	w.alloc_flags[w.allocs] = flags;
	w.bufs[w.allocs++] = b;
	*status = 0;
	return b;
}

int __wrap_vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf);
int __wrap_vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf)
{
	(void)dev;
	assert_true(buf->handle >= 0x100 && buf->handle < 0x100 + w.allocs);
	assert_false(w.freed[buf->handle - 0x100]);
	w.freed[buf->handle - 0x100] = true;
	w.frees++;
	return 0;
}

static struct vgpufront_buf *buf_of(uint32_t handle)
{
	assert_true(handle >= 0x100 && handle < 0x100 + w.allocs);
	return w.bufs[handle - 0x100];
}

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
	if (req->op == VGPU_OP_MODULE_LOAD) {
		struct vgpufront_buf *b = buf_of(req->u.module_load.image.handle);

		free(w.image_seen);
		w.image_seen = malloc(req->u.module_load.bytes);
		assert_non_null(w.image_seen);
		memcpy(w.image_seen, (char *)b->addr + req->u.module_load.image.offset,
		       req->u.module_load.bytes);
	}
	if (req->op == VGPU_OP_FUNC_GET && w.status == VGPU_OK) {
		struct vgpufront_buf *b = buf_of(req->u.func_get.layout.handle);
		size_t room = req->u.func_get.layout_len, n = w.nlayout * sizeof(w.layout[0]);

		assert_true(req->u.func_get.layout.offset + room <= b->len);
		memcpy((char *)b->addr + req->u.func_get.layout.offset, w.layout,
		       n < room ? n : room);
		rsp->result.func = w.func;
	} else {
		rsp->result.scalar = w.scalar;
	}
	return vgpufront_status(w.status);
}

int __wrap_vgpufront_submit(struct vgpufront *dev, struct vgpuif_request *req);
int __wrap_vgpufront_submit(struct vgpufront *dev, struct vgpuif_request *req)
{
	(void)dev;
	w.submits++;
	req->id = 0x4242;
	w.req = *req;
	return 0;
}

bool __wrap_vgpufront_connected(const struct vgpufront *dev);
bool __wrap_vgpufront_connected(const struct vgpufront *dev)
{
	(void)dev;
	return true;
}

static struct vgpufront fake_dev;

static int reset(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < w.allocs; i++) {
		free(w.bufs[i]->addr);
		free(w.bufs[i]);
	}
	free(w.image_seen);
	memset(&w, 0, sizeof(w));
	fake_dev.protocol = 2;
	return 0;
}

#define put wire_put
#define sent(want) wire_sent(&w.req, want)

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vgpuif_module_load_req), 16);
	assert_int_equal(sizeof(struct vgpuif_func_get_req), 32);
	assert_int_equal(sizeof(struct vgpuif_launch_req), 48);
	assert_int_equal(offsetof(struct vgpuif_launch_req, block), 20);
	assert_int_equal(offsetof(struct vgpuif_launch_req, params_len), 44);
	assert_int_equal(offsetof(struct vgpuif_response, result), 32);
}

/* MODULE_LOAD: the image in a read-only buffer of its own, freed on return. */
static void test_module_load(void **state)
{
	static const char image[] = "// PTX\n.version 8.0\n";
	uint8_t want[64] = { 0 };
	uint64_t m = 0;

	(void)state;
	w.scalar = 0x1122334455667788;
	assert_int_equal(vgpufront_module_load(&fake_dev, 7, image, sizeof(image) - 1, &m), 0);
	assert_true(m == 0x1122334455667788);
	assert_int_equal(w.allocs, 1);
	assert_int_equal(w.alloc_flags[0], VGPUFRONT_BUF_READONLY);
	assert_true(w.bufs[0]->len >= sizeof(image) - 1);
	assert_true(w.freed[0]);
	assert_memory_equal(w.image_seen, image, sizeof(image) - 1);
	want[8] = VGPU_OP_MODULE_LOAD;
	put(want, 12, 7, 4);			/* session */
	put(want, 16, 0x100, 4);		/* image.handle; offset 0 */
	put(want, 24, sizeof(image) - 1, 4);	/* bytes; flags 0 */
	sent(want);
	memset(want, 0, sizeof(want));
	assert_int_equal(vgpufront_module_unload(&fake_dev, 8, 0xabcdef0123), 0);
	want[8] = VGPU_OP_MODULE_UNLOAD;
	put(want, 12, 8, 4);
	put(want, 16, 0xabcdef0123, 8);
	sent(want);
}

/* A refusal: the status as it is, the buffer freed, @module untouched. */
static void test_module_load_refused(void **state)
{
	uint64_t m = 99;

	(void)state;
	w.status = VGPU_ENOSYS;
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, "x", 1, &m),
			 VGPUFRONT_E(VGPU_ENOSYS));
	assert_true(m == 99);
	assert_int_equal(w.frees, w.allocs);
	w.calls = 0;
	w.alloc_fail = -ENOSPC;
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, "x", 1, &m), -ENOSPC);
	assert_int_equal(w.calls, 0);
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, NULL, 1, &m), -EINVAL);
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, "x", 0, &m), -EINVAL);
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, "x", 1, NULL), -EINVAL);
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, "x", VGPUIF_MAX_IMAGE + 1ul, &m),
			 -EINVAL);
	assert_int_equal(w.calls, 0);
}

/* FUNC_GET: name then a 4-aligned, writable layout in one buffer; the layout copied out. */
static void test_func_get(void **state)
{
	uint8_t want[64] = { 0 };
	struct vgpufront_func f;

	(void)state;
	w.func = (struct vgpuif_func_result){ .func = 0xf00d, .nparams = 3, .param_bytes = 20 };
	w.layout[0] = (struct vgpuif_param){ 0, 4 };
	w.layout[1] = (struct vgpuif_param){ 8, 8 };
	w.layout[2] = (struct vgpuif_param){ 16, 4 };
	w.nlayout = 3;
	assert_int_equal(vgpufront_func_get(&fake_dev, 5, 0x77, "saxpy", &f), 0);
	assert_true(f.handle == 0xf00d);
	assert_int_equal(f.nparams, 3);
	assert_int_equal(f.param_bytes, 20);
	assert_memory_equal(f.layout, w.layout, 3 * sizeof(w.layout[0]));
	assert_int_equal(w.alloc_flags[0], 0);	/* the layout is written */
	assert_memory_equal(w.bufs[0]->addr, "saxpy", 5);
	assert_true(w.freed[0]);
	want[8] = VGPU_OP_FUNC_GET;
	put(want, 12, 5, 4);
	put(want, 16, 0x77, 8);			/* module */
	put(want, 24, 0x100, 4);		/* name.handle; offset 0 */
	put(want, 32, 5, 4);			/* name_len */
	put(want, 36, VGPUFRONT_MAX_PARAMS * 8, 4);	/* layout_len */
	put(want, 40, 0x100, 4);		/* layout.handle */
	put(want, 44, 8, 4);			/* layout.offset: 5 rounded up to 4 */
	sent(want);
	assert_true(w.bufs[0]->len >= 8 + VGPUFRONT_MAX_PARAMS * 8);
	free(f.layout);
}

/* What no backend may answer: -EPROTO, nothing handed out. */
static void test_func_get_lies(void **state)
{
	struct vgpufront_func f = { .layout = NULL };

	(void)state;
	w.nlayout = 2;
	w.layout[0] = (struct vgpuif_param){ 0, 8 };
	w.layout[1] = (struct vgpuif_param){ 8, 8 };
	w.func = (struct vgpuif_func_result){ .func = 1, .nparams = 2, .param_bytes = 15 };
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), -EPROTO);
	w.layout[1] = (struct vgpuif_param){ 0xfffffff8u, 16 };	/* wraps in 32 bits */
	w.func.param_bytes = 16;
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), -EPROTO);
	w.layout[1] = (struct vgpuif_param){ 8, 8 };
	w.func.param_bytes = VGPUIF_MAX_PARAM_BYTES + 4;
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), -EPROTO);
	w.func.param_bytes = 16;
	w.func.nparams = 17;			/* more parameters than bytes */
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), -EPROTO);
	assert_null(f.layout);
	assert_int_equal(w.frees, w.allocs);
	/* The truth, just inside: accepted. */
	w.func.nparams = 2;
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), 0);
	assert_int_equal(f.layout[1].offset + f.layout[1].size, 16);
	free(f.layout);
	/* A refusal: the status, nothing else. */
	w.status = VGPU_ENOENT;
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), VGPUFRONT_E(VGPU_ENOENT));
}

static void test_func_get_args(void **state)
{
	char long_name[VGPUIF_MAX_NAME + 2];
	struct vgpufront_func f;

	(void)state;
	memset(long_name, 'k', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, long_name, &f), -EINVAL);
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "", &f), -EINVAL);
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, NULL, &f), -EINVAL);
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", NULL), -EINVAL);
	assert_int_equal(w.calls + w.allocs, 0);
	long_name[VGPUIF_MAX_NAME] = 0;	/* exactly the maximum: sent */
	w.func.param_bytes = 0;
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, long_name, &f), 0);
	assert_int_equal(w.req.u.func_get.name_len, VGPUIF_MAX_NAME);
	assert_int_equal(w.req.u.func_get.layout.offset, VGPUIF_MAX_NAME);
	assert_null(f.layout);
}

/* Each argument at its offset, the padding zero: a blob built by hand. */
static void test_params_pack(void **state)
{
	struct vgpuif_param layout[4] = { { 0, 4 }, { 8, 8 }, { 16, 4 }, { 24, 8 } };
	struct vgpufront_func f = { .nparams = 4, .param_bytes = 32, .layout = layout };
	int32_t n = -5;
	double d = 2.5;
	float a = 3.25f;
	uint64_t ptr = 0x7f0012345600;
	void *args[4] = { &n, &d, &a, &ptr };
	uint8_t blob[40], want[40];

	(void)state;
	memset(blob, 0xee, sizeof(blob));
	memset(want, 0, 32);
	memset(want + 32, 0xee, 8);		/* past param_bytes: untouched */
	put(want, 0, 0xfffffffb, 4);
	memcpy(want + 8, "\x00\x00\x00\x00\x00\x00\x04\x40", 8);	/* 2.5, IEEE 754 */
	put(want, 16, 0x40500000, 4);		/* 3.25f */
	put(want, 24, 0x7f0012345600, 8);
	assert_int_equal(vgpufront_params_pack(&f, args, blob), 0);
	assert_memory_equal(blob, want, sizeof(want));
}

static void test_params_pack_refused(void **state)
{
	struct vgpuif_param layout[2] = { { 0, 4 }, { 4, 4 } };
	struct vgpufront_func f = { .nparams = 2, .param_bytes = 8, .layout = layout };
	int32_t x = 1;
	void *args[2] = { &x, NULL };
	uint8_t blob[8], want[8];

	(void)state;
	memset(blob, 0xee, sizeof(blob));
	memcpy(want, blob, sizeof(want));
	assert_int_equal(vgpufront_params_pack(&f, args, blob), -EINVAL);	/* NULL arg */
	args[1] = &x;
	assert_int_equal(vgpufront_params_pack(NULL, args, blob), -EINVAL);
	assert_int_equal(vgpufront_params_pack(&f, NULL, blob), -EINVAL);
	assert_int_equal(vgpufront_params_pack(&f, args, NULL), -EINVAL);
	f.layout = NULL;
	assert_int_equal(vgpufront_params_pack(&f, args, blob), -EINVAL);
	f.layout = layout;
	f.nparams = VGPUFRONT_MAX_PARAMS + 1;	/* the layout was cut short */
	assert_int_equal(vgpufront_params_pack(&f, args, blob), -EINVAL);
	f.nparams = 2;
	layout[1].offset = 5;			/* past param_bytes */
	assert_int_equal(vgpufront_params_pack(&f, args, blob), -EINVAL);
	assert_memory_equal(blob, want, sizeof(want));	/* no half-packed blob */
	/* No parameters: nothing needed, nothing written. */
	f = (struct vgpufront_func){ 0 };
	assert_int_equal(vgpufront_params_pack(&f, NULL, NULL), 0);
}

static void test_launch(void **state)
{
	struct vgpufront_buf pbuf = { .handle = 0x0a0b0c0d };
	struct vgpufront_launch l = {
		.func = 0x1234567890, .grid = { 0x7fffffff, 65535, 3 }, .block = { 1024, 1, 1 },
		.shmem = 4096, .params = &pbuf, .params_off = 0x40, .params_len = 28,
	};
	uint8_t want[64] = { 0 };
	uint64_t id = 0;

	(void)state;
	assert_int_equal(vgpufront_launch(&fake_dev, 9, &l), 0);
	want[8] = VGPU_OP_LAUNCH;
	put(want, 12, 9, 4);
	put(want, 16, 0x1234567890, 8);		/* func */
	put(want, 24, 0x7fffffff, 4);		/* grid */
	put(want, 28, 65535, 4);
	put(want, 32, 3, 4);
	put(want, 36, 1024, 2);			/* block */
	put(want, 38, 1, 2);
	put(want, 40, 1, 2);			/* _pad 0 */
	put(want, 44, 4096, 4);			/* shmem; stream 0 */
	put(want, 52, 0x0a0b0c0d, 4);		/* params.handle */
	put(want, 56, 0x40, 4);			/* params.offset */
	put(want, 60, 28, 4);			/* params_len */
	sent(want);
	assert_int_equal(w.calls, 1);
	assert_int_equal(vgpufront_launch_submit(&fake_dev, 9, &l, &id), 0);
	assert_true(id == 0x4242);
	sent(want);
	assert_int_equal(w.calls + w.submits, 2);
}

/* What the wire cannot carry: -EINVAL, nothing sent. */
static void test_launch_refused(void **state)
{
	struct vgpufront_launch l = { .func = 1, .grid = { 1, 1, 1 }, .block = { 1, 65536, 1 } };
	uint64_t id;

	(void)state;
	assert_int_equal(vgpufront_launch(&fake_dev, 1, &l), -EINVAL);
	assert_int_equal(vgpufront_launch_submit(&fake_dev, 1, &l, &id), -EINVAL);
	l.block[1] = 1;
	l.block[2] = 70000;
	assert_int_equal(vgpufront_launch(&fake_dev, 1, &l), -EINVAL);
	l.block[2] = 1;
	l.params_len = 8;			/* a blob but no buffer */
	assert_int_equal(vgpufront_launch(&fake_dev, 1, &l), -EINVAL);
	assert_int_equal(vgpufront_launch(&fake_dev, 1, NULL), -EINVAL);
	l.params_len = 0;
	assert_int_equal(vgpufront_launch_submit(&fake_dev, 1, &l, NULL), -EINVAL);
	assert_int_equal(w.calls + w.submits, 0);
	/* A block side of 65535 fits; the backend judges the product. */
	l.block[0] = 65535;
	assert_int_equal(vgpufront_launch(&fake_dev, 1, &l), 0);
	assert_int_equal(w.req.u.launch.block[0], 65535);
	assert_int_equal(w.req.u.launch.params.handle, 0);
}

/* An older backend: -EOPNOTSUPP, nothing allocated, nothing on the ring. */
static void test_old_backend(void **state)
{
	struct vgpufront_launch l = { .grid = { 1, 1, 1 }, .block = { 1, 1, 1 } };
	struct vgpufront_func f;
	uint64_t m, id;

	(void)state;
	fake_dev.protocol = 1;
	assert_int_equal(vgpufront_module_load(&fake_dev, 1, "x", 1, &m), -EOPNOTSUPP);
	assert_int_equal(vgpufront_module_unload(&fake_dev, 1, 1), -EOPNOTSUPP);
	assert_int_equal(vgpufront_func_get(&fake_dev, 1, 1, "k", &f), -EOPNOTSUPP);
	assert_int_equal(vgpufront_launch(&fake_dev, 1, &l), -EOPNOTSUPP);
	assert_int_equal(vgpufront_launch_submit(&fake_dev, 1, &l, &id), -EOPNOTSUPP);
	assert_int_equal(w.calls + w.submits + w.allocs, 0);
}

/* Events: each field where vgpuif.h puts it; answers no backend may give refused. */
static void test_events(void **state)
{
	uint8_t want[64] = { 0 };
	uint64_t e = 0;
	int64_t ns = 0;
	int done = -1;

	(void)state;
	w.scalar = 0x77;
	assert_int_equal(vgpufront_event_create(&fake_dev, 5, VGPU_EVENT_F_DISABLE_TIMING, &e), 0);
	assert_true(e == 0x77);
	want[8] = VGPU_OP_EVENT_CREATE;
	put(want, 12, 5, 4);
	put(want, 28, VGPU_EVENT_F_DISABLE_TIMING, 4);	/* flags after event, stream */
	sent(want);
	assert_int_equal(vgpufront_event_record(&fake_dev, 5, 0x1122334455, 3), 0);
	memset(want, 0, sizeof(want));
	want[8] = VGPU_OP_EVENT_RECORD;
	put(want, 12, 5, 4);
	put(want, 16, 0x1122334455, 8);
	put(want, 24, 3, 4);
	sent(want);
	w.scalar = 1;
	assert_int_equal(vgpufront_event_query(&fake_dev, 5, 9, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(w.req.op, VGPU_OP_EVENT_QUERY);
	assert_int_equal(w.req.u.event.stream, 0);
	w.scalar = -123456;
	assert_int_equal(vgpufront_event_elapsed(&fake_dev, 5, 7, 8, &ns), 0);
	assert_true(ns == -123456);
	memset(want, 0, sizeof(want));
	want[8] = VGPU_OP_EVENT_ELAPSED;
	put(want, 12, 5, 4);
	put(want, 16, 7, 8);
	put(want, 24, 8, 8);
	sent(want);
	/* What no backend may answer: no event 0, a query is 0 or 1. */
	w.scalar = 0;
	assert_int_equal(vgpufront_event_create(&fake_dev, 5, 0, &e), -EPROTO);
	w.scalar = 2;
	assert_int_equal(vgpufront_event_query(&fake_dev, 5, 9, &done), -EPROTO);
	w.status = VGPU_ENOTREADY;
	assert_int_equal(vgpufront_event_elapsed(&fake_dev, 5, 7, 8, &ns),
			 VGPUFRONT_E(VGPU_ENOTREADY));
	assert_int_equal(vgpufront_event_query(&fake_dev, 5, 9, NULL), -EINVAL);
	fake_dev.protocol = 1;
	assert_int_equal(vgpufront_event_synchronize(&fake_dev, 5, 9), -EOPNOTSUPP);
	assert_int_equal(vgpufront_event_destroy(&fake_dev, 5, 9), -EOPNOTSUPP);
	assert_int_equal(w.calls, 7);
}

static void test_explain(void **state)
{
	char buf[512];

	(void)state;
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_ENOSYS), buf, sizeof(buf));
	assert_non_null(strstr(buf, "CUDA executor"));
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_ENOENT), buf, sizeof(buf));
	assert_non_null(strstr(buf, "extern \"C\""));
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_EIMAGE), buf, sizeof(buf));
	assert_non_null(strstr(buf, "vgpuback's log"));
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_ELAUNCH), buf, sizeof(buf));
	assert_non_null(strstr(buf, "shape"));
	vgpufront_explain(NULL, VGPUFRONT_E(VGPU_EFAULT), buf, sizeof(buf));
	assert_non_null(strstr(buf, "new session"));
}

/* The built-in module is the shipped PTX, byte for byte, with every kernel. */
static void test_builtin_ptx(void **state)
{
	static const char *const kernels[] = { "vgpu_matmul(", "vgpu_saxpy(", "vgpu_vadd(",
					       "vgpu_reduce_sum(", "vgpu_empty(", "vgpu_spin(",
					       "vgpu_poke(" };
	const char *top = getenv("top_srcdir");
	char path[4096], *file;
	unsigned i;
	long len;
	FILE *f;

	(void)state;
	assert_int_equal(strlen(vgpu_kernels_ptx), vgpu_kernels_ptx_len);
	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		char entry[64];

		snprintf(entry, sizeof(entry), ".visible .entry %s", kernels[i]);
		assert_non_null(strstr(vgpu_kernels_ptx, entry));
	}
	if (!top)
		skip();
	snprintf(path, sizeof(path), "%s/frontend/kernels/vgpu_kernels.ptx", top);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	assert_int_equal(len, vgpu_kernels_ptx_len);
	file = malloc((size_t)len);
	assert_non_null(file);
	assert_int_equal(fread(file, 1, (size_t)len, f), len);
	fclose(f);
	assert_memory_equal(file, vgpu_kernels_ptx, (size_t)len);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test_setup(test_module_load, reset),
		cmocka_unit_test_setup(test_module_load_refused, reset),
		cmocka_unit_test_setup(test_func_get, reset),
		cmocka_unit_test_setup(test_func_get_lies, reset),
		cmocka_unit_test_setup(test_func_get_args, reset),
		cmocka_unit_test_setup(test_params_pack, reset),
		cmocka_unit_test_setup(test_params_pack_refused, reset),
		cmocka_unit_test_setup(test_launch, reset),
		cmocka_unit_test_setup(test_launch_refused, reset),
		cmocka_unit_test_setup(test_old_backend, reset),
		cmocka_unit_test_setup(test_events, reset),
		cmocka_unit_test_setup(test_explain, reset),
		cmocka_unit_test(test_builtin_ptx),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	reset(NULL);
	return rc;
}
