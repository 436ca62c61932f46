# SPDX-License-Identifier: GPL-2.0
# MSI and MSI-X injection racing with the driver freeing its vectors
# (issue 10, section 2 defect 10): the device model injects vector 0 in a
# tight loop while the driver, round after round, frees its interrupts and
# its vectors and allocates and requests them again.  The kernel log stays clean, and
# afterwards interrupts are still delivered to the driver.
# STRESS_ROUNDS sets the rounds (default 400; a quarter on a debug kernel;
# tools/pciem-vm -- env STRESS_ROUNDS=2000 sh tests/vm/t_irq_vectors_race.sh for more).
. tests/vm/lib.sh

N=$(rounds 400)
load_testdrv
cfg_reader_start
# race KIND MODEL-ARGS...: the cycles against a device of that interrupt kind
race() {
	_kind=$1
	shift
	start_model m "$@" --irq-storm --quiet
	wait_bound "$DEV"
	[ "$(cat "$DEV/irq_kind")" = "$_kind" ] || fail "not $_kind: $(cat "$DEV/irq_kind")"
	i=0
	while [ $i -lt "$N" ]; do
		echo "irqcycle 0 0 20" > "$DEV/mmio" || fail "$_kind round $i: irqcycle failed"
		i=$((i + 20))
	done
	[ "$(cat "$DEV/irq_kind")" = "$_kind" ] || fail "not $_kind after the cycles: $(cat "$DEV/irq_kind")"
	n0=$(cat "$DEV/irq_count")
	wait_until 20 sh -c "[ \$(cat $DEV/irq_count) -gt $n0 ]" ||
		fail "$_kind: no interrupt delivered after the cycles"
	kill "$m_PID"
	wait "$m_PID" || fail "device model: $(cat "$TMP/m.log")"
	echo "$_kind model: $(grep '^storm' "$TMP/m.log")"
	ok "$_kind: $N free/allocate cycles of the vectors under an interrupt storm"
}
race msi --bar 0:4096 --msi 5:64:mask
# MSI-X: vector 0 in a table the PCI core masks and unmasks at each cycle
race msix --bar 0:4096 --msix 4:0:0x800:0:0xc00
