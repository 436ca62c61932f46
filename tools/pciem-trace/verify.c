// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace verify: is the trace whole?  Reader errors (frames,
 * checksums: the library checks them), completeness, and per device that
 * every sequence number is present once and in order, or covered by a
 * LOST record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

#define VERIFY_MAX_LISTED	20	/* findings of one kind listed per device */

static struct env {
	struct trace_args args;
	int quiet;
} env;

static const char doc[] =
	"Check a trace's integrity: the library's checks of every frame (sizes, checksums), "
	"the footer, index and seek table, and for each device that every sequence number "
	"is present exactly once and in increasing order, except those a LOST record "
	"declares lost.\v"
	"Findings: corruption, truncation, gaps (missing sequence numbers no LOST record "
	"covers), losses (covered by LOST records), duplicates or disorder, LOST records "
	"that contradict the events, events of a device without its description, footer "
	"counts that differ from the records; and DMA (format 1.4): a transfer outside "
	"every mapping live at that moment or against its direction, an unmap of nothing "
	"or unlike its mapping, a sync outside the mappings, a later piece of a transfer "
	"that does not continue the piece before it, a transfer whose bytes are missing.\n\n"
	"Examples:\n"
	"  pciem-trace verify run.zst\n"
	"  pciem-trace verify -q run.zst || echo damaged\n\n"
	"Exit status: 0 the trace is whole, 1 something is wrong (a finding), 2 usage "
	"error, or the file cannot be opened as a trace at all.";

static const struct argp_option options[] = {
	{ "quiet", 'q', NULL, 0, "Print only the findings, not the summary", 0 },
	{ 0 },
};

static const struct argp trace_argp = TRACE_ARGP("Register map (only checked for errors here)");

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.args;
		break;
	case 'q':
		env.quiet = 1;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct range {
	uint64_t first, last;
};

struct ranges {
	struct range *v;
	size_t n, cap;
};

static int ranges__add(struct ranges *rs, uint64_t first, uint64_t last)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;
		struct range *v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n].first = first;
	rs->v[rs->n++].last = last;
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

struct vdev {
	uint32_t domain;		/* first, for devs__get() */
	char name[32];			/* "10000", or a real device's "0000:00:03.0" */
	int described, described_late;
	uint16_t vid, did;
	int have_seq;
	uint64_t first_seq, next_seq;	/* next expected */
	uint64_t events, disorder;
	struct ranges gaps;		/* missing sequence numbers */
	struct ranges losts;		/* LOST records */
	/* DMA (1.4) */
	int bound;			/* a real device bound before recording */
	int dma_unsure;			/* events of its are missing: mappings may be */
	uint64_t dma_events, dma_findings, dma_unchecked;
};

struct verify {
	struct vdev *devs;
	unsigned int ndevs;
	struct dma_tracker dma;		/* live mappings only */
	struct ptf_reader *r;
	uint64_t findings;
	uint64_t records, events, lost;
};

static void verify__finding(struct verify *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void verify__finding(struct verify *v, const char *fmt, ...)
{
	va_list ap;

	v->findings++;
	printf("FINDING: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int verify__event(struct verify *v, struct vdev *d, const struct pciem_event *ev)
{
	d->events++;
	if (!d->described && !d->described_late) {
		verify__finding(v, "device %s: event seq %llu comes before any description of "
				"the device", d->name, (unsigned long long)ev->seq);
		d->described_late = 1;
	}
	if (!d->have_seq) {
		d->have_seq = 1;
		d->first_seq = ev->seq;
		d->next_seq = ev->seq + 1;
		/* recorded from an existing device: its driver's earlier
		 * mappings are not in the trace */
		if (ev->seq > 0)
			d->dma_unsure = 1;
		return 0;
	}
	if (ev->seq == d->next_seq) {
		d->next_seq++;
		return 0;
	}
	if (ev->seq > d->next_seq) {
		int err = ranges__add(&d->gaps, d->next_seq, ev->seq - 1);

		d->dma_unsure = 1;
		d->next_seq = ev->seq + 1;
		return err;
	}
	if (++d->disorder <= VERIFY_MAX_LISTED)
		verify__finding(v, "device %s: seq %llu comes after seq %llu (%s)", d->name,
				(unsigned long long)ev->seq, (unsigned long long)d->next_seq - 1,
				ev->seq == d->next_seq - 1 ? "duplicate" : "out of order");
	return 0;
}

/* A DMA finding of device @d, at most VERIFY_MAX_LISTED of them listed. */
static void dma_finding(struct verify *v, struct vdev *d, const struct pciem_event *ev,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void dma_finding(struct verify *v, struct vdev *d, const struct pciem_event *ev,
			const char *fmt, ...)
{
	const char *type = evtype__name(ev->type);
	char what[96];
	va_list ap;

	v->findings++;
	if (++d->dma_findings > VERIFY_MAX_LISTED)
		return;
	dma__format(what, sizeof(what), ev);
	printf("FINDING: device %s: seq %llu: %s %s: ", d->name, (unsigned long long)ev->seq,
	       type ? type : "?", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void format_mapping(char *buf, size_t len, const struct dma_mapping *m)
{
	const char *dir = dma_dir__name(m->dir);

	snprintf(buf, len, "0x%llx+%llu %s %s (mapped at seq %llu)", (unsigned long long)m->addr,
		 (unsigned long long)m->size, dir ? dir : "unknown",
		 m->coherent ? "coherent" : "streaming", (unsigned long long)m->map_seq);
}

/*
 * The DMA checks of one event: a transfer lies inside a mapping live at
 * that moment in a direction that allows it, and carries its bytes
 * (unless refused); an unmap ends a mapping; a sync falls in one; a later
 * piece of a transfer continues the piece before it.  When events of the
 * device are missing (a gap, a loss) or it was bound before recording,
 * mappings may be unknown: what lies outside them is counted, not listed.
 */
static int verify__dma(struct verify *v, struct vdev *d, const struct ptf_record *rec)
{
	const struct pciem_event *ev = &rec->event;
	int refused = !!(ev->flags & PCIEM_EVENT_F_DMA_FAULT);
	struct dma_result res;
	char m[128];
	const void *buf;
	uint32_t len;

	if (!event__is_dma(ev))
		return 0;
	d->dma_events++;
	if (dma_tracker__event(&v->dma, d->domain, ev, &res))
		return -ENOMEM;
	if (!dma_dir__name(ev->bar))
		dma_finding(v, d, ev, "unknown direction %u", ev->bar);
	if (event__is_dma_transfer(ev)) {
		if (refused && rec->payload)
			dma_finding(v, d, ev, "refused, yet it carries bytes");
		if (!refused && ev->data && !rec->payload)
			dma_finding(v, d, ev, "its %llu bytes are not in the trace",
				    (unsigned long long)ev->data);
		if (rec->payload && !ptf_reader__payload(v->r, rec->payload, &buf, &len) &&
		    len != ev->data)
			dma_finding(v, d, ev, "its payload holds %u bytes", len);
		if ((ev->flags & PCIEM_EVENT_F_SAME_INSN) && res.piece_orphan &&
		    !d->dma_unsure && !d->bound)
			dma_finding(v, d, ev, "a later piece of a transfer whose earlier piece is "
				    "not in the trace (none of this type by this task, or it "
				    "was refused)");
		else if ((ev->flags & PCIEM_EVENT_F_SAME_INSN) && !res.piece_orphan &&
			 !res.piece_ok)
			dma_finding(v, d, ev, "a later piece of a transfer, but the piece "
				    "before it (seq %llu) ends at 0x%llx",
				    (unsigned long long)res.prev_seq,
				    (unsigned long long)res.prev_end);
	}
	if (res.verdict == DMA_OK || (refused && res.verdict != DMA_NOT_MAPPED))
		return 0;
	if ((d->dma_unsure || d->bound) && res.verdict != DMA_UNMAP_DIFFERS) {
		d->dma_unchecked++;
		return 0;
	}
	switch (res.verdict) {
	case DMA_OUTSIDE:
		dma_finding(v, d, ev, "outside every mapping live at that moment");
		break;
	case DMA_AGAINST_DIR:
		format_mapping(m, sizeof(m), &res.found);
		dma_finding(v, d, ev, "against the direction of its mapping %s", m);
		break;
	case DMA_NOT_MAPPED:
		dma_finding(v, d, ev, "nothing is mapped at that address");
		break;
	case DMA_UNMAP_DIFFERS:
		format_mapping(m, sizeof(m), &res.found);
		dma_finding(v, d, ev, "differs from the mapping it ends, %s", m);
		break;
	default:
		break;
	}
	return 0;
}

static void print_range(const char *what, const char *dev, uint64_t a, uint64_t b,
			const char *why, struct verify *v)
{
	char range[80];

	if (a == b)
		snprintf(range, sizeof(range), "seq %llu", (unsigned long long)a);
	else
		format_seq_range(range, sizeof(range), a, b, b - a + 1);
	verify__finding(v, "device %s: %s: %s%s", dev, what, range, why);
}

/* Sets each missing range against the LOST records of the device. */
static void verify__reconcile(struct verify *v, struct vdev *d)
{
	struct ranges *g = &d->gaps, *l = &d->losts;
	uint64_t lost_in_gaps = 0, lost_total = 0;
	unsigned int listed_gaps = 0, listed_losses = 0;
	size_t i, j;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), range_cmp);
	for (j = 0; j < l->n; j++) {
		lost_total += l->v[j].last - l->v[j].first + 1;
		if (j && l->v[j].first <= l->v[j - 1].last)
			verify__finding(v, "device %s: LOST records overlap at seq %llu",
					d->name, (unsigned long long)l->v[j].first);
	}
	/* losses before the first event: a gap at the start */
	if (d->have_seq && d->first_seq > 0 && l->n && l->v[0].first < d->first_seq) {
		struct range *nv = realloc(g->v, (g->n + 1) * sizeof(*nv));

		if (nv) {
			g->v = nv;
			memmove(g->v + 1, g->v, g->n * sizeof(*nv));
			g->v[0].first = 0;
			g->v[0].last = d->first_seq - 1;
			g->n++;
			g->cap = g->n;
		}
	}
	/* gaps and LOST ranges are both sorted: walk them together */
	for (i = 0, j = 0; i < g->n; i++) {
		uint64_t pos = g->v[i].first, end = g->v[i].last;

		while (pos <= end) {
			while (j < l->n && l->v[j].last < pos)
				j++;
			if (j < l->n && l->v[j].first <= pos) {
				uint64_t stop = l->v[j].last < end ? l->v[j].last : end;

				if (++listed_losses <= VERIFY_MAX_LISTED)
					print_range("loss", d->name, pos, stop,
						    " (declared by a LOST record)", v);
				else
					v->findings++;
				lost_in_gaps += stop - pos + 1;
				if (stop == UINT64_MAX)
					break;
				pos = stop + 1;
			} else {
				uint64_t stop = end;

				if (j < l->n && l->v[j].first - 1 < stop)
					stop = l->v[j].first - 1;
				if (++listed_gaps <= VERIFY_MAX_LISTED)
					print_range("gap", d->name, pos, stop,
						    " missing, no LOST record covers it", v);
				else
					v->findings++;
				if (stop == UINT64_MAX)
					break;
				pos = stop + 1;
			}
		}
	}
	if (listed_gaps > VERIFY_MAX_LISTED || listed_losses > VERIFY_MAX_LISTED)
		printf("FINDING: device %s: %u gaps and %u losses in all (only the first %d of "
		       "each listed)\n", d->name, listed_gaps, listed_losses, VERIFY_MAX_LISTED);
	/* LOST records after the last event: losses at the end */
	for (j = 0; j < l->n; j++) {
		uint64_t a = l->v[j].first, b = l->v[j].last;

		if (!d->have_seq || a >= d->next_seq) {
			print_range("loss", d->name, a, b, " at the end (declared by a LOST record)",
				    v);
			lost_in_gaps += b - a + 1;
		} else if (b >= d->next_seq) {
			print_range("loss", d->name, d->next_seq, b,
				    " at the end (declared by a LOST record)", v);
			lost_in_gaps += b - d->next_seq + 1;
		}
	}
	if (lost_in_gaps < lost_total)
		verify__finding(v, "device %s: LOST records declare %llu sequence numbers lost "
				"that are present in the trace", d->name,
				(unsigned long long)(lost_total - lost_in_gaps));
	if (d->disorder > VERIFY_MAX_LISTED)
		printf("FINDING: device %s: %llu sequence numbers out of order or duplicated in "
		       "all\n", d->name, (unsigned long long)d->disorder);
	if (d->dma_findings > VERIFY_MAX_LISTED)
		printf("FINDING: device %s: %llu DMA findings in all (only the first %d listed)\n",
		       d->name, (unsigned long long)d->dma_findings, VERIFY_MAX_LISTED);
}

int cmd_verify(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &trace_argp, 0, NULL, 0 },
		{ 0 },
	};
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = doc,
		.children = children,
	};
	struct ptf_reader *r = NULL;
	struct regmap *map = NULL;
	struct verify v = { 0 };
	struct ptf_summary sum;
	struct ptf_record rec;
	int ret = EXIT_ERROR, rd, have_sum;
	unsigned int k;

	dma_tracker__init(&v.dma, 0);
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_ERROR;
	if (trace_args__open(&env.args, NULL, &map, &r))
		goto cleanup;
	v.r = r;

	have_sum = ptf_reader__summary(r, &sum) >= 0;
	if (!have_sum) {
		verify__finding(&v, "%s", ptf_reader__error(r));
		/* read what can be read from the start anyway */
		if (ptf_reader__rewind(r) < 0) {
			ret = EXIT_FINDING;
			goto cleanup;
		}
	}
	while ((rd = ptf_reader__next(r, &rec)) > 0) {
		struct vdev *d;

		v.records++;
		if (rec.type == PTF_REC_MODULE)
			continue;
		d = devs__get((void **)&v.devs, &v.ndevs, sizeof(*d), rec.domain);
		if (!d)
			goto nomem;
		if (!d->name[0])
			device__format_addr(d->name, sizeof(d->name), d->domain, NULL);
		switch (rec.type) {
		case PTF_REC_DEVICE:
			d->described = 1;
			d->bound = !!(rec.device->desc.flags & PCIEM_TDEV_F_BOUND);
			d->vid = rec.device->desc.vendor_id;
			d->did = rec.device->desc.device_id;
			break;
		case PTF_REC_EVENT:
			v.events++;
			if (verify__event(&v, d, &rec.event) || verify__dma(&v, d, &rec))
				goto nomem;
			break;
		case PTF_REC_LOST:
			v.lost += rec.lost.count;
			if (rec.lost.last_seq < rec.lost.first_seq ||
			    rec.lost.count != rec.lost.last_seq - rec.lost.first_seq + 1) {
				verify__finding(&v, "device %s: LOST record seq %llu-%llu says "
						"count %llu", d->name,
						(unsigned long long)rec.lost.first_seq,
						(unsigned long long)rec.lost.last_seq,
						(unsigned long long)rec.lost.count);
				break;
			}
			if (ranges__add(&d->losts, rec.lost.first_seq, rec.lost.last_seq))
				goto nomem;
			d->dma_unsure = 1;
			break;
		default:
			break;
		}
	}
	if (rd < 0)
		verify__finding(&v, "corrupt after %llu records: %s", (unsigned long long)v.records,
				ptf_reader__error(r));
	if (have_sum && (!sum.complete || sum.trailing_bytes)) {
		char end[160];

		summary__describe_end(end, sizeof(end), &sum);
		if (!sum.complete)
			verify__finding(&v, "truncated: no footer, index or seek table (the "
					"recording did not finish); %s", end);
		else
			verify__finding(&v, "unreadable bytes at the end: %s", end);
	}
	if (have_sum && sum.complete && rd == 0 &&
	    (sum.records != v.records || sum.events != v.events || sum.lost != v.lost))
		verify__finding(&v, "the footer counts %llu records, %llu events, %llu lost; the "
				"file holds %llu records, %llu events, %llu lost",
				(unsigned long long)sum.records, (unsigned long long)sum.events,
				(unsigned long long)sum.lost, (unsigned long long)v.records,
				(unsigned long long)v.events, (unsigned long long)v.lost);
	for (k = 0; k < v.ndevs; k++)
		verify__reconcile(&v, &v.devs[k]);

	if (!env.quiet) {
		if (have_sum)
			printf("file: %llu bytes, %u complete frames, %s\n",
			       (unsigned long long)sum.file_bytes, sum.frames,
			       sum.complete ? "footer, index and seek table present" :
			       "no footer");
		for (k = 0; k < v.ndevs; k++) {
			const struct vdev *d = &v.devs[k];

			printf("device %s", d->name);
			if (d->described)
				printf(" %04x:%04x", d->vid, d->did);
			if (d->have_seq)
				printf(": %llu events, seq %llu-%llu", (unsigned long long)d->events,
				       (unsigned long long)d->first_seq,
				       (unsigned long long)d->next_seq - 1);
			else
				printf(": no events");
			if ((have_sum && !sum.complete) || rd < 0)
				printf(" (read so far: later events are in the missing part)");
			if (d->have_seq && d->first_seq > 0 && (!d->losts.n ||
								d->losts.v[0].first >= d->first_seq))
				printf(" (starts after seq 0: recorded from an existing device?)");
			printf("\n");
			if (d->dma_events)
				printf("  dma: %llu events, %llu finding%s", (unsigned long long)d->dma_events,
				       (unsigned long long)d->dma_findings,
				       d->dma_findings == 1 ? "" : "s");
			if (d->dma_unchecked)
				printf("; %llu outside the known mappings not counted as findings (%s)",
				       (unsigned long long)d->dma_unchecked,
				       d->bound ? "the driver was bound before recording: its "
				       "earlier mappings are not in the trace" :
				       d->first_seq > 0 ? "recorded from an existing device: "
				       "mappings made before are not in the trace" : "events of the "
				       "device are missing, and mappings with them");
			if (d->dma_events)
				printf("\n");
		}
		printf("%llu records, %llu events, %llu lost\n", (unsigned long long)v.records,
		       (unsigned long long)v.events, (unsigned long long)v.lost);
	}
	if (v.findings) {
		printf("%s: %llu finding%s\n", env.args.trace, (unsigned long long)v.findings,
		       v.findings == 1 ? "" : "s");
		ret = EXIT_FINDING;
	} else {
		printf("%s: OK\n", env.args.trace);
		ret = EXIT_OK;
	}
	goto cleanup;
nomem:
	ptrace_err("%s: out of memory", env.args.trace);
	ret = EXIT_ERROR;
cleanup:
	for (k = 0; k < v.ndevs; k++) {
		free(v.devs[k].gaps.v);
		free(v.devs[k].losts.v);
	}
	dma_tracker__free(&v.dma);
	free(v.devs);
	ptf_reader__close(r);
	regmap__free(map);
	return ret;
}
