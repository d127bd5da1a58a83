/* SPDX-License-Identifier: MIT */
/*
 * xs_wire.h: framing of XenStore wire messages, as pure functions (fuzzed).
 */
#ifndef SIMXEN_XS_WIRE_H
#define SIMXEN_XS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/*
 * Look at @len bytes from a client: 0 = need more, >0 = one whole message
 * whose header is copied to @h and which takes *@need bytes, <0 = malformed
 * (-E2BIG for a payload over XENSTORE_PAYLOAD_MAX, -EINVAL for an unknown
 * type): the connection must be dropped.
 */
int xs_wire_parse(const void *buf, size_t len, struct xsd_sockmsg *h,
		  size_t *need);

/*
 * Split a payload into NUL-terminated strings; a last string without its
 * NUL is counted too (it ends at @len, where the caller put a NUL).
 */
unsigned xs_wire_split(const char *body, size_t len, const char **argv,
		       unsigned max);

#endif /* SIMXEN_XS_WIRE_H */
