#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The record/replay story with DMA, on the copy engine.  Run it as root
# where pciem.ko is loaded, normally inside the project's VM (make demo
# runs it after the counter device's):
#
#   tools/pciem-vm -- examples/dma_copy/demo.sh
#
#  1. pciem-record records the copy workload (workload.sh: the device
#     model, the dma_copy driver, a coherent and a streaming copy): the
#     trace holds the driver's mappings and the bytes the device moved;
#  2. pciem-replay replays it against the same driver with no device
#     model: the kernel gives the driver's mappings their recorded bus
#     addresses, writes the copies' destinations and compares the sources
#     the device read (exit 0);
#  3. it replays it against the driver loaded with regress=1, which gets
#     one byte of the source wrong: the report shows the device's read
#     that differs, its mapping, the byte and both values (exit 1).
#
# Exit status 0 when all three went as described.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
DEMO="dma_copy demo"
. examples/demo_common.sh
WL=examples/dma_copy/workload.sh

say "1. Record the copy workload: device model + dma_copy, two copies by DMA"
echo "\$ pciem-record -o copy.zst -- sh $WL"
"$B/pciem-record" -o "$tmp/copy.zst" -- sh "$WL" || die "recording failed"
echo "\$ pciem-trace dma copy.zst   (the driver's mappings and the bytes moved)"
"$B/pciem-trace" dma "$tmp/copy.zst" | sed 's/^/  /'

say "2. Replay it against the same driver, with no device model"
pgrep -f 'examples/dma_copy/[d]evice' >/dev/null && die "a device model is running"
echo "\$ pciem-replay copy.zst -- sh $WL"
"$B/pciem-replay" "$tmp/copy.zst" -- sh "$WL"
rc=$?
echo "(exit status $rc)"
[ $rc -eq 0 ] || die "the replay against the good driver did not pass"

say "3. Replay it against the driver with a bug (regress=1: one source byte wrong)"
echo "\$ DMA_COPY_PARAMS=regress=1 pciem-replay copy.zst -- sh $WL"
DMA_COPY_PARAMS=regress=1 COPY_WAIT=3 "$B/pciem-replay" "$tmp/copy.zst" -- sh "$WL"
rc=$?
echo "(exit status $rc)"
[ $rc -eq 1 ] || die "the replay against the regressed driver did not report a divergence"

say "PASS: the DMA recording replays clean, and the wrong byte is caught where the device read it"
