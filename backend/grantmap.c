/* SPDX-License-Identifier: MIT */
/*
 * grantmap.c: a buffer's grant refs, read through its two indirect levels
 * (as blkback reads indirect segments) and mapped at one address.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grantmap.h"

/* Copy @n grant refs out of granted pages of @domid, one page at a time. */
static int copy_refs(struct vgpu_platform *plat, uint32_t domid, const uint32_t *page_refs,
		     unsigned npages, uint32_t *out, unsigned n)
{
	unsigned p;

	for (p = 0; p < npages; p++) {
		unsigned k = n - p * VGPUIF_GREFS_PER_PAGE;
		uint32_t *page = vgpu_gnt_map(plat, domid, 1, &page_refs[p], 0);

		if (!page)
			return VGPU_EGRANT;
		if (k > VGPUIF_GREFS_PER_PAGE)
			k = VGPUIF_GREFS_PER_PAGE;
		memcpy(out + p * VGPUIF_GREFS_PER_PAGE, page, k * sizeof(uint32_t));
		vgpu_gnt_unmap(plat, page, 1);
	}
	return VGPU_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A ref listed twice in one buffer would be one page counted, and mapped,
 * many times over (a 1024-page buffer from one granted page): refused.
 */
static int refs_repeat(const uint32_t *refs, unsigned n)
{
	uint32_t *s = malloc((size_t)n * sizeof(*s));
	unsigned i;
	int rc = 0;

	if (!s)
		return VGPU_ENOMEM;
	memcpy(s, refs, (size_t)n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u32);
	for (i = 1; i < n && !rc; i++)
		if (s[i] == s[i - 1])
			rc = VGPU_EINVAL;
	free(s);
	return rc;
}

int grantmap_buffer(struct vgpu_platform *plat, uint32_t domid,
		    const struct vgpuif_buf_register_req *r, bool readonly,
		    void **addr, int *err)
{
	unsigned nind = (r->nr_pages + VGPUIF_GREFS_PER_PAGE - 1) / VGPUIF_GREFS_PER_PAGE;
	uint32_t *ind_refs = calloc(nind, sizeof(*ind_refs));
	uint32_t *refs = calloc(r->nr_pages, sizeof(*refs));
	int rc = VGPU_ENOMEM;

	*addr = NULL;
	*err = 0;
	if (!ind_refs || !refs)
		goto out;
	rc = copy_refs(plat, domid, &r->dir_gref, 1, ind_refs, nind);
	if (!rc)
		rc = copy_refs(plat, domid, ind_refs, nind, refs, r->nr_pages);
	if (!rc)
		rc = refs_repeat(refs, r->nr_pages);
	if (rc)
		goto out;
	*addr = vgpu_gnt_map(plat, domid, r->nr_pages, refs, !readonly);
	if (!*addr) {
		*err = errno;
		rc = VGPU_EGRANT;
	}
out:
	free(refs);
	free(ind_refs);
	return rc;
}
