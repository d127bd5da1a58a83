/* SPDX-License-Identifier: MIT */
/*
 * config.c: vgpuback.conf (key = value, '#' comments) and the same keys as
 * long options; options given on the command line win over the file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "vgpuback.h"
#include "xsnodes.h"

void config_defaults(struct vgpuback_config *cfg)
{
	unsigned i;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->executor, sizeof(cfg->executor), "auto");
	cfg->exec.slots = 0;
	cfg->exec.npools = 2;
	snprintf(cfg->exec.pools[0], VGPU_POOL_NAME_MAX, "A");
	snprintf(cfg->exec.pools[1], VGPU_POOL_NAME_MAX, "B");
	for (i = 0; i < VGPU_MAX_POOLS; i++)
		cfg->exec.pool_gpu[i] = -1;
	cfg->log_level = LOG_INFO;
	snprintf(cfg->pid_file, sizeof(cfg->pid_file), "%s/vgpuback.pid", RUNSTATEDIR);
	snprintf(cfg->control_socket, sizeof(cfg->control_socket),
		 "%s/xen-vgpu/vgpuback.sock", RUNSTATEDIR);
	cfg->max_inflight = 256;
	/*
	 * Dom0's grant mapping table holds 1024 frames x 256 = 262,144 pages
	 * for everyone by default (gnttab_max_maptrack_frames), and blkback
	 * and netback need it too: vgpuback takes at most half of it, and one
	 * domain a quarter of that half (a 16M-float vector add fits).
	 */
	cfg->max_buffer_pages = 1u << 16;	/* 256 MiB per domain */
	cfg->max_host_buffer_pages = 1u << 17;	/* 512 MiB for all guests */
	cfg->max_buffers = 64;
	cfg->max_batch = 32;
	cfg->busy_poll_us = 500;
	cfg->max_ring_order = VGPUIF_MAX_RING_PAGE_ORDER;
	cfg->xl_hook = true;
	snprintf(cfg->supervise, sizeof(cfg->supervise), "auto");
	snprintf(cfg->xl_config_dirs, sizeof(cfg->xl_config_dirs), "%s/xen:%s/xen/auto",
		 SYSCONFDIR, SYSCONFDIR);
	snprintf(cfg->xl_userdata_dir, sizeof(cfg->xl_userdata_dir), "%s/lib/xen",
		 LOCALSTATEDIR);
}

int config_pool_index(const struct vgpuback_config *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->exec.npools; i++)
		if (!strcmp(cfg->exec.pools[i], name))
			return (int)i;
	return -1;
}

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

static int set_pool_gpu(struct vgpuback_config *cfg, const char *val)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long long gpu;
		int idx;

		if (!eq)
			return -1;
		*eq = 0;
		idx = config_pool_index(cfg, tok);
		if (idx < 0 || parse_uint(eq + 1, 0, 63, &gpu))
			return -1;
		cfg->exec.pool_gpu[idx] = (int)gpu;
	}
	return 0;
}

/* A path or list: never empty, never cut short without a word. */
static int set_str(char *dst, size_t size, const char *key, const char *val,
		   char *err, size_t errlen)
{
	size_t len = strlen(val);

	if (!len || len >= size) {
		snprintf(err, errlen, "%s: bad value '%.64s%s' (allowed: 1 to %zu characters)",
			 key, val, len > 64 ? "..." : "", size - 1);
		return -1;
	}
	memcpy(dst, val, len + 1);
	return 0;
}

int config_set(struct vgpuback_config *cfg, const char *key, const char *val,
	       char *err, size_t errlen)
{
	unsigned long long u, lo = 0, hi = 0;
	const char *allowed = NULL;
	bool b;

	/*
	 * Zero is refused where it would leave the daemon running but useless:
	 * max-batch 0 serves nothing and spins, max-inflight 0 makes every
	 * request busy, no buffers or pages fail every vector add.
	 */
#define UINT_KEY(name, field, min, max) \
	if (!strcmp(key, name)) { \
		if (parse_uint(val, min, max, &u)) { \
			lo = min; \
			hi = max; \
			goto bad_range; \
		} \
		cfg->field = u; \
		return 0; \
	}
	if (!strcmp(key, "executor")) {
		allowed = "cpu, cuda or auto";
		if (strcmp(val, "cpu") && strcmp(val, "cuda") && strcmp(val, "auto"))
			goto bad;
		snprintf(cfg->executor, sizeof(cfg->executor), "%s", val);
		return 0;
	}
	UINT_KEY("slots", exec.slots, 0, 1024)
	UINT_KEY("cpu-delay-us", exec.cpu_delay_us, 0, 60000000)
	UINT_KEY("max-inflight", max_inflight, 1, 1u << 20)
	UINT_KEY("max-buffer-pages", max_buffer_pages, 1, VGPUIF_MAX_BUF_PAGES * 16ull)
	UINT_KEY("max-host-buffer-pages", max_host_buffer_pages, 1,
		 VGPUIF_MAX_BUF_PAGES * 16ull)
	UINT_KEY("max-buffers", max_buffers, 1, 4096)
	UINT_KEY("max-batch", max_batch, 1, 4096)
	UINT_KEY("max-ring-page-order", max_ring_order, 0, VGPUIF_MAX_RING_PAGE_ORDER)
	UINT_KEY("aging-ms", aging_ms, 0, 3600000)
	UINT_KEY("busy-poll-us", busy_poll_us, 0, 1000000)
#undef UINT_KEY
	if (!strcmp(key, "pools")) {
		allowed = "a comma-separated list of up to 16 distinct names of "
			  "1 to 15 letters, digits, '_' or '-'";
		if (set_pools(cfg, val))
			goto bad;
		return 0;
	}
	if (!strcmp(key, "pool-gpu")) {
		allowed = "POOL=GPU,... with pools from 'pools' and GPUs 0 to 63";
		if (set_pool_gpu(cfg, val))
			goto bad;
		return 0;
	}
	if (!strcmp(key, "log-level")) {
		static const char *const lv[] = { "error", "warning", "notice", "info", "debug" };
		static const int lvv[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
		unsigned i;

		for (i = 0; i < 5; i++)
			if (!strcmp(val, lv[i])) {
				cfg->log_level = lvv[i];
				return 0;
			}
		allowed = "error, warning, notice, info or debug";
		goto bad;
	}
	if (!strcmp(key, "supervise")) {
		allowed = "auto, yes or no";
		if (strcmp(val, "auto") && strcmp(val, "yes") && strcmp(val, "no"))
			goto bad;
		snprintf(cfg->supervise, sizeof(cfg->supervise), "%s", val);
		return 0;
	}
	allowed = "yes or no";
	if (!strcmp(key, "xl-hook")) {
		if (!parse_bool(val, &cfg->xl_hook))
			goto bad;
		return 0;
	}
	if (!strcmp(key, "xl-config-dirs"))
		return set_str(cfg->xl_config_dirs, sizeof(cfg->xl_config_dirs), key, val,
			       err, errlen);
	if (!strcmp(key, "xl-userdata-dir"))
		return set_str(cfg->xl_userdata_dir, sizeof(cfg->xl_userdata_dir), key, val,
			       err, errlen);
	if (!strcmp(key, "foreground") || !strcmp(key, "test-faults") ||
	    !strcmp(key, "stream-priorities")) {
		if (!parse_bool(val, &b))
			goto bad;
		if (key[0] == 'f')
			cfg->foreground = b;
		else if (key[0] == 't')
			cfg->exec.test_faults = b;
		else
			cfg->exec.stream_priorities = b;
		return 0;
	}
	if (!strcmp(key, "pid-file"))
		return set_str(cfg->pid_file, sizeof(cfg->pid_file), key, val, err, errlen);
	if (!strcmp(key, "control-socket"))
		return set_str(cfg->control_socket, sizeof(cfg->control_socket), key, val,
			       err, errlen);
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
bad_range:
	snprintf(err, errlen, "%s: bad value '%s' (allowed: %llu to %llu)", key, val, lo, hi);
	return -1;
bad:
	snprintf(err, errlen, "%s: bad value '%s' (allowed: %s)", key, val, allowed);
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int config_load(struct vgpuback_config *cfg, const char *path, bool must_exist)
{
	char line[1024], err[256];
	FILE *f = fopen(path, "r");
	unsigned lineno = 0;

	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		vlog_stderr(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq, *hash;

		lineno++;
		hash = strchr(p, '#');
		if (hash)
			*hash = 0;
		p = trim(p);
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			vlog_stderr(LOG_ERR, "%s:%u: expected key = value", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = 0;
		if (config_set(cfg, trim(p), trim(eq + 1), err, sizeof(err))) {
			vlog_stderr(LOG_ERR, "%s:%u: %s", path, lineno, err);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* ---------------- command line ---------------- */

#define DEFAULT_CONFIG SYSCONFDIR "/xen-vgpu/vgpuback.conf"

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "executor", required_argument, NULL, 'e' },
	{ "slots", required_argument, NULL, 's' },
	{ "pools", required_argument, NULL, 1 },
	{ "pool-gpu", required_argument, NULL, 1 },
	{ "cpu-delay-us", required_argument, NULL, 1 },
	{ "log-level", required_argument, NULL, 1 },
	{ "foreground", no_argument, NULL, 'f' },
	{ "pid-file", required_argument, NULL, 1 },
	{ "control-socket", required_argument, NULL, 1 },
	{ "max-inflight", required_argument, NULL, 1 },
	{ "max-buffer-pages", required_argument, NULL, 1 },
	{ "max-host-buffer-pages", required_argument, NULL, 1 },
	{ "max-buffers", required_argument, NULL, 1 },
	{ "max-batch", required_argument, NULL, 1 },
	{ "max-ring-page-order", required_argument, NULL, 1 },
	{ "aging-ms", required_argument, NULL, 1 },
	{ "busy-poll-us", required_argument, NULL, 1 },
	{ "stream-priorities", required_argument, NULL, 1 },
	{ "test-faults", required_argument, NULL, 1 },
	{ "supervise", required_argument, NULL, 1 },
	{ "xl-hook", required_argument, NULL, 1 },
	{ "xl-config-dirs", required_argument, NULL, 1 },
	{ "xl-userdata-dir", required_argument, NULL, 1 },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vgpuback [OPTIONS]\n"
"The xen-vgpu backend daemon (dom0): serves every guest's vgpu device, keeps one\n"
"priority queue across all pools and runs the work on the GPU or the CPU.\n"
"\n"
"  -c, --config FILE           configuration file (default " DEFAULT_CONFIG ")\n"
"  -e, --executor NAME         cpu, cuda or auto (default auto: cuda when a GPU answers)\n"
"  -s, --slots N               requests the executor runs at once (default: executor's)\n"
"      --pools LIST            pool names, comma-separated (default A,B)\n"
"      --pool-gpu MAP          pin pools to GPUs: POOL=GPU,... (default: any GPU)\n"
"      --cpu-delay-us N        CPU executor: add N us to every request (tests)\n"
"      --log-level LEVEL       error, warning, notice, info or debug (default info)\n"
"  -f, --foreground            stay in the foreground, log to stderr\n"
"      --pid-file FILE         pid file when daemonised (default " RUNSTATEDIR "/vgpuback.pid)\n"
"      --control-socket PATH   vgpuctl's socket (default " RUNSTATEDIR "/xen-vgpu/vgpuback.sock)\n"
"      --max-inflight N        requests in flight per domain (default 256)\n"
"      --max-buffer-pages N    registered pages per domain (default 65536)\n"
"      --max-host-buffer-pages N  registered pages of all domains together\n"
"                              (default 131072: half of dom0's grant map table)\n"
"      --max-buffers N         registered buffers per device (default 64)\n"
"      --max-batch N           requests taken per turn from one ring (default 32)\n"
"      --max-ring-page-order N largest ring a frontend may use: 2^N pages (default 4)\n"
"      --aging-ms N            serve a request one priority higher per N ms waited\n"
"                              (default 0: strict priority)\n"
"      --busy-poll-us N        after a submit or completion, poll the executor for\n"
"                              N us before sleeping (default 500; 0: never spin)\n"
"      --stream-priorities yes|no  CUDA stream priority follows request priority\n"
"      --test-faults yes|no    honour the test-only fault flag (default no)\n"
"      --supervise auto|yes|no run the work in a child that is restarted when its\n"
"                              GPU state is lost (default auto: when CUDA may run)\n"
"      --xl-hook yes|no        create devices from vgpu= lines of xl configs (default yes)\n"
"      --xl-config-dirs DIRS   where the hook finds NAME.cfg (default " SYSCONFDIR "/xen:" SYSCONFDIR "/xen/auto)\n"
"      --xl-userdata-dir DIR   xl config-update copies (default " LOCALSTATEDIR "/lib/xen)\n"
"  -h, --help                  this help\n"
"  -V, --version               version\n"
"\n"
"Every long option is also a key of the configuration file (key = value).\n"
"Exit status: 0 clean shutdown, 1 start-up failure, 2 usage, 75 the executor\n"
"broke (unsupervised; a supervisor starts a new worker instead).\n");
}

int config_parse_args(struct vgpuback_config *cfg, int argc, char **argv)
{
	const char *config = DEFAULT_CONFIG;
	bool explicit = false;
	char err[256];
	int c, idx;

	/* First pass: the config file, so that flags override it. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:e:s:fhV", options, &idx)) != -1)
		if (c == 'c') {
			config = optarg;
			explicit = true;
		}
	if (config_load(cfg, config, explicit))
		return 2;	/* bad input: config_load said which */
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "c:e:s:fhV", options, &idx)) != -1) {
		const char *key = NULL;

		switch (c) {
		case 'c':
			continue;
		case 'e': key = "executor"; break;
		case 's': key = "slots"; break;
		case 'f': cfg->foreground = true; continue;
		case 'h': usage(stdout); return -1;
		case 'V': printf("vgpuback %s\n", PACKAGE_VERSION); return -1;
		case 1: key = options[idx].name; break;
		default: usage(stderr); return 2;
		}
		if (config_set(cfg, key, optarg, err, sizeof(err))) {
			vlog_stderr(LOG_ERR, "--%s", err);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vgpuback: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}
