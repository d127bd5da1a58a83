/* SPDX-License-Identifier: MIT */
/*
 * wire_expect.h: the unit tests' way of writing an expected request out
 * byte by byte from vgpuif.h's layout, and of comparing the request the
 * library sent with it (the id aside: vgpufront_call sets it).
 */
#ifndef VGPU_WIRE_EXPECT_H
#define VGPU_WIRE_EXPECT_H

#include <stdint.h>
#include <string.h>

/* Little-endian @v of @bytes at @off of @raw. */
static inline void wire_put(uint8_t *raw, size_t off, uint64_t v, unsigned bytes)
{
	unsigned i;

	for (i = 0; i < bytes; i++)
		raw[off + i] = (uint8_t)(v >> (8 * i));
}

/* @req, id aside, must be @want byte for byte. */
static inline void wire_sent(const struct vgpuif_request *req, const uint8_t *want)
{
	uint8_t got[sizeof(struct vgpuif_request)];

	memcpy(got, req, sizeof(got));
	memset(got, 0, 8);
	assert_memory_equal(got, want, sizeof(got));
}

#endif /* VGPU_WIRE_EXPECT_H */
