# SPDX-License-Identifier: GPL-2.0
# vm-devices: pvpanic-pci
# LTTng-UST: a user-space session records pciem-record's pciem:*
# tracepoints while it records the counter workload; babeltrace2 shows
# the 100 writes of 1 to REG_CONTROL (offset 0x0), the 10 interrupts, the
# counter reads with their values, the life cycle and the device.  Then
# the same recording with the provider hidden still works and adds no
# event to the session.  The export of the first recording (pciem-trace
# export --ctf) has the same event classes with the same fields as the
# session (babeltrace2's sink.text.details), the DMA classes among them,
# and the same number of events of each class.  The first recording is made with --stacks: every event's
# stack field is the same string in the session (named by pciem-record
# from the running kernel) and in the export (named from the trace's
# symbols), and the counter's writes show the driver's tick_store.
# Last, a copy of the dma_copy example in a session of its own: the same
# pciem:dma_* events, with the bytes moved, in the session and the export.
. tests/vm/lib.sh

REC=$BIN/pciem-record
need_bins pciem-record
[ -e "$TOP/build/lib/libpciem-tp.so" ] || fail "build/lib/libpciem-tp.so missing (liblttng-ust-dev?)"
command -v lttng-sessiond >/dev/null && command -v babeltrace2 >/dev/null ||
	fail "lttng-tools or babeltrace2 missing: run make deps"

# The guest's /run, /tmp and /dev/shm are tmpfs and we are root: the
# session daemon needs nothing more.  Its files go under LTTNG_HOME.
export LTTNG_HOME=$TMP/lttng-home
mkdir -p "$LTTNG_HOME"
lttng-sessiond --daemonize --no-kernel >"$TMP/sessiond.log" 2>&1 ||
	fail "lttng-sessiond: $(cat "$TMP/sessiond.log")"
SESSIOND=$(pgrep -x lttng-sessiond | head -n 1)
[ -n "$SESSIOND" ] && PIDS="$PIDS $SESSIOND"
lttng create pciem --output="$TMP/lttng" >"$TMP/lttng.log" 2>&1 || fail "lttng create: $(cat "$TMP/lttng.log")"
lttng enable-event -u 'pciem:*' >>"$TMP/lttng.log" 2>&1 || fail "lttng enable-event"
lttng start >>"$TMP/lttng.log" 2>&1 || fail "lttng start"

"$REC" -v --stacks -o "$TMP/a.zst" -- sh examples/dummy_clock/workload.sh 2>"$TMP/a.err"
rc=$?
cat "$TMP/a.err"
[ $rc = 0 ] || fail "recording: status $rc"
grep -q "tracepoints on" "$TMP/a.err" || fail "the provider was not loaded"

# the provider hidden: a copy of the binary with no ../lib beside it
mkdir -p "$TMP/bin"
cp "$REC" "$TMP/bin/"
"$TMP/bin/pciem-record" -v -o "$TMP/b.zst" -- sh examples/dummy_clock/workload.sh 2>"$TMP/b.err"
rc=$?
[ $rc = 0 ] || fail "recording without the provider: status $rc: $(cat "$TMP/b.err")"
grep -q "tracepoints off" "$TMP/b.err" || fail "no note that the tracepoints are off"
[ -s "$TMP/b.zst" ] || fail "no file without the provider"
grep -q "1 device, [0-9]* events" "$TMP/b.err" || fail "without the provider: $(cat "$TMP/b.err")"
ok "recording works with the provider hidden"

lttng stop >>"$TMP/lttng.log" 2>&1 || fail "lttng stop"
lttng destroy >>"$TMP/lttng.log" 2>&1 || fail "lttng destroy"
babeltrace2 "$TMP/lttng" >"$TMP/bt.txt" 2>"$TMP/bt.err" || fail "babeltrace2: $(cat "$TMP/bt.err")"
echo "babeltrace2: $(wc -l <"$TMP/bt.txt") events"

w=$(grep "pciem:mmio_write:" "$TMP/bt.txt" | grep -c "offset = 0x0, size = 4, data = 0x1,")
[ "$w" = 100 ] || { grep -m 3 "pciem:mmio_write:" "$TMP/bt.txt"; fail "$w mmio_write events of 1 at 0x0, not 100"; }
n=$(grep -c "pciem:irq:" "$TMP/bt.txt")
[ "$n" = 10 ] || fail "$n irq events, not 10"
reads=$(grep "pciem:mmio_read:" "$TMP/bt.txt" | grep "offset = 0x8," | sed 's/.*data = \(0x[0-9A-Fa-f]*\),.*/\1/' | tr '\n' ' ')
[ "$reads" = "0x0 0xA 0x14 0x1E 0x28 0x32 0x3C 0x46 0x50 0x5A 0x64 " ] || fail "counter reads: $reads"
grep -q 'pciem:device:.*vendor_id = 0x1234, device_id = 0x5678' "$TMP/bt.txt" || fail "no device event"
for k in registered bar_mapped driver_bound driver_unbound bar_unmapped removed; do
	grep -q "pciem:lifecycle:.*kind_name = \"$k\"" "$TMP/bt.txt" || fail "no lifecycle $k"
done
grep -q "pciem:config_read:" "$TMP/bt.txt" || fail "no config_read events"
grep -q "pciem:lost:" "$TMP/bt.txt" && fail "lost events"
grep -q 'pciem:driver:.*driver = "dummy_clock"' "$TMP/bt.txt" || fail "no driver event"
grep -q 'pciem:mmio_write:.* offset = 0x0, .* reg = "bar0+0x0",' "$TMP/bt.txt" || fail "no reg field"
# only the first recording reached LTTng
total=$(grep -c "pciem:" "$TMP/bt.txt")
events=$(sed -n 's/.*1 device, \([0-9]*\) events.*/\1/p' "$TMP/a.err")
drivers=$("$BIN/pciem-trace" dump --type driver "$TMP/a.zst" | wc -l)
[ "$total" = $((events + 1 + drivers)) ] ||
	fail "$total tracepoints for $events events, 1 device and $drivers drivers"
ok "LTTng: 100 control writes, 10 interrupts, counter reads 0..100, life cycle, $total events"

# ---- one schema: the session and the export of the same recording -------------
"$BIN/pciem-trace" export --ctf "$TMP/a.ctf" "$TMP/a.zst" || fail "export of the recording"
# classes DETAILS: "CLASS|member: type" lines, the stream class's packet
# context first, then each event class, sorted by name (their ids differ)
classes() {
	awk '/^ *Stream class/ { cls = "(stream)"; next }
	     /^ *Event class `/ { match($0, /`[^`]*`/); cls = substr($0, RSTART + 1, RLENGTH - 2); next }
	     cls != "" && /^ *[A-Za-z_][A-Za-z0-9_]*: / { sub(/^ */, ""); print cls "|" $0 }' "$1" |
		sort -s -t '|' -k 1,1
}
babeltrace2 -c sink.text.details -p with-data=no "$TMP/lttng" >"$TMP/lttng.details" 2>&1 ||
	fail "details of the session: $(head -5 "$TMP/lttng.details")"
babeltrace2 -c sink.text.details -p with-data=no "$TMP/a.ctf" >"$TMP/export.details" 2>&1 ||
	fail "details of the export: $(head -5 "$TMP/export.details")"
classes "$TMP/lttng.details" >"$TMP/lttng.classes"
classes "$TMP/export.details" >"$TMP/export.classes"
n=$(cut -d '|' -f 1 "$TMP/export.classes" | sort -u | grep -c '^pciem:')
[ "$n" -ge 16 ] || fail "the export declares $n event classes"
# DMA (format 1.4): declared by both whether or not the recording has any
for c in dma_map dma_unmap dma_sync dma_read dma_write; do
	grep -q "^pciem:$c|payload\|^pciem:$c|addr" "$TMP/lttng.classes" || fail "the session lacks pciem:$c"
done
grep -q '^pciem:dma_write|payload: Dynamic array' "$TMP/lttng.classes" ||
	fail "the session's pciem:dma_write has no byte sequence"
if ! diff -u "$TMP/lttng.classes" "$TMP/export.classes"; then
	fail "the session's and the export's event classes differ (above: - session, + export)"
fi
ok "the session and the export declare the same $n event classes with the same fields"
babeltrace2 "$TMP/a.ctf" >"$TMP/export.txt" 2>&1 || fail "reading the export"
sed -n 's/.* \(pciem:[a-z_]*\): .*/\1/p' "$TMP/bt.txt" | sort | uniq -c >"$TMP/lttng.count"
sed -n 's/.* \(pciem:[a-z_]*\): .*/\1/p' "$TMP/export.txt" | sort | uniq -c >"$TMP/export.count"
diff -u "$TMP/lttng.count" "$TMP/export.count" || fail "the numbers of events per class differ"
ok "the same number of events of each class: $(tr -s ' \n' ' ' <"$TMP/export.count")"
# stacks: the stack field of each event, by (class, domain, seq)
stacks() {
	sed -n 's/.* \(pciem:[a-z_]*\): .* domain = \(0x[0-9A-Fa-f]*\), seq = \([0-9]*\), .* stack = \("[^"]*"\) }$/\1 \2 \3 \4/p' "$1" | sort
}
stacks "$TMP/bt.txt" >"$TMP/lttng.stacks"
stacks "$TMP/export.txt" >"$TMP/export.stacks"
n=$(grep -vc '""$' "$TMP/export.stacks")
[ "$n" -gt 100 ] || { head -3 "$TMP/export.stacks"; fail "only $n events of the export have a stack"; }
diff "$TMP/lttng.stacks" "$TMP/export.stacks" | head -20
cmp -s "$TMP/lttng.stacks" "$TMP/export.stacks" || fail "the stack fields of the session and the export differ"
grep -q '^pciem:mmio_write 0x[0-9A-F]* [0-9]* "tick_store+0x[0-9a-f]* \[dummy_clock\]; ' "$TMP/export.stacks" ||
	{ grep -m 3 mmio_write "$TMP/export.stacks"; fail "no counter write's stack starts at tick_store"; }
ok "the same stack field in the session and the export ($n events with a stack)"

# ---- one analysis: it names only what both have, and sees the same state -------
XML=tools/tracecompass/pciem-analysis.xml
TCA=tests/unit/tc_analysis.py
python3 "$TCA" names "$XML" "$TMP/lttng.details" || fail "the analysis names what the session lacks"
python3 "$TCA" names "$XML" "$TMP/a.ctf/metadata" || fail "the analysis names what the export lacks"
babeltrace2 --clock-cycles "$TMP/lttng" >"$TMP/lttng.cy" 2>&1 || fail "babeltrace2 on the session"
babeltrace2 --clock-cycles "$TMP/a.ctf" >"$TMP/export.cy" 2>&1 || fail "babeltrace2 on the export"
python3 "$TCA" eval "$XML" "$TMP/lttng.cy" >"$TMP/lttng.state" || fail "the analysis on the session"
python3 "$TCA" eval "$XML" "$TMP/export.cy" >"$TMP/export.state" || fail "the analysis on the export"
# the session's times are when pciem-record passed the events on, so the
# segments' durations differ; the final state and the segments' number may not
grep -v '^segment' "$TMP/lttng.state" >"$TMP/lttng.final"
grep -v '^segment' "$TMP/export.state" >"$TMP/export.final"
diff -u "$TMP/lttng.final" "$TMP/export.final" || fail "the analysis ends in another state on the session"
[ "$(grep -c '^segment' "$TMP/lttng.state")" = "$(grep -c '^segment' "$TMP/export.state")" ] ||
	fail "the analysis finds other interrupt services on the session"
grep -q '/Registers/0/bar0+0x8/value = 100$' "$TMP/export.final" || fail "no COUNTER (bar0+0x8) value 100"
ok "the analysis applies to both and ends in the same state ($(wc -l <"$TMP/export.final") attributes)"

# ---- a real device (pvpanic-pci), in a session of its own ------------------------
# its device event gives its address, not its stream key
PV=$(lspci -D -d 1b36:0011 | awk '{ print $1; exit }')
[ -n "$PV" ] || fail "no pvpanic-pci in the guest: vm-devices not honoured?"
rmmod pvpanic_pci 2>/dev/null
lttng create real --output="$TMP/lttng-real" >>"$TMP/lttng.log" 2>&1 || fail "lttng create real"
lttng enable-event -u 'pciem:*' >>"$TMP/lttng.log" 2>&1 || fail "lttng enable-event (real)"
lttng start >>"$TMP/lttng.log" 2>&1 || fail "lttng start (real)"
"$REC" --bdf "$PV" -o "$TMP/pv.zst" -- modprobe pvpanic-pci 2>"$TMP/pv.err" ||
	fail "recording $PV: $(cat "$TMP/pv.err")"
lttng stop >>"$TMP/lttng.log" 2>&1 || fail "lttng stop (real)"
lttng destroy >>"$TMP/lttng.log" 2>&1 || fail "lttng destroy (real)"
babeltrace2 "$TMP/lttng-real" >"$TMP/bt-real.txt" 2>"$TMP/bt.err" || fail "babeltrace2: $(cat "$TMP/bt.err")"
grep "pciem:device:" "$TMP/bt-real.txt" | grep -q "address = \"$PV\"" ||
	fail "the real device's address is not $PV: $(grep "pciem:device:" "$TMP/bt-real.txt")"
ok "a real device's device event names it $PV"

# ---- DMA (the dma_copy example), in a session of its own --------------------------
# a streaming copy: the session's pciem:dma_* events equal the export's,
# field for field, the transferred bytes (payload) included
"$TOP/build/examples/dma_copy/device" --ready-file "$TMP/dc.ready" >"$TMP/dc.log" 2>&1 &
DC_PID=$!
PIDS="$PIDS $DC_PID"
wait_until 20 test -s "$TMP/dc.ready" || fail "dma_copy's model did not start: $(cat "$TMP/dc.log")"
DC=/sys/bus/pci/devices/$(cat "$TMP/dc.ready")
lttng create dma --output="$TMP/lttng-dma" >>"$TMP/lttng.log" 2>&1 || fail "lttng create dma"
lttng enable-event -u 'pciem:*' >>"$TMP/lttng.log" 2>&1 || fail "lttng enable-event (dma)"
lttng start >>"$TMP/lttng.log" 2>&1 || fail "lttng start (dma)"
"$REC" --match 1234:dc01 -o "$TMP/dc.zst" -- sh -c "insmod $KM/dma_copy/dma_copy.ko &&
	for i in \$(seq 200); do [ -e $DC/copy ] && break; sleep 0.1; done &&
	/bin/echo 10000 > $DC/copy_streaming; rmmod dma_copy" 2>"$TMP/dc.err" ||
	fail "recording a copy: $(cat "$TMP/dc.err")"
lttng stop >>"$TMP/lttng.log" 2>&1 || fail "lttng stop (dma)"
lttng destroy >>"$TMP/lttng.log" 2>&1 || fail "lttng destroy (dma)"
kill "$DC_PID"
wait "$DC_PID"
"$BIN/pciem-trace" export --ctf "$TMP/dc.ctf" "$TMP/dc.zst" || fail "export of the copy"
# NAME: FIELDS of each DMA event, without the stream's cpu_id
dma_events() {
	babeltrace2 "$1" 2>&1 | sed -n 's/.* \(pciem:dma_[a-z]*\): { cpu_id = [0-9]* }, \(.*\)$/\1 \2/p' | sort
}
dma_events "$TMP/lttng-dma" >"$TMP/lttng.dma"
dma_events "$TMP/dc.ctf" >"$TMP/export.dma"
n=$(grep -c '^pciem:dma_read .* len = 4096, flags = 0x[0-9A-F]*, _payload_length = 4096, payload = \[ \[0\] = ' "$TMP/export.dma")
[ "$n" -ge 2 ] || fail "the copy's export has $n dma_read events of 4096 bytes: $(cut -c1-200 "$TMP/export.dma")"
grep -q '^pciem:dma_map .* dir = 1, ' "$TMP/export.dma" || fail "no to-device mapping: $(cut -c1-200 "$TMP/export.dma")"
if ! cmp -s "$TMP/lttng.dma" "$TMP/export.dma"; then
	diff "$TMP/lttng.dma" "$TMP/export.dma" | cut -c1-300 | head -10
	fail "the session's and the export's DMA events differ (above: < session, > export)"
fi
ok "DMA: the session and the export hold the same $(wc -l <"$TMP/export.dma") DMA events, bytes included"
