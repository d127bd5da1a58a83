/* SPDX-License-Identifier: MIT */
/* request.c: copy a request out of the shared ring once, then validate it. */
#include "config.h"

#include "request.h"

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Bytes of the union past the op's payload must be zero: room for later. */
static int tail_zero(const struct vgpuif_request *req, size_t used)
{
	return all_zero(req->u.raw + used, sizeof(req->u.raw) - used);
}

int vgpuif_range_check(uint64_t offset, uint64_t len, uint64_t buf_len,
		       uint64_t align)
{
	uint64_t end;

	if (align && offset % align)
		return VGPU_EINVAL;
	if (__builtin_add_overflow(offset, len, &end))
		return VGPU_ERANGE;
	if (end > buf_len)
		return VGPU_ERANGE;
	return VGPU_OK;
}

static int validate_vector_add(const struct vgpuif_request *req)
{
	const struct vgpuif_vector_add_req *v = &req->u.vector_add;

	if (!tail_zero(req, sizeof(*v)))
		return VGPU_EINVAL;
	if (v->n == 0 || v->n > VGPUIF_MAX_VECTOR_ELEMS)
		return VGPU_ERANGE;
	if (v->a.offset % sizeof(float) || v->b.offset % sizeof(float) ||
	    v->c.offset % sizeof(float))
		return VGPU_EINVAL;
	/* Each operand must fit below 4 GiB of its buffer (offsets are u32). */
	if (vgpuif_range_check(v->a.offset, vgpuif_vector_bytes(v->n),
			       (uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE, 4) ||
	    vgpuif_range_check(v->b.offset, vgpuif_vector_bytes(v->n),
			       (uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE, 4) ||
	    vgpuif_range_check(v->c.offset, vgpuif_vector_bytes(v->n),
			       (uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE, 4))
		return VGPU_ERANGE;
	return VGPU_OK;
}

static int validate_query(const struct vgpuif_request *req)
{
	const struct vgpuif_query_req *q = &req->u.query;

	if (!tail_zero(req, sizeof(*q)) || q->_pad)
		return VGPU_EINVAL;
	if (!(req->flags & VGPU_REQ_F_QUERY_TEXT)) {
		if (q->out.handle || q->out.offset || q->out_len)
			return VGPU_EINVAL;
		return VGPU_OK;
	}
	if (q->out_len == 0)
		return VGPU_ERANGE;
	return vgpuif_range_check(q->out.offset, q->out_len,
				  (uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE, 1);
}

static int validate_buf_register(const struct vgpuif_request *req)
{
	const struct vgpuif_buf_register_req *r = &req->u.buf_register;

	if (!tail_zero(req, sizeof(*r)))
		return VGPU_EINVAL;
	if (r->flags & ~VGPU_BUF_F_ALL)
		return VGPU_EINVAL;
	if (r->nr_pages == 0 || r->nr_pages > VGPUIF_MAX_BUF_PAGES)
		return VGPU_ERANGE;
	return VGPU_OK;
}

int vgpuif_validate_request(const struct vgpuif_request *req)
{
	unsigned allowed_flags = 0;
	int rc;

	if (req->op > VGPU_OP_MAX)
		return VGPU_ENOSYS;
	if (req->_pad0 || req->_pad1)
		return VGPU_EINVAL;
	switch (req->op) {
	case VGPU_OP_QUERY:
		allowed_flags = VGPU_REQ_F_QUERY_TEXT;
		break;
	case VGPU_OP_SCALAR_ADD:
	case VGPU_OP_VECTOR_ADD:
		allowed_flags = VGPU_REQ_F_TEST_FAULT;
		break;
	}
	if (req->flags & ~allowed_flags)
		return VGPU_EINVAL;

	switch (req->op) {
	case VGPU_OP_NOP:
		return tail_zero(req, 0) ? VGPU_OK : VGPU_EINVAL;
	case VGPU_OP_QUERY:
		return validate_query(req);
	case VGPU_OP_SCALAR_ADD: {
		int64_t sum;

		if (!tail_zero(req, sizeof(req->u.scalar_add)))
			return VGPU_EINVAL;
		rc = __builtin_add_overflow(req->u.scalar_add.a,
					    req->u.scalar_add.b, &sum);
		return rc ? VGPU_EOVERFLOW : VGPU_OK;
	}
	case VGPU_OP_VECTOR_ADD:
		return validate_vector_add(req);
	case VGPU_OP_BUF_REGISTER:
		return validate_buf_register(req);
	case VGPU_OP_BUF_UNREGISTER:
		if (!tail_zero(req, sizeof(req->u.buf_unregister)) ||
		    req->u.buf_unregister._pad)
			return VGPU_EINVAL;
		return VGPU_OK;
	}
	return VGPU_ENOSYS;
}

int vgpuif_copy_request(vgpuif_back_ring_t *ring, RING_IDX idx,
			struct vgpuif_request *out)
{
	RING_COPY_REQUEST(ring, idx, out);
	/* The copy is private now; nothing below looks at the ring again. */
	return vgpuif_validate_request(out);
}

const char *vgpuif_op_name(unsigned op)
{
	static const char *const names[] = {
		[VGPU_OP_NOP] = "nop",
		[VGPU_OP_QUERY] = "query",
		[VGPU_OP_SCALAR_ADD] = "scalar_add",
		[VGPU_OP_VECTOR_ADD] = "vector_add",
		[VGPU_OP_BUF_REGISTER] = "buf_register",
		[VGPU_OP_BUF_UNREGISTER] = "buf_unregister",
	};

	return op <= VGPU_OP_MAX ? names[op] : "?";
}

const char *vgpuif_strerror(int status)
{
	static const char *const msgs[] = {
		"success",
		"malformed request",
		"unknown operation",
		"no such buffer handle",
		"offset or length out of range",
		"output buffer is read-only",
		"per-domain limit reached or out of memory",
		"too many requests in flight",
		"executor or GPU error",
		"GPU context was reset",
		"backend is shutting down",
		"buffer handle already registered",
		"grant references could not be mapped",
		"result does not fit",
	};

	if (status > 0 || status < VGPU_ELAST)
		return "unknown status";
	return msgs[-status];
}
