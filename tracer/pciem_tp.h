/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LTTng-UST tracepoint provider "pciem": one tracepoint per kind of trace
 * channel record, emitted by pciem-record as it writes the record to its
 * file, so a user-space LTTng session sees the driver's traffic beside
 * its own instrumentation.
 *
 * The event classes and their fields are also those of pciem-trace export
 * --ctf (tools/pciem-trace/export.c), so a live session and an exported
 * recording look the same to babeltrace2 and Trace Compass and one
 * analysis (tools/tracecompass/) serves both: change both together
 * (tests/vm/t_lttng.sh compares them).
 *
 * The probes live in libpciem-tp.so (pciem_tp.c); pciem-record only holds
 * the call sites (tracer/lttng.c, built with
 * LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE) and dlopen()s the provider
 * when it is there, so it needs neither liblttng-ust nor the provider to
 * run.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER pciem

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "pciem_tp.h"

#if !defined(PCIEM_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define PCIEM_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>
#include "pciem_userspace.h"

/*
 * What the events of a struct pciem_event share.  The field macros expand
 * inside LTTNG_UST_TP_FIELDS(), in each of lttng-ust's passes over this
 * header, so they give the same fields as written out.
 */
#define PCIEM_TP_EVENT_ARGS \
	LTTNG_UST_TP_ARGS(uint32_t, domain, const struct pciem_event *, ev, \
			  const char *, stack)

/* first: the device (PCI domain) and its sequence number */
#define PCIEM_TP_EVENT_HEAD						\
	lttng_ust_field_integer_hex(uint32_t, domain, domain)		\
	lttng_ust_field_integer(uint64_t, seq, ev->seq)

/*
 * The kernel call stack of the event (pciem-record --stacks), innermost
 * frame first, each "function+0xoff [module]", joined by "; "
 * (PTF_STACK_SEP); "" when it has none.  Last in every event class.
 */
#define PCIEM_TP_EVENT_STACK						\
	lttng_ust_field_string(stack, stack)

/* last: when, where in the driver, on which CPU, in which task, and the
 * call stack */
#define PCIEM_TP_EVENT_TAIL						\
	lttng_ust_field_integer(uint64_t, timestamp, ev->timestamp_ns)	\
	lttng_ust_field_integer_hex(uint64_t, ip, ev->ip)		\
	lttng_ust_field_integer(uint32_t, cpu, ev->cpu)			\
	lttng_ust_field_integer(uint32_t, pid, ev->pid)			\
	PCIEM_TP_EVENT_STACK

#define PCIEM_TP_ACCESS_ARGS \
	LTTNG_UST_TP_ARGS(uint32_t, domain, const struct pciem_event *, ev, \
			  const char *, reg, const char *, stack)

/* MMIO and config-space accesses and watchpoint hits share one layout.
 * reg names the register: pciem-record gives where the access went
 * ("bar0+0x8", "cfg+0x4"); an export with --regs gives the register's
 * name from the map. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(pciem, access,
	PCIEM_TP_ACCESS_ARGS,
	LTTNG_UST_TP_FIELDS(
		PCIEM_TP_EVENT_HEAD
		lttng_ust_field_integer(uint32_t, bar, ev->bar)
		lttng_ust_field_integer_hex(uint64_t, offset, ev->offset)
		lttng_ust_field_integer(uint32_t, size, ev->size)
		lttng_ust_field_integer_hex(uint64_t, data, ev->data)
		lttng_ust_field_integer_hex(uint32_t, flags, ev->flags)
		lttng_ust_field_string(reg, reg)
		PCIEM_TP_EVENT_TAIL
	)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, access, pciem, mmio_read,
	PCIEM_TP_ACCESS_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, access, pciem, mmio_write,
	PCIEM_TP_ACCESS_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, access, pciem, config_read,
	PCIEM_TP_ACCESS_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, access, pciem, config_write,
	PCIEM_TP_ACCESS_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, access, pciem, watchpoint,
	PCIEM_TP_ACCESS_ARGS)

/* An access PCIem could not emulate: data holds the first instruction
 * bytes (little endian), size how many. */
LTTNG_UST_TRACEPOINT_EVENT(pciem, unsupported,
	PCIEM_TP_EVENT_ARGS,
	LTTNG_UST_TP_FIELDS(
		PCIEM_TP_EVENT_HEAD
		lttng_ust_field_integer(uint32_t, bar, ev->bar)
		lttng_ust_field_integer_hex(uint64_t, offset, ev->offset)
		lttng_ust_field_integer(uint32_t, size, ev->size)
		lttng_ust_field_integer_hex(uint64_t, data, ev->data)
		PCIEM_TP_EVENT_TAIL
	)
)

/* An interrupt injected: data is the vector, flags PCIEM_EVENT_F_PENDING
 * or _DEFERRED. */
LTTNG_UST_TRACEPOINT_EVENT(pciem, irq,
	PCIEM_TP_EVENT_ARGS,
	LTTNG_UST_TP_FIELDS(
		PCIEM_TP_EVENT_HEAD
		lttng_ust_field_integer(uint64_t, data, ev->data)
		lttng_ust_field_integer_hex(uint32_t, flags, ev->flags)
		lttng_ust_field_integer(uint64_t, timestamp, ev->timestamp_ns)
		lttng_ust_field_integer(uint32_t, cpu, ev->cpu)
		lttng_ust_field_integer(uint32_t, pid, ev->pid)
		PCIEM_TP_EVENT_STACK
	)
)

/* Life cycle: kind is PCIEM_LC_* (the event's offset), kind_name its
 * name; bar, data and ip as the ABI header describes for each kind. */
LTTNG_UST_TRACEPOINT_EVENT(pciem, lifecycle,
	LTTNG_UST_TP_ARGS(uint32_t, domain, const struct pciem_event *, ev,
			  const char *, kind_name, const char *, stack),
	LTTNG_UST_TP_FIELDS(
		PCIEM_TP_EVENT_HEAD
		lttng_ust_field_integer(uint32_t, kind, (uint32_t)ev->offset)
		lttng_ust_field_string(kind_name, kind_name)
		lttng_ust_field_integer(uint32_t, bar, ev->bar)
		lttng_ust_field_integer_hex(uint64_t, data, ev->data)
		PCIEM_TP_EVENT_TAIL
	)
)

/* DMA (format 1.4): a mapping made or ended, a sync.  addr is the bus
 * address, len the length in bytes, dir the direction (PCIEM_DMA_DIR_*),
 * flags PCIEM_EVENT_F_DMA_COHERENT or _DMA_FOR_DEVICE; ip the driver's
 * call site. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(pciem, dma,
	PCIEM_TP_EVENT_ARGS,
	LTTNG_UST_TP_FIELDS(
		PCIEM_TP_EVENT_HEAD
		lttng_ust_field_integer_hex(uint64_t, addr, ev->offset)
		lttng_ust_field_integer(uint64_t, len, ev->data)
		lttng_ust_field_integer(uint32_t, dir, ev->bar)
		lttng_ust_field_integer_hex(uint32_t, flags, ev->flags)
		PCIEM_TP_EVENT_TAIL
	)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, dma, pciem, dma_map,
	PCIEM_TP_EVENT_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, dma, pciem, dma_unmap,
	PCIEM_TP_EVENT_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, dma, pciem, dma_sync,
	PCIEM_TP_EVENT_ARGS)

#define PCIEM_TP_TRANSFER_ARGS \
	LTTNG_UST_TP_ARGS(uint32_t, domain, const struct pciem_event *, ev, \
			  const uint8_t *, bytes, uint32_t, nbytes, const char *, stack)

/* The device read (dma_read) or wrote (dma_write) host memory: len bytes
 * at bus address addr, payload the bytes (at most PCIEM_TRACE_DMA_PIECE:
 * a longer transfer is several events, each but the first with
 * PCIEM_EVENT_F_SAME_INSN); none when refused (PCIEM_EVENT_F_DMA_FAULT). */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(pciem, dma_transfer,
	PCIEM_TP_TRANSFER_ARGS,
	LTTNG_UST_TP_FIELDS(
		PCIEM_TP_EVENT_HEAD
		lttng_ust_field_integer_hex(uint64_t, addr, ev->offset)
		lttng_ust_field_integer(uint64_t, len, ev->data)
		lttng_ust_field_integer_hex(uint32_t, flags, ev->flags)
		lttng_ust_field_sequence_hex(uint8_t, payload, bytes, uint32_t, nbytes)
		PCIEM_TP_EVENT_TAIL
	)
)

LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, dma_transfer, pciem, dma_read,
	PCIEM_TP_TRANSFER_ARGS)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(pciem, dma_transfer, pciem, dma_write,
	PCIEM_TP_TRANSFER_ARGS)

/* Records the kernel could not deliver: the device's sequence numbers
 * first_seq..last_seq, count of them. */
LTTNG_UST_TRACEPOINT_EVENT(pciem, lost,
	LTTNG_UST_TP_ARGS(uint32_t, domain, const struct pciem_trace_lost *, l),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint32_t, domain, domain)
		lttng_ust_field_integer(uint64_t, first_seq, l->first_seq)
		lttng_ust_field_integer(uint64_t, last_seq, l->last_seq)
		lttng_ust_field_integer(uint64_t, count, l->count)
	)
)

/* A device's description, the first record of each device; address is
 * its PCI address, "10000:00:00.0". */
LTTNG_UST_TRACEPOINT_EVENT(pciem, device,
	LTTNG_UST_TP_ARGS(uint32_t, domain, const struct pciem_trace_device *, d,
			  const char *, address),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint32_t, domain, domain)
		lttng_ust_field_integer_hex(uint16_t, vendor_id, d->vendor_id)
		lttng_ust_field_integer_hex(uint16_t, device_id, d->device_id)
		lttng_ust_field_integer_hex(uint8_t, bus, d->bus)
		lttng_ust_field_integer_hex(uint8_t, devfn, d->devfn)
		lttng_ust_field_integer(uint32_t, creator_pid, d->creator_pid)
		lttng_ust_field_integer(uint64_t, bar0_size, d->bars[0].size)
		lttng_ust_field_string(address, address)
	)
)

/* The driver bound to a device, as pciem-record learns it from sysfs. */
LTTNG_UST_TRACEPOINT_EVENT(pciem, driver,
	LTTNG_UST_TP_ARGS(uint32_t, domain, const char *, driver),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint32_t, domain, domain)
		lttng_ust_field_string(driver, driver)
	)
)

#endif /* PCIEM_TP_H */

#include <lttng/tracepoint-event.h>
