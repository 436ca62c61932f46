# SPDX-License-Identifier: GPL-2.0
# The fault path's kprobe changes the instruction pointer, so it must hold
# the probed function with IPMODIFY (issue 10, defect 1): a livepatch or
# any other ftrace user that changes the same function's instruction
# pointer is then refused openly instead of one of them being silently
# ignored.  With pciem loaded, the test driver's ipmodify=FUNC (an
# IPMODIFY ftrace_ops on FUNC) must fail to load with EBUSY; with pciem
# unloaded the same load must succeed, which shows the refusal was
# pciem's.  The kprobe list shows the probe and that it is ftrace-based.
. tests/vm/lib.sh

# "ADDR k SYMBOL+OFF [FTRACE]"
line=$(awk '$2 == "k" && $3 ~ /^bad_area_nosemaphore\+/' /sys/kernel/debug/kprobes/list 2>/dev/null)
[ -n "$line" ] || fail "pciem's fault kprobe (bad_area_nosemaphore) is not in /sys/kernel/debug/kprobes/list"
case $line in *FTRACE*) ;; *) fail "pciem's fault kprobe is not ftrace-based: $line" ;; esac
FN=bad_area_nosemaphore
TD=$KM/testdrv/pciem_testdrv.ko
if insmod "$TD" ipmodify=$FN 2>"$TMP/insmod.err"; then
	rmmod pciem_testdrv
	fail "an IPMODIFY ftrace_ops on $FN loaded beside pciem's kprobe: the kprobe does not hold IPMODIFY"
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
