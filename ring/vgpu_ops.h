/* SPDX-License-Identifier: MIT */
/*
 * vgpu_ops.h: the operation table, one row per VGPU_OP_*.
 *
 * Everything generic about an operation lives here: its name, the bytes of
 * the request union it uses (the rest must be zero), the flags it allows,
 * where vgpuback answers it, its buffer operands (which bufref, written or
 * read, alignment, how many bytes) and what its response carries.  Request
 * validation, operand resolution, result copying, the executors' dispatch
 * and the frontend's names all read this table; a new operation adds a row,
 * the executors' kernels and one frontend helper.
 */
#ifndef VGPU_OPS_H
#define VGPU_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

/* Where vgpuback answers an operation. */
enum vgpu_op_site {
	VGPU_SITE_LOOP,		/* at once, on the event loop (nop, query) */
	VGPU_SITE_BUFFERS,	/* the buffer table (register, unregister) */
	VGPU_SITE_EXECUTOR,	/* the priority queue, then an executor */
	VGPU_SITE_SESSIONS,	/* the session table (open, close, free) */
};

/* What request.session must hold. */
enum vgpu_op_session {
	VGPU_SESSION_NONE,	/* 0: version 1 ops, SESSION_OPEN */
	VGPU_SESSION_NAMED,	/* a session of the device */
};

/* A range of device memory a request touches. */
struct vgpu_drange {
	uint64_t ptr;
	uint64_t len;
	bool write;
};

/* What response.result carries. */
enum vgpu_result_kind {
	VGPU_RESULT_NONE,
	VGPU_RESULT_SCALAR,	/* result.scalar from job->result.scalar */
	VGPU_RESULT_QUERY,	/* result.query */
	VGPU_RESULT_FUNC,	/* result.func from job->result.raw */
	VGPU_RESULT_GLOBAL,	/* result.global from job->result.raw */
};

#define VGPU_OP_MAX_OPERANDS 3

struct vgpu_operand {
	uint16_t ref_off;	/* offsetof(struct vgpuif_request, u.<op>.<ref>) */
	bool write;		/* the op writes it: the buffer must be writable */
	uint8_t align;		/* required alignment of the offset, bytes */
};

struct vgpu_op_desc {
	const char *name;
	uint8_t payload;	/* bytes of request.u the op uses */
	uint8_t flags;		/* VGPU_REQ_F_* allowed */
	uint8_t site;		/* enum vgpu_op_site */
	uint8_t result;		/* enum vgpu_result_kind */
	uint8_t session;	/* enum vgpu_op_session */
	uint8_t noperands;
	struct vgpu_operand operands[VGPU_OP_MAX_OPERANDS];
	/* Bytes operand @i spans in @req; 0: this request does not use it. */
	uint64_t (*operand_len)(const struct vgpuif_request *req, unsigned i);
	/* Checks of the op's own fields, before operand ranges: VGPU_OK or VGPU_E*. */
	int (*check)(const struct vgpuif_request *req);
	/* The device ranges @req touches, into @out[2]: how many (NULL: none). */
	unsigned (*dranges)(const struct vgpuif_request *req, struct vgpu_drange *out);
};

/* The row for @op, NULL for an op this build does not know. */
const struct vgpu_op_desc *vgpu_op_desc(unsigned op);
/* The stream @req runs on in its session (0: the session's own). */
uint32_t vgpu_op_stream(const struct vgpuif_request *req);

/* Operand @i's buffer reference inside @req. */
static inline const struct vgpuif_bufref *
vgpu_op_bufref(const struct vgpu_op_desc *d, const struct vgpuif_request *req,
	       unsigned i)
{
	return (const struct vgpuif_bufref *)((const uint8_t *)req +
					      d->operands[i].ref_off);
}

#endif /* VGPU_OPS_H */
