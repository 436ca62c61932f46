/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel tracepoint pciem:pciem_event, fired for every event of a
 * device once it has its sequence number, in the context that caused it
 * (the driver's task or interrupt for an access), so that perf, bpftrace
 * and BPF programs (pciem-record --stacks) see each event with the call
 * stack that made it.  Disabled, it is a static branch.
 *
 * BPF attaches to it as a raw tracepoint (no BTF needed): args[0] is the
 * domain, args[1] a pointer to the struct pciem_event of the uapi header.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pciem

#if !defined(PCIEM_TRACEPOINT_H) || defined(TRACE_HEADER_MULTI_READ)
#define PCIEM_TRACEPOINT_H

#include <linux/tracepoint.h>
#include "uapi/pciem_userspace.h"

#define pciem_show_type(t)						\
	__print_symbolic(t,						\
			 { PCIEM_EVENT_MMIO_READ, "mmio_read" },	\
			 { PCIEM_EVENT_MMIO_WRITE, "mmio_write" },	\
			 { PCIEM_EVENT_CONFIG_READ, "config_read" },	\
			 { PCIEM_EVENT_CONFIG_WRITE, "config_write" },	\
			 { PCIEM_EVENT_WATCHPOINT, "watchpoint" },	\
			 { PCIEM_EVENT_UNSUPPORTED, "unsupported" },	\
			 { PCIEM_EVENT_IRQ, "irq" },			\
			 { PCIEM_EVENT_LIFECYCLE, "lifecycle" })

TRACE_EVENT(pciem_event,
	TP_PROTO(u32 domain, const struct pciem_event *ev),
	TP_ARGS(domain, ev),
	TP_STRUCT__entry(
		__field(u32, domain)
		__field(u32, type)
		__field(u64, seq)
		__field(u64, offset)
		__field(u64, data)
		__field(u32, bar)
		__field(u32, size)
		__field(u32, flags)
		__field(unsigned long, ip)
	),
	TP_fast_assign(
		__entry->domain = domain;
		__entry->type = ev->type;
		__entry->seq = ev->seq;
		__entry->offset = ev->offset;
		__entry->data = ev->data;
		__entry->bar = ev->bar;
		__entry->size = ev->size;
		__entry->flags = ev->flags;
		__entry->ip = ev->ip;
	),
	TP_printk("domain=%04x seq=%llu type=%s bar=%u offset=%#llx size=%u data=%#llx flags=%#x ip=%pS",
		  __entry->domain, __entry->seq, pciem_show_type(__entry->type), __entry->bar,
		  __entry->offset, __entry->size, __entry->data, __entry->flags,
		  (void *)__entry->ip)
);

#endif /* PCIEM_TRACEPOINT_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pciem_tracepoint
#include <trace/define_trace.h>
