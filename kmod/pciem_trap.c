// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO trapping.  When a driver maps a BAR (any ioremap variant), PCIem
 * points the mapping's page-table entries at the BAR pages, read-only: the
 * driver's reads see BAR memory, and each write faults (write trap).  In
 * full trap the entries are left empty, so reads fault too.  The fault reaches
 * bad_area_nosemaphore(), where a kprobe decodes the faulting instruction,
 * performs it on the BAR pages, reports it, and resumes the driver after
 * it.  No single-stepping, so every CPU stays online.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/rculist.h>
#include <linux/uaccess.h>
#include <linux/highmem.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>
#include <asm/pgtable.h>
#include <asm/traps.h>
#include <asm/trap_pf.h>

#include "pciem.h"
#include "pciem_insn.h"

LIST_HEAD(pciem_mappings);
DEFINE_RAW_SPINLOCK(pciem_map_lock);

/* Orphaned mappings point here: reads see all-ones. */
static struct page *pciem_dead_page;

static struct pciem_mapping *map_lookup(unsigned long addr)
{
	struct pciem_mapping *m;

	list_for_each_entry_rcu(m, &pciem_mappings, node) {
		if (addr >= m->va && addr - m->va < m->npages * PAGE_SIZE)
			return m;
	}
	return NULL;
}

static struct page *map_page(const struct pciem_mapping *m, unsigned long i)
{
	if (!m->dev)
		return pciem_dead_page;
	return m->dev->bars[m->bar].pages[(m->bar_off >> PAGE_SHIFT) + i];
}

/* What page @i of @m maps while trapped: nothing (full trap) or read-only. */
static pte_t map_pte(const struct pciem_mapping *m, unsigned long i)
{
	if (m->dev && pciem_bar_full_trap(m->dev, m->bar))
		return __pte(0);
	return pfn_pte(page_to_pfn(map_page(m, i)), PAGE_KERNEL_RO);
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

/* Point every page of @m at its BAR page (read-only, write-back) or nothing. */
static int map_install(struct pciem_mapping *m)
{
	unsigned long i = 0;

	while (i < m->npages) {
		unsigned long va = m->va + i * PAGE_SIZE;
		unsigned int level;
		pte_t *ptep = lookup_address(va, &level);

		if (!ptep)
			return -EFAULT;
		if (level == PG_LEVEL_2M) {
			/* ioremap used a huge mapping: replace it by a table */
			pte_t *tbl;
			unsigned int k;

			if ((va & ~PMD_MASK) || m->npages - i < PTRS_PER_PTE)
				return -EOPNOTSUPP;
			tbl = (pte_t *)get_zeroed_page(GFP_ATOMIC);
			if (!tbl)
				return -ENOMEM;
			for (k = 0; k < PTRS_PER_PTE; k++)
				tbl[k] = map_pte(m, i + k);
			set_pmd((pmd_t *)ptep, __pmd(__pa(tbl) | _KERNPG_TABLE));
			i += PTRS_PER_PTE;
			continue;
		}
		if (level != PG_LEVEL_4K)
			return -EOPNOTSUPP;
		set_pte(ptep, map_pte(m, i));
		i++;
	}
	return 0;
}

/* Let the CPU do accesses to one page itself (after a decode failure). */
static void map_untrap_page(struct pciem_mapping *m, unsigned long addr)
{
	unsigned long i = (addr - m->va) >> PAGE_SHIFT;
	unsigned int level;
	pte_t *ptep = lookup_address(m->va + i * PAGE_SIZE, &level);

	if (ptep && level == PG_LEVEL_4K)
		set_pte(ptep, pfn_pte(page_to_pfn(map_page(m, i)), PAGE_KERNEL));
}

u64 pciem_bar_read(struct pciem_device *dev, unsigned int bar, u64 off, unsigned int size)
{
	struct pciem_bar *b = &dev->bars[bar];
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < size && off + i < b->size; i++) {
		u8 *p = page_address(b->pages[(off + i) >> PAGE_SHIFT]);

		v |= (u64)READ_ONCE(p[(off + i) & ~PAGE_MASK]) << (8 * i);
	}
	return v;
}

static void bar_write(struct pciem_device *dev, unsigned int bar, u64 off,
		      unsigned int size, u64 v)
{
	struct pciem_bar *b = &dev->bars[bar];
	unsigned int i;

	for (i = 0; i < size && off + i < b->size; i++) {
		u8 *p = page_address(b->pages[(off + i) >> PAGE_SHIFT]);

		WRITE_ONCE(p[(off + i) & ~PAGE_MASK], v >> (8 * i));
	}
}

/* ---- instruction emulation --------------------------------------------- */

static unsigned long *reg_ptr(struct pt_regs *regs, unsigned int n)
{
	switch (n) {
	case 0: return &regs->ax;
	case 1: return &regs->cx;
	case 2: return &regs->dx;
	case 3: return &regs->bx;
	case 4: return &regs->sp;
	case 5: return &regs->bp;
	case 6: return &regs->si;
	case 7: return &regs->di;
	case 8: return &regs->r8;
	case 9: return &regs->r9;
	case 10: return &regs->r10;
	case 11: return &regs->r11;
	case 12: return &regs->r12;
	case 13: return &regs->r13;
	case 14: return &regs->r14;
	default: return &regs->r15;
	}
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 reg_get(struct pt_regs *regs, const struct pciem_insn *in)
{
	u64 v = *reg_ptr(regs, in->reg);

	if (in->high8)
		v >>= 8;
	return v & size_mask(in->size);
}

static void reg_set(struct pt_regs *regs, const struct pciem_insn *in, u64 v)
{
	unsigned long *r = reg_ptr(regs, in->reg);

	switch (in->reg_size) {
	case 8:
		*r = v;
		break;
	case 4:
		*r = (u32)v;	/* 32-bit destinations zero-extend */
		break;
	case 2:
		*r = (*r & ~0xffffUL) | (v & 0xffff);
		break;
	default:
		if (in->high8)
			*r = (*r & ~0xff00UL) | ((v & 0xff) << 8);
		else
			*r = (*r & ~0xffUL) | (v & 0xff);
	}
}

static u64 sign_extend(u64 v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (u64)((s64)(v << shift) >> shift);
}

/* One access to trapped memory at @addr, which must be inside @m. */
static u64 trapped_read(struct pciem_mapping *m, unsigned long addr, unsigned int size,
			unsigned long ip)
{
	struct pciem_event ev;
	u64 off, v;

	if (!m->dev)
		return size_mask(size);
	off = m->bar_off + (addr - m->va);
	if (m->dev->replay) {
		bool unused;

		return pciem_replay_mmio(m->dev, false, m->bar, off, size, 0, ip, &unused);
	}
	v = pciem_bar_read(m->dev, m->bar, off, size);
	if (pciem_bar_full_trap(m->dev, m->bar)) {
		pciem_event_fill(&ev, PCIEM_EVENT_MMIO_READ, m->bar, off, size, v, ip);
		pciem_ring_push(m->dev, &ev);
	}
	return v;
}

static void trapped_write(struct pciem_mapping *m, unsigned long addr, unsigned int size,
			  u64 v, unsigned long ip)
{
	struct pciem_event ev;
	u64 off;

	if (!m->dev)
		return;
	off = m->bar_off + (addr - m->va);
	v &= size_mask(size);
	if (m->dev->replay) {
		bool apply;

		pciem_replay_mmio(m->dev, true, m->bar, off, size, v, ip, &apply);
		if (!apply)
			return;		/* a stopped replay ignores writes */
		bar_write(m->dev, m->bar, off, size, v);
	} else {
		bar_write(m->dev, m->bar, off, size, v);
		pciem_event_fill(&ev, PCIEM_EVENT_MMIO_WRITE, m->bar, off, size, v, ip);
		pciem_ring_push(m->dev, &ev);
	}
	pciem_wp_check_access(m->dev, m->bar, off, size, v, true, ip);
}

/* Read @size bytes at @addr, trapped or ordinary kernel memory. */
static bool any_read(unsigned long addr, unsigned int size, u64 *v, unsigned long ip)
{
	struct pciem_mapping *m = map_lookup(addr);

	if (m) {
		*v = trapped_read(m, addr, size, ip);
		return true;
	}
	*v = 0;
	return !copy_from_kernel_nofault(v, (void *)addr, size);
}

/* copy_to_kernel_nofault() is not exported; this is its one-element form. */
static bool kernel_write_nofault(unsigned long addr, unsigned int size, u64 v)
{
	u8 v8 = v;
	u16 v16 = v;
	u32 v32 = v;

	switch (size) {
	case 1:
		__put_kernel_nofault((u8 *)addr, &v8, u8, fail);
		break;
	case 2:
		__put_kernel_nofault((u16 *)addr, &v16, u16, fail);
		break;
	case 4:
		__put_kernel_nofault((u32 *)addr, &v32, u32, fail);
		break;
	default:
		__put_kernel_nofault((u64 *)addr, &v, u64, fail);
		break;
	}
	return true;
fail:
	return false;
}

static bool any_write(unsigned long addr, unsigned int size, u64 v, unsigned long ip)
{
	struct pciem_mapping *m = map_lookup(addr);

	if (m) {
		trapped_write(m, addr, size, v, ip);
		return true;
	}
	return kernel_write_nofault(addr, size, v);
}

/*
 * String instructions, element by element.  Returns true when the whole
 * instruction is done; false when it stopped early at an element neither
 * of whose addresses is trapped (the CPU resumes it with the registers
 * updated so far) or at a bad pointer (the CPU faults on it as usual).
 */
static bool emulate_string(struct pt_regs *regs, const struct pciem_insn *in)
{
	unsigned long count = in->rep ? regs->cx : 1;
	long step = (regs->flags & X86_EFLAGS_DF) ? -(long)in->size : in->size;
	unsigned long ip = regs->ip;
	u64 v;

	while (count) {
		bool src_trapped = in->op != PCIEM_INSN_STOS && map_lookup(regs->si);
		bool dst_trapped = in->op != PCIEM_INSN_LODS && map_lookup(regs->di);

		if (!src_trapped && !dst_trapped)
			return false;
		switch (in->op) {
		case PCIEM_INSN_MOVS:
			if (!any_read(regs->si, in->size, &v, ip) ||
			    !any_write(regs->di, in->size, v, ip))
				return false;
			regs->si += step;
			regs->di += step;
			break;
		case PCIEM_INSN_STOS:
			any_write(regs->di, in->size, regs->ax & size_mask(in->size), ip);
			regs->di += step;
			break;
		default: /* LODS */
			any_read(regs->si, in->size, &v, ip);
			if (in->size == 4)
				regs->ax = (u32)v;
			else if (in->size == 8)
				regs->ax = v;
			else
				regs->ax = (regs->ax & ~size_mask(in->size)) | v;
			regs->si += step;
			break;
		}
		count--;
		if (in->rep)
			regs->cx = count;
	}
	return true;
}

static void report_unsupported(struct pciem_mapping *m, struct pt_regs *regs,
			       unsigned long addr, const u8 *bytes, int n)
{
	struct pciem_event ev;
	u64 first = 0;

	pr_warn_ratelimited("cannot emulate the access at %pS (%*ph): that page of the mapping is no longer trapped\n",
			    (void *)regs->ip, n, bytes);
	if (!m->dev)
		return;
	memcpy(&first, bytes, min_t(int, n, sizeof(first)));
	pciem_event_fill(&ev, PCIEM_EVENT_UNSUPPORTED, m->bar, m->bar_off + (addr - m->va),
			 min_t(int, n, sizeof(first)), first, regs->ip);
	pciem_ring_push(m->dev, &ev);
	if (m->dev->replay)
		pciem_replay_unsupported(m->dev, m->bar, m->bar_off + (addr - m->va), regs->ip);
}

static int fetch_insn(unsigned long ip, u8 *buf)
{
	int n;

	if (!copy_from_kernel_nofault(buf, (void *)ip, PCIEM_INSN_MAX_LEN))
		return PCIEM_INSN_MAX_LEN;
	for (n = 0; n < PCIEM_INSN_MAX_LEN; n++)
		if (copy_from_kernel_nofault(buf + n, (void *)(ip + n), 1))
			break;
	return n;
}

/* Returns true if the fault at @addr was PCIem's and has been handled. */
static bool pciem_handle_fault(struct pt_regs *regs, unsigned long error_code,
			       unsigned long addr)
{
	struct pciem_insn in;
	struct pciem_mapping *m;
	u8 bytes[PCIEM_INSN_MAX_LEN];
	bool done = true;
	int n;
	u64 v;

	m = map_lookup(addr);
	if (!m)
		return false;

	n = fetch_insn(regs->ip, bytes);
	if (pciem_insn_decode(bytes, n, &in) < 0 || in.addr_size != 8) {
		report_unsupported(m, regs, addr, bytes, n);
		map_untrap_page(m, addr);
		return true;	/* the CPU retries it on the now-writable page */
	}

	switch (in.op) {
	case PCIEM_INSN_STORE:
		trapped_write(m, addr, in.size, reg_get(regs, &in), regs->ip);
		break;
	case PCIEM_INSN_STORE_IMM:
		trapped_write(m, addr, in.size, in.imm, regs->ip);
		break;
	case PCIEM_INSN_LOAD:
	case PCIEM_INSN_LOAD_ZX:	/* the value read is already zero-extended */
		reg_set(regs, &in, trapped_read(m, addr, in.size, regs->ip));
		break;
	case PCIEM_INSN_LOAD_SX:
		v = trapped_read(m, addr, in.size, regs->ip);
		reg_set(regs, &in, sign_extend(v, in.size));
		break;
	default:
		done = emulate_string(regs, &in);
		break;
	}
	if (done)
		regs->ip += in.len;
	return true;
}

/*
 * Makes the probed function return at once: the fault was handled.  Reached
 * by the kprobe changing the instruction pointer at the function's entry,
 * where the stack holds the caller's return address.
 */
static noinline notrace void pciem_fault_handled(void)
{
	barrier();
}

static int fault_pre(struct kprobe *p, struct pt_regs *kregs)
{
	struct pt_regs *regs = (struct pt_regs *)kregs->di;
	unsigned long error_code = kregs->si;
	unsigned long addr = kregs->dx;
	bool handled;

	if ((error_code & X86_PF_USER) || user_mode(regs))
		return 0;
	rcu_read_lock();
	handled = pciem_handle_fault(regs, error_code, addr);
	rcu_read_unlock();
	if (!handled)
		return 0;
	kregs->ip = (unsigned long)pciem_fault_handled;
	return 1;
}

static struct kprobe fault_kp = {
	.symbol_name = "bad_area_nosemaphore",
	.pre_handler = fault_pre,
};

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
	m->bar_off = off & PAGE_MASK;
	end = min(PAGE_ALIGN(off + c->size), dev->bars[bar].size);
	m->npages = (end - m->bar_off) >> PAGE_SHIFT;

	raw_spin_lock(&pciem_map_lock);
	ret = map_install(m);
	if (!ret)
		list_add_tail_rcu(&m->node, &pciem_mappings);
	raw_spin_unlock(&pciem_map_lock);
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
	struct pciem_device *dev = NULL;
	struct pciem_mapping *m;
	unsigned long flags;

	unsigned int bar = 0;

	raw_spin_lock_irqsave(&pciem_map_lock, flags);
	list_for_each_entry(m, &pciem_mappings, node) {
		if (m->va == va) {
			list_del_rcu(&m->node);
			dev = m->dev;
			bar = m->bar;
			kfree_rcu(m, rcu);
			break;
		}
	}
	raw_spin_unlock_irqrestore(&pciem_map_lock, flags);
	if (!dev)
		return 0;
	/* the device lives on: teardown forgets mappings under this lock */
	pciem_lifecycle(dev, PCIEM_LC_BAR_UNMAPPED, bar, 0, 0);
	if (READ_ONCE(dev->nwps))
		schedule_work(&dev->wp_work);
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
			ret = ret ?: map_install(m);
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
		map_install(m);
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

int pciem_trap_init(void)
{
	int i, ret, armed = 0;

	pciem_dead_page = alloc_page(GFP_KERNEL);
	if (!pciem_dead_page)
		return -ENOMEM;
	memset(page_address(pciem_dead_page), 0xff, PAGE_SIZE);

	ret = register_kprobe(&fault_kp);
	if (ret) {
		pr_err("cannot probe %s (%d): MMIO trapping is impossible\n",
		       fault_kp.symbol_name, ret);
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
	unregister_kprobe(&fault_kp);
out_page:
	__free_page(pciem_dead_page);
	return ret;
}

void pciem_trap_exit(void)
{
	struct pciem_mapping *m, *tmp;
	bool orphans = false;
	int i;

	for (i = 0; i < ARRAY_SIZE(ioremap_krp); i++)
		if (ioremap_krp[i].kp.symbol_name)
			unregister_kretprobe(&ioremap_krp[i]);
	unregister_kprobe(&iounmap_kp);
	unregister_kprobe(&fault_kp);
	/*
	 * Orphans left by drivers that never unmapped still point at the
	 * all-ones page: keep it, since nothing can redirect those PTEs.
	 */
	list_for_each_entry_safe(m, tmp, &pciem_mappings, node) {
		list_del(&m->node);
		kfree(m);
		orphans = true;
	}
	synchronize_rcu();
	if (orphans)
		pr_warn("leaving the all-ones page to drivers that still map removed devices\n");
	else
		__free_page(pciem_dead_page);
}
