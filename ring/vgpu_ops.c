/* SPDX-License-Identifier: MIT */
/* vgpu_ops.c: the rows of the operation table and their own checks. */
#include "config.h"

#include "request.h"
#include "vgpu_ops.h"

#define REF(op, field) \
	((uint16_t)offsetof(struct vgpuif_request, u.op.field))

static uint64_t vector_len(const struct vgpuif_request *req, unsigned i)
{
	(void)i;
	return vgpuif_vector_bytes(req->u.vector_add.n);
}

static int vector_check(const struct vgpuif_request *req)
{
	uint64_t n = req->u.vector_add.n;

	return n == 0 || n > VGPUIF_MAX_VECTOR_ELEMS ? VGPU_ERANGE : VGPU_OK;
}

static uint64_t query_len(const struct vgpuif_request *req, unsigned i)
{
	(void)i;
	return req->flags & VGPU_REQ_F_QUERY_TEXT ? req->u.query.out_len : 0;
}

static int query_check(const struct vgpuif_request *req)
{
	const struct vgpuif_query_req *q = &req->u.query;

	if (q->_pad)
		return VGPU_EINVAL;
	if (!(req->flags & VGPU_REQ_F_QUERY_TEXT))
		return q->out.handle || q->out.offset || q->out_len ?
			VGPU_EINVAL : VGPU_OK;
	return q->out_len ? VGPU_OK : VGPU_ERANGE;
}

static int scalar_check(const struct vgpuif_request *req)
{
	int64_t sum;

	return __builtin_add_overflow(req->u.scalar_add.a, req->u.scalar_add.b,
				      &sum) ? VGPU_EOVERFLOW : VGPU_OK;
}

static int register_check(const struct vgpuif_request *req)
{
	const struct vgpuif_buf_register_req *r = &req->u.buf_register;

	if (r->flags & ~VGPU_BUF_F_ALL)
		return VGPU_EINVAL;
	if (r->nr_pages == 0 || r->nr_pages > VGPUIF_MAX_BUF_PAGES)
		return VGPU_ERANGE;
	return VGPU_OK;
}

static int unregister_check(const struct vgpuif_request *req)
{
	return req->u.buf_unregister._pad ? VGPU_EINVAL : VGPU_OK;
}

/* Version 2: sessions and device memory. */

/* [ptr, ptr + len) does not wrap and is not empty. */
static bool drange_ok(uint64_t ptr, uint64_t len)
{
	uint64_t end;

	return ptr && len && !__builtin_add_overflow(ptr, len, &end);
}

static int session_open_check(const struct vgpuif_request *req)
{
	return req->u.session_open.flags ? VGPU_EINVAL : VGPU_OK;
}

static int alloc_check(const struct vgpuif_request *req)
{
	uint64_t n = req->u.mem_alloc.bytes;

	return n == 0 || n > VGPUIF_MAX_ALLOC ? VGPU_ERANGE : VGPU_OK;
}

static int free_check(const struct vgpuif_request *req)
{
	return req->u.mem_free.dptr ? VGPU_OK : VGPU_EBADPTR;
}

static uint64_t memcpy_len(const struct vgpuif_request *req, unsigned i)
{
	(void)i;
	return req->u.memcpy.bytes;
}

static int memcpy_check(const struct vgpuif_request *req)
{
	const struct vgpuif_memcpy_req *m = &req->u.memcpy;

	if (m->_pad)
		return VGPU_EINVAL;
	return drange_ok(m->dptr, m->bytes) ? VGPU_OK : VGPU_ERANGE;
}

static unsigned memcpy_dranges(const struct vgpuif_request *req, struct vgpu_drange *out)
{
	out[0] = (struct vgpu_drange){ req->u.memcpy.dptr, req->u.memcpy.bytes,
				       req->op == VGPU_OP_MEMCPY_HTOD };
	return 1;
}

static int dtod_check(const struct vgpuif_request *req)
{
	const struct vgpuif_memcpy_dtod_req *m = &req->u.memcpy_dtod;

	if (m->_pad)
		return VGPU_EINVAL;
	if (!drange_ok(m->dst, m->bytes) || !drange_ok(m->src, m->bytes))
		return VGPU_ERANGE;
	if (m->dst < m->src + m->bytes && m->src < m->dst + m->bytes)
		return VGPU_EINVAL;	/* overlap: cudaMemcpy's result is undefined */
	return VGPU_OK;
}

static unsigned dtod_dranges(const struct vgpuif_request *req, struct vgpu_drange *out)
{
	const struct vgpuif_memcpy_dtod_req *m = &req->u.memcpy_dtod;

	out[0] = (struct vgpu_drange){ m->dst, m->bytes, true };
	out[1] = (struct vgpu_drange){ m->src, m->bytes, false };
	return 2;
}

static int memset_check(const struct vgpuif_request *req)
{
	const struct vgpuif_memset_req *m = &req->u.memset;
	uint64_t bytes;

	if (m->_pad2 || m->_pad[0] || m->_pad[1] || m->_pad[2])
		return VGPU_EINVAL;
	if (m->elem != 1 && m->elem != 2 && m->elem != 4)
		return VGPU_EINVAL;
	if (m->elem < 4 && m->value >> (8 * m->elem))
		return VGPU_EINVAL;
	if (m->dptr % m->elem)
		return VGPU_EINVAL;
	if (__builtin_mul_overflow(m->count, (uint64_t)m->elem, &bytes) ||
	    bytes > VGPUIF_MAX_ALLOC || !drange_ok(m->dptr, bytes))
		return VGPU_ERANGE;
	return VGPU_OK;
}

static unsigned memset_dranges(const struct vgpuif_request *req, struct vgpu_drange *out)
{
	out[0] = (struct vgpu_drange){ req->u.memset.dptr,
				       req->u.memset.count * req->u.memset.elem, true };
	return 1;
}

/* Modules and launches. */

static uint64_t image_len(const struct vgpuif_request *req, unsigned i)
{
	(void)i;
	return req->u.module_load.bytes;
}

static int module_load_check(const struct vgpuif_request *req)
{
	const struct vgpuif_module_load_req *m = &req->u.module_load;

	if (m->flags)
		return VGPU_EINVAL;
	return m->bytes && m->bytes <= VGPUIF_MAX_IMAGE ? VGPU_OK : VGPU_ERANGE;
}

static int module_unload_check(const struct vgpuif_request *req)
{
	return req->u.module_unload.module ? VGPU_OK : VGPU_ENOENT;
}

/* Operand 0: the name; 1: the layout (written; 0 bytes: not wanted). */
static uint64_t func_get_len(const struct vgpuif_request *req, unsigned i)
{
	return i ? req->u.func_get.layout_len : req->u.func_get.name_len;
}

static int func_get_check(const struct vgpuif_request *req)
{
	const struct vgpuif_func_get_req *f = &req->u.func_get;

	if (!f->module)
		return VGPU_ENOENT;
	if (!f->layout_len && (f->layout.handle || f->layout.offset))
		return VGPU_EINVAL;
	if (f->layout_len % sizeof(struct vgpuif_param))
		return VGPU_EINVAL;
	return f->name_len && f->name_len <= VGPUIF_MAX_NAME ? VGPU_OK : VGPU_ERANGE;
}

/* Operand 0: the name, as FUNC_GET's. */
static uint64_t global_get_len(const struct vgpuif_request *req, unsigned i)
{
	(void)i;
	return req->u.global_get.name_len;
}

static int global_get_check(const struct vgpuif_request *req)
{
	const struct vgpuif_global_get_req *g = &req->u.global_get;

	if (g->_pad)
		return VGPU_EINVAL;
	if (!g->module)
		return VGPU_ENOENT;
	return g->name_len && g->name_len <= VGPUIF_MAX_NAME ? VGPU_OK : VGPU_ERANGE;
}

static uint64_t params_len(const struct vgpuif_request *req, unsigned i)
{
	(void)i;
	return req->u.launch.params_len;
}

/* The shape CUDA allows on every GPU; the driver judges the rest. */
static int launch_check(const struct vgpuif_request *req)
{
	const struct vgpuif_launch_req *l = &req->u.launch;
	uint32_t threads = (uint32_t)l->block[0] * l->block[1] * l->block[2];

	if (l->_pad)
		return VGPU_EINVAL;
	if (!l->params_len && (l->params.handle || l->params.offset))
		return VGPU_EINVAL;
	if (!l->func)
		return VGPU_ENOENT;
	if (!l->grid[0] || l->grid[0] > INT32_MAX || !l->grid[1] || !l->grid[2] ||
	    l->grid[1] > VGPUIF_MAX_GRID_Y || l->grid[2] > VGPUIF_MAX_GRID_Y)
		return VGPU_ERANGE;
	if (!threads || threads > VGPUIF_MAX_BLOCK || l->block[2] > 64)
		return VGPU_ERANGE;
	if (l->shmem > VGPUIF_MAX_SHMEM || l->params_len > VGPUIF_MAX_PARAM_BYTES)
		return VGPU_ERANGE;
	return VGPU_OK;
}

static uint64_t device_info_len(const struct vgpuif_request *req, unsigned i)
{
	(void)req;
	(void)i;
	return sizeof(struct vgpuif_device_info);
}

static int device_info_check(const struct vgpuif_request *req)
{
	return req->u.device_info._pad ? VGPU_EINVAL : VGPU_OK;
}

static int stream_check(const struct vgpuif_request *req)
{
	if (req->u.stream._pad)
		return VGPU_EINVAL;
	return req->op == VGPU_OP_STREAM_DESTROY && !req->u.stream.stream ? VGPU_EINVAL : VGPU_OK;
}

/* Event 0 is never one; only RECORD names a stream, only CREATE flags. */
static int event_check(const struct vgpuif_request *req)
{
	const struct vgpuif_event_req *e = &req->u.event;

	if (req->op == VGPU_OP_EVENT_CREATE)
		return e->event || e->stream || (e->flags & ~VGPU_EVENT_F_ALL) ?
			VGPU_EINVAL : VGPU_OK;
	if (e->flags || (e->stream && req->op != VGPU_OP_EVENT_RECORD))
		return VGPU_EINVAL;
	return e->event ? VGPU_OK : VGPU_ENOENT;
}

static int elapsed_check(const struct vgpuif_request *req)
{
	return req->u.event_elapsed.start && req->u.event_elapsed.end ? VGPU_OK : VGPU_ENOENT;
}

static const struct vgpu_op_desc ops[VGPU_OP_MAX + 1] = {
	[VGPU_OP_NOP] = {
		.name = "nop", .site = VGPU_SITE_LOOP,
	},
	[VGPU_OP_QUERY] = {
		.name = "query", .payload = sizeof(struct vgpuif_query_req),
		.flags = VGPU_REQ_F_QUERY_TEXT, .site = VGPU_SITE_LOOP,
		.result = VGPU_RESULT_QUERY, .noperands = 1,
		.operands = { { REF(query, out), true, 1 } },
		.operand_len = query_len, .check = query_check,
	},
	[VGPU_OP_SCALAR_ADD] = {
		.name = "scalar_add", .payload = sizeof(struct vgpuif_scalar_add_req),
		.flags = VGPU_REQ_F_TEST_FAULT, .site = VGPU_SITE_EXECUTOR,
		.result = VGPU_RESULT_SCALAR, .check = scalar_check,
	},
	[VGPU_OP_VECTOR_ADD] = {
		.name = "vector_add", .payload = sizeof(struct vgpuif_vector_add_req),
		.flags = VGPU_REQ_F_TEST_FAULT, .site = VGPU_SITE_EXECUTOR,
		.noperands = 3,
		.operands = {
			{ REF(vector_add, a), false, sizeof(float) },
			{ REF(vector_add, b), false, sizeof(float) },
			{ REF(vector_add, c), true, sizeof(float) },
		},
		.operand_len = vector_len, .check = vector_check,
	},
	[VGPU_OP_BUF_REGISTER] = {
		.name = "buf_register", .payload = sizeof(struct vgpuif_buf_register_req),
		.site = VGPU_SITE_BUFFERS, .check = register_check,
	},
	[VGPU_OP_BUF_UNREGISTER] = {
		.name = "buf_unregister",
		.payload = sizeof(struct vgpuif_buf_unregister_req),
		.site = VGPU_SITE_BUFFERS, .check = unregister_check,
	},
	[VGPU_OP_SESSION_OPEN] = {
		.name = "session_open", .payload = sizeof(struct vgpuif_session_open_req),
		.site = VGPU_SITE_SESSIONS, .result = VGPU_RESULT_SCALAR,
		.check = session_open_check,
	},
	[VGPU_OP_SESSION_CLOSE] = {
		.name = "session_close", .site = VGPU_SITE_SESSIONS,
		.session = VGPU_SESSION_NAMED,
	},
	[VGPU_OP_MEM_ALLOC] = {
		.name = "mem_alloc", .payload = sizeof(struct vgpuif_mem_alloc_req),
		.site = VGPU_SITE_EXECUTOR, .result = VGPU_RESULT_SCALAR,
		.session = VGPU_SESSION_NAMED, .check = alloc_check,
	},
	[VGPU_OP_MEM_FREE] = {
		.name = "mem_free", .payload = sizeof(struct vgpuif_mem_free_req),
		.site = VGPU_SITE_SESSIONS, .session = VGPU_SESSION_NAMED,
		.check = free_check,
	},
	[VGPU_OP_MEMCPY_HTOD] = {
		.name = "memcpy_htod", .payload = sizeof(struct vgpuif_memcpy_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED,
		.noperands = 1, .operands = { { REF(memcpy, buf), false, 1 } },
		.operand_len = memcpy_len, .check = memcpy_check, .dranges = memcpy_dranges,
	},
	[VGPU_OP_MEMCPY_DTOH] = {
		.name = "memcpy_dtoh", .payload = sizeof(struct vgpuif_memcpy_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED,
		.noperands = 1, .operands = { { REF(memcpy, buf), true, 1 } },
		.operand_len = memcpy_len, .check = memcpy_check, .dranges = memcpy_dranges,
	},
	[VGPU_OP_MEMCPY_DTOD] = {
		.name = "memcpy_dtod", .payload = sizeof(struct vgpuif_memcpy_dtod_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED,
		.check = dtod_check, .dranges = dtod_dranges,
	},
	[VGPU_OP_MEMSET] = {
		.name = "memset", .payload = sizeof(struct vgpuif_memset_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED,
		.check = memset_check, .dranges = memset_dranges,
	},
	[VGPU_OP_MODULE_LOAD] = {
		.name = "module_load", .payload = sizeof(struct vgpuif_module_load_req),
		.site = VGPU_SITE_EXECUTOR, .result = VGPU_RESULT_SCALAR,
		.session = VGPU_SESSION_NAMED,
		.noperands = 1, .operands = { { REF(module_load, image), false, 1 } },
		.operand_len = image_len, .check = module_load_check,
	},
	[VGPU_OP_MODULE_UNLOAD] = {
		.name = "module_unload", .payload = sizeof(struct vgpuif_module_unload_req),
		.site = VGPU_SITE_SESSIONS, .session = VGPU_SESSION_NAMED,
		.check = module_unload_check,
	},
	[VGPU_OP_FUNC_GET] = {
		.name = "func_get", .payload = sizeof(struct vgpuif_func_get_req),
		.site = VGPU_SITE_EXECUTOR, .result = VGPU_RESULT_FUNC,
		.session = VGPU_SESSION_NAMED, .noperands = 2,
		.operands = {
			{ REF(func_get, name), false, 1 },
			{ REF(func_get, layout), true, sizeof(uint32_t) },
		},
		.operand_len = func_get_len, .check = func_get_check,
	},
	[VGPU_OP_LAUNCH] = {
		.name = "launch", .payload = sizeof(struct vgpuif_launch_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED,
		.noperands = 1, .operands = { { REF(launch, params), false, 1 } },
		.operand_len = params_len, .check = launch_check,
	},
	[VGPU_OP_DEVICE_INFO] = {
		.name = "device_info", .payload = sizeof(struct vgpuif_device_info_req),
		.site = VGPU_SITE_EXECUTOR, .noperands = 1,
		.operands = { { REF(device_info, out), true, 8 } },
		.operand_len = device_info_len, .check = device_info_check,
	},
	[VGPU_OP_STREAM_CREATE] = {
		.name = "stream_create", .site = VGPU_SITE_SESSIONS,
		.result = VGPU_RESULT_SCALAR, .session = VGPU_SESSION_NAMED,
	},
	[VGPU_OP_STREAM_DESTROY] = {
		.name = "stream_destroy", .payload = sizeof(struct vgpuif_stream_req),
		.site = VGPU_SITE_SESSIONS, .session = VGPU_SESSION_NAMED, .check = stream_check,
	},
	[VGPU_OP_STREAM_SYNC] = {
		.name = "stream_sync", .payload = sizeof(struct vgpuif_stream_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED, .check = stream_check,
	},
	[VGPU_OP_EVENT_CREATE] = {
		.name = "event_create", .payload = sizeof(struct vgpuif_event_req),
		.site = VGPU_SITE_SESSIONS, .result = VGPU_RESULT_SCALAR,
		.session = VGPU_SESSION_NAMED, .check = event_check,
	},
	[VGPU_OP_EVENT_DESTROY] = {
		.name = "event_destroy", .payload = sizeof(struct vgpuif_event_req),
		.site = VGPU_SITE_SESSIONS, .session = VGPU_SESSION_NAMED, .check = event_check,
	},
	[VGPU_OP_EVENT_RECORD] = {
		.name = "event_record", .payload = sizeof(struct vgpuif_event_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED, .check = event_check,
	},
	[VGPU_OP_EVENT_QUERY] = {
		.name = "event_query", .payload = sizeof(struct vgpuif_event_req),
		.site = VGPU_SITE_SESSIONS, .result = VGPU_RESULT_SCALAR,
		.session = VGPU_SESSION_NAMED, .check = event_check,
	},
	[VGPU_OP_EVENT_SYNC] = {
		.name = "event_sync", .payload = sizeof(struct vgpuif_event_req),
		.site = VGPU_SITE_EXECUTOR, .session = VGPU_SESSION_NAMED, .check = event_check,
	},
	[VGPU_OP_EVENT_ELAPSED] = {
		.name = "event_elapsed", .payload = sizeof(struct vgpuif_event_elapsed_req),
		.site = VGPU_SITE_EXECUTOR, .result = VGPU_RESULT_SCALAR,
		.session = VGPU_SESSION_NAMED, .check = elapsed_check,
	},
	[VGPU_OP_GLOBAL_GET] = {
		.name = "global_get", .payload = sizeof(struct vgpuif_global_get_req),
		.site = VGPU_SITE_EXECUTOR, .result = VGPU_RESULT_GLOBAL,
		.session = VGPU_SESSION_NAMED, .noperands = 1,
		.operands = { { REF(global_get, name), false, 1 } },
		.operand_len = global_get_len, .check = global_get_check,
	},
};

uint32_t vgpu_op_stream(const struct vgpuif_request *req)
{
	switch (req->op) {
	case VGPU_OP_MEMCPY_HTOD: case VGPU_OP_MEMCPY_DTOH: return req->u.memcpy.stream;
	case VGPU_OP_MEMCPY_DTOD: return req->u.memcpy_dtod.stream;
	case VGPU_OP_MEMSET: return req->u.memset.stream;
	case VGPU_OP_LAUNCH: return req->u.launch.stream;
	case VGPU_OP_STREAM_SYNC: return req->u.stream.stream;
	/* EVENT_SYNC: vgpuback puts the stream of the event's latest record here. */
	case VGPU_OP_EVENT_RECORD: case VGPU_OP_EVENT_SYNC: return req->u.event.stream;
	default: return 0;
	}
}

const struct vgpu_op_desc *vgpu_op_desc(unsigned op)
{
	return op <= VGPU_OP_MAX ? &ops[op] : NULL;
}
