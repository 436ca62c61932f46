// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_ptf_reader into a directory: small traces
 * made by libptf (complete, cut short, with several devices, modules,
 * drivers, losses and DMA payloads), each as a file (first byte 0) and as its frames'
 * contents (first byte 1; see fuzz_ptf_reader.c).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "ptf.h"

static const char *dir;
static int nseeds;

static void die(const char *what)
{
	fprintf(stderr, "gen_ptf_seeds: %s\n", what);
	exit(1);
}

static void put_seed(uint8_t mode, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, nseeds++);
	f = fopen(path, "wb");
	if (!f || fwrite(&mode, 1, 1, f) != 1 || (len && fwrite(p, 1, len, f) != len) || fclose(f))
		die("cannot write a seed");
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		die("cannot read the trace back");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("cannot read the trace back");
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* the file as is, cut in the middle, and its frames' contents */
static void seeds_of(const char *path)
{
	size_t len, off = 0, out = 0;
	uint8_t *buf = slurp(path, &len), *dec = malloc(1 << 22);

	if (!dec)
		die("out of memory");
	put_seed(0, buf, len);
	put_seed(0, buf, len * 2 / 3);
	while (off + 8 <= len) {
		uint32_t magic;
		size_t n;

		memcpy(&magic, buf + off, 4);
		n = ZSTD_findFrameCompressedSize(buf + off, len - off);
		if (ZSTD_isError(n))
			die("bad frame");
		if (magic == 0xFD2FB528U) {
			size_t d = ZSTD_decompress(dec + out, (1 << 22) - out - 4, buf + off, n);

			if (ZSTD_isError(d))
				die("bad frame");
			out += d;
			memcpy(dec + out, "\xff\xfe\xfd\xfc", 4);
			out += 4;
		}
		off += n;
	}
	if (out >= 4)
		put_seed(1, dec, out - 4);
	free(dec);
	free(buf);
}

/* Ends the trace, complete or (@cut) as a killed recorder leaves it (no
 * footer, no index), and makes its seeds. */
static void finish(struct ptf_writer *w, const char *path, int cut)
{
	if (cut) {
		if (ptf_writer__flush(w))
			die(ptf_writer__error(w));
		seeds_of(path);
		ptf_writer__close(w);
		return;
	}
	if (ptf_writer__close(w))
		die("close");
	seeds_of(path);
}

/* DMA events (1.4) with payloads, some repeated, in small frames: each
 * payload's event in a later frame than its DMA_DATA record, too. */
static void dma_trace(const char *path, int cut)
{
	struct ptf_header h = { .tool_version = "gen_ptf_seeds", .kernel_release = "6.12.0",
				.hostname = "fuzz", .clock = "CLOCK_MONOTONIC", .trap_mode = 1 };
	struct ptf_writer_opts o = { .frame_bytes = 400, .force = 1 };
	struct ptf_device d = { .domain = 0x10000 };
	struct ptf_writer *w;
	uint8_t bytes[300];
	uint32_t id, first = 0;
	int i, j;

	if (ptf_writer__open(&w, path, &h, &o) || ptf_writer__add_device(w, &d))
		die(ptf_writer__error(w));
	for (i = 0; i < 40; i++) {
		struct pciem_event e = {
			.seq = (uint64_t)i * 2, .type = i % 2 ? PCIEM_EVENT_DMA_READ : PCIEM_EVENT_DMA_WRITE,
			.offset = 0x80000000 + (uint64_t)i * 64, .data = 16 + (uint64_t)(i % 5) * 60,
			.timestamp_ns = 2000000 + (uint64_t)i * 700, .pid = 43,
			.flags = i % 7 == 3 ? PCIEM_EVENT_F_SAME_INSN : 0,
		};
		struct pciem_event m = {
			.seq = (uint64_t)i * 2 + 1, .type = PCIEM_EVENT_DMA_SYNC,
			.bar = PCIEM_DMA_DIR_FROM_DEVICE, .offset = 0x80000000, .data = 4096,
			.timestamp_ns = 2000000 + (uint64_t)i * 700 + 300,
			.ip = 0xffffffffc0a00040ULL, .pid = 42,
		};

		for (j = 0; j < (int)e.data; j++)
			bytes[j] = (uint8_t)(i % 4 == 1 ? 0 : j * 7 + i);	/* zeros repeat */
		if (i % 9 == 8) {
			e.flags = PCIEM_EVENT_F_DMA_FAULT;	/* refused: no payload */
			id = 0;
		} else if (ptf_writer__add_payload(w, bytes, (uint32_t)e.data, &id)) {
			die(ptf_writer__error(w));
		}
		if (!first)
			first = id;
		if (i == 30) {
			/* the payload of an early frame */
			e.data = 16;
			id = first;
		}
		if (ptf_writer__add_event_ex(w, d.domain, &e, 0, id) ||
		    (i % 5 == 0 && ptf_writer__add_event(w, d.domain, &m)))
			die(ptf_writer__error(w));
	}
	finish(w, path, cut);
}

static void trace(const char *path, int devices, int events, uint32_t frame_bytes, int cut)
{
	static const struct ptf_symbol syms[] = {
		{ 0xffffffffc0a00000ULL, 0x40, "tick" }, { 0xffffffffc0a00040ULL, 0x80, "irq" },
	};
	struct ptf_header h = { .tool_version = "gen_ptf_seeds", .kernel_release = "6.1.0",
				.hostname = "fuzz", .clock = "CLOCK_MONOTONIC", .trap_mode = 1 };
	struct ptf_writer_opts o = { .frame_bytes = frame_bytes, .force = 1 };
	struct ptf_module m = { "dummy_clock", 0xffffffffc0a00000ULL, 0x1000, 2, syms };
	struct ptf_writer *w;
	int i;

	if (ptf_writer__open(&w, path, &h, &o))
		die(ptf_writer__error(w));
	for (i = 0; i < devices; i++) {
		struct ptf_device d = { .domain = 0x10000 + (uint32_t)i };

		d.desc.vendor_id = 0x1234;
		d.desc.device_id = 0x5678;
		d.desc.bars[0].size = 4096;
		d.desc.bars[0].flags = 4;
		d.desc.config[0] = 0x34;
		d.desc.config[1] = 0x12;
		if (ptf_writer__add_device(w, &d) ||
		    ptf_writer__add_driver(w, d.domain, "dummy_clock"))
			die(ptf_writer__error(w));
	}
	if (ptf_writer__add_module(w, &m))
		die(ptf_writer__error(w));
	for (i = 0; i < events; i++) {
		struct pciem_event e = {
			.seq = (uint64_t)i, .type = i % 3 ? 2 : 1, .offset = (uint64_t)(i % 3) * 4,
			.data = (uint64_t)i / 3, .size = 4,
			.timestamp_ns = 1000000 + (uint64_t)i * 2500,
			.ip = 0xffffffffc0a00010ULL, .pid = 42,
		};

		if (i % 50 == 49)
			e.type = PCIEM_EVENT_IRQ;
		if (ptf_writer__add_event(w, 0x10000 + (uint32_t)(i % devices), &e))
			die(ptf_writer__error(w));
		if (i == events / 2) {
			struct pciem_trace_lost l = { (uint64_t)i + 1, (uint64_t)i + 3, 3 };

			if (ptf_writer__add_lost(w, 0x10000, &l) || ptf_writer__flush(w))
				die(ptf_writer__error(w));
		}
	}
	finish(w, path, cut);
}

int main(int argc, char **argv)
{
	char path[512];

	if (argc != 2)
		die("usage: gen_ptf_seeds DIR");
	dir = argv[1];
	snprintf(path, sizeof(path), "%s/trace.tmp", dir);
	trace(path, 1, 60, 0, 0);
	trace(path, 2, 200, 512, 0);
	trace(path, 3, 400, 300, 1);
	trace(path, 1, 5, 0, 0);
	dma_trace(path, 0);
	dma_trace(path, 1);
	remove(path);
	printf("gen_ptf_seeds: %d seeds in %s\n", nseeds, dir);
	return 0;
}
