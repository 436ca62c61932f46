// SPDX-License-Identifier: GPL-2.0
/*
 * Driver for the PCIem "DMA copy" example device (1234:dc01), a copy
 * engine: the driver writes a source and a destination bus address and a
 * length into BAR0, then START; the device copies the bytes by DMA and
 * raises MSI-X vector 0 when done, vector 1 when it failed.
 *
 * What it shows: MSI-X vectors (pci_alloc_irq_vectors, pci_irq_vector),
 * coherent DMA buffers (dma_alloc_coherent), streaming mappings
 * (dma_map_single / dma_unmap_single) and waiting for a completion
 * interrupt (wait_for_completion_timeout).
 *
 * Userspace interface, attributes of the PCI device in sysfs:
 *   copy            (write) N, 1..DC_BUF_SIZE: copy N bytes of a pattern
 *                   from one coherent buffer to another, and check them
 *   copy_streaming  (write) N, 1..DC_BUF_SIZE - DC_GUARD: the same
 *                   between two kmalloc'd buffers mapped with
 *                   dma_map_single for the copy only
 *   copy_stale      (write) N: a deliberate bug: the source is the bus
 *                   address of a streaming mapping already unmapped, so
 *                   the device's read is refused and it reports an error;
 *                   the destination must be left untouched
 *   result          (read)  the last copy's outcome, one line: "ok N",
 *                   "mismatch at byte I", "overrun at byte I",
 *                   "error E, destination untouched", "error E,
 *                   destination changed at byte I", "timeout", "busy"
 *                   (see below), "mapping failed" (ENOMEM), or "none"
 *                   before the first copy
 *   copies          (read)  the device's COUNT register: copies done
 *   irqs_done, irqs_error  (read)  interrupts handled on each vector
 * A write returns once the copy is over: with success if the result is
 * "ok", EIO if not, ETIMEDOUT on a timeout, and EBUSY while the device
 * has not yet reported a copy that timed out.
 *
 * Module parameter regress (0444, default 0) builds a known DMA bug into
 * the driver, for the replay of DMA (pciem-replay): record with the good
 * driver, replay against regress=N, and the replay names the first
 * difference.  Each bug is invisible in the registers the driver writes:
 *   0  the correct driver.
 *   1  the source buffer's byte 100 is off by one when the copy is of
 *      more than 100 bytes (a slip in what the driver prepares for the
 *      device): caught where the device reads the source, with its bytes.
 *   2  a streaming copy maps its destination without the guard bytes, 64
 *      bytes shorter than before: caught at that mapping.
 *   3  a streaming copy first maps a spare 4 KiB it never uses (and unmaps
 *      it last): caught at that mapping.  A replay that goes on
 *      (--on-divergence continue) then finds the bus addresses the copy's
 *      own mappings were recorded at taken by the spare one, gives them
 *      others, and still matches the SRC and DST registers (the same
 *      mappings, the same offsets).
 *   4  not a bug: a streaming copy unmaps its source before its destination,
 *      the other order than before.  A strict replay reports the first
 *      unmap; --match per-register takes the DMA calls of different
 *      mappings in either order and passes.
 * Any other value is refused: loading the module fails with EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>

#define DRV_NAME		"dma_copy"

#define DC_VENDOR_ID		0x1234
#define DC_DEVICE_ID		0xdc01

/* BAR0 registers, all 32 bits */
#define DC_REG_SRC_LO		0x00
#define DC_REG_SRC_HI		0x04
#define DC_REG_DST_LO		0x08
#define DC_REG_DST_HI		0x0c
#define DC_REG_LEN		0x10
#define DC_REG_CTRL		0x14
#define DC_REG_STATUS		0x18
#define DC_REG_ERROR		0x1c
#define DC_REG_COUNT		0x20
#define DC_REGS_LEN		0x24

#define DC_CTRL_START		BIT(0)
#define DC_STATUS_DONE		BIT(0)
#define DC_STATUS_ERROR		BIT(1)

/* MSI-X vectors */
#define DC_VEC_DONE		0
#define DC_VEC_ERROR		1
#define DC_NVEC			2

#define DC_BUF_SIZE		SZ_2M	/* above PCIEM_DMA_MAX_LEN (1 MiB) */
#define DC_GUARD		64	/* bytes after a copy that must not change */
#define DC_CANARY		0x5a
#define DC_TIMEOUT_MS		5000

enum dc_kind { DC_COHERENT, DC_STREAMING, DC_STALE };

struct dma_copy {
	struct pci_dev *pdev;
	void __iomem *regs;

	/* coherent buffers, for the life of the driver */
	u8 *src, *dst;
	dma_addr_t src_bus, dst_bus;
	/* streaming buffers, mapped for one copy at a time */
	u8 *s_src, *s_dst;

	struct mutex lock;	/* one copy at a time; guards result, seed */
	char result[64];
	u8 seed;		/* varies the pattern from copy to copy */

	spinlock_t irq_lock;	/* busy, status, done */
	bool busy;		/* started, and no interrupt yet */
	u32 status;		/* STATUS as the last interrupt found it */
	struct completion done;

	int irq[DC_NVEC];	/* Linux irq number of each vector */
	atomic_t irqs[DC_NVEC];	/* interrupts handled on each */
};

#define DC_REGRESS_MAX		4
static unsigned int regress;

/* Values above DC_REGRESS_MAX fail the load with -EINVAL. */
static int regress_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, DC_REGRESS_MAX);
}

static const struct kernel_param_ops regress_ops = {
	.set	= regress_set,
	.get	= param_get_uint,
};
module_param_cb(regress, &regress_ops, &regress, 0444);
__MODULE_PARM_TYPE(regress, "uint");
MODULE_PARM_DESC(regress,
		 "Known DMA bug for the replay demo: 0 none (default), 1 source byte 100 off by one, 2 streaming destination mapped without its guard bytes, 3 a spare streaming mapping first, 4 streaming unmaps in the other order (not a bug)");

/* The byte at @i of the pattern: not periodic in 256, so a shift shows. */
static u8 pattern(u8 seed, size_t i)
{
	return seed + i + i / 251;
}

/*
 * Both vectors: the device has set STATUS (done or error) before raising
 * either.  Acknowledge (STATUS is write-1-to-clear), note the status and
 * wake the copy that waits.
 */
static irqreturn_t dma_copy_irq(int irq, void *data)
{
	struct dma_copy *dc = data;
	unsigned long flags;
	u32 status;

	status = readl(dc->regs + DC_REG_STATUS);
	if (!(status & (DC_STATUS_DONE | DC_STATUS_ERROR)))
		return IRQ_NONE;
	writel(status, dc->regs + DC_REG_STATUS);

	atomic_inc(&dc->irqs[irq == dc->irq[DC_VEC_DONE] ? DC_VEC_DONE : DC_VEC_ERROR]);
	spin_lock_irqsave(&dc->irq_lock, flags);
	dc->status = status;
	dc->busy = false;
	complete(&dc->done);
	spin_unlock_irqrestore(&dc->irq_lock, flags);
	return IRQ_HANDLED;
}

/*
 * Program one copy and wait for its interrupt.  Returns the STATUS the
 * interrupt found, -EBUSY if the device still owes the interrupt of a copy
 * that timed out, -ETIMEDOUT if none came in time.
 */
static int dc_run(struct dma_copy *dc, dma_addr_t src, dma_addr_t dst, u32 len)
{
	unsigned long flags;

	spin_lock_irqsave(&dc->irq_lock, flags);
	if (dc->busy) {
		spin_unlock_irqrestore(&dc->irq_lock, flags);
		return -EBUSY;
	}
	dc->busy = true;
	reinit_completion(&dc->done);
	spin_unlock_irqrestore(&dc->irq_lock, flags);

	writel(lower_32_bits(src), dc->regs + DC_REG_SRC_LO);
	writel(upper_32_bits(src), dc->regs + DC_REG_SRC_HI);
	writel(lower_32_bits(dst), dc->regs + DC_REG_DST_LO);
	writel(upper_32_bits(dst), dc->regs + DC_REG_DST_HI);
	writel(len, dc->regs + DC_REG_LEN);
	writel(DC_CTRL_START, dc->regs + DC_REG_CTRL);

	/*
	 * On a timeout, busy stays set: the device may still do the copy
	 * and interrupt later, and that interrupt must not be taken for
	 * the next copy's.
	 */
	if (!wait_for_completion_timeout(&dc->done, msecs_to_jiffies(DC_TIMEOUT_MS)))
		return -ETIMEDOUT;
	return dc->status;
}

/*
 * Check @dst after a copy of @len bytes: the pattern in [0, len), the
 * canary in the guard bytes after it.  Sets dc->result; 0 or -EIO.
 */
static int dc_check(struct dma_copy *dc, const u8 *dst, size_t len)
{
	size_t end = min_t(size_t, len + DC_GUARD, DC_BUF_SIZE);
	size_t i;

	for (i = 0; i < len; i++) {
		if (dst[i] != pattern(dc->seed, i)) {
			snprintf(dc->result, sizeof(dc->result), "mismatch at byte %zu", i);
			return -EIO;
		}
	}
	for (; i < end; i++) {
		if (dst[i] != DC_CANARY) {
			snprintf(dc->result, sizeof(dc->result), "overrun at byte %zu", i);
			return -EIO;
		}
	}
	snprintf(dc->result, sizeof(dc->result), "ok %zu", len);
	return 0;
}

/* After a failed copy: the destination must still be all canary. */
static void dc_check_untouched(struct dma_copy *dc, const u8 *dst, size_t len, u32 error)
{
	size_t end = min_t(size_t, len + DC_GUARD, DC_BUF_SIZE);
	size_t i;

	for (i = 0; i < end; i++) {
		if (dst[i] != DC_CANARY) {
			snprintf(dc->result, sizeof(dc->result),
				 "error %u, destination changed at byte %zu", error, i);
			return;
		}
	}
	snprintf(dc->result, sizeof(dc->result), "error %u, destination untouched", error);
}

/*
 * One copy of @len bytes of the pattern, of kind @kind.  Called under
 * dc->lock; sets dc->result; 0 if the copy is right.
 */
static int dc_copy(struct dma_copy *dc, enum dc_kind kind, size_t len)
{
	struct device *dev = &dc->pdev->dev;
	u8 *src = kind == DC_COHERENT ? dc->src : dc->s_src;
	u8 *dst = kind == DC_STREAMING ? dc->s_dst : dc->dst;
	dma_addr_t src_bus = dc->src_bus, dst_bus = dc->dst_bus;
	dma_addr_t spare_bus = DMA_MAPPING_ERROR;
	size_t i, dst_len = 0;
	int ret;

	dc->seed++;
	for (i = 0; i < len; i++)
		src[i] = pattern(dc->seed, i);
	if (regress == 1 && len > 100)
		src[100]++;
	memset(dst, DC_CANARY, min_t(size_t, len + DC_GUARD, DC_BUF_SIZE));

	if (kind == DC_STREAMING && regress == 3) {
		spare_bus = dma_map_single(dev, dc->s_src + DC_BUF_SIZE - SZ_4K, SZ_4K,
					   DMA_TO_DEVICE);
		if (dma_mapping_error(dev, spare_bus)) {
			strscpy(dc->result, "mapping failed", sizeof(dc->result));
			return -ENOMEM;
		}
	}
	if (kind != DC_COHERENT) {
		/*
		 * Streaming: map for this copy only.  From the map to the
		 * unmap the buffer is the device's; the CPU keeps off it.
		 */
		src_bus = dma_map_single(dev, src, len, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, src_bus)) {
			if (spare_bus != DMA_MAPPING_ERROR)
				dma_unmap_single(dev, spare_bus, SZ_4K, DMA_TO_DEVICE);
			strscpy(dc->result, "mapping failed", sizeof(dc->result));
			return -ENOMEM;
		}
	}
	if (kind == DC_STALE) {
		/* the bug: unmap the source, then give its address anyway */
		dma_unmap_single(dev, src_bus, len, DMA_TO_DEVICE);
	}
	if (kind == DC_STREAMING) {
		dst_len = len + (regress == 2 ? 0 : DC_GUARD);
		dst_bus = dma_map_single(dev, dst, dst_len, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, dst_bus)) {
			dma_unmap_single(dev, src_bus, len, DMA_TO_DEVICE);
			if (spare_bus != DMA_MAPPING_ERROR)
				dma_unmap_single(dev, spare_bus, SZ_4K, DMA_TO_DEVICE);
			strscpy(dc->result, "mapping failed", sizeof(dc->result));
			return -ENOMEM;
		}
	}

	ret = dc_run(dc, src_bus, dst_bus, len);

	/*
	 * After a timeout the device may still copy: unmapping the streaming
	 * buffers now is safe only because the device's IOMMU (PCIem) will
	 * refuse its late access.  A driver for hardware without one would
	 * stop the device first.
	 */
	if (kind == DC_STREAMING) {
		if (regress == 4)
			dma_unmap_single(dev, src_bus, len, DMA_TO_DEVICE);
		dma_unmap_single(dev, dst_bus, dst_len, DMA_FROM_DEVICE);
		if (regress != 4)
			dma_unmap_single(dev, src_bus, len, DMA_TO_DEVICE);
	}
	if (spare_bus != DMA_MAPPING_ERROR)
		dma_unmap_single(dev, spare_bus, SZ_4K, DMA_TO_DEVICE);

	if (ret == -EBUSY) {
		strscpy(dc->result, "busy", sizeof(dc->result));
		return ret;
	}
	if (ret == -ETIMEDOUT) {
		strscpy(dc->result, "timeout", sizeof(dc->result));
		return ret;
	}
	if (ret & DC_STATUS_ERROR) {
		dc_check_untouched(dc, dst, len, readl(dc->regs + DC_REG_ERROR));
		return -EIO;
	}
	return dc_check(dc, dst, len);
}

static ssize_t dc_copy_store(struct device *dev, enum dc_kind kind,
			     const char *buf, size_t count)
{
	struct dma_copy *dc = dev_get_drvdata(dev);
	unsigned int len;
	int ret;

	ret = kstrtouint(buf, 0, &len);
	if (ret)
		return ret;
	/* the streaming destination's mapping covers the guard bytes too */
	if (len < 1 || len > DC_BUF_SIZE - (kind == DC_STREAMING ? DC_GUARD : 0))
		return -EINVAL;

	mutex_lock(&dc->lock);
	ret = dc_copy(dc, kind, len);
	mutex_unlock(&dc->lock);
	return ret ? ret : count;
}

static ssize_t copy_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	return dc_copy_store(dev, DC_COHERENT, buf, count);
}
static DEVICE_ATTR_WO(copy);

static ssize_t copy_streaming_store(struct device *dev, struct device_attribute *attr,
				    const char *buf, size_t count)
{
	return dc_copy_store(dev, DC_STREAMING, buf, count);
}
static DEVICE_ATTR_WO(copy_streaming);

static ssize_t copy_stale_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	return dc_copy_store(dev, DC_STALE, buf, count);
}
static DEVICE_ATTR_WO(copy_stale);

static ssize_t result_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dma_copy *dc = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&dc->lock);
	n = sysfs_emit(buf, "%s\n", dc->result);
	mutex_unlock(&dc->lock);
	return n;
}
static DEVICE_ATTR_RO(result);

static ssize_t copies_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dma_copy *dc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", readl(dc->regs + DC_REG_COUNT));
}
static DEVICE_ATTR_RO(copies);

static ssize_t irqs_done_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dma_copy *dc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&dc->irqs[DC_VEC_DONE]));
}
static DEVICE_ATTR_RO(irqs_done);

static ssize_t irqs_error_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dma_copy *dc = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&dc->irqs[DC_VEC_ERROR]));
}
static DEVICE_ATTR_RO(irqs_error);

static struct attribute *dma_copy_attrs[] = {
	&dev_attr_copy.attr,
	&dev_attr_copy_streaming.attr,
	&dev_attr_copy_stale.attr,
	&dev_attr_result.attr,
	&dev_attr_copies.attr,
	&dev_attr_irqs_done.attr,
	&dev_attr_irqs_error.attr,
	NULL
};
ATTRIBUTE_GROUPS(dma_copy);

static void dc_free_buffers(struct dma_copy *dc)
{
	struct device *dev = &dc->pdev->dev;

	if (dc->src)
		dma_free_coherent(dev, DC_BUF_SIZE, dc->src, dc->src_bus);
	if (dc->dst)
		dma_free_coherent(dev, DC_BUF_SIZE, dc->dst, dc->dst_bus);
	kfree(dc->s_src);
	kfree(dc->s_dst);
}

/*
 * The device, its BAR0 region and mapping and the struct are
 * device-managed (released after remove() or a failed probe); the
 * buffers, interrupts and vectors are freed by hand, to show each pair.
 */
static int dma_copy_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct dma_copy *dc;
	int ret, v;

	dc = devm_kzalloc(dev, sizeof(*dc), GFP_KERNEL);
	if (!dc)
		return -ENOMEM;
	dc->pdev = pdev;
	mutex_init(&dc->lock);
	spin_lock_init(&dc->irq_lock);
	init_completion(&dc->done);
	strscpy(dc->result, "none", sizeof(dc->result));

	ret = pcim_enable_device(pdev);
	if (ret) {
		dev_err(dev, "cannot enable device: %d\n", ret);
		return ret;
	}
	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < DC_REGS_LEN) {
		dev_err(dev, "BAR0 is not a memory BAR of at least %u bytes\n", DC_REGS_LEN);
		return -ENODEV;
	}
	if (!devm_request_mem_region(dev, pci_resource_start(pdev, 0),
				     pci_resource_len(pdev, 0), DRV_NAME)) {
		dev_err(dev, "BAR0 is in use by another driver\n");
		return -EBUSY;
	}
	dc->regs = pcim_iomap(pdev, 0, 0);
	if (!dc->regs) {
		dev_err(dev, "cannot map BAR0\n");
		return -ENOMEM;
	}
	pci_set_master(pdev);

	/* SRC_HI and DST_HI: the device takes 64-bit bus addresses */
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(dev, "no usable DMA addressing: %d\n", ret);
		return ret;
	}
	dc->src = dma_alloc_coherent(dev, DC_BUF_SIZE, &dc->src_bus, GFP_KERNEL);
	dc->dst = dma_alloc_coherent(dev, DC_BUF_SIZE, &dc->dst_bus, GFP_KERNEL);
	dc->s_src = kmalloc(DC_BUF_SIZE, GFP_KERNEL);
	dc->s_dst = kmalloc(DC_BUF_SIZE, GFP_KERNEL);
	if (!dc->src || !dc->dst || !dc->s_src || !dc->s_dst) {
		dev_err(dev, "cannot allocate the buffers (4 x %u bytes)\n", DC_BUF_SIZE);
		ret = -ENOMEM;
		goto err_buffers;
	}

	/* both vectors, MSI-X only: this device has no MSI and no INTx pin */
	ret = pci_alloc_irq_vectors(pdev, DC_NVEC, DC_NVEC, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(dev, "cannot get %d MSI-X vectors: %d\n", DC_NVEC, ret);
		goto err_buffers;
	}
	pci_set_drvdata(pdev, dc);
	for (v = 0; v < DC_NVEC; v++) {
		dc->irq[v] = pci_irq_vector(pdev, v);
		ret = request_irq(dc->irq[v], dma_copy_irq, 0, DRV_NAME, dc);
		if (ret) {
			dev_err(dev, "cannot request vector %d: %d\n", v, ret);
			goto err_irqs;
		}
	}

	/* acknowledge a status an earlier driver may have left */
	writel(DC_STATUS_DONE | DC_STATUS_ERROR, dc->regs + DC_REG_STATUS);

	dev_info(dev, "copy engine, %u copies so far; buffers at %pad and %pad, MSI-X irqs %d and %d\n",
		 readl(dc->regs + DC_REG_COUNT), &dc->src_bus, &dc->dst_bus,
		 dc->irq[DC_VEC_DONE], dc->irq[DC_VEC_ERROR]);
	return 0;

err_irqs:
	while (--v >= 0)
		free_irq(dc->irq[v], dc);
	pci_free_irq_vectors(pdev);
err_buffers:
	dc_free_buffers(dc);
	return ret;
}

/* The sysfs attributes are gone, so no copy runs, when this is called. */
static void dma_copy_remove(struct pci_dev *pdev)
{
	struct dma_copy *dc = pci_get_drvdata(pdev);
	int v;

	for (v = 0; v < DC_NVEC; v++)
		free_irq(dc->irq[v], dc);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	dc_free_buffers(dc);
	dev_info(&pdev->dev, "removed after %d completions and %d errors\n",
		 atomic_read(&dc->irqs[DC_VEC_DONE]), atomic_read(&dc->irqs[DC_VEC_ERROR]));
}

static const struct pci_device_id dma_copy_ids[] = {
	{ PCI_DEVICE(DC_VENDOR_ID, DC_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, dma_copy_ids);

static struct pci_driver dma_copy_driver = {
	.name		= DRV_NAME,
	.id_table	= dma_copy_ids,
	.probe		= dma_copy_probe,
	.remove		= dma_copy_remove,
	.dev_groups	= dma_copy_groups,
};
module_pci_driver(dma_copy_driver);

MODULE_DESCRIPTION("Driver for the PCIem DMA copy example device");
MODULE_LICENSE("GPL");
