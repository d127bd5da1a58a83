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
check_help() { # program page
	local prog=$1 page=$2 opts missing="" o text
	opts=$("$prog" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page")
	for o in $opts; do
		grep -qF -- "$o" <<<"$text" || missing="$missing $o"
	done
	is "$missing" "" "${prog##*/} --help: every option is in ${page##*/} ($(echo $opts | wc -w) options)"
}
check_help "$top_builddir/backend/vgpuback" "$top_srcdir/man/vgpuback.8"
check_help "$top_builddir/xenstore-hooks/vgpuctl" "$top_srcdir/man/vgpuctl.8"
check_help "$top_builddir/frontend/vgpufront" "$top_srcdir/man/vgpufront.1"
done_testing
