// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO trapping.  When a driver maps a BAR (any ioremap variant), PCIem
 * points the mapping's page-table entries at the BAR pages, read-only: the
 * driver's reads see BAR memory, and each write faults (write trap).  In
 * full trap the entries are left empty, so reads fault too.  The fault reaches
 * bad_area_nosemaphore(), where an ftrace callback decodes the faulting
 * instruction,
 * performs it on the BAR pages, reports it, and resumes the driver after
 * it.  No single-stepping, so every CPU stays online.
 *
 * A real device's mappings (pciem_real.c) are in full trap too; each access
 * is performed on the device through a private alias of the page, with the
 * caching attributes of the driver's mapping, one alias page per CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/rculist.h>
#include <linux/uaccess.h>
#include <linux/highmem.h>
#include <linux/smp.h>
#include <linux/log2.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/io.h>
#include <asm/tlbflush.h>
#include <asm/msr.h>
#include <asm/cacheflush.h>
#include <asm/set_memory.h>
#include <asm/pgtable.h>
#include <asm/traps.h>
#include <asm/trap_pf.h>

#include "pciem.h"
#include "pciem_insn.h"

LIST_HEAD(pciem_mappings);
DEFINE_RAW_SPINLOCK(pciem_map_lock);

/* Orphaned mappings point here: reads see all-ones. */
static struct page *pciem_dead_page;
/* An orphan's page the decoder gave up on points here, writable. */
static struct page *pciem_sink_page;

/*
 * The mapping look-up.  A driver's accesses come in runs on one mapping, so
 * each CPU remembers the mapping its last look-up found and tries it before
 * walking the list.  What it remembers is only good while no mapping has left
 * the list since: map_gen counts departures (bumped under pciem_map_lock
 * after each list_del_rcu()), and a mapping remembered under an older count
 * is not used (it may be freed once the look-up's RCU section is over).
 * Only with interrupts off (the fault handler, pciem_map_lock), so that no
 * other task writes this CPU's entry meanwhile; an NMI-like context's
 * look-up in the middle of another can at worst leave an entry that fails
 * the check.
 */
static unsigned long map_gen = 1;	/* 0: nothing remembered */

struct map_hit {
	struct pciem_mapping *m;
	unsigned long gen;
};
static DEFINE_PER_CPU(struct map_hit, map_hit);

static bool map_holds(const struct pciem_mapping *m, unsigned long addr)
{
	return addr >= m->va && addr - m->va < m->npages * PAGE_SIZE;
}

/* Under pciem_map_lock, after a mapping has left the list. */
static void map_gone(void)
{
	smp_store_release(&map_gen, map_gen + 1);
}

/* Under rcu_read_lock() or pciem_map_lock. */
static struct pciem_mapping *map_lookup(unsigned long addr)
{
	struct map_hit *h = NULL;
	struct pciem_mapping *m;
	unsigned long gen = 0;

	if (irqs_disabled()) {
		h = raw_cpu_ptr(&map_hit);
		gen = smp_load_acquire(&map_gen);
		if (READ_ONCE(h->gen) == gen) {
			m = READ_ONCE(h->m);
			if (map_holds(m, addr))
				return m;
		}
	}
	list_for_each_entry_rcu(m, &pciem_mappings, node) {
		if (!map_holds(m, addr))
			continue;
		if (h) {
			WRITE_ONCE(h->gen, 0);
			WRITE_ONCE(h->m, m);
			WRITE_ONCE(h->gen, gen);
		}
		return m;
	}
	return NULL;
}

/* The page behind page @i of @m, whose device is @dev (NULL: an orphan). */
static struct page *map_page(const struct pciem_mapping *m, struct pciem_device *dev,
			     unsigned long i)
{
	if (!dev)
		return pciem_dead_page;
	return dev->bars[m->bar].pages[(m->bar_off >> PAGE_SHIFT) + i];
}

/*
 * What page @i of @m maps while trapped: nothing (full trap) or read-only.
 * A page holding MSI-X state is always fully trapped.  Under
 * pciem_map_lock, which m->dev only changes under.
 */
static pte_t map_pte(const struct pciem_mapping *m, unsigned long i)
{
	if (m->dev && (pciem_is_real(m->dev) || pciem_bar_full_trap(m->dev, m->bar) ||
		       pciem_msix_page(m->dev, m->bar, m->bar_off + i * PAGE_SIZE)))
		return __pte(0);
	return pfn_pte(page_to_pfn(map_page(m, m->dev, i)), PAGE_KERNEL_RO);
}

static void map_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct pciem_mapping, rcu));
}

static void flush_local(void *unused)
{
	__flush_tlb_all();
}

static void flush_all_cpus(void)
{
	if (irqs_disabled()) {
		/* the mapping is new: only a speculative walk could have cached it */
		__flush_tlb_all();
		return;
	}
	on_each_cpu(flush_local, NULL, 1);
}

/*
 * Page tables that replace the huge (2 MiB) entries of a mapping, allocated
 * before any entry is changed so that taking a mapping over either changes
 * all of it or nothing.
 */
struct map_tables {
	unsigned long n;
	pte_t **tbl;
};

static void map_tables_free(struct map_tables *t)
{
	while (t->n)
		free_page((unsigned long)t->tbl[--t->n]);
	kfree(t->tbl);
	t->tbl = NULL;
}

/*
 * Walks @m's page-table entries: -EFAULT or -EOPNOTSUPP if one cannot be
 * taken over; else 0 and *huge = the huge entries that need a table.
 */
static int map_check(const struct pciem_mapping *m, unsigned long *huge)
{
	unsigned long i = 0;

	*huge = 0;
	while (i < m->npages) {
		unsigned long va = m->va + i * PAGE_SIZE;
		unsigned int level;

		if (!lookup_address(va, &level))
			return -EFAULT;
		if (level == PG_LEVEL_2M) {
			if ((va & ~PMD_MASK) || m->npages - i < PTRS_PER_PTE)
				return -EOPNOTSUPP;
			(*huge)++;
			i += PTRS_PER_PTE;
			continue;
		}
		if (level != PG_LEVEL_4K)
			return -EOPNOTSUPP;
		i++;
	}
	return 0;
}

/* Allocates the tables map_install() will need for @m (no lock held). */
static int map_prepare(const struct pciem_mapping *m, struct map_tables *t)
{
	unsigned long huge;
	int ret = map_check(m, &huge);

	t->n = 0;
	t->tbl = NULL;
	if (ret || !huge)
		return ret;
	t->tbl = kcalloc(huge, sizeof(*t->tbl), GFP_ATOMIC);
	if (!t->tbl)
		return -ENOMEM;
	while (t->n < huge) {
		t->tbl[t->n] = (pte_t *)get_zeroed_page(GFP_ATOMIC);
		if (!t->tbl[t->n]) {
			map_tables_free(t);
			return -ENOMEM;
		}
		t->n++;
	}
	return 0;
}

/*
 * Points every page of @m at its BAR page (read-only) or at nothing, using
 * the tables of @t (NULL: there must be no huge entry left).  Changes no
 * entry unless it can change them all; consumes the tables it uses.
 */
static int map_install(struct pciem_mapping *m, struct map_tables *t)
{
	unsigned long i = 0, huge;
	int ret = map_check(m, &huge);

	if (ret)
		return ret;
	if (huge > (t ? t->n : 0))
		return -ENOMEM;
	while (i < m->npages) {
		unsigned long va = m->va + i * PAGE_SIZE;
		unsigned int level;
		pte_t *ptep = lookup_address(va, &level);

		if (level == PG_LEVEL_2M) {
			/* ioremap used a huge mapping: replace it by a table */
			pte_t *tbl = t->tbl[--t->n];
			unsigned int k;

			for (k = 0; k < PTRS_PER_PTE; k++)
				tbl[k] = map_pte(m, i + k);
			set_pmd((pmd_t *)ptep, __pmd(__pa(tbl) | _KERNPG_TABLE));
			i += PTRS_PER_PTE;
			continue;
		}
		set_pte(ptep, map_pte(m, i));
		i++;
	}
	return 0;
}

/*
 * Lets the CPU do accesses to one page itself (after a decode failure):
 * the BAR page, writable; for an orphan the sink page, never the all-ones
 * page that every orphan reads.
 */
static void map_untrap_page(struct pciem_mapping *m, struct pciem_device *dev,
			    unsigned long addr)
{
	unsigned long i = (addr - m->va) >> PAGE_SHIFT;
	unsigned int level;
	pte_t *ptep = lookup_address(m->va + i * PAGE_SIZE, &level);

	/* taken over page by page (map_install()), so level is 4K */
	if (!ptep || level != PG_LEVEL_4K)
		return;
	if (dev && pciem_is_real(dev))	/* the device itself (it has no BAR pages) */
		set_pte(ptep, pfn_pte((m->phys >> PAGE_SHIFT) + i, m->prot));
	else
		set_pte(ptep, pfn_pte(page_to_pfn(dev ? map_page(m, dev, i) : pciem_sink_page),
				      PAGE_KERNEL));
}

/* ---- real devices: the alias pages -------------------------------------- */

/*
 * Two alias pages per CPU (the second for NMI context), each with its own
 * page-table entry, used with interrupts off by the CPU that owns it: so
 * only that CPU's TLB needs to forget an entry when it is repointed.
 */
struct alias_slot {
	unsigned long va;
	pte_t *ptep;
};
static struct alias_slot *alias_slots;
static void *alias_area;
static unsigned int alias_count;
static struct page *alias_dummy;

static int alias_init(void)
{
	struct page **pages;
	unsigned int i, level;

	alias_count = 2 * nr_cpu_ids;
	alias_dummy = alloc_page(GFP_KERNEL | __GFP_ZERO);
	pages = kcalloc(alias_count, sizeof(*pages), GFP_KERNEL);
	alias_slots = kcalloc(alias_count, sizeof(*alias_slots), GFP_KERNEL);
	if (!alias_dummy || !pages || !alias_slots)
		goto fail;
	for (i = 0; i < alias_count; i++)
		pages[i] = alias_dummy;
	alias_area = vmap(pages, alias_count, VM_MAP, PAGE_KERNEL);
	if (!alias_area)
		goto fail;
	kfree(pages);
	for (i = 0; i < alias_count; i++) {
		alias_slots[i].va = (unsigned long)alias_area + i * PAGE_SIZE;
		alias_slots[i].ptep = lookup_address(alias_slots[i].va, &level);
		if (!alias_slots[i].ptep || level != PG_LEVEL_4K) {
			vunmap(alias_area);
			alias_area = NULL;
			goto fail_nopages;
		}
	}
	return 0;
fail:
	kfree(pages);
fail_nopages:
	kfree(alias_slots);
	alias_slots = NULL;
	if (alias_dummy)
		__free_page(alias_dummy);
	alias_dummy = NULL;
	return -ENOMEM;
}

static void alias_exit(void)
{
	unsigned int i;

	if (!alias_area)
		return;
	/* back to what vmap() made, for vunmap() */
	for (i = 0; i < alias_count; i++)
		set_pte(alias_slots[i].ptep, mk_pte(alias_dummy, PAGE_KERNEL));
	vunmap(alias_area);
	kfree(alias_slots);
	__free_page(alias_dummy);
}

static bool in_alias_area(unsigned long va)
{
	return va >= (unsigned long)alias_area &&
	       va < (unsigned long)alias_area + alias_count * PAGE_SIZE;
}

/* This CPU's alias of the device page at @phys (interrupts off). */
static void __iomem *alias_map(u64 phys, pgprot_t prot)
{
	struct alias_slot *a = &alias_slots[2 * raw_smp_processor_id() + !!in_nmi()];
	pte_t pte = pfn_pte(phys >> PAGE_SHIFT, prot);

	if (pte_val(*a->ptep) != pte_val(pte)) {
		set_pte(a->ptep, pte);
		asm volatile("invlpg (%0)" : : "r" (a->va) : "memory");
	}
	return (void __iomem *)(a->va + (phys & ~PAGE_MASK));
}

static u64 real_read(void __iomem *p, unsigned int size)
{
	switch (size) {
	case 1: return readb(p);
	case 2: return readw(p);
	case 4: return readl(p);
	default: return readq(p);
	}
}

static void real_write(void __iomem *p, unsigned int size, u64 v)
{
	switch (size) {
	case 1: writeb(v, p); break;
	case 2: writew(v, p); break;
	case 4: writel(v, p); break;
	default: writeq(v, p); break;
	}
}

/* Which BAR of the real device @dev holds [@phys, @phys + @size)? */
static bool real_bar_of(struct pciem_device *dev, u64 phys, unsigned int size,
			unsigned int *bar, u64 *off)
{
	return pciem_bus_owns(dev, phys, bar, off) && size <= dev->bars[*bar].size - *off;
}

/*
 * BAR memory as the device model sees it.  An aligned access of 2, 4 or 8
 * bytes is one access of that width, so that it is never torn by the model
 * writing the same register; anything else goes byte by byte.
 */
u64 pciem_bar_read(struct pciem_device *dev, unsigned int bar, u64 off, unsigned int size)
{
	struct pciem_bar *b = &dev->bars[bar];
	u64 v = 0;
	unsigned int i;

	if (off >= b->size || size > b->size - off)
		size = off < b->size ? b->size - off : 0;
	if (size && !(off & (size - 1)) && is_power_of_2(size) && size <= 8) {
		void *p = page_address(b->pages[off >> PAGE_SHIFT]) + (off & ~PAGE_MASK);

		switch (size) {
		case 1: return READ_ONCE(*(u8 *)p);
		case 2: return READ_ONCE(*(u16 *)p);
		case 4: return READ_ONCE(*(u32 *)p);
		default: return READ_ONCE(*(u64 *)p);
		}
	}
	for (i = 0; i < size; i++) {
		u8 *p = page_address(b->pages[(off + i) >> PAGE_SHIFT]);

		v |= (u64)READ_ONCE(p[(off + i) & ~PAGE_MASK]) << (8 * i);
	}
	return v;
}

void pciem_bar_write(struct pciem_device *dev, unsigned int bar, u64 off,
		     unsigned int size, u64 v)
{
	struct pciem_bar *b = &dev->bars[bar];
	unsigned int i;

	if (off >= b->size || size > b->size - off)
		size = off < b->size ? b->size - off : 0;
	if (size && !(off & (size - 1)) && is_power_of_2(size) && size <= 8) {
		void *p = page_address(b->pages[off >> PAGE_SHIFT]) + (off & ~PAGE_MASK);

		switch (size) {
		case 1: WRITE_ONCE(*(u8 *)p, v); return;
		case 2: WRITE_ONCE(*(u16 *)p, v); return;
		case 4: WRITE_ONCE(*(u32 *)p, v); return;
		default: WRITE_ONCE(*(u64 *)p, v); return;
		}
	}
	for (i = 0; i < size; i++) {
		u8 *p = page_address(b->pages[(off + i) >> PAGE_SHIFT]);

		WRITE_ONCE(p[(off + i) & ~PAGE_MASK], v >> (8 * i));
	}
}

/* ---- instruction emulation --------------------------------------------- */

/*
 * Elements of a rep string instruction emulated per fault: the rest is
 * left to the CPU, which re-executes the instruction and faults again, so
 * interrupts are serviced in between however long the copy.
 */
#define TRAP_MAX_ELEMS	64

/* One faulting instruction being emulated. */
struct trap_ctx {
	struct pt_regs *regs;
	const struct pciem_insn *in;
	bool string;			/* MOVS/STOS/LODS: element by element */
	bool plain_src;			/* this MOVS element reads ordinary memory */
	unsigned long elems;		/* string op elements completed */
	/* a user page the emulator could not reach (not in memory) */
	bool ufault;
	bool uwrite;
	unsigned long uaddr;
	unsigned long uok_page;		/* a user page found writable, or 0 */
	/*
	 * A non-string instruction holds its device's access lock from its
	 * first trapped access to its end, so that its accesses (the read
	 * and write of a read-modify-write, the pieces of a wide store) are
	 * adjacent in the device's stream; later ones carry SAME_INSN.
	 */
	struct pciem_device *held;
	unsigned long held_flags;
	bool emitted;
	/* for the report when the emulation fails */
	struct pciem_mapping *m;
	struct pciem_device *dev;
	unsigned long addr;
};

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* The device's access lock, for one access or (held) the instruction. */
static bool access_lock(struct trap_ctx *c, struct pciem_device *dev, unsigned long *flags)
{
	if (c->held == dev)
		return false;
	if (c->string) {	/* each element's access on its own */
		raw_spin_lock_irqsave(&dev->access_lock, *flags);
		return true;
	}
	if (!c->held) {
		raw_spin_lock_irqsave(&dev->access_lock, c->held_flags);
		c->held = dev;
		c->emitted = false;
		return false;
	}
	/* a second device in one instruction: never seen in practice */
	raw_spin_lock_irqsave_nested(&dev->access_lock, *flags, SINGLE_DEPTH_NESTING);
	return true;
}

/*
 * One access of 1, 2, 4 or 8 bytes at @addr of a real device's mapping,
 * performed on the device.  Recorded when it falls in one of its BARs (a
 * BAR smaller than a page shares the page with others' registers).
 */
static void real_access(struct trap_ctx *c, struct pciem_mapping *m,
			struct pciem_device *dev, unsigned long addr, unsigned int size,
			bool write, u64 *v)
{
	u64 phys = m->phys + (addr - m->va), off;
	void __iomem *p = alias_map(phys, m->prot);
	unsigned long flags = 0;
	struct pciem_event ev PCIEM_NOINIT;	/* pciem_event_fill() */
	unsigned int bar;
	bool unlock = false, in_bar = real_bar_of(dev, phys, size, &bar, &off);

	if (in_bar)
		unlock = access_lock(c, dev, &flags);
	/* what changed in coherent DMA memory before the driver acts on
	 * the device (it may tell the device to read, or learn of a write) */
	if (in_bar)
		pciem_rdma_look(dev, write ? PCIEM_EVENT_DMA_READ : PCIEM_EVENT_DMA_WRITE);
	if (write) {
		*v &= size_mask(size);
		real_write(p, size, *v);
	} else {
		*v = real_read(p, size);
	}
	if (in_bar) {
		pciem_event_fill(&ev, write ? PCIEM_EVENT_MMIO_WRITE : PCIEM_EVENT_MMIO_READ,
				 bar, off, size, *v, c->regs->ip);
		if (c->held == dev && c->emitted)
			ev.flags = PCIEM_EVENT_F_SAME_INSN;
		pciem_ring_push(dev, &ev);
		if (c->held == dev)
			c->emitted = true;
	}
	if (unlock)
		raw_spin_unlock_irqrestore(&dev->access_lock, flags);
}

/* One access of 1, 2, 4 or 8 bytes at offset @off of the mapped BAR. */
static void trapped_access(struct trap_ctx *c, struct pciem_mapping *m,
			   struct pciem_device *dev, u64 off, unsigned int size,
			   bool write, u64 *v)
{
	unsigned long ip = c->regs->ip, flags;
	u32 evflags = 0;
	struct pciem_event ev PCIEM_NOINIT;	/* pciem_event_fill() */
	bool unlock, recorded;
	int msix;

	if (!dev) {		/* an orphan: unplugged hardware */
		if (!write)
			*v = size_mask(size);
		return;
	}
	unlock = access_lock(c, dev, &flags);
	if (c->held == dev && c->emitted)
		evflags = PCIEM_EVENT_F_SAME_INSN;
	msix = dev->msix_off ? pciem_msix_range(dev, m->bar, off, size) : 0;
	recorded = write || dev->replay || pciem_bar_full_trap(dev, m->bar) || msix;
	if (write) {
		/* the MSI-X table is the kernel's, the PBA read-only */
		bool apply = msix != PCIEM_MSIX_PBA;

		*v &= size_mask(size);
		if (dev->replay) {
			bool live;

			pciem_replay_mmio(dev, true, m->bar, off, size, *v, ip, evflags, &live);
			/* a stopped replay ignores writes */
			apply = (apply && live) || msix == PCIEM_MSIX_TABLE;
		}
		if (apply)
			pciem_bar_write(dev, m->bar, off, size, *v);
		if (!dev->replay) {
			pciem_event_fill(&ev, PCIEM_EVENT_MMIO_WRITE, m->bar, off, size, *v, ip);
			ev.flags = evflags;
			pciem_ring_push(dev, &ev);
		}
		if (msix == PCIEM_MSIX_TABLE) {
			/* as for a config write to MSI state: a mask waits out
			 * the deliveries in flight, an unmask delivers */
			pciem_irq_msi_quiesce(dev);
			pciem_irq_cfg_changed(dev);
		}
		pciem_wp_check_access(dev, m->bar, off, size, *v, true, ip);
	} else if (dev->replay) {
		bool unused;

		*v = pciem_replay_mmio(dev, false, m->bar, off, size, 0, ip, evflags, &unused);
	} else {
		*v = pciem_bar_read(dev, m->bar, off, size);
		if (recorded) {
			pciem_event_fill(&ev, PCIEM_EVENT_MMIO_READ, m->bar, off, size, *v, ip);
			ev.flags = evflags;
			pciem_ring_push(dev, &ev);
		}
	}
	if (c->held == dev && recorded)
		c->emitted = true;
	if (unlock)
		raw_spin_unlock_irqrestore(&dev->access_lock, flags);
}

/*
 * The mapping holding @addr: most accesses of an instruction are in the
 * one it faulted on, known already.
 */
static struct pciem_mapping *ctx_lookup(struct trap_ctx *c, unsigned long addr)
{
	struct pciem_mapping *m = c->m;

	if (m && map_holds(m, addr))
		return m;
	return map_lookup(addr);
}

/* Ordinary memory, kernel or user (copy_from_user() into iomem). */
static bool plain_read(unsigned long addr, u8 *buf, unsigned int size)
{
	if (addr < TASK_SIZE_MAX)
		return !copy_from_user_nofault(buf, (const void __user *)addr, size);
	return !copy_from_kernel_nofault(buf, (const void *)addr, size);
}

/* copy_to_kernel_nofault() is not exported: this is it, 8 bytes at most. */
static bool kernel_write_nofault(unsigned long addr, const u8 *buf, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, buf, size);
	switch (size) {
	case 1:
		__put_kernel_nofault((u8 *)addr, &v, u8, fail);
		break;
	case 2:
		__put_kernel_nofault((u16 *)addr, &v, u16, fail);
		break;
	case 4:
		__put_kernel_nofault((u32 *)addr, &v, u32, fail);
		break;
	default:
		__put_kernel_nofault((u64 *)addr, &v, u64, fail);
		break;
	}
	return true;
fail:
	return false;
}

static bool plain_write(unsigned long addr, const u8 *buf, unsigned int size)
{
	unsigned int n;

	if (addr < TASK_SIZE_MAX)
		return !copy_to_user_nofault((void __user *)addr, buf, size);
	while (size) {
		n = size >= 8 ? 8 : size >= 4 ? 4 : size >= 2 ? 2 : 1;
		if (!kernel_write_nofault(addr, buf, n))
			return false;
		addr += n;
		buf += n;
		size -= n;
	}
	return true;
}

/* The user page at @addr could not be reached: the driver may fault it in. */
static void note_user_fault(struct trap_ctx *c, unsigned long addr, bool write)
{
	c->ufault = true;
	c->uwrite = write;
	c->uaddr = addr;
}

/*
 * A MOVS element from the device to user memory: can its destination be
 * written without a fault?  Asked before the device is read, so that a
 * read is never made twice (its value lost) when the user page must be
 * faulted in first.  The test writes back the bytes it read: the copy
 * overwrites them next anyway.
 */
static bool movs_dst_ok(struct trap_ctx *c, unsigned int size)
{
	const struct pciem_insn *in = c->in;
	long step = (c->regs->flags & X86_EFLAGS_DF) ? -(long)in->size : in->size;
	unsigned long dst = c->regs->di + c->elems * step, a;
	u8 old;

	if (in->addr_size != 8 || dst >= TASK_SIZE_MAX)
		return true;	/* not a user destination */
	for (a = dst; a < dst + size; a = (a & PAGE_MASK) + PAGE_SIZE) {
		if ((a & PAGE_MASK) == c->uok_page)
			continue;
		if (copy_from_user_nofault(&old, (const void __user *)a, 1) ||
		    copy_to_user_nofault((void __user *)a, &old, 1)) {
			note_user_fault(c, a, true);
			return false;
		}
		c->uok_page = a & PAGE_MASK;
	}
	return true;
}

/*
 * Is any byte of [@addr, @addr + @size) trapped?  A string element of
 * which neither operand is trapped is left to the CPU.
 */
static bool any_trapped(struct trap_ctx *c, unsigned long addr, unsigned int size)
{
	return ctx_lookup(c, addr) || ctx_lookup(c, addr + size - 1);
}

/*
 * The emulator's memory: @size bytes at @addr, split at page boundaries
 * (a piece in a trapped mapping is a device access, others are ordinary
 * memory) and, in a mapping, into accesses of at most 8 bytes.
 */
static int trap_mem(struct trap_ctx *c, u64 addr, u8 *buf, unsigned int size, bool write)
{
	if (c->string) {
		bool trapped = any_trapped(c, addr, size);

		switch (c->in->op) {
		case PCIEM_INSN_MOVS:
			if (!write) {
				c->plain_src = !trapped;
				if (trapped && !movs_dst_ok(c, size))
					return c->elems ? 1 : -EFAULT;
				break;
			}
			if (!trapped && c->plain_src)
				return 1;	/* neither operand trapped: the CPU's */
			break;
		default:	/* STOS, LODS */
			if (!trapped)
				return 1;
			break;
		}
	}
	while (size) {
		unsigned int n = min_t(u64, size, PAGE_SIZE - (addr & ~PAGE_MASK));
		struct pciem_mapping *m = ctx_lookup(c, addr);

		if (m) {
			/* read once: the device may be forgotten meanwhile */
			struct pciem_device *dev = READ_ONCE(m->dev);
			u64 off = m->bar_off + (addr - m->va);
			unsigned int left = n, k;

			c->m = m;
			c->dev = dev;
			c->addr = addr;
			while (left) {
				u64 v = 0;

				k = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
				if (write)
					memcpy(&v, buf, k);
				if (dev && pciem_is_real(dev))
					real_access(c, m, dev, addr + (n - left), k, write, &v);
				else
					trapped_access(c, m, dev, off, k, write, &v);
				if (!write)
					memcpy(buf, &v, k);
				off += k;
				buf += k;
				left -= k;
			}
		} else {
			if (!(write ? plain_write(addr, buf, n) : plain_read(addr, buf, n))) {
				if (addr < TASK_SIZE_MAX)
					note_user_fault(c, addr, write);
				/* a string op stops there: the CPU takes that fault itself */
				return c->string && c->elems ? 1 : -EFAULT;
			}
			buf += n;
		}
		addr += n;
		size -= n;
	}
	if (c->string && (write || c->in->op == PCIEM_INSN_LODS))
		c->elems++;	/* the element's last access */
	return 0;
}

static int trap_read(void *ctx, uint64_t addr, void *buf, unsigned int size)
{
	return trap_mem(ctx, addr, buf, size, false);
}

static int trap_write(void *ctx, uint64_t addr, const void *buf, unsigned int size)
{
	return trap_mem(ctx, addr, (u8 *)buf, size, true);
}

/*
 * The vector registers hold the interrupted code's values: nothing between
 * the fault and here uses them (the kernel is built without SSE).
 */
#define VREG_CASE(n, insn)	case n: asm volatile(insn : : "r" (p) : "memory"); break
#define VREG_SWITCH(reg, op, mm, dir)					\
	switch (reg) {							\
	VREG_CASE(0, dir(op, mm "0")); VREG_CASE(1, dir(op, mm "1"));	\
	VREG_CASE(2, dir(op, mm "2")); VREG_CASE(3, dir(op, mm "3"));	\
	VREG_CASE(4, dir(op, mm "4")); VREG_CASE(5, dir(op, mm "5"));	\
	VREG_CASE(6, dir(op, mm "6")); VREG_CASE(7, dir(op, mm "7"));	\
	VREG_CASE(8, dir(op, mm "8")); VREG_CASE(9, dir(op, mm "9"));	\
	VREG_CASE(10, dir(op, mm "10")); VREG_CASE(11, dir(op, mm "11"));	\
	VREG_CASE(12, dir(op, mm "12")); VREG_CASE(13, dir(op, mm "13"));	\
	VREG_CASE(14, dir(op, mm "14")); VREG_CASE(15, dir(op, mm "15"));	\
	}
#define TO_MEM(op, r)		op " %%" r ", (%0)"
#define FROM_MEM(op, r)		op " (%0), %%" r

static void trap_vec_read(void *ctx, unsigned int reg, void *buf, unsigned int size)
{
	u8 *p = buf;

	if (size == 32) {
		VREG_SWITCH(reg, "vmovdqu", "ymm", TO_MEM)
	} else {
		VREG_SWITCH(reg, "movdqu", "xmm", TO_MEM)
	}
}

static void trap_vec_write(void *ctx, unsigned int reg, const void *buf, unsigned int size)
{
	const u8 *p = buf;

	if (size == 32) {
		VREG_SWITCH(reg, "vmovdqu", "ymm", FROM_MEM)
	} else {
		VREG_SWITCH(reg, "movdqu", "xmm", FROM_MEM)
	}
}

static uint64_t trap_seg_base(void *ctx, int seg)
{
	u64 base;

	rdmsrl(seg == PCIEM_SEG_FS ? MSR_FS_BASE : MSR_GS_BASE, base);
	return base;
}

/* A cache line of a BAR: flush that of its page, no device access. */
static void trap_flush(void *ctx, uint64_t addr)
{
	struct pciem_mapping *m = map_lookup(addr);
	struct pciem_device *dev;
	struct page *page;

	if (!m)
		return;
	dev = READ_ONCE(m->dev);
	if (dev && pciem_is_real(dev))
		return;		/* device memory: nothing cached to flush */
	page = map_page(m, dev, (addr - m->va) >> PAGE_SHIFT);
	clflush_cache_range(page_address(page) + (addr & ~PAGE_MASK & ~63UL), 64);
}

static const struct pciem_insn_ops trap_ops = {
	.read = trap_read,
	.write = trap_write,
	.vec_read = trap_vec_read,
	.vec_write = trap_vec_write,
	.seg_base = trap_seg_base,
	.flush = trap_flush,
};

static void regs_to_insn(const struct pt_regs *regs, struct pciem_insn_regs *r)
{
	r->gpr[PCIEM_REG_AX] = regs->ax;
	r->gpr[PCIEM_REG_CX] = regs->cx;
	r->gpr[PCIEM_REG_DX] = regs->dx;
	r->gpr[PCIEM_REG_BX] = regs->bx;
	r->gpr[PCIEM_REG_SP] = regs->sp;
	r->gpr[PCIEM_REG_BP] = regs->bp;
	r->gpr[PCIEM_REG_SI] = regs->si;
	r->gpr[PCIEM_REG_DI] = regs->di;
	r->gpr[PCIEM_REG_R8] = regs->r8;
	r->gpr[PCIEM_REG_R9] = regs->r9;
	r->gpr[PCIEM_REG_R10] = regs->r10;
	r->gpr[PCIEM_REG_R11] = regs->r11;
	r->gpr[PCIEM_REG_R12] = regs->r12;
	r->gpr[PCIEM_REG_R13] = regs->r13;
	r->gpr[PCIEM_REG_R14] = regs->r14;
	r->gpr[PCIEM_REG_R15] = regs->r15;
	r->flags = regs->flags;
	r->ip = regs->ip;
}

#define ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
			 X86_EFLAGS_SF | X86_EFLAGS_OF)

static void regs_from_insn(struct pt_regs *regs, const struct pciem_insn_regs *r)
{
	regs->ax = r->gpr[PCIEM_REG_AX];
	regs->cx = r->gpr[PCIEM_REG_CX];
	regs->dx = r->gpr[PCIEM_REG_DX];
	regs->bx = r->gpr[PCIEM_REG_BX];
	/* no emulated instruction writes rsp */
	regs->bp = r->gpr[PCIEM_REG_BP];
	regs->si = r->gpr[PCIEM_REG_SI];
	regs->di = r->gpr[PCIEM_REG_DI];
	regs->r8 = r->gpr[PCIEM_REG_R8];
	regs->r9 = r->gpr[PCIEM_REG_R9];
	regs->r10 = r->gpr[PCIEM_REG_R10];
	regs->r11 = r->gpr[PCIEM_REG_R11];
	regs->r12 = r->gpr[PCIEM_REG_R12];
	regs->r13 = r->gpr[PCIEM_REG_R13];
	regs->r14 = r->gpr[PCIEM_REG_R14];
	regs->r15 = r->gpr[PCIEM_REG_R15];
	regs->flags = (regs->flags & ~ARITH_FLAGS) | (r->flags & ARITH_FLAGS);
	regs->ip = r->ip;
}

static void report_unsupported(struct pciem_mapping *m, struct pciem_device *dev,
			       struct pt_regs *regs, unsigned long addr, const u8 *bytes,
			       int n, const char *why)
{
	struct pciem_event ev;
	unsigned int bar = m->bar;
	u64 first = 0, off = m->bar_off + (addr - m->va);

	pr_warn_ratelimited("cannot emulate the access at %pS (%*ph): %s; that page of the mapping is no longer trapped\n",
			    (void *)regs->ip, n, bytes, why);
	if (!dev)
		return;
	/* a real device's page may begin below its BAR, or hold other
	 * devices' registers: those accesses are none of the trace's */
	if (pciem_is_real(dev) &&
	    !real_bar_of(dev, m->phys + (addr - m->va), 1, &bar, &off))
		return;
	memcpy(&first, bytes, min_t(int, n, sizeof(first)));
	pciem_event_fill(&ev, PCIEM_EVENT_UNSUPPORTED, bar, off,
			 min_t(int, n, sizeof(first)), first, regs->ip);
	pciem_ring_push(dev, &ev);
	if (dev->replay)
		pciem_replay_unsupported(dev, bar, off, regs->ip);
}

/*
 * Decoded instructions, a few per CPU: a driver's accesses come from a
 * handful of instructions, over and over.  The slot is chosen by address,
 * but an entry serves only the very bytes it was decoded from (a decoding
 * depends on nothing else): kernel text that changed, or a module loaded
 * where another was, is decoded afresh.  Used with interrupts off and not
 * in NMI-like context, so that nothing else on the CPU writes an entry
 * while the handler reads it.
 */
#define DECODED_SLOTS	16

struct decoded {
	u64 key[2];		/* the instruction bytes fetched, zero-padded */
	unsigned int n;		/* how many were fetched; 0: no entry */
	struct pciem_insn in;
};
static DEFINE_PER_CPU(struct decoded [DECODED_SLOTS], decoded);

/* The decoded instruction at @ip, whose @n bytes are @key; NULL if the
 * bytes cannot be decoded (the error in *@ret). */
static const struct pciem_insn *decode_insn(unsigned long ip, const u64 *key,
					    unsigned int n, struct pciem_insn *local,
					    int *ret)
{
	struct decoded *d;

	if (!irqs_disabled() || in_nmi()) {
		*ret = pciem_insn_decode((const u8 *)key, n, local);
		return *ret ? NULL : local;
	}
	d = &this_cpu_ptr(decoded)[hash_long(ip, ilog2(DECODED_SLOTS))];
	if (n && d->n == n && d->key[0] == key[0] && d->key[1] == key[1]) {
		*ret = 0;
		return &d->in;
	}
	*ret = pciem_insn_decode((const u8 *)key, n, &d->in);
	if (*ret) {
		d->n = 0;	/* no entry */
		return NULL;
	}
	d->key[0] = key[0];
	d->key[1] = key[1];
	d->n = n;
	return &d->in;
}

/*
 * The bytes of the instruction at @ip into @key (16 bytes, zero after those
 * fetched); returns how many, at most PCIEM_INSN_MAX_LEN.
 */
static int fetch_insn(unsigned long ip, u64 *key)
{
	u8 *buf = (u8 *)key;
	int n;

	/*
	 * The CPU has just run the instruction from ip's page, so that page
	 * is mapped, and kernel text on x86 is readable: when all 16 bytes
	 * lie in it, two plain loads fetch them (not checked by KASAN: past
	 * the last instruction, they may read beyond what the text covers).
	 */
	if ((ip & ~PAGE_MASK) <= PAGE_SIZE - 2 * sizeof(u64)) {
		const unsigned long *text = (const unsigned long *)ip;

		key[0] = READ_ONCE_NOCHECK(text[0]);
		key[1] = READ_ONCE_NOCHECK(text[1]) & ~(0xffULL << 56);
		return PCIEM_INSN_MAX_LEN;
	}
	if (!copy_from_kernel_nofault(buf, (void *)ip, PCIEM_INSN_MAX_LEN))
		return PCIEM_INSN_MAX_LEN;
	for (n = 0; n < PCIEM_INSN_MAX_LEN; n++)
		if (copy_from_kernel_nofault(buf + n, (void *)(ip + n), 1))
			break;
	return n;
}

static const char *emulate_error(int ret)
{
	switch (ret) {
	case PCIEM_INSN_EUNSUPP: return "unsupported instruction";
	case PCIEM_INSN_ETRUNC: return "instruction bytes unreadable";
	case PCIEM_INSN_EALIGN: return "misaligned operand";
	default: return "an operand outside the BAR cannot be accessed";
	}
}

/*
 * Returns true if the fault at @addr was PCIem's and has been handled:
 * emulated (the driver resumes after the instruction, or at it again for
 * the rest of a long string instruction), or reported and untrapped (the
 * CPU then performs it on the page itself).  Never leaves the CPU to
 * fault at the same place for ever.
 */
/*
 * Real devices' mappings are given back (pciem_trap_release_real()) while
 * the driver runs: a CPU that faulted on one just before may find it gone
 * and its entry present again.  It then only has to retry.
 */
static atomic_t real_released = ATOMIC_INIT(0);

/*
 * Does the kernel entry @pte map its page?  Not pte_present(), which also
 * says yes for an entry whose present bit was cleared but whose global bit
 * (_PAGE_PROTNONE for user pages) was not: KFENCE guards pages that way.
 */
static bool kpte_mapped(pte_t pte)
{
	return pte_flags(pte) & _PAGE_PRESENT;
}

static bool given_back(unsigned long addr, unsigned long error_code)
{
	unsigned int level;
	pte_t *ptep;

	if (!atomic_read(&real_released) || (error_code & X86_PF_PROT) ||
	    addr < VMALLOC_START || addr > VMALLOC_END)
		return false;	/* ioremap() maps in the vmalloc area */
	ptep = lookup_address(addr, &level);
	return ptep && level == PG_LEVEL_4K && kpte_mapped(*ptep);
}

static bool pciem_handle_fault(struct pt_regs *regs, unsigned long addr,
			       unsigned long error_code)
{
	struct trap_ctx c = { .regs = regs };
	struct pciem_insn_regs r PCIEM_NOINIT;	/* regs_to_insn() */
	struct pciem_insn local PCIEM_NOINIT;	/* pciem_insn_decode() */
	const struct pciem_insn *in;
	struct pciem_mapping *m;
	/* the instruction's bytes, zero after those fetched */
	u64 key[2] = { 0, 0 };
	u8 *bytes = (u8 *)key;
	int n, ret;

	m = map_lookup(addr);
	if (!m)
		return given_back(addr, error_code);
	c.m = m;
	c.dev = READ_ONCE(m->dev);
	c.addr = addr;

	n = fetch_insn(regs->ip, key);
	in = decode_insn(regs->ip, key, n, &local, &ret);
	if (in) {
		c.in = in;
		c.string = in->op == PCIEM_INSN_MOVS || in->op == PCIEM_INSN_STOS ||
			   in->op == PCIEM_INSN_LODS;
		regs_to_insn(regs, &r);
		ret = pciem_insn_emulate(in, &r, &trap_ops, &c, TRAP_MAX_ELEMS);
		if (c.held)
			raw_spin_unlock_irqrestore(&c.held->access_lock, c.held_flags);
		if (ret == PCIEM_INSN_DONE || ret == PCIEM_INSN_PARTIAL) {
			regs_from_insn(regs, &r);
			return true;
		}
	}
	/* a user page not in memory: the driver faults it in, then retries */
	if (c.ufault && ret == PCIEM_INSN_EFAULT &&
	    pciem_fault_in_arrange(regs, c.uaddr, c.uwrite))
		return true;
	report_unsupported(c.m, c.dev, regs, c.addr, bytes, n, emulate_error(ret));
	map_untrap_page(c.m, c.dev, c.addr);
	return true;	/* the CPU retries it on the now-writable page */
}
/*
 * Makes the probed function return at once: the fault was handled.  Reached
 * by the fault hook changing the instruction pointer at the function's entry,
 * where the stack holds the caller's return address.
 */
static noinline notrace void pciem_fault_handled(void)
{
	barrier();
}

/*
 * The hook on bad_area_nosemaphore(regs, error_code, address): a plain
 * ftrace callback, not a kprobe, because the kernel skips every kprobe
 * that fires on a CPU while another kprobe's handler runs there: an
 * interrupt handler's access to a trapped BAR during some other kprobe
 * (PCIem's own on the DMA API and ioremap, or another tool's) would then
 * fault for good.  ftrace's recursion guard is per context, so a fault
 * in an interrupt handler is served whatever the interrupted code was
 * running.  IPMODIFY: a livepatch of the same function clashes openly.
 */
static void notrace fault_hook(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct pt_regs *kregs = ftrace_get_regs(fregs);
	struct pt_regs *regs;
	unsigned long error_code, addr;
	bool handled;
	int bit;

	if (!kregs)
		return;
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0)
		return;
	regs = (struct pt_regs *)kregs->di;
	error_code = kregs->si;
	addr = kregs->dx;
	/*
	 * Ours are kernel data accesses to a page that is not present or
	 * read-only: not an instruction fetch, a reserved bit or a
	 * protection key.
	 */
	if (!(error_code & (X86_PF_USER | X86_PF_INSTR | X86_PF_RSVD | X86_PF_PK)) &&
	    !user_mode(regs)) {
		rcu_read_lock();
		handled = pciem_handle_fault(regs, addr, error_code);
		rcu_read_unlock();
		if (handled)
			kregs->ip = (unsigned long)pciem_fault_handled;
	}
	ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops fault_ops = {
	.func = fault_hook,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

#define FAULT_FUNC	"bad_area_nosemaphore"

static int fault_hook_start(void)
{
	int ret = ftrace_set_filter(&fault_ops, (unsigned char *)FAULT_FUNC,
				    strlen(FAULT_FUNC), 1);

	if (!ret)
		ret = register_ftrace_function(&fault_ops);
	if (ret) {
		pr_err("cannot hook %s (%d): MMIO trapping is impossible\n", FAULT_FUNC, ret);
		ftrace_free_filter(&fault_ops);
	}
	return ret;
}

static void fault_hook_stop(void)
{
	unregister_ftrace_function(&fault_ops);
	ftrace_free_filter(&fault_ops);
}

/* ---- learning the driver's mappings ------------------------------------ */

struct ioremap_call {
	u64 phys;
	unsigned long size;
};

static struct pciem_device *owner_of(u64 phys, unsigned int *bar, u64 *off)
{
	struct pciem_device *dev;

	list_for_each_entry(dev, &pciem_devices, node) {
		if (pciem_bus_owns(dev, phys, bar, off))
			return dev;
	}
	return NULL;
}

/*
 * The protection (cache mode) of the driver's entry for @va, as for a 4 KiB
 * page: what a real device's page is mapped with again, and its alias.
 */
static bool map_prot(unsigned long va, pgprot_t *prot)
{
	unsigned int level;
	pte_t *ptep = lookup_address(va, &level);

	if (!ptep || !kpte_mapped(*ptep))
		return false;
	if (level == PG_LEVEL_4K)
		*prot = pte_pgprot(*ptep);
	else if (level == PG_LEVEL_2M)
		*prot = pgprot_large_2_4k(__pgprot(pmd_flags(*(pmd_t *)ptep)));
	else
		return false;
	return true;
}

static int ioremap_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ioremap_call *c = (struct ioremap_call *)ri->data;
	unsigned long flags;
	unsigned int bar;
	bool ours;
	u64 off;

	c->phys = regs->di;
	c->size = regs->si;
	spin_lock_irqsave(&pciem_devices_lock, flags);
	ours = owner_of(c->phys, &bar, &off) != NULL;
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	return ours ? 0 : 1;	/* 1: no return handler for foreign mappings */
}

static int ioremap_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ioremap_call *c = (struct ioremap_call *)ri->data;
	unsigned long va = regs_return_value(regs);
	struct pciem_device *dev;
	struct map_tables tables;
	struct pciem_mapping *m;
	unsigned long flags;
	unsigned int bar;
	u64 off, end;
	int ret;

	if (!va)
		return 0;
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		goto fail;

	spin_lock_irqsave(&pciem_devices_lock, flags);
	dev = owner_of(c->phys, &bar, &off);
	if (!dev) {
		spin_unlock_irqrestore(&pciem_devices_lock, flags);
		kfree(m);
		return 0;
	}
	m->dev = dev;
	m->bar = bar;
	m->va = va & PAGE_MASK;
	if (pciem_is_real(dev)) {
		/* all of it: a small BAR's page holds other registers too */
		m->phys = c->phys & PAGE_MASK;
		m->npages = PAGE_ALIGN((c->phys & ~PAGE_MASK) + c->size) >> PAGE_SHIFT;
		m->bar_off = 0;
		if (!map_prot(m->va, &m->prot)) {
			spin_unlock_irqrestore(&pciem_devices_lock, flags);
			kfree(m);
			goto fail;
		}
	} else {
		m->bar_off = off & PAGE_MASK;
		end = min(PAGE_ALIGN(off + c->size), PAGE_ALIGN(dev->bars[bar].size));
		m->npages = (end - m->bar_off) >> PAGE_SHIFT;
	}

	ret = map_prepare(m, &tables);
	if (!ret) {
		raw_spin_lock(&pciem_map_lock);
		ret = map_install(m, &tables);
		if (!ret)
			list_add_tail_rcu(&m->node, &pciem_mappings);
		raw_spin_unlock(&pciem_map_lock);
		map_tables_free(&tables);
	}
	if (!ret && dev->nwps)
		schedule_work(&dev->wp_work);
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	if (ret) {
		kfree(m);
		goto fail;
	}
	flush_all_cpus();
	pciem_lifecycle(dev, PCIEM_LC_BAR_MAPPED, bar, c->size, get_kretprobe_retaddr(ri));
	return 0;
fail:
	pr_err_ratelimited("could not take over the mapping at %#lx of %#llx: its accesses are not seen\n",
			   va, c->phys);
	return 0;
}

static int iounmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned long va = regs->di & PAGE_MASK;
	struct pciem_mapping *m, *found = NULL;
	struct pciem_device *dev = NULL;
	unsigned long flags;
	unsigned int bar = 0;

	rcu_read_lock();
	raw_spin_lock_irqsave(&pciem_map_lock, flags);
	list_for_each_entry(m, &pciem_mappings, node) {
		if (m->va == va) {
			list_del_rcu(&m->node);
			map_gone();
			dev = m->dev;
			bar = m->bar;
			found = m;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&pciem_map_lock, flags);
	if (!found) {
		rcu_read_unlock();
		return 0;
	}
	call_rcu(&found->rcu, map_free_rcu);
	if (!dev) {
		rcu_read_unlock();
		/* an orphan: the reference pciem_trap_forget_device() took */
		module_put(THIS_MODULE);
		return 0;
	}
	/*
	 * The device lives on: its teardown forgets its mappings, then
	 * waits a grace period (so for this section) before it stops
	 * wp_work, which this may queue.  (A real device's mapping: its
	 * entries go with the rest of the driver's mapping.)
	 */
	pciem_lifecycle(dev, PCIEM_LC_BAR_UNMAPPED, bar, 0, 0);
	if (READ_ONCE(dev->nwps))
		schedule_work(&dev->wp_work);
	rcu_read_unlock();
	return 0;
}

static struct kprobe iounmap_kp = {
	.symbol_name = "iounmap",
	.pre_handler = iounmap_pre,
};

static const char * const ioremap_syms[] = {
	"ioremap", "ioremap_uc", "ioremap_wc", "ioremap_wt", "ioremap_cache",
	"ioremap_prot", "ioremap_encrypted",
};

static struct kretprobe ioremap_krp[ARRAY_SIZE(ioremap_syms)];

/* ---- device life cycle ----------------------------------------------------- */

/* Re-installs the driver's mappings of @bar_mask after a mode change. */
static int rearm(struct pciem_device *dev, u32 bar_mask)
{
	struct pciem_mapping *m;
	unsigned long flags;
	bool any = false;
	int ret = 0;

	raw_spin_lock_irqsave(&pciem_map_lock, flags);
	list_for_each_entry(m, &pciem_mappings, node) {
		if (m->dev == dev && (bar_mask & BIT(m->bar))) {
			ret = ret ?: map_install(m, NULL);
			any = true;
		}
	}
	raw_spin_unlock_irqrestore(&pciem_map_lock, flags);
	/* taking a permission away needs every CPU to forget the old one */
	if (any)
		on_each_cpu(flush_local, NULL, 1);
	return ret;
}

/* PCIEM_IOCTL_SET_TRAP_MODE: process context. */
int pciem_trap_set_mode(struct pciem_device *dev, u32 bar_mask, bool full)
{
	int i;

	for (i = 0; i < PCIEM_NUM_BARS; i++)
		if (bar_mask & BIT(i))
			WRITE_ONCE(dev->bars[i].full_trap, full);
	return rearm(dev, bar_mask);
}

/* A full-trap recorder came or went: process context. */
void pciem_trap_rearm(struct pciem_device *dev)
{
	if (rearm(dev, GENMASK(PCIEM_NUM_BARS - 1, 0)))
		pr_warn_ratelimited("device %d: cannot re-arm a mapping\n", dev->id);
}

bool pciem_trap_va_in_bar(struct pciem_device *dev, unsigned int bar, unsigned long va)
{
	struct pciem_mapping *m;
	bool found;

	rcu_read_lock();
	m = map_lookup(va);
	found = m && m->dev == dev && m->bar == bar;
	rcu_read_unlock();
	return found;
}

/* Copies up to @max of the device's mappings; returns how many there are. */
int pciem_trap_snapshot(struct pciem_device *dev, struct pciem_mapping *out, int max)
{
	struct pciem_mapping *m;
	int n = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(m, &pciem_mappings, node) {
		if (m->dev != dev)
			continue;
		if (n < max)
			out[n] = *m;
		n++;
	}
	rcu_read_unlock();
	return n;
}

/*
 * The device is going away.  Mappings the driver did not unmap become
 * orphans pointing at the all-ones page; after this returns no CPU is
 * still using @dev through a mapping.
 */
void pciem_trap_forget_device(struct pciem_device *dev)
{
	struct pciem_mapping *m;
	unsigned long flags;
	bool any = false;

	raw_spin_lock_irqsave(&pciem_map_lock, flags);
	list_for_each_entry(m, &pciem_mappings, node) {
		if (m->dev != dev)
			continue;
		WRITE_ONCE(m->dev, NULL);
		/*
		 * Its page tables were split when it was taken over, so this
		 * cannot fail; and the module stays until it is unmapped.
		 */
		map_install(m, NULL);
		__module_get(THIS_MODULE);
		any = true;
	}
	raw_spin_unlock_irqrestore(&pciem_map_lock, flags);
	if (any) {
		pr_warn_ratelimited("device %d removed while its driver still maps a BAR\n",
				    dev->id);
		on_each_cpu(flush_local, NULL, 1);
	}
	synchronize_rcu();
}

/* ---- real devices: mappings made before tracing, and giving them back ---- */

/* A run of entries that map consecutive pages of one BAR of a real device. */
struct scan_run {
	unsigned long va;
	u64 phys;
	unsigned long npages;
	pgprot_t prot;
	unsigned int bar;
};

/* Does the page @pfn hold bytes of a memory BAR of @dev?  Which one? */
static bool page_in_bar(struct pciem_device *dev, unsigned long pfn, unsigned int *bar)
{
	int i;

	for (i = 0; i < PCIEM_NUM_BARS; i++) {
		const struct pciem_bar *b = &dev->bars[i];

		if (!b->present || b->upper || !b->bus_addr)
			continue;
		if (pfn >= b->bus_addr >> PAGE_SHIFT &&
		    pfn <= (b->bus_addr + b->size - 1) >> PAGE_SHIFT) {
			*bar = i;
			return true;
		}
	}
	return false;
}

/* Are @r's entries still what the scan saw?  Under pciem_map_lock. */
static bool run_unchanged(const struct scan_run *r)
{
	unsigned long i;

	for (i = 0; i < r->npages; i++) {
		unsigned int level;
		pte_t *ptep = lookup_address(r->va + i * PAGE_SIZE, &level);
		unsigned long pfn;

		if (!ptep || !kpte_mapped(*ptep))
			return false;
		if (level == PG_LEVEL_4K)
			pfn = pte_pfn(*ptep);
		else if (level == PG_LEVEL_2M)
			pfn = pmd_pfn(*(pmd_t *)ptep) + ((r->va + i * PAGE_SIZE) & ~PMD_MASK) / PAGE_SIZE;
		else
			return false;
		if (pfn != (r->phys >> PAGE_SHIFT) + i)
			return false;
	}
	return true;
}

static void take_over_run(struct pciem_device *dev, const struct scan_run *r)
{
	struct map_tables tables;
	struct pciem_mapping *m;
	unsigned long flags;
	int ret;

	if (!r->npages)
		return;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m) {
		ret = -ENOMEM;
		goto fail;
	}
	m->dev = dev;
	m->bar = r->bar;
	m->va = r->va;
	m->npages = r->npages;
	m->phys = r->phys;
	m->prot = r->prot;
	ret = map_prepare(m, &tables);
	if (!ret) {
		rcu_read_lock();
		raw_spin_lock_irqsave(&pciem_map_lock, flags);
		/* taken over by the ioremap probe meanwhile, or unmapped */
		if (map_lookup(m->va) || !run_unchanged(r))
			ret = -EAGAIN;
		else
			ret = map_install(m, &tables);
		if (!ret)
			list_add_tail_rcu(&m->node, &pciem_mappings);
		raw_spin_unlock_irqrestore(&pciem_map_lock, flags);
		rcu_read_unlock();
		map_tables_free(&tables);
	}
	if (ret) {
		kfree(m);
		if (ret == -EAGAIN)
			return;
		goto fail;
	}
	pciem_lifecycle(dev, PCIEM_LC_BAR_TAKEN_OVER, r->bar, r->npages * PAGE_SIZE, 0);
	return;
fail:
	pr_err("could not take over the mapping at %#lx of %#llx (%d): its accesses are not seen\n",
	       r->va, r->phys, ret);
}

/*
 * lookup_address() found no entry for an address: how far to skip.  The
 * level it reports is that of the empty entry on 6.12 and the one above it
 * on 6.1; the smaller span is right for both.
 */
static unsigned long empty_span(unsigned int level)
{
	switch (level) {
	case PG_LEVEL_4K:
	case PG_LEVEL_2M:
	case PG_LEVEL_1G:
		return PMD_SIZE;
	case PG_LEVEL_512G:
		return PUD_SIZE;
	default:
		return P4D_SIZE;
	}
}

/*
 * Finds the mappings of @dev's BARs that exist already (its driver was
 * bound before tracing started) by walking the kernel's page tables over
 * the vmalloc area, where ioremap() puts them, and takes them over.
 * Process context.
 */
void pciem_trap_take_over_existing(struct pciem_device *dev)
{
	unsigned long va = VMALLOC_START, end = VMALLOC_END, steps = 0;
	struct scan_run run = { 0 };

	while (va >= VMALLOC_START && va < end) {
		unsigned long span = PAGE_SIZE, pfn = 0, next;
		unsigned int level, bar = 0;
		pte_t *ptep = lookup_address(va, &level);
		pgprot_t prot = __pgprot(0);
		bool hit = false;

		if (!ptep) {
			span = empty_span(level);
		} else if (level == PG_LEVEL_4K) {
			if (kpte_mapped(*ptep) && !in_alias_area(va)) {
				pfn = pte_pfn(*ptep);
				prot = pte_pgprot(*ptep);
				hit = page_in_bar(dev, pfn, &bar);
			}
		} else if (level == PG_LEVEL_2M) {
			span = PMD_SIZE;
			if (kpte_mapped(*ptep)) {
				pfn = pmd_pfn(*(pmd_t *)ptep);
				prot = pgprot_large_2_4k(__pgprot(pmd_flags(*(pmd_t *)ptep)));
				hit = page_in_bar(dev, pfn, &bar) &&
				      page_in_bar(dev, pfn + PTRS_PER_PTE - 1, &bar);
			}
		} else {
			span = PUD_SIZE;	/* 1 GiB ioremaps are not taken over */
		}
		next = (va & ~(span - 1)) + span;
		if (hit && run.npages && va == run.va + run.npages * PAGE_SIZE &&
		    pfn == (run.phys >> PAGE_SHIFT) + run.npages && bar == run.bar &&
		    pgprot_val(prot) == pgprot_val(run.prot)) {
			run.npages += (next - va) >> PAGE_SHIFT;
		} else {
			take_over_run(dev, &run);
			run = (struct scan_run) { .va = va, .phys = (u64)pfn << PAGE_SHIFT,
						  .npages = hit ? (next - va) >> PAGE_SHIFT : 0,
						  .prot = prot, .bar = bar };
		}
		va = next;
		if (!(++steps & 1023))
			cond_resched();
	}
	take_over_run(dev, &run);
	on_each_cpu(flush_local, NULL, 1);
}

/*
 * Tracing @dev (a real device) ends: every mapping of it points at the
 * device again, as the driver made it, and is forgotten.  An entry that is
 * present again (a page untrapped after a decode failure, or the range
 * reused after an unmap the probe missed) is left alone.  Process context.
 */
void pciem_trap_release_real(struct pciem_device *dev)
{
	struct pciem_mapping *m, *tmp;
	unsigned long flags, i;

	atomic_inc(&real_released);	/* before any entry comes back: see given_back() */
	raw_spin_lock_irqsave(&pciem_map_lock, flags);
	list_for_each_entry_safe(m, tmp, &pciem_mappings, node) {
		if (m->dev != dev)
			continue;
		for (i = 0; i < m->npages; i++) {
			unsigned int level;
			pte_t *ptep = lookup_address(m->va + i * PAGE_SIZE, &level);

			if (ptep && level == PG_LEVEL_4K && pte_none(*ptep))
				set_pte(ptep, pfn_pte((m->phys >> PAGE_SHIFT) + i, m->prot));
		}
		list_del_rcu(&m->node);
		map_gone();
		call_rcu(&m->rcu, map_free_rcu);
	}
	raw_spin_unlock_irqrestore(&pciem_map_lock, flags);
	synchronize_rcu();	/* no CPU is still in the handler with @dev */
}

int pciem_trap_init(void)
{
	int i, ret, armed = 0;

	pciem_dead_page = alloc_page(GFP_KERNEL);
	pciem_sink_page = alloc_page(GFP_KERNEL);
	if (!pciem_dead_page || !pciem_sink_page) {
		ret = -ENOMEM;
		goto out_page;
	}
	memset(page_address(pciem_dead_page), 0xff, PAGE_SIZE);
	memset(page_address(pciem_sink_page), 0xff, PAGE_SIZE);
	ret = alias_init();
	if (ret)
		goto out_page;

	ret = fault_hook_start();
	if (ret) {
		alias_exit();
		goto out_page;
	}
	ret = register_kprobe(&iounmap_kp);
	if (ret) {
		pr_err("cannot probe iounmap (%d)\n", ret);
		goto out_fault;
	}
	for (i = 0; i < ARRAY_SIZE(ioremap_syms); i++) {
		struct kretprobe *krp = &ioremap_krp[i];

		krp->kp.symbol_name = ioremap_syms[i];
		krp->entry_handler = ioremap_entry;
		krp->handler = ioremap_ret;
		krp->data_size = sizeof(struct ioremap_call);
		krp->maxactive = max(64, 4 * (int)num_possible_cpus());
		if (register_kretprobe(krp)) {
			krp->kp.symbol_name = NULL;	/* not in this kernel */
			continue;
		}
		armed++;
	}
	if (!armed) {
		pr_err("cannot probe any ioremap function\n");
		ret = -ENOENT;
		goto out_iounmap;
	}
	return 0;

out_iounmap:
	unregister_kprobe(&iounmap_kp);
out_fault:
	fault_hook_stop();
	pciem_fault_in_exit();
	alias_exit();
out_page:
	if (pciem_sink_page)
		__free_page(pciem_sink_page);
	if (pciem_dead_page)
		__free_page(pciem_dead_page);
	return ret;
}

void pciem_trap_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ioremap_krp); i++)
		if (ioremap_krp[i].kp.symbol_name)
			unregister_kretprobe(&ioremap_krp[i]);
	unregister_kprobe(&iounmap_kp);
	fault_hook_stop();
	pciem_fault_in_exit();	/* no task left in pciem_fault_in_stub */
	/*
	 * Every device is gone (each held a module reference), and so is
	 * every orphan (each holds one until it is unmapped): no mapping
	 * is left, and no CPU is in a handler once the probes are off.
	 */
	rcu_barrier();		/* the mappings' call_rcu() callbacks */
	alias_exit();
	__free_page(pciem_sink_page);
	__free_page(pciem_dead_page);
}
