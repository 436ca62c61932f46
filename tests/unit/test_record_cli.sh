#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pciem-record on the host, where there is no /dev/pciem: --help, usage
# errors, the documented statuses for a missing module (69), a device
# node it may not open (77) and a --bdf device that does not exist (66),
# and the LTTng-UST provider: loaded when it is beside the binary, and
# recording still reaches the device step when it is hidden or named
# wrongly, without liblttng-ust being linked in.
#
#   tests/unit/test_record_cli.sh [BUILD_DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
rec=$build/bin/pciem-record
tmp=$(mktemp -d /tmp/test_record_cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() {
	name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok: $name"
	else
		failed=$((failed + 1))
		echo "FAIL: $name" >&2
		sed 's/^/    | /' "$tmp/err" >&2
	fi
}

# run WANT_STATUS ARGS...: pciem-record's status is WANT_STATUS; its
# stderr is in $tmp/err, stdout in $tmp/out
run() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" = "$want" ] || { echo "status $got, want $want" >>"$tmp/err"; return 1; }
}

err_has() {
	grep -q -- "$1" "$tmp/err" || { echo "stderr lacks: $1" >>"$tmp/err"; return 1; }
}

nodev="$tmp/no-such-dir/pciem"
export PCIEM_RECORD_DEVICE="$nodev"

check "--help" eval "run 0 '$rec' --help && grep -q 'EXIT STATUS' '$tmp/out' &&
	grep -q -- '--ring-size' '$tmp/out' && grep -q '^ *69 ' '$tmp/out'"
help_has_statuses() {
	for s in 64 66 69 70 71 73 74 75 77 78 126 127; do
		grep -q "^ *$s " "$tmp/out" || grep -q "; *$s " "$tmp/out" ||
			{ echo "--help lacks status $s" >"$tmp/err"; return 1; }
	done
}
check "--help names every status" help_has_statuses
check "bad --mode is a usage error (64)" eval "run 64 '$rec' --mode fast && err_has 'full or writes'"
check "--ring-size not a power of two (64)" eval "run 64 '$rec' --ring-size 3M && err_has 'power of two'"
check "--ring-size too small (64)" eval "run 64 '$rec' --ring-size 4K"
check "--ring-size garbage (64)" eval "run 64 '$rec' --ring-size 12Q"
check "--match garbage (64)" eval "run 64 '$rec' --match 12345:1"
check "--pid garbage (64)" eval "run 64 '$rec' --pid 12x"
check "--match with --pid (64)" eval "run 64 '$rec' --match 1234:5678 --pid 1 && err_has 'exclude'"
check "--bdf garbage (64)" eval "run 64 '$rec' --bdf zz"

check "no /dev/pciem: 69 and a clear message" eval "run 69 '$rec' -o '$tmp/a.zst' -- true &&
	err_has 'pciem module is not loaded' && test ! -e '$tmp/a.zst'"
check "no /dev/pciem, COMMAND not started" eval "run 69 '$rec' -o '$tmp/b.zst' -- touch '$tmp/started' &&
	test ! -e '$tmp/started'"
check "--bdf of a device that does not exist: 66" eval "run 66 '$rec' --bdf 7777:00:00.0 && err_has 'no device'"

# A real device (--bdf below domain 10000): its options, and the refusal
# of a device that a mounted file system sits on (a fake /proc and /sys
# under PCIEM_RECORD_ROOT; past the check the recorder stops at the
# missing /dev/pciem, 69).
check "real device: --mode writes refused (64)" eval "run 64 '$rec' --bdf 0000:00:03.0 --mode writes &&
	err_has 'always recorded in full trap'"
check "--rebind without a real device (64)" eval "run 64 '$rec' --bdf 10000:00:00.0 --rebind &&
	err_has 'for a real device'"
check "--force-device without --bdf (64)" eval "run 64 '$rec' --force-device"
fake=$tmp/root
disk=sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda
mkdir -p "$fake/proc/self" "$fake/sys/bus/pci/devices/0000:00:1f.2" "$fake/sys/bus/pci/devices/0000:00:03.0" \
	"$fake/$disk/sda1" "$fake/$disk/sda2" "$fake/sys/dev/block" "$fake/sys/devices/virtual/block/dm-0/slaves"
ln -s ../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1 "$fake/sys/dev/block/8:1"
ln -s ../../devices/virtual/block/dm-0 "$fake/sys/dev/block/253:0"
ln -s ../../../../pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2 \
	"$fake/sys/devices/virtual/block/dm-0/slaves/sda2"
printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$fake/proc/swaps"
mountinfo() {
	printf '%s\n' "22 1 0:21 / /proc rw,nosuid - proc proc rw" "$@" >"$fake/proc/self/mountinfo"
}
export PCIEM_RECORD_ROOT=$fake
mountinfo "25 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw"
check "the root file system's device: 75, naming the mount" eval "run 75 '$rec' --bdf 0000:00:1f.2 &&
	err_has 'mounted on / (ext4 on /dev/sda1)' && err_has 'force-device'"
check "another device on the same machine is not refused" eval "run 69 '$rec' --bdf 0000:00:03.0"
check "--force-device: traced anyway, said so" eval "run 69 '$rec' --bdf 0000:00:1f.2 --force-device &&
	err_has 'traced anyway'"
mountinfo "25 1 0:30 / / rw - 9p root rw" "26 25 253:0 / /home rw - xfs /dev/mapper/vg-home rw"
check "through device mapper (slaves/): 75" eval "run 75 '$rec' --bdf 0000:00:1f.2 &&
	err_has 'mounted on /home (xfs on /dev/mapper/vg-home)'"
mountinfo "25 1 0:30 / / rw - 9p root rw"
check "nothing on it: goes on" eval "run 69 '$rec' --bdf 0000:00:1f.2"
unset PCIEM_RECORD_ROOT

# a device node this user may not open: 77
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$tmp"
	: >"$tmp/pciem"
	chmod 600 "$tmp/pciem"
	check "no permission: 77" eval "PCIEM_RECORD_DEVICE='$tmp/pciem' run 77 setpriv --reuid=65534 \
		--regid=65534 --clear-groups '$rec' -o /dev/null && err_has 'needs root'"
else
	echo "skip: no permission (needs root and setpriv)"
fi

# LTTng-UST: never linked in; the provider is optional
check "pciem-record does not link liblttng-ust" sh -c "! ldd '$rec' | grep -q lttng"
if [ -e "$build/lib/libpciem-tp.so" ]; then
	check "provider beside the binary is loaded" eval "run 69 '$rec' -v -- true &&
		err_has 'tracepoints on'"
else
	echo "skip: provider loaded (no $build/lib/libpciem-tp.so: liblttng-ust-dev missing)"
fi
mkdir -p "$tmp/bin"
cp "$rec" "$tmp/bin/"
check "provider hidden: runs, one line in verbose mode" eval "run 69 '$tmp/bin/pciem-record' -v -- true &&
	err_has 'tracepoints off' && [ \$(grep -c tracepoints '$tmp/err') = 1 ]"
check "provider hidden: silent without -v" eval "run 69 '$tmp/bin/pciem-record' -- true &&
	! grep -q -i lttng '$tmp/err' && ! grep -q tracepoints '$tmp/err'"
check "PCIEM_TP_LIB empty: off" eval "PCIEM_TP_LIB= run 69 '$rec' -v -- true && err_has 'tracepoints off'"
check "PCIEM_TP_LIB wrong: one note, still runs" eval "PCIEM_TP_LIB='$tmp/nope.so' run 69 '$rec' -- true &&
	[ \$(grep -c 'note:' '$tmp/err') = 1 ] && err_has 'pciem module is not loaded'"
check "--no-lttng: nothing loaded" eval "run 69 '$rec' -v --no-lttng -- true && ! grep -q tracepoints '$tmp/err'"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
