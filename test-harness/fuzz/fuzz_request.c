/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: request copy-and-validate.  The input fills ring slots
 * of a one-page shared ring; each slot is copied out and validated the way
 * vgpuback does.  Properties checked on every accepted request, computed
 * independently of request.c: operand ranges fit in 32-bit offsets, flags
 * are known, the copy equals what the slot held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

/* Events: CREATE names no event and only known flags; the others an event, no flags. */
static void check_event(const struct vgpuif_request *r)
{
	const struct vgpuif_event_req *e = &r->u.event;

	switch (r->op) {
	case VGPU_OP_EVENT_CREATE:
		if (e->event || e->stream || (e->flags & ~(uint32_t)(VGPU_EVENT_F_BLOCKING_SYNC |
								     VGPU_EVENT_F_DISABLE_TIMING)))
			abort();
		break;
	case VGPU_OP_EVENT_RECORD:
		if (!e->event || e->flags)
			abort();
		break;
	case VGPU_OP_EVENT_DESTROY:
	case VGPU_OP_EVENT_QUERY:
	case VGPU_OP_EVENT_SYNC:
		if (!e->event || e->flags || e->stream)
			abort();
		break;
	case VGPU_OP_EVENT_ELAPSED:
		if (!r->u.event_elapsed.start || !r->u.event_elapsed.end)
			abort();
		break;
	}
}

static void check_accepted(const struct vgpuif_request *r)
{
	const uint64_t max = (uint64_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE;

	if (r->op > VGPU_OP_MAX || r->_pad0)
		abort();
	/* Version 1 ops, SESSION_OPEN and DEVICE_INFO name no session; the others one. */
	if ((r->op <= VGPU_OP_BUF_UNREGISTER || r->op == VGPU_OP_SESSION_OPEN ||
	     r->op == VGPU_OP_DEVICE_INFO) != !r->session)
		abort();
	switch (r->op) {
	case VGPU_OP_MEMCPY_HTOD:
	case VGPU_OP_MEMCPY_DTOH: {
		const struct vgpuif_memcpy_req *m = &r->u.memcpy;

		if (!m->bytes || !m->dptr || m->dptr + m->bytes < m->dptr ||
		    (uint64_t)m->buf.offset + m->bytes > max)
			abort();
		break;
	}
	case VGPU_OP_MEMCPY_DTOD: {
		const struct vgpuif_memcpy_dtod_req *m = &r->u.memcpy_dtod;
		unsigned __int128 de = (unsigned __int128)m->dst + m->bytes;
		unsigned __int128 se = (unsigned __int128)m->src + m->bytes;

		if (!m->bytes || !m->dst || !m->src || de > UINT64_MAX || se > UINT64_MAX ||
		    (m->dst < se && m->src < de))
			abort();
		break;
	}
	case VGPU_OP_MEMSET: {
		const struct vgpuif_memset_req *m = &r->u.memset;
		unsigned __int128 bytes = (unsigned __int128)m->count * m->elem;

		if ((m->elem != 1 && m->elem != 2 && m->elem != 4) || m->dptr % m->elem ||
		    !bytes || bytes > VGPUIF_MAX_ALLOC || (m->elem < 4 && m->value >> (8 * m->elem)))
			abort();
		break;
	}
	case VGPU_OP_LAUNCH: {
		const struct vgpuif_launch_req *l = &r->u.launch;
		uint64_t threads = (uint64_t)l->block[0] * l->block[1] * l->block[2];

		if (!l->func || !l->grid[0] || l->grid[0] > INT32_MAX || !l->grid[1] ||
		    !l->grid[2] || l->grid[1] > 65535 || l->grid[2] > 65535 || !threads ||
		    threads > 1024 || l->block[2] > 64 || l->shmem > (256u << 10) ||
		    l->params_len > 32764 || (uint64_t)l->params.offset + l->params_len > max)
			abort();
		break;
	}
	case VGPU_OP_MODULE_LOAD:
		if (!r->u.module_load.bytes || r->u.module_load.bytes > (64u << 20) ||
		    r->u.module_load.flags)
			abort();
		break;
	case VGPU_OP_FUNC_GET:
		if (!r->u.func_get.module || !r->u.func_get.name_len ||
		    r->u.func_get.name_len > 256 || r->u.func_get.layout_len % 8)
			abort();
		break;
	case VGPU_OP_GLOBAL_GET:
		if (!r->u.global_get.module || !r->u.global_get.name_len ||
		    r->u.global_get.name_len > 256 || r->u.global_get._pad ||
		    (uint64_t)r->u.global_get.name.offset + r->u.global_get.name_len > max)
			abort();
		break;
	case VGPU_OP_MEM_ALLOC:
		if (!r->u.mem_alloc.bytes || r->u.mem_alloc.bytes > VGPUIF_MAX_ALLOC)
			abort();
		break;
	case VGPU_OP_VECTOR_ADD: {
		const struct vgpuif_vector_add_req *v = &r->u.vector_add;
		unsigned __int128 bytes = (unsigned __int128)v->n * 4;

		if (!v->n || v->n > VGPUIF_MAX_VECTOR_ELEMS)
			abort();
		if (v->a.offset + bytes > max || v->b.offset + bytes > max ||
		    v->c.offset + bytes > max)
			abort();
		if ((v->a.offset | v->b.offset | v->c.offset) & 3)
			abort();
		break;
	}
	case VGPU_OP_SCALAR_ADD: {
		__int128 s = (__int128)r->u.scalar_add.a + r->u.scalar_add.b;

		if (s > INT64_MAX || s < INT64_MIN)
			abort();
		break;
	}
	case VGPU_OP_BUF_REGISTER:
		if (!r->u.buf_register.nr_pages ||
		    r->u.buf_register.nr_pages > VGPUIF_MAX_BUF_PAGES ||
		    (r->u.buf_register.flags & ~VGPU_BUF_F_ALL))
			abort();
		break;
	case VGPU_OP_QUERY:
		if ((r->flags & VGPU_REQ_F_QUERY_TEXT) &&
		    (uint64_t)r->u.query.out.offset + r->u.query.out_len > max)
			abort();
		break;
	case VGPU_OP_STREAM_DESTROY:
	case VGPU_OP_STREAM_SYNC:
		if (r->u.stream._pad || (r->op == VGPU_OP_STREAM_DESTROY && !r->u.stream.stream))
			abort();
		break;
	default:
		check_event(r);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(4096) uint8_t page[VGPUIF_PAGE_SIZE];
	vgpuif_sring_t *sring = (vgpuif_sring_t *)page;
	vgpuif_back_ring_t back;
	struct vgpuif_request copy;
	RING_IDX i, n;

	memset(page, 0, sizeof(page));
	SHARED_RING_INIT(sring);
	BACK_RING_INIT(&back, sring, sizeof(page));
	n = size / sizeof(struct vgpuif_request);
	if (n > RING_SIZE(&back))
		n = RING_SIZE(&back);
	memcpy(sring->ring, data, n * sizeof(struct vgpuif_request));
	sring->req_prod = n;
	for (i = 0; i < n; i++) {
		int rc = vgpuif_copy_request(&back, i, &copy);

		if (memcmp(&copy, RING_GET_REQUEST(&back, i), sizeof(copy)))
			abort();
		if (rc > 0 || rc < VGPU_ELAST)
			abort();
		if (rc == VGPU_OK)
			check_accepted(&copy);
	}
	return 0;
}
