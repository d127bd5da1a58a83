/* SPDX-License-Identifier: MIT */
/*
 * control_json.h: vgpuback's answers on the control socket, one builder per
 * request word (vgpu-control(7) describes each answer).  Each returns the
 * finished line, malloc'd, or NULL when out of memory.
 */
#ifndef VGPU_CONTROL_JSON_H
#define VGPU_CONTROL_JSON_H

#include <stddef.h>

struct vgpuback;

char *control_json_devices(struct vgpuback *bk, size_t *len);
char *control_json_pools(struct vgpuback *bk, size_t *len);
char *control_json_stats(struct vgpuback *bk, size_t *len);
char *control_json_error(const char *msg, size_t *len);

#endif /* VGPU_CONTROL_JSON_H */
