/* SPDX-License-Identifier: MIT */
/*
 * vgpu-bufs: a scenario guest that registers and frees buffers step by step,
 * so a test can walk a domain up to the backend's buffer limits and check
 * every status.  Steps run in order; each prints one line:
 *
 *   open:D        OPEN dev=D status=S          later steps use device D
 *   alloc:P       ALLOC buf=I dev=D pages=P status=S
 *                 a P-page writable buffer, numbered I (0, 1, ... in the
 *                 order of alloc steps, failed ones included)
 *   free:I        FREE buf=I status=S
 *   vadd:I,J,K    VADD bufs=I,J,K n=N status=S ok=0|1
 *                 c = a + b over the smallest buffer, fresh data, verified
 *   hold:FILE     HOLD, then waits (up to 60 s) until FILE exists
 *   async:N       ASYNC n=N status=S       N pings submitted, not waited for
 *   ping:K        PING k=K ok=M            K synchronous pings beside them
 *   drain:N       DRAIN want=N got=G       the async pings' N responses
 *
 * S is the status as the wire has it (0, or VGPU_E*: -1 .. -13) when the
 * backend answered, and local-E when the library failed with -E (an errno
 * value) on its own.
 *
 * Whatever is still registered is freed at the end.  Exit status: 0 every
 * step ran and every vadd that succeeded was right, 1 a wrong vadd result,
 * 2 usage, 3 a device could not be opened.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vgpufront.h"

#define MAX_DEVS 8
#define MAX_BUFS 256

struct guest_buf {
	struct vgpufront_buf *buf;
	unsigned dev;
};

static struct vgpufront *devs[MAX_DEVS];
static struct guest_buf bufs[MAX_BUFS];
static unsigned nbufs;

static float rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)((*s >> 40) % 2000000) / 1000.0f - 999.5f;
}

/* A libvgpufront return code as this program prints it (see above). */
static const char *st_str(int rc)
{
	static char bufs_[4][32];
	static unsigned next;
	char *b = bufs_[next++ % 4];

	if (vgpufront_is_status(rc))
		snprintf(b, sizeof(bufs_[0]), "%d", rc + VGPUFRONT_STATUS_BASE);
	else if (rc)
		snprintf(b, sizeof(bufs_[0]), "local%d", rc);
	else
		snprintf(b, sizeof(bufs_[0]), "0");
	return b;
}

static int step_open(const char *arg, unsigned *cur)
{
	struct vgpufront_opts fo = { .ring_page_order = 2, .timeout_ms = 30000 };
	char err[512];
	unsigned d = (unsigned)strtoul(arg, NULL, 10), i;

	if (d >= MAX_DEVS)
		return 2;
	/* The device may still be coming up: retry as a guest's service would. */
	for (i = 0; i < 50 && !devs[d]; i++) {
		devs[d] = vgpufront_open(d, &fo, err, sizeof(err));
		if (!devs[d])
			usleep(100000);
	}
	if (!devs[d]) {
		fprintf(stderr, "vgpu-bufs: device %u: %s\n", d, err);
		printf("OPEN dev=%u status=-1\n", d);
		return 3;
	}
	*cur = d;
	printf("OPEN dev=%u status=0\n", d);
	return 0;
}

static int step_alloc(const char *arg, unsigned cur)
{
	unsigned pages = (unsigned)strtoul(arg, NULL, 10);
	int st = -EINVAL;

	if (nbufs == MAX_BUFS || !devs[cur] || !pages)
		return 2;
	bufs[nbufs].dev = cur;
	bufs[nbufs].buf = vgpufront_buf_alloc(devs[cur], (size_t)pages * VGPUIF_PAGE_SIZE,
					      0, &st);
	printf("ALLOC buf=%u dev=%u pages=%u status=%s\n", nbufs, cur, pages, st_str(st));
	nbufs++;
	return 0;
}

static int step_free(const char *arg)
{
	unsigned i = (unsigned)strtoul(arg, NULL, 10);
	int st;

	if (i >= nbufs || !bufs[i].buf)
		return 2;
	st = vgpufront_buf_free(devs[bufs[i].dev], bufs[i].buf);
	bufs[i].buf = NULL;
	printf("FREE buf=%u status=%s\n", i, st_str(st));
	return 0;
}

static int step_vadd(const char *arg, uint64_t *seed, unsigned *wrong)
{
	struct vgpufront_buf *b[3];
	struct vgpuif_response rsp;
	unsigned idx[3], dev, k;
	size_t n, e;
	float *fa, *fb, *fc;
	bool ok;
	int st;

	if (sscanf(arg, "%u,%u,%u", &idx[0], &idx[1], &idx[2]) != 3)
		return 2;
	for (k = 0; k < 3; k++)
		if (idx[k] >= nbufs || !bufs[idx[k]].buf ||
		    bufs[idx[k]].dev != bufs[idx[0]].dev)
			return 2;
	dev = bufs[idx[0]].dev;
	for (k = 0; k < 3; k++)
		b[k] = bufs[idx[k]].buf;
	n = b[0]->len;
	for (k = 1; k < 3; k++)
		if (b[k]->len < n)
			n = b[k]->len;
	n /= sizeof(float);
	fa = b[0]->addr;
	fb = b[1]->addr;
	fc = b[2]->addr;
	for (e = 0; e < n; e++) {
		fa[e] = rnd(seed);
		fb[e] = rnd(seed);
		fc[e] = -1e30f;	/* poison */
	}
	st = vgpufront_vector_add(devs[dev], n, b[0], 0, b[1], 0, b[2], 0, &rsp);
	ok = st == 0;
	for (e = 0; ok && e < n; e++)
		ok = fc[e] == fa[e] + fb[e];
	if (st == 0 && !ok)
		(*wrong)++;
	printf("VADD bufs=%u,%u,%u n=%zu status=%s ok=%d\n", idx[0], idx[1], idx[2], n,
	       st_str(st), ok);
	return 0;
}

static int step_async(const char *arg, unsigned cur)
{
	unsigned n = (unsigned)strtoul(arg, NULL, 10), i;
	int st = 0;

	if (!devs[cur])
		return 2;
	for (i = 0; i < n && !st; i++) {
		struct vgpuif_request req;

		memset(&req, 0, sizeof(req));
		req.op = VGPU_OP_NOP;
		st = vgpufront_submit(devs[cur], &req);
	}
	printf("ASYNC n=%u status=%s\n", n, st_str(st));
	return 0;
}

/* Sync calls while others' responses wait: each must still find its own. */
static int step_ping(const char *arg, unsigned cur)
{
	unsigned k = (unsigned)strtoul(arg, NULL, 10), i, good = 0;

	if (!devs[cur])
		return 2;
	for (i = 0; i < k; i++)
		good += vgpufront_ping(devs[cur]) == 0;
	printf("PING k=%u ok=%u\n", k, good);
	return 0;
}

static int step_drain(const char *arg, unsigned cur)
{
	unsigned want = (unsigned)strtoul(arg, NULL, 10), got = 0;
	struct vgpuif_response r[64];

	if (!devs[cur])
		return 2;
	while (got < want) {
		int n = vgpufront_poll(devs[cur], r, 64, 5000);

		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			got += r[i].op == VGPU_OP_NOP && r[i].status == VGPU_OK;
	}
	printf("DRAIN want=%u got=%u\n", want, got);
	return 0;
}

static int step_hold(const char *file)
{
	unsigned i;

	printf("HOLD\n");
	fflush(stdout);
	for (i = 0; access(file, F_OK) && i < 60000; i++)
		usleep(1000);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec ts;
	uint64_t seed;
	unsigned cur = 0, wrong = 0, i;
	int a, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: vgpu-bufs STEP...\n"
			"Steps: open:D alloc:PAGES free:I vadd:I,J,K hold:FILE async:N ping:K\n"
			"       drain:N\n");
		return argc < 2 ? 2 : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = ((uint64_t)ts.tv_nsec << 20 ^ (uint64_t)getpid()) | 1;
	for (a = 1; a < argc && !rc; a++) {
		const char *s = argv[a], *arg = strchr(s, ':');

		if (!arg) {
			rc = 2;
			break;
		}
		arg++;
		if (!strncmp(s, "open:", 5))
			rc = step_open(arg, &cur);
		else if (!strncmp(s, "alloc:", 6))
			rc = step_alloc(arg, cur);
		else if (!strncmp(s, "free:", 5))
			rc = step_free(arg);
		else if (!strncmp(s, "vadd:", 5))
			rc = step_vadd(arg, &seed, &wrong);
		else if (!strncmp(s, "hold:", 5))
			rc = step_hold(arg);
		else if (!strncmp(s, "async:", 6))
			rc = step_async(arg, cur);
		else if (!strncmp(s, "ping:", 5))
			rc = step_ping(arg, cur);
		else if (!strncmp(s, "drain:", 6))
			rc = step_drain(arg, cur);
		else
			rc = 2;
		fflush(stdout);
		if (rc == 2)
			fprintf(stderr, "vgpu-bufs: bad step '%s'\n", s);
	}
	for (i = nbufs; i-- > 0;)
		if (bufs[i].buf)
			vgpufront_buf_free(devs[bufs[i].dev], bufs[i].buf);
	for (i = 0; i < MAX_DEVS; i++)
		if (devs[i])
			vgpufront_close(devs[i]);
	if (!rc && wrong)
		rc = 1;
	return rc;
}
