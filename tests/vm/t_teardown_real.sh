# SPDX-License-Identifier: GPL-2.0
# Teardown race for real devices (issue 13): recorders of QEMU's pci-testdev
# come and go, round after round, while two CPUs hammer its BAR through the
# test driver's mapping and a third source reads its config space through
# sysfs.  Each arrival takes the mapping over under load (found by the page
# table walk), each departure gives it back while CPUs are faulting on it.
# They end by SIGTERM or SIGKILL in turn.  After every round the driver's
# mapping is present and writable again (the test driver's "pte"), and at
# the end the hammer threads are still running and the kernel log is clean.
# STRESS_ROUNDS sets the rounds (default 60, each slower than the other
# teardown tests' for its page-table walk; a quarter on a debug kernel).
# vm-devices: pci-testdev
. tests/vm/lib.sh

N=$(rounds 60)
TD=$(lspci -D -d 1b36:0005 | awk '{ print $1; exit }')
[ -n "$TD" ] || fail "no pci-testdev in the guest"
TDEV=/sys/bus/pci/devices/$TD
load_testdrv
wait_bound "$TDEV"
MATCH=real:$TD
(
	while :; do
		read -r _x <"$TDEV/config"
	done
) >/dev/null 2>&1 &
PIDS="$PIDS $!"
hammer "$TDEV"
i=0
while [ $i -lt "$N" ]; do
	sig=$([ $((i % 2)) = 0 ] && echo KILL || echo TERM)
	rm -f "$TMP/t.ready"
	"$BIN/tracecat" --match "$MATCH" --ring 65536 --ready "$TMP/t.ready" >"$TMP/t.log" 2>&1 &
	R=$!
	wait_until 20 test -e "$TMP/t.ready" || fail "round $i: tracecat did not start: $(cat "$TMP/t.log")"
	sleep 0.1
	kill -$sig $R
	wait $R 2>/dev/null
	echo "pte 0 0x10 0" > "$TDEV/mmio" || fail "round $i: pte"
	[ "$(cat "$TDEV/mmio")" = 0x2 ] || fail "round $i: the driver's mapping is not given back ($(cat "$TDEV/mmio"))"
	i=$((i + 1))
	[ $((i % 10)) != 0 ] || echo "round $i done at $(date +%T)"
done
# the last recording did see the hammer
grep -q "MMIO_WRITE bar0+0x1[08] " "$TMP/t.log" || [ "$sig" = KILL ] ||
	fail "the last recorder saw none of the hammer's writes"
echo "stop 0 0 0" > "$TDEV/mmio" || fail "stop"
iters=$(($(cat "$TDEV/mmio")))
echo "$iters hammer iterations"
[ "$iters" -gt 0 ] || fail "the hammer threads did nothing"
ok "$N recorders of a real device came and went under MMIO and config load"
