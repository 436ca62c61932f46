// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-replay's report, in the manner of rr: each divergence as it comes
 * (what was expected at which position, what the driver did instead and
 * from where, the events matched before it), a summary at the end, and the
 * same as JSON for CI systems (--report-json).  The driver's function is
 * the kernel's name of the ip, taken at the access (the divergence record
 * carries it): the driver may be unloaded by the time the record is read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pciem.h"
#include "pciem-trace.h"
#include "replay.h"

static const char prog[] = "pciem-replay";

/* ---- events ---------------------------------------------------------------- */

/* An event the replay answers, checks or injects (what "matched" means):
 * not an access to the MSI-X table or PBA, which the kernel emulates. */
static bool replayed(const struct replay *rp, const struct pciem_event *ev)
{
	return ((ev->type == PCIEM_EVENT_MMIO_READ || ev->type == PCIEM_EVENT_MMIO_WRITE) &&
		!replay__in_msix(&rp->msix, ev)) ||
	       (ev->type == PCIEM_EVENT_IRQ && !(ev->flags & PCIEM_EVENT_F_DEFERRED)) ||
	       (event__is_dma(ev) && !(ev->flags & PCIEM_EVENT_F_DMA_FAULT));
}

/* "mmio_write bar0+0x4 STATUS 4 0x00000001 {IRQ_PENDING}", "irq vector 0" */
static void describe(const struct replay *rp, const struct pciem_event *ev, char *buf,
		     size_t len)
{
	const struct reg *reg = event__reg(ev, rp->map, &rp->dev);
	const char *type = evtype__name(ev->type);
	char name[REGS_NAME_MAX + 24] = "", fields[256] = "", val[24];

	if (reg) {
		reg__format(reg, ev->offset, name, sizeof(name));
		if (ev->offset == reg->offset && ev->size == reg->size)
			reg__decode(reg, ev->data, fields, sizeof(fields));
	}
	format_value(val, sizeof(val), ev->data, ev->size);
	switch (ev->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
	case PCIEM_EVENT_CONFIG_READ:
	case PCIEM_EVENT_CONFIG_WRITE:
		if (event__is_config(ev))
			snprintf(buf, len, "%s cfg+0x%llx%s%s %u %s%s%s%s", type,
				 (unsigned long long)ev->offset, name[0] ? " " : "", name,
				 ev->size, val, fields[0] ? " {" : "", fields, fields[0] ? "}" : "");
		else
			snprintf(buf, len, "%s bar%u+0x%llx%s%s %u %s%s%s%s", type, ev->bar,
				 (unsigned long long)ev->offset, name[0] ? " " : "", name,
				 ev->size, val, fields[0] ? " {" : "", fields, fields[0] ? "}" : "");
		break;
	case PCIEM_EVENT_IRQ:
		snprintf(buf, len, "irq vector %llu%s", (unsigned long long)ev->data,
			 (ev->flags & PCIEM_EVENT_F_PENDING) ? " pending" : "");
		break;
	case PCIEM_EVENT_LIFECYCLE: {
		const char *lc = lifecycle__name(ev->offset);

		snprintf(buf, len, "lifecycle %s", lc ? lc : "unknown");
		break;
	}
	case PCIEM_EVENT_UNSUPPORTED:
		snprintf(buf, len, "unsupported bar%u+0x%llx", ev->bar,
			 (unsigned long long)ev->offset);
		break;
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
	case PCIEM_EVENT_DMA_SYNC:
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE: {
		char dma[160];

		dma__format(dma, sizeof(dma), ev);
		snprintf(buf, len, "%s %s", type, dma);
		break;
	}
	default:
		snprintf(buf, len, "%s", type ? type : "unknown event");
		break;
	}
}

/* The recorded ip, named with the trace's module symbols. */
static void recorded_sym(struct replay *rp, uint64_t ip, char *buf, size_t len)
{
	if (!ip)
		buf[0] = 0;
	else
		ptf_reader__symbolize(rp->r, ip, buf, len);
}

void report__fill_context(struct replay *rp, struct replay_div *rd)
{
	struct pciem_event prev[REPLAY_LAST_MATCHED];
	uint64_t idx[REPLAY_LAST_MATCHED];
	unsigned int n = 0, i;
	uint64_t at = rd->d.index;

	pciem_divergence_symbol(rd->actual_sym, sizeof(rd->actual_sym), &rd->d);
	rd->expected_stack = rd->d.expected.type ? replay__stack_at(rp, rd->d.index) : 0;
	while (at > 0 && n < REPLAY_LAST_MATCHED) {
		const struct pciem_event *ev = replay__event_at(rp, --at);

		if (!ev)
			break;
		if (!replayed(rp, ev))
			continue;
		prev[n] = *ev;
		idx[n++] = at;
	}
	for (i = 0; i < n; i++) {
		rd->prev[i] = prev[n - 1 - i];
		rd->prev_index[i] = idx[n - 1 - i];
	}
	rd->nprev = n;
}

static const char *kind_text(const struct pciem_replay_divergence *d)
{
	const struct pciem_event *e = &d->expected, *a = &d->actual;

	switch (d->kind) {
	case PCIEM_DIV_MISMATCH:
		if (e->type == a->type && e->bar == a->bar && e->offset == a->offset &&
		    e->size == a->size && a->type == PCIEM_EVENT_MMIO_WRITE)
			return "the driver wrote another value";
		if (event__is_dma(a))
			return "the driver made another DMA API call";
		return "the driver made another access";
	case PCIEM_DIV_DMA_DATA:
		return "the device read other bytes than recorded from the driver's DMA memory";
	case PCIEM_DIV_DMA_UNMAPPED:
		return "a recorded DMA transfer of the device falls outside the driver's live "
		       "mappings";
	case PCIEM_DIV_DMA_ECHO:
		return "the device's recorded write echoes an identifier the driver never gave it "
		       "(a 'dma echo' rule of the register map)";
	case PCIEM_DIV_PAST_END:
		return "the driver went on past the end of the recording";
	case PCIEM_DIV_OVERRUN:
		return "the replay fell behind the driver: no recorded event was there in time";
	case PCIEM_DIV_UNSUPPORTED:
		return "the driver used an instruction the MMIO trap cannot decode";
	default:
		return "unknown divergence";
	}
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case PCIEM_DIV_MISMATCH: return "mismatch";
	case PCIEM_DIV_PAST_END: return "past_end";
	case PCIEM_DIV_OVERRUN: return "overrun";
	case PCIEM_DIV_UNSUPPORTED: return "unsupported";
	case PCIEM_DIV_DMA_DATA: return "dma_data";
	case PCIEM_DIV_DMA_UNMAPPED: return "dma_unmapped";
	case PCIEM_DIV_DMA_ECHO: return "dma_echo";
	default: return "unknown";
	}
}

/* The expected access's recorded call stack, under it (text), or as
 * ,"expected_stack":[...] (JSON). */
static void print_stack(struct replay *rp, FILE *f, uint32_t id, bool json)
{
	const uint64_t *ips;
	uint32_t n, i;
	char sym[256];

	if (!id || ptf_reader__stack(rp->r, id, &ips, &n))
		return;
	fprintf(f, json ? ",\"expected_stack\":[" : "            recorded stack:\n");
	for (i = 0; i < n; i++) {
		ptf_reader__symbolize(rp->r, ips[i], sym, sizeof(sym));
		if (json) {
			if (i)
				fputc(',', f);
			json_string(f, sym);
		} else {
			fprintf(f, "              %s\n", sym);
		}
	}
	if (json)
		fputc(']', f);
}

/* --stacks: the diverging access's call stack, under it (text), or as
 * ,"actual_stack":[...] (JSON). */
static void print_actual_stack(struct replay *rp, FILE *f, const struct replay_div *rd, bool json)
{
	const size_t sep = strlen(PTF_STACK_SEP);
	const char *p = rd->actual_stack, *e;
	bool first = true;

	if (!rp->opts->stacks || !rd->d.actual.type)
		return;
	if (!p) {
		if (!json)
			fprintf(f, "            actual stack: not captured (%s)\n", rd->d.actual.seq ?
				"the BPF program dropped it" :
				"the kernel gave this access no sequence number to find it by");
		return;
	}
	fprintf(f, json ? ",\"actual_stack\":[" : "            actual stack:\n");
	for (; p; p = e ? e + sep : NULL, first = false) {
		char frame[256];

		e = strstr(p, PTF_STACK_SEP);
		snprintf(frame, sizeof(frame), "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
		if (!json) {
			fprintf(f, "              %s\n", frame);
			continue;
		}
		if (!first)
			fputc(',', f);
		json_string(f, frame);
	}
	if (json)
		fputc(']', f);
}

static void print_prev(struct replay *rp, const struct replay_div *rd)
{
	const char *what = rp->opts->start.match == PCIEM_REPLAY_MATCH_REGISTER ?
		"events before it in the recording" : "matched events";
	char desc[512], sym[256];
	unsigned int i;

	if (!rd->nprev) {
		fprintf(rp->out, "  (no %s before it)\n", what);
		return;
	}
	fprintf(rp->out, "  last %u %s:\n", rd->nprev, what);
	for (i = 0; i < rd->nprev; i++) {
		const struct pciem_event *ev = &rd->prev[i];

		describe(rp, ev, desc, sizeof(desc));
		recorded_sym(rp, ev->ip, sym, sizeof(sym));
		fprintf(rp->out, "    %8" PRIu64 "  seq %-8llu %s%s%s\n", rd->prev_index[i] + 1,
			(unsigned long long)ev->seq, desc, sym[0] ? "  at " : "", sym);
	}
}

/*
 * The recorded DMA_MAP, before event @index, of the mapping that holds bus
 * address @addr and was not unmapped since (as far as the history of fed
 * events reaches back), or NULL.
 */
static const struct pciem_event *recorded_mapping(const struct replay *rp, uint64_t index,
						  uint64_t addr)
{
	while (index > 0) {
		const struct pciem_event *ev = replay__event_at(rp, --index);

		if (!ev)
			break;
		if ((ev->type != PCIEM_EVENT_DMA_MAP && ev->type != PCIEM_EVENT_DMA_UNMAP) ||
		    addr < ev->offset || addr - ev->offset >= ev->data)
			continue;
		return ev->type == PCIEM_EVENT_DMA_MAP ? ev : NULL;
	}
	return NULL;
}

/* "mapping seq N + 0x40" for a recorded address inside a live mapping, else "". */
static void addr_as_mapping(const struct replay *rp, uint64_t index, uint64_t addr, char *buf,
			    size_t len)
{
	const struct pciem_event *m = recorded_mapping(rp, index, addr);

	if (m)
		snprintf(buf, len, "mapping seq %llu + 0x%llx", (unsigned long long)m->seq,
			 (unsigned long long)(addr - m->offset));
	else
		buf[0] = 0;
}

/*
 * A DMA data divergence: the mapping (where it was made), where in it, and
 * the recorded and actual bytes, 16 a line, with the differing bytes marked
 * and 8-byte fields that hold a recorded bus address named as mapping and
 * offset.
 */
static void print_dma_diff(struct replay *rp, const struct pciem_replay_divergence *d)
{
	const struct pciem_event *e = &d->expected;
	const struct pciem_event *m = recorded_mapping(rp, d->index, e->offset);
	uint64_t bus = e->offset + d->dma_offset;
	char sym[256], where[96], desc[160];
	uint32_t i, j;

	if (m) {
		recorded_sym(rp, m->ip, sym, sizeof(sym));
		dma__format(desc, sizeof(desc), m);
		fprintf(rp->out, "  mapping:  seq %llu, %s%s%s; now at 0x%llx\n",
			(unsigned long long)m->seq, desc, sym[0] ? ", made at " : "",
			sym, (unsigned long long)d->dma_live_addr);
	} else if (d->dma_map_size) {
		fprintf(rp->out, "  mapping:  recorded at 0x%llx, %llu bytes; now at 0x%llx\n",
			(unsigned long long)d->dma_rec_addr, (unsigned long long)d->dma_map_size,
			(unsigned long long)d->dma_live_addr);
	}
	if (d->kind == PCIEM_DIV_DMA_ECHO) {
		fprintf(rp->out, "  identifier 0x%0*x (recorded) at byte %llu of the transfer (bus "
			"0x%llx, offset 0x%llx in the mapping): the driver's reads never had it\n",
			2 * (int)d->dma_len, d->dma_expected[0] | (d->dma_len > 1 ?
						d->dma_expected[1] << 8 : 0),
			(unsigned long long)d->dma_offset, (unsigned long long)bus,
			(unsigned long long)(bus - d->dma_rec_addr));
		return;
	}
	if (d->kind != PCIEM_DIV_DMA_DATA)
		return;
	fprintf(rp->out, "  first difference at byte %llu of the transfer (bus 0x%llx, offset "
		"0x%llx in the mapping):\n", (unsigned long long)d->dma_offset,
		(unsigned long long)bus, (unsigned long long)(bus - d->dma_rec_addr));
	for (i = 0; i < d->dma_len; i += 16) {
		uint32_t n = d->dma_len - i < 16 ? d->dma_len - i : 16;

		fprintf(rp->out, "    +0x%04llx recorded:", (unsigned long long)(d->dma_offset + i));
		for (j = 0; j < n; j++)
			fprintf(rp->out, " %02x", d->dma_expected[i + j]);
		fprintf(rp->out, "\n            actual:  ");
		for (j = 0; j < n; j++)
			fprintf(rp->out, " %02x", d->dma_actual[i + j]);
		fprintf(rp->out, "\n");
		/* the differing bytes marked, under them (no line if none) */
		for (j = n; j > 0 && d->dma_expected[i + j - 1] == d->dma_actual[i + j - 1]; j--)
			;
		if (j) {
			uint32_t last = j;

			fprintf(rp->out, "                     ");
			for (j = 0; j < last; j++)
				fprintf(rp->out, " %s", d->dma_expected[i + j] != d->dma_actual[i + j] ?
					"^^" : "  ");
			fprintf(rp->out, "\n");
		}
		for (j = 0; j < n; j++) {
			uint64_t v = 0;
			int k;

			if (((bus + i + j) & 7) || n - j < 8)
				continue;
			for (k = 7; k >= 0; k--)
				v = v << 8 | d->dma_expected[i + j + k];
			addr_as_mapping(rp, d->index, v, where, sizeof(where));
			if (where[0])
				fprintf(rp->out, "            +0x%04llx recorded 0x%llx = %s\n",
					(unsigned long long)(d->dma_offset + i + j),
					(unsigned long long)v, where);
		}
	}
}

void report__divergence(struct replay *rp, const struct replay_div *rd)
{
	const struct pciem_replay_divergence *d = &rd->d;
	char desc[512], sym[256], rec_addr[32];

	fprintf(rp->out, "\n%s: DIVERGENCE #%llu%s: %s\n", prog, (unsigned long long)d->number,
		(d->flags & PCIEM_DIV_F_RESYNC) ? " (resynchronised further on)" : "",
		kind_text(d));
	device__format_addr(rec_addr, sizeof(rec_addr), rp->domain, NULL);
	if (d->expected.type)
		fprintf(rp->out, "  at event %llu of %" PRIu64 " of device %s in %s (seq %llu)\n",
			(unsigned long long)d->index + 1, rp->total_events, rec_addr,
			rp->opts->trace, (unsigned long long)d->expected.seq);
	else
		fprintf(rp->out, "  after event %llu of %" PRIu64 " of device %s in %s\n",
			(unsigned long long)d->index, rp->total_events, rec_addr, rp->opts->trace);
	if (d->expected.type) {
		describe(rp, &d->expected, desc, sizeof(desc));
		recorded_sym(rp, d->expected.ip, sym, sizeof(sym));
		fprintf(rp->out, "  expected: %s\n", desc);
		if (sym[0])
			fprintf(rp->out, "            recorded at %s\n", sym);
		print_stack(rp, rp->out, rd->expected_stack, false);
	} else {
		fprintf(rp->out, "  expected: nothing more\n");
	}
	describe(rp, &d->actual, desc, sizeof(desc));
	fprintf(rp->out, "  actual:   %s\n", desc);
	if (d->actual.ip)
		fprintf(rp->out, "            at %s (cpu %u, pid %u)\n", rd->actual_sym,
			d->actual.cpu, d->actual.pid);
	print_actual_stack(rp, rp->out, rd, false);
	if (d->kind == PCIEM_DIV_DMA_DATA || d->kind == PCIEM_DIV_DMA_UNMAPPED ||
	    d->kind == PCIEM_DIV_DMA_ECHO)
		print_dma_diff(rp, d);
	print_prev(rp, rd);
	fflush(rp->out);
}

const char *report__result_name(enum replay_result res)
{
	switch (res) {
	case RESULT_OK: return "ok";
	case RESULT_DIVERGED: return "diverged";
	case RESULT_STOPPED_EARLY: return "stopped_early";
	case RESULT_TIMEOUT: return "timeout";
	case RESULT_IRQ_ERRORS: return "irq_errors";
	case RESULT_INTERRUPTED: return "interrupted";
	case RESULT_COMMAND_FAILED: return "command_failed";
	default: return "error";
	}
}

int report__exit_status(enum replay_result res)
{
	switch (res) {
	case RESULT_OK:
		return REPLAY_EX_OK;
	case RESULT_DIVERGED:
	case RESULT_STOPPED_EARLY:
	case RESULT_TIMEOUT:
	case RESULT_IRQ_ERRORS:
		return REPLAY_EX_DIVERGED;
	default:
		return REPLAY_EX_ERROR;
	}
}

/* When the driver did less than recorded: the first event not passed. */
/* The first access or interrupt not passed (markers and config events
 * between are passed over by the replay): its index, or -1. */
static int64_t next_expected(const struct replay *rp)
{
	uint64_t i;

	for (i = rp->st.consumed; i < rp->fed; i++) {
		const struct pciem_event *ev = replay__event_at(rp, i);

		if (!ev)
			return -1;
		if (replayed(rp, ev))
			return i;
	}
	return -1;
}

static void print_next_expected(struct replay *rp)
{
	int64_t at = next_expected(rp);
	const struct pciem_event *ev = at < 0 ? NULL : replay__event_at(rp, at);
	struct replay_div rd = { 0 };
	char desc[512], sym[256];

	if (!ev)
		return;
	describe(rp, ev, desc, sizeof(desc));
	recorded_sym(rp, ev->ip, sym, sizeof(sym));
	fprintf(rp->out, "  next expected: event %llu of %" PRIu64 " (seq %llu): %s%s%s\n",
		(unsigned long long)at + 1, rp->total_events,
		(unsigned long long)ev->seq, desc, sym[0] ? "  at " : "", sym);
	rd.d.index = at;
	report__fill_context(rp, &rd);
	print_prev(rp, &rd);
}

void report__headline(struct replay *rp, char *buf, size_t len)
{
	const struct pciem_replay_status *st = &rp->st;
	char exp[512] = "nothing more", act[512], sym[256] = "";

	switch (rp->result) {
	case RESULT_OK:
		snprintf(buf, len, "OK: the driver made exactly the recorded accesses");
		break;
	case RESULT_DIVERGED: {
		const struct replay_div *rd = rp->ndivs ? &rp->divs[0] : NULL;

		if (!rd) {
			snprintf(buf, len, "DIVERGED: %llu divergences", (unsigned long long)
				 st->divergences);
			break;
		}
		if (rd->d.expected.type)
			describe(rp, &rd->d.expected, exp, sizeof(exp));
		describe(rp, &rd->d.actual, act, sizeof(act));
		if (rd->d.actual.ip)
			snprintf(sym, sizeof(sym), " at %s", rd->actual_sym);
		snprintf(buf, len, "DIVERGENCE #%llu %s event %llu of %" PRIu64 ": %s: expected %s, "
			 "actual %s%s", (unsigned long long)rd->d.number,
			 rd->d.expected.type ? "at" : "after",
			 (unsigned long long)rd->d.index + !!rd->d.expected.type, rp->total_events,
			 kind_text(&rd->d), exp, act, sym);
		break;
	}
	case RESULT_STOPPED_EARLY:
	case RESULT_TIMEOUT: {
		int64_t at = next_expected(rp);
		const struct pciem_event *ev = at < 0 ? NULL : replay__event_at(rp, at);
		char when[64];

		if (rp->timed_out)
			snprintf(when, sizeof(when), "TIMEOUT after %u s", rp->opts->timeout_s);
		else
			snprintf(when, sizeof(when), "STOPPED EARLY");
		if (ev) {
			describe(rp, ev, exp, sizeof(exp));
			snprintf(buf, len, "%s: the driver made fewer accesses than recorded; next "
				 "expected: event %lld of %" PRIu64 ": %s", when, (long long)at + 1,
				 rp->total_events, exp);
		} else {
			snprintf(buf, len, "%s: the driver made fewer accesses than recorded", when);
		}
		break;
	}
	case RESULT_IRQ_ERRORS:
		snprintf(buf, len, "INTERRUPTS FAILED: %llu recorded interrupts could not be injected",
			 (unsigned long long)st->irq_errors);
		break;
	case RESULT_INTERRUPTED:
		snprintf(buf, len, "INTERRUPTED: no verdict");
		break;
	case RESULT_COMMAND_FAILED:
		snprintf(buf, len, "COMMAND FAILED with status %d, although the driver made exactly "
			 "the recorded accesses", rp->child_code);
		break;
	default:
		snprintf(buf, len, "ERROR: no verdict");
		break;
	}
}

void report__summary(struct replay *rp)
{
	const struct pciem_replay_status *st = &rp->st;
	double secs = (rp->end_ns - rp->start_ns) / 1e9;
	char rec_addr[32];

	fprintf(rp->out, "\n");
	switch (rp->result) {
	case RESULT_OK:
		fprintf(rp->out, "%s: OK: the driver made exactly the recorded accesses\n", prog);
		break;
	case RESULT_DIVERGED:
		fprintf(rp->out, "%s: DIVERGED: %llu divergence%s%s\n", prog,
			(unsigned long long)st->divergences, st->divergences == 1 ? "" : "s",
			rp->opts->start.on_divergence == PCIEM_REPLAY_DIV_STOP ?
			" (the replay stopped at the first; the device then acted unplugged)" : "");
		if (st->div_dropped || rp->ndivs < st->divergences)
			fprintf(rp->out, "  (%llu of them not shown: too many)\n",
				(unsigned long long)(st->divergences - rp->ndivs));
		break;
	case RESULT_STOPPED_EARLY:
	case RESULT_TIMEOUT:
		if (rp->timed_out)
			fprintf(rp->out, "%s: TIMEOUT after %u s: the driver had not made every "
				"recorded access\n", prog, rp->opts->timeout_s);
		else
			fprintf(rp->out, "%s: STOPPED EARLY: the driver made fewer accesses than "
				"recorded\n", prog);
		print_next_expected(rp);
		break;
	case RESULT_IRQ_ERRORS:
		fprintf(rp->out, "%s: INTERRUPTS FAILED: %llu recorded interrupt%s could not be "
			"injected (the driver had not set up its interrupts as when recorded)\n",
			prog, (unsigned long long)st->irq_errors, st->irq_errors == 1 ? "" : "s");
		break;
	case RESULT_INTERRUPTED:
		fprintf(rp->out, "%s: INTERRUPTED: no verdict\n", prog);
		break;
	case RESULT_COMMAND_FAILED:
		fprintf(rp->out, "%s: COMMAND FAILED with status %d, although the driver made "
			"exactly the recorded accesses\n", prog, rp->child_code);
		break;
	default:
		fprintf(rp->out, "%s: ERROR: no verdict\n", prog);
		break;
	}
	if (!rp->status_valid)
		return;
	device__format_addr(rec_addr, sizeof(rec_addr), rp->domain, NULL);
	fprintf(rp->out, "%s: %s, device %s as %s, %.1f s: %llu of %" PRIu64 " accesses "
		"matched, %llu of %" PRIu64 " interrupts injected (%llu of %" PRIu64 " events "
		"passed)", prog, rp->opts->trace, rec_addr, rp->address, secs,
		(unsigned long long)st->matched, rp->total_accesses, (unsigned long long)st->irqs,
		rp->total_irqs, (unsigned long long)st->consumed, rp->total_events);
	if (st->polls_extra || st->polls_skipped)
		fprintf(rp->out, "; polling: %llu extra reads answered, %llu recorded reads "
			"collapsed", (unsigned long long)st->polls_extra,
			(unsigned long long)st->polls_skipped);
	if (st->skipped)
		fprintf(rp->out, "; %llu events skipped to resynchronise",
			(unsigned long long)st->skipped);
	if (rp->total_msix_accesses)
		fprintf(rp->out, "; %" PRIu64 " MSI-X table and PBA accesses in the trace, "
			"emulated, not compared", rp->total_msix_accesses);
	if (st->dma_written || st->dma_compared)
		fprintf(rp->out, "; device DMA: %llu bytes written to the driver's memory, %llu "
			"bytes read and compared", (unsigned long long)st->dma_written,
			(unsigned long long)st->dma_compared);
	fprintf(rp->out, "\n");
	fflush(rp->out);
}

/* ---- JSON ------------------------------------------------------------------ */

/* @recorded: an event of the trace (with its seq, its ip named with the
 * trace's symbols); else the driver's access, its ip named as @sym. */
static void json_event(struct replay *rp, FILE *f, const struct pciem_event *ev, bool recorded,
		       const char *sym_here)
{
	const struct reg *reg = event__reg(ev, rp->map, &rp->dev);
	const char *type = evtype__name(ev->type);
	char desc[512], sym[256];

	if (!ev->type) {
		fputs("null", f);
		return;
	}
	describe(rp, ev, desc, sizeof(desc));
	fprintf(f, "{\"type\":");
	json_string(f, type ? type : "unknown");
	if (recorded)
		fprintf(f, ",\"seq\":%llu", (unsigned long long)ev->seq);
	if (ev->type == PCIEM_EVENT_IRQ) {
		fprintf(f, ",\"vector\":%llu", (unsigned long long)ev->data);
	} else if (event__is_config(ev) || ev->type == PCIEM_EVENT_MMIO_READ ||
		   ev->type == PCIEM_EVENT_MMIO_WRITE) {
		if (!event__is_config(ev))
			fprintf(f, ",\"bar\":%u", ev->bar);
		fprintf(f, ",\"offset\":%llu,\"size\":%u,\"value\":\"0x%llx\"",
			(unsigned long long)ev->offset, ev->size, (unsigned long long)ev->data);
		if (reg) {
			char name[REGS_NAME_MAX + 24];

			reg__format(reg, ev->offset, name, sizeof(name));
			fprintf(f, ",\"register\":");
			json_string(f, name);
		}
	}
	fprintf(f, ",\"text\":");
	json_string(f, desc);
	if (ev->ip) {
		fprintf(f, ",\"ip\":\"0x%llx\"", (unsigned long long)ev->ip);
		if (recorded)
			recorded_sym(rp, ev->ip, sym, sizeof(sym));
		fprintf(f, ",\"symbol\":");
		json_string(f, recorded ? sym : sym_here);
	}
	if (!recorded)
		fprintf(f, ",\"cpu\":%u,\"pid\":%u", ev->cpu, ev->pid);
	fputc('}', f);
}

static void json_div(struct replay *rp, FILE *f, const struct replay_div *rd)
{
	const struct pciem_replay_divergence *d = &rd->d;
	unsigned int i;

	fprintf(f, "{\"number\":%llu,\"kind\":\"%s\",\"resync\":%s,\"index\":%llu,"
		"\"description\":", (unsigned long long)d->number, kind_name(d->kind),
		(d->flags & PCIEM_DIV_F_RESYNC) ? "true" : "false", (unsigned long long)d->index);
	json_string(f, kind_text(d));
	fprintf(f, ",\"expected\":");
	json_event(rp, f, &d->expected, true, NULL);
	print_stack(rp, f, rd->expected_stack, true);
	fprintf(f, ",\"actual\":");
	json_event(rp, f, &d->actual, false, rd->actual_sym);
	print_actual_stack(rp, f, rd, true);
	if (d->kind == PCIEM_DIV_DMA_DATA || d->kind == PCIEM_DIV_DMA_UNMAPPED ||
	    d->kind == PCIEM_DIV_DMA_ECHO) {
		fprintf(f, ",\"dma\":{\"offset\":%llu,\"recorded_mapping\":\"0x%llx\","
			"\"live_mapping\":\"0x%llx\",\"mapping_size\":%llu,\"recorded\":\"",
			(unsigned long long)d->dma_offset, (unsigned long long)d->dma_rec_addr,
			(unsigned long long)d->dma_live_addr, (unsigned long long)d->dma_map_size);
		for (i = 0; i < d->dma_len; i++)
			fprintf(f, "%02x", d->dma_expected[i]);
		fprintf(f, "\",\"actual\":\"");
		for (i = 0; i < d->dma_len; i++)
			fprintf(f, "%02x", d->dma_actual[i]);
		fprintf(f, "\"}");
	}
	fprintf(f, ",\"last_matched\":[");
	for (i = 0; i < rd->nprev; i++) {
		fprintf(f, "%s{\"index\":%llu,\"event\":", i ? "," : "",
			(unsigned long long)rd->prev_index[i]);
		json_event(rp, f, &rd->prev[i], true, NULL);
		fputc('}', f);
	}
	fprintf(f, "]}");
}

static void json_cmd(FILE *f, char **cmd)
{
	int i;

	fputc('[', f);
	for (i = 0; cmd[i]; i++) {
		if (i)
			fputc(',', f);
		json_string(f, cmd[i]);
	}
	fputc(']', f);
}

int report__json(struct replay *rp, const char *path)
{
	const struct replay_opts *o = rp->opts;
	const struct pciem_replay_status *st = &rp->st;
	/* it holds kernel addresses (the ips) */
	int fd = ptf_open_private(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	unsigned int i;

	if (!f) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		fprintf(stderr, "%s: cannot write the report %s: %s\n", prog, path, strerror(err));
		return -err;
	}
	fprintf(f, "{\"tool\":\"%s\",\"trace\":", REPLAY_TOOL_VERSION);
	json_string(f, o->trace);
	fprintf(f, ",\"result\":\"%s\",\"exit_status\":%d", report__result_name(rp->result),
		report__exit_status(rp->result));
	fprintf(f, ",\"device\":{\"domain\":\"%04x\",\"vendor_id\":\"%04x\",\"device_id\":\"%04x\","
		"\"address\":", rp->domain, rp->dev.desc.vendor_id, rp->dev.desc.device_id);
	json_string(f, rp->address);
	fprintf(f, ",\"recorded_driver\":");
	json_string(f, rp->driver);
	fprintf(f, "},\"options\":{\"match\":\"%s\",\"timing\":\"%s\",\"on_divergence\":\"%s\","
		"\"dma_check\":\"%s\",\"allow_lost\":%s,\"timeout_s\":%u}",
		o->start.match == PCIEM_REPLAY_MATCH_REGISTER ? "per-register" : "strict",
		o->start.timing == PCIEM_REPLAY_TIMING_RECORDED ? "recorded" : "asap",
		o->start.on_divergence == PCIEM_REPLAY_DIV_CONTINUE ? "continue" : "stop",
		o->start.dma_check == PCIEM_REPLAY_DMA_NONE ? "none" :
		o->start.dma_check == PCIEM_REPLAY_DMA_ADDRESSES ? "addresses" : "full",
		o->allow_lost ? "true" : "false", o->timeout_s);
	fprintf(f, ",\"command\":");
	if (o->cmd) {
		fprintf(f, "{\"argv\":");
		json_cmd(f, o->cmd);
		fprintf(f, ",\"exit_status\":%d}", rp->child_code);
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\"trace_events\":%" PRIu64 ",\"trace_accesses\":%" PRIu64
		",\"trace_msix_accesses\":%" PRIu64 ",\"trace_irqs\":%" PRIu64
		",\"trace_lost\":%" PRIu64, rp->total_events, rp->total_accesses,
		rp->total_msix_accesses, rp->total_irqs, rp->lost);
	fprintf(f, ",\"status\":{\"state\":\"%s\",\"fed\":%llu,\"consumed\":%llu,\"left\":%llu,"
		"\"matched\":%llu,\"irqs\":%llu,\"irq_errors\":%llu,\"passed_over\":%llu,"
		"\"polls_extra\":%llu,\"polls_skipped\":%llu,\"skipped\":%llu,"
		"\"divergences\":%llu,\"div_dropped\":%llu,\"dma_written\":%llu,"
		"\"dma_compared\":%llu}",
		st->state == PCIEM_REPLAY_DONE ? "done" : st->state == PCIEM_REPLAY_DIVERGED ?
		"diverged" : st->state == PCIEM_REPLAY_OVERRUN ? "overrun" : "running",
		(unsigned long long)st->fed, (unsigned long long)st->consumed,
		(unsigned long long)st->left, (unsigned long long)st->matched,
		(unsigned long long)st->irqs, (unsigned long long)st->irq_errors,
		(unsigned long long)st->passed_over, (unsigned long long)st->polls_extra,
		(unsigned long long)st->polls_skipped, (unsigned long long)st->skipped,
		(unsigned long long)st->divergences, (unsigned long long)st->div_dropped,
		(unsigned long long)st->dma_written, (unsigned long long)st->dma_compared);
	fprintf(f, ",\"elapsed_s\":%.3f", (rp->end_ns - rp->start_ns) / 1e9);
	fprintf(f, ",\"next_expected\":");
	if (rp->result == RESULT_STOPPED_EARLY || rp->result == RESULT_TIMEOUT) {
		int64_t at = next_expected(rp);
		const struct pciem_event *ev = at < 0 ? NULL : replay__event_at(rp, at);

		if (ev) {
			fprintf(f, "{\"index\":%lld,\"event\":", (long long)at);
			json_event(rp, f, ev, true, NULL);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\"divergences\":[");
	for (i = 0; i < rp->ndivs; i++) {
		if (i)
			fputc(',', f);
		json_div(rp, f, &rp->divs[i]);
	}
	fprintf(f, "]}\n");
	if (fclose(f)) {
		fprintf(stderr, "%s: writing the report %s: %s\n", prog, path, strerror(errno));
		return -errno;
	}
	return 0;
}
