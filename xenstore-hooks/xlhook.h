/* SPDX-License-Identifier: MIT */
/*
 * xlhook.h: the toolstack hook that makes `vgpu=[...]` in an xl domain
 * config live.  Xen 4.17's xl accepts the key and keeps no trace of it, so
 * when a domain appears (@introduceDomain) the hook finds the domain's config
 * itself — the `xl config-update` userdata file
 * <userdata-dir>/userdata-d.<domid>.<uuid>.xl where it exists, else
 * <dir>/<name>.cfg or <dir>/<name> in each config dir (as Xen's xendomains
 * script looks in /etc/xen and /etc/xen/auto) — parses its vgpu list with
 * libxlutil and writes the device nodes; when the domain goes
 * (@releaseDomain) it removes them.  A config with a bad spec gets no node:
 * the error is logged at err and recorded for `vgpuctl list` (nodes.h).
 * vgpuback runs it: it owns an xs handle whose fd joins vgpuback's loop.
 */
#ifndef VGPU_XLHOOK_H
#define VGPU_XLHOOK_H

#include <stddef.h>

struct vgpu_xlhook;

struct vgpu_xlhook_config {
	const char *config_dirs;	/* colon-separated */
	const char *userdata_dir;
	const char *const *pools;	/* names the backend serves */
	unsigned npools;
	void (*log)(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

struct vgpu_xlhook *vgpu_xlhook_new(const struct vgpu_xlhook_config *cfg);
int vgpu_xlhook_fd(struct vgpu_xlhook *h);
void vgpu_xlhook_handle(struct vgpu_xlhook *h);
void vgpu_xlhook_free(struct vgpu_xlhook *h);

/*
 * Parse the vgpu list of the xl config at @path into @specs (at most @max),
 * each device's devid resolved (the next free one within the list where the
 * spec has none) and the config line of each in @lines: the count, or -1
 * with "PATH:LINE: reason" in @err (a syntax error, vgpu not a list, a bad
 * spec, a devid given twice).
 */
struct vgpu_spec;
int vgpu_xl_config_specs(const char *path, struct vgpu_spec *specs, int *lines,
			 unsigned max, char *err, size_t errlen);

/*
 * Remove the vgpu backend nodes and dom0 records of domains that no longer
 * exist (vgpuback calls it once at start, whether or not the hook runs;
 * the hook also does it on every domain event).  The number cleaned.
 */
struct xs_handle;
int vgpu_xlhook_sweep(struct xs_handle *xs,
		      void (*log)(int level, const char *fmt, ...)
		      __attribute__((format(printf, 2, 3))));

#endif /* VGPU_XLHOOK_H */
