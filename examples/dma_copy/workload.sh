#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The copy engine's workload, as a COMMAND to record or to replay: start
# the device model, load dma_copy, run a coherent copy of 4096 bytes and a
# streaming copy of 8192 bytes (the driver checks each destination), unload
# the driver and stop the device model.
#
#   sh examples/dma_copy/workload.sh
#
# Run from anywhere: it takes the driver from
# build/$(uname -r)/dma_copy/dma_copy.ko and the device model from
# build/examples/dma_copy/device.  Exits with 0 when every copy's result
# was "ok N", else with 1 and a message on stderr; either way it first
# unloads dma_copy if it loaded it and stops the model if it started one.
#
# Environment:
#   PCIEM_REPLAY_DEVICE=DOMAIN:BUS:DEV.FN  (set by pciem-replay) the device
#       is already there: start no device model.  In a replay the
#       destination's bytes come from the recording, written by the kernel
#       where the model wrote them.
#   DMA_COPY_PARAMS  module parameters for insmod (e.g. "regress=1", see
#       the driver's comment and examples/dma_copy/README.md).
#   COPY_WAIT=SECONDS  (default 20) the longest each wait takes.
#   COPY_REPEAT=N  (default 1) run the two copies N times (benchmarks).
#   COPY_PAUSE_FILE=PATH  after the first copy, create PATH and go on when
#       it has been removed, within 120 seconds (a test's cue to act in the
#       middle of the workload).
set -u
me=workload.sh
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
wait_s=${COPY_WAIT:-20}
dev=${PCIEM_REPLAY_DEVICE:-}
model=
loaded=
tmp=$(mktemp -d) || exit 1

cleanup() {
	[ -n "$loaded" ] && rmmod dma_copy 2>/dev/null
	loaded=
	if [ -n "$model" ]; then
		kill "$model" 2>/dev/null
		wait "$model" 2>/dev/null
		model=
	fi
	rm -rf "$tmp"
}
die() {
	echo "$me: $*" >&2
	cleanup
	exit 1
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# waitfor CMD...: true once CMD succeeds, within wait_s seconds
waitfor() {
	_n=0
	while ! "$@" 2>/dev/null; do
		_n=$((_n + 1))
		[ "$_n" -ge $((wait_s * 10)) ] && return 1
		sleep 0.1
	done
}

if [ -z "$dev" ]; then
	build/examples/dma_copy/device --ready-file "$tmp/ready" >"$tmp/model.log" 2>&1 &
	model=$!
	waitfor test -s "$tmp/ready" || die "the device model did not start: $(cat "$tmp/model.log")"
	dev=$(cat "$tmp/ready")
fi
sys=/sys/bus/pci/devices/$dev
# shellcheck disable=SC2086 # the parameters are words
insmod "build/$(uname -r)/dma_copy/dma_copy.ko" ${DMA_COPY_PARAMS:-} ||
	die "cannot load dma_copy.ko ${DMA_COPY_PARAMS:-}"
loaded=1
waitfor test -e "$sys/copy" || die "dma_copy did not bind to $dev"

copies=
i=0
while [ "$i" -lt "${COPY_REPEAT:-1}" ]; do
	copies="$copies copy:4096 copy_streaming:8192"
	i=$((i + 1))
done
for c in $copies; do
	c=$(echo "$c" | tr : ' ')
	set -- $c
	/bin/echo "$2" >"$sys/$1" 2>"$tmp/err"
	r=$(cat "$sys/result")
	[ "$r" = "ok $2" ] || die "$1 of $2 bytes: '$r' ($(cat "$tmp/err"))"
	[ "${COPY_REPEAT:-1}" = 1 ] && echo "$me: $1 of $2 bytes: $r"
	if [ -n "${COPY_PAUSE_FILE:-}" ] && [ "$1" = copy ]; then
		: >"$COPY_PAUSE_FILE" || die "cannot create $COPY_PAUSE_FILE"
		wait_s=120 waitfor test ! -e "$COPY_PAUSE_FILE" || die "$COPY_PAUSE_FILE stayed"
	fi
done
rmmod dma_copy || die "cannot unload dma_copy"
loaded=
cleanup
exit 0
