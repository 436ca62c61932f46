/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small CTF 1.8 trace writer for pciem-trace export: the TSDL metadata
 * (text) and one binary stream file per CPU, written as packets of a
 * fixed buffer size, so memory does not grow with the trace.
 *
 * Layout (all integers little endian, byte aligned):
 *   packet header   magic 0xc1fc1fc1, trace uuid, stream_id 0, stream_instance_id = cpu
 *   packet context  timestamp_begin, timestamp_end, content_size, packet_size,
 *                   packet_seq_num, events_discarded, cpu_id (as LTTng-UST)
 *   event header    uint16 id, uint64 timestamp (the clock's value)
 *   event payload   the class's fields in order: integers of 8-64 bits,
 *                   NUL-terminated UTF-8 strings, or byte sequences (a uint32
 *                   length, then the bytes)
 * Field names are written with a leading '_', as LTTng does; readers
 * (babeltrace2, Trace Compass) show them without it.
 *
 * Functions return 0 or -errno; ctf_writer__error() then says what failed.
 * The output depends only on the calls made: no time, host or random data
 * is added.
 */
#ifndef PCIEM_TRACE_CTF_H
#define PCIEM_TRACE_CTF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum ctf_type {
	CTF_U8 = 1,
	CTF_U16,
	CTF_U32,
	CTF_U64,
	CTF_STRING,		/* written with ctf_put_str() */
	CTF_BYTES,		/* a sequence of uint8 (hex) after its uint32 length,
				 * as LTTng-UST's lttng_ust_field_sequence_hex(uint8_t,
				 * NAME, ..., uint32_t, ...) declares it: the length is
				 * a field of its own, "_NAME_length", before it;
				 * written with ctf_put_bytes() */
};

struct ctf_field {
	const char *name;	/* [A-Za-z][A-Za-z0-9_]*, checked at open */
	enum ctf_type type;
	int hex;		/* display base 16 (integers) */
};

struct ctf_event_class {
	const char *name;	/* any text ("pciem:mmio_read"); escaped */
	const struct ctf_field *fields;
	unsigned int nfields;
	int loglevel;		/* TSDL loglevel; LTTng's TRACE_DEBUG_LINE is 13 */
};

/* One entry of the env block: a string, or an integer when @str is NULL. */
struct ctf_env {
	const char *key;	/* an identifier */
	const char *str;
	int64_t num;
};

struct ctf_writer_opts {
	const char *dir;		/* created if missing; must be empty */
	uint8_t uuid[16];		/* the trace's uuid */
	const char *clock_name;		/* an identifier: "monotonic" */
	const char *clock_description;
	int64_t clock_offset_s;		/* the clock's 0 in seconds since the epoch, */
	uint64_t clock_offset;		/* plus this many ns (< 10^9) */
	const uint8_t *clock_uuid;	/* 16 bytes or NULL: no uuid */
	const struct ctf_env *env;
	unsigned int nenv;
	const struct ctf_event_class *classes;	/* id = index */
	unsigned int nclasses;
	const char *stream_prefix;	/* files are PREFIX_CPU: "pciem" */
	uint32_t packet_bytes;		/* 0: 64 KiB; at least 4 KiB */
	unsigned int max_streams;	/* 0: 4096 */
};

struct ctf_stream {
	uint8_t *buf, *p, *end;		/* the packet being filled; events from buf + 84 */
	uint64_t ts_first, ts_last;	/* of the packet's events */
	uint64_t ts_max;		/* the stream's latest timestamp */
	uint64_t discarded;		/* running count, as LTTng's events_discarded */
	uint64_t seq_num;		/* packets written */
	uint64_t events;		/* in the packet */
	uint32_t cpu;
	int pending_discard;		/* discarded grew since the last packet */
	int fd;
};

struct ctf_writer;

/* Creates opts->dir (refusing one that exists and is not empty with
 * -ENOTEMPTY) and writes its metadata file.  On failure *w is still set
 * (unless -ENOMEM) so that ctf_writer__error() can say why. */
int ctf_writer__open(struct ctf_writer **w, const struct ctf_writer_opts *opts);

/* The stream of @cpu, created (with its file) on first use; NULL after
 * an error (too many streams, the file cannot be created). */
struct ctf_stream *ctf_writer__stream(struct ctf_writer *w, uint32_t cpu);

/*
 * Starts an event of class @id at time *@ts in @s: returns where its
 * payload goes, with room for @max_payload bytes, or NULL on an error.
 * A time earlier than the stream's latest is raised to it (a stream's
 * times never go back) and *@ts says so; ctf_writer__raised() counts
 * those.  The caller writes the payload with the ctf_put_*() helpers and
 * ends with ctf_stream__commit() and the end of what it wrote.
 */
uint8_t *ctf_stream__begin(struct ctf_writer *w, struct ctf_stream *s, uint16_t id,
			   uint64_t *ts, size_t max_payload);

static inline void ctf_stream__commit(struct ctf_stream *s, uint8_t *end)
{
	s->p = end;
	s->events++;
}

/* Adds @count to the stream's discarded events; the packet holding the
 * next event (or the current one) reports the new running count. */
void ctf_stream__discard(struct ctf_stream *s, uint64_t count);

/* Ends @s's current packet now.  Unless @always, a packet that holds no
 * event and no new discarded count is not written. */
int ctf_stream__flush(struct ctf_writer *w, struct ctf_stream *s, int always);

uint64_t ctf_writer__raised(const struct ctf_writer *w);
unsigned int ctf_writer__streams(const struct ctf_writer *w);

/* Writes every stream's last packet and closes the files; returns the
 * first error met by this writer (ctf_writer__error() says what it was). */
int ctf_writer__finish(struct ctf_writer *w);

/* ctf_writer__finish() if not done, then frees @w; returns its error. */
int ctf_writer__close(struct ctf_writer *w);

const char *ctf_writer__error(const struct ctf_writer *w);

/* ---- payload -------------------------------------------------------------- */

static inline uint8_t *ctf_put_u8(uint8_t *p, uint8_t v)
{
	*p = v;
	return p + 1;
}

static inline uint8_t *ctf_put_u16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);	/* x86-64 and the other little-endian hosts */
	return p + 2;
}

static inline uint8_t *ctf_put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static inline uint8_t *ctf_put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
	return p + 8;
}

/* At most @max bytes of @s (a NUL inside ends it), then the NUL: at most
 * @max + 1 bytes. */
static inline uint8_t *ctf_put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	memcpy(p, s, n);
	p[n] = 0;
	return p + n + 1;
}

/* A byte sequence (CTF_BYTES): its uint32 length @len, then @len bytes. */
static inline uint8_t *ctf_put_bytes(uint8_t *p, const void *buf, uint32_t len)
{
	p = ctf_put_u32(p, len);
	if (len)
		memcpy(p, buf, len);
	return p + len;
}

/* ---- TSDL text, exposed for the unit test --------------------------------- */

/* Is @s a TSDL identifier this writer accepts ([A-Za-z][A-Za-z0-9_]*, not
 * a TSDL keyword)? */
int tsdl_is_identifier(const char *s);

/* @s as the inside of a TSDL string literal ("..."): backslash, quote and
 * control characters escaped (\n, \t, \\, \", \xHH).  Returns the length
 * it needs (without the NUL), like snprintf. */
size_t tsdl_escape(char *buf, size_t len, const char *s);

/* The TSDL metadata of @opts, as ctf_writer__open() writes it, in a
 * malloc()ed NUL-terminated string; NULL on a bad name (*why says which)
 * or without memory. */
char *tsdl_metadata(const struct ctf_writer_opts *opts, const char **why);

#endif
