# SPDX-License-Identifier: GPL-2.0
# Teardown race (issue 10, section 4): rmmod of the driver, round after
# round, while its two threads hammer the BAR in full trap and a third
# source reads config space through sysfs; the device stays, the driver
# binds again each round.  The kernel log stays clean.
# STRESS_ROUNDS sets the rounds (default 100; a quarter on a debug kernel;
# tools/pciem-vm -- env STRESS_ROUNDS=500 sh tests/vm/t_teardown_rmmod.sh for more).
. tests/vm/lib.sh

N=$(rounds 100)
start_model m --bar 0:8192 --msi 0 --full-trap --quiet
cfg_reader_start
i=0
while [ $i -lt "$N" ]; do
	load_testdrv
	wait_bound "$DEV"
	hammer "$DEV"
	rmmod pciem_testdrv || fail "round $i: rmmod pciem_testdrv"
	[ -e "$DEV/driver" ] && fail "round $i: still bound after rmmod"
	i=$((i + 1))
	[ $((i % 10)) != 0 ] || echo "round $i done at $(date +%T)"
done
kill -0 "$m_PID" || fail "the device model died: $(cat "$TMP/m.log")"
ok "$N rounds of rmmod of the driver under MMIO and config load"
