# Eight counter devices at once, each with its own driver instance and
# its own counter.
. tests/vm/lib.sh

insmod "$KM/dummy_clock/dummy_clock.ko" || fail "cannot load dummy_clock.ko"
for i in 1 2 3 4 5 6 7 8; do
	"$TOP/build/examples/dummy_clock/device" -q --ready-file "$TMP/c$i.ready" >"$TMP/c$i.log" 2>&1 &
	PIDS="$PIDS $!"
done
for i in 1 2 3 4 5 6 7 8; do
	wait_until 30 test -s "$TMP/c$i.ready" || fail "device $i did not start: $(cat "$TMP/c$i.log")"
	wait_until 30 test -e "/sys/bus/pci/devices/$(cat "$TMP/c$i.ready")/driver" || fail "device $i not bound"
done
[ "$(cat "$TMP"/c*.ready | sort -u | wc -l)" = 8 ] || fail "devices do not have 8 distinct addresses"
for i in 1 2 3 4 5 6 7 8; do
	echo $((i * 10)) > "/sys/bus/pci/devices/$(cat "$TMP/c$i.ready")/tick" || fail "tick $i"
done
for i in 1 2 3 4 5 6 7 8; do
	D=/sys/bus/pci/devices/$(cat "$TMP/c$i.ready")
	wait_until 20 sh -c "[ \"\$(cat $D/counter)\" = $((i * 10)) ]" || fail "device $i counter $(cat "$D/counter"), want $((i * 10))"
	wait_until 20 sh -c "[ \"\$(cat $D/irq_count)\" = $i ]" || fail "device $i irq_count $(cat "$D/irq_count"), want $i"
done
ok "8 independent counters"
rmmod dummy_clock || fail "rmmod"
