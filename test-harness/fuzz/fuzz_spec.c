/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: one vgpu= spec (vgpu_spec_parse); accepted specs re-checked. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "xsnodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	struct vgpu_spec spec;
	size_t i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (vgpu_spec_parse(s, &spec, err, sizeof(err)) == 0) {
		if (!spec.pool[0] || strlen(spec.pool) >= sizeof(spec.pool))
			abort();
		for (i = 0; spec.pool[i]; i++)
			if (!isalnum((unsigned char)spec.pool[i]) && !strchr("_-", spec.pool[i]))
				abort();
		if (spec.prio < VGPU_PRIO_HIGH || spec.prio > VGPU_PRIO_LOW)
			abort();
		if (spec.devid < -1 || spec.devid > 255)
			abort();
		if (!strstr(s, "pool="))
			abort();
	} else if (!err[0]) {
		abort();	/* a refusal always says why */
	}
	free(s);
	return 0;
}
