#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Records the example replay suite (docs/ci.md) into DIR, with the device
# model and the good driver: DIR/NAME.zst recorded by pciem-record with
# NAME.sh as its workload, and NAME.sh copied beside it, for probe and
# ticks.  Run as root where pciem.ko is loaded, from the PCIem tree:
#
#   tools/pciem-vm -- sh examples/ci/dummy_clock/record.sh build/ci/dummy_clock
#
# PCIEM_BIN: where pciem-record is (default: build/bin of this tree).
set -u
dir=${1:?usage: record.sh DIR}
src=$(cd "$(dirname "$0")/../../.." && pwd) || exit 1
bin=${PCIEM_BIN:-$src/build/bin}
export PCIEM_SRC="$src"
mkdir -p "$dir" || exit 1
for name in probe ticks; do
	cp "$src/examples/ci/dummy_clock/$name.sh" "$dir/$name.sh" || exit 1
	"$bin/pciem-record" -o "$dir/$name.zst" -- sh "$dir/$name.sh" || {
		echo "record.sh: recording $name failed" >&2
		exit 1
	}
done
