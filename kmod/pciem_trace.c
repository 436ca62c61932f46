// SPDX-License-Identifier: GPL-2.0
/*
 * The trace channel: recorders subscribe through their own /dev/pciem fd
 * and get every event of the devices they match in a ring of their own
 * (layout and rules in the ABI header).  Producers run in any context, the
 * fault handler and the #DB handler included; they are serialised per
 * device by the device's ring lock (which also hands out the sequence
 * numbers, so each device's records are in sequence order) and per
 * recorder by the recorder's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/mm.h>

#include "pciem.h"
#include "pciem_compat.h"

#define TRACE_HDR_BYTES	PAGE_SIZE
#define REC_HDR		sizeof(struct pciem_trace_rec)

LIST_HEAD(pciem_recorders);	/* under pciem_devices_lock */

struct pciem_recorder {
	struct list_head node;
	struct kref ref;
	raw_spinlock_t lock;
	struct pciem_trace_header *hdr;
	u8 *data;
	u64 size;
	u64 tail;		/* produced: the kernel's copy */
	u64 head;		/* consumed, as last validated */
	u32 match, flags;
	u16 vendor_id, device_id;
	u32 pid, domain;
	u64 wait_ns;
	bool gave_up;		/* a wait timed out: no more until half empty */
	bool lost_pending;	/* some device has losses not yet in a LOST record */
	struct pciem_device *real;	/* MATCH_REAL: the device it traces */
	wait_queue_head_t wq;
	struct irq_work wake_soon;	/* next tick: batches wake-ups */
	struct irq_work wake_now;	/* the ring is half full */
	struct pciem_kick kick;		/* wake_now from another CPU */
};

static void rec_wake(struct irq_work *work)
{
	struct pciem_recorder *rec = container_of(work, struct pciem_recorder, wake_now);

	wake_up_interruptible(&rec->wq);
}

static void rec_wake_soon(struct irq_work *work)
{
	struct pciem_recorder *rec = container_of(work, struct pciem_recorder, wake_soon);

	wake_up_interruptible(&rec->wq);
}

static void rec_free(struct kref *ref)
{
	struct pciem_recorder *rec = container_of(ref, struct pciem_recorder, ref);

	pciem_kick_sync(&rec->kick);
	irq_work_sync(&rec->wake_soon);
	irq_work_sync(&rec->wake_now);
	vfree(rec->hdr);
	kfree(rec);
}

void pciem_recorder_put(struct pciem_recorder *rec)
{
	kref_put(&rec->ref, rec_free);
}

/* The reader's head, if it is sane; else the last sane one. */
static u64 rec_head(struct pciem_recorder *rec)
{
	u64 h = READ_ONCE(rec->hdr->head);

	if (h >= rec->head && h <= rec->tail)
		rec->head = h;
	return rec->head;
}

static u64 rec_room(struct pciem_recorder *rec)
{
	return rec->size - (rec->tail - rec_head(rec));
}

/* Bytes needed for a record of @len payload bytes at the current tail. */
static u64 rec_need(struct pciem_recorder *rec, size_t len)
{
	u64 need = ALIGN(REC_HDR + len, 16);
	u64 to_end = rec->size - (rec->tail & (rec->size - 1));

	return to_end < need ? need + to_end : need;
}

static bool rec_wait_room(struct pciem_recorder *rec, u64 need)
{
	u64 deadline;

	if (rec->gave_up && rec_room(rec) >= rec->size / 2)
		rec->gave_up = false;	/* the reader caught up */
	if (rec_room(rec) >= need)
		return true;
	/*
	 * Waiting stalls a CPU with interrupts off, so a reader that cannot
	 * keep up is waited for once per episode, not once per record: the
	 * CPUs must not lock up for want of a reader.
	 */
	if (!(rec->flags & PCIEM_TRACE_F_LOSSLESS) || rec->gave_up)
		return false;
	/*
	 * This CPU is about to spin with interrupts off (and may hold
	 * locks of the driver's): the reader is woken from another CPU.
	 * With none, waiting could not help.
	 */
	if (!pciem_kick_elsewhere(&rec->kick))
		return false;
	deadline = ktime_get_mono_fast_ns() + rec->wait_ns;
	while (rec_room(rec) < need) {
		if (ktime_get_mono_fast_ns() > deadline) {
			rec->gave_up = true;
			return false;
		}
		udelay(1);
	}
	return true;
}

/*
 * A record's content: @len bytes at @p, then @xlen bytes at @x (a DMA
 * event's data; 0 for other records).
 */
struct rec_body {
	const void *p, *x;
	size_t len, xlen;
};

/* Caller holds rec->lock and checked the room. */
static void rec_put(struct pciem_recorder *rec, u16 type, u32 domain,
		    const struct rec_body *b)
{
	u64 need = ALIGN(REC_HDR + b->len + b->xlen, 16);
	u64 pos = rec->tail & (rec->size - 1);
	struct pciem_trace_rec h = { .type = type, .domain = domain };

	if (rec->size - pos < need) {
		struct pciem_trace_rec pad = {
			.size = rec->size - pos, .type = PCIEM_TREC_PAD, .domain = domain,
		};

		memcpy(rec->data + pos, &pad, sizeof(pad));
		rec->tail += rec->size - pos;
		pos = 0;
	}
	h.size = need;
	memcpy(rec->data + pos, &h, sizeof(h));
	/* an event, the common record: a copy of known size is plain moves,
	 * where memcpy() is a string instruction (one step per byte under
	 * emulation) */
	if (b->len == sizeof(struct pciem_event))
		memcpy(rec->data + pos + REC_HDR, b->p, sizeof(struct pciem_event));
	else
		memcpy(rec->data + pos + REC_HDR, b->p, b->len);
	if (b->xlen)
		memcpy(rec->data + pos + REC_HDR + b->len, b->x, b->xlen);
	rec->tail += need;
	smp_store_release(&rec->hdr->tail, rec->tail);
}

/* Caller holds rec->lock and checked the room. */
static void put_lost(struct pciem_attach *a, u32 domain)
{
	struct pciem_trace_lost l = {
		.first_seq = a->lost_first, .last_seq = a->lost_last, .count = a->lost_count,
	};
	struct rec_body b = { .p = &l, .len = sizeof(l) };

	rec_put(a->rec, PCIEM_TREC_LOST, domain, &b);
	a->lost_count = 0;
}

static void rec_kick(struct pciem_recorder *rec)
{
	if (rec->tail - rec->head >= rec->size / 2)
		irq_work_queue(&rec->wake_now);
	else
		irq_work_queue(&rec->wake_soon);
}

/*
 * Writes one record for @a's device; on no room counts the loss against
 * the device's sequence number @seq (for events) and reports it later.
 * Any context; the caller holds the device's ring lock.
 */
static void attach_write(struct pciem_attach *a, u32 domain, u16 type,
			 const struct rec_body *b, u64 seq)
{
	struct pciem_recorder *rec = a->rec;
	size_t len = b->len + b->xlen;
	unsigned long flags;

	if (!pciem_lock_any(&rec->lock, &flags)) {
		/* #DB, and the reader's lock kept past any bound */
		if (type == PCIEM_TREC_EVENT) {
			if (!a->lost_count++)
				a->lost_first = seq;
			a->lost_last = seq;
			WRITE_ONCE(rec->lost_pending, true);
		}
		return;
	}
	if (a->lost_count &&
	    rec_wait_room(rec, rec_need(rec, sizeof(struct pciem_trace_lost)) + rec_need(rec, len) + 64))
		put_lost(a, domain);
	if (!a->lost_count && rec_wait_room(rec, rec_need(rec, len))) {
		rec_put(rec, type, domain, b);
	} else {
		/* a lost description has no sequence number: the header counts it */
		if (type == PCIEM_TREC_EVENT) {
			if (!a->lost_count++)
				a->lost_first = seq;
			a->lost_last = seq;
			rec->lost_pending = true;
		}
		WRITE_ONCE(rec->hdr->lost, rec->hdr->lost + 1);
	}
	raw_spin_unlock_irqrestore(&rec->lock, flags);
	rec_kick(rec);
}

/*
 * Losses at the end of a burst have no next record to go before: they are
 * written when the reader polls and there is room.  Process context.
 */
static void flush_lost(struct pciem_recorder *rec)
{
	struct pciem_device *dev;
	unsigned long flags, dflags;
	unsigned int i;

	if (!READ_ONCE(rec->lost_pending))
		return;
	spin_lock_irqsave(&pciem_devices_lock, flags);
	raw_spin_lock(&rec->lock);
	rec->lost_pending = false;
	raw_spin_unlock(&rec->lock);
	list_for_each_entry(dev, &pciem_devices, node) {
		raw_spin_lock_irqsave(&dev->ring_lock, dflags);
		for (i = 0; i < dev->nattach; i++) {
			struct pciem_attach *a = &dev->attach[i];

			if (a->rec != rec || !a->lost_count)
				continue;
			raw_spin_lock(&rec->lock);
			if (rec_room(rec) >= rec_need(rec, sizeof(struct pciem_trace_lost)))
				put_lost(a, dev->domain);
			else
				rec->lost_pending = true;
			raw_spin_unlock(&rec->lock);
		}
		raw_spin_unlock_irqrestore(&dev->ring_lock, dflags);
	}
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
}

/*
 * Under dev->ring_lock: the event (seq assigned) to every recorder, with
 * @len bytes of @data after it (a DMA transfer's; 0 for other events).
 */
void pciem_trace_event(struct pciem_device *dev, const struct pciem_event *ev,
		       const void *data, size_t len)
{
	struct rec_body b = { .p = ev, .len = sizeof(*ev), .x = data, .xlen = len };
	unsigned int i;

	for (i = 0; i < dev->nattach; i++)
		if (!dev->attach[i].undescribed)
			attach_write(&dev->attach[i], dev->domain, PCIEM_TREC_EVENT, &b, ev->seq);
}

static void fill_description(struct pciem_device *dev, struct pciem_trace_device *d)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->vendor_id = pciem_cfg_read(dev, PCI_VENDOR_ID, 2);
	d->device_id = pciem_cfg_read(dev, PCI_DEVICE_ID, 2);
	d->msi_cap = dev->msi_off;
	d->pcie_cap = dev->pcie_off;
	d->pm_cap = dev->pm_off;
	d->creator_pid = dev->creator_pid;
	for (i = 0; i < PCIEM_NUM_BARS; i++) {
		const struct pciem_bar *b = &dev->bars[i];

		if (!b->present || b->upper)
			continue;
		d->bars[i].bus_addr = b->bus_addr;
		d->bars[i].size = b->size;
		d->bars[i].flags = b->flags;
	}
	for (i = 0; i < PCIEM_CFG_SIZE; i += 4)
		*(u32 *)&d->config[i] = pciem_cfg_read(dev, i, 4);
	if (pciem_is_real(dev))
		pciem_real_describe(dev, d);
}

/* Process context.  @only: one attachment, or NULL for all of them. */
static void describe(struct pciem_device *dev, struct pciem_recorder *only)
{
	struct pciem_trace_device *d = kmalloc(sizeof(*d), GFP_KERNEL);
	unsigned long flags;
	unsigned int i;

	if (d)
		fill_description(dev, d);
	raw_spin_lock_irqsave(&dev->ring_lock, flags);
	for (i = 0; i < dev->nattach; i++) {
		if (only && dev->attach[i].rec != only)
			continue;
		if (d)
			attach_write(&dev->attach[i], dev->domain, PCIEM_TREC_DEVICE,
				     &(struct rec_body){ .p = d, .len = sizeof(*d) }, dev->seq);
		else	/* no memory: the header counts a lost record */
			WRITE_ONCE(dev->attach[i].rec->hdr->lost,
				   dev->attach[i].rec->hdr->lost + 1);
		dev->attach[i].undescribed = false;
	}
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	kfree(d);
}

void pciem_trace_describe(struct pciem_device *dev)
{
	describe(dev, NULL);
}

static bool matches(const struct pciem_recorder *rec, const struct pciem_device *dev,
		    bool creating)
{
	if (pciem_is_real(dev))
		return false;	/* its own recorder only */
	switch (rec->match) {
	case PCIEM_TRACE_MATCH_ALL:
		return creating || (rec->flags & PCIEM_TRACE_F_EXISTING);
	case PCIEM_TRACE_MATCH_PID:
		return dev->creator_pid == rec->pid &&
		       (creating || (rec->flags & PCIEM_TRACE_F_EXISTING));
	case PCIEM_TRACE_MATCH_ID:
		return dev->identity_set &&
		       pciem_cfg_read((struct pciem_device *)dev, PCI_VENDOR_ID, 2) == rec->vendor_id &&
		       pciem_cfg_read((struct pciem_device *)dev, PCI_DEVICE_ID, 2) == rec->device_id;
	case PCIEM_TRACE_MATCH_DOMAIN:
		return !creating && dev->domain == rec->domain;
	default:
		return false;
	}
}

static bool attached(struct pciem_device *dev, struct pciem_recorder *rec)
{
	unsigned int i;

	for (i = 0; i < dev->nattach; i++)
		if (dev->attach[i].rec == rec)
			return true;
	return false;
}

/*
 * Caller holds pciem_devices_lock.  A device on the bus already
 * (@undescribed) gets its description written by describe() before any
 * of its events goes to @rec.
 */
static bool attach(struct pciem_device *dev, struct pciem_recorder *rec, bool undescribed)
{
	unsigned long flags;
	bool done = false;

	raw_spin_lock_irqsave(&dev->ring_lock, flags);
	if (!attached(dev, rec) && dev->nattach < PCIEM_MAX_RECORDERS) {
		kref_get(&rec->ref);
		dev->attach[dev->nattach++] = (struct pciem_attach) {
			.rec = rec, .undescribed = undescribed,
		};
		if (rec->flags & PCIEM_TRACE_F_FULL_TRAP)
			WRITE_ONCE(dev->full_recorders, dev->full_recorders + 1);
		done = true;
	}
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	if (!done && !attached(dev, rec))
		pr_warn_ratelimited("device %d: more than %d recorders, one is left out\n",
				    dev->id, PCIEM_MAX_RECORDERS);
	return done;
}

/*
 * A device was created (@creating) or identified by SET_CONFIG: attach the
 * recorders that match it.  Process context.
 */
void pciem_trace_match(struct pciem_device *dev, bool creating)
{
	struct pciem_recorder *rec;
	unsigned long flags;
	bool full = false;

	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_for_each_entry(rec, &pciem_recorders, node)
		if (matches(rec, dev, creating) && attach(dev, rec, false))
			full |= rec->flags & PCIEM_TRACE_F_FULL_TRAP;
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	if (full)
		pciem_trap_rearm(dev);
}

/* The device is gone: let go of its recorders. */
void pciem_trace_detach_all(struct pciem_device *dev)
{
	struct pciem_attach a[PCIEM_MAX_RECORDERS];
	unsigned long flags;
	unsigned int i, n;

	raw_spin_lock_irqsave(&dev->ring_lock, flags);
	n = dev->nattach;
	memcpy(a, dev->attach, sizeof(a[0]) * n);
	dev->nattach = 0;
	WRITE_ONCE(dev->full_recorders, 0);
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	for (i = 0; i < n; i++)
		pciem_recorder_put(a[i].rec);
}

/* Returns true when the device's last full-trap recorder left. */
static bool detach(struct pciem_device *dev, struct pciem_recorder *rec)
{
	unsigned long flags;
	unsigned int i;
	bool last = false;

	raw_spin_lock_irqsave(&dev->ring_lock, flags);
	for (i = 0; i < dev->nattach; i++) {
		if (dev->attach[i].rec != rec)
			continue;
		dev->attach[i] = dev->attach[--dev->nattach];
		if (rec->flags & PCIEM_TRACE_F_FULL_TRAP) {
			WRITE_ONCE(dev->full_recorders, dev->full_recorders - 1);
			last = !dev->full_recorders;
		}
		raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
		pciem_recorder_put(rec);
		return last;
	}
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	return false;
}

/*
 * A recorder of a real device: its description first, then its events
 * once it is armed.  Consumes @rec on failure.
 */
static struct pciem_recorder *subscribe_real(struct pciem_recorder *rec,
					     const struct pciem_trace_subscribe *s)
{
	struct pciem_device *dev = pciem_real_new(s);
	unsigned long flags;
	int ret;

	if (IS_ERR(dev)) {
		pciem_recorder_put(rec);
		return ERR_CAST(dev);
	}
	spin_lock_irqsave(&pciem_devices_lock, flags);
	attach(dev, rec, false);
	INIT_LIST_HEAD(&rec->node);
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	describe(dev, rec);
	ret = pciem_real_arm(dev);
	if (ret) {
		pciem_trace_detach_all(dev);
		pciem_device_put(dev);
		pciem_recorder_put(rec);
		return ERR_PTR(ret);
	}
	rec->real = dev;
	return rec;
}

struct pciem_recorder *pciem_trace_subscribe(const struct pciem_trace_subscribe *s)
{
	struct pciem_recorder *rec;
	struct pciem_device *dev, *late[PCIEM_MAX_DEVICES];
	bool describe_it[PCIEM_MAX_DEVICES];
	unsigned long flags;
	int n = 0, i;

	if (memchr_inv(s->reserved, 0, sizeof(s->reserved)) ||
	    memchr_inv(s->reserved0, 0, sizeof(s->reserved0)) || s->match > PCIEM_TRACE_MATCH_REAL ||
	    (s->flags & ~(PCIEM_TRACE_F_LOSSLESS | PCIEM_TRACE_F_EXISTING |
			  PCIEM_TRACE_F_FULL_TRAP)) ||
	    s->ring_size < PCIEM_TRACE_MIN_RING || s->ring_size > PCIEM_TRACE_MAX_RING ||
	    !is_power_of_2(s->ring_size) || s->wait_us > PCIEM_TRACE_MAX_WAIT_US)
		return ERR_PTR(-EINVAL);
	if ((s->match != PCIEM_TRACE_MATCH_ID && (s->vendor_id || s->device_id)) ||
	    (s->match != PCIEM_TRACE_MATCH_PID && s->pid) ||
	    (s->match != PCIEM_TRACE_MATCH_DOMAIN && s->match != PCIEM_TRACE_MATCH_REAL &&
	     s->domain) ||
	    (s->match != PCIEM_TRACE_MATCH_REAL && (s->bus || s->devfn)))
		return ERR_PTR(-EINVAL);

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return ERR_PTR(-ENOMEM);
	rec->hdr = vmalloc_user(TRACE_HDR_BYTES + s->ring_size);
	if (!rec->hdr) {
		kfree(rec);
		return ERR_PTR(-ENOMEM);
	}
	rec->data = (u8 *)rec->hdr + TRACE_HDR_BYTES;
	rec->size = s->ring_size;
	rec->hdr->version = PCIEM_ABI_VERSION;
	rec->hdr->header_size = TRACE_HDR_BYTES;
	rec->hdr->data_size = s->ring_size;
	rec->match = s->match;
	rec->flags = s->flags;
	rec->vendor_id = s->vendor_id;
	rec->device_id = s->device_id;
	rec->pid = s->pid;
	rec->domain = s->domain;
	rec->wait_ns = (u64)(s->wait_us ? s->wait_us : 10000) * NSEC_PER_USEC;
	kref_init(&rec->ref);
	raw_spin_lock_init(&rec->lock);
	init_waitqueue_head(&rec->wq);
	init_irq_work(&rec->wake_now, rec_wake);
	pciem_kick_init(&rec->kick, &rec->wake_now);
	rec->wake_soon = IRQ_WORK_INIT_LAZY(rec_wake_soon);

	if (s->match == PCIEM_TRACE_MATCH_REAL)
		return subscribe_real(rec, s);

	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_add_tail(&rec->node, &pciem_recorders);
	list_for_each_entry(dev, &pciem_devices, node) {
		if (!matches(rec, dev, false) ||
		    !attach(dev, rec, dev->state == PCIEM_REGISTERED))
			continue;
		if ((dev->state == PCIEM_REGISTERED || (rec->flags & PCIEM_TRACE_F_FULL_TRAP)) &&
		    n < PCIEM_MAX_DEVICES) {
			pciem_device_get(dev);
			describe_it[n] = dev->state == PCIEM_REGISTERED;
			late[n++] = dev;
		}
	}
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	/* devices already on the bus: their description comes first */
	for (i = 0; i < n; i++) {
		if (describe_it[i])
			describe(late[i], rec);
		if (rec->flags & PCIEM_TRACE_F_FULL_TRAP)
			pciem_trap_rearm(late[i]);
		pciem_device_put(late[i]);
	}
	return rec;
}

void pciem_trace_unsubscribe(struct pciem_recorder *rec)
{
	struct pciem_device *dev, *devs[PCIEM_MAX_DEVICES];
	unsigned long flags;
	int n = 0, i;

	if (rec->real) {
		pciem_real_stop(rec->real);
		detach(rec->real, rec);
		pciem_device_put(rec->real);
		pciem_recorder_put(rec);
		return;
	}
	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_del(&rec->node);
	list_for_each_entry(dev, &pciem_devices, node) {
		if (n < PCIEM_MAX_DEVICES) {
			pciem_device_get(dev);
			devs[n++] = dev;
		}
	}
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	for (i = 0; i < n; i++) {
		if (detach(devs[i], rec))
			pciem_trap_rearm(devs[i]);
		pciem_device_put(devs[i]);
	}
	pciem_recorder_put(rec);
}

int pciem_trace_mmap(struct pciem_recorder *rec, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start > TRACE_HDR_BYTES + rec->size)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	pciem_vm_flags_clear(vma, VM_MAYEXEC);
	return remap_vmalloc_range(vma, rec->hdr, 0);
}

__poll_t pciem_trace_poll(struct pciem_recorder *rec, struct file *file, poll_table *wait)
{
	flush_lost(rec);
	poll_wait(file, &rec->wq, wait);
	return READ_ONCE(rec->hdr->tail) != READ_ONCE(rec->hdr->head) ? EPOLLIN | EPOLLRDNORM : 0;
}
