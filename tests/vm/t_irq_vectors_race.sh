# SPDX-License-Identifier: GPL-2.0
# MSI injection racing with the driver freeing its vectors (issue 10,
# section 2 defect 10): the device model injects vector 0 in a tight loop
# while the driver, round after round, frees its interrupt and its vectors
# and allocates and requests them again.  The kernel log stays clean, and
# afterwards interrupts are still delivered to the driver.
# STRESS_ROUNDS sets the rounds (default 400; a quarter on a debug kernel;
# tools/pciem-vm -- env STRESS_ROUNDS=2000 sh tests/vm/t_irq_vectors_race.sh for more).
. tests/vm/lib.sh

N=$(rounds 400)
load_testdrv
start_model m --bar 0:4096 --msi 5:64:mask --irq-storm --quiet
wait_bound "$DEV"
[ "$(cat "$DEV/irq_kind")" = msi ] || fail "not MSI: $(cat "$DEV/irq_kind")"
cfg_reader_start
i=0
while [ $i -lt "$N" ]; do
	echo "irqcycle 0 0 20" > "$DEV/mmio" || fail "round $i: irqcycle failed"
	i=$((i + 20))
done
[ "$(cat "$DEV/irq_kind")" = msi ] || fail "not MSI after the cycles: $(cat "$DEV/irq_kind")"
n0=$(cat "$DEV/irq_count")
wait_until 20 sh -c "[ \$(cat $DEV/irq_count) -gt $n0 ]" || fail "no interrupt delivered after the cycles"
kill "$m_PID"
wait "$m_PID" || fail "device model: $(cat "$TMP/m.log")"
echo "model: $(grep '^storm' "$TMP/m.log")"
ok "$N free/allocate cycles of the vectors under an interrupt storm"
