#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs VM test scripts, one VM boot per script and kernel, through
# tools/pciem-vm (which fails a boot whose kernel log shows a BUG,
# WARNING, Oops, lockdep report and the like).
#
#   tests/vm/run.sh [--kernels "V1 V2"] [--timeout SEC] tests/vm/t_foo.sh...
#
# Prints one line per test and kernel, then "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

kernels=""
timeout=600
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) kernels=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -n "$kernels" ] || kernels=$(tools/pciem-vm --list)
[ $# -gt 0 ] || { echo "run.sh: no tests given" >&2; exit 2; }

logdir=$top/build/vm-tests
mkdir -p "$logdir"
passed=0
failed=0
failures=""
for k in $kernels; do
	for t in "$@"; do
		name=$(basename "$t" .sh)
		log=$logdir/$name-$k.log
		start=$(date +%s)
		tools/pciem-vm --kernel "$k" --timeout "$timeout" -- sh "$t" >"$log" 2>&1 </dev/null
		rc=$?
		secs=$(( $(date +%s) - start ))
		if [ $rc -eq 0 ]; then
			passed=$((passed + 1))
			printf 'PASS %-28s %-26s %4ss\n' "$name" "$k" "$secs"
		else
			failed=$((failed + 1))
			failures="$failures $name@$k"
			printf 'FAIL %-28s %-26s %4ss (status %d, log %s)\n' "$name" "$k" "$secs" "$rc" "$log"
			sed 's/^/    | /' "$log" | tail -n 40
		fi
	done
done
[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
