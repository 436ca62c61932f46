# SPDX-License-Identifier: GPL-2.0
# pciem-trace export --ctf on real recordings: the counter workload (100
# ticks, 10 interrupts) and the test device's accessor exerciser.  Each
# export is read by babeltrace2, whose events equal pciem-trace dump
# --json's in a normalised form (tests/unit/ctf_norm.py: names, fields,
# values, timestamps, per-CPU order); the clock's uuid is this boot's id;
# a round trip through sink.ctf.fs keeps the events; the counter's
# export, read as the Trace Compass analysis would
# (tests/unit/tc_analysis.py), ends with COUNTER = 100, CONTROL last
# written 1, 10 interrupts on vector 0, each served by an access, the
# device removed, and the analysis names only events and fields of the
# export's metadata.  The counter recorded with --stacks: each event's
# stack field is its stack as dump --json gives it, frames joined by "; ",
# and a counter write's starts at the driver's tick_store.
. tests/vm/lib.sh

REC=$BIN/pciem-record
PT=$BIN/pciem-trace
NORM=tests/unit/ctf_norm.py
REGS=examples/dummy_clock/dummy_clock.regs
need_bins pciem-record pciem-trace
command -v babeltrace2 >/dev/null || fail "babeltrace2 missing: run make deps"

# same_as_dump NAME TRACE CTFDIR [DUMP OPTIONS...]
same_as_dump() {
	_name=$1 _trace=$2 _ctf=$3
	shift 3
	babeltrace2 --clock-cycles "$_ctf" >"$TMP/$_name.bt" 2>"$TMP/$_name.bterr" ||
		fail "$_name: babeltrace2 cannot read the export: $(head -5 "$TMP/$_name.bterr")"
	"$PT" dump --json "$@" "$_trace" >"$TMP/$_name.json" || fail "$_name: dump"
	_start=$("$PT" info "$_trace" | sed -n 's/.*(CLOCK_MONOTONIC \([0-9]*\)\.\([0-9]*\))$/\1\2/p')
	python3 "$NORM" bt "$TMP/$_name.bt" >"$TMP/$_name.n-bt" || fail "$_name: normalising babeltrace2's"
	python3 "$NORM" dump "$TMP/$_name.json" "$_start" >"$TMP/$_name.n-dump" ||
		fail "$_name: normalising dump's"
	_n=$(wc -l <"$TMP/$_name.n-bt")
	[ "$_n" -gt 0 ] || fail "$_name: no event"
	if ! cmp -s "$TMP/$_name.n-bt" "$TMP/$_name.n-dump"; then
		diff "$TMP/$_name.n-bt" "$TMP/$_name.n-dump" | head -20
		fail "$_name: babeltrace2's events differ from dump's"
	fi
	ok "$_name: babeltrace2 reads the same $_n events as dump"
}

# ---- the counter workload ---------------------------------------------------
"$REC" -o "$TMP/c.zst" -- sh examples/dummy_clock/workload.sh 2>"$TMP/c.err" ||
	fail "recording the counter: $(cat "$TMP/c.err")"
"$PT" export --ctf "$TMP/c.ctf" --regs "$REGS" "$TMP/c.zst" || fail "export of the counter"
same_as_dump counter "$TMP/c.zst" "$TMP/c.ctf" --regs "$REGS"
"$PT" export --ctf "$TMP/c-plain.ctf" "$TMP/c.zst" || fail "export without --regs"
same_as_dump counter-plain "$TMP/c.zst" "$TMP/c-plain.ctf"
boot=$(cat /proc/sys/kernel/random/boot_id)
sed -n '/^clock {/,/^};/p' "$TMP/c.ctf/metadata" | grep -q "uuid = \"$boot\";" ||
	fail "the clock's uuid is not this boot's id $boot"
"$PT" info "$TMP/c.zst" | grep -q "^boot id *$boot$" || fail "info does not show the boot id"
ok "the clock's uuid is the boot id"
# one stream per CPU that made an event, and metadata
for c in $(python3 -c 'import json,sys
print(" ".join(sorted({str(json.loads(l)["cpu"]) for l in open(sys.argv[1]) if "\"cpu\"" in l})))' "$TMP/counter.json"); do
	[ -s "$TMP/c.ctf/pciem_$c" ] || fail "no stream for CPU $c"
done
ok "one stream per CPU: $(ls "$TMP/c.ctf" | tr '\n' ' ')"
babeltrace2 "$TMP/c.ctf" -c sink.ctf.fs -p "path=\"$TMP/rt\"" >/dev/null 2>&1 || fail "sink.ctf.fs"
babeltrace2 --clock-cycles "$TMP/rt" >"$TMP/rt.bt" 2>&1 || fail "reading the round trip"
python3 "$NORM" bt "$TMP/rt.bt" >"$TMP/rt.n" || fail "normalising the round trip"
cmp -s "$TMP/rt.n" "$TMP/counter.n-bt" || fail "the round trip through sink.ctf.fs changed the events"
ok "round trip through sink.ctf.fs"

# ---- with call stacks ------------------------------------------------------------
"$REC" --stacks -o "$TMP/s.zst" -- sh examples/dummy_clock/workload.sh 2>"$TMP/s.err" ||
	fail "recording the counter with --stacks: $(cat "$TMP/s.err")"
"$PT" export --ctf "$TMP/s.ctf" "$TMP/s.zst" || fail "export of the counter with stacks"
same_as_dump stacks "$TMP/s.zst" "$TMP/s.ctf"
n=$(grep -c 'stack = "[^"]' "$TMP/stacks.bt")
[ "$n" -gt 100 ] || fail "only $n events of the export have a stack"
grep -q 'pciem:mmio_write: .* stack = "tick_store+0x[0-9a-f]* \[dummy_clock\]; ' "$TMP/stacks.bt" ||
	{ grep -m 2 'pciem:mmio_write' "$TMP/stacks.bt"; fail "no counter write's stack starts at tick_store"; }
ok "the stack field: $n events with one, a write's starting at tick_store"

# ---- the Trace Compass analysis on the counter's export -------------------------
XML=tools/tracecompass/pciem-analysis.xml
TCA=tests/unit/tc_analysis.py
python3 "$TCA" names "$XML" "$TMP/c.ctf/metadata" || fail "the analysis names what the export lacks"
python3 "$TCA" eval "$XML" "$TMP/counter.bt" >"$TMP/state.txt" || fail "evaluating the analysis"
D=$(sed -n 's/^Devices\/\([0-9]*\)\/address = "[0-9a-f]*:00:00.0"$/\1/p' "$TMP/state.txt")
[ -n "$D" ] || { cat "$TMP/state.txt"; fail "no device in the analysis's state"; }
want() {	# want LINE: the analysis's final state has it
	grep -qx -- "$1" "$TMP/state.txt" || { cat "$TMP/state.txt"; fail "the analysis's state lacks: $1"; }
}
# hand-computed: 100 ticks, the last read of COUNTER returns 100; each
# tick writes 1 to CONTROL; one interrupt per ten ticks on vector 0
want "Devices/$D/Registers/0/COUNTER = 1"
want "Devices/$D/Registers/0/COUNTER/value = 100"
want "Devices/$D/Registers/0/CONTROL = 2"
want "Devices/$D/Registers/0/CONTROL/value = 1"
want "Devices/$D/IRQ/0 = 10"
want "Devices/$D/IRQ/0/count = 10"
want "Devices/$D/Rates/irqs = 10"
want "Devices/$D = 25"
want "Devices/$D/driver = \"dummy_clock\""
reads=$(grep -c '"type":"mmio_read"' "$TMP/counter.json")
writes=$(grep -c '"type":"mmio_write"' "$TMP/counter.json")
want "Devices/$D/Rates/reads = $reads"
want "Devices/$D/Rates/writes = $writes"
n=$(grep -c "^segment irq_service [0-9]* ns domain=$D vector=0 first_access=pciem:mmio_" "$TMP/state.txt")
[ "$n" = 10 ] || { cat "$TMP/state.txt"; fail "$n interrupt service segments, not 10"; }
ok "the analysis on the counter: COUNTER 100, CONTROL 1, 10 interrupts on vector 0 each served, removed"

# ---- the test device's accessors ---------------------------------------------
load_testdrv
start_model m --bar 0:4096 --full-trap --quiet
wait_bound "$DEV"
"$REC" --match 1234:0e01 -o "$TMP/x.zst" -- sh -c "echo 'exercise 0 0 0' > $DEV/mmio" 2>"$TMP/x.err" ||
	fail "recording the exerciser: $(cat "$TMP/x.err")"
"$PT" export --ctf "$TMP/x.ctf" "$TMP/x.zst" || fail "export of the exerciser"
same_as_dump exerciser "$TMP/x.zst" "$TMP/x.ctf"
grep -q 'pciem:mmio_write: .* offset = 0xF00, size = 4, data = 0xDEADBEEF' "$TMP/exerciser.bt" ||
	fail "the exerciser's marker write is not in the export"
ok "the exerciser's accesses"
