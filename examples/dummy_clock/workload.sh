#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The counter device's walkthrough workload, as a COMMAND to record: start
# the device model, load dummy_clock, tick the counter 100 times in ten
# bursts of ten (after each burst, wait until the driver has handled the
# burst's interrupt, then read the counter once), unload the driver and
# stop the device model.  Waiting between bursts puts each interrupt
# between the 10th and 11th, 20th and 21st, ... control write, and the
# waiting reads no register, so two runs make the same accesses.
#
#   sh examples/dummy_clock/workload.sh [EXIT_STATUS]
#
# Exits with EXIT_STATUS (default 0) when all went well, 1 otherwise.
# With CLOCK_PAUSE_AFTER=N and CLOCK_PAUSE_FILE=PATH it creates PATH after
# burst N and goes on when PATH has been removed (a test's cue to act in
# the middle of the workload).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
want_status=${1:-0}
kver=$(uname -r)
tmp=$(mktemp -d /tmp/clock_workload.XXXXXX) || exit 1
model=

die() {
	echo "clock_workload: $*" >&2
	[ -n "$model" ] && kill "$model" 2>/dev/null
	rmmod dummy_clock 2>/dev/null
	exit 1
}

wait_for() {
	_n=$(($1 * 10))
	shift
	while ! "$@"; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.1
	done
}

build/examples/dummy_clock/device -q --ready-file "$tmp/ready" >"$tmp/model.log" 2>&1 &
model=$!
wait_for 20 test -s "$tmp/ready" || die "device model not ready: $(cat "$tmp/model.log")"
dev=/sys/bus/pci/devices/$(cat "$tmp/ready")
insmod "build/$kver/dummy_clock/dummy_clock.ko" || die "insmod dummy_clock"
wait_for 20 test -e "$dev/tick" || die "dummy_clock did not bind"
i=1
while [ $i -le 10 ]; do
	echo 10 >"$dev/tick" || die "tick"
	# irq_count is the driver's own count (no register access); the
	# device raised the interrupt after storing the counter
	wait_for 20 test "$(cat "$dev/irq_count")" = $i ||
		die "irq_count $(cat "$dev/irq_count") after burst $i"
	c=$(cat "$dev/counter")
	[ "$c" = $((i * 10)) ] || die "counter $c after burst $i"
	if [ "$i" = "${CLOCK_PAUSE_AFTER:-0}" ]; then
		: >"$CLOCK_PAUSE_FILE"
		wait_for 120 test ! -e "$CLOCK_PAUSE_FILE" || die "not resumed"
	fi
	i=$((i + 1))
done
rmmod dummy_clock || die "rmmod dummy_clock"
kill "$model"
wait "$model" || { model=; die "device model exited with $?"; }
rm -rf "$tmp"
exit "$want_status"
