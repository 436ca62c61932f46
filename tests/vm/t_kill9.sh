# kill -9 of the device model while its driver is bound: the driver's
# remove() runs, the device is gone, and the module unloads.
. tests/vm/lib.sh

load_testdrv
start_model m --bar 0:4096 --msi 0:64
wait_bound "$DEV"
echo "w 0 0 4 1" > "$DEV/mmio" || fail "mmio write"
kill -9 "$m_PID"
wait "$m_PID" 2>/dev/null
wait_until 20 sh -c "! test -e $DEV" || fail "device still present after kill -9"
ok "device removed"
grep -q "pciem_testdrv" /proc/interrupts && fail "driver's interrupt still registered"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
rmmod pciem || fail "rmmod pciem after kill -9"
[ -e /dev/pciem ] && fail "/dev/pciem still there"
insmod "$KM/kmod/pciem.ko" || fail "reload pciem"
ok "module unloaded and reloaded"
