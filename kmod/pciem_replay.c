// SPDX-License-Identifier: GPL-2.0
/*
 * Replay: the device answers its driver from a recorded event sequence
 * instead of a device model (semantics in the ABI header).
 *
 * The replayer streams the sequence into a FIFO of recorded events; the
 * replay's cursor (@cur) is the oldest event not yet passed, @tail the next
 * free slot, so that [cur, tail) is what the FIFO holds and the room is
 * what the cursor has freed.  The fault handler (pciem_trap.c) and the
 * config write path (pciem_cfg.c, under the PCI core's config lock) match
 * the driver's accesses against it under @lock, a raw spinlock taken with
 * interrupts off; so do the lifecycle hook, the timer of timed interrupts
 * and REPLAY_FEED.  The access's event goes to the model ring and the
 * recorders inside the same critical section, so a recorder of a replay
 * sees the accesses in the order they were matched.  Nothing here sleeps
 * except the ioctls, read() and teardown.
 *
 * Lock order: @lock, then the device's ring lock.  Interrupts are raised
 * from an irq_work (pciem_irq_inject() is not for the fault handler's
 * context), the feeder is woken from another.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/uaccess.h>
#include <linux/log2.h>
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/rbtree.h>

#include "pciem.h"

#define FEED_CHUNK	128		/* events copied from userspace at a time */
#define IRQ_QUEUE	64		/* interrupts waiting for the irq_work */
#define MAP_BYTES_AFTER	8		/* a map's bytes are this close after it */
#define REG_BITS	8		/* per-register history: 256 entries */
#define SPACE_CFG	PCIEM_NUM_BARS	/* register space of config accesses */
/*
 * The DMA API calls as "registers" (see matches() and MATCH_REGISTER): maps
 * have one per shape (size, direction, coherence), unmaps and syncs one per
 * recorded bus address they name.
 */
#define SPACE_DMA_MAP	(PCIEM_NUM_BARS + 1)
#define SPACE_DMA_USE	(PCIEM_NUM_BARS + 2)
#define DIV_BYTES	64		/* bytes of a DMA difference reported */

/* What an event of the sequence is to the replay. */
enum rclass {
	RC_PASS,	/* passed over */
	RC_MARKER,	/* waited at until the device emits it, or an access */
	RC_HOLD,	/* an MSI-X table or PBA access: waited at until an access */
	RC_IRQ,		/* injected */
	RC_ACCESS,	/* matched against the driver's access */
	RC_DMA,		/* the device's DMA: performed (write) or checked (read) */
};

/* An access the driver made. */
struct access {
	u32 type;	/* PCIEM_EVENT_MMIO_READ, _MMIO_WRITE, _CONFIG_WRITE, or a
			 * DMA API call: _DMA_MAP, _DMA_UNMAP, _DMA_SYNC */
	u32 space;	/* BAR index, SPACE_CFG, SPACE_DMA_MAP or SPACE_DMA_USE */
	u64 off;	/* a DMA call: its key (ev_off()) */
	u32 size;	/* a DMA call: its direction (PCIEM_DMA_DIR_*) */
	u64 data;	/* the value written; a DMA call: its size */
	u64 addr;	/* a DMA unmap or sync: the bus address it names */
	u32 flags;	/* a DMA call: its event's flags */
	u32 cpu;	/* a DMA map: the CPU it is made on */
	unsigned long ip;
};

/* A register's last matched access: for polling runs. */
struct reg_last {
	bool valid, read;
	u32 space, size;
	u64 off, data;
};

enum result {
	R_ANSWER,	/* matched (or tolerated): the value comes from the sequence */
	R_DEAD,		/* not replayed: reads return all-ones, writes are ignored */
	R_NEED_FEED,	/* the answer may be in events not fed yet */
};

struct pciem_replay {
	raw_spinlock_t lock;
	struct pciem_device *dev;
	u32 match, on_div, timing, flags, window;
	u64 wait_ns;

	struct pciem_event *fifo;
	unsigned long *done;		/* per slot: handled before the cursor got there */
	u32 size;			/* slots, a power of two */
	u64 cur, tail, fed;
	bool ended, live, closing;
	bool starved;			/* a wait for the feed timed out at tail */
	u64 starved_tail;
	u32 state;

	u64 left, matched, irqs, irq_errors, passed_over;
	u64 polls_extra, polls_skipped, skipped, divergences, div_dropped;
	struct pciem_replay_divergence first;

	struct reg_last last;		/* the last access matched */
	struct reg_last *regs;		/* per register (MATCH_REGISTER) */

	u64 last_ts;			/* recorded time of the last event passed */
	bool have_ts;
	u32 prev_irq;			/* 1 + vector of a delivered IRQ just passed */
	u64 timer_pos;			/* the IRQ the timer is armed for, or U64_MAX */
	u64 timer_delay;		/* for timer_work to start it with */
	struct hrtimer timer;
	struct irq_work timer_work;	/* starts it out of the fault path */

	u16 irq_q[IRQ_QUEUE];		/* vectors: below PCIEM_MSIX_MAX_VECTORS */
	unsigned int irq_head, irq_tail;
	struct irq_work irq_work;

	/* DMA: the driver's live mappings by recorded address (struct
	 * pciem_dma_rmap), how many were not placed at it, the mapping being
	 * made while its DMA_MAP is matched, and the events' bytes: a byte
	 * FIFO [pay_head, pay_tail) and, per slot, where its bytes end */
	u32 dma_check;
	bool hold;			/* transfers wait: the access's event is not out yet */
	struct rb_root rmaps;
	unsigned int moved;
	struct pciem_dma_rmap *making;
	u8 *pay;
	u64 pay_size, pay_head, pay_tail;
	u64 *pend;
	u8 pbuf[PCIEM_TRACE_DMA_PIECE];
	u64 dma_written, dma_compared;
	/* DMA rules, and per identifier space the driver's identifier for
	 * each recorded one (ID_KNOWN | identifier; 0: none given yet) */
	struct pciem_replay_dma_rule rules[PCIEM_REPLAY_MAX_RULES];
	u32 nrules;
	u32 *idmap[PCIEM_REPLAY_MAX_IDS];

	struct pciem_replay_divergence divq[PCIEM_REPLAY_DIV_QUEUE];
	unsigned int div_head, div_tail;	/* free-running */
	struct mutex read_lock;
	wait_queue_head_t wq;
	struct irq_work wake_work;
	struct pciem_kick kick;		/* wake_work from another CPU */
};

static struct pciem_event *slot(struct pciem_replay *rp, u64 i)
{
	return &rp->fifo[i & (rp->size - 1)];
}

static bool is_done(struct pciem_replay *rp, u64 i)
{
	return test_bit(i & (rp->size - 1), rp->done);
}

static void set_done(struct pciem_replay *rp, u64 i)
{
	__set_bit(i & (rp->size - 1), rp->done);
}

static bool stopped(const struct pciem_replay *rp)
{
	return rp->closing || rp->state == PCIEM_REPLAY_DIVERGED ||
	       rp->state == PCIEM_REPLAY_OVERRUN;
}

static u64 ones(u32 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static bool dma_call(u32 type)
{
	return type == PCIEM_EVENT_DMA_MAP || type == PCIEM_EVENT_DMA_UNMAP ||
	       type == PCIEM_EVENT_DMA_SYNC;
}

static bool dma_data(u32 type)
{
	return type == PCIEM_EVENT_DMA_READ || type == PCIEM_EVENT_DMA_WRITE;
}

/* The bytes fed with @e: a DMA transfer's (not a refused one's), else 0. */
static u32 ev_bytes(const struct pciem_event *e)
{
	return dma_data(e->type) && !(e->flags & PCIEM_EVENT_F_DMA_FAULT) ? e->data : 0;
}

static u32 ev_space(const struct pciem_event *e)
{
	if (dma_call(e->type))
		return e->type == PCIEM_EVENT_DMA_MAP ? SPACE_DMA_MAP : SPACE_DMA_USE;
	return e->type == PCIEM_EVENT_CONFIG_WRITE || e->type == PCIEM_EVENT_CONFIG_READ ?
	       SPACE_CFG : e->bar;
}

/* A map's key: its shape. */
static u64 map_key(u32 dir, bool coherent, u64 size)
{
	return size << 3 | (u64)dir << 1 | coherent;
}

/*
 * The register offset of @e; a DMA call's key: a map's shape, the recorded
 * bus address an unmap or sync names.
 */
static u64 ev_off(const struct pciem_event *e)
{
	if (e->type == PCIEM_EVENT_DMA_MAP)
		return map_key(e->bar, e->flags & PCIEM_EVENT_F_DMA_COHERENT, e->data);
	return e->offset;
}

/*
 * Is this MMIO access in the MSI-X table or PBA?  Those are the kernel's
 * (pciem_irq.c), emulated during a replay as in a recording, and never
 * matched: the PCI core fills the table with the machine's message
 * addresses and data, in an order that depends on the kernel, and a real
 * device's trace has none of the core's accesses (the core maps the table
 * itself, untraced).
 */
static bool in_msix(const struct pciem_device *dev, u32 bar, u64 off, u32 size)
{
	return dev->msix_off && pciem_msix_range(dev, bar, off, size);
}

static enum rclass classify(const struct pciem_replay *rp, const struct pciem_event *e)
{
	switch (e->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
		return in_msix(rp->dev, e->bar, e->offset, e->size) ? RC_HOLD : RC_ACCESS;
	case PCIEM_EVENT_CONFIG_WRITE:
		return (rp->flags & PCIEM_REPLAY_F_CONFIG_WRITES) &&
		       !(e->flags & PCIEM_EVENT_F_HEADER) &&
		       pciem_cfg_plain(rp->dev, e->offset, e->size) ? RC_ACCESS : RC_PASS;
	case PCIEM_EVENT_IRQ:
		return (e->flags & PCIEM_EVENT_F_DEFERRED) ? RC_PASS : RC_IRQ;
	case PCIEM_EVENT_LIFECYCLE:
		return RC_MARKER;
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
	case PCIEM_EVENT_DMA_SYNC:
		return (rp->flags & PCIEM_REPLAY_F_DMA) ? RC_ACCESS : RC_PASS;
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE:
		return (rp->flags & PCIEM_REPLAY_F_DMA) && ev_bytes(e) ? RC_DMA : RC_PASS;
	default:
		return RC_PASS;
	}
}

/* ---- the driver's mappings ------------------------------------------------ */

/* The live mapping holding recorded bus address @addr, or NULL. */
static struct pciem_dma_rmap *rmap_find(struct pciem_replay *rp, u64 addr)
{
	struct pciem_dma_range *r = pciem_dma_range_find(&rp->rmaps, addr);

	return r ? container_of(r, struct pciem_dma_rmap, rec) : NULL;
}

/* Recorded bus address @addr, inside a live mapping, as the driver has it. */
static bool rec_to_live(struct pciem_replay *rp, u64 addr, u64 *live)
{
	struct pciem_dma_rmap *r = rmap_find(rp, addr);

	if (!r)
		return false;
	*live = r->live + (addr - r->rec.addr);
	return true;
}

static void rmap_unlink(struct pciem_replay *rp, struct pciem_dma_rmap *r)
{
	if (!r->linked)
		return;
	rb_erase(&r->rec.node, &rp->rmaps);
	r->linked = false;
	if (r->live != r->rec.addr)
		rp->moved--;
}

static bool same_reg(const struct pciem_event *e, const struct access *a)
{
	return ev_space(e) == a->space && ev_off(e) == a->off;
}

/*
 * Is @a the DMA call @e?  Same kind (and key: same_reg()), direction, size
 * and flags.  An unmap's or sync's key is the recorded address it names,
 * the access's translated back from the live mapping (dma_use_key()): the
 * same mapping, at the same offset.
 */
static bool dma_call_matches(const struct pciem_event *e, const struct access *a)
{
	return e->bar == a->size && e->data == a->data && e->flags == a->flags;
}

/* The key of an unmap or sync of live bus address @addr in mapping @r. */
static u64 dma_use_key(const struct pciem_dma_rmap *r, u64 addr)
{
	return r && r->linked ? r->rec.addr + (addr - r->live) : addr;
}

/*
 * Is the value written @a->data the recorded @e->data?  When some live
 * mapping could not get its recorded address, a recorded value inside a
 * recorded mapping stands for that mapping and offset (8-byte values, and
 * 4-byte ones when both are below 4 GiB).
 */
static bool written_matches(struct pciem_replay *rp, const struct pciem_event *e,
			    const struct access *a)
{
	u64 live;

	if (e->data == a->data)
		return true;
	if (!rp->moved || (e->size != 8 && e->size != 4) || !rec_to_live(rp, e->data, &live))
		return false;
	return live == a->data && (e->size == 8 || live <= U32_MAX);
}

static bool matches(struct pciem_replay *rp, const struct pciem_event *e,
		    const struct access *a)
{
	if (e->type != a->type || !same_reg(e, a))
		return false;
	if (dma_call(e->type))
		return dma_call_matches(e, a);
	return e->size == a->size &&
	       (a->type == PCIEM_EVENT_MMIO_READ || written_matches(rp, e, a));
}

static struct reg_last *reg_slot(struct pciem_replay *rp, u32 space, u64 off)
{
	return &rp->regs[hash_64(off * (PCIEM_NUM_BARS + 1) + space, REG_BITS)];
}

/* @r's register was last read with @e's size and value: @e continues its run. */
static bool continues_run(const struct reg_last *r, const struct pciem_event *e)
{
	return r->valid && r->read && e->type == PCIEM_EVENT_MMIO_READ &&
	       ev_space(e) == r->space && e->offset == r->off && e->size == r->size &&
	       e->data == r->data;
}

/* Per-register mode: the history entry of @e's register, if it is there. */
static struct reg_last *reg_of(struct pciem_replay *rp, const struct pciem_event *e)
{
	struct reg_last *r = reg_slot(rp, ev_space(e), ev_off(e));

	return r->valid && r->space == ev_space(e) && r->off == ev_off(e) ? r : NULL;
}

/* ---- waking and interrupts ----------------------------------------------- */

static void wake_fn(struct irq_work *work)
{
	struct pciem_replay *rp = container_of(work, struct pciem_replay, wake_work);

	wake_up_interruptible(&rp->wq);
}

static void wake(struct pciem_replay *rp)
{
	irq_work_queue(&rp->wake_work);
}

static void irq_fn(struct irq_work *work)
{
	struct pciem_replay *rp = container_of(work, struct pciem_replay, irq_work);
	unsigned long flags;
	u32 status;
	u32 vec;
	int ret;

	for (;;) {
		raw_spin_lock_irqsave(&rp->lock, flags);
		if (rp->irq_head == rp->irq_tail || stopped(rp)) {
			rp->irq_head = rp->irq_tail;
			raw_spin_unlock_irqrestore(&rp->lock, flags);
			return;
		}
		vec = rp->irq_q[rp->irq_head++ % IRQ_QUEUE];
		raw_spin_unlock_irqrestore(&rp->lock, flags);

		ret = pciem_irq_inject(rp->dev, vec, &status);

		raw_spin_lock_irqsave(&rp->lock, flags);
		if (ret)
			rp->irq_errors++;
		else
			rp->irqs++;
		raw_spin_unlock_irqrestore(&rp->lock, flags);
	}
}

static void fire(struct pciem_replay *rp, u64 vector)
{
	if (stopped(rp))
		return;
	if (rp->irq_tail - rp->irq_head == IRQ_QUEUE) {
		rp->irq_errors++;
		return;
	}
	rp->irq_q[rp->irq_tail++ % IRQ_QUEUE] = vector;
	irq_work_queue(&rp->irq_work);
}

/*
 * The timer is neither started nor cancelled where the cursor moves (the
 * fault handler, where the driver may hold the hrtimer base's lock): an
 * irq_work starts it, and one that fires for a position the cursor left
 * finds timer_pos changed and does nothing.
 */
static void cancel_timer(struct pciem_replay *rp)
{
	rp->timer_pos = U64_MAX;
}

static void arm_timer(struct pciem_replay *rp, u64 pos, u64 delay)
{
	rp->timer_pos = pos;
	rp->timer_delay = delay;
	irq_work_queue(&rp->timer_work);
}

static void timer_work_fn(struct irq_work *work)
{
	struct pciem_replay *rp = container_of(work, struct pciem_replay, timer_work);
	unsigned long flags;

	raw_spin_lock_irqsave(&rp->lock, flags);
	if (!stopped(rp) && rp->timer_pos != U64_MAX)
		hrtimer_start(&rp->timer, ns_to_ktime(rp->timer_delay), HRTIMER_MODE_REL);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

/* ---- the cursor ------------------------------------------------------------ */

/*
 * The event of transfer @e, performed ahead of the cursor (dma_ahead()),
 * when the cursor passes it: the events keep the recorded order.  What the
 * driver's memory holds then, as for a transfer performed in its place.
 */
static void dma_emit(struct pciem_replay *rp, const struct pciem_event *e)
{
	struct pciem_dma_rmap *r = rmap_find(rp, e->offset);
	u64 off;

	if (!r || e->data > r->rec.size - (e->offset - r->rec.addr))
		return;
	off = e->offset - r->rec.addr;
	pciem_dma_data_event(rp->dev, e->type, r->live + off, r->cpu + off, e->data, e->flags);
}

/* The cursor passes the event under it. */
static void pass(struct pciem_replay *rp)
{
	struct pciem_event *e = slot(rp, rp->cur);
	u64 end = rp->pend[rp->cur & (rp->size - 1)];
	u32 half = rp->size / 2;

	if (is_done(rp, rp->cur) && classify(rp, e) == RC_DMA)
		dma_emit(rp, e);

	/* its bytes are free too; the feeder may be waiting for that room */
	if (end > rp->pay_head) {
		bool full = rp->pay_tail - rp->pay_head > rp->pay_size / 2;

		rp->pay_head = end;
		if (full && rp->pay_tail - rp->pay_head <= rp->pay_size / 2)
			wake(rp);
	}
	__clear_bit(rp->cur & (rp->size - 1), rp->done);
	rp->last_ts = e->timestamp_ns;
	rp->have_ts = true;
	rp->prev_irq = 0;
	rp->cur++;
	/* the feeder sleeps only on a full FIFO: wake it when half is free */
	if (rp->tail - rp->cur == half - 1 || rp->cur == rp->tail)
		wake(rp);
}

static void update_state(struct pciem_replay *rp)
{
	if (rp->state == PCIEM_REPLAY_RUNNING && rp->ended && !rp->left) {
		rp->state = PCIEM_REPLAY_DONE;
		wake(rp);
	}
}

static u64 irq_delay(struct pciem_replay *rp, const struct pciem_event *e)
{
	if (!rp->have_ts || e->timestamp_ns <= rp->last_ts || in_nmi())
		return 0;
	return min_t(u64, e->timestamp_ns - rp->last_ts, PCIEM_REPLAY_MAX_DELAY_NS);
}

/*
 * The cursor passes interrupt @e, which has been injected.  A failed
 * delivery is recorded as the interrupt followed by a PENDING one for the
 * same vector: that second event is not a second interrupt.
 */
static void pass_irq(struct pciem_replay *rp, const struct pciem_event *e)
{
	rp->left--;
	pass(rp);
	if (!(e->flags & PCIEM_EVENT_F_PENDING))
		rp->prev_irq = e->data + 1;
}

static void dma_xfer(struct pciem_replay *rp, u64 i, bool emit);
static void dma_ahead(struct pciem_replay *rp, u64 i);

/* The interrupt under the cursor is injected, the device's bytes seen
 * after it written first (dma_ahead()), and the cursor passes it. */
static void inject(struct pciem_replay *rp)
{
	const struct pciem_event *e = slot(rp, rp->cur);

	dma_ahead(rp, rp->cur);
	fire(rp, e->data);
	pass_irq(rp, e);
}

enum { SIDE_DRIVER = 1, SIDE_DEVICE };

/*
 * Which side writes mapping @r, as its rules say: identifiers read by the
 * device (ID) are the driver's, echoes (ECHO) the device's.  0 when the
 * rules do not say (none, or both kinds).
 */
static int rules_side(const struct pciem_replay *rp, const struct pciem_dma_rmap *r)
{
	bool id = false, echo = false;
	u32 k;

	for (k = 0; k < rp->nrules; k++) {
		if (!(r->rules & BIT(k)))
			continue;
		id |= rp->rules[k].kind == PCIEM_REPLAY_RULE_ID;
		echo |= rp->rules[k].kind == PCIEM_REPLAY_RULE_ECHO;
	}
	return id == echo ? 0 : echo ? SIDE_DEVICE : SIDE_DRIVER;
}

/*
 * A real device's read of coherent memory (F_DMA_SEEN) was seen at the
 * driver's next register access or the device's next interrupt: what the
 * driver wrote until then.  Is the next event after @i, beyond other
 * transfers and passed-over ones, such an access (or not fed yet)?  Then
 * the read waits for it; before an interrupt on the read's CPU it is done
 * at once.  Interrupts on other CPUs were recorded between the look and
 * the access it was taken for, as they ran at the same time.
 */
static bool read_waits(struct pciem_replay *rp, u64 i)
{
	const struct pciem_event *e = slot(rp, i);
	const struct pciem_dma_rmap *r;
	enum rclass c;

	if (e->type != PCIEM_EVENT_DMA_READ || !(e->flags & PCIEM_EVENT_F_DMA_SEEN))
		return false;
	/* the device's by its rules: written at once */
	r = rmap_find(rp, e->offset);
	if (r && rules_side(rp, r) == SIDE_DEVICE)
		return false;
	for (i++; i < rp->tail; i++) {
		if (is_done(rp, i))
			continue;
		c = classify(rp, slot(rp, i));
		if (c == RC_IRQ && slot(rp, i)->cpu != e->cpu)
			continue;
		if (c == RC_IRQ)
			return false;
		if (c != RC_DMA && c != RC_PASS)
			return true;
	}
	return !rp->ended;
}

/*
 * Moves the cursor over what needs no access: passed-over events,
 * interrupts (injected now, or the timer armed for them), and markers when
 * an access is coming (@access: an access has arrived and passes them).
 * Stops at the next expected access.
 */
static void advance(struct pciem_replay *rp, bool access)
{
	u64 delay;

	while (rp->cur < rp->tail && !stopped(rp)) {
		u64 i = rp->cur;
		struct pciem_event *e = slot(rp, i);

		if (is_done(rp, i)) {
			pass(rp);
			continue;
		}
		switch (classify(rp, e)) {
		case RC_ACCESS:
			return;
		case RC_MARKER:
		case RC_HOLD:
			if (!access)
				return;
			fallthrough;
		case RC_PASS:
			rp->passed_over++;
			pass(rp);
			break;
		case RC_DMA:
			if (rp->hold)
				return;
			if (!access && read_waits(rp, i)) {
				dma_ahead(rp, i);
				return;
			}
			dma_xfer(rp, i, true);
			pass(rp);
			break;
		case RC_IRQ:
			if ((e->flags & PCIEM_EVENT_F_PENDING) && rp->prev_irq == e->data + 1) {
				rp->left--;
				rp->passed_over++;
				pass(rp);
				break;
			}
			if (!access && rp->timing == PCIEM_REPLAY_TIMING_RECORDED) {
				if (rp->timer_pos == i)
					return;		/* armed already */
				delay = irq_delay(rp, e);
				if (delay) {
					arm_timer(rp, i, delay);
					return;
				}
			}
			if (rp->timer_pos == i)
				cancel_timer(rp);	/* an access came first */
			inject(rp);
			break;
		}
	}
}

/*
 * The access's event is out: the transfers recorded after it are done now
 * (they waited, rp->hold), and what follows them.
 */
static void release(struct pciem_replay *rp)
{
	rp->hold = false;
	advance(rp, false);
	update_state(rp);
}

static enum hrtimer_restart timer_fn(struct hrtimer *t)
{
	struct pciem_replay *rp = container_of(t, struct pciem_replay, timer);
	unsigned long flags;

	raw_spin_lock_irqsave(&rp->lock, flags);
	if (!stopped(rp) && rp->timer_pos == rp->cur && rp->cur < rp->tail) {
		rp->timer_pos = U64_MAX;
		inject(rp);
		advance(rp, false);
		update_state(rp);
	}
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return HRTIMER_NORESTART;
}

/* ---- divergence ---------------------------------------------------------------- */

/*
 * A new divergence record, to be filled and then given to div_end(); NULL
 * when the queue is full (it is counted).
 */
static struct pciem_replay_divergence *div_begin(struct pciem_replay *rp, u32 kind, u32 dflags,
						 u64 index, const struct pciem_event *expected)
{
	struct pciem_replay_divergence *d;

	rp->divergences++;
	if (rp->div_tail - rp->div_head >= PCIEM_REPLAY_DIV_QUEUE) {
		rp->div_dropped++;
		if (rp->divergences == 1) {	/* cannot happen: the queue is empty */
			memset(&rp->first, 0, sizeof(rp->first));
			rp->first.kind = kind;
		}
		return NULL;
	}
	d = &rp->divq[rp->div_tail % PCIEM_REPLAY_DIV_QUEUE];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->flags = dflags;
	d->number = rp->divergences;
	d->index = index;
	if (expected)
		d->expected = *expected;
	return d;
}

static void div_end(struct pciem_replay *rp, struct pciem_replay_divergence *d, u32 kind)
{
	if (d) {
		if (d->number == 1)
			rp->first = *d;
		rp->div_tail++;
	}
	if (rp->on_div == PCIEM_REPLAY_DIV_STOP) {
		rp->state = kind == PCIEM_DIV_OVERRUN ? PCIEM_REPLAY_OVERRUN : PCIEM_REPLAY_DIVERGED;
		cancel_timer(rp);
		rp->irq_head = rp->irq_tail;
	}
	wake(rp);
}

static void diverge(struct pciem_replay *rp, u32 kind, u32 dflags, u64 index,
		    const struct pciem_event *expected, const struct access *a, u64 answered)
{
	struct pciem_replay_divergence *d = div_begin(rp, kind, dflags, index, expected);

	if (d && dma_call(a->type)) {
		pciem_event_fill(&d->actual, a->type, a->size, a->addr, 0, a->data, a->ip);
		d->actual.flags = a->flags;
	} else if (d) {
		pciem_event_fill(&d->actual, a->type, a->space == SPACE_CFG ? 0 : a->space,
				 a->off, a->size,
				 a->type == PCIEM_EVENT_MMIO_READ ? answered : a->data, a->ip);
	}
	/* named now: the driver may be unloaded by the time it is read */
	if (d && a->ip)
		snprintf(d->symbol, sizeof(d->symbol), "%pS", (void *)(unsigned long)a->ip);
	div_end(rp, d, kind);
}

/*
 * The divergences made since there were @before carry the sequence number
 * @seq that pciem_ring_push() has just given the access's own event (0
 * when nobody listened: no recorder, no tracepoint user), so that what a
 * recorder or the tracepoint pciem:pciem_event saw of that access (its
 * call stack: pciem-replay --stacks) can be joined to the report.  Under
 * rp->lock, held since diverge(): no reader has seen them yet.
 */
static void diverge_seq(struct pciem_replay *rp, u64 before, u64 seq)
{
	unsigned int i;

	if (rp->divergences == before)
		return;
	for (i = rp->div_head; i != rp->div_tail; i++) {
		struct pciem_replay_divergence *d = &rp->divq[i % PCIEM_REPLAY_DIV_QUEUE];

		if (d->number > before)
			d->actual.seq = seq;
	}
	if (before == 0)
		rp->first.actual.seq = seq;
}

/* ---- DMA rules: identifiers and ignored bytes -------------------------------------- */

#define ID_KNOWN	(1U << 31)
#define MAX_ID_SLOTS	(1U << 16)	/* recorded identifiers kept per mapping */

static bool rule_has_ids(const struct pciem_replay_dma_rule *ru)
{
	return ru->kind != PCIEM_REPLAY_RULE_IGNORE;
}

/* Where rule @k's identifiers of a mapping of @size start in its rmap.ids
 * (a slot per entry, a partial last one too, for each identifier rule
 * before it); for k = nrules, how many there are. */
static u64 ids_base(const struct pciem_replay *rp, u64 size, u32 k)
{
	u64 base = 0;
	u32 j;

	for (j = 0; j < k; j++)
		if (rule_has_ids(&rp->rules[j]))
			base += DIV_ROUND_UP_ULL(size, rp->rules[j].entry);
	return base;
}

/* How many recorded identifiers a mapping of @size keeps (rmap.ids), 0 for
 * none; any context. */
u32 pciem_replay_dma_slots(const struct pciem_device *dev, u64 size)
{
	const struct pciem_replay *rp = READ_ONCE(dev->replay);
	u64 n;

	if (!rp || !(rp->flags & PCIEM_REPLAY_F_DMA))
		return 0;
	n = ids_base(rp, size, rp->nrules);
	return n <= MAX_ID_SLOTS ? n : 0;
}

static void echo_unknown(struct pciem_replay *rp, u64 i, const struct pciem_dma_rmap *r,
			 u64 at, u32 id, u32 len)
{
	struct pciem_replay_divergence *d = div_begin(rp, PCIEM_DIV_DMA_ECHO, 0, i, slot(rp, i));

	if (d) {
		d->dma_offset = at;
		d->dma_live_addr = r->live;
		d->dma_rec_addr = r->rec.addr;
		d->dma_map_size = r->rec.size;
		d->dma_len = len;
		d->dma_expected[0] = id;
		d->dma_expected[1] = id >> 8;
	}
	div_end(rp, d, PCIEM_DIV_DMA_ECHO);
}

/*
 * Applies mapping @r's DMA rules to the recorded transfer at slot @i, @n
 * bytes at offset @o of the mapping.  A device read (@rec its recorded
 * bytes): the bytes the rules exempt take the driver's values, so that they
 * compare equal, and each identifier read is noted.  A device write
 * (already in the driver's memory): each echo field of an entry it touches
 * gets the driver's identifier for the recorded one.
 */
static void apply_rules(struct pciem_replay *rp, u64 i, struct pciem_dma_rmap *r, u64 o,
			u8 *rec, u32 n, bool to_host)
{
	const u8 *mem = (const u8 *)r->cpu + o;
	u32 k;

	for (k = 0; k < rp->nrules; k++) {
		const struct pciem_replay_dma_rule *ru = &rp->rules[k];
		u64 base = ids_base(rp, r->size, k), e, fs, lo, hi, b;
		u32 id;

		if (!(r->rules & BIT(k)) ||
		    (ru->kind == PCIEM_REPLAY_RULE_ECHO) != to_host)
			continue;
		if (!ru->entry) {
			memcpy(rec, mem, n);
			continue;
		}
		for (e = div_u64(o, ru->entry); e * ru->entry < o + n; e++) {
			fs = e * ru->entry + ru->field;
			if (fs + ru->len <= o || fs >= o + n || fs + ru->len > r->size)
				continue;
			/* the field's bytes in this transfer */
			lo = max(fs, o);
			hi = min(fs + ru->len, o + n);
			if (ru->kind == PCIEM_REPLAY_RULE_IGNORE) {
				memcpy(rec + (lo - o), mem + (lo - o), hi - lo);
				continue;
			}
			/* the recorded identifier: its bytes in this transfer,
			 * the others as last recorded */
			id = base + e < r->nids ? r->ids[base + e] : 0;
			for (b = lo; b < hi; b++) {
				id &= ~(0xffU << (8 * (b - fs)));
				id |= (u32)rec[b - o] << (8 * (b - fs));
			}
			if (base + e < r->nids)
				r->ids[base + e] = id;
			if (ru->kind == PCIEM_REPLAY_RULE_ID) {
				u8 *f = (u8 *)r->cpu + fs;

				rp->idmap[ru->ids][id] = ID_KNOWN | f[0] |
							 (ru->len == 2 ? f[1] << 8 : 0);
				memcpy(rec + (lo - o), mem + (lo - o), hi - lo);
			} else if (rp->idmap[ru->ids][id] & ID_KNOWN) {
				u8 *f = (u8 *)r->cpu + fs;
				u32 v = rp->idmap[ru->ids][id];

				f[0] = v;
				if (ru->len == 2)
					f[1] = v >> 8;
			} else {
				echo_unknown(rp, i, r, lo - o, id, ru->len);
			}
		}
	}
}

/* REPLAY_START's rules: copied and checked, the identifier maps made. */
static int rules_start(struct pciem_replay *rp, const struct pciem_replay_start *s)
{
	struct pciem_replay_dma_rule *ru;
	u32 k, j, len[PCIEM_REPLAY_MAX_IDS] = { 0 };

	if (!s->dma_rule_count)
		return 0;
	if (s->dma_rule_count > PCIEM_REPLAY_MAX_RULES)
		return -EINVAL;
	if (copy_from_user(rp->rules, u64_to_user_ptr(s->dma_rules),
			   s->dma_rule_count * sizeof(*rp->rules)))
		return -EFAULT;
	rp->nrules = s->dma_rule_count;
	for (k = 0; k < rp->nrules; k++) {
		ru = &rp->rules[k];
		if (ru->reserved || ru->kind < PCIEM_REPLAY_RULE_IGNORE ||
		    ru->kind > PCIEM_REPLAY_RULE_ECHO || ru->entry > PCIEM_REPLAY_MAX_ENTRY)
			return -EINVAL;
		if (!ru->entry) {
			if (ru->kind != PCIEM_REPLAY_RULE_IGNORE || ru->field || ru->len || ru->ids)
				return -EINVAL;
			continue;
		}
		if (!ru->len || ru->field >= ru->entry || ru->len > ru->entry - ru->field)
			return -EINVAL;
		if (!rule_has_ids(ru)) {
			if (ru->ids)
				return -EINVAL;
			continue;
		}
		if (ru->len > 2 || ru->ids >= PCIEM_REPLAY_MAX_IDS ||
		    (len[ru->ids] && len[ru->ids] != ru->len))
			return -EINVAL;
		len[ru->ids] = ru->len;
	}
	/* every space echoed is read somewhere */
	for (k = 0; k < rp->nrules; k++) {
		bool read = false;

		if (rp->rules[k].kind != PCIEM_REPLAY_RULE_ECHO)
			continue;
		for (j = 0; j < rp->nrules; j++)
			read |= rp->rules[j].kind == PCIEM_REPLAY_RULE_ID &&
				rp->rules[j].ids == rp->rules[k].ids;
		if (!read)
			return -EINVAL;
	}
	for (k = 0; k < PCIEM_REPLAY_MAX_IDS; k++) {
		if (!len[k])
			continue;
		rp->idmap[k] = kvcalloc(1U << (8 * len[k]), sizeof(u32), GFP_KERNEL_ACCOUNT);
		if (!rp->idmap[k])
			return -ENOMEM;
	}
	return 0;
}

static void rules_free(struct pciem_replay *rp)
{
	u32 k;

	for (k = 0; k < PCIEM_REPLAY_MAX_IDS; k++)
		kvfree(rp->idmap[k]);
}

/* ---- the device's DMA ------------------------------------------------------------ */

/* The little-endian 8 bytes at @p (a device's view of an address field). */
static u64 le64_word(const u8 *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

/* Slot @i's bytes, into rp->pbuf (the FIFO may wrap in them). */
static const u8 *xfer_bytes(struct pciem_replay *rp, u64 i, u32 n)
{
	u64 start = rp->pend[i & (rp->size - 1)] - n;
	u64 at = start % rp->pay_size;
	u32 first = min_t(u64, n, rp->pay_size - at);

	memcpy(rp->pbuf, rp->pay + at, first);
	memcpy(rp->pbuf + first, rp->pay, n - first);
	return rp->pbuf;
}

/*
 * Where the device's read of @n bytes at bus address @bus first differs
 * from the recording (@rec against @live), as dma_check says; @n if
 * nowhere.  8-byte aligned fields holding a recorded bus address inside a
 * live mapping are compared as that mapping and offset in every mode but
 * NONE; the other bytes only in FULL.
 */
static u32 dma_diff(struct pciem_replay *rp, const u8 *rec, const u8 *live, u64 bus, u32 n)
{
	bool full = rp->dma_check == PCIEM_REPLAY_DMA_FULL;
	u32 i = 0, k;
	u64 rv, lv, t;

	if (rp->dma_check == PCIEM_REPLAY_DMA_NONE)
		return n;
	while (i < n) {
		if (((bus + i) & 7) || n - i < 8) {
			if (full && rec[i] != live[i])
				return i;
			i++;
			continue;
		}
		rv = le64_word(rec + i);
		lv = le64_word(live + i);
		if (rec_to_live(rp, rv, &t)) {
			if (t != lv)
				return i;
		} else if (full && rv != lv) {
			for (k = 0; rec[i + k] == live[i + k]; k++)
				;
			return i + k;
		}
		i += 8;
	}
	return n;
}

/*
 * The device's recorded transfer at slot @i, as the cursor passes it: a
 * write lands in the driver's live mapping, a read is compared with what
 * the driver prepared there.  Either is emitted as the device's event, with
 * the live address and the bytes moved, so that a recording of the replay
 * is the recording.
 */
static void dma_xfer(struct pciem_replay *rp, u64 i, bool emit)
{
	const struct pciem_event *e = slot(rp, i);
	bool to_host = e->type == PCIEM_EVENT_DMA_WRITE;
	struct pciem_replay_divergence *d;
	struct pciem_dma_rmap *r;
	u32 n = e->data, at;
	const u8 *rec;
	u8 *mem, *shadow;
	u64 live;
	int side;

	if (stopped(rp))
		return;
	rec = xfer_bytes(rp, i, n);
	r = rmap_find(rp, e->offset);
	if (!r || n > r->rec.size - (e->offset - r->rec.addr) ||
	    !(r->coherent || r->dir == PCIEM_DMA_DIR_BIDIRECTIONAL ||
	      r->dir == (to_host ? PCIEM_DMA_DIR_FROM_DEVICE : PCIEM_DMA_DIR_TO_DEVICE))) {
		d = div_begin(rp, PCIEM_DIV_DMA_UNMAPPED, 0, i, e);
		if (d && r) {
			d->dma_live_addr = r->live;
			d->dma_rec_addr = r->rec.addr;
			d->dma_map_size = r->rec.size;
		}
		div_end(rp, d, PCIEM_DIV_DMA_UNMAPPED);
		return;
	}
	mem = r->cpu + (e->offset - r->rec.addr);
	live = r->live + (e->offset - r->rec.addr);
	shadow = r->shadow && (e->flags & PCIEM_EVENT_F_DMA_SEEN) ?
		 r->shadow + (e->offset - r->rec.addr) : NULL;
	/*
	 * A real device's coherent memory was recorded as the bytes that
	 * changed between two looks, a read when the driver's next act was a
	 * register write, a write otherwise: either side may have made the
	 * change.  The mapping's rules may say which side writes it;
	 * otherwise the driver's changes are known here: bytes it changed
	 * since the last look are its own (compared), the others the device's
	 * (written).
	 */
	side = e->flags & PCIEM_EVENT_F_DMA_SEEN ? rules_side(rp, r) : 0;
	if (side)
		to_host = side == SIDE_DEVICE;
	else if (shadow)
		to_host = !memcmp(mem, shadow, n);
	if (to_host) {
		memcpy(mem, rec, n);
		rp->dma_written += n;
		if (r->rules)
			apply_rules(rp, i, r, e->offset - r->rec.addr, rp->pbuf, n, true);
	} else {
		rp->dma_compared += n;
		if (r->rules)
			apply_rules(rp, i, r, e->offset - r->rec.addr, rp->pbuf, n, false);
		at = dma_diff(rp, rec, mem, e->offset, n);
		if (at < n) {
			d = div_begin(rp, PCIEM_DIV_DMA_DATA, 0, i, e);
			if (d) {
				d->dma_offset = at;
				d->dma_live_addr = r->live;
				d->dma_rec_addr = r->rec.addr;
				d->dma_map_size = r->rec.size;
				d->dma_len = min_t(u32, n - at, DIV_BYTES);
				memcpy(d->dma_expected, rec + at, d->dma_len);
				memcpy(d->dma_actual, mem + at, d->dma_len);
				pciem_event_fill(&d->actual, e->type, 0, live, 0, n, 0);
			}
			div_end(rp, d, PCIEM_DIV_DMA_DATA);
		}
	}
	if (shadow)
		memcpy(shadow, mem, n);
	if (emit)
		pciem_dma_data_event(rp->dev, e->type, live, mem, n, e->flags);
}

/*
 * The transfers after event @i (an interrupt about to be injected, or a
 * transfer that waits for the driver's next access, read_waits()), up to
 * the next event of another kind: those of a real device's coherent
 * memory that the mapping's rules give to the device are performed now,
 * their events left for the cursor (dma_emit()).  A look sees the
 * device's bytes only at the driver's next register access, and a device
 * that posts a completion while the driver's interrupt handler runs has it
 * read by that handler before the access (the NVMe driver reads a second
 * completion before it rings the doorbell): injected before they are
 * there, or held back behind the driver's own bytes, they would come
 * after the handler has looked.
 */
static void dma_ahead(struct pciem_replay *rp, u64 i)
{
	const struct pciem_event *e;
	struct pciem_dma_rmap *r;
	u64 j;

	for (j = i + 1; j < rp->tail && !stopped(rp); j++) {
		e = slot(rp, j);
		if (is_done(rp, j))
			continue;
		if (classify(rp, e) != RC_DMA)
			break;
		if (!(e->flags & PCIEM_EVENT_F_DMA_SEEN) || !(e->flags & PCIEM_EVENT_F_DMA_COHERENT))
			continue;
		r = rmap_find(rp, e->offset);
		if (!r || rules_side(rp, r) != SIDE_DEVICE)
			continue;
		dma_xfer(rp, j, false);
		set_done(rp, j);
	}
}

/* ---- matching -------------------------------------------------------------------- */

static void remember(struct pciem_replay *rp, const struct pciem_event *e)
{
	struct reg_last r = {
		.valid = true, .read = e->type == PCIEM_EVENT_MMIO_READ,
		.space = ev_space(e), .size = e->size, .off = ev_off(e), .data = e->data,
	};

	rp->last = r;
	if (rp->regs)
		*reg_slot(rp, r.space, r.off) = r;
}

static bool drop_stale_runs(struct pciem_replay *rp);

/*
 * The mapping being made (rp->making) matched recorded mapping @e: it gets
 * @e's bus address if it can (pciem_dma_place()) and stands for @e until
 * its unmap.
 */
static void dma_mapped(struct pciem_replay *rp, const struct pciem_event *e)
{
	struct pciem_dma_rmap *r = rp->making;

	rp->making = NULL;
	if (!pciem_dma_place(rp->dev, r, e->offset))
		return;
	r->rec.addr = e->offset;
	r->rec.size = e->data;
	r->rules = e->size;
	pciem_dma_range_insert(&rp->rmaps, &r->rec);
	r->linked = true;
	if (r->live != r->rec.addr)
		rp->moved++;
}

/*
 * The expected access at @i was made (@match), or one in its place that
 * differs only in the value written: it is consumed.
 */
static void consume(struct pciem_replay *rp, u64 i, bool match)
{
	const struct pciem_event *e = slot(rp, i);

	/* a mapping being made takes the recorded one's place before any
	 * transfer after it is performed */
	if (e->type == PCIEM_EVENT_DMA_MAP && rp->making && match)
		dma_mapped(rp, e);
	remember(rp, e);
	if (match)
		rp->matched++;
	rp->left--;
	if (i == rp->cur) {
		pass(rp);
	} else {
		set_done(rp, i);
		/* out of order: polling runs it overtook were left early */
		if (rp->regs)
			drop_stale_runs(rp);
	}
	advance(rp, false);	/* interrupts right after this access */
	update_state(rp);
}

/* A work event (access or interrupt) at @i will not happen. */
static void drop(struct pciem_replay *rp, u64 i, u64 *counter)
{
	if (is_done(rp, i))
		return;
	if (rp->timer_pos == i)
		cancel_timer(rp);
	set_done(rp, i);
	rp->left--;
	(*counter)++;
}

static bool work_event(struct pciem_replay *rp, u64 i)
{
	enum rclass c = classify(rp, slot(rp, i));

	return c == RC_ACCESS || c == RC_IRQ;
}

/* CONTINUE, strict: find @a further on, skipping what lies between. */
static enum result resync_strict(struct pciem_replay *rp, const struct access *a, u64 *val)
{
	u64 i = rp->cur, end = min(rp->tail, rp->cur + rp->window), q, j;
	struct pciem_event *e = slot(rp, i);

	if (e->type == a->type && same_reg(e, a) && e->size == a->size) {
		/* the expected write with another value */
		diverge(rp, PCIEM_DIV_MISMATCH, 0, i, e, a, 0);
		consume(rp, i, false);
		return R_ANSWER;
	}
	for (q = i + 1; q < end; q++) {
		if (is_done(rp, q) || classify(rp, slot(rp, q)) != RC_ACCESS ||
		    !matches(rp, slot(rp, q), a))
			continue;
		*val = slot(rp, q)->data;
		diverge(rp, PCIEM_DIV_MISMATCH, PCIEM_DIV_F_RESYNC, i, e, a, *val);
		for (j = i; j < q; j++)
			if (work_event(rp, j))
				drop(rp, j, &rp->skipped);
		consume(rp, q, true);
		return R_ANSWER;
	}
	diverge(rp, PCIEM_DIV_MISMATCH, 0, i, e, a, ones(a->size));
	return R_DEAD;
}

static enum result match_strict(struct pciem_replay *rp, const struct access *a, u64 *val)
{
	u64 i = rp->cur, q, j;
	unsigned int n = 0;
	struct pciem_event *e = slot(rp, i);

	if (matches(rp, e, a)) {
		*val = e->data;
		consume(rp, i, true);
		return R_ANSWER;
	}
	/* a polling run longer than recorded */
	if (a->type == PCIEM_EVENT_MMIO_READ && rp->last.valid && rp->last.read &&
	    rp->last.space == a->space && rp->last.off == a->off && rp->last.size == a->size) {
		rp->polls_extra++;
		*val = rp->last.data;
		return R_ANSWER;
	}
	/* a polling run shorter than recorded: skip its rest */
	for (q = i; q < rp->tail; q++) {
		enum rclass c;

		if (is_done(rp, q))
			continue;
		c = classify(rp, slot(rp, q));
		if (c == RC_PASS || c == RC_MARKER || c == RC_HOLD)
			continue;
		if (c != RC_ACCESS || !continues_run(&rp->last, slot(rp, q)))
			break;
		n++;
	}
	if (n) {
		if (q == rp->tail && !rp->ended)
			return R_NEED_FEED;	/* the run goes on beyond the FIFO */
		if (q < rp->tail && matches(rp, slot(rp, q), a)) {
			for (j = i; j < q; j++)
				if (classify(rp, slot(rp, j)) == RC_ACCESS)
					drop(rp, j, &rp->polls_skipped);
			*val = slot(rp, q)->data;
			consume(rp, q, true);
			return R_ANSWER;
		}
	}
	if (rp->on_div == PCIEM_REPLAY_DIV_CONTINUE)
		return resync_strict(rp, a, val);
	diverge(rp, PCIEM_DIV_MISMATCH, 0, i, e, a, ones(a->size));
	return R_DEAD;
}

/* The first expected access to @a's register at or after @from, before @end. */
static u64 next_of_reg(struct pciem_replay *rp, const struct access *a, u64 from, u64 end)
{
	for (; from < end; from++)
		if (!is_done(rp, from) && classify(rp, slot(rp, from)) == RC_ACCESS &&
		    same_reg(slot(rp, from), a))
			return from;
	return U64_MAX;
}

/*
 * Per-register mode: polling runs of other registers that hold the cursor
 * back are taken to have been left early by the driver, once an access
 * after them has been matched (or the window is used up): their remaining
 * reads are dropped.  Should the driver read such a register again, the
 * read is answered from the run as an extra one.  Returns true if the
 * cursor moved.
 */
static bool drop_stale_runs(struct pciem_replay *rp)
{
	u64 from = rp->cur;

	while (rp->cur < rp->tail) {
		struct pciem_event *e = slot(rp, rp->cur);
		struct reg_last *r;

		if (is_done(rp, rp->cur) || classify(rp, e) != RC_ACCESS)
			break;
		r = reg_of(rp, e);
		if (!r || !continues_run(r, e))
			break;
		drop(rp, rp->cur, &rp->polls_skipped);
		pass(rp);
		advance(rp, false);
	}
	return rp->cur != from;
}

/*
 * The first recorded bytes of the streaming map at slot @q (*@n of them):
 * the device's read of the mapping that a real device's recording takes
 * right after the map, in pieces.  NULL if there is none among the next
 * few events.
 */
static const u8 *map_bytes(struct pciem_replay *rp, u64 q, u32 *n)
{
	const struct pciem_event *m = slot(rp, q), *e;
	u64 j, end = min(rp->tail, q + MAP_BYTES_AFTER);

	for (j = q + 1; j < end; j++) {
		e = slot(rp, j);
		if (e->type == PCIEM_EVENT_DMA_READ && e->offset == m->offset && e->data &&
		    e->data <= m->data) {
			*n = e->data;
			return xfer_bytes(rp, j, *n);
		}
	}
	return NULL;
}

/*
 * Per-register mode: which expected map of its shape (the first is @c) a
 * streaming to-device map of the driver's is.  Per-CPU queues make maps of
 * one shape on several CPUs at once, in another order from run to run: the
 * map goes with the first one in the window whose recorded bytes (the
 * first piece) are the buffer's, one made on the same CPU first, so that
 * each gets its recorded address.  When none has the buffer's bytes (they
 * are then compared, and differ): the first made on the same CPU, else @c.
 */
static u64 map_by_bytes(struct pciem_replay *rp, const struct access *a, u64 c, u64 end)
{
	const struct pciem_dma_rmap *r = rp->making;
	u64 q, pick = U64_MAX, cpu = U64_MAX;
	const u8 *rec;
	u32 n;

	if (c == U64_MAX || !r || !r->cpu || r->coherent || r->dir != PCIEM_DMA_DIR_TO_DEVICE)
		return c;
	for (q = c; q != U64_MAX; q = next_of_reg(rp, a, q + 1, end)) {
		rec = map_bytes(rp, q, &n);
		if (!rec)
			continue;
		if (cpu == U64_MAX && slot(rp, q)->cpu == a->cpu)
			cpu = q;
		if (memcmp(rec, r->cpu, n))
			continue;
		if (slot(rp, q)->cpu == a->cpu)
			return q;
		if (pick == U64_MAX)
			pick = q;
	}
	return pick != U64_MAX ? pick : cpu != U64_MAX ? cpu : c;
}

static enum result match_register(struct pciem_replay *rp, const struct access *a, u64 *val)
{
	u64 end, c, q, j;
	struct reg_last *r;
	unsigned int n;

again:
	end = min(rp->tail, rp->cur + rp->window);
	c = next_of_reg(rp, a, rp->cur, end);
	if (a->type == PCIEM_EVENT_DMA_MAP)
		c = map_by_bytes(rp, a, c, end);
	if (c != U64_MAX && matches(rp, slot(rp, c), a)) {
		*val = slot(rp, c)->data;
		consume(rp, c, true);
		return R_ANSWER;
	}
	r = reg_slot(rp, a->space, a->off);
	if (!(r->valid && r->space == a->space && r->off == a->off))
		r = NULL;
	/* a polling run longer than recorded */
	if (a->type == PCIEM_EVENT_MMIO_READ && r && r->read && r->size == a->size) {
		rp->polls_extra++;
		*val = r->data;
		return R_ANSWER;
	}
	/* one shorter than recorded: skip the rest of this register's run */
	if (c != U64_MAX && r) {
		for (n = 0, q = c; q != U64_MAX && continues_run(r, slot(rp, q)); n++)
			q = next_of_reg(rp, a, q + 1, end);
		if (n && q != U64_MAX && matches(rp, slot(rp, q), a)) {
			for (j = c; j < q; j++)
				if (!is_done(rp, j) && classify(rp, slot(rp, j)) == RC_ACCESS &&
				    same_reg(slot(rp, j), a))
					drop(rp, j, &rp->polls_skipped);
			*val = slot(rp, q)->data;
			consume(rp, q, true);
			return R_ANSWER;
		}
	}
	if (c == U64_MAX) {
		if (drop_stale_runs(rp))
			goto again;
		if (rp->tail < rp->cur + rp->window && !rp->ended)
			return R_NEED_FEED;
	}
	if (rp->on_div == PCIEM_REPLAY_DIV_CONTINUE && c != U64_MAX) {
		struct pciem_event *e = slot(rp, c);

		if (e->type == a->type && e->size == a->size) {
			diverge(rp, PCIEM_DIV_MISMATCH, 0, c, e, a, 0);
			consume(rp, c, false);
			return R_ANSWER;
		}
		for (q = next_of_reg(rp, a, c + 1, end); q != U64_MAX;
		     q = next_of_reg(rp, a, q + 1, end)) {
			if (!matches(rp, slot(rp, q), a))
				continue;
			*val = slot(rp, q)->data;
			diverge(rp, PCIEM_DIV_MISMATCH, PCIEM_DIV_F_RESYNC, c, e, a, *val);
			for (j = c; j < q; j++)
				if (!is_done(rp, j) && classify(rp, slot(rp, j)) == RC_ACCESS &&
				    same_reg(slot(rp, j), a))
					drop(rp, j, &rp->skipped);
			consume(rp, q, true);
			return R_ANSWER;
		}
	}
	q = c != U64_MAX ? c : rp->cur;
	diverge(rp, PCIEM_DIV_MISMATCH, 0, q, slot(rp, q), a, ones(a->size));
	return R_DEAD;
}

/*
 * Spins, with the lock dropped, until the feeder has added events (or the
 * replay ended or is going away), at most wait_us.  Returns false on
 * timeout.  The CPU spins with interrupts off (the fault handler's
 * context), so a feeder that cannot keep up is waited for once, not once
 * per access: after a timeout, accesses do not wait until it feeds again.
 */
static bool wait_for_feed(struct pciem_replay *rp, unsigned long *flags)
{
	u64 tail = rp->tail, deadline = ktime_get_mono_fast_ns() + rp->wait_ns;
	bool changed;

	if (rp->starved && rp->starved_tail == tail)
		return false;
	/* the feeder is woken from another CPU (see rec_wait_room()) */
	if (!pciem_kick_elsewhere(&rp->kick)) {
		rp->starved = true;
		rp->starved_tail = tail;
		return false;
	}
	raw_spin_unlock_irqrestore(&rp->lock, *flags);
	while (READ_ONCE(rp->tail) == tail && !READ_ONCE(rp->ended) && !READ_ONCE(rp->closing) &&
	       ktime_get_mono_fast_ns() < deadline)
		udelay(1);
	raw_spin_lock_irqsave(&rp->lock, *flags);
	changed = rp->tail != tail || rp->ended || rp->closing;
	rp->starved = !changed;
	rp->starved_tail = tail;
	return changed;
}

/* Under rp->lock (which may be dropped while waiting for the feed). */
static enum result replay_access(struct pciem_replay *rp, const struct access *a, u64 *val,
				 unsigned long *flags)
{
	enum result res;

	for (;;) {
		if (stopped(rp))
			return R_DEAD;
		/* what was recorded before the access is done before it, what
		 * comes after waits for its event (release()) */
		rp->hold = false;
		advance(rp, true);
		rp->hold = true;
		if (rp->cur == rp->tail) {
			if (rp->ended) {
				diverge(rp, PCIEM_DIV_PAST_END, 0, rp->fed, NULL, a, ones(a->size));
				return R_DEAD;
			}
			res = R_NEED_FEED;
		} else if (rp->match == PCIEM_REPLAY_MATCH_STRICT) {
			res = match_strict(rp, a, val);
		} else {
			res = match_register(rp, a, val);
		}
		if (res != R_NEED_FEED)
			return res;
		if (!wait_for_feed(rp, flags)) {
			diverge(rp, PCIEM_DIV_OVERRUN, 0, rp->fed,
				rp->cur < rp->tail ? slot(rp, rp->cur) : NULL, a, ones(a->size));
			return R_DEAD;
		}
	}
}

/*
 * An access to the MSI-X table or PBA (see in_msix()), under rp->lock:
 * not matched, but it passes the recorded table and PBA accesses (holds)
 * at the cursor, so that an interrupt recorded after them is injected
 * after it, as recorded (a masked vector is then left pending).  Done
 * before the access takes effect: the interrupt is raised from an
 * irq_work, which runs after the fault handler has applied the write.
 */
static void msix_access(struct pciem_replay *rp)
{
	if (stopped(rp))
		return;
	for (;;) {
		advance(rp, false);
		if (rp->cur == rp->tail || stopped(rp) || is_done(rp, rp->cur) ||
		    classify(rp, slot(rp, rp->cur)) != RC_HOLD)
			break;
		rp->passed_over++;
		pass(rp);
	}
	update_state(rp);
}

/*
 * A trapped MMIO access of the driver (fault handler).  Emits its event with
 * the value the driver gets.  Returns the value read (reads), and sets
 * *apply when a write is to land in BAR memory.  An access to the MSI-X
 * table or PBA is the emulation's, also once the replay has stopped (like
 * config space): a read gets the kernel's table or PBA, a write is not
 * compared (pciem_trap.c applies it to the table, never to the PBA).
 */
u64 pciem_replay_mmio(struct pciem_device *dev, bool write, unsigned int bar, u64 off,
		      unsigned int size, u64 data, unsigned long ip, u32 evflags, bool *apply)
{
	struct pciem_replay *rp = dev->replay;
	struct access a = {
		.type = write ? PCIEM_EVENT_MMIO_WRITE : PCIEM_EVENT_MMIO_READ,
		.space = bar, .off = off, .size = size, .data = write ? data : 0, .ip = ip,
	};
	struct pciem_event ev;
	unsigned long flags;
	enum result res;
	u64 val = 0, before;

	raw_spin_lock_irqsave(&rp->lock, flags);
	before = rp->divergences;
	if (in_msix(dev, bar, off, size)) {
		msix_access(rp);
		res = R_ANSWER;
		if (!write)
			data = pciem_bar_read(dev, bar, off, size);
	} else {
		res = replay_access(rp, &a, &val, &flags);
		if (!write)
			data = res == R_ANSWER ? val : ones(size);
	}
	pciem_event_fill(&ev, a.type, bar, off, size, data, ip);
	ev.flags = evflags;
	pciem_ring_push(dev, &ev);
	diverge_seq(rp, before, ev.seq);
	release(rp);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	*apply = res == R_ANSWER;
	return data;
}

/*
 * A config write (under the PCI core's config lock), already applied to
 * the config image; @ev, if not NULL, is its event to emit.
 */
void pciem_replay_cfg_write(struct pciem_device *dev, unsigned int where, unsigned int size,
			    u32 val, unsigned long ip, struct pciem_event *ev)
{
	struct pciem_replay *rp = dev->replay;
	struct access a = {
		.type = PCIEM_EVENT_CONFIG_WRITE, .space = SPACE_CFG, .off = where,
		.size = size, .data = val, .ip = ip,
	};
	unsigned long flags;
	u64 unused, before;

	if (!(rp->flags & PCIEM_REPLAY_F_CONFIG_WRITES) || !pciem_cfg_plain(dev, where, size)) {
		if (ev)
			pciem_ring_push(dev, ev);
		return;
	}
	raw_spin_lock_irqsave(&rp->lock, flags);
	before = rp->divergences;
	replay_access(rp, &a, &unused, &flags);
	if (ev) {
		pciem_ring_push(dev, ev);
		diverge_seq(rp, before, ev->seq);
	}
	release(rp);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

/* Is @dev replaying its driver's DMA (PCIEM_REPLAY_F_DMA)? */
bool pciem_replay_has_dma(const struct pciem_device *dev)
{
	const struct pciem_replay *rp = READ_ONCE(dev->replay);

	return rp && (rp->flags & PCIEM_REPLAY_F_DMA);
}

static void call_event(struct pciem_replay *rp, const struct access *a, u64 addr)
{
	if (pciem_traced(rp->dev))
		pciem_dma_ctl_event(rp->dev, a->type, addr, a->data, a->size, a->flags, a->ip);
}

/*
 * The driver's DMA API calls (pciem_dma.c), under the mappings' lock, which
 * is taken before rp->lock.  Each is an access of the sequence, and its
 * event is emitted here, before the transfers recorded after it are done.
 * A map returns true when it was matched and placed (at its recorded
 * address if free), and its event emitted; false when the caller places it
 * and emits its event (the replay stopped, or the call diverged).
 */
bool pciem_replay_dma_map(struct pciem_device *dev, struct pciem_dma_rmap *r, u64 size,
			  unsigned long ip)
{
	struct pciem_replay *rp = dev->replay;
	struct access a = {
		.type = PCIEM_EVENT_DMA_MAP, .space = SPACE_DMA_MAP,
		.off = map_key(r->dir, r->coherent, size), .size = r->dir, .data = size,
		.flags = r->coherent ? PCIEM_EVENT_F_DMA_COHERENT : 0, .ip = ip,
	};
	unsigned long flags;
	u64 unused;

	raw_spin_lock_irqsave(&rp->lock, flags);
	a.cpu = smp_processor_id();
	rp->making = r;
	replay_access(rp, &a, &unused, &flags);
	rp->making = NULL;
	if (r->linked)
		call_event(rp, &a, r->live);
	release(rp);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return r->linked;
}

void pciem_replay_dma_unmap(struct pciem_device *dev, struct pciem_dma_rmap *r,
			    unsigned long ip)
{
	struct pciem_replay *rp = dev->replay;
	struct access a = {
		.type = PCIEM_EVENT_DMA_UNMAP, .space = SPACE_DMA_USE,
		.off = dma_use_key(r, r->live), .size = r->dir, .data = r->size, .addr = r->live,
		.flags = r->coherent ? PCIEM_EVENT_F_DMA_COHERENT : 0, .ip = ip,
	};
	unsigned long flags;
	u64 unused;

	raw_spin_lock_irqsave(&rp->lock, flags);
	replay_access(rp, &a, &unused, &flags);
	rmap_unlink(rp, r);	/* its memory is the driver's again */
	call_event(rp, &a, a.addr);
	release(rp);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

void pciem_replay_dma_sync(struct pciem_device *dev, const struct pciem_dma_rmap *r, u64 addr,
			   u64 size, u32 dir, u32 flags, unsigned long ip)
{
	struct pciem_replay *rp = dev->replay;
	struct access a = {
		.type = PCIEM_EVENT_DMA_SYNC, .space = SPACE_DMA_USE, .off = dma_use_key(r, addr),
		.size = dir, .data = size, .addr = addr, .flags = flags, .ip = ip,
	};
	unsigned long irqflags;
	u64 unused;

	raw_spin_lock_irqsave(&rp->lock, irqflags);
	replay_access(rp, &a, &unused, &irqflags);
	call_event(rp, &a, addr);
	release(rp);
	raw_spin_unlock_irqrestore(&rp->lock, irqflags);
}

/* An instruction the trap could not decode: that access is not replayed. */
void pciem_replay_unsupported(struct pciem_device *dev, unsigned int bar, u64 off,
			      unsigned long ip)
{
	struct pciem_replay *rp = dev->replay;
	struct access a = {
		.type = PCIEM_EVENT_UNSUPPORTED, .space = bar, .off = off, .ip = ip,
	};
	unsigned long flags;

	raw_spin_lock_irqsave(&rp->lock, flags);
	if (!stopped(rp))
		diverge(rp, PCIEM_DIV_UNSUPPORTED, 0, rp->cur,
			rp->cur < rp->tail ? slot(rp, rp->cur) : NULL, &a, 0);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

/* The device emitted lifecycle event @kind (any context but NMI). */
void pciem_replay_lifecycle(struct pciem_device *dev, u32 kind)
{
	struct pciem_replay *rp = dev->replay;
	unsigned long flags;
	u64 q;

	raw_spin_lock_irqsave(&rp->lock, flags);
	if (stopped(rp))
		goto out;
	if (kind == PCIEM_LC_REGISTERED)
		rp->live = true;	/* interrupts can be injected from now on */
	if (!rp->live)
		goto out;
	advance(rp, false);
	/* the marker of @kind, if only markers and passed-over events precede it */
	for (q = rp->cur; q < rp->tail; q++) {
		struct pciem_event *e = slot(rp, q);
		enum rclass c = classify(rp, e);

		if (is_done(rp, q) || c == RC_PASS || c == RC_HOLD)
			continue;
		if (c != RC_MARKER)
			goto out;
		if (e->offset == kind)
			break;
	}
	if (q == rp->tail)
		goto out;
	while (rp->cur <= q) {
		if (!is_done(rp, rp->cur))
			rp->passed_over++;
		pass(rp);
	}
	advance(rp, false);
	update_state(rp);
out:
	raw_spin_unlock_irqrestore(&rp->lock, flags);
}

/* ---- ioctls, read and poll ------------------------------------------------------ */

static bool size_ok(u32 size, u32 max)
{
	return size == 1 || size == 2 || size == 4 || (size == 8 && max == 8);
}

/* Is @e something the replay can take (see REPLAY_FEED in the ABI)? */
static bool event_valid(const struct pciem_device *dev, const struct pciem_event *e)
{
	u32 nrules = dev->replay->nrules;
	const struct pciem_bar *b;

	switch (e->type) {
	case PCIEM_EVENT_MMIO_READ:
	case PCIEM_EVENT_MMIO_WRITE:
		if (e->bar >= PCIEM_NUM_BARS || (e->flags & ~PCIEM_EVENT_F_SAME_INSN) ||
		    !size_ok(e->size, 8))
			return false;
		b = &dev->bars[e->bar];
		return b->present && !b->upper && e->offset < b->size &&
		       e->size <= b->size - e->offset && !(e->data & ~ones(e->size));
	case PCIEM_EVENT_CONFIG_READ:
	case PCIEM_EVENT_CONFIG_WRITE:
		if (e->flags & ~(e->type == PCIEM_EVENT_CONFIG_WRITE ? PCIEM_EVENT_F_HEADER : 0))
			return false;
		return size_ok(e->size, 4) && e->offset < PCIEM_CFG_SIZE &&
		       e->size <= PCIEM_CFG_SIZE - e->offset && !(e->data & ~ones(e->size));
	case PCIEM_EVENT_IRQ:
		return e->data < PCIEM_MSIX_MAX_VECTORS &&
		       !(e->flags & ~(PCIEM_EVENT_F_PENDING | PCIEM_EVENT_F_DEFERRED));
	case PCIEM_EVENT_LIFECYCLE:
		return e->offset >= PCIEM_LC_REGISTERED && e->offset <= PCIEM_LC_REMOVED &&
		       !e->flags;
	case PCIEM_EVENT_WATCHPOINT:
		return !(e->flags & ~PCIEM_EVENT_F_WRITE);
	case PCIEM_EVENT_UNSUPPORTED:
		return !e->flags;
	case PCIEM_EVENT_DMA_MAP:
	case PCIEM_EVENT_DMA_UNMAP:
		if (e->type == PCIEM_EVENT_DMA_MAP && e->size >> nrules)
			return false;	/* a rule REPLAY_START did not give */
		return e->bar <= PCIEM_DMA_DIR_FROM_DEVICE && e->data &&
		       !(e->flags & ~PCIEM_EVENT_F_DMA_COHERENT);
	case PCIEM_EVENT_DMA_SYNC:
		return e->bar <= PCIEM_DMA_DIR_FROM_DEVICE &&
		       !(e->flags & ~PCIEM_EVENT_F_DMA_FOR_DEVICE);
	case PCIEM_EVENT_DMA_READ:
	case PCIEM_EVENT_DMA_WRITE:
		return !e->bar && e->data <= PCIEM_TRACE_DMA_PIECE &&
		       !(e->flags & ~(PCIEM_EVENT_F_SAME_INSN | PCIEM_EVENT_F_DMA_FAULT |
				      PCIEM_EVENT_F_DMA_SEEN | PCIEM_EVENT_F_DMA_COHERENT));
	default:
		return false;
	}
}

/* PCIEM_IOCTL_REPLAY_START, under dev->lock. */
int pciem_replay_start(struct pciem_device *dev, const struct pciem_replay_start *s)
{
	struct pciem_replay *rp;
	u32 fifo = s->fifo_events ? s->fifo_events : PCIEM_REPLAY_DEF_FIFO;
	u32 window = s->window ? s->window : min(PCIEM_REPLAY_DEF_WINDOW, fifo);
	u32 pay = s->payload_bytes ? s->payload_bytes : PCIEM_REPLAY_DEF_PAYLOAD;
	int ret = -ENOMEM;

	if (s->match > PCIEM_REPLAY_MATCH_REGISTER || s->on_divergence > PCIEM_REPLAY_DIV_CONTINUE ||
	    s->timing > PCIEM_REPLAY_TIMING_RECORDED ||
	    (s->flags & ~(PCIEM_REPLAY_F_CONFIG_WRITES | PCIEM_REPLAY_F_DMA)) ||
	    s->dma_check > PCIEM_REPLAY_DMA_NONE ||
	    memchr_inv(s->reserved, 0, sizeof(s->reserved)))
		return -EINVAL;
	if (pay < PCIEM_REPLAY_MIN_PAYLOAD || pay > PCIEM_REPLAY_MAX_PAYLOAD)
		return -EINVAL;
	if (!is_power_of_2(fifo) || fifo < PCIEM_REPLAY_MIN_FIFO || fifo > PCIEM_REPLAY_MAX_FIFO ||
	    window > PCIEM_REPLAY_MAX_WINDOW || window > fifo ||
	    s->wait_us > PCIEM_REPLAY_MAX_WAIT_US)
		return -EINVAL;
	if (dev->state != PCIEM_CREATED || dev->replay)
		return -EBUSY;

	rp = kvzalloc(sizeof(*rp), GFP_KERNEL_ACCOUNT);
	if (!rp)
		return -ENOMEM;
	rp->fifo = kvmalloc_array(fifo, sizeof(*rp->fifo), GFP_KERNEL_ACCOUNT);
	rp->done = kvcalloc(BITS_TO_LONGS(fifo), sizeof(long), GFP_KERNEL_ACCOUNT);
	rp->pend = kvcalloc(fifo, sizeof(*rp->pend), GFP_KERNEL_ACCOUNT);
	rp->pay = kvmalloc(pay, GFP_KERNEL_ACCOUNT);
	if (!rp->fifo || !rp->done || !rp->pend || !rp->pay)
		goto err_free;
	if (s->match == PCIEM_REPLAY_MATCH_REGISTER) {
		rp->regs = kcalloc(1U << REG_BITS, sizeof(*rp->regs), GFP_KERNEL_ACCOUNT);
		if (!rp->regs)
			goto err_free;
	}
	ret = rules_start(rp, s);
	if (ret)
		goto err_free;
	raw_spin_lock_init(&rp->lock);
	rp->dev = dev;
	rp->match = s->match;
	rp->on_div = s->on_divergence;
	rp->timing = s->timing;
	rp->flags = s->flags;
	rp->window = window;
	rp->dma_check = s->dma_check;
	rp->pay_size = pay;
	rp->rmaps = RB_ROOT;
	rp->wait_ns = (u64)(s->wait_us ? s->wait_us : PCIEM_REPLAY_DEF_WAIT_US) * NSEC_PER_USEC;
	rp->size = fifo;
	rp->state = PCIEM_REPLAY_RUNNING;
	rp->timer_pos = U64_MAX;
	hrtimer_init(&rp->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	rp->timer.function = timer_fn;
	init_irq_work(&rp->irq_work, irq_fn);
	init_irq_work(&rp->wake_work, wake_fn);
	pciem_kick_init(&rp->kick, &rp->wake_work);
	init_irq_work(&rp->timer_work, timer_work_fn);
	mutex_init(&rp->read_lock);
	init_waitqueue_head(&rp->wq);
	/* complete before the fault handler or read() can see it */
	smp_store_release(&dev->replay, rp);
	return 0;

err_free:
	rules_free(rp);
	kfree(rp->regs);
	kvfree(rp->pay);
	kvfree(rp->pend);
	kvfree(rp->done);
	kvfree(rp->fifo);
	kvfree(rp);
	return ret;
}

/*
 * Copies @n bytes of the feeder's payload at @src into the payload FIFO at
 * rp->pay_tail, which only the feeder (under dev->lock) moves: that room
 * is not read by the replay until the events are published.
 */
static int pay_copy(struct pciem_replay *rp, const u8 __user *src, u64 n)
{
	u64 at = rp->pay_tail % rp->pay_size;
	u64 first = min(n, rp->pay_size - at);

	if (copy_from_user(rp->pay + at, src, first) ||
	    copy_from_user(rp->pay, src + first, n - first))
		return -EFAULT;
	return 0;
}

/* PCIEM_IOCTL_REPLAY_FEED, under dev->lock (so one feeder at a time). */
long pciem_replay_feed(struct pciem_device *dev, const struct pciem_replay_feed *f)
{
	struct pciem_replay *rp = dev->replay;
	struct pciem_event __user *uev = u64_to_user_ptr(f->events);
	const u8 __user *upay = u64_to_user_ptr(f->payload);
	struct pciem_event *buf;
	unsigned long flags;
	u32 accepted = 0, count, n, k;
	u64 room, pay_room, pay_used = 0, need, pos;
	long err = 0;
	bool dead, full = false;

	if (f->reserved)
		return -EINVAL;
	if (!rp || rp->ended)
		return -EBUSY;
	count = min(f->count, rp->size);	/* the count returned fits an int */
	if (!count)
		return 0;
	buf = kmalloc_array(FEED_CHUNK, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (accepted < count && !full) {
		raw_spin_lock_irqsave(&rp->lock, flags);
		room = rp->size - (rp->tail - rp->cur);
		pay_room = rp->pay_size - (rp->pay_tail - rp->pay_head);
		dead = stopped(rp);
		if (dead)	/* nothing will be replayed: take and drop them */
			rp->fed += count - accepted;
		raw_spin_unlock_irqrestore(&rp->lock, flags);
		if (dead) {
			accepted = count;
			break;
		}
		if (!room)
			break;
		n = min_t(u64, min_t(u64, room, count - accepted), FEED_CHUNK);
		if (copy_from_user(buf, uev + accepted, n * sizeof(*buf))) {
			err = -EFAULT;
			break;
		}
		for (k = 0, need = 0; k < n; k++) {
			u32 b;

			if (!event_valid(dev, &buf[k])) {
				err = -EINVAL;
				break;
			}
			b = ev_bytes(&buf[k]);
			if (pay_used + need + b > f->payload_len) {
				err = -EINVAL;		/* its bytes are not there */
				break;
			}
			if (need + b > pay_room) {
				full = true;		/* room for them later */
				break;
			}
			need += b;
		}
		n = k;
		if (need && pay_copy(rp, upay + pay_used, need)) {
			err = -EFAULT;
			break;
		}

		raw_spin_lock_irqsave(&rp->lock, flags);
		for (k = 0, pos = rp->pay_tail; k < n; k++) {
			u32 b = ev_bytes(&buf[k]);

			pos += b;
			*slot(rp, rp->tail) = buf[k];
			rp->pend[rp->tail & (rp->size - 1)] = b ? pos : 0;
			__clear_bit(rp->tail & (rp->size - 1), rp->done);
			if (work_event(rp, rp->tail))
				rp->left++;
			rp->tail++;
		}
		rp->pay_tail = pos;
		rp->fed += n;
		if (rp->live)
			advance(rp, false);	/* interrupts after what was consumed */
		raw_spin_unlock_irqrestore(&rp->lock, flags);
		accepted += n;
		pay_used += need;
		if (err)
			break;
	}
	kfree(buf);
	if (accepted)
		return accepted;
	return err ? err : -EAGAIN;
}

/* PCIEM_IOCTL_REPLAY_END */
int pciem_replay_end(struct pciem_device *dev)
{
	struct pciem_replay *rp = dev->replay;
	unsigned long flags;

	if (!rp || rp->ended)
		return -EBUSY;
	raw_spin_lock_irqsave(&rp->lock, flags);
	WRITE_ONCE(rp->ended, true);
	update_state(rp);
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	wake_up_interruptible(&rp->wq);
	return 0;
}

/* PCIEM_IOCTL_REPLAY_STATUS */
int pciem_replay_status(struct pciem_device *dev, struct pciem_replay_status *st)
{
	struct pciem_replay *rp = dev->replay;
	unsigned long flags;

	if (!rp)
		return -EBUSY;
	memset(st, 0, sizeof(*st));
	raw_spin_lock_irqsave(&rp->lock, flags);
	st->state = rp->state;
	st->flags = rp->ended ? PCIEM_REPLAY_ST_ENDED : 0;
	st->fed = rp->fed;
	st->consumed = rp->cur;
	st->left = rp->left;
	st->matched = rp->matched;
	st->irqs = rp->irqs;
	st->irq_errors = rp->irq_errors;
	st->passed_over = rp->passed_over;
	st->polls_extra = rp->polls_extra;
	st->polls_skipped = rp->polls_skipped;
	st->skipped = rp->skipped;
	st->divergences = rp->divergences;
	st->div_dropped = rp->div_dropped;
	st->dma_written = rp->dma_written;
	st->dma_compared = rp->dma_compared;
	st->first = rp->first;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return 0;
}

static bool read_ready(struct pciem_replay *rp)
{
	return READ_ONCE(rp->div_head) != READ_ONCE(rp->div_tail) ||
	       READ_ONCE(rp->state) != PCIEM_REPLAY_RUNNING;
}

/* read() of the device's /dev/pciem fd: divergence records. */
ssize_t pciem_replay_read(struct pciem_device *dev, char __user *buf, size_t len, bool nonblock)
{
	struct pciem_replay *rp = dev ? smp_load_acquire(&dev->replay) : NULL;
	struct pciem_replay_divergence d;
	unsigned long flags;
	size_t copied = 0;
	ssize_t ret = 0;
	bool have, final;

	if (!rp || len < sizeof(d))
		return -EINVAL;
	if (mutex_lock_interruptible(&rp->read_lock))
		return -ERESTARTSYS;
	while (len - copied >= sizeof(d)) {
		raw_spin_lock_irqsave(&rp->lock, flags);
		have = rp->div_head != rp->div_tail;
		if (have)
			d = rp->divq[rp->div_head % PCIEM_REPLAY_DIV_QUEUE];
		final = rp->state != PCIEM_REPLAY_RUNNING || rp->closing;
		raw_spin_unlock_irqrestore(&rp->lock, flags);
		if (!have) {
			if (copied || final)
				break;
			if (nonblock) {
				ret = -EAGAIN;
				break;
			}
			ret = wait_event_interruptible(rp->wq, read_ready(rp));
			if (ret)
				break;
			continue;
		}
		if (copy_to_user(buf + copied, &d, sizeof(d))) {
			ret = -EFAULT;
			break;
		}
		raw_spin_lock_irqsave(&rp->lock, flags);
		rp->div_head++;		/* only readers move it, under read_lock */
		raw_spin_unlock_irqrestore(&rp->lock, flags);
		copied += sizeof(d);
	}
	mutex_unlock(&rp->read_lock);
	return copied ? copied : ret;
}

__poll_t pciem_replay_poll(struct pciem_device *dev, struct file *file, poll_table *wait)
{
	struct pciem_replay *rp = smp_load_acquire(&dev->replay);
	unsigned long flags;
	__poll_t mask = 0;

	poll_wait(file, &rp->wq, wait);
	raw_spin_lock_irqsave(&rp->lock, flags);
	if (!rp->ended && ((rp->tail - rp->cur < rp->size &&
			    rp->pay_size - (rp->pay_tail - rp->pay_head) >= PCIEM_TRACE_DMA_PIECE) ||
			   stopped(rp)))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (rp->div_head != rp->div_tail)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (rp->state != PCIEM_REPLAY_RUNNING)
		mask |= EPOLLPRI;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	return mask;
}

/* ---- life cycle -------------------------------------------------------------------- */

/*
 * The replayer is gone and the device is being removed: from now on the
 * device reads all-ones and injects nothing, and no access waits for the
 * feed.  Process context, before the driver is unbound.
 */
void pciem_replay_hangup(struct pciem_device *dev)
{
	struct pciem_replay *rp = dev->replay;
	unsigned long flags;

	if (!rp)
		return;
	raw_spin_lock_irqsave(&rp->lock, flags);
	WRITE_ONCE(rp->closing, true);
	rp->irq_head = rp->irq_tail;
	rp->timer_pos = U64_MAX;
	raw_spin_unlock_irqrestore(&rp->lock, flags);
	irq_work_sync(&rp->timer_work);
	hrtimer_cancel(&rp->timer);
	wake_up_interruptible(&rp->wq);
}

/* After the fault handler has forgotten the device: nothing queues work now. */
void pciem_replay_sync(struct pciem_device *dev)
{
	struct pciem_replay *rp = dev->replay;

	if (!rp)
		return;
	irq_work_sync(&rp->timer_work);
	hrtimer_cancel(&rp->timer);
	irq_work_sync(&rp->irq_work);
	pciem_kick_sync(&rp->kick);
	irq_work_sync(&rp->wake_work);
}

void pciem_replay_free(struct pciem_device *dev)
{
	struct pciem_replay *rp = dev->replay;

	if (!rp)
		return;
	pciem_replay_sync(dev);
	dev->replay = NULL;
	rules_free(rp);
	kfree(rp->regs);
	kvfree(rp->pay);
	kvfree(rp->pend);
	kvfree(rp->done);
	kvfree(rp->fifo);
	kvfree(rp);
}
