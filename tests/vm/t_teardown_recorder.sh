# SPDX-License-Identifier: GPL-2.0
# Teardown race (issue 10, section 4): recorders come and go, round after
# round, while two CPUs hammer a device in write trap and a third source
# reads config space.  Each recorder asks for full trap, so each arrival
# and departure re-arms the driver's mapping under load.  They end by
# SIGTERM or SIGKILL in turn, and every tenth is pciem-record (lossless
# every other time, a 1 MiB ring; always SIGKILLed, as its SIGTERM would
# finish a file of everything the hammer did) instead of the minimal
# tracecat.  The kernel log stays
# clean.  STRESS_ROUNDS sets the rounds (default 100; a quarter on a debug
# kernel; tools/pciem-vm -- env STRESS_ROUNDS=500 sh tests/vm/t_teardown_recorder.sh for more).
. tests/vm/lib.sh

N=$(rounds 100)
load_testdrv
start_model m --bar 0:8192 --msi 0 --quiet
wait_bound "$DEV"
cfg_reader_start
hammer "$DEV"
i=0
while [ $i -lt "$N" ]; do
	sig=$([ $((i % 2)) = 0 ] && echo KILL || echo TERM)
	if [ $((i % 10)) = 9 ]; then
		lossless=$([ $((i % 20)) = 19 ] && echo --lossless)
		rm -f "$TMP/r.zst"
		"$BIN/pciem-record" $lossless --ring-size 1M --match 1234:0e01 -o "$TMP/r.zst" 2>"$TMP/r.err" &
		R=$!
		wait_until 20 test -s "$TMP/r.zst" || fail "round $i: pciem-record did not start: $(cat "$TMP/r.err")"
		sig=KILL
	else
		rm -f "$TMP/t.ready"
		"$BIN/tracecat" --match all --existing --full --ring 65536 --ready "$TMP/t.ready" >/dev/null 2>"$TMP/t.err" &
		R=$!
		wait_until 20 test -e "$TMP/t.ready" || fail "round $i: tracecat did not start: $(cat "$TMP/t.err")"
	fi
	kill -$sig $R
	wait $R 2>/dev/null
	i=$((i + 1))
	[ $((i % 10)) != 0 ] || echo "round $i done at $(date +%T)"
done
echo "stop 0 0 0" > "$DEV/mmio" || fail "stop"
echo "$(($(cat "$DEV/mmio"))) hammer iterations"
kill -0 "$m_PID" || fail "the device model died: $(cat "$TMP/m.log")"
ok "$N recorders came and went under MMIO and config load"
