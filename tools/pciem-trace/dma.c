// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-trace dma: the DMA mappings of each device (format 1.4) with their
 * lifetimes and the bytes the device moved through each, then the
 * transfers no mapping allowed (refused ones among them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pciem-trace.h"

static struct env {
	struct trace_args args;
	int json;
	int has_domain;
	uint32_t domain;
} env;

static const char doc[] =
	"List the DMA mappings the driver of each device made (format 1.4): their bus "
	"address, size, direction, coherent or streaming, when and where they were made and "
	"ended, the syncs, and the bytes the device read and wrote through each; then the "
	"transfers outside them (refused ones, and any no live mapping allowed), and "
	"unmaps of nothing.\v"
	"A mapping is made by a dma_map event and ends with the dma_unmap event of the same "
	"bus address (\"still mapped\" if none comes); a sync or transfer belongs to the "
	"newest live mapping of its device that holds it whole in a direction that allows "
	"it.  Times are in seconds after the start of the recording; call sites are named "
	"from the module symbols recorded in the trace.\n\n"
	"Examples:\n"
	"  pciem-trace dma run.zst\n"
	"  pciem-trace dma --device 10000 run.zst\n"
	"  pciem-trace dma --json run.zst | jq -c 'select(.record == \"mapping\")'\n\n"
	"A truncated trace is listed as far as it can be read, with a warning.\n\n"
	"Exit status: 0 ok, 2 usage error, or the file cannot be opened or is corrupt.";

static const struct argp_option options[] = {
	{ "device", 'd', "DOMAIN", 0,
	  "Only the device in this PCI domain (hex: 10000), or at this address", 0 },
	{ "json", 'j', NULL, 0, "JSON Lines: one object per mapping and per transfer outside", 0 },
	{ 0 },
};

static const struct argp trace_argp = TRACE_ARGP("Register map (only checked for errors here)");

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env.args;
		break;
	case 'd':
		if (parse_domain(arg, &env.domain))
			argp_error(state, "bad --device '%s' (expected a PCI domain in hex, e.g. 10000)",
				   arg);
		env.has_domain = 1;
		break;
	case 'j':
		env.json = 1;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* "at SYMBOL" or "ip 0x..." ("" for no ip) */
static void where(struct ptf_reader *r, char *buf, size_t len, uint64_t ip)
{
	char sym[256];

	if (!ip)
		buf[0] = '\0';
	else if (!ptf_reader__symbolize(r, ip, sym, sizeof(sym)))
		snprintf(buf, len, "  at %s", sym);
	else
		snprintf(buf, len, "  ip 0x%llx", (unsigned long long)ip);
}

static const char *dir_name(uint32_t dir)
{
	const char *n = dma_dir__name(dir);

	return n ? n : "unknown";
}

static void json_ip(struct ptf_reader *r, const char *key, uint64_t ip)
{
	char sym[256];

	if (!ip)
		return;
	printf(",\"%s_ip\":\"0x%llx\"", key, (unsigned long long)ip);
	if (!ptf_reader__symbolize(r, ip, sym, sizeof(sym))) {
		printf(",\"%s_symbol\":", key);
		json_string(stdout, sym);
	}
}

static void text_device(struct ptf_reader *r, const struct dma_dev *d, uint64_t start)
{
	const struct ptf_device *dev = ptf_reader__device(r, d->domain);
	char addr[32], t[32], at[300], what[96];
	size_t i, live = 0;

	for (i = 0; i < d->n; i++)
		live += !d->maps[i].unmapped;
	device__format_addr(addr, sizeof(addr), d->domain, dev);
	printf("device %s", addr);
	if (dev)
		printf(" %04x:%04x", dev->desc.vendor_id, dev->desc.device_id);
	printf(": %zu mapping%s (%zu still mapped at the end), %zu event%s outside them\n",
	       d->n, d->n == 1 ? "" : "s", live, d->noutside, d->noutside == 1 ? "" : "s");
	if (d->first_seq > 0)
		printf("  note: recorded from seq %llu: mappings made before are not in the trace, "
		       "and what went through them is listed outside\n",
		       (unsigned long long)d->first_seq);
	for (i = 0; i < d->n; i++) {
		const struct dma_mapping *m = &d->maps[i];

		printf("  mapping %zu: 0x%llx+%llu %s %s\n", i + 1, (unsigned long long)m->addr,
		       (unsigned long long)m->size, dir_name(m->dir),
		       m->coherent ? "coherent" : "streaming");
		format_rel_time(t, sizeof(t), rel_ns(m->map_ts, start));
		where(r, at, sizeof(at), m->map_ip);
		printf("    mapped     seq %llu  %s s%s\n", (unsigned long long)m->map_seq, t, at);
		if (m->unmapped) {
			format_rel_time(t, sizeof(t), rel_ns(m->unmap_ts, start));
			where(r, at, sizeof(at), m->unmap_ip);
			printf("    unmapped   seq %llu  %s s%s\n", (unsigned long long)m->unmap_seq,
			       t, at);
		} else {
			printf("    unmapped   no: still mapped at the end of the trace\n");
		}
		printf("    syncs      %llu for the device, %llu for the CPU\n",
		       (unsigned long long)m->syncs_dev, (unsigned long long)m->syncs_cpu);
		printf("    device     read %llu bytes in %llu transfer%s, wrote %llu bytes in "
		       "%llu transfer%s\n", (unsigned long long)m->read_bytes,
		       (unsigned long long)m->reads, m->reads == 1 ? "" : "s",
		       (unsigned long long)m->written_bytes, (unsigned long long)m->writes,
		       m->writes == 1 ? "" : "s");
	}
	if (!d->noutside)
		return;
	printf("  outside the mappings:\n");
	for (i = 0; i < d->noutside; i++) {
		const struct dma_outside *o = &d->outside[i];
		const char *type = evtype__name(o->ev.type);

		format_rel_time(t, sizeof(t), rel_ns(o->ev.timestamp_ns, start));
		dma__format(what, sizeof(what), &o->ev);
		printf("    seq %llu  %s s  %s %s: ", (unsigned long long)o->ev.seq, t,
		       type ? type : "?", what);
		if (o->verdict == DMA_OK)
			printf("refused although inside mapping %ld", o->mapping + 1);
		else
			printf("%s", dma_verdict__text(o->verdict));
		if (o->verdict == DMA_AGAINST_DIR || o->verdict == DMA_UNMAP_DIFFERS)
			printf(" (mapping %ld, %s)", o->mapping + 1,
			       dir_name(d->maps[o->mapping].dir));
		printf("\n");
	}
}

static void json_device(struct ptf_reader *r, const struct dma_dev *d, uint64_t start)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct dma_mapping *m = &d->maps[i];

		printf("{\"record\":\"mapping\",\"domain\":\"%04x\",\"index\":%zu,"
		       "\"bus_addr\":\"0x%llx\",\"size\":%llu,\"direction\":\"%s\",\"coherent\":%s,"
		       "\"map_seq\":%llu,\"map_time_ns\":%lld", d->domain, i + 1,
		       (unsigned long long)m->addr, (unsigned long long)m->size, dir_name(m->dir),
		       m->coherent ? "true" : "false", (unsigned long long)m->map_seq,
		       (long long)rel_ns(m->map_ts, start));
		json_ip(r, "map", m->map_ip);
		printf(",\"unmapped\":%s", m->unmapped ? "true" : "false");
		if (m->unmapped) {
			printf(",\"unmap_seq\":%llu,\"unmap_time_ns\":%lld",
			       (unsigned long long)m->unmap_seq,
			       (long long)rel_ns(m->unmap_ts, start));
			json_ip(r, "unmap", m->unmap_ip);
		}
		printf(",\"syncs_for_device\":%llu,\"syncs_for_cpu\":%llu,\"reads\":%llu,"
		       "\"read_bytes\":%llu,\"writes\":%llu,\"written_bytes\":%llu}\n",
		       (unsigned long long)m->syncs_dev, (unsigned long long)m->syncs_cpu,
		       (unsigned long long)m->reads, (unsigned long long)m->read_bytes,
		       (unsigned long long)m->writes, (unsigned long long)m->written_bytes);
	}
	for (i = 0; i < d->noutside; i++) {
		const struct dma_outside *o = &d->outside[i];
		const char *type = evtype__name(o->ev.type);

		printf("{\"record\":\"outside\",\"domain\":\"%04x\",\"seq\":%llu,\"time_ns\":%lld,"
		       "\"type\":\"%s\",\"bus_addr\":\"0x%llx\",\"length\":%llu,\"refused\":%s,"
		       "\"why\":\"%s\"", d->domain, (unsigned long long)o->ev.seq,
		       (long long)rel_ns(o->ev.timestamp_ns, start), type ? type : "unknown",
		       (unsigned long long)o->ev.offset, (unsigned long long)o->ev.data,
		       (o->ev.flags & PCIEM_EVENT_F_DMA_FAULT) ? "true" : "false",
		       o->verdict == DMA_OK ? "refused although inside a live mapping" :
		       dma_verdict__text(o->verdict));
		if (o->mapping >= 0)
			printf(",\"mapping\":%ld", o->mapping + 1);
		printf("}\n");
	}
}

int cmd_dma(int argc, char **argv)
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
	struct dma_tracker t;
	struct dma_dev *dd;
	struct dma_result res;
	struct ptf_summary sum;
	struct ptf_record rec;
	uint64_t start, ndma = 0;
	int ret = EXIT_ERROR, rd;
	unsigned int k;

	dma_tracker__init(&t, 1);
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_ERROR;
	if (trace_args__open(&env.args, NULL, &map, &r))
		goto cleanup;
	start = ptf_reader__header(r)->start_mono_ns;
	while ((rd = ptf_reader__next(r, &rec)) > 0) {
		if (rec.type != PTF_REC_EVENT || (env.has_domain && rec.domain != env.domain))
			continue;
		dd = dma_tracker__dev(&t, rec.domain);
		if (!dd) {
			ptrace_err("%s: out of memory", env.args.trace);
			goto cleanup;
		}
		if (!dd->have_first) {
			dd->have_first = 1;
			dd->first_seq = rec.event.seq;
		}
		if (!event__is_dma(&rec.event))
			continue;
		ndma++;
		if (dma_tracker__event(&t, rec.domain, &rec.event, &res)) {
			ptrace_err("%s: out of memory", env.args.trace);
			goto cleanup;
		}
	}
	if (rd < 0) {
		ptrace_err("%s", ptf_reader__error(r));
		goto cleanup;
	}
	if (ptf_reader__summary(r, &sum) < 0) {
		ptrace_err("%s", ptf_reader__error(r));
		goto cleanup;
	}
	if (!sum.complete || sum.trailing_bytes)
		ptrace_err("%s: warning: the trace is incomplete: a mapping listed as still mapped "
			   "may have been unmapped in the missing part", env.args.trace);
	for (k = 0; k < t.ndevs; k++) {
		/* only devices that have DMA events get listed */
		if (!t.devs[k].n && !t.devs[k].noutside)
			continue;
		if (env.json)
			json_device(r, &t.devs[k], start);
		else
			text_device(r, &t.devs[k], start);
	}
	if (!env.json && !ndma)
		printf("no DMA events%s\n", env.has_domain ? " of that device" : "");
	ret = EXIT_OK;
cleanup:
	if (ferror(stdout) && ret == EXIT_OK) {
		ptrace_err("writing the output: %s", strerror(EIO));
		ret = EXIT_ERROR;
	}
	dma_tracker__free(&t);
	ptf_reader__close(r);
	regmap__free(map);
	return ret;
}
