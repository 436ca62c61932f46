// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a small trace with call stacks (format 1.2) for
 * tests/unit/test_stacks_trace.sh:
 *
 *   gen_stack_trace OUT.zst [b]
 *
 * Device 10000 (1234:0e01); a module "drv" (do_cmd, mmio_store, poll_fn)
 * and "vmlinux" (vfs_write, kthread).  Stack 1: do_cmd+0x10,
 * mmio_store+0x20, vfs_write+0x30; stack 2: poll_fn+0x8, kthread+0x10.
 * Events: 3 writes of bar0+0x10 through stack 1, 5 reads of bar0+0x20
 * through stack 2, 1 read of bar0+0x20 through stack 1, 1 write of
 * bar0+0x30 without a stack.  With "b", the last read of 0x20 returns 8
 * instead of 7 (for diff).  The modules come after the events, as
 * pciem-record writes vmlinux last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ptf.h"

#define DRV	0xffffffffc0000000ULL
#define CORE	0xffffffff81000000ULL

static void check(int err, const char *what, struct ptf_writer *w)
{
	if (err) {
		fprintf(stderr, "gen_stack_trace: %s: %s\n", what, ptf_writer__error(w));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct ptf_symbol drv_syms[] = {
		{ DRV + 0x100, 0x100, "do_cmd" },
		{ DRV + 0x200, 0x100, "mmio_store" },
		{ DRV + 0x300, 0x100, "poll_fn" },
	};
	static const struct ptf_symbol core_syms[] = {
		{ CORE + 0x1000, 0x100, "vfs_write" },
		{ CORE + 0x2000, 0x100, "kthread" },
	};
	const struct ptf_module drv = { "drv", DRV, 0x1000, 3, drv_syms };
	const struct ptf_module core = { "vmlinux", CORE, 0x10000, 2, core_syms };
	const uint64_t s1[] = { DRV + 0x110, DRV + 0x220, CORE + 0x1030 };
	const uint64_t s2[] = { DRV + 0x308, CORE + 0x2010 };
	struct ptf_header h = { .tool_version = "gen_stack_trace", .clock = "CLOCK_MONOTONIC",
				.flags = PTF_HDR_F_STACKS, .trap_mode = 1 };
	struct ptf_writer_opts o = { .force = 1 };
	struct ptf_device dev = { .domain = 0x10000 };
	struct ptf_writer *w;
	uint32_t id1, id2;
	uint64_t seq = 0, ts = 1000;
	int b = argc > 2 && !strcmp(argv[2], "b"), i;

	if (argc < 2)
		return 2;
	dev.desc.vendor_id = 0x1234;
	dev.desc.device_id = 0x0e01;
	dev.desc.bars[0].size = 0x1000;
	check(ptf_writer__open(&w, argv[1], &h, &o), "open", w);
	check(ptf_writer__add_device(w, &dev), "device", w);
	check(ptf_writer__add_stack(w, s1, 3, &id1), "stack 1", w);
	check(ptf_writer__add_stack(w, s2, 2, &id2), "stack 2", w);
	for (i = 0; i < 3; i++) {
		struct pciem_event ev = { .seq = seq++, .type = PCIEM_EVENT_MMIO_WRITE,
					  .offset = 0x10, .size = 4, .data = i, .ip = s1[0],
					  .timestamp_ns = ts++ };

		check(ptf_writer__add_event_stack(w, dev.domain, &ev, id1), "event", w);
	}
	for (i = 0; i < 6; i++) {
		struct pciem_event ev = { .seq = seq++, .type = PCIEM_EVENT_MMIO_READ,
					  .offset = 0x20, .size = 4, .data = 7,
					  .ip = i < 5 ? s2[0] : s1[0], .timestamp_ns = ts++ };

		if (b && i == 5)
			ev.data = 8;
		check(ptf_writer__add_event_stack(w, dev.domain, &ev, i < 5 ? id2 : id1),
		      "event", w);
	}
	{
		struct pciem_event ev = { .seq = seq++, .type = PCIEM_EVENT_MMIO_WRITE,
					  .offset = 0x30, .size = 4, .data = 1,
					  .timestamp_ns = ts++ };

		check(ptf_writer__add_event(w, dev.domain, &ev), "event", w);
	}
	check(ptf_writer__add_module(w, &drv), "module", w);
	check(ptf_writer__add_module(w, &core), "module", w);
	ptf_writer__set_stacks_lost(w, 1);
	if (ptf_writer__close(w)) {
		fprintf(stderr, "gen_stack_trace: close failed\n");
		return 1;
	}
	return 0;
}
