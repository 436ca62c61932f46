// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-record --stacks: the join of stacks to events, the core kernel's
 * symbols and the trimming of the trap machinery (see stack_join.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_join.h"

/* ---- the join ----------------------------------------------------------- */

struct sj_entry {
	uint64_t seq;
	uint32_t domain;
	uint32_t n;			/* 0: free */
	int32_t next;			/* bucket chain, -1 ends */
	uint64_t ips[SJ_MAX_FRAMES];
};

struct stack_join {
	struct sj_entry *e;		/* a FIFO ring in arrival order */
	uint32_t cap, head, count;	/* head: oldest */
	int32_t *bucket;
	uint32_t nbuckets;		/* power of two */
	uint32_t live;			/* stacks waiting */
	uint64_t evicted;
};

static uint32_t sj_hash(const struct stack_join *j, uint32_t domain, uint64_t seq)
{
	uint64_t h = (seq ^ ((uint64_t)domain << 40)) * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & (j->nbuckets - 1);
}

int stack_join__new(struct stack_join **out, uint32_t cap)
{
	struct stack_join *j = calloc(1, sizeof(*j));
	uint32_t i;

	*out = NULL;
	if (!j || !cap)
		goto fail;
	j->cap = cap;
	for (j->nbuckets = 1; j->nbuckets < cap; j->nbuckets <<= 1)
		;
	j->e = calloc(cap, sizeof(*j->e));
	j->bucket = malloc(j->nbuckets * sizeof(*j->bucket));
	if (!j->e || !j->bucket)
		goto fail;
	for (i = 0; i < j->nbuckets; i++)
		j->bucket[i] = -1;
	*out = j;
	return 0;
fail:
	stack_join__free(j);
	return -ENOMEM;
}

void stack_join__free(struct stack_join *j)
{
	if (!j)
		return;
	free(j->e);
	free(j->bucket);
	free(j);
}

/* Unlinks entry @k from its bucket and frees it. */
static void sj_remove(struct stack_join *j, uint32_t k)
{
	int32_t *pp = &j->bucket[sj_hash(j, j->e[k].domain, j->e[k].seq)];

	while (*pp >= 0 && (uint32_t)*pp != k)
		pp = &j->e[*pp].next;
	if (*pp >= 0)
		*pp = j->e[k].next;
	if (j->e[k].n)
		j->live--;
	j->e[k].n = 0;
}

static int32_t sj_find(const struct stack_join *j, uint32_t domain, uint64_t seq)
{
	int32_t k = j->bucket[sj_hash(j, domain, seq)];

	while (k >= 0 && (j->e[k].domain != domain || j->e[k].seq != seq))
		k = j->e[k].next;
	return k;
}

/* Frees the ring's oldest slots that were taken already. */
static void sj_advance(struct stack_join *j)
{
	while (j->count && !j->e[j->head].n) {
		j->head = (j->head + 1) % j->cap;
		j->count--;
	}
}

void stack_join__put(struct stack_join *j, uint32_t domain, uint64_t seq,
		     const uint64_t *ips, uint32_t n)
{
	int32_t old = sj_find(j, domain, seq);
	uint32_t k, h;

	if (!n)
		return;
	if (n > SJ_MAX_FRAMES)
		n = SJ_MAX_FRAMES;
	if (old >= 0)
		sj_remove(j, (uint32_t)old);
	sj_advance(j);
	if (j->count == j->cap) {
		sj_remove(j, j->head);	/* the oldest, still waiting */
		j->evicted++;
		j->head = (j->head + 1) % j->cap;
		j->count--;
		sj_advance(j);
	}
	k = (j->head + j->count) % j->cap;
	j->count++;
	j->e[k].domain = domain;
	j->e[k].seq = seq;
	j->e[k].n = n;
	j->live++;
	memcpy(j->e[k].ips, ips, n * sizeof(*ips));
	h = sj_hash(j, domain, seq);
	j->e[k].next = j->bucket[h];
	j->bucket[h] = (int32_t)k;
}

int stack_join__take(struct stack_join *j, uint32_t domain, uint64_t seq,
		     uint64_t *ips, uint32_t *n)
{
	int32_t k = sj_find(j, domain, seq);

	if (k < 0)
		return 0;
	*n = j->e[k].n;
	memcpy(ips, j->e[k].ips, *n * sizeof(*ips));
	sj_remove(j, (uint32_t)k);
	sj_advance(j);
	return 1;
}

uint32_t stack_join__pending(const struct stack_join *j)
{
	return j->live;
}

bool stack_join__full(const struct stack_join *j)
{
	return j->live >= j->cap;
}

void stack_join__make_room(struct stack_join *j, uint32_t domain, uint64_t seq)
{
	uint32_t i, k, freed = 0;

	for (i = 0; i < j->count; i++) {
		k = (j->head + i) % j->cap;
		if (j->e[k].n && j->e[k].domain == domain && j->e[k].seq < seq) {
			sj_remove(j, k);
			freed++;
		}
	}
	for (i = 0; !freed && i < j->count && j->live > j->cap - j->cap / 4; i++) {
		k = (j->head + i) % j->cap;
		if (j->e[k].n) {
			sj_remove(j, k);
			j->evicted++;
		}
	}
	j->evicted += freed;
	sj_advance(j);
}

uint64_t stack_join__evicted(const struct stack_join *j)
{
	return j->evicted;
}

/* ---- kernel symbols ------------------------------------------------------- */

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms__load(struct ksyms *ks, const char *root)
{
	char path[PATH_MAX], *line = NULL, name[512];
	size_t cap = 0, ncap = 0, nlen = 0, scap = 0, ocap = 0, i;
	unsigned long long addr;
	bool nonzero = false;
	char type;
	FILE *f;
	int err = 0;

	memset(ks, 0, sizeof(*ks));
	snprintf(path, sizeof(path), "%s/proc/kallsyms", root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		size_t l;

		/* "ADDR TYPE NAME[\t[MODULE]]": the core kernel's text, and
		 * the pages of trampolines and BPF programs */
		if (sscanf(line, "%llx %c %511s", &addr, &type, name) != 3)
			continue;
		if (strstr(line, "[__builtin__ftrace]") || strstr(line, "[bpf]")) {
			if (ks->nother == ocap) {
				size_t c = ocap ? ocap * 2 : 64;
				uint64_t *p = realloc(ks->other_pages, c * sizeof(*p));

				if (!p) {
					err = -ENOMEM;
					goto out;
				}
				ks->other_pages = p;
				ocap = c;
			}
			ks->other_pages[ks->nother++] = addr & ~4095ULL;
			continue;
		}
		if (strchr(line, '['))
			continue;
		if (addr)
			nonzero = true;
		if (!strcmp(name, "_stext"))
			ks->stext = addr;
		else if (!strcmp(name, "_etext"))
			ks->etext = addr;
		if (type != 't' && type != 'T')
			continue;
		l = strlen(name) + 1;
		if (ks->n == scap) {
			size_t c = scap ? scap * 2 : 65536;
			struct ksym *p = realloc(ks->syms, c * sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			ks->syms = p;
			scap = c;
		}
		if (nlen + l > ncap) {
			size_t c = ncap ? ncap * 2 : 1 << 20;
			char *p = realloc(ks->names, c);

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			ks->names = p;
			ncap = c;
		}
		memcpy(ks->names + nlen, name, l);
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].name = (const char *)(uintptr_t)nlen;	/* fixed below */
		nlen += l;
		ks->n++;
	}
	if (!nonzero && ks->n) {
		err = -EPERM;
		goto out;
	}
	if (!ks->n || !ks->stext || ks->etext <= ks->stext) {
		err = -ENOENT;
		goto out;
	}
	for (i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->names + (uintptr_t)ks->syms[i].name;
	qsort(ks->syms, ks->n, sizeof(*ks->syms), ksym_cmp);
out:
	free(line);
	fclose(f);
	if (err)
		ksyms__free(ks);
	return err;
}

bool ksyms__is_other(const struct ksyms *ks, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ks->nother; i++)
		if (ks->other_pages[i] == (addr & ~4095ULL))
			return true;
	return false;
}

void ksyms__free(struct ksyms *ks)
{
	free(ks->other_pages);
	free(ks->syms);
	free(ks->names);
	memset(ks, 0, sizeof(*ks));
}

const struct ksym *ksyms__find(const struct ksyms *ks, uint64_t addr, uint64_t *size)
{
	size_t lo = 0, hi = ks->n, k;

	if (addr < ks->stext || addr >= ks->etext || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {			/* syms[lo].addr <= addr */
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* the last of equal addresses: its size runs to the next one */
	k = lo;
	if (size)
		*size = (k + 1 < ks->n && ks->syms[k + 1].addr < ks->etext ?
			 ks->syms[k + 1].addr : ks->etext) - ks->syms[k].addr;
	return &ks->syms[k];
}

/* ---- trimming ---------------------------------------------------------------- */

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The tracepoint's and BPF's frames above pciem_ring_push(), pciem's own,
 * and those of the kprobe that called pciem. */
static bool trace_glue(const struct sj_frame *f)
{
	if (f->where == SJ_OTHER || f->where == SJ_PCIEM)
		return true;
	if (f->where != SJ_CORE || !f->name)
		return false;
	return starts(f->name, "bpf_trace_run") || starts(f->name, "__bpf_trace_") ||
	       starts(f->name, "trace_event_raw_event_") || starts(f->name, "perf_trace_") ||
	       starts(f->name, "__traceiter_") || starts(f->name, "trace_call_bpf") ||
	       starts(f->name, "bpf_get_stack") ||
	       /* pciem's kprobes (lifecycle events): the probed function,
		* after these, is the driver's call */
	       starts(f->name, "kprobe_") || starts(f->name, "__kprobe") ||
	       strstr(f->name, "kretprobe") || strstr(f->name, "rethook") ||
	       starts(f->name, "ftrace_ops_") || starts(f->name, "arch_ftrace_ops_list_func");
}

uint32_t stack_trim(const struct sj_frame *f, uint32_t n)
{
	uint32_t i = 0, k;

	while (i < n && trace_glue(&f[i]))
		i++;
	/* through the fault (or #DB) handling to its exception entry */
	for (k = i; k < n; k++) {
		if (f[k].where == SJ_MODULE)
			break;			/* a driver's frame: not ours */
		if (f[k].where == SJ_CORE && f[k].name && starts(f[k].name, "asm_exc_"))
			return k + 1;
	}
	return i;
}
