#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The counter device's walkthrough workload, as a COMMAND to record or to
# replay: start the device model, load dummy_clock, tick the counter 100
# times in ten bursts of ten (after each burst, wait until the driver has
# handled the burst's interrupt, then read the counter once), unload the
# driver and stop the device model.  Waiting between bursts puts each
# interrupt between the 10th and 11th, 20th and 21st, ... control write,
# and the waiting reads no register, so two runs make the same accesses.
#
#   sh examples/dummy_clock/workload.sh [EXIT_STATUS]
#
# Run from anywhere: it works in the project's top directory, and takes
# the driver from build/$(uname -r)/dummy_clock/dummy_clock.ko and the
# device model from build/examples/dummy_clock/device.
#
# Exits with EXIT_STATUS (default 0) when all went well, and with 1 and a
# message on stderr otherwise.  On SIGINT or SIGTERM it exits with 130 or
# 143.  Whichever way it ends, it first unloads dummy_clock if it loaded
# it, and stops the device model if it started one.
#
# Environment:
#   PCIEM_REPLAY_DEVICE=DOMAIN:BUS:DEV.FN  (pciem-replay exports it to its
#       COMMAND) the device is already there, at that address (e.g.
#       10000:00:00.0): start no device model and drive
#       /sys/bus/pci/devices/$PCIEM_REPLAY_DEVICE.  The rest is unchanged,
#       so the driver makes the same accesses as when it was recorded with
#       the model.
#   DUMMY_CLOCK_PARAMS  module parameters for insmod, split into words
#       (e.g. "regress=1", see examples/dummy_clock/README.md).
#   CLOCK_WAIT=SECONDS  (whole seconds, default 20) the longest each wait
#       takes: for the device model to be ready, the device to appear, the
#       driver to bind and each burst's interrupt to be handled.  A short
#       one makes a replay that stopped early fail fast.
#   CLOCK_PAUSE_AFTER=N, CLOCK_PAUSE_FILE=PATH  create PATH after burst N
#       and go on when PATH has been removed, within 120 seconds (a test's
#       cue to act in the middle of the workload).
set -u
me=workload.sh
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
want_status=${1:-0}
kver=$(uname -r)
wait_s=${CLOCK_WAIT:-20}
replay_dev=${PCIEM_REPLAY_DEVICE:-}
tmp=
model=
loaded=

# cleanup: unload the driver if this script loaded it, stop the device
# model if it started one, remove the temporary directory
cleanup() {
	if [ -n "$loaded" ]; then
		rmmod dummy_clock 2>/dev/null
		loaded=
	fi
	if [ -n "$model" ]; then
		kill "$model" 2>/dev/null
		wait "$model" 2>/dev/null
		model=
	fi
	[ -z "$tmp" ] || rm -rf "$tmp"
	tmp=
}

die() {
	echo "$me: $*" >&2
	cleanup
	exit 1
}

# shellcheck disable=SC2317 # called from the traps
on_signal() {
	trap '' INT TERM
	echo "$me: stopped by SIG$1" >&2
	cleanup
	exit $((128 + $2))
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM

# now: set _now to the centiseconds since boot, from /proc/uptime
# ("12345.67 ...")
now() {
	read -r _up _ </proc/uptime
	_now=$((${_up%.*} * 100 + 1${_up#*.} - 100))
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds, for at most
# SECONDS
wait_for() {
	now
	_end=$((_now + $1 * 100))
	shift
	while ! "$@"; do
		now
		[ "$_now" -lt $_end ] || return 1
		sleep 0.1
	done
}

case $wait_s in
'' | *[!0-9]* | 0) die "CLOCK_WAIT must be a whole number of seconds above 0, not '$wait_s'" ;;
esac

if [ -n "$replay_dev" ]; then
	case $replay_dev in
	*/* | .*) die "PCIEM_REPLAY_DEVICE is not a PCI address: '$replay_dev'" ;;
	esac
	dev=/sys/bus/pci/devices/$replay_dev
	wait_for "$wait_s" test -d "$dev" || die "no device $replay_dev"
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/dummy_clock_workload.XXXXXX") || die "mktemp"
	build/examples/dummy_clock/device -q --ready-file "$tmp/ready" >"$tmp/model.log" 2>&1 &
	model=$!
	wait_for "$wait_s" test -s "$tmp/ready" || die "device model not ready: $(cat "$tmp/model.log")"
	dev=/sys/bus/pci/devices/$(cat "$tmp/ready")
fi
[ ! -e /sys/module/dummy_clock ] || die "dummy_clock is loaded already"
loaded=1
# shellcheck disable=SC2086 # DUMMY_CLOCK_PARAMS is split into words
insmod "build/$kver/dummy_clock/dummy_clock.ko" ${DUMMY_CLOCK_PARAMS:-} ||
	die "insmod dummy_clock ${DUMMY_CLOCK_PARAMS:-}"
wait_for "$wait_s" test -e "$dev/tick" || die "dummy_clock did not bind"
i=1
while [ $i -le 10 ]; do
	echo 10 >"$dev/tick" || die "tick"
	# irq_count is the driver's own count (no register access); the
	# device raised the interrupt after storing the counter
	wait_for "$wait_s" test "$(cat "$dev/irq_count")" = $i ||
		die "irq_count $(cat "$dev/irq_count") after burst $i, want $i"
	c=$(cat "$dev/counter")
	[ "$c" = $((i * 10)) ] || die "counter $c after burst $i"
	if [ "$i" = "${CLOCK_PAUSE_AFTER:-0}" ]; then
		: >"$CLOCK_PAUSE_FILE"
		wait_for 120 test ! -e "$CLOCK_PAUSE_FILE" || die "not resumed"
	fi
	i=$((i + 1))
done
rmmod dummy_clock || die "rmmod dummy_clock"
loaded=
if [ -n "$model" ]; then
	kill "$model"
	wait "$model"
	rc=$?
	model=
	[ $rc = 0 ] || die "device model exited with $rc"
fi
cleanup
exit "$want_status"
