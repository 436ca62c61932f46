// SPDX-License-Identifier: GPL-2.0
/*
 * Call stacks on the running kernel: frames classified, trimmed and named
 * from /proc/kallsyms and /proc/modules (see stack_live.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_live.h"

#define ADDR_CACHE	4096	/* frames' classification, direct mapped */

/* A module's symbols, to name its frames (mod NULL: none could be read) */
struct stack_live_mod {
	char name[64];
	uint64_t base, size;
	struct ptf_module *mod;
};

int stack_live__open(struct stack_live *sl, const char *root, char *why, size_t len)
{
	int err;

	memset(sl, 0, sizeof(*sl));
	sl->root = root;
	err = ksyms__load(&sl->ks, root);
	if (err) {
		snprintf(why, len, "cannot name kernel frames: %s/proc/kallsyms: %s", root,
			 err == -EPERM ? "the kernel hides its addresses (kernel.kptr_restrict; "
			 "needs root)" : err == -ENOENT ? "no kernel text symbols listed" :
			 strerror(-err));
		return err;
	}
	err = symbols__modules(root, &sl->mranges, &sl->nmranges);
	if (err == -ENOENT)
		err = 0;		/* a kernel without modules */
	sl->cache = calloc(ADDR_CACHE, sizeof(*sl->cache));
	if (err || !sl->cache) {
		err = err ? err : -ENOMEM;
		snprintf(why, len, "%s/proc/modules: %s", root, strerror(-err));
		stack_live__close(sl);
	}
	return err;
}

void stack_live__close(struct stack_live *sl)
{
	size_t i;

	for (i = 0; i < sl->nmods; i++)
		symbols__free_module(sl->mods[i].mod);
	free(sl->mods);
	ksyms__free(&sl->ks);
	free(sl->mranges);
	free(sl->cache);
	memset(sl, 0, sizeof(*sl));
}

static int mrange_find(const struct stack_live *sl, uint64_t ip)
{
	size_t i;

	for (i = 0; i < sl->nmranges; i++)
		if (ip >= sl->mranges[i].base && ip - sl->mranges[i].base < sl->mranges[i].size)
			return (int)i;
	return -1;
}

static bool overlaps(const struct sym_range *a, const struct sym_range *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a->base < v[i].base + v[i].size && v[i].base < a->base + a->size)
			return true;
	return false;
}

/*
 * /proc/modules read again.  A module that has left it keeps its range
 * while nothing new overlaps it: the events of its removal (an rmmod's
 * unbind) are named after the module is gone, from the symbols read
 * while it was there.  If the list changed, module indices did too, so
 * the cache goes.
 */
static void reload_mranges(struct stack_live *sl)
{
	struct sym_range *v, *p;
	size_t n, live, i;

	if (symbols__modules(sl->root, &v, &n))
		return;
	if (sl->nmranges) {
		p = realloc(v, (n + sl->nmranges) * sizeof(*v));
		if (!p) {
			free(v);
			return;
		}
		v = p;
		live = n;
		for (i = 0; i < sl->nmranges; i++)
			if (!overlaps(&sl->mranges[i], v, live))
				v[n++] = sl->mranges[i];
	}
	if (n == sl->nmranges && (!n || !memcmp(v, sl->mranges, n * sizeof(*v)))) {
		free(v);
		return;
	}
	free(sl->mranges);
	sl->mranges = v;
	sl->nmranges = n;
	memset(sl->cache, 0, ADDR_CACHE * sizeof(*sl->cache));
}

const struct stack_addr *stack_live__classify(struct stack_live *sl, uint64_t ip)
{
	struct stack_addr *c = &sl->cache[(ip ^ (ip >> 12)) % ADDR_CACHE];
	const struct ksym *k;
	int m;

	if (c->valid && c->addr == ip)
		return c;
	k = ksyms__find(&sl->ks, ip, NULL);
	if (k) {
		c->where = SJ_CORE;
		c->sym = (int32_t)(k - sl->ks.syms);
		c->mod = -1;
		goto out;
	}
	c->sym = c->mod = -1;
	if (ksyms__is_other(&sl->ks, ip)) {
		c->where = SJ_OTHER;	/* a trampoline, in a module's range maybe */
		goto out;
	}
	/* a module loaded since the last look may lie in what was then a
	 * hole at the end of a neighbour's range: look again, once per new
	 * address (the answer is cached) */
	reload_mranges(sl);
	m = mrange_find(sl, ip);
	if (m < 0) {
		c->where = SJ_OTHER;
		goto out;
	}
	c->mod = m;
	c->where = !strcmp(sl->mranges[m].name, "pciem") ? SJ_PCIEM : SJ_MODULE;
out:
	c->addr = ip;
	c->valid = 1;
	return c;
}

uint32_t stack_live__trim(struct stack_live *sl, const uint64_t *ips, uint32_t n)
{
	struct sj_frame f[SJ_MAX_FRAMES];
	uint32_t i;

	if (n > SJ_MAX_FRAMES)
		n = SJ_MAX_FRAMES;
	for (i = 0; i < n; i++) {
		const struct stack_addr *c = stack_live__classify(sl, ips[i]);

		f[i].where = c->where;
		f[i].name = c->where == SJ_CORE ? sl->ks.syms[c->sym].name : NULL;
	}
	return stack_trim(f, n);
}

/* The symbols of the module at mranges[@m], read on first use. */
static const struct stack_live_mod *live_mod(struct stack_live *sl, int m)
{
	const struct sym_range *r = &sl->mranges[m];
	struct stack_live_mod *p;
	size_t i;

	for (i = 0; i < sl->nmods; i++)
		if (sl->mods[i].base == r->base && !strcmp(sl->mods[i].name, r->name))
			return &sl->mods[i];
	p = realloc(sl->mods, (sl->nmods + 1) * sizeof(*p));
	if (!p)
		return NULL;
	sl->mods = p;
	p = &sl->mods[sl->nmods++];
	snprintf(p->name, sizeof(p->name), "%s", r->name);
	p->base = r->base;
	p->size = r->size;
	if (symbols__load_module(sl->root, r->name, &p->mod, NULL))
		p->mod = NULL;
	return p;
}

int stack_live__name(void *ctx, uint64_t ip, char *buf, size_t len)
{
	struct stack_live *sl = ctx;
	const struct stack_addr *c = stack_live__classify(sl, ip);
	const struct stack_live_mod *lm;

	if (c->where == SJ_CORE) {
		const struct ksym *k = &sl->ks.syms[c->sym];

		snprintf(buf, len, "%s+0x%" PRIx64 " [vmlinux]", k->name, ip - k->addr);
		return 0;
	}
	if (c->where != SJ_OTHER && (lm = live_mod(sl, c->mod))) {
		struct ptf_module none = { .name = lm->name, .base = lm->base, .size = lm->size };

		if (!ptf_module__symbolize(lm->mod ? lm->mod : &none, ip, buf, len))
			return 0;
	}
	snprintf(buf, len, "0x%" PRIx64, ip);
	return -ENOENT;
}
