# SPDX-License-Identifier: GPL-2.0
# Helpers of the host-side CLI tests (sourced by test_pciem_trace.sh and
# test_replay_cli.sh; bash).  The sourcing script sets DIR, a scratch
# directory, and prints "$pass passed, $fail failed" at the end.

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# run NAME CMD...: runs CMD, output in $DIR/NAME.out (stdout) and
# $DIR/NAME.err; sets $rc.
run() {
	local name=$1
	shift
	"$@" > "$DIR/$name.out" 2> "$DIR/$name.err"
	rc=$?
	out=$DIR/$name.out
	err=$DIR/$name.err
	if grep -q -E 'AddressSanitizer|runtime error|LeakSanitizer' "$err"; then
		bad "$name: sanitizer report"
		sed 's/^/    /' "$err" | head -30
	fi
}

expect_rc() {	# NAME WANT
	if [ "$rc" -eq "$2" ]; then ok "$1: exit $2"; else
		bad "$1: exit $rc, expected $2"
		sed 's/^/    out: /' "$out" | head -20
		sed 's/^/    err: /' "$err" | head -20
	fi
}

# expect_line NAME FILE REGEX: some line of FILE, blanks squeezed, matches
expect_line() {
	if tr -s ' \t' ' ' < "$2" | grep -q -E -- "$3"; then ok "$1: /$3/"; else
		bad "$1: no line matches /$3/ in $(basename "$2")"
		sed 's/^/    /' "$2" | head -60
	fi
}

expect_no_line() {
	if tr -s ' \t' ' ' < "$2" | grep -q -E -- "$3"; then
		bad "$1: a line matches /$3/"
		tr -s ' \t' ' ' < "$2" | grep -E -- "$3" | sed 's/^/    /' | head
	else ok "$1: no /$3/"; fi
}

