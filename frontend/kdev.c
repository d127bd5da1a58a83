/* SPDX-License-Identifier: MIT */
/*
 * kdev.c: the kernel path.  The handle is one open file of /dev/vgpuN, the
 * guest kernel driver's node (xen-vgpufront.ko, vgpu(4)): the driver does
 * the xenbus handshake, grants the ring and the buffers, and survives
 * save/restore; the library submits the wire's requests by ioctl (the
 * request id becomes the driver's cookie, which the completion echoes),
 * reaps completions by ioctl, and maps the buffers the driver allocates.
 * A completion is vgpuif.h's response byte for byte, so it is handed on
 * as it is.
 *
 * Sessions.  The driver gives every open file exactly one session (opened
 * by VGPU_IOC_SESSION, closed when the file is released) and lets a
 * request name only buffers of its own file.  A handle therefore holds at
 * most one session: a second vgpufront_session_open() while one is open
 * answers -EBUSY, and requests that name another session are answered
 * VGPU_ESESSION here, as the backend would.  vgpufront_session_close()
 * ends the file's session by putting a fresh open file in the old one's
 * place (the same fd number): the driver's release closes the session and
 * the backend frees what it held.  A file that still has buffers mapped or
 * requests in flight cannot go yet: its session then stays in the backend
 * until the last buffer is freed and the last request answered (or the
 * handle closes), and a vgpufront_session_open() on the same GPU before
 * that gets the same session back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front_priv.h"
#include "kdev.h"
#include "kmod/uapi/vgpu_dev.h"
#include "vgpu_clock.h"

/* The driver's envelopes are the wire's, byte for byte (vgpu_dev.h). */
_Static_assert(sizeof(struct vgpu_dev_request) == sizeof(struct vgpuif_request),
	       "request size");
_Static_assert(offsetof(struct vgpu_dev_request, op) == offsetof(struct vgpuif_request, op),
	       "request op");
_Static_assert(offsetof(struct vgpu_dev_request, payload) ==
	       offsetof(struct vgpuif_request, u), "request payload");
_Static_assert(sizeof(struct vgpu_dev_completion) == sizeof(struct vgpuif_response),
	       "completion size");
_Static_assert(offsetof(struct vgpu_dev_completion, status) ==
	       offsetof(struct vgpuif_response, status), "completion status");
_Static_assert(offsetof(struct vgpu_dev_completion, result) ==
	       offsetof(struct vgpuif_response, result), "completion result");

#define STASH_EXTRA	64	/* answers given here, beyond the file's limit */
#define REAP_BATCH	16
#define RETRY_MS	50

/* Where the driver's nodes are: tests point it at a directory of their own. */
const char *front_kdev_dir = "/dev";

struct front_kdev {
	int fd;
	char node[64];
	uint64_t next_cookie;
	unsigned inflight;		/* submitted to the driver, not reaped */
	unsigned nbufs;			/* buffers of this file */
	bool sess_open;			/* the caller's session is open */
	bool sess_held;			/* closed by the caller, still the file's */
	unsigned sess_gpu;
	uint32_t session;
	/* Completions a sync call kept aside, and answers given here. */
	struct vgpuif_response *stash;
	unsigned nstash, stash_cap;
};

int front_path_mode(void)
{
	const char *v = getenv("VGPUFRONT_PATH");

	if (!v || !*v || !strcmp(v, "auto"))
		return FRONT_PATH_AUTO;
	if (!strcmp(v, "kernel"))
		return FRONT_PATH_KERNEL;
	if (!strcmp(v, "user"))
		return FRONT_PATH_USER;
	return -EINVAL;
}

static int kinfo(const struct front_kdev *k, struct vgpu_dev_info *di)
{
	return ioctl(k->fd, VGPU_IOC_INFO, di) ? -errno : 0;
}

static int open_node(const char *node)
{
	int fd;

	do
		fd = open(node, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/*
 * The driver is bound to the device (xenbus): its node is there or on its
 * way, and the device's XenStore state is the driver's.
 */
bool front_kdev_bound(unsigned devid)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/xen/devices/vgpu-%u/driver", devid);
	return !stat(path, &st);
}

/*
 * Open the node; while the driver holds the device but has not created its
 * node yet (the handshake under way), wait for it up to the handle's time.
 */
static int open_waiting(struct vgpufront *dev, const char *node)
{
	int64_t end = vgpu_now_ms() + dev->timeout_ms;
	int fd;

	for (;;) {
		fd = open_node(node);
		if (fd != -ENOENT || !front_kdev_bound(dev->devid) || vgpu_now_ms() >= end)
			return fd;
		poll(NULL, 0, RETRY_MS);
	}
}

/* The driver's connection, waited for while it is down (a resume). */
static int wait_connected(struct vgpufront *dev, struct vgpu_dev_info *di)
{
	int64_t end = vgpu_now_ms() + dev->timeout_ms;
	int rc;

	for (;;) {
		rc = kinfo(dev->kdev, di);
		if (rc)
			return rc;
		if (di->state == VGPU_DEV_CONNECTED)
			return 0;
		if (di->state == VGPU_DEV_REMOVED)
			return -ENODEV;
		if (di->state == VGPU_DEV_FAILED)
			return -EPROTO;
		if (vgpu_now_ms() >= end)
			return -ETIMEDOUT;
		poll(NULL, 0, RETRY_MS);
	}
}

/* Our domain from the backend's directory, .../backend/vgpu/<domid>/<devid>. */
static uint32_t domid_of(const char *be_path)
{
	const char *last = strrchr(be_path, '/'), *p;

	if (!last || last == be_path)
		return 0;
	for (p = last - 1; p > be_path && *p != '/'; p--)
		;
	return (uint32_t)strtoul(p + 1, NULL, 10);
}

/*
 * What the handle knows of its device, from the driver.  XenStore is read
 * too where this user may (root): the domain id and the backend's nodes the
 * driver does not report; a user of the vgpu group goes without.
 */
static void take_info(struct vgpufront *dev, const struct vgpu_dev_info *di)
{
	char *dom;
	unsigned len;

	dev->protocol = di->protocol ? (int)di->protocol : 1;
	dev->backend_id = di->backend_id;
	snprintf(dev->be_path, sizeof(dev->be_path), "%.*s",
		 (int)strnlen(di->backend, sizeof(di->backend)), di->backend);
	dev->domid = domid_of(dev->be_path);
	dev->xs = xs_open(0);
	dom = dev->xs ? xs_read(dev->xs, XBT_NULL, "domid", &len) : NULL;
	if (dom)
		dev->domid = (uint32_t)strtoul(dom, NULL, 10);
	free(dom);
}

static const char *open_hint(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "the guest kernel driver xen-vgpufront is not loaded, or has not "
		       "connected this device (vgpu(4))";
	case -EACCES:
	case -EPERM:
		return "only root and the group of the node (vgpu) may open it: "
		       "usermod -aG vgpu USER (vgpu(4))";
	case -ETIMEDOUT:
		return "the driver did not connect to the backend in time";
	case -EPROTO:
		return "the driver failed the device: the backend broke the protocol "
		       "(the guest kernel's log says how)";
	case -ENODEV:
		return "the device is being removed";
	case -EPROTONOSUPPORT:
		return "the driver's ABI is not the one this library knows";
	default:
		return strerror(-rc);
	}
}

/* The file is the device's: check it, learn what the driver says of it. */
static int kdev_start(struct vgpufront *dev)
{
	struct front_kdev *k = dev->kdev;
	struct vgpu_dev_info di;
	int rc = wait_connected(dev, &di);

	if (rc)
		return rc;
	if (di.abi_version != VGPU_DEV_ABI_VERSION)
		return -EPROTONOSUPPORT;
	k->stash_cap = di.max_file_inflight + STASH_EXTRA;
	k->stash = calloc(k->stash_cap, sizeof(*k->stash));
	if (!k->stash)
		return -ENOMEM;
	take_info(dev, &di);
	dev->connected = true;
	return 0;
}

int front_kdev_open(struct vgpufront *dev, char *err, size_t errlen)
{
	struct front_kdev *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return -ENOMEM;
	k->next_cookie = 1;
	snprintf(k->node, sizeof(k->node), "%s/vgpu%u", front_kdev_dir, dev->devid);
	dev->kdev = k;
	k->fd = open_waiting(dev, k->node);
	rc = k->fd < 0 ? k->fd : kdev_start(dev);
	if (!rc)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", k->node, open_hint(rc));
	front_kdev_close(dev);
	dev->connected = false;
	dev->protocol = 0;
	dev->be_path[0] = 0;
	return rc;
}

void front_kdev_close(struct vgpufront *dev)
{
	struct front_kdev *k = dev->kdev;

	if (!k)
		return;
	/* Buffers the caller did not free go when the process unmaps or exits. */
	if (k->fd >= 0)
		close(k->fd);
	free(k->stash);
	free(k);
	dev->kdev = NULL;
}

static void kdev_fail(struct vgpufront *dev)
{
	if (dev->broken)
		return;
	dev->broken = true;
	snprintf(dev->fault, sizeof(dev->fault), "the xen-vgpufront driver failed the "
		 "device; the guest kernel's log says how");
	fprintf(stderr, "libvgpufront: vgpu device %u: the backend broke the protocol "
		"(%s): device failed\n", dev->devid, dev->fault);
}

/* The ops that carry request.session (as the driver's session.c reads them). */
static bool names_session(uint8_t op)
{
	return op > VGPU_OP_SESSION_OPEN && op != VGPU_OP_DEVICE_INFO;
}

/* Answer @req here with @status, as the backend would have answered it. */
static int answer_here(struct front_kdev *k, struct vgpuif_request *req, int32_t status)
{
	struct vgpuif_response *r;

	if (k->nstash >= k->stash_cap)
		return -EAGAIN;
	req->id = k->next_cookie++;
	r = &k->stash[k->nstash++];
	memset(r, 0, sizeof(*r));
	r->id = req->id;
	r->status = status;
	r->op = req->op;
	return 0;
}

/* The driver's refusal of a submission, as vgpufront_submit() says it. */
static int submit_errno(struct vgpufront *dev, struct vgpuif_request *req, int e)
{
	switch (e) {
	case ENOTCONN:
	case ENODEV:
		return -EPIPE;
	case EIO:
		kdev_fail(dev);
		return -EPROTO;
	case ENOLINK:	/* the session went with a connection (save/restore) */
		return answer_here(dev->kdev, req, VGPU_ELOST);
	case EBADF:	/* a buffer handle that is not this handle's */
		return answer_here(dev->kdev, req, VGPU_EBADBUF);
	case EOPNOTSUPP:
		return answer_here(dev->kdev, req, VGPU_ENOSYS);
	default:
		return -e;
	}
}

int front_kdev_submit(struct vgpufront *dev, struct vgpuif_request *req)
{
	struct front_kdev *k = dev->kdev;
	struct vgpu_dev_request r;

	if (dev->broken)
		return -EPROTO;
	/* The driver would put the file's own session in: not what was asked. */
	if (names_session(req->op) && (!k->sess_open || req->session != k->session))
		return answer_here(k, req, VGPU_ESESSION);
	memcpy(&r, req, sizeof(r));
	r.cookie = k->next_cookie;
	while (ioctl(k->fd, VGPU_IOC_SUBMIT, &r))
		if (errno != EINTR)
			return submit_errno(dev, req, errno);
	req->id = k->next_cookie++;
	k->inflight++;
	return 0;
}

/* The oldest answer kept aside into @out: false when there is none. */
static bool stash_take(struct front_kdev *k, struct vgpuif_response *out)
{
	if (!k->nstash)
		return false;
	*out = k->stash[0];
	memmove(k->stash, k->stash + 1, --k->nstash * sizeof(*k->stash));
	return true;
}

/* The answer to @id if it was kept aside. */
static bool stash_find(struct front_kdev *k, uint64_t id, struct vgpuif_response *out)
{
	unsigned i;

	for (i = 0; i < k->nstash; i++) {
		if (k->stash[i].id != id)
			continue;
		*out = k->stash[i];
		memmove(k->stash + i, k->stash + i + 1, (--k->nstash - i) * sizeof(*k->stash));
		return true;
	}
	return false;
}

/*
 * The driver completes what was in flight with VGPU_EIO when the backend
 * broke the protocol (vgpu(4)): an EIO from a device the driver failed is
 * that, not an executor's error, and the handle fails as the user-space
 * path's does.
 */
static bool driver_failed(const struct vgpufront *dev, const struct vgpuif_response *r,
			  unsigned n)
{
	struct vgpu_dev_info di;
	unsigned i;

	for (i = 0; i < n && r[i].status != VGPU_EIO; i++)
		;
	return i < n && !kinfo(dev->kdev, &di) && di.state == VGPU_DEV_FAILED;
}

/*
 * Up to @max completions from the driver, waiting up to @timeout_ms for the
 * first (< 0: until one comes).  Nothing in flight: nothing to wait for.
 */
static int reap(struct vgpufront *dev, struct vgpuif_response *rsps, unsigned max,
		int timeout_ms)
{
	struct front_kdev *k = dev->kdev;
	struct vgpu_dev_reap r = { .completions = (uintptr_t)rsps, .max = max,
				   .timeout_ms = timeout_ms };

	if (!k->inflight || !max) {
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return 0;
	}
	while (ioctl(k->fd, VGPU_IOC_REAP, &r))
		if (errno != EINTR)
			return errno == ENODEV ? -EPIPE : -errno;
	k->inflight -= r.count < k->inflight ? r.count : k->inflight;
	if (driver_failed(dev, rsps, r.count)) {
		kdev_fail(dev);
		return -EPROTO;
	}
	return (int)r.count;
}

/*
 * A closed session leaves with its file once the file holds nothing else:
 * a fresh open takes the old one's fd number, the old one's release closes
 * the session in the backend.
 */
static void renew_if_due(struct vgpufront *dev)
{
	struct front_kdev *k = dev->kdev;
	int fd;

	if (!k->sess_held || k->nbufs || k->inflight)
		return;
	fd = open_node(k->node);
	if (fd < 0)
		return;		/* the session stays until the handle closes */
	if (dup3(fd, k->fd, O_CLOEXEC) >= 0)
		k->sess_held = false;
	close(fd);
}

int front_kdev_poll(struct vgpufront *dev, struct vgpuif_response *rsps,
		    unsigned max, int timeout_ms)
{
	struct front_kdev *k = dev->kdev;
	unsigned n = 0;
	int rc;

	while (n < max && stash_take(k, &rsps[n]))
		n++;
	rc = reap(dev, rsps + n, max - n, n ? 0 : timeout_ms);
	if (rc > 0)
		n += (unsigned)rc;
	renew_if_due(dev);
	if (n)
		return (int)n;
	if (rc < 0)
		return rc;
	return dev->broken ? -EPROTO : 0;
}

/* The driver's connection is down for now (a resume, a backend restart). */
static bool reconnecting(const struct vgpufront *dev)
{
	struct vgpu_dev_info di;

	return !kinfo(dev->kdev, &di) && di.state == VGPU_DEV_DISCONNECTED;
}

/*
 * Submit @req for a sync call.  While the file holds its limit of requests
 * (others' submissions of this handle), keep a completion aside; while the
 * driver reconnects (a resume), wait for it.
 */
static int submit_waiting(struct vgpufront *dev, struct vgpuif_request *req, int64_t end)
{
	struct front_kdev *k = dev->kdev;
	int rc;

	for (;;) {
		rc = front_kdev_submit(dev, req);
		if (rc != -EAGAIN && rc != -EPIPE)
			return rc;
		if (rc == -EPIPE && !reconnecting(dev))
			return rc;
		if (vgpu_now_ms() > end)
			return rc == -EPIPE ? rc : -ETIMEDOUT;
		if (k->nstash >= k->stash_cap)
			return -ENOBUFS;
		rc = reap(dev, &k->stash[k->nstash], 1, k->inflight ? 100 : RETRY_MS);
		if (rc < 0)
			return rc;
		k->nstash += (unsigned)rc;
	}
}

int front_kdev_call(struct vgpufront *dev, struct vgpuif_request *req,
		    struct vgpuif_response *rsp)
{
	struct front_kdev *k = dev->kdev;
	int64_t end = vgpu_now_ms() + dev->timeout_ms;
	int rc = submit_waiting(dev, req, end);

	if (rc)
		return rc;
	while (!stash_find(k, req->id, rsp)) {
		struct vgpuif_response r[REAP_BATCH];
		int left = (int)(end - vgpu_now_ms()), i;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = reap(dev, r, REAP_BATCH, left);
		if (rc < 0)
			return rc;
		for (i = 0; i < rc && k->nstash < k->stash_cap; i++)
			k->stash[k->nstash++] = r[i];
	}
	renew_if_due(dev);
	return vgpufront_status(rsp->status);
}

static int buf_errno(int e)
{
	return e == ENOTCONN || e == ENODEV ? -EPIPE : -e;
}

static size_t buf_map_len(const struct vgpufront_buf *buf)
{
	return (size_t)buf->npages * VGPUIF_PAGE_SIZE;
}

/* The driver allocates, grants and registers the pages; we map them. */
struct vgpufront_buf *front_kdev_buf_alloc(struct vgpufront *dev, size_t bytes,
					   unsigned flags, int *status)
{
	struct front_kdev *k = dev->kdev;
	bool ro = flags & VGPUFRONT_BUF_READONLY;
	struct vgpu_dev_buf b = { .bytes = bytes, .flags = ro ? VGPU_DEV_BUF_READONLY : 0 };
	struct vgpufront_buf *buf;

	if (!bytes || bytes > (size_t)VGPUIF_MAX_BUF_PAGES * VGPUIF_PAGE_SIZE) {
		*status = -EINVAL;
		return NULL;
	}
	buf = calloc(1, sizeof(*buf));
	if (!buf) {
		*status = -ENOMEM;
		return NULL;
	}
	if (ioctl(k->fd, VGPU_IOC_BUF_ALLOC, &b)) {
		*status = buf_errno(errno);
		free(buf);
		return NULL;
	}
	buf->npages = (unsigned)((bytes + VGPUIF_PAGE_SIZE - 1) / VGPUIF_PAGE_SIZE);
	buf->addr = mmap(NULL, buf_map_len(buf), PROT_READ | PROT_WRITE, MAP_SHARED,
			 k->fd, (off_t)b.mmap_offset);
	if (buf->addr == MAP_FAILED) {
		*status = -errno;
		ioctl(k->fd, VGPU_IOC_BUF_FREE, &b.handle);
		free(buf);
		return NULL;
	}
	buf->len = bytes;
	buf->handle = b.handle;
	buf->readonly = ro;
	k->nbufs++;
	*status = 0;
	return buf;
}

int front_kdev_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf)
{
	struct front_kdev *k = dev->kdev;
	int rc = 0;

	if (!buf)
		return 0;
	munmap(buf->addr, buf_map_len(buf));
	if (ioctl(k->fd, VGPU_IOC_BUF_FREE, &buf->handle))
		rc = buf_errno(errno);
	k->nbufs--;
	free(buf);
	renew_if_due(dev);
	return rc;
}

int front_kdev_fd(const struct vgpufront *dev) { return dev->kdev->fd; }
unsigned front_kdev_inflight(const struct vgpufront *dev) { return dev->kdev->inflight; }
const char *front_kdev_node(const struct vgpufront *dev) { return dev->kdev->node; }

unsigned front_kdev_ring_size(const struct vgpufront *dev)
{
	struct vgpu_dev_info di;

	return kinfo(dev->kdev, &di) ? 0 : di.ring_size;
}

bool front_kdev_connected(const struct vgpufront *dev)
{
	struct vgpu_dev_info di;

	return !dev->broken && !kinfo(dev->kdev, &di) && di.state == VGPU_DEV_CONNECTED;
}

/* The driver's refusal of VGPU_IOC_SESSION, as the API says it. */
static int session_errno(int e)
{
	switch (e) {
	case ENOLINK:
		return VGPUFRONT_E(VGPU_ELOST);
	case ENOMEM:
		return VGPUFRONT_E(VGPU_ENOMEM);
	case EBUSY:
		return VGPUFRONT_E(VGPU_EBUSY);
	case EINVAL:
		return VGPUFRONT_E(VGPU_EINVAL);
	case ENOTCONN:
	case ENODEV:
		return -EPIPE;
	default:
		return -e;
	}
}

int front_kdev_session_open(struct vgpufront *dev, unsigned gpu, uint32_t *session)
{
	struct front_kdev *k = dev->kdev;
	struct vgpu_dev_session s = { .gpu = gpu };
	bool renewed = false;

	if (k->sess_open)
		return -EBUSY;	/* one session per handle on this path */
	renew_if_due(dev);
	if (k->sess_held && gpu != k->sess_gpu)
		return -EBUSY;	/* the file still holds its session on another GPU */
	while (ioctl(k->fd, VGPU_IOC_SESSION, &s)) {
		if (errno == EINTR)
			continue;
		/* Lost with a connection: a fresh file gets a new one. */
		if (errno != ENOLINK || renewed || k->nbufs || k->inflight)
			return session_errno(errno);
		k->sess_held = true;
		renew_if_due(dev);
		if (k->sess_held)
			return session_errno(ENOLINK);
		renewed = true;
	}
	k->sess_open = true;
	k->sess_held = false;
	k->sess_gpu = gpu;
	k->session = s.session;
	*session = s.session;
	return 0;
}

int front_kdev_session_close(struct vgpufront *dev, uint32_t session)
{
	struct front_kdev *k = dev->kdev;

	if (!k->sess_open || session != k->session)
		return VGPUFRONT_E(VGPU_ESESSION);
	k->sess_open = false;
	k->sess_held = true;
	renew_if_due(dev);
	return 0;
}

/*
 * The backend's nodes the driver reports: 0 with the value, -ENOENT when
 * the backend has none, 1 when the driver does not report @node.
 */
int front_kdev_backend_node(const struct vgpufront *dev, const char *node,
			    char *buf, size_t len)
{
	struct vgpu_dev_info di;
	const char *v;
	size_t vlen, cap;
	int rc = kinfo(dev->kdev, &di);

	if (rc)
		return rc;
	if (!strcmp(node, "pool"))
		v = di.pool, cap = sizeof(di.pool);
	else if (!strcmp(node, "priority"))
		v = di.priority, cap = sizeof(di.priority);
	else if (!strcmp(node, "feature-executor"))
		v = di.executor, cap = sizeof(di.executor);
	else
		return 1;
	vlen = strnlen(v, cap);
	if (!vlen)
		return -ENOENT;
	if (vlen >= len)
		return -ENAMETOOLONG;
	memcpy(buf, v, vlen);
	buf[vlen] = 0;
	return 0;
}
