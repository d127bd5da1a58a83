/* SPDX-License-Identifier: MIT */
/*
 * hostile.h: the scaffolding vgpu-hostile's attacks share (hostile-common.c)
 * and the attacks themselves, one family per file:
 *
 *   attack-ring.c       prod-ahead, rewrite
 *   attack-ops.c        bad-ops
 *   attack-flood.c      flood
 *   attack-xs.c         xs-garbage, be-nodes
 *   attack-lifecycle.c  disconnect-mid, die-inflight
 *
 * vgpu-hostile.c runs the one its command line names.
 */
#ifndef VGPU_HOSTILE_H
#define VGPU_HOSTILE_H

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "front_priv.h"
#include "vgpu_clock.h"
#include "xsnodes.h"

/* The attacks read and write slots as eight little-endian words. */
_Static_assert(sizeof(struct vgpuif_request) == 64, "request slot is 64 bytes");
_Static_assert(sizeof(struct vgpuif_response) == 64, "response slot is 64 bytes");
_Static_assert(offsetof(struct vgpuif_request, op) == 8, "op in word 1");
_Static_assert(offsetof(struct vgpuif_request, u) == 16, "payload from word 2");
_Static_assert(offsetof(struct vgpuif_response, status) == 8, "status in word 1");
_Static_assert(offsetof(struct vgpuif_response, op) == 12, "op in word 1");

#define BUF_PAGES	16u
#define BUF_BYTES	(BUF_PAGES * VGPUIF_PAGE_SIZE)
#define BUF_FLOATS	(BUF_BYTES / sizeof(float))
#define POISON		-7.0f
#define STATE_WAIT_MS	5000

struct hostile {
	const char *attack;
	unsigned iterations;		/* asked for */
	unsigned done;			/* run */
	double seconds;			/* time budget; 0: none */
	unsigned devid;
	unsigned max_buffers;		/* the backend's limits, as the test set them */
	unsigned max_inflight;
	unsigned max_buffer_pages;
	int other_domid;		/* a domain that is not ours, or -1 */
	int variant;			/* only this variant of an attack, or -1 */
	uint64_t seed;
	uint64_t t_start;
	unsigned cases, failed;
	char stats[1024];
};

/* xorshift64*: the attacks' choices, repeatable from --seed. */
uint64_t rnd(uint64_t *s);
/* Past the --seconds budget. */
bool out_of_time(const struct hostile *h);
void msleep(unsigned ms);
/* One CASE line: whether @got is @expected. */
bool check(struct hostile *h, long long expected, long long got,
	   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* key=value text appended to the SUMMARY line. */
void stat_add(struct hostile *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A libvgpufront return code as the status on the wire (VGPU_E*). */
int wire(int rc);

/* A connection by libvgpufront with a ring of 2^@order pages, or NULL. */
struct vgpufront *dev_open(struct hostile *h, unsigned order);
/* The state under @dir, -1 if none (not checked: the attacks write garbage). */
int xs_state(struct xs_handle *xs, const char *dir);
/* Poll @dir's state until one of @mask's states; the last value read. */
int wait_states(struct xs_handle *xs, const char *dir, unsigned mask,
		int timeout_ms);
int wait_state(struct xs_handle *xs, const char *dir, int want, int timeout_ms);
bool xs_put(struct xs_handle *xs, const char *dir, const char *node,
	    const char *val, size_t len);
bool xs_puts(struct xs_handle *xs, const char *dir, const char *node,
	     const char *val);
/* Tear our side down without waiting for the backend. */
void close_now(struct vgpufront *dev);
/* A buffer of @pages pages, every float @fill, or NULL. */
struct vgpufront_buf *buf_new(struct vgpufront *dev, unsigned pages,
			      unsigned flags, float fill);
/* The device still serves a well-behaved request (two cases). */
void check_serves(struct hostile *h, struct vgpufront *dev, const char *when);
/* A fresh connection is made and served (@label's case, then two). */
void check_reconnects(struct hostile *h, const char *label);

/* Raw ring access past libvgpufront, as a compromised guest kernel. */
void raw_push(struct vgpufront *dev, const struct vgpuif_request *req);
int raw_take(struct vgpufront *dev, struct vgpuif_response *rsp);
int raw_wait(struct vgpufront *dev, int ms);

unsigned count_not(const float *f, size_t n, float want);
/* XenStore and this device's frontend and backend paths; NULL after a failed check. */
struct xs_handle *device_paths(struct hostile *h, char *fe, size_t felen,
			       char *be, size_t belen);

/* The attacks: each runs h->iterations times (or until out_of_time). */
void attack_prod_ahead(struct hostile *h);
void attack_rewrite(struct hostile *h);
void attack_bad_ops(struct hostile *h);
void attack_flood(struct hostile *h);
void attack_xs_garbage(struct hostile *h);
void attack_be_nodes(struct hostile *h);
void attack_disconnect_mid(struct hostile *h);
void attack_die_inflight(struct hostile *h);

#endif /* VGPU_HOSTILE_H */
