/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call stacks on the running kernel, for pciem-record and pciem-replay
 * --stacks: where each frame lies (the core kernel, pciem.ko, another
 * module, a trampoline), the trimming of the trap machinery that this
 * classification allows (stack_trim(), stack_join.h), and the frames'
 * names, "function+0xoff [module]" as ptf_reader__symbolize() gives them
 * from a trace, here from /proc/kallsyms and /proc/modules (@root
 * prepended: "" for the running system).
 */
#ifndef PCIEM_STACK_LIVE_H
#define PCIEM_STACK_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include "stack_join.h"
#include "symbols.h"

/* A frame address's classification (cached). */
struct stack_addr {
	uint64_t addr;
	uint8_t where;			/* enum sj_where */
	uint8_t valid;
	int32_t sym;			/* SJ_CORE: index in ks.syms */
	int32_t mod;			/* SJ_MODULE, SJ_PCIEM: index in mranges */
};

struct stack_live_mod;

struct stack_live {
	const char *root;
	struct ksyms ks;		/* the core kernel's text symbols */
	struct sym_range *mranges;	/* /proc/modules, read again on a miss */
	size_t nmranges;
	struct stack_addr *cache;
	struct stack_live_mod *mods;	/* modules' symbols, loaded to name frames */
	size_t nmods;
};

/* Reads the kernel's symbols and modules.  0, or -errno with the reason
 * in @why (the kernel hides its addresses: not root or kptr_restrict). */
int stack_live__open(struct stack_live *sl, const char *root, char *why, size_t len);
void stack_live__close(struct stack_live *sl);

/* Where @ip lies; valid until the next call (a module loaded since the
 * last look makes /proc/modules be read again). */
const struct stack_addr *stack_live__classify(struct stack_live *sl, uint64_t ip);

/* The index of the first frame of @ips[0..n) that is not trap machinery
 * (stack_trim()); @n when all are. */
uint32_t stack_live__trim(struct stack_live *sl, const uint64_t *ips, uint32_t n);

/* @ip as "function+0xoff [module]" ([vmlinux] for the core kernel), or
 * "0x<ip>" and -ENOENT when nothing known holds it.  A module's symbols
 * are read on its first frame: name frames while their modules are
 * loaded.  The signature of ptf_stack_text()'s @name (@ctx: the
 * stack_live). */
int stack_live__name(void *sl, uint64_t ip, char *buf, size_t len);

#endif
