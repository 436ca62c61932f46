// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace diff: compare two traces' accesses per device (MMIO reads
 * and writes, config reads and writes, IRQ injections, with their type,
 * BAR, offset, size and value), ignoring sequence numbers, times, CPUs,
 * tasks and instruction pointers; show the first difference.
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
} env = {
	.context = 3,
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
	"With --no-dma, DMA events are left out (their bus addresses depend on the run).\n\n"
	"Examples:\n"
	"  pciem-trace diff good.zst new.zst\n"
	"  pciem-trace diff --no-config real.zst replayed.zst\n"
	"  pciem-trace diff -C 10 --regs dummy_clock.regs a.zst b.zst\n\n"
	"Exit status: 0 the accesses are equal, 1 they differ, 2 usage error, or a file "
	"cannot be opened or is corrupt.";

static const struct argp_option options[] = {
	{ "context", 'C', "N", 0, "Show N accesses before the first difference (default 3)", 0 },
	{ "regs", 'r', "FILE", 0, "Register map: name the registers", 0 },
	{ "no-config", 'n', NULL, 0, "Leave config-space accesses out", 0 },
	{ "no-dma", 'D', NULL, 0, "Leave DMA events out", 0 },
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
	case ARGP_KEY_ARG:
		if (env.ntraces == 2)
			argp_error(state, "two trace files only");
		env.trace[env.ntraces++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.ntraces != 2)
			argp_error(state, "two trace files are needed");
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
};

struct ddev {
	uint32_t domain;		/* first, for devs__get() */
	int described;
	struct ptf_device dev;
	struct access *acc;
	size_t n, cap;
};

struct dtrace {
	const char *path;
	struct ptf_reader *r;		/* kept open for the stacks */
	struct ddev *devs;
	unsigned int ndevs;
	uint64_t total;
	uint64_t *phash;		/* hash of each payload id met, 0: not yet */
	uint32_t nphash;
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

/* FNV-1a of a payload's bytes, never 0. */
static uint64_t bytes_hash(const uint8_t *p, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
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
		}
		if (rec.type != PTF_REC_EVENT || !is_access(rec.event.type))
			continue;
		if (ddev__add(d, &rec.event, rec.stack))
			goto nomem;
		if (rec.payload) {
			struct access *a = &d->acc[d->n - 1];

			a->payload = rec.payload;
			if (payload_hash(t, rec.payload, &a->phash))
				goto nomem;
		}
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

	for (i = 0; i < t->ndevs; i++)
		free(t->devs[i].acc);
	free(t->devs);
	free(t->phash);
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

/* When two DMA transfers differ in their bytes only: where. */
static void payload_difference(const struct dtrace *ta, const struct dtrace *tb,
			       const struct access *a, const struct access *b)
{
	const uint8_t *pa, *pb;
	const void *va, *vb;
	uint32_t la, lb, k;

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
	    ptf_reader__payload(tb->r, b->payload, &vb, &lb)) {
		printf("; the bytes differ");
		return;
	}
	pa = va;
	pb = vb;
	for (k = 0; k < la && k < lb && pa[k] == pb[k]; k++)
		;
	if (k < la && k < lb)
		printf("; the bytes differ first at byte %u (0x%x): 0x%02x in A, 0x%02x in B", k, k,
		       pa[k], pb[k]);
	else
		printf("; the bytes differ in length: %u in A, %u in B", la, lb);
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
		payload_difference(ta, tb, &a->acc[i], &b->acc[i]);
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
	if (dtrace__load(&ta) || dtrace__load(&tb))
		goto cleanup;

	ret = EXIT_FINDING;
	n = ta.ndevs < tb.ndevs ? ta.ndevs : tb.ndevs;
	for (k = 0; k < n; k++)
		if (compare_device(&ta, &tb, k, map))
			goto cleanup;
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
