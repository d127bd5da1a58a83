/* SPDX-License-Identifier: MIT */
/* tool_json.c: the commands' shared --json pieces (tool_json.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tool_json.h"

void tool_json_key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

void tool_json_num(yajl_gen g, const char *k, const char *fmt, double v)
{
	char num[40];
	int n = snprintf(num, sizeof(num), fmt, v);

	tool_json_key(g, k);
	yajl_gen_number(g, num, (size_t)n);
}
