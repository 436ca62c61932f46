# SPDX-License-Identifier: GPL-2.0
# Tracing a real device (issue 13, kernel side): QEMU's pci-testdev, driven
# by the test driver, traced through the trace channel alone (tracecat
# --match real:...).  Checks that
#  - a driver bound before tracing starts has its mapping taken over
#    (LIFECYCLE bar_taken_over) and its MMIO reads and writes recorded with
#    the values the driver got, on the device itself;
#  - lspci -vvv's config reads of the device are recorded, and another
#    device's are not;
#  - every way tracing ends gives the device back: SIGTERM, SIGINT and
#    kill -9 of the recorder, rmmod of the driver mid-recording (then
#    insmod, recorded), and surprise removal of the device (REMOVED
#    recorded; the device comes back with a rescan).  After each, the
#    driver's accesses work untraced, and a new recording works (which
#    finds the mapping present again: restored);
#  - nothing is left: pciem unloads at the end.
# vm-devices: pci-testdev pvpanic-pci
. tests/vm/lib.sh

TD=$(lspci -D -d 1b36:0005 | awk '{ print $1; exit }')
PV=$(lspci -D -d 1b36:0011 | awk '{ print $1; exit }')
[ -n "$TD" ] && [ -n "$PV" ] || fail "no pci-testdev or pvpanic-pci in the guest"
TDEV=/sys/bus/pci/devices/$TD
load_testdrv
wait_bound "$TDEV"
modprobe pvpanic-pci 2>/dev/null
KEY=$(real_key "$TD")

n=0
rec_start() {
	n=$((n + 1))
	LOG=$TMP/rec$n.log
	rm -f "$TMP/rec.ready"
	"$BIN/tracecat" --match "real:$TD" --ready "$TMP/rec.ready" >"$LOG" 2>&1 &
	REC=$!
	PIDS="$PIDS $REC"
	wait_until 20 test -e "$TMP/rec.ready" || { cat "$LOG"; fail "recorder $n did not start"; }
}

rec_end() {	# SIGNAL
	kill -"$1" "$REC"
	wait "$REC" 2>/dev/null
	sleep 0.2
}

# has PATTERN: the current recording has a line matching PATTERN
has() {
	grep -q -- "$1" "$LOG"
}

# access OFF VALUE: write VALUE to BAR 0 at OFF, read it back; prints the
# value the driver read
access() {
	echo "w 0 $1 4 $2" > "$TDEV/mmio" || fail "write at $1"
	echo "r 0 $1 4" > "$TDEV/mmio" || fail "read at $1"
	cat "$TDEV/mmio"
}

# checked_recording WHAT: a recording that takes the mapping over and sees
# a write and a read with the value the driver got
checked_recording() {
	rec_start
	has "^DEVICE $KEY 1b36:0005 .* flags 0x7$" ||
		{ cat "$LOG"; fail "$1: no description of $TD (real, bound, I/O BAR)"; }
	has "^EVENT $KEY #[0-9]* LIFECYCLE bar0+0x7 0 0x1000 " ||
		{ cat "$LOG"; fail "$1: the driver's mapping of BAR 0 was not taken over"; }
	got=$(access 0x800 0x5a5a0000)
	sleep 0.3
	has "^EVENT $KEY #[0-9]* MMIO_WRITE bar0+0x800 4 0x5a5a0000 " ||
		{ cat "$LOG"; fail "$1: the write is not recorded"; }
	has "^EVENT $KEY #[0-9]* MMIO_READ bar0+0x800 4 $got " ||
		{ cat "$LOG"; fail "$1: the read is not recorded with the value the driver got ($got)"; }
}

# untraced WHAT: after the end, the driver works and nothing is recorded
untraced() {
	lines=$(wc -l <"$LOG")
	access 0x800 0x11 >/dev/null
	sleep 0.2
	[ "$(wc -l <"$LOG")" = "$lines" ] || fail "$1: recorded after the end"
	dmesg | grep -q "pciem: could not take over" && fail "$1: a take-over failed"
	ok "$1: traced, then given back"
}

checked_recording "SIGTERM"
# config space: lspci -vvv of the device, then of another device
before=$(grep -c " CONFIG_READ " "$LOG")
lspci -vvv -s "$TD" >/dev/null
sleep 0.3
mid=$(grep -c " CONFIG_READ " "$LOG")
[ "$mid" -ge $((before + 16)) ] || fail "lspci -vvv: $((mid - before)) config reads recorded"
has "CONFIG_READ bar0+0x0 4 0x51b36 " || fail "lspci's read of the IDs is not recorded"
lspci -vvv -s "$PV" >/dev/null
sleep 0.3
[ "$(grep -c " CONFIG_READ " "$LOG")" = "$mid" ] || fail "another device's config reads were recorded"
ok "lspci -vvv's config reads are recorded, another device's are not"
rec_end TERM
untraced "SIGTERM"

checked_recording "SIGINT"
rec_end INT
untraced "SIGINT"

checked_recording "kill -9"
rec_end KILL
untraced "kill -9"

# rmmod of the driver mid-recording, then insmod: both recorded
checked_recording "rmmod"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
load_testdrv
wait_bound "$TDEV"
got=$(access 0x804 0x77)
sleep 0.3
has "LIFECYCLE bar0+0x5 " || fail "rmmod: no driver_unbound"
has "LIFECYCLE bar0+0x3 " || fail "rmmod: no bar_unmapped"
has "LIFECYCLE bar0+0x4 " || fail "insmod: no driver_bound"
has "LIFECYCLE bar0+0x2 0 0x1000 " || fail "insmod: no bar_mapped"
has "MMIO_READ bar0+0x804 4 $got " || fail "insmod: the new mapping's read is not recorded"
rec_end TERM
untraced "rmmod and insmod"

# surprise removal: tracing ends with REMOVED; a rescan brings it back
checked_recording "removal"
echo 1 > "$TDEV/remove" || fail "cannot remove $TD"
gone "$TDEV" || fail "$TD did not leave"
sleep 0.3
has "LIFECYCLE bar0+0x6 " || fail "removal: no removed event"
kill -0 "$REC" || fail "the recorder died with the device"
rec_end TERM
echo 1 > /sys/bus/pci/rescan
wait_until 20 test -e "$TDEV/driver" || fail "$TD did not come back with its driver"
checked_recording "after removal and rescan"
rec_end TERM
untraced "removal, rescan"

rmmod pciem_testdrv || fail "rmmod pciem_testdrv at the end"
rmmod pciem || fail "pciem does not unload: something is left"
ok "pciem unloads"
