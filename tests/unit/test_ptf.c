// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libptf (formats/): round trips of every record and field,
 * forward compatibility, seeking, truncation at every byte, corruption of
 * every byte, version mismatch, O_EXCL, disk full, and the zstd CLI on a
 * written file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>
#include <cmocka.h>

#include "ptf.h"
#include "ptf_codec.h"

static char tmpdir[] = "/tmp/test_ptf.XXXXXX";

static char *tpath(const char *name)
{
	static char buf[8][256];
	static int i;
	char *p = buf[i++ % 8];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

/* The whole file at @path, in an allocation of its exact size (and one
 * byte more, so that an empty file is an allocation too). */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* ---- expected records --------------------------------------------------------- */

struct xrec {
	enum ptf_rec_type type;
	uint32_t domain;
	struct pciem_event ev;
	struct pciem_trace_lost lost;
	struct ptf_device *dev;
	char *driver;
	struct ptf_module *mod;
	uint32_t payload;		/* EVENT: its payload's id (1.4) */
	uint8_t *pay;			/* and its bytes */
	uint32_t paylen;
};

struct xlist {
	struct xrec *v;
	size_t n, cap;
};

static struct ptf_module *mod_copy(const struct ptf_module *m)
{
	struct ptf_module *c = calloc(1, sizeof(*c));
	struct ptf_symbol *s = calloc(m->nsyms + 1, sizeof(*s));
	uint32_t i;

	assert_non_null(c);
	assert_non_null(s);
	*c = *m;
	c->name = strdup(m->name);
	for (i = 0; i < m->nsyms; i++) {
		s[i] = m->syms[i];
		s[i].name = strdup(m->syms[i].name ? m->syms[i].name : "");
	}
	c->syms = s;
	return c;
}

static void mod_free(struct ptf_module *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; i < m->nsyms; i++)
		free((char *)m->syms[i].name);
	free((void *)m->syms);
	free((char *)m->name);
	free(m);
}

static struct xrec *xl_add(struct xlist *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void xl_free(struct xlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].dev);
		free(l->v[i].driver);
		mod_free(l->v[i].mod);
		free(l->v[i].pay);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int ev_equal(const struct pciem_event *a, const struct pciem_event *b)
{
	return a->seq == b->seq && a->type == b->type && a->bar == b->bar &&
	       a->offset == b->offset && a->data == b->data && a->size == b->size &&
	       a->flags == b->flags && a->timestamp_ns == b->timestamp_ns && a->ip == b->ip &&
	       a->cpu == b->cpu && a->pid == b->pid;
}

static int rec_equal(const struct xrec *x, const struct ptf_record *r)
{
	uint32_t i;

	if (x->type != r->type || x->domain != r->domain)
		return 0;
	switch (x->type) {
	case PTF_REC_EVENT:
		return ev_equal(&x->ev, &r->event) && x->payload == r->payload;
	case PTF_REC_LOST:
		return !memcmp(&x->lost, &r->lost, sizeof(x->lost));
	case PTF_REC_DEVICE:
		return r->device->domain == x->dev->domain &&
		       !memcmp(&x->dev->desc, &r->device->desc, sizeof(x->dev->desc));
	case PTF_REC_DRIVER:
		return !strcmp(x->driver, r->driver);
	case PTF_REC_MODULE:
		if (strcmp(x->mod->name, r->module->name) || x->mod->base != r->module->base ||
		    x->mod->size != r->module->size || x->mod->nsyms != r->module->nsyms)
			return 0;
		for (i = 0; i < x->mod->nsyms; i++) {
			const struct ptf_symbol *a = &x->mod->syms[i], *b = &r->module->syms[i];

			if (a->addr != b->addr || a->size != b->size || strcmp(a->name, b->name))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* ---- writing helpers ------------------------------------------------------------- */

static void fill_header(struct ptf_header *h)
{
	memset(h, 0, sizeof(*h));
	memset(h->tool_version, 'v', sizeof(h->tool_version) - 1);
	strcpy(h->kernel_release, "6.1.0-56-amd64");
	memset(h->hostname, 'h', sizeof(h->hostname) - 1);
	strcpy(h->clock, "CLOCK_MONOTONIC");
	h->start_mono_ns = UINT64_MAX - 5;
	h->start_real_ns = INT64_MIN + 7;
	h->trap_mode = PCIEM_TRAP_FULL;
	h->flags = PTF_HDR_F_LOSSLESS;
	strcpy(h->command, "insmod dummy_clock.ko && echo 100 > /sys/bus/pci/tick \xc3\xa9");
}

static struct ptf_writer *wopen(const char *path, uint32_t frame_bytes)
{
	struct ptf_writer_opts o = { .frame_bytes = frame_bytes, .force = 1 };
	struct ptf_header h;
	struct ptf_writer *w;

	fill_header(&h);
	assert_int_equal(ptf_writer__open(&w, path, &h, &o), 0);
	return w;
}

static void w_event(struct ptf_writer *w, struct xlist *l, uint32_t domain,
		    const struct pciem_event *ev)
{
	struct xrec *x;

	assert_int_equal(ptf_writer__add_event(w, domain, ev), 0);
	if (l) {
		x = xl_add(l);
		x->type = PTF_REC_EVENT;
		x->domain = domain;
		x->ev = *ev;
	}
}

/* A DMA_READ or DMA_WRITE with its bytes (1.4). */
static uint32_t w_dma(struct ptf_writer *w, struct xlist *l, uint32_t domain,
		      const struct pciem_event *ev, const void *bytes)
{
	struct xrec *x;
	uint32_t id;

	assert_int_equal(ptf_writer__add_payload(w, bytes, (uint32_t)ev->data, &id), 0);
	assert_true(id > 0);
	assert_int_equal(ptf_writer__add_event_ex(w, domain, ev, 0, id), 0);
	if (l) {
		x = xl_add(l);
		x->type = PTF_REC_EVENT;
		x->domain = domain;
		x->ev = *ev;
		x->payload = id;
		x->paylen = (uint32_t)ev->data;
		x->pay = malloc(x->paylen);
		assert_non_null(x->pay);
		memcpy(x->pay, bytes, x->paylen);
	}
	return id;
}

/* @rec's payload is @x's: 1, else 0. */
static int payload_equal(struct ptf_reader *r, const struct xrec *x, const struct ptf_record *rec)
{
	const void *b;
	uint32_t n;

	if (!rec->payload)
		return !x->payload;
	if (ptf_reader__payload(r, rec->payload, &b, &n))
		return 0;
	return n == x->paylen && !memcmp(b, x->pay, n);
}

static void w_device(struct ptf_writer *w, struct xlist *l, uint32_t domain)
{
	struct ptf_device d;
	struct xrec *x;
	int i;

	memset(&d, 0, sizeof(d));
	d.domain = domain;
	d.desc.vendor_id = 0x1234;
	d.desc.device_id = (uint16_t)(0x5678 + domain);
	d.desc.bus = 0xff;
	d.desc.devfn = 0x08;
	d.desc.msi_cap = 0x50;
	d.desc.pcie_cap = 0x70;
	d.desc.pm_cap = 0xfc;
	d.desc.creator_pid = UINT32_MAX;
	d.desc.flags = (uint8_t)(0xf8 | domain);	/* 1.3: every bit, known or not */
	for (i = 0; i < 6; i++) {
		d.desc.bars[i].bus_addr = 0xfe000000ULL + (uint64_t)i * 0x100000;
		if (i == 5)
			d.desc.bars[i].bus_addr = UINT64_MAX;
		d.desc.bars[i].size = i == 1 ? 0 : 4096ULL << i;
		d.desc.bars[i].flags = i == 2 ? 0xffffffffU : 0x4;
	}
	for (i = 0; i < 4096; i++)
		d.desc.config[i] = i < 256 ? (uint8_t)(rnd() & 0xff) : (uint8_t)(i & 0x0f);
	assert_int_equal(ptf_writer__add_device(w, &d), 0);
	if (l) {
		x = xl_add(l);
		x->type = PTF_REC_DEVICE;
		x->domain = domain;
		x->dev = malloc(sizeof(d));
		*x->dev = d;
	}
}

static void w_driver(struct ptf_writer *w, struct xlist *l, uint32_t domain, const char *name)
{
	struct xrec *x;

	assert_int_equal(ptf_writer__add_driver(w, domain, name), 0);
	x = xl_add(l);
	x->type = PTF_REC_DRIVER;
	x->domain = domain;
	x->driver = strdup(name);
}

static void w_lost(struct ptf_writer *w, struct xlist *l, uint32_t domain, uint64_t first,
		   uint64_t last, uint64_t count)
{
	struct pciem_trace_lost lost = { first, last, count };
	struct xrec *x;

	assert_int_equal(ptf_writer__add_lost(w, domain, &lost), 0);
	x = xl_add(l);
	x->type = PTF_REC_LOST;
	x->domain = domain;
	x->lost = lost;
}

#define DC_BASE 0xffffffffc0a00000ULL

static const struct ptf_symbol dc_syms[] = {
	{ 0xffffffffc0a00000ULL, 0x40, "dummy_clock_tick" },
	{ 0xffffffffc0a00040ULL, 0x80, "dummy_clock_irq" },
	{ 0xffffffffc0a000c0ULL, 0x100, "dummy_clock_probe" },
	{ 0xffffffffc0a001c0ULL, 0, "" },
	{ 0xffffffffc0a00200ULL, 0x10, "dummy_clock_remove" },
};

static void w_module(struct ptf_writer *w, struct xlist *l)
{
	struct ptf_module m = {
		.name = "dummy_clock",
		.base = 0xffffffffc0a00000ULL,
		.size = 0x1000,
		.nsyms = 5,
		.syms = dc_syms,
	};
	struct xrec *x;

	assert_int_equal(ptf_writer__add_module(w, &m), 0);
	x = xl_add(l);
	x->type = PTF_REC_MODULE;
	x->mod = mod_copy(&m);
}

/* Reads every record of @r and checks it against @l (exactly). */
static void check_all(struct ptf_reader *r, const struct xlist *l)
{
	struct ptf_record rec;
	size_t i = 0;
	int err;

	while ((err = ptf_reader__next(r, &rec)) == 1) {
		if (i >= l->n)
			fail_msg("record %zu: more records than written", i);
		if (!rec_equal(&l->v[i], &rec))
			fail_msg("record %zu (type %d) differs from what was written", i, rec.type);
		if (rec.type == PTF_REC_EVENT && !payload_equal(r, &l->v[i], &rec))
			fail_msg("record %zu: payload %" PRIu32 " differs: %s", i, rec.payload,
				 ptf_reader__error(r));
		i++;
	}
	if (err)
		fail_msg("read error: %s", ptf_reader__error(r));
	assert_int_equal(i, l->n);
}

/* A trace with every kind of record and extreme values. */
static void write_everything(const char *path, struct xlist *l, uint32_t frame_bytes)
{
	static const uint32_t types[] = {
		PCIEM_EVENT_MMIO_READ, PCIEM_EVENT_MMIO_WRITE, PCIEM_EVENT_CONFIG_READ,
		PCIEM_EVENT_CONFIG_WRITE, PCIEM_EVENT_WATCHPOINT, PCIEM_EVENT_UNSUPPORTED,
		PCIEM_EVENT_IRQ, PCIEM_EVENT_LIFECYCLE, 99, UINT32_MAX,
	};
	struct ptf_writer *w = wopen(path, frame_bytes);
	struct pciem_event ev;
	uint64_t seq[3] = { 0, UINT64_MAX - 100, 5 };
	uint64_t ts = 1000;
	int i;

	w_device(w, l, 10000);
	w_device(w, l, 10001);
	w_driver(w, l, 10000, "dummy_clock");
	w_module(w, l);
	for (i = 0; i < 3000; i++) {
		uint32_t dom = 10000 + (uint32_t)(rnd() % 3);

		memset(&ev, 0, sizeof(ev));
		ev.seq = seq[dom - 10000]++;
		if (i % 97 == 5)
			ev.seq = seq[dom - 10000] += rnd() >> (rnd() % 64);	/* jumps */
		ev.type = types[rnd() % 10];
		ev.bar = (uint32_t)(rnd() % 7);
		if (i % 50 == 1)
			ev.bar = UINT32_MAX;
		ev.offset = (rnd() % 16) * 4;
		if (i % 31 == 3)
			ev.offset = rnd();
		switch (rnd() % 6) {
		case 0: ev.data = UINT64_MAX; break;
		case 1: ev.data = rnd(); break;
		case 2: ev.data = (uint64_t)i; break;
		case 3: ev.data = 1ULL << 63; break;
		default: ev.data = rnd() & 0xff; break;
		}
		ev.size = 1U << (rnd() % 4);
		ev.flags = i % 13 == 0 ? (uint32_t)rnd() : 0;
		ts += 1500 + rnd() % 1000;
		ev.timestamp_ns = i % 17 == 0 ? ts - 100000 : ts;	/* out of order */
		if (i == 100)
			ev.timestamp_ns = UINT64_MAX;
		if (i == 101)
			ev.timestamp_ns = 0;
		ev.ip = i % 11 == 0 ? rnd() : 0xffffffffc0a00010ULL + (rnd() % 3) * 0x40;
		ev.cpu = i % 29 == 0 ? UINT32_MAX : (uint32_t)(rnd() % 2);
		ev.pid = i % 37 == 0 ? UINT32_MAX : 4242;
		w_event(w, l, dom, &ev);
		if (i == 1000)
			w_lost(w, l, 10001, 17, 1ULL << 40, UINT64_MAX);
		if (i == 1500) {
			w_device(w, l, 10002);
			w_driver(w, l, 10002, "pciem_testdrv");
			assert_int_equal(ptf_writer__flush(w), 0);
			assert_int_equal(ptf_writer__flush(w), 0);	/* nothing: no frame */
		}
	}
	assert_int_equal(ptf_writer__close(w), 0);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_roundtrip(void **state)
{
	struct ptf_header h;
	struct xlist l = { 0 };
	struct ptf_reader *r;
	struct ptf_summary s;
	const char *path = tpath("all.zst");
	uint32_t fb[] = { 0, 300, 4096 };
	size_t i, j, n;

	(void)state;
	fill_header(&h);
	for (j = 0; j < 3; j++) {
		write_everything(path, &l, fb[j]);
		assert_int_equal(ptf_reader__open(&r, path), 0);
		assert_null(ptf_reader__warning(r));
		const struct ptf_header *rh = ptf_reader__header(r);

		assert_int_equal(rh->version_major, PTF_VERSION_MAJOR);
		assert_int_equal(rh->version_minor, PTF_VERSION_MINOR);
		assert_string_equal(rh->tool_version, h.tool_version);
		assert_string_equal(rh->kernel_release, h.kernel_release);
		assert_string_equal(rh->hostname, h.hostname);
		assert_string_equal(rh->clock, h.clock);
		assert_true(rh->start_mono_ns == h.start_mono_ns);
		assert_true(rh->start_real_ns == h.start_real_ns);
		assert_int_equal(rh->trap_mode, h.trap_mode);
		assert_int_equal(rh->flags, h.flags);
		assert_string_equal(rh->command, h.command);
		check_all(r, &l);
		/* twice: rewind */
		assert_int_equal(ptf_reader__rewind(r), 0);
		check_all(r, &l);

		assert_int_equal(ptf_reader__summary(r, &s), 0);
		assert_true(s.complete);
		assert_int_equal(s.records, l.n);
		for (i = 0, n = 0; i < l.n; i++)
			n += l.v[i].type == PTF_REC_EVENT;
		assert_int_equal(s.events, n);
		assert_true(s.lost == UINT64_MAX);
		assert_int_equal(s.devices, 3);
		assert_int_equal(s.first_ns, 0);
		assert_true(s.last_ns == UINT64_MAX);
		assert_int_equal(s.trailing_bytes, 0);
		if (fb[j] == 300)
			assert_true(s.frames > 50);
		/* summary rewinds */
		check_all(r, &l);
		assert_non_null(ptf_reader__device(r, 10002));
		assert_null(ptf_reader__device(r, 12345));
		assert_string_equal(ptf_reader__driver(r, 10002), "pciem_testdrv");
		ptf_reader__close(r);
		xl_free(&l);
	}
}

/* The same checks through open_mem, and kernel channel records. */
static void test_trace_rec(void **state)
{
	struct {
		struct pciem_trace_rec h;
		union {
			struct pciem_event ev;
			struct pciem_trace_device dev;
			struct pciem_trace_lost lost;
		};
	} k;
	const char *path = tpath("trec.zst");
	struct ptf_writer *w = wopen(path, 0);
	struct ptf_reader *r;
	struct ptf_record rec;
	uint8_t *buf;
	size_t len;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.h.type = PCIEM_TREC_DEVICE;
	k.h.domain = 10003;
	k.h.size = sizeof(k.h) + sizeof(k.dev);
	k.dev.vendor_id = 0x1b36;
	k.dev.config[4095] = 0xaa;
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	memset(&k, 0, sizeof(k));
	k.h.type = PCIEM_TREC_EVENT;
	k.h.domain = 10003;
	k.h.size = sizeof(k.h) + sizeof(k.ev);
	k.ev.seq = 7;
	k.ev.type = PCIEM_EVENT_MMIO_WRITE;
	k.ev.data = 0xdeadbeef;
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	k.h.type = PCIEM_TREC_LOST;
	k.h.size = sizeof(k.h) + sizeof(k.lost);
	k.lost.first_seq = 8;
	k.lost.last_seq = 9;
	k.lost.count = 2;
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	k.h.type = PCIEM_TREC_PAD;
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	k.h.type = 77;
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	k.h.type = PCIEM_TREC_EVENT;
	k.h.size = 20;	/* too short: refused, the writer goes on */
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), -EINVAL);
	assert_non_null(strstr(ptf_writer__error(w), "EVENT"));
	assert_int_equal(ptf_writer__close(w), 0);

	buf = slurp(path, &len);
	assert_int_equal(ptf_reader__open_mem(&r, buf, len, "mem.zst"), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.type, PTF_REC_DEVICE);
	assert_int_equal(rec.domain, 10003);
	assert_int_equal(rec.device->desc.vendor_id, 0x1b36);
	assert_int_equal(rec.device->desc.config[4095], 0xaa);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.type, PTF_REC_EVENT);
	assert_int_equal(rec.event.seq, 7);
	assert_int_equal(rec.event.data, 0xdeadbeef);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.type, PTF_REC_LOST);
	assert_int_equal(rec.lost.count, 2);
	assert_int_equal(ptf_reader__next(r, &rec), 0);
	ptf_reader__close(r);
	free(buf);
}

static void test_symbolize(void **state)
{
	struct xlist l = { 0 };
	const char *path = tpath("sym.zst");
	struct ptf_writer *w = wopen(path, 0);
	struct ptf_symbol unsorted[3] = {
		{ 0x2000, 0x10, "b" }, { 0x1000, 0x10, "a" }, { 0x3000, 0, "c" },
	};
	struct ptf_module m = { "m2", 0x1000, 0x4000, 3, unsorted };
	struct ptf_reader *r;
	struct ptf_record rec;
	char buf[128];

	(void)state;
	w_module(w, &l);
	assert_int_equal(ptf_writer__add_module(w, &m), 0);
	assert_int_equal(ptf_writer__close(w), 0);
	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_int_equal(ptf_reader__symbolize(r, DC_BASE + 0x44, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(ptf_reader__symbolize(r, DC_BASE + 0x44, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dummy_clock_irq+0x4 [dummy_clock]");
	assert_int_equal(ptf_reader__symbolize(r, DC_BASE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dummy_clock_tick+0x0 [dummy_clock]");
	assert_int_equal(ptf_reader__symbolize(r, DC_BASE + 0x210, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dummy_clock+0x210 [dummy_clock]");
	assert_int_equal(ptf_reader__symbolize(r, DC_BASE + 0x1000, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.module->syms[0].addr, 0x1000);
	assert_string_equal(rec.module->syms[2].name, "c");
	assert_int_equal(ptf_reader__symbolize(r, 0x2008, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b+0x8 [m2]");
	assert_int_equal(ptf_reader__symbolize(r, 0x3fff, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "c+0xfff [m2]");
	ptf_reader__close(r);
	xl_free(&l);
}

/* ---- DMA payloads (1.4) ------------------------------------------------------------ */

static void dma_ev(struct pciem_event *ev, uint32_t type, uint64_t seq, uint64_t len)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = seq;
	ev->type = type;
	ev->bar = PCIEM_DMA_DIR_BIDIRECTIONAL;
	ev->offset = 0x80000000 + seq * 0x1000;
	ev->data = len;
	ev->timestamp_ns = 1000 + seq * 10;
	ev->pid = 4321;
}

static void fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Round trip, dedup, and what the writer refuses. */
static void test_dma_payloads(void **state)
{
	static uint8_t a[4096], b[100], c[4096], big[PTF_PAYLOAD_MAX + 1];
	const char *path = tpath("dma.zst");
	struct ptf_writer *w = wopen(path, 0);
	struct ptf_writer_stats st;
	struct xlist l = { 0 };
	struct pciem_event ev;
	struct ptf_reader *r;
	struct ptf_summary s;
	uint32_t ida, ida2, idb, idc, id;

	(void)state;
	fill_random(a, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	memcpy(c, a, sizeof(c));
	c[4095] ^= 1;			/* the same length, one bit apart */
	w_device(w, &l, 10000);
	dma_ev(&ev, PCIEM_EVENT_DMA_MAP, 0, 1 << 20);
	ev.flags = PCIEM_EVENT_F_DMA_COHERENT;
	w_event(w, &l, 10000, &ev);
	dma_ev(&ev, PCIEM_EVENT_DMA_READ, 1, sizeof(a));
	ida = w_dma(w, &l, 10000, &ev, a);
	dma_ev(&ev, PCIEM_EVENT_DMA_WRITE, 2, sizeof(b));
	idb = w_dma(w, &l, 10000, &ev, b);
	dma_ev(&ev, PCIEM_EVENT_DMA_WRITE, 3, sizeof(a));
	ev.flags = PCIEM_EVENT_F_SAME_INSN;
	ida2 = w_dma(w, &l, 10000, &ev, a);	/* the same bytes: the same payload */
	dma_ev(&ev, PCIEM_EVENT_DMA_READ, 4, sizeof(c));
	idc = w_dma(w, &l, 10000, &ev, c);	/* other bytes: another payload */
	dma_ev(&ev, PCIEM_EVENT_DMA_READ, 5, 1 << 16);
	ev.flags = PCIEM_EVENT_F_DMA_FAULT;	/* refused: no bytes */
	w_event(w, &l, 10000, &ev);
	assert_int_equal(ida, 1);
	assert_int_equal(idb, 2);
	assert_int_equal(ida2, ida);
	assert_int_equal(idc, 3);
	ptf_writer__stats(w, &st);
	assert_int_equal(st.payloads, 3);
	assert_int_equal(st.payload_bytes, 4096 + 100 + 4096);
	assert_int_equal(st.dma_bytes, 3 * 4096 + 100);

	/* refused, and the writer goes on */
	assert_int_equal(ptf_writer__add_payload(w, a, 0, &id), -EINVAL);
	assert_int_equal(ptf_writer__add_payload(w, big, sizeof(big), &id), -EINVAL);
	assert_non_null(strstr(ptf_writer__error(w), "1048577 bytes"));
	assert_int_equal(ptf_writer__add_payload(w, big, PTF_PAYLOAD_MAX, &id), 0);
	assert_int_equal(id, 4);
	dma_ev(&ev, PCIEM_EVENT_DMA_READ, 6, 4096);
	assert_int_equal(ptf_writer__add_event_ex(w, 10000, &ev, 0, 5), -EINVAL);
	assert_non_null(strstr(ptf_writer__error(w), "payload 5"));
	assert_int_equal(ptf_writer__add_event_ex(w, 10000, &ev, 0, idb), -EINVAL);
	assert_non_null(strstr(ptf_writer__error(w), "of 100 bytes"));
	ev.type = PCIEM_EVENT_MMIO_READ;
	assert_int_equal(ptf_writer__add_event_ex(w, 10000, &ev, 0, ida), -EINVAL);
	assert_non_null(strstr(ptf_writer__error(w), "only a DMA_READ or DMA_WRITE"));
	ev.type = PCIEM_EVENT_DMA_READ;
	ev.flags = PCIEM_EVENT_F_DMA_FAULT;
	assert_int_equal(ptf_writer__add_event_ex(w, 10000, &ev, 0, ida), -EINVAL);
	assert_non_null(strstr(ptf_writer__error(w), "refused"));
	ev.flags = 0;
	ev.data = PTF_PAYLOAD_MAX;
	assert_int_equal(ptf_writer__add_event_ex(w, 10000, &ev, 0, id), 0);
	{
		struct xrec *x = xl_add(&l);

		x->type = PTF_REC_EVENT;
		x->domain = 10000;
		x->ev = ev;
		x->payload = id;
		x->paylen = PTF_PAYLOAD_MAX;
		x->pay = malloc(PTF_PAYLOAD_MAX);
		memcpy(x->pay, big, PTF_PAYLOAD_MAX);
	}
	assert_int_equal(ptf_writer__close(w), 0);

	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_null(ptf_reader__warning(r));
	check_all(r, &l);
	/* after reading: any payload read so far, from any frame */
	{
		const void *p;
		uint32_t n;

		assert_int_equal(ptf_reader__payload(r, ida, &p, &n), 0);
		assert_int_equal(n, sizeof(a));
		assert_memory_equal(p, a, sizeof(a));
		assert_int_equal(ptf_reader__payload(r, idc, &p, &n), 0);
		assert_memory_equal(p, c, sizeof(c));
		assert_int_equal(ptf_reader__payload(r, 0, &p, &n), -ENOENT);
		assert_int_equal(ptf_reader__payload(r, 5, &p, &n), -ENOENT);
		assert_null(p);
	}
	assert_int_equal(ptf_reader__summary(r, &s), 0);
	assert_true(s.complete);
	assert_true(s.payloads_known);
	assert_int_equal(s.payloads, 4);
	assert_int_equal(s.payload_bytes, 4096 + 100 + 4096 + PTF_PAYLOAD_MAX);
	assert_int_equal(s.dma_bytes, 3 * 4096 + 100 + PTF_PAYLOAD_MAX);
	check_all(r, &l);
	ptf_reader__close(r);
	xl_free(&l);
}

/* Trace-channel records that carry bytes (the kernel's DMA_READ/WRITE). */
static void test_dma_trace_rec(void **state)
{
	static struct {
		struct pciem_trace_rec h;
		struct pciem_event ev;
		uint8_t bytes[4096];
	} k;
	const char *path = tpath("dma_trec.zst");
	struct ptf_writer *w = wopen(path, 0);
	struct ptf_writer_stats st;
	struct ptf_reader *r;
	struct ptf_record rec;
	uint64_t ips[2] = { 0xffffffffc0001000ULL, 0xffffffffc0002000ULL };
	uint32_t stack;
	const void *p;
	uint32_t n;

	(void)state;
	fill_random(k.bytes, sizeof(k.bytes));
	k.h.type = PCIEM_TREC_EVENT;
	k.h.domain = 10000;
	k.h.size = sizeof(k.h) + sizeof(k.ev) + 304;	/* 300 bytes, padded to 16 */
	dma_ev(&k.ev, PCIEM_EVENT_DMA_WRITE, 0, 300);
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	/* with a stack, as pciem-record --stacks writes it */
	assert_int_equal(ptf_writer__add_stack(w, ips, 2, &stack), 0);
	k.ev.seq = 1;
	k.ev.type = PCIEM_EVENT_DMA_READ;
	assert_int_equal(ptf_writer__add_trace_rec_stack(w, &k.h, stack), 0);
	/* refused: no bytes, and none expected */
	dma_ev(&k.ev, PCIEM_EVENT_DMA_READ, 2, 8192);
	k.ev.flags = PCIEM_EVENT_F_DMA_FAULT;
	k.h.size = sizeof(k.h) + sizeof(k.ev);
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	/* too short for its bytes: refused, never read past the record (an
	 * allocation of its exact size: ASan sees an overread) */
	dma_ev(&k.ev, PCIEM_EVENT_DMA_READ, 3, 4096);
	{
		size_t sz = sizeof(k.h) + sizeof(k.ev) + 4080;
		struct pciem_trace_rec *shortrec = malloc(sz);

		assert_non_null(shortrec);
		k.h.size = (uint32_t)sz;
		memcpy(shortrec, &k, sz);
		assert_int_equal(ptf_writer__add_trace_rec(w, shortrec), -EINVAL);
		assert_non_null(strstr(ptf_writer__error(w),
				       "DMA_READ event of 4096 bytes in a record of 4160 bytes"));
		shortrec->size = sizeof(k.h) + sizeof(k.ev);
		assert_int_equal(ptf_writer__add_trace_rec_stack(w, shortrec, stack), -EINVAL);
		free(shortrec);
	}
	/* the writer goes on */
	k.h.size = sizeof(k.h) + sizeof(k.ev) + 4096;
	assert_int_equal(ptf_writer__add_trace_rec(w, &k.h), 0);
	ptf_writer__stats(w, &st);
	assert_int_equal(st.payloads, 2);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.dma_bytes, 300 + 300 + 4096);
	assert_int_equal(ptf_writer__close(w), 0);

	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.type, PCIEM_EVENT_DMA_WRITE);
	assert_int_equal(rec.payload, 1);
	assert_int_equal(rec.stack, 0);
	assert_int_equal(ptf_reader__payload(r, rec.payload, &p, &n), 0);
	assert_int_equal(n, 300);
	assert_memory_equal(p, k.bytes, 300);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.type, PCIEM_EVENT_DMA_READ);
	assert_int_equal(rec.payload, 1);	/* the same 300 bytes */
	assert_int_equal(rec.stack, stack);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.flags, PCIEM_EVENT_F_DMA_FAULT);
	assert_int_equal(rec.event.data, 8192);
	assert_int_equal(rec.payload, 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.seq, 3);
	assert_int_equal(rec.payload, 2);
	assert_int_equal(ptf_reader__payload(r, rec.payload, &p, &n), 0);
	assert_int_equal(n, 4096);
	assert_memory_equal(p, k.bytes, 4096);
	assert_int_equal(ptf_reader__next(r, &rec), 0);
	ptf_reader__close(r);
}

/* A payload defined frames before the event that names it, read in order
 * and after a seek past its frame, with and without the index. */
static void dma_far_check(struct ptf_reader *r, const uint8_t *bytes, uint64_t far_seq)
{
	struct ptf_record rec;
	const void *p;
	uint32_t n;
	int err, seen = 0;

	/* in order */
	while ((err = ptf_reader__next(r, &rec)) == 1) {
		if (rec.type != PTF_REC_EVENT || !rec.payload)
			continue;
		assert_int_equal(rec.payload, 1);
		assert_int_equal(ptf_reader__payload(r, rec.payload, &p, &n), 0);
		assert_int_equal(n, 4096);
		assert_memory_equal(p, bytes, 4096);
		seen++;
	}
	assert_int_equal(err, 0);
	assert_int_equal(seen, 2);

	/* back to it by a seek */
	assert_int_equal(ptf_reader__seek_seq(r, 10000, far_seq), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.seq, far_seq);
	assert_int_equal(rec.payload, 1);
	assert_int_equal(ptf_reader__payload(r, rec.payload, &p, &n), 0);
	assert_int_equal(n, 4096);
	assert_memory_equal(p, bytes, 4096);
}

static void test_dma_seek(void **state)
{
	static uint8_t bytes[4096];
	const char *path = tpath("dma_seek.zst");
	struct ptf_writer *w = wopen(path, 256);
	struct pciem_event ev;
	struct ptf_reader *r;
	struct ptf_record rec;
	struct ptf_index ix;
	char why[256];
	uint8_t *buf;
	size_t len;
	uint64_t far_seq = 0;
	uint32_t k, kdef = 0, kfar = 0;
	const void *p;
	uint32_t n;
	int i;

	(void)state;
	fill_random(bytes, sizeof(bytes));
	dma_ev(&ev, PCIEM_EVENT_DMA_READ, 0, sizeof(bytes));
	w_dma(w, NULL, 10000, &ev, bytes);
	for (i = 1; i < 200; i++) {
		dma_ev(&ev, PCIEM_EVENT_MMIO_WRITE, (uint64_t)i, (uint64_t)i);
		assert_int_equal(ptf_writer__add_event(w, 10000, &ev), 0);
	}
	far_seq = 200;
	dma_ev(&ev, PCIEM_EVENT_DMA_READ, far_seq, sizeof(bytes));
	assert_int_equal(w_dma(w, NULL, 10000, &ev, bytes), 1);
	assert_int_equal(ptf_writer__close(w), 0);

	buf = slurp(path, &len);
	/* where the payload and the far event are */
	assert_int_equal(ptf_index__read(buf, len, &ix, why, sizeof(why)), 1);
	for (k = 0; k < ix.nframes; k++) {
		if ((ix.frames[k].flags & PTF_FF_DMA_DATA) && !kdef)
			kdef = k;
		for (i = 0; i < ix.frames[k].ndev; i++)
			if (ix.devs[ix.frames[k].dev0 + i].max_seq == far_seq)
				kfar = k;
	}
	print_message("  payload in frame %" PRIu32 ", the event naming it in frame %" PRIu32
		      " of %" PRIu32 "\n", kdef, kfar, ix.nframes);
	assert_true(kdef >= 1 && kfar >= kdef + 3);
	ptf_index__free(&ix);

	assert_int_equal(ptf_reader__open_mem(&r, buf, len, "dma_seek.zst"), 0);
	dma_far_check(r, bytes, far_seq);
	ptf_reader__close(r);
	/* a fresh reader that seeks at once */
	assert_int_equal(ptf_reader__open_mem(&r, buf, len, "dma_seek.zst"), 0);
	assert_int_equal(ptf_reader__payload(r, 1, &p, &n), -ENOENT);
	assert_int_equal(ptf_reader__seek_seq(r, 10000, far_seq), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.payload, 1);
	assert_int_equal(ptf_reader__payload(r, 1, &p, &n), 0);
	assert_memory_equal(p, bytes, 4096);
	ptf_reader__close(r);
	/* the same without the index (damaged): frames scanned */
	buf[len - 30] ^= 0x01;
	assert_int_equal(ptf_reader__open_mem(&r, buf, len, "dma_seek_noindex.zst"), 0);
	assert_non_null(ptf_reader__warning(r));
	assert_int_equal(ptf_reader__seek_seq(r, 10000, far_seq), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(ptf_reader__payload(r, rec.payload, &p, &n), 0);
	assert_memory_equal(p, bytes, 4096);
	ptf_reader__rewind(r);
	dma_far_check(r, bytes, far_seq);
	ptf_reader__close(r);
	buf[len - 30] ^= 0x01;

	/* an index that hides the payload's frame from a seek: refused */
	assert_int_equal(ptf_index__read(buf, len, &ix, why, sizeof(why)), 1);
	assert_true(ix.frames[kdef].flags & PTF_FF_DMA_DATA);
	ix.frames[kdef].flags &= (uint16_t)~PTF_FF_DMA_DATA;
	assert_int_equal(ptf_index__size(&ix), len - (ix.frames[ix.nframes - 1].offset +
						      ix.frames[ix.nframes - 1].csize));
	ptf_index__write(&ix, buf + len - ptf_index__size(&ix));
	ptf_index__free(&ix);
	assert_int_equal(ptf_reader__open_mem(&r, buf, len, "dma_badflag.zst"), 0);
	assert_null(ptf_reader__warning(r));
	/* the seek does not read the frame: the event's reference is refused */
	assert_int_equal(ptf_reader__seek_seq(r, 10000, far_seq), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "Payload_Ref 1 names a payload not "
				"defined before it"));
	/* reading in order meets the record */
	ptf_reader__rewind(r);
	assert_int_equal(ptf_reader__next(r, &rec), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "DMA_DATA record in a frame whose index "
				"entry does not have the DMA_DATA flag"));
	ptf_reader__close(r);
	free(buf);
}

/* ---- hand-made files ------------------------------------------------------------- */

static size_t put_rec(uint8_t *p, unsigned int type, unsigned int flags, const void *c, size_t n)
{
	uint8_t *s = p;

	*p++ = (uint8_t)type;
	*p++ = (uint8_t)flags;
	p = ptf_put_varint(p, n);
	memcpy(p, c, n);
	return (size_t)(p + n - s);
}

static size_t compress_frame(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t z;

	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	z = ZSTD_compress2(c, out, cap, in, n);
	assert_false(ZSTD_isError(z));
	ZSTD_freeCCtx(c);
	return z;
}

/* frame 0 of a file: preamble (with @major), FRAME 0, a minimal HEADER */
static size_t frame0_content(uint8_t *p, unsigned int major)
{
	static const uint8_t hdr[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t fr0[] = { 0 };
	size_t n = 0;

	memcpy(p, PTF_MAGIC, 8);
	ptf_put_le16(p + 8, (uint16_t)major);
	ptf_put_le16(p + 10, 9);	/* a later minor version */
	n = 12;
	n += put_rec(p + n, PTF_T_FRAME, 0, fr0, 1);
	n += put_rec(p + n, PTF_T_HEADER, 0, hdr, sizeof(hdr));
	return n;
}

static void test_unknown_skipped(void **state)
{
	static uint8_t content[4096], file[8192];
	struct ptf_codec *codec = malloc(sizeof(*codec));
	struct pciem_event ev = { .seq = 0, .type = 2, .offset = 8, .data = 5, .size = 4,
				  .timestamp_ns = 1000, .cpu = 1, .pid = 2 };
	struct ptf_dev_state *d;
	struct ptf_reader *r;
	struct ptf_record rec;
	uint8_t junk[40], *e;
	size_t n, z;
	int len;

	(void)state;
	memset(junk, 0xa5, sizeof(junk));
	n = frame0_content(content, PTF_VERSION_MAJOR);
	n += put_rec(content + n, 0x2a, 0x80, junk, sizeof(junk));	/* unknown type */
	{
		/* 1.2: stack 1, of two frames, that the event below names */
		uint8_t st[32], *p = st;

		p = ptf_put_varint(p, 1);			/* First_Id */
		p = ptf_put_varint(p, 1);			/* Stack_Count */
		p = ptf_put_varint(p, 2);			/* Frame_Count */
		p = ptf_put_varint(p, 0xffffffffc0001234ULL);	/* First_Addr */
		p = ptf_put_varint(p, ptf_zigzag(-0x100));	/* Addr_Delta */
		n += put_rec(content + n, PTF_T_STACK_TABLE, 0, st, (size_t)(p - st));
	}
	{
		/* 1.4: payload 1, of 4 bytes, that no event names; a field of a
		 * later minor version after its bytes */
		static const uint8_t dd[] = { 1, 4, 0xde, 0xad, 0xbe, 0xef, 0x99 };

		n += put_rec(content + n, PTF_T_DMA_DATA, 0, dd, sizeof(dd));
	}
	ptf_codec__reset(codec);
	e = content + n;
	len = ptf_encode_event(codec, e, 10000, &ev, &d);
	assert_true(len > 0);
	/* a later minor version's event: Ext2 with Stack_Ref and an unknown bit,
	 * and a trailing field */
	{
		uint8_t body[64], *p = body;

		*p++ = PTF_X1_MORE;
		*p++ = PTF_X2_STACK | 0x40;
		p = ptf_put_varint(p, 1000);	/* Ts_Delta (svarint 500) */
		p = ptf_put_varint(p, 1);	/* Stack_Ref */
		*p++ = 0x77;			/* unknown trailing field */
		e[len] = PTF_EV_TAG | (e[0] & 0x78) | PTF_EV_EXT;
		e[len + 1] = (uint8_t)(p - body);
		memcpy(e + len + 2, body, (size_t)(p - body));
		len += 2 + (int)(p - body);
	}
	n += (size_t)len;
	{
		uint8_t lost[16], *p = lost;

		p = ptf_put_varint(p, 10000);
		p = ptf_put_varint(p, 1);
		p = ptf_put_varint(p, 2);
		p = ptf_put_varint(p, 2);
		*p++ = 0x55;			/* a field of a later minor version */
		n += put_rec(content + n, PTF_T_LOST, 0x02, lost, (size_t)(p - lost));
	}
	z = compress_frame(file, sizeof(file), content, n);
	assert_int_equal(ptf_reader__open_mem(&r, file, z, "unknown.zst"), 0);
	assert_non_null(ptf_reader__warning(r));	/* no footer */
	assert_int_equal(ptf_reader__header(r)->version_minor, 9);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.type, PTF_REC_EVENT);
	assert_true(ev_equal(&rec.event, &ev));
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.type, PTF_REC_EVENT);
	assert_int_equal(rec.event.seq, 1);
	assert_int_equal(rec.event.timestamp_ns, 1500);
	assert_int_equal(rec.event.data, 5);
	assert_int_equal(rec.event.offset, 8);
	assert_int_equal(rec.stack, 1);
	{
		const uint64_t *ips;
		uint32_t nips;

		assert_int_equal(ptf_reader__stack(r, 1, &ips, &nips), 0);
		assert_int_equal(nips, 2);
		assert_true(ips[0] == 0xffffffffc0001234ULL && ips[1] == 0xffffffffc0001134ULL);
		assert_int_equal(ptf_reader__stack(r, 2, &ips, &nips), -ENOENT);
	}
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.type, PTF_REC_LOST);
	assert_int_equal(rec.lost.count, 2);
	assert_int_equal(ptf_reader__next(r, &rec), 0);
	assert_non_null(strstr(ptf_reader__warning(r), "events after seq 1 of device 2710 are missing"));
	ptf_reader__close(r);

	/* the same with the Required flag on the unknown record: refused */
	n = frame0_content(content, PTF_VERSION_MAJOR);
	n += put_rec(content + n, 0x2a, PTF_RF_REQUIRED, junk, sizeof(junk));
	z = compress_frame(file, sizeof(file), content, n);
	assert_int_equal(ptf_reader__open_mem(&r, file, z, "required.zst"), 0);
	assert_int_equal(ptf_reader__next(r, &rec), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "newer reader"));
	assert_non_null(strstr(ptf_reader__error(r), "required.zst"));
	ptf_reader__close(r);
	free(codec);
}

/*
 * 1.4's payloads, by hand: each violation of the spec's rules gives
 * -EBADMSG and a message naming the file, the frame and the problem.
 */
struct dma_case {
	const char *name;
	uint64_t data_id, length;	/* of a DMA_DATA record */
	uint32_t nbytes;		/* bytes it holds */
	uint32_t type, flags;		/* of the event after it */
	uint64_t ev_data;
	uint32_t ref;			/* its Payload_Ref */
	const char *want;		/* in the message; NULL: reads fine */
};

static void dma_case_run(const struct dma_case *t)
{
	static uint8_t content[8192], file[16384];
	struct ptf_codec *codec = malloc(sizeof(*codec));
	struct pciem_event ev;
	struct ptf_dev_state *d;
	struct ptf_reader *r;
	struct ptf_record rec;
	uint8_t body[4200], *p = body;
	size_t n, z;
	int len, err;

	assert_non_null(codec);
	n = frame0_content(content, PTF_VERSION_MAJOR);
	p = ptf_put_varint(p, t->data_id);
	p = ptf_put_varint(p, t->length);
	memset(p, 0x3c, t->nbytes);
	p += t->nbytes;
	n += put_rec(content + n, PTF_T_DMA_DATA, 0, body, (size_t)(p - body));
	dma_ev(&ev, t->type, 0, t->ev_data);
	ev.flags = t->flags;
	ptf_codec__reset(codec);
	len = ptf_encode_event_ex(codec, content + n, 10000, &ev, 0, t->ref, &d);
	assert_true(len > 0);
	n += (size_t)len;
	z = compress_frame(file, sizeof(file), content, n);
	assert_int_equal(ptf_reader__open_mem(&r, file, z, "dma_bad.zst"), 0);
	err = ptf_reader__next(r, &rec);
	if (!t->want) {
		if (err != 1)
			fail_msg("%s: %s", t->name, ptf_reader__error(r));
		assert_int_equal(rec.payload, t->ref);
	} else {
		print_message("  %s: %s\n", t->name, ptf_reader__error(r));
		if (err != -EBADMSG)
			fail_msg("%s: %d, not -EBADMSG", t->name, err);
		if (!strstr(ptf_reader__error(r), t->want) ||
		    !strstr(ptf_reader__error(r), "dma_bad.zst: frame 0 (at byte 0), record at offset"))
			fail_msg("%s: message '%s' lacks '%s'", t->name, ptf_reader__error(r),
				 t->want);
	}
	ptf_reader__close(r);
	free(codec);
}

static void test_dma_corrupt(void **state)
{
	static const struct dma_case cases[] = {
		{ "valid", 1, 16, 16, PCIEM_EVENT_DMA_READ, 0, 16, 1, NULL },
		{ "undefined ref", 1, 16, 16, PCIEM_EVENT_DMA_READ, 0, 16, 2,
		  "Payload_Ref 2 names a payload not defined before it" },
		{ "id out of order", 2, 16, 16, PCIEM_EVENT_DMA_READ, 0, 16, 1,
		  "DMA_DATA: Data_Id 2, expected 1" },
		{ "length 0", 1, 0, 0, PCIEM_EVENT_DMA_READ, 0, 16, 1,
		  "DMA_DATA: Length 0 (1 to 1048576)" },
		{ "length > 1 MiB", 1, PTF_PAYLOAD_MAX + 1, 16, PCIEM_EVENT_DMA_READ, 0, 16, 1,
		  "DMA_DATA: Length 1048577 (1 to 1048576)" },
		{ "length > record", 1, 17, 16, PCIEM_EVENT_DMA_READ, 0, 16, 1,
		  "DMA_DATA: Length larger than the record" },
		{ "length != data", 1, 16, 16, PCIEM_EVENT_DMA_WRITE, 0, 15, 1,
		  "event: data of 15 bytes, but its payload 1 has 16" },
		{ "ref on MMIO", 1, 16, 16, PCIEM_EVENT_MMIO_READ, 0, 16, 1,
		  "Payload_Ref on an event of type 1 (only DMA_READ and DMA_WRITE" },
		{ "ref on a refused transfer", 1, 16, 16, PCIEM_EVENT_DMA_WRITE,
		  PCIEM_EVENT_F_DMA_FAULT, 16, 1, "Payload_Ref on a refused DMA transfer" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		dma_case_run(&cases[i]);
}

/*
 * 1.3's Device_Flags at the end of DEVICE, by hand: a DEVICE ending after
 * Config (1.0 to 1.2) reads with flags 0; one with flags (and a field of a
 * later version after them) reads them; flags above 8 bits are refused.
 * A real device's stream key is carried as its domain.
 */
static void test_device_flags(void **state)
{
	static uint8_t content[3 * 4400 + 64], file[16384], body[4400];
	const uint32_t key = PCIEM_REAL_KEY(0x12, 0x34, 0x18);
	struct ptf_reader *r;
	struct ptf_record rec;
	size_t n, z, len;
	uint8_t *p;
	int i, tail;

	(void)state;
	for (tail = 0; tail < 3; tail++) {
		p = body;
		p = ptf_put_varint(p, key);
		p = ptf_put_varint(p, 0x1b36);			/* Vendor_Id */
		p = ptf_put_varint(p, 0x0011);			/* Device_Id */
		p = ptf_put_varint(p, 0x34);			/* Bus */
		p = ptf_put_varint(p, 0x18);			/* Devfn */
		for (i = 0; i < 4; i++)				/* caps, Creator_Pid */
			*p++ = 0;
		for (i = 0; i < 6; i++) {
			p = ptf_put_varint(p, i ? 0 : 0xfebff000ULL);
			p = ptf_put_varint(p, i ? 0 : 16);
			p = ptf_put_varint(p, 0);
		}
		memset(p, 0x5a, 4096);
		p += 4096;
		len = (size_t)(p - body);
		if (tail == 1) {
			p = ptf_put_varint(p, PCIEM_TDEV_F_REAL | PCIEM_TDEV_F_IO_BAR);
			*p++ = 0x77;				/* a later field */
		} else if (tail == 2) {
			p = ptf_put_varint(p, 0x100);		/* 9 bits */
		}
		len = (size_t)(p - body);
		n = frame0_content(content, PTF_VERSION_MAJOR);
		n += put_rec(content + n, PTF_T_DEVICE, 0, body, len);
		z = compress_frame(file, sizeof(file), content, n);
		assert_int_equal(ptf_reader__open_mem(&r, file, z, "dev.zst"), 0);
		if (tail == 2) {
			assert_int_equal(ptf_reader__next(r, &rec), -EBADMSG);
			assert_non_null(strstr(ptf_reader__error(r), "bad Device_Flags"));
			ptf_reader__close(r);
			continue;
		}
		assert_int_equal(ptf_reader__next(r, &rec), 1);
		assert_int_equal(rec.type, PTF_REC_DEVICE);
		assert_true(rec.domain == key);
		assert_true(PCIEM_KEY_IS_REAL(rec.domain));
		assert_int_equal(PCIEM_KEY_REAL_DOMAIN(rec.domain), 0x12);
		assert_int_equal(PCIEM_KEY_REAL_BUS(rec.domain), 0x34);
		assert_int_equal(PCIEM_KEY_REAL_DEVFN(rec.domain), 0x18);
		assert_int_equal(rec.device->desc.vendor_id, 0x1b36);
		assert_int_equal(rec.device->desc.bars[0].size, 16);
		assert_int_equal(rec.device->desc.config[4095], 0x5a);
		assert_int_equal(rec.device->desc.flags,
				 tail ? PCIEM_TDEV_F_REAL | PCIEM_TDEV_F_IO_BAR : 0);
		assert_int_equal(ptf_reader__next(r, &rec), 0);
		ptf_reader__close(r);
	}
}

static void test_version_mismatch(void **state)
{
	static uint8_t content[256], file[1024];
	struct ptf_reader *r;
	size_t n, z;

	(void)state;
	n = frame0_content(content, 2);
	z = compress_frame(file, sizeof(file), content, n);
	assert_int_equal(ptf_reader__open_mem(&r, file, z, "v2.zst"), -EPROTONOSUPPORT);
	assert_non_null(strstr(ptf_reader__error(r), "v2.zst"));
	assert_non_null(strstr(ptf_reader__error(r), "version 2.9"));
	assert_non_null(strstr(ptf_reader__error(r), "1.0"));
	assert_non_null(strstr(ptf_reader__error(r), "newer"));
	ptf_reader__close(r);

	/* not a trace at all */
	assert_int_equal(ptf_reader__open_mem(&r, "hello, world\n", 13, "text"), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "not a PCIem trace"));
	ptf_reader__close(r);
	assert_int_equal(ptf_reader__open_mem(&r, "", 0, "empty"), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "empty"));
	ptf_reader__close(r);
	/* a zstd frame without our magic */
	z = compress_frame(file, sizeof(file), (const uint8_t *)"hello, world\n", 13);
	assert_int_equal(ptf_reader__open_mem(&r, file, z, "hello.zst"), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "bad magic"));
	ptf_reader__close(r);
	assert_int_equal(ptf_reader__open(&r, tpath("does-not-exist")), -ENOENT);
	assert_non_null(strstr(ptf_reader__error(r), "does-not-exist"));
	ptf_reader__close(r);
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(ptf_crc32(0, "123456789", 9), 0xCBF43926);
	assert_int_equal(ptf_crc32(ptf_crc32(0, "1234", 4), "56789", 5), 0xCBF43926);
	assert_int_equal(ptf_crc32(0, "", 0), 0);
}

static void test_eexist(void **state)
{
	struct ptf_writer_opts o = { 0 };
	const char *path = tpath("exists.zst");
	struct ptf_writer *w;
	struct ptf_header h;
	int fd;

	(void)state;
	fill_header(&h);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(ptf_writer__open(&w, path, &h, &o), -EEXIST);
	assert_non_null(w);
	assert_non_null(strstr(ptf_writer__error(w), "exists"));
	assert_int_equal(ptf_writer__close(w), -EEXIST);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, 4);
	}
	o.force = 1;
	assert_int_equal(ptf_writer__open(&w, path, &h, &o), 0);
	assert_int_equal(ptf_writer__close(w), 0);
	assert_int_equal(ptf_writer__close(NULL), 0);
	ptf_reader__close(NULL);
}

/* A path of 4000 characters, in directories that do not exist. */
static void long_path(char *p, size_t len)
{
	size_t n = (size_t)snprintf(p, len, "%s", tmpdir);

	for (; n < 4000; n++)
		p[n] = n % 200 ? 'a' : '/';
	p[n] = '\0';
	assert_true(n < len);
}

/* An error about a file whose name is longer than the message buffer:
 * the message keeps the reason and the name's end, within the buffer. */
static void test_long_path_errors(void **state)
{
	struct ptf_writer_opts o = { 0 };
	struct ptf_reader *r;
	struct ptf_writer *w;
	struct ptf_header h;
	char path[4100];
	const char *msg;

	(void)state;
	long_path(path, sizeof(path));
	assert_int_equal(strlen(path), 4000);
	fill_header(&h);
	assert_int_equal(ptf_writer__open(&w, path, &h, &o), -ENOENT);
	msg = ptf_writer__error(w);
	assert_true(strlen(msg) < 600);
	assert_non_null(strstr(msg, "aaa: cannot create: No such file or directory"));
	assert_memory_equal(msg, "...", 3);
	assert_int_equal(ptf_writer__close(w), -ENOENT);

	assert_int_equal(ptf_reader__open(&r, path), -ENOENT);
	msg = ptf_reader__error(r);
	assert_true(strlen(msg) < 700);
	assert_non_null(strstr(msg, "aaa: No such file or directory"));
	assert_memory_equal(msg, "...", 3);
	ptf_reader__close(r);

	/* a name that fits is shown whole */
	assert_int_equal(ptf_reader__open(&r, "/nonexistent/t.zst"), -ENOENT);
	assert_string_equal(ptf_reader__error(r), "/nonexistent/t.zst: No such file or directory");
	ptf_reader__close(r);
}

/* A trace holds kernel addresses: created 0600 whatever the umask, an
 * overwritten file made 0600, a non-regular file left as it is. */
static void test_private_mode(void **state)
{
	struct ptf_writer_opts o = { 0 };
	const char *path = tpath("private.zst");
	const char *fifo = tpath("private.fifo");
	struct ptf_writer *w;
	struct ptf_header h;
	struct stat st;
	mode_t old = umask(0);
	int fd;

	(void)state;
	fill_header(&h);
	/* created, then overwritten after a chmod 0644 */
	for (o.force = 0; o.force < 2; o.force++) {
		if (o.force)
			assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(ptf_writer__open(&w, path, &h, &o), 0);
		assert_int_equal(ptf_writer__close(w), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}

	assert_int_equal(mkfifo(fifo, 0644), 0);
	fd = ptf_open_private(fifo, O_RDWR | O_CREAT);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(fifo, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(ptf_open_private(tpath("no/such/dir"), O_WRONLY | O_CREAT), -1);
	assert_int_equal(errno, ENOENT);
	umask(old);
}

/* ---- seeking ---------------------------------------------------------------------- */

#define SEEK_EVENTS 20000

static void seek_file(const char *path, struct xlist *l)
{
	struct ptf_writer *w = wopen(path, 2048);
	struct pciem_event ev;
	int i;

	w_module(w, l);
	w_device(w, l, 10000);
	w_device(w, l, 10001);
	for (i = 0; i < SEEK_EVENTS; i++) {
		uint32_t dom = 10000 + (uint32_t)(i % 2);

		memset(&ev, 0, sizeof(ev));
		/* device 10000: seq 0, 2, 4 ...; 10001: 100000 + i/2 */
		ev.seq = dom == 10000 ? (uint64_t)i : 100000 + (uint64_t)i / 2;
		ev.type = PCIEM_EVENT_MMIO_WRITE;
		ev.data = (uint64_t)i;
		ev.size = 4;
		ev.timestamp_ns = 1000000 + (uint64_t)i * 1000;
		ev.ip = 0xffffffffc0a00010ULL;
		w_event(w, l, dom, &ev);
	}
	assert_int_equal(ptf_writer__close(w), 0);
}

static void check_seeks(struct ptf_reader *r)
{
	struct ptf_record rec;
	char buf[128];
	int i;

	/* by seq, in both devices, forwards and backwards */
	static const uint64_t seqs[] = { 5000, 4, 0, 19998, 7777, 12345, 1 };

	for (i = 0; i < (int)(sizeof(seqs) / sizeof(seqs[0])); i++) {
		uint64_t want = seqs[i] + (seqs[i] & 1);	/* device 10000 has even seqs */

		assert_int_equal(ptf_reader__seek_seq(r, 10000, seqs[i]), 0);
		assert_int_equal(ptf_reader__next(r, &rec), 1);
		assert_int_equal(rec.type, PTF_REC_EVENT);
		assert_int_equal(rec.domain, 10000);
		assert_int_equal(rec.event.seq, want);
		assert_int_equal(rec.event.data, want);
		/* the one after it */
		assert_int_equal(ptf_reader__next(r, &rec), 1);
		assert_int_equal(rec.domain, 10001);
		assert_int_equal(rec.event.seq, 100000 + want / 2);
		/* devices and modules of skipped frames are known */
		assert_non_null(ptf_reader__device(r, 10001));
		assert_int_equal(ptf_reader__symbolize(r, DC_BASE + 0x10, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "dummy_clock_tick+0x10 [dummy_clock]");
	}
	assert_int_equal(ptf_reader__seek_seq(r, 10001, 100000 + 3333), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.domain, 10001);
	assert_int_equal(rec.event.data, 3333 * 2 + 1);
	assert_int_equal(ptf_reader__seek_seq(r, 10000, 20000), -ENOENT);
	assert_int_equal(ptf_reader__next(r, &rec), 0);
	assert_int_equal(ptf_reader__seek_seq(r, 4711, 0), -ENOENT);

	/* by time */
	assert_int_equal(ptf_reader__seek_time(r, 1000000 + 12345 * 1000 - 1), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.data, 12345);
	assert_int_equal(ptf_reader__seek_time(r, 0), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.data, 0);
	assert_int_equal(ptf_reader__seek_time(r, 1000000 + 19999 * 1000), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.data, 19999);
	assert_int_equal(ptf_reader__next(r, &rec), 0);
	assert_int_equal(ptf_reader__seek_time(r, UINT64_MAX), -ENOENT);
}

static void test_seek(void **state)
{
	const char *path = tpath("seek.zst");
	const struct ptf_frame_info *fr;
	struct xlist l = { 0 };
	struct ptf_index ix;
	char why[256];
	struct ptf_reader *r;
	struct ptf_record rec;
	struct ptf_summary s;
	uint8_t *buf;
	size_t len, cut;
	int n;

	(void)state;
	seek_file(path, &l);
	assert_int_equal(ptf_reader__open(&r, path), 0);
	check_seeks(r);
	ptf_reader__close(r);

	/* without the index: the file cut in its last quarter */
	buf = slurp(path, &len);
	/* with a damaged index: frames scanned, same answers */
	buf[len - 30] ^= 0x01;
	assert_int_equal(ptf_reader__open_mem(&r, buf, len, "damaged-index.zst"), 0);
	assert_non_null(ptf_reader__warning(r));
	assert_non_null(strstr(ptf_reader__warning(r), "index"));
	check_seeks(r);
	assert_int_equal(ptf_reader__summary(r, &s), 0);
	assert_false(s.complete);
	assert_int_equal(s.events, SEEK_EVENTS);
	ptf_reader__close(r);
	buf[len - 30] ^= 0x01;

	/* in the middle of a frame three quarters into the data */
	assert_int_equal(ptf_index__read(buf, len, &ix, why, sizeof(why)), 1);
	fr = &ix.frames[ix.nframes * 3 / 4];
	cut = fr->offset + fr->csize / 2;
	ptf_index__free(&ix);
	assert_int_equal(ptf_reader__open_mem(&r, buf, cut, "cut.zst"), 0);
	print_message("  %s\n", ptf_reader__warning(r));
	assert_non_null(strstr(ptf_reader__warning(r), "ends inside frame"));
	assert_non_null(strstr(ptf_reader__warning(r), "no footer"));
	assert_int_equal(ptf_reader__seek_seq(r, 10000, 5000), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.seq, 5000);
	assert_int_equal(ptf_reader__seek_time(r, 1000000 + 3000 * 1000), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.data, 3000);
	assert_int_equal(ptf_reader__seek_seq(r, 10000, 19998), -ENOENT);
	assert_int_equal(ptf_reader__summary(r, &s), 0);
	assert_false(s.complete);
	assert_true(s.events > SEEK_EVENTS / 2 && s.events < SEEK_EVENTS);
	assert_true(s.trailing_bytes > 0);
	/* reading it all says what is missing */
	n = 0;
	while (ptf_reader__next(r, &rec) == 1)
		n++;
	assert_int_equal((uint64_t)n, s.records);
	assert_non_null(strstr(ptf_reader__warning(r), "are missing"));
	print_message("  cut file: %s\n", ptf_reader__warning(r));
	ptf_reader__close(r);
	free(buf);
	xl_free(&l);
}

/* ---- truncation and corruption ----------------------------------------------------- */

static uint8_t *small_file(struct xlist *l, size_t *len, struct ptf_index *ix)
{
	const char *path = tpath("small.zst");
	struct ptf_writer *w = wopen(path, 200);
	struct pciem_event ev;
	char why[256];
	uint8_t *buf;
	int i;

	w_device(w, l, 10000);
	w_driver(w, l, 10000, "dummy_clock");
	for (i = 0; i < 120; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = (uint64_t)i;
		ev.type = i % 2 ? PCIEM_EVENT_MMIO_READ : PCIEM_EVENT_MMIO_WRITE;
		ev.offset = i % 2 ? 8 : 0;
		ev.data = i % 2 ? (uint64_t)i / 2 : 1;
		ev.size = 4;
		ev.timestamp_ns = 5000 + (uint64_t)i * 2100 + rnd() % 400;
		ev.ip = 0xffffffffc0a00010ULL;
		ev.pid = 77;
		w_event(w, l, 10000, &ev);
		if (i == 60)
			w_lost(w, l, 10000, 61, 61, 1);
		if (i == 80)
			w_module(w, l);
		if (i == 30 || i == 90) {
			/* 1.4: the same 24 bytes twice, frames apart */
			static const char bytes[] = "DMA payload of 24 bytes";

			memset(&ev, 0, sizeof(ev));
			ev.seq = 1000 + (uint64_t)i;
			ev.type = PCIEM_EVENT_DMA_WRITE;
			ev.offset = 0x80001000;
			ev.data = sizeof(bytes);
			ev.timestamp_ns = 5000 + (uint64_t)i * 2100 + 1;
			ev.pid = 78;
			w_dma(w, l, 10000, &ev, bytes);
		}
	}
	assert_int_equal(ptf_writer__close(w), 0);
	buf = slurp(path, len);
	assert_int_equal(ptf_index__read(buf, *len, ix, why, sizeof(why)), 1);
	return buf;
}

static void test_truncate_every_byte(void **state)
{
	struct xlist l = { 0 };
	struct ptf_index ix;
	struct ptf_record rec;
	size_t len, cut;
	uint8_t *buf;

	(void)state;
	buf = small_file(&l, &len, &ix);
	print_message("  %zu bytes, %" PRIu32 " frames\n", len, ix.nframes);
	assert_true(ix.nframes >= 5);
	for (cut = 0; cut <= len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);	/* exact size: ASan sees overreads */
		struct ptf_reader *r;
		struct ptf_summary s;
		size_t expect = 0, n = 0;
		uint32_t k;
		int err;

		memcpy(copy, buf, cut);
		for (k = 0; k < ix.nframes; k++)
			if (ix.frames[k].offset + ix.frames[k].csize <= cut)
				expect += ix.frames[k].records;
		err = ptf_reader__open_mem(&r, copy, cut, "cut.zst");
		if (err) {
			/* only when frame 0 is incomplete */
			if (cut >= ix.frames[0].csize)
				fail_msg("cut at %zu: %s", cut, ptf_reader__error(r));
			assert_non_null(strstr(ptf_reader__error(r), "cut.zst: "));
			ptf_reader__close(r);
			free(copy);
			continue;
		}
		while ((err = ptf_reader__next(r, &rec)) == 1) {
			if (n >= l.n || !rec_equal(&l.v[n], &rec))
				fail_msg("cut at %zu: record %zu differs", cut, n);
			n++;
		}
		if (err)
			fail_msg("cut at %zu: %s", cut, ptf_reader__error(r));
		if (n != expect)
			fail_msg("cut at %zu: %zu records, expected %zu", cut, n, expect);
		if (cut < len && !ptf_reader__warning(r))
			fail_msg("cut at %zu: no warning", cut);
		if (cut == len && ptf_reader__warning(r))
			fail_msg("whole file: warning %s", ptf_reader__warning(r));
		assert_int_equal(ptf_reader__summary(r, &s), 0);
		assert_int_equal(s.records, expect);
		assert_int_equal(s.complete, cut == len);
		ptf_reader__close(r);
		free(copy);
	}
	ptf_index__free(&ix);
	free(buf);
	xl_free(&l);
}

/* Every byte flipped: an error, or exactly the right records. */
static void test_corrupt_every_byte(void **state)
{
	struct xlist l = { 0 };
	struct ptf_index ix;
	size_t len, i;
	unsigned int nerr = 0, nwarn = 0;
	uint8_t *buf;

	(void)state;
	buf = small_file(&l, &len, &ix);
	for (i = 0; i < len; i++) {
		static const uint8_t flips[] = { 0x01, 0x80, 0xff };
		int f;

		for (f = 0; f < 3; f++) {
			struct ptf_reader *r;
			struct ptf_record rec;
			struct ptf_summary s;
			size_t n = 0;
			int err;

			buf[i] ^= flips[f];
			err = ptf_reader__open_mem(&r, buf, len, "flip.zst");
			if (!err) {
				while ((err = ptf_reader__next(r, &rec)) == 1) {
					if (n >= l.n || !rec_equal(&l.v[n], &rec))
						fail_msg("byte %zu ^ 0x%02x: record %zu silently wrong",
							 i, flips[f], n);
					if (rec.type == PTF_REC_EVENT &&
					    !payload_equal(r, &l.v[n], &rec))
						fail_msg("byte %zu ^ 0x%02x: record %zu: payload "
							 "silently wrong", i, flips[f], n);
					n++;
				}
			}
			if (err) {
				if (!strstr(ptf_reader__error(r), "flip.zst: "))
					fail_msg("byte %zu: error %d, message '%s'", i, err,
						 ptf_reader__error(r));
				nerr++;
			} else if (n != l.n) {
				if (!ptf_reader__warning(r))
					fail_msg("byte %zu ^ 0x%02x: %zu of %zu records, silently", i,
						 flips[f], n, l.n);
				nwarn++;
			}
			if (!err) {
				/* summary and seeks must not crash either */
				ptf_reader__summary(r, &s);
				ptf_reader__seek_seq(r, 10000, 50);
				ptf_reader__seek_time(r, 100000);
			}
			ptf_reader__close(r);
			buf[i] ^= flips[f];
		}
	}
	print_message("  %zu bytes x 3 flips: %u errors, %u warned short reads\n", len, nerr, nwarn);
	assert_true(nerr > len);
	ptf_index__free(&ix);
	free(buf);
	xl_free(&l);
}

/* ---- disk full --------------------------------------------------------------------- */

static void disk_full_events(struct ptf_writer *w, struct xlist *l, int n)
{
	struct pciem_event ev;
	int i;

	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = (uint64_t)i;
		ev.type = PCIEM_EVENT_MMIO_READ;
		ev.offset = (uint64_t)(i % 64) * 8;
		ev.data = (uint64_t)i * 0x9E3779B97F4A7C15ULL;	/* does not compress */
		ev.size = 8;
		ev.timestamp_ns = (uint64_t)i * 1000;
		if (!w) {
			struct xrec *x = xl_add(l);

			x->type = PTF_REC_EVENT;
			x->domain = 10000;
			x->ev = ev;
		} else if (ptf_writer__add_event(w, 10000, &ev)) {
			return;
		}
	}
}

static void test_disk_full(void **state)
{
	const char *path = tpath("full.zst");
	struct xlist l = { 0 };
	struct ptf_reader *r;
	struct ptf_record rec;
	struct stat st;
	size_t n = 0;
	int status, err;
	pid_t pid;

	(void)state;
	unlink(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 50000, 50000 };
		struct ptf_writer *w;
		int e;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		w = wopen(path, 4096);
		disk_full_events(w, NULL, 100000);
		e = ptf_writer__add_event(w, 10000, &(struct pciem_event){ 0 });
		if (e != -EFBIG) {
			fprintf(stderr, "expected EFBIG, got %d\n", e);
			_exit(11);
		}
		if (!strstr(ptf_writer__error(w), "cut back") ||
		    !strstr(ptf_writer__error(w), "stays readable")) {
			fprintf(stderr, "message: %s\n", ptf_writer__error(w));
			_exit(12);
		}
		fprintf(stderr, "  child: %s\n", ptf_writer__error(w));
		if (ptf_writer__flush(w) != -EFBIG || ptf_writer__close(w) != -EFBIG)
			_exit(13);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 50000 && st.st_size > 20000);

	disk_full_events(NULL, &l, 100000);
	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_non_null(ptf_reader__warning(r));
	while ((err = ptf_reader__next(r, &rec)) == 1) {
		assert_true(n < l.n);
		assert_true(rec_equal(&l.v[n], &rec));
		n++;
	}
	assert_int_equal(err, 0);
	assert_true(n > 1000);
	/* the file ends on a frame boundary: nothing trailing */
	assert_null(strstr(ptf_reader__warning(r), "inside"));
	print_message("  %zu events readable; %s\n", n, ptf_reader__warning(r));
	ptf_reader__close(r);
	xl_free(&l);
}

/* ---- the zstd command-line tool ------------------------------------------------------ */

static char *run(const char *fmt, ...)
{
	static char out[8192];
	char cmd[1024];
	va_list ap;
	size_t n;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	if (pclose(p) != 0)
		fail_msg("'%s' failed: %s", cmd, out);
	return out;
}

static void test_zstd_cli(void **state)
{
	const char *path = tpath("cli.zst"), *raw = tpath("cli.raw");
	struct xlist l = { 0 };
	struct ptf_index ix;
	uint64_t total = 0;
	uint8_t *buf, *dec, *cat;
	char why[256], *out, *line;
	size_t len, dlen, pos = 0;
	uint32_t k;

	(void)state;
	write_everything(path, &l, 2000);
	buf = slurp(path, &len);
	assert_int_equal(ptf_index__read(buf, len, &ix, why, sizeof(why)), 1);
	for (k = 0; k < ix.nframes; k++)
		total += ix.frames[k].dsize;

	run("zstd -q -t %s 2>&1", path);
	out = run("zstd -l %s 2>&1", path);
	print_message("%s", out);
	/* "Frames  Skips  Compressed  Uncompressed  Ratio  Check  Filename" */
	line = strstr(out, "\n");
	assert_non_null(line);
	{
		unsigned int frames = 0, skips = 0;

		assert_int_equal(sscanf(line + 1, "%u %u", &frames, &skips), 2);
		/* zstd counts the skippable frames among the frames */
		assert_int_equal(frames, ix.nframes + 2);
		assert_int_equal(skips, 2);	/* the index and the seek table */
		assert_non_null(strstr(line, "XXH64"));
	}
	run("zstd -q -d -f -o %s %s 2>&1", raw, path);

	dec = slurp(raw, &dlen);
	assert_int_equal(dlen, total);
	assert_memory_equal(dec, PTF_MAGIC, 8);
	/* and byte for byte the frames' contents, concatenated */
	cat = malloc(total + 1);
	for (k = 0; k < ix.nframes; k++) {
		size_t n = ZSTD_decompress(cat + pos, total - pos, buf + ix.frames[k].offset,
					   ix.frames[k].csize);

		assert_false(ZSTD_isError(n));
		assert_int_equal(n, ix.frames[k].dsize);
		pos += n;
	}
	assert_memory_equal(cat, dec, total);
	print_message("  %" PRIu32 " frames, %zu bytes -> %" PRIu64 " bytes of records\n",
		      ix.nframes, len, total);
	free(cat);
	free(dec);
	free(buf);
	ptf_index__free(&ix);
	xl_free(&l);
}

/* ---- a random workload at scale ------------------------------------------------------ */

static void test_random_large(void **state)
{
	const char *path = tpath("large.zst");
	struct xlist l = { 0 };
	struct ptf_writer *w = wopen(path, 0);
	struct ptf_writer_stats st;
	struct ptf_reader *r;
	struct pciem_event ev;
	uint64_t seq[300] = { 0 };
	int i;

	(void)state;
	/* 300 devices: more than one frame can select, so frames end early */
	for (i = 0; i < 200000; i++) {
		uint32_t dom = (uint32_t)(i < 100000 ? rnd() % 3 : rnd() % 300);

		memset(&ev, 0, sizeof(ev));
		ev.seq = seq[dom]++;
		ev.type = (uint32_t)(1 + rnd() % 6);
		ev.bar = (uint32_t)(rnd() % 2);
		ev.offset = (rnd() % 40) * 4;
		ev.data = rnd() >> (rnd() % 64);
		ev.size = 4;
		ev.timestamp_ns = (uint64_t)i * 3000 + rnd() % 3000;
		ev.ip = 0xffffffffc0a00000ULL + (rnd() % 8) * 16;
		ev.cpu = (uint32_t)(rnd() % 2);
		ev.pid = 100 + (uint32_t)(rnd() % 2);
		w_event(w, &l, dom, &ev);
	}
	ptf_writer__stats(w, &st);
	assert_int_equal(st.events, 200000);
	assert_true(st.raw_bytes > 0);
	assert_int_equal(ptf_writer__close(w), 0);
	assert_int_equal(ptf_reader__open(&r, path), 0);
	check_all(r, &l);
	ptf_reader__close(r);
	xl_free(&l);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_trace_rec),
		cmocka_unit_test(test_symbolize),
		cmocka_unit_test(test_dma_payloads),
		cmocka_unit_test(test_dma_trace_rec),
		cmocka_unit_test(test_dma_seek),
		cmocka_unit_test(test_dma_corrupt),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_device_flags),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_eexist),
		cmocka_unit_test(test_seek),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_corrupt_every_byte),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_zstd_cli),
		cmocka_unit_test(test_random_large),
		cmocka_unit_test(test_private_mode),
		cmocka_unit_test(test_long_path_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
