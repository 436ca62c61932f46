/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-record's LTTng-UST side: the "pciem" provider (libpciem-tp.so) is
 * loaded with dlopen() when it can be found, and every trace channel
 * record then also becomes a pciem:* tracepoint.  Without the provider or
 * liblttng-ust the calls below do nothing.
 */
#ifndef PCIEM_RECORD_LTTNG_H
#define PCIEM_RECORD_LTTNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pciem_userspace.h"

/* Environment variable naming the provider to load ("" or "0": none). */
#define LTTNG_TP_ENV	"PCIEM_TP_LIB"
#define LTTNG_TP_NAME	"libpciem-tp.so"

/*
 * Looks for the provider: $PCIEM_TP_LIB if set, else ../lib/libpciem-tp.so
 * next to the running binary, else libpciem-tp.so in the library search
 * path.  Returns true when it is loaded.  @verbose: say what happened;
 * otherwise only a provider named by PCIEM_TP_LIB that does not load is
 * reported (one line).
 */
bool lttng__init(bool verbose);

/* Emits the tracepoint for one record of the trace channel.  An event's
 * stack field: the frames @stack[0..nstack), innermost first, named by
 * @name (called with @ctx, only when a session wants the event), or ""
 * (@nstack 0). */
void lttng__emit(const struct pciem_trace_rec *rec, const uint64_t *stack, uint32_t nstack,
		 int (*name)(void *ctx, uint64_t ip, char *buf, size_t len), void *ctx);

/* Emits pciem:driver: @driver is bound to the device of @domain. */
void lttng__driver(uint32_t domain, const char *driver);

/* Unloads the provider. */
void lttng__exit(void);

/* "pciem:* tracepoints on (libpciem-tp.so)" or why they are off. */
const char *lttng__status(void);

#endif
