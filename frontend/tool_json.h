/* SPDX-License-Identifier: MIT */
/*
 * tool_json.h: what the vgpufront commands' --json output shares (yajl
 * writes it; these only spare each command the casts and the number text).
 */
#ifndef VGPU_TOOL_JSON_H
#define VGPU_TOOL_JSON_H

#include <yajl/yajl_gen.h>

void tool_json_key(yajl_gen g, const char *k);
/* @k: @v as a JSON number printed with @fmt ("%.3f": what a measure holds). */
void tool_json_num(yajl_gen g, const char *k, const char *fmt, double v);

#endif /* VGPU_TOOL_JSON_H */
