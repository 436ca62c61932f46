// SPDX-License-Identifier: GPL-2.0
/*
 * gen_ctf_trace: traces for the export tests and bench, written with
 * libptf's writer.
 *
 *   gen_ctf_trace DIR            DIR/boot.zst (below)
 *   gen_ctf_trace --bench N FILE N events like the counter workload's
 *                                (write CONTROL, read COUNTER, an
 *                                interrupt every 20 accesses) on 4 CPUs,
 *                                1-2 us apart with up to 512 ns of jitter
 *
 * boot.zst: format 1.1 with a boot id; CPUs 0, 1 and 7; on CPU 1 an event
 * earlier than the one before it on that CPU (the export raises its CTF
 * time); an event of an unknown type 42 (not exported, with a warning); a
 * LOST record as the very first record of the trace's events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptf.h"

#define DOM		0x10000
#define START_NS	5000000000ULL

static const uint8_t boot_id[16] = {
	0x0b, 0x6e, 0x4f, 0x5e, 0x8d, 0x2a, 0x4c, 0x3f,
	0x9a, 0x51, 0x3f, 0x2d, 0x7c, 0x1e, 0x8b, 0x90,
};

static struct ptf_writer *w;
static const char *path;

static void check(int err, const char *what)
{
	if (err < 0) {
		fprintf(stderr, "gen_ctf_trace: %s: %s: %s\n", path, what, ptf_writer__error(w));
		exit(1);
	}
}

static void open_trace(void)
{
	struct ptf_writer_opts opts = { .force = 1 };
	struct ptf_header h;
	struct ptf_device dev;

	memset(&h, 0, sizeof(h));
	snprintf(h.tool_version, sizeof(h.tool_version), "gen_ctf_trace 1");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.12.0-test");
	snprintf(h.hostname, sizeof(h.hostname), "ctfhost");
	snprintf(h.clock, sizeof(h.clock), "CLOCK_MONOTONIC");
	h.start_mono_ns = START_NS;
	h.start_real_ns = 1750000000000000000LL;
	h.trap_mode = PCIEM_TRAP_FULL;
	h.flags = PTF_HDR_F_LOSSLESS;
	memcpy(h.boot_id, boot_id, sizeof(boot_id));
	snprintf(h.command, sizeof(h.command), "sh \"work load\".sh");
	check(ptf_writer__open(&w, path, &h, &opts), "open");
	memset(&dev, 0, sizeof(dev));
	dev.domain = DOM;
	dev.desc.vendor_id = 0x1234;
	dev.desc.device_id = 0x5678;
	dev.desc.devfn = 0x08;
	dev.desc.bars[0].size = 4096;
	check(ptf_writer__add_device(w, &dev), "device");
}

static void ev(uint64_t seq, uint32_t type, uint64_t off, uint64_t data, uint64_t ts,
	       uint32_t cpu)
{
	struct pciem_event e = {
		.seq = seq, .type = type, .offset = off, .data = data, .size = 4,
		.timestamp_ns = ts, .cpu = cpu, .pid = 77, .ip = 0xffffffffc0001000ULL + off,
	};

	if (type == PCIEM_EVENT_IRQ || type == PCIEM_EVENT_LIFECYCLE)
		e.size = 0;
	check(ptf_writer__add_event(w, DOM, &e), "event");
}

static void boot_trace(void)
{
	struct pciem_trace_lost lost = { .first_seq = 0, .last_seq = 1, .count = 2 };

	open_trace();
	check(ptf_writer__add_lost(w, DOM, &lost), "lost");
	ev(2, PCIEM_EVENT_LIFECYCLE, PCIEM_LC_REGISTERED, 0, START_NS + 100, 0);
	ev(3, PCIEM_EVENT_MMIO_WRITE, 0x0, 1, START_NS + 200, 1);
	ev(4, PCIEM_EVENT_MMIO_READ, 0x8, 1, START_NS + 300, 1);
	ev(5, PCIEM_EVENT_MMIO_READ, 0x8, 1, START_NS + 250, 1);	/* earlier */
	ev(6, 42, 0x10, 0x1234, START_NS + 400, 7);			/* unknown type */
	ev(7, PCIEM_EVENT_IRQ, 0, 0, START_NS + 500, 7);
	ev(8, PCIEM_EVENT_MMIO_READ, 0x4, 1, START_NS + 600, 0);
	ev(9, PCIEM_EVENT_LIFECYCLE, PCIEM_LC_REMOVED, 0, START_NS + 700, 7);
	check(ptf_writer__close(w), "close");
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void bench_trace(unsigned long long n)
{
	unsigned long long i;
	uint64_t counter = 0, ts = START_NS;

	open_trace();
	for (i = 0; i < n; i++) {
		uint32_t cpu = (uint32_t)(i / 1000 % 4);

		ts += 1000 + rnd() % 1000;
		if (i % 20 == 19)
			ev(i, PCIEM_EVENT_IRQ, 0, 0, ts, cpu);
		else if (i % 2)
			ev(i, PCIEM_EVENT_MMIO_READ, 0x8, counter, ts + rnd() % 512, cpu);
		else
			ev(i, PCIEM_EVENT_MMIO_WRITE, 0x0, 1, ts, cpu), counter++;
	}
	check(ptf_writer__close(w), "close");
}

int main(int argc, char **argv)
{
	static char buf[4096];

	if (argc == 4 && !strcmp(argv[1], "--bench")) {
		path = argv[3];
		bench_trace(strtoull(argv[2], NULL, 0));
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: gen_ctf_trace DIR | gen_ctf_trace --bench N FILE\n");
		return 2;
	}
	snprintf(buf, sizeof(buf), "%s/boot.zst", argv[1]);
	path = buf;
	boot_trace();
	return 0;
}
