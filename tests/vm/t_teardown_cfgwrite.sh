# SPDX-License-Identifier: GPL-2.0
# Config writes during teardown (issue 10, section 2 defect 4): while the
# model injects interrupts in a tight loop, a writer toggles the MSI mask
# bit and the command register through sysfs (setpci), and the model is
# killed with -9 in the middle, round after round.  Unmasking a pending
# vector queues PCIem's irq_work; a write arriving during teardown must not
# queue it after the device waited for it.  The kernel log stays clean.
# STRESS_ROUNDS sets the rounds (default 100; a quarter on a debug kernel;
# tools/pciem-vm -- env STRESS_ROUNDS=500 sh tests/vm/t_teardown_cfgwrite.sh for more).
. tests/vm/lib.sh

N=$(rounds 100)
load_testdrv
i=0
while [ $i -lt "$N" ]; do
	rm -f "$TMP/m.ready"
	start_model m --bar 0:4096 --msi 0:64:mask --irq-storm --quiet
	wait_bound "$DEV"
	A=$(basename "$DEV")
	# (setpci exits 0 when no device matches: the loop looks for the device)
	(
		while [ -e "$DEV" ]; do
			setpci -s "$A" CAP_MSI+10.l=1 CAP_MSI+10.l=0 COMMAND=0x0006 COMMAND=0x0406
		done
	) >/dev/null 2>&1 &
	W=$!
	sleep 0.$((i % 5))
	kill -9 "$m_PID"
	wait "$m_PID" 2>/dev/null
	gone "$DEV" || fail "round $i: device still present after kill -9"
	kill $W 2>/dev/null
	wait $W
	i=$((i + 1))
	[ $((i % 10)) != 0 ] || echo "round $i done at $(date +%T)"
done
ok "$N rounds of config writes racing with removal"
