# The walkthrough's workload: 100 ticks of the counter device give a
# counter of 100 and 10 interrupts received by the driver.  The regress
# parameter: 3 is refused, 1 acknowledges with bit 1 (one interrupt, the
# rest held back), 2 writes 2 to CONTROL (no count).  workload.sh: fails
# fast with regress=1, cleans up on failure and SIGTERM, drives the
# device in PCIEM_REPLAY_DEVICE without a model of its own.
. tests/vm/lib.sh

"$TOP/build/examples/dummy_clock/device" --ready-file "$TMP/clock.ready" >"$TMP/clock.log" 2>&1 &
CLOCK_PID=$!
PIDS="$PIDS $CLOCK_PID"
wait_until 20 test -s "$TMP/clock.ready" || fail "device model did not start: $(cat "$TMP/clock.log")"
insmod "$KM/dummy_clock/dummy_clock.ko" || fail "cannot load dummy_clock.ko"
DEV=/sys/bus/pci/devices/$(cat "$TMP/clock.ready")
wait_until 20 test -e "$DEV/driver" || fail "dummy_clock did not bind"
[ "$(basename "$(readlink "$DEV/driver")")" = dummy_clock ] || fail "wrong driver bound"

echo 100 > "$DEV/tick" || fail "tick failed"
# writes are posted: the model catches up shortly after
wait_until 20 sh -c "[ \"\$(cat $DEV/counter)\" = 100 ]" || fail "counter is $(cat "$DEV/counter"), want 100"
wait_until 20 sh -c "[ \"\$(cat $DEV/irq_count)\" = 10 ]" || fail "irq_count is $(cat "$DEV/irq_count"), want 10"
ok "counter $(cat "$DEV/counter"), interrupts $(cat "$DEV/irq_count")"
# and not more than that, after a moment
sleep 1
[ "$(cat "$DEV/irq_count")" = 10 ] || fail "irq_count grew to $(cat "$DEV/irq_count")"
[ "$(grep -c 'write bar0+0x0 = 0x1' "$TMP/clock.log")" = 100 ] || fail "device model did not see 100 control writes"
rmmod dummy_clock || fail "rmmod dummy_clock"
ok "100 ticks"

# ---- the regress parameter ----------------------------------------------------
# stop_clock: stop the device model CLOCK_PID and wait until its device DEV
# has gone
stop_clock() {
	kill "$CLOCK_PID"
	wait_until 20 sh -c "! test -e $DEV" || fail "the device $DEV did not go away"
}
stop_clock

# start_clock NAME: a counter device model logging to $TMP/NAME.log; sets
# CLOCK_PID and DEV
start_clock() {
	"$TOP/build/examples/dummy_clock/device" --ready-file "$TMP/$1.ready" >"$TMP/$1.log" 2>&1 &
	CLOCK_PID=$!
	PIDS="$PIDS $CLOCK_PID"
	wait_until 20 test -s "$TMP/$1.ready" || fail "device model $1 did not start: $(cat "$TMP/$1.log")"
	DEV=/sys/bus/pci/devices/$(cat "$TMP/$1.ready")
}
# count NAME PATTERN: lines of the model's log that match
count() { grep -c -- "$2" "$TMP/$1.log"; }

dmesg -c >/dev/null 2>&1
insmod "$KM/dummy_clock/dummy_clock.ko" regress=3 2>"$TMP/r3.err" && fail "insmod regress=3 succeeded"
[ ! -e /sys/module/dummy_clock ] || fail "dummy_clock loaded with regress=3"
dmesg | grep -q "invalid for parameter .regress" || fail "no kernel message for regress=3: $(dmesg | tail -n 3)"
ok "regress=3 refused: $(cat "$TMP/r3.err"); $(dmesg | grep 'invalid for parameter')"

# regress=1: the handler acknowledges with bit 1, so the first interrupt
# stays pending and the device holds back the other nine
start_clock r1
insmod "$KM/dummy_clock/dummy_clock.ko" regress=1 || fail "insmod regress=1"
wait_until 20 test -e "$DEV/tick" || fail "dummy_clock (regress=1) did not bind"
[ "$(cat /sys/module/dummy_clock/parameters/regress)" = 1 ] || fail "parameters/regress is not 1"
echo 100 > "$DEV/tick" || fail "tick (regress=1)"
wait_until 20 sh -c "[ \"\$(cat $DEV/counter)\" = 100 ]" || fail "regress=1: counter is $(cat "$DEV/counter"), want 100"
wait_until 20 sh -c "[ \"\$(cat $DEV/irq_count)\" = 1 ]" || fail "regress=1: irq_count is $(cat "$DEV/irq_count"), want 1"
sleep 1
[ "$(cat "$DEV/irq_count")" = 1 ] || fail "regress=1: irq_count grew to $(cat "$DEV/irq_count")"
[ "$(cat "$DEV/status")" = 0x00000001 ] || fail "regress=1: status $(cat "$DEV/status"), want still pending"
[ "$(count r1 'write bar0+0x4 = 0x2 ')" = 1 ] || fail "regress=1: not one write of 0x2 to STATUS: $(grep 'bar0+0x4' "$TMP/r1.log")"
# the only write of 1 to STATUS is probe's acknowledgement of a stale interrupt
[ "$(count r1 'write bar0+0x4 = 0x1 ')" = 1 ] || fail "regress=1: writes of 1 to STATUS: $(grep 'bar0+0x4' "$TMP/r1.log")"
[ "$(count r1 '^irq vector 0$')" = 1 ] || fail "regress=1: the device sent $(count r1 '^irq vector 0$') interrupts, want 1"
[ "$(count r1 '^irq held')" = 9 ] || fail "regress=1: $(count r1 '^irq held') interrupts held, want 9"
rmmod dummy_clock || fail "rmmod dummy_clock (regress=1)"
stop_clock
ok "regress=1: the ack writes 0x2 to STATUS, one interrupt handled, nine held back"

# regress=2: tick writes 2 to CONTROL, bit 0 is clear, nothing counts
start_clock r2
insmod "$KM/dummy_clock/dummy_clock.ko" regress=2 || fail "insmod regress=2"
wait_until 20 test -e "$DEV/tick" || fail "dummy_clock (regress=2) did not bind"
echo 10 > "$DEV/tick" || fail "tick (regress=2)"
wait_until 20 sh -c "[ \"\$(grep -c 'write bar0+0x0 = 0x2 ' $TMP/r2.log)\" = 10 ]" ||
	fail "regress=2: the model saw $(count r2 'write bar0+0x0 = 0x2 ') writes of 0x2 to CONTROL, want 10"
sleep 0.5
[ "$(cat "$DEV/counter")" = 0 ] || fail "regress=2: counter $(cat "$DEV/counter"), want 0"
[ "$(cat "$DEV/irq_count")" = 0 ] || fail "regress=2: irq_count $(cat "$DEV/irq_count"), want 0"
[ "$(count r2 'write bar0+0x0 = 0x1 ')" = 0 ] || fail "regress=2: a write of 1 to CONTROL"
rmmod dummy_clock || fail "rmmod dummy_clock (regress=2)"
stop_clock
ok "regress=2: ten writes of 0x2 to CONTROL, counter 0"

# ---- examples/dummy_clock/workload.sh -----------------------------------------
# no_clock_device: no counter device is left
no_clock_device() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x5678 ] && return 1
	done
	return 0
}
WL=examples/dummy_clock/workload.sh

# with regress=1 the second burst's interrupt never comes: it gives up
# (after CLOCK_WAIT), says why, unloads the driver and stops its model
start=$(date +%s)
DUMMY_CLOCK_PARAMS=regress=1 CLOCK_WAIT=3 sh "$WL" >"$TMP/wl1.out" 2>&1
rc=$?
secs=$(($(date +%s) - start))
[ $rc = 1 ] || fail "workload with regress=1: status $rc, want 1: $(cat "$TMP/wl1.out")"
grep -q "irq_count 1 after burst 2, want 2" "$TMP/wl1.out" || fail "workload with regress=1 said: $(cat "$TMP/wl1.out")"
[ ! -e /sys/module/dummy_clock ] || fail "workload with regress=1 left dummy_clock loaded"
wait_until 20 no_clock_device || fail "workload with regress=1 left its device model running"
ok "workload with regress=1: status 1 after $secs s ($(cat "$TMP/wl1.out")), driver unloaded, model stopped"

# a bad parameter: insmod fails, the workload says so
DUMMY_CLOCK_PARAMS="regress=3" CLOCK_WAIT=3 sh "$WL" >"$TMP/wl3.out" 2>&1 && fail "workload with regress=3 succeeded"
grep -q "insmod dummy_clock regress=3" "$TMP/wl3.out" || fail "workload with regress=3 said: $(cat "$TMP/wl3.out")"
wait_until 20 no_clock_device || fail "workload with regress=3 left its device model running"
CLOCK_WAIT=0 sh "$WL" >"$TMP/wl0.out" 2>&1 && fail "CLOCK_WAIT=0 accepted"
grep -q "CLOCK_WAIT must be" "$TMP/wl0.out" || fail "CLOCK_WAIT=0: $(cat "$TMP/wl0.out")"
ok "workload: bad module parameter and bad CLOCK_WAIT refused"

# SIGTERM in the middle: unloads the driver, stops its model, 143
CLOCK_PAUSE_AFTER=2 CLOCK_PAUSE_FILE=$TMP/wl.pause sh "$WL" >"$TMP/wlterm.out" 2>&1 &
W=$!
PIDS="$PIDS $W"
wait_until 30 test -e "$TMP/wl.pause" || fail "the workload did not reach its pause: $(cat "$TMP/wlterm.out")"
[ -e /sys/module/dummy_clock ] || fail "dummy_clock not loaded at the pause"
kill -TERM "$W"
wait "$W"
rc=$?
[ $rc = 143 ] || fail "workload on SIGTERM: status $rc, want 143: $(cat "$TMP/wlterm.out")"
grep -q "stopped by SIGTERM" "$TMP/wlterm.out" || fail "workload on SIGTERM said: $(cat "$TMP/wlterm.out")"
[ ! -e /sys/module/dummy_clock ] || fail "workload on SIGTERM left dummy_clock loaded"
wait_until 20 no_clock_device || fail "workload on SIGTERM left its device model running"
rm -f "$TMP/wl.pause"
ok "workload on SIGTERM: 143, driver unloaded, model stopped"

# PCIEM_REPLAY_DEVICE: the workload drives the given device and starts
# no model of its own (a second device would take the ticks)
start_clock pr
PCIEM_REPLAY_DEVICE=$(cat "$TMP/pr.ready") sh "$WL" 5 >"$TMP/wlpr.out" 2>&1
rc=$?
[ $rc = 5 ] || fail "workload with PCIEM_REPLAY_DEVICE: status $rc, want 5: $(cat "$TMP/wlpr.out")"
kill -0 "$CLOCK_PID" || fail "the workload stopped a model it did not start"
[ "$(count pr 'write bar0+0x0 = 0x1 ')" = 100 ] || fail "PCIEM_REPLAY_DEVICE: $(count pr 'write bar0+0x0 = 0x1 ') control writes on the given device, want 100"
[ "$(count pr '^irq vector 0$')" = 10 ] || fail "PCIEM_REPLAY_DEVICE: $(count pr '^irq vector 0$') interrupts, want 10"
[ ! -e /sys/module/dummy_clock ] || fail "PCIEM_REPLAY_DEVICE: dummy_clock left loaded"
stop_clock
PCIEM_REPLAY_DEVICE=10000:1f:1f.7 CLOCK_WAIT=1 sh "$WL" >"$TMP/wlnd.out" 2>&1 && fail "a missing PCIEM_REPLAY_DEVICE was accepted"
grep -q "no device 10000:1f:1f.7" "$TMP/wlnd.out" || fail "missing PCIEM_REPLAY_DEVICE: $(cat "$TMP/wlnd.out")"
ok "workload with PCIEM_REPLAY_DEVICE: the given device ticked 100 times, no model started or stopped"
