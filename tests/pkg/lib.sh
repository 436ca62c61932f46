# SPDX-License-Identifier: GPL-2.0
# Helpers of the packaging tests (tests/pkg/test_*.sh; bash, sourced).
# Sets top (the project's top directory) and pciem_version (kmod/dkms.conf's
# PACKAGE_VERSION, the project's version); the tests end with summary.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pciem_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/kmod/dkms.conf")
pass=0
fail=0
check_out=$(mktemp)
trap 'rm -f "$check_out"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# check NAME CMD...: ok if CMD succeeds, else bad with the end of its output.
check() {
	local name=$1
	shift
	if "$@" > "$check_out" 2>&1; then ok "$name"; else
		bad "$name"; sed 's/^/    /' "$check_out" | tail -20; fi
}

# summary: the counts, and the script's status (0 when nothing failed).
summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# help_opts: "s/long" (or "/long") for each option of an option list read
# on stdin (a tool's --help): lines "  -s, --long", "  --long" (pciem-vm)
# or "      --long" (argp's long-only options).
help_opts() {
	sed -n -E 's/^  (-([^ ,]), |    )?--([a-z][a-z0-9-]*).*/\2\/\3/p' | sort -u
}
