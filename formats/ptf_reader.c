// SPDX-License-Identifier: GPL-2.0
/*
 * libptf reader.  The file is mapped (or given in memory); the frame list
 * comes from the index when the file is complete and intact, else from a
 * scan of the frames.  Each frame is decompressed whole (its checksum
 * verified) into one buffer and its records decoded from there.  Nothing
 * read from the file is trusted: every length and count is checked
 * against what is left before it is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "ptf_codec.h"

struct ptf_rdev {			/* every domain met */
	uint32_t domain;
	int described;
	int seen;			/* an event was read (iteration) */
	uint64_t last_seq;		/* of the last event read */
	char *driver;
	struct ptf_device dev;
};

struct ptf_rmod {
	uint32_t frame, pos;		/* where its record is: the identity */
	struct ptf_module m;
	char *name;
	struct ptf_symbol *syms;
	char *strings;
};

struct ptf_footer {
	uint64_t records, events, lost, frames, first_ns, last_ns;
	uint32_t devices;
	int has_stacks;			/* 1.2's fields are there */
	uint64_t stacks, stacks_lost;
	int has_payloads;		/* 1.4's fields are there */
	uint64_t payloads, payload_bytes, dma_bytes;
};

/* Where a payload's bytes are (1.4): the id's DMA_DATA record is in data
 * frame @frame, its bytes at @off in the frame's content. */
struct ptf_rpay {
	uint32_t frame, off, len;
};

/* A frame decompressed to serve ptf_reader__payload(). */
struct ptf_pcache {
	int64_t frame;			/* -1: empty */
	uint8_t *buf;
	size_t cap, len;
	uint64_t used;			/* when last used, for LRU */
};
#define PTF_PCACHE_FRAMES	2

struct ptf_reader {
	char *name;
	const uint8_t *data;
	size_t len;
	void *map;
	size_t maplen;
	char err[640];
	char warn[640];
	char trunc[320];		/* what the scan found missing */
	char *tail_err;			/* damage found by the scan after the last frame */
	struct ptf_header hdr;

	struct ptf_index ix;		/* frames; devs only with an index */
	int have_index;
	int have_footer;
	size_t header_pos;		/* of the HEADER record in frame 0 */
	struct ptf_footer footer;
	uint64_t data_end;		/* end of the last complete frame */

	ZSTD_DCtx *dctx;
	uint8_t *fbuf;
	size_t fcap;
	int64_t loaded;			/* frame in fbuf, -1: none */
	size_t flen;

	/* iteration */
	uint32_t cur;
	int in_frame;
	const uint8_t *p, *end;
	int have_pending;
	struct ptf_record pending;
	struct ptf_codec *codec;

	struct ptf_rdev **devs;
	uint32_t ndevs;
	struct ptf_rdev *last_dev;
	struct ptf_rmod **mods;
	uint32_t nmods;

	/* stacks (1.2): id i + 1 is sframes[soff[i] .. soff[i] + slen[i]) */
	uint64_t *sframes;
	size_t nsframes, sframes_cap;
	size_t *soff;
	uint32_t *slen;
	uint32_t nstacks, stacks_cap;

	/* payloads (1.4): id i + 1 is pays[i], for ids defined by the frames
	 * read so far (never their bytes: those stay in the file) */
	struct ptf_rpay *pays;
	uint32_t npays;
	size_t pays_cap;
	uint64_t pay_next;		/* in the frame entered last: id of its first
					 * payload, 0 when not known */
	uint32_t pay_count;		/* its DMA_DATA records met so far */
	struct ptf_pcache pcache[PTF_PCACHE_FRAMES];
	uint64_t pcache_clock;
};

__attribute__((format(printf, 3, 4)))
static int bad(struct ptf_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ptf_vmsg(r->err, sizeof(r->err), r->name, fmt, ap);
	va_end(ap);
	return err;
}

static int bad_rec(struct ptf_reader *r, uint32_t k, size_t pos, const char *what)
{
	return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64 "), record at offset %zu: %s",
		   k, r->ix.frames[k].offset, pos, what);
}

/* ---- per-domain data, modules --------------------------------------------- */

static struct ptf_rdev *rdev_get(struct ptf_reader *r, uint32_t domain)
{
	struct ptf_rdev *d;
	uint32_t i;

	if (r->last_dev && r->last_dev->domain == domain)
		return r->last_dev;
	for (i = 0; i < r->ndevs; i++)
		if (r->devs[i]->domain == domain)
			return r->last_dev = r->devs[i];
	if (r->ndevs == PTF_MAX_DOMAINS)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domain = domain;
	d->dev.domain = domain;
	r->devs[r->ndevs++] = d;
	return r->last_dev = d;
}

static void rmod_free(struct ptf_rmod *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->syms);
	free(m->strings);
	free(m);
}

/* ---- frames ---------------------------------------------------------------- */

static int frames_add(struct ptf_reader *r, uint64_t off, uint32_t csize, uint32_t *cap)
{
	if (r->ix.nframes == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(r->ix.frames, ncap * sizeof(*r->ix.frames));

		if (!p)
			return -ENOMEM;
		r->ix.frames = p;
		*cap = ncap;
	}
	memset(&r->ix.frames[r->ix.nframes], 0, sizeof(r->ix.frames[0]));
	r->ix.frames[r->ix.nframes].offset = off;
	r->ix.frames[r->ix.nframes].csize = csize;
	r->ix.nframes++;
	return 0;
}

/* Walks the file from its start, frame by frame. */
static int scan(struct ptf_reader *r)
{
	uint64_t off = 0;
	uint32_t cap = 0;
	int err;

	while (off < r->len) {
		const uint8_t *p = r->data + off;
		size_t left = r->len - off;
		uint32_t magic;

		if (left < 4) {
			snprintf(r->trunc, sizeof(r->trunc),
				 "the file ends at byte %zu, inside the frame that starts at byte %"
				 PRIu64, r->len, off);
			break;
		}
		magic = ptf_le32(p);
		if (magic == PTF_ZSTD_MAGIC) {
			size_t n = ZSTD_findFrameCompressedSize(p, left);

			if (ZSTD_isError(n)) {
				if (ZSTD_getErrorCode(n) == ZSTD_error_srcSize_wrong) {
					snprintf(r->trunc, sizeof(r->trunc),
						 "the file ends inside frame %" PRIu32
						 " (at byte %zu; the frame starts at byte %" PRIu64 ")",
						 r->ix.nframes, r->len, off);
				} else if (asprintf(&r->tail_err, "frame %" PRIu32 " (at byte %" PRIu64
						    "): damaged frame header: %s", r->ix.nframes, off,
						    ZSTD_getErrorName(n)) < 0) {
					r->tail_err = NULL;
					return -ENOMEM;
				}
				break;
			}
			if (n > UINT32_MAX) {
				if (asprintf(&r->tail_err, "frame %" PRIu32 " (at byte %" PRIu64
					     "): larger than 4 GiB", r->ix.nframes, off) < 0)
					r->tail_err = NULL;
				break;
			}
			err = frames_add(r, off, (uint32_t)n, &cap);
			if (err)
				return err;
			off += n;
			r->data_end = off;
		} else if ((magic & PTF_SKIP_MAGIC_MASK) == PTF_SKIP_MAGIC_ANY) {
			uint64_t n = left < 8 ? UINT64_MAX : 8 + (uint64_t)ptf_le32(p + 4);

			if (n > left) {
				snprintf(r->trunc, sizeof(r->trunc),
					 "the file ends at byte %zu, inside the skippable frame that "
					 "starts at byte %" PRIu64, r->len, off);
				break;
			}
			off += n;
		} else {
			if (asprintf(&r->tail_err, "unexpected bytes at byte %" PRIu64
				     " (after frame %" PRIu32 "): not a Zstandard frame", off,
				     r->ix.nframes ? r->ix.nframes - 1 : 0) < 0)
				r->tail_err = NULL;
			break;
		}
	}
	return 0;
}

/* Decompresses frame @k into *@buf (of *@cap bytes, grown if needed),
 * verifying its checksum; its content's length in *@len. */
static int frame_decompress(struct ptf_reader *r, uint32_t k, uint8_t **buf, size_t *cap,
			    size_t *len)
{
	struct ptf_frame_info *f = &r->ix.frames[k];
	const uint8_t *src = r->data + f->offset;
	unsigned long long fcs;
	size_t n;

	if (f->csize < 6 || !(src[4] & 0x04))
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): no content checksum", k, f->offset);
	fcs = ZSTD_getFrameContentSize(src, f->csize);
	if (fcs == ZSTD_CONTENTSIZE_ERROR)
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): damaged frame header", k, f->offset);
	if (fcs == ZSTD_CONTENTSIZE_UNKNOWN)
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): no content size", k, f->offset);
	if (fcs > PTF_FRAME_MAX)
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): content of %llu bytes (at most %u)", k, f->offset, fcs, PTF_FRAME_MAX);
	if (r->have_index && fcs != f->dsize)
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): content of %llu bytes, the index says %" PRIu32, k, f->offset, fcs,
			   f->dsize);
	n = ZSTD_findFrameCompressedSize(src, f->csize);
	if (ZSTD_isError(n) || n != f->csize)
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): damaged (its blocks do not end where the frame does)", k, f->offset);
	if (fcs + PTF_READ_PAD > *cap) {
		/* one allocation, the content's size rounded up to 64 KiB */
		size_t ncap = ((size_t)fcs + PTF_READ_PAD + 0xffff) & ~(size_t)0xffff;
		void *p;

		/* realloc() would copy the old content: it is not needed */
		free(*buf);
		*cap = 0;
		p = malloc(ncap);
		*buf = p;
		if (!p)
			return bad(r, -ENOMEM, "out of memory");
		*cap = ncap;
	}
	n = ZSTD_decompressDCtx(r->dctx, *buf, (size_t)fcs, src, f->csize);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_checksum_wrong)
			return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
				   "): content checksum mismatch: the frame is damaged", k, f->offset);
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): cannot decompress: %s", k, f->offset, ZSTD_getErrorName(n));
	}
	if (n != fcs)
		return bad(r, -EBADMSG, "frame %" PRIu32 " (at byte %" PRIu64
			   "): %zu bytes decompressed, %llu announced", k, f->offset, n, fcs);
	/* the event decoder loads 8 bytes at a time: defined bytes after the end */
	memset(*buf + n, 0, PTF_READ_PAD);
	*len = n;
	return 0;
}

/* Decompresses frame @k into fbuf. */
static int frame_load(struct ptf_reader *r, uint32_t k)
{
	int err;

	if (r->loaded == k)
		return 0;
	r->loaded = -1;
	err = frame_decompress(r, k, &r->fbuf, &r->fcap, &r->flen);
	if (err)
		return err;
	r->loaded = k;
	if (!r->have_index)
		r->ix.frames[k].dsize = (uint32_t)r->flen;
	return 0;
}

struct rec_hdr {
	unsigned int tag, flags;
	const uint8_t *content;
	size_t size;
	size_t pos;			/* offset in the frame's content */
};

/* Parses the record header at *pp. */
static const char *rec_next(const uint8_t **pp, const uint8_t *end, const uint8_t *base,
			    struct rec_hdr *h)
{
	const uint8_t *p = *pp;
	uint64_t size;

	h->pos = (size_t)(p - base);
	h->tag = *p++;
	h->flags = 0;
	if (h->tag == 0)
		return "invalid record tag 0x00";
	if (!(h->tag & PTF_EV_TAG)) {
		if (p >= end)
			return "record header cut short";
		h->flags = *p++;
	}
	if (ptf_get_varint(&p, end, &size))
		return "record size cut short";
	if (size > (uint64_t)(end - p))
		return "record size overruns the frame";
	h->content = p;
	h->size = (size_t)size;
	*pp = p + size;
	return NULL;
}

/* Opens frame @k for reading: loads it, checks the preamble (frame 0) and
 * the FRAME record; leaves [*pp, end) at the records that follow. */
static int frame_enter(struct ptf_reader *r, uint32_t k, const uint8_t **pp, const uint8_t **pend)
{
	const uint8_t *p, *end;
	struct rec_hdr h;
	struct ptf_cur c;
	const char *why;
	uint64_t num;
	int err;

	err = frame_load(r, k);
	if (err)
		return err;
	p = r->fbuf;
	end = r->fbuf + r->flen;
	if (k == 0) {
		uint16_t major, minor;

		if (r->flen < PTF_PREAMBLE_LEN || memcmp(p, PTF_MAGIC, PTF_MAGIC_LEN))
			return bad(r, -EBADMSG, "not a PCIem trace: bad magic at the start of frame 0");
		major = ptf_le16(p + 8);
		minor = ptf_le16(p + 10);
		if (major != PTF_VERSION_MAJOR)
			return bad(r, -EPROTONOSUPPORT, "trace format version %u.%u, this reader "
				   "reads versions %u.0 to %u.%u: use a %s version of the tools", major,
				   minor, PTF_VERSION_MAJOR, PTF_VERSION_MAJOR, PTF_VERSION_MINOR,
				   major > PTF_VERSION_MAJOR ? "newer" : "older");
		r->hdr.version_major = major;
		r->hdr.version_minor = minor;
		p += PTF_PREAMBLE_LEN;
	}
	if (p >= end)
		return bad_rec(r, k, (size_t)(p - r->fbuf), "no FRAME record");
	why = rec_next(&p, end, r->fbuf, &h);
	if (why)
		return bad_rec(r, k, h.pos, why);
	if (h.tag != PTF_T_FRAME)
		return bad_rec(r, k, h.pos, "the frame does not start with a FRAME record");
	c = (struct ptf_cur){ h.content, h.content + h.size, NULL };
	num = ptf_cur__u64(&c, "FRAME: Frame_Number cut short");
	if (c.err)
		return bad_rec(r, k, h.pos, c.err);
	if (num != k) {
		char msg[96];

		snprintf(msg, sizeof(msg), "FRAME record says frame %" PRIu64, num);
		return bad_rec(r, k, h.pos, msg);
	}
	/* payload ids continue those of the frame before (1.4) */
	r->pay_count = 0;
	if (k == 0)
		r->pay_next = 1;
	else if (r->ix.frames[k - 1].pay_known)
		r->pay_next = (uint64_t)r->ix.frames[k - 1].pay0 + r->ix.frames[k - 1].npay;
	else
		r->pay_next = 0;
	*pp = p;
	*pend = end;
	return 0;
}

/* Frame @k, entered last, has been read to its end: its payloads are
 * counted. */
static void frame_payloads_done(struct ptf_reader *r, uint32_t k)
{
	struct ptf_frame_info *f = &r->ix.frames[k];

	if (f->pay_known || !r->pay_next)
		return;
	f->pay_known = 1;
	f->pay0 = (uint32_t)r->pay_next;
	f->npay = r->pay_count;
}

/* ---- described records ----------------------------------------------------- */

static void copy_str(char *dst, const uint8_t *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = 0;
}

static const char *parse_header(struct ptf_reader *r, const struct rec_hdr *h)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	struct ptf_header *hd = &r->hdr;
	const uint8_t *s;
	size_t n;

#define STR(field, what)						\
	do {								\
		n = ptf_cur__str(&c, sizeof(hd->field) - 1, &s, what);	\
		if (c.err)						\
			return c.err;					\
		copy_str(hd->field, s, n);				\
	} while (0)
	STR(tool_version, "HEADER: bad Tool_Version");
	STR(kernel_release, "HEADER: bad Kernel_Release");
	STR(hostname, "HEADER: bad Host_Name");
	STR(clock, "HEADER: bad Clock");
	hd->start_mono_ns = ptf_cur__u64(&c, "HEADER: bad Start_Mono_Ns");
	hd->start_real_ns = (int64_t)ptf_cur__s64(&c, "HEADER: bad Start_Real_Ns");
	hd->trap_mode = ptf_cur__u32(&c, "HEADER: bad Trap_Mode");
	hd->flags = ptf_cur__u32(&c, "HEADER: bad Header_Flags");
	if (c.err)
		return c.err;
	STR(command, "HEADER: bad Command");
#undef STR
	/* 1.1: Boot_Id; a 1.0 header ends after Command */
	memset(hd->boot_id, 0, sizeof(hd->boot_id));
	if (c.p < c.end) {
		s = ptf_cur__bytes(&c, sizeof(hd->boot_id), "HEADER: bad Boot_Id");
		if (c.err)
			return c.err;
		memcpy(hd->boot_id, s, sizeof(hd->boot_id));
	}
	return NULL;
}

static int parse_device(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h,
			struct ptf_rdev **out)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	struct pciem_trace_device d;
	struct ptf_rdev *rd;
	const uint8_t *cfg;
	uint32_t domain;
	int i;

	memset(&d, 0, sizeof(d));
	domain = ptf_cur__u32(&c, "DEVICE: bad Domain");
	d.vendor_id = (uint16_t)ptf_cur__max(&c, UINT16_MAX, "DEVICE: bad Vendor_Id");
	d.device_id = (uint16_t)ptf_cur__max(&c, UINT16_MAX, "DEVICE: bad Device_Id");
	d.bus = (uint8_t)ptf_cur__max(&c, UINT8_MAX, "DEVICE: bad Bus");
	d.devfn = (uint8_t)ptf_cur__max(&c, UINT8_MAX, "DEVICE: bad Devfn");
	d.msi_cap = (uint8_t)ptf_cur__max(&c, UINT8_MAX, "DEVICE: bad Msi_Cap");
	d.pcie_cap = (uint8_t)ptf_cur__max(&c, UINT8_MAX, "DEVICE: bad Pcie_Cap");
	d.pm_cap = (uint8_t)ptf_cur__max(&c, UINT8_MAX, "DEVICE: bad Pm_Cap");
	d.creator_pid = ptf_cur__u32(&c, "DEVICE: bad Creator_Pid");
	for (i = 0; i < 6; i++) {
		d.bars[i].bus_addr = ptf_cur__u64(&c, "DEVICE: bad Bus_Addr");
		d.bars[i].size = ptf_cur__u64(&c, "DEVICE: bad BAR Size");
		d.bars[i].flags = ptf_cur__u32(&c, "DEVICE: bad BAR Flags");
	}
	cfg = ptf_cur__bytes(&c, sizeof(d.config), "DEVICE: Config cut short");
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	memcpy(d.config, cfg, sizeof(d.config));
	/* 1.3: Device_Flags; a 1.0 to 1.2 DEVICE ends here (flags 0) */
	if (c.p < c.end)
		d.flags = (uint8_t)ptf_cur__max(&c, UINT8_MAX, "DEVICE: bad Device_Flags");
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	rd = rdev_get(r, domain);
	if (!rd)
		return bad_rec(r, k, h->pos, "more than 1024 devices (or out of memory)");
	rd->described = 1;
	rd->dev.domain = domain;
	rd->dev.desc = d;
	*out = rd;
	return 0;
}

static int parse_driver(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h,
			struct ptf_rdev **out)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	struct ptf_rdev *rd;
	const uint8_t *s;
	uint32_t domain;
	size_t n;
	char *name;

	domain = ptf_cur__u32(&c, "DRIVER: bad Domain");
	n = ptf_cur__str(&c, PTF_NAME_MAX, &s, "DRIVER: bad Driver_Name");
	if (!c.err && !n)
		c.err = "DRIVER: empty Driver_Name";
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	rd = rdev_get(r, domain);
	if (!rd)
		return bad_rec(r, k, h->pos, "more than 1024 devices (or out of memory)");
	name = malloc(n + 1);
	if (!name)
		return bad(r, -ENOMEM, "out of memory");
	copy_str(name, s, n);
	free(rd->driver);
	rd->driver = name;
	*out = rd;
	return 0;
}

static int parse_module(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h,
			struct ptf_rmod **out)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	struct ptf_rmod *m = NULL;
	const uint8_t *s;
	char *str;
	uint64_t addr, nsyms;
	uint32_t i;
	size_t n;
	int err;

	for (i = 0; i < r->nmods; i++) {
		if (r->mods[i]->frame == k && r->mods[i]->pos == h->pos) {
			*out = r->mods[i];
			return 0;
		}
	}
	if (r->nmods == PTF_MAX_MODULES)
		return bad_rec(r, k, h->pos, "more than 4096 MODULE records");
	m = calloc(1, sizeof(*m));
	if (!m)
		return bad(r, -ENOMEM, "out of memory");
	m->frame = k;
	m->pos = (uint32_t)h->pos;
	n = ptf_cur__str(&c, PTF_NAME_MAX, &s, "MODULE: bad Name");
	if (!c.err && !n)
		c.err = "MODULE: empty Name";
	if (c.err) {
		err = bad_rec(r, k, h->pos, c.err);
		goto fail;
	}
	m->name = malloc(n + 1);
	if (!m->name) {
		err = bad(r, -ENOMEM, "out of memory");
		goto fail;
	}
	copy_str(m->name, s, n);
	m->m.name = m->name;
	m->m.base = ptf_cur__u64(&c, "MODULE: bad Base");
	m->m.size = ptf_cur__u64(&c, "MODULE: bad Size");
	nsyms = ptf_cur__u64(&c, "MODULE: bad Symbol_Count");
	if (!c.err && m->m.base + m->m.size < m->m.base)
		c.err = "MODULE: Base + Size wraps";
	/* each symbol takes at least 3 bytes */
	if (!c.err && (nsyms > PTF_MAX_SYMS || nsyms > (uint64_t)(c.end - c.p) / 3))
		c.err = "MODULE: Symbol_Count larger than the record";
	if (c.err) {
		err = bad_rec(r, k, h->pos, c.err);
		goto fail;
	}
	m->m.nsyms = (uint32_t)nsyms;
	m->syms = calloc(nsyms ? nsyms : 1, sizeof(*m->syms));
	m->strings = malloc((size_t)(c.end - c.p) + nsyms + 1);
	if (!m->syms || !m->strings) {
		err = bad(r, -ENOMEM, "out of memory");
		goto fail;
	}
	str = m->strings;
	addr = m->m.base;
	for (i = 0; i < nsyms; i++) {
		uint64_t delta = ptf_cur__u64(&c, "MODULE: bad Addr_Delta");

		if (!c.err && addr + delta < addr)
			c.err = "MODULE: symbol address wraps";
		addr += delta;
		m->syms[i].addr = addr;
		m->syms[i].size = ptf_cur__u64(&c, "MODULE: bad symbol Size");
		n = ptf_cur__str(&c, PTF_SYM_NAME_MAX, &s, "MODULE: bad symbol Name");
		if (c.err) {
			err = bad_rec(r, k, h->pos, c.err);
			goto fail;
		}
		copy_str(str, s, n);
		m->syms[i].name = str;
		str += n + 1;
	}
	m->m.syms = m->syms;
	r->mods[r->nmods++] = m;
	*out = m;
	return 0;
fail:
	rmod_free(m);
	return err;
}

/* A STACK_TABLE record: its stacks are kept (once: a frame read again,
 * after a rewind or a seek, defines nothing new). */
static int parse_stacks(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	uint64_t first, count, i, addr;
	uint32_t n, j;

	first = ptf_cur__u64(&c, "STACK_TABLE: bad First_Id");
	count = ptf_cur__u64(&c, "STACK_TABLE: bad Stack_Count");
	if (!c.err && (!first || first > (uint64_t)r->nstacks + 1))
		c.err = "STACK_TABLE: First_Id is not the next stack's id";
	/* each stack takes at least 2 bytes */
	if (!c.err && (!count || count > (uint64_t)(c.end - c.p) / 2 ||
		       first - 1 + count > PTF_MAX_STACKS))
		c.err = "STACK_TABLE: bad Stack_Count";
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	for (i = 0; i < count; i++) {
		uint64_t id = first + i;
		int known = id <= r->nstacks;

		n = ptf_cur__max(&c, PTF_STACK_MAX_FRAMES, "STACK_TABLE: bad Frame_Count");
		if (!c.err && !n)
			c.err = "STACK_TABLE: Frame_Count 0";
		if (c.err)
			return bad_rec(r, k, h->pos, c.err);
		if (!known) {
			if (r->nstacks == r->stacks_cap) {
				uint32_t cap = r->stacks_cap ? r->stacks_cap * 2 : 256;
				size_t *o = realloc(r->soff, cap * sizeof(*o));
				uint32_t *l;

				if (!o)
					return bad(r, -ENOMEM, "out of memory");
				r->soff = o;
				l = realloc(r->slen, cap * sizeof(*l));
				if (!l)
					return bad(r, -ENOMEM, "out of memory");
				r->slen = l;
				r->stacks_cap = cap;
			}
			if (r->nsframes + n > r->sframes_cap) {
				size_t cap = r->sframes_cap ? r->sframes_cap * 2 : 4096;
				uint64_t *f;

				while (cap < r->nsframes + n)
					cap *= 2;
				f = realloc(r->sframes, cap * sizeof(*f));
				if (!f)
					return bad(r, -ENOMEM, "out of memory");
				r->sframes = f;
				r->sframes_cap = cap;
			}
		}
		addr = ptf_cur__u64(&c, "STACK_TABLE: bad First_Addr");
		for (j = 0; j < n && !c.err; j++) {
			if (j)
				addr += ptf_unzigzag(ptf_cur__u64(&c, "STACK_TABLE: bad Addr_Delta"));
			if (!known)
				r->sframes[r->nsframes + j] = addr;
		}
		if (c.err)
			return bad_rec(r, k, h->pos, c.err);
		if (!known) {
			r->soff[r->nstacks] = r->nsframes;
			r->slen[r->nstacks] = n;
			r->nsframes += n;
			r->nstacks++;
		}
	}
	return 0;
}

int ptf_reader__stack(struct ptf_reader *r, uint32_t id, const uint64_t **ips, uint32_t *n)
{
	if (!id || id > r->nstacks) {
		*ips = NULL;
		*n = 0;
		return -ENOENT;
	}
	*ips = r->sframes + r->soff[id - 1];
	*n = r->slen[id - 1];
	return 0;
}

/* A DMA_DATA record (1.4) of frame @k, entered last and in fbuf: checks it
 * and notes where its bytes are (once: a frame read again defines nothing
 * new). */
static int parse_payload(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	const struct ptf_frame_info *f = &r->ix.frames[k];
	const uint8_t *bytes;
	uint64_t want;
	uint32_t id, len;
	char msg[160];

	id = ptf_cur__u32(&c, "DMA_DATA: bad Data_Id");
	len = ptf_cur__u32(&c, "DMA_DATA: bad Length");
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	if (!len || len > PTF_PAYLOAD_MAX) {
		snprintf(msg, sizeof(msg), "DMA_DATA: Length %" PRIu32 " (1 to %u)", len,
			 PTF_PAYLOAD_MAX);
		return bad_rec(r, k, h->pos, msg);
	}
	bytes = ptf_cur__bytes(&c, len, "DMA_DATA: Length larger than the record");
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	if (!r->pay_next)
		return bad_rec(r, k, h->pos, "DMA_DATA: the payloads of earlier frames were not "
			       "counted (reader bug)");
	want = r->pay_next + r->pay_count;
	if (id != want) {
		snprintf(msg, sizeof(msg), "DMA_DATA: Data_Id %" PRIu32 ", expected %" PRIu64
			 " (payloads are numbered from 1 in the order the file defines them)",
			 id, want);
		return bad_rec(r, k, h->pos, msg);
	}
	/* a seek would not have read this frame for its payloads */
	if (r->have_index && !(f->flags & PTF_FF_DMA_DATA))
		return bad_rec(r, k, h->pos, "DMA_DATA record in a frame whose index entry does "
			       "not have the DMA_DATA flag");
	if (id > r->npays) {
		if (r->npays == r->pays_cap) {
			size_t cap = r->pays_cap ? r->pays_cap * 2 : 1024;
			struct ptf_rpay *np = realloc(r->pays, cap * sizeof(*np));

			if (!np)
				return bad(r, -ENOMEM, "out of memory");
			r->pays = np;
			r->pays_cap = cap;
		}
		r->pays[r->npays].frame = k;
		r->pays[r->npays].off = (uint32_t)(bytes - r->fbuf);
		r->pays[r->npays].len = len;
		r->npays++;
	}
	r->pay_count++;
	return 0;
}

/* The id of the last payload defined before the current point of frame
 * @k (entered last). */
static uint64_t payloads_defined(const struct ptf_reader *r)
{
	return r->pay_next ? r->pay_next + r->pay_count - 1 : 0;
}

static void pcache_free(struct ptf_reader *r)
{
	unsigned int i;

	for (i = 0; i < PTF_PCACHE_FRAMES; i++) {
		free(r->pcache[i].buf);
		r->pcache[i].buf = NULL;
		r->pcache[i].cap = 0;
		r->pcache[i].frame = -1;
	}
}

int ptf_reader__payload(struct ptf_reader *r, uint32_t id, const void **buf, uint32_t *len)
{
	struct ptf_pcache *c, *lru;
	const struct ptf_rpay *e;
	unsigned int i;
	int err;

	*buf = NULL;
	*len = 0;
	if (!id || id > r->npays)
		return bad(r, -ENOENT, "no payload %" PRIu32 " has been read (%" PRIu32
			   " known)", id, r->npays);
	e = &r->pays[id - 1];
	if (r->loaded == (int64_t)e->frame) {
		*buf = r->fbuf + e->off;
		*len = e->len;
		return 0;
	}
	/* an earlier frame's: decompressed again, and kept for the next */
	lru = &r->pcache[0];
	for (i = 0; i < PTF_PCACHE_FRAMES; i++) {
		c = &r->pcache[i];
		if (c->frame == (int64_t)e->frame)
			goto found;
		if (c->used < lru->used)
			lru = c;
	}
	c = lru;
	c->frame = -1;
	err = frame_decompress(r, e->frame, &c->buf, &c->cap, &c->len);
	if (err)
		return err;
	c->frame = e->frame;
found:
	if ((size_t)e->off + e->len > c->len)
		return bad(r, -EBADMSG, "payload %" PRIu32 " lies outside frame %" PRIu32
			   " (reader bug)", id, e->frame);
	c->used = ++r->pcache_clock;
	*buf = c->buf + e->off;
	*len = e->len;
	return 0;
}

static int parse_footer(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h,
			struct ptf_footer *f)
{
	struct ptf_cur c = { h->content, h->content + h->size, NULL };
	uint64_t i;

	f->records = ptf_cur__u64(&c, "FOOTER: bad Records");
	f->events = ptf_cur__u64(&c, "FOOTER: bad Events");
	f->lost = ptf_cur__u64(&c, "FOOTER: bad Lost");
	f->frames = ptf_cur__u64(&c, "FOOTER: bad Frames");
	f->first_ns = ptf_cur__u64(&c, "FOOTER: bad First_Ns");
	f->last_ns = ptf_cur__u64(&c, "FOOTER: bad Last_Ns");
	f->devices = ptf_cur__max(&c, PTF_MAX_DOMAINS, "FOOTER: bad Device_Count");
	for (i = 0; i < f->devices && !c.err; i++) {
		ptf_cur__u32(&c, "FOOTER: bad device Domain");
		ptf_cur__u64(&c, "FOOTER: bad device Events");
		ptf_cur__u64(&c, "FOOTER: bad device First_Seq");
		ptf_cur__u64(&c, "FOOTER: bad device Last_Seq");
	}
	f->has_stacks = c.p < c.end;
	f->stacks = f->stacks_lost = 0;
	if (f->has_stacks) {
		f->stacks = ptf_cur__u64(&c, "FOOTER: bad Stack_Count");
		f->stacks_lost = ptf_cur__u64(&c, "FOOTER: bad Stacks_Lost");
	}
	f->has_payloads = !c.err && c.p < c.end;
	f->payloads = f->payload_bytes = f->dma_bytes = 0;
	if (f->has_payloads) {
		f->payloads = ptf_cur__u64(&c, "FOOTER: bad Payload_Count");
		f->payload_bytes = ptf_cur__u64(&c, "FOOTER: bad Payload_Bytes");
		f->dma_bytes = ptf_cur__u64(&c, "FOOTER: bad Dma_Bytes");
	}
	if (!c.err && f->events > f->records)
		c.err = "FOOTER: more events than records";
	if (!c.err && f->frames != (uint64_t)k + 1)
		c.err = "FOOTER: Frames disagrees with the frame it is in";
	if (c.err)
		return bad_rec(r, k, h->pos, c.err);
	return 0;
}

/* A described record met while reading frame @k, after the FRAME record.
 * 1: *rec filled with a record for the caller; 0: consumed; <0: error.
 * @p and @end: what follows the record in the frame. */
static int rec_apply(struct ptf_reader *r, uint32_t k, const struct rec_hdr *h,
		     const uint8_t *p, const uint8_t *end, struct ptf_record *rec)
{
	struct ptf_rdev *rd = NULL;
	struct ptf_rmod *rm = NULL;
	const char *why;
	int err;

	switch (h->tag) {
	case PTF_T_HEADER:
		if (k != 0 || h->pos != r->header_pos)
			return bad_rec(r, k, h->pos, "HEADER record out of place");
		why = parse_header(r, h);
		if (why)
			return bad_rec(r, k, h->pos, why);
		return 0;
	case PTF_T_FRAME:
		return bad_rec(r, k, h->pos, "FRAME record not at the start of its frame");
	case PTF_T_DEVICE:
		err = parse_device(r, k, h, &rd);
		if (err)
			return err;
		rec->type = PTF_REC_DEVICE;
		rec->domain = rd->domain;
		rec->device = &rd->dev;
		return 1;
	case PTF_T_DRIVER:
		err = parse_driver(r, k, h, &rd);
		if (err)
			return err;
		rec->type = PTF_REC_DRIVER;
		rec->domain = rd->domain;
		rec->driver = rd->driver;
		return 1;
	case PTF_T_MODULE:
		err = parse_module(r, k, h, &rm);
		if (err)
			return err;
		rec->type = PTF_REC_MODULE;
		rec->domain = 0;
		rec->module = &rm->m;
		return 1;
	case PTF_T_STACK_TABLE:
		return parse_stacks(r, k, h);
	case PTF_T_DMA_DATA:
		return parse_payload(r, k, h);
	case PTF_T_LOST: {
		struct ptf_cur c = { h->content, h->content + h->size, NULL };

		rec->type = PTF_REC_LOST;
		rec->domain = ptf_cur__u32(&c, "LOST: bad Domain");
		rec->lost.first_seq = ptf_cur__u64(&c, "LOST: bad First_Seq");
		rec->lost.last_seq = ptf_cur__u64(&c, "LOST: bad Last_Seq");
		rec->lost.count = ptf_cur__u64(&c, "LOST: bad Count");
		if (c.err)
			return bad_rec(r, k, h->pos, c.err);
		return 1;
	}
	case PTF_T_FOOTER: {
		struct ptf_footer f;

		err = parse_footer(r, k, h, &f);
		if (err)
			return err;
		if (p != end || k + 1 != r->ix.nframes)
			return bad_rec(r, k, h->pos, "FOOTER record is not the last record of the file");
		return 0;
	}
	default:
		if (h->flags & PTF_RF_REQUIRED) {
			char msg[160];

			snprintf(msg, sizeof(msg), "record type 0x%02x is required but unknown to "
				 "this reader (format %u.%u): a newer reader is needed", h->tag,
				 PTF_VERSION_MAJOR, PTF_VERSION_MINOR);
			return bad_rec(r, k, h->pos, msg);
		}
		return 0;		/* reserved or later types: skipped */
	}
}

/* Applies the records of frame @k whose tag @want accepts. */
static int frame_apply(struct ptf_reader *r, uint32_t k, bool (*want)(uint8_t tag))
{
	const uint8_t *p, *end;
	struct ptf_record rec;
	struct rec_hdr h;
	const char *why;
	int err;

	err = frame_enter(r, k, &p, &end);
	if (err)
		return err;
	while (p < end) {
		why = rec_next(&p, end, r->fbuf, &h);
		if (why)
			return bad_rec(r, k, h.pos, why);
		if (want(h.tag)) {
			err = rec_apply(r, k, &h, p, end, &rec);
			if (err < 0)
				return err;
		}
	}
	if (want(PTF_T_DMA_DATA))
		frame_payloads_done(r, k);
	return 0;
}

static bool is_meta(uint8_t tag)
{
	return tag == PTF_T_DEVICE || tag == PTF_T_DRIVER || tag == PTF_T_MODULE ||
	       tag == PTF_T_STACK_TABLE;
}

static bool is_meta_or_payload(uint8_t tag)
{
	return is_meta(tag) || tag == PTF_T_DMA_DATA;
}

static bool is_symbols(uint8_t tag)
{
	return tag == PTF_T_MODULE || tag == PTF_T_STACK_TABLE;
}

/* Reads frame @k's DEVICE, DRIVER, MODULE, STACK_TABLE and DMA_DATA
 * records (a seek skips it). */
static int frame_meta(struct ptf_reader *r, uint32_t k)
{
	int err = frame_apply(r, k, is_meta_or_payload);

	if (err)
		return err;
	r->ix.frames[k].meta_loaded = 1;
	return 0;
}

/* Looks for the FOOTER in the last frame. */
static void find_footer(struct ptf_reader *r)
{
	uint32_t k = r->ix.nframes - 1;
	const uint8_t *p, *end;
	struct rec_hdr h;

	r->have_footer = 0;
	if (r->have_index && !(r->ix.frames[k].flags & PTF_FF_FOOTER))
		return;
	if (frame_enter(r, k, &p, &end))
		goto out;
	while (p < end) {
		if (rec_next(&p, end, r->fbuf, &h))
			goto out;
		if (h.tag == PTF_T_FOOTER && p == end &&
		    !parse_footer(r, k, &h, &r->footer))
			r->have_footer = 1;
	}
out:
	r->err[0] = 0;	/* damage is reported when the frame is read */
}

/* ---- opening ------------------------------------------------------------------ */

static struct ptf_reader *reader_alloc(const char *name)
{
	struct ptf_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->name = strdup(name ? name : "(memory)");
	r->dctx = ZSTD_createDCtx();
	r->codec = malloc(sizeof(*r->codec));
	r->devs = calloc(PTF_MAX_DOMAINS, sizeof(*r->devs));
	r->mods = calloc(PTF_MAX_MODULES, sizeof(*r->mods));
	r->loaded = -1;
	for (int i = 0; i < PTF_PCACHE_FRAMES; i++)
		r->pcache[i].frame = -1;
	if (!r->name || !r->dctx || !r->codec || !r->devs || !r->mods) {
		ptf_reader__close(r);
		return NULL;
	}
	return r;
}

static int reader_init(struct ptf_reader *r)
{
	const uint8_t *p, *end;
	struct ptf_record rec;
	struct rec_hdr h;
	char why[256];
	const char *w;
	int err;

	err = ptf_index__read(r->data, r->len, &r->ix, why, sizeof(why));
	if (err > 0) {
		r->have_index = 1;
		r->data_end = r->ix.frames[r->ix.nframes - 1].offset +
			      r->ix.frames[r->ix.nframes - 1].csize;
	} else {
		if (err < 0)
			snprintf(r->warn, sizeof(r->warn), "%s: %s; reading the frames without it",
				 r->name, why);
		err = scan(r);
		if (err)
			return bad(r, err, "out of memory");
	}
	if (!r->ix.nframes) {
		if (!r->len)
			return bad(r, -EBADMSG, "empty file");
		if (r->len >= 4 && ptf_le32(r->data) != PTF_ZSTD_MAGIC)
			return bad(r, -EBADMSG, "not a PCIem trace (it does not start with a Zstandard "
				   "frame)");
		if (r->tail_err)
			return bad(r, -EBADMSG, "%s", r->tail_err);
		return bad(r, -EBADMSG, "the file ends inside frame 0 (at byte %zu): nothing is "
			   "readable", r->len);
	}

	/* frame 0: preamble, FRAME, HEADER */
	err = frame_enter(r, 0, &p, &end);
	if (err)
		return err;
	if (p >= end)
		return bad_rec(r, 0, (size_t)(p - r->fbuf), "no HEADER record");
	w = rec_next(&p, end, r->fbuf, &h);
	if (w)
		return bad_rec(r, 0, h.pos, w);
	if (h.tag != PTF_T_HEADER)
		return bad_rec(r, 0, h.pos, "the second record of frame 0 is not the HEADER");
	r->header_pos = h.pos;
	err = rec_apply(r, 0, &h, p, end, &rec);
	if (err < 0)
		return err;

	find_footer(r);
	if (!r->have_footer && !r->trunc[0] && !r->tail_err)
		snprintf(r->trunc, sizeof(r->trunc), "the file ends after frame %" PRIu32
			 " (at byte %" PRIu64 ")", r->ix.nframes - 1, r->data_end);
	if (!r->have_index || !r->have_footer) {
		size_t n = strlen(r->warn);

		if (r->have_index)
			snprintf(r->warn + n, sizeof(r->warn) - n, "%s%s: the last frame has no "
				 "footer", n ? "; " : "", r->name);
		else
			snprintf(r->warn + n, sizeof(r->warn) - n, "%s%s: %s%s", n ? "; " : "",
				 r->name, r->trunc[0] ? r->trunc : "no index or seek table",
				 r->have_footer ? "" : "; no footer: the recording did not finish");
	}
	ptf_reader__rewind(r);
	return 0;
}

int ptf_reader__open_mem(struct ptf_reader **pr, const void *buf, size_t len, const char *name)
{
	struct ptf_reader *r = reader_alloc(name);

	*pr = r;
	if (!r)
		return -ENOMEM;
	r->data = buf;
	r->len = buf ? len : 0;
	return reader_init(r);
}

int ptf_reader__open(struct ptf_reader **pr, const char *path)
{
	struct ptf_reader *r = reader_alloc(path);
	struct stat st;
	int fd, err;

	*pr = r;
	if (!r)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad(r, -errno, "%s", strerror(errno));
	if (fstat(fd, &st)) {
		err = bad(r, -errno, "%s", strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = bad(r, -EINVAL, "not a regular file");
		goto cleanup;
	}
	if (st.st_size > 0) {
		r->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (r->map == MAP_FAILED) {
			r->map = NULL;
			err = bad(r, -errno, "mmap: %s", strerror(errno));
			goto cleanup;
		}
		r->maplen = (size_t)st.st_size;
		r->data = r->map;
		r->len = r->maplen;
	}
	err = reader_init(r);
cleanup:
	close(fd);
	return err;
}

/* ---- reading -------------------------------------------------------------------- */

static int end_of_data(struct ptf_reader *r)
{
	size_t n;
	uint32_t i, shown = 0;

	if (r->tail_err)
		return bad(r, -EBADMSG, "%s", r->tail_err);
	if (r->have_footer)
		return 0;
	/* name what is missing, once */
	n = strlen(r->warn);
	if (n && strstr(r->warn, "are missing"))
		return 0;
	for (i = 0; i < r->ndevs && n < sizeof(r->warn) - 1; i++) {
		const struct ptf_rdev *d = r->devs[i];

		if (!d->seen)
			continue;
		if (shown++ == 8) {
			snprintf(r->warn + n, sizeof(r->warn) - n, "; ...");
			break;
		}
		snprintf(r->warn + n, sizeof(r->warn) - n, "; events after seq %" PRIu64
			 " of device %" PRIx32 " are missing", d->last_seq, d->domain);
		n = strlen(r->warn);
	}
	return 0;
}

/* An event's Payload_Ref (1.4): NULL, or what is wrong (in @msg). */
static const char *check_payload_ref(const struct ptf_reader *r, const struct pciem_event *ev,
				     uint32_t id, char *msg, size_t len)
{
	if (id > payloads_defined(r))
		snprintf(msg, len, "event: Payload_Ref %" PRIu32 " names a payload not defined "
			 "before it (%" PRIu64 " defined so far)", id, payloads_defined(r));
	else if (ev->type != PCIEM_EVENT_DMA_READ && ev->type != PCIEM_EVENT_DMA_WRITE)
		snprintf(msg, len, "event: Payload_Ref on an event of type %" PRIu32 " (only "
			 "DMA_READ and DMA_WRITE carry one)", ev->type);
	else if (ev->flags & PCIEM_EVENT_F_DMA_FAULT)
		snprintf(msg, len, "event: Payload_Ref on a refused DMA transfer (flag DMA_FAULT: "
			 "no byte moved)");
	else if (ev->data != r->pays[id - 1].len)
		snprintf(msg, len, "event: data of %" PRIu64 " bytes, but its payload %" PRIu32
			 " has %" PRIu32, (uint64_t)ev->data, id, r->pays[id - 1].len);
	else
		return NULL;
	return msg;
}

static int raw_next(struct ptf_reader *r, struct ptf_record *rec)
{
	const uint8_t *p, *content, *cend;
	struct ptf_dev_state *d;
	struct ptf_rdev *rd;
	struct rec_hdr h;
	unsigned int tag;
	const char *why;
	int err;

	for (;;) {
		if (!r->in_frame) {
			if (r->cur >= r->ix.nframes)
				return end_of_data(r);
			err = frame_enter(r, r->cur, &r->p, &r->end);
			if (err)
				return err;
			ptf_codec__reset(r->codec);
			r->in_frame = 1;
		}
		p = r->p;
		if (p >= r->end) {
			r->ix.frames[r->cur].meta_loaded = 1;
			frame_payloads_done(r, r->cur);
			r->in_frame = 0;
			r->cur++;
			continue;
		}
		tag = *p;
		if (tag & PTF_EV_TAG && p + 1 < r->end && p[1] < 0x80 &&
		    (size_t)(r->end - p - 2) >= p[1]) {
			/* the common case: an event with a one-byte size */
			content = p + 2;
			cend = content + p[1];
			break;
		}
		why = rec_next(&r->p, r->end, r->fbuf, &h);
		if (why)
			return bad_rec(r, r->cur, h.pos, why);
		if (h.tag & PTF_EV_TAG) {
			tag = h.tag;
			content = h.content;
			cend = h.content + h.size;
			break;
		}
		err = rec_apply(r, r->cur, &h, r->p, r->end, rec);
		if (err)
			return err;
	}

	/* an event record at p, its content [content, cend) */
	why = ptf_decode_event(r->codec, tag, content, cend, &rec->event, &rec->stack,
			       &rec->payload, &d);
	if (!why && rec->stack > r->nstacks)
		why = "event: Stack_Ref names a stack not defined before it";
	if (why)
		return bad_rec(r, r->cur, (size_t)(p - r->fbuf), why);
	if (rec->payload) {
		char msg[160];

		why = check_payload_ref(r, &rec->event, rec->payload, msg, sizeof(msg));
		if (why)
			return bad_rec(r, r->cur, (size_t)(p - r->fbuf), why);
	}
	r->p = cend;
	rd = d->user;
	if (!rd) {
		rd = rdev_get(r, d->domain);
		if (!rd)
			return bad_rec(r, r->cur, (size_t)(p - r->fbuf),
				       "more than 1024 devices (or out of memory)");
		d->user = rd;
	}
	rd->seen = 1;
	rd->last_seq = rec->event.seq;
	rec->type = PTF_REC_EVENT;
	rec->domain = d->domain;
	return 1;
}

int ptf_reader__next(struct ptf_reader *r, struct ptf_record *rec)
{
	if (r->have_pending) {
		r->have_pending = 0;
		*rec = r->pending;
		return 1;
	}
	return raw_next(r, rec);
}

int ptf_reader__rewind(struct ptf_reader *r)
{
	uint32_t i;

	r->cur = 0;
	r->in_frame = 0;
	r->have_pending = 0;
	for (i = 0; i < r->ndevs; i++)
		r->devs[i]->seen = 0;
	return 0;
}

/* Reads the metadata of the frames before @k that the seek skips. */
static int seek_to_frame(struct ptf_reader *r, uint32_t k)
{
	uint32_t i;
	int err;

	for (i = 0; i < k; i++) {
		struct ptf_frame_info *f = &r->ix.frames[i];
		int meta = !f->meta_loaded && (f->flags & PTF_FF_META);
		int pay = !f->pay_known && (f->flags & PTF_FF_DMA_DATA);

		if (!f->pay_known && !(f->flags & PTF_FF_DMA_DATA)) {
			/* no payload: its ids continue those of the frame before */
			f->pay0 = i ? r->ix.frames[i - 1].pay0 + r->ix.frames[i - 1].npay : 1;
			f->npay = 0;
			f->pay_known = 1;
		}
		if (!meta && !pay)
			continue;
		err = frame_meta(r, i);
		if (err)
			return err;
	}
	r->cur = k;
	r->in_frame = 0;
	r->have_pending = 0;
	return 0;
}

enum { SEEK_SEQ, SEEK_TIME };

static int seek(struct ptf_reader *r, int how, uint32_t domain, uint64_t val)
{
	struct ptf_record rec;
	uint32_t k, j;
	int err;

	if (r->have_index) {
		for (k = 0; k < r->ix.nframes; k++) {
			const struct ptf_frame_info *f = &r->ix.frames[k];

			for (j = 0; j < f->ndev; j++) {
				const struct ptf_index_dev *d = &r->ix.devs[f->dev0 + j];

				if (how == SEEK_SEQ ? d->domain == domain && d->max_seq >= val :
				    d->max_ts >= val)
					break;
			}
			if (j < f->ndev)
				break;
		}
	} else {
		k = 0;
	}
	err = seek_to_frame(r, k);
	if (err)
		return err;
	while ((err = raw_next(r, &rec)) == 1) {
		if (rec.type != PTF_REC_EVENT)
			continue;
		if (how == SEEK_SEQ ? rec.domain == domain && rec.event.seq >= val :
		    rec.event.timestamp_ns >= val) {
			r->pending = rec;
			r->have_pending = 1;
			return 0;
		}
	}
	if (err < 0)
		return err;
	if (how == SEEK_SEQ)
		return bad(r, -ENOENT, "no event of device %" PRIx32 " with seq >= %" PRIu64, domain,
			   val);
	return bad(r, -ENOENT, "no event at or after %" PRIu64 " ns", val);
}

int ptf_reader__seek_seq(struct ptf_reader *r, uint32_t domain, uint64_t seq)
{
	return seek(r, SEEK_SEQ, domain, seq);
}

int ptf_reader__seek_time(struct ptf_reader *r, uint64_t ns)
{
	return seek(r, SEEK_TIME, 0, ns);
}

const struct ptf_header *ptf_reader__header(const struct ptf_reader *r)
{
	return &r->hdr;
}

const struct ptf_device *ptf_reader__device(struct ptf_reader *r, uint32_t domain)
{
	uint32_t i;

	for (i = 0; i < r->ndevs; i++)
		if (r->devs[i]->domain == domain)
			return r->devs[i]->described ? &r->devs[i]->dev : NULL;
	return NULL;
}

const char *ptf_reader__driver(struct ptf_reader *r, uint32_t domain)
{
	uint32_t i;

	for (i = 0; i < r->ndevs; i++)
		if (r->devs[i]->domain == domain)
			return r->devs[i]->driver;
	return NULL;
}

int ptf_reader__load_symbols(struct ptf_reader *r)
{
	uint32_t k;
	int err;

	for (k = 0; k < r->ix.nframes; k++) {
		if (r->have_index && !(r->ix.frames[k].flags & (PTF_FF_MODULE | PTF_FF_STACKS)))
			continue;
		err = frame_apply(r, k, is_symbols);
		if (err)
			return err;
	}
	return ptf_reader__rewind(r);
}

int ptf_module__symbolize(const struct ptf_module *m, uint64_t ip, char *buf, size_t len)
{
	const struct ptf_symbol *sym;
	uint32_t lo = 0, hi = m->nsyms;

	if (ip < m->base || ip - m->base >= m->size)
		return -ENOENT;
	/* the last symbol at or below ip */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	sym = lo ? &m->syms[lo - 1] : NULL;
	if (sym && (!sym->size || ip - sym->addr < sym->size))
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", sym->name, ip - sym->addr, m->name);
	else
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", m->name, ip - m->base, m->name);
	return 0;
}

int ptf_reader__symbolize(struct ptf_reader *r, uint64_t ip, char *buf, size_t len)
{
	uint32_t i;

	for (i = r->nmods; i-- > 0;)
		if (!ptf_module__symbolize(&r->mods[i]->m, ip, buf, len))
			return 0;
	if (len)
		snprintf(buf, len, "0x%" PRIx64, ip);
	return -ENOENT;
}

size_t ptf_stack_text(char *buf, size_t len, const uint64_t *ips, uint32_t n,
		      int (*name)(void *ctx, uint64_t ip, char *buf, size_t len), void *ctx)
{
	const size_t sep = sizeof(PTF_STACK_SEP) - 1;
	size_t used = 0, l;
	uint32_t i;
	char f[256];

	if (!len)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		name(ctx, ips[i], f, sizeof(f));
		l = strlen(f);
		if (used + (i ? sep : 0) + l + 1 > len)
			break;
		if (i) {
			memcpy(buf + used, PTF_STACK_SEP, sep);
			used += sep;
		}
		memcpy(buf + used, f, l + 1);
		used += l;
	}
	return used;
}

int ptf_reader__summary(struct ptf_reader *r, struct ptf_summary *s)
{
	struct ptf_record rec;
	uint32_t i;
	int err;

	memset(s, 0, sizeof(*s));
	s->frames = r->ix.nframes;
	s->file_bytes = r->len;
	s->trailing_bytes = r->len - r->data_end;
	if (r->have_index)
		s->trailing_bytes = 0;
	if (r->have_index && r->have_footer) {
		s->complete = 1;
		s->records = r->footer.records;
		s->events = r->footer.events;
		s->lost = r->footer.lost;
		s->devices = r->footer.devices;
		s->first_ns = r->footer.first_ns;
		s->last_ns = r->footer.last_ns;
		s->stacks = r->footer.stacks;
		s->stacks_lost = r->footer.stacks_lost;
		s->stacks_lost_known = r->footer.has_stacks;
		s->payloads = r->footer.payloads;
		s->payload_bytes = r->footer.payload_bytes;
		s->dma_bytes = r->footer.dma_bytes;
		s->payloads_known = r->footer.has_payloads;
		return ptf_reader__rewind(r);
	}
	ptf_reader__rewind(r);
	while ((err = raw_next(r, &rec)) == 1) {
		s->records++;
		if (rec.type == PTF_REC_LOST)
			s->lost += rec.lost.count;
		if (rec.type != PTF_REC_EVENT)
			continue;
		if (rec.payload)
			s->dma_bytes += rec.event.data;
		if (!s->events++ || rec.event.timestamp_ns < s->first_ns)
			s->first_ns = rec.event.timestamp_ns;
		if (rec.event.timestamp_ns > s->last_ns)
			s->last_ns = rec.event.timestamp_ns;
	}
	for (i = 0; i < r->ndevs; i++)
		s->devices += r->devs[i]->described || r->devs[i]->seen;
	s->stacks = r->nstacks;
	/* 1.4: counted here as the events are */
	s->payloads = r->npays;
	for (i = 0; i < r->npays; i++)
		s->payload_bytes += r->pays[i].len;
	s->payloads_known = 1;
	ptf_reader__rewind(r);
	return err;
}

const char *ptf_reader__error(const struct ptf_reader *r)
{
	return r ? r->err : "";
}

const char *ptf_reader__warning(const struct ptf_reader *r)
{
	return r && r->warn[0] ? r->warn : NULL;
}

void ptf_reader__close(struct ptf_reader *r)
{
	uint32_t i;

	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->maplen);
	if (r->devs) {
		for (i = 0; i < r->ndevs; i++) {
			free(r->devs[i]->driver);
			free(r->devs[i]);
		}
	}
	if (r->mods)
		for (i = 0; i < r->nmods; i++)
			rmod_free(r->mods[i]);
	free(r->devs);
	free(r->mods);
	free(r->sframes);
	free(r->soff);
	free(r->slen);
	free(r->pays);
	pcache_free(r);
	ptf_index__free(&r->ix);
	ZSTD_freeDCtx(r->dctx);
	free(r->fbuf);
	free(r->codec);
	free(r->tail_err);
	free(r->name);
	free(r);
}
