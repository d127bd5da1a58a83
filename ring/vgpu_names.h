/* SPDX-License-Identifier: MIT */
/*
 * vgpu_names.h: names and strict parsers shared by backend, frontend and
 * toolstack: priorities, xenbus states, decimal numbers.  Never logs;
 * parsers return -1 (numbers) or a negative value on anything but an exact
 * canonical form, so a guest's garbage never becomes a number.
 */
#ifndef VGPU_NAMES_H
#define VGPU_NAMES_H

/* "high", "medium", "low"; "?" outside VGPU_PRIO_*. */
const char *vgpu_prio_name(int prio);
/* VGPU_PRIO_* for an exact name, -1 otherwise. */
int vgpu_prio_parse(const char *s);

/* "Unknown" .. "Reconfigured"; "?" outside 0..8. */
const char *vgpu_state_name(int state);
/* A XenbusState written as decimal digits only: 0..8, else -EINVAL; NULL: -ENOENT. */
int vgpu_state_parse(const char *s);

/* Decimal digits only, at most 10 of them, value <= @max: 0, else -1. */
int vgpu_parse_ulong(const char *s, unsigned long max, unsigned long *out);

#endif /* VGPU_NAMES_H */
