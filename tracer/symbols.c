// SPDX-License-Identifier: GPL-2.0
/*
 * The bound driver, its module and the module's symbols, read from sysfs
 * and procfs while the module is loaded (see symbols.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

/* Module names are shorter than the kernel's MODULE_NAME_LEN (56). */
#define MOD_NAME_MAX	63

/* The last component of the symlink @path, into @buf. */
static int link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int symbols__driver(const char *root, uint32_t domain, uint8_t bus, uint8_t devfn,
		    char *driver, size_t dlen, char *module, size_t mlen)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%04x:%02x:%02x.%x/driver",
		 root, domain, bus, devfn >> 3, devfn & 7);
	err = link_name(path, driver, dlen);
	if (err)
		return err;
	if (mlen)
		module[0] = '\0';
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s/module", root, driver);
	err = link_name(path, module, mlen);
	if (err == -ENOENT) {
		char name[MOD_NAME_MAX + 1], *p;
		uint64_t base, size;

		/* not linked (yet): a loaded module of the driver's name */
		snprintf(name, sizeof(name), "%s", driver);
		for (p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (!symbols__module_base(root, name, &base, &size) && strlen(name) < mlen)
			strcpy(module, name);
		return 0;
	}
	return err;
}

/* /sys/module/@name/@attr: a number (decimal, or 0x hex). */
static int read_hex_or_dec(const char *root, const char *name, const char *attr,
			   unsigned long long *v)
{
	char path[PATH_MAX];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/sys/module/%s/%s", root, name, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%lli", v);
	fclose(f);
	return n == 1 ? 0 : -EINVAL;
}

static int text_section(const char *root, const char *name, uint64_t *addr)
{
	char path[PATH_MAX];
	unsigned long long a;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/sys/module/%s/sections/.text", root, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llx", &a);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*addr = a;
	return 0;
}

/* A line of /proc/modules. */
struct proc_module {
	char name[MOD_NAME_MAX + 1];
	unsigned long long size, addr;
};

/* ROOT/proc/modules, or NULL with errno set. */
static FILE *proc_modules__open(const char *root)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/proc/modules", root);
	return fopen(path, "re");
}

/* The next line of @f that parses into @m: 1, or 0 at the end. */
static int proc_modules__next(FILE *f, char **line, size_t *cap, struct proc_module *m)
{
	while (getline(line, cap, f) > 0)
		/* name size refcount deps state address [taint] */
		if (sscanf(*line, "%63s %llu %*s %*s %*s %llx", m->name, &m->size,
			   &m->addr) == 3)
			return 1;
	return 0;
}

/*
 * The size of a module's range, cut at the next module's base.  Since
 * Linux 6.4 a module's text, data and read-only data are allocated apart,
 * yet /proc/modules and coresize give their sum from the text's base: the
 * range would reach over other modules' text, and a frame in one of them
 * would be named after the wrong module.
 */
/*
 * @r's size cut at the base of the next module in @v above it.  Since
 * Linux 6.4 a module's text, data and read-only data are allocated apart,
 * yet /proc/modules and coresize give their sum from the text's base: such
 * a range reaches over other modules' text, and a frame in one of them
 * would be named after the wrong module.
 */
static void clip_one(struct sym_range *r, const struct sym_range *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].base > r->base && v[i].base - r->base < r->size)
			r->size = v[i].base - r->base;
}

/* *@size cut at the base of the next module above @base. */
static int clip_to_next(const char *root, uint64_t base, uint64_t *size)
{
	struct sym_range *v, me = { .base = base, .size = *size };
	size_t n;
	int err = symbols__modules(root, &v, &n);

	if (err)
		return err;
	clip_one(&me, v, n);
	free(v);
	*size = me.size;
	return 0;
}

int symbols__module_base(const char *root, const char *name, uint64_t *base, uint64_t *size)
{
	struct proc_module m;
	unsigned long long core;
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	FILE *f;

	f = proc_modules__open(root);
	if (!f)
		return -errno;
	while (proc_modules__next(f, &line, &cap, &m)) {
		if (strcmp(m.name, name))
			continue;
		*base = m.addr;
		*size = m.size;
		err = 0;
		break;
	}
	free(line);
	fclose(f);
	if (err)
		return err;
	/* /proc/modules counts the init sections until init returns */
	if (!read_hex_or_dec(root, name, "coresize", &core) && core)
		*size = core;
	if (!*base) {
		uint64_t text = 0;

		/* addresses hidden: try the section file before giving up */
		if (text_section(root, name, &text) || !text)
			return -EPERM;
		*base = text;
		return 0;
	}
	return clip_to_next(root, *base, size);
}

int symbols__module_at(const char *root, uint64_t ip, char *name, size_t len)
{
	char *line = NULL, best[MOD_NAME_MAX + 1] = "";
	struct proc_module m;
	uint64_t best_base = 0;
	size_t cap = 0;
	FILE *f;

	f = proc_modules__open(root);
	if (!f)
		return -errno;
	while (proc_modules__next(f, &line, &cap, &m)) {
		if (m.addr && m.addr <= ip && ip - m.addr < m.size && m.addr >= best_base) {
			best_base = m.addr;
			snprintf(best, sizeof(best), "%s", m.name);
		}
	}
	free(line);
	fclose(f);
	if (!best[0])
		return -ENOENT;
	if (strlen(best) >= len)
		return -ENAMETOOLONG;
	strcpy(name, best);
	return 0;
}

int symbols__modules(const char *root, struct sym_range **out, size_t *n)
{
	struct sym_range *v = NULL, *p;
	struct proc_module m;
	char *line = NULL;
	size_t cap = 0, vcap = 0, i;
	FILE *f;

	*out = NULL;
	*n = 0;
	f = proc_modules__open(root);
	if (!f)
		return -errno;
	while (proc_modules__next(f, &line, &cap, &m)) {
		if (!m.addr)
			continue;
		if (*n == vcap) {
			vcap = vcap ? vcap * 2 : 64;
			p = realloc(v, vcap * sizeof(*v));
			if (!p) {
				free(v);
				free(line);
				fclose(f);
				return -ENOMEM;
			}
			v = p;
		}
		memset(&v[*n], 0, sizeof(v[*n]));	/* compared whole by callers */
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", m.name);
		v[*n].base = m.addr;
		v[*n].size = m.size;
		(*n)++;
	}
	free(line);
	fclose(f);
	for (i = 0; i < *n; i++)
		clip_one(&v[i], v, *n);
	*out = v;
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ptf_symbol *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

void symbols__free_module(struct ptf_module *mod)
{
	uint32_t i;

	if (!mod)
		return;
	for (i = 0; i < mod->nsyms; i++)
		free((char *)mod->syms[i].name);
	free((void *)mod->syms);
	free((char *)mod->name);
	free(mod);
}

int symbols__load_module(const char *root, const char *name, struct ptf_module **out,
			 uint32_t *outside)
{
	struct ptf_module *mod;
	struct ptf_symbol *syms = NULL;
	char path[PATH_MAX], *line = NULL, tag[MOD_NAME_MAX + 4];
	size_t cap = 0, n = 0, max = 0, i, kept, taglen;
	ssize_t len;
	uint64_t base, size, end;
	int err;
	FILE *f;

	*out = NULL;
	if (outside)
		*outside = 0;
	err = symbols__module_base(root, name, &base, &size);
	if (err)
		return err;
	mod = calloc(1, sizeof(*mod));
	if (!mod)
		return -ENOMEM;
	mod->name = strdup(name);
	mod->base = base;
	mod->size = size;
	if (!mod->name) {
		err = -ENOMEM;
		goto out_free;
	}

	snprintf(path, sizeof(path), "%s/proc/kallsyms", root);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		goto out_free;
	}
	snprintf(tag, sizeof(tag), "\t[%s]", name);
	taglen = strlen(tag);
	err = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		unsigned long long addr;
		char type, sym[256];

		/* "ffffffffc0a1e010 t dummy_clock_irq\t[dummy_clock]": a
		 * hundred thousand lines, most of them the kernel's own, so
		 * look at the end of the line first */
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len <= taglen || memcmp(line + len - taglen, tag, taglen))
			continue;
		line[len - taglen] = '\0';
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (!addr) {
			err = -EPERM;	/* kptr_restrict */
			break;
		}
		if (n == max) {
			size_t nmax = max ? 2 * max : 64;
			struct ptf_symbol *p = realloc(syms, nmax * sizeof(*p));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			syms = p;
			max = nmax;
		}
		syms[n].addr = addr;
		syms[n].size = 0;
		syms[n].name = strdup(sym);
		if (!syms[n].name) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	free(line);
	fclose(f);
	mod->syms = syms;
	mod->nsyms = n;
	if (!err && !n)
		err = -ENOENT;	/* going away, or not a module of ours */
	if (err)
		goto out_free;

	qsort(syms, n, sizeof(*syms), cmp_sym);
	end = base + size;
	/*
	 * Only the core layout [base, end) is the module's for good: its
	 * init sections lie elsewhere (below the core on 6.1 as often as
	 * above), and the kernel frees them once the module's init returns,
	 * so their addresses may later hold another module's code.
	 */
	for (i = 0, kept = 0; i < n; i++) {
		if (syms[i].addr >= base && syms[i].addr < end)
			syms[kept++] = syms[i];
		else
			free((char *)syms[i].name);
	}
	if (outside)
		*outside = (uint32_t)(n - kept);
	n = kept;
	mod->nsyms = n;
	if (!n) {
		err = -ENOENT;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		uint64_t next = i + 1 < n ? syms[i + 1].addr : end;

		if (next > syms[i].addr)
			syms[i].size = next - syms[i].addr;
	}
	*out = mod;
	return 0;

out_free:
	symbols__free_module(mod);
	return err;
}
