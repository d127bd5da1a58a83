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
};

const struct vgpu_op_desc *vgpu_op_desc(unsigned op)
{
	return op <= VGPU_OP_MAX ? &ops[op] : NULL;
}
