// SPDX-License-Identifier: GPL-2.0
/*
 * trace_edit: rewrites a one-device trace with some events placed
 * elsewhere, for VM tests that need a recording the hardware rarely makes.
 *
 *   trace_edit IN OUT AFTER COPY MOVE
 *
 * OUT is IN with, right after the event of seq AFTER, a copy of the event
 * of seq COPY and then the event of seq MOVE (taken out of its place), as a
 * DMA_READ: the two as a real device's look before a register write would
 * have seen them, with the time and CPU of AFTER.  COPY and MOVE come
 * before AFTER, and MOVE is a DMA transfer.  Every other record is as in IN (descriptions, drivers,
 * modules, stacks and payloads); the events' seq are numbered again in
 * their new order.  A trace with LOST records is refused.
 *
 * Exit status: 0 written, 1 the edit does not apply to IN, 2 usage or I/O.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptf.h"

/* An event held for its new place, with its stack and payload bytes. */
struct held {
	struct pciem_event ev;
	const uint64_t *ips;		/* valid until the reader is closed */
	uint32_t nips;
	void *bytes;
	uint32_t len;
	int have;
};

static int hold(struct ptf_reader *r, const struct ptf_record *rec, struct held *h)
{
	const void *buf;

	memset(h, 0, sizeof(*h));
	h->ev = rec->event;
	if (rec->stack && ptf_reader__stack(r, rec->stack, &h->ips, &h->nips))
		return -EBADMSG;
	if (rec->payload) {
		if (ptf_reader__payload(r, rec->payload, &buf, &h->len))
			return -EBADMSG;
		h->bytes = malloc(h->len);
		if (!h->bytes)
			return -ENOMEM;
		memcpy(h->bytes, buf, h->len);
	}
	h->have = 1;
	return 0;
}

static int put(struct ptf_writer *w, uint32_t domain, struct pciem_event *ev, uint64_t *seq,
	       const uint64_t *ips, uint32_t nips, const void *bytes, uint32_t len)
{
	uint32_t stack = 0, payload = 0;
	int err;

	ev->seq = (*seq)++;
	if (nips && (err = ptf_writer__add_stack(w, ips, nips, &stack)))
		return err;
	if (len && (err = ptf_writer__add_payload(w, bytes, len, &payload)))
		return err;
	return ptf_writer__add_event_ex(w, domain, ev, stack, payload);
}

int main(int argc, char **argv)
{
	struct ptf_reader *r = NULL;
	struct ptf_writer *w = NULL;
	struct ptf_record rec;
	struct held copy = { 0 }, move = { 0 };
	uint64_t after, want_copy, want_move, seq = 0;
	uint32_t domain = 0;
	int have_domain = 0, placed = 0, err, rc = 2;

	if (argc != 6) {
		fprintf(stderr, "usage: trace_edit IN OUT AFTER COPY MOVE\n");
		return 2;
	}
	after = strtoull(argv[3], NULL, 0);
	want_copy = strtoull(argv[4], NULL, 0);
	want_move = strtoull(argv[5], NULL, 0);
	if (ptf_reader__open(&r, argv[1])) {
		fprintf(stderr, "trace_edit: %s\n", r ? ptf_reader__error(r) : strerror(ENOMEM));
		goto out;
	}
	err = ptf_writer__open(&w, argv[2], ptf_reader__header(r), NULL);
	if (err) {
		fprintf(stderr, "trace_edit: %s\n", w ? ptf_writer__error(w) : strerror(-err));
		goto out;
	}
	while ((err = ptf_reader__next(r, &rec)) == 1) {
		switch (rec.type) {
		case PTF_REC_DEVICE:
			if (have_domain && rec.domain != domain) {
				fprintf(stderr, "trace_edit: %s: more than one device\n", argv[1]);
				rc = 1;
				goto out;
			}
			have_domain = 1;
			domain = rec.domain;
			err = ptf_writer__add_device(w, rec.device);
			break;
		case PTF_REC_DRIVER:
			err = ptf_writer__add_driver(w, rec.domain, rec.driver);
			break;
		case PTF_REC_MODULE:
			err = ptf_writer__add_module(w, rec.module);
			break;
		case PTF_REC_LOST:
			fprintf(stderr, "trace_edit: %s: events were lost\n", argv[1]);
			rc = 1;
			goto out;
		case PTF_REC_EVENT: {
			const uint64_t *ips = NULL;
			const void *bytes = NULL;
			uint32_t nips = 0, len = 0;
			uint64_t s = rec.event.seq;

			if (s == want_copy && (err = hold(r, &rec, &copy)))
				break;
			if (s == want_move) {
				if (rec.event.type != PCIEM_EVENT_DMA_READ &&
				    rec.event.type != PCIEM_EVENT_DMA_WRITE) {
					fprintf(stderr, "trace_edit: seq %" PRIu64 " is no DMA transfer\n", s);
					rc = 1;
					goto out;
				}
				err = hold(r, &rec, &move);
				break;		/* written after AFTER */
			}
			if ((rec.stack && (err = ptf_reader__stack(r, rec.stack, &ips, &nips))) ||
			    (rec.payload && (err = ptf_reader__payload(r, rec.payload, &bytes, &len))))
				break;
			err = put(w, rec.domain, &rec.event, &seq, ips, nips, bytes, len);
			if (err || s != after)
				break;
			if (!copy.have || !move.have) {
				fprintf(stderr, "trace_edit: seq %" PRIu64 " or %" PRIu64
					" does not come before seq %" PRIu64 "\n", want_copy, want_move, after);
				rc = 1;
				goto out;
			}
			/* seen where AFTER was: its time and CPU */
			copy.ev.timestamp_ns = move.ev.timestamp_ns = rec.event.timestamp_ns;
			copy.ev.cpu = move.ev.cpu = rec.event.cpu;
			err = put(w, rec.domain, &copy.ev, &seq, copy.ips, copy.nips, copy.bytes,
				  copy.len);
			move.ev.type = PCIEM_EVENT_DMA_READ;
			if (!err)
				err = put(w, rec.domain, &move.ev, &seq, move.ips, move.nips,
					  move.bytes, move.len);
			placed = 1;
			break;
		}
		}
		if (err)
			break;
	}
	if (err < 0) {
		fprintf(stderr, "trace_edit: %s\n", ptf_writer__error(w)[0] ? ptf_writer__error(w) :
			ptf_reader__error(r));
		goto out;
	}
	if (!placed) {
		fprintf(stderr, "trace_edit: %s: no event of seq %" PRIu64 "\n", argv[1], after);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	if (w && ptf_writer__close(w) && !rc) {
		fprintf(stderr, "trace_edit: cannot write %s\n", argv[2]);
		rc = 2;
	}
	ptf_reader__close(r);
	free(copy.bytes);
	free(move.bytes);
	return rc;
}
