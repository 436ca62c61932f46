// SPDX-License-Identifier: GPL-2.0
/*
 * DMA for device models: PCIem is its devices' DMA layer and IOMMU.
 *
 * A PCIem device gets dma_map_ops of PCIem's own (set before any driver
 * probes).  They hand the driver bus addresses from a window of the
 * device's own, first fit, so that a driver that repeats its mappings gets
 * the same addresses; no real device ever sees them, so nothing needs
 * bouncing, and an address outside a live mapping is invalid by
 * construction.  Every mapping is kept (coherent allocations, streaming
 * pages and scatter-list entries), with the kernel address of its memory
 * and the directions it allows; PCIEM_IOCTL_DMA moves the model's data
 * only inside one of them.
 *
 * The ops may be called in any context but NMI (drivers map buffers in
 * their interrupt handlers), so the mappings are under a spinlock taken
 * with interrupts off; a model's transfer copies at most a chunk under it.
 *
 * Everything is traced (PCIEM_EVENT_DMA_*): mappings made and ended, syncs,
 * and the bytes of every model transfer, refusals included.  The events are
 * pushed under the mappings' lock, so the one event order is the order in
 * which mappings and transfers really met (no transfer appears after the
 * unmap that ended its mapping).
 *
 * Why per-device ops rather than watching the DMA API: they see every call
 * (the inline wrappers end in them), they decide the addresses, and they
 * need nothing the kernel does not export.  x86 has dev->dma_ops only when
 * an IOMMU driver that uses it is built in (GART on Debian's kernels, and
 * in the debug kernel's config); elsewhere PCIEM_IOCTL_DMA says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-map-ops.h>
#include <linux/highmem.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/rbtree.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "pciem.h"
#include "pciem_compat.h"

/*
 * @n bytes at @buf that crossed bus address @addr (DMA_READ or DMA_WRITE
 * @type), as events of at most PCIEM_TRACE_DMA_PIECE bytes each, in
 * address order, all with @flags, and PCIEM_EVENT_F_SAME_INSN on all but
 * the first (which has it only if @flags does: a continuation).  Any
 * context; the caller serialises it with the mappings' changes.
 */
void pciem_dma_data_event(struct pciem_device *dev, u32 type, u64 addr, const void *buf,
			  u64 n, u32 flags)
{
	struct pciem_event ev;
	u64 off;
	u32 len;

	if (!pciem_traced(dev))
		return;
	for (off = 0; off < n; off += len) {
		len = min_t(u64, n - off, PCIEM_TRACE_DMA_PIECE);
		pciem_event_fill(&ev, type, 0, addr + off, 0, len, 0);
		ev.flags = flags | (off ? PCIEM_EVENT_F_SAME_INSN : 0);
		pciem_ring_push_data(dev, &ev, buf + off, len);
	}
}

/* The range holding bus address @addr in @root, NULL if none. */
struct pciem_dma_range *pciem_dma_range_find(const struct rb_root *root, u64 addr)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct pciem_dma_range *r = rb_entry(n, struct pciem_dma_range, node);

		if (addr < r->addr)
			n = n->rb_left;
		else if (addr - r->addr >= r->size)
			n = n->rb_right;
		else
			return r;
	}
	return NULL;
}

void pciem_dma_range_insert(struct rb_root *root, struct pciem_dma_range *r)
{
	struct rb_node **p = &root->rb_node, *parent = NULL;

	while (*p) {
		parent = *p;
		if (r->addr < rb_entry(parent, struct pciem_dma_range, node)->addr)
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&r->node, parent, p);
	rb_insert_color(&r->node, root);
}

/*
 * A DMA_MAP, DMA_UNMAP or DMA_SYNC event: bus range [@addr, @addr + @size),
 * direction @dir (PCIEM_DMA_DIR_*), @flags, the driver's call site @ip.
 */
void pciem_dma_ctl_event(struct pciem_device *dev, u32 type, u64 addr, u64 size, u32 dir,
			 u32 flags, unsigned long ip)
{
	struct pciem_event ev;

	pciem_event_fill(&ev, type, dir, addr, 0, size, ip);
	ev.flags = flags;
	pciem_ring_push(dev, &ev);
}

/* The bus address window: 1 GiB at 2 GiB, under any 32-bit mask. */
#define DMA_WINDOW_BASE		0x80000000ULL
#define DMA_WINDOW_PAGES	(1UL << (30 - PAGE_SHIFT))
/* What one transfer copies under the lock. */
#define DMA_CHUNK		(16 * PAGE_SIZE)

struct pciem_dma_map {
	struct pciem_dma_range r;	/* its bus addresses */
	unsigned long first_page;	/* in the window, if @windowed */
	unsigned long npages;
	bool windowed;			/* its pages are taken in the window */
	struct pciem_dma_rmap rm;	/* its memory, direction and kind (also a
					 * replay's view of it) */
};

struct pciem_dma_state {
	spinlock_t lock;
	struct rb_root maps;
	unsigned long *window;		/* one bit per page in use */
	unsigned long nmaps;
};

#ifdef PCIEM_HAVE_DMA_OPS

static struct pciem_device *dma_dev(struct device *d)
{
	return pciem_bus_to_dev(to_pci_dev(d)->bus);
}

static struct pciem_dma_map *map_find(struct pciem_dma_state *s, u64 addr)
{
	struct pciem_dma_range *r = pciem_dma_range_find(&s->maps, addr);

	return r ? container_of(r, struct pciem_dma_map, r) : NULL;
}

static void map_insert(struct pciem_dma_state *s, struct pciem_dma_map *m)
{
	pciem_dma_range_insert(&s->maps, &m->r);
	s->nmaps++;
}

/*
 * The driver's call site: the first return address outside PCIem and
 * outside the DMA API's own functions (dma_*, __dma_*, dmam_*: the mapping
 * calls, dma_pool, the managed variants).  Only when someone traces.
 */
static unsigned long dma_caller(void)
{
	char name[KSYM_SYMBOL_LEN];
	unsigned long ips[16];
	unsigned int n, i;

	n = stack_trace_save(ips, ARRAY_SIZE(ips), 1);
	for (i = 0; i < n; i++) {
		if (within_module(ips[i], THIS_MODULE))
			continue;
		sprint_symbol_no_offset(name, ips[i]);
		if (strncmp(name, "dma_", 4) && strncmp(name, "__dma_", 6) &&
		    strncmp(name, "dmam_", 5))
			return ips[i];
	}
	return n ? ips[n - 1] : 0;
}

/* A DMA_MAP, DMA_UNMAP or DMA_SYNC event; under s->lock (see the top). */
static void dma_event(struct pciem_device *dev, u32 type, u64 addr, u64 size,
		      enum dma_data_direction dir, u32 flags)
{
	/* the call site's stack walk only when someone listens */
	if (pciem_traced(dev))
		pciem_dma_ctl_event(dev, type, addr, size, dir, flags, dma_caller());
}

static void map_free(struct pciem_dma_map *m)
{
	if (m) {
		kfree(m->rm.ids);
		kvfree(m->rm.shadow);
	}
	kfree(m);
}

static void map_event(struct pciem_device *dev, u32 type, const struct pciem_dma_map *m)
{
	dma_event(dev, type, m->r.addr, m->r.size, m->rm.dir,
		  m->rm.coherent ? PCIEM_EVENT_F_DMA_COHERENT : 0);
}

static void xfer_event(struct pciem_device *dev, bool to_host, u64 addr, const u8 *buf,
		       u32 n, bool first)
{
	pciem_dma_data_event(dev, to_host ? PCIEM_EVENT_DMA_WRITE : PCIEM_EVENT_DMA_READ,
			     addr, buf, n, first ? 0 : PCIEM_EVENT_F_SAME_INSN);
}

/* A refused transfer (no bytes follow).  Under s->lock. */
static void fault_event(struct pciem_device *dev, bool to_host, u64 addr, u64 len)
{
	struct pciem_event ev;

	if (!pciem_traced(dev))
		return;
	pciem_event_fill(&ev, to_host ? PCIEM_EVENT_DMA_WRITE : PCIEM_EVENT_DMA_READ,
			 0, addr, 0, len, 0);
	ev.flags = PCIEM_EVENT_F_DMA_FAULT;
	pciem_ring_push(dev, &ev);
}

/* Does [@addr, @addr + @size) meet a live mapping?  Under s->lock. */
static bool range_busy(const struct rb_root *root, u64 addr, u64 size)
{
	struct rb_node *n = root->rb_node;

	/* the ranges are disjoint, so their ends are in the order of their starts */
	while (n) {
		struct pciem_dma_range *r = rb_entry(n, struct pciem_dma_range, node);

		if (addr + size <= r->addr)
			n = n->rb_left;
		else if (r->addr + r->size <= addr)
			n = n->rb_right;
		else
			return true;
	}
	return false;
}

/*
 * Gives @m the first free pages of the window that no mapping placed at a
 * recorded address (a replay's) overlaps.  Under s->lock; false if full.
 */
static bool window_place(struct pciem_dma_state *s, struct pciem_dma_map *m)
{
	unsigned long off = offset_in_page(m->rm.cpu), first, start = 0;

	for (;;) {
		first = bitmap_find_next_zero_area(s->window, DMA_WINDOW_PAGES, start,
						   m->npages, 0);
		if (first >= DMA_WINDOW_PAGES)
			return false;
		m->r.addr = DMA_WINDOW_BASE + ((u64)first << PAGE_SHIFT) + off;
		if (!range_busy(&s->maps, m->r.addr, m->r.size))
			break;
		start = first + 1;
	}
	bitmap_set(s->window, first, m->npages);
	m->first_page = first;
	m->windowed = true;
	return true;
}

/*
 * A replay matched the mapping being made (map_new()) with a recorded one
 * at bus address @want: it gets that address if no live mapping overlaps
 * it there, else a window address.  Under s->lock, held by map_new();
 * false when the window is full too.
 */
bool pciem_dma_place(struct pciem_device *dev, struct pciem_dma_rmap *r, u64 want)
{
	struct pciem_dma_map *m = container_of(r, struct pciem_dma_map, rm);
	struct pciem_dma_state *s = dev->dma;

	if (want && want + m->r.size > want && want != DMA_MAPPING_ERROR &&
	    !range_busy(&s->maps, want, m->r.size)) {
		m->r.addr = want;
		m->windowed = false;
	} else if (!window_place(s, m)) {
		return false;
	}
	r->live = m->r.addr;
	return true;
}

/*
 * A new mapping of @size bytes at @cpu (its offset in the page kept in
 * the bus address), or DMA_MAPPING_ERROR.  During a replay the replay
 * places it (pciem_replay_dma_map()).
 */
static dma_addr_t map_new(struct device *d, void *cpu, size_t size,
			  enum dma_data_direction dir, bool coherent, gfp_t gfp)
{
	struct pciem_device *dev = dma_dev(d);
	struct pciem_dma_state *s = dev->dma;
	unsigned long off = offset_in_page(cpu), flags;
	struct pciem_dma_map *m;
	bool placed = false;

	if (!s || !size)
		return DMA_MAPPING_ERROR;
	m = kzalloc(sizeof(*m), gfpflags_allow_blocking(gfp) ? GFP_KERNEL : GFP_ATOMIC);
	if (!m)
		return DMA_MAPPING_ERROR;
	m->npages = PAGE_ALIGN(off + size) >> PAGE_SHIFT;
	m->r.size = size;
	m->rm.cpu = cpu;
	m->rm.size = size;
	m->rm.dir = dir;
	m->rm.coherent = coherent;
	/* a replay's identifier rules keep recorded values per entry */
	m->rm.nids = pciem_replay_dma_slots(dev, size);
	if (m->rm.nids) {
		m->rm.ids = kcalloc(m->rm.nids, sizeof(*m->rm.ids),
				    gfpflags_allow_blocking(gfp) ? GFP_KERNEL : GFP_ATOMIC);
		if (!m->rm.ids)
			m->rm.nids = 0;
	}
	/* a replay of a real device tells the driver's changes of coherent
	 * memory from the device's by a copy (pciem_replay.c) */
	if (coherent && pciem_replay_has_dma(dev)) {
		m->rm.shadow = gfpflags_allow_blocking(gfp) ? kvmalloc(size, GFP_KERNEL) :
			       kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);
		if (m->rm.shadow)
			memcpy(m->rm.shadow, cpu, size);
	}
	spin_lock_irqsave(&s->lock, flags);
	/* a replay places a mapping it matched, and emits its event */
	if (pciem_replay_has_dma(dev))
		placed = pciem_replay_dma_map(dev, &m->rm, size, dma_caller());
	if (!placed && !window_place(s, m)) {
		spin_unlock_irqrestore(&s->lock, flags);
		map_free(m);
		return DMA_MAPPING_ERROR;
	}
	map_insert(s, m);
	if (!placed)
		map_event(dev, PCIEM_EVENT_DMA_MAP, m);
	spin_unlock_irqrestore(&s->lock, flags);
	return m->r.addr;
}

/* Forgets the mapping at @addr; its kernel address, or NULL if none. */
static void *map_drop(struct device *d, dma_addr_t addr)
{
	struct pciem_device *dev = dma_dev(d);
	struct pciem_dma_state *s = dev->dma;
	struct pciem_dma_map *m;
	unsigned long flags;
	void *cpu = NULL;

	if (!s)
		return NULL;
	spin_lock_irqsave(&s->lock, flags);
	m = map_find(s, addr);
	if (m && m->r.addr == addr) {
		rb_erase(&m->r.node, &s->maps);
		s->nmaps--;
		if (m->windowed)
			bitmap_clear(s->window, m->first_page, m->npages);
		cpu = m->rm.cpu;
		/* a replay matches the unmap and emits its event */
		if (pciem_replay_has_dma(dev))
			pciem_replay_dma_unmap(dev, &m->rm, dma_caller());
		else
			map_event(dev, PCIEM_EVENT_DMA_UNMAP, m);
	} else {
		m = NULL;
	}
	spin_unlock_irqrestore(&s->lock, flags);
	if (!m)
		dev_warn_ratelimited(d, "pciem: DMA unmap of %pad, which is not mapped\n", &addr);
	map_free(m);
	return cpu;
}

static void *op_alloc(struct device *d, size_t size, dma_addr_t *handle, gfp_t gfp,
		       unsigned long attrs)
{
	struct page *page = alloc_pages_node(dev_to_node(d), gfp | __GFP_ZERO, get_order(size));
	void *cpu;

	if (!page)
		return NULL;
	cpu = page_address(page);
	*handle = map_new(d, cpu, size, DMA_BIDIRECTIONAL, true, gfp);
	if (*handle == DMA_MAPPING_ERROR) {
		__free_pages(page, get_order(size));
		return NULL;
	}
	return cpu;
}

static void op_free(struct device *d, size_t size, void *cpu, dma_addr_t handle,
		     unsigned long attrs)
{
	if (map_drop(d, handle) == cpu)
		__free_pages(virt_to_page(cpu), get_order(size));
}

static dma_addr_t op_map_page(struct device *d, struct page *page, unsigned long off,
			       size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	return map_new(d, page_address(page) + off, size, dir, false, GFP_ATOMIC);
}

static void op_unmap_page(struct device *d, dma_addr_t handle, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
	map_drop(d, handle);
}

static void op_unmap_sg(struct device *d, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		map_drop(d, sg_dma_address(sg));
}

static int op_map_sg(struct device *d, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg_dma_address(sg) = map_new(d, sg_virt(sg), sg->length, dir, false, GFP_ATOMIC);
		sg_dma_len(sg) = sg->length;
		if (sg_dma_address(sg) == DMA_MAPPING_ERROR) {
			op_unmap_sg(d, sgl, i, dir, attrs);
			return -ENOMEM;
		}
	}
	return nents;
}

/*
 * The CPU and the device see the same memory on x86: syncs move nothing,
 * but they are where ownership passes, so they are traced.
 */
static void sync_event(struct device *d, dma_addr_t handle, size_t size,
		       enum dma_data_direction dir, u32 flags)
{
	struct pciem_device *dev = dma_dev(d);
	struct pciem_dma_state *s = dev->dma;
	unsigned long irqflags;

	if (!s || (!pciem_traced(dev) && !pciem_replay_has_dma(dev)))
		return;
	spin_lock_irqsave(&s->lock, irqflags);
	if (pciem_replay_has_dma(dev)) {
		struct pciem_dma_map *m = map_find(s, handle);

		pciem_replay_dma_sync(dev, m ? &m->rm : NULL, handle, size, dir, flags,
				      dma_caller());
	}
	else
		dma_event(dev, PCIEM_EVENT_DMA_SYNC, handle, size, dir, flags);
	spin_unlock_irqrestore(&s->lock, irqflags);
}

static void op_sync_for_cpu(struct device *d, dma_addr_t handle, size_t size,
			    enum dma_data_direction dir)
{
	sync_event(d, handle, size, dir, 0);
}

static void op_sync_for_device(struct device *d, dma_addr_t handle, size_t size,
			       enum dma_data_direction dir)
{
	sync_event(d, handle, size, dir, PCIEM_EVENT_F_DMA_FOR_DEVICE);
}

static void op_sg_for_cpu(struct device *d, struct scatterlist *sgl, int nents,
			  enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		sync_event(d, sg_dma_address(sg), sg_dma_len(sg), dir, 0);
}

static void op_sg_for_device(struct device *d, struct scatterlist *sgl, int nents,
			     enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		sync_event(d, sg_dma_address(sg), sg_dma_len(sg), dir,
			   PCIEM_EVENT_F_DMA_FOR_DEVICE);
}

static struct page *op_alloc_pages(struct device *d, size_t size, dma_addr_t *handle,
				    enum dma_data_direction dir, gfp_t gfp)
{
	struct page *page = alloc_pages_node(dev_to_node(d), gfp, get_order(size));

	if (!page)
		return NULL;
	*handle = map_new(d, page_address(page), size, dir, false, gfp);
	if (*handle == DMA_MAPPING_ERROR) {
		__free_pages(page, get_order(size));
		return NULL;
	}
	return page;
}

static void op_free_pages(struct device *d, size_t size, struct page *page,
			   dma_addr_t handle, enum dma_data_direction dir)
{
	if (map_drop(d, handle) == page_address(page))
		__free_pages(page, get_order(size));
}

static int op_mmap(struct device *d, struct vm_area_struct *vma, void *cpu,
		    dma_addr_t handle, size_t size, unsigned long attrs)
{
	unsigned long pages = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -ENXIO;
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(virt_to_page(cpu)) + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int op_get_sgtable(struct device *d, struct sg_table *sgt, void *cpu,
			   dma_addr_t handle, size_t size, unsigned long attrs)
{
	int ret = sg_alloc_table(sgt, 1, GFP_KERNEL);

	if (!ret)
		sg_set_page(sgt->sgl, virt_to_page(cpu), PAGE_ALIGN(size), 0);
	return ret;
}

static int op_supported(struct device *d, u64 mask)
{
	return mask >= DMA_WINDOW_BASE + ((u64)DMA_WINDOW_PAGES << PAGE_SHIFT) - 1;
}

static const struct dma_map_ops pciem_dma_ops = {
	.alloc = op_alloc,
	.free = op_free,
	.map_page = op_map_page,
	.unmap_page = op_unmap_page,
	.map_sg = op_map_sg,
	.unmap_sg = op_unmap_sg,
	.sync_single_for_cpu = op_sync_for_cpu,
	.sync_single_for_device = op_sync_for_device,
	.sync_sg_for_cpu = op_sg_for_cpu,
	.sync_sg_for_device = op_sg_for_device,
	PCIEM_DMA_OPS_ALLOC_PAGES(op_alloc_pages),
	.free_pages = op_free_pages,
	.mmap = op_mmap,
	.get_sgtable = op_get_sgtable,
	.dma_supported = op_supported,
};

/* REGISTER, once the device is scanned and before any driver probes it. */
int pciem_dma_attach(struct pciem_device *dev)
{
	struct pciem_dma_state *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->window = bitmap_zalloc(DMA_WINDOW_PAGES, GFP_KERNEL);
	if (!s->window) {
		kfree(s);
		return -ENOMEM;
	}
	spin_lock_init(&s->lock);
	s->maps = RB_ROOT;
	dev->dma = s;
	set_dma_ops(&dev->pdev->dev, &pciem_dma_ops);
	return 0;
}

/*
 * The driver has let go of the device (after its remove() and its devres
 * release): a mapping left is its leak, reported.  The next driver's
 * mappings go elsewhere in the window.
 */
void pciem_dma_unbound(struct pciem_device *dev)
{
	struct pciem_dma_state *s = dev->dma;

	if (s && READ_ONCE(s->nmaps))
		pr_warn("device %d: its driver left %lu DMA mappings\n", dev->id,
			READ_ONCE(s->nmaps));
}

/* The device is gone: the mappings' records go, their memory stays. */
void pciem_dma_free(struct pciem_device *dev)
{
	struct pciem_dma_state *s = dev->dma;
	struct rb_node *n;

	if (!s)
		return;
	while ((n = rb_first(&s->maps))) {
		rb_erase(n, &s->maps);
		map_free(rb_entry(n, struct pciem_dma_map, r.node));
	}
	bitmap_free(s->window);
	kfree(s);
	dev->dma = NULL;
}

static bool dir_allows(const struct pciem_dma_map *m, bool to_host)
{
	if (m->rm.coherent || m->rm.dir == DMA_BIDIRECTIONAL)
		return true;
	return m->rm.dir == (to_host ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
}

/*
 * Does [@addr, @addr + @n) lie in one live mapping that lets the device
 * move data that way?  Under s->lock; the mapping, or NULL.
 */
static struct pciem_dma_map *xfer_map(struct pciem_dma_state *s, u64 addr, u64 n, bool to_host)
{
	struct pciem_dma_map *m = map_find(s, addr);

	return m && n <= m->r.size - (addr - m->r.addr) && dir_allows(m, to_host) ? m : NULL;
}

/*
 * PCIEM_IOCTL_DMA, in process context (the caller checked the arguments).
 * The whole range is checked first, so a transfer that would leave its
 * mapping moves nothing; each chunk is checked again as it is copied, so
 * a mapping the driver ends meanwhile gets no more of it.
 */
int pciem_dma_xfer(struct pciem_device *dev, const struct pciem_dma *d)
{
	bool to_host = d->flags & PCIEM_DMA_TO_HOST;
	u8 __user *user = u64_to_user_ptr(d->user_addr);
	struct pciem_dma_state *s = dev->dma;
	unsigned long flags;
	u64 done = 0;
	u8 *bounce;
	bool ok;
	int ret = 0;

	if (!s || get_dma_ops(&dev->pdev->dev) != &pciem_dma_ops)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&s->lock, flags);
	ok = xfer_map(s, d->bus_addr, d->len, to_host);
	if (!ok)
		fault_event(dev, to_host, d->bus_addr, d->len);
	spin_unlock_irqrestore(&s->lock, flags);
	if (!ok)
		goto refused;
	bounce = kmalloc(DMA_CHUNK, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	while (done < d->len) {
		u32 n = min_t(u64, d->len - done, DMA_CHUNK);
		u64 addr = d->bus_addr + done;
		struct pciem_dma_map *m;

		if (to_host && copy_from_user(bounce, user + done, n)) {
			ret = -EFAULT;
			break;
		}
		spin_lock_irqsave(&s->lock, flags);
		m = xfer_map(s, addr, n, to_host);
		if (m && to_host)
			memcpy(m->rm.cpu + (addr - m->r.addr), bounce, n);
		else if (m)
			memcpy(bounce, m->rm.cpu + (addr - m->r.addr), n);
		if (m)
			xfer_event(dev, to_host, addr, bounce, n, !done);
		else
			fault_event(dev, to_host, addr, d->len - done);
		spin_unlock_irqrestore(&s->lock, flags);
		if (!m) {
			ret = -EFAULT;		/* unmapped meanwhile */
			break;
		}
		if (!to_host && copy_to_user(user + done, bounce, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
	}
	kfree(bounce);
	return ret;

refused:
	pr_warn_ratelimited("device %d: model DMA %s %#llx+%u outside the driver's mappings or against their direction: refused\n",
			    dev->id, to_host ? "to" : "from", d->bus_addr, d->len);
	return -EFAULT;
}

#else /* !PCIEM_HAVE_DMA_OPS */

bool pciem_dma_place(struct pciem_device *dev, struct pciem_dma_rmap *r, u64 want)
{
	return false;
}

int pciem_dma_attach(struct pciem_device *dev)
{
	return 0;
}

void pciem_dma_unbound(struct pciem_device *dev)
{
}

void pciem_dma_free(struct pciem_device *dev)
{
}

int pciem_dma_xfer(struct pciem_device *dev, const struct pciem_dma *d)
{
	return -EOPNOTSUPP;
}

#endif
