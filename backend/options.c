/* SPDX-License-Identifier: MIT */
/*
 * options.c: the table of vgpuback's options, what each row's type accepts,
 * and --help.  Everything about one option (key, short option, type and
 * range, field, default, --help line) is one row of vgpuback_options[];
 * config.c makes the getopt arrays, config_set and config_defaults from it.
 * A new option is one row here and its entry in vgpuback.8 (man/test-man.sh
 * checks that every row is documented under OPTIONS).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "options.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* --help's descriptions start in this column; longer options take two spaces. */
#define HELP_COLUMN 30

static int parse_uint(const char *val, unsigned long long min,
		      unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(val, &end, 10);
	if (errno || !isdigit((unsigned char)val[0]) || *end || *out < min || *out > max)
		return -1;
	return 0;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "false")) {
		*out = false;
		return true;
	}
	return false;
}

static int set_pools(struct vgpuback_config *cfg, const char *val)
{
	char buf[512], *tok, *save = NULL;
	char pools[VGPU_MAX_POOLS][VGPU_POOL_NAME_MAX];
	unsigned n = 0;

	if (strlen(val) >= sizeof(buf))
		return -1;
	memset(pools, 0, sizeof(pools));
	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i, len = strlen(tok);

		if (n == VGPU_MAX_POOLS || !len || len >= VGPU_POOL_NAME_MAX)
			return -1;
		for (i = 0; i < len; i++)
			if (!isalnum((unsigned char)tok[i]) && tok[i] != '_' && tok[i] != '-')
				return -1;
		/* A second pool of one name could never be chosen. */
		for (i = 0; i < n; i++)
			if (!strcmp(pools[i], tok))
				return -1;
		snprintf(pools[n++], VGPU_POOL_NAME_MAX, "%s", tok);
	}
	if (!n)
		return -1;
	memcpy(cfg->exec.pools, pools, sizeof(pools));
	cfg->exec.npools = n;
	return 0;
}

int config_pool_index(const struct vgpuback_config *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->exec.npools; i++)
		if (!strcmp(cfg->exec.pools[i], name))
			return (int)i;
	return -1;
}

/* POOL=N,... with pools from 'pools' and N up to @max: each into @store. */
static int pool_map(struct vgpuback_config *cfg, const char *val, unsigned long long max,
		    void (*store)(struct vgpuback_config *, int, unsigned long long))
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long long v;
		int idx;

		if (!eq)
			return -1;
		*eq = 0;
		idx = config_pool_index(cfg, tok);
		if (idx < 0 || parse_uint(eq + 1, 0, max, &v))
			return -1;
		store(cfg, idx, v);
	}
	return 0;
}

static void store_gpu(struct vgpuback_config *cfg, int pool, unsigned long long v)
{
	cfg->exec.pool_gpu[pool] = (int)v;
}

static int set_pool_gpu(struct vgpuback_config *cfg, const char *val)
{
	return pool_map(cfg, val, 63, store_gpu);
}

static void store_deadline(struct vgpuback_config *cfg, int pool, unsigned long long v)
{
	cfg->pool_deadline_ms[pool] = (uint32_t)v;
}

static int set_pool_deadline(struct vgpuback_config *cfg, const char *val)
{
	return pool_map(cfg, val, 86400000, store_deadline);
}

static void store_quota(struct vgpuback_config *cfg, int pool, unsigned long long v)
{
	cfg->pool_mem_quota[pool] = v;
}

static int set_pool_quota(struct vgpuback_config *cfg, const char *val)
{
	return pool_map(cfg, val, 1ull << 50, store_quota);
}

static int set_shared_pools(struct vgpuback_config *cfg, const char *val)
{
	char buf[512], *tok, *save = NULL;
	bool shared[VGPU_MAX_POOLS] = { false };
	int idx;

	snprintf(buf, sizeof(buf), "%s", val);
	if (strcmp(buf, "none"))
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			idx = config_pool_index(cfg, tok);
			if (idx < 0)
				return -1;
			shared[idx] = true;
		}
	memcpy(cfg->exec.pool_shared, shared, sizeof(shared));
	return 0;
}

static const char *const executor_names[] = { "cpu", "cuda", "auto", NULL };
static const char *const supervise_names[] = { "auto", "yes", "no", NULL };
static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug", NULL
};
static const int level_values[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

#define FIELD(f) .off = offsetof(struct vgpuback_config, f), \
	.size = sizeof(((struct vgpuback_config *)0)->f)
#define UINT(f, lo, hi) .type = OPT_UINT, FIELD(f), .min = (lo), .max = (hi)
#define BOOL(f) .type = OPT_BOOL, FIELD(f)
#define STRING(f) .type = OPT_STRING, FIELD(f)
#define ENUM(f, n, v) .type = OPT_ENUM, FIELD(f), .names = (n), .values = (v)
#define CUSTOM(fn, what) .type = OPT_CUSTOM, .parse = (fn), .allowed = (what)

/*
 * In --help's order.  Zero is refused where it would leave the daemon
 * running but useless: max-batch 0 serves nothing and spins, max-inflight 0
 * makes every request busy, no buffers or pages fail every vector add.
 */
const struct vgpuback_option vgpuback_options[] = {
	{ "config", 'c', .type = OPT_CONFIG, .arg = "FILE",
	  .help = "configuration file (default " VGPUBACK_DEFAULT_CONFIG ")" },
	{ "executor", 'e', ENUM(executor, executor_names, NULL), .def = "auto", .arg = "NAME",
	  .help = "cpu, cuda or auto (default auto: cuda when a GPU answers)" },
	{ "slots", 's', UINT(exec.slots, 0, 1024), .arg = "N",
	  .help = "requests the executor runs at once (default: executor's)" },
	{ "pools", 0, CUSTOM(set_pools, "a comma-separated list of up to 16 distinct names "
			     "of 1 to 15 letters, digits, '_' or '-'"),
	  .def = "A,B", .arg = "LIST", .help = "pool names, comma-separated (default A,B)" },
	{ "pool-gpu", 0, CUSTOM(set_pool_gpu, "POOL=GPU,... with pools from 'pools' and "
				"GPUs 0 to 63"),
	  .arg = "MAP", .help = "pin pools to GPUs: POOL=GPU,... (default: any GPU)" },
	{ "cpu-delay-us", 0, UINT(exec.cpu_delay_us, 0, 60000000), .arg = "N",
	  .help = "CPU executor: add N us to every request (tests)" },
	{ "log-level", 0, ENUM(log_level, level_names, level_values), .def = "info",
	  .arg = "LEVEL", .help = "error, warning, notice, info or debug (default info)" },
	{ "foreground", 'f', BOOL(foreground), .no_arg = true,
	  .help = "stay in the foreground, log to stderr" },
	{ "pid-file", 0, STRING(pid_file), .def = RUNSTATEDIR "/vgpuback.pid", .arg = "FILE",
	  .help = "pid file when daemonised (default " RUNSTATEDIR "/vgpuback.pid)" },
	{ "control-socket", 0, STRING(control_socket),
	  .def = RUNSTATEDIR "/xen-vgpu/vgpuback.sock", .arg = "PATH",
	  .help = "vgpuctl's socket (default " RUNSTATEDIR "/xen-vgpu/vgpuback.sock)" },
	{ "max-inflight", 0, UINT(max_inflight, 1, 1u << 20), .def = "256", .arg = "N",
	  .help = "requests in flight per domain (default 256)" },
	/*
	 * Dom0's grant mapping table holds 1024 frames x 256 = 262,144 pages
	 * for everyone by default (gnttab_max_maptrack_frames), and blkback
	 * and netback need it too: vgpuback takes at most half of it, and one
	 * domain a quarter of that half (a 16M-float vector add fits).
	 */
	{ "max-buffer-pages", 0, UINT(max_buffer_pages, 1, VGPUIF_MAX_BUF_PAGES * 16ull),
	  .def = "65536", .arg = "N",
	  .help = "registered pages per domain (default 65536)" },
	{ "max-host-buffer-pages", 0,
	  UINT(max_host_buffer_pages, 1, VGPUIF_MAX_BUF_PAGES * 16ull),
	  .def = "131072", .arg = "N",
	  .help = "registered pages of all domains together\n"
		  "(default 131072: half of dom0's grant map table)" },
	{ "max-buffers", 0, UINT(max_buffers, 1, 4096), .def = "64", .arg = "N",
	  .help = "registered buffers per device (default 64)" },
	{ "max-batch", 0, UINT(max_batch, 1, 4096), .def = "32", .arg = "N",
	  .help = "requests taken per turn from one ring (default 32)" },
	{ "max-ring-page-order", 0, UINT(max_ring_order, 0, VGPUIF_MAX_RING_PAGE_ORDER),
	  .def = STR(VGPUIF_MAX_RING_PAGE_ORDER), .arg = "N",
	  .help = "largest ring a frontend may use: 2^N pages (default "
		  STR(VGPUIF_MAX_RING_PAGE_ORDER) ")" },
	{ "aging-ms", 0, UINT(aging_ms, 0, 3600000), .arg = "N",
	  .help = "serve a request one priority higher per N ms waited\n"
		  "(default 0: strict priority)" },
	{ "busy-poll-us", 0, UINT(busy_poll_us, 0, 1000000), .def = "500", .arg = "N",
	  .help = "after a submit or completion, poll the executor for\n"
		  "N us before sleeping (default 500; 0: never spin)" },
	{ "stream-priorities", 0, BOOL(exec.stream_priorities), .arg = "yes|no",
	  .help = "CUDA stream priority follows request priority" },
	{ "test-faults", 0, BOOL(exec.test_faults), .arg = "yes|no",
	  .help = "honour the test-only fault flag (default no)" },
	{ "workers", 0, BOOL(workers), .def = "yes", .arg = "yes|no",
	  .help = "run each guest's work in a worker process of its own\n"
		  "(default yes; no: in vgpuback itself, as version 1 did)" },
	{ "deadline-ms", 0, UINT(deadline_ms, 0, 86400000), .def = "30000", .arg = "N",
	  .help = "a request running longer gets its guest's worker killed\n"
		  "and the status VGPU_ETIMEDOUT (default 30000; 0: none)" },
	{ "pool-deadline-ms", 0, CUSTOM(set_pool_deadline, "POOL=MS,... with pools from "
					"'pools' and MS 0 to 86400000"),
	  .arg = "MAP", .help = "a pool's own deadline: POOL=MS,... (default deadline-ms)" },
	{ "shared-worker-pools", 0, CUSTOM(set_shared_pools, "none, or a comma-separated "
					   "list of pools from 'pools'"),
	  .def = "none", .arg = "LIST",
	  .help = "pools whose guests trust each other: one worker for\n"
		  "all of a pool's guests (default none)" },
	{ "mem-quota", 0, UINT(mem_quota, 0, 1ull << 50), .def = "4294967296", .arg = "BYTES",
	  .help = "device memory one domain may hold (protocol 2;\n"
		  "default 4294967296, 4 GiB)" },
	{ "pool-mem-quota", 0, CUSTOM(set_pool_quota, "POOL=BYTES,... with pools from "
				      "'pools' and BYTES up to 2^50"),
	  .arg = "MAP", .help = "a pool's own mem-quota: POOL=BYTES,..." },
	{ "max-sessions", 0, UINT(max_sessions, 1, 65536), .def = "64", .arg = "N",
	  .help = "sessions one domain may hold open (default 64)" },
	{ "max-allocations", 0, UINT(max_allocations, 1, 1048576), .def = "4096", .arg = "N",
	  .help = "device memory allocations one domain may hold\n(default 4096)" },
	{ "max-modules", 0, UINT(max_modules, 1, 65536), .def = "64", .arg = "N",
	  .help = "modules one domain may hold loaded (default 64)" },
	{ "max-functions", 0, UINT(max_functions, 1, 1048576), .def = "4096", .arg = "N",
	  .help = "kernel functions and module globals one domain\nmay hold (default 4096)" },
	{ "max-streams", 0, UINT(max_streams, 1, 65536), .def = "64", .arg = "N",
	  .help = "streams one domain's sessions may hold (default 64)" },
	{ "max-events", 0, UINT(max_events, 1, 1048576), .def = "1024", .arg = "N",
	  .help = "events one domain's sessions may hold (default\n1024)" },
	{ "supervise", 0, ENUM(supervise, supervise_names, NULL), .def = "auto",
	  .arg = "auto|yes|no",
	  .help = "with workers no: run the work in a child that is\n"
		  "restarted when its GPU state is lost (default auto:\n"
		  "when CUDA may run)" },
	{ "xl-hook", 0, BOOL(xl_hook), .def = "yes", .arg = "yes|no",
	  .help = "create devices from vgpu= lines of xl configs (default yes)" },
	{ "xl-config-dirs", 0, STRING(xl_config_dirs),
	  .def = SYSCONFDIR "/xen:" SYSCONFDIR "/xen/auto", .arg = "DIRS",
	  .help = "where the hook finds NAME.cfg (default " SYSCONFDIR "/xen:"
		  SYSCONFDIR "/xen/auto)" },
	{ "xl-userdata-dir", 0, STRING(xl_userdata_dir), .def = LOCALSTATEDIR "/lib/xen",
	  .arg = "DIR", .help = "xl config-update copies (default " LOCALSTATEDIR "/lib/xen)" },
	{ "help", 'h', .type = OPT_HELP, .help = "this help" },
	{ "version", 'V', .type = OPT_VERSION, .help = "version" },
};
const unsigned vgpuback_noptions = sizeof(vgpuback_options) / sizeof(vgpuback_options[0]);

const struct vgpuback_option *option_find(const char *name)
{
	unsigned i;

	for (i = 0; i < vgpuback_noptions; i++)
		if (!strcmp(vgpuback_options[i].name, name))
			return &vgpuback_options[i];
	return NULL;
}

/* "a, b or c" from an enum's names. */
static void enum_allowed(const char *const *names, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; names[i] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					!i ? "" : names[i + 1] ? ", " : " or ", names[i]);
}

/* A path or list: never empty, never cut short without a word. */
static int set_string(const struct vgpuback_option *o, char *dst, const char *val,
		      char *err, size_t errlen)
{
	size_t len = strlen(val);

	if (!len || len >= o->size) {
		snprintf(err, errlen, "%s: bad value '%.64s%s' (allowed: 1 to %zu characters)",
			 o->name, val, len > 64 ? "..." : "", o->size - 1);
		return -1;
	}
	memcpy(dst, val, len + 1);
	return 0;
}

static int set_uint(const struct vgpuback_option *o, void *dst, const char *val,
		    char *err, size_t errlen)
{
	unsigned long long u;

	if (parse_uint(val, o->min, o->max, &u)) {
		snprintf(err, errlen, "%s: bad value '%s' (allowed: %llu to %llu)",
			 o->name, val, o->min, o->max);
		return -1;
	}
	if (o->size == sizeof(uint64_t))
		*(uint64_t *)dst = u;
	else
		*(unsigned *)dst = (unsigned)u;
	return 0;
}

/* 0: set; 1: not one of the names. */
static int set_enum(const struct vgpuback_option *o, void *dst, const char *val)
{
	unsigned i;

	for (i = 0; o->names[i]; i++) {
		if (strcmp(val, o->names[i]))
			continue;
		if (o->values)
			*(int *)dst = o->values[i];
		else
			snprintf(dst, o->size, "%s", val);
		return 0;
	}
	return 1;
}

int option_set(const struct vgpuback_option *o, struct vgpuback_config *cfg,
	       const char *val, char *err, size_t errlen)
{
	char *dst = (char *)cfg + o->off;
	char allowed[128];
	const char *what = allowed;
	int bad;

	switch (o->type) {
	case OPT_UINT:
		return set_uint(o, dst, val, err, errlen);
	case OPT_STRING:
		return set_string(o, dst, val, err, errlen);
	case OPT_BOOL:
		bad = !parse_bool(val, (bool *)dst);
		what = "yes or no";
		break;
	case OPT_ENUM:
		bad = set_enum(o, dst, val);
		enum_allowed(o->names, allowed, sizeof(allowed));
		break;
	case OPT_CUSTOM:
		bad = o->parse(cfg, val);
		what = o->allowed;
		break;
	default:	/* command line only: not a key of the file */
		snprintf(err, errlen, "unknown key '%s'", o->name);
		return -1;
	}
	if (bad)
		snprintf(err, errlen, "%s: bad value '%s' (allowed: %s)", o->name, val, what);
	return bad ? -1 : 0;
}

/* One option's lines of --help. */
static void usage_option(FILE *f, const struct vgpuback_option *o)
{
	const char *p = o->help, *nl;
	int n;

	if (o->short_opt)
		n = fprintf(f, "  -%c, --%s", o->short_opt, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (o->arg)
		n += fprintf(f, " %s", o->arg);
	fprintf(f, "%*s", n < HELP_COLUMN ? HELP_COLUMN - n : 2, "");
	while ((nl = strchr(p, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - p), p, HELP_COLUMN, "");
		p = nl + 1;
	}
	fprintf(f, "%s\n", p);
}

void options_usage(FILE *f)
{
	unsigned i;

	fputs("Usage: vgpuback [OPTIONS]\n"
	      "The xen-vgpu backend daemon (dom0): serves every guest's vgpu device, keeps one\n"
	      "priority queue across all pools and runs the work on the GPU or the CPU.\n"
	      "\n", f);
	for (i = 0; i < vgpuback_noptions; i++)
		usage_option(f, &vgpuback_options[i]);
	fputs("\n"
	      "Every long option is also a key of the configuration file (key = value).\n"
	      "Exit status: 0 clean shutdown, 1 start-up failure, 2 usage, 75 the executor\n"
	      "broke (workers no and unsupervised; a supervisor starts a new worker instead).\n", f);
}
