// SPDX-License-Identifier: GPL-2.0
/*
 * gen_trace: writes known traces with libptf's writer for the pciem-trace
 * CLI test (tests/unit/test_pciem_trace.sh).
 *
 *   gen_trace DIR
 *
 * DIR/good.zst      two devices, every event type, a module, drivers
 * DIR/equal.zst     the same accesses; other times, CPUs, tasks, IPs, domains
 * DIR/diffval.zst   as good, but device 10000's seq 21 writes 0x3, not 0x1
 * DIR/lost.zst      as good, but device 10000's seq 10-12 replaced by a LOST record
 * DIR/gap.zst       as good, but device 10000's seq 15 missing, no LOST record
 * DIR/truncated.zst good.zst cut at half its size
 * DIR/corrupt.zst   good.zst with one byte flipped at 40% of its size
 * DIR/real.zst      a real device (format 1.3) at 0000:00:03.0, as
 *                   pvpanic-pci: a 16-byte BAR0, its probe and removal
 * DIR/real_bound.zst   the same, bound before recording (no probe; its
 *                   mapping taken over)
 * DIR/real_io.zst   the same with an I/O port BAR1
 * DIR/real_caps.zst the same with capabilities PM (kept), MSI-X (removed
 *                   on replay) and a vendor-specific one, interrupt pin B
 * DIR/real_lost.zst real.zst with seq 1 missing (no LOST record: a gap) and
 *                   seq 4 replaced by a LOST record
 * DIR/real_msix.zst real.zst with a 4 KiB BAR0 holding an MSI-X table of
 *                   4 vectors at 0x800 and its PBA at 0xc00 (presented),
 *                   and a driver read of the table (at 0x80c)
 * DIR/real_msix_io.zst the same with an I/O port BAR1 holding the PBA
 *                   (left out with --without-io-bars, so MSI-X is too)
 * DIR/dma.zst       DMA (format 1.4): a device's mappings (streaming
 *                   to-device and from-device, a coherent one), syncs,
 *                   transfers with their bytes (one in two pieces, one of
 *                   6000 bytes, identical payloads stored once, one as a
 *                   real device's coherent buffer is seen), two
 *                   refusals, two unmaps; the coherent mapping stays, and
 *                   a transfer to it comes in two chunks with an IRQ between
 * DIR/dma_diff.zst  dma.zst with byte 100 of seq 6's payload changed
 * DIR/dma_attached.zst dma.zst from seq 5 on, as recorded from an existing
 *                   device: its mappings were made before
 * DIR/dma_bad.zst   dma.zst with what verify must find: seq 7 does not
 *                   continue seq 6, seq 12 is a transfer outside every
 *                   mapping and seq 14 one against its mapping's direction
 *                   (neither refused), seq 17 unmaps nothing, seq 18 reads
 *                   a mapping ended at seq 15
 * DIR/rules_a.zst   DMA of an NVMe-like device (1b36:0010) for diff's DMA
 *                   rules: submission entries read from a queue mapped in
 *                   nvme_alloc_queue, each with a command identifier at
 *                   bytes 2-3, completions written to another one echoing
 *                   it at bytes 12-13 (out of order, an identifier used
 *                   twice), an 8-byte timestamp read from a buffer mapped
 *                   in nvme_prep_rq.part.0, and a real device's snapshot
 *                   of one changed byte of an identifier (seq 13); then
 *                   the timestamp's address unmapped, mapped again outside
 *                   the rules' functions, and read (seq 15-17)
 * DIR/rules_b.zst   the same with other identifiers, echoed consistently,
 *                   and another timestamp
 * DIR/rules_badecho.zst rules_b.zst, but seq 7 echoes the first command's
 *                   identifier instead of the second's
 * DIR/rules_unread.zst rules_b.zst, but seq 12 echoes an identifier never read
 * DIR/rules_outside.zst rules_b.zst, but byte 40 of seq 6's entry differs
 * DIR/rules_remap.zst rules_b.zst, but byte 0 of seq 17 differs (read from
 *                   the timestamp's address mapped again, in no function
 *                   of the rules)
 *
 * The test relies on the exact contents; change both together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptf.h"

#define DOM_A		0x10000
#define DOM_B		0x10001
#define START_NS	1000000000000ULL	/* 1000 s */
#define MOD_BASE	0xffffffffc0000000ULL

/* V_IRQ_LATE: the interrupt of seq 25 comes 2 accesses later; V_IRQ_FAR:
 * 10 accesses earlier (a delivery that raced with the driver) */
enum variant { V_GOOD, V_EQUAL, V_DIFFVAL, V_LOST, V_GAP, V_DELIVERED, V_IRQ_LATE, V_IRQ_FAR };

struct gen {
	struct ptf_writer *w;
	enum variant v;
	uint64_t clock;			/* events written so far, for times */
	uint32_t dom_a, dom_b;
	const char *path;
	uint64_t from_seq;		/* DMA traces: events before it left out */
};

static void die(struct gen *g, const char *what, int err)
{
	fprintf(stderr, "gen_trace: %s: %s: %s\n", g->path, what,
		g->w ? ptf_writer__error(g->w) : strerror(-err));
	exit(1);
}

static void check(struct gen *g, const char *what, int err)
{
	if (err < 0)
		die(g, what, err);
}

static void event(struct gen *g, uint32_t domain, uint64_t seq, uint32_t type, uint32_t bar,
		  uint64_t offset, uint32_t size, uint64_t data, uint32_t flags, uint64_t ip)
{
	struct pciem_event ev = {
		.seq = seq, .type = type, .bar = bar, .offset = offset, .data = data,
		.size = size, .flags = flags, .ip = ip,
	};

	g->clock++;
	ev.timestamp_ns = START_NS + g->clock * 1000;
	ev.cpu = g->clock % 2;
	ev.pid = 4242;
	if (g->v == V_EQUAL) {
		/* everything diff must ignore is different */
		ev.timestamp_ns += 777;
		ev.cpu += 2;
		ev.pid = 999;
		if (ev.ip)
			ev.ip += 0x10;
	}
	/* every 8 events end a frame, so that the file has several */
	check(g, "add_event", ptf_writer__add_event(g->w, domain, &ev));
	if (g->clock % 8 == 0)
		check(g, "flush", ptf_writer__flush(g->w));
}

static void device(struct gen *g, uint32_t domain, uint16_t vid, uint16_t did, int second)
{
	struct ptf_device dev;

	memset(&dev, 0, sizeof(dev));
	dev.domain = domain;
	dev.desc.vendor_id = vid;
	dev.desc.device_id = did;
	dev.desc.bus = 0;
	dev.desc.devfn = 0;
	dev.desc.msi_cap = 0x50;
	dev.desc.creator_pid = 1234;
	dev.desc.bars[0].size = 4096;
	dev.desc.bars[0].bus_addr = second ? 0xfe100000 : 0xfe000000;
	if (second) {
		dev.desc.pcie_cap = 0x70;
		dev.desc.bars[2].size = 1 << 20;
		dev.desc.bars[2].flags = PCI_BASE_ADDRESS_MEM_TYPE_64 |
					 PCI_BASE_ADDRESS_MEM_PREFETCH;
		dev.desc.bars[2].bus_addr = 0xfe200000;
	}
	dev.desc.config[0] = vid & 0xff;
	dev.desc.config[1] = vid >> 8;
	dev.desc.config[2] = did & 0xff;
	dev.desc.config[3] = did >> 8;
	check(g, "add_device", ptf_writer__add_device(g->w, &dev));
}

/* An event of device A, unless the variant drops it. */
static void a_event(struct gen *g, uint64_t seq, uint32_t type, uint32_t bar, uint64_t offset,
		    uint32_t size, uint64_t data, uint32_t flags, uint64_t ip)
{
	if (g->v == V_LOST && seq == 10) {
		struct pciem_trace_lost lost = { .first_seq = 10, .last_seq = 12, .count = 3 };

		/* 10 (read), 11 (write), 12 (read) never reach the file */
		check(g, "add_lost", ptf_writer__add_lost(g->w, g->dom_a, &lost));
	}
	if (g->v == V_LOST && seq >= 10 && seq <= 12)
		return;
	if (g->v == V_GAP && seq == 15)
		return;
	event(g, g->dom_a, seq, type, bar, offset, size, data, flags, ip);
}

/* Device B's events, spread among A's. */
static void device_b(struct gen *g, unsigned int step)
{
	uint32_t d = g->dom_b;

	switch (step) {
	case 0:
		device(g, d, 0x1af4, 0x1110, 1);
		event(g, d, 0, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_REGISTERED, 0, 0, 0, 0);
		event(g, d, 1, PCIEM_EVENT_CONFIG_WRITE, 0, 0x52, 2, 0x0081, 0, 0);
		break;
	case 1:
		event(g, d, 2, PCIEM_EVENT_LIFECYCLE, 2, PCIEM_LC_BAR_MAPPED, 0, 1 << 20, 0,
		      MOD_BASE + 0x1010);
		check(g, "add_driver", ptf_writer__add_driver(g->w, d, "other_drv"));
		event(g, d, 3, PCIEM_EVENT_MMIO_WRITE, 2, 0x0, 8, 0xdeadbeefcafeULL, 0,
		      MOD_BASE + 0x1020);
		break;
	case 2:
		event(g, d, 4, PCIEM_EVENT_MMIO_READ, 2, 0x8, 4, 0x0, 0, MOD_BASE + 0x1030);
		event(g, d, 5, PCIEM_EVENT_MMIO_READ, 2, 0x8, 4, 0x7, 0, MOD_BASE + 0x1030);
		break;
	case 3:
		event(g, d, 6, PCIEM_EVENT_IRQ, 0, 0, 0, 1, 0, 0);
		event(g, d, 7, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_REMOVED, 0, 0, 0, 0);
		break;
	}
}

static const struct ptf_symbol syms[] = {
	{ MOD_BASE + 0x1000, 0x100, "dummy_clock_probe" },
	{ MOD_BASE + 0x1200, 0x80, "tick_store" },
	{ MOD_BASE + 0x1300, 0x60, "dummy_clock_irq" },
};

/* The header of good.zst and its variants, and of dma.zst */
static void test_header(struct ptf_header *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->tool_version, sizeof(h->tool_version), "gen_trace 1");
	snprintf(h->kernel_release, sizeof(h->kernel_release), "6.1.0-test-amd64");
	snprintf(h->clock, sizeof(h->clock), "CLOCK_MONOTONIC");
	h->start_mono_ns = START_NS;
	h->start_real_ns = 1700000000123456789LL;
	h->trap_mode = PCIEM_TRAP_FULL;
}

static void write_trace(const char *path, enum variant v)
{
	struct ptf_header hdr;
	struct ptf_writer_opts opts = { .force = 1 };
	struct ptf_module mod = {
		.name = "dummy_clock", .base = MOD_BASE, .size = 0x4000,
		.nsyms = sizeof(syms) / sizeof(syms[0]), .syms = syms,
	};
	struct gen g = { .v = v, .path = path, .dom_a = DOM_A, .dom_b = DOM_B };
	uint32_t a;
	uint64_t seq;
	int i;

	if (v == V_EQUAL) {
		g.dom_a = 0x10005;
		g.dom_b = 0x10006;
	}
	a = g.dom_a;
	test_header(&hdr);
	snprintf(hdr.hostname, sizeof(hdr.hostname), "testhost");
	hdr.flags = PTF_HDR_F_LOSSLESS;
	snprintf(hdr.command, sizeof(hdr.command), "insmod dummy_clock.ko");
	check(&g, "open", ptf_writer__open(&g.w, path, &hdr, &opts));

	check(&g, "add_module", ptf_writer__add_module(g.w, &mod));
	device(&g, a, 0x1234, 0x5678, 0);
	a_event(&g, 0, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_REGISTERED, 0, 0, 0, 0);
	a_event(&g, 1, PCIEM_EVENT_CONFIG_READ, 0, 0x0, 4, 0x56781234, 0, 0);
	a_event(&g, 2, PCIEM_EVENT_CONFIG_WRITE, 0, 0x4, 2, 0x0406, PCIEM_EVENT_F_HEADER, 0);
	a_event(&g, 3, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_BAR_MAPPED, 0, 4096, 0,
	      MOD_BASE + 0x1040);
	a_event(&g, 4, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_DRIVER_BOUND, 0, 0, 0, 0);
	check(&g, "add_driver", ptf_writer__add_driver(g.w, a, "dummy_clock"));
	device_b(&g, 0);
	/* ten ticks: write CONTROL, read COUNTER (seq 5-24) */
	for (i = 0, seq = 5; i < 10; i++, seq += 2) {
		a_event(&g, seq, PCIEM_EVENT_MMIO_WRITE, 0, 0x0, 4,
			v == V_DIFFVAL && seq == 21 ? 3 : 1, 0, MOD_BASE + 0x121c);
		a_event(&g, seq + 1, PCIEM_EVENT_MMIO_READ, 0, 0x8, 4, i + 1, 0,
			MOD_BASE + 0x1230);
		if (v == V_IRQ_FAR && i == 4)
			a_event(&g, 25, PCIEM_EVENT_IRQ, 0, 0, 0, 0, 0, 0);
		if (i == 3)
			device_b(&g, 1);
		if (i == 6)
			device_b(&g, 2);
	}
	if (v != V_IRQ_LATE && v != V_IRQ_FAR)
		a_event(&g, 25, PCIEM_EVENT_IRQ, 0, 0, 0, 0, 0, 0);
	a_event(&g, 26, PCIEM_EVENT_MMIO_READ, 0, 0x4, 4, 0x1, 0, MOD_BASE + 0x1310);
	a_event(&g, 27, PCIEM_EVENT_MMIO_WRITE, 0, 0x4, 4, 0x1, 0, MOD_BASE + 0x1318);
	if (v == V_IRQ_LATE)
		a_event(&g, 25, PCIEM_EVENT_IRQ, 0, 0, 0, 0, 0, 0);
	a_event(&g, 28, PCIEM_EVENT_WATCHPOINT, 0, 0x4, 4, 0x1, PCIEM_EVENT_F_WRITE,
	      MOD_BASE + 0x1318);
	a_event(&g, 29, PCIEM_EVENT_UNSUPPORTED, 0, 0x10, 3, 0x010809, 0, MOD_BASE + 0x1250);
	/* an interrupt left pending and delivered later; V_DELIVERED: delivered
	 * at once (as a real device's recording shows every interrupt) */
	if (v == V_DELIVERED) {
		a_event(&g, 30, PCIEM_EVENT_IRQ, 0, 0, 0, 0, 0, 0);
		device_b(&g, 3);
	} else {
		a_event(&g, 30, PCIEM_EVENT_IRQ, 0, 0, 0, 0, PCIEM_EVENT_F_PENDING, 0);
		device_b(&g, 3);
		a_event(&g, 31, PCIEM_EVENT_IRQ, 0, 0, 0, 0, PCIEM_EVENT_F_DEFERRED, 0);
	}
	a_event(&g, 32, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_DRIVER_UNBOUND, 0, 0, 0, 0);
	a_event(&g, 33, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_BAR_UNMAPPED, 0, 0, 0, 0);
	a_event(&g, 34, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_REMOVED, 0, 0, 0, 0);
	if (ptf_writer__close(g.w) < 0) {
		fprintf(stderr, "gen_trace: %s: close failed\n", path);
		exit(1);
	}
}

/* ---- DMA (format 1.4) ---------------------------------------------------- */

enum dma_variant { D_GOOD, D_DIFF, D_BAD, D_ATTACHED };

#define DMA_PIECE	4096

/* A DMA event of device A, with the payload @bytes[0..@data) if any. */
static void dma_event(struct gen *g, uint64_t seq, uint32_t type, uint32_t dir, uint64_t addr,
		      uint64_t len, uint32_t flags, uint64_t ip, const uint8_t *bytes)
{
	struct pciem_event ev = {
		.seq = seq, .type = type, .bar = dir, .offset = addr, .data = len,
		.flags = flags, .ip = ip,
	};
	uint32_t id = 0;

	if (g->from_seq > seq)
		return;
	g->clock++;
	ev.timestamp_ns = START_NS + g->clock * 1000;
	ev.cpu = g->clock % 2;
	ev.pid = type == PCIEM_EVENT_DMA_READ || type == PCIEM_EVENT_DMA_WRITE ? 4300 : 4242;
	if (bytes)
		check(g, "add_payload", ptf_writer__add_payload(g->w, bytes, (uint32_t)len, &id));
	check(g, "add_event_ex", ptf_writer__add_event_ex(g->w, g->dom_a, &ev, 0, id));
	if (g->clock % 8 == 0)
		check(g, "flush", ptf_writer__flush(g->w));
}

static void write_dma(const char *path, enum dma_variant dv)
{
	static uint8_t p1[DMA_PIECE], p2[DMA_PIECE], p4[6000], p5[64];
	static const uint8_t p3[16] = "coherent status!";
	struct ptf_writer_opts o = { .force = 1 };
	struct gen g = { .path = path, .v = V_GOOD, .dom_a = DOM_A,
			 .from_seq = dv == D_ATTACHED ? 5 : 0 };
	struct ptf_module mod = {
		.name = "dummy_clock", .base = MOD_BASE, .size = 0x4000,
		.nsyms = sizeof(syms) / sizeof(syms[0]), .syms = syms,
	};
	const uint32_t to = PCIEM_DMA_DIR_TO_DEVICE, from = PCIEM_DMA_DIR_FROM_DEVICE,
		       bidi = PCIEM_DMA_DIR_BIDIRECTIONAL;
	const uint64_t probe = MOD_BASE + 0x1010, irq = MOD_BASE + 0x1320;
	struct ptf_header h;
	size_t i;

	for (i = 0; i < sizeof(p1); i++) {
		p1[i] = (uint8_t)i;
		p2[i] = 0xa5;
	}
	for (i = 0; i < sizeof(p4); i++)
		p4[i] = (uint8_t)(i * 7);
	memset(p5, 0x5a, sizeof(p5));
	if (dv == D_DIFF)
		p2[100] = 0xa6;
	test_header(&h);
	check(&g, "open", ptf_writer__open(&g.w, path, &h, &o));
	check(&g, "add_module", ptf_writer__add_module(g.w, &mod));
	device(&g, DOM_A, 0x1234, 0x5678, 0);
	check(&g, "add_driver", ptf_writer__add_driver(g.w, DOM_A, "dma_drv"));
	if (dv != D_ATTACHED)
		event(&g, DOM_A, 0, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_REGISTERED, 0, 0, 0, 0);
	dma_event(&g, 1, PCIEM_EVENT_DMA_MAP, to, 0x80001000, 4096, 0, probe, NULL);
	dma_event(&g, 2, PCIEM_EVENT_DMA_MAP, from, 0x80003000, 8192, 0, probe + 4, NULL);
	dma_event(&g, 3, PCIEM_EVENT_DMA_MAP, bidi, 0x80010000, 256, PCIEM_EVENT_F_DMA_COHERENT,
		  probe + 8, NULL);
	dma_event(&g, 4, PCIEM_EVENT_DMA_SYNC, to, 0x80001000, 4096, PCIEM_EVENT_F_DMA_FOR_DEVICE,
		  probe + 12, NULL);
	/* the device reads the to-device buffer, then writes 8 KiB in two
	 * pieces (the second's bytes equal the first read's: stored once) */
	dma_event(&g, 5, PCIEM_EVENT_DMA_READ, 0, 0x80001000, 4096, 0, 0, p1);
	dma_event(&g, 6, PCIEM_EVENT_DMA_WRITE, 0, 0x80003000, 4096, 0, 0, p2);
	dma_event(&g, 7, PCIEM_EVENT_DMA_WRITE, 0, dv == D_BAD ? 0x80003800 : 0x80004000, 4096,
		  PCIEM_EVENT_F_SAME_INSN, 0, p1);
	dma_event(&g, 8, PCIEM_EVENT_DMA_SYNC, from, 0x80003000, 8192, 0, irq, NULL);
	dma_event(&g, 9, PCIEM_EVENT_DMA_WRITE, 0, 0x80010000, 16, 0, 0, p3);
	/* as a real device's coherent buffer is seen */
	dma_event(&g, 10, PCIEM_EVENT_DMA_READ, 0, 0x80010000, 16,
		  PCIEM_EVENT_F_DMA_SEEN | PCIEM_EVENT_F_DMA_COHERENT, 0, p3);
	dma_event(&g, 11, PCIEM_EVENT_DMA_WRITE, 0, 0x80003000, 6000, 0, 0, p4);
	/* outside every mapping, and against the direction of 0x80001000's */
	if (dv == D_BAD)
		dma_event(&g, 12, PCIEM_EVENT_DMA_WRITE, 0, 0x90000000, 64, 0, 0, p5);
	else
		dma_event(&g, 12, PCIEM_EVENT_DMA_WRITE, 0, 0x90000000, 64,
			  PCIEM_EVENT_F_DMA_FAULT, 0, NULL);
	dma_event(&g, 13, PCIEM_EVENT_DMA_WRITE, 0, 0x80001000, 64, PCIEM_EVENT_F_DMA_FAULT, 0,
		  NULL);
	if (dv == D_BAD)
		dma_event(&g, 14, PCIEM_EVENT_DMA_READ, 0, 0x80003000, 64, 0, 0, p5);
	else
		event(&g, DOM_A, 14, PCIEM_EVENT_IRQ, 0, 0, 0, 0, 0, 0);
	dma_event(&g, 15, PCIEM_EVENT_DMA_UNMAP, to, 0x80001000, 4096, 0, irq + 4, NULL);
	dma_event(&g, 16, PCIEM_EVENT_DMA_UNMAP, from, 0x80003000, 8192, 0, irq + 8, NULL);
	if (dv == D_BAD) {
		dma_event(&g, 17, PCIEM_EVENT_DMA_UNMAP, to, 0x70000000, 4096, 0, irq + 12, NULL);
		dma_event(&g, 18, PCIEM_EVENT_DMA_READ, 0, 0x80001000, 64, 0, 0, p5);
	} else {
		/* a transfer in two chunks with an interrupt between them, as a
		 * model's long transfer can be */
		dma_event(&g, 17, PCIEM_EVENT_DMA_WRITE, 0, 0x80010020, 16, 0, 0, p3);
		event(&g, DOM_A, 18, PCIEM_EVENT_IRQ, 0, 0, 0, 1, 0, 0);
		dma_event(&g, 19, PCIEM_EVENT_DMA_WRITE, 0, 0x80010030, 16, PCIEM_EVENT_F_SAME_INSN,
			  0, p3);
	}
	if (ptf_writer__close(g.w) < 0) {
		fprintf(stderr, "gen_trace: %s: close failed\n", path);
		exit(1);
	}
}

/* ---- DMA rules: an NVMe-like device's queues ------------------------------ */

enum rules_variant { Q_A, Q_B, Q_BADECHO, Q_UNREAD, Q_OUTSIDE, Q_REMAP };

#define NVME_BASE	(MOD_BASE + 0x10000)
#define SQ_ADDR		0x80000000ULL	/* 4 entries of 64 bytes */
#define CQ_ADDR		0x80001000ULL	/* 4 entries of 16 bytes */
#define TS_ADDR		0x80002000ULL	/* 8 bytes */

static const struct ptf_symbol nvme_syms[] = {
	{ NVME_BASE, 0x200, "nvme_alloc_queue" },
	{ NVME_BASE + 0x200, 0x100, "nvme_prep_rq.part.0" },
};

/* The device reads submission entry @slot holding identifier @cid. */
static void sq_read(struct gen *g, uint64_t seq, unsigned int slot, uint16_t cid, int odd)
{
	uint8_t e[64];
	unsigned int i;

	for (i = 0; i < sizeof(e); i++)
		e[i] = (uint8_t)(0x40 + slot * 8 + i);
	e[0] = 0x02;				/* opcode */
	e[2] = cid & 0xff;
	e[3] = cid >> 8;
	if (odd)
		e[40] ^= 0xff;
	dma_event(g, seq, PCIEM_EVENT_DMA_READ, 0, SQ_ADDR + slot * 64, 64, 0, 0, e);
}

/* The device writes completion entry @slot echoing identifier @cid. */
static void cq_write(struct gen *g, uint64_t seq, unsigned int slot, uint16_t cid)
{
	uint8_t e[16] = { 0 };

	e[8] = slot + 1;			/* submission queue head */
	e[12] = cid & 0xff;
	e[13] = cid >> 8;
	e[14] = 1;				/* phase */
	dma_event(g, seq, PCIEM_EVENT_DMA_WRITE, 0, CQ_ADDR + slot * 16, 16, 0, 0, e);
}

static void write_rules(const char *path, enum rules_variant qv)
{
	struct ptf_writer_opts o = { .force = 1 };
	struct gen g = { .path = path, .v = V_GOOD, .dom_a = DOM_A };
	struct ptf_module mod = {
		.name = "nvme", .base = NVME_BASE, .size = 0x1000,
		.nsyms = sizeof(nvme_syms) / sizeof(nvme_syms[0]), .syms = nvme_syms,
	};
	/* the command identifiers: A uses 0x0005 twice, B never; the fifth
	 * command changes only the low byte of the fourth's */
	static const uint16_t cid_a[5] = { 0x0005, 0x0007, 0x0005, 0x0109, 0x010a },
			      cid_b[5] = { 0x0012, 0x0030, 0x0031, 0x0033, 0x0034 };
	const uint16_t *cid = qv == Q_A ? cid_a : cid_b;
	const uint32_t coh = PCIEM_EVENT_F_DMA_COHERENT;
	const uint32_t bidi = PCIEM_DMA_DIR_BIDIRECTIONAL;
	uint8_t ts[8], low = cid[4] & 0xff;
	struct ptf_header h;
	unsigned int i;

	for (i = 0; i < sizeof(ts); i++)
		ts[i] = (uint8_t)((qv == Q_A ? 0x11 : 0x22) * (i + 1));
	test_header(&h);
	check(&g, "open", ptf_writer__open(&g.w, path, &h, &o));
	check(&g, "add_module", ptf_writer__add_module(g.w, &mod));
	device(&g, DOM_A, 0x1b36, 0x0010, 0);
	check(&g, "add_driver", ptf_writer__add_driver(g.w, DOM_A, "nvme"));
	event(&g, DOM_A, 0, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_REGISTERED, 0, 0, 0, 0);
	dma_event(&g, 1, PCIEM_EVENT_DMA_MAP, bidi, SQ_ADDR, 256, coh, NVME_BASE + 0x88, NULL);
	dma_event(&g, 2, PCIEM_EVENT_DMA_MAP, bidi, CQ_ADDR, 64, coh, NVME_BASE + 0x90, NULL);
	dma_event(&g, 3, PCIEM_EVENT_DMA_MAP, PCIEM_DMA_DIR_TO_DEVICE, TS_ADDR, 8, 0,
		  NVME_BASE + 0x210, NULL);
	dma_event(&g, 4, PCIEM_EVENT_DMA_READ, 0, TS_ADDR, 8, 0, 0, ts);
	sq_read(&g, 5, 0, cid[0], 0);
	sq_read(&g, 6, 1, cid[1], qv == Q_OUTSIDE);
	/* completed out of order */
	cq_write(&g, 7, 0, qv == Q_BADECHO ? cid[0] : cid[1]);
	cq_write(&g, 8, 1, cid[0]);
	sq_read(&g, 9, 2, cid[2], 0);
	cq_write(&g, 10, 2, cid[2]);
	sq_read(&g, 11, 3, cid[3], 0);
	cq_write(&g, 12, 3, qv == Q_UNREAD ? 0x0777 : cid[3]);
	/* a real device's snapshot of the one byte that changed: entry 3's
	 * identifier's low byte */
	dma_event(&g, 13, PCIEM_EVENT_DMA_READ, 0, SQ_ADDR + 3 * 64 + 2, 1,
		  PCIEM_EVENT_F_DMA_SEEN | coh, 0, &low);
	cq_write(&g, 14, 0, cid[4]);
	dma_event(&g, 15, PCIEM_EVENT_DMA_UNMAP, PCIEM_DMA_DIR_TO_DEVICE, TS_ADDR, 8, 0,
		  NVME_BASE + 0x220, NULL);
	/* the address mapped again elsewhere: no rule applies to its bytes */
	dma_event(&g, 16, PCIEM_EVENT_DMA_MAP, PCIEM_DMA_DIR_TO_DEVICE, TS_ADDR, 8, 0,
		  NVME_BASE + 0x300, NULL);
	memset(ts, 0x66, sizeof(ts));
	if (qv == Q_REMAP)
		ts[0] = 0x77;
	dma_event(&g, 17, PCIEM_EVENT_DMA_READ, 0, TS_ADDR, 8, 0, 0, ts);
	if (ptf_writer__close(g.w) < 0) {
		fprintf(stderr, "gen_trace: %s: close failed\n", path);
		exit(1);
	}
}

enum real_variant { R_PLAIN, R_BOUND, R_IO, R_CAPS, R_LOST, R_MSIX, R_MSIX_IO };

/* An event of the real device @key, unless R_LOST drops it. */
static void r_event(struct gen *g, enum real_variant rv, uint32_t key, uint64_t seq,
		    uint32_t type, uint32_t bar, uint64_t offset, uint32_t size, uint64_t data,
		    uint32_t flags, uint64_t ip)
{
	if (rv == R_LOST && seq == 4) {
		struct pciem_trace_lost lost = { .first_seq = 4, .last_seq = 4, .count = 1 };

		check(g, "add_lost", ptf_writer__add_lost(g->w, key, &lost));
	}
	if (rv == R_LOST && (seq == 1 || seq == 4))
		return;
	event(g, key, seq, type, bar, offset, size, data, flags, ip);
}

/* A real device's trace: the description as pciem.ko gives it, then its
 * driver's probe (or, bound already, the mapping taken over), lspci's
 * config reads, the driver's removal. */
static void write_real(const char *path, enum real_variant rv)
{
	const uint32_t key = PCIEM_REAL_KEY(0, 0, 0x18);
	struct ptf_writer_opts o = { .force = 1 };
	struct gen g = { .path = path, .v = V_GOOD };
	struct ptf_header h;
	struct ptf_device dev;
	uint64_t seq = 0;

	memset(&h, 0, sizeof(h));
	snprintf(h.tool_version, sizeof(h.tool_version), "gen_trace");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.1.0-57-amd64");
	snprintf(h.clock, sizeof(h.clock), "CLOCK_MONOTONIC");
	h.start_mono_ns = START_NS;
	h.trap_mode = PCIEM_TRAP_FULL;
	check(&g, "open", ptf_writer__open(&g.w, path, &h, &o));
	memset(&dev, 0, sizeof(dev));
	dev.domain = key;
	dev.desc.vendor_id = 0x1b36;
	dev.desc.device_id = 0x0011;
	dev.desc.devfn = 0x18;
	dev.desc.flags = PCIEM_TDEV_F_REAL;
	dev.desc.bars[0].size = 16;
	dev.desc.bars[0].bus_addr = 0xfebd5000;
	dev.desc.config[0] = 0x36;
	dev.desc.config[1] = 0x1b;
	dev.desc.config[2] = 0x11;
	dev.desc.config[0x10] = 0x00;
	dev.desc.config[0x11] = 0x50;
	dev.desc.config[0x12] = 0xbd;
	dev.desc.config[0x13] = 0xfe;
	if (rv == R_BOUND)
		dev.desc.flags |= PCIEM_TDEV_F_BOUND;
	if (rv == R_IO) {
		dev.desc.flags |= PCIEM_TDEV_F_IO_BAR;
		dev.desc.bars[1].size = 32;
		dev.desc.bars[1].flags = PCI_BASE_ADDRESS_SPACE_IO;
		dev.desc.bars[1].bus_addr = 0xc000;
	}
	if (rv == R_MSIX || rv == R_MSIX_IO) {
		uint8_t *c = dev.desc.config;

		dev.desc.bars[0].size = 4096;
		c[PCI_STATUS] = PCI_STATUS_CAP_LIST;
		c[PCI_CAPABILITY_LIST] = 0x40;
		c[0x40] = PCI_CAP_ID_MSIX;
		c[0x42] = 3;			/* 4 vectors */
		c[0x45] = 0x08;			/* table: BAR0 + 0x800 */
		c[0x49] = 0x0c;			/* PBA: BAR0 + 0xc00 */
		if (rv == R_MSIX_IO) {
			c[0x48] = 1;		/* PBA: BAR1 + 0xc00 */
			c[0x49] = 0;
			dev.desc.flags |= PCIEM_TDEV_F_IO_BAR;
			dev.desc.bars[1].size = 32;
			dev.desc.bars[1].flags = PCI_BASE_ADDRESS_SPACE_IO;
			dev.desc.bars[1].bus_addr = 0xc000;
		}
	}
	if (rv == R_CAPS) {
		uint8_t *c = dev.desc.config;

		c[PCI_STATUS] = PCI_STATUS_CAP_LIST;
		c[PCI_INTERRUPT_PIN] = 2;
		c[PCI_CAPABILITY_LIST] = 0x40;
		c[0x40] = PCI_CAP_ID_MSIX;	/* 4 vectors, table in BAR0 */
		c[0x41] = 0x50;
		c[0x42] = 3;
		c[0x50] = PCI_CAP_ID_PM;
		c[0x51] = 0x60;
		c[0x52] = 3;
		c[0x60] = PCI_CAP_ID_VNDR;
		c[0x61] = 0;
		c[0x62] = 8;
		dev.desc.pm_cap = 0x50;
	}
	check(&g, "add_device", ptf_writer__add_device(g.w, &dev));
	check(&g, "add_driver", ptf_writer__add_driver(g.w, key, "pvpanic-pci"));
	if (rv == R_BOUND) {
		r_event(&g, rv, key, seq++, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_BAR_TAKEN_OVER, 0,
			4096, 0, 0);
	} else {
		r_event(&g, rv, key, seq++, PCIEM_EVENT_CONFIG_READ, 0, PCI_COMMAND, 2, 0x0103, 0,
			0);
		r_event(&g, rv, key, seq++, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_BAR_MAPPED, 0, 16,
			0, MOD_BASE + 0x40);
		r_event(&g, rv, key, seq++, PCIEM_EVENT_MMIO_READ, 0, 0, 1, 0x3, 0,
			MOD_BASE + 0x48);
		if (rv == R_MSIX)
			r_event(&g, rv, key, seq++, PCIEM_EVENT_MMIO_READ, 0, 0x80c, 4, 0x1, 0,
				MOD_BASE + 0x50);
		r_event(&g, rv, key, seq++, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_DRIVER_BOUND, 0, 0,
			0, 0);
	}
	r_event(&g, rv, key, seq++, PCIEM_EVENT_CONFIG_READ, 0, PCI_BASE_ADDRESS_0, 4, 0xfebd5000,
		0, 0);
	r_event(&g, rv, key, seq++, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_DRIVER_UNBOUND, 0, 0, 0,
		0);
	r_event(&g, rv, key, seq++, PCIEM_EVENT_LIFECYCLE, 0, PCIEM_LC_BAR_UNMAPPED, 0, 0, 0,
		0);
	if (ptf_writer__close(g.w) < 0) {
		fprintf(stderr, "gen_trace: %s: close failed\n", path);
		exit(1);
	}
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto fail;
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		goto fail;
	fclose(f);
	*len = n;
	return buf;
fail:
	fprintf(stderr, "gen_trace: %s: %s\n", path, strerror(errno));
	exit(1);
}

static void spill(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_trace: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum variant v;
	} traces[] = {
		{ "good.zst", V_GOOD }, { "equal.zst", V_EQUAL }, { "diffval.zst", V_DIFFVAL },
		{ "lost.zst", V_LOST }, { "gap.zst", V_GAP }, { "delivered.zst", V_DELIVERED },
		{ "irq_late.zst", V_IRQ_LATE }, { "irq_far.zst", V_IRQ_FAR },
	};
	static const struct {
		const char *name;
		enum rules_variant v;
	} rules[] = {
		{ "rules_a.zst", Q_A }, { "rules_b.zst", Q_B },
		{ "rules_badecho.zst", Q_BADECHO }, { "rules_unread.zst", Q_UNREAD },
		{ "rules_outside.zst", Q_OUTSIDE }, { "rules_remap.zst", Q_REMAP },
	};
	char path[4096];
	unsigned char *buf;
	size_t i, len;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_trace DIR\n");
		return 2;
	}
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], traces[i].name);
		write_trace(path, traces[i].v);
	}
	snprintf(path, sizeof(path), "%s/real.zst", argv[1]);
	write_real(path, R_PLAIN);
	snprintf(path, sizeof(path), "%s/real_bound.zst", argv[1]);
	write_real(path, R_BOUND);
	snprintf(path, sizeof(path), "%s/real_io.zst", argv[1]);
	write_real(path, R_IO);
	snprintf(path, sizeof(path), "%s/real_caps.zst", argv[1]);
	write_real(path, R_CAPS);
	snprintf(path, sizeof(path), "%s/real_lost.zst", argv[1]);
	write_real(path, R_LOST);
	snprintf(path, sizeof(path), "%s/real_msix.zst", argv[1]);
	write_real(path, R_MSIX);
	snprintf(path, sizeof(path), "%s/real_msix_io.zst", argv[1]);
	write_real(path, R_MSIX_IO);
	snprintf(path, sizeof(path), "%s/dma.zst", argv[1]);
	write_dma(path, D_GOOD);
	snprintf(path, sizeof(path), "%s/dma_diff.zst", argv[1]);
	write_dma(path, D_DIFF);
	snprintf(path, sizeof(path), "%s/dma_bad.zst", argv[1]);
	write_dma(path, D_BAD);
	snprintf(path, sizeof(path), "%s/dma_attached.zst", argv[1]);
	write_dma(path, D_ATTACHED);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], rules[i].name);
		write_rules(path, rules[i].v);
	}
	snprintf(path, sizeof(path), "%s/good.zst", argv[1]);
	buf = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/truncated.zst", argv[1]);
	spill(path, buf, len / 2);
	buf[len * 4 / 10] ^= 0x5a;
	snprintf(path, sizeof(path), "%s/corrupt.zst", argv[1]);
	spill(path, buf, len);
	free(buf);
	return 0;
}
