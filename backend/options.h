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

#include "executor.h"

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
	char xl_config_dirs[512];
	char xl_userdata_dir[256];
};

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
