#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# completions/pciem: sources it, sets COMP_WORDS and COMP_CWORD as bash
# does, calls each tool's completion function and checks COMPREPLY: the
# subcommands, the options (exactly those of each tool's --help, so the
# completion cannot drift from the tools), option values, *.zst traces
# where a trace is expected, *.regs maps, the COMMAND after "--".
#
# Usage: test_completion.sh BUILD_DIR [COMPLETION_FILE]
set -u
. "$(dirname "$0")/lib.sh"
build=$(cd "${1:?usage: test_completion.sh BUILD_DIR [COMPLETION_FILE]}" && pwd)
comp=$(realpath "${2:-$top/completions/pciem}")

# shellcheck source=../../completions/pciem
. "$comp"

dir=$(mktemp -d)
trap 'rm -rf "$dir" "$check_out"' EXIT
mkdir "$dir/sub"
touch "$dir/run.zst" "$dir/good.zst" "$dir/notes.txt" "$dir/clock.regs" "$dir/sub/x.zst"
cd "$dir" || exit 1

# complete FUNC WORD...: the words of a command line, the last one being
# completed (empty string for a new word); sets $got to COMPREPLY sorted,
# one per line.
complete_words() {
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort)
}

# expect NAME WANT FUNC WORD...: COMPREPLY is exactly WANT (words).
expect() {
	local name=$1 want
	want=$(printf '%s\n' $2 | sed '/^$/d' | sort)
	shift 2
	complete_words "$@"
	if [ "$got" = "$want" ]; then ok "$name"; else
		bad "$name: got [$(echo $got)], expected [$(echo $want)]"; fi
}

# The long options of a tool's --help.
help_longs() {
	help_opts | sed 's|.*/|--|'
}

# The options offered for "--" must be exactly --help's (and "--").
for t in record replay; do
	want="$("$build/bin/pciem-$t" --help | help_longs) --"
	expect "pciem-$t: options = --help's" "$want" _pciem_$t pciem-$t --
done
for c in info dump stats verify diff export dma; do
	want=$("$build/bin/pciem-trace" $c --help | help_longs)
	expect "pciem-trace $c: options = --help's" "$want" _pciem_trace pciem-trace $c --
done
want=$("$build/bin/pciem-trace" --help | sed -n -E 's/^  ([a-z]+)  .*/\1/p')
expect "pciem-trace: subcommands = --help's" "$want" _pciem_trace pciem-trace ""
expect "pciem-trace: subcommand prefix" "diff dma dump" _pciem_trace pciem-trace d

# Traces where a trace is expected: *.zst and directories.
expect "pciem-trace info: traces" "good.zst run.zst sub" _pciem_trace pciem-trace info ""
expect "pciem-trace dump after options: traces" "good.zst run.zst sub" \
	_pciem_trace pciem-trace dump --json ""
expect "pciem-trace: trace prefix" "run.zst" _pciem_trace pciem-trace verify r
expect "pciem-trace: trace in a directory" "sub/x.zst" _pciem_trace pciem-trace diff run.zst sub/
expect "pciem-replay: trace" "good.zst run.zst sub" _pciem_replay pciem-replay -v ""
expect "pciem-record -o: trace" "good.zst run.zst sub" _pciem_record pciem-record -o ""
expect "pciem-record --output=: trace" "good.zst run.zst sub" _pciem_record pciem-record --output = ""
expect "pciem-record --output=g (one word)" "good.zst" _pciem_record pciem-record --output=g

# Register maps, values of options.
expect "pciem-trace --regs: maps" "clock.regs sub" _pciem_trace pciem-trace dump --regs ""
expect "pciem-replay -r: maps" "clock.regs sub" _pciem_replay pciem-replay -r ""
expect "pciem-trace --type: types" "mmio mmio_read mmio_write" _pciem_trace pciem-trace dump --type mm
expect "pciem-trace --type: after a comma" "mmio_read,irq" _pciem_trace pciem-trace dump -t mmio_read,ir
expect "pciem-trace --bar" "0 1 2 3 4 5" _pciem_trace pciem-trace stats --bar ""
expect "pciem-trace --ctf: directories" "sub" _pciem_trace pciem-trace export --ctf ""
expect "pciem-record --mode" "full writes" _pciem_record pciem-record --mode ""
expect "pciem-record -M w" "writes" _pciem_record pciem-record -M w
expect "pciem-record --match: no guess" "" _pciem_record pciem-record --match ""
expect "pciem-replay --match" "per-register strict" _pciem_replay pciem-replay --match ""
expect "pciem-replay --on-divergence" "continue stop" _pciem_replay pciem-replay --on-divergence ""
expect "pciem-replay --timing" "asap recorded" _pciem_replay pciem-replay -t ""
expect "pciem-replay --dma-check" "addresses full none" _pciem_replay pciem-replay --dma-check ""
expect "pciem-replay --suite: traces and directories" "good.zst run.zst sub" \
	_pciem_replay pciem-replay --suite --tap ""

# After "--": the COMMAND (from PATH), then files.
complete_words _pciem_record pciem-record -o x.zst -- bas
if echo "$got" | grep -qx bash; then ok "pciem-record -- COMMAND: bash offered"; else
	bad "pciem-record -- COMMAND: got [$(echo $got)], no bash"; fi
expect "pciem-replay -- COMMAND ARGS: files" "notes.txt" _pciem_replay pciem-replay run.zst -- sh no
expect "pciem-record -- -: not our options" "" _pciem_record pciem-record -- ls --s

summary
