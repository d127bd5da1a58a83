/* SPDX-License-Identifier: MIT */
/* simproto.h: placeholder; the simxen issue defines the hypercall protocol. */
#ifndef VGPU_SIMPROTO_H
#define VGPU_SIMPROTO_H
#endif
