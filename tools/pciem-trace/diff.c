// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace diff: compare two traces' accesses per device (MMIO reads
 * and writes, config reads and writes, IRQ injections, with their type,
 * BAR, offset, size and value; DMA events with their bytes), ignoring
 * sequence numbers, times, CPUs, tasks and instruction pointers; show the
 * first difference.  A register map's DMA rules exempt fields of the DMA
 * transfers: ignored bytes, and identifiers, compared by the read they name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

static struct env {
	const char *trace[2];
	int ntraces;
	const char *regs;
	unsigned int context;
	int no_config;
	int no_dma;
	int deliveries;
	unsigned int irq_window;
	int irq_window_set;
} env = {
	.context = 3,
	.irq_window = 8,
};

static const char doc[] =
	"Compare the accesses of two traces, device by device: MMIO reads and writes, "
	"config-space reads and writes, IRQ injections, and DMA events (format 1.4), each "
	"with its type, BAR, offset, size and value (the vector and pending/deferred for an "
	"IRQ; for DMA the bus address, length, direction, flags and the bytes moved: "
	"transfers whose bytes differ differ, and the first differing byte is named).  "
	"Sequence numbers, "
	"times, CPUs, tasks and instruction pointers are ignored, and so are watchpoint, "
	"unsupported and lifecycle events.\v"
	"Devices are matched in the order they first appear in each trace; their vendor and "
	"device IDs must match.  The first difference is shown with the accesses before it, "
	"in the manner of diff: ' ' both, '-' only A, '+' only B; [N] is the access's "
	"index among its device's accesses.  When the traces were recorded with call stacks "
	"(pciem-record --stacks), the stack of each differing access follows it, indented, "
	"innermost first.\n\n"
	"With --no-config, config-space accesses are left out: a real device's recording "
	"and a recording of its replay (pciem-replay) differ there by nature, since the PCI "
	"core enumerates the replayed device afresh and BAR addresses depend on the machine.  "
	"With --no-dma, DMA events are left out (their bus addresses depend on the run).  "
	"With --deliveries, an interrupt left pending (masked) and delivered later is one "
	"delivery where it was delivered: a real device's recording has only deliveries (the "
	"driver's handler starting), a replay's has each masked injection too.  A delivery "
	"races with what the driver does on its other CPUs and threads, so with --deliveries "
	"an interrupt may be up to --irq-window accesses (default 8) earlier or later in one "
	"trace than in the other, with no other interrupt in between; 0 compares places "
	"exactly.\n\n"
	"With --regs, the map's DMA rules (docs/register-map.md) apply to the transfers of the "
	"devices they are for, in the mappings made in a rule's function: bytes a rule ignores "
	"are not compared in the device's reads, and identifier fields (id rules: in its "
	"reads; echo rules: in its writes) compare by the read they name: the device's reads "
	"of an identifier field are numbered 1, 2, ... in order, and an echo takes the number "
	"of the last read of the identifier it repeats (one never read differs from every "
	"read one).\n\n"
	"Examples:\n"
	"  pciem-trace diff good.zst new.zst\n"
	"  pciem-trace diff --no-config real.zst replayed.zst\n"
	"  pciem-trace diff -C 10 --regs dummy_clock.regs a.zst b.zst\n"
	"  pciem-trace diff --regs nvme.regs nvme.zst replayed.zst\n"
	"  pciem-trace diff --no-config --deliveries --regs nvme.regs real.zst replayed.zst\n\n"
	"Exit status: 0 the accesses are equal, 1 they differ, 2 usage error, or a file "
	"cannot be opened or is corrupt.";

static const struct argp_option options[] = {
	{ "context", 'C', "N", 0, "Show N accesses before the first difference (default 3)", 0 },
	{ "regs", 'r', "FILE", 0,
	  "Register map: name the registers; its DMA rules exempt fields of DMA transfers", 0 },
	{ "no-config", 'n', NULL, 0, "Leave config-space accesses out", 0 },
	{ "no-dma", 'D', NULL, 0, "Leave DMA events out", 0 },
	{ "deliveries", 'I', NULL, 0,
	  "Compare interrupt deliveries: one left pending and delivered later counts once, "
	  "where it was delivered", 0 },
	{ "irq-window", 'W', "N", 0,
	  "With --deliveries: an interrupt may be up to N accesses from its place in the "
	  "other trace (default 8; 0: exactly in place)", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	uint64_t v;

	switch (key) {
	case 'C':
		if (parse_u64(arg, &v) || v > 1000000)
			argp_error(state, "bad --context '%s' (expected 0-1000000)", arg);
		env.context = v;
		break;
	case 'r':
		env.regs = arg;
		break;
	case 'n':
		env.no_config = 1;
		break;
	case 'D':
		env.no_dma = 1;
		break;
	case 'I':
		env.deliveries = 1;
		break;
	case 'W':
		if (parse_u64(arg, &v) || v > 1000000)
			argp_error(state, "bad --irq-window '%s' (expected 0-1000000)", arg);
		env.irq_window = v;
		env.irq_window_set = 1;
		break;
	case ARGP_KEY_ARG:
		if (env.ntraces == 2)
			argp_error(state, "two trace files only");
		env.trace[env.ntraces++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.ntraces != 2)
			argp_error(state, "two trace files are needed");
		if (env.irq_window_set && !env.deliveries)
			argp_error(state, "--irq-window applies to --deliveries only");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct access {
	uint32_t type;
	uint32_t bar;
	uint64_t offset;
	uint64_t data;
	uint32_t size;
	uint32_t flags;			/* IRQ: pending and deferred */
	uint64_t seq;			/* for the report only */
	uint32_t stack;			/* the call stack, 0 none (report only) */
	uint32_t payload;		/* DMA transfer: its payload id, 0 none */
	uint64_t phash;			/* and a hash of its bytes */
	uint32_t patch, npatch;		/* DMA transfer: its fields under DMA rules */
};

/*
 * A field of a DMA transfer that a DMA rule of the register map exempts:
 * bytes [from, to) of the transfer, zero in the comparison; an identifier
 * or an echo compares by its number instead.
 */
struct patch {
	uint32_t from, to;
	enum reg_dma_kind kind;
	unsigned int space;		/* ID, ECHO: the identifier's space */
	uint32_t value;			/* the recorded identifier (completed) */
	uint32_t number;		/* its number, PATCH_UNREAD: never read */
};

#define PATCH_UNREAD	0x80000000U	/* the number of an echo of an unread one */
#define ID_SLOTS_MAX	(1U << 16)	/* identifiers kept per mapping, as the kernel */

/*
 * An identifier space (a name of 'dma id' rules) of a device.  The device's
 * reads of identifier fields are numbered 1, 2, ... in order; an echo takes
 * the number of the last read of the identifier it repeats (the kernel
 * gives it the driver's identifier of that read), or, for an identifier
 * never read, PATCH_UNREAD with the number of its first such echo.
 */
struct idspace {
	const char *name;
	uint32_t len;			/* 1 or 2 bytes */
	uint32_t reads, unread;		/* reads so far; unread identifiers echoed */
	uint32_t *last;			/* per identifier: its last read, 0 none */
	uint32_t *unread_no;		/* per identifier never read: its number */
};

/* A live DMA mapping that rules apply to. */
struct rmap {
	uint64_t size;
	uint64_t mask;			/* its rules (bits of ddev.rules) */
	uint32_t nslots;		/* 0: too many entries, none kept */
	uint32_t slots[];		/* per identifier rule of the device and
					 * entry: the recorded identifier as last
					 * seen */
};

#define DIFF_RULES_MAX	64		/* rules of a device (bits of rmap.mask) */

struct ddev {
	uint32_t domain;		/* first, for devs__get() */
	int described;
	struct ptf_device dev;
	struct access *acc;
	size_t n, cap;
	/* DMA rules of the register map (none without --regs) */
	const struct reg_dma_rule **rules;
	unsigned int nrules;
	unsigned int *rspace;		/* per rule: its identifier space */
	struct idspace *spaces;
	unsigned int nspaces;
	struct rmap **rmaps;		/* per mapping of the tracker, NULL: no rules */
	size_t nrmaps;
	struct patch *patches;
	size_t npatches, pcap;
};

struct dtrace {
	const char *path;
	struct ptf_reader *r;		/* kept open for the stacks */
	struct ddev *devs;
	unsigned int ndevs;
	uint64_t total;
	uint64_t *phash;		/* hash of each payload id met, 0: not yet */
	uint32_t nphash;
	const struct regmap *map;
	struct dma_tracker dma;		/* with DMA rules: the mappings */
	uint8_t *buf;			/* a transfer's bytes, normalized */
	uint32_t buflen;
};

static int is_access(uint32_t type)
{
	if (type == PCIEM_EVENT_CONFIG_READ || type == PCIEM_EVENT_CONFIG_WRITE)
		return !env.no_config;
	if (type >= PCIEM_EVENT_DMA_MAP && type <= PCIEM_EVENT_DMA_WRITE)
		return !env.no_dma;
	return type == PCIEM_EVENT_MMIO_READ || type == PCIEM_EVENT_MMIO_WRITE ||
	       type == PCIEM_EVENT_IRQ;
}

static int ddev__add(struct ddev *d, const struct pciem_event *ev, uint32_t stack)
{
	struct access *a;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 1024;

		a = realloc(d->acc, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		d->acc = a;
		d->cap = cap;
	}
	a = &d->acc[d->n++];
	memset(a, 0, sizeof(*a));
	a->type = ev->type;
	a->seq = ev->seq;
	a->stack = stack;
	a->data = ev->data;
	if (ev->type == PCIEM_EVENT_IRQ) {
		a->flags = ev->flags & (PCIEM_EVENT_F_PENDING | PCIEM_EVENT_F_DEFERRED);
		return 0;
	}
	if (event__is_dma(ev)) {
		a->offset = ev->offset;
		a->bar = ev->bar;
		a->flags = ev->flags & (PCIEM_EVENT_F_SAME_INSN | PCIEM_EVENT_F_DMA_COHERENT |
					PCIEM_EVENT_F_DMA_FOR_DEVICE | PCIEM_EVENT_F_DMA_FAULT |
					PCIEM_EVENT_F_DMA_SEEN);
		return 0;
	}
	a->offset = ev->offset;
	a->size = ev->size;
	if (ev->type == PCIEM_EVENT_MMIO_READ || ev->type == PCIEM_EVENT_MMIO_WRITE)
		a->bar = ev->bar;
	return 0;
}

#define FNV_START	0xcbf29ce484222325ULL

/* FNV-1a of @len bytes at @p, continuing @h. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* FNV-1a of a payload's bytes, never 0. */
static uint64_t bytes_hash(const uint8_t *p, uint32_t len)
{
	uint64_t h = fnv(FNV_START, p, len);

	return h ? h : 1;
}

/* The hash of payload @id of @t, computed once per id (0: none, or
 * unreadable, or -1 without memory). */
static int payload_hash(struct dtrace *t, uint32_t id, uint64_t *h)
{
	const void *buf;
	uint32_t len;

	*h = 0;
	if (!id)
		return 0;
	if (id >= t->nphash) {
		uint32_t cap = id + 1 > 2 * t->nphash ? id + 1 : 2 * t->nphash;
		uint64_t *grown = realloc(t->phash, cap * sizeof(*grown));

		if (!grown)
			return -1;
		memset(grown + t->nphash, 0, (cap - t->nphash) * sizeof(*grown));
		t->phash = grown;
		t->nphash = cap;
	}
	if (!t->phash[id] && !ptf_reader__payload(t->r, id, &buf, &len))
		t->phash[id] = bytes_hash(buf, len);
	*h = t->phash[id];
	return 0;
}

/* ---- DMA rules ----------------------------------------------------------- */

/* The map's DMA rules for device @d, once it is described: each with the
 * space of its identifier.  -errno after printing why. */
static int ddev__rules(struct dtrace *t, struct ddev *d)
{
	unsigned int n, i;

	n = regmap__dma_rules(t->map, d->dev.desc.vendor_id, d->dev.desc.device_id, NULL, 0);
	if (!n)
		return 0;
	if (n > DIFF_RULES_MAX) {
		ptrace_err("%u DMA rules apply to device %04x:%04x; diff takes at most %u", n,
			   d->dev.desc.vendor_id, d->dev.desc.device_id, DIFF_RULES_MAX);
		return -EINVAL;
	}
	d->rules = calloc(n, sizeof(*d->rules));
	d->rspace = calloc(n, sizeof(*d->rspace));
	d->spaces = calloc(n, sizeof(*d->spaces));
	if (!d->rules || !d->rspace || !d->spaces)
		goto nomem;
	d->nrules = regmap__dma_rules(t->map, d->dev.desc.vendor_id, d->dev.desc.device_id,
				      d->rules, n);
	d->nspaces = reg_dma_rules__spaces(d->rules, n, d->rspace);
	for (i = 0; i < n; i++) {
		const struct reg_dma_rule *r = d->rules[i];
		struct idspace *sp = &d->spaces[d->rspace[i]];

		if (r->kind == REG_DMA_IGNORE || sp->name)
			continue;
		/* the first rule of its name */
		sp->name = r->id;
		sp->len = r->len;
		sp->last = calloc(1U << (8 * r->len), sizeof(*sp->last));
		sp->unread_no = calloc(1U << (8 * r->len), sizeof(*sp->unread_no));
		if (!sp->last || !sp->unread_no)
			goto nomem;
	}
	return 0;
nomem:
	ptrace_err("%s: out of memory", t->path);
	return -ENOMEM;
}

/* The identifiers rule @r keeps for a mapping of @size bytes: a slot per
 * entry, a partial last one too (none for an ignore rule). */
static uint64_t rule_slots(const struct reg_dma_rule *r, uint64_t size)
{
	return r->kind == REG_DMA_IGNORE ? 0 : (size + r->entry - 1) / r->entry;
}

/* A mapping made (@ev, DMA_MAP, number @idx of the tracker's): its rules. */
static int ddev__map(struct dtrace *t, struct ddev *d, const struct pciem_event *ev, size_t idx)
{
	uint64_t mask = 0, slots = 0;
	struct rmap *m, **grown;
	char fn[256];
	unsigned int k;

	trace__call_site_function(t->r, ev->ip, fn, sizeof(fn));
	for (k = 0; k < d->nrules; k++) {
		const struct reg_dma_rule *r = d->rules[k];

		/* as the kernel, a slot per entry for each identifier rule of
		 * the device, whether it applies or not */
		slots += rule_slots(r, ev->data);
		if (reg_dma_rule__applies(r, fn, ev->data))
			mask |= 1ULL << k;
	}
	if (!mask)
		return 0;
	if (slots > ID_SLOTS_MAX)
		slots = 0;		/* as the kernel: none kept */
	if (idx >= d->nrmaps) {
		size_t cap = idx + 1 > 2 * d->nrmaps ? idx + 1 : 2 * d->nrmaps;

		grown = realloc(d->rmaps, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memset(grown + d->nrmaps, 0, (cap - d->nrmaps) * sizeof(*grown));
		d->rmaps = grown;
		d->nrmaps = cap;
	}
	m = calloc(1, sizeof(*m) + slots * sizeof(m->slots[0]));
	if (!m)
		return -ENOMEM;
	m->size = ev->data;
	m->mask = mask;
	m->nslots = slots;
	d->rmaps[idx] = m;
	return 0;
}

static struct patch *ddev__patch(struct ddev *d)
{
	struct patch *p;

	if (d->npatches == d->pcap) {
		size_t cap = d->pcap ? 2 * d->pcap : 64;

		p = realloc(d->patches, cap * sizeof(*p));
		if (!p)
			return NULL;
		d->patches = p;
		d->pcap = cap;
	}
	p = &d->patches[d->npatches++];
	memset(p, 0, sizeof(*p));
	return p;
}

/*
 * The fields of a transfer of @n bytes at offset @o of mapping @m that its
 * rules exempt, as patches of access @a; @p the transfer's bytes.  As the
 * kernel's replay does (apply_rules() in kmod/pciem_replay.c): a device
 * read is subject to the ignore and id rules, a write to the echo rules;
 * an identifier field only partly in the transfer (a real device's
 * snapshot of what changed) keeps the other bytes as last recorded for
 * that entry (the memory starts zeroed).
 */
static int ddev__rule_fields(struct ddev *d, struct rmap *m, struct access *a, uint64_t o,
			     const uint8_t *p, uint32_t n)
{
	int write = a->type == PCIEM_EVENT_DMA_WRITE, ids = 0, echoes = 0;
	uint64_t next = 0, base;
	struct patch *pt;
	unsigned int k;
	uint32_t id;

	/* a real device's snapshot of a mapping only one side writes, as its
	 * rules say, is that side's whatever the snapshot's timing called it */
	for (k = 0; k < d->nrules; k++) {
		if (!(m->mask & (1ULL << k)))
			continue;
		ids |= d->rules[k]->kind == REG_DMA_ID;
		echoes |= d->rules[k]->kind == REG_DMA_ECHO;
	}
	if ((a->flags & PCIEM_EVENT_F_DMA_SEEN) && ids != echoes)
		write = echoes;

	a->patch = d->npatches;
	for (k = 0; k < d->nrules; k++) {
		const struct reg_dma_rule *r = d->rules[k];
		uint64_t e, fs, b, lo, hi;
		struct idspace *sp;
		uint32_t *slot;

		/* this rule's identifiers are slots[base..next) */
		base = next;
		next += rule_slots(r, m->size);
		if (!(m->mask & (1ULL << k)) || (r->kind == REG_DMA_ECHO) != write)
			continue;
		if (!r->entry) {
			pt = ddev__patch(d);
			if (!pt)
				return -ENOMEM;
			pt->to = n;
			pt->kind = REG_DMA_IGNORE;
			continue;
		}
		for (e = o / r->entry; e * r->entry < o + n; e++) {
			fs = e * r->entry + r->field;
			if (fs + r->len <= o || fs >= o + n || fs + r->len > m->size)
				continue;
			lo = fs > o ? fs : o;
			hi = fs + r->len < o + n ? fs + r->len : o + n;
			pt = ddev__patch(d);
			if (!pt)
				return -ENOMEM;
			pt->from = lo - o;
			pt->to = hi - o;
			pt->kind = r->kind;
			if (r->kind == REG_DMA_IGNORE)
				continue;
			slot = m->nslots && base + e < next ? &m->slots[base + e] : NULL;
			id = slot ? *slot : 0;
			for (b = lo; b < hi; b++) {
				id &= ~(0xffU << (8 * (b - fs)));
				id |= (uint32_t)p[b - o] << (8 * (b - fs));
			}
			if (slot)
				*slot = id;
			sp = &d->spaces[d->rspace[k]];
			pt->space = d->rspace[k];
			pt->value = id;
			if (r->kind == REG_DMA_ID) {
				pt->number = sp->last[id] = ++sp->reads;
			} else if (sp->last[id]) {
				pt->number = sp->last[id];
			} else {
				if (!sp->unread_no[id])
					sp->unread_no[id] = ++sp->unread;
				pt->number = PATCH_UNREAD | sp->unread_no[id];
			}
		}
	}
	a->npatch = d->npatches - a->patch;
	return 0;
}

/*
 * A transfer's bytes as compared: @a's @n bytes @p into @out, those of its
 * patches zero; in @field (if not NULL) the patch of an identifier field
 * each byte is in, NULL for the others.
 */
static void normalize(const struct ddev *d, const struct access *a, const uint8_t *p,
		      uint32_t n, uint8_t *out, const struct patch **field)
{
	uint32_t k, b;

	memcpy(out, p, n);
	if (field)
		memset(field, 0, n * sizeof(*field));
	for (k = 0; k < a->npatch; k++) {
		const struct patch *pt = &d->patches[a->patch + k];

		memset(out + pt->from, 0, pt->to - pt->from);
		for (b = pt->from; field && pt->kind != REG_DMA_IGNORE && b < pt->to; b++)
			field[b] = pt;
	}
}

/*
 * A DMA event of device @d, which has rules: the mappings followed; a
 * transfer in a mapping with rules gets its patches and a hash of its
 * normalized bytes (the bytes with those of the patches zeroed, then each
 * identifier's number).
 */
static int ddev__dma(struct dtrace *t, struct ddev *d, const struct pciem_event *ev,
		     struct access *a)
{
	struct dma_result res;
	const void *buf;
	struct rmap *m;
	uint32_t len, k;
	uint64_t h;

	if (dma_tracker__event(&t->dma, d->domain, ev, &res))
		return -ENOMEM;
	if (ev->type == PCIEM_EVENT_DMA_MAP)
		return ddev__map(t, d, ev, dma_tracker__dev(&t->dma, d->domain)->n - 1);
	if (ev->type == PCIEM_EVENT_DMA_UNMAP) {
		if (res.mapping >= 0 && (size_t)res.mapping < d->nrmaps) {
			free(d->rmaps[res.mapping]);
			d->rmaps[res.mapping] = NULL;
		}
		return 0;
	}
	if (!event__is_dma_transfer(ev) || res.verdict != DMA_OK || res.mapping < 0 ||
	    (size_t)res.mapping >= d->nrmaps || !d->rmaps[res.mapping] || !a->payload)
		return 0;
	m = d->rmaps[res.mapping];
	if (ptf_reader__payload(t->r, a->payload, &buf, &len) || len != ev->data)
		return 0;
	if (ddev__rule_fields(d, m, a, ev->offset - res.found.addr, buf, len))
		return -ENOMEM;
	if (!a->npatch)
		return 0;
	if (len > t->buflen) {
		uint8_t *grown = realloc(t->buf, len);

		if (!grown)
			return -ENOMEM;
		t->buf = grown;
		t->buflen = len;
	}
	normalize(d, a, buf, len, t->buf, NULL);
	h = fnv(FNV_START, t->buf, len);
	for (k = 0; k < a->npatch; k++) {
		const struct patch *pt = &d->patches[a->patch + k];

		if (pt->kind != REG_DMA_IGNORE) {
			h = fnv(h, &pt->from, sizeof(pt->from));
			h = fnv(h, &pt->number, sizeof(pt->number));
		}
	}
	a->phash = h ? h : 1;
	return 0;
}

/* Reads every access of @t->path; -errno after printing why. */
static int dtrace__load(struct dtrace *t)
{
	struct ptf_reader *r = NULL;
	struct ptf_record rec;
	int err, rd;

	err = trace__open(&r, t->path);
	if (err)
		return err;
	t->r = r;
	if (ptf_reader__header(r)->flags & PTF_HDR_F_STACKS)
		ptf_reader__load_symbols(r);	/* damage is reported below */
	while ((rd = ptf_reader__next(r, &rec)) > 0) {
		struct ddev *d;

		if (rec.type == PTF_REC_MODULE)
			continue;
		d = devs__get((void **)&t->devs, &t->ndevs, sizeof(*d), rec.domain);
		if (!d)
			goto nomem;
		if (rec.type == PTF_REC_DEVICE && !d->described) {
			d->dev = *rec.device;
			d->described = 1;
			err = ddev__rules(t, d);
			if (err)
				return err;
		}
		if (rec.type != PTF_REC_EVENT || !is_access(rec.event.type))
			continue;
		if (env.deliveries && rec.event.type == PCIEM_EVENT_IRQ) {
			if ((rec.event.flags & PCIEM_EVENT_F_PENDING) &&
			    !(rec.event.flags & PCIEM_EVENT_F_DEFERRED))
				continue;	/* delivered later, or never */
			rec.event.flags &= ~(PCIEM_EVENT_F_PENDING | PCIEM_EVENT_F_DEFERRED);
		}
		if (ddev__add(d, &rec.event, rec.stack))
			goto nomem;
		if (rec.payload) {
			struct access *a = &d->acc[d->n - 1];

			a->payload = rec.payload;
			if (payload_hash(t, rec.payload, &a->phash))
				goto nomem;
		}
		if (d->nrules && event__is_dma(&rec.event) &&
		    ddev__dma(t, d, &rec.event, &d->acc[d->n - 1]))
			goto nomem;
		t->total++;
	}
	err = 0;
	if (rd < 0) {
		ptrace_err("%s", ptf_reader__error(r));
		err = rd;
	}
	return err;
nomem:
	ptrace_err("%s: out of memory", t->path);
	return -ENOMEM;
}

/* The stack of a differing access, under it. */
static void print_stack(const struct dtrace *t, const struct access *a)
{
	const uint64_t *ips;
	uint32_t n, i;
	char sym[256];

	if (!a->stack || ptf_reader__stack(t->r, a->stack, &ips, &n))
		return;
	for (i = 0; i < n; i++) {
		ptf_reader__symbolize(t->r, ips[i], sym, sizeof(sym));
		printf("      %s\n", sym);
	}
}

static void dtrace__free(struct dtrace *t)
{
	unsigned int i;

	for (i = 0; i < t->ndevs; i++) {
		struct ddev *d = &t->devs[i];
		unsigned int k;
		size_t m;

		free(d->acc);
		free(d->rules);
		free(d->rspace);
		for (k = 0; k < d->nspaces; k++) {
			free(d->spaces[k].last);
			free(d->spaces[k].unread_no);
		}
		free(d->spaces);
		for (m = 0; m < d->nrmaps; m++)
			free(d->rmaps[m]);
		free(d->rmaps);
		free(d->patches);
	}
	free(t->devs);
	free(t->phash);
	free(t->buf);
	dma_tracker__free(&t->dma);
	ptf_reader__close(t->r);
}

static int access_equal(const struct access *a, const struct access *b)
{
	return a->type == b->type && a->bar == b->bar && a->offset == b->offset &&
	       a->data == b->data && a->size == b->size && a->flags == b->flags &&
	       a->phash == b->phash;
}

static void print_access(char mark, size_t idx, const struct access *a, const struct ddev *d,
			 const struct regmap *map)
{
	struct pciem_event ev = {
		.type = a->type, .bar = a->bar, .offset = a->offset, .size = a->size,
		.data = a->data,
	};
	const struct reg *reg = event__reg(&ev, map, d->described ? &d->dev : NULL);
	char name[REGS_NAME_MAX + 24] = "", val[24];

	printf("%c [%zu] %-12s ", mark, idx, evtype__name(a->type));
	if (event__is_dma(&ev)) {
		char what[96];

		ev.flags = a->flags;
		dma__format(what, sizeof(what), &ev);
		printf("%s\n", what);
		return;
	}
	if (a->type == PCIEM_EVENT_IRQ) {
		printf("vector %llu%s%s\n", (unsigned long long)a->data,
		       (a->flags & PCIEM_EVENT_F_PENDING) ? " pending" : "",
		       (a->flags & PCIEM_EVENT_F_DEFERRED) ? " deferred" : "");
		return;
	}
	if (reg)
		reg__format(reg, a->offset, name, sizeof(name));
	format_value(val, sizeof(val), a->data, a->size);
	if (event__is_config(&ev))
		printf("cfg+0x%llx", (unsigned long long)a->offset);
	else
		printf("bar%u+0x%llx", a->bar, (unsigned long long)a->offset);
	printf("%s%s %u %s\n", name[0] ? " " : "", name, a->size, val);
}

/* normalize() into new arrays; -ENOMEM. */
static int compared_bytes(const struct ddev *d, const struct access *a, const uint8_t *p,
			  uint32_t n, uint8_t **bytes, const struct patch ***field)
{
	*bytes = malloc(n ? n : 1);
	*field = malloc((n ? n : 1) * sizeof(**field));
	if (!*bytes || !*field)
		return -ENOMEM;
	normalize(d, a, p, n, *bytes, *field);
	return 0;
}

/* "0xa5", or what an identifier field holds: "cid 0x0003 (identifier read
 * 2)", "echo of cid 0x0009 (never read)". */
static void format_compared(char *buf, size_t len, const struct ddev *d, uint8_t byte,
			    const struct patch *pt)
{
	const struct idspace *sp;

	if (!pt) {
		snprintf(buf, len, "0x%02x", byte);
		return;
	}
	sp = &d->spaces[pt->space];
	if (pt->number & PATCH_UNREAD)
		snprintf(buf, len, "echo of %s 0x%0*x (never read)", sp->name, 2 * sp->len,
			 pt->value);
	else
		snprintf(buf, len, "%s%s 0x%0*x (identifier read %u)",
			 pt->kind == REG_DMA_ECHO ? "echo of " : "", sp->name, 2 * sp->len,
			 pt->value, pt->number);
}

/* When two DMA transfers differ in their bytes only: where. */
static void payload_difference(const struct dtrace *ta, const struct dtrace *tb,
			       const struct ddev *da, const struct ddev *db,
			       const struct access *a, const struct access *b)
{
	const struct patch **fa = NULL, **fb = NULL;
	uint8_t *pa = NULL, *pb = NULL;
	const void *va, *vb;
	uint32_t la, lb, k;
	char sa[96], sb[96];

	if (a->phash == b->phash)
		return;
	if (a->type != b->type || a->bar != b->bar || a->offset != b->offset ||
	    a->data != b->data || a->flags != b->flags)
		return;		/* the fields already differ */
	if (!a->payload || !b->payload) {
		printf("; the bytes are in %s only", a->payload ? "A" : "B");
		return;
	}
	if (ptf_reader__payload(ta->r, a->payload, &va, &la) ||
	    compared_bytes(da, a, va, la, &pa, &fa) ||
	    ptf_reader__payload(tb->r, b->payload, &vb, &lb) ||
	    compared_bytes(db, b, vb, lb, &pb, &fb)) {
		printf("; the bytes differ");
		goto out;
	}
	for (k = 0; k < la && k < lb; k++) {
		if (pa[k] != pb[k] || !fa[k] != !fb[k])
			break;
		if (fa[k] && fa[k]->number != fb[k]->number)
			break;
	}
	if (k < la && k < lb) {
		format_compared(sa, sizeof(sa), da, pa[k], fa[k]);
		format_compared(sb, sizeof(sb), db, pb[k], fb[k]);
		printf("; the bytes differ first at byte %u (0x%x): %s in A, %s in B", k, k, sa,
		       sb);
	} else if (la != lb) {
		printf("; the bytes differ in length: %u in A, %u in B", la, lb);
	} else {
		printf("; the bytes differ");	/* in the order of identifier fields */
	}
out:
	free(pa);
	free(pb);
	free(fa);
	free(fb);
}

static void describe(char *buf, size_t len, const struct ddev *d)
{
	char addr[32];

	device__format_addr(addr, sizeof(addr), d->domain, d->described ? &d->dev : NULL);
	if (d->described)
		snprintf(buf, len, "%s %04x:%04x", addr, d->dev.desc.vendor_id,
			 d->dev.desc.device_id);
	else
		snprintf(buf, len, "%s", addr);
}

/*
 * Moves the delivery equal to @irq that @d has up to env.irq_window accesses
 * after @i, with no other interrupt before it, to @i (the accesses between
 * shift by one).  1 if there is one.
 */
static int pull_irq(struct ddev *d, size_t i, const struct access *irq)
{
	struct access moved = *irq;
	size_t j;

	for (j = i; j < d->n && j - i <= env.irq_window; j++) {
		if (d->acc[j].type != PCIEM_EVENT_IRQ)
			continue;
		if (!access_equal(&d->acc[j], &moved))
			return 0;
		moved = d->acc[j];
		memmove(&d->acc[i + 1], &d->acc[i], (j - i) * sizeof(moved));
		d->acc[i] = moved;
		return 1;
	}
	return 0;
}

/*
 * --deliveries: an interrupt's delivery races with the driver's other CPUs
 * and threads, so where one trace has it the other may have it a few
 * accesses later.  Where the two first differ at an interrupt, the other
 * trace's same interrupt, if it comes within the window, is moved there,
 * and the comparison goes on; what still differs is a difference.
 */
static void align_deliveries(struct ddev *a, struct ddev *b)
{
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++) {
		if (access_equal(&a->acc[i], &b->acc[i]))
			continue;
		if (a->acc[i].type == PCIEM_EVENT_IRQ && pull_irq(b, i, &a->acc[i]))
			continue;
		if (b->acc[i].type == PCIEM_EVENT_IRQ && pull_irq(a, i, &b->acc[i]))
			continue;
		return;
	}
}

/* 1 and the report printed if device @k differs in the two traces. */
static int compare_device(const struct dtrace *ta, const struct dtrace *tb, unsigned int k,
			  const struct regmap *map)
{
	const struct ddev *a = &ta->devs[k], *b = &tb->devs[k];
	char da[64], db[64];
	size_t i, n = a->n < b->n ? a->n : b->n, from;

	describe(da, sizeof(da), a);
	describe(db, sizeof(db), b);
	if (a->described && b->described &&
	    (a->dev.desc.vendor_id != b->dev.desc.vendor_id ||
	     a->dev.desc.device_id != b->dev.desc.device_id)) {
		printf("--- %s\n+++ %s\n", ta->path, tb->path);
		printf("@@ device %u @@\n- device %s\n+ device %s\n", k + 1, da, db);
		printf("first difference: device %u is %s in A and %s in B\n", k + 1, da, db);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!access_equal(&a->acc[i], &b->acc[i]))
			break;
	if (i == n && a->n == b->n)
		return 0;

	printf("--- %s\n+++ %s\n", ta->path, tb->path);
	printf("@@ device %u: %s / %s, access %zu @@\n", k + 1, da, db, i);
	from = i > env.context ? i - env.context : 0;
	for (; from < i; from++)
		print_access(' ', from, &a->acc[from], a, map);
	if (i < a->n) {
		print_access('-', i, &a->acc[i], a, map);
		print_stack(ta, &a->acc[i]);
	}
	if (i < b->n) {
		print_access('+', i, &b->acc[i], b, map);
		print_stack(tb, &b->acc[i]);
	}
	printf("first difference: device %u (%s / %s), access %zu: ", k + 1, da, db, i);
	if (i < a->n && i < b->n) {
		printf("seq %llu in A, seq %llu in B", (unsigned long long)a->acc[i].seq,
		       (unsigned long long)b->acc[i].seq);
		payload_difference(ta, tb, a, b, &a->acc[i], &b->acc[i]);
		printf("\n");
	}
	else if (i < a->n)
		printf("B ends after %zu accesses, A goes on (seq %llu)\n", b->n,
		       (unsigned long long)a->acc[i].seq);
	else
		printf("A ends after %zu accesses, B goes on (seq %llu)\n", a->n,
		       (unsigned long long)b->acc[i].seq);
	return 1;
}

int cmd_diff(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.args_doc = "A B",
		.doc = doc,
	};
	struct dtrace ta = { 0 }, tb = { 0 };
	struct regmap *map = NULL;
	int ret = EXIT_ERROR;
	unsigned int k, n;
	char d[64];

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_ERROR;
	ta.path = env.trace[0];
	tb.path = env.trace[1];
	if (trace__load_regs(&map, env.regs))
		goto cleanup;
	ta.map = tb.map = map;
	dma_tracker__init(&ta.dma, 1);
	dma_tracker__init(&tb.dma, 1);
	if (dtrace__load(&ta) || dtrace__load(&tb))
		goto cleanup;

	ret = EXIT_FINDING;
	n = ta.ndevs < tb.ndevs ? ta.ndevs : tb.ndevs;
	for (k = 0; k < n; k++) {
		if (env.deliveries && env.irq_window)
			align_deliveries(&ta.devs[k], &tb.devs[k]);
		if (compare_device(&ta, &tb, k, map))
			goto cleanup;
	}
	if (ta.ndevs != tb.ndevs) {
		const struct dtrace *more = ta.ndevs > tb.ndevs ? &ta : &tb;

		describe(d, sizeof(d), &more->devs[n]);
		printf("--- %s\n+++ %s\n", ta.path, tb.path);
		printf("@@ device %u @@\n%c device %s (%zu accesses)\n", n + 1,
		       more == &ta ? '-' : '+', d, more->devs[n].n);
		printf("first difference: A has %u devices, B has %u\n", ta.ndevs, tb.ndevs);
		goto cleanup;
	}
	printf("traces are equal in accesses and values: %llu accesses\n",
	       (unsigned long long)ta.total);
	ret = EXIT_OK;
cleanup:
	dtrace__free(&ta);
	dtrace__free(&tb);
	regmap__free(map);
	return ret;
}
