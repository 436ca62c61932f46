# SPDX-License-Identifier: GPL-2.0
# Orphans (issue 10, section 2 defect 6): a driver keeps a mapping of its
# BAR after its device is gone (the model killed with -9).  The orphan's
# reads return all-ones and its writes are ignored, never oopsing; then
# "rmmod pciem" is tried (it may refuse or succeed) and the driver's
# accesses still never oops and still read all-ones; an unsupported
# instruction on one orphan page changes no other; then the driver unmaps
# and unloads cleanly.
. tests/vm/lib.sh

O=/sys/kernel/debug/pciem_testdrv/orphan
ord() {	# ord OFF WANT
	echo "r $1" > "$O" || fail "orphan read at $1 failed"
	[ "$(cat "$O")" = "$2" ] || fail "orphan read at $1: got $(cat "$O"), want $2 ($3)"
}
owr() {
	echo "w $1 $2" > "$O" || fail "orphan write at $1 failed"
}

load_testdrv
start_model m --bar 0:8192 --full-trap --fill 0:0x33
wait_bound "$DEV"
echo "keep 0 0 0" > "$DEV/mmio" || fail "keep"
ord 0x10 0x33333333 "live device"
owr 0x1010 0x12345678
wait_until 10 log_has m "MMIO_WRITE bar0+0x1010 4 bytes 0x12345678" || fail "the kept mapping's write is not trapped"
ord 0x1010 0x12345678 "live device"
ok "the kept mapping is trapped while the device lives"

kill -9 "$m_PID"
wait "$m_PID" 2>/dev/null
gone "$DEV" || fail "device still present after kill -9"
ord 0x10 0xffffffff "orphan"
owr 0x10 0x5
owr 0x1014 0x6
ord 0x10 0xffffffff "orphan, after a write"
ord 0x1014 0xffffffff "orphan, after a write"
ok "orphan: reads all-ones, writes ignored"

out=$(rmmod pciem 2>&1)
rc=$?
echo "rmmod pciem with an orphan left: status $rc${out:+, $out}"
ord 0x10 0xffffffff "orphan after rmmod pciem"
owr 0x10 0x7
owr 0x1018 0x8
ord 0x10 0xffffffff "orphan after rmmod pciem, after a write"
ord 0x1018 0xffffffff "orphan after rmmod pciem, after a write"
ok "orphan after rmmod pciem (status $rc): reads all-ones, writes ignored"
# An instruction no emulator takes, on an orphan page: that page is
# untrapped onto a page of its own, never onto the all-ones page every
# orphan page reads (sgdt's 10 bytes would show at offset 0 of each);
# that page then keeps what is written to it.
echo "sgdt 0x1000" > "$O" || fail "sgdt on the orphan"
dmesg | grep -q "pciem: cannot emulate" || fail "sgdt on the orphan was not reported"
ord 0x0 0xffffffff "orphan page 0, after sgdt on page 1"
ord 0x4 0xffffffff "orphan page 0, after sgdt on page 1"
ok "an unsupported instruction on an orphan leaves the other orphan pages all-ones"
echo unmap > "$O" || fail "unmap"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
if [ $rc = 0 ]; then
	insmod "$KM/kmod/pciem.ko" || fail "reload pciem"
fi
ok "unmapped and unloaded"
