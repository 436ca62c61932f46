#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs VM test scripts, one VM boot per script and kernel, through
# tools/pciem-vm (which fails a boot whose kernel log shows a BUG,
# WARNING, Oops, lockdep report and the like).
#
#   tests/vm/run.sh [--kernels "V1 V2"] [--timeout SEC] [--debug-timeout SEC]
#                   [--debug-skip "t_a t_b"] [-j N] tests/vm/t_foo.sh...
#
# -j N: N VMs at a time (default: one per CPU; each guest runs on one host
# thread).  STRESS_ROUNDS and STRESS_PCT, if set, are passed to the tests
# (the rounds of the stress tests, see rounds() in lib.sh).
# The debug kernel (a release ending in -pciem-debug, see
# tools/vm/debug-kernel.sh) is slower: its tests get --debug-timeout
# seconds (default 1800) instead of --timeout (default 600).  The tests
# named in --debug-skip (by script name, without .sh) do not run on it;
# each prints a NOTRUN line, counted apart from passes and failures.
# A test whose script has a line "# vm-devices: DEV..." gets those QEMU
# devices (tools/pciem-vm --device DEV each): real hardware to the guest;
# "# vm-disks: ID:MB..." adds empty disk images for them (--disk), and
# "# vm-netdevs: ID..." user-mode network backends (--netdev).
# A test with a line "# vm-boots: N" runs in N boots one after the other,
# each a fresh VM with PCIEM_TEST_BOOT set to 1..N; only the first has the
# test's devices (later ones: "no such hardware").  PCIEM_TEST_SHARE names a
# directory, writable in every boot, that carries files from one boot to
# the next.  The test fails at the first boot that fails.
# A test that exits with status 77 (notrun in lib.sh) could not run on
# that kernel (it lacks what the test needs): a NOTRUN line with its
# reason, counted the same way.
#
# Prints one line per test and kernel as each ends, then "N passed, N
# failed" (and ", N not run on the debug kernel", ", N not runnable on
# their kernel").
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

kernels=""
timeout=600
debug_timeout=1800
debug_skip=
# VMs at a time: one per core (each QEMU runs its guest on one thread)
jobs=$(nproc 2>/dev/null || echo 1)
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) kernels=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--debug-timeout) debug_timeout=$2; shift 2 ;;
	--debug-skip) debug_skip=$2; shift 2 ;;
	-j) jobs=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -n "$kernels" ] || kernels=$(tools/pciem-vm --list)
[ $# -gt 0 ] || { echo "run.sh: no tests given" >&2; exit 2; }

logdir=$top/build/vm-tests
mkdir -p "$logdir"
# Does test $1 run on the debug kernel?
on_debug() {
	local d
	for d in $debug_skip; do
		[ "$(basename "$d" .sh)" = "$(basename "$1" .sh)" ] && return 1
	done
	return 0
}

# One job: test $2 on kernel $1, timeout $3; its result line goes to $4
# (and, on failure, the end of its log).
run_one() {
	local k=$1 t=$2 tmo=$3 out=$4 name log start rc secs d devs=() boots boot share
	name=$(basename "$t" .sh)
	log=$logdir/$name-$k.log
	for d in $(sed -n 's/^# vm-devices: *//p' "$t" | head -n 1); do
		devs+=(--device "$d")
	done
	for d in $(sed -n 's/^# vm-netdevs: *//p' "$t" | head -n 1); do
		devs+=(--netdev "$d")
	done
	for d in $(sed -n 's/^# vm-disks: *//p' "$t" | head -n 1); do
		devs+=(--disk "$d")
	done
	boots=$(sed -n 's/^# vm-boots: *//p' "$t" | head -n 1)
	start=$(date +%s)
	if [ -z "$boots" ]; then
		tools/pciem-vm --kernel "$k" --timeout "$tmo" "${devs[@]}" -- \
			env ${STRESS_ROUNDS:+STRESS_ROUNDS=$STRESS_ROUNDS} ${STRESS_PCT:+STRESS_PCT=$STRESS_PCT} \
			sh "$t" >"$log" 2>&1 </dev/null
		rc=$?
	else
		share=$logdir/$name-$k.share
		rm -rf "$share" && mkdir -p "$share"
		: >"$log"
		for boot in $(seq 1 "$boots"); do
			echo "==== boot $boot of $boots" >>"$log"
			tools/pciem-vm --kernel "$k" --timeout "$tmo" --share "$share" "${devs[@]}" -- \
				env PCIEM_TEST_BOOT="$boot" PCIEM_TEST_SHARE="$share" \
				sh "$t" >>"$log" 2>&1 </dev/null
			rc=$?
			devs=()		# the later boots: no such hardware
			[ $rc -eq 0 ] || break
		done
		rm -rf "$share"
	fi
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		printf 'PASS %-28s %-26s %4ss\n' "$name" "$k" "$secs" >"$out"
	elif [ $rc -eq 77 ]; then
		printf 'NOTRUN %-26s %-26s (%s)\n' "$name" "$k" \
			"$(sed -n 's/^NOTRUN: //p' "$log" | tail -n 1)" >"$out"
	else
		{
			printf 'FAIL %-28s %-26s %4ss (status %d, log %s)\n' "$name" "$k" "$secs" "$rc" "$log"
			sed 's/^/    | /' "$log" | tail -n 40
		} >"$out"
	fi
	flock "$results/.lock" cat "$out"	# as each ends, whole
}

results=$(mktemp -d "${TMPDIR:-/tmp}/pciem-run.XXXXXX") || exit 2
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$results"; exit 130' INT TERM
n=0
running=0
notrun=0
for k in $kernels; do
	tmo=$timeout
	debug=0
	case $k in
	*-pciem-debug) tmo=$debug_timeout; debug=1 ;;
	esac
	for t in "$@"; do
		if [ $debug = 1 ] && ! on_debug "$t"; then
			notrun=$((notrun + 1))
			printf 'NOTRUN %-26s %-26s (skipped on the debug kernel: VM_DEBUG_SKIP)\n' \
				"$(basename "$t" .sh)" "$k"
			continue
		fi
		n=$((n + 1))
		if [ $running -ge $jobs ]; then
			wait -n
			running=$((running - 1))
		fi
		run_one "$k" "$t" "$tmo" "$results/$(printf %04d $n)" &
		running=$((running + 1))
	done
done
wait
passed=$(cat "$results"/* 2>/dev/null | grep -c '^PASS ')
failed=$(cat "$results"/* 2>/dev/null | grep -c '^FAIL ')
cantrun=$(cat "$results"/* 2>/dev/null | grep -c '^NOTRUN ')
failures=$(cat "$results"/* 2>/dev/null | awk '/^FAIL / { printf " %s@%s", $2, $3 }')
rm -rf "$results"
[ $((passed + failed + cantrun)) -eq $n ] ||
	echo "run.sh: $((n - passed - failed - cantrun)) jobs gave no result" >&2
[ -z "$failures" ] || echo "failed:$failures"
summary="$passed passed, $failed failed"
[ $notrun -eq 0 ] || summary="$summary, $notrun not run on the debug kernel"
[ $cantrun -eq 0 ] || summary="$summary, $cantrun not runnable on their kernel"
echo "$summary"
[ $failed -eq 0 ] && [ $((passed + failed + cantrun)) -eq $n ]
