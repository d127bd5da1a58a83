#!/usr/bin/env python3
# gen-backend-corpus.py: write the seed inputs of fuzz_backend (corpus/backend/).
# Each seed is a short, meaningful session: the encoding is fuzz_backend.c's
# step() (an op byte, a slot byte, then the op's arguments).
import os
import struct
import sys

CFG = bytes([3, 20, 40, 2, 4, 1, 1])	# inflight 4, 21 pages, host 41, 3 bufs, batch 5, order 1, 2 slots


def add(s, f=0): return bytes([0, s, f])
def remove(s): return bytes([1, s])
def connect(s, order=0, base=0, f=0): return bytes([2, s, f, order, base])
def fstate(s, v): return bytes([4, s, v])
def turn(mode=0): return bytes([9, 0, mode])
def finish(k=1, how=0): return bytes([11, 0, k, how])
def read(s): return bytes([13, s])
def nop(s): return bytes([5, s, 0x80])
def scalar(s, a, b): return bytes([5, s, 0x82]) + struct.pack('<qq', a, b)
def vadd(s, n, ha, hb, hc, oa=0, ob=0, oc=0):
	return bytes([5, s, 0x83]) + struct.pack('<H', n - 1) + bytes([ha, hb, hc, oa, ob, oc])
def query(s, text=1, h=1, off=0, ln=200):
	return bytes([5, s, 0x81, text, h]) + struct.pack('<HH', off, ln)
def register(s, handle, nr, dir_ref, ind_ref, start, stride=1, ro=0):
	return bytes([5, s, 0x85, ro, 0x15, nr - 1, dir_ref, ind_ref, start, stride, handle])
def unregister(s, h): return bytes([5, s, 0x86, h])
def settle(): return bytes([20, 0])
# Protocol 2 (fuzz_backend.c's request_v2): a sub byte, a session pick (0:
# the newest session this slot was given), then the op's own bytes.
def sopen(s, gpu=0): return bytes([5, s, 0x88, gpu << 1, 0])
def sclose(s): return bytes([5, s, 0x88, 1, 0])
def alloc(s, n): return bytes([5, s, 0x89, 0, 0]) + struct.pack('<H', n - 1)
def mfree(s): return bytes([5, s, 0x89, 1, 0, 0])
def copy(s, dtoh, n, h, off=0, move=None):	# the newest allocation (+ move), buffer h
	at = bytes([0]) if move is None else bytes([0x40, move])
	return bytes([5, s, 0x8a, dtoh, 0]) + at + struct.pack('<H', n - 1) + bytes([h]) + \
		struct.pack('<H', off)
def mset(s, n): return bytes([5, s, 0x8b, 4, 0, 0]) + struct.pack('<H', n - 1) + bytes([7])
def death(dom): return bytes([18, dom - 1])
# Modules (request_module): sub 0x80 | op << 1, the session pick, a pick of
# the slot's newest module or function (0), then the op's own bytes.
def mload(s, h, n): return bytes([5, s, 0x8b, 0x80, 0, 0, h]) + struct.pack('<HH', 0, n - 1)
def munload(s): return bytes([5, s, 0x8b, 0x82, 0, 0, 0])
def fget(s, h, name_len, nlayout):
	return bytes([5, s, 0x8b, 0x84, 0, 0, 0, h]) + struct.pack('<H', 64) + \
		bytes([name_len - 1, nlayout]) + (bytes([h]) + struct.pack('<H', 512) if nlayout else b'')
# GLOBAL_GET (request_global): sub 0x88 (0xc8: padding set), the session
# pick, the newest module (0), then the name's buffer, offset and length.
# The stub's answer: a name of length 14 or 15 mod 16 gets a bad range.
def gget(s, h, name_len, pad=0):
	return bytes([5, s, 0x8b, 0xc8 if pad else 0x88, 0, 0, 0, h]) + struct.pack('<H', 64) + \
		bytes([name_len - 1]) + (bytes([pad - 1]) if pad else b'')
# Streams (request_stream): sub 0xa0 | op << 1, the session pick, the op's bytes.
def screate(s): return bytes([5, s, 0x8b, 0xa0, 0])
def sdestroy(s, st): return bytes([5, s, 0x8b, 0xa2, 0, st])
def ssync(s, st): return bytes([5, s, 0x8b, 0xa4, 0, st])
def smemset(s, st, n): return bytes([5, s, 0x8b, 0xa6, 0, 0]) + struct.pack('<H', n - 1) + bytes([st])
def launch(s, h, block=128):	# the newest function, its own blob size
	return bytes([5, s, 0x8b, 0x86, 0, 0, 0, 0]) + struct.pack('<H', block - 1) + \
		bytes([h]) + struct.pack('<H', 1024)

# Events (request_event): sub 0x90 | op << 1 (0x40: a field the op must not
# have), the session pick, then an event pick (0: the slot's newest, 1: the
# one before, 0x80 | n: made-up n) and the op's own bytes.
def ecreate(s, flags=0): return bytes([5, s, 0x8b, 0x90, 0, flags])
def edestroy(s, e): return bytes([5, s, 0x8b, 0x92, 0, e])
def erecord(s, e, st): return bytes([5, s, 0x8b, 0x94, 0, e, st])
def equery(s, e): return bytes([5, s, 0x8b, 0x96, 0, e])
def esync(s, e): return bytes([5, s, 0x8b, 0x98, 0, e])
def eelapsed(s, a, b): return bytes([5, s, 0x8b, 0x9a, 0, a, b])


def session(s, base):
	return add(s) + connect(s, 0, base) + turn()


seeds = {
	'ping': session(0, 0) + nop(0) + turn() + read(0),
	'scalar': session(0, 0) + scalar(0, 2, 40) + turn() + finish() + turn() + read(0),
	'vadd': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() + read(0) +
		vadd(0, 100, 1, 1, 1) + turn() + finish() + turn() + read(0),
	'query': session(0, 0) + register(0, 1, 1, 10, 11, 20) + turn() + settle() + query(0) +
		turn() + read(0),
	'two_guests': session(0, 0) + add(2, 0x08) + connect(2, 1, 0) + turn() +
		b''.join(scalar(0, i, i) + scalar(2, i, -i) for i in range(6)) +
		turn() + finish(2) + turn() + finish(3, 0x10) + turn() + read(0) + read(2),
	'close_inflight': session(1, 4) + register(1, 2, 3, 12, 13, 30) + turn() + settle() +
		vadd(1, 50, 2, 2, 2) + vadd(1, 60, 2, 2, 2) + turn() + unregister(1, 2) +
		turn() + settle() + fstate(1, 5) + turn() + finish(2) + turn() + read(1),
	'death': session(0, 0) + register(0, 3, 5, 14, 15, 40) + turn() + settle() +
		vadd(0, 10, 3, 3, 3) + turn() + death(1) + turn() + finish() + turn(),
	'reconnect': session(0, 0) + scalar(0, 1, 1) + turn() + connect(0, 1, 8) +
		turn() + finish() + turn() + scalar(0, 5, 5) + turn() + finish() + turn() +
		read(0),
	# A buffer a queued job holds stays mapped after BUF_UNREGISTER, and its
	# pages no longer count: a second 4-page buffer registers under a 4-page
	# cap (8 mapped).  FUZZ_BACKEND_STRICT=1 fails on it.
	'held_pages': bytes([3, 3, 40, 2, 4, 0, 0]) + session(0, 0) +
		register(0, 1, 4, 4, 5, 20) + turn() + settle() + vadd(0, 10, 1, 1, 1) +
		turn() + unregister(0, 1) + turn() + register(0, 2, 4, 6, 7, 30) + turn() +
		settle() + read(0),
	'broken': session(0, 0) + scalar(0, 1, 2) + turn() + bytes([22, 0]),
	'storm': session(0, 0) + bytes([8, 0x80, 23]) + nop(0) + turn() + read(0) +
		bytes([8, 0x80, 23]) + turn(0x20) + nop(0) + turn(0x20) + read(0),
	# 40 scalar adds at once with max-inflight 225: the 32-slot ring fills
	# with work and waits for responses.
	'ring_full': bytes([224, 20, 40, 2, 4, 0, 0]) + session(0, 0) +
		bytes([5, 0, 0xc2]) + struct.pack('<qq', 1, 2) + bytes([39]) + turn() * 8 +
		finish(1) + turn() + read(0) + finish(4) + turn() + read(0),
	'v2_memory': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() +
		read(0) + sopen(0) + turn() + read(0) + alloc(0, 4096) + turn() + finish() +
		turn() + read(0) + copy(0, 0, 4096, 1) + turn() + finish() + turn() + read(0) +
		mset(0, 1024) + turn() + finish() + turn() + copy(0, 1, 4096, 1) + turn() +
		finish() + turn() + read(0) + mfree(0) + sclose(0) + turn() + read(0),
	# MEM_FREE while a copy that names the memory is queued: the free is
	# answered, the memory stays until the copy is done.
	'v2_free_inflight': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() +
		read(0) + sopen(0) + turn() + read(0) + alloc(0, 8192) + turn() + finish() +
		turn() + read(0) + copy(0, 0, 4096, 1) + copy(0, 1, 4096, 1) + mfree(0) +
		turn() + read(0) + finish(2) + turn() + read(0),
	'v2_death': session(0, 0) + sopen(0) + turn() + read(0) + alloc(0, 100) + turn() +
		finish() + turn() + read(0) + alloc(0, 200) + turn() + death(1) + turn() +
		finish() + turn(),
	'v2_modules': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() +
		read(0) + sopen(0) + turn() + read(0) + mload(0, 1, 4096) + turn() + finish() +
		turn() + read(0) + fget(0, 1, 9, 4) + turn() + finish() + turn() + read(0) +
		launch(0, 1) + launch(0, 1) + turn() + finish(2) + turn() + read(0) +
		munload(0) + turn() + read(0) + sclose(0) + turn() + read(0),
	# MODULE_UNLOAD while launches of its function are queued: answered at
	# once, the module stays until they are done.
	'v2_unload_inflight': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() +
		settle() + read(0) + sopen(0) + turn() + read(0) + mload(0, 1, 100) + turn() +
		finish() + turn() + read(0) + fget(0, 1, 7, 0) + turn() + finish() + turn() +
		read(0) + launch(0, 1) + launch(0, 1) + munload(0) + turn() + read(0) +
		finish(2) + turn() + read(0),
	# A stream's memset and synchronize queued with the session's own; then
	# the stream destroyed and named again (VGPU_ENOENT).
	'v2_streams': session(0, 0) + sopen(0) + turn() + read(0) + alloc(0, 4096) + turn() +
		finish() + turn() + read(0) + screate(0) + turn() + read(0) + smemset(0, 1, 4096) +
		smemset(0, 0, 100) + ssync(0, 1) + turn() + finish(2) + turn() + finish() + turn() +
		read(0) +
		sdestroy(0, 1) + smemset(0, 1, 10) + turn() + read(0),
	# Two events (max-events 2: a third is refused), recorded on the session's
	# stream and on a created one; QUERY and ELAPSED before and after their
	# RECORDs ran (VGPU_ENOTREADY, then end - start); wrong fields; a
	# DESTROY while a RECORD of it is queued; ELAPSED of one never recorded
	# and of one made without timing (VGPU_EINVAL); a SYNC that finishes
	# before its RECORD (complete: QUERY 1, ELAPSED runs) and one that fails
	# (not complete); DESTROY while an ELAPSED of it runs; SYNC of one never
	# recorded, closed with its session (the executor frees it all the same).
	'v2_events': session(0, 0) + sopen(0) + turn() + read(0) + alloc(0, 4096) + turn() +
		finish() + turn() + read(0) + screate(0) + turn() + read(0) +
		ecreate(0) + ecreate(0, 1) + ecreate(0, 2) + turn() + read(0) + equery(0, 1) +
		erecord(0, 1, 0) + smemset(0, 1, 4096) + erecord(0, 0, 1) + equery(0, 0) +
		eelapsed(0, 1, 0) + esync(0, 0) + turn() + read(0) +
		(finish(2) + turn()) * 3 + read(0) + equery(0, 0) + eelapsed(0, 1, 0) +
		eelapsed(0, 0, 1) + eelapsed(0, 0x97, 0) + bytes([5, 0, 0x8b, 0xd0, 0, 0xff, 1]) +
		bytes([5, 0, 0x8b, 0xd8, 0, 0, 0, 2]) + turn() + finish(2) + turn() + read(0) +
		edestroy(0, 0) + erecord(0, 0, 0) + erecord(0, 1, 0) + edestroy(0, 1) + turn() +
		read(0) + finish(1) + turn() + read(0) + ecreate(0) + ecreate(0, 2) + turn() +
		read(0) + eelapsed(0, 1, 1) + erecord(0, 1, 0) + erecord(0, 0, 0) + turn() + finish(2) +
		turn() + read(0) + eelapsed(0, 1, 1) + eelapsed(0, 1, 0) + turn() + finish() + turn() +
		read(0) + erecord(0, 1, 1) + esync(0, 1) + turn() + finish(1, 1) + turn() + read(0) +
		equery(0, 1) + eelapsed(0, 1, 1) + turn() + read(0) + (finish() + turn()) * 2 + read(0) +
		erecord(0, 1, 1) + esync(0, 1) + turn() + finish(1, 0x21) + turn() + read(0) +
		equery(0, 1) + turn() + read(0) + finish() + turn() + read(0) + eelapsed(0, 1, 1) +
		turn() + edestroy(0, 1) + turn() + read(0) + finish() + turn() + read(0) +
		edestroy(0, 0) + ecreate(0) + turn() + read(0) + esync(0, 0) + turn() +
		finish() + turn() + read(0) + sclose(0) + turn() + read(0),
	'v2_module_death': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() +
		read(0) + sopen(0) + turn() + read(0) + mload(0, 1, 100) + turn() + finish() +
		turn() + read(0) + fget(0, 1, 8, 2) + turn() + finish() + turn() + read(0) +
		launch(0, 1) + turn() + death(1) + turn() + finish() + turn(),
	# A module's global (8 bytes of name: 8 KiB at the stub): copied to (all
	# of it) and from, set, then a copy one byte past its end and a MEM_FREE
	# of it (VGPU_EBADPTR); bad answers of the executor (empty, wrapping:
	# VGPU_EIO) and padding (VGPU_EINVAL); the same global again;
	# MODULE_UNLOAD with a copy into it queued (the module stays until the
	# copy is done), then a copy into it (VGPU_EBADPTR).
	'v2_globals': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() +
		read(0) + sopen(0) + turn() + read(0) + mload(0, 1, 100) + turn() + finish() +
		turn() + read(0) + gget(0, 1, 8) + turn() + finish() + turn() + read(0) +
		copy(0, 0, 8192, 1) + copy(0, 1, 4096, 1) + turn() + finish(2) + turn() + read(0) +
		mset(0, 1024) + turn() + finish() + turn() + read(0) +
		copy(0, 0, 8192, 1, 0, 1) + mfree(0) + turn() + read(0) +
		gget(0, 1, 15) + turn() + finish() + turn() + read(0) +
		gget(0, 1, 14) + turn() + finish() + turn() + read(0) +
		gget(0, 1, 8, 2) + turn() + read(0) + gget(0, 1, 8) + turn() + finish() + turn() +
		read(0) + copy(0, 0, 4096, 1) + munload(0) + turn() + read(0) + finish() + turn() +
		read(0) + copy(0, 1, 16, 1) + turn() + read(0) + sclose(0) + turn() + read(0),
	# The guest dies with a copy into a global queued.
	'v2_global_death': session(0, 0) + register(0, 1, 4, 10, 11, 20) + turn() + settle() +
		read(0) + sopen(0) + turn() + read(0) + mload(0, 1, 100) + turn() + finish() +
		turn() + read(0) + gget(0, 1, 6) + turn() + finish() + turn() + read(0) +
		copy(0, 0, 64, 1) + turn() + death(1) + turn() + finish() + turn(),
	'remove': session(3, 2) + register(3, 0, 2, 16, 17, 50) + turn() + settle() +
		vadd(3, 8, 0, 0, 0) + turn() + remove(3) + finish() + turn() + settle(),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus', 'backend')
os.makedirs(out, exist_ok=True)
for name, body in seeds.items():
	with open(os.path.join(out, name), 'wb') as f:
		f.write(body if name in ('held_pages', 'ring_full') else CFG + body)
