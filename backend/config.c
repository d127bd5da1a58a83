/* SPDX-License-Identifier: MIT */
/*
 * config.c: vgpuback.conf (key = value, '#' comments) and the same keys as
 * long options; options given on the command line win over the file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
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

const char *prio_name(int prio)
{
	static const char *const n[] = { "high", "medium", "low" };

	return prio >= 0 && prio < VGPU_NR_PRIOS ? n[prio] : "?";
}

int prio_parse(const char *s)
{
	if (!strcmp(s, "high"))
		return VGPU_PRIO_HIGH;
	if (!strcmp(s, "medium"))
		return VGPU_PRIO_MEDIUM;
	if (!strcmp(s, "low"))
		return VGPU_PRIO_LOW;
	return -1;
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
