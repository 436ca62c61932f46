// SPDX-License-Identifier: GPL-2.0
/*
 * libptf writer: records go into a frame buffer; a full (or flushed) frame
 * is compressed as one Zstandard frame with its content checksum and
 * written with one write().  On a write error the file is cut back to the
 * end of its last complete frame, so what is on disk stays readable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "ptf_codec.h"

/* The zstd level of frames whose content is mostly DMA payload, when the
 * caller asked for no level: payload is compressed at this level at
 * 500 MB/s or more on one core (docs/benchmarks.md). */
#define PTF_PAYLOAD_LEVEL	1

/* Ids (1 and up) of things written, found by a hash of the thing: open
 * addressing with linear probing, at most half full (a capacity of up to
 * 2^33 holds 2^32 - 1 ids). */
struct ptf_idset {
	uint32_t *slots;		/* id, 0: empty */
	uint64_t cap;			/* power of two, or 0 */
};

/* A payload already written (1.4): what identifies its bytes. */
struct ptf_wpay {
	XXH128_hash_t digest;
	uint32_t len;
};

struct ptf_wdev {			/* per domain, for the footer */
	uint32_t domain;
	uint32_t described;
	uint64_t events, first_seq, last_seq;
};

struct ptf_writer {
	char *path;
	int fd;
	int err;			/* first error, sticky */
	char msg[512];
	int level;
	uint32_t frame_bytes;
	ZSTD_CCtx *cctx;
	struct ptf_buf buf;		/* the frame being built */
	struct ptf_buf zbuf;		/* its compressed form */
	int in_frame;
	uint32_t frame_no;		/* number of the frame being built */
	uint32_t frame_records;
	uint16_t frame_flags;
	uint64_t file_off;		/* end of the last complete frame */
	struct ptf_index ix;		/* complete frames */
	uint32_t frames_cap, devs_cap;
	struct ptf_wdev *wdevs;
	uint32_t nwdev;
	struct ptf_wdev *last_wdev;
	struct ptf_writer_stats st;
	uint64_t first_ns, last_ns;
	struct ptf_header hdr;
	struct ptf_codec *codec;

	/* stacks written so far (1.2), for add_stack()'s lookup: stack id
	 * i + 1 is sframes[soff[i] .. soff[i] + slen[i]) */
	uint64_t *sframes;
	size_t nsframes, sframes_cap;
	size_t *soff;
	uint32_t *slen;
	uint32_t nstacks, stacks_cap;
	struct ptf_idset stack_ids;	/* by stack_hash() */
	uint64_t stacks_lost;

	/* payloads written so far (1.4): id i + 1 is pays[i] */
	struct ptf_wpay *pays;
	uint32_t npays, pays_cap;
	struct ptf_idset pay_ids;	/* by the digest's low 64 bits */
	uint32_t frame_pay_bytes;	/* payload bytes in the frame being built */
	int pay_level;			/* level of frames mostly of payload */
	int cur_level;			/* the compressor's level now */
};

__attribute__((format(printf, 3, 4)))
static int fail(struct ptf_writer *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ptf_vmsg(w->msg, sizeof(w->msg), w->path, fmt, ap);
	va_end(ap);
	return err;
}

/* A call's own mistake (bad argument): reported, the writer goes on. */
#define usage_err(w, err, ...) fail(w, err, __VA_ARGS__)

/* The file can no longer be written: cut it back, stop for good. */
static int fail_write(struct ptf_writer *w, int err, const char *what)
{
	int terr = 0;

	if (w->fd >= 0 && ftruncate(w->fd, (off_t)w->file_off))
		terr = errno;
	w->err = err;
	if (!w->ix.nframes)
		return fail(w, err, "%s: %s; nothing readable was written", what, strerror(-err));
	if (terr)
		return fail(w, err, "%s: %s; cutting the file back to its last complete frame "
			    "(frame %" PRIu32 ", %" PRIu64 " bytes) failed too: %s", what,
			    strerror(-err), w->ix.nframes - 1, w->file_off, strerror(terr));
	return fail(w, err, "%s: %s; the file was cut back to its last complete frame (frame %"
		    PRIu32 ", %" PRIu64 " bytes) and stays readable", what, strerror(-err),
		    w->ix.nframes - 1, w->file_off);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static struct ptf_wdev *wdev_get(struct ptf_writer *w, uint32_t domain)
{
	uint32_t i;

	if (w->last_wdev && w->last_wdev->domain == domain)
		return w->last_wdev;
	for (i = 0; i < w->nwdev; i++)
		if (w->wdevs[i].domain == domain)
			return w->last_wdev = &w->wdevs[i];
	if (w->nwdev == PTF_MAX_DOMAINS)
		return NULL;
	w->last_wdev = &w->wdevs[w->nwdev++];
	memset(w->last_wdev, 0, sizeof(*w->last_wdev));
	w->last_wdev->domain = domain;
	return w->last_wdev;
}

/* ---- frames -------------------------------------------------------------- */

static uint8_t *put_str(uint8_t *p, const char *s, size_t len)
{
	p = ptf_put_varint(p, len);
	memcpy(p, s, len);
	return p + len;
}

/* Room for a described record of at most @max content bytes; returns where
 * its content goes.  rec_end() writes the header in front of it. */
static uint8_t *rec_begin(struct ptf_writer *w, size_t max)
{
	if (ptf_buf__reserve(&w->buf, max + 6))
		return NULL;
	return w->buf.p + w->buf.len + 6;
}

static void rec_end(struct ptf_writer *w, unsigned int type, uint8_t *end, uint16_t fflag)
{
	uint8_t *start = w->buf.p + w->buf.len, *content = start + 6, *p;
	size_t size = (size_t)(end - content);

	p = start;
	*p++ = (uint8_t)type;
	*p++ = 0;
	p = ptf_put_varint(p, size);
	if (p != content)
		memmove(p, content, size);
	w->buf.len = (size_t)(p + size - w->buf.p);
	w->frame_flags |= fflag;
	if (type != PTF_T_FRAME && type != PTF_T_HEADER && type != PTF_T_FOOTER &&
	    type != PTF_T_STACK_TABLE) {
		w->frame_records++;
		w->st.records++;
	}
}

static int frame_begin(struct ptf_writer *w)
{
	uint8_t *p;

	w->buf.len = 0;
	w->frame_records = 0;
	w->frame_flags = 0;
	w->frame_pay_bytes = 0;
	ptf_codec__reset(w->codec);
	if (w->frame_no == 0) {
		if (ptf_buf__reserve(&w->buf, PTF_PREAMBLE_LEN))
			return -ENOMEM;
		memcpy(w->buf.p, PTF_MAGIC, PTF_MAGIC_LEN);
		ptf_put_le16(w->buf.p + 8, PTF_VERSION_MAJOR);
		ptf_put_le16(w->buf.p + 10, PTF_VERSION_MINOR);
		w->buf.len = PTF_PREAMBLE_LEN;
	}
	p = rec_begin(w, 10);
	if (!p)
		return -ENOMEM;
	p = ptf_put_varint(p, w->frame_no);
	rec_end(w, PTF_T_FRAME, p, 0);
	w->in_frame = 1;
	return 0;
}

/* The compression level of the next frame. */
static int set_level(struct ptf_writer *w, int level)
{
	size_t zerr;

	if (level == w->cur_level)
		return 0;
	zerr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
	if (ZSTD_isError(zerr)) {
		w->err = -EINVAL;
		return fail(w, -EINVAL, "compression level %d: %s", level, ZSTD_getErrorName(zerr));
	}
	w->cur_level = level;
	return 0;
}

static int frame_end(struct ptf_writer *w)
{
	struct ptf_frame_info *f;
	size_t bound, csize;
	uint32_t i, ndev = 0;
	int err;

	if (!w->in_frame)
		return 0;
	bound = ZSTD_compressBound(w->buf.len);
	w->zbuf.len = 0;
	if (ptf_buf__reserve(&w->zbuf, bound))
		return fail(w, -ENOMEM, "out of memory");
	err = set_level(w, (uint64_t)w->frame_pay_bytes * 2 > w->buf.len ? w->pay_level : w->level);
	if (err)
		return err;
	csize = ZSTD_compress2(w->cctx, w->zbuf.p, w->zbuf.cap, w->buf.p, w->buf.len);
	if (ZSTD_isError(csize)) {
		w->err = -EIO;
		return fail(w, -EIO, "compressing frame %" PRIu32 ": %s", w->frame_no,
			    ZSTD_getErrorName(csize));
	}
	if (w->ix.nframes == w->frames_cap) {
		uint32_t cap = w->frames_cap ? w->frames_cap * 2 : 64;
		void *p = realloc(w->ix.frames, cap * sizeof(*w->ix.frames));

		if (!p)
			return fail(w, -ENOMEM, "out of memory");
		w->ix.frames = p;
		w->frames_cap = cap;
	}
	for (i = 0; i < w->codec->ndev; i++)
		ndev += w->codec->devs[i].frame.events != 0;
	if (w->ix.ndevs + ndev > w->devs_cap) {
		uint32_t cap = w->devs_cap ? w->devs_cap : 64;
		void *p;

		while (cap < w->ix.ndevs + ndev)
			cap *= 2;
		p = realloc(w->ix.devs, cap * sizeof(*w->ix.devs));
		if (!p)
			return fail(w, -ENOMEM, "out of memory");
		w->ix.devs = p;
		w->devs_cap = cap;
	}

	err = write_all(w->fd, w->zbuf.p, csize);
	if (err) {
		char what[64];

		snprintf(what, sizeof(what), "writing frame %" PRIu32, w->frame_no);
		return fail_write(w, err, what);
	}

	f = &w->ix.frames[w->ix.nframes++];
	memset(f, 0, sizeof(*f));
	f->offset = w->file_off;
	f->csize = (uint32_t)csize;
	f->dsize = (uint32_t)w->buf.len;
	f->records = w->frame_records;
	f->checksum = ptf_le32(w->zbuf.p + csize - 4);
	f->flags = w->frame_flags;
	f->dev0 = w->ix.ndevs;
	for (i = 0; i < w->codec->ndev; i++) {
		const struct ptf_dev_state *d = &w->codec->devs[i];

		if (!d->frame.events)
			continue;
		w->ix.devs[w->ix.ndevs++] = d->frame;
		f->ndev++;
	}
	w->file_off += csize;
	w->st.file_bytes = w->file_off;
	w->st.frames = w->ix.nframes;
	w->frame_no++;
	w->in_frame = 0;
	w->buf.len = 0;
	return 0;
}

/* Before adding a record of at most @max bytes. */
static int prepare(struct ptf_writer *w, size_t max)
{
	int err;

	if (w->err)
		return w->err;
	if (w->in_frame && w->buf.len + max > PTF_FRAME_MAX) {
		err = frame_end(w);
		if (err)
			return err;
	}
	if (!w->in_frame) {
		err = frame_begin(w);
		if (err)
			return fail(w, err, "out of memory");
	}
	return 0;
}

/* After adding a record: end the frame once it is big enough. */
static int added(struct ptf_writer *w)
{
	if (w->buf.len >= w->frame_bytes)
		return frame_end(w);
	return 0;
}

/* ---- API ------------------------------------------------------------------ */

static size_t bounded_len(const char *s, size_t size)
{
	return strnlen(s, size - 1);
}

static int add_header(struct ptf_writer *w)
{
	const struct ptf_header *h = &w->hdr;
	uint8_t *p;

	p = rec_begin(w, 1024);
	if (!p)
		return -ENOMEM;
	p = put_str(p, h->tool_version, bounded_len(h->tool_version, sizeof(h->tool_version)));
	p = put_str(p, h->kernel_release,
		    bounded_len(h->kernel_release, sizeof(h->kernel_release)));
	p = put_str(p, h->hostname, bounded_len(h->hostname, sizeof(h->hostname)));
	p = put_str(p, h->clock, bounded_len(h->clock, sizeof(h->clock)));
	p = ptf_put_varint(p, h->start_mono_ns);
	p = ptf_put_varint(p, ptf_zigzag((uint64_t)h->start_real_ns));
	p = ptf_put_varint(p, h->trap_mode);
	p = ptf_put_varint(p, h->flags);
	p = put_str(p, h->command, bounded_len(h->command, sizeof(h->command)));
	memcpy(p, h->boot_id, sizeof(h->boot_id));		/* 1.1 */
	p += sizeof(h->boot_id);
	rec_end(w, PTF_T_HEADER, p, PTF_FF_HEADER);
	return 0;
}

int ptf_read_boot_id(uint8_t id[16])
{
	char text[64], *s = text;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	int n = 0, err = 0;

	memset(id, 0, 16);
	if (!f)
		return -errno;
	if (!fgets(text, sizeof(text), f))
		err = -EIO;
	fclose(f);
	/* 36 characters: 32 hex digits and 4 dashes */
	while (!err && n < 32 && *s) {
		int v;

		if (*s == '-') {
			s++;
			continue;
		}
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			break;
		id[n / 2] |= (uint8_t)(v << (n % 2 ? 0 : 4));
		n++;
		s++;
	}
	if (!err && n != 32)
		err = -EINVAL;
	if (err)
		memset(id, 0, 16);
	return err;
}

int ptf_open_private(const char *path, int flags)
{
	struct stat st;
	int fd, err;

	fd = open(path, flags, 0600);
	if (fd < 0)
		return -1;
	if (!fstat(fd, &st) &&
	    (!S_ISREG(st.st_mode) || !(st.st_mode & 0077) || !fchmod(fd, 0600)))
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int ptf_writer__open(struct ptf_writer **pw, const char *path,
		     const struct ptf_header *hdr, const struct ptf_writer_opts *opts)
{
	struct ptf_writer *w;
	size_t zerr;
	int err, flags;

	*pw = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->path = strdup(path);
	w->cctx = ZSTD_createCCtx();
	w->codec = malloc(sizeof(*w->codec));
	w->wdevs = calloc(PTF_MAX_DOMAINS, sizeof(*w->wdevs));
	if (!w->path || !w->cctx || !w->codec || !w->wdevs) {
		ptf_writer__close(w);
		return -ENOMEM;
	}
	*pw = w;
	w->level = opts && opts->level ? opts->level : 3;
	/* frames that are mostly DMA payload: a faster level unless one was
	 * asked for (see docs/benchmarks.md) */
	w->pay_level = opts && opts->level ? opts->level : PTF_PAYLOAD_LEVEL;
	w->frame_bytes = opts && opts->frame_bytes ? opts->frame_bytes : PTF_FRAME_DEFAULT;
	if (w->frame_bytes < 256)
		w->frame_bytes = 256;
	if (w->frame_bytes > PTF_FRAME_MAX - PTF_RECORD_MAX)
		w->frame_bytes = PTF_FRAME_MAX - PTF_RECORD_MAX;
	w->first_ns = UINT64_MAX;
	if (hdr)
		w->hdr = *hdr;

	zerr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
	w->cur_level = w->level;
	if (!ZSTD_isError(zerr))
		zerr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(zerr))
		zerr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	if (ZSTD_isError(zerr)) {
		err = fail(w, -EINVAL, "compression level %d: %s", w->level,
			   ZSTD_getErrorName(zerr));
		w->err = err;
		goto cleanup;
	}
	err = ptf_buf__reserve(&w->buf, w->frame_bytes + PTF_EVENT_MAX + 64);
	if (err) {
		w->err = err;
		goto cleanup;
	}

	/* a trace holds kernel addresses */
	flags = O_WRONLY | O_CREAT | O_CLOEXEC | (opts && opts->force ? O_TRUNC : O_EXCL);
	w->fd = ptf_open_private(path, flags);
	if (w->fd < 0) {
		err = -errno;
		w->err = err;
		if (err == -EEXIST)
			fail(w, err, "file exists (not overwritten without force)");
		else
			fail(w, err, "cannot create: %s", strerror(-err));
		goto cleanup;
	}

	/* frame 0: preamble and header alone, on disk at once */
	err = frame_begin(w);
	if (!err)
		err = add_header(w);
	if (err) {
		w->err = err;
		fail(w, err, "out of memory");
		goto cleanup;
	}
	err = frame_end(w);
cleanup:
	return err;
}

int ptf_writer__add_event(struct ptf_writer *w, uint32_t domain, const struct pciem_event *ev)
{
	return ptf_writer__add_event_ex(w, domain, ev, 0, 0);
}

int ptf_writer__add_event_stack(struct ptf_writer *w, uint32_t domain,
				const struct pciem_event *ev, uint32_t stack)
{
	return ptf_writer__add_event_ex(w, domain, ev, stack, 0);
}

static int is_dma_xfer(uint32_t type)
{
	return type == PCIEM_EVENT_DMA_READ || type == PCIEM_EVENT_DMA_WRITE;
}

int ptf_writer__add_event_ex(struct ptf_writer *w, uint32_t domain,
			     const struct pciem_event *ev, uint32_t stack, uint32_t payload)
{
	struct ptf_dev_state *d;
	struct ptf_wdev *wd;
	int n, err;

	err = prepare(w, PTF_EVENT_MAX);
	if (err)
		return err;
	wd = wdev_get(w, domain);
	if (!wd)
		return usage_err(w, -E2BIG, "more than %d devices in one trace", PTF_MAX_DOMAINS);
	if (ptf_buf__reserve(&w->buf, PTF_EVENT_MAX))
		return fail(w, -ENOMEM, "out of memory");
	if (stack > w->nstacks)
		return usage_err(w, -EINVAL, "event refers to stack %" PRIu32 ", but %" PRIu32
				 " stacks were written", stack, w->nstacks);
	if (payload) {
		if (payload > w->npays)
			return usage_err(w, -EINVAL, "event refers to payload %" PRIu32 ", but %"
					 PRIu32 " payloads were written", payload, w->npays);
		if (!is_dma_xfer(ev->type) || (ev->flags & PCIEM_EVENT_F_DMA_FAULT))
			return usage_err(w, -EINVAL, "event of type %" PRIu32 "%s refers to payload %"
					 PRIu32 ": only a DMA_READ or DMA_WRITE that moved bytes "
					 "has one", ev->type, ev->flags & PCIEM_EVENT_F_DMA_FAULT ?
					 " (a refused transfer)" : "", payload);
		if (ev->data != w->pays[payload - 1].len)
			return usage_err(w, -EINVAL, "event of %" PRIu64 " bytes refers to payload %"
					 PRIu32 " of %" PRIu32 " bytes", (uint64_t)ev->data, payload,
					 w->pays[payload - 1].len);
	}
	n = ptf_encode_event_ex(w->codec, w->buf.p + w->buf.len, domain, ev, stack, payload, &d);
	if (n == -ENOSPC) {
		/* the frame has its 256 devices: the event starts the next one */
		err = frame_end(w);
		if (!err)
			err = prepare(w, PTF_EVENT_MAX);
		if (err)
			return err;
		n = ptf_encode_event_ex(w->codec, w->buf.p + w->buf.len, domain, ev, stack,
					payload, &d);
	}
	w->buf.len += (size_t)n;
	w->frame_flags |= PTF_FF_EVENTS;
	w->frame_records++;
	w->st.records++;
	w->st.events++;
	if (payload)
		w->st.dma_bytes += ev->data;
	if (!wd->events || ev->seq < wd->first_seq)
		wd->first_seq = ev->seq;
	if (!wd->events || ev->seq > wd->last_seq)
		wd->last_seq = ev->seq;
	wd->events++;
	if (ev->timestamp_ns < w->first_ns)
		w->first_ns = ev->timestamp_ns;
	if (ev->timestamp_ns > w->last_ns)
		w->last_ns = ev->timestamp_ns;
	return added(w);
}

int ptf_writer__add_device(struct ptf_writer *w, const struct ptf_device *dev)
{
	const struct pciem_trace_device *d = &dev->desc;
	struct ptf_wdev *wd;
	uint8_t *p;
	int err, i;

	err = prepare(w, 4096 + 256);
	if (err)
		return err;
	wd = wdev_get(w, dev->domain);
	if (!wd)
		return usage_err(w, -E2BIG, "more than %d devices in one trace", PTF_MAX_DOMAINS);
	wd->described = 1;
	p = rec_begin(w, 4096 + 256);
	if (!p)
		return fail(w, -ENOMEM, "out of memory");
	p = ptf_put_varint(p, dev->domain);
	p = ptf_put_varint(p, d->vendor_id);
	p = ptf_put_varint(p, d->device_id);
	p = ptf_put_varint(p, d->bus);
	p = ptf_put_varint(p, d->devfn);
	p = ptf_put_varint(p, d->msi_cap);
	p = ptf_put_varint(p, d->pcie_cap);
	p = ptf_put_varint(p, d->pm_cap);
	p = ptf_put_varint(p, d->creator_pid);
	for (i = 0; i < 6; i++) {
		p = ptf_put_varint(p, d->bars[i].bus_addr);
		p = ptf_put_varint(p, d->bars[i].size);
		p = ptf_put_varint(p, d->bars[i].flags);
	}
	memcpy(p, d->config, sizeof(d->config));
	p += sizeof(d->config);
	p = ptf_put_varint(p, d->flags);		/* 1.3 */
	rec_end(w, PTF_T_DEVICE, p, PTF_FF_DEVICE);
	return added(w);
}

int ptf_writer__add_lost(struct ptf_writer *w, uint32_t domain, const struct pciem_trace_lost *lost)
{
	uint8_t *p;
	int err;

	err = prepare(w, 64);
	if (err)
		return err;
	p = rec_begin(w, 64);
	if (!p)
		return fail(w, -ENOMEM, "out of memory");
	p = ptf_put_varint(p, domain);
	p = ptf_put_varint(p, lost->first_seq);
	p = ptf_put_varint(p, lost->last_seq);
	p = ptf_put_varint(p, lost->count);
	rec_end(w, PTF_T_LOST, p, PTF_FF_LOST);
	w->st.lost += lost->count;
	return added(w);
}

int ptf_writer__add_driver(struct ptf_writer *w, uint32_t domain, const char *driver)
{
	size_t len = driver ? strlen(driver) : 0;
	uint8_t *p;
	int err;

	if (w->err)
		return w->err;
	if (!len || len > PTF_NAME_MAX)
		return usage_err(w, -EINVAL, "driver name of %zu bytes (1 to %d)", len, PTF_NAME_MAX);
	err = prepare(w, len + 16);
	if (err)
		return err;
	p = rec_begin(w, len + 16);
	if (!p)
		return fail(w, -ENOMEM, "out of memory");
	p = ptf_put_varint(p, domain);
	p = put_str(p, driver, len);
	rec_end(w, PTF_T_DRIVER, p, PTF_FF_DRIVER);
	return added(w);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct ptf_symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ptf_writer__add_module(struct ptf_writer *w, const struct ptf_module *mod)
{
	const struct ptf_symbol *syms = mod->syms;
	struct ptf_symbol *sorted = NULL;
	size_t nlen = mod->name ? strlen(mod->name) : 0, max;
	uint64_t prev;
	uint32_t i;
	uint8_t *p;
	int err;

	if (w->err)
		return w->err;
	if (!nlen || nlen > PTF_NAME_MAX)
		return usage_err(w, -EINVAL, "module name of %zu bytes (1 to %d)", nlen, PTF_NAME_MAX);
	if (mod->nsyms > PTF_MAX_SYMS || (mod->nsyms && !syms))
		return usage_err(w, -EINVAL, "module %s: %" PRIu32 " symbols (at most %u)",
				 mod->name, mod->nsyms, PTF_MAX_SYMS);
	if (mod->base + mod->size < mod->base)
		return usage_err(w, -EINVAL, "module %s: base + size wraps", mod->name);
	max = nlen + 40;
	for (i = 0; i < mod->nsyms; i++) {
		size_t l = syms[i].name ? strlen(syms[i].name) : 0;

		if (l > PTF_SYM_NAME_MAX)
			return usage_err(w, -EINVAL, "module %s: symbol name of %zu bytes (at most %d)",
					 mod->name, l, PTF_SYM_NAME_MAX);
		max += l + 22;
		if (i && syms[i].addr < syms[i - 1].addr && !sorted) {
			sorted = malloc(mod->nsyms * sizeof(*sorted));
			if (!sorted)
				return fail(w, -ENOMEM, "out of memory");
		}
	}
	if (max > PTF_RECORD_MAX) {
		err = usage_err(w, -E2BIG, "module %s: %zu bytes of symbols (a record holds at most %u)",
				mod->name, max, PTF_RECORD_MAX);
		goto cleanup;
	}
	if (sorted) {
		memcpy(sorted, syms, mod->nsyms * sizeof(*sorted));
		qsort(sorted, mod->nsyms, sizeof(*sorted), sym_cmp);
		syms = sorted;
	}
	if (mod->nsyms && syms[0].addr < mod->base) {
		err = usage_err(w, -EINVAL, "module %s: symbol %s below the module's base",
				mod->name, syms[0].name ? syms[0].name : "");
		goto cleanup;
	}
	err = prepare(w, max);
	if (err)
		goto cleanup;
	p = rec_begin(w, max);
	if (!p) {
		err = fail(w, -ENOMEM, "out of memory");
		goto cleanup;
	}
	p = put_str(p, mod->name, nlen);
	p = ptf_put_varint(p, mod->base);
	p = ptf_put_varint(p, mod->size);
	p = ptf_put_varint(p, mod->nsyms);
	prev = mod->base;
	for (i = 0; i < mod->nsyms; i++) {
		const char *name = syms[i].name ? syms[i].name : "";

		p = ptf_put_varint(p, syms[i].addr - prev);
		p = ptf_put_varint(p, syms[i].size);
		p = put_str(p, name, strlen(name));
		prev = syms[i].addr;
	}
	rec_end(w, PTF_T_MODULE, p, PTF_FF_MODULE);
	err = added(w);
cleanup:
	free(sorted);
	return err;
}

/* ---- the id sets ---------------------------------------------------------------- */

static void idset_put(struct ptf_idset *set, uint64_t h, uint32_t id)
{
	uint64_t mask = set->cap - 1, i = h & mask;

	while (set->slots[i])
		i = (i + 1) & mask;
	set->slots[i] = id;
}

/* Room for @n ids; @hash gives the hash of an id already in the set. */
static int idset_reserve(struct ptf_idset *set, uint64_t n, const struct ptf_writer *w,
			 uint64_t (*hash)(const struct ptf_writer *w, uint32_t id))
{
	struct ptf_idset old = *set;
	uint64_t cap = set->cap ? set->cap : 1024, i;

	if (n * 2 <= set->cap)
		return 0;
	while (cap < n * 2)
		cap *= 2;
	set->slots = calloc(cap, sizeof(*set->slots));
	if (!set->slots) {
		*set = old;
		return -ENOMEM;
	}
	set->cap = cap;
	for (i = 0; i < old.cap; i++)
		if (old.slots[i])
			idset_put(set, hash(w, old.slots[i]), old.slots[i]);
	free(old.slots);
	return 0;
}

/* The id whose thing @same() says is @key, 0 if none. */
static uint32_t idset_find(const struct ptf_idset *set, uint64_t h, const struct ptf_writer *w,
			   int (*same)(const struct ptf_writer *w, uint32_t id, const void *key),
			   const void *key)
{
	uint64_t mask = set->cap - 1, i;

	if (!set->cap)
		return 0;
	for (i = h & mask; set->slots[i]; i = (i + 1) & mask)
		if (same(w, set->slots[i], key))
			return set->slots[i];
	return 0;
}

/* ---- stacks (1.2) ----------------------------------------------------------- */

static uint64_t stack_hash(const uint64_t *ips, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	uint32_t i;

	for (i = 0; i < n; i++) {
		h ^= ips[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

struct stack_key {
	const uint64_t *ips;
	uint32_t n;
};

static uint64_t stack_id_hash(const struct ptf_writer *w, uint32_t id)
{
	return stack_hash(w->sframes + w->soff[id - 1], w->slen[id - 1]);
}

static int stack_same(const struct ptf_writer *w, uint32_t id, const void *key)
{
	const struct stack_key *k = key;

	return w->slen[id - 1] == k->n &&
	       !memcmp(w->sframes + w->soff[id - 1], k->ips, k->n * sizeof(*k->ips));
}

int ptf_writer__add_stack(struct ptf_writer *w, const uint64_t *ips, uint32_t n, uint32_t *id)
{
	struct stack_key key = { ips, n };
	uint64_t h, prev;
	uint32_t i;
	uint8_t *p;
	int err;

	*id = 0;
	if (w->err)
		return w->err;
	if (!n || n > PTF_STACK_MAX_FRAMES || !ips)
		return usage_err(w, -EINVAL, "stack of %" PRIu32 " frames (1 to %d)", n,
				 PTF_STACK_MAX_FRAMES);
	h = stack_hash(ips, n);
	*id = idset_find(&w->stack_ids, h, w, stack_same, &key);
	if (*id)
		return 0;
	if (w->nstacks == PTF_MAX_STACKS)
		return usage_err(w, -E2BIG, "more than %u stacks in one trace", PTF_MAX_STACKS);
	/* remember it */
	if (w->nstacks == w->stacks_cap) {
		uint32_t cap = w->stacks_cap ? w->stacks_cap * 2 : 256;
		size_t *o = realloc(w->soff, cap * sizeof(*o));
		uint32_t *l;

		if (!o)
			return fail(w, -ENOMEM, "out of memory");
		w->soff = o;
		l = realloc(w->slen, cap * sizeof(*l));
		if (!l)
			return fail(w, -ENOMEM, "out of memory");
		w->slen = l;
		w->stacks_cap = cap;
	}
	if (w->nsframes + n > w->sframes_cap) {
		size_t cap = w->sframes_cap ? w->sframes_cap * 2 : 4096;
		uint64_t *f;

		while (cap < w->nsframes + n)
			cap *= 2;
		f = realloc(w->sframes, cap * sizeof(*f));
		if (!f)
			return fail(w, -ENOMEM, "out of memory");
		w->sframes = f;
		w->sframes_cap = cap;
	}
	if (idset_reserve(&w->stack_ids, (uint64_t)w->nstacks + 1, w, stack_id_hash))
		return fail(w, -ENOMEM, "out of memory");
	/* write it: First_Id, Stack_Count 1, the stack */
	err = prepare(w, 32 + (size_t)n * 10);
	if (err)
		return err;
	p = rec_begin(w, 32 + (size_t)n * 10);
	if (!p)
		return fail(w, -ENOMEM, "out of memory");
	p = ptf_put_varint(p, w->nstacks + 1);
	p = ptf_put_varint(p, 1);
	p = ptf_put_varint(p, n);
	p = ptf_put_varint(p, ips[0]);
	prev = ips[0];
	for (i = 1; i < n; i++) {
		p = ptf_put_varint(p, ptf_zigzag(ips[i] - prev));
		prev = ips[i];
	}
	rec_end(w, PTF_T_STACK_TABLE, p, PTF_FF_STACKS);
	memcpy(w->sframes + w->nsframes, ips, n * sizeof(*ips));
	w->soff[w->nstacks] = w->nsframes;
	w->slen[w->nstacks] = n;
	w->nsframes += n;
	w->nstacks++;
	idset_put(&w->stack_ids, h, w->nstacks);
	*id = w->nstacks;
	return added(w);
}

void ptf_writer__set_stacks_lost(struct ptf_writer *w, uint64_t n)
{
	w->stacks_lost = n;
}

/* ---- DMA payloads (1.4) ------------------------------------------------------ */

struct pay_key {
	XXH128_hash_t digest;
	uint32_t len;
};

static uint64_t pay_id_hash(const struct ptf_writer *w, uint32_t id)
{
	return w->pays[id - 1].digest.low64;
}

static int pay_same(const struct ptf_writer *w, uint32_t id, const void *key)
{
	const struct pay_key *k = key;

	return w->pays[id - 1].len == k->len && XXH128_isEqual(w->pays[id - 1].digest, k->digest);
}

int ptf_writer__add_payload(struct ptf_writer *w, const void *buf, uint32_t len, uint32_t *id)
{
	struct pay_key key;
	size_t size;
	uint8_t *p;
	int err;

	*id = 0;
	if (w->err)
		return w->err;
	if (!len || len > PTF_PAYLOAD_MAX || !buf)
		return usage_err(w, -EINVAL, "DMA payload of %" PRIu32 " bytes (1 to %u)", len,
				 PTF_PAYLOAD_MAX);
	/* the same bytes: the same length and 128-bit digest */
	key.digest = XXH3_128bits(buf, len);
	key.len = len;
	*id = idset_find(&w->pay_ids, key.digest.low64, w, pay_same, &key);
	if (*id)
		return 0;
	if (w->npays == PTF_MAX_PAYLOADS)
		return usage_err(w, -E2BIG, "more than %" PRIu32 " DMA payloads in one trace",
				 PTF_MAX_PAYLOADS);
	if (w->npays == w->pays_cap) {
		uint32_t cap = w->pays_cap ? w->pays_cap * 2 : 1024;
		struct ptf_wpay *np;

		if (w->pays_cap > UINT32_MAX / 2)
			cap = UINT32_MAX;
		np = realloc(w->pays, (size_t)cap * sizeof(*np));
		if (!np)
			return fail(w, -ENOMEM, "out of memory");
		w->pays = np;
		w->pays_cap = cap;
	}
	if (idset_reserve(&w->pay_ids, (uint64_t)w->npays + 1, w, pay_id_hash))
		return fail(w, -ENOMEM, "out of memory");
	/* write it: Data_Id, Length, the bytes */
	size = ptf_varint_len(w->npays + 1) + ptf_varint_len(len) + (size_t)len;
	err = prepare(w, size + 8);
	if (err)
		return err;
	if (ptf_buf__reserve(&w->buf, size + 8))
		return fail(w, -ENOMEM, "out of memory");
	p = w->buf.p + w->buf.len;
	*p++ = PTF_T_DMA_DATA;
	*p++ = 0;
	p = ptf_put_varint(p, size);
	p = ptf_put_varint(p, w->npays + 1);
	p = ptf_put_varint(p, len);
	memcpy(p, buf, len);
	w->buf.len = (size_t)(p + len - w->buf.p);
	w->frame_flags |= PTF_FF_DMA_DATA;
	w->frame_pay_bytes += len;
	w->pays[w->npays].digest = key.digest;
	w->pays[w->npays].len = len;
	w->npays++;
	idset_put(&w->pay_ids, key.digest.low64, w->npays);
	w->st.payloads++;
	w->st.payload_bytes += len;
	*id = w->npays;
	return added(w);
}

/* A trace-channel EVENT: the event, and its bytes as its payload when it
 * is a transfer that moved some. */
static int add_trace_event(struct ptf_writer *w, const struct pciem_trace_rec *rec,
			   uint32_t stack)
{
	const uint8_t *payload = (const uint8_t *)(rec + 1);
	struct pciem_event ev;
	uint32_t id = 0;
	int err;

	if (rec->size < sizeof(*rec) + sizeof(ev))
		return usage_err(w, -EINVAL, "trace record: EVENT of %" PRIu32 " bytes",
				 rec->size);
	memcpy(&ev, payload, sizeof(ev));
	if (is_dma_xfer(ev.type) && !(ev.flags & PCIEM_EVENT_F_DMA_FAULT) && ev.data) {
		if (ev.data > rec->size - sizeof(*rec) - sizeof(ev))
			return usage_err(w, -EINVAL, "trace record: DMA_%s event of %" PRIu64
					 " bytes in a record of %" PRIu32 " bytes (its bytes "
					 "must follow the event)",
					 ev.type == PCIEM_EVENT_DMA_READ ? "READ" : "WRITE",
					 (uint64_t)ev.data, rec->size);
		err = ptf_writer__add_payload(w, payload + sizeof(ev), (uint32_t)ev.data, &id);
		if (err)
			return err;
	}
	return ptf_writer__add_event_ex(w, rec->domain, &ev, stack, id);
}

int ptf_writer__add_trace_rec_stack(struct ptf_writer *w, const struct pciem_trace_rec *rec,
				    uint32_t stack)
{
	if (w->err)
		return w->err;
	if (rec->type == PCIEM_TREC_EVENT)
		return add_trace_event(w, rec, stack);
	if (stack)
		return usage_err(w, -EINVAL, "trace record of type %u with a stack: only "
				 "EVENT records have one", rec->type);
	return ptf_writer__add_trace_rec(w, rec);
}

int ptf_writer__add_trace_rec(struct ptf_writer *w, const struct pciem_trace_rec *rec)
{
	const uint8_t *payload = (const uint8_t *)(rec + 1);

	if (w->err)
		return w->err;
	switch (rec->type) {
	case PCIEM_TREC_EVENT:
		return add_trace_event(w, rec, 0);
	case PCIEM_TREC_DEVICE: {
		struct ptf_device dev;

		if (rec->size < sizeof(*rec) + sizeof(dev.desc))
			return usage_err(w, -EINVAL, "trace record: DEVICE of %" PRIu32 " bytes",
					 rec->size);
		dev.domain = rec->domain;
		memcpy(&dev.desc, payload, sizeof(dev.desc));
		return ptf_writer__add_device(w, &dev);
	}
	case PCIEM_TREC_LOST: {
		struct pciem_trace_lost lost;

		if (rec->size < sizeof(*rec) + sizeof(lost))
			return usage_err(w, -EINVAL, "trace record: LOST of %" PRIu32 " bytes",
					 rec->size);
		memcpy(&lost, payload, sizeof(lost));
		return ptf_writer__add_lost(w, rec->domain, &lost);
	}
	default:
		return 0;
	}
}

int ptf_writer__flush(struct ptf_writer *w)
{
	if (w->err)
		return w->err;
	return frame_end(w);
}

void ptf_writer__stats(const struct ptf_writer *w, struct ptf_writer_stats *st)
{
	uint32_t i;

	*st = w->st;
	st->raw_bytes = w->in_frame ? w->buf.len : 0;
	for (i = 0; i < w->ix.nframes; i++)
		st->raw_bytes += w->ix.frames[i].dsize;
}

const char *ptf_writer__error(const struct ptf_writer *w)
{
	return w ? w->msg : "";
}

static int add_footer(struct ptf_writer *w)
{
	uint32_t i, ndev = 0;
	uint8_t *p;
	int err;

	err = prepare(w, 128 + (size_t)w->nwdev * 40);
	if (err)
		return err;
	p = rec_begin(w, 128 + (size_t)w->nwdev * 40);
	if (!p)
		return fail(w, -ENOMEM, "out of memory");
	for (i = 0; i < w->nwdev; i++)
		ndev += w->wdevs[i].described || w->wdevs[i].events;
	p = ptf_put_varint(p, w->st.records);
	p = ptf_put_varint(p, w->st.events);
	p = ptf_put_varint(p, w->st.lost);
	p = ptf_put_varint(p, w->ix.nframes + 1);
	p = ptf_put_varint(p, w->st.events ? w->first_ns : 0);
	p = ptf_put_varint(p, w->st.events ? w->last_ns : 0);
	p = ptf_put_varint(p, ndev);
	for (i = 0; i < w->nwdev; i++) {
		const struct ptf_wdev *d = &w->wdevs[i];

		if (!d->described && !d->events)
			continue;
		p = ptf_put_varint(p, d->domain);
		p = ptf_put_varint(p, d->events);
		p = ptf_put_varint(p, d->events ? d->first_seq : 0);
		p = ptf_put_varint(p, d->events ? d->last_seq : 0);
	}
	p = ptf_put_varint(p, w->nstacks);		/* 1.2 */
	p = ptf_put_varint(p, w->stacks_lost);
	p = ptf_put_varint(p, w->st.payloads);		/* 1.4 */
	p = ptf_put_varint(p, w->st.payload_bytes);
	p = ptf_put_varint(p, w->st.dma_bytes);
	rec_end(w, PTF_T_FOOTER, p, PTF_FF_FOOTER);
	return frame_end(w);
}

static int write_index(struct ptf_writer *w)
{
	size_t len = ptf_index__size(&w->ix);
	uint8_t *buf = malloc(len);
	int err;

	if (!buf)
		return fail(w, -ENOMEM, "out of memory");
	ptf_index__write(&w->ix, buf);
	err = write_all(w->fd, buf, len);
	free(buf);
	if (err)
		return fail_write(w, err, "writing the index");
	w->file_off += len;
	w->st.file_bytes = w->file_off;
	return 0;
}

int ptf_writer__close(struct ptf_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (!err && w->fd >= 0) {
		err = add_footer(w);
		if (!err)
			err = write_index(w);
	}
	if (w->fd >= 0 && close(w->fd) && !err)
		err = -errno;
	ZSTD_freeCCtx(w->cctx);
	ptf_buf__free(&w->buf);
	ptf_buf__free(&w->zbuf);
	ptf_index__free(&w->ix);
	free(w->wdevs);
	free(w->codec);
	free(w->sframes);
	free(w->soff);
	free(w->slen);
	free(w->stack_ids.slots);
	free(w->pays);
	free(w->pay_ids.slots);
	free(w->path);
	free(w);
	return err;
}

