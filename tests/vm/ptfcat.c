// SPDX-License-Identifier: GPL-2.0
/*
 * ptfcat: prints a trace file through libptf's reader, for the VM tests
 * (pciem-trace is the real tool).  One line per record:
 *
 *   HEADER trap <mode> flags 0x<f> tool <version> command <command>
 *   DEVICE <domain> <vid>:<did> bars <size0>,...
 *   DRIVER <domain> <name>
 *   MODULE <name> base 0x<base> size <size> syms <n>
 *   EVENT <domain> #<seq> <TYPE> bar<N>+0x<off> <size> 0x<data> flags 0x<f> ip <ip>
 *     (an event with DMA bytes adds " bytes <n> sum <sum of them>")
 *   LOST <domain> <first> <last> <count>
 *
 * where <ip> is "function+0xoff [module]" when the file's symbols name it,
 * else 0x<ip>.  Then "END <status>": 0 at the end of the readable data,
 * or the reader's error.
 *
 *   ptfcat [--canon] [--summary] [--dma-data OUT] FILE
 *
 * --canon leaves out what differs between two recordings of the same
 * workload (timestamps, cpu, pid, addresses that symbols name, the
 * header): two such recordings print the same.
 * --dma-data appends the bytes of every DMA event to OUT.
 * --summary prints only "complete <0|1> frames <n> events <n> lost <n>
 * devices <n> trailing <n>" (ptf_reader__summary).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem.h"
#include "ptf.h"

static int canon;
static FILE *dma_data;

/* An event's DMA bytes: their count and sum, and to --dma-data. */
static void print_payload(struct ptf_reader *r, uint32_t id)
{
	const unsigned char *b;
	const void *buf;
	uint64_t sum = 0;
	uint32_t len, i;

	if (ptf_reader__payload(r, id, &buf, &len)) {
		printf(" bytes MISSING");
		return;
	}
	b = buf;
	for (i = 0; i < len; i++)
		sum += b[i];
	printf(" bytes %u sum %" PRIu64, len, sum);
	if (dma_data && fwrite(b, 1, len, dma_data) != len) {
		perror("ptfcat: --dma-data");
		exit(1);
	}
}

static void print_ip(struct ptf_reader *r, uint64_t ip)
{
	char sym[256];

	if (ip && !ptf_reader__symbolize(r, ip, sym, sizeof(sym)))
		printf(" ip %s", sym);
	else if (canon && ip >= 0xffffffff80000000ULL)
		printf(" ip kernel");	/* unnamed kernel text: may move */
	else
		printf(" ip 0x%" PRIx64, ip);
}

static void print_rec(struct ptf_reader *r, const struct ptf_record *rec)
{
	int i;

	switch (rec->type) {
	case PTF_REC_DEVICE: {
		const struct pciem_trace_device *d = &rec->device->desc;

		printf("DEVICE %x %04x:%04x bars", rec->domain, d->vendor_id, d->device_id);
		for (i = 0; i < 6; i++)
			printf("%c%" PRIu64, i ? ',' : ' ', (uint64_t)d->bars[i].size);
		if (!canon)
			printf(" creator %u", d->creator_pid);
		printf("\n");
		break;
	}
	case PTF_REC_DRIVER:
		printf("DRIVER %x %s\n", rec->domain, rec->driver);
		break;
	case PTF_REC_MODULE:
		printf("MODULE %s", rec->module->name);
		if (!canon)
			printf(" base 0x%" PRIx64, rec->module->base);
		printf(" size %" PRIu64 " syms %u\n", rec->module->size, rec->module->nsyms);
		break;
	case PTF_REC_EVENT: {
		const struct pciem_event *e = &rec->event;

		printf("EVENT %x #%" PRIu64 " %s bar%u+0x%" PRIx64 " %u 0x%" PRIx64 " flags 0x%x",
		       rec->domain, (uint64_t)e->seq, pciem_event_type_name(e->type), e->bar,
		       (uint64_t)e->offset, e->size, (uint64_t)e->data, e->flags);
		print_ip(r, e->ip);
		if (rec->payload)
			print_payload(r, rec->payload);
		if (!canon)
			printf(" t %" PRIu64 " cpu %u pid %u", (uint64_t)e->timestamp_ns, e->cpu,
			       e->pid);
		printf("\n");
		break;
	}
	case PTF_REC_LOST:
		printf("LOST %x %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", rec->domain,
		       (uint64_t)rec->lost.first_seq, (uint64_t)rec->lost.last_seq,
		       (uint64_t)rec->lost.count);
		break;
	default:
		printf("RECORD %d\n", rec->type);
	}
}

int main(int argc, char **argv)
{
	struct ptf_record rec;
	struct ptf_reader *r = NULL;
	int summary = 0, err, i;
	const char *path = NULL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--canon"))
			canon = 1;
		else if (!strcmp(argv[i], "--summary"))
			summary = 1;
		else if (!strcmp(argv[i], "--dma-data") && i + 1 < argc) {
			dma_data = fopen(argv[++i], "a");
			if (!dma_data) {
				perror("ptfcat: --dma-data");
				return 2;
			}
		}
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: ptfcat [--canon] [--summary] [--dma-data OUT] FILE\n");
		return 2;
	}
	err = ptf_reader__open(&r, path);
	if (err) {
		fprintf(stderr, "ptfcat: %s\n", r ? ptf_reader__error(r) : strerror(-err));
		ptf_reader__close(r);
		return 1;
	}
	if (summary) {
		struct ptf_summary s;

		err = ptf_reader__summary(r, &s);
		if (err) {
			fprintf(stderr, "ptfcat: %s\n", ptf_reader__error(r));
			ptf_reader__close(r);
			return 1;
		}
		printf("complete %d frames %u events %" PRIu64 " lost %" PRIu64 " devices %u "
		       "trailing %" PRIu64 "\n", s.complete, s.frames, s.events, s.lost,
		       s.devices, s.trailing_bytes);
		ptf_reader__close(r);
		return 0;
	}
	if (!canon) {
		const struct ptf_header *h = ptf_reader__header(r);

		printf("HEADER trap %u flags 0x%x tool %s command %s\n", h->trap_mode, h->flags,
		       h->tool_version, h->command);
	}
	while ((err = ptf_reader__next(r, &rec)) == 1)
		print_rec(r, &rec);
	printf("END %d\n", err);
	if (dma_data && fclose(dma_data)) {
		perror("ptfcat: --dma-data");
		err = -EIO;
	}
	if (err < 0)
		fprintf(stderr, "ptfcat: %s\n", ptf_reader__error(r));
	ptf_reader__close(r);
	return err < 0 ? 1 : 0;
}
