#!/bin/bash
# Manual pages render without warnings (mandoc -T lint, groff -ww), and every
# option a program's --help lists is documented in its page.
. "$top_srcdir/test-harness/lib/tap.sh"
for page in "$top_srcdir"/man/*.[1-8]; do
	name=${page##*/}
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		is "$out" "" "$name: mandoc -T lint is clean"
	fi
	out=$(groff -ww -man -z "$page" 2>&1)
	is "$out" "" "$name: groff -ww -man -z is clean"
done
# check_help PROGRAM PAGE [SECTION]: every option PROGRAM --help lists is in
# PAGE (in its SECTION only, when given), and with a SECTION, every option
# that section documents is one --help lists.
check_help() {
	local prog=$1 page=$2 section=${3:-} opts missing="" extra="" o text
	opts=$("$prog" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page")
	[ -n "$section" ] && text=$(awk -v s=".SH $section" '/^\.SH/ { on = ($0 == s) } on' <<<"$text")
	for o in $opts; do
		grep -qE -- "$o([^a-z0-9-]|$)" <<<"$text" || missing="$missing $o"
	done
	is "$missing" "" "${prog##*/} --help: every option is in ${page##*/}${section:+ $section} ($(echo $opts | wc -w) options)"
	[ -n "$section" ] || return 0
	for o in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$text" | sort -u); do
		grep -qxF -- "$o" <<<"$opts" || extra="$extra $o"
	done
	is "$extra" "" "${page##*/} $section: every option it documents is in ${prog##*/} --help"
}
# vgpuback --help is made from its option table (backend/options.c), so this
# checks that every row of the table is documented under OPTIONS.
check_help "$top_builddir/backend/vgpuback" "$top_srcdir/man/vgpuback.8" OPTIONS
check_help "$top_builddir/xenstore-hooks/vgpuctl" "$top_srcdir/man/vgpuctl.8"
check_help "$top_builddir/frontend/vgpufront" "$top_srcdir/man/vgpufront.1"
done_testing
