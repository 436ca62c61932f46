/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-trace: what the subcommands share.  One file per subcommand
 * (info.c, dump.c, stats.c, verify.c, diff.c, export.c, dma.c), dispatched from
 * main.c.
 */
#ifndef PCIEM_TRACE_H
#define PCIEM_TRACE_H

#include <argp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ptf.h"
#include "regs.h"

#define PTRACE_VERSION	"0.1"

/* Exit codes of every subcommand. */
#define EXIT_OK		0	/* nothing to report */
#define EXIT_FINDING	1	/* a finding (verify) or a difference (diff) */
#define EXIT_ERROR	2	/* usage, I/O or format error */

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_dma(int argc, char **argv);

/* ---- common.c ---------------------------------------------------------- */

struct filter;

/* TRACE and --regs FILE, the arguments info, dump, stats and verify share. */
struct trace_args {
	const char *trace;
	const char *regs;
};

/* The argp child that parses them (its input is a struct trace_args *):
 * --regs, and TRACE: the usage's "TRACE", "one trace file only", "no
 * trace file given".
 * @regs_doc is the --regs line of the subcommand's --help.  At file scope:
 *   static const struct argp trace_argp = TRACE_ARGP("Register map: ...");
 */
#define TRACE_ARGP(regs_doc) {						\
	.options = (const struct argp_option[]) {			\
		{ "regs", 'r', "FILE", 0, regs_doc, 0 },		\
		{ 0 },							\
	},								\
	.parser = trace_args__parse_opt,				\
	.args_doc = "TRACE",						\
}
error_t trace_args__parse_opt(int key, char *arg, struct argp_state *state);

/* Loads the register map of @a (NULL without --regs), checks @f against
 * it when @f is not NULL, then opens the trace; on failure prints why and
 * returns -errno.  The caller frees *map and closes *r either way. */
int trace_args__open(const struct trace_args *a, struct filter *f, struct regmap **map,
		     struct ptf_reader **r);

/* The element for @domain in the array *@devs of *@n elements of @size
 * bytes, each of which begins with its uint32_t domain; when there is
 * none, a zeroed one with that domain is appended (the array may move).
 * NULL when out of memory. */
void *devs__get(void **devs, unsigned int *n, size_t size, uint32_t domain);

/* "pciem-trace: " + message on stderr. */
void ptrace_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens @path; on failure prints the library's message (it names the
 * file) and returns -errno. */
int trace__open(struct ptf_reader **r, const char *path);

/* Reads --regs FILE if @path is set; prints "pciem-trace: FILE:LINE: ..."
 * and returns -errno on failure.  *map is NULL without @path. */
int trace__load_regs(struct regmap **map, const char *path);

/* Whole-string unsigned number, decimal or 0x-hex (strtoull + errno). */
int parse_u64(const char *s, uint64_t *v);

/* A device's stream key: a PCI domain in hex as lspci prints it ("10000",
 * "0x10000", or a real device's key "80001800"), or a full address:
 * "10000:00:00.0" gives its domain, a real device's "0000:00:03.0" (domain
 * up to 7fff) its PCIEM_REAL_KEY. */
int parse_domain(const char *s, uint32_t *domain);

/* Lower-case event type names used on the command line and in output:
 * "mmio_read", ... "lifecycle"; NULL for an unknown type. */
const char *evtype__name(uint32_t type);
const char *lifecycle__name(uint64_t kind);	/* "registered", ... */

/* DMA (format 1.4): "to-device", "from-device", "bidirectional" for
 * PCIEM_DMA_DIR_* (NULL for another number); does a mapping in direction
 * @dir let the device make a transfer of @type (DMA_READ: the device
 * reads host memory, DMA_WRITE: it writes it)? */
const char *dma_dir__name(uint32_t dir);
int dma_dir__allows(uint32_t dir, uint32_t type);
int event__is_dma(const struct pciem_event *ev);		/* DMA_MAP ... DMA_WRITE */
int event__is_dma_transfer(const struct pciem_event *ev);	/* DMA_READ, DMA_WRITE */

/* What a DMA event says, as dump prints it: "0x80001000+4096 to-device
 * streaming" (map, unmap; or coherent), "0x80001000+64 from-device
 * for-cpu" (sync; or for-device), "0x80001000+4096 same-insn refused"
 * (transfers: a later piece of one transfer, a refused one; "coherent
 * seen": a real device's coherent buffer's changed bytes). */
void dma__format(char *buf, size_t len, const struct pciem_event *ev);

/* The function holding @ip (a DMA mapping's call site), named with the
 * trace's module symbols, without its offset: "nvme_alloc_queue"; "" when
 * no module recorded so far covers it.  What the DMA rules' at= matches. */
void trace__call_site_function(struct ptf_reader *r, uint64_t ip, char *buf, size_t len);

/* "10000:00:00.0" of a device; "10000" when @dev is NULL.  A real
 * device's stream key gives its address, "0000:00:03.0", with or without
 * @dev. */
void device__format_addr(char *buf, size_t len, uint32_t domain, const struct ptf_device *dev);

/* "" for a PCIem device (or NULL); for a real one "real device" and what
 * is missing from its trace: "; a driver was bound when recording started:
 * its probe was not recorded", "; I/O port BAR2: its accesses are
 * missing". */
void device__format_notes(char *buf, size_t len, const struct ptf_device *dev);

/* Seconds with nanoseconds, "1.000000250", "-0.000000100". */
void format_rel_time(char *buf, size_t len, int64_t ns);

/* Signed difference @ts - @start, saturated. */
int64_t rel_ns(uint64_t ts, uint64_t start);

/* "0x0000002a" with as many digits as @size bytes hold (at most 16). */
void format_value(char *buf, size_t len, uint64_t v, uint32_t size);

/* "seq FIRST-LAST (COUNT events)": a range of sequence numbers, lost or
 * missing, as dump, info and verify show it. */
void format_seq_range(char *buf, size_t len, uint64_t first, uint64_t last, uint64_t count);

/* Does the event carry a BAR, a config offset, a value? */
int event__has_bar(const struct pciem_event *ev);
int event__is_config(const struct pciem_event *ev);
int event__is_mmio(const struct pciem_event *ev);

/* Where an access went, as the reg field of an export has it when no
 * register map names it: "bar0+0x8", "cfg+0x4" (config events). */
void event__location(char *buf, size_t len, const struct pciem_event *ev);

/* The register of an MMIO/config/watchpoint event under @map, or NULL. */
const struct reg *event__reg(const struct pciem_event *ev, const struct regmap *map,
			     const struct ptf_device *dev);

/* Where a file that is not complete ends: "the file ends 47 bytes into
 * frame 7, which starts at byte 999 and is lost", "the file ends after
 * frame 6". */
void summary__describe_end(char *buf, size_t len, const struct ptf_summary *s);

/* "6f1c...-..." (36 characters and the NUL) from 16 bytes. */
void format_uuid(char *buf, size_t len, const uint8_t id[16]);

/* Is the header's boot id known (not all zero)? */
int boot_id__known(const uint8_t id[16]);

/* JSON string with quotes and escapes. */
void json_string(FILE *f, const char *s);

/* ---- dmamap.c: a device's DMA mappings (format 1.4) ----------------------- */

struct dma_mapping {
	uint64_t addr, size;		/* bus address, bytes */
	uint32_t dir;			/* PCIEM_DMA_DIR_* */
	int coherent;
	uint64_t map_seq, map_ts, map_ip;
	int unmapped;
	uint64_t unmap_seq, unmap_ts, unmap_ip;
	uint64_t syncs_dev, syncs_cpu;	/* for the device, for the CPU */
	uint64_t reads, read_bytes;	/* the device read host memory */
	uint64_t writes, written_bytes;	/* the device wrote it */
	uint64_t last_seq;		/* of its last sync or transfer (0: none) */
};

enum dma_verdict {
	DMA_OK,
	DMA_OUTSIDE,		/* sync, transfer: no live mapping holds it */
	DMA_AGAINST_DIR,	/* transfer: only mappings of the other direction do */
	DMA_NOT_MAPPED,		/* unmap: no live mapping at that address */
	DMA_UNMAP_DIFFERS,	/* unmap: size, direction or kind differ from the mapping's */
};

/* A sync or transfer no live mapping allows, an unmap of nothing, or a
 * refused transfer (with history only). */
struct dma_outside {
	struct pciem_event ev;
	enum dma_verdict verdict;
	long mapping;			/* the mapping concerned, -1 none */
};

struct dma_dev {
	uint32_t domain;		/* first, for devs__get() */
	struct dma_mapping *maps;
	size_t n, cap;
	size_t *live, nlive, livecap;	/* with history: indexes of the live ones */
	struct dma_outside *outside;
	size_t noutside, outcap;
	uint64_t out_transfers, out_refused;	/* transfers in no mapping, refused ones */
	int have_first;			/* the device's first event's seq (dma) */
	uint64_t first_seq;
	struct {			/* the last piece of a read [0], a write [1] */
		int have;
		uint32_t pid;
		uint64_t seq, end;
	} last[2];
};

struct dma_tracker {
	struct dma_dev *devs;
	unsigned int ndevs;
	int keep;			/* keep ended mappings and the outside list */
};

struct dma_result {
	enum dma_verdict verdict;
	long mapping;			/* index in the device's maps (with history), -1 */
	struct dma_mapping found;	/* the mapping concerned, as it is now */
	/* a later piece (F_SAME_INSN): the device's previous piece of the same
	 * type was refused or by another task (piece_orphan; or none), or does
	 * not end where this one starts (!piece_ok) */
	int piece_orphan, piece_ok;
	uint64_t prev_seq, prev_end;
};

/* @keep: keep every mapping made and the list of transfers outside them
 * (dma, stats); without it only the live mappings (verify). */
void dma_tracker__init(struct dma_tracker *t, int keep);
void dma_tracker__free(struct dma_tracker *t);
struct dma_dev *dma_tracker__dev(struct dma_tracker *t, uint32_t domain);
int dma_tracker__has(const struct dma_tracker *t, uint32_t domain);

/* Feeds one DMA event of @domain (the others are passed over) and says in
 * @res where it fell.  0 or -ENOMEM. */
int dma_tracker__event(struct dma_tracker *t, uint32_t domain, const struct pciem_event *ev,
		       struct dma_result *res);

/* "outside every live mapping", ... */
const char *dma_verdict__text(enum dma_verdict v);

/* ---- filter.c ---------------------------------------------------------- */

/* Type bits: 1 << PCIEM_EVENT_* for events (bits 1-17), and these for the
 * other records. */
#define FILTER_T_LOST		(1ULL << 32)
#define FILTER_T_DEVICE		(1ULL << 33)
#define FILTER_T_DRIVER		(1ULL << 34)
#define FILTER_T_MODULE		(1ULL << 35)

struct filter {
	uint64_t types;			/* 0: every type */
	int bar;			/* -1: any */
	int has_offset;
	uint64_t offset;
	const char *reg_name;		/* --offset NAME (needs --regs) */
	int has_seq;
	uint64_t seq_lo, seq_hi;	/* inclusive */
	int has_time;
	int64_t t_lo, t_hi;		/* ns relative to the start, inclusive */
	int has_domain;
	uint32_t domain;
	/* while reading */
	int64_t last_event_ns;		/* for LOST records under --time */
	int seen_event;
};

/* The options --type, --bar, --offset, --seq, --time, --device as an argp
 * child; its input is a struct filter *. */
extern const struct argp filter_argp;

void filter__init(struct filter *f);

/* Checks the filter against @map (register names) after parsing;
 * prints why and returns -EINVAL when it cannot be used. */
int filter__check(struct filter *f, const struct regmap *map);

/* Seeks @r to the first record the filter can match (--seq with --device,
 * --time).  @start_ns: the header's start time.  Returns 0, 1 when no
 * event lies at or after that start (nothing can match), or -errno after
 * printing why. */
int filter__seek(struct filter *f, struct ptf_reader *r, uint64_t start_ns);

/* Does @rec pass?  @dev: its device's description (or NULL); @map may be
 * NULL; @start_ns as above. */
int filter__match(struct filter *f, const struct ptf_record *rec, const struct ptf_device *dev,
		  const struct regmap *map, uint64_t start_ns);

/* When only one device's sequence range is asked for, 1 once @rec shows
 * that nothing later can match. */
int filter__done(const struct filter *f, const struct ptf_record *rec);

#endif
