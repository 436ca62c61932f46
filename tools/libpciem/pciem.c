// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem.h"

int pciem_ring_pop(struct pciem_shared_ring *ring, struct pciem_event *out)
{
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);

	if (head >= PCIEM_RING_SIZE || tail >= PCIEM_RING_SIZE) {
		errno = EPROTO;
		return -1;
	}
	if (head == tail)
		return 0;
	*out = ring->events[head];
	atomic_store_explicit(&ring->head, (head + 1) % PCIEM_RING_SIZE, memory_order_release);
	return 1;
}

uint64_t pciem_ring_lost(const struct pciem_shared_ring *ring)
{
	return __atomic_load_n(&ring->lost, __ATOMIC_RELAXED);
}

const char *pciem_event_type_name(uint32_t type)
{
	switch (type) {
	case PCIEM_EVENT_MMIO_READ: return "MMIO_READ";
	case PCIEM_EVENT_MMIO_WRITE: return "MMIO_WRITE";
	case PCIEM_EVENT_CONFIG_READ: return "CONFIG_READ";
	case PCIEM_EVENT_CONFIG_WRITE: return "CONFIG_WRITE";
	case PCIEM_EVENT_WATCHPOINT: return "WATCHPOINT";
	case PCIEM_EVENT_UNSUPPORTED: return "UNSUPPORTED";
	case PCIEM_EVENT_IRQ: return "IRQ";
	case PCIEM_EVENT_LIFECYCLE: return "LIFECYCLE";
	case PCIEM_EVENT_DMA_MAP: return "DMA_MAP";
	case PCIEM_EVENT_DMA_UNMAP: return "DMA_UNMAP";
	case PCIEM_EVENT_DMA_SYNC: return "DMA_SYNC";
	case PCIEM_EVENT_DMA_READ: return "DMA_READ";
	case PCIEM_EVENT_DMA_WRITE: return "DMA_WRITE";
	default: return "UNKNOWN";
	}
}

int pciem_event_format(char *buf, size_t len, const struct pciem_event *ev)
{
	const char *name = pciem_event_type_name(ev->type);

	switch (ev->type) {
	case PCIEM_EVENT_CONFIG_READ:
	case PCIEM_EVENT_CONFIG_WRITE:
		return snprintf(buf, len, "#%llu %s cfg+0x%llx %u bytes 0x%llx",
				(unsigned long long)ev->seq, name,
				(unsigned long long)ev->offset, ev->size,
				(unsigned long long)ev->data);
	case PCIEM_EVENT_WATCHPOINT:
		return snprintf(buf, len, "#%llu %s %s bar%u+0x%llx %u bytes 0x%llx",
				(unsigned long long)ev->seq, name,
				(ev->flags & PCIEM_EVENT_F_WRITE) ? "write" : "read", ev->bar,
				(unsigned long long)ev->offset, ev->size,
				(unsigned long long)ev->data);
	default:
		return snprintf(buf, len, "#%llu %s bar%u+0x%llx %u bytes 0x%llx",
				(unsigned long long)ev->seq, name, ev->bar,
				(unsigned long long)ev->offset, ev->size,
				(unsigned long long)ev->data);
	}
}

int pciem_divergence_symbol(char *buf, size_t len, const struct pciem_replay_divergence *d)
{
	const char *sym = d->symbol;
	size_t n = strnlen(sym, sizeof(d->symbol)), name = 0;
	const char *mod = memchr(sym, ' ', n);

	while (name < n && sym[name] != '/' && sym[name] != ' ')
		name++;

	/* "%pS" gives "0xffff..." for an address it cannot name */
	if (!n || sym[0] == '0') {
		if (d->actual.ip)
			snprintf(buf, len, "0x%llx", (unsigned long long)d->actual.ip);
		else if (len)
			buf[0] = 0;
		return -1;
	}
	snprintf(buf, len, "%.*s%.*s", (int)name, sym,
		 mod ? (int)(n - (mod - sym)) : 0, mod ? mod : "");
	return 0;
}

int pciem_format_address(char *buf, size_t len, const struct pciem_device_info *info)
{
	return snprintf(buf, len, "%04x:%02x:%02x.%x", info->domain, info->bus,
			info->devfn >> 3, info->devfn & 7);
}

static int parse_hex(const char *s, const char *end, unsigned long max, unsigned long *out)
{
	char *stop;

	if (s == end || *s == '+' || *s == '-' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoul(s, &stop, 16);
	return (errno || stop != end || *out > max) ? -1 : 0;
}

int pciem_parse_address(const char *s, uint32_t *domain, uint8_t *bus, uint8_t *devfn)
{
	const char *c1 = strchr(s, ':'), *c2, *dot;
	unsigned long d = 0, b, dv, fn;

	if (!c1)
		goto bad;
	c2 = strchr(c1 + 1, ':');
	if (c2) {
		if (parse_hex(s, c1, 0xffffffffUL, &d))
			goto bad;
		s = c1 + 1;
		c1 = c2;
	}
	dot = strchr(c1 + 1, '.');
	if (!dot || parse_hex(s, c1, 0xff, &b) || parse_hex(c1 + 1, dot, 0x1f, &dv) ||
	    parse_hex(dot + 1, dot + strlen(dot), 7, &fn))
		goto bad;
	*domain = d;
	*bus = b;
	*devfn = (dv << 3) | fn;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int pciem_trace_reader_init(struct pciem_trace_reader *r, void *map, size_t len)
{
	struct pciem_trace_header *h = map;

	if (len < sizeof(*h) || h->header_size < sizeof(*h) || h->data_size < 64 ||
	    (h->data_size & (h->data_size - 1)) || h->header_size > len ||
	    h->data_size > len - h->header_size) {
		errno = EPROTO;
		return -1;
	}
	r->hdr = h;
	r->data = (const uint8_t *)map + h->header_size;
	r->size = h->data_size;
	r->pos = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
	return 0;
}

int pciem_trace_next(struct pciem_trace_reader *r, const struct pciem_trace_rec **out)
{
	uint64_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);

	for (;;) {
		const struct pciem_trace_rec *rec;
		uint64_t off;

		if (r->pos == tail)
			return 0;
		if (tail - r->pos > r->size)
			goto bad;
		off = r->pos & (r->size - 1);
		rec = (const struct pciem_trace_rec *)(r->data + off);
		if (rec->size < sizeof(*rec) || rec->size % 16 || rec->size > r->size - off ||
		    rec->size > tail - r->pos)
			goto bad;
		r->pos += rec->size;
		if (rec->type == PCIEM_TREC_PAD)
			continue;
		*out = rec;
		return 1;
	}
bad:
	errno = EPROTO;
	return -1;
}

void pciem_trace_done(struct pciem_trace_reader *r)
{
	__atomic_store_n(&r->hdr->head, r->pos, __ATOMIC_RELEASE);
}

uint64_t pciem_trace_lost(const struct pciem_trace_reader *r)
{
	return __atomic_load_n(&r->hdr->lost, __ATOMIC_RELAXED);
}
