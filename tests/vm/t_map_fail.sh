# SPDX-License-Identifier: GPL-2.0
# A mapping's take-over that runs out of memory part-way (issue 10,
# defect 5).  ioremap() maps the 64 MiB BAR with 32 huge (2 MiB) entries;
# taking it over needs a page table for each, allocated atomically.  With
# the kernel's page allocation fault injection (the debug kernel has it;
# other kernels report the test as not runnable), restricted by its stack
# filter to allocations pciem.ko makes, the Nth such allocation of the
# driver's probe fails, for N = 1 (none succeeded), 2, 17 and 32 (the
# last).  Each time: PCIem says the mapping could not be taken over, the
# driver's writes to every 2 MiB of the BAR (full trap would fault on a
# page left taken over, and nothing would handle it) never oops, and none
# reaches the model; after an unbind, a bind without the fault takes it
# over again and its writes reach the model.
. tests/vm/lib.sh

FA=/sys/kernel/debug/fail_page_alloc
if [ ! -d "$FA" ]; then
	case $KVER in
	*-pciem-debug) fail "the debug kernel has no $FA (CONFIG_FAIL_PAGE_ALLOC)" ;;
	esac
	notrun "this kernel has no page allocation fault injection ($FA)"
fi
[ -e "$FA/require-start" ] || fail "$FA has no stack filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
# Only what a task asks for (its fail-nth) fails, counting only atomic
# allocations made with a frame of pciem.ko on the stack (its core, from
# /proc/modules: size, then base address).
read -r _name size _refs _deps _state base _rest <<EOF_M
$(grep "^pciem " /proc/modules)
EOF_M
[ -n "$base" ] && [ "$base" != 0x0000000000000000 ] || fail "no address for pciem in /proc/modules"
end=$(python3 -c "print(hex($base + $size))")	# 64-bit unsigned
echo 0 > "$FA/probability"
echo -1 > "$FA/times"
echo 0 > "$FA/verbose"
echo N > "$FA/task-filter"
echo Y > "$FA/ignore-gfp-wait"
echo 0 > "$FA/min-order"
echo 32 > "$FA/stacktrace-depth"
echo "$base" > "$FA/require-start"
echo "$end" > "$FA/require-end"

load_testdrv
start_model m --bar 0:0x4000000:64 --full-trap
wait_bound "$DEV"
BDF=$(basename "$DEV")
DRV=/sys/bus/pci/drivers/pciem_testdrv
writes() {	# writes TAG: writel(TAG) once per 2 MiB
	for i in $(seq 0 31); do
		echo "w 0 $((i * 0x200000 + 0x40)) 4 $1" > "$DEV/mmio" ||
			fail "write $i failed"
	done
}
n_seen() {	# n_seen TAG: how many of writes TAG the model saw
	grep -c "MMIO_WRITE bar0+0x[0-9a-f]*40 4 bytes $(printf '0x%x' "$1")\$" "$TMP/m.log"
}
echo "$BDF" > "$DRV/unbind" || fail "unbind"
tag=0x1000
for nth in 1 2 17 32; do
	before=$(dmesg | grep -c "pciem: could not take over the mapping")
	# the shell that binds makes the probe's nth atomic page allocation fail
	# (the redirections are the binding shell's own /proc/self)
	sh -c "echo $nth > /proc/self/fail-nth && echo $BDF > $DRV/bind && read left < /proc/self/fail-nth && echo \$left" \
		>"$TMP/nth" 2>"$TMP/bind.err" || fail "bind with fail-nth $nth: $(cat "$TMP/bind.err")"
	[ "$(cat "$TMP/nth")" = 0 ] ||
		fail "fail-nth $nth: no allocation failed during the probe ($(cat "$TMP/nth") left)"
	after=$(dmesg | grep -c "pciem: could not take over the mapping")
	[ "$after" -gt "$before" ] || fail "fail-nth $nth: no 'could not take over the mapping'"
	writes $((tag + 0x100 * nth))
	sleep 0.5
	[ "$(n_seen $((tag + 0x100 * nth)))" = 0 ] ||
		fail "fail-nth $nth: writes reached the model through a mapping not taken over"
	echo "$BDF" > "$DRV/unbind" || fail "unbind after fail-nth $nth"
	ok "allocation $nth of the take-over failed: the mapping is left as ioremap made it, writes harmless"
done
echo "$BDF" > "$DRV/bind" || fail "bind without a fault"
writes 0x2000
wait_until 10 sh -c "[ \$(grep -c 'MMIO_WRITE bar0+0x[0-9a-f]*40 4 bytes 0x2000\$' $TMP/m.log) -ge 32 ]" ||
	fail "after a bind without a fault, only $(n_seen 0x2000) of 32 writes reached the model"
ok "bound again without a fault: the mapping is taken over, all 32 writes trapped"
