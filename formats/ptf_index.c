// SPDX-License-Identifier: GPL-2.0
/*
 * libptf: the index frame and the seek table at the end of a complete file
 * (formats/trace_format.md, "The index frame", "The seek table frame").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptf_codec.h"

#define INDEX_HDR	12	/* Index_Magic, versions, Frame_Count */
#define ENTRY_SIZE	24
#define DEV_SIZE	40
#define SEEK_ENTRY	12
#define SEEK_FOOTER	9

/* CRC-32 (reflected 0xEDB88320) four bits at a time: a constant table,
 * nothing to initialise, and the index is small. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
	0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
	0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
};

uint32_t ptf_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = crc_nibble[crc & 0x0f] ^ (crc >> 4);
		crc = crc_nibble[crc & 0x0f] ^ (crc >> 4);
	}
	return ~crc;
}

static size_t index_body_size(const struct ptf_index *ix)
{
	return INDEX_HDR + (size_t)ix->nframes * ENTRY_SIZE + (size_t)ix->ndevs * DEV_SIZE + 4;
}

size_t ptf_index__size(const struct ptf_index *ix)
{
	/* index frame, seek table frame: one seek entry per data frame + index */
	return 8 + index_body_size(ix) + 8 + ((size_t)ix->nframes + 1) * SEEK_ENTRY + SEEK_FOOTER;
}

void ptf_index__write(const struct ptf_index *ix, uint8_t *out)
{
	size_t body = index_body_size(ix);
	uint8_t *p = out, *start;
	uint32_t i, j;

	p = ptf_put_le32(p, PTF_SKIP_MAGIC_INDEX);
	p = ptf_put_le32(p, (uint32_t)body);
	start = p;
	p = ptf_put_le32(p, PTF_INDEX_MAGIC);
	p = ptf_put_le16(p, PTF_VERSION_MAJOR);
	p = ptf_put_le16(p, PTF_VERSION_MINOR);
	p = ptf_put_le32(p, ix->nframes);
	for (i = 0; i < ix->nframes; i++) {
		const struct ptf_frame_info *f = &ix->frames[i];

		p = ptf_put_le64(p, f->offset);
		p = ptf_put_le32(p, f->csize);
		p = ptf_put_le32(p, f->dsize);
		p = ptf_put_le32(p, f->records);
		p = ptf_put_le16(p, f->flags);
		p = ptf_put_le16(p, f->ndev);
		for (j = 0; j < f->ndev; j++) {
			const struct ptf_index_dev *d = &ix->devs[f->dev0 + j];

			p = ptf_put_le32(p, d->domain);
			p = ptf_put_le32(p, d->events);
			p = ptf_put_le64(p, d->min_seq);
			p = ptf_put_le64(p, d->max_seq);
			p = ptf_put_le64(p, d->min_ts);
			p = ptf_put_le64(p, d->max_ts);
		}
	}
	p = ptf_put_le32(p, ptf_crc32(0, start, (size_t)(p - start)));

	p = ptf_put_le32(p, PTF_SKIP_MAGIC_SEEK);
	p = ptf_put_le32(p, (ix->nframes + 1) * SEEK_ENTRY + SEEK_FOOTER);
	for (i = 0; i < ix->nframes; i++) {
		p = ptf_put_le32(p, ix->frames[i].csize);
		p = ptf_put_le32(p, ix->frames[i].dsize);
		p = ptf_put_le32(p, ix->frames[i].checksum);
	}
	p = ptf_put_le32(p, (uint32_t)(8 + body));
	p = ptf_put_le32(p, 0);
	p = ptf_put_le32(p, PTF_XXH64_EMPTY_LO);
	p = ptf_put_le32(p, ix->nframes + 1);
	*p++ = PTF_SEEK_CHECKSUM_FLAG;
	ptf_put_le32(p, PTF_SEEKABLE_MAGIC);
}

void ptf_index__free(struct ptf_index *ix)
{
	free(ix->frames);
	free(ix->devs);
	memset(ix, 0, sizeof(*ix));
}

__attribute__((format(printf, 3, 4)))
static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

int ptf_index__read(const uint8_t *data, size_t len, struct ptf_index *ix,
		    char *why, size_t whylen)
{
	const uint8_t *foot, *st, *entries, *ib, *p, *iend;
	uint64_t tsize, off, ndevs = 0;
	uint32_t nfr, i, j, esize, isize, n;
	uint8_t desc;
	int err;

	memset(ix, 0, sizeof(*ix));
	if (len < 8 + SEEK_FOOTER || ptf_le32(data + len - 4) != PTF_SEEKABLE_MAGIC)
		return 0;
	foot = data + len - SEEK_FOOTER;
	nfr = ptf_le32(foot);
	desc = foot[4];
	if (desc & PTF_SEEK_RESERVED_BITS)
		return bad(why, whylen, "seek table: reserved descriptor bits set (0x%02x)", desc);
	esize = desc & PTF_SEEK_CHECKSUM_FLAG ? 12 : 8;
	tsize = (uint64_t)nfr * esize + SEEK_FOOTER;
	if (tsize + 8 > len)
		return bad(why, whylen, "seek table: %" PRIu32 " frames do not fit in the file", nfr);
	st = data + len - tsize - 8;
	if (ptf_le32(st) != PTF_SKIP_MAGIC_SEEK || ptf_le32(st + 4) != tsize)
		return bad(why, whylen, "seek table: bad skippable frame header at byte %zu",
			   (size_t)(st - data));
	if (nfr < 2)
		return bad(why, whylen, "seek table: %" PRIu32 " frames, expected data frames and an index",
			   nfr);
	entries = st + 8;
	off = 0;
	for (i = 0; i < nfr; i++)
		off += ptf_le32(entries + (size_t)i * esize);
	if (off != (uint64_t)(st - data))
		return bad(why, whylen, "seek table: frame sizes add up to %" PRIu64 ", not %zu", off,
			   (size_t)(st - data));

	/* the index: the last entry */
	isize = ptf_le32(entries + (size_t)(nfr - 1) * esize);
	ib = st - isize;
	if (isize < 8 + INDEX_HDR + 4 || ptf_le32(ib) != PTF_SKIP_MAGIC_INDEX ||
	    ptf_le32(ib + 4) != isize - 8 || ptf_le32(entries + (size_t)(nfr - 1) * esize + 4))
		return bad(why, whylen, "index: no index frame before the seek table");
	ib += 8;
	isize -= 8;
	if (ptf_le32(ib + isize - 4) != ptf_crc32(0, ib, isize - 4))
		return bad(why, whylen, "index: checksum mismatch (stored 0x%08" PRIx32
			   ", computed 0x%08" PRIx32 ")", ptf_le32(ib + isize - 4),
			   ptf_crc32(0, ib, isize - 4));
	if (ptf_le32(ib) != PTF_INDEX_MAGIC)
		return bad(why, whylen, "index: bad magic");
	if (ptf_le16(ib + 4) != PTF_VERSION_MAJOR)
		return bad(why, whylen, "index: version %u.%u, this reader knows %u.x",
			   ptf_le16(ib + 4), ptf_le16(ib + 6), PTF_VERSION_MAJOR);
	n = ptf_le32(ib + 8);
	if (n != nfr - 1)
		return bad(why, whylen, "index: %" PRIu32 " frames, the seek table has %" PRIu32, n,
			   nfr - 1);

	/* first pass: sizes */
	iend = ib + isize - 4;
	p = ib + INDEX_HDR;
	for (i = 0; i < n; i++) {
		uint16_t nd;

		if (iend - p < ENTRY_SIZE)
			return bad(why, whylen, "index: entry %" PRIu32 " cut short", i);
		nd = ptf_le16(p + 22);
		if (nd > PTF_FRAME_DEVICES)
			return bad(why, whylen, "index: frame %" PRIu32 " has %u devices (at most %u)", i,
				   nd, PTF_FRAME_DEVICES);
		p += ENTRY_SIZE;
		if ((size_t)(iend - p) < (size_t)nd * DEV_SIZE)
			return bad(why, whylen, "index: entry %" PRIu32 " cut short", i);
		p += (size_t)nd * DEV_SIZE;
		ndevs += nd;
	}
	if (p != iend)
		return bad(why, whylen, "index: %zu bytes left after the entries", (size_t)(iend - p));

	ix->frames = calloc(n, sizeof(*ix->frames));
	ix->devs = calloc(ndevs ? ndevs : 1, sizeof(*ix->devs));
	if (!ix->frames || !ix->devs) {
		err = bad(why, whylen, "index: out of memory");
		goto fail;
	}
	ix->nframes = n;
	p = ib + INDEX_HDR;
	off = 0;
	for (i = 0; i < n; i++) {
		struct ptf_frame_info *f = &ix->frames[i];
		const uint8_t *se = entries + (size_t)i * esize;

		f->offset = ptf_le64(p);
		f->csize = ptf_le32(p + 8);
		f->dsize = ptf_le32(p + 12);
		f->records = ptf_le32(p + 16);
		f->flags = ptf_le16(p + 20);
		f->ndev = ptf_le16(p + 22);
		f->dev0 = ix->ndevs;
		p += ENTRY_SIZE;
		if (f->offset != off || f->csize != ptf_le32(se) || f->dsize != ptf_le32(se + 4)) {
			err = bad(why, whylen, "index: frame %" PRIu32 " disagrees with the seek table", i);
			goto fail;
		}
		if (f->csize < 12 || ptf_le32(data + off) != PTF_ZSTD_MAGIC) {
			err = bad(why, whylen, "index: frame %" PRIu32 " at byte %" PRIu64
				  " is not a Zstandard frame", i, off);
			goto fail;
		}
		if (f->dsize > PTF_FRAME_MAX) {
			err = bad(why, whylen, "index: frame %" PRIu32 " claims %" PRIu32
				  " bytes (at most %u)", i, f->dsize, PTF_FRAME_MAX);
			goto fail;
		}
		f->checksum = ptf_le32(data + off + f->csize - 4);
		if (esize == 12 && ptf_le32(se + 8) != f->checksum) {
			err = bad(why, whylen, "seek table: checksum of frame %" PRIu32
				  " differs from the frame's own", i);
			goto fail;
		}
		for (j = 0; j < f->ndev; j++) {
			struct ptf_index_dev *d = &ix->devs[ix->ndevs++];

			d->domain = ptf_le32(p);
			d->events = ptf_le32(p + 4);
			d->min_seq = ptf_le64(p + 8);
			d->max_seq = ptf_le64(p + 16);
			d->min_ts = ptf_le64(p + 24);
			d->max_ts = ptf_le64(p + 32);
			p += DEV_SIZE;
			if (!d->events || d->min_seq > d->max_seq || d->min_ts > d->max_ts) {
				err = bad(why, whylen, "index: frame %" PRIu32
					  " device %" PRIu32 ": impossible values", i, d->domain);
				goto fail;
			}
		}
		off += f->csize;
	}
	return 1;
fail:
	ptf_index__free(ix);
	return err;
}
