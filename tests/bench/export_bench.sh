#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pciem-trace export --ctf against dump --json on the same traces, the
# output on tmpfs (make bench-export; results in docs/benchmarks.md):
#
#   tests/bench/export_bench.sh PCIEM_TRACE GEN_CTF_TRACE [EVENTS] [TRACE...]
#
# A synthetic counter-like trace of EVENTS events (default 10,000,000;
# tests/unit/gen_ctf_trace.c --bench) and each TRACE given (the recording
# of make bench, build/bench/counter-100k.zst, when it exists) are
# exported and dumped three times each; the best run is reported: wall
# time, CPU time (user + sys: both are single-threaded, so this is one
# core's time even when other jobs share the machine), events per second
# of each, and output bytes per event.  A trace smaller than EVENTS is
# run over again until EVENTS events have gone through (removing the
# output each time is counted too).  The goal: export at least 10 M
# events/s on one core.
set -u

PT=$1
GEN=$2
N=${3:-10000000}
shift 3 2>/dev/null || shift $#
SHM=${BENCH_TMPFS:-/dev/shm}
[ "$(stat -f -c %T "$SHM" 2>/dev/null)" = tmpfs ] ||
	{ echo "export_bench: $SHM is not a tmpfs (set BENCH_TMPFS)" >&2; exit 2; }
DIR=$(mktemp -d "$SHM/export_bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

"$GEN" --bench "$N" "$DIR/synthetic.zst" || exit 2

# best REPEAT CMD...: three runs of REPEAT times CMD (a small trace is
# exported again and again, its output removed in between, so that a
# run lasts long enough to be timed); sets best_wall, best_cpu (s, for
# one CMD) of the run with the least CPU time, and out_bytes (what CMD
# left in $DIR/out)
best() {
	local i t rep=$1
	shift
	best_wall= best_cpu=
	for i in 1 2 3; do
		rm -rf "$DIR/out" "$DIR/time"
		/usr/bin/time -f "%e %U %S" -o "$DIR/time" sh -c '
			rep=$1; shift
			while [ "$rep" -gt 0 ]; do
				rm -rf "$OUT"
				"$@" || exit 1
				rep=$((rep - 1))
			done' - "$rep" "$@" || { echo "failed: $*" >&2; exit 2; }
		read -r wall user sys < "$DIR/time"
		wall=$(printf '%.3f' "$(echo "$wall / $rep" | bc -l)")
		t=$(printf '%.3f' "$(echo "($user + $sys) / $rep" | bc -l)")
		if [ -z "$best_cpu" ] || [ "$(echo "$t < $best_cpu" | bc -l)" = 1 ]; then
			best_cpu=$t
			best_wall=$wall
		fi
	done
	out_bytes=$(du -sb "$DIR/out" | cut -f 1)
}

rate() {	# EVENTS SECONDS: M events/s
	if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then
		printf '%.1f' "$(echo "$1 / $2 / 1000000" | bc -l)"
	else
		echo "-"
	fi
}

printf '%-34s %-14s %10s %8s %8s %10s %10s %9s\n' trace command events "wall s" "cpu s" \
	"M ev/s wall" "M ev/s cpu" "bytes/ev"
for t in "$DIR/synthetic.zst" "$@"; do
	[ -f "$t" ] || continue
	ev=$("$PT" info "$t" | sed -n 's/^events *\([0-9]*\)$/\1/p')
	name=$(basename "$t")
	[ "$name" = synthetic.zst ] && name="synthetic ($N events)"
	rep=$(( (N + ev - 1) / ev ))
	export OUT=$DIR/out
	best "$rep" "$PT" export --ctf "$DIR/out" "$t"
	printf '%-34s %-14s %10s %8s %8s %10s %10s %9s\n' "$name" "export --ctf" "$ev" \
		"$best_wall" "$best_cpu" "$(rate "$ev" "$best_wall")" "$(rate "$ev" "$best_cpu")" \
		"$(printf '%.1f' "$(echo "$out_bytes / $ev" | bc -l)")"
	best "$rep" sh -c 'exec "$1" dump --json "$2" > "$3"' - "$PT" "$t" "$DIR/out"
	printf '%-34s %-14s %10s %8s %8s %10s %10s %9s\n' "" "dump --json" "$ev" \
		"$best_wall" "$best_cpu" "$(rate "$ev" "$best_wall")" "$(rate "$ev" "$best_cpu")" \
		"$(printf '%.1f' "$(echo "$out_bytes / $ev" | bc -l)")"
done
