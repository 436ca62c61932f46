// SPDX-License-Identifier: GPL-2.0
/*
 * A traced real device's DMA (PCIEM_TRACE_MATCH_REAL).
 *
 * A real device's DMA layer is the kernel's own (direct mapping, swiotlb
 * or an IOMMU), none of it exported, so PCIem cannot be its DMA layer as
 * it is a PCIem device's (pciem_dma.c).  Instead it watches the DMA API:
 * kretprobes on the exported functions that every inline wrapper, dma_pool
 * and the managed (dmam_) variants end in, registered while a real device
 * is traced, each first checking that the call is for a traced device.
 *
 * The CPU does not see the device's transfers, so their data is taken
 * where ownership of a buffer passes (see MATCH_REAL in the ABI header):
 * streaming buffers when mapped or synced for the device (what the device
 * may read) and when synced for the CPU or unmapped (what it may have
 * written: at the return of those calls, after any swiotlb copy back);
 * coherent buffers by comparing them with a copy kept of each, before
 * every interrupt and every MMIO access of the driver.
 *
 * Each device's mappings are under a raw spinlock: the comparisons run in
 * the MMIO fault path and in the interrupt tracepoint, with a device's
 * access lock held.  Memory is allocated outside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/rbtree.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "pciem.h"
#include "pciem_compat.h"

struct rdma_map {
	struct pciem_dma_range r;	/* its bus addresses */
	struct rdma_map *next;		/* on an unmap's list, once out of the tree */
	void *cpu;			/* its memory (NULL: unknown, no data) */
	u8 *shadow;			/* coherent: the bytes at the last look */
	u8 dir;				/* PCIEM_DMA_DIR_* */
	bool coherent;
};

struct pciem_rdma {
	raw_spinlock_t lock;
	struct rb_root maps;
	u64 shadow_bytes;		/* kept copies of coherent buffers */
	bool shadow_full;		/* said so once */
};

struct pciem_rdma *pciem_rdma_new(void)
{
	struct pciem_rdma *rd = kzalloc(sizeof(*rd), GFP_KERNEL);

	if (rd) {
		raw_spin_lock_init(&rd->lock);
		rd->maps = RB_ROOT;
	}
	return rd;
}

static void map_free(struct rdma_map *m)
{
	kfree(m->shadow);
	kfree(m);
}

/* After the probes are gone: the mappings' records go. */
void pciem_rdma_free(struct pciem_rdma *rd)
{
	struct rb_node *n;

	if (!rd)
		return;
	while ((n = rb_first(&rd->maps))) {
		rb_erase(n, &rd->maps);
		map_free(rb_entry(n, struct rdma_map, r.node));
	}
	kfree(rd);
}

/* ---- the mappings ------------------------------------------------------- */

static struct rdma_map *map_find(struct pciem_rdma *rd, u64 addr)
{
	struct pciem_dma_range *r = pciem_dma_range_find(&rd->maps, addr);

	return r ? container_of(r, struct rdma_map, r) : NULL;
}

/*
 * Adds @m; a record it overlaps is dropped (its unmap was missed, or the
 * mapping was made before tracing and ended unseen) and returned on @stale.
 */
static void map_insert(struct pciem_rdma *rd, struct rdma_map *m, struct rdma_map **stale)
{
	struct rdma_map *o;

	while ((o = map_find(rd, m->r.addr)) || (o = map_find(rd, m->r.addr + m->r.size - 1))) {
		rb_erase(&o->r.node, &rd->maps);
		if (o->shadow)
			rd->shadow_bytes -= o->r.size;
		o->next = *stale;
		*stale = o;
	}
	pciem_dma_range_insert(&rd->maps, &m->r);
}

static void free_list(struct rdma_map *m)
{
	while (m) {
		struct rdma_map *next = m->next;

		map_free(m);
		m = next;
	}
}

static void map_event(struct pciem_device *dev, u32 type, const struct rdma_map *m,
		      unsigned long ip)
{
	pciem_dma_ctl_event(dev, type, m->r.addr, m->r.size, m->dir,
			    m->coherent ? PCIEM_EVENT_F_DMA_COHERENT : 0, ip);
}

static bool dev_reads(u8 dir)
{
	return dir == PCIEM_DMA_DIR_TO_DEVICE || dir == PCIEM_DMA_DIR_BIDIRECTIONAL;
}

static bool dev_writes(u8 dir)
{
	return dir == PCIEM_DMA_DIR_FROM_DEVICE || dir == PCIEM_DMA_DIR_BIDIRECTIONAL;
}

/* The data of [@addr, @addr + @len) of @m, as the device's read or write. */
static void data_event(struct pciem_device *dev, const struct rdma_map *m, u32 type,
		       u64 addr, u64 len)
{
	if (!m->cpu || addr < m->r.addr || addr - m->r.addr >= m->r.size)
		return;
	len = min(len, m->r.size - (addr - m->r.addr));
	pciem_dma_data_event(dev, type, addr, m->cpu + (addr - m->r.addr), len,
			     PCIEM_EVENT_F_DMA_SEEN);
}

/* ---- coherent buffers ---------------------------------------------------- */

#define LOOK_GAP	64	/* changed runs closer than this are one */

/*
 * The bytes of @m that changed since the last look, as @type events
 * (F_DMA_SEEN | F_DMA_COHERENT), and the copy brought up to date.
 */
static void look_one(struct pciem_device *dev, struct rdma_map *m, u32 type)
{
	const u8 *now = m->cpu;
	u8 *was = m->shadow;
	u64 i = 0, start, end, n = m->r.size;

	while (i < n) {
		u64 blk = min_t(u64, LOOK_GAP, n - i);

		if (!memcmp(now + i, was + i, blk)) {
			i += blk;	/* unchanged: most of it, most of the time */
			continue;
		}
		while (now[i] == was[i])
			i++;
		/* a run goes on while the next change comes within LOOK_GAP */
		start = end = i;
		for (i = end + 1; i < n && i - end <= LOOK_GAP; i++)
			if (now[i] != was[i])
				end = i;
		memcpy(was + start, now + start, end + 1 - start);
		pciem_dma_data_event(dev, type, m->r.addr + start, was + start, end + 1 - start,
				     PCIEM_EVENT_F_DMA_SEEN | PCIEM_EVENT_F_DMA_COHERENT);
		i = end + 1;
	}
}

/*
 * Before an interrupt or an MMIO access of the driver: what changed in the
 * device's coherent buffers, as DMA_WRITE (@type; before an interrupt or a
 * read) or DMA_READ (before a write).  Any context.
 */
void pciem_rdma_look(struct pciem_device *dev, u32 type)
{
	struct pciem_rdma *rd = dev->rdma;
	unsigned long flags;
	struct rb_node *n;

	if (!rd || RB_EMPTY_ROOT(&rd->maps) || !pciem_traced(dev))
		return;
	raw_spin_lock_irqsave(&rd->lock, flags);
	for (n = rb_first(&rd->maps); n; n = rb_next(n)) {
		struct rdma_map *m = rb_entry(n, struct rdma_map, r.node);

		if (m->shadow)
			look_one(dev, m, type);
	}
	raw_spin_unlock_irqrestore(&rd->lock, flags);
}

/* ---- the probes ------------------------------------------------------------ */

/* What an entry handler keeps for its return handler. */
struct rdma_call {
	struct device *d;
	unsigned long arg[5];
	struct rdma_map *maps;		/* unmaps: the records taken out */
	unsigned long ip;
};

/* The traced device @d is, with its DMA records; NULL if none.  Under RCU
 * (kprobe handlers run with preemption off). */
static struct pciem_device *traced_dev(struct device *d)
{
	struct pciem_device *dev;

	if (!d || !dev_is_pci(d))
		return NULL;
	dev = pciem_real_lookup(to_pci_dev(d));
	return dev && dev->rdma ? dev : NULL;
}

static unsigned long arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

/* Common entry: the call is for a traced device; its arguments kept. */
static int call_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	unsigned int i;

	c->d = (struct device *)arg(regs, 0);
	if (!traced_dev(c->d))
		return 1;	/* not ours: no return handler */
	for (i = 0; i < ARRAY_SIZE(c->arg); i++)
		c->arg[i] = arg(regs, i + 1);
	c->maps = NULL;
	/* at a function's entry the return address is on top of the stack
	 * (the instance's own copy is filled in only after this handler) */
	c->ip = regs_get_kernel_stack_nth(regs, 0);
	/* since 6.11 a coherent device's syncs are skipped inline: let them
	 * through to the probes while it is traced */
	pciem_dma_unskip_sync(c->d);
	return 0;
}

/*
 * New mappings (a return handler's): @n records, each with its address,
 * size and memory, added and announced; the device may read a streaming
 * one from now on, so its data goes with it.
 */
static void add_maps(struct pciem_device *dev, struct rdma_map **maps, unsigned int n,
		     unsigned long ip)
{
	struct pciem_rdma *rd = dev->rdma;
	struct rdma_map *stale = NULL;
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&rd->lock, flags);
	for (i = 0; i < n; i++) {
		struct rdma_map *m = maps[i];

		if (m->shadow) {
			rd->shadow_bytes += m->r.size;
			memcpy(m->shadow, m->cpu, m->r.size);
		}
		map_insert(rd, m, &stale);
		map_event(dev, PCIEM_EVENT_DMA_MAP, m, ip);
		if (!m->coherent && dev_reads(m->dir))
			data_event(dev, m, PCIEM_EVENT_DMA_READ, m->r.addr, m->r.size);
	}
	raw_spin_unlock_irqrestore(&rd->lock, flags);
	free_list(stale);
}

static struct rdma_map *map_alloc(u64 addr, u64 size, void *cpu, u8 dir, bool coherent)
{
	struct rdma_map *m = kzalloc(sizeof(*m), GFP_ATOMIC | __GFP_NOWARN);

	if (!m)
		return NULL;
	m->r.addr = addr;
	m->r.size = size;
	m->cpu = cpu;
	m->dir = dir;
	m->coherent = coherent;
	return m;
}

/* dma_map_page_attrs(dev, page, offset, size, dir, attrs) -> dma_addr_t */
static int map_page_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	dma_addr_t addr = regs_return_value(regs);
	struct pciem_device *dev = traced_dev(c->d);
	struct page *page = (struct page *)c->arg[0];
	struct rdma_map *m;

	if (!dev || addr == DMA_MAPPING_ERROR || !c->arg[2])
		return 0;
	m = map_alloc(addr, c->arg[2], PageHighMem(page) ? NULL : page_address(page) + c->arg[1],
		      c->arg[3], false);
	if (m)
		add_maps(dev, &m, 1, c->ip);
	return 0;
}

/* Scatter lists: @nents DMA segments from @sgl; the memory of each is
 * known when the segments are the list's own (no IOMMU merged them). */
static void add_sg(struct pciem_device *dev, struct scatterlist *sgl, int nents, int orig,
		   u8 dir, unsigned long ip)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		struct rdma_map *m;

		if (!sg_dma_len(sg))
			continue;
		m = map_alloc(sg_dma_address(sg), sg_dma_len(sg),
			      nents == orig && !PageHighMem(sg_page(sg)) ? sg_virt(sg) : NULL,
			      dir, false);
		if (m)
			add_maps(dev, &m, 1, ip);
	}
}

/* dma_map_sg_attrs(dev, sg, nents, dir, attrs) -> mapped segments */
static int map_sg_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev = traced_dev(c->d);
	int n = (int)regs_return_value(regs);

	if (dev && n > 0)
		add_sg(dev, (struct scatterlist *)c->arg[0], n, c->arg[1], c->arg[2], c->ip);
	return 0;
}

/* dma_map_sgtable(dev, sgt, dir, attrs) -> 0 */
static int map_sgtable_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev = traced_dev(c->d);
	struct sg_table *sgt = (struct sg_table *)c->arg[0];

	if (dev && !regs_return_value(regs))
		add_sg(dev, sgt->sgl, sgt->nents, sgt->orig_nents, c->arg[1], c->ip);
	return 0;
}

/* dma_alloc_attrs(dev, size, dma_handle *, gfp, attrs) -> cpu address */
static int alloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev = traced_dev(c->d);
	void *cpu = (void *)regs_return_value(regs);
	u64 size = c->arg[0];
	struct pciem_rdma *rd;
	struct rdma_map *m;
	bool keep;

	if (!dev || !cpu || !size)
		return 0;
	/* with NO_KERNEL_MAPPING the "address" may be a cookie */
	if (c->arg[3] & DMA_ATTR_NO_KERNEL_MAPPING)
		cpu = NULL;
	m = map_alloc(*(dma_addr_t *)c->arg[1], size, cpu, PCIEM_DMA_DIR_BIDIRECTIONAL, true);
	if (!m)
		return 0;
	rd = dev->rdma;
	keep = cpu && READ_ONCE(rd->shadow_bytes) + size <= PCIEM_REAL_DMA_SHADOW;
	if (keep)
		m->shadow = kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);
	if (cpu && !m->shadow && !rd->shadow_full) {
		rd->shadow_full = true;
		pr_warn("%s: coherent buffer of %llu bytes not compared (%s): its changes are not traced\n",
			dev_name(c->d), size, keep ? "no memory for its copy" :
			"over PCIEM_REAL_DMA_SHADOW for the device");
	}
	add_maps(dev, &m, 1, c->ip);
	return 0;
}

/*
 * Unmaps: the records of the mappings at @addr go (on the call's list)
 * at entry, so that a new mapping at the same address made meanwhile on
 * another CPU is not taken for it; their data and events at return.
 */
static void take_map(struct pciem_device *dev, struct rdma_call *c, u64 addr)
{
	struct pciem_rdma *rd = dev->rdma;
	struct rdma_map *m;
	unsigned long flags;

	raw_spin_lock_irqsave(&rd->lock, flags);
	m = map_find(rd, addr);
	if (m && m->r.addr == addr) {
		rb_erase(&m->r.node, &rd->maps);
		if (m->shadow)
			rd->shadow_bytes -= m->r.size;
		m->next = c->maps;
		c->maps = m;
	}
	raw_spin_unlock_irqrestore(&rd->lock, flags);
}

/* At an unmap's return: what the device wrote, then the unmap, each. */
static void unmap_done(struct pciem_device *dev, struct rdma_call *c)
{
	struct pciem_rdma *rd = dev ? dev->rdma : NULL;
	struct rdma_map *m;
	unsigned long flags;

	if (rd) {
		raw_spin_lock_irqsave(&rd->lock, flags);
		for (m = c->maps; m; m = m->next) {
			if (m->shadow)
				look_one(dev, m, PCIEM_EVENT_DMA_WRITE);
			else if (!m->coherent && dev_writes(m->dir))
				data_event(dev, m, PCIEM_EVENT_DMA_WRITE, m->r.addr, m->r.size);
			map_event(dev, PCIEM_EVENT_DMA_UNMAP, m, c->ip);
		}
		raw_spin_unlock_irqrestore(&rd->lock, flags);
	}
	free_list(c->maps);
	c->maps = NULL;
}

/* dma_unmap_page_attrs(dev, addr, size, dir, attrs) */
static int unmap_page_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;

	if (call_entry(ri, regs))
		return 1;
	take_map(traced_dev(c->d), c, c->arg[0]);
	return 0;
}

/*
 * dma_free_attrs(dev, size, cpu, dma_handle, attrs): all at entry, while
 * the memory is still there (its last changes are taken, then it goes).
 */
static int free_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev;

	if (call_entry(ri, regs))
		return 1;
	dev = traced_dev(c->d);
	take_map(dev, c, c->arg[2]);
	unmap_done(dev, c);
	return 1;
}

/* dma_unmap_sg_attrs(dev, sg, nents, dir, attrs) */
static int unmap_sg_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev;
	struct scatterlist *sg;
	int i;

	if (call_entry(ri, regs))
		return 1;
	dev = traced_dev(c->d);
	for_each_sg((struct scatterlist *)c->arg[0], sg, (int)c->arg[1], i)
		if (sg_dma_len(sg))
			take_map(dev, c, sg_dma_address(sg));
	return 0;
}

static int unmap_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;

	unmap_done(traced_dev(c->d), c);
	return 0;
}

/* A sync of [@addr, @addr + @size): the event, and the data that passes. */
static void sync_one(struct pciem_device *dev, u64 addr, u64 size, u8 dir, bool for_dev,
		     unsigned long ip)
{
	struct pciem_rdma *rd = dev->rdma;
	struct rdma_map *m;
	unsigned long flags;

	raw_spin_lock_irqsave(&rd->lock, flags);
	m = map_find(rd, addr);
	if (m && !m->coherent && (for_dev ? dev_reads(dir) : dev_writes(dir)))
		data_event(dev, m, for_dev ? PCIEM_EVENT_DMA_READ : PCIEM_EVENT_DMA_WRITE,
			   addr, size);
	pciem_dma_ctl_event(dev, PCIEM_EVENT_DMA_SYNC, addr, size, dir,
			    for_dev ? PCIEM_EVENT_F_DMA_FOR_DEVICE : 0, ip);
	raw_spin_unlock_irqrestore(&rd->lock, flags);
}

/* (__)dma_sync_single_for_cpu(dev, addr, size, dir): after the copy back */
static int sync_cpu_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev = traced_dev(c->d);

	if (dev)
		sync_one(dev, c->arg[0], c->arg[1], c->arg[2], false, c->ip);
	return 0;
}

/* (__)dma_sync_single_for_device(dev, addr, size, dir): before it */
static int sync_dev_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;

	if (call_entry(ri, regs))
		return 1;
	sync_one(traced_dev(c->d), c->arg[0], c->arg[1], c->arg[2], true, c->ip);
	return 1;
}

static void sync_sg(struct pciem_device *dev, struct rdma_call *c, bool for_dev)
{
	struct scatterlist *sg;
	int i;

	for_each_sg((struct scatterlist *)c->arg[0], sg, (int)c->arg[1], i)
		if (sg_dma_len(sg))
			sync_one(dev, sg_dma_address(sg), sg_dma_len(sg), c->arg[2], for_dev,
				 c->ip);
}

/* (__)dma_sync_sg_for_cpu(dev, sg, nelems, dir) */
static int sync_sg_cpu_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;
	struct pciem_device *dev = traced_dev(c->d);

	if (dev)
		sync_sg(dev, c, false);
	return 0;
}

/* (__)dma_sync_sg_for_device(dev, sg, nelems, dir) */
static int sync_sg_dev_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct rdma_call *c = (struct rdma_call *)ri->data;

	if (call_entry(ri, regs))
		return 1;
	sync_sg(traced_dev(c->d), c, true);
	return 1;
}

/*
 * dmam_alloc_attrs and dmam_free_coherent are not probed: they call
 * dma_alloc_attrs and dma_free_attrs, which are.  dma_pool's pages come
 * through those too.
 */
#define RDMA_PROBES(P)							\
	P("dma_map_page_attrs", call_entry, map_page_ret)		\
	P("dma_unmap_page_attrs", unmap_page_entry, unmap_ret)		\
	P("dma_map_sg_attrs", call_entry, map_sg_ret)			\
	P("dma_map_sgtable", call_entry, map_sgtable_ret)		\
	P("dma_unmap_sg_attrs", unmap_sg_entry, unmap_ret)		\
	P("dma_alloc_attrs", call_entry, alloc_ret)			\
	P("dma_free_attrs", free_entry, NULL)				\
	P(PCIEM_DMA_SYNC_SYM("dma_sync_single_for_cpu"), call_entry, sync_cpu_ret) \
	P(PCIEM_DMA_SYNC_SYM("dma_sync_single_for_device"), sync_dev_entry, NULL) \
	P(PCIEM_DMA_SYNC_SYM("dma_sync_sg_for_cpu"), call_entry, sync_sg_cpu_ret) \
	P(PCIEM_DMA_SYNC_SYM("dma_sync_sg_for_device"), sync_sg_dev_entry, NULL)

struct rdma_hook {
	kretprobe_handler_t entry, ret;
};

#define RDMA_HOOK(sym, entry, ret)	{ (entry), (ret) },
static const struct rdma_hook rdma_hooks[] = { RDMA_PROBES(RDMA_HOOK) };

static int rdma_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
static int rdma_ret(struct kretprobe_instance *ri, struct pt_regs *regs);

#define RDMA_PROBE(sym, entry, ret) {					\
	.kp.symbol_name = (sym), .entry_handler = rdma_entry,		\
	.handler = rdma_ret,						\
	.data_size = sizeof(struct rdma_call), .maxactive = 64,		\
},
static struct kretprobe rdma_probes[] = { RDMA_PROBES(RDMA_PROBE) };

/*
 * Every handler runs with interrupts off, so that the device's own
 * interrupt handler (which looks at its coherent buffers, real_irq_entry)
 * never runs in the middle of one.  A trapped access during the kprobe
 * code around a handler is still served: PCIem's fault hook is an ftrace
 * callback, which a running kprobe does not make the kernel skip.
 */
static int rdma_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct rdma_hook *h = &rdma_hooks[get_kretprobe(ri) - rdma_probes];
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	ret = h->entry(ri, regs);
	local_irq_restore(flags);
	return ret;
}

static int rdma_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct rdma_hook *h = &rdma_hooks[get_kretprobe(ri) - rdma_probes];
	unsigned long flags;
	int ret;

	if (!h->ret)
		return 0;	/* its entry handler did it all */
	local_irq_save(flags);
	ret = h->ret(ri, regs);
	local_irq_restore(flags);
	return ret;
}

static struct kretprobe *rdma_probe_ptrs[ARRAY_SIZE(rdma_probes)];

/* The first real device traced: the probes go in.  Process context. */
int pciem_rdma_probes_start(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(rdma_probes); i++) {
		rdma_probes[i].nmissed = 0;
		rdma_probes[i].kp.addr = NULL;
		rdma_probes[i].kp.flags = 0;
		rdma_probe_ptrs[i] = &rdma_probes[i];
	}
	ret = register_kretprobes(rdma_probe_ptrs, ARRAY_SIZE(rdma_probe_ptrs));
	if (ret)
		pr_err("cannot probe the DMA API (%d): real devices' DMA cannot be traced\n", ret);
	return ret;
}

/* The last one stopped: the probes go, and what they missed is said. */
void pciem_rdma_probes_stop(void)
{
	unsigned long missed = 0;
	unsigned int i;

	unregister_kretprobes(rdma_probe_ptrs, ARRAY_SIZE(rdma_probe_ptrs));
	for (i = 0; i < ARRAY_SIZE(rdma_probes); i++)
		missed += rdma_probes[i].nmissed + rdma_probes[i].kp.nmissed;
	if (missed)
		pr_warn("%lu DMA API calls were missed while tracing real devices: their mappings and data are not in the traces\n",
			missed);
}

/* A device is traced from now on: its syncs are let through (6.11+). */
void pciem_rdma_arm(struct pciem_device *dev)
{
	if (dev->real)
		pciem_dma_unskip_sync(&pciem_real_pdev(dev)->dev);
}
