/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-record: the recorder (record.c) between the kernel's trace
 * channel and the trace file, and the exit statuses the command documents.
 */
#ifndef PCIEM_RECORD_H
#define PCIEM_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "pciem_userspace.h"
#include "ptf.h"
#include "stacks_api.h"

/*
 * pciem-record's own exit statuses, from sysexits.h's range 64..78 so
 * that they are unlikely to be mistaken for a COMMAND's status (which is
 * passed through otherwise).  Keep in sync with --help and
 * docs/pciem-record.md.
 */
#define REC_EX_USAGE		64	/* bad option or argument */
#define REC_EX_NOSTACKS		65	/* --stacks, and BPF cannot be used */
#define REC_EX_NODEVICE		66	/* no matching device was recorded */
#define REC_EX_NOMODULE		69	/* /dev/pciem missing: pciem.ko not loaded */
#define REC_EX_SOFTWARE		70	/* internal error: a ring that makes no sense */
#define REC_EX_OSERR		71	/* system error: memory, fork, mmap... */
#define REC_EX_CANTCREAT	73	/* output exists (no --force) or cannot be created */
#define REC_EX_IOERR		74	/* writing the file failed (disk full...) */
#define REC_EX_BUSY		75	/* real device: the system uses it (a file
					 * system or swap; --force-device), or
					 * it is traced already */
#define REC_EX_NOPERM		77	/* no permission to open /dev/pciem */
#define REC_EX_CONFIG		78	/* the module refuses the subscription */
#define REC_EX_CMD_NOEXEC	126	/* COMMAND found but not executable */
#define REC_EX_CMD_NOTFOUND	127	/* COMMAND not found */

#define RECORD_TOOL_VERSION	"pciem-record 0.1"

struct record_opts {
	const char *device_path;	/* /dev/pciem */
	const char *sys_root;		/* "" (prefix of /proc and /sys) */
	uint32_t match;			/* PCIEM_TRACE_MATCH_* */
	uint16_t vendor_id, device_id;
	uint32_t pid;
	uint32_t domain;
	uint8_t bus, devfn;		/* PCIEM_TRACE_MATCH_REAL */
	const char *bdf;		/* --bdf as given, for messages */
	uint64_t ring_size;
	bool full_trap;
	bool lossless;
	bool existing;
	bool verbose;
	bool status_line;		/* refresh a status line on stderr */
	bool stacks;			/* --stacks: call stacks with eBPF */
};

struct recorder;

/* Opens the device, subscribes and maps the ring.  Returns 0 or an exit
 * status (REC_EX_*), having printed why. */
int recorder__open(struct recorder **r, const struct record_opts *opts);

/*
 * Records into @w until @child (if > 0) exits, a SIGINT or SIGTERM
 * arrives on @sigfd (a signalfd for SIGINT, SIGTERM and SIGCHLD), or
 * writing fails.  *child_status gets the child's wait status (-1 if it
 * was still running).  Drains the ring before returning.  Returns 0 or an
 * exit status (REC_EX_*), having printed why.
 */
int recorder__run(struct recorder *r, struct ptf_writer *w, pid_t child, int sigfd,
		  int *child_status);

/* Records are waiting in the ring. */
bool recorder__has_records(const struct recorder *r);

struct record_stats {
	uint32_t devices;	/* descriptions seen (distinct domains) */
	uint64_t records;
	uint64_t events;
	uint64_t lost;		/* the kernel's count of dropped records */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at subscription */
	uint64_t end_ns;	/* when recording stopped */
	bool signalled;		/* stopped by SIGINT/SIGTERM */
	/* --stacks */
	uint64_t stacks;	/* distinct stacks written */
	uint64_t stacks_lost;	/* events written without a stack */
	uint64_t stacks_dropped;	/* the BPF side's drops (any device's) */
	uint64_t stacks_evicted;	/* stacks whose event never came */
	bool stacks_timed;		/* STACKS_TIMING_ENV: stacks_timing holds */
	struct stacks_timing stacks_timing;
};

void recorder__stats(const struct recorder *r, struct record_stats *st);

/* Unsubscribes (the kernel ends full trap) and frees. */
void recorder__close(struct recorder *r);

uint64_t record__now_ns(clockid_t clk);

#endif
