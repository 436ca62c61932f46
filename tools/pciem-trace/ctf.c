// SPDX-License-Identifier: GPL-2.0
/* The CTF 1.8 writer of pciem-trace export: see ctf.h for the layout. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctf.h"

#define CTF_MAGIC		0xc1fc1fc1U
#define CTF_PKT_HEADER		32	/* magic, uuid, stream_id, stream_instance_id */
#define CTF_PKT_CONTEXT		52	/* 6 x u64, u32 */
#define CTF_PKT_START		(CTF_PKT_HEADER + CTF_PKT_CONTEXT)
#define CTF_EV_HEADER		10	/* u16 id, u64 timestamp */
#define CTF_DEFAULT_PACKET	(64 * 1024)
#define CTF_MIN_PACKET		4096
#define CTF_DEFAULT_STREAMS	4096

struct ctf_writer {
	struct ctf_writer_opts o;
	char *dir;
	char *prefix;
	struct ctf_stream **streams;	/* sorted by cpu */
	unsigned int nstreams;
	struct ctf_stream *last;	/* the last one looked up */
	uint64_t raised;
	int err;
	char msg[512];
};

static int fail(struct ctf_writer *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctf_writer *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (!w->err) {
		w->err = err;
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- TSDL ------------------------------------------------------------------ */

static const char *const tsdl_keywords[] = {
	"align", "callsite", "const", "char", "clock", "double", "enum", "env", "event",
	"floating_point", "float", "integer", "int", "long", "short", "signed", "stream",
	"string", "struct", "trace", "typealias", "typedef", "unsigned", "variant", "void",
};

int tsdl_is_identifier(const char *s)
{
	size_t i;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	for (i = 0; i < sizeof(tsdl_keywords) / sizeof(tsdl_keywords[0]); i++)
		if (!strcmp(s, tsdl_keywords[i]))
			return 0;
	return 1;
}

size_t tsdl_escape(char *buf, size_t len, const char *s)
{
	size_t n = 0;
	char tmp[8];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = tmp;
		size_t k;

		if (c == '\\')
			e = "\\\\";
		else if (c == '"')
			e = "\\\"";
		else if (c == '\n')
			e = "\\n";
		else if (c == '\t')
			e = "\\t";
		else if (c < 0x20 || c == 0x7f)
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		else
			tmp[0] = (char)c, tmp[1] = 0;
		for (k = 0; e[k]; k++, n++)
			if (n + 1 < len)
				buf[n] = e[k];
	}
	if (len)
		buf[n < len ? n : len - 1] = 0;
	return n;
}

/* A string literal, escaped. */
static void put_literal(FILE *f, const char *s)
{
	size_t n = tsdl_escape(NULL, 0, s);
	char *e = malloc(n + 1);

	if (!e) {
		fputs("\"\"", f);	/* the stream's own error is reported */
		return;
	}
	tsdl_escape(e, n + 1, s);
	fprintf(f, "\"%s\"", e);
	free(e);
}

static void put_uuid(FILE *f, const uint8_t *u)
{
	fprintf(f, "\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		u[13], u[14], u[15]);
}

static const char *const int_bits[] = {
	[CTF_U8] = "8", [CTF_U16] = "16", [CTF_U32] = "32", [CTF_U64] = "64",
};

char *tsdl_metadata(const struct ctf_writer_opts *o, const char **why)
{
	const char *clk = o->clock_name;
	char *text = NULL;
	size_t len = 0;
	unsigned int i, j;
	FILE *f;

	*why = NULL;
	if (!tsdl_is_identifier(clk)) {
		*why = "bad clock name";
		return NULL;
	}
	for (i = 0; i < o->nenv; i++)
		if (!tsdl_is_identifier(o->env[i].key)) {
			*why = "bad env key";
			return NULL;
		}
	for (i = 0; i < o->nclasses; i++)
		for (j = 0; j < o->classes[i].nfields; j++) {
			const struct ctf_field *fl = &o->classes[i].fields[j];

			if (!tsdl_is_identifier(fl->name) || fl->type < CTF_U8 ||
			    fl->type > CTF_BYTES) {
				*why = "bad field";
				return NULL;
			}
		}
	if (o->nclasses > 65535) {
		*why = "too many event classes";
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fprintf(f, "/* CTF 1.8 */\n\n");
	fprintf(f, "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
		   "typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
		   "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
		   "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n\n");
	fprintf(f, "trace {\n\tmajor = 1;\n\tminor = 8;\n\tuuid = ");
	put_uuid(f, o->uuid);
	fprintf(f, ";\n\tbyte_order = le;\n"
		   "\tpacket.header := struct {\n"
		   "\t\tuint32_t magic;\n"
		   "\t\tuint8_t  uuid[16];\n"
		   "\t\tuint32_t stream_id;\n"
		   "\t\tuint64_t stream_instance_id;\n"
		   "\t} align(8);\n};\n\n");
	fprintf(f, "env {\n");
	for (i = 0; i < o->nenv; i++) {
		fprintf(f, "\t%s = ", o->env[i].key);
		if (o->env[i].str)
			put_literal(f, o->env[i].str);
		else
			fprintf(f, "%" PRId64, o->env[i].num);
		fprintf(f, ";\n");
	}
	fprintf(f, "};\n\n");
	fprintf(f, "clock {\n\tname = \"%s\";\n", clk);
	if (o->clock_uuid) {
		fprintf(f, "\tuuid = ");
		put_uuid(f, o->clock_uuid);
		fprintf(f, ";\n");
	}
	if (o->clock_description) {
		fprintf(f, "\tdescription = ");
		put_literal(f, o->clock_description);
		fprintf(f, ";\n");
	}
	fprintf(f, "\tfreq = 1000000000; /* Hz */\n"
		   "\t/* the clock's 0 is offset_s s + offset / freq s after the epoch */\n"
		   "\toffset_s = %" PRId64 ";\n\toffset = %" PRIu64 ";\n};\n\n",
		o->clock_offset_s, o->clock_offset);
	fprintf(f, "typealias integer {\n\tsize = 64; align = 8; signed = false;\n"
		   "\tmap = clock.%s.value;\n} := uint64_clock_%s_t;\n\n", clk, clk);
	fprintf(f, "struct packet_context {\n"
		   "\tuint64_clock_%s_t timestamp_begin;\n"
		   "\tuint64_clock_%s_t timestamp_end;\n"
		   "\tuint64_t content_size;\n"
		   "\tuint64_t packet_size;\n"
		   "\tuint64_t packet_seq_num;\n"
		   "\tuint64_t events_discarded;\n"
		   "\tuint32_t cpu_id;\n"
		   "} align(8);\n\n", clk, clk);
	fprintf(f, "struct event_header {\n"
		   "\tuint16_t id;\n"
		   "\tuint64_clock_%s_t timestamp;\n"
		   "} align(8);\n\n", clk);
	fprintf(f, "stream {\n\tid = 0;\n"
		   "\tevent.header := struct event_header;\n"
		   "\tpacket.context := struct packet_context;\n};\n\n");
	for (i = 0; i < o->nclasses; i++) {
		const struct ctf_event_class *c = &o->classes[i];

		fprintf(f, "event {\n\tname = ");
		put_literal(f, c->name);
		fprintf(f, ";\n\tid = %u;\n\tstream_id = 0;\n\tloglevel = %d;\n"
			   "\tfields := struct {\n", i, c->loglevel);
		for (j = 0; j < c->nfields; j++) {
			const struct ctf_field *fl = &c->fields[j];

			if (fl->type == CTF_STRING)
				fprintf(f, "\t\tstring { encoding = UTF8; } _%s;\n", fl->name);
			else if (fl->type == CTF_BYTES)
				fprintf(f, "\t\tinteger { size = 32; align = 8; signed = 0; "
					   "encoding = none; base = 10; } __%s_length;\n"
					   "\t\tinteger { size = 8; align = 8; signed = 0; "
					   "encoding = none; base = 16; } _%s[ __%s_length ];\n",
					fl->name, fl->name, fl->name);
			else
				fprintf(f, "\t\tinteger { size = %s; align = 8; signed = 0; "
					   "encoding = none; base = %d; } _%s;\n",
					int_bits[fl->type], fl->hex ? 16 : 10, fl->name);
		}
		fprintf(f, "\t} align(8);\n};\n\n");
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- files ----------------------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *path_of(const struct ctf_writer *w, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", w->dir, name) < 0)
		return NULL;
	return p;
}

/* A new file in the directory, 0600: it may hold kernel addresses. */
static int create_file(struct ctf_writer *w, const char *name)
{
	char *path = path_of(w, name);
	int fd;

	if (!path)
		return fail(w, -ENOMEM, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		fail(w, -errno, "%s: cannot create: %s", path, strerror(errno));
	free(path);
	return fd;
}

/* opts->dir exists and is empty, or is created. */
static int prepare_dir(struct ctf_writer *w)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (mkdir(w->dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return fail(w, -errno, "%s: cannot create the directory: %s", w->dir,
			    strerror(errno));
	if (stat(w->dir, &st))
		return fail(w, -errno, "%s: %s", w->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(w, -ENOTDIR, "%s: exists and is not a directory", w->dir);
	d = opendir(w->dir);
	if (!d)
		return fail(w, -errno, "%s: %s", w->dir, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			return fail(w, -ENOTEMPTY, "%s: the directory is not empty (it would "
				    "mix with this trace): give a new or empty one", w->dir);
		}
	closedir(d);
	return 0;
}

int ctf_writer__open(struct ctf_writer **wp, const struct ctf_writer_opts *opts)
{
	struct ctf_writer *w = calloc(1, sizeof(*w));
	const char *why;
	char *meta;
	int fd, err;

	*wp = w;
	if (!w)
		return -ENOMEM;
	w->o = *opts;
	if (!w->o.packet_bytes)
		w->o.packet_bytes = CTF_DEFAULT_PACKET;
	if (w->o.packet_bytes < CTF_MIN_PACKET)
		w->o.packet_bytes = CTF_MIN_PACKET;
	if (!w->o.max_streams)
		w->o.max_streams = CTF_DEFAULT_STREAMS;
	w->dir = strdup(opts->dir);
	w->prefix = strdup(opts->stream_prefix ? opts->stream_prefix : "stream");
	w->o.classes = NULL;	/* not kept: only the metadata needs them */
	w->o.env = NULL;
	if (!w->dir || !w->prefix)
		return fail(w, -ENOMEM, "out of memory");
	meta = tsdl_metadata(opts, &why);
	if (!meta)
		return fail(w, why ? -EINVAL : -ENOMEM, "CTF metadata: %s",
			    why ? why : "out of memory");
	err = prepare_dir(w);
	if (!err) {
		fd = create_file(w, "metadata");
		if (fd < 0) {
			err = fd;
		} else {
			err = write_all(fd, meta, strlen(meta));
			if (close(fd) && !err)
				err = -errno;
			if (err)
				fail(w, err, "%s/metadata: %s", w->dir, strerror(-err));
		}
	}
	free(meta);
	return err;
}

static struct ctf_stream *stream_new(struct ctf_writer *w, uint32_t cpu)
{
	struct ctf_stream *s;
	char name[300];

	if (w->nstreams >= w->o.max_streams) {
		fail(w, -E2BIG, "more than %u CPUs in the trace: one stream each is too many",
		     w->o.max_streams);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->buf = malloc(w->o.packet_bytes))) {
		free(s);
		fail(w, -ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(name, sizeof(name), "%s_%u", w->prefix, cpu);
	s->fd = create_file(w, name);
	if (s->fd < 0) {
		free(s->buf);
		free(s);
		return NULL;
	}
	s->cpu = cpu;
	s->p = s->buf + CTF_PKT_START;
	s->end = s->buf + w->o.packet_bytes;
	return s;
}

struct ctf_stream *ctf_writer__stream(struct ctf_writer *w, uint32_t cpu)
{
	unsigned int lo = 0, hi = w->nstreams;
	struct ctf_stream **grown, *s;

	if (w->err)
		return NULL;
	if (w->last && w->last->cpu == cpu)
		return w->last;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (w->streams[mid]->cpu == cpu)
			return w->last = w->streams[mid];
		if (w->streams[mid]->cpu < cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	s = stream_new(w, cpu);
	if (!s)
		return NULL;
	grown = realloc(w->streams, (w->nstreams + 1) * sizeof(*grown));
	if (!grown) {
		close(s->fd);
		free(s->buf);
		free(s);
		fail(w, -ENOMEM, "out of memory");
		return NULL;
	}
	w->streams = grown;
	memmove(&w->streams[lo + 1], &w->streams[lo], (w->nstreams - lo) * sizeof(*grown));
	w->streams[lo] = s;
	w->nstreams++;
	return w->last = s;
}

/* Fills the packet's header and context and writes it. */
static int packet_write(struct ctf_writer *w, struct ctf_stream *s)
{
	uint64_t bits = (uint64_t)(s->p - s->buf) * 8;
	uint8_t *p = s->buf;
	int err;

	p = ctf_put_u32(p, CTF_MAGIC);
	memcpy(p, w->o.uuid, 16);
	p += 16;
	p = ctf_put_u32(p, 0);
	p = ctf_put_u64(p, s->cpu);
	p = ctf_put_u64(p, s->ts_first);
	p = ctf_put_u64(p, s->ts_last);
	p = ctf_put_u64(p, bits);	/* content_size */
	p = ctf_put_u64(p, bits);	/* packet_size: no padding */
	p = ctf_put_u64(p, s->seq_num);
	p = ctf_put_u64(p, s->discarded);
	ctf_put_u32(p, s->cpu);
	err = write_all(s->fd, s->buf, (size_t)(s->p - s->buf));
	if (err) {
		char name[300];

		snprintf(name, sizeof(name), "%s_%u", w->prefix, s->cpu);
		return fail(w, err, "%s/%s: %s", w->dir, name, strerror(-err));
	}
	s->seq_num++;
	s->p = s->buf + CTF_PKT_START;
	s->events = 0;
	s->ts_first = s->ts_last = s->ts_max;
	return 0;
}

int ctf_stream__flush(struct ctf_writer *w, struct ctf_stream *s, int always)
{
	if (w->err)
		return w->err;
	if (!always && !s->events && !s->pending_discard)
		return 0;
	s->pending_discard = 0;
	return packet_write(w, s);
}

void ctf_stream__discard(struct ctf_stream *s, uint64_t count)
{
	s->discarded += count;
	s->pending_discard = 1;
}

uint8_t *ctf_stream__begin(struct ctf_writer *w, struct ctf_stream *s, uint16_t id,
			   uint64_t *ts, size_t max_payload)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if ((size_t)(s->end - s->p) < CTF_EV_HEADER + max_payload) {
		if (CTF_PKT_START + CTF_EV_HEADER + max_payload > w->o.packet_bytes) {
			fail(w, -E2BIG, "an event of %zu bytes does not fit a packet",
			     max_payload);
			return NULL;
		}
		if (packet_write(w, s))
			return NULL;
		s->pending_discard = 0;
	}
	if (*ts < s->ts_max) {
		*ts = s->ts_max;
		w->raised++;
	}
	if (!s->events)
		s->ts_first = *ts;
	s->ts_last = s->ts_max = *ts;
	p = ctf_put_u16(s->p, id);
	return ctf_put_u64(p, *ts);
}

uint64_t ctf_writer__raised(const struct ctf_writer *w)
{
	return w->raised;
}

unsigned int ctf_writer__streams(const struct ctf_writer *w)
{
	return w->nstreams;
}

int ctf_writer__finish(struct ctf_writer *w)
{
	unsigned int i;

	for (i = 0; i < w->nstreams; i++) {
		struct ctf_stream *s = w->streams[i];

		if (s->fd < 0)
			continue;
		if (!w->err && (s->events || !s->seq_num || s->pending_discard))
			packet_write(w, s);	/* every stream has a packet */
		if (close(s->fd) && !w->err)
			fail(w, -errno, "%s: closing a stream file: %s", w->dir, strerror(errno));
		s->fd = -1;
	}
	w->last = NULL;
	return w->err;
}

int ctf_writer__close(struct ctf_writer *w)
{
	unsigned int i;
	int err;

	if (!w)
		return 0;
	err = ctf_writer__finish(w);
	for (i = 0; i < w->nstreams; i++) {
		free(w->streams[i]->buf);
		free(w->streams[i]);
	}
	free(w->streams);
	free(w->dir);
	free(w->prefix);
	free(w);
	return err;
}

const char *ctf_writer__error(const struct ctf_writer *w)
{
	return w ? w->msg : "out of memory";
}
