#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The record/replay story on the counter device.  Run it as root where
# pciem.ko is loaded, normally inside the project's VM (make demo does):
#
#   tools/pciem-vm -- examples/dummy_clock/replay_demo.sh
#
#  1. pciem-record records the walkthrough's workload (workload.sh: the
#     device model, the dummy_clock driver, 100 ticks with 10 interrupts);
#  2. pciem-replay replays the recording against the same driver with no
#     device model running: every access matches (exit 0);
#  3. pciem-replay replays it against the driver loaded with regress=1,
#     whose interrupt handler acknowledges with the wrong status bit: the
#     report shows the first write that differs, where, and from which
#     function (exit 1).
#
# Exit status 0 when all three went as described.  Needs the programs
# that make builds (build/bin/pciem-record, pciem-replay, pciem-trace).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
DEMO="replay_demo"
. examples/demo_common.sh
REGS=examples/dummy_clock/dummy_clock.regs
WL=examples/dummy_clock/workload.sh

say "1. Record the counter workload: device model + dummy_clock, 100 ticks"
echo "\$ pciem-record -o clock.zst -- sh $WL"
"$B/pciem-record" -o "$tmp/clock.zst" -- sh "$WL" || die "recording failed"
echo "\$ pciem-trace stats --regs dummy_clock.regs clock.zst   (the BAR registers)"
"$B/pciem-trace" stats --regs "$REGS" "$tmp/clock.zst" | sed -n '/config space/q; s/^/  /p'

say "2. Replay it against the same driver, with no device model"
pgrep -f 'examples/dummy_clock/[d]evice' >/dev/null && die "a device model is running"
echo "(no device model is running)"
echo "\$ pciem-replay --regs dummy_clock.regs clock.zst -- sh $WL"
"$B/pciem-replay" --regs "$REGS" "$tmp/clock.zst" -- sh "$WL"
rc=$?
echo "(exit status $rc)"
[ $rc -eq 0 ] || die "the replay against the good driver did not pass"

say "3. Replay it against the driver with a bug (regress=1: wrong acknowledgement bit)"
echo "\$ DUMMY_CLOCK_PARAMS=regress=1 pciem-replay --regs dummy_clock.regs clock.zst -- sh $WL"
DUMMY_CLOCK_PARAMS=regress=1 CLOCK_WAIT=3 "$B/pciem-replay" --regs "$REGS" "$tmp/clock.zst" -- sh "$WL"
rc=$?
echo "(exit status $rc)"
[ $rc -eq 1 ] || die "the replay against the regressed driver did not report a divergence"

say "PASS: the recording replays clean, and the regression is caught at its first write"
