/* SPDX-License-Identifier: MIT */
/* request.c: copy a request out of the shared ring once, then validate it. */
#include "config.h"

#include "request.h"
#include "vgpu_ops.h"

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

/* Each operand must fit below 4 GiB of a buffer (offsets are u32). */
#define BUF_BYTES_MAX ((uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE)

/* Alignment of every operand first, then their ranges. */
static int check_operands(const struct vgpu_op_desc *d,
			  const struct vgpuif_request *req)
{
	unsigned i;

	for (i = 0; i < d->noperands; i++)
		if (d->operand_len(req, i) &&
		    vgpu_op_bufref(d, req, i)->offset % d->operands[i].align)
			return VGPU_EINVAL;
	for (i = 0; i < d->noperands; i++) {
		uint64_t len = d->operand_len(req, i);

		if (len && vgpuif_range_check(vgpu_op_bufref(d, req, i)->offset,
					      len, BUF_BYTES_MAX, 1))
			return VGPU_ERANGE;
	}
	return VGPU_OK;
}

int vgpuif_validate_request(const struct vgpuif_request *req)
{
	const struct vgpu_op_desc *d = vgpu_op_desc(req->op);
	int rc;

	if (!d)
		return VGPU_ENOSYS;
	if (req->_pad0 || (req->flags & ~d->flags))
		return VGPU_EINVAL;
	if (!!req->session != !!(d->session == VGPU_SESSION_NAMED))
		return req->session ? VGPU_EINVAL : VGPU_ESESSION;
	if (!tail_zero(req, d->payload))
		return VGPU_EINVAL;
	rc = d->check ? d->check(req) : VGPU_OK;
	if (rc)
		return rc;
	return check_operands(d, req);
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
	const struct vgpu_op_desc *d = vgpu_op_desc(op);

	return d ? d->name : "?";
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
		"deadline passed: the work was stopped",
		"the GPU worker died: its state is lost",
		"no such session",
		"device address not in a live allocation of the session",
		"no such module or function, stream or event",
		"the driver refused the module image",
		"the driver refused the launch",
		"a kernel faulted: the GPU state is lost",
		"the event's work has not run yet",
	};

	if (status > 0 || status < VGPU_ELAST)
		return "unknown status";
	return msgs[-status];
}
