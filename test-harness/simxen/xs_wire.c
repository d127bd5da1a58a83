/* SPDX-License-Identifier: MIT */
/* xs_wire.c: framing of XenStore wire messages. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "xs_wire.h"

int xs_wire_parse(const void *buf, size_t len, struct xsd_sockmsg *h,
		  size_t *need)
{
	if (len < sizeof(*h))
		return 0;
	memcpy(h, buf, sizeof(*h));
	if (h->len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (h->type >= XS_TYPE_COUNT || h->type == XS_WATCH_EVENT ||
	    h->type == XS_ERROR)
		return -EINVAL;
	*need = sizeof(*h) + h->len;
	return len >= *need ? 1 : 0;
}

unsigned xs_wire_split(const char *body, size_t len, const char **argv,
		       unsigned max)
{
	unsigned n = 0;
	size_t off = 0;

	while (off < len && n < max) {
		argv[n++] = body + off;
		off += strnlen(body + off, len - off) + 1;
	}
	return n;
}
