#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The COMMAND of ticks.zst in the example replay suite (docs/ci.md): the
# counter device's walkthrough workload, 100 ticks in ten bursts with an
# interrupt after each, as examples/dummy_clock/workload.sh runs it.
# pciem-replay --suite runs it as "sh ticks.sh" in the suite's directory;
# record.sh runs it under pciem-record.
#
# Environment: PCIEM_SRC, the PCIem source tree (the CI job sets it), and
# what workload.sh reads (DUMMY_CLOCK_PARAMS=regress=1 loads the driver
# with its known bug; CLOCK_WAIT).
exec sh "${PCIEM_SRC:?set PCIEM_SRC to the PCIem source tree}/examples/dummy_clock/workload.sh"
