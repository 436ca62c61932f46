#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # functions called from traps and wait_for
#
# The dummy clock example end to end.  Run it as root on a machine where
# pciem.ko is loaded, normally inside the project's VM:
#
#   tools/pciem-vm -- examples/dummy_clock/demo.sh
#
# It starts the device model, loads the driver and ticks the clock 100
# times in bursts of ten, showing the counter and the interrupts after each
# burst.  Exit status 0 when the counter reads 100 and the driver has
# handled 10 interrupts in time.
#
# Environment:
#   DUMMY_CLOCK_DEVICE  device model binary (default:
#                       build/examples/dummy_clock/device, as built by the
#                       top-level make; if that is missing, device.c is
#                       compiled with cc into a temporary directory)
#   DUMMY_CLOCK_KO      driver (default: build/$(uname -r)/dummy_clock/dummy_clock.ko)
#   DEMO_TIMEOUT        seconds to wait for each step (default: 10)

set -u

TICKS=100
IRQS=10

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1

kver=$(uname -r)
timeout=${DEMO_TIMEOUT:-10}
ko=${DUMMY_CLOCK_KO:-build/$kver/dummy_clock/dummy_clock.ko}
tmp=
dev_pid=
loaded=

say() {
	echo "demo: $*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	if [ -n "$loaded" ]; then
		rmmod dummy_clock || echo "demo: rmmod dummy_clock failed" >&2
	fi
	if [ -n "$dev_pid" ]; then
		kill "$dev_pid" 2>/dev/null
		wait "$dev_pid"
		st=$?
		if [ "$st" -ne 0 ]; then
			echo "demo: device model exited with status $st" >&2
			[ "$rc" -ne 0 ] || rc=1
		fi
	fi
	if [ "$rc" -ne 0 ] && [ -s "$tmp/device.log" ]; then
		echo "demo: last lines of the device model's log:" >&2
		tail -n 20 "$tmp/device.log" >&2
	fi
	if [ "$rc" -ne 0 ]; then
		echo "demo: kernel messages:" >&2
		dmesg 2>/dev/null | grep -E 'dummy_clock|pciem' | tail -n 10 >&2
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
	exit "$rc"
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds
wait_for() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

device_ready() {
	if ! kill -0 "$dev_pid" 2>/dev/null; then
		die "the device model exited before it was ready"
	fi
	[ -s "$tmp/ready" ]
}

driver_bound() {
	[ -e "$sysdev/tick" ]
}

# attr NAME: an attribute of the device, or "?" if it cannot be read
attr() {
	cat "$sysdev/$1" 2>/dev/null || echo "?"
}

# ---- preconditions ------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "must run as root (insmod, sysfs writes)"
[ -e /dev/pciem ] || die "/dev/pciem is missing: load pciem.ko first"
[ -e /sys/module/dummy_clock ] && die "dummy_clock is already loaded"
[ -f "$ko" ] || die "no driver at $ko: build it with 'make' in $top"

tmp=$(mktemp -d /tmp/dummy_clock.XXXXXX) || die "mktemp failed"
trap cleanup EXIT
trap 'exit 130' INT TERM

device=${DUMMY_CLOCK_DEVICE:-}
if [ -z "$device" ]; then
	[ -x build/examples/dummy_clock/device ] &&
		device=build/examples/dummy_clock/device
fi
if [ -z "$device" ]; then
	command -v cc >/dev/null 2>&1 ||
		die "no device model binary found and no cc to build one"
	say "compiling the device model"
	cc -std=c11 -O2 -Wall -Wextra -I kmod/uapi -o "$tmp/device" \
		examples/dummy_clock/device.c || die "cannot compile device.c"
	device=$tmp/device
fi

# ---- device model ---------------------------------------------------------------

say "starting $device"
"$device" --ready-file "$tmp/ready" >"$tmp/device.log" 2>&1 &
dev_pid=$!
wait_for "$timeout" device_ready ||
	die "the device model was not ready after ${timeout}s"
addr=$(cat "$tmp/ready")
sysdev=/sys/bus/pci/devices/$addr
say "device registered at $addr"

# ---- driver -----------------------------------------------------------------------

say "loading $ko"
insmod "$ko" || die "insmod $ko failed"
loaded=1
wait_for "$timeout" driver_bound ||
	die "dummy_clock did not bind to $addr within ${timeout}s"
say "dummy_clock bound to $addr ($(basename "$(readlink "$sysdev/driver")"))"
say "counter $(attr counter), status $(attr status), irq_count $(attr irq_count)"

# ---- tick ---------------------------------------------------------------------------

# Ten bursts of ten ticks; after each, wait for the device model to catch
# up (the writes are posted) and show the counter and the interrupts.
STEP=10
counter=
irqs=
done_ticks=0
while [ "$done_ticks" -lt "$TICKS" ]; do
	echo "$STEP" >"$sysdev/tick" || die "writing $sysdev/tick failed"
	done_ticks=$((done_ticks + STEP))
	want_irqs=$((done_ticks * IRQS / TICKS))
	n=$((timeout * 10))
	while :; do
		counter=$(attr counter)
		irqs=$(attr irq_count)
		[ "$counter" = "$done_ticks" ] && [ "$irqs" = "$want_irqs" ] && break
		n=$((n - 1))
		[ "$n" -gt 0 ] || break
		sleep 0.1
	done
	say "echo $STEP > tick: counter $counter, irq_count $irqs"
done

say "status $(attr status)"
if [ "$counter" != "$TICKS" ] || [ "$irqs" != "$IRQS" ]; then
	die "FAIL: expected counter $TICKS and irq_count $IRQS after ${timeout}s, got counter $counter and irq_count $irqs"
fi
say "PASS: counter $counter, irq_count $irqs"
exit 0
