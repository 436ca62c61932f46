// SPDX-License-Identifier: GPL-2.0
/* pciem-trace info: what a trace holds, at a glance. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pciem-trace.h"

#define INFO_NTYPES	32

static struct env {
	struct trace_args args;
} env;

struct info_dev {
	uint32_t domain;		/* first, for devs__get() */
	int described;
	struct ptf_device dev;
	char driver[128];
	uint64_t events;
	uint64_t lost;
};

struct info_lost {
	uint32_t domain;
	struct pciem_trace_lost lost;
};

struct info {
	struct info_dev *devs;
	unsigned int ndevs;
	struct info_lost *losts;
	size_t nlosts;
	uint64_t types[INFO_NTYPES];
	uint64_t other_types;
	uint64_t events, records, lost, modules_n;
	/* DMA (1.4): bytes of the transfers that were not refused, per
	 * direction; refused transfers; payloads seen (ids), and their bytes */
	uint64_t dma_read_bytes, dma_written_bytes, dma_refused, dma_events;
	uint8_t *payload_seen;
	uint32_t payload_cap;
	uint64_t payloads, payload_bytes, payload_refs_bytes;
	int have_ts;
	uint64_t first_ts, last_ts;
	char modules[256];
};

static const char doc[] =
	"Show a trace's header, devices, event counts per type, duration, the bytes moved "
	"by DMA and the payloads stored for them, losses and whether the file is complete.\v"
	"The counts are of the records that could be read; for a truncated or damaged "
	"file the last line says what is missing.\n\n"
	"Examples:\n"
	"  pciem-trace info run.zst\n"
	"  pciem-trace info --regs dummy_clock.regs run.zst\n\n"
	"Exit status: 0 the trace was read (complete or not), 2 usage error, or the file "
	"cannot be opened or is corrupt.";

static const struct argp trace_argp = TRACE_ARGP("Register map; info says how many of its "
						   "registers apply to each device");

/* A DMA event's share of the counts; the payload of a transfer counted
 * once per id (for a trace without footer). */
static int info__dma(struct info *in, struct ptf_reader *r, const struct ptf_record *rec)
{
	const struct pciem_event *ev = &rec->event;
	const void *buf;
	uint32_t len;

	in->dma_events++;
	if (!event__is_dma_transfer(ev))
		return 0;
	if (ev->flags & PCIEM_EVENT_F_DMA_FAULT)
		in->dma_refused++;
	else if (ev->type == PCIEM_EVENT_DMA_READ)
		in->dma_read_bytes += ev->data;
	else
		in->dma_written_bytes += ev->data;
	if (!rec->payload || ptf_reader__payload(r, rec->payload, &buf, &len))
		return 0;
	in->payload_refs_bytes += len;
	if (rec->payload >= in->payload_cap) {
		uint32_t cap = rec->payload + 1 > 2 * in->payload_cap ? rec->payload + 1 :
			       2 * in->payload_cap;
		uint8_t *seen = realloc(in->payload_seen, cap);

		if (!seen)
			return -ENOMEM;
		memset(seen + in->payload_cap, 0, cap - in->payload_cap);
		in->payload_seen = seen;
		in->payload_cap = cap;
	}
	if (!in->payload_seen[rec->payload]) {
		in->payload_seen[rec->payload] = 1;
		in->payloads++;
		in->payload_bytes += len;
	}
	return 0;
}

static int info__add(struct info *in, const struct ptf_record *rec)
{
	struct info_dev *d = NULL;

	in->records++;
	if (rec->type != PTF_REC_MODULE) {
		d = devs__get((void **)&in->devs, &in->ndevs, sizeof(*d), rec->domain);
		if (!d)
			return -ENOMEM;
	}
	switch (rec->type) {
	case PTF_REC_DEVICE:
		d->dev = *rec->device;
		d->described = 1;
		break;
	case PTF_REC_DRIVER:
		snprintf(d->driver, sizeof(d->driver), "%s", rec->driver);
		break;
	case PTF_REC_EVENT: {
		const struct pciem_event *ev = &rec->event;

		in->events++;
		d->events++;
		if (ev->type < INFO_NTYPES && evtype__name(ev->type))
			in->types[ev->type]++;
		else
			in->other_types++;
		if (!in->have_ts || ev->timestamp_ns < in->first_ts)
			in->first_ts = ev->timestamp_ns;
		if (!in->have_ts || ev->timestamp_ns > in->last_ts)
			in->last_ts = ev->timestamp_ns;
		in->have_ts = 1;
		break;
	}
	case PTF_REC_LOST: {
		struct info_lost *l = realloc(in->losts, (in->nlosts + 1) * sizeof(*l));

		if (!l)
			return -ENOMEM;
		in->losts = l;
		in->losts[in->nlosts].domain = rec->domain;
		in->losts[in->nlosts++].lost = rec->lost;
		in->lost += rec->lost.count;
		d->lost += rec->lost.count;
		break;
	}
	case PTF_REC_MODULE: {
		size_t n = strlen(in->modules);

		in->modules_n++;
		if (n + strlen(rec->module->name) + 3 < sizeof(in->modules))
			snprintf(in->modules + n, sizeof(in->modules) - n, "%s%s", n ? ", " : "",
				 rec->module->name);
		break;
	}
	}
	return 0;
}

static void format_size(char *buf, size_t len, uint64_t size)
{
	if (size >= (1ULL << 30) && !(size % (1ULL << 30)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(size >> 30));
	else if (size >= (1ULL << 20) && !(size % (1ULL << 20)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
	else if (size >= 1024 && !(size % 1024))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)size);
}

static void print_header(const struct ptf_header *h)
{
	char when[64] = "unknown";
	time_t secs = h->start_real_ns / 1000000000LL;
	struct tm tm;

	printf("format       %u.%u\n", h->version_major, h->version_minor);
	printf("tool         %s\n", h->tool_version);
	printf("kernel       %s\n", h->kernel_release);
	printf("host         %s\n", h->hostname);
	printf("clock        %s\n", h->clock);
	if (boot_id__known(h->boot_id)) {
		char id[40];

		format_uuid(id, sizeof(id), h->boot_id);
		printf("boot id      %s\n", id);
	} else {
		printf("boot id      unknown\n");
	}
	if (h->start_real_ns >= 0 && gmtime_r(&secs, &tm)) {
		size_t n = strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);

		snprintf(when + n, sizeof(when) - n, ".%09lld UTC",
			 (long long)(h->start_real_ns % 1000000000LL));
	}
	printf("start        %s (%s %llu.%09llu)\n", when, h->clock,
	       (unsigned long long)(h->start_mono_ns / 1000000000ULL),
	       (unsigned long long)(h->start_mono_ns % 1000000000ULL));
	printf("command      %s\n", h->command[0] ? h->command : "(none)");
	if (h->trap_mode == PCIEM_TRAP_WRITES)
		printf("trap mode    writes (reads not trapped: no mmio_read events)\n");
	else if (h->trap_mode == PCIEM_TRAP_FULL)
		printf("trap mode    full (reads and writes)\n");
	else
		printf("trap mode    unknown (%u)\n", h->trap_mode);
	printf("flags        %s\n", (h->flags & PTF_HDR_F_LOSSLESS) ? "lossless" : "(none)");
}

static void print_device(const struct info_dev *d, const struct regmap *map)
{
	const struct pciem_trace_device *desc = &d->dev.desc;
	char addr[32], size[32];
	int i;

	device__format_addr(addr, sizeof(addr), d->domain, d->described ? &d->dev : NULL);
	if (!d->described) {
		printf("  %s  (no description record)  events %llu\n", addr,
		       (unsigned long long)d->events);
		return;
	}
	printf("  %s  %04x:%04x  driver %s  events %llu\n", addr, desc->vendor_id,
	       desc->device_id, d->driver[0] ? d->driver : "(none recorded)",
	       (unsigned long long)d->events);
	for (i = 0; i < 6; i++) {
		const struct pciem_trace_bar *b = &desc->bars[i];

		if (!b->size)
			continue;
		format_size(size, sizeof(size), b->size);
		printf("    BAR%d  %-9s %s%s  at 0x%llx\n", i, size,
		       (b->flags & PCI_BASE_ADDRESS_SPACE_IO) ? "io" :
		       (b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64) ? "mem64" : "mem32",
		       (b->flags & PCI_BASE_ADDRESS_MEM_PREFETCH) ? " prefetchable" : "",
		       (unsigned long long)b->bus_addr);
	}
	if (desc->msi_cap || desc->pcie_cap || desc->pm_cap) {
		printf("    capabilities");
		if (desc->msi_cap)
			printf("  MSI at 0x%02x", desc->msi_cap);
		if (desc->pcie_cap)
			printf("  PCIe at 0x%02x", desc->pcie_cap);
		if (desc->pm_cap)
			printf("  PM at 0x%02x", desc->pm_cap);
		printf("\n");
	}
	if (desc->flags & PCIEM_TDEV_F_REAL) {
		char notes[256], *p, *q;

		/* one note a line */
		device__format_notes(notes, sizeof(notes), &d->dev);
		for (p = notes; p; p = q) {
			q = strstr(p, "; ");
			if (q) {
				*q = '\0';
				q += 2;
			}
			printf("    %s%s\n", p == notes ? "" : "note: ", p);
		}
	} else {
		printf("    created by pid %u\n", desc->creator_pid);
	}
	if (map)
		printf("    register map  %u registers\n",
		       regmap__count_device(map, desc->vendor_id, desc->device_id));
}

int cmd_info(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &trace_argp, 0, NULL, 0 },
		{ 0 },
	};
	/* no parser of its own: argp hands the input, &env.args, to the child */
	static const struct argp argp = {
		.doc = doc,
		.children = children,
	};
	struct ptf_reader *r = NULL;
	struct regmap *map = NULL;
	struct ptf_summary sum;
	struct ptf_record rec;
	struct info in;
	const struct ptf_header *h;
	char t1[32], t2[32], t3[32], range[80];
	int err, ret, rd = 0, i;
	uint64_t stacked = 0;
	unsigned int d;
	size_t k;

	memset(&in, 0, sizeof(in));
	err = argp_parse(&argp, argc, argv, 0, NULL, &env.args);
	if (err)
		return EXIT_ERROR;
	ret = EXIT_ERROR;
	if (trace_args__open(&env.args, NULL, &map, &r))
		goto cleanup;
	h = ptf_reader__header(r);
	err = ptf_reader__summary(r, &sum);
	if (err < 0) {
		ptrace_err("%s", ptf_reader__error(r));
		goto cleanup;
	}
	while ((rd = ptf_reader__next(r, &rec)) > 0) {
		if (rec.type == PTF_REC_EVENT && rec.stack)
			stacked++;
		err = info__add(&in, &rec);
		if (!err && rec.type == PTF_REC_EVENT && event__is_dma(&rec.event))
			err = info__dma(&in, r, &rec);
		if (err) {
			ptrace_err("%s: out of memory", env.args.trace);
			goto cleanup;
		}
	}

	printf("trace        %s\n", env.args.trace);
	print_header(h);
	printf("devices      %u\n", in.ndevs);
	for (d = 0; d < in.ndevs; d++)
		print_device(&in.devs[d], map);
	printf("modules      %llu%s%s%s\n", (unsigned long long)in.modules_n,
	       in.modules_n ? " (" : "", in.modules, in.modules_n ? ")" : "");
	printf("events       %llu\n", (unsigned long long)in.events);
	for (i = 0; i < INFO_NTYPES; i++)
		if (in.types[i])
			printf("  %-14s %llu\n", evtype__name(i), (unsigned long long)in.types[i]);
	if (in.other_types)
		printf("  %-14s %llu\n", "unknown type", (unsigned long long)in.other_types);
	if (in.have_ts) {
		format_rel_time(t1, sizeof(t1), rel_ns(in.last_ts, in.first_ts));
		format_rel_time(t2, sizeof(t2), rel_ns(in.first_ts, h->start_mono_ns));
		format_rel_time(t3, sizeof(t3), rel_ns(in.last_ts, h->start_mono_ns));
		printf("duration     %s s (events from %s to %s s after the start)\n", t1, t2, t3);
	} else {
		printf("duration     0 (no events)\n");
	}
	if (in.dma_events || (sum.payloads_known && sum.payloads)) {
		printf("dma          %llu bytes read by the devices, %llu bytes written, in the "
		       "transfers not refused; %llu refused\n",
		       (unsigned long long)in.dma_read_bytes,
		       (unsigned long long)in.dma_written_bytes,
		       (unsigned long long)in.dma_refused);
		if (sum.payloads_known)
			printf("payloads     %llu stored, %llu bytes, for %llu bytes of transfers "
			       "(identical payloads are stored once)\n",
			       (unsigned long long)sum.payloads,
			       (unsigned long long)sum.payload_bytes,
			       (unsigned long long)sum.dma_bytes);
		else
			printf("payloads     %llu stored, %llu bytes, for %llu bytes of transfers (no "
			       "footer: counted from what could be read)\n",
			       (unsigned long long)in.payloads,
			       (unsigned long long)in.payload_bytes,
			       (unsigned long long)in.payload_refs_bytes);
	}
	if (!in.nlosts) {
		printf("lost         none\n");
	} else {
		printf("lost         %llu events in %zu range%s\n", (unsigned long long)in.lost,
		       in.nlosts, in.nlosts == 1 ? "" : "s");
		for (k = 0; k < in.nlosts; k++) {
			const struct pciem_trace_lost *l = &in.losts[k].lost;
			char addr[32];

			format_seq_range(range, sizeof(range), l->first_seq, l->last_seq, l->count);
			device__format_addr(addr, sizeof(addr), in.losts[k].domain, NULL);
			printf("  %s  %s\n", addr, range);
		}
	}
	if (!(h->flags & PTF_HDR_F_STACKS)) {
		printf("stacks       not recorded\n");
	} else {
		printf("stacks       %llu distinct; %llu of %llu events have one\n",
		       (unsigned long long)sum.stacks, (unsigned long long)stacked,
		       (unsigned long long)in.events);
		if (sum.stacks_lost_known)
			printf("  without    %llu (dropped by the BPF side, never delivered, or "
			       "only trap machinery)\n", (unsigned long long)sum.stacks_lost);
		else
			printf("  without    %llu (no footer: counted from what could be read)\n",
			       (unsigned long long)(in.events - stacked));
	}
	if (rd < 0) {
		printf("complete     no: the file is corrupt after record %llu: %s\n",
		       (unsigned long long)in.records, ptf_reader__error(r));
		fflush(stdout);
		ptrace_err("%s", ptf_reader__error(r));
		ret = EXIT_ERROR;
		goto cleanup;
	}
	if (sum.complete && !sum.trailing_bytes) {
		printf("complete     yes (%u frames, %llu bytes)\n", sum.frames,
		       (unsigned long long)sum.file_bytes);
	} else {
		char end[160];

		summary__describe_end(end, sizeof(end), &sum);
		printf("complete     no: %s%s; %u complete frames, %llu bytes; the counts above "
		       "are of what could be read\n",
		       sum.complete ? "" : "no footer, index or seek table (the recording did not "
		       "finish); ", end, sum.frames, (unsigned long long)sum.file_bytes);
	}
	ret = EXIT_OK;
cleanup:
	ptf_reader__close(r);
	regmap__free(map);
	free(in.devs);
	free(in.losts);
	free(in.payload_seen);
	return ret;
}
