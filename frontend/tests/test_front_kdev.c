/* SPDX-License-Identifier: MIT */
/*
 * test_front_kdev: libvgpufront's kernel path (kdev.c) against a model of
 * the xen-vgpufront driver (vgpu(4)), with no kernel: front_kdev_dir points
 * at a directory holding a plain file "vgpu0", and the link wraps ioctl,
 * mmap, munmap and dup3, so that the file answers as the driver's node
 * does.  The model follows vgpu(4) and the driver's session.c: one session
 * per open file (opened by VGPU_IOC_SESSION or the first request that
 * needs one, closed on release), the kernel's own ops refused (EINVAL),
 * buffers named only by their own file (EBADF), a per-file limit
 * (EAGAIN), a lost session (ENOLINK), a failed device (EIO).  Results are
 * computed here, from the operands, not taken from the library.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "front_priv.h"
#include "kdev.h"
#include "kmod/uapi/vgpu_dev.h"

#define MAX_BUFS	8
#define FILE_LIMIT	4
#define FIRST_SESSION	41

enum { SESS_NONE, SESS_OPEN, SESS_LOST };

/* The model of one open file of /dev/vgpu0, and what the test saw. */
static struct {
	dev_t dev;			/* the node's file: fds on it are the model's */
	ino_t ino;
	uint32_t state;			/* VGPU_DEV_* */
	int sess;
	uint32_t session, next_session;
	unsigned sess_gpu;
	struct { uint32_t handle, flags; void *mem; size_t len; } bufs[MAX_BUFS];
	uint32_t next_handle;
	struct vgpu_dev_completion done[64];
	unsigned ndone, inflight;
	int fail_submit;		/* an errno for the next submissions */
	int32_t done_status;		/* a status for the next completions (0: the op's) */
	/* seen */
	unsigned submits, releases;
	uint32_t closed[8];		/* sessions closed by a release */
	unsigned nclosed;
	uint8_t last_op;
} m;

static char dir[64], node[96];

int __real_ioctl(int fd, unsigned long req, ...);
int __real_dup3(int oldfd, int newfd, int flags);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

static bool is_model(int fd)
{
	struct stat st;

	return m.ino && !fstat(fd, &st) && st.st_ino == m.ino && st.st_dev == m.dev;
}

static int find_buf(uint32_t handle)
{
	int i;

	for (i = 0; i < MAX_BUFS; i++)
		if (handle && m.bufs[i].handle == handle)
			return i;
	return -1;
}

/* The driver's release: the file's buffers and its session go. */
static void model_release(void)
{
	int i;

	m.releases++;
	if (m.sess == SESS_OPEN && m.nclosed < 8)
		m.closed[m.nclosed++] = m.session;
	m.sess = SESS_NONE;
	m.ndone = m.inflight = 0;
	for (i = 0; i < MAX_BUFS; i++) {
		free(m.bufs[i].mem);
		memset(&m.bufs[i], 0, sizeof(m.bufs[i]));
	}
}

static void fill_info(struct vgpu_dev_info *di)
{
	memset(di, 0, sizeof(*di));
	di->abi_version = VGPU_DEV_ABI_VERSION;
	di->state = m.state;
	di->protocol = 2;
	di->ring_size = 32;
	di->max_file_inflight = FILE_LIMIT;
	di->generation = 1;
	di->session = m.sess == SESS_NONE ? 0 : m.session;
	di->session_state = (uint32_t)m.sess;
	strcpy(di->pool, "A");
	strcpy(di->priority, "high");
	strcpy(di->executor, "cpu");
	strcpy(di->backend, "/local/domain/0/backend/vgpu/7/0");
}

static int open_session(unsigned gpu)
{
	if (m.sess == SESS_LOST)
		return ENOLINK;
	if (m.sess == SESS_NONE) {
		m.sess = SESS_OPEN;
		m.session = m.next_session++;
		m.sess_gpu = gpu;
	}
	return 0;
}

static float *buf_floats(uint32_t handle, uint32_t off)
{
	return (float *)((char *)m.bufs[find_buf(handle)].mem + off);
}

/* What the backend would answer, computed from the request's operands. */
static void execute(const struct vgpuif_request *req, struct vgpu_dev_completion *c)
{
	const struct vgpuif_vector_add_req *v = &req->u.vector_add;
	int64_t sum = req->u.scalar_add.a + req->u.scalar_add.b;
	uint64_t i;

	switch (req->op) {
	case VGPU_OP_SCALAR_ADD:
		memcpy(c->result, &sum, sizeof(sum));
		break;
	case VGPU_OP_VECTOR_ADD:
		for (i = 0; i < v->n; i++)
			buf_floats(v->c.handle, v->c.offset)[i] =
				buf_floats(v->a.handle, v->a.offset)[i] +
				buf_floats(v->b.handle, v->b.offset)[i];
		break;
	case VGPU_OP_MEM_ALLOC:
		sum = 0x100000;
		memcpy(c->result, &sum, sizeof(sum));
		break;
	}
}

static int model_submit(const struct vgpu_dev_request *ureq)
{
	struct vgpuif_request req;
	struct vgpu_dev_completion *c;
	uint8_t op = ureq->op;
	int rc;

	if (m.fail_submit)
		return m.fail_submit;
	if (op == VGPU_OP_BUF_REGISTER || op == VGPU_OP_BUF_UNREGISTER ||
	    op == VGPU_OP_SESSION_OPEN || op == VGPU_OP_SESSION_CLOSE || op > VGPU_OP_MAX)
		return EINVAL;
	memcpy(&req, ureq, sizeof(req));
	if (op > VGPU_OP_SESSION_OPEN && op != VGPU_OP_DEVICE_INFO) {
		rc = open_session(0);
		if (rc)
			return rc;
	}
	if (op == VGPU_OP_VECTOR_ADD &&
	    (find_buf(req.u.vector_add.a.handle) < 0 || find_buf(req.u.vector_add.b.handle) < 0 ||
	     find_buf(req.u.vector_add.c.handle) < 0))
		return EBADF;
	if (m.inflight + m.ndone >= FILE_LIMIT)
		return EAGAIN;
	m.submits++;
	m.last_op = op;
	c = &m.done[m.ndone++];
	memset(c, 0, sizeof(*c));
	c->cookie = ureq->cookie;
	c->op = op;
	execute(&req, c);
	if (m.done_status)
		c->status = m.done_status;
	return 0;
}

static int model_reap(struct vgpu_dev_reap *r)
{
	struct vgpu_dev_completion *out = (void *)(uintptr_t)r->completions;

	r->count = 0;
	while (r->count < r->max && m.ndone) {
		out[r->count++] = m.done[0];
		memmove(m.done, m.done + 1, --m.ndone * sizeof(m.done[0]));
	}
	return 0;
}

static int model_buf_alloc(struct vgpu_dev_buf *b)
{
	int i;
	size_t len = (b->bytes + 4095) / 4096 * 4096;

	for (i = 0; i < MAX_BUFS && m.bufs[i].handle; i++)
		;
	if (i == MAX_BUFS)
		return ENOSPC;
	m.bufs[i].mem = aligned_alloc(4096, len);
	if (!m.bufs[i].mem)
		return ENOMEM;
	memset(m.bufs[i].mem, 0, len);
	m.bufs[i].len = len;
	m.bufs[i].flags = b->flags;
	m.bufs[i].handle = m.next_handle++;
	b->handle = m.bufs[i].handle;
	b->mmap_offset = (uint64_t)b->handle << 32;
	return 0;
}

static int model_ioctl(unsigned long req, void *arg)
{
	int i;

	switch (req) {
	case VGPU_IOC_INFO:
		fill_info(arg);
		return 0;
	case VGPU_IOC_SUBMIT:
		return model_submit(arg);
	case VGPU_IOC_REAP:
		return model_reap(arg);
	case VGPU_IOC_BUF_ALLOC:
		return model_buf_alloc(arg);
	case VGPU_IOC_BUF_FREE:
		i = find_buf(*(uint32_t *)arg);
		if (i < 0)
			return EBADF;
		free(m.bufs[i].mem);
		memset(&m.bufs[i], 0, sizeof(m.bufs[i]));
		return 0;
	case VGPU_IOC_SESSION:
		i = open_session(((struct vgpu_dev_session *)arg)->gpu);
		((struct vgpu_dev_session *)arg)->session = m.session;
		return i;
	default:
		return ENOTTY;
	}
}

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_model(fd))
		return __real_ioctl(fd, req, arg);
	rc = model_ioctl(req, arg);
	if (!rc)
		return 0;
	errno = rc;
	return -1;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int i;

	if (!is_model(fd))
		return __real_mmap(addr, len, prot, flags, fd, off);
	i = find_buf((uint32_t)((uint64_t)off >> 32));
	if (i < 0 || !(flags & MAP_SHARED) || len > m.bufs[i].len) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return m.bufs[i].mem;
}

int __wrap_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len)
{
	int i;

	for (i = 0; i < MAX_BUFS; i++)
		if (m.bufs[i].mem == addr)
			return 0;	/* the model frees it on BUF_FREE */
	return __real_munmap(addr, len);
}

/* A fresh file in an old one's place: the old one's release. */
int __wrap_dup3(int oldfd, int newfd, int flags);
int __wrap_dup3(int oldfd, int newfd, int flags)
{
	if (is_model(newfd))
		model_release();
	return __real_dup3(oldfd, newfd, flags);
}

static struct vgpufront *dev;

static int setup(void **state)
{
	struct stat st;
	char err[300] = "";
	int fd;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.state = VGPU_DEV_CONNECTED;
	m.next_session = FIRST_SESSION;
	m.next_handle = 1;
	snprintf(dir, sizeof(dir), "/tmp/test_front_kdev.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(node, sizeof(node), "%s/vgpu0", dir);
	fd = open(node, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	m.ino = st.st_ino;
	m.dev = st.st_dev;
	front_kdev_dir = dir;
	unsetenv("VGPUFRONT_PATH");
	dev = vgpufront_open(0, NULL, err, sizeof(err));
	if (!dev)
		fail_msg("open: %s", err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vgpufront_close(dev);
	model_release();
	unlink(node);
	rmdir(dir);
	return 0;
}

static void test_path_and_info(void **state)
{
	char n[96], v[32];

	(void)state;
	assert_int_equal(vgpufront_path(dev, n, sizeof(n)), VGPUFRONT_PATH_KERNEL);
	assert_string_equal(n, node);
	assert_true(vgpufront_connected(dev));
	assert_int_equal(vgpufront_protocol_version(dev), 2);
	assert_int_equal(vgpufront_ring_size(dev), 32);
	assert_int_equal(vgpufront_domid(dev), 7);	/* from the backend's directory */
	assert_int_equal(vgpufront_backend_node(dev, "pool", v, sizeof(v)), 0);
	assert_string_equal(v, "A");
	assert_int_equal(vgpufront_backend_node(dev, "priority", v, sizeof(v)), 0);
	assert_string_equal(v, "high");
	assert_int_equal(vgpufront_backend_node(dev, "pool", v, 1), -ENAMETOOLONG);
	m.state = VGPU_DEV_DISCONNECTED;
	assert_false(vgpufront_connected(dev));
}

static void test_scalar_and_async(void **state)
{
	struct vgpuif_request req[3];
	struct vgpuif_response rsp[4];
	int64_t sum = 0;
	int i, n;

	(void)state;
	assert_int_equal(vgpufront_ping(dev), 0);
	assert_int_equal(vgpufront_scalar_add(dev, 100, 200, &sum), 0);
	assert_int_equal(sum, 300);
	assert_int_equal(vgpufront_scalar_add(dev, -7, 3, &sum), 0);
	assert_int_equal(sum, -4);
	for (i = 0; i < 3; i++) {
		memset(&req[i], 0, sizeof(req[i]));
		req[i].op = VGPU_OP_SCALAR_ADD;
		req[i].u.scalar_add.a = 1000 * (i + 1);
		req[i].u.scalar_add.b = i;
		assert_int_equal(vgpufront_submit(dev, &req[i]), 0);
	}
	assert_int_equal(vgpufront_inflight(dev), 3);
	n = vgpufront_poll(dev, rsp, 4, 100);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(rsp[i].id, req[i].id);
		assert_int_equal(rsp[i].status, VGPU_OK);
		assert_int_equal(rsp[i].result.scalar, 1000 * (i + 1) + i);
	}
	assert_int_equal(vgpufront_inflight(dev), 0);
}

/* A sync call while the file holds its limit keeps the others' answers. */
static void test_call_at_limit(void **state)
{
	struct vgpuif_request req[FILE_LIMIT];
	struct vgpuif_response rsp[FILE_LIMIT + 1];
	int64_t sum = 0;
	int i;

	(void)state;
	for (i = 0; i < FILE_LIMIT; i++) {
		memset(&req[i], 0, sizeof(req[i]));
		req[i].op = VGPU_OP_SCALAR_ADD;
		req[i].u.scalar_add.a = i;
		req[i].u.scalar_add.b = 10;
		assert_int_equal(vgpufront_submit(dev, &req[i]), 0);
	}
	assert_int_equal(vgpufront_submit(dev, &req[0]), -EAGAIN);
	assert_int_equal(vgpufront_scalar_add(dev, 20, 22, &sum), 0);
	assert_int_equal(sum, 42);
	assert_int_equal(vgpufront_poll(dev, rsp, FILE_LIMIT + 1, 0), FILE_LIMIT);
	for (i = 0; i < FILE_LIMIT; i++)
		assert_int_equal(rsp[i].result.scalar, i + 10);
}

static void test_vector_add(void **state)
{
	enum { N = 3000 };
	struct vgpufront_buf *a, *b, *c;
	struct vgpuif_response rsp;
	float *fa, *fb, *fc;
	int st, i;

	(void)state;
	a = vgpufront_buf_alloc(dev, N * sizeof(float), VGPUFRONT_BUF_READONLY, &st);
	b = vgpufront_buf_alloc(dev, N * sizeof(float), VGPUFRONT_BUF_READONLY, &st);
	c = vgpufront_buf_alloc(dev, N * sizeof(float), 0, &st);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(st, 0);
	assert_int_equal(m.bufs[find_buf(a->handle)].flags, VGPU_DEV_BUF_READONLY);
	assert_int_equal(m.bufs[find_buf(c->handle)].flags, 0);
	assert_int_equal(a->npages, 3);
	fa = a->addr;
	fb = b->addr;
	fc = c->addr;
	for (i = 0; i < N; i++) {
		fa[i] = (float)i;
		fb[i] = 0.5f * (float)i;
	}
	assert_int_equal(vgpufront_vector_add(dev, N, a, 0, b, 0, c, 0, &rsp), 0);
	for (i = 0; i < N; i++)
		assert_true(fc[i] == 1.5f * (float)i);
	/* A handle that is no buffer of this file: VGPU_EBADBUF, as the backend's. */
	c->handle += 100;
	assert_int_equal(vgpufront_vector_add(dev, N, a, 0, b, 0, c, 0, &rsp),
			 VGPUFRONT_E(VGPU_EBADBUF));
	c->handle -= 100;
	assert_int_equal(vgpufront_buf_free(dev, a), 0);
	assert_int_equal(vgpufront_buf_free(dev, b), 0);
	assert_int_equal(vgpufront_buf_free(dev, c), 0);
	assert_int_equal(find_buf(1), -1);
	assert_int_equal(vgpufront_buf_alloc(dev, 0, 0, &st), NULL);
	assert_int_equal(st, -EINVAL);
}

/* One session per handle; a close frees it once the file holds nothing. */
static void test_sessions(void **state)
{
	struct vgpufront_buf *buf;
	uint32_t s = 0, s2 = 0;
	uint64_t dptr = 0;
	unsigned before;
	int st;

	(void)state;
	assert_int_equal(vgpufront_session_open(dev, 0, &s), 0);
	assert_int_equal(s, FIRST_SESSION);
	assert_int_equal(vgpufront_session_open(dev, 0, &s2), -EBUSY);
	assert_int_equal(vgpufront_mem_alloc(dev, s, 4096, &dptr), 0);
	assert_int_equal(dptr, 0x100000);
	before = m.submits;
	assert_int_equal(vgpufront_mem_alloc(dev, s + 1, 4096, &dptr),
			 VGPUFRONT_E(VGPU_ESESSION));
	assert_int_equal(m.submits, before);	/* answered here, not sent */
	assert_int_equal(vgpufront_session_close(dev, s + 1), VGPUFRONT_E(VGPU_ESESSION));

	/* With a buffer held the file, and so the session, must stay. */
	buf = vgpufront_buf_alloc(dev, 100, 0, &st);
	assert_non_null(buf);
	assert_int_equal(vgpufront_session_close(dev, s), 0);
	assert_int_equal(m.releases, 0);
	assert_int_equal(vgpufront_mem_alloc(dev, s, 4096, &dptr), VGPUFRONT_E(VGPU_ESESSION));
	assert_int_equal(vgpufront_session_open(dev, 1, &s2), -EBUSY);	/* another GPU */
	assert_int_equal(vgpufront_buf_free(dev, buf), 0);
	assert_int_equal(m.releases, 1);
	assert_int_equal(m.nclosed, 1);
	assert_int_equal(m.closed[0], FIRST_SESSION);
	assert_int_equal(vgpufront_session_open(dev, 1, &s2), 0);
	assert_int_equal(s2, FIRST_SESSION + 1);
	assert_int_equal(m.sess_gpu, 1);

	/* No buffer: the close is at once. */
	assert_int_equal(vgpufront_session_close(dev, s2), 0);
	assert_int_equal(m.releases, 2);
	assert_int_equal(m.closed[1], FIRST_SESSION + 1);
	assert_int_equal(vgpufront_session_close(dev, s2), VGPUFRONT_E(VGPU_ESESSION));
}

/* Save/restore: the driver lost the session; a new one on a fresh file. */
static void test_lost_session(void **state)
{
	uint32_t s = 0;
	uint64_t dptr;
	int64_t sum = 0;

	(void)state;
	assert_int_equal(vgpufront_session_open(dev, 0, &s), 0);
	m.sess = SESS_LOST;
	assert_int_equal(vgpufront_mem_alloc(dev, s, 64, &dptr), VGPUFRONT_E(VGPU_ELOST));
	assert_int_equal(vgpufront_scalar_add(dev, 2, 3, &sum), 0);	/* no session needed */
	assert_int_equal(sum, 5);
	assert_int_equal(vgpufront_session_close(dev, s), 0);
	assert_int_equal(vgpufront_session_open(dev, 0, &s), 0);
	assert_int_equal(s, FIRST_SESSION + 1);
	assert_int_equal(vgpufront_mem_alloc(dev, s, 64, &dptr), 0);
}

/* The driver's refusals as the API says them. */
static void test_errors(void **state)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.op = VGPU_OP_BUF_REGISTER;	/* the kernel's own */
	assert_int_equal(vgpufront_call(dev, &req, &rsp), -EINVAL);
	m.fail_submit = ENOTCONN;
	m.state = VGPU_DEV_REMOVED;
	assert_int_equal(vgpufront_ping(dev), -EPIPE);
	m.state = VGPU_DEV_CONNECTED;
	m.fail_submit = EIO;
	assert_null(vgpufront_fault(dev));
	assert_int_equal(vgpufront_ping(dev), -EPROTO);
	assert_non_null(vgpufront_fault(dev));
	assert_false(vgpufront_connected(dev));
	m.fail_submit = 0;
	assert_int_equal(vgpufront_ping(dev), -EPROTO);	/* failed stays failed */
}

/*
 * The driver completes what is in flight with VGPU_EIO when the backend
 * broke the protocol, and says the device failed: the handle fails as the
 * user-space path's does (-EPROTO); an EIO from a connected device is the
 * executor's, the backend's answer.
 */
static void test_failed_in_flight(void **state)
{
	int64_t sum = 0;

	(void)state;
	m.done_status = VGPU_EIO;
	assert_int_equal(vgpufront_scalar_add(dev, 2, 3, &sum), VGPUFRONT_E(VGPU_EIO));
	assert_true(vgpufront_connected(dev));
	assert_null(vgpufront_fault(dev));
	m.state = VGPU_DEV_FAILED;
	assert_int_equal(vgpufront_scalar_add(dev, 2, 3, &sum), -EPROTO);
	assert_non_null(vgpufront_fault(dev));
	assert_false(vgpufront_connected(dev));
	m.done_status = 0;
}

static void test_forced_paths(void **state)
{
	struct vgpufront *d;
	char err[400] = "";

	(void)state;
	setenv("VGPUFRONT_PATH", "kernel", 1);
	d = vgpufront_open(3, NULL, err, sizeof(err));
	assert_null(d);
	assert_non_null(strstr(err, "VGPUFRONT_PATH=kernel: "));
	assert_non_null(strstr(err, "/vgpu3: the guest kernel driver xen-vgpufront is not loaded"));
	setenv("VGPUFRONT_PATH", "both", 1);
	assert_null(vgpufront_open(0, NULL, err, sizeof(err)));
	assert_string_equal(err, "VGPUFRONT_PATH=both: not auto, kernel or user");
	unsetenv("VGPUFRONT_PATH");
	assert_int_equal(vgpufront_path(NULL, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_and_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scalar_and_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_at_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_paths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
