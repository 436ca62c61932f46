# SPDX-License-Identifier: GPL-2.0
# pciem-record --stacks (issue 12): every event's kernel call stack, from
# the BPF program on pciem:pciem_event, joined to its event and trimmed of
# the trap machinery.  One recording covers the driver's probe (config
# accesses under local_pci_probe) and accesses made by writing the test
# driver's sysfs file "mmio":
#  - at least 99% of the MMIO and config events have a stack;
#  - an MMIO access's stack starts at the instruction that made it (the
#    event's ip, in do_cmd [pciem_testdrv]), then names its callers down
#    to the sysfs write (mmio_store, kernfs_fop_write_iter, vfs_write);
#  - probe-time accesses show local_pci_probe (pci_device_probe on a
#    kernel that has inlined local_pci_probe into it, as the debug kernel
#    without NUMA does: no local_pci_probe in /proc/kallsyms);
#  - no frame of the trap machinery is left (asm_exc_page_fault, the
#    kprobe, pciem's fault handler, the tracepoint's BPF glue);
#  - every frame is named (modules and core kernel functions are in the
#    trace);
#  - a recording made without --stacks has no stack, no STACK_TABLE, no
#    vmlinux symbols and not the stacks header flag;
#  - with PCIEM_STACKS_TIMING the summary says what the BPF program took
#    per event, bpf_get_stack() within it and the frames it captured (and
#    t_stacks_hammer, without it, that nothing is said).
. tests/vm/lib.sh

REC=$BIN/pciem-record
TRACE=$BIN/pciem-trace
need_bins pciem-record pciem-trace
load_testdrv

# stack_of: the frames of a JSON event line on stdin, one a line
stack_of() {
	grep '"stack":\[' | sed 's/.*"stack":\["//; s/"\]}$//' |
		awk '{ n = split($0, a, "\",\""); for (i = 1; i <= n; i++) print a[i] }'
}

# the workload: a device (the driver probes it), sysfs accesses, the end
work() {
	cat >"$TMP/work.sh" <<EOS
"$BIN/devmodel" --ready-file "$TMP/\$1.ready" --bar 0:0x1000 --quiet >"$TMP/\$1.log" 2>&1 &
m=\$!
i=0
while [ ! -s "$TMP/\$1.ready" ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
d=/sys/bus/pci/devices/\$(cat "$TMP/\$1.ready")
i=0
while [ ! -e "\$d/driver" ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
echo "w 0 0x10 4 0x1234abcd" > "\$d/mmio" || exit 1
echo "r 0 0x10 4" > "\$d/mmio" || exit 1
echo "loop 0 0x20 50 7" > "\$d/mmio" || exit 1
kill \$m
wait \$m
exit 0
EOS
}
work
PCIEM_STACKS_TIMING=1 "$REC" --stacks -v --match 1234:0e01 -o "$TMP/s.zst" -- sh "$TMP/work.sh" a \
	2>"$TMP/s.err"
rc=$?
cat "$TMP/s.err"
[ $rc = 0 ] || fail "recording with --stacks: status $rc"
grep -q "stacks: [1-9][0-9]* distinct" "$TMP/s.err" || fail "no stacks summary"
# PCIEM_STACKS_TIMING: the program's time per event, its bpf_get_stack()'s
# within it, and whole call chains (the trap machinery and the driver's)
set -- $(bpf_timing "$TMP/s.err")
[ $# = 3 ] && [ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$2" -le "$1" ] && [ "${3%.*}" -ge 8 ] ||
	fail "PCIEM_STACKS_TIMING: no or implausible timing ($*)"
ok "PCIEM_STACKS_TIMING: the program $1 ns per event, bpf_get_stack() $2 ns, $3 frames"

"$TRACE" dump --json "$TMP/s.zst" >"$TMP/s.json" || fail "dump --json"
"$TRACE" dump --stacks "$TMP/s.zst" >"$TMP/s.txt" || fail "dump --stacks"

# >= 99% of MMIO and config events have a stack
tot=$(grep -c '"type":"\(mmio\|config\)_\(read\|write\)"' "$TMP/s.json")
with=$(grep '"type":"\(mmio\|config\)_\(read\|write\)"' "$TMP/s.json" | grep -c '"stack":\[')
echo "MMIO and config events: $tot, with a stack: $with"
[ "$tot" -ge 100 ] || fail "only $tot MMIO and config events recorded"
[ $((with * 100)) -ge $((tot * 99)) ] || fail "only $with of $tot events have a stack"
ok "$with of $tot MMIO and config events have a stack"

# the sysfs write: first frame = the access (the event's ip), then callers
w=$(grep -m 1 '"type":"mmio_write".*"offset":16,"size":4,"value":"0x1234abcd"' "$TMP/s.json")
[ -n "$w" ] || fail "no MMIO write of 0x1234abcd"
echo "$w"
sym=$(echo "$w" | sed 's/.*"symbol":"\([^"]*\)".*/\1/')
first=$(echo "$w" | stack_of | head -n 1)
[ "$first" = "$sym" ] || fail "the stack starts at $first, the access is at $sym"
case $first in
do_cmd+0x*" [pciem_testdrv]") ;;
*) fail "the first frame is not the driver's do_cmd: $first" ;;
esac
stack=$(echo "$w" | stack_of)
echo "$stack"
echo "$stack" | awk '
	/^do_cmd\+/ { if (!s) s = 1 }
	/^mmio_store\+0x[0-9a-f]* \[pciem_testdrv\]$/ { if (s == 1) s = 2 }
	/^kernfs_fop_write_iter\+0x[0-9a-f]* \[vmlinux\]$/ { if (s == 2) s = 3 }
	/^vfs_write\+0x[0-9a-f]* \[vmlinux\]$/ { if (s == 3) s = 4 }
	END { exit s == 4 ? 0 : 1 }' ||
	fail "not do_cmd, mmio_store, kernfs_fop_write_iter, vfs_write in this order"
ok "the sysfs write's stack: the access in do_cmd, then its callers down to vfs_write"

# nothing of the trap machinery: no stack starts in pciem.ko or the
# tracing glue, none has the fault entry or the kprobe; every frame named
stack_of <"$TMP/s.json" | sort -u >"$TMP/frames.txt"
echo "distinct frames: $(wc -l <"$TMP/frames.txt")"
if grep -E '^(asm_exc_page_fault|exc_page_fault|kprobe_ftrace_handler|bpf_trace_run|__bpf_trace_|trace_event_raw_event_pciem)' "$TMP/frames.txt"; then
	fail "trap machinery left in the stacks"
fi
grep '"stack":\[' "$TMP/s.json" | sed 's/.*"stack":\["\([^"]*\)".*/\1/' | sort | uniq -c >"$TMP/first.txt"
cat "$TMP/first.txt"
! grep '\[pciem\]$' "$TMP/first.txt" || fail "a stack starts in pciem.ko"
if grep -v '^[A-Za-z_.$0-9]*+0x[0-9a-f]* \[[A-Za-z_0-9]*\]$' "$TMP/frames.txt"; then
	fail "frames not named function+0xoff [module]"
fi
ok "no trap machinery left, every frame named"

# probe-time accesses: local_pci_probe, where the kernel has it
probe_fn=local_pci_probe
awk '$3 == "local_pci_probe" { f = 1 } END { exit !f }' /proc/kallsyms || probe_fn=pci_device_probe
grep '"type":"config_\(read\|write\)"' "$TMP/s.json" | grep '"stack":\[' |
	grep -q "\"$probe_fn+0x[0-9a-f]* \\[vmlinux\\]\"" ||
	fail "no config access under $probe_fn"
grep '"type":"config_\(read\|write\)"' "$TMP/s.json" | grep "\"$probe_fn+" | head -n 1
ok "probe-time config accesses show $probe_fn"

# dump --stacks: indented frames under the event
awk '/ mmio_write +bar0\+0x10 4 0x1234abcd/ { s = 1; print; next }
     s && /^    / { print; n++; next }
     s { exit }
     END { exit n >= 4 ? 0 : 1 }' "$TMP/s.txt" || fail "dump --stacks: no indented stack under the write"
ok "dump --stacks prints the frames under the event"

# without --stacks: unchanged
work
"$REC" --match 1234:0e01 -o "$TMP/n.zst" -- sh "$TMP/work.sh" b 2>"$TMP/n.err" || fail "recording without --stacks"
"$TRACE" dump --json "$TMP/n.zst" >"$TMP/n.json" || fail "dump --json"
! grep -q '"stack"' "$TMP/n.json" || fail "a stack in a recording without --stacks"
! grep -q '"name":"vmlinux"' "$TMP/n.json" || fail "vmlinux symbols without --stacks"
! grep -q "stacks:" "$TMP/n.err" || fail "a stacks summary without --stacks"
"$TRACE" info "$TMP/n.zst" >"$TMP/n.info" || fail "info"
grep -q "^stacks  *not recorded" "$TMP/n.info" || { cat "$TMP/n.info"; fail "info does not say stacks were not recorded"; }
ok "a recording without --stacks has no stacks"
