#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CLI test of pciem-trace on traces written by gen_trace (libptf's writer):
#
#   tests/unit/test_pciem_trace.sh PCIEM_TRACE GEN_TRACE
#
# Run from the top directory (make check-ptrace).  Prints one line per
# check and "N passed, N failed" at the end; exits 1 if any check failed.
set -u

PT=$1
GEN=$2
REGS=examples/dummy_clock/dummy_clock.regs
DIR=$(mktemp -d /tmp/test_pciem_trace.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1

. tests/unit/cli_lib.sh

expect_count() {	# NAME FILE REGEX N
	local n
	n=$(grep -c -E -- "$3" "$2")
	if [ "$n" -eq "$4" ]; then ok "$1: $4 lines /$3/"; else
		bad "$1: $n lines match /$3/, expected $4"
		sed 's/^/    /' "$2" | head -60
	fi
}

# JSON Lines: every line parses; python3 preferred, else jq.
json_valid() {
	if command -v python3 > /dev/null; then
		python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    obj = json.loads(line)
    assert isinstance(obj, dict) and "record" in obj, line
    n += 1
print(n)' < "$1"
	else
		jq -c . < "$1" | wc -l
	fi
}

"$GEN" "$DIR" || { echo "gen_trace failed"; echo "0 passed, 1 failed"; exit 1; }
G=$DIR/good.zst
printf 'not a trace\n' > "$DIR/text.zst"

# ---- help and usage ---------------------------------------------------------
run help "$PT" --help
expect_rc help 0
expect_line help "$out" '^ info '
expect_line help "$out" 'Exit status: 0 ok, 1'
for sub in info dump stats verify diff dma; do
	run "help-$sub" "$PT" "$sub" --help
	expect_rc "help-$sub" 0
	expect_line "help-$sub" "$out" "^Usage: pciem-trace $sub "
	expect_line "help-$sub" "$out" '^Examples:'
	expect_line "help-$sub" "$out" '--regs'
	expect_line "help-$sub" "$out" '^Exit status:'
done
run noargs "$PT"
expect_rc noargs 2
run unknown-sub "$PT" frobnicate
expect_rc unknown-sub 2
expect_line unknown-sub "$err" "unknown subcommand 'frobnicate'"
run no-trace "$PT" dump
expect_rc no-trace 2
run bad-option "$PT" dump --frob "$G"
expect_rc bad-option 2

# ---- info ---------------------------------------------------------------------
run info "$PT" info "$G"
expect_rc info 0
expect_line info "$out" '^tool gen_trace 1$'
expect_line info "$out" '^kernel 6.1.0-test-amd64$'
expect_line info "$out" '^host testhost$'
expect_line info "$out" '^clock CLOCK_MONOTONIC$'
expect_line info "$out" '^start 2023-11-14 22:13:20.123456789 UTC \(CLOCK_MONOTONIC 1000.000000000\)$'
expect_line info "$out" '^command insmod dummy_clock.ko$'
expect_line info "$out" '^trap mode full'
expect_line info "$out" '^flags lossless$'
expect_line info "$out" '^devices 2$'
expect_line info "$out" '^ 10000:00:00.0 1234:5678 driver dummy_clock events 35$'
expect_line info "$out" '^ 10001:00:00.0 1af4:1110 driver other_drv events 8$'
expect_line info "$out" '^ BAR0 4 KiB mem32 at 0xfe000000$'
expect_line info "$out" '^ BAR2 1 MiB mem64 prefetchable at 0xfe200000$'
expect_line info "$out" '^ capabilities MSI at 0x50 PCIe at 0x70$'
expect_line info "$out" '^modules 1 \(dummy_clock\)$'
expect_line info "$out" '^events 43$'
expect_line info "$out" '^ mmio_read 13$'
expect_line info "$out" '^ mmio_write 12$'
expect_line info "$out" '^ config_read 1$'
expect_line info "$out" '^ config_write 2$'
expect_line info "$out" '^ watchpoint 1$'
expect_line info "$out" '^ unsupported 1$'
expect_line info "$out" '^ irq 4$'
expect_line info "$out" '^ lifecycle 9$'
expect_line info "$out" '^duration 0.000042000 s \(events from 0.000001000 to 0.000043000 s after the start\)$'
expect_line info "$out" '^lost none$'
expect_line info "$out" '^complete yes'

run info-regs "$PT" info --regs "$REGS" "$G"
expect_rc info-regs 0
expect_line info-regs "$out" '^ register map 18 registers$'
expect_line info-regs "$out" '^ register map 10 registers$'

run info-lost "$PT" info "$DIR/lost.zst"
expect_rc info-lost 0
expect_line info-lost "$out" '^lost 3 events in 1 range$'
expect_line info-lost "$out" '^ 10000 seq 10-12 \(3 events\)$'
expect_line info-lost "$out" '^events 40$'

run info-trunc "$PT" info "$DIR/truncated.zst"
expect_rc info-trunc 0
expect_line info-trunc "$out" '^complete no: no footer, index or seek table \(the recording did not finish\); the file ends [0-9]+ bytes into frame [0-9]+, which starts at byte [0-9]+ and is lost; [0-9]+ complete frames, [0-9]+ bytes; the counts above are of what could be read$'
expect_line info-trunc "$out" '^events [0-9]+$'
expect_no_line info-trunc "$out" '^events 43$'

run info-corrupt "$PT" info "$DIR/corrupt.zst"
expect_rc info-corrupt 2
expect_line info-corrupt "$err" 'corrupt.zst'

run info-text "$PT" info "$DIR/text.zst"
expect_rc info-text 2
expect_line info-text "$err" "^pciem-trace: .*text.zst"
run info-missing "$PT" info "$DIR/nope.zst"
expect_rc info-missing 2
expect_line info-missing "$err" "^pciem-trace: .*nope.zst"

# ---- dump ---------------------------------------------------------------------
run dump "$PT" dump "$G"
expect_rc dump 0
expect_count dump "$out" '.' 48
expect_count dump "$out" ' cpu[0-9]' 43
expect_line dump "$out" '^10000 5 0.000008000 cpu0 pid 4242 mmio_write bar0\+0x0 4 0x00000001 at tick_store\+0x1c \[dummy_clock\]$'
expect_line dump "$out" '^10000 6 0.000009000 cpu1 pid 4242 mmio_read bar0\+0x8 4 0x00000001 at tick_store\+0x30 \[dummy_clock\]$'
expect_line dump "$out" '^10000 2 .* config_write cfg\+0x4 2 0x0406 header$'
expect_line dump "$out" '^10000 3 .* lifecycle bar_mapped bar0 size 0x1000 at dummy_clock_probe\+0x40 \[dummy_clock\]$'
expect_line dump "$out" '^10000 28 .* watchpoint bar0\+0x4 4 0x00000001 write at dummy_clock_irq\+0x18 \[dummy_clock\]$'
expect_line dump "$out" '^10000 29 .* unsupported bar0\+0x10 insn 09 08 01 at tick_store\+0x50 \[dummy_clock\]$'
expect_line dump "$out" '^10000 30 .* irq vector 0 pending$'
expect_line dump "$out" '^10000 31 .* irq vector 0 deferred$'
expect_line dump "$out" '^10001 3 .* mmio_write bar2\+0x0 8 0x0000deadbeefcafe '
expect_line dump "$out" '^10000 - - device 1234:5678 at 10000:00:00.0 bar0 0x1000$'
expect_line dump "$out" '^10001 - - driver other_drv$'
expect_line dump "$out" '^- - - module dummy_clock at 0xffffffffc0000000 size 0x4000, 3 symbols$'

run dump-regs "$PT" dump --regs "$REGS" "$G"
expect_rc dump-regs 0
expect_line dump-regs "$out" '^10000 5 .* mmio_write bar0\+0x0 CONTROL 4 0x00000001 \{TICK\} at '
expect_line dump-regs "$out" '^10000 26 .* mmio_read bar0\+0x4 STATUS 4 0x00000001 \{IRQ_PENDING\} at '
expect_line dump-regs "$out" '^10000 1 .* config_read cfg\+0x0 VENDOR_ID 4 0x56781234$'
expect_line dump-regs "$out" '^10000 2 .* config_write cfg\+0x4 PCI_COMMAND 2 0x0406 \{MEMORY\|BUS_MASTER\|INTX_DISABLE\} header$'
# 1af4:1110 has no BAR registers in the map
expect_line dump-regs "$out" '^10001 4 .* mmio_read bar2\+0x8 4 0x00000000 '

run dump-json "$PT" dump --json --regs "$REGS" "$G"
expect_rc dump-json 0
n=$(json_valid "$out")
if [ "$n" = 48 ]; then ok "dump-json: 48 valid JSON objects"; else bad "dump-json: $n valid objects of 48"; fi
if command -v python3 > /dev/null; then
	if python3 - "$out" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ev = [r for r in recs if r["record"] == "event"]
w = [r for r in ev if r["domain"] == "10000" and r["seq"] == 21][0]
assert w == {"record": "event", "domain": "10000", "seq": 21, "time_ns": 28000,
             "timestamp_ns": 1000000028000, "cpu": 0, "pid": 4242, "type": "mmio_write",
             "bar": 0, "offset": 0, "size": 4, "value": "0x1", "same_insn": False, "flags": 0,
             "register": "CONTROL", "fields": "TICK", "ip": "0xffffffffc000121c",
             "symbol": "tick_store+0x1c [dummy_clock]"}, w
irq = [r for r in ev if r["type"] == "irq" and r["seq"] == 30][0]
assert irq["vector"] == 0 and irq["pending"] is True and irq["deferred"] is False, irq
lc = [r for r in ev if r["type"] == "lifecycle" and r["seq"] == 3][0]
assert lc["lifecycle"] == "bar_mapped" and lc["map_size"] == 4096 and lc["bar"] == 0, lc
dev = [r for r in recs if r["record"] == "device" and r["domain"] == "10001"][0]
assert dev["vendor_id"] == "1af4" and dev["bars"][2]["size"] == 1 << 20, dev
drv = [r for r in recs if r["record"] == "driver"]
assert sorted(d["driver"] for d in drv) == ["dummy_clock", "other_drv"], drv
mod = [r for r in recs if r["record"] == "module"][0]
assert mod == {"record": "module", "name": "dummy_clock", "base": "0xffffffffc0000000",
               "size": 16384, "symbols": 3}, mod
assert len(ev) == 43
EOF
	then ok "dump-json: field values"; else bad "dump-json: field values"; fi
fi

run dump-json-lost "$PT" dump --json --type lost "$DIR/lost.zst"
expect_rc dump-json-lost 0
expect_line dump-json-lost "$out" '^\{"record":"lost","domain":"10000","first_seq":10,"last_seq":12,"count":3\}$'
expect_count dump-json-lost "$out" '.' 1
run dump-lost "$PT" dump --type lost "$DIR/lost.zst"
expect_rc dump-lost 0
expect_line dump-lost "$out" '^10000 - - lost seq 10-12 \(3 events\)$'

run f-type "$PT" dump --type mmio_write "$G"
expect_rc f-type 0
expect_count f-type "$out" '.' 12
run f-type-dev "$PT" dump --type mmio_write --device 10000 "$G"
expect_count f-type-dev "$out" '.' 11
run f-type-addr "$PT" dump --type mmio_write --device 10001:00:00.0 "$G"
expect_count f-type-addr "$out" '.' 1
run f-types "$PT" dump --type irq,watchpoint,unsupported "$G"
expect_count f-types "$out" '.' 6
run f-seq "$PT" dump --type mmio --device 10000 --seq 5-8 "$G"
expect_rc f-seq 0
expect_count f-seq "$out" '.' 4
expect_line f-seq "$out" '^10000 5 '
expect_line f-seq "$out" '^10000 8 '
run f-seq-open "$PT" dump --type irq,lifecycle --device 10000 --seq 30- "$G"
expect_count f-seq-open "$out" '.' 5
run f-seq-open2 "$PT" dump --type lifecycle --device 10000 --seq -4 "$G"
expect_count f-seq-open2 "$out" '.' 3
run f-seq-nodev "$PT" dump --seq 3 "$G"
expect_count f-seq-nodev "$out" ' cpu[0-9]' 2
run f-seq-none "$PT" dump --device 10000 --seq 500- "$G"
expect_rc f-seq-none 0
expect_count f-seq-none "$out" '.' 0
run f-time-none "$PT" dump --time 100- "$G"
expect_rc f-time-none 0
expect_count f-time-none "$out" '.' 0
run stats-seq "$PT" stats --device 10000 --seq 6- "$G"
expect_rc stats-seq 0
expect_line stats-seq "$out" '^ bar0\+0x0 4 0 9 0 1 7 23$'
expect_line stats-seq "$out" '^ bar0\+0x8 4 10 0 0 10 6 24$'
run stats-none "$PT" stats --device 10000 --seq 500- "$G"
expect_rc stats-none 0
expect_no_line stats-none "$out" 'bar0'
run f-time "$PT" dump --time 0.000010-0.000012 "$G"
expect_rc f-time 0
expect_count f-time "$out" ' cpu[0-9]' 3
run f-time-us "$PT" dump --time 10us-12us "$G"
expect_count f-time-us "$out" ' cpu[0-9]' 3
run f-time-ns "$PT" dump --time 40000ns- "$G"
expect_count f-time-ns "$out" ' cpu[0-9]' 4
run f-bar "$PT" dump --bar 2 "$G"
expect_count f-bar "$out" ' cpu[0-9]' 4
run f-offset "$PT" dump --offset 0x8 "$G"
expect_count f-offset "$out" ' cpu[0-9]' 12
run f-offset-name "$PT" dump --regs "$REGS" --offset COUNTER "$G"
expect_rc f-offset-name 0
expect_count f-offset-name "$out" ' cpu[0-9]' 10
run f-offset-name-noregs "$PT" dump --offset COUNTER "$G"
expect_rc f-offset-name-noregs 2
expect_line f-offset-name-noregs "$err" 'needs --regs'
run f-offset-unknown "$PT" dump --regs "$REGS" --offset NOPE "$G"
expect_rc f-offset-unknown 2
for a in "--type bogus" "--bar 6" "--seq 9-3" "--seq x" "--time 1h" "--device zz"; do
	# shellcheck disable=SC2086
	run "f-bad ${a}" "$PT" dump $a "$G"
	expect_rc "f-bad ${a}" 2
done

run dump-trunc "$PT" dump "$DIR/truncated.zst"
expect_rc dump-trunc 0
expect_line dump-trunc "$err" 'truncated.zst: warning: the trace is incomplete'
run dump-corrupt "$PT" dump "$DIR/corrupt.zst"
expect_rc dump-corrupt 2
expect_line dump-corrupt "$err" 'corrupt.zst'

# ---- stats ---------------------------------------------------------------------
run stats "$PT" stats "$G"
expect_rc stats 0
expect_line stats "$out" '^device 10000:00:00.0 1234:5678: 35 events$'
expect_line stats "$out" '^ bar0\+0x0 4 0 10 0 1 5 23$'
expect_line stats "$out" '^ bar0\+0x4 4 1 1 1 1 26 28$'
expect_line stats "$out" '^ bar0\+0x8 4 10 0 0 10 6 24$'
expect_line stats "$out" '^ cfg\+0x0 4 1 0 0 1 1 1$'
expect_line stats "$out" '^ cfg\+0x4 2 0 1 0 1 2 2$'
expect_line stats "$out" '^ vector 0 1 1 1 25 31$'
expect_line stats "$out" '^ other: 6 lifecycle, 1 unsupported; lost 0 events in 0 LOST records$'
expect_line stats "$out" '^device 10001:00:00.0 1af4:1110: 8 events$'
expect_line stats "$out" '^ bar2\+0x0 8 0 1 0 1 3 3$'
expect_line stats "$out" '^ bar2\+0x8 4 2 0 0 2 4 5$'
expect_line stats "$out" '^ cfg\+0x52 2 0 1 0 1 1 1$'
expect_line stats "$out" '^ vector 1 1 0 0 6 6$'

run stats-regs "$PT" stats --regs "$REGS" "$G"
expect_line stats-regs "$out" '^ bar0\+0x0 CONTROL 4 0 10 0 1 5 23$'
expect_line stats-regs "$out" '^ cfg\+0x4 PCI_COMMAND 2 0 1 0 1 2 2$'

run stats-lost "$PT" stats "$DIR/lost.zst"
expect_line stats-lost "$out" '^ bar0\+0x0 4 0 9 0 1 5 23$'
expect_line stats-lost "$out" '^ bar0\+0x8 4 8 0 0 8 6 24$'
expect_line stats-lost "$out" 'lost 3 events in 1 LOST record$'

run stats-filter "$PT" stats --type mmio_write --device 10000 "$G"
expect_line stats-filter "$out" '^ bar0\+0x0 4 0 10 0 1 5 23$'
expect_no_line stats-filter "$out" 'bar0\+0x8'
expect_no_line stats-filter "$out" '^device 10001'

run stats-diffval "$PT" stats --device 10000 "$DIR/diffval.zst"
expect_line stats-diffval "$out" '^ bar0\+0x0 4 0 10 0 2 5 23$'

# ---- verify --------------------------------------------------------------------
run verify-good "$PT" verify "$G"
expect_rc verify-good 0
expect_line verify-good "$out" 'good.zst: OK$'
expect_line verify-good "$out" '^device 10000 1234:5678: 35 events, seq 0-34$'
run verify-equal "$PT" verify -q "$DIR/equal.zst"
expect_rc verify-equal 0
run verify-lost "$PT" verify "$DIR/lost.zst"
expect_rc verify-lost 1
expect_line verify-lost "$out" '^FINDING: device 10000: loss: seq 10-12 \(3 events\) \(declared by a LOST record\)$'
expect_no_line verify-lost "$out" 'gap'
run verify-gap "$PT" verify "$DIR/gap.zst"
expect_rc verify-gap 1
expect_line verify-gap "$out" '^FINDING: device 10000: gap: seq 15 missing, no LOST record covers it$'
expect_line verify-gap "$out" 'gap.zst: 1 finding$'
run verify-trunc "$PT" verify "$DIR/truncated.zst"
expect_rc verify-trunc 1
expect_line verify-trunc "$out" '^FINDING: truncated: no footer, index or seek table \(the recording did not finish\); the file ends [0-9]+ bytes into frame [0-9]+, which starts at byte [0-9]+ and is lost$'
expect_line verify-trunc "$out" '^device 10000 1234:5678: [0-9]+ events, seq 0-[0-9]+ \(read so far: later events are in the missing part\)$'
expect_no_line verify-trunc "$out" '35 events'
run verify-corrupt "$PT" verify "$DIR/corrupt.zst"
expect_rc verify-corrupt 1
expect_line verify-corrupt "$out" '^FINDING: '
run verify-text "$PT" verify "$DIR/text.zst"
expect_rc verify-text 2
run verify-usage "$PT" verify
expect_rc verify-usage 2

# ---- diff ------------------------------------------------------------------------
run diff-same "$PT" diff "$G" "$G"
expect_rc diff-same 0
expect_line diff-same "$out" '^traces are equal in accesses and values: 32 accesses$'
# --no-config: the 3 config accesses of the 32 are left out
run diff-noconfig "$PT" diff --no-config "$G" "$G"
expect_rc diff-noconfig 0
expect_line diff-noconfig "$out" '^traces are equal in accesses and values: 29 accesses$'
run diff-equal "$PT" diff "$G" "$DIR/equal.zst"
expect_rc diff-equal 0
expect_line diff-equal "$out" '^traces are equal in accesses and values: 32 accesses$'
# --deliveries: the pending interrupt and its later delivery are one
run diff-pending "$PT" diff "$G" "$DIR/delivered.zst"
expect_rc diff-pending 1
expect_line diff-pending "$out" '^- \[25\] irq +vector 0 pending$'
run diff-deliveries "$PT" diff --deliveries "$G" "$DIR/delivered.zst"
expect_rc diff-deliveries 0
expect_line diff-deliveries "$out" '^traces are equal in accesses and values: 31 accesses$'
run diff-deliveries-val "$PT" diff --deliveries "$G" "$DIR/diffval.zst"
expect_rc diff-deliveries-val 1
# a delivery 2 accesses later (irq_late) or 10 earlier (irq_far) in B:
# within --irq-window (default 8) it is in place, beyond it a difference
run diff-irq-late "$PT" diff "$G" "$DIR/irq_late.zst"
expect_rc diff-irq-late 1
expect_line diff-irq-late "$out" '^- \[22\] irq +vector 0$'
run diff-irq-late-del "$PT" diff --deliveries "$G" "$DIR/irq_late.zst"
expect_rc diff-irq-late-del 0
expect_line diff-irq-late-del "$out" '^traces are equal in accesses and values: 31 accesses$'
run diff-irq-late-w1 "$PT" diff --deliveries --irq-window 1 "$DIR/irq_late.zst" "$G"
expect_rc diff-irq-late-w1 1
expect_line diff-irq-late-w1 "$out" '^\+ \[22\] irq +vector 0$'
run diff-irq-far "$PT" diff --deliveries "$G" "$DIR/irq_far.zst"
expect_rc diff-irq-far 1
expect_line diff-irq-far "$out" '^\+ \[12\] irq +vector 0$'
run diff-irq-far-w10 "$PT" diff --deliveries -W 10 "$DIR/irq_far.zst" "$G"
expect_rc diff-irq-far-w10 0
run diff-irq-far-w9 "$PT" diff --deliveries -W 9 "$DIR/irq_far.zst" "$G"
expect_rc diff-irq-far-w9 1
run diff-irq-window-usage "$PT" diff --irq-window 3 "$G" "$G"
expect_rc diff-irq-window-usage 2
expect_line diff-irq-window-usage "$err" 'applies to --deliveries only'
run diff-val "$PT" diff "$G" "$DIR/diffval.zst"
expect_rc diff-val 1
expect_count diff-val "$out" '^  \[' 3
expect_line diff-val "$out" '^ \[15\] mmio_read bar0\+0x8 4 0x00000007$'
expect_line diff-val "$out" '^ \[17\] mmio_read bar0\+0x8 4 0x00000008$'
expect_line diff-val "$out" '^- \[18\] mmio_write bar0\+0x0 4 0x00000001$'
expect_line diff-val "$out" '^\+ \[18\] mmio_write bar0\+0x0 4 0x00000003$'
expect_line diff-val "$out" '^first difference: device 1 \(10000:00:00.0 1234:5678 / 10000:00:00.0 1234:5678\), access 18: seq 21 in A, seq 21 in B$'
run diff-val-regs "$PT" diff -C 1 --regs "$REGS" "$G" "$DIR/diffval.zst"
expect_rc diff-val-regs 1
expect_count diff-val-regs "$out" '^  \[' 1
expect_line diff-val-regs "$out" '^ \[17\] mmio_read bar0\+0x8 COUNTER 4 0x00000008$'
expect_line diff-val-regs "$out" '^- \[18\] mmio_write bar0\+0x0 CONTROL 4 0x00000001$'
expect_line diff-val-regs "$out" '^\+ \[18\] mmio_write bar0\+0x0 CONTROL 4 0x00000003$'
run diff-lost "$PT" diff "$G" "$DIR/lost.zst"
expect_rc diff-lost 1
expect_line diff-lost "$out" '^- \[7\] mmio_read bar0\+0x8 4 0x00000003$'
expect_line diff-lost "$out" '^\+ \[7\] mmio_write bar0\+0x0 4 0x00000001$'
run diff-corrupt "$PT" diff "$G" "$DIR/corrupt.zst"
expect_rc diff-corrupt 2
run diff-usage "$PT" diff "$G"
expect_rc diff-usage 2

# ---- a real device (format 1.3) ------------------------------------------------
run real-info "$PT" info "$DIR/real.zst"
expect_rc real-info 0
expect_line real-info "$out" '^ 0000:00:03.0 1b36:0011 driver pvpanic-pci events 7$'
expect_line real-info "$out" '^ BAR0 16 bytes mem32 at 0xfebd5000$'
expect_line real-info "$out" '^ real device$'
expect_count real-info "$out" 'note:|created by pid' 0
run real-bound-info "$PT" info "$DIR/real_bound.zst"
expect_line real-bound-info "$out" '^ note: a driver was bound when recording started: its probe was not recorded$'
run real-io-info "$PT" info "$DIR/real_io.zst"
expect_line real-io-info "$out" '^ BAR1 32 bytes io at 0xc000$'
expect_line real-io-info "$out" '^ note: I/O port BAR1: its accesses are missing$'
run real-dump "$PT" dump "$DIR/real_bound.zst"
expect_rc real-dump 0
expect_line real-dump "$out" ' device +1b36:0011 at 0000:00:03.0 bar0 0x10 \(real device; a driver was bound when recording started: its probe was not recorded\)$'
expect_line real-dump "$out" ' lifecycle +bar_taken_over bar0 size 0x1000$'
run real-dump-json "$PT" dump --json "$DIR/real_io.zst"
expect_line real-dump-json "$out" '"record":"device","domain":"80000018","address":"0000:00:03.0".*"real":true,"bound":false,"io_bar":true,"device_flags":5}'
run real-dump-json-bound "$PT" dump --json --type lifecycle "$DIR/real_bound.zst"
expect_line real-dump-json-bound "$out" '"lifecycle":"bar_taken_over","bar":0,"map_size":4096'
run real-dump-device "$PT" dump --device 0000:00:03.0 --type mmio_read "$DIR/real.zst"
expect_rc real-dump-device 0
expect_count real-dump-device "$out" 'mmio_read' 1
run real-dump-other "$PT" dump --device 0000:00:04.0 --type mmio_read "$DIR/real.zst"
expect_count real-dump-other "$out" 'mmio_read' 0
run pciem-dev-notes "$PT" dump --type device "$G"
expect_count pciem-dev-notes "$out" 'real device' 0
# a real device is named by its address, never by its stream key (80000018)
run real-verify "$PT" verify "$DIR/real.zst"
expect_rc real-verify 0
expect_line real-verify "$out" '^device 0000:00:03.0 1b36:0011: 7 events, seq 0-6$'
expect_no_line real-verify "$out" '80000018'
run real-verify-lost "$PT" verify "$DIR/real_lost.zst"
expect_rc real-verify-lost 1
expect_line real-verify-lost "$out" '^FINDING: device 0000:00:03.0: gap: seq 1 missing, no LOST record covers it$'
expect_line real-verify-lost "$out" '^FINDING: device 0000:00:03.0: loss: seq 4 \(declared by a LOST record\)$'
expect_line real-verify-lost "$out" '^device 0000:00:03.0 1b36:0011: 5 events, seq 0-6$'
expect_no_line real-verify-lost "$out" '80000018'
run real-info-lost "$PT" info "$DIR/real_lost.zst"
expect_line real-info-lost "$out" '^ 0000:00:03.0 seq 4-4 \(1 events\)$'
expect_no_line real-info-lost "$out" '80000018'

# ---- DMA (format 1.4) ------------------------------------------------------------
D=$DIR/dma.zst
run dma-dump "$PT" dump "$D"
expect_rc dma-dump 0
expect_line dma-dump "$out" '^10000 1 0.000002000 cpu0 pid 4242 dma_map 0x80001000\+4096 to-device streaming at dummy_clock_probe\+0x10 \[dummy_clock\]$'
expect_line dma-dump "$out" '^10000 3 .* dma_map 0x80010000\+256 bidirectional coherent at dummy_clock_probe\+0x18 '
expect_line dma-dump "$out" '^10000 4 .* dma_sync 0x80001000\+4096 to-device for-device at '
expect_line dma-dump "$out" '^10000 8 .* dma_sync 0x80003000\+8192 from-device for-cpu at dummy_clock_irq\+0x20 '
expect_line dma-dump "$out" '^10000 5 0.000006000 cpu0 pid 4300 dma_read 0x80001000\+4096$'
expect_line dma-dump "$out" '^10000 7 .* dma_write 0x80004000\+4096 same-insn$'
expect_line dma-dump "$out" '^10000 12 .* dma_write 0x90000000\+64 refused$'
expect_line dma-dump "$out" '^10000 10 .* dma_read 0x80010000\+16 coherent seen$'
expect_line dma-dump "$out" '^10000 16 .* dma_unmap 0x80003000\+8192 from-device streaming at dummy_clock_irq\+0x28 '
expect_no_line dma-dump "$out" '^ +0000 '
run dma-payload "$PT" dump --payload --type dma_read,dma_write "$D"
expect_rc dma-payload 0
expect_line dma-payload "$out" '^ 0000 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f$'
expect_line dma-payload "$out" '^ 0030 30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f$'
expect_no_line dma-payload "$out" '^ 0040 '
expect_line dma-payload "$out" '^ \(4032 more bytes: --payload=all shows them\)$'
expect_line dma-payload "$out" '^ \(5936 more bytes: --payload=all shows them\)$'
# the 16 bytes of seq 9 are shown whole, with nothing left out
expect_line dma-payload "$out" '^ 0000 63 6f 68 65 72 65 6e 74 20 73 74 61 74 75 73 21$'
expect_count dma-payload "$out" 'more bytes' 4
run dma-payload-n "$PT" dump --payload=20 --type dma_write --seq 6 "$D"
expect_count dma-payload-n "$out" '.' 4
expect_line dma-payload-n "$out" '^ 0010 a5 a5 a5 a5$'
expect_line dma-payload-n "$out" '^ \(4076 more bytes'
run dma-payload-all "$PT" dump --payload=all --type dma_write --seq 11 "$D"
expect_count dma-payload-all "$out" '^ +[0-9a-f]{4} ' 375
expect_line dma-payload-all "$out" '^ 1760 a0 a7 ae b5 bc c3 ca d1 d8 df e6 ed f4 fb 02 09$'
expect_no_line dma-payload-all "$out" 'more bytes'
run dma-payload-bad "$PT" dump --payload=lots "$D"
expect_rc dma-payload-bad 2
run dma-type "$PT" dump --type dma "$D"
expect_count dma-type "$out" '.' 17
run dma-json "$PT" dump --json --payload=4 --type dma "$D"
expect_rc dma-json 0
if command -v python3 > /dev/null; then
	if python3 - "$out" <<'EOF'
import json, sys
ev = {r["seq"]: r for r in map(json.loads, open(sys.argv[1]))}
assert len(ev) == 17, len(ev)
m = ev[3]
assert (m["type"], m["bus_addr"], m["length"], m["direction"], m["coherent"]) == \
    ("dma_map", "0x80010000", 256, "bidirectional", True), m
assert ev[8]["for_device"] is False and ev[4]["for_device"] is True
r = ev[5]
assert (r["type"], r["payload_length"], r["payload"], r["payload_omitted"], r["refused"]) == \
    ("dma_read", 4096, "00010203", 4092, False), r
assert ev[7]["same_insn"] is True and ev[12]["refused"] is True and ev[12]["payload_length"] == 0
assert (ev[10]["seen"], ev[10]["coherent"], ev[9]["seen"], ev[9]["coherent"]) == (True, True, False, False)
EOF
	then ok "dma-json: field values"; else bad "dma-json: field values"; fi
fi

run dma-info "$PT" info "$D"
expect_rc dma-info 0
expect_line dma-info "$out" '^ dma_map 3$'
expect_line dma-info "$out" '^ dma_write 8$'
expect_line dma-info "$out" '^dma 4112 bytes read by the devices, 14240 bytes written, in the transfers not refused; 2 refused$'
# 8 transfers carry 18352 bytes; 4 distinct payloads (seq 7 repeats seq 5's bytes,
# seq 10, 17 and 19 seq 9's)
expect_line dma-info "$out" '^payloads 4 stored, 14208 bytes, for 18352 bytes of transfers \(identical payloads are stored once\)$'
run dma-info-old "$PT" info "$G"
expect_no_line dma-info-old "$out" '^dma|^payloads'

run dma-stats "$PT" stats "$D"
expect_rc dma-stats 0
expect_line dma-stats "$out" '^ 0x80001000 4096 to-device streaming 1 1 4096 0 1 15$'
expect_line dma-stats "$out" '^ 0x80003000 8192 from-device streaming 1 1 0 14192 2 16$'
expect_line dma-stats "$out" '^ 0x80010000 256 bidirectional coherent 1 0 16 48 3 19$'
expect_line dma-stats "$out" '^ dma outside mappings: 2 transfers \(2 refused\), 0 other events'

run dma-list "$PT" dma "$D"
expect_rc dma-list 0
expect_line dma-list "$out" '^device 10000:00:00.0 1234:5678: 3 mappings \(1 still mapped at the end\), 2 events outside them$'
expect_line dma-list "$out" '^ mapping 2: 0x80003000\+8192 from-device streaming$'
expect_line dma-list "$out" '^ mapped seq 2 0.000003000 s at dummy_clock_probe\+0x14 \[dummy_clock\]$'
expect_line dma-list "$out" '^ unmapped seq 16 0.000017000 s at dummy_clock_irq\+0x28 \[dummy_clock\]$'
expect_line dma-list "$out" '^ syncs 0 for the device, 1 for the CPU$'
expect_line dma-list "$out" '^ device read 0 bytes in 0 transfers, wrote 14192 bytes in 2 transfers$'
expect_line dma-list "$out" '^ unmapped no: still mapped at the end of the trace$'
expect_line dma-list "$out" '^ seq 12 0.000013000 s dma_write 0x90000000\+64 refused: outside every live mapping$'
expect_line dma-list "$out" '^ seq 13 0.000014000 s dma_write 0x80001000\+64 refused: against the direction of its mapping \(mapping 1, to-device\)$'
run dma-list-json "$PT" dma --json "$D"
expect_rc dma-list-json 0
expect_count dma-list-json "$out" '"record":"mapping"' 3
expect_line dma-list-json "$out" '^\{"record":"mapping","domain":"10000","index":3,"bus_addr":"0x80010000","size":256,"direction":"bidirectional","coherent":true,"map_seq":3,.*"unmapped":false,.*"reads":1,"read_bytes":16,"writes":2,"written_bytes":48\}$'
expect_line dma-list-json "$out" '^\{"record":"outside","domain":"10000","seq":12,.*"refused":true,"why":"outside every live mapping"\}$'
run dma-list-dev "$PT" dma --device 10001 "$D"
expect_line dma-list-dev "$out" '^no DMA events of that device$'
run dma-list-trunc "$PT" dma "$DIR/truncated.zst"
expect_rc dma-list-trunc 0
expect_line dma-list-trunc "$err" 'truncated.zst: warning: the trace is incomplete'
run dma-list-corrupt "$PT" dma "$DIR/corrupt.zst"
expect_rc dma-list-corrupt 2
run dma-list-none "$PT" dma "$G"
expect_rc dma-list-none 0
expect_line dma-list-none "$out" '^no DMA events$'

run dma-verify "$PT" verify "$D"
expect_rc dma-verify 0
expect_line dma-verify "$out" '^ dma: 17 events, 0 findings$'
run dma-verify-bad "$PT" verify "$DIR/dma_bad.zst"
expect_rc dma-verify-bad 1
expect_line dma-verify-bad "$out" '^FINDING: device 10000: seq 7: dma_write 0x80003800\+4096 same-insn: a later piece of a transfer, but the piece before it \(seq 6\) ends at 0x80004000$'
expect_line dma-verify-bad "$out" '^FINDING: device 10000: seq 12: dma_write 0x90000000\+64: outside every mapping live at that moment$'
expect_line dma-verify-bad "$out" '^FINDING: device 10000: seq 14: dma_read 0x80003000\+64: against the direction of its mapping 0x80003000\+8192 from-device streaming \(mapped at seq 2\)$'
expect_line dma-verify-bad "$out" '^FINDING: device 10000: seq 17: dma_unmap 0x70000000\+4096 to-device streaming: nothing is mapped at that address$'
expect_line dma-verify-bad "$out" '^FINDING: device 10000: seq 18: dma_read 0x80001000\+64: outside every mapping live at that moment$'
expect_count dma-verify-bad "$out" '^FINDING' 5
expect_line dma-verify-bad "$out" 'dma_bad.zst: 5 findings$'

# recorded from an existing device: mappings unknown, nothing outside is a finding
# (seq 5-11, 15-17 and 19: all but the refused 12 and 13)
run dma-verify-attached "$PT" verify "$DIR/dma_attached.zst"
expect_rc dma-verify-attached 0
expect_line dma-verify-attached "$out" '^ dma: 13 events, 0 findings; 11 outside the known mappings not counted as findings \(recorded from an existing device: mappings made before are not in the trace\)$'
run dma-list-attached "$PT" dma "$DIR/dma_attached.zst"
expect_line dma-list-attached "$out" '^ note: recorded from seq 5: mappings made before are not in the trace'
expect_line dma-list-attached "$out" '^ seq 5 .* dma_read 0x80001000\+4096: outside every live mapping$'

run dma-diff-same "$PT" diff "$D" "$D"
expect_rc dma-diff-same 0
expect_line dma-diff-same "$out" '^traces are equal in accesses and values: 19 accesses$'
run dma-diff "$PT" diff "$D" "$DIR/dma_diff.zst"
expect_rc dma-diff 1
expect_line dma-diff "$out" '^- \[5\] dma_write 0x80003000\+4096$'
expect_line dma-diff "$out" '^\+ \[5\] dma_write 0x80003000\+4096$'
expect_line dma-diff "$out" '^first difference: device 1 .*, access 5: seq 6 in A, seq 6 in B; the bytes differ first at byte 100 \(0x64\): 0xa5 in A, 0xa6 in B$'
run dma-diff-nodma "$PT" diff --no-dma "$D" "$DIR/dma_diff.zst"
expect_rc dma-diff-nodma 0
expect_line dma-diff-nodma "$out" '^traces are equal in accesses and values: 2 accesses$'
run dma-diff-bad "$PT" diff "$D" "$DIR/dma_bad.zst"
expect_rc dma-diff-bad 1
expect_line dma-diff-bad "$out" '^\+ \[6\] dma_write 0x80003800\+4096 same-insn$'

# ---- diff with DMA rules (--regs) ------------------------------------------------
# rules_a and rules_b: one NVMe-like workload with other command identifiers
# (A uses one twice, B never), echoed consistently, and other timestamps
cat > "$DIR/nvme.regs" <<'EOF'
device 1b36:0010
dma id   cid at=nvme_alloc_queue entry=64 field=2:2
dma echo cid at=nvme_alloc_queue entry=16 field=12:2
dma ignore at=nvme_prep_rq size=8
EOF
QA=$DIR/rules_a.zst
run rules-noregs "$PT" diff "$QA" "$DIR/rules_b.zst"
expect_rc rules-noregs 1
expect_line rules-noregs "$out" 'access 3: seq 4 in A, seq 4 in B; the bytes differ first at byte 0 \(0x0\): 0x11 in A, 0x22 in B$'
# identifiers, their echoes and the timestamp are exempt; seq 13 changes one
# byte of entry 3's identifier (0x0109 -> 0x010a in A, 0x0033 -> 0x0034 in
# B), which seq 14 echoes whole
run rules-equal "$PT" diff --regs "$DIR/nvme.regs" "$QA" "$DIR/rules_b.zst"
expect_rc rules-equal 0
expect_line rules-equal "$out" '^traces are equal in accesses and values: 17 accesses$'
run rules-badecho "$PT" diff --regs "$DIR/nvme.regs" "$QA" "$DIR/rules_badecho.zst"
expect_rc rules-badecho 1
expect_line rules-badecho "$out" '^- \[6\] dma_write +0x80001000\+16$'
expect_line rules-badecho "$out" '^first difference: device 1 .*, access 6: seq 7 in A, seq 7 in B; the bytes differ first at byte 12 \(0xc\): echo of cid 0x0007 \(identifier read 2\) in A, echo of cid 0x0012 \(identifier read 1\) in B$'
run rules-unread "$PT" diff --regs "$DIR/nvme.regs" "$QA" "$DIR/rules_unread.zst"
expect_rc rules-unread 1
expect_line rules-unread "$out" 'access 11: seq 12 in A, seq 12 in B; the bytes differ first at byte 12 \(0xc\): echo of cid 0x0109 \(identifier read 4\) in A, echo of cid 0x0777 \(never read\) in B$'
run rules-outside "$PT" diff --regs "$DIR/nvme.regs" "$QA" "$DIR/rules_outside.zst"
expect_rc rules-outside 1
expect_line rules-outside "$out" 'access 5: seq 6 in A, seq 6 in B; the bytes differ first at byte 40 \(0x28\): 0x70 in A, 0x8f in B$'
# the timestamp's rule ends with its mapping
run rules-remap "$PT" diff --regs "$DIR/nvme.regs" "$QA" "$DIR/rules_remap.zst"
expect_rc rules-remap 1
expect_line rules-remap "$out" 'access 16: seq 17 in A, seq 17 in B; the bytes differ first at byte 0 \(0x0\): 0x66 in A, 0x77 in B$'
# rules for other functions or sizes: the same as without --regs
printf 'device 1b36:0010\ndma id cid at=nvme_alloc_queue_x entry=64 field=2:2\ndma ignore at=nvme_prep_rq size=16\n' \
	> "$DIR/other.regs"
run rules-other "$PT" diff --regs "$DIR/other.regs" "$QA" "$DIR/rules_b.zst"
expect_rc rules-other 1
expect_line rules-other "$out" 'access 3: seq 4 in A, seq 4 in B; the bytes differ first at byte 0 \(0x0\): 0x11 in A, 0x22 in B$'
# more rules for one device than diff takes
{ echo 'device 1b36:0010'; for i in $(seq 65); do echo "dma ignore at=f$i"; done; } > "$DIR/many.regs"
run rules-many "$PT" diff --regs "$DIR/many.regs" "$QA" "$DIR/rules_b.zst"
expect_rc rules-many 2
expect_line rules-many "$err" '^pciem-trace: 65 DMA rules apply to device 1b36:0010; diff takes at most 64$'
# a device the rules are not for (1234:5678)
run rules-otherdev "$PT" diff --regs "$DIR/nvme.regs" "$D" "$DIR/dma_diff.zst"
expect_rc rules-otherdev 1
expect_line rules-otherdev "$out" 'access 5: seq 6 in A, seq 6 in B; the bytes differ first at byte 100 \(0x64\): 0xa5 in A, 0xa6 in B$'

# ---- register maps ---------------------------------------------------------------
printf 'bar0 0x00 4 CONTROL\nbar0 0x02 2 OOPS\n' > "$DIR/bad.regs"
for sub in info dump stats verify; do
	run "regs-bad-$sub" "$PT" "$sub" --regs "$DIR/bad.regs" "$G"
	expect_rc "regs-bad-$sub" 2
	expect_line "regs-bad-$sub" "$err" "^pciem-trace: .*bad.regs:2: register OOPS overlaps CONTROL \\(line 1\\)"
done
run regs-bad-diff "$PT" diff --regs "$DIR/bad.regs" "$G" "$G"
expect_rc regs-bad-diff 2
run regs-missing "$PT" dump --regs "$DIR/none.regs" "$G"
expect_rc regs-missing 2
expect_line regs-missing "$err" 'none.regs: No such file'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
