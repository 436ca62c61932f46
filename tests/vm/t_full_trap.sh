# Full trap: with PCIEM_TRAP_FULL every driver read is an MMIO_READ event
# carrying the value the driver got; switching modes while the driver is
# bound re-arms its mapping at once, in both directions.  An instruction
# the trap cannot decode is reported (UNSUPPORTED event and a log line),
# the access completes, and the kernel keeps running.
. tests/vm/lib.sh

load_testdrv
start_model m --bar 0:8192 --bar 2:0x200000:64 --full-trap --fill 0:0x5a
wait_bound "$DEV"

rd() {	# rd BAR OFF WIDTH EXPECTED
	echo "r $1 $2 $3" > "$DEV/mmio" || fail "read $*"
	[ "$(cat "$DEV/mmio")" = "$4" ] || fail "read bar$1+$2/$3: got $(cat "$DEV/mmio"), want $4"
}
events() { grep -c "$1" "$TMP/m.log"; }

rd 0 0x10 4 0x5a5a5a5a
rd 0 0x11 1 0x5a
rd 0 0x12 2 0x5a5a
rd 0 0x18 8 0x5a5a5a5a5a5a5a5a
echo "w 2 0x1ffff8 8 0x1122334455667788" > "$DEV/mmio"
rd 2 0x1ffff8 8 0x1122334455667788
rd 2 0x1ffffc 4 0x11223344
sleep 1
for e in "MMIO_READ bar0+0x10 4 bytes 0x5a5a5a5a" "MMIO_READ bar0+0x11 1 bytes 0x5a" \
	 "MMIO_READ bar0+0x12 2 bytes 0x5a5a" "MMIO_READ bar0+0x18 8 bytes 0x5a5a5a5a5a5a5a5a" \
	 "MMIO_WRITE bar2+0x1ffff8 8 bytes 0x1122334455667788" \
	 "MMIO_READ bar2+0x1ffff8 8 bytes 0x1122334455667788" \
	 "MMIO_READ bar2+0x1ffffc 4 bytes 0x11223344"; do
	log_has m "$e" || { cat "$TMP/m.log"; fail "missing event: $e"; }
done
ok "reads trapped with their values"

# back to write trap while the driver stays bound: reads are no events
reads=$(events MMIO_READ)
kill -USR2 "$m_PID"
wait_until 5 log_has m "^trap writes" || fail "mode switch not acknowledged"
rd 0 0x10 4 0x5a5a5a5a
echo "w 0 0x20 4 7" > "$DEV/mmio"
rd 0 0x20 4 0x7
sleep 1
[ "$(events MMIO_READ)" = "$reads" ] || fail "reads still trapped in write-trap mode"
log_has m "MMIO_WRITE bar0+0x20 4 bytes 0x7" || fail "write not reported in write-trap mode"
# and full again
kill -USR2 "$m_PID"
wait_until 5 log_has m "^trap full" || fail "second mode switch not acknowledged"
rd 0 0x20 4 0x7
wait_until 5 log_has m "MMIO_READ bar0+0x20 4 bytes 0x7" || fail "reads not trapped again"
ok "mode switched both ways with the driver bound"

# a read-modify-write ("orl") is the read with the value before, then the
# write with the value after, one right after the other
echo "rmw 0 0x1004 4 0x100" > "$DEV/mmio" || fail "rmw access"
wait_until 5 log_has m "MMIO_WRITE bar0+0x1004 4 bytes 0x5a5a5b5a" || { cat "$TMP/m.log"; fail "no rmw write"; }
grep -A1 "MMIO_READ bar0+0x1004 4 bytes 0x5a5a5a5a" "$TMP/m.log" | tail -n 1 |
	grep -q "MMIO_WRITE bar0+0x1004 4 bytes 0x5a5a5b5a" || { cat "$TMP/m.log"; fail "rmw not a read then a write"; }
rd 0 0x1004 4 0x5a5a5b5a
ok "read-modify-write emulated"

# an instruction the decoder does not know: "sgdt" on page 1 of BAR0; the
# CPU then stores the GDT register's 10 bytes there itself
echo "untrap 0 0x1008 0" > "$DEV/mmio" || fail "unsupported access"
wait_until 5 log_has m "UNSUPPORTED bar0+0x1008" || { cat "$TMP/m.log"; fail "no UNSUPPORTED event"; }
dmesg | grep -q "pciem: cannot emulate the access at .*pciem_testdrv" || fail "no kernel log line"
echo "r 0 0x100a 8" > "$DEV/mmio"
case $(cat "$DEV/mmio") in
0xffff*) ;;	# the GDT's base, a kernel address
*) fail "sgdt did not complete on the page: $(cat "$DEV/mmio")" ;;
esac
# page 0 is still trapped
echo "w 0 0x30 4 9" > "$DEV/mmio"
wait_until 5 log_has m "MMIO_WRITE bar0+0x30 4 bytes 0x9" || fail "page 0 no longer trapped"
ok "unsupported instruction reported, access completed"

# A recorder asking for full trap (PCIEM_TRACE_F_FULL_TRAP) on a device
# whose model chose write trap: reads become events while it is
# subscribed, and stop being trapped once it has gone.
start_model w --bar 0:4096 --fill 0:0x33
wait_bound "$DEV"
DOM=$(basename "$DEV" | cut -d: -f1)
echo "r 0 0x40 4" > "$DEV/mmio"
"$BIN/tracecat" --match "domain:$DOM" --existing --full --ready "$TMP/f.ready" >"$TMP/f.log" 2>&1 &
F=$!
PIDS="$PIDS $F"
wait_until 10 test -e "$TMP/f.ready" || fail "full-trap recorder did not start"
rd 0 0x40 4 0x33333333
wait_until 5 grep -q "MMIO_READ bar0+0x40 4 0x33333333" "$TMP/f.log" ||
	{ cat "$TMP/f.log"; fail "recorder's full trap: read not recorded"; }
echo "pte 0 0x40 0" > "$DEV/mmio"
[ "$(cat "$DEV/mmio")" = 0x0 ] || fail "driver's page not in full trap: pte $(cat "$DEV/mmio")"
grep -q "MMIO_READ" "$TMP/w.log" && fail "the model sees reads it did not ask for"
kill "$F"; wait "$F"
"$BIN/tracecat" --match "domain:$DOM" --existing --ready "$TMP/g.ready" >"$TMP/g.log" 2>&1 &
G=$!
PIDS="$PIDS $G"
wait_until 10 test -e "$TMP/g.ready" || fail "second recorder did not start"
rd 0 0x44 4 0x33333333
echo "w 0 0x48 4 5" > "$DEV/mmio"
wait_until 5 grep -q "MMIO_WRITE bar0+0x48 4 0x5" "$TMP/g.log" || fail "write not recorded"
grep -q "MMIO_READ" "$TMP/g.log" && fail "reads still trapped after the full-trap recorder left"
echo "pte 0 0x40 0" > "$DEV/mmio"
[ "$(cat "$DEV/mmio")" = 0x1 ] || fail "driver's page not back to read-only: pte $(cat "$DEV/mmio")"
ok "a recorder's full trap lasts as long as the recorder"
