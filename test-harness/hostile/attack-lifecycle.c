/* SPDX-License-Identifier: MIT */
/*
 * attack-lifecycle.c: disconnects and deaths with work in flight
 * (disconnect-mid, die-inflight).
 */
#include "config.h"

#include "hostile.h"

/* ---------------- disconnect-mid, die-inflight ---------------- */

/* Queue slow work: vadds over a, b into c, and adds; returns how many went in. */
static unsigned submit_slow(struct vgpufront *dev, const struct vgpufront_buf *a,
			    const struct vgpufront_buf *b, const struct vgpufront_buf *c,
			    unsigned count)
{
	const uint32_t n = 1024;
	unsigned i;

	for (i = 0; i < count; i++) {
		struct vgpuif_request req;
		uint32_t off = (uint32_t)((i * n * sizeof(float)) % BUF_BYTES);

		memset(&req, 0, sizeof(req));
		if (i % 3 == 2) {
			req.op = VGPU_OP_SCALAR_ADD;
			req.u.scalar_add.a = i;
			req.u.scalar_add.b = 1;
		} else {
			req.op = VGPU_OP_VECTOR_ADD;
			req.u.vector_add.n = n;
			req.u.vector_add.a = (struct vgpuif_bufref){ a->handle, off };
			req.u.vector_add.b = (struct vgpuif_bufref){ b->handle, off };
			req.u.vector_add.c = (struct vgpuif_bufref){ c->handle, off };
		}
		if (vgpufront_submit(dev, &req))
			break;
	}
	return i;
}

/*
 * Leave with requests queued and running, each time another way: Closing
 * then Closed without waiting; a polite close; straight to Initialising;
 * Closed, then keep using the ring.  The next open must find the device
 * ready again, and the backend must drop the work of the old connection.
 */
void attack_disconnect_mid(struct hostile *h)
{
	unsigned it, queued = 0;

	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		unsigned v = it % 4;
		struct vgpufront *dev = dev_open(h, 2);
		struct vgpufront_buf *a, *b, *c;
		int rc;

		if (!check(h, 1, dev != NULL, "open-%u", it))
			break;
		a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 1.0f);
		b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 2.0f) : NULL;
		c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
		if (!check(h, 1, c != NULL, "buffers-%u", it)) {
			vgpufront_buf_free(dev, a);
			vgpufront_buf_free(dev, b);
			vgpufront_close(dev);
			break;
		}
		queued += submit_slow(dev, a, b, c, RING_SIZE(&dev->front) / 2);
		switch (v) {
		case 0:
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "5");
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "6");
			break;
		case 1:
			break;
		case 2:
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "1");
			break;
		default: {
			struct vgpuif_response rsp[64];
			uint64_t end = vgpu_now_ns() + 5000000000ull;

			/* Closed, yet still waiting for answers: they must stop, not hang. */
			xs_puts(dev->xs, dev->fe_path, VGPU_XS_STATE, "6");
			do
				rc = vgpufront_poll(dev, rsp, 64, 500);
			while (rc >= 0 && vgpu_now_ns() < end);
			check(h, -EPIPE, rc, "closed-then-poll-%u", it);
			break;
		}
		}
		/*
		 * Unshare the buffers without unregistering them (a sync call
		 * with work in flight would wait on libvgpufront's stash), while
		 * the backend may still map them; then close: politely (Closing,
		 * wait for Closed, Closed) in variant 1, without waiting otherwise.
		 */
		dev->connected = false;
		vgpufront_buf_free(dev, a);
		vgpufront_buf_free(dev, b);
		vgpufront_buf_free(dev, c);
		if (v != 1)
			dev->backend_gone = true;
		vgpufront_close(dev);
		h->done++;
	}
	stat_add(h, " requests_abandoned=%u", queued);
	check_reconnects(h, "reconnect-after");
}

/*
 * A child connects, fills its ring with slow work and dies: _exit, SIGKILL,
 * after its first answer, or with half a ring queued and running.  The
 * backend must see the frontend go (simxen closes its event channel) and
 * close the device by itself: nobody writes Closing for a dead frontend.
 */
static void die_child(struct hostile *h, unsigned v)
{
	struct vgpufront *dev = dev_open(h, 2);
	struct vgpufront_buf *a, *b, *c;
	struct vgpuif_response rsp;

	if (!dev)
		_exit(10);
	a = buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 1.0f);
	b = a ? buf_new(dev, BUF_PAGES, VGPUFRONT_BUF_READONLY, 2.0f) : NULL;
	c = b ? buf_new(dev, BUF_PAGES, 0, POISON) : NULL;
	if (!c)
		_exit(11);
	switch (v) {
	case 0:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front));
		_exit(0);
	case 1:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front));
		raise(SIGKILL);
		break;
	case 2:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front));
		vgpufront_poll(dev, &rsp, 1, 5000);
		_exit(0);
	default:
		submit_slow(dev, a, b, c, RING_SIZE(&dev->front) / 2);
		msleep(2);
		raise(SIGKILL);
		break;
	}
	_exit(12);
}

void attack_die_inflight(struct hostile *h)
{
	char fe[64], be[256];
	unsigned it;
	struct xs_handle *xs = device_paths(h, fe, sizeof(fe), be, sizeof(be));

	if (!xs)
		return;
	fflush(stdout);
	for (it = 0; it < h->iterations && !out_of_time(h); it++) {
		unsigned var = it % 4;
		int status = 0, st;
		pid_t pid = fork();

		if (pid < 0) {
			check(h, 0, errno, "fork-%u", it);
			break;
		}
		if (pid == 0)
			die_child(h, var);
		waitpid(pid, &status, 0);
		check(h, var % 2 ? SIGKILL : 0, WIFSIGNALED(status) ? WTERMSIG(status) :
		      WEXITSTATUS(status) ? 100 + WEXITSTATUS(status) : 0,
		      "child-%u-died-as-planned", it);
		st = wait_state(xs, be, XenbusStateClosed, STATE_WAIT_MS);
		check(h, XenbusStateClosed, st, "variant%u-backend-closed-dead-frontend", var);
		h->done++;
	}
	xs_close(xs);
	check_reconnects(h, "reconnect-after");
}
