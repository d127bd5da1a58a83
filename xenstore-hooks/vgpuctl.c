/* SPDX-License-Identifier: MIT */
/* vgpuctl: manage vgpu devices and look into vgpuback (vgpuctl(8)). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenstore.h>

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
"  detach DOMAIN [DEVID]     remove a device (default: device 0)\n"
"  list [DOMAIN]             devices: domain, devid, pool, priority, states\n"
"  stats                     vgpuback's queue, per-domain and per-pool counts, latencies\n"
"  pools                     vgpuback's pools and their GPUs\n"
"\n"
"DOMAIN is a domain name or id, as xl takes them.\n"
"\n"
"Options:\n"
"  -j, --json                machine-readable output (list, stats, pools)\n"
"  -s, --socket PATH         vgpuback's control socket\n"
"                            (default $VGPU_CONTROL_SOCKET or " RUNSTATEDIR "/xen-vgpu/vgpuback.sock)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Exit status: 0 success, 1 failure (no such domain or device, bad spec),\n"
"2 usage, 3 vgpuback is not running.\n");
}

static const char *state_name(const char *s)
{
	static const char *const n[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed",
	};
	int v = s ? atoi(s) : -1;

	return v >= 0 && v <= 6 ? n[v] : "-";
}

static char *rd(struct xs_handle *xs, const char *dir, const char *node)
{
	char path[600];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	return xs_read(xs, XBT_NULL, path, &len);
}

static int cmd_list(struct xs_handle *xs, const char *who, bool json)
{
	const char *root = "/local/domain/0/" VGPU_XS_BACKEND_ROOT;
	unsigned int nd, nv, i, j;
	char **doms, **ids, path[256];
	long only = -1;
	bool first = true;

	if (who) {
		only = vgpu_domain_lookup(xs, who);
		if (only < 0) {
			fprintf(stderr, "vgpuctl: no such domain: %s\n", who);
			return EXIT_FAILED;
		}
	}
	if (json)
		printf("{\"devices\":[");
	else
		printf("%-6s %-16s %-5s %-6s %-8s %-12s %-12s\n", "domid", "name", "devid",
		       "pool", "priority", "backend", "frontend");
	doms = xs_directory(xs, XBT_NULL, root, &nd);
	for (i = 0; doms && i < nd; i++) {
		if (only >= 0 && atol(doms[i]) != only)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, doms[i]);
		ids = xs_directory(xs, XBT_NULL, path, &nv);
		for (j = 0; ids && j < nv; j++) {
			char be[400], *pool, *prio, *bst, *fe, *fst = NULL, *name, np[64];

			snprintf(be, sizeof(be), "%s/%s", path, ids[j]);
			pool = rd(xs, be, VGPU_XS_POOL);
			prio = rd(xs, be, VGPU_XS_PRIORITY);
			bst = rd(xs, be, VGPU_XS_STATE);
			fe = rd(xs, be, VGPU_XS_FRONTEND);
			if (fe)
				fst = rd(xs, fe, VGPU_XS_STATE);
			snprintf(np, sizeof(np), "/local/domain/%s", doms[i]);
			name = rd(xs, np, "name");
			if (json)
				printf("%s{\"domid\":%s,\"name\":\"%s\",\"devid\":%s,\"pool\":\"%s\","
				       "\"priority\":\"%s\",\"backend_state\":\"%s\","
				       "\"frontend_state\":\"%s\"}", first ? "" : ",", doms[i],
				       name ? name : "", ids[j], pool ? pool : "", prio ? prio : "",
				       state_name(bst), state_name(fst));
			else
				printf("%-6s %-16s %-5s %-6s %-8s %-12s %-12s\n", doms[i],
				       name ? name : "-", ids[j], pool ? pool : "-",
				       prio ? prio : "-", state_name(bst), state_name(fst));
			first = false;
			free(pool);
			free(prio);
			free(bst);
			free(fe);
			free(fst);
			free(name);
		}
		free(ids);
	}
	free(doms);
	if (json)
		printf("]}\n");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("VGPU_CONTROL_SOCKET");
	struct xs_handle *xs;
	bool json = false;
	const char *cmd;
	int c, rc;

	if (!sock || !*sock)
		sock = RUNSTATEDIR "/xen-vgpu/vgpuback.sock";
	while ((c = getopt_long(argc, argv, "js:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': sock = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vgpuctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
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
			usage(stderr);
			return EXIT_USAGE;
		}
		return cmd_backend(sock, cmd, json);
	}
	if (strcmp(cmd, "attach") && strcmp(cmd, "detach") && strcmp(cmd, "list")) {
		fprintf(stderr, "vgpuctl: unknown command '%s'\n", cmd);
		return EXIT_USAGE;
	}
	if ((!strcmp(cmd, "attach") && argc != 2) || (!strcmp(cmd, "detach") && (argc < 1 || argc > 2)) ||
	    (!strcmp(cmd, "list") && argc > 1)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	xs = xs_open(0);
	if (!xs) {
		fprintf(stderr, "vgpuctl: cannot reach XenStore: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	if (!strcmp(cmd, "list")) {
		rc = cmd_list(xs, argc ? argv[0] : NULL, json);
	} else {
		long domid = vgpu_domain_lookup(xs, argv[0]);

		rc = EXIT_FAILED;
		if (domid <= 0) {
			fprintf(stderr, "vgpuctl: no such guest domain: %s\n", argv[0]);
		} else if (!strcmp(cmd, "attach")) {
			struct vgpu_spec spec;
			char err[256];
			int e;

			if (vgpu_spec_parse(argv[1], &spec, err, sizeof(err))) {
				fprintf(stderr, "vgpuctl: %s\n", err);
			} else {
				if (spec.devid < 0)
					spec.devid = vgpu_next_devid(xs, (uint32_t)domid);
				e = vgpu_nodes_write(xs, (uint32_t)domid, spec.devid, &spec);
				if (e)
					fprintf(stderr, "vgpuctl: attach %s devid %d: %s\n", argv[0],
						spec.devid, e == -EEXIST ? "that device exists" : strerror(-e));
				else {
					printf("%d\n", spec.devid);
					rc = 0;
				}
			}
		} else {
			int devid = argc == 2 ? atoi(argv[1]) : 0;
			int e = vgpu_nodes_remove(xs, (uint32_t)domid, devid);

			if (e)
				fprintf(stderr, "vgpuctl: detach %s: %s\n", argv[0],
					e == -ENOENT ? "no such device" : strerror(-e));
			else
				rc = 0;
		}
	}
	xs_close(xs);
	return rc;
}
