/* SPDX-License-Identifier: MIT */
/*
 * options.h: vgpuback's settings, from defaults, the config file and the
 * command line (config.c), in that order: a later one overrides.
 */
#ifndef VGPU_OPTIONS_H
#define VGPU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "executor.h"

#define VGPU_DEADLINE_UNSET UINT32_MAX
#define VGPU_QUOTA_UNSET UINT64_MAX

struct vgpuback_config {
	char executor[16];		/* cpu | cuda | auto */
	struct vgpu_exec_config exec;
	int log_level;			/* syslog levels: LOG_ERR .. LOG_DEBUG */
	bool foreground;
	char pid_file[256];
	char control_socket[256];
	unsigned max_inflight;		/* per domain */
	unsigned max_buffer_pages;	/* per domain */
	unsigned max_host_buffer_pages;	/* all domains together */
	unsigned max_buffers;		/* per device */
	unsigned max_batch;		/* requests per notification */
	unsigned max_ring_order;
	uint64_t aging_ms;		/* 0: strict priority */
	unsigned busy_poll_us;		/* spin for completions; 0: sleep at once */
	bool xl_hook;			/* make vgpu= lines of xl configs live */
	char supervise[8];		/* auto | yes | no (supervise.c) */
	bool workers;			/* a worker process per guest (workers.h) */
	uint32_t deadline_ms;		/* every pool's, unless pool-deadline-ms */
	uint32_t pool_deadline_ms[VGPU_MAX_POOLS];	/* VGPU_DEADLINE_UNSET: deadline_ms */
	/* Protocol version 2, per domain (sessions.c). */
	uint64_t mem_quota;		/* device memory bytes, unless pool-mem-quota */
	uint64_t pool_mem_quota[VGPU_MAX_POOLS];	/* VGPU_QUOTA_UNSET: mem_quota */
	unsigned max_sessions;
	unsigned max_allocations;
	unsigned max_modules;
	unsigned max_functions;
	unsigned max_streams;
	unsigned max_events;
	char xl_config_dirs[512];
	char xl_userdata_dir[256];
};

/*
 * The one table of vgpuback's options (options.c): each row is a long
 * option, the configuration file key of the same name, its default and its
 * line of --help.  The getopt array, short-option string, config_set and
 * config_defaults (config.c) and --help (options_usage) are made from it.
 */
enum vgpuback_opt_type {
	OPT_UINT,		/* decimal, min to max; a field of 4 or 8 bytes */
	OPT_BOOL,		/* yes|no (also 1|0, true|false) */
	OPT_STRING,		/* 1 to size - 1 characters */
	OPT_ENUM,		/* one of names[]: values[i] into an int, or the name */
	OPT_CUSTOM,		/* parse() */
	OPT_CONFIG,		/* command line only: -c FILE */
	OPT_HELP,		/* command line only: -h */
	OPT_VERSION,		/* command line only: -V */
};

struct vgpuback_option {
	const char *name;		/* --NAME and the file's key */
	int short_opt;			/* 0: none */
	enum vgpuback_opt_type type;
	bool no_arg;			/* command line takes no value (bool: yes) */
	size_t off;			/* offsetof(struct vgpuback_config, field) */
	size_t size;			/* sizeof the field */
	unsigned long long min, max;	/* OPT_UINT */
	const char *const *names;	/* OPT_ENUM, NULL-terminated */
	const int *values;		/* OPT_ENUM: NULL stores the name itself */
	int (*parse)(struct vgpuback_config *cfg, const char *val); /* OPT_CUSTOM */
	const char *allowed;		/* OPT_CUSTOM: what an error says is allowed */
	const char *def;		/* default, as a value of the file; NULL: 0 */
	const char *arg;		/* --help's name of the value ("N", "FILE") */
	const char *help;		/* --help text; '\n' starts an indented line */
};

/* -c's default; a missing default file is no error. */
#define VGPUBACK_DEFAULT_CONFIG SYSCONFDIR "/xen-vgpu/vgpuback.conf"

extern const struct vgpuback_option vgpuback_options[];
extern const unsigned vgpuback_noptions;

/* The row of file key or long option @name; NULL if none. */
const struct vgpuback_option *option_find(const char *name);
/* Parse @val into @cfg's field; on error -1 and @err says why. */
int option_set(const struct vgpuback_option *o, struct vgpuback_config *cfg,
	       const char *val, char *err, size_t errlen);
/* --help, from the table. */
void options_usage(FILE *f);

void config_defaults(struct vgpuback_config *cfg);
int config_set(struct vgpuback_config *cfg, const char *key, const char *val,
	       char *err, size_t errlen);
int config_load(struct vgpuback_config *cfg, const char *path, bool must_exist);
int config_pool_index(const struct vgpuback_config *cfg, const char *name);
/*
 * Defaults, then the config file (--config or the default one), then the
 * other flags.  0: go on; 2: bad input (said on stderr); -1: --help or
 * --version was printed, exit 0.
 */
int config_parse_args(struct vgpuback_config *cfg, int argc, char **argv);

#endif /* VGPU_OPTIONS_H */
