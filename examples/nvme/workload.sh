#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A workload for an NVMe controller under the in-tree nvme driver, as a
# COMMAND to record (pciem-record --bdf) or to replay: bind nvme to the
# controller, wait for its first namespace, write 256 KiB of a known
# pattern to it with O_DIRECT, 4 KiB at a time, read it back the same way,
# compare, and unbind.  One page per command: the block layer merges
# physically adjacent pages of a larger buffer into one DMA mapping, and
# where a process's pages lie differs from run to run.
#
#   sh examples/nvme/workload.sh
#
# The controller is $PCIEM_REPLAY_DEVICE (set by pciem-replay), else
# $NVME_BDF, else the first QEMU NVMe controller (1b36:0010) lspci finds.
# Exits with 0 when the data read back is the pattern, else with 1 and a
# message on stderr.
#
# Environment:
#   NVME_PATTERN=WORD  (default PCIEMNVM) the 8 bytes repeated in the data
#   NVME_KIB=N  (default 256) how many KiB are written and read, a multiple of 4
#   NVME_WAIT=SECONDS  (default 30) the longest the namespace takes to appear
#   NVME_WRITERS=N  (default 1) 2: two writers at once, each on a CPU of its
#              own and so on an I/O queue of its own, each writing half of
#              the data (the second half's word is NVME_PATTERN2, by default
#              NVME_PATTERN reversed); NVME_KIB is then a multiple of 8.  The
#              read back stays on CPU 0.
#   NVME_FIRST=CPU  (default 0) with 2 writers: the one on this CPU starts
#              first, the other NVME_STAGGER seconds (default 0.3) later
set -u
me=workload.sh
bdf=${PCIEM_REPLAY_DEVICE:-${NVME_BDF:-$(lspci -D -n -d 1b36:0010 | awk '{ print $1; exit }')}}
[ -n "$bdf" ] || { echo "$me: no NVMe controller" >&2; exit 1; }
dev=/sys/bus/pci/devices/$bdf
word=${NVME_PATTERN:-PCIEMNVM}
[ ${#word} -eq 8 ] || { echo "$me: NVME_PATTERN must have 8 bytes" >&2; exit 1; }
word2=${NVME_PATTERN2:-$(printf %s "$word" | awk '{ for (i = length($0); i > 0; i--) printf "%s", substr($0, i, 1) }')}
[ ${#word2} -eq 8 ] || { echo "$me: NVME_PATTERN2 must have 8 bytes" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
disk=
trap 'rm -rf "$tmp"; [ -z "$disk" ] || rm -f "$disk"' EXIT

modprobe nvme 2>/dev/null
# everything on CPU 0, so that one I/O queue serves every command and the
# driver's accesses come in one order (see README.md)
[ -e "$dev/driver" ] || taskset -c 0 sh -c "echo $bdf > /sys/bus/pci/drivers/nvme/bind" || {
	echo "$me: cannot bind nvme to $bdf" >&2; exit 1; }
deadline=$(( $(date +%s) + ${NVME_WAIT:-30} ))
ns=
while [ -z "$ns" ]; do
	ns=$(ls "$dev"/nvme/*/ 2>/dev/null | grep '^nvme[0-9]*n1$' | head -n 1)
	[ -n "$ns" ] && [ -e "/sys/block/$ns/dev" ] && break
	ns=
	[ "$(date +%s)" -lt "$deadline" ] || { echo "$me: no namespace on $bdf" >&2; exit 1; }
	sleep 0.1
done
# a node of our own, removed at exit: a write to /dev/NAME after the
# namespace went away (a killed replay) would leave a regular file there,
# which the next run would then write instead of the disk
disk=/dev/pciem-workload.$$.$ns
mknod "$disk" b $(tr : ' ' < "/sys/block/$ns/dev") || { echo "$me: cannot make a node for $ns" >&2; exit 1; }
kib=${NVME_KIB:-256}
writers=${NVME_WRITERS:-1}
case $kib in *[!0-9]*|'') echo "$me: bad NVME_KIB" >&2; exit 1;; esac
case $writers in 1|2) ;; *) echo "$me: NVME_WRITERS must be 1 or 2" >&2; exit 1;; esac
[ $((kib % (4 * writers))) -eq 0 ] && [ "$kib" -gt 0 ] ||
	{ echo "$me: NVME_KIB must be a multiple of $((4 * writers))" >&2; exit 1; }
# 128 copies of a word make a KiB; with two writers the second half has
# a word of its own
awk -v w="$word" -v r="$word2" -v k="$kib" -v n="$writers" 'BEGIN {
	for (i = 0; i < 128; i++) { s = s w; t = t r }
	for (i = 0; i < k; i++) printf "%s", (n == 2 && i >= k / 2) ? t : s }' > "$tmp/pattern"
if [ "$writers" = 1 ]; then
	taskset -c 0 dd if="$tmp/pattern" of="$disk" bs=4k oflag=direct 2>/dev/null ||
		{ echo "$me: writing $ns failed" >&2; exit 1; }
else
	# half h from CPU h
	first=${NVME_FIRST:-0}
	case $first in 0|1) ;; *) echo "$me: NVME_FIRST must be 0 or 1" >&2; exit 1;; esac
	half=$((kib / 8))
	for h in $first $((1 - first)); do
		taskset -c $h dd if="$tmp/pattern" of="$disk" bs=4k skip=$((h * half)) \
			seek=$((h * half)) count=$half oflag=direct 2>/dev/null &
		eval "pid$h=\$!"
		[ "$h" != "$first" ] || sleep "${NVME_STAGGER:-0.3}"
	done
	wait "$pid0" && wait "$pid1" || { echo "$me: writing $ns failed" >&2; exit 1; }
fi
taskset -c 0 dd if="$disk" of="$tmp/back" bs=4k count=$((kib / 4)) iflag=direct 2>/dev/null ||
	{ echo "$me: reading $ns failed" >&2; exit 1; }
cmp -s "$tmp/pattern" "$tmp/back" || { echo "$me: the data read back differs" >&2; exit 1; }
taskset -c 0 sh -c "echo $bdf > $dev/driver/unbind" || { echo "$me: cannot unbind $bdf" >&2; exit 1; }
echo "nvme: $kib KiB written and read back from $ns, $writers writer(s)"
