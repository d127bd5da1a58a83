/* SPDX-License-Identifier: MIT */
/*
 * guest_checks.h: what the scenario guests (vgpu-mem, vgpu-kern) share:
 * one output line per check, "CHECK ok|FAIL SUB: WHAT", return codes by
 * their VGPU_E* names, reproducible random bytes, and files two guests use
 * to meet.
 */
#ifndef VGPU_GUEST_CHECKS_H
#define VGPU_GUEST_CHECKS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct checks {
	const char *sub;		/* the sub-test running */
	unsigned checks, failed;
	uint64_t rng;			/* xorshift64* state, never 0 */
};

/*
 * After getopt: 0 with a seed in place (xorshift state is never 0), or 2
 * after usage to stderr when no sub-test is named.
 */
int gc_args_done(struct checks *k, int optind, int argc, void (*usage)(FILE *));
/* A return code by name: VGPU_E* for a status, -errno text otherwise. */
const char *gc_rc_name(int rc, char *buf, size_t len);
bool gc_vcheck(struct checks *k, bool pass, const char *fmt, va_list ap);
/* @got must be @want (0 or VGPUFRONT_E(VGPU_E*)). */
bool gc_expect(struct checks *k, int got, int want, const char *what);
uint64_t gc_rnd(struct checks *k);
void gc_fill_random(struct checks *k, uint8_t *p, size_t n);
/* @got against @want, byte by byte; says where the first difference is. */
bool gc_same_bytes(struct checks *k, const uint8_t *got, const uint8_t *want, size_t n,
		   const char *what);
/* Up to 60 s for @path to exist. */
bool gc_wait_file(const char *path);
/* Write @text to @path@suffix in one step (rename): a peer never reads half. */
bool gc_publish(const char *path, const char *suffix, const char *text);

#endif /* VGPU_GUEST_CHECKS_H */
