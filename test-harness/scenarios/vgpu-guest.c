/* SPDX-License-Identifier: MIT */
/*
 * vgpu-guest: a scenario guest.  Runs inside a simulated (or real) domain,
 * submits requests through libvgpufront, checks every result against its
 * own CPU computation, and reports one line per request:
 *
 *   REQ vm=NAME idx=I op=OP submit_ns=T done_ns=T queue_ns=N exec_ns=N status=S ok=0|1
 *
 * S is the response's status as on the wire (VGPU_OK, VGPU_E*) when the
 * request was answered (done_ns > 0), else the -errno the library failed
 * with (-EPIPE: backend gone, -EPROTO: backend broke the protocol).
 *
 * --fault-every M marks every M-th request with the test-only fault flag
 * (vgpuback --test-faults yes, CUDA executor): such a request is right when
 * it fails with VGPU_EIO or VGPU_ERESET, and its line ends in fault=1.
 *
 * Times are CLOCK_MONOTONIC, shared by every process of the host, so the
 * scenario can order events across guests.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpu_clock.h"
#include "vgpufront.h"

struct slot {
	uint64_t id, submit_ns, done_ns, queue_ns, exec_ns;
	int status;
	int64_t a, b, sum;
	bool ok;
	bool fault;
};

/* One guest's run: its options, its device, its buffers and its requests. */
struct guest {
	const char *name, *op, *go_file;
	unsigned n, k, inflight, devid, retries, fault_every;
	bool same;
	struct vgpufront *dev;
	struct vgpufront_buf *a, *b, *c;
	struct slot *s;
	uint64_t seed, sent, done;
	int lost;		/* what the unanswered requests failed with */
};

static float rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)((*s >> 40) % 2000000) / 1000.0f - 999.5f;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vgpu-guest --name VM [--op vadd|add|nop] [--n N] [--requests K]\n"
		   "                  [--inflight M] [--device D] [--open-retries R] [--go-file F]\n"
		   "                  [--same-slice] [--fault-every M]\n");
}

/* 0: go on; 1: --help printed; 2: bad usage (printed). */
static int parse_args(struct guest *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'm' },
		{ "op", required_argument, NULL, 'o' },
		{ "n", required_argument, NULL, 'n' },
		{ "requests", required_argument, NULL, 'k' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "open-retries", required_argument, NULL, 'r' },
		{ "go-file", required_argument, NULL, 'g' },
		{ "same-slice", no_argument, NULL, 's' },
		{ "fault-every", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': g->name = optarg; break;
		case 'o': g->op = optarg; break;
		case 'n': g->n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': g->k = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': g->inflight = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': g->devid = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': g->retries = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'g': g->go_file = optarg; break;
		case 's': g->same = true; break;
		case 'f': g->fault_every = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (!g->n || !g->k || !g->inflight || (strcmp(g->op, "vadd") &&
	    strcmp(g->op, "add") && strcmp(g->op, "nop"))) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* The device may still be coming up: retry as a guest's service would. */
static bool open_device(struct guest *g)
{
	struct vgpufront_opts fo = { .ring_page_order = 2, .timeout_ms = 30000 };
	char err[512];
	unsigned i;

	for (i = 0; i <= g->retries && !g->dev; i++) {
		g->dev = vgpufront_open(g->devid, &fo, err, sizeof(err));
		if (!g->dev)
			usleep(100000);
	}
	if (g->dev)
		return true;
	fprintf(stderr, "vgpu-guest %s: %s\n", g->name, err);
	printf("OPENFAIL vm=%s\n", g->name);
	return false;
}

/* --same-slice: every request works on one slice (benchmarks of big n). */
static bool make_buffers(struct guest *g)
{
	size_t slices = g->same ? 1 : g->k, i;
	size_t bytes = (size_t)g->n * slices * sizeof(float);
	int st;

	g->a = vgpufront_buf_alloc(g->dev, bytes, VGPUFRONT_BUF_READONLY, &st);
	g->b = g->a ? vgpufront_buf_alloc(g->dev, bytes, VGPUFRONT_BUF_READONLY, &st) : NULL;
	g->c = g->b ? vgpufront_buf_alloc(g->dev, bytes, 0, &st) : NULL;
	if (!g->c) {
		fprintf(stderr, "vgpu-guest %s: buffers: %s\n", g->name, vgpufront_strerror(st));
		return false;
	}
	for (i = 0; i < g->n * slices; i++) {
		((float *)g->a->addr)[i] = rnd(&g->seed);
		((float *)g->b->addr)[i] = rnd(&g->seed);
		((float *)g->c->addr)[i] = -1e30f;	/* poison */
	}
	return true;
}

static void fill_request(struct guest *g, struct slot *sl, struct vgpuif_request *req)
{
	memset(req, 0, sizeof(*req));
	if (!strcmp(g->op, "vadd")) {
		uint32_t off = (uint32_t)((g->same ? 0 : g->sent) * g->n * sizeof(float));

		req->op = VGPU_OP_VECTOR_ADD;
		req->u.vector_add.n = g->n;
		req->u.vector_add.a = (struct vgpuif_bufref){ g->a->handle, off };
		req->u.vector_add.b = (struct vgpuif_bufref){ g->b->handle, off };
		req->u.vector_add.c = (struct vgpuif_bufref){ g->c->handle, off };
	} else if (!strcmp(g->op, "add")) {
		sl->a = (int64_t)(g->seed % 1000000);
		rnd(&g->seed);
		sl->b = (int64_t)(g->seed % 1000000);
		rnd(&g->seed);
		req->op = VGPU_OP_SCALAR_ADD;
		req->u.scalar_add.a = sl->a;
		req->u.scalar_add.b = sl->b;
	} else {
		req->op = VGPU_OP_NOP;
	}
	if (g->fault_every && g->sent % g->fault_every == g->fault_every - 1) {
		req->flags |= VGPU_REQ_F_TEST_FAULT;
		sl->fault = true;
	}
}

/* Fill the window of requests in flight: 0, or 3 when the device failed. */
static int submit_some(struct guest *g)
{
	while (g->sent < g->k && g->sent - g->done < g->inflight) {
		struct vgpuif_request req;
		struct slot *sl = &g->s[g->sent];
		int st;

		fill_request(g, sl, &req);
		sl->submit_ns = vgpu_now_ns();
		st = vgpufront_submit(g->dev, &req);
		if (st == -EAGAIN)
			break;
		if (st) {
			fprintf(stderr, "vgpu-guest %s: submit: %s\n", g->name,
				vgpufront_strerror(st));
			g->lost = st;
			return 3;
		}
		sl->id = req.id;
		g->sent++;
		printf("SUBMITTED vm=%s idx=%" PRIu64 " t=%" PRIu64 "\n", g->name,
		       g->sent - 1, sl->submit_ns);
		fflush(stdout);
	}
	return 0;
}

/* Match one response to its slot: 0, or 1 for an id never sent. */
static int take_response(struct guest *g, const struct vgpuif_response *r)
{
	uint64_t t = vgpu_now_ns(), idx;

	for (idx = 0; idx < g->sent; idx++)
		if (g->s[idx].id == r->id && !g->s[idx].done_ns)
			break;
	if (idx == g->sent) {
		fprintf(stderr, "vgpu-guest %s: response to unknown id %" PRIu64 "\n",
			g->name, r->id);
		return 1;
	}
	g->s[idx].done_ns = t;
	g->s[idx].queue_ns = r->queue_ns;
	g->s[idx].exec_ns = r->exec_ns;
	g->s[idx].status = r->status;
	g->s[idx].sum = r->result.scalar;
	g->done++;
	return 0;
}

/* Submit and collect until every request is answered: the exit status. */
static int run(struct guest *g)
{
	int rc = 0;

	while (g->done < g->k) {
		struct vgpuif_response rsps[64];
		int got, j;

		if (submit_some(g))
			return 3;
		got = vgpufront_poll(g->dev, rsps, 64, 60000);
		if (got < 0) {
			fprintf(stderr, "vgpu-guest %s: %s\n", g->name, vgpufront_strerror(got));
			g->lost = got;
			return 3;
		}
		if (got == 0) {
			fprintf(stderr, "vgpu-guest %s: no response in 60 s\n", g->name);
			return 3;
		}
		for (j = 0; j < got; j++)
			rc |= take_response(g, &rsps[j]);
	}
	return rc;
}

/* Is slot @i's answer right, against the guest's own computation? */
static bool check_slot(const struct guest *g, unsigned i)
{
	const struct slot *sl = &g->s[i];

	if (sl->fault)
		return sl->done_ns && (sl->status == VGPU_EIO || sl->status == VGPU_ERESET);
	if (!sl->done_ns || sl->status != VGPU_OK)
		return false;
	if (!strcmp(g->op, "vadd")) {
		const float *fa = g->a->addr, *fb = g->b->addr, *fc = g->c->addr;
		size_t base = g->same ? 0 : (size_t)i * g->n, e;

		for (e = base; e < base + g->n; e++)
			if (fc[e] != fa[e] + fb[e])
				return false;
	} else if (!strcmp(g->op, "add")) {
		return sl->sum == sl->a + sl->b;
	}
	return true;
}

/* One REQ line per submitted request: how many were wrong. */
static unsigned report(struct guest *g)
{
	unsigned i, bad = 0;

	for (i = 0; i < g->k; i++) {
		struct slot *sl = &g->s[i];

		if (!sl->submit_ns)
			break;
		if (!sl->done_ns)
			sl->status = g->lost ? g->lost : -ETIMEDOUT;
		sl->ok = check_slot(g, i);
		bad += !sl->ok;
		printf("REQ vm=%s idx=%u op=%s submit_ns=%" PRIu64 " done_ns=%" PRIu64
		       " queue_ns=%" PRIu64 " exec_ns=%" PRIu64 " status=%d ok=%d%s\n",
		       g->name, i, g->op, sl->submit_ns, sl->done_ns, sl->queue_ns,
		       sl->exec_ns, sl->status, sl->ok, sl->fault ? " fault=1" : "");
	}
	return bad;
}

static int start(struct guest *g)
{
	unsigned i;

	g->seed = (vgpu_now_ns() ^ (uint64_t)getpid() << 17) | 1;
	g->s = calloc(g->k, sizeof(*g->s));
	if (!g->s)
		return 1;
	if (!open_device(g))
		return 3;
	if (!strcmp(g->op, "vadd") && !make_buffers(g))
		return 1;
	printf("READY vm=%s\n", g->name);
	fflush(stdout);
	/* A scenario decides when each guest submits: wait for its go file. */
	for (i = 0; g->go_file && access(g->go_file, F_OK) && i < 60000; i++)
		usleep(1000);
	return 0;
}

int main(int argc, char **argv)
{
	struct guest g = {
		.name = "guest", .op = "vadd", .n = 1024, .k = 1, .inflight = 1,
		.retries = 50,
	};
	int rc = parse_args(&g, argc, argv);

	if (rc)
		return rc == 1 ? 0 : rc;
	rc = start(&g);
	if (!rc) {
		rc = run(&g);
		if (report(&g) && !rc)
			rc = 1;
	}
	if (g.dev) {
		vgpufront_buf_free(g.dev, g.a);
		vgpufront_buf_free(g.dev, g.b);
		vgpufront_buf_free(g.dev, g.c);
		vgpufront_close(g.dev);
	}
	free(g.s);
	return rc;
}
