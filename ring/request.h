/* SPDX-License-Identifier: MIT */
/*
 * request.h: taking a request out of a shared ring, safely (XSA-155).
 *
 * vgpuif_copy_request() copies slot @idx once into private memory and
 * validates the copy; callers use only the copy afterwards.  Validation is
 * what can be checked without backend state (op, flags, padding, sizes,
 * overflow); buffer handles are checked against the device's buffer table
 * with vgpuif_bufref_check().
 */
#ifndef VGPU_REQUEST_H
#define VGPU_REQUEST_H

#include <stdint.h>

#include "vgpuif.h"

/* Copy slot @idx of @ring into @out, then validate: VGPU_OK or VGPU_E*. */
int vgpuif_copy_request(vgpuif_back_ring_t *ring, RING_IDX idx,
			struct vgpuif_request *out);

/* Validate a private request copy: VGPU_OK or VGPU_E*. */
int vgpuif_validate_request(const struct vgpuif_request *req);

/*
 * Does [offset, offset + len) lie inside a buffer of @buf_len bytes, with
 * @align-byte alignment of the offset?  VGPU_OK or VGPU_ERANGE/VGPU_EINVAL.
 */
int vgpuif_range_check(uint64_t offset, uint64_t len, uint64_t buf_len,
		       uint64_t align);

/* Bytes one operand of a VECTOR_ADD of @n elements takes. */
static inline uint64_t vgpuif_vector_bytes(uint64_t n)
{
	return n * sizeof(float);
}

/* A short name for an op, "?" if unknown. */
const char *vgpuif_op_name(unsigned op);
/* A message for a VGPU_OK / VGPU_E* status. */
const char *vgpuif_strerror(int status);

#endif /* VGPU_REQUEST_H */
