# SPDX-License-Identifier: GPL-2.0
# Teardown race (issue 10, section 4): a replayer (pciem-replay) killed,
# round after round, while the test driver bound to the replayed device
# hammers it from two CPUs and a third source reads config space.  The
# recording is of the same hammering, so the replay (per-register
# matching: the two CPUs interleave freely) follows the driver until it
# is killed.  SIGKILL and
# SIGTERM in turn; every round the device goes away; the kernel log stays
# clean.  STRESS_ROUNDS sets the rounds (default 100; a quarter on a debug
# kernel; tools/pciem-vm -- env STRESS_ROUNDS=500 sh tests/vm/t_teardown_replayer.sh for more).
. tests/vm/lib.sh

N=$(rounds 100)
load_testdrv
start_model m --bar 0:8192 --msi 0
wait_bound "$DEV"
"$BIN/pciem-record" --match 1234:0e01 -o "$TMP/rec.zst" -- \
	sh -c "echo 'hammer 0 0x10 2' > $DEV/mmio; sleep 3; echo 'stop 0 0 0' > $DEV/mmio" 2>"$TMP/rec.err" ||
	fail "recording: $(cat "$TMP/rec.err")"
kill "$m_PID"
wait "$m_PID"
gone "$DEV" || fail "the recorded device is still there"
cfg_reader_start
i=0
while [ $i -lt "$N" ]; do
	sig=$([ $((i % 2)) = 0 ] && echo KILL || echo TERM)
	"$BIN/pciem-replay" --match per-register "$TMP/rec.zst" >/dev/null 2>"$TMP/rp.err" &
	R=$!
	wait_until 20 sh -c 'ls -d /sys/bus/pci/devices/1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*/driver' ||
		fail "round $i: the replayed device did not appear and bind: $(cat "$TMP/rp.err")"
	D=$(dirname "$(ls -d /sys/bus/pci/devices/1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*/driver | head -n 1)")
	echo "hammer 0 0x10 2" > "$D/mmio" 2>/dev/null  # the replay may have ended already
	kill -$sig $R
	wait $R 2>/dev/null
	wait_until 30 sh -c '! ls -d /sys/bus/pci/devices/1[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:* 2>/dev/null' ||
		fail "round $i: the replayed device is still there after SIG$sig"
	i=$((i + 1))
	[ $((i % 5)) != 0 ] || echo "round $i done at $(date +%T)"
done
ok "$N replayers killed under MMIO and config load"
