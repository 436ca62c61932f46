// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace: the DMA mappings of each device as its events make and end
 * them (format 1.4), and where each sync and transfer falls.  Shared by
 * stats, verify and dma.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

void dma_tracker__init(struct dma_tracker *t, int keep)
{
	memset(t, 0, sizeof(*t));
	t->keep = keep;
}

void dma_tracker__free(struct dma_tracker *t)
{
	unsigned int i;

	for (i = 0; i < t->ndevs; i++) {
		free(t->devs[i].maps);
		free(t->devs[i].live);
		free(t->devs[i].outside);
	}
	free(t->devs);
	memset(t, 0, sizeof(*t));
}

struct dma_dev *dma_tracker__dev(struct dma_tracker *t, uint32_t domain)
{
	return devs__get((void **)&t->devs, &t->ndevs, sizeof(struct dma_dev), domain);
}

int dma_tracker__has(const struct dma_tracker *t, uint32_t domain)
{
	unsigned int i;

	for (i = 0; i < t->ndevs; i++)
		if (t->devs[i].domain == domain)
			return 1;
	return 0;
}

/* Without history the live mappings are maps[0..n); with it, live[]
 * holds their indexes in the order they were made. */
static size_t nlive(const struct dma_tracker *t, const struct dma_dev *d)
{
	return t->keep ? d->nlive : d->n;
}

static size_t live_at(const struct dma_tracker *t, const struct dma_dev *d, size_t k)
{
	return t->keep ? d->live[k] : k;
}

static int add_mapping(struct dma_tracker *t, struct dma_dev *d, const struct pciem_event *ev)
{
	struct dma_mapping *m;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;

		m = realloc(d->maps, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		d->maps = m;
		d->cap = cap;
	}
	if (t->keep && d->nlive == d->livecap) {
		size_t cap = d->livecap ? 2 * d->livecap : 16, *l;

		l = realloc(d->live, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		d->live = l;
		d->livecap = cap;
	}
	m = &d->maps[d->n];
	memset(m, 0, sizeof(*m));
	m->addr = ev->offset;
	m->size = ev->data;
	m->dir = ev->bar;
	m->coherent = !!(ev->flags & PCIEM_EVENT_F_DMA_COHERENT);
	m->map_seq = ev->seq;
	m->map_ts = ev->timestamp_ns;
	m->map_ip = ev->ip;
	if (t->keep)
		d->live[d->nlive++] = d->n;
	d->n++;
	return 0;
}

/* Ends live mapping number @k. */
static void end_mapping(struct dma_tracker *t, struct dma_dev *d, size_t k)
{
	if (t->keep) {
		memmove(&d->live[k], &d->live[k + 1], (d->nlive - k - 1) * sizeof(*d->live));
		d->nlive--;
	} else {
		d->maps[k] = d->maps[--d->n];
	}
}

static int contains(const struct dma_mapping *m, uint64_t addr, uint64_t len)
{
	return addr >= m->addr && addr - m->addr <= m->size && len <= m->size - (addr - m->addr);
}

static int add_outside(struct dma_dev *d, const struct pciem_event *ev, enum dma_verdict v,
		       long mapping)
{
	struct dma_outside *o;

	if (d->noutside == d->outcap) {
		size_t cap = d->outcap ? 2 * d->outcap : 16;

		o = realloc(d->outside, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		d->outside = o;
		d->outcap = cap;
	}
	o = &d->outside[d->noutside++];
	o->ev = *ev;
	o->verdict = v;
	o->mapping = mapping;
	return 0;
}

/* Syncs and transfers: the live mapping that holds them. */
static void place(struct dma_tracker *t, struct dma_dev *d, const struct pciem_event *ev,
		  struct dma_result *res)
{
	long against = -1, holder = -1;
	size_t k = nlive(t, d);

	/* the newest mapping first: an address mapped twice is the later one's */
	while (k--) {
		size_t i = live_at(t, d, k);
		const struct dma_mapping *m = &d->maps[i];

		if (!contains(m, ev->offset, ev->data))
			continue;
		if (ev->type == PCIEM_EVENT_DMA_SYNC || dma_dir__allows(m->dir, ev->type)) {
			holder = (long)i;
			break;
		}
		if (against < 0)
			against = (long)i;
	}
	if (holder >= 0) {
		res->verdict = DMA_OK;
		res->mapping = holder;
	} else if (against >= 0) {
		res->verdict = DMA_AGAINST_DIR;
		res->mapping = against;
	} else {
		res->verdict = DMA_OUTSIDE;
		res->mapping = -1;
	}
}

int dma_tracker__event(struct dma_tracker *t, uint32_t domain, const struct pciem_event *ev,
		       struct dma_result *res)
{
	struct dma_dev *d = dma_tracker__dev(t, domain);
	int transfer = event__is_dma_transfer(ev);
	struct dma_mapping *m;
	int err = 0;

	memset(res, 0, sizeof(*res));
	res->mapping = -1;
	if (!d)
		return -ENOMEM;
	/*
	 * A later piece of a transfer starts where the piece before ended:
	 * the device's last piece of the same type, made by the same task (a
	 * model's long transfer is copied in chunks, and other events of the
	 * device may come between them).  A refused transfer ends one.
	 */
	if (transfer) {
		int w = ev->type == PCIEM_EVENT_DMA_WRITE;

		if (ev->flags & PCIEM_EVENT_F_SAME_INSN) {
			res->piece_orphan = !d->last[w].have || d->last[w].pid != ev->pid;
			res->piece_ok = !res->piece_orphan && d->last[w].end == ev->offset;
			res->prev_seq = d->last[w].seq;
			res->prev_end = d->last[w].end;
		}
		d->last[w].have = !(ev->flags & PCIEM_EVENT_F_DMA_FAULT);
		d->last[w].pid = ev->pid;
		d->last[w].seq = ev->seq;
		d->last[w].end = ev->offset + ev->data;
	}

	switch (ev->type) {
	case PCIEM_EVENT_DMA_MAP:
		return add_mapping(t, d, ev);
	case PCIEM_EVENT_DMA_UNMAP: {
		int coherent = !!(ev->flags & PCIEM_EVENT_F_DMA_COHERENT);
		long best = -1;
		size_t k = nlive(t, d), bk = 0;

		/* the newest live mapping at that address, one of the same
		 * size and kind if there is one */
		while (k--) {
			const struct dma_mapping *c = &d->maps[live_at(t, d, k)];

			if (c->addr != ev->offset)
				continue;
			if (best < 0 || (c->size == ev->data && c->coherent == coherent)) {
				best = (long)live_at(t, d, k);
				bk = k;
				if (c->size == ev->data && c->coherent == coherent)
					break;
			}
		}
		if (best < 0) {
			res->verdict = DMA_NOT_MAPPED;
			return t->keep ? add_outside(d, ev, res->verdict, -1) : 0;
		}
		m = &d->maps[best];
		res->verdict = m->size == ev->data && m->coherent == coherent && m->dir == ev->bar ?
			       DMA_OK : DMA_UNMAP_DIFFERS;
		res->found = *m;
		res->found.unmapped = 1;
		res->found.unmap_seq = ev->seq;
		res->found.unmap_ts = ev->timestamp_ns;
		res->found.unmap_ip = ev->ip;
		if (t->keep) {
			*m = res->found;
			res->mapping = best;
		}
		end_mapping(t, d, bk);
		return 0;
	}
	case PCIEM_EVENT_DMA_SYNC:
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE:
		place(t, d, ev, res);
		if (res->mapping >= 0)
			res->found = d->maps[res->mapping];
		if (res->verdict != DMA_OK || (ev->flags & PCIEM_EVENT_F_DMA_FAULT)) {
			if (transfer) {
				d->out_transfers++;
				if (ev->flags & PCIEM_EVENT_F_DMA_FAULT)
					d->out_refused++;
			}
			if (t->keep)
				err = add_outside(d, ev, res->verdict, res->mapping);
			return err;
		}
		m = &d->maps[res->mapping];
		if (ev->type == PCIEM_EVENT_DMA_SYNC) {
			if (ev->flags & PCIEM_EVENT_F_DMA_FOR_DEVICE)
				m->syncs_dev++;
			else
				m->syncs_cpu++;
		} else if (ev->type == PCIEM_EVENT_DMA_READ) {
			/* a transfer's later pieces (F_SAME_INSN) add bytes, not transfers */
			m->reads += !(ev->flags & PCIEM_EVENT_F_SAME_INSN);
			m->read_bytes += ev->data;
		} else {
			m->writes += !(ev->flags & PCIEM_EVENT_F_SAME_INSN);
			m->written_bytes += ev->data;
		}
		if (ev->seq > m->last_seq)
			m->last_seq = ev->seq;
		return 0;
	default:
		return 0;
	}
}

const char *dma_verdict__text(enum dma_verdict v)
{
	switch (v) {
	case DMA_OK: return "inside a live mapping";
	case DMA_OUTSIDE: return "outside every live mapping";
	case DMA_AGAINST_DIR: return "against the direction of its mapping";
	case DMA_NOT_MAPPED: return "no live mapping at that address";
	case DMA_UNMAP_DIFFERS: return "differs from its mapping";
	}
	return "?";
}
