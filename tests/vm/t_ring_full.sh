# A full event ring never drops silently: with a device model that does
# not consume, 3000 driver writes leave the ring full (1023 events, in
# order from the first) and exactly the rest counted in ring->lost.
. tests/vm/lib.sh

load_testdrv
start_model m --bar 0:4096 --stall
wait_bound "$DEV"
i=0
while [ $i -lt 3000 ]; do
	echo "w 0 0 4 $i" > "$DEV/mmio"
	i=$((i + 1))
done
kill "$m_PID"
wait "$m_PID"
cat "$TMP/m.log"
log_has m "^drained 1023 first 0 last 1022$" || fail "ring did not hold the first 1023 events"
log_has m "^lost 1977$" || fail "lost count is not 1977"
log_has m "^gap" && fail "gap inside the ring"
ok "1023 kept, 1977 counted as lost"
