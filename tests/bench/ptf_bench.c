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
 *   ptf_bench [--level N] [--frame-bytes N] [--repeat N] [--jitter NS] [trace.zst]
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
	const char *file;
	char tmp[256];
} env = { .level = 3, .repeat = 3, .jitter = 512 };

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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "frame-bytes", required_argument, NULL, 'f' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct workload counter = { 0 }, random = { 0 }, file = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "l:f:r:j:h", opts, NULL)) != -1) {
		char *end;
		long v;

		errno = 0;
		switch (c) {
		case 'l':
		case 'f':
		case 'r':
		case 'j':
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
			else
				env.repeat = (int)v;
			break;
		case 'h':
			printf("usage: ptf_bench [--level N] [--frame-bytes N] [--repeat N] "
			       "[--jitter NS] [trace.zst]\n");
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
	free(counter.ev);
	free(random.ev);
	free(file.ev);
	return 0;
}
