# SPDX-License-Identifier: GPL-2.0
# Teardown race (issue 10, section 4; defects 2 and 4): kill -9 of the
# device model, round after round, while two CPUs hammer the device's BAR
# in full trap (reads and writes) and a third source reads the config
# space of every PCIem device through sysfs.  Every round the device goes
# away; the kernel log stays clean (checked by tools/pciem-vm).
# STRESS_ROUNDS sets the rounds (default 100; a quarter on a debug kernel;
# tools/pciem-vm -- env STRESS_ROUNDS=500 sh tests/vm/t_teardown_kill9.sh for more).
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
	kill -9 "$m_PID"
	wait "$m_PID" 2>/dev/null
	gone "$DEV" || fail "round $i: device still present after kill -9"
	i=$((i + 1))
	[ $((i % 10)) != 0 ] || echo "round $i done at $(date +%T)"
done
ok "$N rounds of kill -9 under MMIO and config load"
