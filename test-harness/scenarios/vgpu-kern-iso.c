/* SPDX-License-Identifier: MIT */
/*
 * vgpu-kern-iso.c: one guest's kernel faults or runs forever; the others
 * must not notice.  victim (guest B) publishes a device pointer of its own
 * and checks, once the attacker is done, that its memory holds what it
 * wrote and that its kernels still run.  fault (guest A) writes through
 * B's pointer and through address 0x10 from a kernel; spin (guest A) runs
 * a kernel that never ends.  Each attacker gets its status (VGPU_EFAULT,
 * VGPU_ETIMEDOUT), then opens its device again and runs a kernel: a guest
 * goes on after its worker is replaced.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu-kern.h"
#include "vgpu_kernels.h"

#define VICTIM_BYTES (1u << 20)

static bool module(struct kctx *c, uint32_t *s, uint64_t *mod)
{
	return kexpect(c, vgpufront_session_open(c->dev, 0, s), 0, "session open") &&
	       kexpect(c, vgpufront_module_load(c->dev, *s, vgpu_kernels_ptx,
						vgpu_kernels_ptx_len, mod), 0, "module load");
}

/* One launch of @name, 1 x 1 thread, with @args; its status. */
static int launch1(struct kctx *c, uint32_t s, uint64_t mod, const char *name,
		   void *const *args)
{
	struct vgpufront_func f = { 0 };
	struct vgpufront_launch l = { .grid = { 1, 1, 1 }, .block = { 1, 1, 1 } };
	int rc = vgpufront_func_get(c->dev, s, mod, name, &f);

	if (!rc)
		rc = vgpufront_params_pack(&f, args, c->in->addr);
	if (!rc) {
		l.func = f.handle;
		l.params = f.param_bytes ? c->in : NULL;
		l.params_len = f.param_bytes;
		rc = vgpufront_launch(c->dev, s, &l);
	}
	free(f.layout);
	return rc;
}

/* After losing its worker: a new device connection, a new session, a kernel. */
static void goes_on(struct kctx *c)
{
	uint64_t mod;
	uint32_t s;

	if (!kern_open(c) || !module(c, &s, &mod))
		return;
	kern_vadd(c, s, mod);
	vgpufront_session_close(c->dev, s);
}

void t_victim(struct kctx *c)
{
	uint8_t *want = malloc(VICTIM_BYTES), *got = malloc(VICTIM_BYTES);
	char line[128];
	uint64_t d = 0, mod;
	uint32_t s;

	if (!kcheck(c, want && got && c->peer_out && c->peer_in, "--peer-out and --peer-in") ||
	    !module(c, &s, &mod) ||
	    !kexpect(c, vgpufront_mem_alloc(c->dev, s, VICTIM_BYTES, &d), 0, "alloc 1 MiB"))
		goto out;
	gc_fill_random(&c->ck, want, VICTIM_BYTES);
	memcpy(c->in->addr, want, VICTIM_BYTES);
	kexpect(c, vgpufront_memcpy_htod(c->dev, s, d, c->in, 0, VICTIM_BYTES), 0, "fill it");
	snprintf(line, sizeof(line), "%" PRIu64 "\n", d);
	kcheck(c, gc_publish(c->peer_out, "", line), "published pointer 0x%" PRIx64, d);
	snprintf(line, sizeof(line), "%s.done", c->peer_in);
	if (!kcheck(c, gc_wait_file(line), "the attacker is done"))
		goto out;
	if (kexpect(c, vgpufront_memcpy_dtoh(c->dev, s, c->out, 0, d, VICTIM_BYTES), 0,
		    "our memory, read back after the attack")) {
		memcpy(got, c->out->addr, VICTIM_BYTES);
		gc_same_bytes(&c->ck, got, want, VICTIM_BYTES, "it holds what we wrote");
	}
	kern_vadd(c, s, mod);
	vgpufront_session_close(c->dev, s);
out:
	free(want);
	free(got);
}

static bool read_peer(struct kctx *c, uint64_t *pd)
{
	FILE *f;
	int n;

	if (!c->peer_in || !gc_wait_file(c->peer_in) || !(f = fopen(c->peer_in, "r")))
		return false;
	n = fscanf(f, "%" SCNu64, pd);
	fclose(f);
	return n == 1;
}

void t_fault(struct kctx *c)
{
	unsigned long long addr;
	uint64_t mod, pd = 0;
	int value = 0x5a5a5a5a, rc;
	uint32_t s;

	if (!kcheck(c, read_peer(c, &pd), "the victim's pointer 0x%" PRIx64, pd) ||
	    !module(c, &s, &mod))
		goto out;
	/* Our own context may happen to map that address too: ours, then. */
	addr = pd;
	rc = launch1(c, s, mod, "vgpu_poke", (void *[]){ &addr, &value });
	kcheck(c, rc == 0 || rc == E(EFAULT), "a write through the victim's pointer: %s",
	       vgpufront_strerror(rc));
	if (rc == 0) {
		addr = 0x10;
		kexpect(c, launch1(c, s, mod, "vgpu_poke", (void *[]){ &addr, &value }), E(EFAULT),
			"a write to address 0x10: VGPU_EFAULT");
	}
	goes_on(c);
out:
	kcheck(c, c->peer_out && gc_publish(c->peer_out, ".done", "done\n"), "told the victim");
}

void t_spin(struct kctx *c)
{
	unsigned long long forever = 0;
	uint64_t mod;
	uint32_t s;

	if (!module(c, &s, &mod))
		return;
	kexpect(c, launch1(c, s, mod, "vgpu_spin", (void *[]){ &forever }), E(ETIMEDOUT),
		"a kernel that never ends: VGPU_ETIMEDOUT at the pool's deadline");
	goes_on(c);
}
