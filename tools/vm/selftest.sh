#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of tools/pciem-vm: boots each kernel of `tools/pciem-vm --list`
# (or those given with --kernels "V1 V2") several times and checks exit
# statuses, output, shares and the kernel log check.  About ten boots per
# kernel, five more on the debug kernel: there a module makes one bug per
# boot that KASAN, lockdep, the atomic-sleep check, debug objects or
# DEBUG_LIST must report, and the log check must catch.  Prints one line
# per check and "N passed, N failed".
#
#   tools/vm/selftest.sh [--kernels "V1 V2"]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
vm=tools/pciem-vm

kernels=
if [ "${1:-}" = --kernels ]; then
	kernels=$2
fi
[ -n "$kernels" ] || kernels=$($vm --list)

work=$(mktemp -d "${TMPDIR:-/tmp}/pciem-vm-selftest.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
# Run directories of the tool under test go to $work too.
export TMPDIR=$work

passed=0 failed=0

# check NAME EXPECTED-STATUS ACTUAL-STATUS [extra condition result]
check() {
	local name=$1 want=$2 got=$3 ok=${4:-0}
	if [ "$got" = "$want" ] && [ "$ok" = 0 ]; then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name (status $got, expected $want; extra check $ok)"
		tail -n 20 "$work/err" | cut -c 1-200 | cat -v | sed 's/^/    | /'
	fi
}

for k in $kernels; do
	# Boot overhead.
	s=$(date +%s.%N)
	$vm --no-module --kernel "$k" -- true </dev/null >"$work/out" 2>"$work/err"
	rc=$?
	e=$(date +%s.%N)
	check "$k: true" 0 $rc
	echo "     boot overhead ($k): $(echo "$e - $s" | bc) s"

	# Status, environment, mounts, writes to the project tree.
	probe=build/vm-selftest-probe.$$
	rm -f "$probe"
	$vm --no-module --kernel "$k" -- sh -c '
		set -e
		[ "$PCIEM_VM" = 1 ] && [ "$PCIEM_VM_KERNEL" = "$(uname -r)" ]
		[ "$HOME" = /root ] && [ "$(id -u)" = 0 ] && [ "$(pwd)" = "$1" ]
		! touch /usr/pciem-vm-ro 2>/dev/null
		touch /tmp/x /var/tmp/x /root/x /run/x
		mountpoint -q /sys/kernel/debug && mountpoint -q /sys/kernel/tracing
		# In-tree modules load, on a Debian kernel; the debug kernel
		# has none (all it needs is built in) but has its checkers.
		if [ -d "/lib/modules/$(uname -r)/kernel" ]; then
			modprobe i6300esb && grep -q "^i6300esb " /proc/modules
		else
			case $(uname -r) in *-pciem-debug) ;; *) exit 1 ;; esac
			[ -d /sys/kernel/debug/kfence ] && [ -r /proc/lockdep ]
			grep -q kasan_multi_shot /proc/cmdline
		fi
		lspci >/dev/null
		echo hi >"$2"
		exit 3' sh "$top" "$probe" </dev/null >"$work/out" 2>"$work/err"
	rc=$?
	grep -qx hi "$probe" 2>/dev/null
	check "$k: status, environment, mounts" 3 $rc $?
	rm -f "$probe"

	# Arguments keep their quoting; stdout and stderr stay apart and
	# binary-clean.
	$vm --no-module --kernel "$k" -- sh -c 'printf "<%s>" "$@"; cat /bin/busybox >&2' \
		sh 'a b' "it's" '$HOME' '' '*' </dev/null >"$work/out" 2>"$work/err"
	rc=$?
	[ "$(cat "$work/out")" = "<a b><it's><\$HOME><><*>" ] && cmp -s "$work/err" /bin/busybox
	check "$k: quoting, stdout/stderr" 0 $rc $?
	: >"$work/err"

	# --share is read-write.
	mkdir -p "$work/share"
	echo in >"$work/share/in"
	$vm --no-module --kernel "$k" --share "$work/share" -- \
		sh -c 'cat "$1/in" >"$1/out"' sh "$work/share" </dev/null >"$work/out" 2>"$work/err"
	rc=$?
	grep -qx in "$work/share/out" 2>/dev/null
	check "$k: --share" 0 $rc $?

	# A kernel warning fails the run even though COMMAND succeeds.
	$vm --no-module --kernel "$k" -- sh -c 'echo "WARNING: selftest" >/dev/kmsg' \
		</dev/null >"$work/out" 2>"$work/err"
	rc=$?
	grep -q 'WARNING: selftest' "$work/err"
	check "$k: kernel warning" 120 $rc $?

	# A panic.
	$vm --no-module --kernel "$k" -- sh -c 'echo c >/proc/sysrq-trigger' \
		</dev/null >"$work/out" 2>"$work/err"
	rc=$?
	grep -q 'Kernel panic' "$work/err"
	check "$k: panic" 122 $rc $?

	# A timeout.
	$vm --no-module --kernel "$k" --timeout 20 -- sleep 600 \
		</dev/null >"$work/out" 2>"$work/err"
	check "$k: timeout" 121 $?

	# The debug kernel's checkers are on, and each of their reports
	# fails the run: a module makes one deliberate bug per boot.
	case $k in
	*-pciem-debug)
		dchk=build/$k/debugcheck/pciem_debugcheck.ko
		for bug in "kasan:BUG: KASAN: slab-out-of-bounds" \
			"lockdep:WARNING: possible circular locking dependency detected" \
			"sleep:BUG: sleeping function called from invalid context" \
			"odebug:ODEBUG: free active" \
			"list:list_add double add"; do
			if [ ! -f "$dchk" ]; then
				failed=$((failed + 1))
				echo "FAIL $k: ${bug%%:*} report ($dchk not built: make test-kmods)"
				continue
			fi
			$vm --no-module --kernel "$k" -- insmod "$dchk" "bug=${bug%%:*}" \
				</dev/null >"$work/out" 2>"$work/err"
			rc=$?
			grep -qF "${bug#*:}" "$work/err"
			check "$k: ${bug%%:*} report" 120 $rc $?
		done ;;
	esac

	# The module, when it is built.
	if [ -f "build/$k/kmod/pciem.ko" ]; then
		$vm --kernel "$k" -- sh -c 'grep -q "^pciem " /proc/modules' \
			</dev/null >"$work/out" 2>"$work/err"
		check "$k: module loads" 0 $?
	else
		echo "SKIP $k: module loads (build/$k/kmod/pciem.ko not built)"
	fi
done

# --icount: the guest's TSC runs at one tick per instruction, which the
# kernel calibrates as about 1000 MHz (the host's is faster).
$vm --icount --smp 1 --no-module -- sh -c 'dmesg | grep -E "tsc: (Detected|Refined TSC clocksource calibration:) (99[0-9]|100[0-9])\." >&2' \
	</dev/null >"$work/out" 2>"$work/err"
check "--icount: a TSC of one tick per instruction" 0 $?

# Usage errors.
$vm --bogus >"$work/out" 2>"$work/err"
check "unknown option" 123 $?
$vm --icount -- true >"$work/out" 2>"$work/err"
check "--icount without --smp 1" 123 $?
$vm --kernel no-such-kernel -- true >"$work/out" 2>"$work/err"
check "unknown kernel" 123 $?
$vm --no-module </dev/null >"$work/out" 2>"$work/err"
check "no COMMAND without a terminal" 123 $?

echo "$passed passed, $failed failed"
[ $failed = 0 ]
