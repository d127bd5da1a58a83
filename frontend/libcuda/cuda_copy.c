/* SPDX-License-Identifier: MIT */
/*
 * cuda_copy.c: host <-> device copies (libcuda-vgpu(7), "Copies").
 *
 * Host memory the library granted (cuMemAllocHost, cuMemHostAlloc) goes to
 * the backend as it is, one request, no copy.  Any other host memory goes
 * through the staging buffer, cut in CU_COPY_SLOTS slots that are in
 * flight together: while the backend moves one chunk, the next is staged
 * (HtoD) or the last is copied out (DtoH), so a large copy costs about one
 * round trip, not one per chunk.  A copy returns once all its chunks were
 * answered; the first error wins, and nothing is staged into a slot the
 * backend may still read.  Callers drained the queued launches first, so
 * every response that comes meanwhile is one of these chunks'.
 */
#include "config.h"

#include <string.h>

#include "cuda_priv.h"

#define CU_COPY_SLOTS 4

struct pipe {
	CUcontext ctx;
	uint8_t op;			/* VGPU_OP_MEMCPY_HTOD or _DTOH */
	size_t slot_len;
	uint64_t id[CU_COPY_SLOTS];	/* the request in flight in each slot */
	bool busy[CU_COPY_SLOTS];
	int status[CU_COPY_SLOTS];	/* its answer, once not busy */
	CUresult rc;			/* the first error */
};

/* Wait until slot @s is answered; responses of other slots are noted. */
static void wait_slot(struct pipe *p, unsigned s)
{
	struct vgpuif_response r[CU_COPY_SLOTS];
	int n, i;
	unsigned k;

	while (p->busy[s]) {
		n = vgpufront_poll(cu.dev, r, CU_COPY_SLOTS, -1);
		if (n < 0) {
			for (k = 0; k < CU_COPY_SLOTS; k++)
				if (p->busy[k])
					p->busy[k] = false, p->status[k] = n;
			break;
		}
		for (i = 0; i < n; i++)
			for (k = 0; k < CU_COPY_SLOTS; k++)
				if (p->busy[k] && p->id[k] == r[i].id) {
					p->busy[k] = false;
					p->status[k] = vgpufront_status(r[i].status);
				}
	}
	if (!p->rc && p->status[s])
		p->rc = cu_status(p->status[s]);
}

/* Chunk @len bytes at device @dptr through slot @s of @buf at @boff. */
static void submit(struct pipe *p, unsigned s, uint64_t dptr, const struct vgpufront_buf *buf,
		   size_t boff, size_t len)
{
	struct vgpuif_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = p->op;
	req.session = p->ctx->session;
	req.u.memcpy.dptr = dptr;
	req.u.memcpy.bytes = len;
	req.u.memcpy.buf = (struct vgpuif_bufref){ buf->handle, (uint32_t)boff };
	rc = vgpufront_submit(cu.dev, &req);
	if (rc) {
		p->status[s] = rc;
		if (!p->rc)
			p->rc = cu_status(rc);
		return;
	}
	p->id[s] = req.id;
	p->busy[s] = true;
}

static void wait_all(struct pipe *p)
{
	unsigned s;

	for (s = 0; s < CU_COPY_SLOTS; s++)
		wait_slot(p, s);
}

static void pipe_init(struct pipe *p, CUcontext ctx, uint8_t op)
{
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->op = op;
	p->slot_len = cu.staging_len / CU_COPY_SLOTS;
}

/* Under the lock: @n bytes from pageable @src to device @dst. */
static CUresult staged_htod(CUcontext ctx, uint64_t dst, const uint8_t *src, size_t n)
{
	struct pipe p;
	size_t off, len;
	unsigned s = 0;

	pipe_init(&p, ctx, VGPU_OP_MEMCPY_HTOD);
	for (off = 0; off < n && !p.rc; off += len, s = (s + 1) % CU_COPY_SLOTS) {
		len = n - off < p.slot_len ? n - off : p.slot_len;
		wait_slot(&p, s);
		if (p.rc)
			break;
		memcpy((uint8_t *)cu.staging->addr + s * p.slot_len, src + off, len);
		submit(&p, s, dst + off, cu.staging, s * p.slot_len, len);
	}
	wait_all(&p);
	return p.rc;
}

/* Under the lock: @n bytes from device @src to pageable @dst. */
static CUresult staged_dtoh(CUcontext ctx, uint8_t *dst, uint64_t src, size_t n)
{
	size_t at[CU_COPY_SLOTS], ln[CU_COPY_SLOTS], off = 0, done = 0;
	struct pipe p;
	unsigned s;

	pipe_init(&p, ctx, VGPU_OP_MEMCPY_DTOH);
	for (s = 0; s < CU_COPY_SLOTS && off < n; s++, off += ln[s - 1]) {
		at[s] = off;
		ln[s] = n - off < p.slot_len ? n - off : p.slot_len;
		submit(&p, s, src + off, cu.staging, s * p.slot_len, ln[s]);
	}
	for (s = 0; done < n && !p.rc; s = (s + 1) % CU_COPY_SLOTS) {
		wait_slot(&p, s);
		if (p.rc)
			break;
		memcpy(dst + at[s], (uint8_t *)cu.staging->addr + s * p.slot_len, ln[s]);
		done += ln[s];
		if (off >= n)
			continue;
		at[s] = off;
		ln[s] = n - off < p.slot_len ? n - off : p.slot_len;
		submit(&p, s, src + off, cu.staging, s * p.slot_len, ln[s]);
		off += ln[s];
	}
	wait_all(&p);
	return p.rc;
}

/* Under the lock: one request on granted host memory @h at @hoff. */
static CUresult direct(CUcontext ctx, uint8_t op, uint64_t dptr, const struct vgpufront_buf *h,
		       size_t hoff, size_t n)
{
	struct pipe p;

	pipe_init(&p, ctx, op);
	submit(&p, 0, dptr, h, hoff, n);
	wait_all(&p);
	return p.rc;
}

CUresult cu_copy_htod(CUcontext ctx, uint64_t dst, const void *src, size_t n)
{
	size_t hoff;
	const struct vgpufront_buf *h = cu_host_find(src, n, &hoff);
	CUresult rc;

	if (h)
		return direct(ctx, VGPU_OP_MEMCPY_HTOD, dst, h, hoff, n);
	rc = cu_staging();
	return rc ? rc : staged_htod(ctx, dst, src, n);
}

CUresult cu_copy_dtoh(CUcontext ctx, void *dst, uint64_t src, size_t n)
{
	size_t hoff;
	const struct vgpufront_buf *h = cu_host_find(dst, n, &hoff);
	CUresult rc;

	if (h)
		return direct(ctx, VGPU_OP_MEMCPY_DTOH, src, h, hoff, n);
	rc = cu_staging();
	return rc ? rc : staged_dtoh(ctx, dst, src, n);
}
