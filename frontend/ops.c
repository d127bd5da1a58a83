/* SPDX-License-Identifier: MIT */
/*
 * ops.c: one synchronous helper per operation.  Each fills a request
 * (everything the operation does not use stays zero, as request validation
 * in the backend demands) and hands it to vgpufront_call().
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "front_priv.h"

#define QUERY_TEXT_BYTES 4096

static void request_init(struct vgpuif_request *req, uint8_t op)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
}

int vgpufront_ping(struct vgpufront *dev)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	request_init(&req, VGPU_OP_NOP);
	return vgpufront_call(dev, &req, &rsp);
}

int vgpufront_scalar_add(struct vgpufront *dev, int64_t a, int64_t b,
			 int64_t *sum)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	int rc;

	request_init(&req, VGPU_OP_SCALAR_ADD);
	req.u.scalar_add.a = a;
	req.u.scalar_add.b = b;
	rc = vgpufront_call(dev, &req, &rsp);
	if (rc == 0)
		*sum = rsp.result.scalar;
	return rc;
}

int vgpufront_vector_add(struct vgpufront *dev, uint64_t n,
			 const struct vgpufront_buf *a, uint32_t aoff,
			 const struct vgpufront_buf *b, uint32_t boff,
			 const struct vgpufront_buf *c, uint32_t coff,
			 struct vgpuif_response *rsp)
{
	struct vgpuif_request req;
	struct vgpuif_response tmp;

	request_init(&req, VGPU_OP_VECTOR_ADD);
	req.u.vector_add.n = n;
	req.u.vector_add.a = (struct vgpuif_bufref){ a->handle, aoff };
	req.u.vector_add.b = (struct vgpuif_bufref){ b->handle, boff };
	req.u.vector_add.c = (struct vgpuif_bufref){ c->handle, coff };
	return vgpufront_call(dev, &req, rsp ? rsp : &tmp);
}

/* The backend writes its text into a buffer of ours, cut to QUERY_TEXT_BYTES. */
int vgpufront_query(struct vgpufront *dev, struct vgpuif_query_result *q,
		    char *text, size_t textlen)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;
	struct vgpufront_buf *buf = NULL;
	int rc;

	request_init(&req, VGPU_OP_QUERY);
	if (text && textlen) {
		buf = vgpufront_buf_alloc(dev, QUERY_TEXT_BYTES, 0, &rc);
		if (!buf)
			return rc;
		memset(buf->addr, 0, QUERY_TEXT_BYTES);
		req.flags = VGPU_REQ_F_QUERY_TEXT;
		req.u.query.out = (struct vgpuif_bufref){ buf->handle, 0 };
		req.u.query.out_len = QUERY_TEXT_BYTES;
	}
	rc = vgpufront_call(dev, &req, &rsp);
	if (rc == 0) {
		*q = rsp.result.query;
		if (buf) {
			((char *)buf->addr)[QUERY_TEXT_BYTES - 1] = 0;
			snprintf(text, textlen, "%s", (char *)buf->addr);
		}
	}
	if (buf)
		vgpufront_buf_free(dev, buf);
	return rc;
}
