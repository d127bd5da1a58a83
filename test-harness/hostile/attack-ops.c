/* SPDX-License-Identifier: MIT */
/*
 * attack-ops.c: malformed, out-of-range and ungranted requests, buffer
 * and grant limits (bad-ops).
 */
#include "config.h"

#include "hostile.h"

/* ---------------- bad-ops ---------------- */

struct badops {
	struct hostile *h;
	struct vgpufront *dev;
	unsigned round;
	unsigned hygiene;		/* responses with stray bytes or a wrong echo */
	/* This round's buffers, 4 pages each: w, w2 writable, r read-only. */
	struct vgpufront_buf *w, *w2, *r;
	size_t nf;			/* floats in each */
};

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *q = p;

	while (n--)
		if (*q++)
			return false;
	return true;
}

/* Send @req, compare its status with @expected; the response must be clean. */
static int expect(struct badops *s, struct vgpuif_request *req, int expected,
		  const char *name)
{
	struct vgpuif_response rsp;
	int rc;

	memset(&rsp, 0xa5, sizeof(rsp));
	rc = wire(vgpufront_call(s->dev, req, &rsp));
	check(s->h, expected, rc, "r%u-%s", s->round, name);
	if (rsp.id != req->id || rsp.op != req->op || !all_zero(rsp._pad0, 3))
		s->hygiene++;
	/* Refused at once: nothing of the backend's memory may reach us (XSA-216). */
	else if (rc != VGPU_OK && (rsp.queue_ns || rsp.exec_ns ||
				   !all_zero(&rsp.result, sizeof(rsp.result))))
		s->hygiene++;
	return rc;
}

static void req_init(struct vgpuif_request *req, uint8_t op)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
}

static void vadd_req(struct vgpuif_request *req, uint64_t n, uint32_t ha,
		     uint32_t aoff, uint32_t hb, uint32_t boff, uint32_t hc,
		     uint32_t coff)
{
	req_init(req, VGPU_OP_VECTOR_ADD);
	req->u.vector_add.n = n;
	req->u.vector_add.a = (struct vgpuif_bufref){ ha, aoff };
	req->u.vector_add.b = (struct vgpuif_bufref){ hb, boff };
	req->u.vector_add.c = (struct vgpuif_bufref){ hc, coff };
}

static void reg_req(struct vgpuif_request *req, uint32_t handle, uint32_t pages,
		    uint32_t dir, uint32_t flags)
{
	req_init(req, VGPU_OP_BUF_REGISTER);
	req->u.buf_register.handle = handle;
	req->u.buf_register.nr_pages = pages;
	req->u.buf_register.dir_gref = dir;
	req->u.buf_register.flags = flags;
}

/* Grants of our own, for BUF_REGISTER cases: freed by grants_free(). */
struct grant {
	void *addr;
	unsigned count;
};

static void *share(struct badops *s, struct grant *g, uint32_t to, unsigned count,
		   int writable, uint32_t *refs)
{
	g->addr = vgpu_gnt_share(s->dev->plat, to, count, writable, refs);
	g->count = g->addr ? count : 0;
	return g->addr;
}

static void grants_free(struct badops *s, struct grant *g, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (g[i].addr)
			vgpu_gnt_unshare(s->dev->plat, g[i].addr, g[i].count);
	memset(g, 0, n * sizeof(*g));
}

/* Registrations refused for their fields alone: @hw is a handle in use, @nh a free one. */
static void badops_register_fields(struct badops *s, uint32_t hw, uint32_t nh)
{
	struct vgpuif_request req;

	reg_req(&req, hw, 1, 0, 0);
	expect(s, &req, VGPU_EEXIST, "register-duplicate-handle");
	reg_req(&req, nh, 0, 0, 0);
	expect(s, &req, VGPU_ERANGE, "register-zero-pages");
	reg_req(&req, nh, VGPUIF_MAX_BUF_PAGES + 1, 0, 0);
	expect(s, &req, VGPU_ERANGE, "register-too-many-pages");
	reg_req(&req, nh, 1, 0, 0x2);
	expect(s, &req, VGPU_EINVAL, "register-unknown-flag");
	reg_req(&req, nh, 1, 0, 0);
	req.u.raw[20] = 1;
	expect(s, &req, VGPU_EINVAL, "register-payload-tail");
	if (s->h->max_buffer_pages < VGPUIF_MAX_BUF_PAGES) {
		/* Refused before a single grant is looked at. */
		reg_req(&req, nh, s->h->max_buffer_pages + 1, 0, 0);
		expect(s, &req, VGPU_ENOMEM, "register-over-domain-page-limit");
	}
	reg_req(&req, nh, 1, 0, 0);
	expect(s, &req, VGPU_EGRANT, "register-dir-ref-0");
	reg_req(&req, nh, 1, 0xffffffffu, 0);
	expect(s, &req, VGPU_EGRANT, "register-dir-ref-huge");
	reg_req(&req, nh, 1, 900000, 0);
	expect(s, &req, VGPU_EGRANT, "register-dir-ref-never-granted");
}

/* Registrations with grants wrong in every way, as handle @nh. */
static void badops_register_grants(struct badops *s, uint32_t nh)
{
	struct vgpufront *dev = s->dev;
	uint32_t be = dev->backend_id, me = dev->domid;
	uint32_t dref, iref, refs[8], *dir, *ind;
	struct vgpuif_request req;
	struct grant g[4];
	unsigned i;

	memset(g, 0, sizeof(g));
	/* A directory page granted to ourselves, not to the backend. */
	dir = share(s, &g[0], me, 1, 0, &dref);
	if (dir) {
		reg_req(&req, nh, 1, dref, 0);
		expect(s, &req, VGPU_EGRANT, "register-dir-granted-elsewhere");
	}
	grants_free(s, g, 4);

	/* Directory fine, indirect refs garbage or never granted. */
	dir = share(s, &g[0], be, 1, 0, &dref);
	if (dir) {
		static const uint32_t garbage[] = { 0, 0xffffffffu, 900001, 1u << 20 };

		for (i = 0; i < 4; i++) {
			dir[0] = garbage[i];
			reg_req(&req, nh, 1, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, VGPU_EGRANT, i == 0 ? "register-indirect-ref-0" :
			       i == 1 ? "register-indirect-ref-huge" :
			       i == 2 ? "register-indirect-never-granted" :
			       "register-indirect-past-table");
		}
	}
	/* Directory and indirect fine, data refs bad in every way. */
	ind = dir ? share(s, &g[1], be, 1, 0, &iref) : NULL;
	if (ind) {
		dir[0] = iref;
		ind[0] = 0;
		reg_req(&req, nh, 1, dref, VGPU_BUF_F_READONLY);
		expect(s, &req, VGPU_EGRANT, "register-data-ref-0");
		ind[0] = 900002;
		expect(s, &req, VGPU_EGRANT, "register-data-never-granted");
		/* Data pages granted to our own domain, not the backend. */
		if (share(s, &g[2], me, 4, 1, refs)) {
			memcpy(ind, refs, 4 * sizeof(*refs));
			reg_req(&req, nh, 4, dref, 0);
			expect(s, &req, VGPU_EGRANT, "register-data-granted-elsewhere");
		}
		grants_free(s, &g[2], 1);
		/* Data granted read-only: a writable registration must fail. */
		if (share(s, &g[2], be, 4, 0, refs)) {
			memcpy(ind, refs, 4 * sizeof(*refs));
			reg_req(&req, nh, 4, dref, 0);
			expect(s, &req, VGPU_EGRANT, "register-ro-grant-as-writable");
			/* One page more than the list names: its ref is 0. */
			reg_req(&req, nh, 5, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, VGPU_EGRANT, "register-page-past-the-list");
			/*
			 * Four more: ref 0 four times, a ref repeated within one
			 * buffer, refused as malformed before anything is mapped.
			 */
			reg_req(&req, nh, 8, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, VGPU_EINVAL, "register-pages-past-the-list");
			/* Two indirect pages needed, the directory names one. */
			reg_req(&req, nh, VGPUIF_GREFS_PER_PAGE + 1, dref, VGPU_BUF_F_READONLY);
			expect(s, &req, s->h->max_buffer_pages < VGPUIF_GREFS_PER_PAGE + 1 + 8 ?
			       VGPU_ENOMEM : VGPU_EGRANT, "register-second-indirect-missing");
			/* The same, read-only as granted: fine; but never an output. */
			reg_req(&req, nh, 4, dref, VGPU_BUF_F_READONLY);
			if (expect(s, &req, VGPU_OK, "register-ro-grant-readonly") == VGPU_OK) {
				vadd_req(&req, 16, nh, 0, nh, 0, nh, 0);
				expect(s, &req, VGPU_EACCES, "vadd-into-ro-registration");
				req_init(&req, VGPU_OP_BUF_UNREGISTER);
				req.u.buf_unregister.handle = nh;
				expect(s, &req, VGPU_OK, "unregister-ro-registration");
			}
		}
	}
	grants_free(s, g, 4);
}

static void badops_register(struct badops *s, uint32_t hw)
{
	uint32_t nh = 0x40000000u + s->round * 1000;

	badops_register_fields(s, hw, nh);
	badops_register_grants(s, nh);
}

/* Fill the device up to max_buffers with one-page buffers, then unregister. */
static void badops_buffer_limit(struct badops *s, unsigned have)
{
	struct vgpufront_buf **extra;
	unsigned n = 0, want, i;
	int st = VGPU_OK;

	if (!s->h->max_buffers)
		return;
	want = s->h->max_buffers > have ? s->h->max_buffers - have : 0;
	extra = calloc(want + 1, sizeof(*extra));
	if (!extra)
		return;
	for (i = 0; i <= want; i++) {
		extra[i] = vgpufront_buf_alloc(s->dev, VGPUIF_PAGE_SIZE, 0, &st);
		if (!extra[i])
			break;
		n++;
	}
	check(s->h, want, n, "r%u-buffers-registered-before-limit", s->round);
	check(s->h, VGPU_ENOMEM, n <= want ? wire(st) : 0, "r%u-buffer-over-limit", s->round);
	for (i = 0; i < n; i++) {
		st = vgpufront_buf_free(s->dev, extra[i]);
		if (st)
			check(s->h, VGPU_OK, st, "r%u-unregister-extra", s->round);
	}
	free(extra);
}

/* Header: unknown ops, padding, flags and payloads an op does not have. */
static void badops_header(struct badops *s)
{
	struct vgpuif_request req;

	req_init(&req, VGPU_OP_MAX + 1);
	expect(s, &req, VGPU_ENOSYS, "op-past-max");
	req_init(&req, 0x7f);
	expect(s, &req, VGPU_ENOSYS, "op-0x7f");
	req_init(&req, 0xff);
	expect(s, &req, VGPU_ENOSYS, "op-0xff");
	req_init(&req, VGPU_OP_NOP);
	req._pad0 = 1;
	expect(s, &req, VGPU_EINVAL, "pad0");
	req_init(&req, VGPU_OP_NOP);
	req.session = 0x80000000u;
	expect(s, &req, VGPU_EINVAL, "pad1");
	req_init(&req, VGPU_OP_NOP);
	req.flags = VGPU_REQ_F_QUERY_TEXT;
	expect(s, &req, VGPU_EINVAL, "nop-with-query-flag");
	req_init(&req, VGPU_OP_NOP);
	req.u.raw[47] = 1;
	expect(s, &req, VGPU_EINVAL, "nop-with-payload");
}

static void badops_scalar(struct badops *s)
{
	struct vgpuif_request req;

	req_init(&req, VGPU_OP_SCALAR_ADD);
	req.u.scalar_add.a = INT64_MAX;
	req.u.scalar_add.b = 1;
	expect(s, &req, VGPU_EOVERFLOW, "scalar-overflow-up");
	req.u.scalar_add.a = INT64_MIN;
	req.u.scalar_add.b = -1;
	expect(s, &req, VGPU_EOVERFLOW, "scalar-overflow-down");
	req.u.scalar_add.a = 40;
	req.u.scalar_add.b = 2;
	req.u.raw[16] = 1;
	expect(s, &req, VGPU_EINVAL, "scalar-payload-tail");
}

/* Vector add: every refusal, each leaving w2 (its c) untouched. */
static void badops_vadd_refused(struct badops *s)
{
	struct vgpuif_request req;

	vadd_req(&req, 0, s->r->handle, 0, s->r->handle, 0, s->w2->handle, 0);
	expect(s, &req, VGPU_ERANGE, "vadd-n-0");
	req.u.vector_add.n = VGPUIF_MAX_VECTOR_ELEMS + 1;
	expect(s, &req, VGPU_ERANGE, "vadd-n-over-max");
	req.u.vector_add.n = 1ull << 62;	/* n * 4 wraps to 0 */
	expect(s, &req, VGPU_ERANGE, "vadd-n-wraps");
	req.u.vector_add.n = UINT64_MAX;
	expect(s, &req, VGPU_ERANGE, "vadd-n-max-u64");
	req.u.vector_add.n = s->nf + 1;
	expect(s, &req, VGPU_ERANGE, "vadd-n-past-buffer");
	vadd_req(&req, 16, s->r->handle, 2, s->r->handle, 0, s->w2->handle, 0);
	expect(s, &req, VGPU_EINVAL, "vadd-misaligned-offset");
	vadd_req(&req, 1, s->r->handle, 0, s->r->handle, 0, s->w2->handle,
		 (uint32_t)(s->nf * sizeof(float)));
	expect(s, &req, VGPU_ERANGE, "vadd-c-offset-at-end");
	vadd_req(&req, 1, s->r->handle, 0, s->r->handle, 0, s->w2->handle, 0xfffffffcu);
	expect(s, &req, VGPU_ERANGE, "vadd-c-offset-4g");
	vadd_req(&req, 16, s->r->handle, (uint32_t)(s->nf * sizeof(float)) - 32,
		 s->r->handle, 0, s->w2->handle, 0);
	expect(s, &req, VGPU_ERANGE, "vadd-a-runs-past-end");
	vadd_req(&req, 16, 0x7777, 0, s->r->handle, 0, s->w2->handle, 0);
	expect(s, &req, VGPU_EBADBUF, "vadd-a-never-registered");
	vadd_req(&req, 16, s->r->handle, 0, 0, 0, s->w2->handle, 0);
	expect(s, &req, VGPU_EBADBUF, "vadd-b-handle-0");
	vadd_req(&req, 16, s->r->handle, 0, s->r->handle, 0, 0x40404040u, 0);
	expect(s, &req, VGPU_EBADBUF, "vadd-c-never-registered");
	vadd_req(&req, 16, s->r->handle, 0, s->r->handle, 0, s->r->handle, 0);
	expect(s, &req, VGPU_EACCES, "vadd-c-read-only");
	vadd_req(&req, 16, s->r->handle, 0, s->r->handle, 0, s->w2->handle, 0);
	req.flags = 0x02;
	expect(s, &req, VGPU_EINVAL, "vadd-unknown-flag");
	vadd_req(&req, 16, s->r->handle, 0, s->r->handle, 0, s->w2->handle, 0);
	req.u.raw[40] = 1;
	expect(s, &req, VGPU_EINVAL, "vadd-payload-tail");
	check(s->h, 0, count_not(s->w2->addr, s->nf, POISON), "r%u-refused-vadds-wrote-nothing", s->round);
}

/* Overlaps the protocol allows: in place, and one operand twice. */
static void badops_overlaps(struct badops *s)
{
	struct vgpuif_request req;
	float old[1024];
	size_t i;

	memcpy(old, s->w->addr, sizeof(old));
	vadd_req(&req, 1024, s->w->handle, 0, s->r->handle, 0, s->w->handle, 0);
	if (expect(s, &req, VGPU_OK, "vadd-in-place-c-is-a") == VGPU_OK) {
		unsigned bad = 0;

		for (i = 0; i < 1024; i++)
			bad += ((float *)s->w->addr)[i] != old[i] + ((float *)s->r->addr)[i];
		check(s->h, 0, bad, "r%u-in-place-result-wrong", s->round);
	}
	memcpy(old, s->w->addr, sizeof(old));
	vadd_req(&req, 1024, s->w->handle, 0, s->w->handle, 0, s->w->handle, 0);
	if (expect(s, &req, VGPU_OK, "vadd-a-b-c-same") == VGPU_OK) {
		unsigned bad = 0;

		for (i = 0; i < 1024; i++)
			bad += ((float *)s->w->addr)[i] != 2 * old[i];
		check(s->h, 0, bad, "r%u-a-b-c-same-result-wrong", s->round);
	}
	/* Partial overlap: order-dependent values, but accepted and harmless. */
	vadd_req(&req, 1024, s->w->handle, 0, s->r->handle, 0, s->w->handle, 4);
	expect(s, &req, VGPU_OK, "vadd-c-overlaps-a-shifted");
}

static void badops_query(struct badops *s)
{
	struct vgpuif_request req;

	req_init(&req, VGPU_OP_QUERY);
	req.u.query.out.handle = s->w->handle;
	expect(s, &req, VGPU_EINVAL, "query-out-without-flag");
	req_init(&req, VGPU_OP_QUERY);
	req.u.query._pad = 1;
	expect(s, &req, VGPU_EINVAL, "query-pad");
	req_init(&req, VGPU_OP_QUERY);
	req.flags = VGPU_REQ_F_QUERY_TEXT;
	req.u.query.out = (struct vgpuif_bufref){ s->w2->handle, 0 };
	expect(s, &req, VGPU_ERANGE, "query-text-len-0");
	req.u.query.out_len = 64;
	req.u.query.out.handle = s->r->handle;
	expect(s, &req, VGPU_EACCES, "query-text-into-read-only");
	req.u.query.out.handle = 0x5555;
	expect(s, &req, VGPU_EBADBUF, "query-text-never-registered");
	req.u.query.out = (struct vgpuif_bufref){ s->w2->handle,
		(uint32_t)(s->nf * sizeof(float)) - 10 };
	expect(s, &req, VGPU_ERANGE, "query-text-past-end");
	check(s->h, 0, count_not(s->w2->addr, s->nf, POISON), "r%u-refused-queries-wrote-nothing", s->round);
}

static void badops_unregister(struct badops *s)
{
	struct vgpuif_request req;

	req_init(&req, VGPU_OP_BUF_UNREGISTER);
	req.u.buf_unregister.handle = 0x6666;
	expect(s, &req, VGPU_EBADBUF, "unregister-never-registered");
	req.u.buf_unregister.handle = s->w2->handle;
	req.u.buf_unregister._pad = 1;
	expect(s, &req, VGPU_EINVAL, "unregister-pad");
}

/*
 * Unregister a buffer a queued job still uses: the job keeps it mapped and
 * completes right; the handle is gone at once.  Frees w2.
 */
static void badops_unregister_in_use(struct badops *s)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp[2];
	size_t i;
	int rc, got;

	vadd_req(&req, s->nf, s->r->handle, 0, s->r->handle, 0, s->w2->handle, 0);
	rc = vgpufront_submit(s->dev, &req);
	req_init(&req, VGPU_OP_BUF_UNREGISTER);
	req.u.buf_unregister.handle = s->w2->handle;
	rc = rc ? rc : vgpufront_submit(s->dev, &req);
	for (got = 0; !rc && got < 2;) {
		int k = vgpufront_poll(s->dev, &rsp[got], 2 - (unsigned)got, 5000);

		if (k <= 0) {
			rc = k ? k : -ETIMEDOUT;
			break;
		}
		got += k;
	}
	check(s->h, 2, rc ? rc : got, "r%u-vadd-and-unregister-answered", s->round);
	for (i = 0; i < (size_t)(rc ? 0 : 2); i++) {
		if (rsp[i].op == VGPU_OP_VECTOR_ADD)
			check(s->h, VGPU_OK, rsp[i].status, "r%u-vadd-on-unregistered-buffer", s->round);
		else
			check(s->h, VGPU_OK, rsp[i].status, "r%u-unregister-in-use", s->round);
	}
	{
		unsigned bad = 0;

		for (i = 0; i < s->nf; i++)
			bad += ((float *)s->w2->addr)[i] != 2 * ((float *)s->r->addr)[i];
		check(s->h, 0, bad, "r%u-vadd-on-unregistered-result-wrong", s->round);
	}
	vadd_req(&req, 16, s->r->handle, 0, s->r->handle, 0, s->w2->handle, 0);
	expect(s, &req, VGPU_EBADBUF, "vadd-after-unregister");
	/* w2's handle is gone: free it locally only. */
	{
		bool was = s->dev->backend_gone;

		s->dev->backend_gone = true;
		vgpufront_buf_free(s->dev, s->w2);
		s->dev->backend_gone = was;
	}
}

/* This round's buffers: w and w2 writable (w2 poisoned), r read-only; false if not. */
static bool badops_buffers(struct badops *s)
{
	struct vgpufront *dev = s->dev;
	size_t i;

	s->w = buf_new(dev, 4, 0, 0.0f);
	s->w2 = s->w ? buf_new(dev, 4, 0, POISON) : NULL;
	s->r = s->w2 ? buf_new(dev, 4, VGPUFRONT_BUF_READONLY, 0.0f) : NULL;
	if (!check(s->h, 1, s->r != NULL, "r%u-buffers", s->round)) {
		vgpufront_buf_free(dev, s->w);
		vgpufront_buf_free(dev, s->w2);
		return false;
	}
	for (i = 0; i < s->nf; i++) {
		((float *)s->r->addr)[i] = (float)(i % 1000);
		((float *)s->w->addr)[i] = (float)(i % 7);
	}
	return true;
}

/* One round of every refusal; false if its buffers could not be had. */
static bool badops_round(struct badops *s)
{
	int rc;

	if (!badops_buffers(s))
		return false;
	badops_header(s);
	badops_scalar(s);
	badops_vadd_refused(s);
	badops_overlaps(s);
	badops_query(s);
	badops_unregister(s);
	badops_register(s, s->w->handle);
	badops_buffer_limit(s, 3);
	badops_unregister_in_use(s);

	/* Still a working device. */
	rc = vgpufront_ping(s->dev);
	check(s->h, VGPU_OK, rc, "r%u-ping-after", s->round);
	check_serves(s->h, s->dev, "after-round");
	vgpufront_buf_free(s->dev, s->w);
	vgpufront_buf_free(s->dev, s->r);
	return true;
}

void attack_bad_ops(struct hostile *h)
{
	struct vgpufront *dev = dev_open(h, 2);
	struct badops s = {
		.h = h, .dev = dev, .nf = 4 * VGPUIF_PAGE_SIZE / sizeof(float),
	};
	unsigned it;

	if (!check(h, 1, dev != NULL, "open"))
		return;
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		s.round = it;
		if (!badops_round(&s))
			break;
		h->done++;
	}
	check(h, 0, s.hygiene, "responses-with-stray-bytes-or-wrong-echo");
	vgpufront_close(dev);
}
