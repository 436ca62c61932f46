# Guest instructions per MMIO access, in one VM boot that counts
# instructions for time (make bench: tools/pciem-vm --icount --smp 1
# --device pci-testdev): the guest's clock advances one nanosecond per
# instruction, so the test driver's timed loop (pciem_testdrv's "bench")
# reports instructions, the same in every run and whatever else the host
# runs.  It measures how long each path is, not how fast hardware runs it:
# an exception or a device access counts as one instruction, however many
# cycles it costs.  Cases, on QEMU's pci-testdev (BAR 0 + 0x800):
#   - untraced;
#   - the floor: a kernel page fault that does nothing useful
#     (copy_from_kernel_nofault() of a page that is not present);
#   - traced by PCIem as a real device, a recorder reading nothing
#     meanwhile (the trap and the event write alone), then one draining
#     the channel as text to /dev/null (the consumer's work is counted too:
#     one vCPU runs both);
#   - under mmiotrace, draining trace_pipe (for reference: its costly steps,
#     a single-step trap or a TLB flush, count as one instruction each).
# Each case runs twice, to show how well the counts repeat.
. tests/vm/lib.sh

N=${PCIEM_BENCH_N:-20000}
per_access() {	# per_access KIND: instructions per access of N
	echo "bench 0 0x800 $N $1" > "$TDEV/mmio" || fail "bench on $TDEV"
	echo $(( $(cat "$TDEV/mmio") / N ))
}
twice() {	# twice KIND: "first second"
	echo "$(per_access "$1") $(per_access "$1")"
}

load_testdrv
TD=$(lspci -D -d 1b36:0005 | awk '{print $1; exit}')
[ -n "$TD" ] || fail "no pci-testdev (run through tools/pciem-vm --device pci-testdev)"
TDEV=/sys/bus/pci/devices/$TD
wait_bound "$TDEV"
untraced_read=$(twice 0)
untraced_write=$(twice 1)
floor=$(twice 2)

real_rec "$TD" --stall
stall_read=$(twice 0)
stall_write=$(twice 1)
real_stop
real_rec "$TD"
drain_read=$(twice 0)
drain_write=$(twice 1)
real_stop

mmiotrace_on "$TD"
mmio_read=$(twice 0)
mmio_write=$(twice 1)
echo "$TD" > /sys/bus/pci/drivers/pciem_testdrv/unbind
echo nop > /sys/kernel/tracing/current_tracer 2>/dev/null || true
kill "$PIPE"

# ratio "A1 A2" "B1 B2": the lower of the As over the lower of the Bs
ratio() {
	echo "$1 $2" | awk '{ a = $1 < $2 ? $1 : $2; b = $3 < $4 ? $3 : $4; printf "%.2f", a / b }'
}
echo "kernel $(uname -r), $N accesses per case, guest instructions per access (two runs each):"
printf '  %-46s %12s %12s\n' case read write
printf '  %-46s %12s %12s\n' "pci-testdev untraced" "$untraced_read" "$untraced_write"
printf '  %-46s %12s\n' "floor: a kernel fault doing nothing useful" "$floor"
printf '  %-46s %12s %12s\n' "traced by PCIem, recorder not reading" "$stall_read" "$stall_write"
printf '  %-46s %12s %12s\n' "traced by PCIem, recorder draining as text" "$drain_read" "$drain_write"
printf '  %-46s %12s %12s\n' "under mmiotrace, trace_pipe drained" "$mmio_read" "$mmio_write"
echo "  PCIem, recorder not reading / floor: read $(ratio "$stall_read" "$floor"), write $(ratio "$stall_write" "$floor")"
# no ratio to mmiotrace: its costly steps (a single-step trap, a TLB flush)
# count as one instruction each here; its wall time is in mmio.sh
