// SPDX-License-Identifier: GPL-2.0
/*
 * libptf: integer coding and the compact event coding of
 * formats/trace_format.md ("Events").  Writer and reader share this file
 * and ptf_codec.h (where the decoder is, inline for the reader's loop), so
 * the two sides of the coding state cannot drift apart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptf_codec.h"

int ptf_get_varint_slow(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	unsigned int shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (p >= end)
			return -1;
		b = *p++;
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

/* ---- bounded content reader ---------------------------------------------- */

uint64_t ptf_cur__u64(struct ptf_cur *c, const char *what)
{
	uint64_t v = 0;

	if (c->err)
		return 0;
	if (ptf_get_varint(&c->p, c->end, &v)) {
		c->err = what;
		return 0;
	}
	return v;
}

uint32_t ptf_cur__max(struct ptf_cur *c, uint32_t max, const char *what)
{
	uint64_t v = ptf_cur__u64(c, what);

	if (!c->err && v > max) {
		c->err = what;
		return 0;
	}
	return (uint32_t)v;
}

uint32_t ptf_cur__u32(struct ptf_cur *c, const char *what)
{
	return ptf_cur__max(c, UINT32_MAX, what);
}

uint64_t ptf_cur__s64(struct ptf_cur *c, const char *what)
{
	return ptf_unzigzag(ptf_cur__u64(c, what));
}

const uint8_t *ptf_cur__bytes(struct ptf_cur *c, size_t n, const char *what)
{
	const uint8_t *p = c->p;

	if (c->err)
		return NULL;
	if ((size_t)(c->end - c->p) < n) {
		c->err = what;
		return NULL;
	}
	c->p += n;
	return p;
}

size_t ptf_cur__str(struct ptf_cur *c, size_t max, const uint8_t **s, const char *what)
{
	uint64_t n = ptf_cur__u64(c, what);

	*s = NULL;
	if (c->err)
		return 0;
	if (n > max) {
		c->err = what;
		return 0;
	}
	*s = ptf_cur__bytes(c, (size_t)n, what);
	if (!*s)
		return 0;
	if (memchr(*s, 0, (size_t)n)) {
		c->err = what;
		*s = NULL;
		return 0;
	}
	return (size_t)n;
}

/* ---- growing buffer --------------------------------------------------------- */

int ptf_buf__reserve(struct ptf_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void ptf_buf__free(struct ptf_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- coding state ------------------------------------------------------------- */

void ptf_codec__reset(struct ptf_codec *c)
{
	c->cur = NULL;
	c->ndev = 0;
}

struct ptf_dev_state *ptf_codec__get(struct ptf_codec *c, uint32_t domain)
{
	struct ptf_dev_state *d;
	uint32_t i;

	if (c->cur && c->cur->domain == domain)
		return c->cur;
	for (i = 0; i < c->ndev; i++)
		if (c->devs[i].domain == domain)
			return &c->devs[i];
	if (c->ndev == PTF_FRAME_DEVICES)
		return NULL;
	d = &c->devs[c->ndev++];
	memset(d, 0, sizeof(*d));
	d->domain = domain;
	d->last_seq = UINT64_MAX;
	d->frame.domain = domain;
	d->frame.min_seq = d->frame.min_ts = UINT64_MAX;
	return d;
}

static inline unsigned int slot_hash(uint32_t type, uint32_t bar, uint64_t offset)
{
	return (unsigned int)((offset >> 2) ^ (offset >> 6) ^ type * 5 ^ bar * 3) & (PTF_SLOTS - 1);
}

static inline int slot_is(const struct ptf_dev_state *d, unsigned int i,
			  const struct pciem_event *ev)
{
	const struct ptf_slot *s = &d->slots[i];

	return (d->used >> i & 1) && s->offset == ev->offset && s->type == ev->type &&
	       s->bar == ev->bar;
}

/* A byte-sized hash of a key: the writer keeps one per slot in sig[]. */
static inline uint64_t slot_sig(const struct pciem_event *ev)
{
	uint64_t k = ev->offset ^ ((uint64_t)ev->type << 40 | (uint64_t)ev->bar << 56);

	return (k * 0x9E3779B97F4A7C15ULL) >> 56;
}

/* Bit 8n+7 set for each zero byte n of @x, and no other bit. */
static inline uint64_t zero_bytes(uint64_t x)
{
	return ~(((x & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | x) &
	       0x8080808080808080ULL;
}

/* Writer's slot choice: the hashed slot, any slot with the key, an empty
 * slot, else round robin.  *fill is set when the slot gets the key. */
static unsigned int slot_pick(struct ptf_dev_state *d, const struct pciem_event *ev, int *fill)
{
	unsigned int h = slot_hash(ev->type, ev->bar, ev->offset), i, w;
	uint64_t sig = slot_sig(ev) * 0x0101010101010101ULL;
	uint32_t empty;

	*fill = 0;
	if (slot_is(d, h, ev))
		return h;
	/* A key is in at most one slot.  The candidates are the slots whose
	 * signature byte equals the key's, found eight at a time. */
	for (w = 0; w < 2; w++) {
		uint64_t m = zero_bytes(d->sig[w] ^ sig);

		while (m) {
			i = w * 8 + (unsigned int)__builtin_ctzll(m) / 8;
			if (slot_is(d, i, ev))
				return i;
			m &= m - 1;
		}
	}
	*fill = 1;
	empty = ~d->used & ((1U << PTF_SLOTS) - 1);
	if (empty & 1U << h)
		return h;
	if (empty)
		return (unsigned int)__builtin_ctz(empty);	/* the first empty slot */
	i = d->rr;
	d->rr = (d->rr + 1) & (PTF_SLOTS - 1);
	return i;
}

int ptf_encode_event(struct ptf_codec *c, uint8_t *out, uint32_t domain,
		     const struct pciem_event *ev, struct ptf_dev_state **dev)
{
	return ptf_encode_event_ex(c, out, domain, ev, 0, 0, dev);
}

int ptf_encode_event_ex(struct ptf_codec *c, uint8_t *out, uint32_t domain,
			const struct pciem_event *ev, uint32_t stack, uint32_t payload,
			struct ptf_dev_state **dev)
{
	unsigned int ext1 = 0, ext2 = 0, mode, slot;
	struct ptf_dev_state *d;
	struct ptf_slot *s;
	uint64_t ddelta = 0;
	uint8_t *p;
	int fill;

	d = ptf_codec__get(c, domain);
	if (!d)
		return -ENOSPC;
	if (d != c->cur)
		ext1 |= PTF_X1_DOM;
	slot = slot_pick(d, ev, &fill);
	s = &d->slots[slot];
	if (fill) {
		ext1 |= PTF_X1_KEY;
		d->used |= 1U << slot;
		d->sig[slot / 8] &= ~(0xffULL << (slot % 8 * 8));
		d->sig[slot / 8] |= slot_sig(ev) << (slot % 8 * 8);
		s->type = ev->type;
		s->bar = ev->bar;
		s->offset = ev->offset;
		s->size = s->flags = 0;
		s->data = s->ip = 0;
	}
	if (ev->seq != d->last_seq + 1)
		ext1 |= PTF_X1_SEQ;
	if (ev->size != s->size || ev->flags != s->flags)
		ext1 |= PTF_X1_SIZE;
	if (ev->ip != s->ip)
		ext1 |= PTF_X1_IP;
	if (ev->cpu != d->last_cpu)
		ext1 |= PTF_X1_CPU;
	if (ev->pid != d->last_pid)
		ext1 |= PTF_X1_PID;
	if (stack)
		ext2 |= PTF_X2_STACK;
	if (payload)
		ext2 |= PTF_X2_PAYLOAD;
	if (ext2)
		ext1 |= PTF_X1_MORE;

	if (ev->data == s->data) {
		mode = PTF_DATA_SAME;
	} else {
		unsigned int ld, lv;

		ddelta = ptf_zigzag(ev->data - s->data);
		ld = ptf_varint_len(ddelta);
		lv = ptf_varint_len(ev->data);
		if (ld <= lv && ld <= 8)
			mode = PTF_DATA_DELTA;
		else if (lv <= 8)
			mode = PTF_DATA_VARINT;
		else
			mode = PTF_DATA_FIXED;
	}

	out[0] = (uint8_t)(PTF_EV_TAG | slot << PTF_EV_SLOT_SHIFT | (ext1 ? PTF_EV_EXT : 0) | mode);
	p = out + 2;
	if (ext1)
		*p++ = (uint8_t)ext1;
	if (ext1 & PTF_X1_MORE)
		*p++ = (uint8_t)ext2;
	if (ext1 & PTF_X1_DOM)
		p = ptf_put_varint8(p, domain);
	if (ext1 & PTF_X1_KEY) {
		p = ptf_put_varint8(p, ev->type);
		p = ptf_put_varint8(p, ev->bar);
		p = ptf_put_varint8(p, ev->offset);
	}
	if (ext1 & PTF_X1_SEQ)
		p = ptf_put_varint8(p, ptf_zigzag(ev->seq - (d->last_seq + 1)));
	p = ptf_put_varint8(p, ptf_zigzag(ev->timestamp_ns - d->last_ts));
	if (ext1 & PTF_X1_SIZE) {
		p = ptf_put_varint8(p, ev->size);
		p = ptf_put_varint8(p, ev->flags);
	}
	if (mode == PTF_DATA_DELTA) {
		p = ptf_put_varint8(p, ddelta);
	} else if (mode == PTF_DATA_VARINT) {
		p = ptf_put_varint8(p, ev->data);
	} else if (mode == PTF_DATA_FIXED) {
		p = ptf_put_le64(p, ev->data);
	}
	if (ext1 & PTF_X1_IP)
		p = ptf_put_varint8(p, ptf_zigzag(ev->ip - s->ip));
	if (ext1 & PTF_X1_CPU)
		p = ptf_put_varint8(p, ev->cpu);
	if (ext1 & PTF_X1_PID)
		p = ptf_put_varint8(p, ev->pid);
	if (stack)
		p = ptf_put_varint8(p, stack);
	if (payload)
		p = ptf_put_varint8(p, payload);
	out[1] = (uint8_t)(p - out - 2);	/* always < 0x80 */

	s->size = ev->size;
	s->flags = ev->flags;
	s->data = ev->data;
	s->ip = ev->ip;
	d->last_seq = ev->seq;
	d->last_ts = ev->timestamp_ns;
	d->last_cpu = ev->cpu;
	d->last_pid = ev->pid;
	c->cur = d;

	d->frame.events++;
	if (ev->seq < d->frame.min_seq)
		d->frame.min_seq = ev->seq;
	if (ev->seq > d->frame.max_seq)
		d->frame.max_seq = ev->seq;
	if (ev->timestamp_ns < d->frame.min_ts)
		d->frame.min_ts = ev->timestamp_ns;
	if (ev->timestamp_ns > d->frame.max_ts)
		d->frame.max_ts = ev->timestamp_ns;
	*dev = d;
	return (int)(p - out);
}

void ptf_vmsg(char *buf, size_t len, const char *name, const char *fmt, va_list ap)
{
	char what[1024];
	size_t n = strlen(name), wl, room;

	if (!len)
		return;
	vsnprintf(what, sizeof(what), fmt, ap);
	wl = strlen(what);
	/* bytes left for the name beside ": " and the message */
	room = len - 1 > wl + 2 ? len - 1 - wl - 2 : 0;
	if (n <= room)
		snprintf(buf, len, "%s: %s", name, what);
	else if (room > 3)
		snprintf(buf, len, "...%s: %s", name + n - (room - 3), what);
	else
		snprintf(buf, len, "%s", what);
}
