# Two CPUs hammer one device in full trap, 1,000,000 accesses in all
# (200,000 on the debug kernel, see heavy in lib.sh; set PCIEM_TEST_N to
# the iterations per CPU to run fewer by hand): a
# lossless recorder gets every access exactly once, each CPU's in its
# program order, under contiguous sequence numbers; a 64 KiB drop-and-count
# recorder reading at the same time accounts for every sequence number,
# kept or LOST.  Then full trap is switched on and off while the CPUs
# write: no write is lost or doubled.
. tests/vm/lib.sh

N=${PCIEM_TEST_N:-$(heavy 250000)}	# iterations per CPU, a write and a read each
"$BIN/tracecat" --match all --ring 134217728 --lossless --ready "$TMP/a.ready" >"$TMP/a.log" 2>&1 &
A=$!
"$BIN/tracecat" --match all --ring 65536 --ready "$TMP/b.ready" >"$TMP/b.log" 2>&1 &
B=$!
PIDS="$PIDS $A $B"
wait_until 10 test -e "$TMP/a.ready" || fail "recorder A did not start"
wait_until 10 test -e "$TMP/b.ready" || fail "recorder B did not start"
load_testdrv
start_model m --bar 0:4096 --full-trap --quiet
wait_bound "$DEV"
taskset -c 0 sh -c "echo 'loop 0 0x10 $N 1' > $DEV/mmio" &
W1=$!
taskset -c 1 sh -c "echo 'loop 0 0x20 $N 2' > $DEV/mmio" &
W2=$!
wait $W1 || fail "writer 1"
wait $W2 || fail "writer 2"
sleep 2
kill $A $B
wait $A
wait $B
D=$(sed -n 's/^DEVICE \([0-9a-f]*\) 1234:0e01.*/\1/p' "$TMP/a.log")
[ -n "$D" ] || fail "no description"
awk -v D="$D" -v START=0 -f tests/vm/seqcheck.awk "$TMP/a.log" || fail "recorder A: sequence"
grep -q "^lost 0$" "$TMP/a.log" || fail "recorder A lost records"
# each CPU's writes complete and in order, each followed by its read
awk -v D="$D" -v N=$N '
	$1 == "EVENT" && $2 == D && ($4 == "MMIO_WRITE" || $4 == "MMIO_READ") {
		split($5, a, "+"); reg = a[2]; v = $7
		tag = (reg == "0x10") ? 1 : 2
		val = sprintf("0x%x", tag * 16777216 + cnt[$4, tag])
		if (v != val) { print $4 " " reg ": got " v " want " val; bad++; if (bad > 5) exit 1 }
		cnt[$4, tag]++
	}
	END {
		for (t = 1; t <= 2; t++)
			for (k = 0; k < 2; k++) {
				kind = k ? "MMIO_READ" : "MMIO_WRITE"
				if (cnt[kind, t] != N) { print kind " tag " t ": " cnt[kind, t] + 0 " of " N; bad++ }
			}
		exit bad > 0
	}' "$TMP/a.log" || fail "accesses missing, doubled or out of order"
ok "$((4 * N)) accesses from two CPUs, each once and in order"
out=$(awk -v D="$D" -v START=0 -f tests/vm/seqcheck.awk "$TMP/b.log") || { echo "$out"; fail "recorder B: kept + LOST do not cover the sequence"; }
lost=$(echo "$out" | sed 's/.* lost \([0-9]*\) .*/\1/')
tail -n 1 "$TMP/b.log" | grep -q "^lost $lost$" || fail "recorder B: header says $(tail -n 1 "$TMP/b.log"), LOST records $lost"
ok "drop and count at the same time: $out"

# full trap off and on while two CPUs write
"$BIN/tracecat" --match all --existing --ring 134217728 --lossless --ready "$TMP/c.ready" >"$TMP/c.log" 2>&1 &
C=$!
PIDS="$PIDS $C"
wait_until 10 test -e "$TMP/c.ready" || fail "recorder C did not start"
M=${PCIEM_TEST_M:-$(heavy 150000)}
taskset -c 0 sh -c "echo 'loop 0 0x10 $M 3' > $DEV/mmio" &
W1=$!
taskset -c 1 sh -c "echo 'loop 0 0x20 $M 4' > $DEV/mmio" &
W2=$!
flips=0
while kill -0 $W1 2>/dev/null || kill -0 $W2 2>/dev/null; do
	kill -USR2 "$m_PID"
	flips=$((flips + 1))
	sleep 0.02
done
wait $W1 || fail "writer 1"
wait $W2 || fail "writer 2"
sleep 2
kill $C
wait $C
awk -v D="$D" -f tests/vm/seqcheck.awk "$TMP/c.log" || fail "recorder C: sequence"
for t in 3 4; do
	reg=$([ $t = 3 ] && echo 0x10 || echo 0x20)
	n=$(grep "^EVENT $D .* MMIO_WRITE bar0+$reg 4 0x$(printf %x $t)" "$TMP/c.log" | awk '{print $7}' | sort -u | wc -l)
	all=$(grep -c "^EVENT $D .* MMIO_WRITE bar0+$reg 4 0x$(printf %x $t)" "$TMP/c.log")
	[ "$n" = $M ] && [ "$all" = $M ] || fail "tag $t: $all writes, $n distinct, want $M"
done
[ "$flips" -ge 3 ] || fail "only $flips mode switches happened during the writes"
ok "$flips mode switches during $((2 * M)) writes: none lost or doubled"
