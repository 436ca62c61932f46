#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages (docs/man/): they render without a warning from mandoc's
# linter or groff, and they do not drift from the tools.  Each tool's
# options, as short/long pairs taken from the option lists of its --help
# (every subcommand's for pciem-trace), must be exactly the options the
# page describes (its ".It Fl" lines); pciem(4)'s PARAMETERS must be the
# module's parameters (the module_param()s of kmod/*.c); and each tool's
# --version must be the project's version (kmod/dkms.conf's
# PACKAGE_VERSION).
#
# Usage: test_man.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
build=${1:?usage: test_man.sh BUILD_DIR}
man=$top/docs/man

for page in "$man"/*.[1-9]; do
	name=$(basename "$page")
	msgs=$(mandoc -T lint -W warning "$page" 2>&1; groff -mandoc -ww -z -Tutf8 "$page" 2>&1)
	if [ -z "$msgs" ]; then ok "$name: lint clean"; else
		bad "$name: lint:"; echo "$msgs" | sed 's/^/    /'; fi
done

# man_opts PAGE: the same pairs from the page's ".It Fl" lines (mdoc's Fl
# writes the first dash: "Fl \-long" is --long).
man_opts() {
	grep -E '^\.It Fl' "$1" | sed -E 's/\\-/-/g; s/\\&//g' |
	sed -n -E 's/^\.It Fl (([^ -]) , Fl )?-([a-z][a-z0-9-]*).*/\2\/\3/p' | sort -u
}

# same NAME PAGE_PAIRS HELP_PAIRS
same() {
	local d
	d=$(diff <(echo "$2") <(echo "$3"))
	if [ -z "$d" ]; then ok "$1: man page and --help list the same options"; else
		bad "$1: man page (<) and --help (>) differ:"; echo "$d" | sed 's/^/    /'; fi
}

for t in pciem-record pciem-replay; do
	same "$t" "$(man_opts "$man/$t.1")" "$("$build/bin/$t" --help | help_opts)"
done
trace_help=$( { "$build/bin/pciem-trace" --help
	for c in info dump stats verify diff export dma; do "$build/bin/pciem-trace" $c --help; done; } |
	help_opts)
same pciem-trace "$(man_opts "$man/pciem-trace.1")" "$trace_help"
same pciem-vm "$(man_opts "$man/pciem-vm.1")" "$("$top/tools/pciem-vm" --help | help_opts)"

# Every subcommand of pciem-trace --help has its section in the page.
for c in $("$build/bin/pciem-trace" --help | sed -n -E 's/^  ([a-z]+)  .*/\1/p'); do
	if grep -q "^\.Ss $c\$" "$man/pciem-trace.1"; then ok "pciem-trace.1: section $c"; else
		bad "pciem-trace.1: no section for subcommand $c"; fi
done

# pciem(4): the module's parameters.
page_params=$(sed -n '/^\.Sh PARAMETERS/,/^\.Sh /s/^\.It Va \([a-z_]*\).*/\1/p' "$man/pciem.4" | sort)
ko_params=$(grep -h -o -E 'module_param(_named|_array|_cb)?\( *[a-z0-9_]+' "$top"/kmod/*.c |
	sed 's/.*( *//' | sort)
if [ -n "$ko_params" ] && [ "$page_params" = "$ko_params" ]; then
	ok "pciem.4: parameters ($ko_params)"
else
	bad "pciem.4: parameters in the page '$page_params', in kmod/*.c '$ko_params'"
fi

# One version: dkms.conf's, the tools' --version.
ver=$pciem_version
for t in pciem-record pciem-replay pciem-trace; do
	v=$("$build/bin/$t" --version | head -n 1)
	if [ "$v" = "$t $ver" ]; then ok "$t --version: $v"; else
		bad "$t --version says '$v', kmod/dkms.conf says version '$ver'"; fi
done

summary
