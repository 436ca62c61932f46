// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace stats: accesses per register (device, BAR or config space,
 * offset, size) with exact distinct-value counts, and IRQ vectors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

static struct env {
	struct trace_args args;
	struct filter filter;
	int by_stack;
} env;

static const char doc[] =
	"Count the accesses to each register: reads, writes and watchpoint hits, the number "
	"of distinct values read or written (exact), the first and last sequence numbers; "
	"then config space the same way, IRQ vectors, the DMA mappings with the bytes the "
	"device read and wrote through each, and the other events.\v"
	"A register is a (device, BAR or config space, offset, size) seen in the trace; "
	"with --regs it is named from the map.  The filters of dump apply.\n\n"
	"Examples:\n"
	"  pciem-trace stats run.zst\n"
	"  pciem-trace stats --regs dummy_clock.regs run.zst\n"
	"  pciem-trace stats --device 10000 --time 1-2 run.zst\n"
	"  pciem-trace stats --by-stack --offset 0x10 run.zst    # who polls this register\n\n"
	"With --by-stack (a trace recorded with pciem-record --stacks), each register's "
	"accesses are counted per call stack: one row per register and stack, the stack's "
	"frames under it, innermost first (\"(no stack)\" for events without one).\n\n"
	"Exit status: 0 ok, 2 usage error, or the file cannot be opened or is corrupt.";

static const struct argp trace_argp = TRACE_ARGP("Register map: name the registers");

static const struct argp_option options[] = {
	{ "by-stack", 'S', NULL, 0, "Count each register's accesses per call stack", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.args;
		state->child_inputs[1] = &env.filter;
		return 0;
	case 'S':
		env.by_stack = 1;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* ---- a set of 64-bit values -------------------------------------------- */

struct u64set {
	uint64_t *slots;
	uint8_t *used;
	size_t cap, count;
};

static size_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	v *= 0xc4ceb9fe1a85ec53ULL;
	v ^= v >> 33;
	return v;
}

static int u64set__grow(struct u64set *s)
{
	size_t cap = s->cap ? 2 * s->cap : 8, i;
	uint64_t *slots = calloc(cap, sizeof(*slots));
	uint8_t *used = calloc(cap, 1);

	if (!slots || !used) {
		free(slots);
		free(used);
		return -ENOMEM;
	}
	for (i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->used[i])
			continue;
		for (j = hash64(s->slots[i]) & (cap - 1); used[j]; j = (j + 1) & (cap - 1))
			;
		used[j] = 1;
		slots[j] = s->slots[i];
	}
	free(s->slots);
	free(s->used);
	s->slots = slots;
	s->used = used;
	s->cap = cap;
	return 0;
}

/* 1 if @v was new, 0 if already there, -ENOMEM. */
static int u64set__add(struct u64set *s, uint64_t v)
{
	size_t j;

	if ((s->count + 1) * 4 > s->cap * 3 && u64set__grow(s))
		return -ENOMEM;
	for (j = hash64(v) & (s->cap - 1); s->used[j]; j = (j + 1) & (s->cap - 1))
		if (s->slots[j] == v)
			return 0;
	s->used[j] = 1;
	s->slots[j] = v;
	s->count++;
	return 1;
}

static void u64set__free(struct u64set *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* ---- per register and per vector counts -------------------------------- */

#define SPACE_CFG	REGS_SPACE_CFG
#define SPACE_IRQ	7		/* offset: the vector */

struct stat_row {
	uint32_t domain;
	uint32_t space;
	uint64_t offset;
	uint32_t size;
	uint32_t stack;			/* --by-stack: the call stack, 0 none */
	uint64_t reads, writes, watch;
	uint64_t irq_now, irq_pending, irq_deferred;
	uint64_t first_seq, last_seq;
	struct u64set values;
};

struct stat_dev {
	uint32_t domain;		/* first, for devs__get() */
	int described;
	uint16_t vid, did;
	struct ptf_device dev;
	uint64_t events, unsupported, lifecycle, lost, lost_records;
};

struct stats {
	struct stat_row *rows;
	size_t nrows, cap;
	size_t *index;			/* open addressing: row number + 1, 0 empty */
	size_t index_cap;
	struct stat_dev *devs;
	unsigned int ndevs;
	struct dma_tracker dma;		/* DMA mappings and their traffic (1.4) */
};

static size_t row_hash(uint32_t domain, uint32_t space, uint64_t offset, uint32_t size,
		       uint32_t stack)
{
	return hash64(offset ^ ((uint64_t)domain << 32) ^ ((uint64_t)space << 8) ^ size ^
		      ((uint64_t)stack << 40));
}

static int stats__reindex(struct stats *st)
{
	size_t cap = st->index_cap ? 2 * st->index_cap : 256, i;
	size_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (i = 0; i < st->nrows; i++) {
		struct stat_row *r = &st->rows[i];
		size_t j = row_hash(r->domain, r->space, r->offset, r->size, r->stack) & (cap - 1);

		while (index[j])
			j = (j + 1) & (cap - 1);
		index[j] = i + 1;
	}
	free(st->index);
	st->index = index;
	st->index_cap = cap;
	return 0;
}

static struct stat_row *stats__row(struct stats *st, uint32_t domain, uint32_t space,
				   uint64_t offset, uint32_t size, uint32_t stack, uint64_t seq)
{
	struct stat_row *r;
	size_t j;

	if ((st->nrows + 1) * 2 > st->index_cap && stats__reindex(st))
		return NULL;
	j = row_hash(domain, space, offset, size, stack) & (st->index_cap - 1);
	for (; st->index[j]; j = (j + 1) & (st->index_cap - 1)) {
		r = &st->rows[st->index[j] - 1];
		if (r->domain == domain && r->space == space && r->offset == offset &&
		    r->size == size && r->stack == stack)
			return r;
	}
	if (st->nrows == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 64;

		r = realloc(st->rows, cap * sizeof(*r));
		if (!r)
			return NULL;
		st->rows = r;
		st->cap = cap;
	}
	r = &st->rows[st->nrows];
	memset(r, 0, sizeof(*r));
	r->domain = domain;
	r->space = space;
	r->offset = offset;
	r->size = size;
	r->stack = stack;
	r->first_seq = seq;
	st->index[j] = ++st->nrows;
	return r;
}

static int stats__event(struct stats *st, struct stat_dev *d, const struct pciem_event *ev,
			uint32_t stack)
{
	struct stat_row *r;
	uint32_t space;

	d->events++;
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_WATCHPOINT:
		space = ev->bar;
		break;
	case PCIEM_EVENT_CONFIG_READ:
	case PCIEM_EVENT_CONFIG_WRITE:
		space = SPACE_CFG;
		break;
	case PCIEM_EVENT_IRQ:
		space = SPACE_IRQ;
		break;
	case PCIEM_EVENT_UNSUPPORTED:
		d->unsupported++;
		return 0;
	case PCIEM_EVENT_LIFECYCLE:
		d->lifecycle++;
		return 0;
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
	case PCIEM_EVENT_DMA_SYNC:
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE: {
		struct dma_result res;

		return dma_tracker__event(&st->dma, d->domain, ev, &res);
	}
	default:
		return 0;
	}
	if (space == SPACE_IRQ)
		r = stats__row(st, d->domain, space, ev->data, 0, stack, ev->seq);
	else
		r = stats__row(st, d->domain, space, ev->offset, ev->size, stack, ev->seq);
	if (!r)
		return -ENOMEM;
	r->last_seq = ev->seq;
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_CONFIG_READ:
		r->reads++;
		break;
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_CONFIG_WRITE:
		r->writes++;
		break;
	case PCIEM_EVENT_WATCHPOINT:
		r->watch++;
		break;
	case PCIEM_EVENT_IRQ:
		if (ev->flags & PCIEM_EVENT_F_DEFERRED)
			r->irq_deferred++;
		else if (ev->flags & PCIEM_EVENT_F_PENDING)
			r->irq_pending++;
		else
			r->irq_now++;
		return 0;
	}
	return u64set__add(&r->values, ev->data) < 0 ? -ENOMEM : 0;
}

static const struct stats *sort_st;

static int row_cmp(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;
	unsigned int dx = 0, dy = 0, i;

	for (i = 0; i < sort_st->ndevs; i++) {
		if (sort_st->devs[i].domain == x->domain)
			dx = i;
		if (sort_st->devs[i].domain == y->domain)
			dy = i;
	}
	if (dx != dy)
		return dx < dy ? -1 : 1;
	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return 0;
}

static struct ptf_reader *stack_reader;

/* --by-stack: the row's stack under it */
static void print_stack(uint32_t id)
{
	const uint64_t *ips;
	uint32_t n, i;
	char sym[256];

	if (!env.by_stack)
		return;
	if (!id || ptf_reader__stack(stack_reader, id, &ips, &n)) {
		printf("      (no stack)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		ptf_reader__symbolize(stack_reader, ips[i], sym, sizeof(sym));
		printf("      %s\n", sym);
	}
}

static void print_rows(const struct stats *st, const struct stat_dev *d, size_t *i,
		       const struct regmap *map, int cfg)
{
	int header = 0;

	for (; *i < st->nrows; (*i)++) {
		const struct stat_row *r = &st->rows[*i];
		const struct reg *reg = NULL;
		char where[128], name[REGS_NAME_MAX + 24] = "";

		if (r->domain != d->domain || r->space == SPACE_IRQ ||
		    (r->space == SPACE_CFG) != cfg)
			break;
		if (!header) {
			printf("  %-32s %4s %10s %10s %8s %10s %10s %10s\n",
			       cfg ? "config space" : "register", "size", "reads", "writes",
			       "watch", "values", "first_seq", "last_seq");
			header = 1;
		}
		if (map)
			reg = regmap__lookup(map, d->vid, d->did, r->space, r->offset);
		if (reg)
			reg__format(reg, r->offset, name, sizeof(name));
		if (cfg)
			snprintf(where, sizeof(where), "cfg+0x%llx%s%s",
				 (unsigned long long)r->offset, name[0] ? " " : "", name);
		else
			snprintf(where, sizeof(where), "bar%u+0x%llx%s%s", r->space,
				 (unsigned long long)r->offset, name[0] ? " " : "", name);
		printf("  %-32s %4u %10llu %10llu %8llu %10zu %10llu %10llu\n", where, r->size,
		       (unsigned long long)r->reads, (unsigned long long)r->writes,
		       (unsigned long long)r->watch, r->values.count,
		       (unsigned long long)r->first_seq, (unsigned long long)r->last_seq);
		print_stack(r->stack);
	}
}

static int mapping_cmp(const void *a, const void *b)
{
	const struct dma_mapping *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->coherent != y->coherent)
		return x->coherent < y->coherent ? -1 : 1;
	return x->map_seq < y->map_seq ? -1 : x->map_seq > y->map_seq;
}

/* The device's DMA mappings, one row per bus address, size, direction and
 * kind (a buffer mapped again and again is one row), then the transfers
 * outside them. */
static void print_dma(struct stats *st, uint32_t domain)
{
	struct dma_dev *dd;
	struct dma_mapping *m;
	size_t i, j;

	if (!dma_tracker__has(&st->dma, domain))
		return;
	dd = dma_tracker__dev(&st->dma, domain);
	m = dd->maps;
	if (dd->n) {
		qsort(m, dd->n, sizeof(*m), mapping_cmp);
		printf("  %-20s %10s %-13s %-9s %6s %6s %12s %12s %10s %10s\n", "dma mapping",
		       "size", "direction", "kind", "maps", "syncs", "read_bytes", "written_bytes",
		       "first_seq", "last_seq");
	}
	for (i = 0; i < dd->n; i = j) {
		uint64_t syncs = 0, rd = 0, wr = 0, last = 0;
		const char *dir = dma_dir__name(m[i].dir);

		for (j = i; j < dd->n && m[j].addr == m[i].addr && m[j].size == m[i].size &&
			    m[j].dir == m[i].dir && m[j].coherent == m[i].coherent; j++) {
			syncs += m[j].syncs_dev + m[j].syncs_cpu;
			rd += m[j].read_bytes;
			wr += m[j].written_bytes;
			if (m[j].last_seq > last)
				last = m[j].last_seq;
			if (m[j].unmapped && m[j].unmap_seq > last)
				last = m[j].unmap_seq;
			if (m[j].map_seq > last)
				last = m[j].map_seq;
		}
		printf("  0x%-18llx %10llu %-13s %-9s %6zu %6llu %12llu %12llu %10llu %10llu\n",
		       (unsigned long long)m[i].addr, (unsigned long long)m[i].size,
		       dir ? dir : "unknown", m[i].coherent ? "coherent" : "streaming", j - i,
		       (unsigned long long)syncs, (unsigned long long)rd, (unsigned long long)wr,
		       (unsigned long long)m[i].map_seq, (unsigned long long)last);
	}
	printf("  dma outside mappings: %llu transfers (%llu refused), %zu other events (syncs "
	       "and unmaps of nothing)\n", (unsigned long long)dd->out_transfers,
	       (unsigned long long)dd->out_refused,
	       dd->noutside - (size_t)dd->out_transfers);
}

static void stats__print(struct stats *st, const struct regmap *map)
{
	unsigned int k;
	size_t i = 0;

	sort_st = st;
	if (st->nrows)
		qsort(st->rows, st->nrows, sizeof(*st->rows), row_cmp);
	for (k = 0; k < st->ndevs; k++) {
		const struct stat_dev *d = &st->devs[k];
		char addr[32];
		int header = 0;

		device__format_addr(addr, sizeof(addr), d->domain, d->described ? &d->dev : NULL);
		if (d->described)
			printf("device %s %04x:%04x: %llu events\n", addr, d->vid, d->did,
			       (unsigned long long)d->events);
		else
			printf("device %s: %llu events\n", addr, (unsigned long long)d->events);
		/* rows are sorted: BARs 0-5, then config, then IRQ vectors */
		print_rows(st, d, &i, map, 0);
		print_rows(st, d, &i, map, 1);
		for (; i < st->nrows && st->rows[i].domain == d->domain; i++) {
			const struct stat_row *r = &st->rows[i];

			if (!header) {
				printf("  %-32s %10s %10s %10s %10s %10s\n", "irq vector",
				       "delivered", "pending", "deferred", "first_seq", "last_seq");
				header = 1;
			}
			printf("  vector %-25llu %10llu %10llu %10llu %10llu %10llu\n",
			       (unsigned long long)r->offset, (unsigned long long)r->irq_now,
			       (unsigned long long)r->irq_pending,
			       (unsigned long long)r->irq_deferred,
			       (unsigned long long)r->first_seq, (unsigned long long)r->last_seq);
			print_stack(r->stack);
		}
		print_dma(st, d->domain);
		printf("  other: %llu lifecycle, %llu unsupported; lost %llu events in %llu LOST "
		       "record%s\n", (unsigned long long)d->lifecycle,
		       (unsigned long long)d->unsupported, (unsigned long long)d->lost,
		       (unsigned long long)d->lost_records, d->lost_records == 1 ? "" : "s");
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &trace_argp, 0, NULL, 0 },
		{ &filter_argp, 0, NULL, 0 },
		{ 0 },
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = doc,
		.children = children,
	};
	struct ptf_reader *r = NULL;
	struct regmap *map = NULL;
	struct stats st = { 0 };
	struct ptf_record rec;
	uint64_t start_ns;
	int ret = EXIT_ERROR, rd, err;
	size_t i;

	filter__init(&env.filter);
	dma_tracker__init(&st.dma, 1);
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_ERROR;
	if (trace_args__open(&env.args, &env.filter, &map, &r))
		goto cleanup;
	start_ns = ptf_reader__header(r)->start_mono_ns;
	stack_reader = r;
	if (env.by_stack)	/* a damaged file is reported below */
		ptf_reader__load_symbols(r);
	err = filter__seek(&env.filter, r, start_ns);
	if (err < 0)
		goto cleanup;
	rd = 0;
	while (!err && (rd = ptf_reader__next(r, &rec)) > 0) {
		const struct ptf_device *dev = NULL;
		struct stat_dev *d;

		if (filter__done(&env.filter, &rec))
			break;
		if (rec.type == PTF_REC_MODULE)
			continue;
		if (rec.type == PTF_REC_EVENT)
			dev = ptf_reader__device(r, rec.domain);
		if (!filter__match(&env.filter, &rec, dev, map, start_ns))
			continue;
		d = devs__get((void **)&st.devs, &st.ndevs, sizeof(*d), rec.domain);
		if (!d)
			goto nomem;
		if (!d->described && (dev || rec.type == PTF_REC_DEVICE)) {
			d->dev = rec.type == PTF_REC_DEVICE ? *rec.device : *dev;
			d->vid = d->dev.desc.vendor_id;
			d->did = d->dev.desc.device_id;
			d->described = 1;
		}
		if (rec.type == PTF_REC_LOST) {
			d->lost += rec.lost.count;
			d->lost_records++;
		} else if (rec.type == PTF_REC_EVENT && stats__event(&st, d, &rec.event,
								  env.by_stack ? rec.stack : 0)) {
			goto nomem;
		}
	}
	if (rd < 0) {
		ptrace_err("%s", ptf_reader__error(r));
		goto cleanup;
	}
	stats__print(&st, map);
	ret = EXIT_OK;
	goto cleanup;
nomem:
	ptrace_err("%s: out of memory", env.args.trace);
cleanup:
	for (i = 0; i < st.nrows; i++)
		u64set__free(&st.rows[i].values);
	free(st.rows);
	free(st.index);
	free(st.devs);
	dma_tracker__free(&st.dma);
	ptf_reader__close(r);
	regmap__free(map);
	return ret;
}
