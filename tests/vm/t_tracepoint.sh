# SPDX-License-Identifier: GPL-2.0
# The kernel tracepoint pciem:pciem_event (issue 12, kernel side), through
# tracefs alone, with no PCIem tool: enabled, it shows every event of the
# device with its sequence number, in the context of the access (the task
# that wrote the test driver's sysfs file; a stack trace trigger shows the
# driver's function and its callers down to the sysfs write), and its
# sequence numbers and values are those a recorder gets for the same
# events.  Disabled, it shows nothing.
. tests/vm/lib.sh

T=/sys/kernel/tracing
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null || T=/sys/kernel/debug/tracing
[ -d "$T/events/pciem/pciem_event" ] || fail "no pciem:pciem_event in $T/events"
load_testdrv
start_model m --bar 0:0x1000 --full-trap --quiet
wait_bound "$DEV"
D=$(basename "$DEV" | cut -d: -f1)

echo 0 > "$T/tracing_on"
echo > "$T/trace"
echo 1 > "$T/events/pciem/pciem_event/enable"
echo stacktrace > "$T/events/pciem/pciem_event/trigger"
"$BIN/tracecat" --match id:1234:0e01 --ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start"
echo 1 > "$T/tracing_on"
echo "w 0 0x10 4 0x1234abcd" > "$DEV/mmio" || fail "write"
echo "r 0 0x10 4" > "$DEV/mmio" || fail "read"
echo 0 > "$T/tracing_on"
sleep 1
kill "$REC"; wait "$REC" 2>/dev/null
cat "$T/trace" >"$TMP/trace.txt"
echo '!stacktrace' > "$T/events/pciem/pciem_event/trigger"
echo 0 > "$T/events/pciem/pciem_event/enable"

wl=$(grep -m 1 "pciem_event: domain=$D .*type=mmio_write bar=0 offset=0x10 size=4 data=0x1234abcd" "$TMP/trace.txt")
rl=$(grep -m 1 "pciem_event: domain=$D .*type=mmio_read bar=0 offset=0x10 size=4 data=0x1234abcd" "$TMP/trace.txt")
[ -n "$wl" ] || { cat "$TMP/trace.txt"; fail "no mmio_write event in the trace"; }
[ -n "$rl" ] || { cat "$TMP/trace.txt"; fail "no mmio_read event in the trace"; }
echo "$wl"
echo "$rl"
for l in "$wl" "$rl"; do
	case $l in
	*" sh-"[0-9]*" "*"ip=do_cmd+"*"[pciem_testdrv]"*) ;;
	*) fail "not in the writing shell's context at the driver's do_cmd: $l" ;;
	esac
done
# the stack trace trigger: the driver's function, then its callers
awk '/pciem_event: .*type=mmio_write bar=0 offset=0x10/ { s = 1; next }
     s && /<stack trace>/ { next }
     s && /=>/ { print; n++; if (n > 40) exit; next }
     s { exit }' "$TMP/trace.txt" >"$TMP/stack.txt"
cat "$TMP/stack.txt"
grep -q "=> do_cmd" "$TMP/stack.txt" || fail "the stack has no do_cmd"
grep -q "=> mmio_store" "$TMP/stack.txt" || fail "the stack has no mmio_store"
grep -q "=> kernfs_fop_write_iter" "$TMP/stack.txt" || fail "the stack does not reach the sysfs write"
ok "the tracepoint fires in the access's context, with the driver's stack"

# the same events, the same sequence numbers, as the recorder's
for kind in MMIO_WRITE:mmio_write MMIO_READ:mmio_read; do
	rk=${kind%%:*} tk=${kind#*:}
	rseq=$(grep "^EVENT $D .* $rk bar0+0x10 4 0x1234abcd" "$TMP/rec.log" | head -n 1 | sed 's/.*#\([0-9]*\).*/\1/')
	tseq=$(grep -m 1 "type=$tk bar=0 offset=0x10 size=4 data=0x1234abcd" "$TMP/trace.txt" | sed 's/.* seq=\([0-9]*\) .*/\1/')
	[ -n "$rseq" ] && [ "$rseq" = "$tseq" ] ||
		fail "$tk: sequence number $tseq in the tracepoint, ${rseq:-none} in the recording"
done
ok "sequence numbers and values equal the recording's"

echo > "$T/trace"
echo 1 > "$T/tracing_on"
echo "w 0 0x10 4 0x55" > "$DEV/mmio" || fail "write"
echo 0 > "$T/tracing_on"
! grep -q "pciem_event:" "$T/trace" || fail "the tracepoint fired while disabled"
ok "disabled, it shows nothing"
