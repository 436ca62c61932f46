/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libptf: the one reader and writer of PCIem trace files (.zst).
 * The format is specified in formats/trace_format.md; nothing outside this
 * library parses or produces it.
 *
 * Conventions: opaque objects with object__verb functions; functions that
 * can fail return 0 (or a positive count) on success and -errno on
 * failure, and leave a message naming the file and what is wrong in
 * ptf_writer__error() / ptf_reader__error().  Destructors accept NULL.
 *
 * Devices are keyed by their stream key (struct pciem_trace_rec.domain):
 * a PCIem device's PCI domain, or a real device's PCIEM_REAL_KEY() (1.3);
 * a trace may hold several devices, each with its own sequence numbers.
 */
#ifndef PTF_H
#define PTF_H

#include <stddef.h>
#include <stdint.h>
#include "pciem_userspace.h"

#define PTF_VERSION_MAJOR	1	/* readers refuse another major */
#define PTF_VERSION_MINOR	4	/* readers accept any minor */

/* ---- what a trace holds ------------------------------------------------ */

struct ptf_header {
	uint16_t version_major;		/* filled by the writer / reader */
	uint16_t version_minor;
	char tool_version[32];		/* "pciem-record 0.1" */
	char kernel_release[65];	/* uname -r of the recording machine */
	char hostname[65];
	char clock[24];			/* "CLOCK_MONOTONIC": event timestamps */
	uint64_t start_mono_ns;		/* that clock when recording started */
	int64_t start_real_ns;		/* CLOCK_REALTIME at the same moment */
	uint32_t trap_mode;		/* PCIEM_TRAP_* asked for; see the spec */
	uint32_t flags;			/* PTF_HDR_F_* */
	char command[256];		/* the recorded command line, "" if none */
	uint8_t boot_id[16];		/* the recording machine's boot id (1.1);
					 * all zero: unknown */
};
#define PTF_HDR_F_LOSSLESS	(1U << 0)	/* recorded with a lossless ring */
#define PTF_HDR_F_STACKS	(1U << 1)	/* recorded with call stacks (1.2) */

/* A device's description: the kernel's record plus what the recorder
 * learnt from the system. */
struct ptf_device {
	uint32_t domain;
	struct pciem_trace_device desc;	/* IDs, BARs, cap offsets, config,
					 * PCIEM_TDEV_F_* flags (1.3; 0 in
					 * older files) */
};

struct ptf_symbol {
	uint64_t addr;			/* run-time address */
	uint64_t size;
	const char *name;
};

/* A kernel module loaded while recording, with its symbols, to name the
 * instruction pointers of events (and, later, stack entries). */
struct ptf_module {
	const char *name;
	uint64_t base;			/* core layout start */
	uint64_t size;
	uint32_t nsyms;
	const struct ptf_symbol *syms;	/* sorted by addr */
};

enum ptf_rec_type {
	PTF_REC_DEVICE = 1,		/* rec.device */
	PTF_REC_EVENT,			/* rec.event (any PCIEM_EVENT_* type) */
	PTF_REC_LOST,			/* rec.lost */
	PTF_REC_MODULE,			/* rec.module */
	PTF_REC_DRIVER,			/* rec.driver: driver bound to rec.domain */
};

struct ptf_record {
	enum ptf_rec_type type;
	uint32_t domain;
	uint32_t stack;			/* EVENT: its call stack's id for
					 * ptf_reader__stack(), 0: none (1.2) */
	uint32_t payload;		/* EVENT: id of its DMA payload for
					 * ptf_reader__payload(), 0: none (1.4) */
	union {
		struct pciem_event event;
		struct pciem_trace_lost lost;
		const struct ptf_device *device;	/* valid until the next */
		const struct ptf_module *module;	/* call on the reader */
		const char *driver;
	};
};

/* Reads /proc/sys/kernel/random/boot_id into @id (16 bytes, in the order
 * of its text form); 0, or -errno and @id zeroed. */
int ptf_read_boot_id(uint8_t id[16]);

/* ---- writing ------------------------------------------------------------ */

struct ptf_writer;

struct ptf_writer_opts {
	int level;			/* zstd level; 0: the default (3) */
	uint32_t frame_bytes;		/* uncompressed bytes per frame; 0: default */
	int force;			/* overwrite an existing file */
};

struct ptf_writer_stats {
	uint64_t records;
	uint64_t events;
	uint64_t lost;			/* sum of the LOST records' counts */
	uint64_t raw_bytes;		/* encoded records before compression */
	uint64_t file_bytes;		/* written to the file so far */
	uint32_t frames;
	uint64_t payloads;		/* distinct payloads stored (DMA_DATA records) */
	uint64_t payload_bytes;		/* their bytes, before compression */
	uint64_t dma_bytes;		/* bytes of the events that refer to payloads */
};

/* open(2) of @path with @flags (O_CREAT among them) for a file that holds
 * kernel addresses, such as a trace: created 0600, and an existing regular
 * file made 0600 too (a device such as /dev/null keeps its mode).  The file
 * descriptor, or -1 with errno set. */
int ptf_open_private(const char *path, int flags);

/* Creates @path 0600 (refuses an existing file with -EEXIST unless
 * opts->force; an overwritten file is made 0600 too) and writes the
 * header (as frame 0, at once).  @opts may be NULL.  On
 * failure *w is still set (unless -ENOMEM) so that ptf_writer__error()
 * can say why; free it with ptf_writer__close(), which returns the error. */
int ptf_writer__open(struct ptf_writer **w, const char *path,
		     const struct ptf_header *hdr, const struct ptf_writer_opts *opts);

int ptf_writer__add_device(struct ptf_writer *w, const struct ptf_device *dev);
int ptf_writer__add_event(struct ptf_writer *w, uint32_t domain,
			  const struct pciem_event *ev);
int ptf_writer__add_lost(struct ptf_writer *w, uint32_t domain,
			 const struct pciem_trace_lost *lost);
int ptf_writer__add_module(struct ptf_writer *w, const struct ptf_module *mod);
int ptf_writer__add_driver(struct ptf_writer *w, uint32_t domain, const char *driver);

/*
 * Call stacks (format 1.2): ptf_writer__add_stack() gives the id of the
 * stack @ips[0..n) (innermost frame first, 1 <= @n <= PTF_STACK_MAX_FRAMES),
 * writing it in a STACK_TABLE record the first time it is seen, so each
 * distinct stack is stored once; ptf_writer__add_event_stack() writes an
 * event that refers to such an id (0: no stack, as add_event()).
 * ptf_writer__set_stacks_lost() sets the FOOTER's count of events recorded
 * with stacks asked for whose stack is missing.
 */
#define PTF_STACK_MAX_FRAMES	512
#define PTF_MAX_STACKS		(1U << 24)
int ptf_writer__add_stack(struct ptf_writer *w, const uint64_t *ips, uint32_t n, uint32_t *id);
int ptf_writer__add_event_stack(struct ptf_writer *w, uint32_t domain,
				const struct pciem_event *ev, uint32_t stack);
void ptf_writer__set_stacks_lost(struct ptf_writer *w, uint64_t n);

/*
 * DMA payloads (format 1.4): ptf_writer__add_payload() gives the id of the
 * bytes @buf[0..len) (1 <= len <= PTF_PAYLOAD_MAX), writing a DMA_DATA
 * record the first time these bytes are seen (identical payloads are
 * stored once: same length and same 128-bit XXH3 digest);
 * ptf_writer__add_event_ex() writes an event with a stack id (0: none) and
 * a payload id (0: none).  An event that refers to a payload must be a
 * DMA_READ or DMA_WRITE whose @data equals the payload's length (-EINVAL
 * otherwise).  ptf_writer__add_trace_rec() does all this by itself for a
 * trace-channel EVENT record that carries bytes (see the ABI header).
 */
#define PTF_PAYLOAD_MAX		(1U << 20)
int ptf_writer__add_payload(struct ptf_writer *w, const void *buf, uint32_t len, uint32_t *id);
int ptf_writer__add_event_ex(struct ptf_writer *w, uint32_t domain,
			     const struct pciem_event *ev, uint32_t stack, uint32_t payload);

/* One record of the kernel's trace channel (DEVICE, EVENT or LOST; PAD and
 * unknown types are ignored and return 0).  An EVENT record of a DMA_READ
 * or DMA_WRITE without PCIEM_EVENT_F_DMA_FAULT carries its @data bytes
 * after the event: they are stored as its payload (1.4); a record too
 * short for them is refused with -EINVAL. */
int ptf_writer__add_trace_rec(struct ptf_writer *w, const struct pciem_trace_rec *rec);
/* The same with the call stack @stack (0: none) for an EVENT record;
 * -EINVAL for a stack on another type. */
int ptf_writer__add_trace_rec_stack(struct ptf_writer *w, const struct pciem_trace_rec *rec,
				    uint32_t stack);

/* Ends the current frame and writes it out, so that everything added so
 * far survives the writer being killed.  Nothing is written when nothing
 * was added since the last frame.
 *
 * A write error (ENOSPC, EFBIG, EIO...) stops the writer for good: the
 * file is cut back to the end of its last complete frame (it stays
 * readable, without footer and index), and this and every later call
 * return the error.  A call's own bad argument (-EINVAL, -E2BIG) is
 * refused without stopping the writer. */
int ptf_writer__flush(struct ptf_writer *w);

void ptf_writer__stats(const struct ptf_writer *w, struct ptf_writer_stats *st);

/* Flushes, writes the footer, index and seek table, closes the file.
 * Returns the first error met by this writer, if any; frees @w always. */
int ptf_writer__close(struct ptf_writer *w);

const char *ptf_writer__error(const struct ptf_writer *w);

/* ---- reading ------------------------------------------------------------ */

struct ptf_reader;

/* Opens @path and reads its header.  On failure *r is still set (unless
 * -ENOMEM) so that ptf_reader__error() can say why; free it with
 * ptf_reader__close(). */
int ptf_reader__open(struct ptf_reader **r, const char *path);

/* The same over @len bytes at @buf (not copied; must outlive the reader);
 * @name is used in messages. */
int ptf_reader__open_mem(struct ptf_reader **r, const void *buf, size_t len,
			 const char *name);

const struct ptf_header *ptf_reader__header(const struct ptf_reader *r);

/* 1 and *rec filled; 0 at the end of the readable data (a file cut short
 * ends after its last complete frame: see ptf_reader__warning()); -errno
 * on a corrupt file (records before the corruption have been returned;
 * -EBADMSG for damage, ptf_reader__error() says where and what). */
int ptf_reader__next(struct ptf_reader *r, struct ptf_record *rec);

/* Positions the reader so that the next EVENT of @domain returned is the
 * first with seq >= @seq (resp. the first event of any device, in file
 * order, with timestamp_ns >= @ns), using the index when there is one.
 * The next record returned is that event; the records before it are
 * skipped.  Descriptions, drivers and modules of skipped frames stay
 * available through ptf_reader__device(), ptf_reader__driver() and
 * ptf_reader__symbolize().  Returns 0, -ENOENT when no such event exists
 * (the reader is then at the end), or -errno on a corrupt file. */
int ptf_reader__seek_seq(struct ptf_reader *r, uint32_t domain, uint64_t seq);
int ptf_reader__seek_time(struct ptf_reader *r, uint64_t ns);

/* Stack @id (as in struct ptf_record.stack): its frames, innermost first,
 * valid until the reader is closed.  0, or -ENOENT if no stack @id has been
 * read. */
int ptf_reader__stack(struct ptf_reader *r, uint32_t id, const uint64_t **ips, uint32_t *n);

/* Payload @id (as in struct ptf_record.payload): its bytes, valid until the
 * next call on the reader.  0, -ENOENT if no payload @id has been read (or
 * seen in a frame a seek skipped), -errno on a corrupt file. */
int ptf_reader__payload(struct ptf_reader *r, uint32_t id, const void **buf, uint32_t *len);

/* The description of @domain, NULL if none has been read. */
const struct ptf_device *ptf_reader__device(struct ptf_reader *r, uint32_t domain);

/* The driver last recorded as bound to @domain, NULL if none was read. */
const char *ptf_reader__driver(struct ptf_reader *r, uint32_t domain);

/* Reads every MODULE and STACK_TABLE record of the file, so that
 * ptf_reader__symbolize() and ptf_reader__stack() know them all (a stack's
 * frames may be named by modules recorded after the event), then rewinds.
 * Call it before reading records.  0 or -errno. */
int ptf_reader__load_symbols(struct ptf_reader *r);

/* Names @ip as "function+0xoff [module]" into @buf ("module+0xoff
 * [module]" inside a module but outside its symbols); -ENOENT (and "0x<ip>"
 * in @buf) if no module recorded so far covers it. */
int ptf_reader__symbolize(struct ptf_reader *r, uint64_t ip, char *buf, size_t len);

/* The same for one module @m: -ENOENT (and @buf untouched) if @ip is not
 * in [base, base + size). */
int ptf_module__symbolize(const struct ptf_module *m, uint64_t ip, char *buf, size_t len);

/*
 * A call stack as one line of text: its frames @ips[0..n), innermost
 * first, each named by @name (as ptf_reader__symbolize() names it), joined
 * by PTF_STACK_SEP: "do_cmd+0x4d [drv]; mmio_store+0x2a [drv]; ...".
 * Frames that do not fit in @len are left out whole (@buf ends after the
 * last one that fits).  Returns the length written.
 */
#define PTF_STACK_SEP		"; "
#define PTF_STACK_TEXT_MAX	8192	/* a buffer that holds most stacks whole */
size_t ptf_stack_text(char *buf, size_t len, const uint64_t *ips, uint32_t n,
		      int (*name)(void *ctx, uint64_t ip, char *buf, size_t len), void *ctx);

struct ptf_summary {
	int complete;			/* footer, index and seek table present */
	uint32_t frames;		/* complete frames */
	uint64_t file_bytes;
	uint64_t trailing_bytes;	/* after the last complete frame, unreadable */
	/* from the footer when complete, else counted by reading: */
	uint64_t records;
	uint64_t events;
	uint64_t lost;
	uint32_t devices;
	uint64_t first_ns, last_ns;
	/* 1.2, stacks: distinct stacks read (the footer's count when
	 * complete); events whose stack is missing, from a 1.2 footer
	 * (stacks_lost_known 0 without one) */
	uint64_t stacks;
	uint64_t stacks_lost;
	int stacks_lost_known;
	/* 1.4, DMA payloads: distinct payloads stored, their bytes, and the
	 * bytes of the events that refer to them; from the footer when
	 * complete (payloads_known 0 when it predates 1.4), else counted by
	 * reading (payloads_known 1) */
	uint64_t payloads;
	uint64_t payload_bytes;
	uint64_t dma_bytes;
	int payloads_known;
};

/* Reads the whole file if needed (the reader is rewound afterwards). */
int ptf_reader__summary(struct ptf_reader *r, struct ptf_summary *s);

/* Back to the first record. */
int ptf_reader__rewind(struct ptf_reader *r);

/* The message of the last error ("" if none). */
const char *ptf_reader__error(const struct ptf_reader *r);

/* NULL, or what is wrong with a file that is still readable: a missing or
 * damaged index (frames then scanned), a file cut short ("file ends inside
 * frame 12 ...; no footer: the recording did not finish"); once
 * ptf_reader__next() has reached the end, which events are missing
 * ("events after seq 4711 of device 10000 are missing"). */
const char *ptf_reader__warning(const struct ptf_reader *r);

void ptf_reader__close(struct ptf_reader *r);

#endif
