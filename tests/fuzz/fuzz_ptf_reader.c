// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the libptf reader: open_mem, every record, summary,
 * seeks, symbolize, DMA payloads.  The first input byte picks how the rest is used:
 *
 *   even  the rest is a trace file, as is;
 *   odd   the rest is frame contents (record streams), separated by the
 *         4 bytes FF FE FD FC; each is compressed here into a valid
 *         Zstandard frame with its checksum, so mutations reach the
 *         record decoder instead of dying at the checksum.
 *
 *   make check-fuzz   (seed corpus: tests/fuzz/gen_ptf_seeds.c)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "ptf.h"

#define SEP "\xff\xfe\xfd\xfc"

static volatile uint8_t payload_sum;

/* Touches every byte of @rec's payload, if it has one (1.4). */
static void payload(struct ptf_reader *r, const struct ptf_record *rec)
{
	const uint8_t *b;
	const void *p;
	uint32_t len, i;

	if (rec->type != PTF_REC_EVENT || !rec->payload ||
	    ptf_reader__payload(r, rec->payload, &p, &len))
		return;
	if (len != rec->event.data)
		abort();
	for (b = p, i = 0; i < len; i++)
		payload_sum += b[i];
}

static uint8_t *wrap(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len) + 64 * (len / 4 + 1), off = 0;
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();

	if (!out || !c)
		abort();
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	for (;;) {
		const uint8_t *sep = memmem(in, len, SEP, 4);
		size_t n = sep ? (size_t)(sep - in) : len;
		size_t z = ZSTD_compress2(c, out + off, cap - off, in, n);

		if (ZSTD_isError(z))
			abort();
		off += z;
		if (!sep)
			break;
		in += n + 4;
		len -= n + 4;
	}
	ZSTD_freeCCtx(c);
	*out_len = off;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptf_reader *r;
	struct ptf_record rec;
	struct ptf_summary s;
	uint8_t *buf, *own = NULL;
	uint32_t domain = 0x10000;
	uint64_t seq = 0, ts = 0;
	size_t len, n = 0;
	char name[96];

	if (!size)
		return 0;
	if (data[0] & 1) {
		own = wrap(data + 1, size - 1, &len);
		buf = own;
	} else {
		/* an exact copy, so that ASan sees any read past the end */
		len = size - 1;
		own = malloc(len ? len : 1);
		if (!own)
			abort();
		memcpy(own, data + 1, len);
		buf = own;
	}
	if (ptf_reader__open_mem(&r, buf, len, "fuzz.zst") == 0) {
		while (ptf_reader__next(r, &rec) == 1 && n++ < 2000000) {
			if (rec.type == PTF_REC_EVENT) {
				domain = rec.domain;
				seq = rec.event.seq;
				ts = rec.event.timestamp_ns;
				ptf_reader__symbolize(r, rec.event.ip, name, sizeof(name));
				payload(r, &rec);
			}
			if (rec.type == PTF_REC_DEVICE && rec.device->domain != rec.domain)
				abort();
			if (rec.type == PTF_REC_MODULE && rec.module->nsyms)
				ptf_reader__symbolize(r, rec.module->syms[0].addr, name,
						      sizeof(name));
		}
		ptf_reader__warning(r);
		ptf_reader__summary(r, &s);
		ptf_reader__device(r, domain);
		ptf_reader__driver(r, domain);
		if (ptf_reader__seek_seq(r, domain, seq / 2) == 0 && ptf_reader__next(r, &rec) == 1)
			payload(r, &rec);
		if (ptf_reader__seek_time(r, ts / 2) == 0 && ptf_reader__next(r, &rec) == 1)
			payload(r, &rec);
		ptf_reader__payload(r, 1, &(const void *){ NULL }, &(uint32_t){ 0 });
		ptf_reader__rewind(r);
		ptf_reader__next(r, &rec);
	}
	ptf_reader__error(r);
	ptf_reader__close(r);
	free(own);
	return 0;
}
