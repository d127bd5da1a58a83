/* SPDX-License-Identifier: MIT */
/*
 * config.c: vgpuback.conf (key = value, '#' comments) and the same keys as
 * long options; options given on the command line win over the file.  What
 * each key is and accepts is a row of the option table (options.c): the
 * getopt arrays, config_set and config_defaults are made from it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "options.h"

/* Every option's default from the table; a default that fails is a bug there. */
void config_defaults(struct vgpuback_config *cfg)
{
	char err[256];
	unsigned i;

	memset(cfg, 0, sizeof(*cfg));
	/* Not a value pool-gpu can write: no pool is pinned to a GPU. */
	for (i = 0; i < VGPU_MAX_POOLS; i++) {
		cfg->exec.pool_gpu[i] = -1;
		cfg->pool_deadline_ms[i] = VGPU_DEADLINE_UNSET;	/* deadline-ms's */
		cfg->pool_mem_quota[i] = VGPU_QUOTA_UNSET;	/* mem-quota's */
	}
	for (i = 0; i < vgpuback_noptions; i++) {
		const struct vgpuback_option *o = &vgpuback_options[i];

		if (o->def && option_set(o, cfg, o->def, err, sizeof(err)))
			abort();
	}
}

int config_set(struct vgpuback_config *cfg, const char *key, const char *val,
	       char *err, size_t errlen)
{
	const struct vgpuback_option *o = option_find(key);

	if (!o) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	return option_set(o, cfg, val, err, errlen);
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

/* getopt_long's view of the table: val is the row's index + 256. */
#define OPT_VAL_BASE 256

static struct option getopt_table[64];
static char short_opts[64];

static void build_getopt(void)
{
	unsigned i, n = 0;

	if (vgpuback_noptions >= sizeof(getopt_table) / sizeof(getopt_table[0]))
		abort();	/* the table outgrew these arrays */
	for (i = 0; i < vgpuback_noptions; i++) {
		const struct vgpuback_option *o = &vgpuback_options[i];
		bool arg = !o->no_arg && o->type != OPT_HELP && o->type != OPT_VERSION;

		getopt_table[i] = (struct option){ o->name, arg ? required_argument : no_argument,
						   NULL, OPT_VAL_BASE + (int)i };
		if (!o->short_opt)
			continue;
		short_opts[n++] = (char)o->short_opt;
		if (arg)
			short_opts[n++] = ':';
	}
	getopt_table[i] = (struct option){ NULL, 0, NULL, 0 };
	short_opts[n] = 0;
}

/* The row getopt_long's @c stands for; NULL: an error getopt reported. */
static const struct vgpuback_option *getopt_row(int c)
{
	unsigned i;

	if (c >= OPT_VAL_BASE)
		return &vgpuback_options[c - OPT_VAL_BASE];
	for (i = 0; i < vgpuback_noptions; i++)
		if (c && vgpuback_options[i].short_opt == c)
			return &vgpuback_options[i];
	return NULL;
}

/* First pass: only the config file, so that the other flags override it. */
static int load_config_arg(struct vgpuback_config *cfg, int argc, char **argv)
{
	const char *config = VGPUBACK_DEFAULT_CONFIG;
	bool explicit = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, getopt_table, NULL)) != -1) {
		const struct vgpuback_option *o = getopt_row(c);

		if (o && o->type == OPT_CONFIG) {
			config = optarg;
			explicit = true;
		}
	}
	optind = 1;
	opterr = 1;
	return config_load(cfg, config, explicit);
}

/* One option of the second pass: 0 go on, else config_parse_args' answer. */
static int apply_arg(struct vgpuback_config *cfg, const struct vgpuback_option *o)
{
	char err[256];

	if (!o) {
		options_usage(stderr);
		return 2;
	}
	switch (o->type) {
	case OPT_CONFIG:
		return 0;
	case OPT_HELP:
		options_usage(stdout);
		return -1;
	case OPT_VERSION:
		printf("vgpuback %s\n", PACKAGE_VERSION);
		return -1;
	default:
		break;
	}
	if (option_set(o, cfg, o->no_arg ? "yes" : optarg, err, sizeof(err))) {
		vlog_stderr(LOG_ERR, "--%s", err);
		return 2;
	}
	return 0;
}

int config_parse_args(struct vgpuback_config *cfg, int argc, char **argv)
{
	int c, rc;

	build_getopt();
	if (load_config_arg(cfg, argc, argv))
		return 2;	/* bad input: config_load said which */
	while ((c = getopt_long(argc, argv, short_opts, getopt_table, NULL)) != -1) {
		rc = apply_arg(cfg, getopt_row(c));
		if (rc)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "vgpuback: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}
