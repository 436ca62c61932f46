// SPDX-License-Identifier: GPL-2.0
/*
 * ptf_bench: libptf's writer and reader on one core, and the size of a
 * trace in PTF against two baselines made from the same events:
 *
 *   raw+zstd   the kernel trace channel's records as delivered (struct
 *              pciem_trace_rec + struct pciem_event, 80 bytes an event)
 *              compressed by zstd at the same level, in 1 MiB chunks;
 *   mmiotrace  the text lines mmiotrace would print for the MMIO reads and
 *              writes ("R 4 166.081231 1 0xfe000008 0x2a 0xffffffffc0a00010 0",
 *              Documentation/trace/mmiotrace.rst), compressed likewise.
 *
 * Workloads: "counter", the dummy_clock device driven for 100,000 ticks
 * (per tick: write 1 to CONTROL, read COUNTER; every 10 ticks the IRQ,
 * a read of STATUS and the write that acks it), with timestamps a few
 * microseconds apart plus up to --jitter (512) ns of jitter; "random", the same
 * number of accesses at random offsets, sizes and values; and, given
 * a file on the command line, that trace's events re-encoded.
 *
 * Then "dma" (format 1.4's payloads): a device model moving --dma-mib
 * (128) MiB in 4 KiB pieces, each a DMA_READ or DMA_WRITE with its bytes
 * plus a doorbell write and a status read per transfer of 1 to 16
 * pieces.  The pieces are a mix: random bytes (compressed or encrypted
 * data, 30%), text (30%), descriptor-like records (20%), zeros (10%),
 * and repeats of an earlier piece (10%).  Written as pciem-record writes
 * them (ptf_writer__add_trace_rec()) at libptf's default levels and at
 * fixed levels, then read back with every payload fetched: MB/s of
 * payload and trace bytes per MB of payload.
 *
 *   ptf_bench [--level N] [--frame-bytes N] [--repeat N] [--jitter NS]
 *             [--dma-mib N] [trace.zst]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "ptf.h"

static struct env {
	int level;
	uint64_t jitter;
	uint32_t frame_bytes;
	int repeat;
	int dma_mib;
	const char *file;
	char tmp[256];
} env = { .level = 3, .repeat = 3, .jitter = 512, .dma_mib = 128 };

struct workload {
	const char *name;
	struct pciem_event *ev;
	size_t n, cap;
	uint32_t domain;
};

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: the writer's cost on a machine that other work
 * shares (wall time is reported too) */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "ptf_bench: %s\n", what);
	exit(1);
}

static struct pciem_event *push(struct workload *w)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1 << 16;
		w->ev = realloc(w->ev, w->cap * sizeof(*w->ev));
		if (!w->ev)
			die("out of memory");
	}
	memset(&w->ev[w->n], 0, sizeof(w->ev[0]));
	w->ev[w->n].seq = w->n;
	return &w->ev[w->n++];
}

#define IP_TICK		0xffffffffc0a01234ULL
#define IP_COUNT	0xffffffffc0a01250ULL
#define IP_STATUS_R	0xffffffffc0a01310ULL
#define IP_STATUS_W	0xffffffffc0a01328ULL

/* timestamp jitter: uniform in [0, env.jitter) ns */
#define J() (env.jitter ? rnd() % env.jitter : 0)

static void counter_workload(struct workload *w, int ticks)
{
	uint64_t t = 5000000000ULL, counter = 0;
	struct pciem_event *e;
	int i;

	w->name = "counter";
	w->domain = 0x10000;
	for (i = 0; i < ticks; i++) {
		e = push(w);
		e->type = PCIEM_EVENT_MMIO_WRITE;
		e->offset = 0x0;
		e->data = 1;
		e->size = 4;
		e->timestamp_ns = t += 3000 + J();
		e->ip = IP_TICK;
		e->pid = 1234;
		counter++;

		e = push(w);
		e->type = PCIEM_EVENT_MMIO_READ;
		e->offset = 0x8;
		e->data = counter;
		e->size = 4;
		e->timestamp_ns = t += 1500 + J();
		e->ip = IP_COUNT;
		e->pid = 1234;

		if (counter % 10)
			continue;
		e = push(w);
		e->type = PCIEM_EVENT_IRQ;
		e->data = 0;
		e->timestamp_ns = t += 2000 + J();
		e->cpu = 1;
		e->pid = 999;		/* the device model injecting it */

		e = push(w);
		e->type = PCIEM_EVENT_MMIO_READ;
		e->offset = 0x4;
		e->data = 1;
		e->size = 4;
		e->timestamp_ns = t += 2500 + J();
		e->ip = IP_STATUS_R;
		e->pid = 0;		/* interrupt context */

		e = push(w);
		e->type = PCIEM_EVENT_MMIO_WRITE;
		e->offset = 0x4;
		e->data = 1;
		e->size = 4;
		e->timestamp_ns = t += 1500 + J();
		e->ip = IP_STATUS_W;
		e->pid = 0;
	}
}

static void random_workload(struct workload *w, size_t n)
{
	uint64_t t = 5000000000ULL;
	size_t i;

	w->name = "random";
	w->domain = 0x10000;
	for (i = 0; i < n; i++) {
		struct pciem_event *e = push(w);

		e->size = 1U << (rnd() % 4);
		e->type = rnd() % 2 ? PCIEM_EVENT_MMIO_READ : PCIEM_EVENT_MMIO_WRITE;
		e->bar = (uint32_t)(rnd() % 6);
		e->offset = (rnd() % 4096) & ~(uint64_t)(e->size - 1);
		e->data = e->size == 8 ? rnd() : rnd() & ((1ULL << (8 * e->size)) - 1);
		e->timestamp_ns = t += rnd() % 100000;
		e->ip = 0xffffffffc0a00000ULL + (rnd() % 4096);
		e->cpu = (uint32_t)(rnd() % 4);
		e->pid = 1000 + (uint32_t)(rnd() % 8);
	}
}

static int file_workload(struct workload *w, const char *path)
{
	struct ptf_reader *r;
	struct ptf_record rec;
	int err;

	w->name = path;
	err = ptf_reader__open(&r, path);
	if (err) {
		fprintf(stderr, "ptf_bench: %s\n", ptf_reader__error(r));
		ptf_reader__close(r);
		return err;
	}
	while ((err = ptf_reader__next(r, &rec)) == 1) {
		if (rec.type != PTF_REC_EVENT)
			continue;
		if (!w->n)
			w->domain = rec.domain;
		*push(w) = rec.event;
	}
	if (err)
		fprintf(stderr, "ptf_bench: %s\n", ptf_reader__error(r));
	ptf_reader__close(r);
	return err;
}

/* ---- measurements ---------------------------------------------------------------- */

struct result {
	double ptf_bytes, ptf_raw_bytes, write_s, read_s;
	double kraw_bytes, kraw_z, kraw_zs, kraw_ds;
	double mmio_bytes, mmio_z, mmio_lines;
};

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		die("cannot open the written trace");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return (size_t)n;
}

static void bench_ptf(const struct workload *w, struct result *res)
{
	struct ptf_writer_opts o = { .level = env.level, .frame_bytes = env.frame_bytes,
				     .force = 1 };
	struct ptf_header h = { .tool_version = "ptf_bench", .clock = "CLOCK_MONOTONIC" };
	int rep;

	res->write_s = res->read_s = 1e9;
	for (rep = 0; rep < env.repeat; rep++) {
		struct ptf_writer_stats st;
		struct ptf_writer *wr;
		struct ptf_reader *r;
		struct ptf_record rec;
		uint64_t n = 0, sum = 0;
		double t0, t1;
		size_t i;
		int err;

		t0 = now();
		if (ptf_writer__open(&wr, env.tmp, &h, &o))
			die(ptf_writer__error(wr));
		for (i = 0; i < w->n; i++)
			if (ptf_writer__add_event(wr, w->domain, &w->ev[i]))
				die(ptf_writer__error(wr));
		ptf_writer__stats(wr, &st);
		if (ptf_writer__close(wr))
			die("closing the trace failed");
		t1 = now();
		if (t1 - t0 < res->write_s)
			res->write_s = t1 - t0;
		res->ptf_raw_bytes = (double)st.raw_bytes;
		res->ptf_bytes = (double)file_size(env.tmp);

		t0 = now();
		err = ptf_reader__open(&r, env.tmp);
		if (err)
			die(ptf_reader__error(r));
		while ((err = ptf_reader__next(r, &rec)) == 1) {
			n++;
			sum += rec.event.data;
		}
		if (err)
			die(ptf_reader__error(r));
		ptf_reader__close(r);
		t1 = now();
		if (n != w->n)
			die("the reader did not return every event");
		if (t1 - t0 < res->read_s)
			res->read_s = t1 - t0;
		if (sum == 42)
			fputc(' ', stderr);	/* keep the loop */
	}
	unlink(env.tmp);
}

/* zstd over @buf in 1 MiB chunks (independent frames, as PTF does) */
static double zsize(const uint8_t *buf, size_t len, double *secs, double *dsecs)
{
	size_t chunk = 1 << 20, off, total = 0, cap = ZSTD_compressBound(chunk);
	uint8_t *out = malloc(cap), *back = malloc(chunk);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_DCtx *d = ZSTD_createDCtx();
	double t0, best = 1e9, dbest = 1e9;
	int rep;

	if (!out || !back || !c || !d)
		die("out of memory");
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, env.level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	for (rep = 0; rep < env.repeat; rep++) {
		double dt = 0;

		total = 0;
		t0 = now();
		for (off = 0; off < len; off += chunk) {
			size_t n = len - off < chunk ? len - off : chunk;
			size_t z = ZSTD_compress2(c, out, cap, buf + off, n);
			double t2;

			if (ZSTD_isError(z))
				die("zstd failed");
			total += z;
			t2 = now();
			if (ZSTD_isError(ZSTD_decompressDCtx(d, back, chunk, out, z)))
				die("zstd -d failed");
			dt += now() - t2;
			t0 += now() - t2;
		}
		if (now() - t0 < best)
			best = now() - t0;
		if (dt < dbest)
			dbest = dt;
	}
	*secs = best;
	if (dsecs)
		*dsecs = dbest;
	ZSTD_freeCCtx(c);
	ZSTD_freeDCtx(d);
	free(out);
	free(back);
	return (double)total;
}

static void bench_kraw(const struct workload *w, struct result *res)
{
	size_t rec = sizeof(struct pciem_trace_rec) + sizeof(struct pciem_event), i;
	uint8_t *buf = malloc(w->n * rec);

	if (!buf)
		die("out of memory");
	for (i = 0; i < w->n; i++) {
		struct pciem_trace_rec h = { .size = (uint32_t)rec, .type = PCIEM_TREC_EVENT,
					     .domain = w->domain };

		memcpy(buf + i * rec, &h, sizeof(h));
		memcpy(buf + i * rec + sizeof(h), &w->ev[i], sizeof(w->ev[i]));
	}
	res->kraw_bytes = (double)(w->n * rec);
	res->kraw_z = zsize(buf, w->n * rec, &res->kraw_zs, &res->kraw_ds);
	free(buf);
}

static void bench_mmiotrace(const struct workload *w, struct result *res)
{
	size_t cap = w->n * 80 + 1, len = 0, i;
	uint64_t bar0 = 0xfe000000ULL;
	char *buf = malloc(cap);
	double secs;

	if (!buf)
		die("out of memory");
	res->mmio_lines = 0;
	for (i = 0; i < w->n; i++) {
		const struct pciem_event *e = &w->ev[i];
		uint64_t us = e->timestamp_ns / 1000;
		char op;

		if (e->type == PCIEM_EVENT_MMIO_READ)
			op = 'R';
		else if (e->type == PCIEM_EVENT_MMIO_WRITE)
			op = 'W';
		else
			continue;	/* mmiotrace sees MMIO only */
		/* kernel/trace/trace_mmiotrace.c: width, secs.usecs, map id,
		 * physical address, value, pc, 0 */
		len += (size_t)snprintf(buf + len, cap - len, "%c %u %" PRIu64 ".%06" PRIu64
					" %d 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " %d\n", op,
					e->size, us / 1000000, us % 1000000, 1 + (int)e->bar,
					bar0 + ((uint64_t)e->bar << 24) + e->offset,
					(uint64_t)e->data, (uint64_t)e->ip,
					0);
		res->mmio_lines++;
	}
	res->mmio_bytes = (double)len;
	res->mmio_z = zsize((const uint8_t *)buf, len, &secs, NULL);
	free(buf);
}

static void report(const struct workload *w, const struct result *r)
{
	double n = (double)w->n;

	printf("\n%s: %zu events (%.0f of them MMIO reads/writes, mmiotrace's lines)\n", w->name,
	       w->n, r->mmio_lines);
	printf("  %-38s %12s %10s %14s %14s\n", "", "bytes", "B/event", "write Mev/s",
	       "read Mev/s");
	printf("  %-38s %12.0f %10.2f %14.2f %14.2f\n", "PTF file (zstd frames + index)",
	       r->ptf_bytes, r->ptf_bytes / n, n / r->write_s / 1e6, n / r->read_s / 1e6);
	printf("  %-38s %12.0f %10.2f %14s %14s\n", "  PTF records before zstd",
	       r->ptf_raw_bytes, r->ptf_raw_bytes / n, "", "");
	printf("  %-38s %12.0f %10.2f %14.2f %14.2f\n", "channel records + zstd",
	       r->kraw_z, r->kraw_z / n, n / r->kraw_zs / 1e6, n / r->kraw_ds / 1e6);
	printf("  %-38s %12.0f %10.2f %14s %14s\n", "  channel records, uncompressed",
	       r->kraw_bytes, r->kraw_bytes / n, "", "");
	printf("  %-38s %12.0f %10.2f %14s %14s\n", "mmiotrace text + zstd", r->mmio_z,
	       r->mmio_lines ? r->mmio_z / r->mmio_lines : 0, "", "");
	printf("  %-38s %12.0f %10.2f %14s %14s\n", "  mmiotrace text, uncompressed",
	       r->mmio_bytes, r->mmio_lines ? r->mmio_bytes / r->mmio_lines : 0, "", "");
}

static void run(const struct workload *w)
{
	struct result res;

	memset(&res, 0, sizeof(res));
	bench_ptf(w, &res);
	bench_kraw(w, &res);
	bench_mmiotrace(w, &res);
	report(w, &res);
}

/* ---- DMA payloads (1.4) --------------------------------------------------------------- */

#define PIECE		PCIEM_TRACE_DMA_PIECE

struct dma_workload {
	uint8_t *recs;			/* trace-channel records, back to back */
	size_t len, cap;
	uint64_t payload_bytes;		/* bytes the DMA events carry */
	uint64_t events, pieces, repeats;
};

static struct pciem_trace_rec *dma_push(struct dma_workload *d, size_t extra)
{
	size_t size = (sizeof(struct pciem_trace_rec) + sizeof(struct pciem_event) + extra + 15) &
		      ~(size_t)15;
	struct pciem_trace_rec *h;

	if (d->len + size > d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1 << 24;
		d->recs = realloc(d->recs, d->cap);
		if (!d->recs)
			die("out of memory");
	}
	h = (struct pciem_trace_rec *)(d->recs + d->len);
	memset(h, 0, size);
	h->size = (uint32_t)size;
	h->type = PCIEM_TREC_EVENT;
	h->domain = 0x10000;
	d->len += size;
	d->events++;
	return h;
}

/* 4 KiB of one of the kinds of data a device moves */
static void dma_piece(uint8_t *p, uint64_t n)
{
	static const char *const words[] = {
		"the ", "device ", "driver ", "buffer ", "ring ", "packet ", "queue ", "of ",
		"a ", "and ", "status ", "0x1f ", "error ", "ok ", "\n", "data ",
	};
	unsigned int kind = (unsigned int)(rnd() % 10);
	size_t i = 0, l;

	if (kind < 3) {				/* random */
		for (i = 0; i < PIECE; i += 8) {
			uint64_t v = rnd();

			memcpy(p + i, &v, 8);
		}
	} else if (kind < 6) {			/* text */
		while (i < PIECE) {
			const char *w = words[rnd() % 16];

			l = strlen(w);
			if (l > PIECE - i)
				l = PIECE - i;
			memcpy(p + i, w, l);
			i += l;
		}
	} else if (kind < 8) {			/* descriptors: 16-byte records */
		for (i = 0; i < PIECE; i += 16) {
			uint64_t addr = 0x80000000 + (n * 256 + i) * 16, ctl = 0x8000 | (i & 0xff);

			memcpy(p + i, &addr, 8);
			memcpy(p + i + 8, &ctl, 8);
		}
	} else {				/* zeros */
		memset(p, 0, PIECE);
	}
}

static void dma_workload(struct dma_workload *d, uint64_t bytes)
{
	uint64_t t = 5000000000ULL, seq = 0, bus = 0x80000000, npieces = bytes / PIECE;
	uint8_t *history = malloc((size_t)PIECE * 256);
	uint64_t nhist = 0;

	if (!history)
		die("out of memory");
	while (d->pieces < npieces) {
		unsigned int k, n = 1 + (unsigned int)(rnd() % 16), write = rnd() % 2;
		struct pciem_trace_rec *h;
		struct pciem_event *e;

		/* the driver rings the doorbell */
		h = dma_push(d, 0);
		e = (struct pciem_event *)(h + 1);
		*e = (struct pciem_event){ .seq = seq++, .type = PCIEM_EVENT_MMIO_WRITE,
					   .offset = 0x10, .data = n, .size = 4,
					   .timestamp_ns = t += 2000, .ip = IP_TICK, .pid = 1234 };
		/* the model moves n pieces */
		for (k = 0; k < n && d->pieces < npieces; k++) {
			uint8_t *p;

			h = dma_push(d, PIECE);
			e = (struct pciem_event *)(h + 1);
			*e = (struct pciem_event){
				.seq = seq++,
				.type = write ? PCIEM_EVENT_DMA_WRITE : PCIEM_EVENT_DMA_READ,
				.offset = bus + (uint64_t)k * PIECE, .data = PIECE,
				.flags = k ? PCIEM_EVENT_F_SAME_INSN : 0,
				.timestamp_ns = t += 800, .pid = 999 };
			p = (uint8_t *)(e + 1);
			if (nhist && rnd() % 10 == 0) {	/* an earlier piece again */
				memcpy(p, history + (rnd() % (nhist < 256 ? nhist : 256)) * PIECE,
				       PIECE);
				d->repeats++;
			} else {
				dma_piece(p, d->pieces);
				memcpy(history + (nhist++ % 256) * PIECE, p, PIECE);
			}
			d->pieces++;
			d->payload_bytes += PIECE;
		}
		bus += 0x100000;
		if (bus >= 0xc0000000)
			bus = 0x80000000;
		/* and the driver reads the status */
		h = dma_push(d, 0);
		e = (struct pciem_event *)(h + 1);
		*e = (struct pciem_event){ .seq = seq++, .type = PCIEM_EVENT_MMIO_READ,
					   .offset = 0x14, .data = 1, .size = 4,
					   .timestamp_ns = t += 1500, .ip = IP_COUNT, .pid = 1234 };
	}
	free(history);
}

struct dma_result {
	double write_s, write_cpu_s, read_s, file_bytes;
	struct ptf_writer_stats st;
};

static void bench_dma_level(const struct dma_workload *d, int level, struct dma_result *res)
{
	struct ptf_writer_opts o = { .level = level, .frame_bytes = env.frame_bytes, .force = 1 };
	struct ptf_header h = { .tool_version = "ptf_bench", .clock = "CLOCK_MONOTONIC" };
	int rep;

	res->write_s = res->write_cpu_s = res->read_s = 1e9;
	for (rep = 0; rep < env.repeat; rep++) {
		struct ptf_writer *wr;
		struct ptf_reader *r;
		struct ptf_record rec;
		uint64_t n = 0, got = 0, sum = 0;
		double t0, t1, c0;
		size_t off;
		int err;

		t0 = now();
		c0 = cpu_now();
		if (ptf_writer__open(&wr, env.tmp, &h, &o))
			die(ptf_writer__error(wr));
		for (off = 0; off < d->len;) {
			const struct pciem_trace_rec *rec_h = (const void *)(d->recs + off);

			if (ptf_writer__add_trace_rec(wr, rec_h))
				die(ptf_writer__error(wr));
			off += rec_h->size;
		}
		ptf_writer__stats(wr, &res->st);
		if (ptf_writer__close(wr))
			die("closing the trace failed");
		t1 = now();
		if (t1 - t0 < res->write_s)
			res->write_s = t1 - t0;
		if (cpu_now() - c0 < res->write_cpu_s)
			res->write_cpu_s = cpu_now() - c0;
		res->file_bytes = (double)file_size(env.tmp);

		t0 = now();
		err = ptf_reader__open(&r, env.tmp);
		if (err)
			die(ptf_reader__error(r));
		while ((err = ptf_reader__next(r, &rec)) == 1) {
			const void *p;
			uint32_t len;

			n++;
			if (!rec.payload)
				continue;
			if (ptf_reader__payload(r, rec.payload, &p, &len))
				die(ptf_reader__error(r));
			got += len;
			sum += ((const uint8_t *)p)[len - 1];
		}
		if (err)
			die(ptf_reader__error(r));
		ptf_reader__close(r);
		t1 = now();
		if (n != d->events || got != d->payload_bytes)
			die("the reader did not return every event and payload");
		if (t1 - t0 < res->read_s)
			res->read_s = t1 - t0;
		if (sum == 42)
			fputc(' ', stderr);	/* keep the loop */
	}
	unlink(env.tmp);
}

static void bench_dma(void)
{
	static const int levels[] = { 0, 3, 1, -1, -5 };
	struct dma_workload d = { 0 };
	double raw_z, raw_zs;
	char what[64];
	size_t i;

	dma_workload(&d, (uint64_t)env.dma_mib << 20);
	printf("\ndma: %" PRIu64 " events, %" PRIu64 " of them DMA_READ/DMA_WRITE of 4 KiB "
	       "(%.0f MB of payload, %" PRIu64 " pieces repeated)\n", d.events, d.pieces,
	       (double)d.payload_bytes / 1e6, d.repeats);
	printf("  %-34s %11s %8s %11s %11s %10s %9s\n", "", "bytes", "B/MB", "write MB/s",
	       "(CPU time)", "read MB/s", "payloads");
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		struct dma_result res;

		bench_dma_level(&d, levels[i], &res);
		if (levels[i])
			snprintf(what, sizeof(what), "PTF, zstd level %d everywhere", levels[i]);
		else
			snprintf(what, sizeof(what), "PTF, libptf's default levels");
		printf("  %-34s %11.0f %8.0f %11.0f %11.0f %10.0f %9" PRIu64 "\n", what,
		       res.file_bytes, res.file_bytes / ((double)d.payload_bytes / 1e6),
		       (double)d.payload_bytes / 1e6 / res.write_s,
		       (double)d.payload_bytes / 1e6 / res.write_cpu_s,
		       (double)d.payload_bytes / 1e6 / res.read_s, res.st.payloads);
	}
	/* the baseline: the channel's records through zstd as they are */
	raw_z = zsize(d.recs, d.len, &raw_zs, NULL);
	snprintf(what, sizeof(what), "channel records + zstd -%d", env.level);
	printf("  %-34s %11.0f %8.0f %11.0f\n", what, raw_z,
	       raw_z / ((double)d.payload_bytes / 1e6), (double)d.payload_bytes / 1e6 / raw_zs);
	printf("  %-34s %11zu %8.0f\n", "  channel records, uncompressed", d.len,
	       (double)d.len / ((double)d.payload_bytes / 1e6));
	free(d.recs);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "frame-bytes", required_argument, NULL, 'f' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "dma-mib", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct workload counter = { 0 }, random = { 0 }, file = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "l:f:r:j:d:h", opts, NULL)) != -1) {
		char *end;
		long v;

		errno = 0;
		switch (c) {
		case 'l':
		case 'f':
		case 'r':
		case 'j':
		case 'd':
			v = strtol(optarg, &end, 0);
			if (errno || *end || v < (c == 'l' ? -7 : c == 'j' ? 0 : 1)) {
				fprintf(stderr, "ptf_bench: bad number '%s'\n", optarg);
				return 2;
			}
			if (c == 'l')
				env.level = (int)v;
			else if (c == 'f')
				env.frame_bytes = (uint32_t)v;
			else if (c == 'j')
				env.jitter = (uint64_t)v;
			else if (c == 'd')
				env.dma_mib = (int)v;
			else
				env.repeat = (int)v;
			break;
		case 'h':
			printf("usage: ptf_bench [--level N] [--frame-bytes N] [--repeat N] "
			       "[--jitter NS] [--dma-mib N] [trace.zst]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		env.file = argv[optind];
	snprintf(env.tmp, sizeof(env.tmp), "%s/ptf_bench.%d.zst",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());

	printf("libptf benchmark: zstd level %d, frames of %u bytes, best of %d runs, one core; "
	       "counter timestamps with %" PRIu64 " ns of jitter\n", env.level,
	       env.frame_bytes ? env.frame_bytes : 1U << 20, env.repeat, env.jitter);
	counter_workload(&counter, 100000);
	run(&counter);
	random_workload(&random, counter.n);
	run(&random);
	if (env.file) {
		if (file_workload(&file, env.file))
			return 1;
		run(&file);
	}
	bench_dma();
	free(counter.ev);
	free(random.ev);
	free(file.ev);
	return 0;
}
