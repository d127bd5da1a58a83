/* SPDX-License-Identifier: MIT */
/*
 * vgpu-memcopy: the first program of a CUDA user in a Xen guest.
 *
 * What a CUDA program does with cuMemAlloc, cuMemcpyHtoD, cuMemcpyDtoD and
 * cuMemcpyDtoH, through libvgpufront: copy a pattern host -> device ->
 * device -> host and check that it came back unchanged.
 *
 *   vgpu-memcopy [BYTES [DEVID]]     (default 1048576 bytes, device 0)
 *
 * Outside the source tree, include <xen-vgpu/vgpufront.h> and build with
 *   cc -o vgpu-memcopy vgpu-memcopy.c $(pkg-config --cflags --libs libvgpufront)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpufront.h"

/* Every call returns 0, a -errno or a protocol status: say which, and stop. */
#define CHECK(what, call) do {						\
	int rc_ = (call);						\
	if (rc_) {							\
		char why_[512];						\
		fprintf(stderr, "vgpu-memcopy: %s: %s\n", what,		\
			vgpufront_explain(dev, rc_, why_, sizeof(why_)));	\
		goto out;						\
	}								\
} while (0)

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* Host -> device a -> device b -> host, in session @s; 0 when all came back. */
static int copy_chain(struct vgpufront *dev, uint32_t s, size_t bytes)
{
	struct vgpufront_buf *in = NULL, *out = NULL;
	uint64_t d_a = 0, d_b = 0;	/* CUdeviceptr */
	int rc, ret = 1;
	size_t i;

	/* cuMemAlloc, twice. */
	CHECK("alloc a", vgpufront_mem_alloc(dev, s, bytes, &d_a));
	CHECK("alloc b", vgpufront_mem_alloc(dev, s, bytes, &d_b));
	/*
	 * Host memory the backend can reach: pages granted once, as
	 * cuMemAllocHost's are pinned once.  The source is read-only to it.
	 */
	in = vgpufront_buf_alloc(dev, bytes, VGPUFRONT_BUF_READONLY, &rc);
	CHECK("host buffer in", in ? 0 : rc);
	out = vgpufront_buf_alloc(dev, bytes, 0, &rc);
	CHECK("host buffer out", out ? 0 : rc);
	for (i = 0; i < bytes; i++)
		((uint8_t *)in->addr)[i] = pattern(i);
	memset(out->addr, 0, bytes);

	/* cuMemcpyHtoD, cuMemcpyDtoD, cuMemcpyDtoH. */
	CHECK("host to device", vgpufront_memcpy_htod(dev, s, d_a, in, 0, bytes));
	CHECK("device to device", vgpufront_memcpy_dtod(dev, s, d_b, d_a, bytes));
	CHECK("device to host", vgpufront_memcpy_dtoh(dev, s, out, 0, d_b, bytes));
	for (i = 0; i < bytes && ((uint8_t *)out->addr)[i] == pattern(i); i++)
		;
	if (i < bytes)
		fprintf(stderr, "vgpu-memcopy: byte %zu came back wrong\n", i);
	else
		printf("vgpu-memcopy: %zu bytes host -> device -> device -> host: all right "
		       "(device 0x%" PRIx64 " -> 0x%" PRIx64 ")\n", bytes, d_a, d_b);
	ret = i < bytes;
out:
	/* cuMemFree (closing the session would free them too). */
	if (d_b)
		vgpufront_mem_free(dev, s, d_b);
	if (d_a)
		vgpufront_mem_free(dev, s, d_a);
	vgpufront_buf_free(dev, out);
	vgpufront_buf_free(dev, in);
	return ret;
}

int main(int argc, char **argv)
{
	size_t bytes = argc > 1 ? strtoull(argv[1], NULL, 0) : 1 << 20;
	unsigned devid = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 0;
	struct vgpufront *dev;
	uint32_t session;	/* CUcontext */
	char err[512];
	int ret = 1;

	if (bytes == 0 || bytes > UINT32_MAX) {
		fprintf(stderr, "usage: vgpu-memcopy [BYTES (1 .. 2^32-1) [DEVID]]\n");
		return 2;
	}
	/* cuInit + cuDeviceGet: connect to the guest's vgpu device. */
	dev = vgpufront_open(devid, NULL, err, sizeof(err));
	if (!dev) {
		fprintf(stderr, "vgpu-memcopy: %s\n", err);
		return 1;
	}
	/* cuCtxCreate: a session on the device's first GPU. */
	CHECK("session", vgpufront_session_open(dev, 0, &session));
	ret = copy_chain(dev, session, bytes);
	/* cuCtxDestroy. */
	vgpufront_session_close(dev, session);
out:
	vgpufront_close(dev);
	return ret;
}
