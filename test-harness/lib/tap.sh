# tap.sh: tiny TAP helpers for shell tests (source it).
#   plan N | ok COND-EXIT "what" | is GOT WANT "what" | skip_all "why" | done_testing
_tap_n=0
_tap_failed=0
plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
_tap_report() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}
# ok "what" CMD...: passes when CMD exits 0
ok() { _w=$1; shift; "$@"; _tap_report $? "$_w"; }
# is GOT WANT "what"
is() {
	if [ "$1" = "$2" ]; then _tap_report 0 "$3"
	else _tap_report 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
# like GOT REGEX "what"
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then _tap_report 0 "$3"
	else _tap_report 1 "$3"; echo "#   got:  '$1'"; echo "#   want match: '$2'"; fi
}
diag() { echo "# $*"; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
