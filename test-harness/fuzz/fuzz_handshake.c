/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the ring nodes a guest writes (vgpu_parse_frontend_nodes).
 * Input: newline-separated fields: ring-page-order ("-" for none), event-channel,
 * protocol ("-" for none), then ring-refs.  Accepted values are re-checked here.
 * The first field also goes through vgpu_parse_frontend_state, whose answer
 * must be a state only where the text is exactly that state's number.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *f[20] = { NULL }, *p, *save = NULL;
	const char *refs[16] = { NULL };
	uint32_t out[16], port = 0;
	unsigned pages = 0, n = 0, i, max_order = data && size ? data[0] % 6 : 4;
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	for (p = strtok_r(buf, "\n", &save); p && n < 20; p = strtok_r(NULL, "\n", &save))
		f[n++] = p;
	for (i = 3; i < n && i - 3 < 16; i++)
		refs[i - 3] = f[i];
	rc = vgpu_parse_frontend_nodes(f[0] && strcmp(f[0], "-") ? f[0] : NULL, refs,
				       n > 3 ? (n - 3 > 16 ? 16 : n - 3) : 0, f[1],
				       f[2] && strcmp(f[2], "-") ? f[2] : NULL, max_order,
				       out, &pages, &port);
	if (f[0]) {
		int st = vgpu_parse_frontend_state(f[0]);
		char want[16];

		if (st < 0 || st > 8)
			abort();
		snprintf(want, sizeof(want), "%d", st);
		if (st && strtoull(f[0], NULL, 10) != (unsigned long long)st)
			abort();
		if (st && strcmp(want, f[0]) && f[0][0] != '0')
			abort();	/* only leading zeros may differ */
	}
	if (rc == 0) {
		if (!pages || pages > 16 || (pages & (pages - 1)) || pages > (1u << max_order))
			abort();
		if (!port || port > INT32_MAX)
			abort();
		for (i = 0; i < pages; i++)
			if (!out[i] || strtoull(refs[i], NULL, 10) != out[i])
				abort();
	}
	free(buf);
	return 0;
}
