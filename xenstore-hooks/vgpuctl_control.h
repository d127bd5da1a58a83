/* SPDX-License-Identifier: MIT */
/*
 * vgpuctl_control.h: vgpuctl's client of vgpuback's control socket.  Each
 * answer (vgpu-control(7)) is parsed with yajl_tree into the typed data of
 * control_gen.h; nothing is read by searching the text.
 */
#ifndef VGPUCTL_CONTROL_H
#define VGPUCTL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control_gen.h"	/* the typed answers */

/*
 * Ask vgpuback and parse its answer.  0; -errno when the socket cannot be
 * reached (vgpuback is not running); -EPROTO when the answer is not what
 * vgpu-control(7) describes, with why in @err.
 */
int vc_get_stats(const char *sock, struct vc_stats *st, char *err, size_t errlen);
int vc_get_pools(const char *sock, struct vc_pools *pl, char *err, size_t errlen);
void vc_stats_free(struct vc_stats *st);
void vc_pools_free(struct vc_pools *pl);

/* Whether vgpuback answers on @sock. */
bool vc_backend_alive(const char *sock);

#endif /* VGPUCTL_CONTROL_H */
