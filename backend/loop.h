/* SPDX-License-Identifier: MIT */
/* loop.h: vgpuback's epoll loop (loop.c). */
#ifndef VGPUBACK_LOOP_H
#define VGPUBACK_LOOP_H

struct vgpuback;
struct ep_item;

/* Watch @fd (readable) as @it in the loop: 0 or -1 (errno). */
int loop_add(struct vgpuback *bk, int fd, struct ep_item *it);
/* Run until a signal, a broken executor or a loop failure stops it. */
void loop_run(struct vgpuback *bk);

#endif /* VGPUBACK_LOOP_H */
