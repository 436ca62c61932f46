# Replay in the kernel: a workload of the test driver recorded with tracecat
# (full trap) replays with no device model; divergences are reported at
# their index with the driver's instruction pointer; polling runs of
# another length are tolerated and counted; a long sequence streams
# through a small FIFO; killing the replayer leaves the kernel clean.
. tests/vm/lib.sh

# start_replayer NAME ARGS...: like start_model, for tests/vm/replayer.c.
# The replayer runs on CPU 1 and the driver's accesses are made on CPU 0:
# an access waiting for the feed spins with interrupts off, so a feeder
# queued on the same CPU could not run (see REPLAY_START in the ABI).
taskset -p -c 0 $$ >/dev/null || fail "taskset"
start_replayer() {
	_sr_name=$1
	shift
	taskset -c 1 "$BIN/replayer" --ready-file "$TMP/$_sr_name.ready" "$@" \
		>"$TMP/$_sr_name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "${_sr_name}_PID=$!"
	wait_until 20 test -s "$TMP/$_sr_name.ready" ||
		fail "replayer $_sr_name did not start: $(cat "$TMP/$_sr_name.log")"
	DEV=/sys/bus/pci/devices/$(cat "$TMP/$_sr_name.ready")
	wait_bound "$DEV"
}

# stop_replayer NAME: SIGTERM; its STATUS line in $STATUS, exit status in $RC
stop_replayer() {
	eval "_st_pid=\$${1}_PID"
	kill "$_st_pid"
	wait "$_st_pid"
	RC=$?
	STATUS=$(grep '^STATUS' "$TMP/$1.log")
	echo "$1: $STATUS (exit $RC)"
}

# status_has FIELD VALUE: the last STATUS line says so
status_has() {
	echo "$STATUS" | grep -q " $1 $2\( \|$\)"
}

rd() {	# rd BAR OFF WIDTH EXPECTED
	echo "r $1 $2 $3" > "$DEV/mmio" || fail "read $*"
	_rd=$(cat "$DEV/mmio")
	[ "$_rd" = "$4" ] || fail "read bar$1+$2/$3: got $_rd, want $4"
}

irqs_are() {
	wait_until 10 sh -c "[ \"\$(cat $DEV/irq_count)\" = $1 ]" ||
		fail "irq_count $(cat "$DEV/irq_count"), want $1"
}

# The recorded workload: writes, reads of the model's fill pattern, an
# interrupt the model raises on the write to 0x80, every accessor once
# (with a config write), and a last read.
workload() {
	echo "w 0 0x20 4 0x1234" > "$DEV/mmio"
	rd 0 0x40 4 0x5a5a5a5a
	rd 0 0x41 1 0x5a
	echo "w 0 0x80 4 1" > "$DEV/mmio"
	irqs_are 1
	rd 0 0x48 8 0x5a5a5a5a5a5a5a5a
	echo "exercise 0 0 0" > "$DEV/mmio" || fail "exercise: the driver read back wrong values"
	rd 0 0x44 4 0x5a5a5a5a
}

# the accesses and interrupts of a tracecat log, as TYPE where size value
accesses() {
	grep -E "^EVENT [0-9a-f]+ #[0-9]+ (MMIO_READ|MMIO_WRITE|IRQ) " "$1" | awk '{print $4, $5, $6, $7}'
}

caps() {
	lspci -vv -s "$(basename "$DEV")" | grep -E "^\s+Capabilities|^[0-9a-f]"
}

load_testdrv

# ---- (1) record, then replay with no device model ---------------------------
"$BIN/tracecat" --match id:1234:0e01 --full --ts --dump-device "$TMP/desc.bin" \
	--ready "$TMP/rec.ready" >"$TMP/rec.log" 2>&1 &
REC=$!
PIDS="$PIDS $REC"
wait_until 10 test -e "$TMP/rec.ready" || fail "recorder did not start"
start_model m --bar 0:4096 --msi 0:64 --fill 0:0x5a --irq-on-write 0:0x80 --quiet
wait_bound "$DEV"
caps > "$TMP/caps-rec.txt"
workload
kill "$m_PID"; wait "$m_PID"
wait_until 20 sh -c "! test -e $DEV" || fail "recorded device still there"
sleep 0.5
kill "$REC"; wait "$REC"
grep -q "^lost 0$" "$TMP/rec.log" || fail "the recording lost events"
test -s "$TMP/desc.bin" || fail "no device description dumped"
accesses "$TMP/rec.log" > "$TMP/acc-rec.txt"
echo "recorded $(grep -c '^EVENT' "$TMP/rec.log") events, $(wc -l < "$TMP/acc-rec.txt") accesses and interrupts"

# a recorder of the replay proves that the driver got the recorded values
"$BIN/tracecat" --match id:1234:0e01 --ready "$TMP/rep.ready" >"$TMP/rep.log" 2>&1 &
REP=$!
PIDS="$PIDS $REP"
wait_until 10 test -e "$TMP/rep.ready" || fail "second recorder did not start"
start_replayer r1 --device "$TMP/desc.bin" --events "$TMP/rec.log" --config-writes
caps > "$TMP/caps-rep.txt"
diff "$TMP/caps-rec.txt" "$TMP/caps-rep.txt" || fail "the replayed device's config space differs"
workload
sleep 0.5
stop_replayer r1
cat "$TMP/r1.log"
[ $RC = 0 ] && status_has state done && status_has divergences 0 && status_has left 0 ||
	fail "replay did not complete cleanly"
n=$(grep -c -E "MMIO_(READ|WRITE)" "$TMP/acc-rec.txt")
status_has matched $((n + 1)) || fail "not $n MMIO accesses and the config write matched"
status_has irqs 1 || fail "the interrupt was not injected"
wait_until 20 sh -c "! test -e $DEV" || fail "replayed device still there"
sleep 0.5
kill "$REP"; wait "$REP"
accesses "$TMP/rep.log" > "$TMP/acc-rep.txt"
diff "$TMP/acc-rec.txt" "$TMP/acc-rep.txt" || fail "the replay's own recording differs from the original"
ok "(1) recorded workload replayed: $n accesses, the interrupt, a config write; recording of the replay identical"

# ---- (2) a divergent write, on-divergence stop ----------------------------------
D=$(sed -n 's/^DEVICE \([0-9a-f]*\) .*/\1/p' "$TMP/rec.log" | head -n 1)
# index of the recorded write among the events fed, and its seq
set -- $(grep "^EVENT $D " "$TMP/rec.log" |
	 awk '/ MMIO_WRITE bar0\+0x20 4 0x1234 / { print NR - 1, substr($3, 2); exit }')
IDX=$1 SEQ=$2
start_replayer r2 --device "$TMP/desc.bin" --events "$TMP/rec.log"
echo "w 0 0x20 4 0x9999" > "$DEV/mmio"
wait_until 5 grep -q "^state diverged" "$TMP/r2.log" || fail "no divergence reported"
rd 0 0x40 4 0xffffffff
rd 0 0x48 8 0xffffffffffffffff
echo "w 0 0x80 4 1" > "$DEV/mmio"
sleep 0.5
[ "$(cat "$DEV/irq_count")" = 0 ] || fail "a stopped replay injected an interrupt"
stop_replayer r2
line=$(grep "^DIVERGENCE" "$TMP/r2.log")
echo "$line"
[ "$(grep -c "^DIVERGENCE" "$TMP/r2.log")" = 1 ] || fail "not one divergence"
echo "$line" | grep -q "^DIVERGENCE #1 mismatch index $IDX expected MMIO_WRITE bar0+0x20 4 0x1234 seq $SEQ actual MMIO_WRITE bar0+0x20 4 0x9999 ip 0x[0-9a-f]* [a-z_]*+0x[0-9a-f]* \[pciem_testdrv\] cpu [0-9] pid [1-9]" ||
	fail "divergence not reported at index $IDX (seq $SEQ) with expected, actual and the driver's ip"
[ $RC = 1 ] && status_has state diverged && status_has divergences 1 || fail "status after the divergence"
ok "(2) divergent write at index $IDX reported; then all-ones, writes ignored, no interrupt"

# ---- (3) on-divergence continue: every divergence reported, replay resyncs ------
start_replayer r3 --device "$TMP/desc.bin" --events "$TMP/rec.log" --on-divergence continue \
	--window 256
echo "w 0 0x20 4 0x1" > "$DEV/mmio"		# another value: consumes the expected write
rd 0 0x40 4 0x5a5a5a5a
rd 0 0x41 1 0x5a
echo "w 0 0x90 4 7" > "$DEV/mmio"		# not in the recording at all
echo "w 0 0x80 4 1" > "$DEV/mmio"
irqs_are 1
rd 0 0x48 8 0x5a5a5a5a5a5a5a5a
rd 0 0x44 4 0x5a5a5a5a			# skips the whole exercise: resync
stop_replayer r3
grep "^DIVERGENCE" "$TMP/r3.log"
[ "$(grep -c "^DIVERGENCE" "$TMP/r3.log")" = 3 ] || fail "not 3 divergences"
grep -q "^DIVERGENCE #1 mismatch .* expected MMIO_WRITE bar0+0x20 4 0x1234 .* actual MMIO_WRITE bar0+0x20 4 0x1 " "$TMP/r3.log" &&
grep -q "^DIVERGENCE #2 mismatch .* expected MMIO_WRITE bar0+0x80 4 0x1 .* actual MMIO_WRITE bar0+0x90 4 0x7 " "$TMP/r3.log" ||
	fail "divergences 1 and 2"
grep -q "^DIVERGENCE #3 mismatch .* expected MMIO_WRITE bar0+0xf00 4 0xdeadbeef .* actual MMIO_READ bar0+0x44 4 0x5a5a5a5a .* resync$" "$TMP/r3.log" ||
	fail "divergence 3 (resync past the exercise)"
status_has divergences 3 && status_has state done && status_has irqs 1 && status_has matched 5 ||
	fail "status after continue"
n=$(sed -n '/MMIO_WRITE bar0+0xf00 4 0xdeadbeef/,/MMIO_WRITE bar0+0xf04 4 0xfeedface/p' "$TMP/rec.log" |
	grep -c " MMIO_")
status_has skipped "$n" || fail "resync did not skip the exercise's $n accesses"
ok "(3) continue: 3 divergences reported, resync skipped the $n accesses of the exercise"

# per-register matching tolerates another order between registers; strict does not
cat > "$TMP/order.txt" <<'EOT'
w 0 0x20 4 0x1
w 0 0x24 4 0x2
r 0 0x40 4 0x77
EOT
for mode in register strict; do
	start_replayer o$mode --events "$TMP/order.txt" --match $mode --on-divergence continue
	echo "w 0 0x24 4 0x2" > "$DEV/mmio"
	echo "w 0 0x20 4 0x1" > "$DEV/mmio"
	rd 0 0x40 4 0x77
	stop_replayer o$mode
done
grep -q "^STATUS state done .* divergences 0 " "$TMP/oregister.log" || fail "per-register mode diverged"
grep -q "^STATUS .* divergences [1-9]" "$TMP/ostrict.log" || fail "strict mode took another order"
ok "(3) per-register order tolerated, strict order enforced"

# an instruction the trap cannot decode is a divergence too
printf 'r 0 0x10 4 0x5\n' > "$TMP/rmw.txt"
start_replayer u1 --events "$TMP/rmw.txt" --on-divergence continue
echo "untrap 0 0x10 0" > "$DEV/mmio" || fail "unsupported access"
stop_replayer u1
grep "^DIVERGENCE" "$TMP/u1.log"
grep -q "^DIVERGENCE #1 unsupported index 0 expected MMIO_READ bar0+0x10 4 0x5 .* actual UNSUPPORTED bar0+0x10 .* \[pciem_testdrv\]" "$TMP/u1.log" ||
	fail "undecodable instruction not reported"
ok "(3) an instruction the trap cannot decode is reported as a divergence"

# ---- (4) 1,000,000 accesses through a FIFO of 1024 events ------------------------
# (200,000 on the debug kernel: heavy in lib.sh)
L4=$(heavy 500000)
start_replayer r4 --loop 0:0x10:$L4:1 --fifo 1024
t0=$(date +%s)
echo "loop 0 0x10 $L4 1" > "$DEV/mmio" || fail "loop"
t1=$(date +%s)
last=$(cat "$DEV/mmio")
stop_replayer r4
# the driver's last read got the sequence's value (tag 2, index L4 - 1),
# not what it wrote
want=$(printf 0x%x $((0x2000000 + L4 - 1)))
[ "$last" = "$want" ] || { cat "$TMP/r4.log"; fail "last read $last, want $want"; }
status_has state done && status_has fed $((2 * L4)) && status_has matched $((2 * L4)) &&
	status_has divergences 0 && status_has left 0 || fail "$((2 * L4)) accesses not all matched"
ok "(4) $((2 * L4)) accesses streamed through 1024 slots in $((t1 - t0)) s"

# ---- (5) polling runs of another length ----------------------------------------
cat > "$TMP/poll.txt" <<'EOT'
w 0 0x0 4 0x1
r 0 0x4 4 0x0
r 0 0x4 4 0x0
r 0 0x4 4 0x0
r 0 0x4 4 0x0
r 0 0x4 4 0x0
w 0 0x8 4 0x2
r 0 0xc 4 0x5
r 0 0xc 4 0x5
r 0 0xc 4 0x5
r 0 0xc 4 0x5
w 0 0x8 4 0x3
r 0 0x10 4 0x9
EOT
for mode in strict register; do
	start_replayer p$mode --events "$TMP/poll.txt" --match $mode
	echo "w 0 0x0 4 1" > "$DEV/mmio"
	for i in 1 2 3 4 5 6 7 8; do rd 0 0x4 4 0x0; done	# 3 more than recorded
	echo "w 0 0x8 4 2" > "$DEV/mmio"
	rd 0 0xc 4 0x5						# 2 fewer
	rd 0 0xc 4 0x5
	echo "w 0 0x8 4 3" > "$DEV/mmio"
	rd 0 0x10 4 0x9
	stop_replayer p$mode
	status_has state done && status_has divergences 0 && status_has polls_extra 3 &&
		status_has polls_skipped 2 || fail "$mode: polling runs not collapsed as expected"
done
ok "(5) polling: 3 extra reads answered, 2 missing ones skipped, in both modes"

# interrupts at the recorded time after the access before them: the
# kernel's timestamps of the write and of the interrupt, as a recorder of
# the replayed device sees them (a lower bound load cannot break)
cat > "$TMP/timed.txt" <<'EOT'
w 0 0x80 4 0x1
irq 0 600000000
r 0 0x40 4 0x1
EOT
# irq_gap LOG: ns from the write to 0x80 to the interrupt, and whether
# the interrupt's seq follows the write's at once ("next") or not
irq_gap() {
	awk '/^EVENT .* MMIO_WRITE bar0\+0x80 / { w = $NF; ws = substr($3, 2) }
	     /^EVENT .* IRQ / && w { print $NF - w, (substr($3, 2) == ws + 1 ? "next" : "later"); exit }' "$1"
}
for t in t1 t2; do
	if [ $t = t1 ]; then
		start_replayer $t --events "$TMP/timed.txt" --timing recorded
	else
		start_replayer $t --events "$TMP/timed.txt"
	fi
	"$BIN/tracecat" --match "domain:$(basename "$DEV" | cut -d: -f1)" --existing --ts \
		--ready "$TMP/$t.rec.ready" >"$TMP/$t.rec" 2>&1 &
	TR=$!
	PIDS="$PIDS $TR"
	wait_until 10 test -e "$TMP/$t.rec.ready" || fail "recorder of $t did not start"
	echo "w 0 0x80 4 1" > "$DEV/mmio"
	irqs_are 1
	rd 0 0x40 4 0x1
	kill "$TR"; wait "$TR"
	gap=$(irq_gap "$TMP/$t.rec")
	echo "$t: interrupt $gap ns after the write"
	[ -n "$gap" ] || { cat "$TMP/$t.rec"; fail "$t: no write and interrupt recorded"; }
	set -- $gap
	if [ $t = t1 ]; then
		[ "$1" -ge 600000000 ] || fail "timed interrupt came early: $1 ns after the write"
		stop_replayer t1
		status_has state done && status_has irqs 1 || fail "timed interrupt"
	else
		[ "$2" = next ] || fail "asap interrupt not injected right after the write"
	fi
done
stop_replayer t2
ok "(5) an interrupt 600 ms after its write with recorded timing, at once with asap"

# ---- (6) kill -9 of the replayer mid-run --------------------------------------------
start_replayer k1 --loop 0:0x10:300000:1 --fifo 1024
echo "loop 0 0x10 300000 1" > "$DEV/mmio" &
L=$!
sleep 1
kill -9 "$k1_PID"
wait "$L" || fail "the driver's loop failed after the kill"
wait_until 20 sh -c "! test -e $DEV" || fail "device still present after kill -9"
# and while the driver's access spins waiting for events never fed: the
# wait ends (killed, or timed out once), the rest reads all-ones at once
start_replayer k2 --loop 0:0x10:3:1 --no-end --on-divergence continue --wait-us 100000
t0=$(date +%s)
echo "loop 0 0x10 100000 1" > "$DEV/mmio" &
L=$!
sleep 0.5
kill -9 "$k2_PID"
wait "$L" || fail "the driver's loop failed after the second kill"
wait_until 20 sh -c "! test -e $DEV" || fail "device still present after the second kill -9"
# (waiting once per shortage, not once per access: 100,000 waits of 0.1 s
# would take hours)
[ $(( $(date +%s) - t0 )) -lt 300 ] || fail "the starved loop took $(( $(date +%s) - t0 )) s"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
rmmod pciem || fail "rmmod pciem after the replayers were killed"
insmod "$KM/kmod/pciem.ko" || fail "reload pciem"
ok "(6) replayer killed mid-loop and mid-wait: devices removed, module unloads"
