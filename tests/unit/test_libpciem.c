// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/libpciem: the ring consumer and address helpers. */
#include <errno.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pciem.h"

/* A producer that follows the kernel's rules (one slot stays free). */
static int produce(struct pciem_shared_ring *r, uint32_t *tail, uint64_t seq)
{
	uint32_t next = (*tail + 1) % PCIEM_RING_SIZE;

	if (next == atomic_load(&r->head)) {
		r->lost++;
		return 0;
	}
	memset(&r->events[*tail], 0, sizeof(r->events[0]));
	r->events[*tail].seq = seq;
	r->events[*tail].type = PCIEM_EVENT_MMIO_WRITE;
	*tail = next;
	atomic_store(&r->tail, next);
	return 1;
}

static struct pciem_shared_ring *new_ring(void)
{
	struct pciem_shared_ring *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static void test_empty_ring(void **state)
{
	struct pciem_shared_ring *r = new_ring();
	struct pciem_event ev;

	(void)state;
	assert_int_equal(pciem_ring_pop(r, &ev), 0);
	assert_int_equal(pciem_ring_lost(r), 0);
	free(r);
}

static void test_order_and_wrap(void **state)
{
	struct pciem_shared_ring *r = new_ring();
	struct pciem_event ev;
	uint32_t tail = 0;
	uint64_t next_in = 0, next_out = 0;
	int round;

	(void)state;
	/* push and pop in uneven batches across several wraps */
	for (round = 0; round < 50; round++) {
		int n = (round * 37) % 300 + 1, i;

		for (i = 0; i < n; i++)
			if (produce(r, &tail, next_in))
				next_in++;
		while (pciem_ring_pop(r, &ev) == 1) {
			assert_int_equal(ev.seq, next_out);
			next_out++;
		}
	}
	assert_int_equal(next_in, next_out);
	assert_true(next_out > 3 * PCIEM_RING_SIZE);
	assert_int_equal(pciem_ring_lost(r), 0);
	free(r);
}

static void test_full_ring_counts_losses(void **state)
{
	struct pciem_shared_ring *r = new_ring();
	struct pciem_event ev;
	uint32_t tail = 0;
	int i, got = 0;

	(void)state;
	for (i = 0; i < PCIEM_RING_SIZE + 10; i++)
		produce(r, &tail, i);
	assert_int_equal(pciem_ring_lost(r), 11);
	while (pciem_ring_pop(r, &ev) == 1)
		assert_int_equal(ev.seq, got++);
	assert_int_equal(got, PCIEM_RING_SIZE - 1);
	free(r);
}

static void test_corrupt_indices(void **state)
{
	struct pciem_shared_ring *r = new_ring();
	struct pciem_event ev;

	(void)state;
	atomic_store(&r->tail, PCIEM_RING_SIZE + 5);
	errno = 0;
	assert_int_equal(pciem_ring_pop(r, &ev), -1);
	assert_int_equal(errno, EPROTO);
	atomic_store(&r->tail, 1);
	atomic_store(&r->head, 0xffffffffu);
	assert_int_equal(pciem_ring_pop(r, &ev), -1);
	free(r);
}

static void test_format_event(void **state)
{
	struct pciem_event ev = { .seq = 12, .type = PCIEM_EVENT_MMIO_WRITE, .bar = 0,
				  .offset = 8, .size = 4, .data = 1 };
	char buf[128];

	(void)state;
	pciem_event_format(buf, sizeof(buf), &ev);
	assert_string_equal(buf, "#12 MMIO_WRITE bar0+0x8 4 bytes 0x1");
	ev.type = PCIEM_EVENT_WATCHPOINT;
	ev.flags = PCIEM_EVENT_F_WRITE;
	pciem_event_format(buf, sizeof(buf), &ev);
	assert_string_equal(buf, "#12 WATCHPOINT write bar0+0x8 4 bytes 0x1");
	ev.type = PCIEM_EVENT_CONFIG_WRITE;
	ev.offset = 0x44;
	pciem_event_format(buf, sizeof(buf), &ev);
	assert_string_equal(buf, "#12 CONFIG_WRITE cfg+0x44 4 bytes 0x1");
	assert_string_equal(pciem_event_type_name(PCIEM_EVENT_UNSUPPORTED), "UNSUPPORTED");
	assert_string_equal(pciem_event_type_name(PCIEM_EVENT_MMIO_READ), "MMIO_READ");
	assert_string_equal(pciem_event_type_name(99), "UNKNOWN");
}

static void test_address_roundtrip(void **state)
{
	struct pciem_device_info info = { .domain = 0x10003, .bus = 0, .devfn = (0x1f << 3) | 7 };
	uint32_t domain;
	uint8_t bus, devfn;
	char buf[32];

	(void)state;
	pciem_format_address(buf, sizeof(buf), &info);
	assert_string_equal(buf, "10003:00:1f.7");
	assert_int_equal(pciem_parse_address(buf, &domain, &bus, &devfn), 0);
	assert_int_equal(domain, 0x10003);
	assert_int_equal(bus, 0);
	assert_int_equal(devfn, info.devfn);
	assert_int_equal(pciem_parse_address("02:03.1", &domain, &bus, &devfn), 0);
	assert_int_equal(domain, 0);
	assert_int_equal(bus, 2);
	assert_int_equal(devfn, (3 << 3) | 1);
}

static void test_address_rejects(void **state)
{
	static const char *const bad[] = {
		"", "0000", "0000:00", "00:20.0", "00:00.8", "100:00.0", "0000:00:00.",
		"x:00:00.0", "0000:00:00.0 ", "-1:00:00.0", "0000::00.0",
	};
	uint32_t domain;
	uint8_t bus, devfn;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(pciem_parse_address(bad[i], &domain, &bus, &devfn), -1);
		assert_int_equal(errno, EINVAL);
	}
}

/* ---- the recorder ring reader -------------------------------------------- */

#define TR_SIZE 1024

struct fake_trace {
	uint8_t page[4096 + TR_SIZE];
	uint64_t tail;
};

static struct pciem_trace_header *fhdr(struct fake_trace *t)
{
	return (struct pciem_trace_header *)t->page;
}

static void ft_init(struct fake_trace *t)
{
	memset(t, 0, sizeof(*t));
	fhdr(t)->header_size = 4096;
	fhdr(t)->data_size = TR_SIZE;
}

/* The kernel's rules: 16-byte aligned records, a PAD record at the end if needed. */
static int ft_put(struct fake_trace *t, uint16_t type, uint32_t tag, size_t len)
{
	uint8_t *data = t->page + 4096;
	uint64_t need = (sizeof(struct pciem_trace_rec) + len + 15) & ~15ULL;
	uint64_t pos = t->tail % TR_SIZE, to_end = TR_SIZE - pos;
	uint64_t total = to_end < need ? need + to_end : need;
	struct pciem_trace_rec h = { .type = type, .domain = tag };

	if (TR_SIZE - (t->tail - fhdr(t)->head) < total)
		return 0;
	if (to_end < need) {
		struct pciem_trace_rec pad = { .size = to_end, .type = PCIEM_TREC_PAD };

		memcpy(data + pos, &pad, sizeof(pad));
		t->tail += to_end;
		pos = 0;
	}
	h.size = need;
	memcpy(data + pos, &h, sizeof(h));
	memset(data + pos + sizeof(h), 0xab, len);
	t->tail += need;
	__atomic_store_n(&fhdr(t)->tail, t->tail, __ATOMIC_RELEASE);
	return 1;
}

static void test_trace_reader_order(void **state)
{
	struct fake_trace *t = malloc(sizeof(*t));
	struct pciem_trace_reader r;
	const struct pciem_trace_rec *rec;
	uint32_t in = 0, out = 0;
	int round;

	(void)state;
	ft_init(t);
	assert_int_equal(pciem_trace_reader_init(&r, t->page, sizeof(t->page)), 0);
	assert_int_equal(pciem_trace_next(&r, &rec), 0);
	for (round = 0; round < 200; round++) {
		/* varied sizes force PAD records at the end of the ring */
		while (ft_put(t, PCIEM_TREC_EVENT, in, 8 + (in * 24) % 200))
			in++;
		while (pciem_trace_next(&r, &rec) == 1) {
			assert_int_equal(rec->type, PCIEM_TREC_EVENT);
			assert_int_equal(rec->domain, out);
			out++;
		}
		pciem_trace_done(&r);
		assert_int_equal(fhdr(t)->head, t->tail);
	}
	assert_int_equal(in, out);
	assert_true(out > 1000);
	free(t);
}

static void test_trace_reader_rejects(void **state)
{
	struct fake_trace *t = malloc(sizeof(*t));
	struct pciem_trace_reader r;
	const struct pciem_trace_rec *rec;
	struct pciem_trace_rec *first = (struct pciem_trace_rec *)(t->page + 4096);

	(void)state;
	ft_init(t);
	fhdr(t)->data_size = 1000;	/* not a power of two */
	assert_int_equal(pciem_trace_reader_init(&r, t->page, sizeof(t->page)), -1);
	fhdr(t)->data_size = 1ULL << 40;	/* larger than the mapping */
	assert_int_equal(pciem_trace_reader_init(&r, t->page, sizeof(t->page)), -1);
	ft_init(t);
	assert_int_equal(pciem_trace_reader_init(&r, t->page, sizeof(t->page)), 0);
	ft_put(t, PCIEM_TREC_EVENT, 1, 64);
	first->size = 24;	/* not a multiple of 16 */
	errno = 0;
	assert_int_equal(pciem_trace_next(&r, &rec), -1);
	assert_int_equal(errno, EPROTO);
	first->size = 4096;	/* beyond the ring */
	assert_int_equal(pciem_trace_next(&r, &rec), -1);
	first->size = 80;
	__atomic_store_n(&fhdr(t)->tail, 5000, __ATOMIC_RELEASE);	/* tail too far */
	assert_int_equal(pciem_trace_next(&r, &rec), -1);
	free(t);
}

/* A divergence's driver function, from the kernel's "%pS" of its ip. */
static void test_divergence_symbol(void **state)
{
	struct pciem_replay_divergence d = { .actual = { .ip = 0xffffffffc021f2a7ULL } };
	char buf[64];

	(void)state;
	strcpy(d.symbol, "dummy_clock_irq+0x27/0x60 [dummy_clock]");
	assert_int_equal(pciem_divergence_symbol(buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "dummy_clock_irq+0x27 [dummy_clock]");
	strcpy(d.symbol, "pci_bus_write_config_word+0x1c/0x50");
	assert_int_equal(pciem_divergence_symbol(buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "pci_bus_write_config_word+0x1c");
	/* not named by the kernel: the address */
	strcpy(d.symbol, "0xffffffffc021f2a7");
	assert_int_equal(pciem_divergence_symbol(buf, sizeof(buf), &d), -1);
	assert_string_equal(buf, "0xffffffffc021f2a7");
	d.symbol[0] = 0;
	assert_int_equal(pciem_divergence_symbol(buf, sizeof(buf), &d), -1);
	assert_string_equal(buf, "0xffffffffc021f2a7");
	d.actual.ip = 0;
	assert_int_equal(pciem_divergence_symbol(buf, sizeof(buf), &d), -1);
	assert_string_equal(buf, "");
	/* a name filling the field, without a NUL: cut, never overread */
	memset(d.symbol, 'a', sizeof(d.symbol));
	assert_int_equal(pciem_divergence_symbol(buf, sizeof(buf), &d), 0);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_ring),
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_full_ring_counts_losses),
		cmocka_unit_test(test_corrupt_indices),
		cmocka_unit_test(test_format_event),
		cmocka_unit_test(test_address_roundtrip),
		cmocka_unit_test(test_address_rejects),
		cmocka_unit_test(test_trace_reader_order),
		cmocka_unit_test(test_trace_reader_rejects),
		cmocka_unit_test(test_divergence_symbol),
	};

	return cmocka_run_group_tests_name("libpciem", tests, NULL, NULL);
}
