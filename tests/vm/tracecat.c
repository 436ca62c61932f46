// SPDX-License-Identifier: GPL-2.0
/*
 * tracecat: a minimal recorder for the VM tests.  It subscribes to the
 * trace channel and prints one line per record:
 *
 *   DEVICE <domain> <vid>:<did> bars <size0>,<size1>,... cfg0 <dword 0> flags <flags>
 *   EVENT <domain> #<seq> <TYPE> bar<N>+0x<off> <size> 0x<data> flags 0x<f>
 *     (DMA events add " ip 0x<ip>", transfers " bytes <n> sum <sum of them>")
 *   LOST <domain> <first> <last> <count>
 *
 * and, at the end (SIGTERM/SIGINT), "lost <n>" from the ring header.
 *
 *   tracecat [--match all|id:VID:DID|pid:PID|domain:D|real:DOM:BUS:DEV.FN] [--ring BYTES]
 *            [--lossless] [--wait-us N] [--existing] [--full] [--stall]
 *            [--ts] [--dump-device FILE] [--dma-data FILE] [--ready FILE]
 *
 * --full: PCIEM_TRACE_F_FULL_TRAP (reads of matched devices trapped too).
 * --stall: read nothing until SIGUSR1 (to fill the ring on purpose), and
 *   sleep meanwhile.
 * --ts: EVENT lines end with " ts <timestamp_ns>".
 * --dma-data: append the bytes of every DMA transfer event to FILE.
 * --dump-device: write the first DEVICE record's payload (a struct
 *   pciem_trace_device: BARs and config space) to FILE, for the replayer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "pciem.h"

static int print_ts;
static const char *dump_path;
static FILE *dma_data;

static void die(const char *what)
{
	fprintf(stderr, "tracecat: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void dump_device(const struct pciem_trace_device *d)
{
	FILE *f = fopen(dump_path, "w");

	if (!f || fwrite(d, sizeof(*d), 1, f) != 1 || fclose(f))
		die("--dump-device");
	dump_path = NULL;	/* the first device only */
}

/*
 * A DMA event's extra: its ip, and for a transfer's bytes their count and
 * sum ("SHORT" if the record is too short to hold them).
 */
static void print_dma(const struct pciem_trace_rec *rec, const struct pciem_event *e)
{
	const unsigned char *b = (const unsigned char *)(e + 1);
	unsigned long long sum = 0, i;

	printf(" ip 0x%llx", (unsigned long long)e->ip);
	if ((e->type != PCIEM_EVENT_DMA_READ && e->type != PCIEM_EVENT_DMA_WRITE) ||
	    (e->flags & PCIEM_EVENT_F_DMA_FAULT))
		return;
	if (e->data > PCIEM_TRACE_DMA_PIECE || rec->size < sizeof(*rec) + sizeof(*e) + e->data) {
		printf(" SHORT");
		return;
	}
	for (i = 0; i < e->data; i++)
		sum += b[i];
	if (dma_data && fwrite(b, 1, e->data, dma_data) != e->data)
		die("--dma-data");
	printf(" bytes %llu sum %llu", (unsigned long long)e->data, sum);
}

static void print_rec(const struct pciem_trace_rec *rec)
{
	const void *p = rec + 1;

	if (rec->type == PCIEM_TREC_DEVICE) {
		const struct pciem_trace_device *d = p;
		int i;

		printf("DEVICE %x %04x:%04x bars", rec->domain, d->vendor_id, d->device_id);
		for (i = 0; i < 6; i++)
			printf("%c%llu", i ? ',' : ' ', (unsigned long long)d->bars[i].size);
		printf(" cfg0 %02x%02x%02x%02x flags 0x%x\n", d->config[3], d->config[2],
		       d->config[1], d->config[0], d->flags);
		if (dump_path && rec->size >= sizeof(*rec) + sizeof(*d))
			dump_device(d);
	} else if (rec->type == PCIEM_TREC_EVENT) {
		const struct pciem_event *e = p;

		printf("EVENT %x #%llu %s bar%u+0x%llx %u 0x%llx flags 0x%x", rec->domain,
		       (unsigned long long)e->seq, pciem_event_type_name(e->type), e->bar,
		       (unsigned long long)e->offset, e->size, (unsigned long long)e->data,
		       e->flags);
		if (print_ts)
			printf(" ts %llu", (unsigned long long)e->timestamp_ns);
		if (e->type >= PCIEM_EVENT_DMA_MAP && e->type <= PCIEM_EVENT_DMA_WRITE)
			print_dma(rec, e);
		printf("\n");
	} else if (rec->type == PCIEM_TREC_LOST) {
		const struct pciem_trace_lost *l = p;

		printf("LOST %x %llu %llu %llu\n", rec->domain, (unsigned long long)l->first_seq,
		       (unsigned long long)l->last_seq, (unsigned long long)l->count);
	} else {
		printf("RECORD %x type %u size %u\n", rec->domain, rec->type, rec->size);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "match", required_argument, NULL, 'm' },
		{ "ring", required_argument, NULL, 'r' },
		{ "lossless", no_argument, NULL, 'l' },
		{ "wait-us", required_argument, NULL, 'w' },
		{ "existing", no_argument, NULL, 'e' },
		{ "full", no_argument, NULL, 'f' },
		{ "stall", no_argument, NULL, 's' },
		{ "ready", required_argument, NULL, 'R' },
		{ "ts", no_argument, NULL, 't' },
		{ "dump-device", required_argument, NULL, 'D' },
		{ "dma-data", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct pciem_trace_subscribe sub = { .ring_size = 1 << 20 };
	struct pciem_trace_reader rd;
	const char *ready = NULL;
	int c, fd, sfd, stall = 0, stop = 0;
	size_t len;
	void *map;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned int a, b, dev, fn;

		switch (c) {
		case 'm':
			if (!strcmp(optarg, "all")) {
				sub.match = PCIEM_TRACE_MATCH_ALL;
			} else if (sscanf(optarg, "id:%x:%x", &a, &b) == 2) {
				sub.match = PCIEM_TRACE_MATCH_ID;
				sub.vendor_id = a;
				sub.device_id = b;
			} else if (sscanf(optarg, "pid:%u", &a) == 1) {
				sub.match = PCIEM_TRACE_MATCH_PID;
				sub.pid = a;
			} else if (sscanf(optarg, "real:%x:%x:%x.%x", &a, &b, &dev, &fn) == 4) {
				sub.match = PCIEM_TRACE_MATCH_REAL;
				sub.domain = a;
				sub.bus = b;
				sub.devfn = (dev << 3) | fn;
			} else if (sscanf(optarg, "domain:%x", &a) == 1) {
				sub.match = PCIEM_TRACE_MATCH_DOMAIN;
				sub.domain = a;
			} else {
				fprintf(stderr, "tracecat: bad --match\n");
				return 2;
			}
			break;
		case 'r':
			sub.ring_size = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			sub.flags |= PCIEM_TRACE_F_LOSSLESS;
			break;
		case 'w':
			sub.wait_us = strtoul(optarg, NULL, 0);
			break;
		case 'e':
			sub.flags |= PCIEM_TRACE_F_EXISTING;
			break;
		case 'f':
			sub.flags |= PCIEM_TRACE_F_FULL_TRAP;
			break;
		case 's':
			stall = 1;
			break;
		case 'R':
			ready = optarg;
			break;
		case 't':
			print_ts = 1;
			break;
		case 'A':
			dma_data = fopen(optarg, "a");
			if (!dma_data)
				die("--dma-data");
			break;
		case 'D':
			dump_path = optarg;
			break;
		default:
			return 2;
		}
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	fd = open(PCIEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open " PCIEM_DEVICE_PATH);
	if (ioctl(fd, PCIEM_IOCTL_TRACE_SUBSCRIBE, &sub))
		die("TRACE_SUBSCRIBE");
	len = 4096 + sub.ring_size;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	if (pciem_trace_reader_init(&rd, map, len))
		die("ring header");
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f || fclose(f))
			die("ready file");
	}

	while (!stop) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		const struct pciem_trace_rec *rec;
		int r;

		if (!stall) {
			while ((r = pciem_trace_next(&rd, &rec)) == 1)
				print_rec(rec);
			if (r < 0)
				die("ring");
			pciem_trace_done(&rd);
			fflush(stdout);
		}
		/* stalled: the signals alone (the ring, once it holds a record,
		 * is readable at every poll, which would spin) */
		if (poll(stall ? p + 1 : p, stall ? 1 : 2, stall ? -1 : 1000) < 0 && errno != EINTR)
			die("poll");
		if (p[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				die("signalfd");
			if (si.ssi_signo == SIGUSR1)
				stall = 0;
			else
				stop = 1;
		}
	}
	/* whatever is left; a last poll() has the kernel report trailing losses */
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const struct pciem_trace_rec *rec;
		int r;

		while ((r = pciem_trace_next(&rd, &rec)) == 1)
			print_rec(rec);
		pciem_trace_done(&rd);
		poll(&p, 1, 0);
		while ((r = pciem_trace_next(&rd, &rec)) == 1)
			print_rec(rec);
		if (r < 0)
			die("ring");
		pciem_trace_done(&rd);
	}
	if (dma_data && fclose(dma_data))
		die("--dma-data");
	printf("lost %llu\n", (unsigned long long)pciem_trace_lost(&rd));
	return 0;
}
