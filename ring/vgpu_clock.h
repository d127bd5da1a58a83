/* SPDX-License-Identifier: MIT */
/*
 * vgpu_clock.h: the one monotonic clock everyone measures with.
 * Inline because the data path reads it several times per request.
 */
#ifndef VGPU_CLOCK_H
#define VGPU_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t vgpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int64_t vgpu_now_ms(void)
{
	return (int64_t)(vgpu_now_ns() / 1000000ull);
}

#endif /* VGPU_CLOCK_H */
