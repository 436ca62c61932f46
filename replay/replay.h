/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pciem-replay: the replay session (replay.c) between a trace file and the
 * kernel's replay engine (kmod/pciem_replay.c), and its report (report.c).
 */
#ifndef PCIEM_REPLAY_H
#define PCIEM_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "pciem_userspace.h"
#include "ptf.h"
#include "regs.h"

#define REPLAY_TOOL_VERSION	"pciem-replay 0.1"

/* Exit statuses; keep in sync with --help and docs/pciem-replay.md. */
#define REPLAY_EX_OK		0	/* exactly the recorded accesses */
#define REPLAY_EX_DIVERGED	1	/* a divergence, an early stop, a timeout */
#define REPLAY_EX_ERROR		2	/* usage, environment, trace, COMMAND */
#define REPLAY_EX_NOSTACKS	65	/* --stacks and BPF cannot be used (as
					 * pciem-record's REC_EX_NOSTACKS) */

#define REPLAY_LAST_MATCHED	10	/* events shown before a divergence */
#define REPLAY_KEEP_DIVS	1000	/* divergences kept for the report */

struct replay_opts {
	const char *trace;
	const char *regs;
	const char *report_json;
	const char *device_path;	/* /dev/pciem */
	bool have_domain;		/* --device */
	uint32_t domain;
	bool allow_lost;
	bool without_io_bars;		/* a real device: present it without
					 * its I/O port BARs (not recorded) */
	bool verbose;
	bool stacks;			/* --stacks: the actual access's call stack */
	unsigned int timeout_s;		/* 0: none */
	struct pciem_replay_start start;
	char **cmd;			/* COMMAND and its arguments, or NULL */
	const char *cmd_dir;		/* --suite: where COMMAND runs (the trace's
					 * directory), entered once the trace is
					 * open; NULL: here */
};

/* A divergence as reported: the kernel's record and its context. */
struct replay_div {
	struct pciem_replay_divergence d;
	char actual_sym[160];		/* the driver's ip, named by the kernel */
	uint32_t expected_stack;	/* the expected access's recorded call
					 * stack (pciem-record --stacks), 0 none */
	char *actual_stack;		/* --stacks: the diverging access's call
					 * stack, trimmed, named when it was read,
					 * frames joined by PTF_STACK_SEP; NULL:
					 * none was captured */
	unsigned int nprev;
	struct pciem_event prev[REPLAY_LAST_MATCHED];	/* oldest first */
	uint64_t prev_index[REPLAY_LAST_MATCHED];
};

enum replay_result {
	RESULT_OK,
	RESULT_DIVERGED,
	RESULT_STOPPED_EARLY,		/* the driver made fewer accesses */
	RESULT_TIMEOUT,
	RESULT_IRQ_ERRORS,		/* recorded interrupts not injected */
	RESULT_INTERRUPTED,		/* SIGINT / SIGTERM */
	RESULT_COMMAND_FAILED,		/* all matched, COMMAND failed */
	RESULT_ERROR,
};

/* What pciem-replay knows about the trace and how the replay went. */
/* An MSI-X capability's table and PBA: BAR and byte range of each. */
struct msix_layout {
	bool present;			/* and PCIem presents it */
	unsigned int n;			/* table entries */
	unsigned int tbar, pbar;	/* BIR: 0-7 */
	uint64_t toff, tlen, poff, plen;
};

struct replay {
	const struct replay_opts *opts;
	struct ptf_reader *r;		/* the feeding reader */
	struct regmap *map;
	/* the map's DMA rules for the device, as REPLAY_START takes them */
	const struct reg_dma_rule *rules[PCIEM_REPLAY_MAX_RULES];
	struct pciem_replay_dma_rule krules[PCIEM_REPLAY_MAX_RULES];
	unsigned int nrules;
	uint32_t domain;
	struct ptf_device dev;
	char driver[64];		/* recorded driver, "" if none */
	uint64_t total_events;		/* of the device, in the file */
	uint64_t total_accesses;	/* MMIO reads and writes among them, not
					 * counting: */
	uint64_t total_msix_accesses;	/* those of the MSI-X table and PBA
					 * (emulated by the kernel, not compared) */
	uint64_t total_irqs;
	struct msix_layout msix;	/* the device's MSI-X table and PBA */
	uint64_t lost;
	char address[32];		/* where the replayed device is */
	uint32_t live_domain;		/* its domain now */
	struct stacks *stacks;		/* --stacks: the BPF program */
	struct stack_live *sl;		/* and the kernel's symbols */

	int fd, ifd;			/* /dev/pciem, the instance */
	/* feeding */
	struct pciem_event *chunk;
	uint32_t *chunk_stack;		/* their recorded stacks (0: none) */
	unsigned int chunk_n, chunk_off;
	bool has_dma;			/* the recording has the device's DMA */
	uint8_t *chunk_pay;		/* their DMA bytes, in event order */
	size_t pay_n, pay_off;		/* bytes there, bytes fed */
	bool eof, ended;
	uint64_t fed;
	/* every event fed, by index, as long as the ring keeps it */
	struct pciem_event *hist;
	uint32_t *hist_stack;
	uint64_t hist_mask;
	/* the outcome */
	struct pciem_replay_status st;
	bool status_valid;
	struct replay_div *divs;
	unsigned int ndivs;
	enum replay_result result;
	bool timed_out, interrupted;
	bool have_child;
	int child_code;			/* COMMAND's exit code, -1 if none */
	uint64_t start_ns, end_ns;
	FILE *out;			/* the text report: stderr */
};

/* How one replay ended, for --suite. */
struct replay_end {
	enum replay_result result;
	char headline[1024];		/* report__headline() */
};

/* pciem-replay.c: replays @o->trace as the single-trace form does, the
 * report on @out (stderr there); how it ended in *@end when not NULL.
 * Returns pciem-replay's exit status for it. */
int replay_trace(struct replay_opts *o, int sigfd, const sigset_t *orig, FILE *out,
		 struct replay_end *end);

/* replay.c */
int replay__open_trace(struct replay *rp);
/* Is @ev an access to the MSI-X table or PBA @m (not compared)? */
bool replay__in_msix(const struct msix_layout *m, const struct pciem_event *ev);
/*
 * A real device's config space made one PCIem can present (what
 * SET_CONFIG_IMAGE accepts): capabilities other than MSI (in the forms
 * PCIem builds), MSI-X (its table and PBA in memory BARs of @bars, the
 * replayed device's), PCI Express (version 2 endpoint or legacy endpoint)
 * and PM are unlinked, extended capabilities cleared, interrupt pin B-D
 * made A, the multi-function bit cleared.  Each change is said on @out,
 * prefixed with @who.  Returns the number of changes.
 */
unsigned int replay__adapt_config(uint8_t cfg[4096], const struct pciem_trace_bar bars[6],
				  FILE *out, const char *who);
int replay__create_device(struct replay *rp);
int replay__feed(struct replay *rp);
int replay__open_stacks(struct replay *rp);
int replay__run(struct replay *rp, pid_t child, int sigfd, int *child_status);
int replay__finish(struct replay *rp);
void replay__close(struct replay *rp);
const struct pciem_event *replay__event_at(const struct replay *rp, uint64_t index);
/* The recorded call stack of the event at @index (0: none or forgotten). */
uint32_t replay__stack_at(const struct replay *rp, uint64_t index);
uint64_t replay__now_ns(void);

/* report.c */
void report__divergence(struct replay *rp, const struct replay_div *rd);
void report__summary(struct replay *rp);
int report__json(struct replay *rp, const char *path);
void report__fill_context(struct replay *rp, struct replay_div *rd);
const char *report__result_name(enum replay_result res);
int report__exit_status(enum replay_result res);
/* One line saying how the replay ended: the first divergence (where, what
 * was expected, what the driver did), the next expected access of a
 * driver that stopped early, ... */
void report__headline(struct replay *rp, char *buf, size_t len);

/* ---- pciem-replay --suite (suite.c) and its reports (junit.c) ---- */

enum case_verdict {
	CASE_PASSED,			/* exit status 0 */
	CASE_FAILED,			/* 1: a divergence (an early stop, a timeout) */
	CASE_ERROR,			/* any other: no verdict */
	CASE_SKIPPED,			/* not run: the suite was interrupted */
	CASE_NVERDICTS,
};

/* One trace of a suite, and how its replay went. */
struct suite_case {
	char *trace;			/* its path, as given or DIR/NAME.zst */
	char *name;			/* NAME: the file name without .zst */
	char *classname;		/* the name of the directory holding it */
	char *script;			/* NAME.sh beside it (its COMMAND), or NULL */
	enum case_verdict verdict;
	int exit_status;		/* pciem-replay's for this trace */
	char result[24];		/* report__result_name(), or "killed" */
	char *message;			/* one line: why not passed, or NULL */
	char *report;			/* the text report (divergences, summary) */
	size_t report_len;
	char *output;			/* all written on stderr meanwhile (the
					 * report, pciem-replay's messages,
					 * COMMAND's) */
	size_t output_len;
	double time_s;
};

struct suite {
	const char *name;		/* "pciem-replay" */
	struct suite_case *cases;
	unsigned int n;
	char timestamp[24];		/* its start, UTC: 2026-12-03T00:15:47 */
	char hostname[256];
	double time_s;
};

/* suite.c: runs @paths (traces, directories of NAME.zst) one after the
 * other; returns the suite's exit status. */
int suite__run(struct replay_opts *o, char **paths, const char *junit, bool tap, int sigfd,
	       const sigset_t *orig);

/* junit.c */
void suite__count(const struct suite *s, unsigned int count[CASE_NVERDICTS]);
int junit__write(FILE *f, const struct suite *s);
void tap__plan(FILE *f, unsigned int n);
void tap__case(FILE *f, unsigned int number, const struct suite_case *c);
void tap__end(FILE *f, const struct suite *s);

#endif
