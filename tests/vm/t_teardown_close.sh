# SPDX-License-Identifier: GPL-2.0
# Teardown race (issue 10, section 4; defects 2 and 4): the device model
# closes its device (unmaps the ring and BARs, closes every descriptor;
# devmodel's SIGHUP) while it lives on, round after round, while two CPUs
# hammer the BAR in full trap and a third source reads config space through
# sysfs.  Every round the device goes away; the kernel log stays clean.
# STRESS_ROUNDS sets the rounds (default 100; a quarter on a debug kernel;
# tools/pciem-vm -- env STRESS_ROUNDS=500 sh tests/vm/t_teardown_close.sh for more).
. tests/vm/lib.sh

N=$(rounds 100)
load_testdrv
cfg_reader_start
i=0
while [ $i -lt "$N" ]; do
	rm -f "$TMP/m.ready"
	start_model m --bar 0:8192 --msi 0 --full-trap --quiet
	wait_bound "$DEV"
	hammer "$DEV"
	kill -HUP "$m_PID"
	gone "$DEV" || fail "round $i: device still present after its fd was closed"
	log_has m "^closed" || fail "round $i: the model did not close: $(cat "$TMP/m.log")"
	kill "$m_PID"
	wait "$m_PID" || fail "round $i: the model failed: $(cat "$TMP/m.log")"
	i=$((i + 1))
	[ $((i % 10)) != 0 ] || echo "round $i done at $(date +%T)"
done
ok "$N rounds of closing the device fd under MMIO and config load"
