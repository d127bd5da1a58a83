/* SPDX-License-Identifier: MIT */
/*
 * vgpu-grants: a scenario guest that builds BUF_REGISTER requests itself, so
 * that a test can hand vgpuback grant refs no well-behaved frontend would:
 *
 *   reg:N      REG n=N status=S       N distinct fresh pages, kept registered
 *   repeat:N   REPEAT n=N status=S    N entries, all the ref of one page
 *   dupe:N     DUPE n=N status=S      N-1 distinct pages, then the first again
 *   hold:FILE  HOLD, then waits (up to 60 s) until FILE exists
 *   free       FREE n=K status=S      unregisters what reg: kept (S: the last)
 *
 * S is the response's wire status (VGPU_OK 0, VGPU_E* < 0).  A repeat: or
 * dupe: buffer the backend took anyway is unregistered at once.  What is
 * still registered is unregistered at the end, and every page unshared.
 * Exit status: 0 every step ran, 2 usage, 3 no device.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "vgpufront.h"

#define MAX_KEPT 256

struct kept {
	uint32_t handle;
	void *addr;
	unsigned npages;
};

static struct vgpufront *dev;
static struct vgpu_platform *plat;
static struct kept kept[MAX_KEPT];
static unsigned nkept;
static uint32_t next_handle = 0x70000000;	/* clear of libvgpufront's */

/* One request, its response's wire status (or -100 when none came). */
static int call(struct vgpuif_request *req)
{
	struct vgpuif_response rsp;
	int n;

	if (vgpufront_submit(dev, req) < 0)
		return -100;
	n = vgpufront_poll(dev, &rsp, 1, 30000);
	return n == 1 ? rsp.status : -100;
}

static int unregister(uint32_t handle)
{
	struct vgpuif_request req;

	memset(&req, 0, sizeof(req));
	req.op = VGPU_OP_BUF_UNREGISTER;
	req.u.buf_unregister.handle = handle;
	return call(&req);
}

/* Register @n data refs (given) through fresh indirect and directory pages. */
static int reg_refs(const uint32_t *refs, unsigned n, uint32_t handle)
{
	unsigned nind = (n + VGPUIF_GREFS_PER_PAGE - 1) / VGPUIF_GREFS_PER_PAGE;
	uint32_t *ind_refs = calloc(nind, sizeof(*ind_refs)), dir_ref, *ind, *dir = NULL;
	struct vgpuif_request req;
	int st = -100;

	if (!ind_refs)
		return st;
	ind = vgpu_gnt_share(plat, 0, nind, 0, ind_refs);
	if (ind)
		dir = vgpu_gnt_share(plat, 0, 1, 0, &dir_ref);
	if (dir) {
		memcpy(ind, refs, n * sizeof(*refs));
		memcpy(dir, ind_refs, nind * sizeof(*ind_refs));
		memset(&req, 0, sizeof(req));
		req.op = VGPU_OP_BUF_REGISTER;
		req.u.buf_register.handle = handle;
		req.u.buf_register.nr_pages = n;
		req.u.buf_register.dir_gref = dir_ref;
		st = call(&req);
		vgpu_gnt_unshare(plat, dir, 1);
	}
	if (ind)
		vgpu_gnt_unshare(plat, ind, nind);
	free(ind_refs);
	return st;
}

/* @distinct fresh pages; the buffer lists @n refs, entry i is page i % distinct. */
static int step_buf(const char *what, unsigned n, unsigned distinct, bool keep)
{
	uint32_t *pg = calloc(distinct, sizeof(*pg)), *refs = calloc(n, sizeof(*refs));
	uint32_t handle = next_handle++;
	void *addr = NULL;
	unsigned i;
	int st = -100;

	if (pg && refs)
		addr = vgpu_gnt_share(plat, 0, distinct, 1, pg);
	if (addr) {
		for (i = 0; i < n; i++)
			refs[i] = pg[i % distinct];
		st = reg_refs(refs, n, handle);
	}
	printf("%s n=%u status=%d\n", what, n, st);
	if (st == 0 && keep && nkept < MAX_KEPT) {
		kept[nkept++] = (struct kept){ handle, addr, distinct };
		addr = NULL;
	} else if (st == 0) {
		unregister(handle);
	}
	if (addr)
		vgpu_gnt_unshare(plat, addr, distinct);
	free(pg);
	free(refs);
	return 0;
}

static void free_kept(bool say)
{
	unsigned n = nkept;
	int st = 0;

	while (nkept) {
		struct kept *k = &kept[--nkept];

		st = unregister(k->handle);
		vgpu_gnt_unshare(plat, k->addr, k->npages);
	}
	if (say)
		printf("FREE n=%u status=%d\n", n, st);
}

int main(int argc, char **argv)
{
	struct vgpufront_opts fo = { .ring_page_order = 0, .timeout_ms = 30000, .spin_us = -1 };
	char err[512];
	int a, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "Usage: vgpu-grants STEP...\n"
			"Steps: reg:N repeat:N dupe:N hold:FILE free\n");
		return 2;
	}
	plat = vgpu_platform_open(NULL);
	dev = plat ? vgpufront_open(0, &fo, err, sizeof(err)) : NULL;
	if (!dev) {
		fprintf(stderr, "vgpu-grants: %s\n", plat ? err : strerror(errno));
		return 3;
	}
	for (a = 1; a < argc && !rc; a++) {
		const char *s = argv[a];
		unsigned n = 0;

		if (sscanf(s, "reg:%u", &n) == 1 && n) {
			step_buf("REG", n, n, true);
		} else if (sscanf(s, "repeat:%u", &n) == 1 && n) {
			step_buf("REPEAT", n, 1, false);
		} else if (sscanf(s, "dupe:%u", &n) == 1 && n > 1) {
			step_buf("DUPE", n, n - 1, false);
		} else if (!strncmp(s, "hold:", 5)) {
			unsigned i;

			printf("HOLD\n");
			fflush(stdout);
			for (i = 0; access(s + 5, F_OK) && i < 60000; i++)
				usleep(1000);
		} else if (!strcmp(s, "free")) {
			free_kept(true);
		} else {
			fprintf(stderr, "vgpu-grants: bad step '%s'\n", s);
			rc = 2;
		}
		fflush(stdout);
	}
	free_kept(false);
	vgpufront_close(dev);
	vgpu_platform_close(plat);
	return rc;
}
