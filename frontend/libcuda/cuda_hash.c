/* SPDX-License-Identifier: MIT */
/*
 * cuda_hash.c: the answer to cudart's integrity check (cuda_export.c, the
 * table d4082055 slot 1).
 *
 * cudart 13 asks the driver for a 16-byte tag and compares it with its
 * own: HMAC (RFC 2104) over MD2 (RFC 1319, 16-byte blocks) with a fixed
 * key, of the call's version and time, the driver's version, the process
 * and thread, where the cudart and integrity tables and the function are,
 * and each device's UUID and PCI location.  The construction and the key
 * are as ZLUDA documents them (dark_api: integrity_check); the code here
 * is written from the RFCs.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "cuda_priv.h"

/* RFC 1319's permutation of 0..255, from the digits of pi. */
static const unsigned char md2_s[256] = {
	41, 46, 67, 201, 162, 216, 124, 1, 61, 54, 84, 161, 236, 240, 6, 19,
	98, 167, 5, 243, 192, 199, 115, 140, 152, 147, 43, 217, 188, 76, 130, 202,
	30, 155, 87, 60, 253, 212, 224, 22, 103, 66, 111, 24, 138, 23, 229, 18,
	190, 78, 196, 214, 218, 158, 222, 73, 160, 251, 245, 142, 187, 47, 238, 122,
	169, 104, 121, 145, 21, 178, 7, 63, 148, 194, 16, 137, 11, 34, 95, 33,
	128, 127, 93, 154, 90, 144, 50, 39, 53, 62, 204, 231, 191, 247, 151, 3,
	255, 25, 48, 179, 72, 165, 181, 209, 215, 94, 146, 42, 172, 86, 170, 198,
	79, 184, 56, 210, 150, 164, 125, 182, 118, 252, 107, 226, 156, 116, 4, 241,
	69, 157, 112, 89, 100, 113, 135, 32, 134, 91, 207, 101, 230, 45, 168, 2,
	27, 96, 37, 173, 174, 176, 185, 246, 28, 70, 97, 105, 52, 64, 126, 15,
	85, 71, 163, 35, 221, 81, 175, 58, 195, 92, 249, 206, 186, 197, 234, 38,
	44, 83, 13, 110, 133, 40, 132, 9, 211, 223, 205, 244, 65, 129, 77, 82,
	106, 220, 55, 200, 108, 193, 171, 250, 36, 225, 123, 8, 12, 189, 177, 74,
	120, 136, 149, 139, 227, 99, 232, 109, 233, 203, 213, 254, 59, 0, 29, 57,
	242, 239, 183, 14, 102, 88, 208, 228, 166, 119, 114, 248, 235, 117, 75, 10,
	49, 68, 80, 180, 143, 237, 31, 26, 219, 153, 141, 51, 159, 17, 131, 20,
};

struct md2 {
	unsigned char x[48];	/* state; x[0..16] the digest at the end */
	unsigned char c[16];	/* checksum */
	unsigned char buf[16];
	unsigned n;		/* bytes in buf */
};

static void md2_block(struct md2 *h, const unsigned char *blk)
{
	unsigned char t = 0, l = h->c[15];
	unsigned j, k;

	for (j = 0; j < 16; j++) {
		h->x[16 + j] = blk[j];
		h->x[32 + j] = blk[j] ^ h->x[j];
		l = h->c[j] ^= md2_s[blk[j] ^ l];
	}
	for (j = 0; j < 18; j++) {
		for (k = 0; k < 48; k++)
			t = h->x[k] ^= md2_s[t];
		t = (unsigned char)(t + j);
	}
}

/* Feed @len bytes of @p, each XORed with @mask (HMAC's pads). */
static void md2_update(struct md2 *h, const void *p, size_t len, unsigned char mask)
{
	const unsigned char *b = p;

	while (len--) {
		h->buf[h->n++] = *b++ ^ mask;
		if (h->n == 16) {
			md2_block(h, h->buf);
			h->n = 0;
		}
	}
}

static void md2_final(struct md2 *h, unsigned char out[16])
{
	unsigned char pad = (unsigned char)(16 - h->n), c[16];
	unsigned i;

	for (i = 0; i < pad; i++)
		md2_update(h, &pad, 1, 0);
	memcpy(c, h->c, 16);
	md2_update(h, c, 16, 0);
	memcpy(out, h->x, 16);
}

/* The HMAC key, a constant of cudart's (as ZLUDA documents it). */
static const unsigned char hmac_key[16] = {
	0x14, 0x6a, 0xdd, 0xae, 0x53, 0xa9, 0xa7, 0x52,
	0xaa, 0x08, 0x41, 0x36, 0x0b, 0xf5, 0x5a, 0x9f,
};

/* What is hashed, in this layout (x86-64 and aarch64 alike). */
struct hash_call {
	uint32_t driver_version, version, pid, tid;
	const void *rt_table, *integrity_table, *fn;
	uint64_t now;
};

struct hash_dev {
	unsigned char uuid[16];
	int32_t pci_domain, pci_bus, pci_device;
};

/*
 * Each device as cudart sees it through this library: the CPU executor's
 * device has no UUID or PCI location (the calls say NOT_SUPPORTED), zeros.
 */
static void hash_devices(struct md2 *h)
{
	struct hash_dev d;
	int n = 0, i;

	if (cuDeviceGetCount(&n))
		n = 0;
	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		if (cuDeviceGetUuid_v2((CUuuid *)d.uuid, i))
			memset(d.uuid, 0, sizeof(d.uuid));
		if (cuDeviceGetAttribute(&d.pci_domain, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, i))
			d.pci_domain = 0;
		if (cuDeviceGetAttribute(&d.pci_bus, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, i))
			d.pci_bus = 0;
		if (cuDeviceGetAttribute(&d.pci_device, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, i))
			d.pci_device = 0;
		md2_update(h, &d, sizeof(d), 0);
	}
}

CUresult cu_integrity_hash(unsigned version, uint64_t now, const void *rt, const void *table,
			   const void *fn, uint64_t out[2]);

CUresult cu_integrity_hash(unsigned version, uint64_t now, const void *rt, const void *table,
			   const void *fn, uint64_t out[2])
{
	struct hash_call in;
	struct md2 h;
	unsigned char inner[16];
	int drv = 0;

	if (!out)
		return CUDA_ERROR_INVALID_VALUE;
	/* Versions ending in 0 or 1 take fixed answers. */
	if (version % 10 < 2) {
		out[0] = version % 10 ? 0x1841181c03cb675cULL : 0x3341181c03cb675cULL;
		out[1] = 0x8ed383aa1f4cd1e8ULL;
		return CUDA_SUCCESS;
	}
	memset(&in, 0, sizeof(in));
	if (cuDriverGetVersion(&drv))
		drv = 0;
	in.driver_version = (uint32_t)drv;
	in.version = version;
	in.pid = (uint32_t)getpid();
	in.tid = (uint32_t)(uintptr_t)pthread_self();	/* its low half */
	in.rt_table = rt;
	in.integrity_table = table;
	in.fn = fn;
	in.now = now;
	memset(&h, 0, sizeof(h));
	md2_update(&h, hmac_key, sizeof(hmac_key), 0x36);
	md2_update(&h, &in, sizeof(in), 0);
	hash_devices(&h);
	md2_final(&h, inner);
	memset(&h, 0, sizeof(h));
	md2_update(&h, hmac_key, sizeof(hmac_key), 0x5c);
	md2_update(&h, inner, sizeof(inner), 0);
	md2_final(&h, inner);
	memcpy(out, inner, sizeof(inner));
	return CUDA_SUCCESS;
}
