#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pciem-trace export --ctf on traces written by gen_trace and gen_ctf_trace
# (libptf's writer), read back by babeltrace2:
#
#   tests/unit/test_ctf_export.sh PCIEM_TRACE GEN_TRACE GEN_CTF_TRACE [PLAIN [GEN_STACK_TRACE]]
#
# PCIEM_TRACE is best a sanitizer build; PLAIN, a build without
# sanitizers, is used to check that memory does not grow with the trace.
#
# Every export is read by babeltrace2 and its events equal dump --json's
# in a normalised form (tests/unit/ctf_norm.py); a round trip through
# sink.ctf.fs gives the same events; each event's call stack is its stack
# field (GEN_STACK_TRACE's trace), "" without one; LOST shows a discarded count; a cut
# trace exports its prefix with a warning and status 1; output is
# deterministic; filters and --regs act as for dump; the CLI's errors.
# Run from the top directory (make check-ctf).
set -u

PT=$1
GEN=$2
GENCTF=$3
PLAIN=${4:-}
GENSTACK=${5:-}
REGS=examples/dummy_clock/dummy_clock.regs
NORM=tests/unit/ctf_norm.py
DIR=$(mktemp -d /tmp/test_ctf_export.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1

. tests/unit/cli_lib.sh

command -v babeltrace2 > /dev/null || { echo "FAIL babeltrace2 missing (make deps)"; exit 1; }
"$GEN" "$DIR" && "$GENCTF" "$DIR" || { echo "generators failed"; echo "0 passed, 1 failed"; exit 1; }

# start NAME.zst: the header's start time in ns
start_ns() {
	"$PT" info "$1" | sed -n 's/.*(CLOCK_MONOTONIC \([0-9]*\)\.\([0-9]*\))$/\1\2/p' | sed 's/^0*\([0-9]\)/\1/'
}

# same_as_dump NAME TRACE CTFDIR [DUMP OPTIONS...]: babeltrace2's reading
# of CTFDIR equals dump --json of TRACE with those options, normalised
same_as_dump() {
	local name=$1 trace=$2 ctf=$3 n
	shift 3
	if ! babeltrace2 --clock-cycles "$ctf" > "$DIR/$name.bt" 2> "$DIR/$name.bterr"; then
		bad "$name: babeltrace2 cannot read the export"
		sed 's/^/    /' "$DIR/$name.bterr" | head -20
		return
	fi
	"$PT" dump --json "$@" "$trace" > "$DIR/$name.json" 2> /dev/null
	python3 "$NORM" bt "$DIR/$name.bt" > "$DIR/$name.n-bt" &&
		python3 "$NORM" dump "$DIR/$name.json" "$(start_ns "$trace")" > "$DIR/$name.n-dump" ||
		{ bad "$name: normalising failed"; return; }
	n=$(wc -l < "$DIR/$name.n-bt")
	if [ "$n" -gt 0 ] && cmp -s "$DIR/$name.n-bt" "$DIR/$name.n-dump"; then
		ok "$name: babeltrace2 reads the same $n events as dump"
	else
		bad "$name: babeltrace2's events ($n) differ from dump's"
		diff "$DIR/$name.n-bt" "$DIR/$name.n-dump" | head -20 | sed 's/^/    /'
	fi
}

# ---- every trace, with and without a register map ----------------------------
for t in good equal lost gap boot; do
	run "export-$t" "$PT" export --ctf "$DIR/$t.ctf" "$DIR/$t.zst"
	expect_rc "export-$t" 0
	same_as_dump "bt-$t" "$DIR/$t.zst" "$DIR/$t.ctf"
	run "export-$t-regs" "$PT" export --regs "$REGS" --ctf "$DIR/$t-regs.ctf" "$DIR/$t.zst"
	expect_rc "export-$t-regs" 0
	same_as_dump "bt-$t-regs" "$DIR/$t.zst" "$DIR/$t-regs.ctf" --regs "$REGS"
done
# names from the map, the location otherwise
expect_line regs-named "$DIR/bt-good-regs.bt" 'pciem:mmio_write: .* offset = 0x0, .* reg = "CONTROL",'
expect_line regs-cfg "$DIR/bt-good-regs.bt" 'pciem:config_write: .* reg = "PCI_COMMAND",'
expect_line regs-other-device "$DIR/bt-good-regs.bt" 'domain = 0x10001, seq = 4, .* reg = "bar2\+0x8",'
expect_line no-regs "$DIR/bt-good.bt" 'pciem:mmio_write: .* offset = 0x0, .* reg = "bar0\+0x0",'

# ---- DMA (format 1.4): mappings, syncs, transfers with their bytes --------------------
run export-dma "$PT" export --ctf "$DIR/dma.ctf" "$DIR/dma.zst"
expect_rc export-dma 0
same_as_dump bt-dma "$DIR/dma.zst" "$DIR/dma.ctf" --payload=all
B=$DIR/bt-dma.bt
expect_line dma-map "$B" 'pciem:dma_map: .* domain = 0x10000, seq = 3, addr = 0x80010000, len = 256, dir = 0, flags = 0x20, timestamp = 1000000004000, ip = 0xFFFFFFFFC0001018,'
expect_line dma-sync "$B" 'pciem:dma_sync: .* seq = 4, addr = 0x80001000, len = 4096, dir = 1, flags = 0x40,'
expect_line dma-bytes "$B" 'pciem:dma_write: .* seq = 9, addr = 0x80010000, len = 16, flags = 0x0, _payload_length = 16, payload = \[ \[0\] = 0x63, \[1\] = 0x6F, .* \[15\] = 0x21 \], timestamp'
expect_line dma-refused "$B" 'pciem:dma_write: .* seq = 12, addr = 0x90000000, len = 64, flags = 0x80, _payload_length = 0, payload = \[ \],'
# seq 11's 6000 bytes: two events, as the kernel gives a long transfer
expect_line dma-split1 "$B" 'pciem:dma_write: .* seq = 11, addr = 0x80003000, len = 4096, flags = 0x0, _payload_length = 4096,'
expect_line dma-split2 "$B" 'pciem:dma_write: .* seq = 11, addr = 0x80004000, len = 1904, flags = 0x10, _payload_length = 1904, payload = \[ \[0\] = 0x0, \[1\] = 0x7,'
expect_line dma-metadata "$DIR/dma.ctf/metadata" '_payload\[ __payload_length \];$'
run export-dma-filter "$PT" export --ctf "$DIR/dma-f.ctf" --type dma_read --device 10000 "$DIR/dma.zst"
expect_rc export-dma-filter 0
same_as_dump bt-dma-filter "$DIR/dma.zst" "$DIR/dma-f.ctf" --payload=all --type dma_read --device 10000
n=$(grep -c 'pciem:dma_read:' "$DIR/bt-dma-filter.bt")
if [ "$n" = 2 ]; then ok "bt-dma-filter: the 2 dma_read events"; else bad "bt-dma-filter: $n dma_read events, not 2"; fi
# a round trip through babeltrace2's own CTF writer keeps the bytes
if babeltrace2 "$DIR/dma.ctf" -c sink.ctf.fs -p "path=\"$DIR/dma-rt\"" > /dev/null 2>&1 &&
   babeltrace2 "$DIR/dma-rt" 2> /dev/null | grep -q 'seq = 11, addr = 0x80004000, len = 1904, flags = 0x10, _payload_length = 1904, payload = \[ \[0\] = 0x0, \[1\] = 0x7,'; then
	ok "dma: a round trip through sink.ctf.fs keeps the payload"
else
	bad "dma: a round trip through sink.ctf.fs loses the payload"
fi

# ---- call stacks: the stack field ---------------------------------------------------
if [ -n "$GENSTACK" ]; then
	"$GENSTACK" "$DIR/stk.zst" || bad "gen_stack_trace failed"
	run export-stk "$PT" export --ctf "$DIR/stk.ctf" "$DIR/stk.zst"
	expect_rc export-stk 0
	same_as_dump "bt-stk" "$DIR/stk.zst" "$DIR/stk.ctf"
	expect_line stk-frames "$DIR/bt-stk.bt" 'pciem:mmio_write: .* offset = 0x10, .* stack = "do_cmd\+0x10 \[drv\]; mmio_store\+0x20 \[drv\]; vfs_write\+0x30 \[vmlinux\]" \}$'
	expect_line stk-none "$DIR/bt-stk.bt" 'pciem:mmio_write: .* offset = 0x30, .* stack = "" \}$'
	n=$(grep -c 'stack = "[^"]' "$DIR/bt-stk.bt")
	[ "$n" = 9 ] && ok "stk: 9 events with a stack" || bad "stk: $n events with a stack, not 9"
else
	echo "SKIP the stack field: no GEN_STACK_TRACE given (not counted)"
fi
# every class of an event ends with the stack field, even without stacks
for c in mmio_read mmio_write config_read config_write watchpoint unsupported irq lifecycle; do
	sed -n "/name = \"pciem:$c\";/,/^};/p" "$DIR/good.ctf/metadata" | grep -B1 '^	} align(8);' |
		grep -q 'string { encoding = UTF8; } _stack;' && ok "meta-stack-$c" ||
		bad "meta-stack-$c: pciem:$c does not end with the stack field"
done

# ---- what the metadata says ----------------------------------------------------------
M=$DIR/boot.ctf/metadata
expect_line meta-version "$M" '^/\* CTF 1.8 \*/$'
expect_line meta-domain "$M" '^ domain = "ust";$'
expect_line meta-clock-uuid "$M" '^ uuid = "0b6e4f5e-8d2a-4c3f-9a51-3f2d7c1e8b90";$'
expect_line meta-boot-env "$M" '^ pciem_boot_id = "0b6e4f5e-8d2a-4c3f-9a51-3f2d7c1e8b90";$'
expect_line meta-escaped "$M" '^ pciem_command = "sh \\"work load\\".sh";$'
# offset: 1750000000.000000000 - 5.000000000
expect_line meta-offset-s "$M" '^ offset_s = 1749999995;$'
expect_line meta-offset "$M" '^ offset = 0;$'
expect_no_line meta-no-uuid-1.0 "$DIR/good.ctf/metadata" '^ uuid = "[0-9a-f-]*";$.*clock'
if sed -n '/^clock {/,/^};/p' "$DIR/good.ctf/metadata" | grep -q uuid; then
	bad "a 1.0 trace (no boot id) has a clock uuid"
else ok "a 1.0 trace has no clock uuid"; fi
# babeltrace2 sees the clock's uuid and the real time of the first event
run bt-real babeltrace2 --clock-gmt --clock-date "$DIR/boot.ctf"
expect_line bt-real "$out" '^\[2025-06-15 15:06:40.000000100\] .* pciem:lifecycle: \{ cpu_id = 0 \}, \{ domain = 0x10000, seq = 2, kind = 1, kind_name = "registered"'
run bt-details babeltrace2 -c sink.text.details -p with-data=no "$DIR/boot.ctf"
expect_line clock-uuid "$out" 'UUID: 0b6e4f5e-8d2a-4c3f-9a51-3f2d7c1e8b90'
run bt-details-data babeltrace2 -c sink.text.details "$DIR/boot.ctf"
expect_line env-domain "$out" '^ domain: ust$'
expect_line env-hostname "$out" '^ hostname: ctfhost$'

# ---- per CPU, raised times, unknown types ----------------------------------------
for c in 0 1 7; do
	[ -s "$DIR/boot.ctf/pciem_$c" ] && ok "a stream for CPU $c" || bad "no stream file pciem_$c"
done
[ "$(ls "$DIR/boot.ctf" | wc -l)" = 4 ] && ok "metadata and 3 streams only" ||
	bad "files: $(ls "$DIR/boot.ctf")"
expect_line raised "$DIR/export-boot.err" 'warning: 1 events were earlier than the event before them on the same CPU'
expect_line unknown "$DIR/export-boot.err" 'warning: 1 events of types unknown to this version were not exported'
expect_line raised-bt "$DIR/bt-boot.bt" '^\[0*5000000300\] .* seq = 5, .* timestamp = 5000000250,'

# ---- LOST ------------------------------------------------------------------------------
run bt-lost babeltrace2 "$DIR/lost.ctf"
expect_line lost-discarded "$err" 'Tracer discarded 3 events between'
expect_line lost-event "$out" 'pciem:lost: \{ cpu_id = [0-9]+ \}, \{ domain = 0x10000, first_seq = 10, last_seq = 12, count = 3 \}'
run bt-lost-first babeltrace2 "$DIR/boot.ctf"
expect_line lost-first-discarded "$err" 'Tracer discarded 2 events between'

# ---- a trace cut short, a corrupt one -----------------------------------------------
run truncated "$PT" export --ctf "$DIR/trunc.ctf" "$DIR/truncated.zst"
expect_rc truncated 1
expect_line truncated "$err" 'warning: the trace is incomplete .*its readable part was exported'
same_as_dump bt-truncated "$DIR/truncated.zst" "$DIR/trunc.ctf"
run corrupt "$PT" export --ctf "$DIR/corrupt.ctf" "$DIR/corrupt.zst"
expect_rc corrupt 2
expect_line corrupt "$err" 'checksum mismatch'
expect_line corrupt "$err" 'the records before the damage were exported'
babeltrace2 "$DIR/corrupt.ctf" > /dev/null 2>&1 && ok "the corrupt trace's prefix reads" ||
	bad "babeltrace2 cannot read the corrupt trace's prefix"

# ---- deterministic ---------------------------------------------------------------------
"$PT" export --ctf "$DIR/good2.ctf" "$DIR/good.zst" 2> /dev/null
diff -r "$DIR/good.ctf" "$DIR/good2.ctf" > /dev/null && ok "two exports are byte for byte equal" ||
	bad "two exports of one trace differ"

# ---- round trip through babeltrace2's CTF writer ------------------------------------
run roundtrip babeltrace2 "$DIR/good-regs.ctf" -c sink.ctf.fs -p "path=\"$DIR/rt\""
expect_rc roundtrip 0
babeltrace2 --clock-cycles "$DIR/rt" > "$DIR/rt.bt" 2>&1
python3 "$NORM" bt "$DIR/rt.bt" > "$DIR/rt.n" 2>&1
cmp -s "$DIR/rt.n" "$DIR/bt-good-regs.n-bt" && ok "round trip through sink.ctf.fs: same events" || {
	bad "round trip through sink.ctf.fs changed the events"
	diff "$DIR/rt.n" "$DIR/bt-good-regs.n-bt" | head | sed 's/^/    /'
}
run roundtrip-lost babeltrace2 "$DIR/lost.ctf" -c sink.ctf.fs -p "path=\"$DIR/rt-lost\""
run bt-rt-lost babeltrace2 "$DIR/rt-lost"
expect_line roundtrip-lost "$err" 'Tracer discarded 3 events between'

# ---- filters as dump's ---------------------------------------------------------------
run filter "$PT" export --ctf "$DIR/f1.ctf" --type mmio,irq,lost --device 10000 "$DIR/lost.zst"
expect_rc filter 0
same_as_dump bt-filter "$DIR/lost.zst" "$DIR/f1.ctf" --type mmio,irq,lost --device 10000
run filter-seq "$PT" export --ctf "$DIR/f2.ctf" --device 10000 --seq 20-30 "$DIR/good.zst"
same_as_dump bt-filter-seq "$DIR/good.zst" "$DIR/f2.ctf" --device 10000 --seq 20-30
run filter-time "$PT" export --ctf "$DIR/f3.ctf" --time 10us-30us "$DIR/good.zst"
same_as_dump bt-filter-time "$DIR/good.zst" "$DIR/f3.ctf" --time 10us-30us
run filter-reg "$PT" export --ctf "$DIR/f4.ctf" --regs "$REGS" --offset COUNTER "$DIR/good.zst"
same_as_dump bt-filter-reg "$DIR/good.zst" "$DIR/f4.ctf" --regs "$REGS" --offset COUNTER
run filter-none "$PT" export --ctf "$DIR/f5.ctf" --time 100s- "$DIR/good.zst"
expect_rc filter-none 0
[ -f "$DIR/f5.ctf/metadata" ] && ok "nothing matched: a trace with metadata only" ||
	bad "nothing matched: no metadata"

# ---- errors ------------------------------------------------------------------------------
mkdir -p "$DIR/full"
touch "$DIR/full/x"
run nonempty "$PT" export --ctf "$DIR/full" "$DIR/good.zst"
expect_rc nonempty 2
expect_line nonempty "$err" 'full: the directory is not empty'
[ "$(ls "$DIR/full")" = x ] && ok "a non-empty directory is left alone" || bad "wrote into a non-empty directory"
mkdir -p "$DIR/empty"
run empty "$PT" export --ctf "$DIR/empty" "$DIR/good.zst"
expect_rc empty 0
run file-dir "$PT" export --ctf "$DIR/full/x" "$DIR/good.zst"
expect_rc file-dir 2
expect_line file-dir "$err" 'exists and is not a directory'
run missing "$PT" export --ctf "$DIR/m.ctf" "$DIR/nonexistent.zst"
expect_rc missing 2
expect_line missing "$err" 'nonexistent.zst'
[ -e "$DIR/m.ctf" ] && bad "a directory was made for an unreadable trace" || ok "no directory for an unreadable trace"
printf 'not a trace\n' > "$DIR/text.zst"
run not-trace "$PT" export --ctf "$DIR/t.ctf" "$DIR/text.zst"
expect_rc not-trace 2
expect_line not-trace "$err" 'not a PCIem trace'
run bad-filter "$PT" export --ctf "$DIR/b.ctf" --type frob "$DIR/good.zst"
expect_rc bad-filter 2
expect_line bad-filter "$err" 'frob'
run bad-name "$PT" export --ctf "$DIR/b.ctf" --offset NOSUCH --regs "$REGS" "$DIR/good.zst"
expect_rc bad-name 2
run no-ctf "$PT" export "$DIR/good.zst"
expect_rc no-ctf 2
expect_line no-ctf "$err" 'no output given: --ctf DIR'
run two-traces "$PT" export --ctf "$DIR/c.ctf" "$DIR/good.zst" "$DIR/lost.zst"
expect_rc two-traces 2
run help "$PT" export --help
expect_rc help 0
expect_line help "$out" '^Usage: pciem-trace export '
expect_line help "$out" '^Examples:'
expect_line help "$out" '--ctf=DIR'
expect_line help "$out" '^Exit status:'
# ---- the Trace Compass analysis on the exports ---------------------------------
XML=tools/tracecompass/pciem-analysis.xml
TCA=tests/unit/tc_analysis.py
for t in good-regs lost boot; do
	run "names-$t" python3 "$TCA" names "$XML" "$DIR/$t.ctf/metadata"
	expect_rc "names-$t" 0
done
# hand-computed from gen_trace.c: device 10000 ends removed, its last
# accesses are the tenth COUNTER read (10), CONTROL written 1, STATUS's
# watchpoint hit; interrupts on vector 0 at seq 25 (delivered), 30 (left
# pending), 31 (the pending one delivered); 11 reads, 11 writes, 2
# config accesses.  Device 10001: one interrupt on vector 1.  One
# interrupt is served by an access: seq 25, by the STATUS read of seq 26,
# one event (1000 ns) later; the others are followed by no access.
cat > "$DIR/want-good.txt" <<'EOT'
Devices/65536 = 25
Devices/65536/IRQ/0 = 12
Devices/65536/IRQ/0/count = 3
Devices/65536/Rates/config = 2
Devices/65536/Rates/irqs = 3
Devices/65536/Rates/reads = 11
Devices/65536/Rates/writes = 11
Devices/65536/Registers/0/CONTROL = 2
Devices/65536/Registers/0/CONTROL/value = 1
Devices/65536/Registers/0/COUNTER = 1
Devices/65536/Registers/0/COUNTER/value = 10
Devices/65536/Registers/0/STATUS = 5
Devices/65536/Registers/0/STATUS/value = 1
Devices/65536/Registers/config/PCI_COMMAND = 4
Devices/65536/Registers/config/PCI_COMMAND/value = 1030
Devices/65536/Registers/config/VENDOR_ID = 3
Devices/65536/Registers/config/VENDOR_ID/value = 1450709556
Devices/65536/address = "10000:00:00.0"
Devices/65536/driver = "dummy_clock"
Devices/65537 = 25
Devices/65537/IRQ/1 = 10
Devices/65537/IRQ/1/count = 1
Devices/65537/Rates/config = 1
Devices/65537/Rates/irqs = 1
Devices/65537/Rates/reads = 2
Devices/65537/Rates/writes = 1
Devices/65537/Registers/2/bar2+0x0 = 2
Devices/65537/Registers/2/bar2+0x0/value = 244837814094590
Devices/65537/Registers/2/bar2+0x8 = 1
Devices/65537/Registers/2/bar2+0x8/value = 7
Devices/65537/Registers/config/cfg+0x52 = 4
Devices/65537/Registers/config/cfg+0x52/value = 129
Devices/65537/address = "10001:00:00.0"
Devices/65537/driver = "other_drv"
segment irq_service 1000 ns domain=65536 vector=0 first_access=pciem:mmio_read reg=STATUS
EOT
run eval-good python3 "$TCA" eval "$XML" "$DIR/bt-good-regs.bt"
expect_rc eval-good 0
if cmp -s "$out" "$DIR/want-good.txt"; then ok "the analysis's state on good.zst is the hand-computed one"; else
	bad "the analysis's state on good.zst differs (- expected, + got)"
	diff -u "$DIR/want-good.txt" "$out" | sed 's/^/    /' | head -30
fi
run eval-lost python3 "$TCA" eval "$XML" "$DIR/bt-lost.bt"
expect_line eval-lost "$out" '^Devices/65536/Rates/lost = 3$'
# the analysis validates against Trace Compass's schema (make check-ctf
# runs xmllint too; this is the same check, where the schema is found)
if [ -n "${TC_XSD:-}" ] && [ -f "$TC_XSD/xmlDefinition.xsd" ]; then
	run xsd xmllint --noout --schema "$TC_XSD/xmlDefinition.xsd" "$XML"
	expect_rc xsd 0
	sed 's/<eventHandler eventName="pciem:lost">/<eventHandler name="pciem:lost">/' "$XML" > "$DIR/broken.xml"
	run xsd-broken xmllint --noout --schema "$TC_XSD/xmlDefinition.xsd" "$DIR/broken.xml"
	expect_rc xsd-broken 3
else
	echo "SKIP the schema check: TC_XSD (Trace Compass's xmlDefinition.xsd) not found (not counted)"
fi
# a name the export lacks is caught
sed 's/eventName="pciem:driver"/eventName="pciem:drivers"/' "$XML" > "$DIR/badname.xml"
run names-bad python3 "$TCA" names "$DIR/badname.xml" "$DIR/good.ctf/metadata"
expect_rc names-bad 1
expect_line names-bad "$out" 'event pciem:drivers is not in'
# a field read in a pattern test, and one read through a location
sed 's/<field name="flags" \/>/<field name="flagz" \/>/' "$XML" > "$DIR/badfield.xml"
run names-bad-field python3 "$TCA" names "$DIR/badfield.xml" "$DIR/good.ctf/metadata"
expect_rc names-bad-field 1
expect_line names-bad-field "$out" 'transition of pciem:irq: field flagz is not in the class'
sed 's/<stateAttribute type="eventField" value="bar" \/>/<stateAttribute type="eventField" value="BAR" \/>/' "$XML" > "$DIR/badloc.xml"
run names-bad-loc python3 "$TCA" names "$DIR/badloc.xml" "$DIR/good.ctf/metadata"
expect_line names-bad-loc "$out" 'eventHandler of pciem:mmio_read: field BAR is not in the class'

# ---- memory does not grow with the trace -------------------------------------
if [ -n "$PLAIN" ] && [ -x /usr/bin/time ]; then
	"$GENCTF" --bench 20000 "$DIR/m-small.zst" && "$GENCTF" --bench 2000000 "$DIR/m-big.zst"
	/usr/bin/time -f %M -o "$DIR/m-small.rss" "$PLAIN" export --ctf "$DIR/m-small.ctf" "$DIR/m-small.zst"
	/usr/bin/time -f %M -o "$DIR/m-big.rss" "$PLAIN" export --ctf "$DIR/m-big.ctf" "$DIR/m-big.zst"
	# libptf maps the trace file: its pages count in the resident size
	small=$(( $(tail -n 1 "$DIR/m-small.rss") - $(stat -c %s "$DIR/m-small.zst") / 1024 ))
	big=$(( $(tail -n 1 "$DIR/m-big.rss") - $(stat -c %s "$DIR/m-big.zst") / 1024 ))
	# 2,000,000 events make 160 MB of CTF; buffering them would show
	if [ "$big" -lt $((small + 4096)) ]; then
		ok "memory besides the mapped trace: $small KB for 20,000 events, $big KB for 2,000,000"
	else
		bad "memory grows with the trace: $small KB for 20,000 events, $big KB for 2,000,000"
	fi
	rm -rf "$DIR"/m-*
else
	echo "SKIP the memory check: no plain build or no /usr/bin/time (not counted)"
fi

# a write error (the file size limit): status 2 and the file named
"$GENCTF" --bench 20000 "$DIR/big.zst"
run fsize-meta bash -c "trap '' XFSZ; ulimit -f 4; exec \"\$@\"" - "$PT" export --ctf "$DIR/fz1.ctf" "$DIR/big.zst"
expect_rc fsize-meta 2
expect_line fsize-meta "$err" 'fz1.ctf/metadata: File too large'
run fsize-stream bash -c "trap '' XFSZ; ulimit -f 32; exec \"\$@\"" - "$PT" export --ctf "$DIR/fz2.ctf" "$DIR/big.zst"
expect_rc fsize-stream 2
expect_line fsize-stream "$err" 'fz2.ctf/pciem_0: File too large'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
