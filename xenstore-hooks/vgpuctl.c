/* SPDX-License-Identifier: MIT */
/* vgpuctl: manage vgpu devices and look into vgpuback (vgpuctl(8)). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "nodes.h"
#include "spec.h"
#include "xsnodes.h"

#define EXIT_FAILED    1
#define EXIT_USAGE     2
#define EXIT_NOBACKEND 3

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vgpuctl [OPTIONS] COMMAND [ARGS]\n"
"Manage xen-vgpu devices (dom0).\n"
"\n"
"Commands:\n"
"  attach DOMAIN SPEC        add a vgpu device, SPEC as in xl-vgpu(5): pool=A,prio=high\n"
"  detach DOMAIN [DEVID]     remove a device (default: device 0); a connected one is\n"
"                            closed first (online 0, Closing) and waited for\n"
"  list [DOMAIN]             devices: domain, devid, pool, priority, states, and the\n"
"                            vgpu= devices vgpuback refused, with the reason\n"
"  stats                     vgpuback's queue, per-domain and per-pool counts, latencies\n"
"  pools                     vgpuback's pools and their GPUs\n"
"\n"
"DOMAIN is a domain name or id, as xl takes them.\n"
"\n"
"Options:\n"
"  -j, --json                machine-readable output (list, stats, pools)\n"
"  -t, --timeout SECONDS     detach: how long to wait for the guest (0-3600, default 10);\n"
"                            past it nothing is removed and vgpuctl exits 1\n"
"  -f, --force               detach: remove at once, without waiting for the guest\n"
"  -s, --socket PATH         vgpuback's control socket\n"
"                            (default $VGPU_CONTROL_SOCKET or " RUNSTATEDIR "/xen-vgpu/vgpuback.sock)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Exit status: 0 success, 1 failure (no such domain or device, bad spec or pool,\n"
"detach timed out), 2 usage, 3 vgpuback is not running.\n");
}

static const char *state_name(int v)
{
	static const char *const n[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed",
	};

	if (v == -2)
		return "invalid";	/* a guest wrote something that is no state */
	return v >= 0 && v <= 6 ? n[v] : "-";
}

static char *rd(struct xs_handle *xs, const char *dir, const char *node)
{
	char path[600];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(xs, XBT_NULL, path, &len);
}

/*
 * @in, fit for a table and a JSON string: printable ASCII only, quotes and
 * backslashes replaced, at most @len - 1 characters.  XenStore text is shown,
 * never trusted.
 */
static const char *clean(const char *in, char *out, size_t len, const char *none)
{
	size_t i;

	if (!in)
		return none;
	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' && in[i] != '\\' ?
			 in[i] : '?';
	out[i] = 0;
	return out;
}

static int backend_state(struct xs_handle *xs, const char *be)
{
	char *v = rd(xs, be, VGPU_XS_STATE);
	unsigned long st;
	int rc = !v ? -1 : vgpu_parse_ulong(v, 6, &st) ? -2 : (int)st;

	free(v);
	return rc;
}

/* One device of dom0's backend tree. */
static void list_device(struct xs_handle *xs, unsigned long domid, const char *name,
			unsigned long devid, bool json, bool *first)
{
	char be[128], pool[24], prio[16], *p, *q;
	int bst, fst;

	snprintf(be, sizeof(be), "/local/domain/0/%s/%lu/%lu", VGPU_XS_BACKEND_ROOT,
		 domid, devid);
	p = rd(xs, be, VGPU_XS_POOL);
	q = rd(xs, be, VGPU_XS_PRIORITY);
	bst = backend_state(xs, be);
	fst = vgpu_frontend_state(xs, (uint32_t)domid, (int)devid);
	if (json)
		printf("%s{\"domid\":%lu,\"name\":\"%s\",\"devid\":%lu,\"pool\":\"%s\","
		       "\"priority\":\"%s\",\"backend_state\":\"%s\","
		       "\"frontend_state\":\"%s\"}", *first ? "" : ",", domid, name, devid,
		       clean(p, pool, sizeof(pool), ""), clean(q, prio, sizeof(prio), ""),
		       state_name(bst), state_name(fst));
	else
		printf("%-6lu %-16s %-5lu %-6s %-8s %-12s %-12s\n", domid, name[0] ? name : "-",
		       devid, clean(p, pool, sizeof(pool), "-"),
		       clean(q, prio, sizeof(prio), "-"), state_name(bst), state_name(fst));
	*first = false;
	free(p);
	free(q);
}

/* The devices the toolstack refused for @domid (nodes.h), from dom0's record. */
static void list_refused(struct xs_handle *xs, unsigned long domid, const char *name,
			 bool json, bool *first)
{
	char dir[96], path[128], why[512], **ids;
	unsigned int n, i;

	snprintf(dir, sizeof(dir), "%s/%lu/refused", VGPU_TOOL_ROOT, domid);
	ids = xs_directory(xs, XBT_NULL, dir, &n);
	for (i = 0; ids && i < n; i++) {
		char *r;

		snprintf(path, sizeof(path), "%s/%s", dir, ids[i]);
		r = rd(xs, path, "reason");
		clean(r, why, sizeof(why), "?");
		if (json)
			printf("%s{\"domid\":%lu,\"name\":\"%s\",\"reason\":\"%s\"}",
			       *first ? "" : ",", domid, name, why);
		else
			printf("%-6lu %-16s %-5s %-6s %-8s %-12s %-12s %s\n", domid,
			       name[0] ? name : "-", "-", "-", "-", "refused", "-", why);
		*first = false;
		free(r);
	}
	free(ids);
}

/* The domain ids listed under @root, strictly numeric ones only. */
static unsigned list_domids(struct xs_handle *xs, const char *root, unsigned long *ids,
			    unsigned max, unsigned have)
{
	unsigned int n, i, k;
	unsigned long d;
	char **ents = xs_directory(xs, XBT_NULL, root, &n);

	for (i = 0; ents && i < n && have < max; i++) {
		if (vgpu_parse_ulong(ents[i], VGPU_MAX_DOMID, &d))
			continue;
		for (k = 0; k < have && ids[k] != d; k++)
			;
		if (k == have)
			ids[have++] = d;
	}
	free(ents);
	return have;
}

/* The domain's name as a guest wrote it, reduced to printable text. */
static void domain_name(struct xs_handle *xs, unsigned long domid, char *out,
			size_t len)
{
	char np[64], *nm;

	snprintf(np, sizeof(np), "/local/domain/%lu", domid);
	nm = rd(xs, np, "name");
	clean(nm, out, len, "");
	free(nm);
}

static int cmd_list(struct xs_handle *xs, const char *who, bool json)
{
	const char *root = "/local/domain/0/" VGPU_XS_BACKEND_ROOT;
	static unsigned long doms[VGPU_MAX_DOMID + 1];
	unsigned int nd, nv, i, j;
	char **ids, path[256];
	long only = -1;
	bool first = true, rfirst = true;

	if (who) {
		only = vgpu_domain_lookup(xs, who);
		if (only < 0) {
			fprintf(stderr, "vgpuctl: list: no such domain: %s\n", who);
			return EXIT_FAILED;
		}
	}
	nd = list_domids(xs, root, doms, VGPU_MAX_DOMID + 1, 0);
	nd = list_domids(xs, VGPU_TOOL_ROOT, doms, VGPU_MAX_DOMID + 1, nd);
	if (json)
		printf("{\"devices\":[");
	else
		printf("%-6s %-16s %-5s %-6s %-8s %-12s %-12s\n", "domid", "name", "devid",
		       "pool", "priority", "backend", "frontend");
	for (i = 0; i < nd; i++) {
		char name[64];

		if (only >= 0 && doms[i] != (unsigned long)only)
			continue;
		domain_name(xs, doms[i], name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%lu", root, doms[i]);
		ids = xs_directory(xs, XBT_NULL, path, &nv);
		for (j = 0; ids && j < nv; j++) {
			unsigned long devid;

			if (!vgpu_parse_ulong(ids[j], VGPU_MAX_DEVID, &devid))
				list_device(xs, doms[i], name, devid, json, &first);
		}
		free(ids);
		if (!json)
			list_refused(xs, doms[i], name, false, &rfirst);
	}
	if (json) {
		printf("],\"refused\":[");
		for (i = 0; i < nd; i++) {
			char name[64];

			if (only >= 0 && doms[i] != (unsigned long)only)
				continue;
			domain_name(xs, doms[i], name, sizeof(name));
			list_refused(xs, doms[i], name, true, &rfirst);
		}
		printf("]}\n");
	}
	return 0;
}

static int ask_backend(const char *sock, const char *cmd, char **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 65536;
	char *buf;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(fd);
		return e;
	}
	char line[64];

	snprintf(line, sizeof(line), "%s\n", cmd);
	/* One send: the daemon answers the first line it reads, then closes. */
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		close(fd);
		return -EPIPE;
	}
	buf = malloc(cap);
	while (buf && (n = recv(fd, buf + len, cap - len - 1, 0)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	buf[len] = 0;
	*out = buf;
	return 0;
}

/* The value of "key": in a flat stretch of JSON, as text. */
static const char *jget(const char *from, const char *key, char *val, size_t len)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(from, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"')
		p++;
	while (p[n] && p[n] != ',' && p[n] != '}' && p[n] != '"' && n + 1 < len)
		n++;
	memcpy(val, p, n);
	val[n] = 0;
	return p + n;
}

static void print_table(const char *json, const char *array, const char *const *keys)
{
	const char *p = strstr(json, array);
	unsigned k;

	if (!p)
		return;
	for (k = 0; keys[k]; k++)
		printf("%-12s", keys[k]);
	printf("\n");
	while ((p = strchr(p, '{')) && *p) {
		const char *end = strchr(p, '}');
		char v[64];

		if (!end)
			break;
		for (k = 0; keys[k]; k++) {
			const char *q = jget(p, keys[k], v, sizeof(v));

			printf("%-12s", q && q <= end ? v : "-");
		}
		printf("\n");
		p = end + 1;
		if (*p == ']')
			break;
	}
}

static int cmd_backend(const char *sock, const char *cmd, bool json)
{
	static const char *const dom_keys[] = { "domid", "devid", "pool", "priority",
		"state", "submitted", "completed", "failed", "inflight", "queued", NULL };
	static const char *const pool_keys[] = { "name", "gpu", "submitted", "completed", NULL };
	static const char *const pools_keys[] = { "name", "gpu", "devices", NULL };
	char *out = NULL, v[64];
	int rc = ask_backend(sock, cmd, &out);

	if (rc) {
		fprintf(stderr, "vgpuctl: vgpuback is not running (cannot reach %s: %s)\n",
			sock, strerror(-rc));
		return EXIT_NOBACKEND;
	}
	if (json) {
		fputs(out, stdout);
	} else if (!strcmp(cmd, "pools")) {
		print_table(out, "\"pools\"", pools_keys);
	} else {
		const char *q = strstr(out, "\"queued\":{");

		printf("executor %s, %s slots, %s running\n",
		       jget(out, "executor", v, sizeof(v)) ? v : "?",
		       jget(out, "slots", v + 20, 20) ? v + 20 : "?",
		       jget(out, "inflight", v + 40, 20) ? v + 40 : "?");
		if (q) {
			char h[16], m[16], l[16];

			jget(q, "high", h, sizeof(h));
			jget(q, "medium", m, sizeof(m));
			jget(q, "low", l, sizeof(l));
			printf("queued: high %s, medium %s, low %s\n\n", h, m, l);
		}
		print_table(out, "\"domains\"", dom_keys);
		printf("\n");
		print_table(strstr(out, "],\"pools\"") ? strstr(out, "],\"pools\"") : out,
			    "\"pools\"", pool_keys);
		q = strstr(out, "\"latency_us\"");
		if (q) {
			char a[16], b[16], c[16], d[16];

			jget(q, "queue_p50", a, sizeof(a));
			jget(q, "queue_p99", b, sizeof(b));
			jget(q, "exec_p50", c, sizeof(c));
			jget(q, "exec_p99", d, sizeof(d));
			printf("\nlatency (us): queued p50 %s p99 %s, executing p50 %s p99 %s\n",
			       a, b, c, d);
		}
	}
	free(out);
	return 0;
}

/* Whether vgpuback serves @pool: 1 yes, 0 no (its pools in @have), -1 cannot ask. */
static int backend_has_pool(const char *sock, const char *pool, char *have, size_t len)
{
	char *out = NULL, pat[40], v[32];
	const char *p;
	size_t n = 0;
	int rc;

	if (ask_backend(sock, "pools", &out))
		return -1;
	snprintf(pat, sizeof(pat), "\"name\":\"%s\"", pool);
	rc = strstr(out, pat) ? 1 : 0;
	have[0] = 0;
	for (p = out; (p = jget(p, "name", v, sizeof(v))); )
		n += (size_t)snprintf(have + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", v);
	free(out);
	return rc;
}

static int cmd_attach(struct xs_handle *xs, const char *sock, const char *who,
		      uint32_t domid, const char *text)
{
	struct vgpu_spec spec;
	char err[256], pools[256];
	int e;

	if (vgpu_spec_parse(text, &spec, err, sizeof(err))) {
		fprintf(stderr, "vgpuctl: attach %s: %s\n", who, err);
		return EXIT_FAILED;
	}
	e = backend_has_pool(sock, spec.pool, pools, sizeof(pools));
	if (e == 0) {
		fprintf(stderr, "vgpuctl: attach %s: vgpu spec '%s': unknown pool '%s' "
			"(vgpuback serves: %s)\n", who, text, spec.pool, pools);
		return EXIT_FAILED;
	}
	if (e < 0)
		fprintf(stderr, "vgpuctl: attach %s: warning: vgpuback is not running, pool "
			"'%s' not checked (vgpuback refuses an unknown pool when it starts)\n",
			who, spec.pool);
	if (spec.devid < 0)
		spec.devid = vgpu_next_devid(xs, domid);
	if (spec.devid < 0) {
		fprintf(stderr, "vgpuctl: attach %s: no free devid (0-%d all used)\n", who,
			VGPU_MAX_DEVID);
		return EXIT_FAILED;
	}
	e = vgpu_nodes_write(xs, domid, spec.devid, &spec);
	if (e) {
		fprintf(stderr, "vgpuctl: attach %s devid %d: %s\n", who, spec.devid,
			e == -EEXIST ? "that device exists" : strerror(-e));
		return EXIT_FAILED;
	}
	printf("%d\n", spec.devid);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A frontend that holds no connection: closed, never connected, gone, or
 * writing what is no state (vgpuback treats that as gone too).
 */
static bool frontend_done(int st)
{
	return st == XenbusStateClosed || st == XenbusStateUnknown ||
	       st == XenbusStateInitialising || st < 0;
}

static bool backend_alive(const char *sock)
{
	char *out = NULL;

	if (ask_backend(sock, "pools", &out))
		return false;
	free(out);
	return true;
}

/*
 * Wait up to @timeout_ms until the device is closed: vgpuback says Closed
 * (it let go of the ring), or the domain is gone, or, with no vgpuback to
 * say so, the frontend let go.  True if it is; the last states in @fst, @bst.
 */
static bool wait_closed(struct xs_handle *xs, const char *sock, uint32_t domid, int devid,
			long timeout_ms, int *fst, int *bst)
{
	int64_t end = now_ms() + timeout_ms;
	char fpath[128], bpath[128];
	bool done;

	snprintf(fpath, sizeof(fpath), "/local/domain/%u/%s/%d/%s", domid,
		 VGPU_XS_FRONTEND_ROOT, devid, VGPU_XS_STATE);
	snprintf(bpath, sizeof(bpath), "/local/domain/0/%s/%u/%d/%s", VGPU_XS_BACKEND_ROOT,
		 domid, devid, VGPU_XS_STATE);
	xs_watch(xs, fpath, "fe");
	xs_watch(xs, bpath, "be");
	xs_watch(xs, "@releaseDomain", "rel");
	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
		int64_t left;
		char **w;
		unsigned int n;

		while (poll(&pfd, 1, 0) > 0 && (w = xs_read_watch(xs, &n)))
			free(w);
		*bst = vgpu_backend_state(xs, domid, devid);
		*fst = vgpu_frontend_state(xs, domid, devid);
		done = *bst == XenbusStateClosed || *bst == -1 || !vgpu_domain_exists(xs, domid) ||
		       (frontend_done(*fst) && !backend_alive(sock));
		left = end - now_ms();
		if (done || left <= 0)
			break;
		/* A watch wakes us; the 100 ms is a guard against a lost one. */
		poll(&pfd, 1, left < 100 ? (int)left : 100);
	}
	xs_unwatch(xs, fpath, "fe");
	xs_unwatch(xs, bpath, "be");
	xs_unwatch(xs, "@releaseDomain", "rel");
	return done;
}

static int cmd_detach(struct xs_handle *xs, const char *sock, const char *who,
		      uint32_t domid, int devid, long timeout_s, bool force)
{
	bool closing = false, done = true;
	int e, fst = -1, bst = -1;

	if (!force) {
		e = vgpu_nodes_close(xs, domid, devid, &closing);
		if (e && e != -ENOENT) {	/* -ENOENT: the removal below says why */
			fprintf(stderr, "vgpuctl: detach %s %d: %s\n", who, devid,
				e == -EPROTO ? "dom0's record of the device is damaged; "
				"nothing removed" : strerror(-e));
			return EXIT_FAILED;
		}
		if (!e && closing)
			done = wait_closed(xs, sock, domid, devid, timeout_s * 1000, &fst, &bst);
	}
	if (!done) {
		fprintf(stderr, "vgpuctl: detach %s %d: the frontend did not close within %ld s "
			"(frontend %s, backend %s); the device is left Closing with online 0 and "
			"not removed: close it in the guest, or detach --force\n", who, devid,
			timeout_s, state_name(fst), state_name(bst));
		return EXIT_FAILED;
	}
	e = vgpu_nodes_remove(xs, domid, devid);
	if (e) {
		fprintf(stderr, "vgpuctl: detach %s %d: %s\n", who, devid,
			e == -ENOENT ? "no such device" :
			e == -EPROTO ? "dom0's record of the device is damaged; nothing removed" :
			strerror(-e));
		return EXIT_FAILED;
	}
	return 0;
}

/*
 * A domain id that is no domain any more but has vgpu devices in dom0's
 * backend tree or record: detach may clean them up (nothing left to wait for).
 */
static long gone_domain(struct xs_handle *xs, const char *who)
{
	unsigned long id;
	char path[64];
	unsigned int len;
	char *v;

	if (vgpu_parse_ulong(who, VGPU_MAX_DOMID, &id) || !id)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/0/%s/%lu", VGPU_XS_BACKEND_ROOT, id);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v) {
		snprintf(path, sizeof(path), "%s/%lu", VGPU_TOOL_ROOT, id);
		v = xs_read(xs, XBT_NULL, path, &len);
	}
	free(v);
	return v ? (long)id : -1;
}

/* A number argument in 0..max, or exit 2 with a line saying what is allowed. */
static bool num_arg(const char *what, const char *val, unsigned long max,
		    unsigned long *out)
{
	if (!vgpu_parse_ulong(val, max, out))
		return true;
	fprintf(stderr, "vgpuctl: %s '%s': want a whole number 0-%lu\n", what, val, max);
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("VGPU_CONTROL_SOCKET");
	unsigned long timeout_s = 10, devid = 0;
	struct xs_handle *xs;
	bool json = false, force = false;
	const char *cmd;
	long domid;
	int c, rc;

	if (!sock || !*sock)
		sock = RUNSTATEDIR "/xen-vgpu/vgpuback.sock";
	opterr = 0;	/* our one line says what is wrong */
	while ((c = getopt_long(argc, argv, ":js:t:fhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': sock = optarg; break;
		case 't':
			if (!num_arg("--timeout", optarg, 3600, &timeout_s))
				return EXIT_USAGE;
			break;
		case 'f': force = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vgpuctl %s\n", PACKAGE_VERSION); return 0;
		case ':':
			fprintf(stderr, "vgpuctl: option '%s' wants a value (see vgpuctl --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "vgpuctl: unknown option '%s' (options: --json, --socket, "
				"--timeout, --force, --help, --version)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "pools")) {
		if (argc) {
			fprintf(stderr, "vgpuctl: %s takes no argument (got '%s')\n", cmd, argv[0]);
			return EXIT_USAGE;
		}
		return cmd_backend(sock, cmd, json);
	}
	if (strcmp(cmd, "attach") && strcmp(cmd, "detach") && strcmp(cmd, "list")) {
		fprintf(stderr, "vgpuctl: unknown command '%s' (commands: attach, detach, list, "
			"stats, pools)\n", cmd);
		return EXIT_USAGE;
	}
	if ((!strcmp(cmd, "attach") && argc != 2) || (!strcmp(cmd, "detach") && (argc < 1 || argc > 2)) ||
	    (!strcmp(cmd, "list") && argc > 1)) {
		fprintf(stderr, "vgpuctl: %s: want %s\n", cmd,
			!strcmp(cmd, "attach") ? "DOMAIN SPEC" :
			!strcmp(cmd, "detach") ? "DOMAIN [DEVID]" : "[DOMAIN]");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "detach") && argc == 2 &&
	    !num_arg("detach: DEVID", argv[1], VGPU_MAX_DEVID, &devid))
		return EXIT_USAGE;
	xs = xs_open(0);
	if (!xs) {
		fprintf(stderr, "vgpuctl: cannot reach XenStore: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	if (!strcmp(cmd, "list")) {
		rc = cmd_list(xs, argc ? argv[0] : NULL, json);
		goto out;
	}
	rc = EXIT_FAILED;
	domid = vgpu_domain_lookup(xs, argv[0]);
	if (domid < 0 && !strcmp(cmd, "detach"))
		domid = gone_domain(xs, argv[0]);
	if (domid < 0)
		fprintf(stderr, "vgpuctl: %s: no such domain: %s\n", cmd, argv[0]);
	else if (domid == 0)
		fprintf(stderr, "vgpuctl: %s: %s is dom0: vgpu devices are for guest domains\n",
			cmd, argv[0]);
	else if (!strcmp(cmd, "attach"))
		rc = cmd_attach(xs, sock, argv[0], (uint32_t)domid, argv[1]);
	else
		rc = cmd_detach(xs, sock, argv[0], (uint32_t)domid, (int)devid, (long)timeout_s,
				force);
out:
	xs_close(xs);
	return rc;
}
