// SPDX-License-Identifier: GPL-2.0
/*
 * Watchpoints: hardware data breakpoints on registers of the driver's BAR
 * mappings.  Breakpoints are kept in step with the mappings by a work item
 * (registering one sleeps), run whenever a mapping of the device appears
 * or goes away and when a watchpoint is added.  Writes never execute on
 * the mapping (the write trap emulates them), so the trap reports those.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <linux/slab.h>

#include "pciem.h"

#define PCIEM_MAX_SNAPSHOT	16

static void wp_event(struct pciem_device *dev, unsigned int wp, u64 val, bool write,
		     unsigned long ip)
{
	const struct pciem_watchpoint *w = &dev->wps[wp];
	struct pciem_event ev;

	pciem_event_fill(&ev, PCIEM_EVENT_WATCHPOINT, w->bar, w->offset, w->width, val, ip);
	ev.flags = write ? PCIEM_EVENT_F_WRITE : 0;
	pciem_ring_push(dev, &ev);
}

static void wp_hit(struct perf_event *event, struct perf_sample_data *data,
		   struct pt_regs *regs)
{
	struct pciem_bp *bp = event->overflow_handler_context;
	struct pciem_device *dev = bp->dev;
	const struct pciem_watchpoint *w = &dev->wps[bp->wp];

	/* the mapping may be gone while its breakpoint waits to be removed */
	if (!pciem_trap_va_in_bar(dev, w->bar, bp->va))
		return;
	wp_event(dev, bp->wp, pciem_bar_read(dev, w->bar, w->offset, w->width), false,
		 instruction_pointer(regs));
}

void pciem_wp_check_access(struct pciem_device *dev, unsigned int bar, u64 off,
			   unsigned int size, u64 val, bool write, unsigned long ip)
{
	unsigned int i, n = READ_ONCE(dev->nwps);

	for (i = 0; i < n; i++) {
		const struct pciem_watchpoint *w = &dev->wps[i];

		if (w->bar == bar && off < w->offset + w->width && w->offset < off + size)
			wp_event(dev, i, pciem_bar_read(dev, bar, w->offset, w->width), write, ip);
	}
}

static int bp_len(u32 width)
{
	switch (width) {
	case 1: return HW_BREAKPOINT_LEN_1;
	case 2: return HW_BREAKPOINT_LEN_2;
	case 4: return HW_BREAKPOINT_LEN_4;
	default: return HW_BREAKPOINT_LEN_8;
	}
}

static void bp_free(struct pciem_bp *bp)
{
	list_del(&bp->node);
	unregister_wide_hw_breakpoint(bp->events);
	kfree(bp);
}

static bool bp_exists(struct pciem_device *dev, unsigned long va, unsigned int wp)
{
	struct pciem_bp *bp;

	list_for_each_entry(bp, &dev->bps, node)
		if (bp->va == va && bp->wp == wp)
			return true;
	return false;
}

/* Address of watchpoint @w in mapping @m, or 0 if @m does not cover it. */
static unsigned long wp_va(const struct pciem_watchpoint *w, const struct pciem_mapping *m)
{
	if (w->flags & PCIEM_WP_FLAG_BAR_MANUAL)
		return (w->vaddr >= m->va && w->vaddr - m->va < m->npages * PAGE_SIZE) ?
			w->vaddr : 0;
	if (m->bar != w->bar || w->offset < m->bar_off ||
	    w->offset - m->bar_off >= m->npages * PAGE_SIZE)
		return 0;
	return m->va + (w->offset - m->bar_off);
}

static void wp_sync(struct work_struct *work)
{
	struct pciem_device *dev = container_of(work, struct pciem_device, wp_work);
	struct pciem_mapping *maps;
	struct pciem_bp *bp, *tmp;
	int n, i;
	unsigned int w;

	maps = kcalloc(PCIEM_MAX_SNAPSHOT, sizeof(*maps), GFP_KERNEL);
	if (!maps)
		return;
	mutex_lock(&dev->wp_lock);
	n = min(pciem_trap_snapshot(dev, maps, PCIEM_MAX_SNAPSHOT), PCIEM_MAX_SNAPSHOT);

	/* drop breakpoints whose mapping is gone */
	list_for_each_entry_safe(bp, tmp, &dev->bps, node) {
		bool live = false;

		for (i = 0; i < n && !live; i++)
			live = wp_va(&dev->wps[bp->wp], &maps[i]) == bp->va;
		if (!live)
			bp_free(bp);
	}
	/* arm the missing ones */
	for (i = 0; i < n; i++) {
		for (w = 0; w < dev->nwps; w++) {
			struct perf_event_attr attr;
			unsigned long va = wp_va(&dev->wps[w], &maps[i]);

			if (!va || bp_exists(dev, va, w))
				continue;
			bp = kzalloc(sizeof(*bp), GFP_KERNEL);
			if (!bp)
				break;
			bp->va = va;
			bp->wp = w;
			bp->dev = dev;
			hw_breakpoint_init(&attr);
			attr.bp_addr = va;
			attr.bp_len = bp_len(dev->wps[w].width);
			attr.bp_type = HW_BREAKPOINT_RW;
			bp->events = register_wide_hw_breakpoint(&attr, wp_hit, bp);
			if (IS_ERR((void __force *)bp->events)) {
				pr_warn_ratelimited("device %d: cannot arm watchpoint %u at %#lx (%ld): no free debug register?\n",
						    dev->id, w, va, PTR_ERR((void __force *)bp->events));
				kfree(bp);
				continue;
			}
			list_add(&bp->node, &dev->bps);
		}
	}
	mutex_unlock(&dev->wp_lock);
	kfree(maps);
}

void pciem_wp_init(struct pciem_device *dev)
{
	mutex_init(&dev->wp_lock);
	INIT_LIST_HEAD(&dev->bps);
	INIT_WORK(&dev->wp_work, wp_sync);
}

void pciem_wp_release(struct pciem_device *dev)
{
	struct pciem_bp *bp, *tmp;

	cancel_work_sync(&dev->wp_work);
	mutex_lock(&dev->wp_lock);
	list_for_each_entry_safe(bp, tmp, &dev->bps, node)
		bp_free(bp);
	mutex_unlock(&dev->wp_lock);
}

int pciem_wp_add(struct pciem_device *dev, const struct pciem_watchpoint_config *c)
{
	const struct pciem_bar *b;
	u32 kind = c->flags & (PCIEM_WP_FLAG_BAR_KPROBES | PCIEM_WP_FLAG_BAR_MANUAL);

	if (c->reserved[0] || c->reserved[1] || c->bar_index >= PCIEM_NUM_BARS)
		return -EINVAL;
	if ((c->flags & ~kind) || (kind != PCIEM_WP_FLAG_BAR_KPROBES &&
				    kind != PCIEM_WP_FLAG_BAR_MANUAL))
		return -EINVAL;
	if (c->width != 1 && c->width != 2 && c->width != 4 && c->width != 8)
		return -EINVAL;
	b = &dev->bars[c->bar_index];
	if (!b->present || b->upper || c->offset % c->width ||
	    (u64)c->offset + c->width > b->size)
		return -EINVAL;
	if (kind == PCIEM_WP_FLAG_BAR_KPROBES ? c->vaddr != 0 :
	    (c->vaddr % c->width || !pciem_trap_va_in_bar(dev, c->bar_index, c->vaddr)))
		return -EINVAL;

	mutex_lock(&dev->wp_lock);
	if (dev->nwps == PCIEM_MAX_WATCHPOINTS) {
		mutex_unlock(&dev->wp_lock);
		return -ENOSPC;
	}
	dev->wps[dev->nwps] = (struct pciem_watchpoint) {
		.bar = c->bar_index, .offset = c->offset, .width = c->width,
		.flags = c->flags, .vaddr = c->vaddr,
	};
	/* the entry is complete before readers can see it */
	smp_store_release(&dev->nwps, dev->nwps + 1);
	mutex_unlock(&dev->wp_lock);
	schedule_work(&dev->wp_work);
	return 0;
}
