# Unloading: with a device present rmmod fails cleanly (module in use);
# once the device model has exited it succeeds.
. tests/vm/lib.sh

rmmod pciem || fail "rmmod with no devices"
insmod "$KM/kmod/pciem.ko" || fail "reload"
start_model m --bar 0:4096
out=$(rmmod pciem 2>&1) && fail "rmmod succeeded with a device present"
echo "$out" | grep -qi "in use" || fail "unexpected rmmod error: $out"
[ -e "$DEV" ] || fail "device vanished after a failed rmmod"
kill "$m_PID"
wait "$m_PID"
wait_until 10 sh -c "! test -e $DEV" || fail "device still present"
rmmod pciem || fail "rmmod after the device model exited"
ok "unload"
