/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libptf internals: the format's constants, integer coding, the event codec
 * and the index.  formats/trace_format.md is the reference for every
 * number here.
 */
#ifndef PTF_CODEC_H
#define PTF_CODEC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "ptf.h"

#define PTF_MAGIC		"\x89PTF\r\n\x1a\n"
#define PTF_MAGIC_LEN		8
#define PTF_PREAMBLE_LEN	12

#define PTF_FRAME_MAX		(16U << 20)	/* decompressed bytes of a frame */
#define PTF_RECORD_MAX		(8U << 20)	/* bytes of one record */
#define PTF_FRAME_DEFAULT	(1U << 20)
#define PTF_MAX_DOMAINS		1024
#define PTF_FRAME_DEVICES	256
#define PTF_MAX_MODULES		4096
#define PTF_MAX_SYMS		(4U << 20)
#define PTF_NAME_MAX		255
#define PTF_SYM_NAME_MAX	511
#define PTF_SLOTS		16
/* An encoded event never exceeds 98 bytes (87 before 1.2's Ext2 and
 * Stack_Ref, 93 before 1.4's Payload_Ref); the encoder's 8-byte stores
 * (ptf_put_varint8()) reach at most 7 bytes past its end.  Room for both: */
#define PTF_EVENT_MAX		112
#define PTF_MAX_PAYLOADS	UINT32_MAX	/* DMA_DATA records in a trace (1.4) */

/* Record types (tags 0x01-0x7f); tags 0x80-0xff are events. */
enum {
	PTF_T_HEADER = 0x01,
	PTF_T_FRAME = 0x02,
	PTF_T_DEVICE = 0x03,
	PTF_T_DRIVER = 0x04,
	PTF_T_MODULE = 0x05,
	PTF_T_LOST = 0x06,
	PTF_T_FOOTER = 0x07,
	PTF_T_STACK_TABLE = 0x08,
	PTF_T_DMA_DATA = 0x09,
};
#define PTF_RF_REQUIRED		0x01

/* Event tag and extension bits */
#define PTF_EV_TAG		0x80
#define PTF_EV_SLOT_SHIFT	3
#define PTF_EV_EXT		0x04
#define PTF_EV_DATA_MASK	0x03
enum { PTF_DATA_SAME, PTF_DATA_DELTA, PTF_DATA_VARINT, PTF_DATA_FIXED };
#define PTF_X1_DOM		0x01
#define PTF_X1_KEY		0x02
#define PTF_X1_SEQ		0x04
#define PTF_X1_SIZE		0x08
#define PTF_X1_IP		0x10
#define PTF_X1_CPU		0x20
#define PTF_X1_PID		0x40
#define PTF_X1_MORE		0x80
#define PTF_X2_STACK		0x01
#define PTF_X2_PAYLOAD		0x02	/* 1.4 */

/* Index frame flags */
#define PTF_FF_HEADER		0x0001
#define PTF_FF_DEVICE		0x0002
#define PTF_FF_DRIVER		0x0004
#define PTF_FF_MODULE		0x0008
#define PTF_FF_LOST		0x0010
#define PTF_FF_FOOTER		0x0020
#define PTF_FF_EVENTS		0x0040
#define PTF_FF_STACKS		0x0080	/* 1.2: STACK_TABLE records */
#define PTF_FF_DMA_DATA		0x0100	/* 1.4: DMA_DATA records */
#define PTF_FF_META		(PTF_FF_DEVICE | PTF_FF_DRIVER | PTF_FF_MODULE | PTF_FF_STACKS)

#define PTF_ZSTD_MAGIC		0xFD2FB528U
#define PTF_SKIP_MAGIC_MASK	0xFFFFFFF0U
#define PTF_SKIP_MAGIC_ANY	0x184D2A50U
#define PTF_SKIP_MAGIC_INDEX	0x184D2A5CU
#define PTF_SKIP_MAGIC_SEEK	0x184D2A5EU
#define PTF_SEEKABLE_MAGIC	0x8F92EAB1U
#define PTF_INDEX_MAGIC		0x49465450U	/* "PTFI" */
#define PTF_XXH64_EMPTY_LO	0x51D8E999U	/* XXH64("") & 0xffffffff */
#define PTF_SEEK_CHECKSUM_FLAG	0x80
#define PTF_SEEK_RESERVED_BITS	0x7C

/* ---- fixed-width little-endian helpers ---------------------------------- */

static inline uint32_t ptf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint16_t ptf_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint64_t ptf_le64(const uint8_t *p)
{
	return (uint64_t)ptf_le32(p) | (uint64_t)ptf_le32(p + 4) << 32;
}

static inline uint8_t *ptf_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static inline uint8_t *ptf_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return p + 4;
}

static inline uint8_t *ptf_put_le64(uint8_t *p, uint64_t v)
{
	ptf_put_le32(p, (uint32_t)v);
	return ptf_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- varints -------------------------------------------------------------- */

static inline uint8_t *ptf_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Bytes of @v as a varint, 1 to 10, without a loop. */
static inline unsigned int ptf_varint_len(uint64_t v)
{
	return (unsigned int)(64 - __builtin_clzll(v | 1) + 6) / 7;
}

/*
 * The branch-free varint paths below work on eight bytes at once: byte i
 * of a varint holds bits 7i to 7i+6 of the value.  ptf_le64() and
 * ptf_put_le64() compile to single unaligned loads and stores.
 */

/* Squeezes the low 7 bits of each byte of @x together: the value of a
 * varint of at most 8 bytes, its continuation bits ignored. */
static inline uint64_t ptf_varint_pack(uint64_t x)
{
	x = (x & 0x007f007f007f007fULL) | (x & 0x7f007f007f007f00ULL) >> 1;
	x = (x & 0x00003fff00003fffULL) | (x & 0x3fff00003fff0000ULL) >> 2;
	x = (x & 0x000000000fffffffULL) | (x & 0x0fffffff00000000ULL) >> 4;
	return x;
}

/* The reverse: @v (below 2^56) spread over 7 bits of each byte. */
static inline uint64_t ptf_varint_spread(uint64_t v)
{
	v = (v & 0x000000000fffffffULL) | (v & 0x00fffffff0000000ULL) << 4;
	v = (v & 0x00003fff00003fffULL) | (v & 0x0fffc0000fffc000ULL) << 2;
	v = (v & 0x007f007f007f007fULL) | (v & 0x3f803f803f803f80ULL) << 1;
	return v;
}

/* ptf_put_varint() for a buffer with 8 writable bytes at @p: a value of up
 * to 8 bytes is written with one store (the bytes after it are scratch). */
static inline uint8_t *ptf_put_varint8(uint8_t *p, uint64_t v)
{
	unsigned int n;

	if (v < 0x80) {
		*p = (uint8_t)v;
		return p + 1;
	}
	if (v < 0x4000) {			/* e.g. a steady clock's deltas */
		p[0] = (uint8_t)(v | 0x80);
		p[1] = (uint8_t)(v >> 7);
		return p + 2;
	}
	if (v >= 1ULL << 56)
		return ptf_put_varint(p, v);
	n = ptf_varint_len(v);
	/* continuation bits on every byte but the last (n >= 2) */
	ptf_put_le64(p, ptf_varint_spread(v) |
		     (0x8080808080808080ULL & ((1ULL << (8 * (n - 1))) - 1)));
	return p + n;
}

static inline uint64_t ptf_zigzag(uint64_t v)
{
	return (v << 1) ^ (0 - (v >> 63));
}

static inline uint64_t ptf_unzigzag(uint64_t v)
{
	return (v >> 1) ^ (0 - (v & 1));
}

int ptf_get_varint_slow(const uint8_t **pp, const uint8_t *end, uint64_t *v);

/* 0, or -1 when the varint is cut by @end or longer than 64 bits. */
static inline int ptf_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	return ptf_get_varint_slow(pp, end, v);
}

/*
 * Bytes a reader keeps readable (and initialised) after the decompressed
 * content of a frame, for ptf_get_varint_pad() and ptf_decode_event().
 */
#define PTF_READ_PAD		16

/* ptf_get_varint() for a buffer that has PTF_READ_PAD readable bytes after
 * @end (and *pp <= end): varints of up to 8 bytes are decoded from one
 * 8-byte load, without a loop; @end is checked as strictly as before. */
static inline int ptf_get_varint_pad(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x, stop;
	unsigned int n;

	if (__builtin_expect(p < end && *p < 0x80, 1)) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	x = ptf_le64(p);
	if (!(x & 0x8000)) {			/* 2 bytes */
		if (end - p < 2)
			return -1;
		*v = (x & 0x7f) | (x >> 1 & 0x3f80);
		*pp = p + 2;
		return 0;
	}
	stop = ~x & 0x8080808080808080ULL;	/* bytes without a continuation */
	if (!stop)
		return ptf_get_varint_slow(pp, end, v);	/* 9 or 10 bytes */
	n = ((unsigned int)__builtin_ctzll(stop) + 1) / 8;
	if (n > (size_t)(end - p))
		return -1;			/* cut by @end */
	*v = ptf_varint_pack(x & (stop ^ (stop - 1)));
	*pp = p + n;
	return 0;
}

/* A bounded reader of record content: the first failure is kept in @err
 * and makes every later get fail too. */
struct ptf_cur {
	const uint8_t *p, *end;
	const char *err;
};

uint64_t ptf_cur__u64(struct ptf_cur *c, const char *what);
uint32_t ptf_cur__u32(struct ptf_cur *c, const char *what);
uint64_t ptf_cur__s64(struct ptf_cur *c, const char *what);
uint32_t ptf_cur__max(struct ptf_cur *c, uint32_t max, const char *what);
/* A string of at most @max bytes; returns its length and points *s at it
 * (not NUL-terminated). */
size_t ptf_cur__str(struct ptf_cur *c, size_t max, const uint8_t **s, const char *what);
const uint8_t *ptf_cur__bytes(struct ptf_cur *c, size_t n, const char *what);

/* A growing byte buffer (writer side). */
struct ptf_buf {
	uint8_t *p;
	size_t len, cap;
};

int ptf_buf__reserve(struct ptf_buf *b, size_t n);
void ptf_buf__free(struct ptf_buf *b);

/* ---- the event codec ------------------------------------------------------- */

struct ptf_slot {
	uint64_t offset, data, ip;
	uint32_t type, bar, size, flags;
};

/* A device's events in one frame: an index entry, and what the codec
 * counts while it writes the frame. */
struct ptf_index_dev {
	uint32_t domain, events;
	uint64_t min_seq, max_seq, min_ts, max_ts;
};

struct ptf_dev_state {
	uint32_t domain;
	uint32_t rr;			/* writer: next slot to replace */
	uint32_t used;			/* bit n: slot n holds a key */
	uint64_t sig[2];		/* writer: byte n, a hash of slot n's key */
	uint64_t last_seq, last_ts;
	uint32_t last_cpu, last_pid;
	struct ptf_index_dev frame;	/* writer: its index entry, so far */
	void *user;			/* writer's / reader's per-domain data */
	struct ptf_slot slots[PTF_SLOTS];
};

struct ptf_codec {
	struct ptf_dev_state *cur;
	uint32_t ndev;
	struct ptf_dev_state devs[PTF_FRAME_DEVICES];
};

void ptf_codec__reset(struct ptf_codec *c);
/* The state of @domain in this frame, created if new; NULL if the frame
 * already has PTF_FRAME_DEVICES devices. */
struct ptf_dev_state *ptf_codec__get(struct ptf_codec *c, uint32_t domain);

/* Encodes one event record at @out (room for PTF_EVENT_MAX bytes) and
 * returns its length, or -ENOSPC if the frame cannot take another device. */
int ptf_encode_event(struct ptf_codec *c, uint8_t *out, uint32_t domain,
		     const struct pciem_event *ev, struct ptf_dev_state **dev);
/* The same with a Stack_Ref (@stack != 0) and a Payload_Ref (@payload != 0). */
int ptf_encode_event_ex(struct ptf_codec *c, uint8_t *out, uint32_t domain,
			const struct pciem_event *ev, uint32_t stack, uint32_t payload,
			struct ptf_dev_state **dev);

/* for ptf_decode_event(): a field, or return what is wrong */
#define GET(v, what)						\
	do {							\
		if (ptf_get_varint_pad(&p, end, &(v)))		\
			return what;				\
	} while (0)
#define GET32(v, what)						\
	do {							\
		uint64_t x_;					\
		GET(x_, what);					\
		if (x_ > UINT32_MAX)				\
			return what " does not fit 32 bits";	\
		(v) = (uint32_t)x_;				\
	} while (0)

/*
 * Decodes the content [@p, @end) of an event record with tag @tag; NULL on
 * success, else what is wrong.  PTF_READ_PAD bytes after @end must be
 * readable (they are loaded, never used).  Inline: the reader's loop calls
 * it once per event.
 *
 * The fields are decoded into locals and stored once at the end, into the
 * coding state and into @ev: storing a field of @ev and loading it back
 * (or a wider word around it) would stall on the store buffer every event.
 */
static inline const char *ptf_decode_event(struct ptf_codec *c, unsigned int tag,
					   const uint8_t *p, const uint8_t *end,
					   struct pciem_event *ev, uint32_t *stack,
					   uint32_t *payload, struct ptf_dev_state **dev)
{
	unsigned int ext1 = 0, ext2 = 0, slot;
	struct ptf_dev_state *d;
	struct ptf_slot *s;
	uint64_t v, offset, data, ip, seq, ts;
	uint32_t type, bar, size, flags, cpu, pid;

	if (tag & PTF_EV_EXT) {
		if (p >= end)
			return "event: Ext1 missing";
		ext1 = *p++;
		if (ext1 & PTF_X1_MORE) {
			if (p >= end)
				return "event: Ext2 missing";
			ext2 = *p++;
		}
	}
	if (ext1 & PTF_X1_DOM) {
		uint32_t domain;

		GET32(domain, "event: Domain");
		d = ptf_codec__get(c, domain);
		if (!d)
			return "event: more than 256 devices in one frame";
		c->cur = d;
	} else {
		d = c->cur;
		if (!d)
			return "event before any device is selected in the frame";
	}
	slot = (tag >> PTF_EV_SLOT_SHIFT) & (PTF_SLOTS - 1);
	s = &d->slots[slot];
	if (ext1 & PTF_X1_KEY) {
		GET32(type, "event: Type");
		GET32(bar, "event: Bar");
		GET(offset, "event: Offset");
		size = flags = 0;
		data = ip = 0;
	} else {
		if (!(d->used >> slot & 1))
			return "event uses an empty slot";
		type = s->type;
		bar = s->bar;
		offset = s->offset;
		size = s->size;
		flags = s->flags;
		data = s->data;
		ip = s->ip;
	}
	seq = d->last_seq + 1;
	if (ext1 & PTF_X1_SEQ) {
		GET(v, "event: Seq_Delta");
		seq += ptf_unzigzag(v);
	}
	GET(v, "event: Ts_Delta");
	ts = d->last_ts + ptf_unzigzag(v);
	if (ext1 & PTF_X1_SIZE) {
		GET32(size, "event: Access_Size");
		GET32(flags, "event: Event_Flags");
	}
	switch (tag & PTF_EV_DATA_MASK) {
	case PTF_DATA_SAME:
		break;
	case PTF_DATA_DELTA:
		GET(v, "event: Data_Delta");
		data += ptf_unzigzag(v);
		break;
	case PTF_DATA_VARINT:
		GET(data, "event: Data_Varint");
		break;
	default:
		if (end - p < 8)
			return "event: Data_Fixed cut short";
		data = ptf_le64(p);
		p += 8;
		break;
	}
	if (ext1 & PTF_X1_IP) {
		GET(v, "event: Ip_Delta");
		ip += ptf_unzigzag(v);
	}
	cpu = d->last_cpu;
	if (ext1 & PTF_X1_CPU)
		GET32(cpu, "event: Cpu");
	pid = d->last_pid;
	if (ext1 & PTF_X1_PID)
		GET32(pid, "event: Pid");
	*stack = 0;
	if (ext2 & PTF_X2_STACK) {
		GET32(*stack, "event: Stack_Ref");
		if (!*stack)
			return "event: Stack_Ref 0";
	}
	*payload = 0;
	if (ext2 & PTF_X2_PAYLOAD) {
		GET32(*payload, "event: Payload_Ref");
		if (!*payload)
			return "event: Payload_Ref 0";
	}
	/* anything after the known fields belongs to a later minor version */

	if (ext1 & PTF_X1_KEY) {
		d->used |= 1U << slot;
		s->type = type;
		s->bar = bar;
		s->offset = offset;
	}
	if (ext1 & (PTF_X1_KEY | PTF_X1_SIZE)) {
		s->size = size;
		s->flags = flags;
	}
	s->data = data;
	s->ip = ip;
	d->last_seq = seq;
	d->last_ts = ts;
	d->last_cpu = cpu;
	d->last_pid = pid;

	ev->seq = seq;
	ev->type = type;
	ev->bar = bar;
	ev->offset = offset;
	ev->data = data;
	ev->size = size;
	ev->flags = flags;
	ev->timestamp_ns = ts;
	ev->ip = ip;
	ev->cpu = cpu;
	ev->pid = pid;
	*dev = d;
	return NULL;
}

#undef GET
#undef GET32

/* ---- the index and the seek table ------------------------------------------ */

struct ptf_frame_info {
	uint64_t offset;
	uint32_t csize, dsize;
	uint32_t records;
	uint32_t checksum;		/* the frame's content checksum */
	uint16_t flags;			/* PTF_FF_* */
	uint16_t ndev;
	uint32_t dev0;			/* first of its devices in the dev array */
	uint8_t meta_loaded;		/* reader: DEVICE/DRIVER/MODULE absorbed */
	uint8_t pay_known;		/* reader: its DMA_DATA records counted */
	uint32_t pay0;			/* reader: id of its first payload (1.4) */
	uint32_t npay;			/* reader: its DMA_DATA records */
};

struct ptf_index {
	struct ptf_frame_info *frames;
	uint32_t nframes;
	struct ptf_index_dev *devs;
	uint32_t ndevs;
};

uint32_t ptf_crc32(uint32_t crc, const void *buf, size_t len);

/* "NAME: " and the message of @fmt into @buf, always within @len bytes: a
 * NAME too long to fit beside the message is cut to "..." and its end. */
void ptf_vmsg(char *buf, size_t len, const char *name, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* Bytes of the index frame plus the seek table for @ix. */
size_t ptf_index__size(const struct ptf_index *ix);
/* Writes both at @out (ptf_index__size() bytes). */
void ptf_index__write(const struct ptf_index *ix, uint8_t *out);
/* Finds and checks the seek table and the index at the end of @data:
 * 0 when there is no seek table, 1 when @ix was filled, -1 (with @why) when
 * they are damaged or disagree with the file. */
int ptf_index__read(const uint8_t *data, size_t len, struct ptf_index *ix,
		    char *why, size_t whylen);
void ptf_index__free(struct ptf_index *ix);

#endif
