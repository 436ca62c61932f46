// SPDX-License-Identifier: GPL-2.0
/* The "pciem" LTTng-UST provider's probes: built into libpciem-tp.so. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "pciem_tp.h"
