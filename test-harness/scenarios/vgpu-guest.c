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
#include <time.h>
#include <unistd.h>

#include "vgpufront.h"

struct slot {
	uint64_t id, submit_ns, done_ns, queue_ns, exec_ns;
	int status;
	int64_t a, b, sum;
	bool ok;
	bool fault;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

int main(int argc, char **argv)
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
	const char *name = "guest", *op = "vadd", *go_file = NULL;
	unsigned n = 1024, k = 1, inflight = 1, devid = 0, retries = 50, slices, fault_every = 0;
	bool same = false;
	struct vgpufront_opts fo = { .ring_page_order = 2, .timeout_ms = 30000 };
	struct vgpufront *dev = NULL;
	struct vgpufront_buf *a = NULL, *b = NULL, *c = NULL;
	struct slot *s;
	uint64_t seed, sent = 0, done = 0;
	char err[512];
	int ch, rc = 0, st, lost = 0;
	unsigned i, bad = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': name = optarg; break;
		case 'o': op = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': k = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': inflight = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': devid = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': retries = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'g': go_file = optarg; break;
		case 's': same = true; break;
		case 'f': fault_every = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!n || !k || !inflight || (strcmp(op, "vadd") && strcmp(op, "add") && strcmp(op, "nop"))) {
		usage(stderr);
		return 2;
	}
	seed = now_ns() ^ (uint64_t)getpid() << 17;
	seed |= 1;
	s = calloc(k, sizeof(*s));
	if (!s)
		return 1;
	/* The device may still be coming up: retry as a guest's service would. */
	for (i = 0; i <= retries && !dev; i++) {
		dev = vgpufront_open(devid, &fo, err, sizeof(err));
		if (!dev)
			usleep(100000);
	}
	if (!dev) {
		fprintf(stderr, "vgpu-guest %s: %s\n", name, err);
		printf("OPENFAIL vm=%s\n", name);
		return 3;
	}
	/* --same-slice: every request works on one slice (benchmarks of big n). */
	slices = same ? 1 : k;
	if (!strcmp(op, "vadd")) {
		size_t bytes = (size_t)n * slices * sizeof(float);

		a = vgpufront_buf_alloc(dev, bytes, VGPUFRONT_BUF_READONLY, &st);
		b = a ? vgpufront_buf_alloc(dev, bytes, VGPUFRONT_BUF_READONLY, &st) : NULL;
		c = b ? vgpufront_buf_alloc(dev, bytes, 0, &st) : NULL;
		if (!c) {
			fprintf(stderr, "vgpu-guest %s: buffers: %s\n", name, vgpufront_strerror(st));
			rc = 1;
			goto out;
		}
		for (i = 0; i < n * slices; i++) {
			((float *)a->addr)[i] = rnd(&seed);
			((float *)b->addr)[i] = rnd(&seed);
			((float *)c->addr)[i] = -1e30f;	/* poison */
		}
	}
	printf("READY vm=%s\n", name);
	fflush(stdout);
	/* A scenario decides when each guest submits: wait for its go file. */
	for (i = 0; go_file && access(go_file, F_OK) && i < 60000; i++)
		usleep(1000);
	while (done < k) {
		struct vgpuif_response rsps[64];
		int got, j;

		while (sent < k && sent - done < inflight) {
			struct vgpuif_request req;
			struct slot *sl = &s[sent];

			memset(&req, 0, sizeof(req));
			if (!strcmp(op, "vadd")) {
				uint32_t off = (uint32_t)((same ? 0 : sent) * n * sizeof(float));

				req.op = VGPU_OP_VECTOR_ADD;
				req.u.vector_add.n = n;
				req.u.vector_add.a = (struct vgpuif_bufref){ a->handle, off };
				req.u.vector_add.b = (struct vgpuif_bufref){ b->handle, off };
				req.u.vector_add.c = (struct vgpuif_bufref){ c->handle, off };
			} else if (!strcmp(op, "add")) {
				sl->a = (int64_t)(seed % 1000000);
				rnd(&seed);
				sl->b = (int64_t)(seed % 1000000);
				rnd(&seed);
				req.op = VGPU_OP_SCALAR_ADD;
				req.u.scalar_add.a = sl->a;
				req.u.scalar_add.b = sl->b;
			} else {
				req.op = VGPU_OP_NOP;
			}
			if (fault_every && sent % fault_every == fault_every - 1) {
				req.flags |= VGPU_REQ_F_TEST_FAULT;
				sl->fault = true;
			}
			sl->submit_ns = now_ns();
			st = vgpufront_submit(dev, &req);
			if (st == -EAGAIN)
				break;
			if (st) {
				fprintf(stderr, "vgpu-guest %s: submit: %s\n", name, vgpufront_strerror(st));
				lost = st;	/* what the unanswered requests failed with */
				rc = 3;
				goto report;
			}
			sl->id = req.id;
			sent++;
			printf("SUBMITTED vm=%s idx=%" PRIu64 " t=%" PRIu64 "\n", name, sent - 1,
			       sl->submit_ns);
			fflush(stdout);
		}
		got = vgpufront_poll(dev, rsps, 64, 60000);
		if (got < 0) {
			fprintf(stderr, "vgpu-guest %s: %s\n", name, vgpufront_strerror(got));
			lost = got;	/* what the unanswered requests failed with */
			rc = 3;
			goto report;
		}
		if (got == 0) {
			fprintf(stderr, "vgpu-guest %s: no response in 60 s\n", name);
			rc = 3;
			goto report;
		}
		for (j = 0; j < got; j++) {
			uint64_t t = now_ns(), idx;

			for (idx = 0; idx < sent; idx++)
				if (s[idx].id == rsps[j].id && !s[idx].done_ns)
					break;
			if (idx == sent) {
				fprintf(stderr, "vgpu-guest %s: response to unknown id %" PRIu64 "\n",
					name, rsps[j].id);
				rc = 1;
				continue;
			}
			s[idx].done_ns = t;
			s[idx].queue_ns = rsps[j].queue_ns;
			s[idx].exec_ns = rsps[j].exec_ns;
			s[idx].status = rsps[j].status;
			s[idx].sum = rsps[j].result.scalar;
			done++;
		}
	}
report:
	for (i = 0; i < k; i++) {
		struct slot *sl = &s[i];

		if (!sl->submit_ns)
			break;
		if (!sl->done_ns)
			sl->status = lost ? lost : -ETIMEDOUT;
		sl->ok = sl->done_ns && sl->status == VGPU_OK;
		if (sl->fault) {
			sl->ok = sl->done_ns && (sl->status == VGPU_EIO || sl->status == VGPU_ERESET);
		} else if (sl->ok && !strcmp(op, "vadd")) {
			const float *fa = a->addr, *fb = b->addr, *fc = c->addr;
			unsigned e;

			unsigned base = same ? 0 : i * n;

			for (e = base; e < base + n; e++)
				if (fc[e] != fa[e] + fb[e])
					sl->ok = false;
		} else if (sl->ok && !strcmp(op, "add")) {
			sl->ok = sl->sum == sl->a + sl->b;
		}
		bad += !sl->ok;
		printf("REQ vm=%s idx=%u op=%s submit_ns=%" PRIu64 " done_ns=%" PRIu64
		       " queue_ns=%" PRIu64 " exec_ns=%" PRIu64 " status=%d ok=%d%s\n", name, i, op,
		       sl->submit_ns, sl->done_ns, sl->queue_ns, sl->exec_ns, sl->status, sl->ok,
		       sl->fault ? " fault=1" : "");
	}
	if (bad && !rc)
		rc = 1;
out:
	if (dev) {
		vgpufront_buf_free(dev, a);
		vgpufront_buf_free(dev, b);
		vgpufront_buf_free(dev, c);
		vgpufront_close(dev);
	}
	free(s);
	return rc;
}
