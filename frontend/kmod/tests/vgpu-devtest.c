/* SPDX-License-Identifier: MIT */
/*
 * vgpu-devtest: exercises /dev/vgpuN through its ioctl ABI only
 * (uapi/vgpu_dev.h; the few payload layouts it sends are written out
 * here from vgpuif.h, so that a layout change shows as a wrong answer).
 *
 *   vgpu-devtest [-d DEV] info
 *   vgpu-devtest [-d DEV] add A B            prints A+B (checked against the CPU)
 *   vgpu-devtest [-d DEV] vadd [--n N] [--verify]
 *   vgpu-devtest [-d DEV] burst [--procs P] [--count C] [--kill-one]
 *   vgpu-devtest [-d DEV] isolation          a file cannot name another's buffer
 *   vgpu-devtest [-d DEV] mem [--n N]        protocol 2: a session's memory
 *   vgpu-devtest [-d DEV] hold [--seconds S] [--ready FILE]
 *                          requests in flight across a save/restore
 *
 * Exit status 0 when every answer is right, 1 otherwise, 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/vgpu_dev.h"

/* vgpuif.h's numbers and payloads, as the wire has them. */
enum { OP_NOP = 0, OP_SCALAR_ADD = 2, OP_VECTOR_ADD = 3, OP_BUF_REGISTER = 4,
       OP_MEM_ALLOC = 8, OP_MEM_FREE = 9, OP_HTOD = 10, OP_DTOH = 11 };
struct bufref { uint32_t handle, offset; };
struct scalar_add { int64_t a, b; };
struct vector_add { uint64_t n; struct bufref a, b, c; };
struct mem_alloc { uint64_t bytes; };
struct mem_copy { uint64_t dptr, bytes; struct bufref buf; uint32_t stream, pad; };

static const char *dev_path = "/dev/vgpu0";

static int dev_open(void)
{
	int fd = open(dev_path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "vgpu-devtest: %s: %s\n", dev_path, strerror(errno));
	return fd;
}

static void req_init(struct vgpu_dev_request *r, uint8_t op, uint64_t cookie,
		     const void *payload, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->cookie = cookie;
	memcpy(r->payload, payload, len);
}

/* One request and its completion (the only one this file has in flight). */
static int call(int fd, struct vgpu_dev_request *r, struct vgpu_dev_completion *c)
{
	struct vgpu_dev_reap reap = { .completions = (uintptr_t)c, .max = 1,
				      .timeout_ms = 60000 };

	if (ioctl(fd, VGPU_IOC_SUBMIT, r)) {
		fprintf(stderr, "vgpu-devtest: submit op %u: %s\n", r->op, strerror(errno));
		return -1;
	}
	if (ioctl(fd, VGPU_IOC_REAP, &reap) || reap.count != 1) {
		fprintf(stderr, "vgpu-devtest: reap op %u: %s\n", r->op,
			reap.count ? strerror(errno) : "no completion in 60 s");
		return -1;
	}
	if (c->cookie != r->cookie || c->op != r->op) {
		fprintf(stderr, "vgpu-devtest: completion %#" PRIx64 " op %u for "
			"request %#" PRIx64 " op %u\n", (uint64_t)c->cookie, c->op,
			(uint64_t)r->cookie, r->op);
		return -1;
	}
	if (c->status)
		fprintf(stderr, "vgpu-devtest: op %u: status %d\n", r->op, c->status);
	return c->status ? -1 : 0;
}

static int64_t result_scalar(const struct vgpu_dev_completion *c)
{
	int64_t v;

	memcpy(&v, c->result, sizeof(v));
	return v;
}

struct buf {
	uint32_t handle;
	size_t bytes;
	void *addr;
};

static int buf_alloc(int fd, size_t bytes, uint32_t flags, struct buf *b)
{
	struct vgpu_dev_buf a = { .bytes = bytes, .flags = flags };

	if (ioctl(fd, VGPU_IOC_BUF_ALLOC, &a)) {
		fprintf(stderr, "vgpu-devtest: buffer of %zu bytes: %s\n", bytes,
			strerror(errno));
		return -1;
	}
	b->handle = a.handle;
	b->bytes = bytes;
	b->addr = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)a.mmap_offset);
	if (b->addr == MAP_FAILED) {
		fprintf(stderr, "vgpu-devtest: mmap: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void buf_free(int fd, struct buf *b)
{
	munmap(b->addr, b->bytes);
	if (ioctl(fd, VGPU_IOC_BUF_FREE, &b->handle))
		fprintf(stderr, "vgpu-devtest: free %u: %s\n", b->handle, strerror(errno));
}

static int cmd_info(void)
{
	struct vgpu_dev_info di;
	int fd = dev_open();

	if (fd < 0 || ioctl(fd, VGPU_IOC_INFO, &di))
		return 1;
	printf("device %u abi %u state %u protocol %u ring %u per-file %u backend-id %u "
	       "generation %u\npool %s priority %s executor %s backend %s\n", di.devid,
	       di.abi_version, di.state, di.protocol, di.ring_size, di.max_file_inflight,
	       di.backend_id, di.generation, di.pool, di.priority, di.executor, di.backend);
	close(fd);
	return di.state == VGPU_DEV_CONNECTED ? 0 : 1;
}

static int scalar_add(int fd, int64_t a, int64_t b, uint64_t cookie, int64_t *sum)
{
	struct scalar_add p = { a, b };
	struct vgpu_dev_request r;
	struct vgpu_dev_completion c;

	req_init(&r, OP_SCALAR_ADD, cookie, &p, sizeof(p));
	if (call(fd, &r, &c))
		return -1;
	*sum = result_scalar(&c);
	return 0;
}

static int cmd_add(int64_t a, int64_t b)
{
	int64_t sum, want;
	int fd = dev_open();

	if (fd < 0 || scalar_add(fd, a, b, 42, &sum))
		return 1;
	close(fd);
	printf("%" PRId64 "\n", sum);
	if (__builtin_add_overflow(a, b, &want) || sum != want) {
		fprintf(stderr, "vgpu-devtest: %" PRId64 " + %" PRId64 " answered %" PRId64
			"\n", a, b, sum);
		return 1;
	}
	return 0;
}

struct vbufs {
	struct buf a, b, c;
};

static int vbufs_alloc(int fd, uint64_t n, struct vbufs *v)
{
	size_t bytes = n * sizeof(float);

	if (buf_alloc(fd, bytes, VGPU_DEV_BUF_READONLY, &v->a) ||
	    buf_alloc(fd, bytes, VGPU_DEV_BUF_READONLY, &v->b) ||
	    buf_alloc(fd, bytes, 0, &v->c))
		return -1;
	return 0;
}

static void vbufs_free(int fd, struct vbufs *v)
{
	buf_free(fd, &v->a);
	buf_free(fd, &v->b);
	buf_free(fd, &v->c);
}

/* c = a + b on the device, in buffers of this file; checked on the CPU. */
static int vadd_in(int fd, uint64_t n, struct vbufs *v, bool verify, uint64_t seed)
{
	float *fa = v->a.addr, *fb = v->b.addr, *fc = v->c.addr;
	struct vgpu_dev_completion cp;
	struct vgpu_dev_request r;
	struct vector_add p;
	uint64_t i, bad = 0;

	for (i = 0; i < n; i++) {
		fa[i] = (float)((i + seed) % 1000) * 0.25f;
		fb[i] = (float)((i * 3 + seed) % 777) * 1.5f - 100.0f;
		fc[i] = -1.0f;
	}
	p = (struct vector_add){ n, { v->a.handle, 0 }, { v->b.handle, 0 },
				 { v->c.handle, 0 } };
	req_init(&r, OP_VECTOR_ADD, 7, &p, sizeof(p));
	if (call(fd, &r, &cp))
		return -1;
	for (i = 0; verify && i < n; i++) {
		if (fc[i] != fa[i] + fb[i] && bad++ < 5)
			fprintf(stderr, "vgpu-devtest: c[%" PRIu64 "] = %g, want %g\n", i,
				fc[i], fa[i] + fb[i]);
	}
	if (bad)
		fprintf(stderr, "vgpu-devtest: vadd: %" PRIu64 " of %" PRIu64 " wrong\n",
			bad, n);
	return bad ? -1 : 0;
}

static int vadd(int fd, uint64_t n, bool verify)
{
	struct vbufs v;
	int rc;

	if (vbufs_alloc(fd, n, &v))
		return -1;
	rc = vadd_in(fd, n, &v, verify, 0);
	vbufs_free(fd, &v);
	return rc;
}

static int cmd_vadd(uint64_t n, bool verify)
{
	int fd = dev_open();

	if (fd < 0 || vadd(fd, n, verify))
		return 1;
	close(fd);
	printf("vadd n=%" PRIu64 "%s ok\n", n, verify ? " verified" : "");
	return 0;
}

/* Wait for and check every completion of @fd; @want[cookie % @wn] is each answer. */
static int reap_some(int fd, const int64_t *want, unsigned wn, unsigned *left)
{
	struct vgpu_dev_completion c[32];
	struct vgpu_dev_reap reap = { .completions = (uintptr_t)c, .max = 32 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned i;

	if (poll(&pfd, 1, 60000) != 1 || !(pfd.revents & POLLIN)) {
		fprintf(stderr, "vgpu-devtest: poll: no completion (revents %#x)\n",
			pfd.revents);
		return -1;
	}
	if (ioctl(fd, VGPU_IOC_REAP, &reap) || !reap.count) {
		fprintf(stderr, "vgpu-devtest: reap after POLLIN: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < reap.count; i++) {
		if (c[i].status || result_scalar(&c[i]) != want[c[i].cookie % wn]) {
			fprintf(stderr, "vgpu-devtest: add %" PRIu64 ": status %d, %" PRId64
				" want %" PRId64 "\n", (uint64_t)c[i].cookie, c[i].status,
				result_scalar(&c[i]), want[c[i].cookie % wn]);
			return -1;
		}
	}
	*left -= reap.count;
	return 0;
}

/* One process of a burst: @count adds pipelined on its own file, and a vadd. */
static int burst_proc(unsigned k, unsigned count)
{
	unsigned wn = count < 65536 ? count : 65536;	/* far more than in flight */
	int64_t *want = calloc(wn, sizeof(*want));
	unsigned sent = 0, left = count;
	int fd = dev_open();

	if (fd < 0 || !want)
		return 1;
	srand(k * 7919 + 1);
	while (left) {
		struct scalar_add p = { rand() - RAND_MAX / 2, (int64_t)rand() * (k + 1) };
		struct vgpu_dev_request r;

		if (sent < count) {
			want[sent % wn] = p.a + p.b;
			req_init(&r, OP_SCALAR_ADD, sent, &p, sizeof(p));
			if (!ioctl(fd, VGPU_IOC_SUBMIT, &r)) {
				sent++;
				continue;
			}
			if (errno != EAGAIN) {
				fprintf(stderr, "vgpu-devtest: submit: %s\n", strerror(errno));
				return 1;
			}
		}
		if (reap_some(fd, want, wn, &left))
			return 1;
	}
	if (vadd(fd, 65536, true))
		return 1;
	printf("process %u: %u adds and a 64K vadd right\n", k, count);
	close(fd);
	free(want);
	return 0;
}

/*
 * @procs processes at once, each on its own file.  With @kill, one more
 * process runs adds without end and is killed (SIGKILL) a second into the
 * burst, its requests in flight: the others must not notice.
 */
static int cmd_burst(unsigned procs, unsigned count, bool kill_one)
{
	pid_t victim = 0, pid;
	unsigned k, ok = 0;
	int st;

	fflush(stdout);
	if (kill_one) {
		victim = fork();
		if (victim == 0)
			_exit(burst_proc(procs, 100000000));
		if (victim < 0)
			return 1;
	}
	for (k = 0; k < procs; k++) {
		pid = fork();
		if (pid == 0)
			_exit(burst_proc(k, count));
		if (pid < 0)
			return 1;
	}
	if (kill_one) {
		sleep(1);
		kill(victim, SIGKILL);
		if (waitpid(victim, &st, 0) != victim || !WIFSIGNALED(st)) {
			fprintf(stderr, "vgpu-devtest: the process to kill ended on its own\n");
			return 1;
		}
	}
	for (k = 0; k < procs; k++)
		if (wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	printf("burst: %u of %u processes right%s\n", ok, procs,
	       kill_one ? ", another killed mid-burst" : "");
	return ok == procs ? 0 : 1;
}

static int expect_errno(const char *what, int rc, int want)
{
	if (rc == 0 || errno != want) {
		fprintf(stderr, "vgpu-devtest: %s: %s, want %s\n", what,
			rc ? strerror(errno) : "accepted", strerror(want));
		return 1;
	}
	printf("%s: refused (%s)\n", what, strerror(want));
	return 0;
}

/* A file names only its own buffers and never the kernel's own ops. */
static int cmd_isolation(void)
{
	int fd1 = dev_open(), fd2 = dev_open(), bad = 0;
	struct vgpu_dev_buf a = { .bytes = 4096 };
	struct vgpu_dev_request r;
	struct vector_add p;
	void *m;

	if (fd1 < 0 || fd2 < 0 || ioctl(fd1, VGPU_IOC_BUF_ALLOC, &a))
		return 1;
	p = (struct vector_add){ 16, { a.handle, 0 }, { a.handle, 0 }, { a.handle, 0 } };
	req_init(&r, OP_VECTOR_ADD, 1, &p, sizeof(p));
	bad |= expect_errno("another file's buffer in a request",
			    ioctl(fd2, VGPU_IOC_SUBMIT, &r), EBADF);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, (off_t)a.mmap_offset);
	bad |= expect_errno("another file's buffer mapped", m == MAP_FAILED ? -1 : 0,
			    EINVAL);
	req_init(&r, OP_BUF_REGISTER, 2, &p, sizeof(p));
	bad |= expect_errno("a BUF_REGISTER from user space",
			    ioctl(fd2, VGPU_IOC_SUBMIT, &r), EINVAL);
	bad |= expect_errno("another file's buffer freed",
			    ioctl(fd2, VGPU_IOC_BUF_FREE, &a.handle), EBADF);
	close(fd1);
	close(fd2);
	return bad;
}

/* Protocol 2: the file's session, device memory, copies both ways. */
static int cmd_mem(uint64_t n)
{
	struct vgpu_dev_request r;
	struct vgpu_dev_completion c;
	struct vgpu_dev_info di;
	struct mem_alloc ma = { n };
	struct mem_copy mc;
	struct buf src, dst;
	uint64_t i, dptr;
	int fd = dev_open();

	if (fd < 0 || ioctl(fd, VGPU_IOC_INFO, &di))
		return 1;
	if (di.protocol < 2) {
		printf("mem: the backend speaks protocol %u: skipped\n", di.protocol);
		return 77;
	}
	if (buf_alloc(fd, n, VGPU_DEV_BUF_READONLY, &src) || buf_alloc(fd, n, 0, &dst))
		return 1;
	for (i = 0; i < n; i++)
		((uint8_t *)src.addr)[i] = (uint8_t)(i * 131 + 7);
	req_init(&r, OP_MEM_ALLOC, 1, &ma, sizeof(ma));
	if (call(fd, &r, &c))
		return 1;
	dptr = (uint64_t)result_scalar(&c);
	mc = (struct mem_copy){ dptr, n, { src.handle, 0 }, 0, 0 };
	req_init(&r, OP_HTOD, 2, &mc, sizeof(mc));
	if (call(fd, &r, &c))
		return 1;
	mc.buf.handle = dst.handle;
	req_init(&r, OP_DTOH, 3, &mc, sizeof(mc));
	if (call(fd, &r, &c) || memcmp(src.addr, dst.addr, n)) {
		fprintf(stderr, "vgpu-devtest: mem: the copy back differs\n");
		return 1;
	}
	req_init(&r, OP_MEM_FREE, 4, &dptr, sizeof(dptr));
	if (call(fd, &r, &c) || ioctl(fd, VGPU_IOC_INFO, &di) ||
	    di.session_state != VGPU_DEV_SESSION_OPEN || !di.session)
		return 1;
	printf("mem: %" PRIu64 " bytes there and back in session %u\n", n, di.session);
	close(fd);
	return 0;
}

/* Status of a request the connection's end failed (vgpuif.h VGPU_ESHUTDOWN). */
#define STATUS_SHUTDOWN (-10)

struct hold {
	int fd;
	unsigned inflight, right, shutdown, bad, notconn;
	bool drain;			/* reconnected: only collect what is out */
	uint64_t next;
	int64_t want[64];
};

/* Keep a few adds in flight; false on a wrong answer or a wrong status. */
static bool hold_step(struct hold *h)
{
	struct vgpu_dev_completion c[8];
	struct vgpu_dev_reap reap = { .completions = (uintptr_t)c, .max = 8,
				      .timeout_ms = 200 };
	unsigned i;

	while (!h->drain && h->inflight < 4) {
		struct scalar_add p = { (int64_t)h->next * 3, 1000 };
		struct vgpu_dev_request r;

		req_init(&r, OP_SCALAR_ADD, h->next, &p, sizeof(p));
		if (ioctl(h->fd, VGPU_IOC_SUBMIT, &r)) {
			h->notconn += errno == ENOTCONN;
			if (errno != ENOTCONN && errno != EAGAIN)
				return false;
			usleep(100000);
			break;
		}
		h->want[h->next % 64] = p.a + p.b;
		h->next++;
		h->inflight++;
	}
	if (ioctl(h->fd, VGPU_IOC_REAP, &reap))
		return false;
	for (i = 0; i < reap.count; i++) {
		h->inflight--;
		if (c[i].status == STATUS_SHUTDOWN)
			h->shutdown++;
		else if (c[i].status == 0 && result_scalar(&c[i]) == h->want[c[i].cookie % 64])
			h->right++;
		else
			h->bad++;
	}
	return !h->bad;
}

/*
 * Hold the device across a save/restore (or a backend restart): adds stay
 * in flight until the connection changes; then every one of them must have
 * been answered right or failed with VGPU_ESHUTDOWN, the session must say
 * it was lost (and refuse what needs it), and the file's buffers must serve
 * again (registered anew by the driver).
 */
static int cmd_hold(unsigned seconds, const char *ready)
{
	struct hold h = { .next = 1 };
	struct vgpu_dev_info di, now;
	struct vbufs v;
	struct vgpu_dev_session ss = { 0, 0 };
	struct vgpu_dev_request r;
	struct mem_alloc ma = { 4096 };
	time_t end = time(NULL) + seconds;
	int64_t sum;
	FILE *f;

	h.fd = dev_open();
	if (h.fd < 0 || ioctl(h.fd, VGPU_IOC_INFO, &di) || vbufs_alloc(h.fd, 65536, &v) ||
	    vadd_in(h.fd, 65536, &v, true, 1))
		return 1;
	if (di.protocol >= 2 && ioctl(h.fd, VGPU_IOC_SESSION, &ss))
		return 1;
	printf("holding: generation %u, session %u\n", di.generation, ss.session);
	fflush(stdout);
	if (ready && (f = fopen(ready, "w")))
		fclose(f);
	for (;;) {
		if (!hold_step(&h) || ioctl(h.fd, VGPU_IOC_INFO, &now)) {
			fprintf(stderr, "vgpu-devtest: hold: %u wrong answers (%s)\n", h.bad,
				strerror(errno));
			return 1;
		}
		h.drain = now.generation != di.generation && now.state == VGPU_DEV_CONNECTED;
		if (h.drain && !h.inflight)
			break;
		if (time(NULL) > end) {
			fprintf(stderr, "vgpu-devtest: hold: no reconnect in %u s\n", seconds);
			return 1;
		}
	}
	printf("reconnected: generation %u -> %u; adds: %u right, %u failed with "
	       "VGPU_ESHUTDOWN, %u submissions while disconnected\n", di.generation,
	       now.generation, h.right, h.shutdown, h.notconn);
	if (ss.session) {
		printf("session %u: %s\n", ss.session,
		       now.session_state == VGPU_DEV_SESSION_LOST ? "lost" : "NOT LOST");
		req_init(&r, OP_MEM_ALLOC, 9, &ma, sizeof(ma));
		if (now.session_state != VGPU_DEV_SESSION_LOST ||
		    expect_errno("a session op after the session was lost",
				 ioctl(h.fd, VGPU_IOC_SUBMIT, &r), ENOLINK))
			return 1;
	}
	if (scalar_add(h.fd, 100, 200, 1, &sum) || sum != 300 ||
	    vadd_in(h.fd, 65536, &v, true, 2))
		return 1;
	printf("after: add 100 200 = %" PRId64 ", a 64K vadd right in the buffers of "
	       "before (registered again)\n", sum);
	vbufs_free(h.fd, &v);
	close(h.fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: vgpu-devtest [-d DEV] info | add A B | vadd [--n N] "
		"[--verify] | burst [--procs P] [--count C] [--kill-one] | isolation | mem [--n N] | "
		"hold [--seconds S] [--ready FILE]\n");
	exit(2);
}

/* The value of --NAME in argv (or @def). */
static uint64_t opt(int argc, char **argv, const char *name, uint64_t def)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtoull(argv[i + 1], NULL, 0);
	return def;
}

static bool flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *cmd;

	argv++, argc--;
	if (argc >= 2 && !strcmp(argv[0], "-d")) {
		dev_path = argv[1];
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		usage();
	cmd = argv[0];
	if (!strcmp(cmd, "info"))
		return cmd_info();
	if (!strcmp(cmd, "add") && argc == 3)
		return cmd_add(strtoll(argv[1], NULL, 0), strtoll(argv[2], NULL, 0));
	if (!strcmp(cmd, "vadd"))
		return cmd_vadd(opt(argc, argv, "--n", 1048576), flag(argc, argv, "--verify"));
	if (!strcmp(cmd, "burst"))
		return cmd_burst((unsigned)opt(argc, argv, "--procs", 2),
				 (unsigned)opt(argc, argv, "--count", 1000),
				 flag(argc, argv, "--kill-one"));
	if (!strcmp(cmd, "isolation"))
		return cmd_isolation();
	if (!strcmp(cmd, "mem"))
		return cmd_mem(opt(argc, argv, "--n", 1048576));
	if (!strcmp(cmd, "hold"))
		return cmd_hold((unsigned)opt(argc, argv, "--seconds", 600),
				argc >= 3 && !strcmp(argv[argc - 2], "--ready") ?
				argv[argc - 1] : NULL);
	usage();
	return 2;
}
