// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint call sites of the "pciem" LTTng-UST provider, and loading of
 * the provider.  This file is the only one that includes pciem_tp.h, with
 * LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE: pciem-record then links
 * with -ldl only, and its tracepoints stay off until libpciem-tp.so (which
 * links liblttng-ust) is dlopen()ed.  Built without liblttng-ust-dev
 * (no HAVE_LTTNG_UST), the functions below are empty.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lttng.h"
#include "ptf.h"

#ifdef HAVE_LTTNG_UST
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "pciem_tp.h"
#endif

static void *tp_handle;
static char tp_status[PATH_MAX + 128] = "pciem:* tracepoints off: not initialised";

#ifdef HAVE_LTTNG_UST
static const char *lc_name(uint64_t kind)
{
	static const char *const names[] = {
		[PCIEM_LC_REGISTERED] = "registered",
		[PCIEM_LC_BAR_MAPPED] = "bar_mapped",
		[PCIEM_LC_BAR_UNMAPPED] = "bar_unmapped",
		[PCIEM_LC_DRIVER_BOUND] = "driver_bound",
		[PCIEM_LC_DRIVER_UNBOUND] = "driver_unbound",
		[PCIEM_LC_REMOVED] = "removed",
		[PCIEM_LC_BAR_TAKEN_OVER] = "bar_taken_over",
	};

	if (kind < sizeof(names) / sizeof(names[0]) && names[kind])
		return names[kind];
	return "unknown";
}

/* The reg field of an access: where it went, as an export without a
 * register map has it ("bar0+0x8", "cfg+0x4"). */
static void location(char *buf, size_t len, const struct pciem_event *ev)
{
	if (ev->type == PCIEM_EVENT_CONFIG_READ || ev->type == PCIEM_EVENT_CONFIG_WRITE)
		snprintf(buf, len, "cfg+0x%llx", (unsigned long long)ev->offset);
	else
		snprintf(buf, len, "bar%u+0x%llx", ev->bar, (unsigned long long)ev->offset);
}

/* The frames of the event being emitted, named only when a session
 * wants the event (ptf_stack_text()). */
struct tp_stack {
	const uint64_t *ips;
	uint32_t n;
	int (*name)(void *ctx, uint64_t ip, char *buf, size_t len);
	void *ctx;
};

static const char *stack_text(const struct tp_stack *st)
{
	static char text[PTF_STACK_TEXT_MAX];

	if (!st->n)
		return "";
	ptf_stack_text(text, sizeof(text), st->ips, st->n, st->name, st->ctx);
	return text;
}

/* An access tracepoint; reg and stack are formatted only when a session
 * wants it. */
#define EMIT_ACCESS(name)						\
	do {								\
		if (lttng_ust_tracepoint_enabled(pciem, name)) {	\
			location(reg, sizeof(reg), ev);			\
			lttng_ust_do_tracepoint(pciem, name, domain, ev, reg, \
						stack_text(st));	\
		}							\
	} while (0)

/* Any other event tracepoint, with its arguments after @ev (evaluated
 * only when a session wants it). */
#define EMIT_EVENT(name, ...)						\
	do {								\
		if (lttng_ust_tracepoint_enabled(pciem, name))		\
			lttng_ust_do_tracepoint(pciem, name, domain, ev, __VA_ARGS__); \
	} while (0)

/*
 * A DMA transfer: its bytes follow the event in the record (@avail bytes
 * are there), none when refused; at most PCIEM_TRACE_DMA_PIECE.
 */
#define EMIT_TRANSFER(name)						\
	do {								\
		if (lttng_ust_tracepoint_enabled(pciem, name)) {	\
			uint32_t n = 0;					\
									\
			if (!(ev->flags & PCIEM_EVENT_F_DMA_FAULT))	\
				n = ev->data < avail ? (uint32_t)ev->data : avail; \
			if (n > PCIEM_TRACE_DMA_PIECE)			\
				n = PCIEM_TRACE_DMA_PIECE;		\
			lttng_ust_do_tracepoint(pciem, name, domain, ev, \
						(const uint8_t *)(ev + 1), n, \
						stack_text(st));	\
		}							\
	} while (0)

static void emit_event(uint32_t domain, const struct pciem_event *ev, uint32_t avail,
		       const struct tp_stack *st)
{
	char reg[48];

	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
		EMIT_ACCESS(mmio_read);
		break;
	case PCIEM_EVENT_MMIO_WRITE:
		EMIT_ACCESS(mmio_write);
		break;
	case PCIEM_EVENT_CONFIG_READ:
		EMIT_ACCESS(config_read);
		break;
	case PCIEM_EVENT_CONFIG_WRITE:
		EMIT_ACCESS(config_write);
		break;
	case PCIEM_EVENT_WATCHPOINT:
		EMIT_ACCESS(watchpoint);
		break;
	case PCIEM_EVENT_UNSUPPORTED:
		EMIT_EVENT(unsupported, stack_text(st));
		break;
	case PCIEM_EVENT_IRQ:
		EMIT_EVENT(irq, stack_text(st));
		break;
	case PCIEM_EVENT_LIFECYCLE:
		EMIT_EVENT(lifecycle, lc_name(ev->offset), stack_text(st));
		break;
	case PCIEM_EVENT_DMA_MAP:
		EMIT_EVENT(dma_map, stack_text(st));
		break;
	case PCIEM_EVENT_DMA_UNMAP:
		EMIT_EVENT(dma_unmap, stack_text(st));
		break;
	case PCIEM_EVENT_DMA_SYNC:
		EMIT_EVENT(dma_sync, stack_text(st));
		break;
	case PCIEM_EVENT_DMA_READ:
		EMIT_TRANSFER(dma_read);
		break;
	case PCIEM_EVENT_DMA_WRITE:
		EMIT_TRANSFER(dma_write);
		break;
	default:
		break;
	}
}

void lttng__emit(const struct pciem_trace_rec *rec, const uint64_t *stack, uint32_t nstack,
		 int (*name)(void *ctx, uint64_t ip, char *buf, size_t len), void *ctx)
{
	const struct tp_stack st = { stack, name ? nstack : 0, name, ctx };
	const void *payload = rec + 1;

	if (!tp_handle)
		return;
	switch (rec->type) {
	case PCIEM_TREC_EVENT:
		if (rec->size >= sizeof(*rec) + sizeof(struct pciem_event))
			emit_event(rec->domain, payload,
				   rec->size - sizeof(*rec) - sizeof(struct pciem_event), &st);
		break;
	case PCIEM_TREC_DEVICE:
		if (rec->size >= sizeof(*rec) + sizeof(struct pciem_trace_device)) {
			const struct pciem_trace_device *d = payload;
			char addr[32];

			/* a real device's stream key is not its domain */
			snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%x",
				 PCIEM_KEY_IS_REAL(rec->domain) ? PCIEM_KEY_REAL_DOMAIN(rec->domain) :
				 rec->domain, d->bus, d->devfn >> 3, d->devfn & 7);
			lttng_ust_tracepoint(pciem, device, rec->domain, d, addr);
		}
		break;
	case PCIEM_TREC_LOST:
		if (rec->size >= sizeof(*rec) + sizeof(struct pciem_trace_lost))
			lttng_ust_tracepoint(pciem, lost, rec->domain, payload);
		break;
	default:
		break;
	}
}

void lttng__driver(uint32_t domain, const char *driver)
{
	if (tp_handle)
		lttng_ust_tracepoint(pciem, driver, domain, driver);
}

/* The provider beside the running binary: ../lib/pciem/libpciem-tp.so
 * (an installed tree: make install, the Debian package) or else
 * ../lib/libpciem-tp.so (the build tree), relative to its directory.
 * 0 and the path of the first that exists, or -1. */
static int beside_binary(char *buf, size_t len)
{
	static const char *const dirs[] = { "../lib/pciem", "../lib" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	size_t i;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (snprintf(buf, len, "%s/%s/%s", exe, dirs[i], LTTNG_TP_NAME) >= (int)len)
			return -1;
		if (!access(buf, F_OK))
			return 0;
	}
	return -1;
}

/* dlopen()s the provider at @path: true, and the status says it is on;
 * or false, and *err is dlerror()'s message (which may be NULL). */
static bool tp_open(const char *path, const char **err)
{
	tp_handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!tp_handle) {
		*err = dlerror();
		return false;
	}
	snprintf(tp_status, sizeof(tp_status), "pciem:* tracepoints on (%s)", path);
	return true;
}

bool lttng__init(bool verbose)
{
	const char *env = getenv(LTTNG_TP_ENV);
	char path[PATH_MAX];
	const char *err;

	if (env && (!*env || !strcmp(env, "0"))) {
		snprintf(tp_status, sizeof(tp_status),
			 "pciem:* tracepoints off: %s is empty", LTTNG_TP_ENV);
	} else if (env) {
		if (!tp_open(env, &err)) {
			snprintf(tp_status, sizeof(tp_status),
				 "pciem:* tracepoints off: cannot load %s=%s: %s",
				 LTTNG_TP_ENV, env, err ? err : "?");
			/* asked for by name: always worth a line */
			fprintf(stderr, "pciem-record: note: %s\n", tp_status);
			return false;
		}
	} else if (!beside_binary(path, sizeof(path))) {
		if (!tp_open(path, &err))
			snprintf(tp_status, sizeof(tp_status),
				 "pciem:* tracepoints off: cannot load %s: %s (is liblttng-ust installed?)",
				 path, err ? err : "?");
	} else if (!tp_open(LTTNG_TP_NAME, &err)) {
		snprintf(tp_status, sizeof(tp_status), "pciem:* tracepoints off: %s",
			 err ? err : LTTNG_TP_NAME " not found");
	}
	if (verbose)
		fprintf(stderr, "pciem-record: %s\n", tp_status);
	return tp_handle != NULL;
}

void lttng__exit(void)
{
	/* The provider stays mapped: liblttng-ust's own threads and
	 * destructors expect its probes to outlive them, and the process
	 * is about to exit anyway. */
	tp_handle = NULL;
}

#else /* !HAVE_LTTNG_UST */

void lttng__emit(const struct pciem_trace_rec *rec, const uint64_t *stack, uint32_t nstack,
		 int (*name)(void *ctx, uint64_t ip, char *buf, size_t len), void *ctx)
{
	(void)rec;
	(void)stack;
	(void)nstack;
	(void)name;
	(void)ctx;
}

void lttng__driver(uint32_t domain, const char *driver)
{
	(void)domain;
	(void)driver;
}

bool lttng__init(bool verbose)
{
	snprintf(tp_status, sizeof(tp_status),
		 "pciem:* tracepoints off: built without liblttng-ust-dev");
	if (verbose)
		fprintf(stderr, "pciem-record: %s\n", tp_status);
	return false;
}

void lttng__exit(void)
{
	tp_handle = NULL;
}

#endif /* HAVE_LTTNG_UST */

const char *lttng__status(void)
{
	return tp_status;
}
