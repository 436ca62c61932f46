# The cost of pciem-record --stacks per access (issue 12), in one VM boot
# (make bench): the driver loop of pciem_testdrv's "bench" (N readl or N
# writel on one register, timed in the kernel) on a PCIem BAR in full
# trap while pciem-record records it to a file, without and with
# --stacks, the two runs alternated (without, with, without, with) so that
# drift of the host shows.  Prints ns per access and the ratio of the
# means, with --stacks over without (the issue's goal: at most 1.5), and
# what the BPF program itself took per event, and its bpf_get_stack() per
# frame (PCIEM_STACKS_TIMING).
. tests/vm/lib.sh

N=${PCIEM_BENCH_N:-5000}
REC=$BIN/pciem-record
[ -x "$REC" ] || fail "build/bin/pciem-record missing: run make"
load_testdrv
start_model m --bar 0:4096 --quiet --no-eventfd
wait_bound "$DEV"
BDF=$(basename "$DEV")

# one RUN_NAME STACKS_OPTION: a recording around one read and one write loop
one() {
	cat >"$TMP/b.sh" <<EOS
echo "bench 0 0x10 $N 0" > "$DEV/mmio" || exit 1
cat "$DEV/mmio" > "$TMP/$1.read"
echo "bench 0 0x10 $N 1" > "$DEV/mmio" || exit 1
cat "$DEV/mmio" > "$TMP/$1.write"
EOS
	PCIEM_STACKS_TIMING=1 "$REC" $2 --bdf "$BDF" --force -o "$TMP/$1.zst" -- sh "$TMP/b.sh" \
		2>"$TMP/$1.err" || { cat "$TMP/$1.err"; fail "recording $1"; }
	grep "stacks:" "$TMP/$1.err"
	# the BPF program's own time and its bpf_get_stack()'s (ns per event, frames)
	bpf_timing "$TMP/$1.err" >>"$TMP/bpf"
	echo "$1 $(( $(cat "$TMP/$1.read") / N )) $(( $(cat "$TMP/$1.write") / N ))" >>"$TMP/res"
}
: >"$TMP/res"
one plain1 ""
one stacks1 --stacks
one plain2 ""
one stacks2 --stacks

echo "kernel $(uname -r), $N accesses per loop, full trap recorded by pciem-record, ns per access:"
awk '{ printf "  %-10s read %8d  write %8d\n", $1, $2, $3 }' "$TMP/res"
awk '/^plain/ { pr += $2; pw += $3; np++ } /^stacks/ { sr += $2; sw += $3; ns++ }
     END { printf "  --stacks / without (means): read %.2f, write %.2f\n", (sr / ns) / (pr / np), (sw / ns) / (pw / np) }' "$TMP/res"
[ -s "$TMP/bpf" ] || fail "pciem-record did not report the BPF program's time ($(cat "$TMP/stacks1.err"))"
awk '{ p += $1; s += $2; f += $3; n++ }
     END { printf "  the BPF program: %d ns per event, %d ns of it in bpf_get_stack(): %.1f frames, %d ns a frame (means of the --stacks runs)\n", p / n, s / n, f / n, s / f }' "$TMP/bpf"
