#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The COMMAND of probe.zst in the example replay suite (docs/ci.md): load
# dummy_clock, wait until it has bound to the counter device, read the
# counter once, unload it.  No tick and so no interrupt: the driver's
# probe, one read and its removal, which the regressed driver
# (regress=1, a wrong interrupt acknowledgement) does as the good one.
#
# Replayed (PCIEM_REPLAY_DEVICE set by pciem-replay) it drives that
# device; recorded (record.sh) it starts the device model first.
#
# Environment: PCIEM_SRC, the PCIem source tree (the CI job sets it);
# DUMMY_CLOCK_PARAMS, dummy_clock's module parameters.
set -u
me=probe.sh
src=${PCIEM_SRC:?set PCIEM_SRC to the PCIem source tree}
ko=$src/build/$(uname -r)/dummy_clock/dummy_clock.ko
model=
loaded=

die() {
	echo "$me: $*" >&2
	[ -z "$loaded" ] || rmmod dummy_clock
	[ -z "$model" ] || { kill "$model"; wait "$model"; }
	exit 1
}

# wait_for COMMAND...: poll COMMAND every 0.1 s, 10 s at most
wait_for() {
	_n=100
	while ! "$@"; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.1
	done
}

dev=${PCIEM_REPLAY_DEVICE:-}
if [ -z "$dev" ]; then
	ready=$(mktemp -u "${TMPDIR:-/tmp}/probe-ready.XXXXXX")
	"$src/build/examples/dummy_clock/device" -q --ready-file "$ready" >/dev/null 2>&1 &
	model=$!
	wait_for test -s "$ready" || die "the device model did not start"
	dev=$(cat "$ready")
	rm -f "$ready"
fi
loaded=1
# shellcheck disable=SC2086 # DUMMY_CLOCK_PARAMS is split into words
insmod "$ko" ${DUMMY_CLOCK_PARAMS:-} || die "insmod $ko failed"
wait_for test -e "/sys/bus/pci/devices/$dev/tick" || die "dummy_clock did not bind to $dev"
c=$(cat "/sys/bus/pci/devices/$dev/counter") || die "cannot read the counter"
[ "$c" = 0 ] || die "counter $c, want 0"
rmmod dummy_clock || die "rmmod dummy_clock failed"
loaded=
if [ -n "$model" ]; then
	kill "$model"
	wait "$model" || die "the device model failed"
fi
exit 0
