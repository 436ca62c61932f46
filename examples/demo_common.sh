# SPDX-License-Identifier: GPL-2.0
#
# What the record/replay demos share (dummy_clock/replay_demo.sh,
# dma_copy/demo.sh, nvme/demo.sh): each sets DEMO, the name its messages
# start with, changes to the project's top directory and sources this file,
# which gives
#   B        the programs make builds (build/bin)
#   say      a step's heading
#   die      a failure message, and exit 1
#   tmp      a scratch directory, removed at exit
# after checking what every demo needs: root, /dev/pciem, and pciem-record,
# pciem-replay and pciem-trace built.
B=build/bin

say() {
	printf '\n==== %s\n' "$*"
}

die() {
	echo "$DEMO: FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -e /dev/pciem ] || die "/dev/pciem is missing: load pciem.ko first"
for p in pciem-record pciem-replay pciem-trace; do
	[ -x "$B/$p" ] || die "no $B/$p: build it with 'make' in $(pwd)"
done
tmp=$(mktemp -d "/tmp/$(echo "$DEMO" | tr ' ' _).XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
