// SPDX-License-Identifier: GPL-2.0
/*
 * PCIem: PCIe devices whose behaviour is a userspace program.
 *
 * /dev/pciem: one device per open file.  The ioctls describe the device,
 * REGISTER puts it on a PCI bus of its own and returns the instance fd
 * through which the device model maps the BARs; mmap of the /dev/pciem fd
 * at offset 0 is the event ring.  Closing the file (or the death of its
 * process) removes the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/idr.h>
#include <linux/capability.h>
#include <linux/uaccess.h>
#include <linux/eventfd.h>
#include <linux/log2.h>

#include "pciem.h"
#include "pciem_compat.h"

LIST_HEAD(pciem_devices);
DEFINE_SPINLOCK(pciem_devices_lock);
static DEFINE_IDA(pciem_ids);
static DEFINE_IDA(pciem_domains);	/* minus PCIEM_DOMAIN_BASE */
#define PCIEM_DOMAIN_SPAN	0x10000

static bool domain_in_use(int domain)
{
	struct pci_bus *bus = NULL;

	/* root buses, each the first of its domain */
	while ((bus = pci_find_next_bus(bus)))
		if (pci_domain_nr(bus) == domain)
			return true;
	return false;
}

/*
 * A PCI domain for a new device: the first from PCIEM_DOMAIN_BASE that no
 * other PCIem device holds and no bus the PCI core knows has (VMD numbers
 * its domains upwards from 0x10000 too).  Returns it, or -errno.
 */
static int domain_alloc(void)
{
	int k, skip[8], nskip = 0, ret;

	for (;;) {
		k = ida_alloc_max(&pciem_domains, PCIEM_DOMAIN_SPAN - 1, GFP_KERNEL);
		if (k < 0 || !domain_in_use(PCIEM_DOMAIN_BASE + k) ||
		    nskip == ARRAY_SIZE(skip))
			break;
		skip[nskip++] = k;	/* held until the search ends */
	}
	ret = k < 0 ? k : PCIEM_DOMAIN_BASE + k;
	if (k >= 0 && nskip == ARRAY_SIZE(skip) && domain_in_use(ret)) {
		ida_free(&pciem_domains, k);
		ret = -ENOSPC;
	}
	while (nskip)
		ida_free(&pciem_domains, skip[--nskip]);
	return ret;
}

/* ---- device objects ------------------------------------------------------ */

static void bar_free_pages(struct pciem_bar *b)
{
	unsigned long i;

	if (!b->pages)
		return;
	for (i = 0; i < b->npages; i++)
		if (b->pages[i])
			put_page(b->pages[i]);
	kvfree(b->pages);
	b->pages = NULL;
}

/* The last reference: process context. */
static void pciem_device_free(struct kref *ref)
{
	struct pciem_device *dev = container_of(ref, struct pciem_device, ref);
	int i;

	/* teardown left nothing queued, but a device may die unregistered */
	cancel_work_sync(&dev->add_work);
	cancel_work_sync(&dev->wp_work);
	irq_work_sync(&dev->irq_work);
	cancel_work_sync(&dev->irq_slow_work);
	for (i = 0; i < PCIEM_NUM_BARS; i++)
		bar_free_pages(&dev->bars[i]);
	pciem_replay_free(dev);
	pciem_msix_free(dev);
	pciem_dma_free(dev);
	pciem_ring_free(dev);
	if (!PCIEM_KEY_IS_REAL((u32)dev->domain))
		ida_free(&pciem_domains, dev->domain - PCIEM_DOMAIN_BASE);
	ida_free(&pciem_ids, dev->id);
	pciem_real_free(dev->real);
	pciem_rdma_free(dev->rdma);
	kfree(dev);
	module_put(THIS_MODULE);
}

void pciem_device_get(struct pciem_device *dev)
{
	kref_get(&dev->ref);
}

void pciem_device_put(struct pciem_device *dev)
{
	kref_put(&dev->ref, pciem_device_free);
}

/*
 * A device object under @key: a PCI domain of its own (a PCIem device), or
 * PCIEM_REAL_KEY() (a real device being traced).  Negative: allocate a
 * domain.
 */
static struct pciem_device *device_new(s64 key)
{
	struct pciem_device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	ret = ida_alloc_max(&pciem_ids, PCIEM_MAX_DEVICES - 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(dev);
		return ERR_PTR(ret == -ENOSPC ? -ENOSPC : ret);
	}
	dev->id = ret;
	ret = key >= 0 ? (int)(u32)key : domain_alloc();
	if (key < 0 && ret < 0) {
		ida_free(&pciem_ids, dev->id);
		kfree(dev);
		return ERR_PTR(ret);
	}
	dev->domain = ret;
	kref_init(&dev->ref);
	mutex_init(&dev->lock);
	raw_spin_lock_init(&dev->access_lock);
	pciem_cfg_init(dev);
	pciem_wp_init(dev);
	init_irq_work(&dev->irq_work, pciem_irq_work_fn);
	INIT_WORK(&dev->irq_slow_work, pciem_irq_slow_work_fn);
	pciem_bus_init(dev);
	ret = pciem_ring_alloc(dev);
	if (ret) {
		if (key < 0)
			ida_free(&pciem_domains, dev->domain - PCIEM_DOMAIN_BASE);
		ida_free(&pciem_ids, dev->id);
		kfree(dev);
		return ERR_PTR(ret);
	}
	__module_get(THIS_MODULE);	/* dropped when the last reference goes */
	return dev;
}

static struct pciem_device *pciem_device_new(void)
{
	return device_new(-1);
}

struct pciem_device *pciem_device_new_real(u32 key)
{
	return device_new(key);
}

/*
 * Takes the device off the bus; the driver's remove() runs here.  Each
 * step stops what could requeue the work the next one waits for.
 */
static void pciem_device_teardown(struct pciem_device *dev)
{
	unsigned long flags;
	struct eventfd_ctx *efd;

	mutex_lock(&dev->lock);
	pciem_replay_hangup(dev);	/* no access waits for a feed that stopped */
	if (dev->state == PCIEM_REGISTERED)
		pciem_bus_stop(dev);
	/* no new mapping of it from here (ioremap looks it up there) */
	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_del_init(&dev->node);
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	/* its mappings become orphans: no iounmap queues wp_work after this */
	pciem_trap_forget_device(dev);
	pciem_wp_release(dev);
	pciem_replay_sync(dev);		/* its interrupts use pdev */
	/*
	 * Config writes (sysfs) go on until the bus is removed: once they
	 * see the device dying they queue no interrupt work.  They run with
	 * interrupts off under the PCI core's lock, so after a grace period
	 * none that missed it is still queueing.
	 */
	WRITE_ONCE(dev->dying, true);
	synchronize_rcu();
	irq_work_sync(&dev->irq_work);	/* it uses pdev and the INTx irq */
	cancel_work_sync(&dev->irq_slow_work);	/* pdev, too */
	if (dev->state == PCIEM_REGISTERED)
		pciem_bus_unregister(dev);
	dev->state = PCIEM_DEAD;
	pciem_lifecycle(dev, PCIEM_LC_REMOVED, 0, 0, 0);
	pciem_trace_detach_all(dev);

	raw_spin_lock_irqsave(&dev->ring_lock, flags);
	efd = dev->efd;
	dev->efd = NULL;
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	pciem_ring_put_eventfd(dev, efd);
	mutex_unlock(&dev->lock);
}

/* ---- the instance fd: BAR memory ------------------------------------------ */

static vm_fault_t instance_fault(struct vm_fault *vmf)
{
	struct pciem_bar *b = vmf->vma->vm_private_data;
	unsigned long i = vmf->pgoff & ((1UL << (32 - PAGE_SHIFT)) - 1);

	if (i >= b->npages)
		return VM_FAULT_SIGBUS;
	get_page(b->pages[i]);
	vmf->page = b->pages[i];
	return 0;
}

static const struct vm_operations_struct instance_vm_ops = {
	.fault = instance_fault,
};

static int instance_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pciem_device *dev = file->private_data;
	unsigned long bar = vma->vm_pgoff >> (32 - PAGE_SHIFT);
	unsigned long first = vma->vm_pgoff & ((1UL << (32 - PAGE_SHIFT)) - 1);
	unsigned long pages = vma_pages(vma);
	struct pciem_bar *b;

	if (bar >= PCIEM_NUM_BARS)
		return -EINVAL;
	b = &dev->bars[bar];
	if (!b->present || b->upper || first >= b->npages || pages > b->npages - first)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	pciem_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = b;
	vma->vm_ops = &instance_vm_ops;
	return 0;
}

static int instance_release(struct inode *inode, struct file *file)
{
	pciem_device_put(file->private_data);
	return 0;
}

static const struct file_operations instance_fops = {
	.owner = THIS_MODULE,
	.mmap = instance_mmap,
	.release = instance_release,
	.llseek = noop_llseek,
};

/* ---- ioctls ----------------------------------------------------------------- */

static int ioc_create(struct pciem_file *pf, void __user *arg)
{
	struct pciem_device **slot = &pf->dev;
	struct pciem_create_device c;
	struct pciem_device *dev;
	unsigned long flags;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags || memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	if (*slot || pf->rec)
		return -EBUSY;
	dev = pciem_device_new();
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->state = PCIEM_CREATED;
	dev->creator_pid = task_tgid_nr(current);
	spin_lock_irqsave(&pciem_devices_lock, flags);
	list_add_tail(&dev->node, &pciem_devices);
	spin_unlock_irqrestore(&pciem_devices_lock, flags);
	pciem_trace_match(dev, true);
	smp_store_release(slot, dev);	/* complete before other ioctls see it */
	return 0;
}

static int ioc_add_bar(struct pciem_device *dev, void __user *arg)
{
	struct pciem_bar_config c;
	struct pciem_bar *b;
	u32 type;
	unsigned long i;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.reserved[0] || c.reserved[1] || c.bar_index >= PCIEM_NUM_BARS)
		return -EINVAL;
	if (c.flags & PCI_BASE_ADDRESS_SPACE_IO)
		return -EOPNOTSUPP;
	if (c.flags & ~(u32)(PCI_BASE_ADDRESS_MEM_TYPE_MASK | PCI_BASE_ADDRESS_MEM_PREFETCH))
		return -EINVAL;
	type = c.flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK;
	if (type != PCI_BASE_ADDRESS_MEM_TYPE_32 && type != PCI_BASE_ADDRESS_MEM_TYPE_64)
		return -EINVAL;
	if (c.size < PCIEM_BAR_MIN_SIZE || c.size > PCIEM_BAR_MAX_SIZE || !is_power_of_2(c.size))
		return -EINVAL;
	if (type == PCI_BASE_ADDRESS_MEM_TYPE_64 && c.bar_index == PCIEM_NUM_BARS - 1)
		return -EINVAL;
	if (dev->state != PCIEM_CREATED || dev->replay)
		return -EBUSY;
	b = &dev->bars[c.bar_index];
	if (b->present || b->upper ||
	    (type == PCI_BASE_ADDRESS_MEM_TYPE_64 && dev->bars[c.bar_index + 1].present))
		return -EEXIST;

	b->npages = DIV_ROUND_UP(c.size, PAGE_SIZE);
	b->pages = kvcalloc(b->npages, sizeof(*b->pages), GFP_KERNEL);
	if (!b->pages)
		return -ENOMEM;
	for (i = 0; i < b->npages; i++) {
		b->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT);
		if (!b->pages[i]) {
			bar_free_pages(b);
			return -ENOMEM;
		}
	}
	b->size = c.size;
	b->flags = c.flags;
	b->present = true;
	if (type == PCI_BASE_ADDRESS_MEM_TYPE_64)
		dev->bars[c.bar_index + 1].upper = true;
	pciem_cfg_bar_added(dev, c.bar_index);
	return 0;
}

static int ioc_add_cap(struct pciem_device *dev, void __user *arg)
{
	struct pciem_cap_config c;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (dev->state != PCIEM_CREATED || dev->cfg_image || dev->replay)
		return -EBUSY;
	return pciem_cfg_add_cap(dev, &c);
}

static int ioc_set_config_image(struct pciem_device *dev, void __user *arg)
{
	struct pciem_config_image c;
	u8 *img, *wmask = NULL;
	int ret;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags || c.reserved0 || memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	if (dev->state != PCIEM_CREATED || dev->cfg_image || dev->replay ||
	    dev->msi_off || dev->pcie_off || dev->pm_off)
		return -EBUSY;
	img = kmalloc(2 * PCIEM_CFG_SIZE, GFP_KERNEL);
	if (!img)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(img, u64_to_user_ptr(c.data), PCIEM_CFG_SIZE))
		goto out;
	if (c.wmask) {
		wmask = img + PCIEM_CFG_SIZE;
		if (copy_from_user(wmask, u64_to_user_ptr(c.wmask), PCIEM_CFG_SIZE))
			goto out;
	}
	ret = pciem_cfg_load_image(dev, img, wmask);
	if (ret)
		goto out;
	dev->cfg_image = true;
	dev->identity_set = true;
	pciem_trace_match(dev, false);
out:
	kfree(img);
	return ret;
}

static int ioc_set_config(struct pciem_device *dev, void __user *arg)
{
	struct pciem_config_space c;
	int ret;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (dev->state != PCIEM_CREATED || dev->replay)
		return -EBUSY;
	ret = pciem_cfg_set_identity(dev, &c);
	if (!ret) {
		dev->identity_set = true;
		pciem_trace_match(dev, false);
	}
	return ret;
}

static int ioc_set_watchpoint(struct pciem_device *dev, void __user *arg)
{
	struct pciem_watchpoint_config c;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (dev->state != PCIEM_CREATED && dev->state != PCIEM_REGISTERED)
		return -EBUSY;
	return pciem_wp_add(dev, &c);
}

static int ioc_register(struct pciem_device *dev)
{
	struct file *file;
	int fd, ret;

	if (dev->state != PCIEM_CREATED)
		return -EBUSY;
	if (!dev->identity_set)
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	pciem_device_get(dev);	/* for the instance file */
	file = anon_inode_getfile("pciem-instance", &instance_fops, dev, O_RDWR);
	if (IS_ERR(file)) {
		pciem_device_put(dev);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	ret = pciem_bus_register(dev);
	if (ret) {
		fput(file);	/* drops the reference taken above */
		put_unused_fd(fd);
		return ret;
	}
	dev->state = PCIEM_REGISTERED;
	fd_install(fd, file);
	return fd;
}

static int ioc_set_eventfd(struct pciem_device *dev, void __user *arg)
{
	struct pciem_eventfd_config c;
	struct eventfd_ctx *efd = NULL, *old;
	unsigned long flags;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.reserved || c.eventfd < -1)
		return -EINVAL;
	if (dev->state == PCIEM_DEAD)
		return -EBUSY;
	if (c.eventfd >= 0) {
		efd = eventfd_ctx_fdget(c.eventfd);
		if (IS_ERR(efd))
			return PTR_ERR(efd) == -EINVAL ? -EBADF : PTR_ERR(efd);
	}
	raw_spin_lock_irqsave(&dev->ring_lock, flags);
	old = dev->efd;
	dev->efd = efd;
	raw_spin_unlock_irqrestore(&dev->ring_lock, flags);
	pciem_ring_put_eventfd(dev, old);
	if (efd)
		irq_work_queue(&dev->notify_work);	/* events may be waiting */
	return 0;
}

static int ioc_get_bar_info(struct pciem_device *dev, void __user *arg)
{
	struct pciem_bar_info_query q;
	struct pciem_bar *b;

	if (copy_from_user(&q, arg, sizeof(q)))
		return -EFAULT;
	if (q.reserved[0] || q.reserved[1] || q.bar_index >= PCIEM_NUM_BARS)
		return -EINVAL;
	b = &dev->bars[q.bar_index];
	if (!b->present || b->upper)
		return -EINVAL;
	q.flags = b->flags;
	q.size = b->size;
	q.bus_addr = b->bus_addr;
	return copy_to_user(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static int ioc_inject_irq(struct pciem_device *dev, void __user *arg)
{
	struct pciem_irq_inject q;
	int ret;

	if (copy_from_user(&q, arg, sizeof(q)))
		return -EFAULT;
	if (q.reserved)
		return -EINVAL;
	if (dev->state != PCIEM_REGISTERED)
		return -EBUSY;
	ret = pciem_irq_inject(dev, q.vector, &q.status);
	if (ret)
		return ret;
	return copy_to_user(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static int ioc_dma(struct pciem_device *dev, void __user *arg)
{
	struct pciem_dma d;

	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (d.reserved[0] || d.reserved[1] || !d.len || d.len > PCIEM_DMA_MAX_LEN ||
	    (d.flags != PCIEM_DMA_TO_HOST && d.flags != PCIEM_DMA_FROM_HOST) ||
	    d.bus_addr + d.len - 1 < d.bus_addr)
		return -EINVAL;
	if (dev->state != PCIEM_REGISTERED)
		return -EBUSY;
	return pciem_dma_xfer(dev, &d);
}

static int ioc_set_trap_mode(struct pciem_device *dev, void __user *arg)
{
	struct pciem_trap_mode t;
	u32 mask;
	int i;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	if (t.reserved || (t.mode != PCIEM_TRAP_WRITES && t.mode != PCIEM_TRAP_FULL) ||
	    (t.bar_mask & ~GENMASK(PCIEM_NUM_BARS - 1, 0)))
		return -EINVAL;
	if (dev->state != PCIEM_CREATED && dev->state != PCIEM_REGISTERED)
		return -EBUSY;
	mask = t.bar_mask ? t.bar_mask : GENMASK(PCIEM_NUM_BARS - 1, 0);
	for (i = 0; i < PCIEM_NUM_BARS; i++) {
		const struct pciem_bar *b = &dev->bars[i];

		if ((mask & BIT(i)) && (!b->present || b->upper)) {
			if (t.bar_mask)
				return -EINVAL;	/* named an absent BAR */
			mask &= ~BIT(i);
		}
	}
	return pciem_trap_set_mode(dev, mask, t.mode == PCIEM_TRAP_FULL);
}

static int ioc_replay_start(struct pciem_device *dev, void __user *arg)
{
	struct pciem_replay_start s;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	return pciem_replay_start(dev, &s);
}

static long ioc_replay_feed(struct pciem_device *dev, void __user *arg)
{
	struct pciem_replay_feed f;

	if (copy_from_user(&f, arg, sizeof(f)))
		return -EFAULT;
	return pciem_replay_feed(dev, &f);
}

static int ioc_replay_status(struct pciem_device *dev, void __user *arg)
{
	struct pciem_replay_status st;
	int ret;

	ret = pciem_replay_status(dev, &st);
	if (ret)
		return ret;
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static int ioc_get_info(struct pciem_device *dev, void __user *arg)
{
	struct pciem_device_info info = { 0 };

	if (dev) {
		info.state = dev->state == PCIEM_DEAD ? 0 : dev->state;
		info.domain = dev->domain;
		if (dev->pdev) {
			info.bus = dev->pdev->bus->number;
			info.devfn = dev->pdev->devfn;
			info.driver_bound = dev->pdev->dev.driver != NULL;
		}
	}
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int ioc_subscribe(struct pciem_file *pf, void __user *arg)
{
	struct pciem_trace_subscribe s;
	struct pciem_recorder *rec;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (pf->dev || pf->rec)
		return -EBUSY;
	rec = pciem_trace_subscribe(&s);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	smp_store_release(&pf->rec, rec);
	return 0;
}

static long pciem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pciem_file *pf = file->private_data;
	struct pciem_device **slot = &pf->dev;
	struct pciem_device *dev;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (cmd == PCIEM_IOCTL_CREATE_DEVICE || cmd == PCIEM_IOCTL_TRACE_SUBSCRIBE) {
		mutex_lock(&pf->lock);
		if (cmd == PCIEM_IOCTL_CREATE_DEVICE)
			ret = ioc_create(pf, uarg);
		else
			ret = ioc_subscribe(pf, uarg);
		mutex_unlock(&pf->lock);
		return ret;
	}
	if (cmd == PCIEM_IOCTL_GET_DEVICE_INFO) {
		dev = smp_load_acquire(slot);
		if (dev)
			mutex_lock(&dev->lock);
		ret = ioc_get_info(dev, uarg);
		if (dev)
			mutex_unlock(&dev->lock);
		return ret;
	}

	switch (cmd) {
	case PCIEM_IOCTL_ADD_BAR:
	case PCIEM_IOCTL_ADD_CAPABILITY:
	case PCIEM_IOCTL_SET_CONFIG:
	case PCIEM_IOCTL_SET_WATCHPOINT:
	case PCIEM_IOCTL_REGISTER:
	case PCIEM_IOCTL_SET_EVENTFD:
	case PCIEM_IOCTL_GET_BAR_INFO:
	case PCIEM_IOCTL_INJECT_IRQ:
	case PCIEM_IOCTL_SET_TRAP_MODE:
	case PCIEM_IOCTL_SET_CONFIG_IMAGE:
	case PCIEM_IOCTL_REPLAY_START:
	case PCIEM_IOCTL_REPLAY_FEED:
	case PCIEM_IOCTL_REPLAY_END:
	case PCIEM_IOCTL_REPLAY_STATUS:
	case PCIEM_IOCTL_DMA:
		break;
	default:
		return -ENOTTY;
	}
	dev = smp_load_acquire(slot);
	if (!dev)
		return -ENODEV;

	mutex_lock(&dev->lock);
	switch (cmd) {
	case PCIEM_IOCTL_ADD_BAR:
		ret = ioc_add_bar(dev, uarg);
		break;
	case PCIEM_IOCTL_ADD_CAPABILITY:
		ret = ioc_add_cap(dev, uarg);
		break;
	case PCIEM_IOCTL_SET_CONFIG:
		ret = ioc_set_config(dev, uarg);
		break;
	case PCIEM_IOCTL_SET_WATCHPOINT:
		ret = ioc_set_watchpoint(dev, uarg);
		break;
	case PCIEM_IOCTL_REGISTER:
		ret = ioc_register(dev);
		break;
	case PCIEM_IOCTL_SET_EVENTFD:
		ret = ioc_set_eventfd(dev, uarg);
		break;
	case PCIEM_IOCTL_GET_BAR_INFO:
		ret = ioc_get_bar_info(dev, uarg);
		break;
	case PCIEM_IOCTL_SET_TRAP_MODE:
		ret = ioc_set_trap_mode(dev, uarg);
		break;
	case PCIEM_IOCTL_SET_CONFIG_IMAGE:
		ret = ioc_set_config_image(dev, uarg);
		break;
	case PCIEM_IOCTL_REPLAY_START:
		ret = ioc_replay_start(dev, uarg);
		break;
	case PCIEM_IOCTL_REPLAY_FEED:
		ret = ioc_replay_feed(dev, uarg);
		break;
	case PCIEM_IOCTL_REPLAY_END:
		ret = pciem_replay_end(dev);
		break;
	case PCIEM_IOCTL_REPLAY_STATUS:
		ret = ioc_replay_status(dev, uarg);
		break;
	case PCIEM_IOCTL_DMA:
		ret = ioc_dma(dev, uarg);
		break;
	default:
		ret = ioc_inject_irq(dev, uarg);
		break;
	}
	mutex_unlock(&dev->lock);
	return ret;
}

/* ---- /dev/pciem ---------------------------------------------------------------- */

static int pciem_open(struct inode *inode, struct file *file)
{
	struct pciem_file *pf;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->lock);
	file->private_data = pf;
	return nonseekable_open(inode, file);
}

static int pciem_release(struct inode *inode, struct file *file)
{
	struct pciem_file *pf = file->private_data;

	if (pf->dev) {
		pciem_device_teardown(pf->dev);
		pciem_device_put(pf->dev);
	}
	if (pf->rec)
		pciem_trace_unsubscribe(pf->rec);
	kfree(pf);
	return 0;
}

static __poll_t pciem_poll(struct file *file, poll_table *wait)
{
	struct pciem_file *pf = file->private_data;
	struct pciem_recorder *rec = smp_load_acquire(&pf->rec);
	struct pciem_device *dev = smp_load_acquire(&pf->dev);

	if (rec)
		return pciem_trace_poll(rec, file, wait);
	if (dev && smp_load_acquire(&dev->replay))
		return pciem_replay_poll(dev, file, wait);
	return EPOLLERR;
}

/* A replayed device's divergence records. */
static ssize_t pciem_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct pciem_file *pf = file->private_data;

	return pciem_replay_read(smp_load_acquire(&pf->dev), buf, len,
				 file->f_flags & O_NONBLOCK);
}

static int pciem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pciem_file *pf = file->private_data;
	struct pciem_recorder *rec = smp_load_acquire(&pf->rec);
	struct pciem_device *dev = smp_load_acquire(&pf->dev);

	if (rec)
		return pciem_trace_mmap(rec, vma);
	if (!dev)
		return -ENODEV;
	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start > dev->ring_bytes)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	pciem_vm_flags_clear(vma, VM_MAYEXEC);
	return remap_vmalloc_range(vma, dev->ring, 0);
}

static const struct file_operations pciem_fops = {
	.owner = THIS_MODULE,
	.open = pciem_open,
	.release = pciem_release,
	.read = pciem_read,
	.unlocked_ioctl = pciem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pciem_mmap,
	.poll = pciem_poll,
};

static struct miscdevice pciem_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pciem",
	.fops = &pciem_fops,
	.mode = 0600,
};

/* Drivers binding to and leaving PCIem devices, for the recorders. */
static int pciem_bus_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	if (pdev->bus->ops != &pciem_pci_ops) {
		pciem_real_bus_event(pdev, action);
		return NOTIFY_DONE;
	}
	if (action == BUS_NOTIFY_BOUND_DRIVER)
		pciem_lifecycle(pciem_bus_to_dev(pdev->bus), PCIEM_LC_DRIVER_BOUND, 0, 0, 0);
	else if (action == BUS_NOTIFY_UNBIND_DRIVER)	/* before remove() */
		pciem_lifecycle(pciem_bus_to_dev(pdev->bus), PCIEM_LC_DRIVER_UNBOUND, 0, 0, 0);
	else if (action == BUS_NOTIFY_UNBOUND_DRIVER)	/* after it, and after devres */
		pciem_dma_unbound(pciem_bus_to_dev(pdev->bus));
	return NOTIFY_DONE;
}

static struct notifier_block pciem_bus_nb = {
	.notifier_call = pciem_bus_event,
};

static int __init pciem_init(void)
{
	int ret;

	ret = pciem_trap_init();
	if (ret)
		return ret;
	ret = pciem_real_init();
	if (ret)
		goto err_trap;
	ret = bus_register_notifier(&pci_bus_type, &pciem_bus_nb);
	if (ret)
		goto err_real;
	ret = misc_register(&pciem_misc);
	if (ret)
		goto err_notifier;
	pr_info("loaded: /dev/pciem ready (ABI %d)\n", PCIEM_ABI_VERSION);
	return 0;

err_notifier:
	bus_unregister_notifier(&pci_bus_type, &pciem_bus_nb);
err_real:
	pciem_real_exit();
err_trap:
	pciem_trap_exit();
	return ret;
}

static void __exit pciem_exit(void)
{
	misc_deregister(&pciem_misc);
	bus_unregister_notifier(&pci_bus_type, &pciem_bus_nb);
	pciem_real_exit();
	pciem_trap_exit();
	ida_destroy(&pciem_ids);
	ida_destroy(&pciem_domains);
	pr_info("unloaded\n");
}

module_init(pciem_init);
module_exit(pciem_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCIem: PCIe devices emulated by userspace, with MMIO record and replay");
MODULE_AUTHOR("PCIem record/replay developers");
