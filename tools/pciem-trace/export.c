// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace export --ctf DIR: a trace as a CTF 1.8 trace that
 * babeltrace2 and Trace Compass read, with the event classes of the
 * LTTng-UST provider "pciem" (tracer/pciem_tp.h), so that a live LTTng
 * session and an export look the same to every tool.  The classes below
 * and the provider must stay equal: tests/vm/t_lttng.sh compares them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctf.h"
#include "pciem-trace.h"

static struct env {
	struct trace_args args;
	const char *ctf;
	struct filter filter;
} env;

static const char doc[] =
	"Write a trace as a CTF 1.8 trace (TSDL metadata and one binary stream per CPU) in the "
	"new or empty directory DIR, for babeltrace2 and Trace Compass.  Its events are those "
	"of the LTTng-UST provider pciem (pciem:mmio_read, pciem:irq, ...) with the same "
	"fields, its environment says domain = \"ust\", and its clock is the recording's "
	"CLOCK_MONOTONIC with its offset to real time and, for traces of format 1.1, the "
	"recording machine's boot id as its uuid.  A LOST record becomes a pciem:lost event "
	"and the packet's discarded-event count.  A DMA transfer's bytes are its event's "
	"payload field, at most 4096 an event as in a live session: a longer one is split "
	"into several events.  Filters select records as for dump.\v"
	"Examples:\n"
	"  pciem-trace export --ctf run-ctf run.zst\n"
	"  pciem-trace export --ctf run-ctf --regs dummy_clock.regs run.zst\n"
	"  pciem-trace export --ctf irqs --type irq,lifecycle --device 10000 run.zst\n"
	"  babeltrace2 run-ctf\n\n"
	"Trace Compass: File > Open Trace... on DIR/metadata; the analysis and how to read it: "
	"docs/trace-compass.md.\n\n"
	"Exit status: 0 ok; 1 the trace is cut short (its readable part was exported, with a "
	"warning); 2 usage error, DIR exists and is not empty, the trace cannot be read or is "
	"corrupt (the records before the damage are exported), or writing failed.";

static const struct argp_option options[] = {
	{ "ctf", 'c', "DIR", 0, "Write the CTF trace into DIR (created; must be empty)", 0 },
	{ 0 },
};

static const struct argp trace_argp = TRACE_ARGP("Register map: register names in the reg "
						   "field of access events (else bar0+0x8, cfg+0x4)");

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.args;
		state->child_inputs[1] = &env.filter;
		break;
	case 'c':
		env.ctf = arg;
		break;
	case ARGP_KEY_END:
		if (!env.ctf)
			argp_error(state, "no output given: --ctf DIR");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- the event classes: as in tracer/pciem_tp.h --------------------------- */

#define F_HEAD	{ "domain", CTF_U32, 1 }, { "seq", CTF_U64, 0 }
/* the call stack (pciem-record --stacks): frames joined by PTF_STACK_SEP,
 * "" when none; last in every class of an event */
#define F_STACK	{ "stack", CTF_STRING, 0 }
#define F_TAIL	{ "timestamp", CTF_U64, 0 }, { "ip", CTF_U64, 1 }, \
		{ "cpu", CTF_U32, 0 }, { "pid", CTF_U32, 0 }, F_STACK

static const struct ctf_field access_fields[] = {
	F_HEAD,
	{ "bar", CTF_U32, 0 }, { "offset", CTF_U64, 1 }, { "size", CTF_U32, 0 },
	{ "data", CTF_U64, 1 }, { "flags", CTF_U32, 1 }, { "reg", CTF_STRING, 0 },
	F_TAIL,
};

static const struct ctf_field unsupported_fields[] = {
	F_HEAD,
	{ "bar", CTF_U32, 0 }, { "offset", CTF_U64, 1 }, { "size", CTF_U32, 0 },
	{ "data", CTF_U64, 1 },
	F_TAIL,
};

static const struct ctf_field irq_fields[] = {
	F_HEAD,
	{ "data", CTF_U64, 0 }, { "flags", CTF_U32, 1 }, { "timestamp", CTF_U64, 0 },
	{ "cpu", CTF_U32, 0 }, { "pid", CTF_U32, 0 }, F_STACK,
};

static const struct ctf_field lifecycle_fields[] = {
	F_HEAD,
	{ "kind", CTF_U32, 0 }, { "kind_name", CTF_STRING, 0 }, { "bar", CTF_U32, 0 },
	{ "data", CTF_U64, 1 },
	F_TAIL,
};

/* DMA (format 1.4): a mapping made or ended, a sync: the bus address, the
 * length, the direction (PCIEM_DMA_DIR_*) and the flags */
static const struct ctf_field dma_fields[] = {
	F_HEAD,
	{ "addr", CTF_U64, 1 }, { "len", CTF_U64, 0 }, { "dir", CTF_U32, 0 },
	{ "flags", CTF_U32, 1 },
	F_TAIL,
};

/* a device read or write of host memory, with the bytes moved (none when
 * refused) */
static const struct ctf_field dma_transfer_fields[] = {
	F_HEAD,
	{ "addr", CTF_U64, 1 }, { "len", CTF_U64, 0 }, { "flags", CTF_U32, 1 },
	{ "payload", CTF_BYTES, 1 },
	F_TAIL,
};

static const struct ctf_field lost_fields[] = {
	{ "domain", CTF_U32, 1 }, { "first_seq", CTF_U64, 0 }, { "last_seq", CTF_U64, 0 },
	{ "count", CTF_U64, 0 },
};

static const struct ctf_field device_fields[] = {
	{ "domain", CTF_U32, 1 }, { "vendor_id", CTF_U16, 1 }, { "device_id", CTF_U16, 1 },
	{ "bus", CTF_U8, 1 }, { "devfn", CTF_U8, 1 }, { "creator_pid", CTF_U32, 0 },
	{ "bar0_size", CTF_U64, 0 }, { "address", CTF_STRING, 0 },
};

static const struct ctf_field driver_fields[] = {
	{ "domain", CTF_U32, 1 }, { "driver", CTF_STRING, 0 },
};

enum {
	ID_MMIO_READ, ID_MMIO_WRITE, ID_CONFIG_READ, ID_CONFIG_WRITE, ID_WATCHPOINT,
	ID_UNSUPPORTED, ID_IRQ, ID_LIFECYCLE, ID_LOST, ID_DEVICE, ID_DRIVER,
	ID_DMA_MAP, ID_DMA_UNMAP, ID_DMA_SYNC, ID_DMA_READ, ID_DMA_WRITE,
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define CLASS(name, f)	{ name, f, N(f), 13 }
static const struct ctf_event_class classes[] = {
	[ID_MMIO_READ] = CLASS("pciem:mmio_read", access_fields),
	[ID_MMIO_WRITE] = CLASS("pciem:mmio_write", access_fields),
	[ID_CONFIG_READ] = CLASS("pciem:config_read", access_fields),
	[ID_CONFIG_WRITE] = CLASS("pciem:config_write", access_fields),
	[ID_WATCHPOINT] = CLASS("pciem:watchpoint", access_fields),
	[ID_UNSUPPORTED] = CLASS("pciem:unsupported", unsupported_fields),
	[ID_IRQ] = CLASS("pciem:irq", irq_fields),
	[ID_LIFECYCLE] = CLASS("pciem:lifecycle", lifecycle_fields),
	[ID_LOST] = CLASS("pciem:lost", lost_fields),
	[ID_DEVICE] = CLASS("pciem:device", device_fields),
	[ID_DRIVER] = CLASS("pciem:driver", driver_fields),
	[ID_DMA_MAP] = CLASS("pciem:dma_map", dma_fields),
	[ID_DMA_UNMAP] = CLASS("pciem:dma_unmap", dma_fields),
	[ID_DMA_SYNC] = CLASS("pciem:dma_sync", dma_fields),
	[ID_DMA_READ] = CLASS("pciem:dma_read", dma_transfer_fields),
	[ID_DMA_WRITE] = CLASS("pciem:dma_write", dma_transfer_fields),
};

/* Longest strings written: a register name as reg__format() gives it, a
 * life-cycle kind, a device address, a driver; and a stack; and the bytes
 * of a DMA transfer, at most PCIEM_TRACE_DMA_PIECE an event as in a live
 * session (a longer payload is split, below). */
#define REG_TEXT_MAX	(REGS_NAME_MAX + 24)
#define MAX_PAYLOAD	(128 + REG_TEXT_MAX + 256 + PTF_STACK_TEXT_MAX + PCIEM_TRACE_DMA_PIECE)

/* ---- export ------------------------------------------------------------------ */

/* The reg field of recent registers, so that an access costs no look-up
 * in the map and no formatting.  Emptied when a device is described. */
#define REG_CACHE	256
struct reg_slot {
	uint64_t offset;
	uint32_t domain, bar;
	uint8_t cfg, valid;
	uint16_t len;
	char text[REG_TEXT_MAX];
};

struct export {
	struct ptf_reader *r;
	const struct regmap *map;
	struct ctf_writer *w;
	struct ctf_stream *cur;		/* the stream of the last event written */
	uint64_t now;			/* the latest event time written */
	uint64_t events, unknown;
	struct reg_slot *regs;		/* REG_CACHE of them */
	char **stacks;			/* the stack field of each stack id met */
	uint32_t nstacks;
	uint8_t *pbuf;			/* a DMA payload split into pieces */
	uint32_t pbuf_len;
};

/* Writes the reg field of an access: its register's name under the map,
 * else where it went. */
static uint8_t *put_reg(struct export *x, uint8_t *p, uint32_t domain,
			const struct pciem_event *ev, const struct ptf_device *dev)
{
	uint8_t cfg = (uint8_t)event__is_config(ev);
	uint64_t h = (ev->offset ^ ((uint64_t)ev->bar << 20) ^ ((uint64_t)cfg << 24) ^
		      ((uint64_t)domain << 28)) * 0x9e3779b97f4a7c15ULL;
	struct reg_slot *sl = &x->regs[h >> 56];
	const struct reg *reg;

	if (!sl->valid || sl->offset != ev->offset || sl->bar != ev->bar || sl->cfg != cfg ||
	    sl->domain != domain) {
		reg = x->map ? event__reg(ev, x->map, dev) : NULL;
		if (reg)
			reg__format(reg, ev->offset, sl->text, sizeof(sl->text));
		else
			event__location(sl->text, sizeof(sl->text), ev);
		sl->len = (uint16_t)strlen(sl->text);
		sl->offset = ev->offset;
		sl->bar = ev->bar;
		sl->cfg = cfg;
		sl->domain = domain;
		sl->valid = 1;
	}
	memcpy(p, sl->text, sl->len + 1);
	return p + sl->len + 1;
}

static int name_frame(void *r, uint64_t ip, char *buf, size_t len)
{
	return ptf_reader__symbolize(r, ip, buf, len);
}

/* Writes the stack field of an event with stack @id (0: none, ""),
 * formatted once per stack.  NULL without memory. */
static uint8_t *put_stack(struct export *x, uint8_t *p, uint32_t id)
{
	char text[PTF_STACK_TEXT_MAX];
	const uint64_t *ips;
	uint32_t n;

	if (!id || ptf_reader__stack(x->r, id, &ips, &n))
		return ctf_put_str(p, "", 0);
	if (id >= x->nstacks) {
		uint32_t cap = id + 1 > 2 * x->nstacks ? id + 1 : 2 * x->nstacks;
		char **grown = realloc(x->stacks, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		memset(grown + x->nstacks, 0, (cap - x->nstacks) * sizeof(*grown));
		x->stacks = grown;
		x->nstacks = cap;
	}
	if (!x->stacks[id]) {
		ptf_stack_text(text, sizeof(text), ips, n, name_frame, x->r);
		x->stacks[id] = strdup(text);
		if (!x->stacks[id])
			return NULL;
	}
	return ctf_put_str(p, x->stacks[id], PTF_STACK_TEXT_MAX - 1);
}

/* The stream of @cpu, and the writer's message when it cannot be had. */
static struct ctf_stream *stream_of(struct export *x, uint32_t cpu)
{
	struct ctf_stream *s = ctf_writer__stream(x->w, cpu);

	if (!s)
		ptrace_err("%s", ctf_writer__error(x->w));
	return s;
}

/* Records without a time or CPU of their own (device, driver, lost) go
 * into the stream of the event exported before them, at its time. */
static struct ctf_stream *stream_now(struct export *x)
{
	if (!x->cur)
		x->cur = stream_of(x, 0);
	return x->cur;
}

/*
 * One event of a DMA transfer of @ev, for its bytes @buf[@at..@at+@len)
 * (NULL: none stored, or refused).
 */
static uint8_t *put_transfer(uint8_t *p, const struct pciem_event *ev, const uint8_t *buf,
			     uint32_t at, uint32_t len)
{
	uint32_t flags = ev->flags | (at ? PCIEM_EVENT_F_SAME_INSN : 0);

	p = ctf_put_u64(p, ev->offset + at);
	p = ctf_put_u64(p, buf ? len : ev->data);
	p = ctf_put_u32(p, flags);
	return ctf_put_bytes(p, buf ? buf + at : NULL, buf ? len : 0);
}

static int write_event(struct export *x, uint32_t domain, const struct pciem_event *ev,
		       uint32_t stack, uint32_t payload, const struct ptf_device *dev)
{
	const uint8_t *bytes = NULL;
	uint32_t nbytes = 0, at = 0, piece = 0;
	struct ctf_stream *s;
	uint64_t ts;
	uint8_t *p;
	int id;

	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ: id = ID_MMIO_READ; break;
	case PCIEM_EVENT_MMIO_WRITE: id = ID_MMIO_WRITE; break;
	case PCIEM_EVENT_CONFIG_READ: id = ID_CONFIG_READ; break;
	case PCIEM_EVENT_CONFIG_WRITE: id = ID_CONFIG_WRITE; break;
	case PCIEM_EVENT_WATCHPOINT: id = ID_WATCHPOINT; break;
	case PCIEM_EVENT_UNSUPPORTED: id = ID_UNSUPPORTED; break;
	case PCIEM_EVENT_IRQ: id = ID_IRQ; break;
	case PCIEM_EVENT_LIFECYCLE: id = ID_LIFECYCLE; break;
	case PCIEM_EVENT_DMA_MAP: id = ID_DMA_MAP; break;
	case PCIEM_EVENT_DMA_UNMAP: id = ID_DMA_UNMAP; break;
	case PCIEM_EVENT_DMA_SYNC: id = ID_DMA_SYNC; break;
	case PCIEM_EVENT_DMA_READ: id = ID_DMA_READ; break;
	case PCIEM_EVENT_DMA_WRITE: id = ID_DMA_WRITE; break;
	default:
		x->unknown++;		/* no class in the provider: said at the end */
		return 0;
	}
	if (payload && !(ev->flags & PCIEM_EVENT_F_DMA_FAULT)) {
		const void *buf;

		if (!ptf_reader__payload(x->r, payload, &buf, &nbytes) && nbytes)
			bytes = buf;
		/* the bytes are the reader's until its next call: put_stack()
		 * makes one before the next piece */
		if (bytes && nbytes > PCIEM_TRACE_DMA_PIECE) {
			if (nbytes > x->pbuf_len) {
				uint8_t *grown = realloc(x->pbuf, nbytes);

				if (!grown) {
					ptrace_err("out of memory");
					return -1;
				}
				x->pbuf = grown;
				x->pbuf_len = nbytes;
			}
			memcpy(x->pbuf, bytes, nbytes);
			bytes = x->pbuf;
		}
	}
	/* a payload longer than a piece is several events, as the kernel
	 * gives a long transfer: in address order, each but the first with
	 * PCIEM_EVENT_F_SAME_INSN */
next_piece:
	ts = ev->timestamp_ns;
	if (bytes)
		piece = nbytes - at < PCIEM_TRACE_DMA_PIECE ? nbytes - at : PCIEM_TRACE_DMA_PIECE;
	s = x->cur && x->cur->cpu == ev->cpu ? x->cur : stream_of(x, ev->cpu);
	if (!s)
		return -1;
	p = ctf_stream__begin(x->w, s, (uint16_t)id, &ts, MAX_PAYLOAD);
	if (!p) {
		ptrace_err("%s", ctf_writer__error(x->w));
		return -1;
	}
	x->cur = s;
	if (ts > x->now)
		x->now = ts;
	p = ctf_put_u32(p, domain);
	p = ctf_put_u64(p, ev->seq);
	switch (id) {
	case ID_IRQ:
		p = ctf_put_u64(p, ev->data);
		p = ctf_put_u32(p, ev->flags);
		p = ctf_put_u64(p, ev->timestamp_ns);
		p = ctf_put_u32(p, ev->cpu);
		p = ctf_put_u32(p, ev->pid);
		break;
	case ID_LIFECYCLE: {
		const char *kn = lifecycle__name(ev->offset);

		p = ctf_put_u32(p, (uint32_t)ev->offset);
		p = ctf_put_str(p, kn ? kn : "unknown", 32);
		p = ctf_put_u32(p, ev->bar);
		p = ctf_put_u64(p, ev->data);
		break;
	}
	case ID_UNSUPPORTED:
		p = ctf_put_u32(p, ev->bar);
		p = ctf_put_u64(p, ev->offset);
		p = ctf_put_u32(p, ev->size);
		p = ctf_put_u64(p, ev->data);
		break;
	case ID_DMA_MAP:
	case ID_DMA_UNMAP:
	case ID_DMA_SYNC:
		p = ctf_put_u64(p, ev->offset);
		p = ctf_put_u64(p, ev->data);
		p = ctf_put_u32(p, ev->bar);
		p = ctf_put_u32(p, ev->flags);
		break;
	case ID_DMA_READ:
	case ID_DMA_WRITE:
		p = put_transfer(p, ev, bytes, at, piece);
		break;
	default:
		p = ctf_put_u32(p, ev->bar);
		p = ctf_put_u64(p, ev->offset);
		p = ctf_put_u32(p, ev->size);
		p = ctf_put_u64(p, ev->data);
		p = ctf_put_u32(p, ev->flags);
		p = put_reg(x, p, domain, ev, dev);
		break;
	}
	if (id != ID_IRQ) {
		p = ctf_put_u64(p, ev->timestamp_ns);
		p = ctf_put_u64(p, ev->ip);
		p = ctf_put_u32(p, ev->cpu);
		p = ctf_put_u32(p, ev->pid);
	}
	p = put_stack(x, p, stack);
	if (!p) {
		ptrace_err("out of memory");
		return -1;
	}
	ctf_stream__commit(s, p);
	x->events++;
	at += piece;
	if (bytes && at < nbytes)
		goto next_piece;
	return 0;
}

static int write_record(struct export *x, const struct ptf_record *rec)
{
	struct ctf_stream *s;
	uint64_t ts = x->now;
	char addr[32];
	uint8_t *p;
	int id = rec->type == PTF_REC_LOST ? ID_LOST :
		 rec->type == PTF_REC_DEVICE ? ID_DEVICE : ID_DRIVER;

	s = stream_now(x);
	if (!s)
		return -1;
	/* Readers count the events discarded in a packet from the previous
	 * packet's running count: a LOST record starts a packet after at
	 * least one other (an empty one if need be), and ends it. */
	if (rec->type == PTF_REC_LOST &&
	    ctf_stream__flush(x->w, s, s->seq_num == 0 && !s->events)) {
		ptrace_err("%s", ctf_writer__error(x->w));
		return -1;
	}
	p = ctf_stream__begin(x->w, s, (uint16_t)id, &ts, MAX_PAYLOAD);
	if (!p) {
		ptrace_err("%s", ctf_writer__error(x->w));
		return -1;
	}
	p = ctf_put_u32(p, rec->domain);
	switch (rec->type) {
	case PTF_REC_LOST:
		p = ctf_put_u64(p, rec->lost.first_seq);
		p = ctf_put_u64(p, rec->lost.last_seq);
		p = ctf_put_u64(p, rec->lost.count);
		ctf_stream__commit(s, p);
		/* this packet ends here and reports them as discarded */
		ctf_stream__discard(s, rec->lost.count);
		if (ctf_stream__flush(x->w, s, 0)) {
			ptrace_err("%s", ctf_writer__error(x->w));
			return -1;
		}
		break;
	case PTF_REC_DEVICE: {
		const struct pciem_trace_device *d = &rec->device->desc;

		/* register names may change with the device's IDs */
		memset(x->regs, 0, REG_CACHE * sizeof(*x->regs));

		device__format_addr(addr, sizeof(addr), rec->domain, rec->device);
		p = ctf_put_u16(p, d->vendor_id);
		p = ctf_put_u16(p, d->device_id);
		p = ctf_put_u8(p, d->bus);
		p = ctf_put_u8(p, d->devfn);
		p = ctf_put_u32(p, d->creator_pid);
		p = ctf_put_u64(p, d->bars[0].size);
		p = ctf_put_str(p, addr, sizeof(addr) - 1);
		ctf_stream__commit(s, p);
		break;
	}
	default:
		p = ctf_put_str(p, rec->driver, 255);
		ctf_stream__commit(s, p);
		break;
	}
	return 0;
}

static void fnv(uint64_t *a, uint64_t *b, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		*a = (*a ^ p[i]) * 0x100000001b3ULL;
		*b = (*b ^ p[i] ^ 0x5a) * 0x100000001b3ULL;
	}
}

/* A name-based uuid of the recording (version 8, RFC 9562), from its
 * header's fields: equal recordings give equal exports. */
static void trace_uuid(uint8_t out[16], const struct ptf_header *h)
{
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	size_t i;

	fnv(&a, &b, h->tool_version, strlen(h->tool_version) + 1);
	fnv(&a, &b, h->kernel_release, strlen(h->kernel_release) + 1);
	fnv(&a, &b, h->hostname, strlen(h->hostname) + 1);
	fnv(&a, &b, h->clock, strlen(h->clock) + 1);
	fnv(&a, &b, &h->start_mono_ns, sizeof(h->start_mono_ns));
	fnv(&a, &b, &h->start_real_ns, sizeof(h->start_real_ns));
	fnv(&a, &b, &h->trap_mode, sizeof(h->trap_mode));
	fnv(&a, &b, &h->flags, sizeof(h->flags));
	fnv(&a, &b, h->command, strlen(h->command) + 1);
	fnv(&a, &b, h->boot_id, sizeof(h->boot_id));
	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(a >> (8 * i));
		out[8 + i] = (uint8_t)(b >> (8 * i));
	}
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x80);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

static const char *trap_name(uint32_t mode)
{
	return mode == PCIEM_TRAP_FULL ? "full" : mode == PCIEM_TRAP_WRITES ? "writes" : "unknown";
}

int cmd_export(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &trace_argp, 0, NULL, 0 },
		{ &filter_argp, 0, NULL, 0 },
		{ 0 },
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.args_doc = NULL,
		.doc = doc,
		.children = children,
	};
	struct ctf_writer_opts o = { 0 };
	struct regmap *map = NULL;
	const struct ptf_header *h;
	struct export x = { 0 };
	struct ptf_summary sum;
	struct ptf_record rec;
	char boot[40], created[32], format[16], *base;
	int err, ret = EXIT_ERROR, rd = 0, done = 0, need_dev;
	int64_t diff;
	uint64_t start;
	struct tm tm;
	time_t secs;

	filter__init(&env.filter);
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_ERROR;
	x.regs = calloc(REG_CACHE, sizeof(*x.regs));
	if (!x.regs) {
		ptrace_err("out of memory");
		return EXIT_ERROR;
	}
	if (trace_args__open(&env.args, &env.filter, &map, &x.r))
		goto cleanup;
	x.map = map;
	h = ptf_reader__header(x.r);
	start = h->start_mono_ns;
	/* a stack's frames are named by modules recorded after its event too;
	 * a damaged file is reported by the loop below */
	if (h->flags & PTF_HDR_F_STACKS)
		ptf_reader__load_symbols(x.r);

	/* the clock: CLOCK_MONOTONIC, its 0 at start_real - start_mono */
	diff = h->start_real_ns - (int64_t)h->start_mono_ns;
	o.clock_offset_s = diff / 1000000000LL;
	if (diff % 1000000000LL < 0)
		o.clock_offset_s--;
	o.clock_offset = (uint64_t)(diff - o.clock_offset_s * 1000000000LL);
	o.clock_name = "monotonic";
	o.clock_description = "Monotonic Clock";	/* as LTTng names it */
	if (boot_id__known(h->boot_id))
		o.clock_uuid = h->boot_id;
	format_uuid(boot, sizeof(boot), h->boot_id);
	trace_uuid(o.uuid, h);
	secs = h->start_real_ns / 1000000000LL;
	if (!gmtime_r(&secs, &tm) || !strftime(created, sizeof(created), "%Y%m%dT%H%M%S+0000", &tm))
		snprintf(created, sizeof(created), "unknown");
	snprintf(format, sizeof(format), "%u.%u", h->version_major, h->version_minor);
	base = strrchr(env.args.trace, '/');
	base = base ? base + 1 : (char *)env.args.trace;
	{
		const struct ctf_env e[] = {
			{ "domain", "ust", 0 },
			{ "tracer_name", "pciem-trace", 0 },
			{ "tracer_major", NULL, 0 },
			{ "tracer_minor", NULL, 1 },
			{ "hostname", h->hostname, 0 },
			{ "trace_name", base, 0 },
			{ "trace_creation_datetime", created, 0 },
			{ "kernel_release", h->kernel_release, 0 },
			{ "pciem_format", format, 0 },
			{ "pciem_tool", h->tool_version, 0 },
			{ "pciem_command", h->command, 0 },
			{ "pciem_trap_mode", trap_name(h->trap_mode), 0 },
			{ "pciem_lossless", NULL, !!(h->flags & PTF_HDR_F_LOSSLESS) },
			{ "pciem_boot_id", boot_id__known(h->boot_id) ? boot : "unknown", 0 },
		};

		o.dir = env.ctf;
		o.env = e;
		o.nenv = N(e);
		o.classes = classes;
		o.nclasses = N(classes);
		o.stream_prefix = "pciem";
		err = ctf_writer__open(&x.w, &o);
	}
	if (err) {
		ptrace_err("%s", ctf_writer__error(x.w));
		goto cleanup;
	}
	x.now = start;

	err = filter__seek(&env.filter, x.r, start);
	if (err < 0)
		goto cleanup;
	/* the device's description: for register names and --offset NAME */
	need_dev = map != NULL;
	while (err != 1 && (rd = ptf_reader__next(x.r, &rec)) > 0) {
		const struct ptf_device *dev = NULL;

		if (filter__done(&env.filter, &rec)) {
			done = 1;
			break;
		}
		if (rec.type == PTF_REC_EVENT && need_dev)
			dev = ptf_reader__device(x.r, rec.domain);
		if (!filter__match(&env.filter, &rec, dev, map, start))
			continue;
		if (rec.type == PTF_REC_EVENT) {
			if (write_event(&x, rec.domain, &rec.event, rec.stack, rec.payload, dev))
				goto cleanup;
		} else if (rec.type != PTF_REC_MODULE) {
			if (write_record(&x, &rec))
				goto cleanup;
		}
	}
	if (rd < 0) {
		ptrace_err("%s", ptf_reader__error(x.r));
		ptrace_err("%s: the records before the damage were exported", env.ctf);
		goto cleanup;
	}
	if (x.unknown)
		ptrace_err("warning: %llu events of types unknown to this version were not exported",
			   (unsigned long long)x.unknown);
	if (ctf_writer__raised(x.w))
		ptrace_err("warning: %llu events were earlier than the event before them on the same "
			   "CPU: their CTF time was raised to keep each CPU's stream in order (the "
			   "timestamp field keeps the recorded time)",
			   (unsigned long long)ctf_writer__raised(x.w));
	ret = EXIT_OK;
	if (!done && err != 1) {
		err = ptf_reader__summary(x.r, &sum);
		if (err < 0) {
			ptrace_err("%s", ptf_reader__error(x.r));
			ret = EXIT_ERROR;
		} else if (!sum.complete || sum.trailing_bytes) {
			char end[160];

			summary__describe_end(end, sizeof(end), &sum);
			ptrace_err("%s: warning: the trace is incomplete (%s; no footer: the recording "
				   "did not finish): its readable part was exported", env.args.trace, end);
			ret = EXIT_FINDING;
		}
	}
cleanup:
	if (x.w && ctf_writer__finish(x.w) && ret != EXIT_ERROR) {
		ptrace_err("%s", ctf_writer__error(x.w));
		ret = EXIT_ERROR;
	}
	ctf_writer__close(x.w);
	while (x.nstacks)
		free(x.stacks[--x.nstacks]);
	free(x.stacks);
	free(x.pbuf);
	free(x.regs);
	ptf_reader__close(x.r);
	regmap__free(map);
	return ret;
}
