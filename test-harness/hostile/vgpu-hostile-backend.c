/* SPDX-License-Identifier: MIT */
/*
 * vgpu-hostile-backend: a hostile vgpu backend for test-front-hostile.sh.
 *
 * It plays dom0's backend for one device of one guest, as a compromised
 * driver domain would (the XSA-403 threat to blkfront and netfront): it
 * creates the device's nodes as the toolstack does, goes to InitWait, maps
 * the ring the guest publishes, binds its event channel, goes to Connected
 * and answers requests, the first --after of them correctly, then once
 * breaks the protocol:
 *
 *   good           never (the control: a guest must be served)
 *   prod-ahead     the response producer index a ring and more ahead
 *   unknown-id     a response to an id the guest never used
 *   silent         never: the nodes are made, the backend stays in
 *                  Initialising (vgpuback down when xl created the guest)
 *   duplicate-id   the answer to the request before, again, in place of
 *                  this request's (the slot discipline kept: a response
 *                  past the guest's requests would land on a slot the guest
 *                  writes its next request into)
 *   xs-garbage     never on the ring: before InitWait its state node takes
 *                  values no state has (empty, words, negative, 7, 255)
 *                  and its feature nodes overflowing, signed and
 *                  non-numeric values, a 2000-byte pool (xenstored's
 *                  default node quota is 2048); then it plays
 *                  fair (a guest must cap or ignore them and be served)
 *
 * and goes on answering correctly, so that a guest that did not notice
 * carries on.  It stops when the guest closes (or --seconds pass, or
 * SIGTERM or SIGINT comes), sets Closed, unmaps the ring and removes the
 * nodes.  With --linger S it first keeps everything as it is (its state
 * Connected, the nodes there) for up to S seconds after the guest left,
 * or until SIGTERM: the real-Xen test looks at the failed device in the
 * guest meanwhile, before the device goes with the nodes.  It runs on
 * simxen or real Xen (the platform layer: $VGPU_PLATFORM, else "xen").
 * Output, one line each:
 *
 *   READY domid=D devid=N           the backend waits in InitWait
 *   CONNECTED pages=P port=E        the guest's ring is mapped
 *   ATTACK kind=K request=I         the protocol was broken here
 *   LEFT guest_state=S              the guest left (before --linger)
 *   SUMMARY attack=K answered=A attacked=0|1 guest_state=S stopped=0|1
 *
 * Exit status: 0 the guest connected and left (or was still connected
 * when a signal stopped us), 1 it never connected or something failed
 * here, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "platform.h"
#include "vgpuif.h"
#include "xsnodes.h"

enum attack { A_GOOD, A_PROD_AHEAD, A_UNKNOWN_ID, A_DUPLICATE_ID, A_SILENT,
	      A_XS_GARBAGE, A_COUNT };

static const char *const attack_names[A_COUNT] = {
	"good", "prod-ahead", "unknown-id", "duplicate-id", "silent", "xs-garbage",
};

/* The attacks that break the ring protocol (answer() does them). */
static bool ring_attack(enum attack a)
{
	return a == A_PROD_AHEAD || a == A_UNKNOWN_ID || a == A_DUPLICATE_ID;
}

struct back {
	enum attack attack;
	unsigned after;			/* good answers before the attack */
	double seconds;			/* give up after this long */
	double linger;			/* keep the nodes after the guest left */
	uint32_t domid;
	unsigned devid;
	struct xs_handle *xs;
	struct vgpu_platform *plat;
	struct vgpu_evtchn *ch;
	char be[128], fe[128];
	void *ring;
	unsigned pages;
	int port;
	vgpuif_back_ring_t br;
	unsigned answered;
	struct vgpuif_response last;	/* the answer before, for duplicate-id */
	bool attacked;
	bool broken;			/* the guest's ring indices make no sense */
	int guest_state;
};

/* SIGTERM or SIGINT: stop serving (or lingering) and clean up. */
static volatile sig_atomic_t stop_now;

static void on_stop(int sig)
{
	(void)sig;
	stop_now = 1;
}

/* No SA_RESTART: poll() and usleep() return at once on the signal. */
static void catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *xread(struct back *b, const char *dir, const char *node)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(b->xs, XBT_NULL, path, &len);
}

static bool xwrite(struct back *b, xs_transaction_t t, const char *dir,
		   const char *node, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_write(b->xs, t, path, val, strlen(val));
}

static int state_of(struct back *b, const char *dir)
{
	char *v = xread(b, dir, VGPU_XS_STATE);
	int st = v ? atoi(v) : XenbusStateUnknown;

	free(v);
	return st;
}

static void set_state(struct back *b, int st)
{
	char v[8];

	snprintf(v, sizeof(v), "%d", st);
	xwrite(b, XBT_NULL, b->be, VGPU_XS_STATE, v);
}

/* The device's nodes, as the toolstack writes them (vgpuctl attach). */
static int create_nodes(struct back *b)
{
	struct xs_permissions fe_perms[2] = {
		{ .id = b->domid, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = b->domid, .perms = XS_PERM_READ },
	};
	char num[16];
	xs_transaction_t t = xs_transaction_start(b->xs);
	bool ok;

	if (t == XBT_NULL)
		return -errno;
	snprintf(num, sizeof(num), "%u", b->domid);
	ok = xs_mkdir(b->xs, t, b->fe) && xs_set_permissions(b->xs, t, b->fe, fe_perms, 2) &&
	     xwrite(b, t, b->fe, VGPU_XS_BACKEND, b->be) &&
	     xwrite(b, t, b->fe, VGPU_XS_BACKEND_ID, "0") &&
	     xwrite(b, t, b->fe, VGPU_XS_STATE, "1") &&
	     xs_mkdir(b->xs, t, b->be) && xs_set_permissions(b->xs, t, b->be, be_perms, 2) &&
	     xwrite(b, t, b->be, VGPU_XS_FRONTEND, b->fe) &&
	     xwrite(b, t, b->be, VGPU_XS_FRONTEND_ID, num) &&
	     xwrite(b, t, b->be, VGPU_XS_FEAT_RING_ORDER, "4") &&
	     xwrite(b, t, b->be, VGPU_XS_ONLINE, "1") &&
	     xwrite(b, t, b->be, VGPU_XS_STATE,
		    b->attack == A_SILENT || b->attack == A_XS_GARBAGE ? "1" : "2");
	if (!xs_transaction_end(b->xs, t, !ok) || !ok)
		return -EIO;
	return 0;
}

/*
 * xs-garbage: values no state has in our state node, 300 ms each (the
 * guest must not start on any: none is InitWait), then values a careful
 * reader refuses or caps in the feature nodes; InitWait is the caller's.
 */
static void xs_garbage(struct back *b)
{
	static const char *const states[] = { "", "x", "-1", "7", "255" };
	static const char *const feats[][2] = {
		{ VGPU_XS_FEAT_RING_ORDER, "18446744073709551621" },
		{ VGPU_XS_FEAT_VERSION, "2abc" },
		{ VGPU_XS_FEAT_MAX_BUF_PAGES, "-1" },
		{ VGPU_XS_FEAT_EXECUTOR, "" },
		{ VGPU_XS_PRIORITY, "hi\tgh\x01" },
	};
	char pool[2001];
	unsigned i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]) && !stop_now; i++) {
		printf("GARBAGE state=\"%s\"\n", states[i]);
		fflush(stdout);
		xwrite(b, XBT_NULL, b->be, VGPU_XS_STATE, states[i]);
		usleep(300000);
	}
	for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
		xwrite(b, XBT_NULL, b->be, feats[i][0], feats[i][1]);
	memset(pool, 'P', sizeof(pool) - 1);
	pool[sizeof(pool) - 1] = 0;
	xwrite(b, XBT_NULL, b->be, VGPU_XS_POOL, pool);
}

/* Wait (bounded) until the guest's state is one @want accepts. */
static int wait_guest(struct back *b, bool (*want)(int), unsigned ms)
{
	uint64_t end = now_ms() + ms;
	int st;

	do {
		st = state_of(b, b->fe);
		if (want(st))
			return st;
		usleep(5000);
	} while (now_ms() < end && !stop_now);
	return -ETIMEDOUT;
}

static bool is_initialised(int st)
{
	return st == XenbusStateInitialised || st >= XenbusStateClosing;
}

static bool is_gone(int st)
{
	return st == XenbusStateClosed || st == XenbusStateUnknown;
}

static int map_ring(struct back *b)
{
	uint32_t refs[1u << VGPUIF_MAX_RING_PAGE_ORDER];
	char *order = xread(b, b->fe, VGPU_XS_RING_PAGE_ORDER), *v, name[32];
	unsigned i;

	b->pages = order ? 1u << atoi(order) : 1;
	free(order);
	if (b->pages > 1u << VGPUIF_MAX_RING_PAGE_ORDER)
		return -EINVAL;
	for (i = 0; i < b->pages; i++) {
		if (order)
			snprintf(name, sizeof(name), VGPU_XS_RING_REF_FMT, i);
		else
			snprintf(name, sizeof(name), "%s", VGPU_XS_RING_REF);
		v = xread(b, b->fe, name);
		refs[i] = v ? (uint32_t)strtoul(v, NULL, 10) : 0;
		free(v);
	}
	b->ring = vgpu_gnt_map(b->plat, b->domid, b->pages, refs, 1);
	if (!b->ring)
		return -errno;
	BACK_RING_INIT(&b->br, (vgpuif_sring_t *)b->ring, VGPUIF_PAGE_SIZE * b->pages);
	v = xread(b, b->fe, VGPU_XS_EVENT_CHANNEL);
	b->port = v ? vgpu_evtchn_bind(b->ch, b->domid, (uint32_t)atoi(v)) : -EINVAL;
	free(v);
	return b->port < 0 ? b->port : 0;
}

static void push(struct back *b, const struct vgpuif_response *rsp)
{
	int notify;

	memcpy(RING_GET_RESPONSE(&b->br, b->br.rsp_prod_pvt), rsp, sizeof(*rsp));
	b->br.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->br, notify);
	(void)notify;
	vgpu_evtchn_notify(b->ch, (uint32_t)b->port);
}

static void attack_now(struct back *b, struct vgpuif_response *rsp)
{
	printf("ATTACK kind=%s request=%u\n", attack_names[b->attack], b->answered);
	fflush(stdout);
	b->attacked = true;
	switch (b->attack) {
	case A_PROD_AHEAD:
		/* Far past anything the ring holds: RING_RESPONSE_PROD_OVERFLOW. */
		xen_wmb();
		b->br.sring->rsp_prod = b->br.rsp_prod_pvt + RING_SIZE(&b->br) + 7;
		vgpu_evtchn_notify(b->ch, (uint32_t)b->port);
		break;
	case A_UNKNOWN_ID:
		rsp->id ^= 0x5a5a000000000000ull;
		push(b, rsp);
		break;
	default:
		push(b, &b->last);
		break;
	}
}

/* One request, copied out once, answered right (or attacked with). */
static void answer(struct back *b, const struct vgpuif_request *req)
{
	struct vgpuif_response rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = req->id;
	rsp.op = req->op;
	if (req->op == VGPU_OP_NOP)
		rsp.status = VGPU_OK;
	else if (req->op == VGPU_OP_SCALAR_ADD)
		rsp.result.scalar = (int64_t)((uint64_t)req->u.scalar_add.a +
					      (uint64_t)req->u.scalar_add.b);
	else
		rsp.status = VGPU_ENOSYS;
	if (ring_attack(b->attack) && !b->attacked && b->answered == b->after &&
	    (b->attack != A_DUPLICATE_ID || b->answered))
		attack_now(b, &rsp);
	else if (b->attack != A_PROD_AHEAD || !b->attacked)
		push(b, &rsp);
	b->last = rsp;
	b->answered++;
}

static bool guest_left(struct back *b)
{
	b->guest_state = state_of(b, b->fe);
	return b->guest_state != XenbusStateConnected &&
	       b->guest_state != XenbusStateInitialised;
}

static void serve(struct back *b)
{
	uint64_t end = now_ms() + (uint64_t)(b->seconds * 1000);
	struct pollfd pfd = { .fd = vgpu_evtchn_fd(b->ch), .events = POLLIN };

	while (now_ms() < end && !stop_now && !guest_left(b) && !b->broken) {
		RING_IDX rc, rp;
		int port, more;

		poll(&pfd, 1, 20);
		while ((port = vgpu_evtchn_pending(b->ch)) >= 0)
			vgpu_evtchn_unmask(b->ch, (uint32_t)port);
		do {
			rp = b->br.sring->req_prod;
			xen_rmb();
			for (rc = b->br.req_cons; rc != rp; rc++) {
				struct vgpuif_request req;

				if (RING_REQUEST_CONS_OVERFLOW(&b->br, rc) ||
				    rp - b->br.rsp_prod_pvt > RING_SIZE(&b->br)) {
					b->broken = true;
					return;
				}
				RING_COPY_REQUEST(&b->br, rc, &req);
				b->br.req_cons = rc + 1;
				answer(b, &req);
			}
			RING_FINAL_CHECK_FOR_REQUESTS(&b->br, more);
		} while (more);
	}
}

/*
 * The guest left (after the attack: it failed the device): leave our side
 * as it is, Connected with the nodes there, until --linger passes or a
 * signal comes, so that the guest's failed device can be looked at.
 */
static void linger(struct back *b)
{
	uint64_t end = now_ms() + (uint64_t)(b->linger * 1000);

	printf("LEFT guest_state=%d\n", b->guest_state);
	fflush(stdout);
	while (!stop_now && now_ms() < end)
		usleep(20000);
}

static void teardown(struct back *b)
{
	if (b->xs)
		set_state(b, XenbusStateClosed);
	if (b->ch) {
		if (b->port >= 0)
			vgpu_evtchn_unbind(b->ch, (uint32_t)b->port);
		vgpu_evtchn_close(b->ch);
	}
	if (b->ring)
		vgpu_gnt_unmap(b->plat, b->ring, b->pages);
	if (b->xs) {
		xs_rm(b->xs, XBT_NULL, b->be);
		xs_rm(b->xs, XBT_NULL, b->fe);
		xs_close(b->xs);
	}
	if (b->plat)
		vgpu_platform_close(b->plat);
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "Usage: vgpu-hostile-backend --domid D [--devid N] [--after N]\n"
		   "                            [--seconds S] [--linger S]\n"
		   "                            --attack good|prod-ahead|unknown-id|duplicate-id|\n"
		   "                                     silent|xs-garbage\n");
	return rc;
}

static int parse(int argc, char **argv, struct back *b)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'D' },
		{ "devid", required_argument, NULL, 'n' },
		{ "attack", required_argument, NULL, 'a' },
		{ "after", required_argument, NULL, 'A' },
		{ "seconds", required_argument, NULL, 's' },
		{ "linger", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i, found = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'D': b->domid = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': b->devid = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'A': b->after = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': b->seconds = atof(optarg); break;
		case 'L': b->linger = atof(optarg); break;
		case 'a':
			for (i = 0; i < A_COUNT; i++)
				if (!strcmp(optarg, attack_names[i]))
					break;
			if (i == A_COUNT)
				return 2;
			b->attack = (enum attack)i;
			found = 1;
			break;
		default: return 2;
		}
	}
	return !b->domid || !found || b->seconds <= 0 || b->linger < 0 ||
	       optind != argc ? 2 : 0;
}

int main(int argc, char **argv)
{
	struct back b = { .seconds = 30, .port = -1 };
	int rc = 1, st;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return usage(stdout, 0);
	if (parse(argc, argv, &b))
		return usage(stderr, 2);
	catch_stop();
	snprintf(b.be, sizeof(b.be), "/local/domain/0/%s/%u/%u", VGPU_XS_BACKEND_ROOT,
		 b.domid, b.devid);
	snprintf(b.fe, sizeof(b.fe), "/local/domain/%u/%s/%u", b.domid,
		 VGPU_XS_FRONTEND_ROOT, b.devid);
	b.xs = xs_open(0);
	b.plat = b.xs ? vgpu_platform_open(NULL) : NULL;
	b.ch = b.plat ? vgpu_evtchn_open(b.plat) : NULL;
	if (!b.ch || create_nodes(&b)) {
		fprintf(stderr, "vgpu-hostile-backend: setup: %s\n", strerror(errno));
		goto out;
	}
	printf("READY domid=%u devid=%u\n", b.domid, b.devid);
	fflush(stdout);
	if (b.attack == A_XS_GARBAGE) {
		xs_garbage(&b);
		set_state(&b, XenbusStateInitWait);
	}
	if (b.attack == A_SILENT) {
		/* Until the guest goes Closed or time is up: either is fine. */
		wait_guest(&b, is_gone, (unsigned)(b.seconds * 1000));
		rc = 0;
		b.guest_state = state_of(&b, b.fe);
		goto summary;
	}
	st = wait_guest(&b, is_initialised, (unsigned)(b.seconds * 1000));
	if (st != XenbusStateInitialised || map_ring(&b)) {
		fprintf(stderr, "vgpu-hostile-backend: the guest did not connect (state %d)\n", st);
		goto out;
	}
	set_state(&b, XenbusStateConnected);
	printf("CONNECTED pages=%u port=%d\n", b.pages, b.port);
	fflush(stdout);
	serve(&b);
	rc = guest_left(&b) || stop_now ? 0 : 1;
	if (guest_left(&b) && b.linger > 0)
		linger(&b);
summary:
	printf("SUMMARY attack=%s answered=%u attacked=%d guest_state=%d stopped=%d\n",
	       attack_names[b.attack], b.answered, b.attacked, b.guest_state,
	       stop_now ? 1 : 0);
out:
	teardown(&b);
	return rc;
}
