# SPDX-License-Identifier: GPL-2.0
# The fault hook (an ftrace callback) changes the instruction pointer, so it must hold
# the probed function with IPMODIFY (issue 10, defect 1): a livepatch or
# any other ftrace user that changes the same function's instruction
# pointer is then refused openly instead of one of them being silently
# ignored.  With pciem loaded, the test driver's ipmodify=FUNC (an
# IPMODIFY ftrace_ops on FUNC) must fail to load with EBUSY; with pciem
# unloaded the same load must succeed, which shows the refusal was
# pciem's.  ftrace's enabled_functions shows the hook with IPMODIFY.
. tests/vm/lib.sh

# ftrace's list of hooked functions: "bad_area_nosemaphore (N) R I ..."
# (R: with registers, I: IPMODIFY)
line=$(grep "^bad_area_nosemaphore " /sys/kernel/tracing/enabled_functions 2>/dev/null)
[ -n "$line" ] || fail "pciem's fault hook (bad_area_nosemaphore) is not in tracing/enabled_functions"
case $line in *" I "*|*" I") ;; *) fail "pciem's fault hook does not hold IPMODIFY: $line" ;; esac
FN=bad_area_nosemaphore
TD=$KM/testdrv/pciem_testdrv.ko
if insmod "$TD" ipmodify=$FN 2>"$TMP/insmod.err"; then
	rmmod pciem_testdrv
	fail "an IPMODIFY ftrace_ops on $FN loaded beside pciem's fault hook: it does not hold IPMODIFY"
fi
dmesg | grep -q "cannot claim $FN with IPMODIFY: -16" ||
	fail "the claim failed, but not with EBUSY: $(dmesg | grep 'cannot claim' | tail -n 1) $(cat "$TMP/insmod.err")"
ok "with pciem loaded, claiming $FN with IPMODIFY fails with EBUSY"
rmmod pciem || fail "rmmod pciem"
insmod "$TD" ipmodify=$FN || fail "without pciem, claiming $FN with IPMODIFY failed: $(dmesg | tail -n 1)"
dmesg | grep -q "claimed $FN with IPMODIFY" || fail "no 'claimed' line"
rmmod pciem_testdrv || fail "rmmod pciem_testdrv"
insmod "$KM/kmod/pciem.ko" || fail "reload pciem"
ok "without pciem the same claim succeeds; pciem loads again after it is released"
