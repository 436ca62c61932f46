// SPDX-License-Identifier: GPL-2.0
/*
 * Call stacks (issue 12), on the host:
 *  - format 1.2's STACK_TABLE codec through libptf: each distinct stack
 *    stored once, events referring to it across frames, after a seek,
 *    the footer's counts, a reference to an undefined stack refused by
 *    the writer and, in a file made by hand, by the reader;
 *  - pciem-record's join of stacks to events by (domain, seq): out of
 *    order, two devices with the same seq, eviction of stacks whose event
 *    never comes, replacement;
 *  - the core kernel's symbols from a fake /proc/kallsyms (hidden
 *    addresses refused), and the trimming of the trap machinery for an
 *    MMIO trap (page fault), a watchpoint (#DB), a config access, an
 *    interrupt injection, and a driver whose fault handler makes a config
 *    access (an exception that is not pciem's is kept).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zstd.h>

#include "ptf.h"
#include "ptf_codec.h"
#include "stack_join.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_stacks.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- the codec ---------------------------------------------------------- */

static const uint64_t st_a[] = { 0xffffffffc0a01234ULL, 0xffffffffc0a01000ULL,
				 0xffffffff81200000ULL };
static const uint64_t st_b[] = { 0xffffffff81400010ULL };
static const uint64_t st_c[] = { 0xffffffffc0a01234ULL, 0xffffffffc0a01000ULL };

static void test_codec(void **state)
{
	struct ptf_writer_opts o = { .frame_bytes = 256 };
	struct ptf_header h = { .clock = "CLOCK_MONOTONIC", .flags = PTF_HDR_F_STACKS };
	struct ptf_writer *w;
	struct ptf_reader *r;
	struct ptf_record rec;
	struct ptf_summary sum;
	const uint64_t *ips;
	uint32_t a, b, c, a2, n, i, want[200];
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/codec.zst", dir);
	assert_int_equal(ptf_writer__open(&w, path, &h, &o), 0);
	assert_int_equal(ptf_writer__add_stack(w, st_a, 3, &a), 0);
	assert_int_equal(ptf_writer__add_stack(w, st_b, 1, &b), 0);
	assert_int_equal(ptf_writer__add_stack(w, st_a, 3, &a2), 0);
	assert_int_equal(ptf_writer__add_stack(w, st_c, 2, &c), 0);	/* a prefix of a */
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(a2, a);		/* stored once */
	assert_int_equal(c, 3);
	assert_int_equal(ptf_writer__add_stack(w, st_a, 0, &a2), -EINVAL);
	assert_int_equal(ptf_writer__add_event_stack(w, 0x10000, &(struct pciem_event){ 0 }, 4),
			 -EINVAL);
	/* 200 events over several frames (256-byte frames), stacks a, b, c, none */
	for (i = 0; i < 200; i++) {
		struct pciem_event ev = { .seq = i, .type = PCIEM_EVENT_MMIO_WRITE,
					  .offset = 4 * (i % 5), .size = 4, .data = i,
					  .timestamp_ns = 1000 + i };

		want[i] = i % 4 == 3 ? 0 : i % 4 + 1;
		assert_int_equal(ptf_writer__add_event_stack(w, 0x10000, &ev, want[i]), 0);
	}
	ptf_writer__set_stacks_lost(w, 50);
	assert_int_equal(ptf_writer__close(w), 0);

	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_int_equal(ptf_reader__header(r)->version_minor, PTF_VERSION_MINOR);
	assert_true(ptf_reader__header(r)->flags & PTF_HDR_F_STACKS);
	assert_int_equal(ptf_reader__summary(r, &sum), 0);
	assert_int_equal(sum.stacks, 3);
	assert_true(sum.stacks_lost_known);
	assert_int_equal(sum.stacks_lost, 50);
	assert_int_equal(sum.records, 200);	/* STACK_TABLE is not counted */
	assert_true(sum.frames > 3);
	for (i = 0; i < 200; i++) {
		assert_int_equal(ptf_reader__next(r, &rec), 1);
		assert_int_equal(rec.type, PTF_REC_EVENT);
		assert_int_equal(rec.event.seq, i);
		assert_int_equal(rec.stack, want[i]);
	}
	assert_int_equal(ptf_reader__next(r, &rec), 0);
	assert_int_equal(ptf_reader__stack(r, 1, &ips, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(ips, st_a, sizeof(st_a));
	assert_int_equal(ptf_reader__stack(r, 3, &ips, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(ips, st_c, sizeof(st_c));
	assert_int_equal(ptf_reader__stack(r, 4, &ips, &n), -ENOENT);
	assert_int_equal(ptf_reader__stack(r, 0, &ips, &n), -ENOENT);
	ptf_reader__close(r);

	/* a seek into a late frame knows the stacks of the first one */
	assert_int_equal(ptf_reader__open(&r, path), 0);
	assert_int_equal(ptf_reader__seek_seq(r, 0x10000, 190), 0);
	assert_int_equal(ptf_reader__next(r, &rec), 1);
	assert_int_equal(rec.event.seq, 190);
	assert_int_equal(rec.stack, 3);
	assert_int_equal(ptf_reader__stack(r, 3, &ips, &n), 0);
	assert_memory_equal(ips, st_c, sizeof(st_c));
	assert_int_equal(ptf_reader__stack(r, 2, &ips, &n), 0);
	assert_memory_equal(ips, st_b, sizeof(st_b));
	ptf_reader__close(r);
}

/* A file by hand: frame 0 with the preamble, FRAME, HEADER, then @body. */
static size_t hand_file(uint8_t *out, size_t cap, const uint8_t *body, size_t blen)
{
	struct ptf_header h = { .clock = "CLOCK_MONOTONIC" };
	struct ptf_writer *w;
	char path[128];
	uint8_t *content, *buf;
	size_t len, clen;
	FILE *f;

	/* a 1.2 file's frame 0 from the writer, decompressed, plus @body */
	snprintf(path, sizeof(path), "%s/hand0.zst", dir);
	assert_int_equal(ptf_writer__open(&w, path, &h, &(struct ptf_writer_opts){ .force = 1 }), 0);
	assert_int_equal(ptf_writer__close(w), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf = malloc(1 << 16);
	len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	content = malloc(1 << 16);
	clen = ZSTD_decompress(content, 1 << 16, buf, len);	/* every frame's content */
	assert_false(ZSTD_isError(clen));
	/* keep frame 0's content (preamble, FRAME, HEADER): up to the FOOTER's
	 * frame, which starts with FRAME 1 (tag 2, flags 0, size 1, value 1) */
	for (len = 12; len + 4 <= clen; len++)
		if (!memcmp(content + len, "\x02\x00\x01\x01", 4))
			break;
	assert_true(len + 4 <= clen);
	memcpy(content + len, body, blen);
	{
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		assert_non_null(cc);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		clen = ZSTD_compress2(cc, out, cap, content, len + blen);
		ZSTD_freeCCtx(cc);
	}
	assert_false(ZSTD_isError(clen));
	free(buf);
	free(content);
	return clen;
}

static void test_reader_refuses(void **state)
{
	uint8_t file[4096], body[64], *p;
	struct ptf_reader *r;
	struct ptf_record rec;
	size_t n;

	(void)state;
	/* an event naming stack 1, which no STACK_TABLE defined */
	p = body;
	*p++ = PTF_EV_TAG | PTF_EV_EXT;		/* slot 0, data same */
	*p++ = 0;				/* size, below */
	*p++ = PTF_X1_DOM | PTF_X1_KEY | PTF_X1_MORE;
	*p++ = PTF_X2_STACK;
	p = ptf_put_varint(p, 0x10000);		/* Domain */
	p = ptf_put_varint(p, PCIEM_EVENT_MMIO_WRITE);
	p = ptf_put_varint(p, 0);		/* Bar */
	p = ptf_put_varint(p, 0x10);		/* Offset */
	p = ptf_put_varint(p, 2);		/* Ts_Delta */
	p = ptf_put_varint(p, 1);		/* Stack_Ref */
	body[1] = (uint8_t)(p - body - 2);
	n = hand_file(file, sizeof(file), body, (size_t)(p - body));
	assert_int_equal(ptf_reader__open_mem(&r, file, n, "undefined.zst"), 0);
	assert_int_equal(ptf_reader__next(r, &rec), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "Stack_Ref names a stack not defined"));
	ptf_reader__close(r);

	/* a STACK_TABLE whose First_Id skips stack 1 */
	p = body;
	*p++ = PTF_T_STACK_TABLE;
	*p++ = 0;
	*p++ = 4;
	*p++ = 2;				/* First_Id */
	*p++ = 1;				/* Stack_Count */
	*p++ = 1;				/* Frame_Count */
	*p++ = 0x10;				/* First_Addr */
	n = hand_file(file, sizeof(file), body, (size_t)(p - body));
	assert_int_equal(ptf_reader__open_mem(&r, file, n, "skip.zst"), 0);
	assert_int_equal(ptf_reader__next(r, &rec), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "First_Id"));
	ptf_reader__close(r);

	/* Frame_Count 0 */
	body[3] = 1;
	body[5] = 0;
	n = hand_file(file, sizeof(file), body, 7);
	assert_int_equal(ptf_reader__open_mem(&r, file, n, "empty.zst"), 0);
	assert_int_equal(ptf_reader__next(r, &rec), -EBADMSG);
	assert_non_null(strstr(ptf_reader__error(r), "Frame_Count"));
	ptf_reader__close(r);
}

/* ---- the join ------------------------------------------------------------- */

static void test_join(void **state)
{
	struct stack_join *j;
	uint64_t ips[SJ_MAX_FRAMES], in[SJ_MAX_FRAMES + 8];
	uint32_t n, i;

	(void)state;
	for (i = 0; i < SJ_MAX_FRAMES + 8; i++)
		in[i] = 0xffffffff81000000ULL + i;
	assert_int_equal(stack_join__new(&j, 4), 0);
	assert_int_equal(stack_join__take(j, 1, 0, ips, &n), 0);
	/* two devices, same seq; arriving out of order */
	stack_join__put(j, 0x10001, 7, in + 1, 3);
	stack_join__put(j, 0x10000, 7, in, 2);
	assert_int_equal(stack_join__take(j, 0x10000, 7, ips, &n), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(ips, in, 2 * sizeof(*in));
	assert_int_equal(stack_join__take(j, 0x10000, 7, ips, &n), 0);	/* taken */
	assert_int_equal(stack_join__take(j, 0x10001, 7, ips, &n), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(ips, in + 1, 3 * sizeof(*in));
	assert_int_equal(stack_join__pending(j), 0);
	/* full: the oldest waiting stack goes, counted */
	for (i = 0; i < 6; i++)
		stack_join__put(j, 0x10000, 100 + i, in + i, 1);
	assert_int_equal(stack_join__pending(j), 4);
	assert_int_equal(stack_join__evicted(j), 2);
	assert_int_equal(stack_join__take(j, 0x10000, 100, ips, &n), 0);
	assert_int_equal(stack_join__take(j, 0x10000, 101, ips, &n), 0);
	for (i = 2; i < 6; i++) {
		assert_int_equal(stack_join__take(j, 0x10000, 100 + i, ips, &n), 1);
		assert_int_equal(n, 1);
		assert_true(ips[0] == in[i]);
	}
	/* taken out of order: a slot in the middle frees, the ring goes on */
	stack_join__put(j, 2, 1, in, 1);
	stack_join__put(j, 2, 2, in + 1, 1);
	stack_join__put(j, 2, 3, in + 2, 1);
	assert_int_equal(stack_join__take(j, 2, 2, ips, &n), 1);
	stack_join__put(j, 2, 4, in + 3, 1);
	stack_join__put(j, 2, 5, in + 4, 1);
	assert_int_equal(stack_join__evicted(j), 3);	/* (2, 1) */
	assert_int_equal(stack_join__take(j, 2, 3, ips, &n), 1);
	assert_true(ips[0] == in[2]);
	/* room in a full table: the stale stacks of the device first */
	while (stack_join__take(j, 2, 4, ips, &n) || stack_join__take(j, 2, 5, ips, &n) ||
	       stack_join__take(j, 3, 9, ips, &n))
		;
	stack_join__put(j, 5, 1, in, 1);
	stack_join__put(j, 6, 1, in, 1);
	stack_join__put(j, 5, 2, in, 1);
	stack_join__put(j, 5, 3, in, 1);
	assert_true(stack_join__full(j));
	stack_join__make_room(j, 5, 3);		/* seq 1 and 2 of device 5 */
	assert_int_equal(stack_join__pending(j), 2);
	assert_int_equal(stack_join__evicted(j), 5);
	assert_int_equal(stack_join__take(j, 5, 3, ips, &n), 1);
	assert_int_equal(stack_join__take(j, 6, 1, ips, &n), 1);
	stack_join__put(j, 7, 1, in, 1);
	stack_join__put(j, 7, 2, in, 1);
	stack_join__put(j, 7, 3, in, 1);
	stack_join__put(j, 7, 4, in, 1);
	stack_join__make_room(j, 8, 100);	/* nothing of device 8: the oldest quarter */
	assert_int_equal(stack_join__pending(j), 3);
	assert_int_equal(stack_join__take(j, 7, 1, ips, &n), 0);
	assert_int_equal(stack_join__take(j, 7, 2, ips, &n), 1);
	/* the same key again replaces; too deep is cut */
	stack_join__put(j, 3, 9, in, 1);
	stack_join__put(j, 3, 9, in, SJ_MAX_FRAMES + 8);
	assert_int_equal(stack_join__take(j, 3, 9, ips, &n), 1);
	assert_int_equal(n, SJ_MAX_FRAMES);
	assert_int_equal(stack_join__take(j, 3, 9, ips, &n), 0);
	stack_join__free(j);
}

/* ---- symbols and trimming -------------------------------------------------- */

static void put_kallsyms(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/kallsyms", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_ksyms(void **state)
{
	struct ksyms ks;
	const struct ksym *k;
	uint64_t size;

	(void)state;
	put_kallsyms("ffffffff81000000 T _stext\n"
		     "ffffffff81000000 T startup_64\n"
		     "ffffffff81000100 t helper\n"
		     "ffffffff81000100 T helper_alias\n"
		     "ffffffff81000200 D some_data\n"
		     "ffffffff81000300 T last_fn\n"
		     "ffffffff81000400 T _etext\n"
		     "ffffffffc0a00000 t do_cmd\t[pciem_testdrv]\n"
		     "ffffffffc0a05000 t ftrace_trampoline\t[__builtin__ftrace]\n"
		     "ffffffffc0a09000 t bpf_prog_6deef7357e7b4530_pciem_stack\t[bpf]\n");
	assert_int_equal(ksyms__load(&ks, dir), 0);
	assert_true(ksyms__is_other(&ks, 0xffffffffc0a050a0ULL));
	assert_true(ksyms__is_other(&ks, 0xffffffffc0a09fffULL));
	assert_false(ksyms__is_other(&ks, 0xffffffffc0a00010ULL));
	assert_false(ksyms__is_other(&ks, 0xffffffffc0a06000ULL));
	assert_true(ks.stext == 0xffffffff81000000ULL && ks.etext == 0xffffffff81000400ULL);
	k = ksyms__find(&ks, 0xffffffff81000050ULL, &size);
	assert_non_null(k);
	assert_string_equal(k->name, "startup_64");
	assert_int_equal(size, 0x100);
	k = ksyms__find(&ks, 0xffffffff81000250ULL, &size);
	assert_non_null(k);
	assert_true(!strcmp(k->name, "helper") || !strcmp(k->name, "helper_alias"));
	assert_int_equal(size, 0x200);		/* data symbols are not text */
	k = ksyms__find(&ks, 0xffffffff81000399ULL, &size);
	assert_string_equal(k->name, "last_fn");
	assert_int_equal(size, 0x100);		/* to _etext */
	assert_null(ksyms__find(&ks, 0xffffffff81000400ULL, &size));
	assert_null(ksyms__find(&ks, 0xffffffffc0a00000ULL, &size));	/* a module's */
	ksyms__free(&ks);

	put_kallsyms("0000000000000000 T _stext\n0000000000000000 T startup_64\n"
		     "0000000000000000 T _etext\n");
	assert_int_equal(ksyms__load(&ks, dir), -EPERM);
	put_kallsyms("ffffffffc0a00000 t do_cmd\t[pciem_testdrv]\n");
	assert_int_equal(ksyms__load(&ks, dir), -ENOENT);
}

#define CORE(n)	{ SJ_CORE, n }
#define PCIEM	{ SJ_PCIEM, NULL }
#define MOD	{ SJ_MODULE, NULL }
#define OTHER	{ SJ_OTHER, NULL }

static void test_trim(void **state)
{
	/* the MMIO trap, as t_tracepoint's stack trigger shows it */
	static const struct sj_frame mmio[] = {
		CORE("bpf_trace_run2"), CORE("__bpf_trace_pciem_event"), PCIEM, PCIEM, PCIEM,
		PCIEM, PCIEM, CORE("kprobe_ftrace_handler"), OTHER,
		CORE("bad_area_nosemaphore"), CORE("exc_page_fault"),
		CORE("asm_exc_page_fault"), MOD /* do_cmd */, MOD /* mmio_store */,
		CORE("kernfs_fop_write_iter"), CORE("vfs_write"),
	};
	/* a watchpoint's #DB */
	static const struct sj_frame wp[] = {
		OTHER /* a BPF program */, CORE("bpf_trace_run2"), PCIEM, PCIEM,
		CORE("perf_bp_event"), CORE("hw_breakpoint_handler"), CORE("notify_die"),
		CORE("exc_debug"), CORE("asm_exc_debug"), MOD, CORE("kthread"),
	};
	/* a config read: no exception */
	static const struct sj_frame cfg[] = {
		CORE("trace_event_raw_event_pciem_event"), PCIEM, PCIEM,
		CORE("pci_bus_read_config_word"), CORE("pcie_capability_read_word"), MOD,
		CORE("local_pci_probe"),
	};
	/* a driver's page fault handler reads config space: that exception
	 * is not pciem's trap */
	static const struct sj_frame nested[] = {
		CORE("bpf_trace_run2"), PCIEM, CORE("pci_bus_read_config_dword"),
		MOD /* the driver's fault handler */, CORE("handle_mm_fault"),
		CORE("exc_page_fault"), CORE("asm_exc_page_fault"),
	};
	/* an interrupt injected by the device model's ioctl */
	static const struct sj_frame irq[] = {
		CORE("bpf_trace_run2"), PCIEM, PCIEM, PCIEM, CORE("__x64_sys_ioctl"),
		CORE("do_syscall_64"),
	};
	static const struct sj_frame all[] = { CORE("bpf_trace_run2"), PCIEM, OTHER };
	/* a lifecycle event from pciem's kprobe on a function the driver calls */
	static const struct sj_frame kp[] = {
		CORE("bpf_trace_run2"), PCIEM, PCIEM, CORE("kprobe_ftrace_handler"), OTHER,
		CORE("pci_iomap_range"), MOD, CORE("local_pci_probe"),
	};

	(void)state;
	assert_int_equal(stack_trim(mmio, 16), 12);
	assert_int_equal(stack_trim(wp, 11), 9);
	assert_int_equal(stack_trim(cfg, 7), 3);
	assert_int_equal(stack_trim(nested, 7), 2);
	assert_int_equal(stack_trim(irq, 6), 4);
	assert_int_equal(stack_trim(all, 3), 3);
	assert_int_equal(stack_trim(kp, 8), 5);
	assert_int_equal(stack_trim(all, 0), 0);
	/* the exception entry as the last frame: nothing of the driver */
	assert_int_equal(stack_trim(mmio, 12), 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_reader_refuses),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_ksyms),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
