// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration space of a PCIem device: a 4 KiB image with a per-byte
 * mask of the bits the driver may write.  The standard header and the
 * capabilities PCIem builds are emulated; everything else from 0x40 on is
 * plain storage whose writes are reported to the device model.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/bitops.h>
#include <linux/log2.h>

#include "pciem.h"

#define PCIEM_CAP_START		0x40
#define PCIEM_CAP_END		0x100

static void put8(struct pciem_device *dev, unsigned int at, u8 v, u8 wmask)
{
	dev->cfg[at] = v;
	dev->wmask[at] = wmask;
}

static void put16(struct pciem_device *dev, unsigned int at, u16 v, u16 wmask)
{
	put8(dev, at, v & 0xff, wmask & 0xff);
	put8(dev, at + 1, v >> 8, wmask >> 8);
}

static void put32(struct pciem_device *dev, unsigned int at, u32 v, u32 wmask)
{
	put16(dev, at, v & 0xffff, wmask & 0xffff);
	put16(dev, at + 2, v >> 16, wmask >> 16);
}

static u32 get(const struct pciem_device *dev, unsigned int at, unsigned int size)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (u32)dev->cfg[at + i] << (8 * i);
	return v;
}

void pciem_cfg_init(struct pciem_device *dev)
{
	raw_spin_lock_init(&dev->cfg_lock);
	memset(dev->cfg, 0, sizeof(dev->cfg));
	/* device-specific space is plain read/write storage */
	memset(dev->wmask, 0, PCIEM_CAP_START);
	memset(dev->wmask + PCIEM_CAP_START, 0xff, PCIEM_CFG_SIZE - PCIEM_CAP_START);
	put16(dev, PCI_COMMAND, 0,
	      PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	      PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	put8(dev, PCI_CACHE_LINE_SIZE, 0, 0xff);
	put8(dev, PCI_INTERRUPT_LINE, 0, 0xff);
	dev->cap_next = PCIEM_CAP_START;
}

int pciem_cfg_set_identity(struct pciem_device *dev, const struct pciem_config_space *c)
{
	if (memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	if (c->vendor_id == 0 || c->vendor_id == 0xffff)
		return -EINVAL;
	if (c->header_type != PCI_HEADER_TYPE_NORMAL || c->interrupt_pin > 1)
		return -EINVAL;

	put16(dev, PCI_VENDOR_ID, c->vendor_id, 0);
	put16(dev, PCI_DEVICE_ID, c->device_id, 0);
	put8(dev, PCI_REVISION_ID, c->revision, 0);
	put8(dev, PCI_CLASS_PROG, c->class_code[0], 0);
	put8(dev, PCI_CLASS_DEVICE, c->class_code[1], 0);
	put8(dev, PCI_CLASS_DEVICE + 1, c->class_code[2], 0);
	put8(dev, PCI_HEADER_TYPE, c->header_type, 0);
	put16(dev, PCI_SUBSYSTEM_VENDOR_ID, c->subsys_vendor_id, 0);
	put16(dev, PCI_SUBSYSTEM_ID, c->subsys_device_id, 0);
	put8(dev, PCI_INTERRUPT_PIN, c->interrupt_pin, 0);
	return 0;
}

/* Called at ADD_BAR: the BAR register's flag bits and sizing mask. */
static void cfg_define_bar(struct pciem_device *dev, unsigned int bar)
{
	struct pciem_bar *b = &dev->bars[bar];
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * bar;
	u64 mask = ~(b->size - 1);

	put32(dev, reg, b->flags, (u32)mask & PCI_BASE_ADDRESS_MEM_MASK);
	if (b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64)
		put32(dev, reg + 4, 0, (u32)(mask >> 32));
}

void pciem_cfg_set_bar(struct pciem_device *dev, unsigned int bar, u64 addr)
{
	struct pciem_bar *b = &dev->bars[bar];
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * bar;
	u64 v = b->flags | (addr & ~0xfULL);
	unsigned int n = (b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64) ? 8 : 4;
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&dev->cfg_lock, flags);
	for (i = 0; i < n; i++)
		dev->cfg[reg + i] = v >> (8 * i);
	raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);
}

/* Reserve @len bytes of capability space and link it into the list. */
static int cfg_new_cap(struct pciem_device *dev, u8 id, unsigned int len)
{
	unsigned int at = dev->cap_next;
	unsigned int prev;

	len = ALIGN(len, 4);
	if (at + len > PCIEM_CAP_END)
		return -ENOSPC;
	memset(dev->wmask + at, 0, len);
	put8(dev, at, id, 0);
	put8(dev, at + 1, 0, 0);
	if (!(get(dev, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
		put16(dev, PCI_STATUS, PCI_STATUS_CAP_LIST, 0);
		put8(dev, PCI_CAPABILITY_LIST, at, 0);
	} else {
		/* walk to the last capability */
		prev = dev->cfg[PCI_CAPABILITY_LIST];
		while (dev->cfg[prev + 1])
			prev = dev->cfg[prev + 1];
		dev->cfg[prev + 1] = at;
	}
	dev->cap_next = at + len;
	return at;
}

static bool flag_ok(u8 v)
{
	return v <= 1;
}

static unsigned int msi_len(bool is64, bool mask)
{
	return ALIGN(10 + (is64 ? 4 : 0) + (mask ? 10 : 0), 4);
}

/* The MSI capability's registers and write masks at @at. */
static void msi_layout(struct pciem_device *dev, unsigned int at, u8 log2, bool is64, bool mask)
{
	unsigned int data_at;
	u16 flags;

	flags = log2 << 1;
	if (is64)
		flags |= PCI_MSI_FLAGS_64BIT;
	if (mask)
		flags |= PCI_MSI_FLAGS_MASKBIT;
	put16(dev, at + PCI_MSI_FLAGS, flags, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	put32(dev, at + PCI_MSI_ADDRESS_LO, 0, 0xfffffffc);
	if (is64) {
		put32(dev, at + PCI_MSI_ADDRESS_HI, 0, 0xffffffff);
		data_at = at + PCI_MSI_DATA_64;
	} else {
		data_at = at + PCI_MSI_DATA_32;
	}
	put16(dev, data_at, 0, 0xffff);
	if (mask) {
		/* mask and pending follow the data register, dword aligned */
		put32(dev, data_at + 4, 0, (u32)GENMASK_ULL((1 << log2) - 1, 0));
		put32(dev, data_at + 8, 0, 0);
	}
	dev->msi_off = at;
	dev->msi_log2 = log2;
	dev->msi_64 = is64;
	dev->msi_mask = mask;
}

static int cap_msi(struct pciem_device *dev, const struct pciem_cap_msi_userspace *m)
{
	int at;

	if (memchr_inv(m->reserved, 0, sizeof(m->reserved)) || m->num_vectors_log2 > 5 ||
	    !flag_ok(m->has_64bit) || !flag_ok(m->has_masking))
		return -EINVAL;
	at = cfg_new_cap(dev, PCI_CAP_ID_MSI, msi_len(m->has_64bit, m->has_masking));
	if (at < 0)
		return at;
	msi_layout(dev, at, m->num_vectors_log2, m->has_64bit, m->has_masking);
	return 0;
}

/*
 * The MSI-X capability's registers and write masks at @at, its state set
 * up already (pciem_msix_setup()): the table size and the two locations
 * are read-only, enable and function mask the driver's (the device starts
 * disabled and unmasked, as after reset).
 */
static void msix_layout(struct pciem_device *dev, unsigned int at)
{
	dev->msix_off = at;
	put16(dev, at + PCI_MSIX_FLAGS, dev->msix_n - 1,
	      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	put32(dev, at + PCI_MSIX_TABLE, dev->msix_toff | dev->msix_tbar, 0);
	put32(dev, at + PCI_MSIX_PBA, dev->msix_poff | dev->msix_pbar, 0);
}

static int cap_msix(struct pciem_device *dev, const struct pciem_cap_msix_userspace *m)
{
	int at, ret;

	if (memchr_inv(m->reserved, 0, sizeof(m->reserved)))
		return -EINVAL;
	ret = pciem_msix_setup(dev, m->table_size, m->table_bar, m->table_offset,
			       m->pba_bar, m->pba_offset);
	if (ret)
		return ret;
	at = cfg_new_cap(dev, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (at < 0) {
		pciem_msix_free(dev);
		return at;
	}
	msix_layout(dev, at);
	return 0;
}

/* The PCI Express capability's write masks at @at (values: cap_pcie()). */
static void pcie_layout(struct pciem_device *dev, unsigned int at)
{
	memset(dev->wmask + at, 0, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	put16(dev, at + PCI_EXP_DEVCTL, 0, 0x7fff);
	put16(dev, at + PCI_EXP_LNKCTL, 0, 0x0fff);
	put16(dev, at + PCI_EXP_DEVCTL2, 0, 0xffff);
	put16(dev, at + PCI_EXP_LNKCTL2, 0, 0xffff);
	dev->pcie_off = at;
}

static int cap_pcie(struct pciem_device *dev, const struct pciem_cap_pcie_userspace *p)
{
	unsigned int speed = p->link_speed ? p->link_speed : 1;
	unsigned int width = p->link_width ? p->link_width : 1;
	int at;

	if (memchr_inv(p->reserved, 0, sizeof(p->reserved)) ||
	    (p->port_type != PCI_EXP_TYPE_ENDPOINT && p->port_type != PCI_EXP_TYPE_LEG_END) ||
	    speed > 4 || width > 16 || !is_power_of_2(width))
		return -EINVAL;
	at = cfg_new_cap(dev, PCI_CAP_ID_EXP, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	if (at < 0)
		return at;
	pcie_layout(dev, at);
	put16(dev, at + PCI_EXP_FLAGS, 2 | (p->port_type << 4), 0);
	put32(dev, at + PCI_EXP_DEVCAP, 0, 0);
	put16(dev, at + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN,
	      0x7fff);
	put32(dev, at + PCI_EXP_LNKCAP, speed | (width << 4), 0);
	put16(dev, at + PCI_EXP_LNKCTL, 0, 0x0fff);
	put16(dev, at + PCI_EXP_LNKSTA, speed | (width << 4), 0);
	put32(dev, at + PCI_EXP_DEVCAP2, 0, 0);
	put16(dev, at + PCI_EXP_DEVCTL2, 0, 0xffff);
	put32(dev, at + PCI_EXP_LNKCAP2, GENMASK(speed, 1), 0);
	put16(dev, at + PCI_EXP_LNKCTL2, speed, 0xffff);
	return 0;
}

/* The PM capability's write masks at @at (values: cap_pm()). */
static void pm_layout(struct pciem_device *dev, unsigned int at)
{
	memset(dev->wmask + at, 0, PCI_PM_SIZEOF);
	put16(dev, at + PCI_PM_CTRL, 0, PCI_PM_CTRL_STATE_MASK);
	dev->pm_off = at;
}

static int cap_pm(struct pciem_device *dev, const struct pciem_cap_pm_userspace *p)
{
	u16 pmc = 3;	/* PM spec 1.2 */
	int at;

	if (memchr_inv(p->reserved, 0, sizeof(p->reserved)) || !flag_ok(p->d1_support) ||
	    !flag_ok(p->d2_support) || !flag_ok(p->no_soft_reset))
		return -EINVAL;
	at = cfg_new_cap(dev, PCI_CAP_ID_PM, PCI_PM_SIZEOF);
	if (at < 0)
		return at;
	pm_layout(dev, at);
	if (p->d1_support)
		pmc |= PCI_PM_CAP_D1;
	if (p->d2_support)
		pmc |= PCI_PM_CAP_D2;
	put16(dev, at + PCI_PM_PMC, pmc, 0);
	put16(dev, at + PCI_PM_CTRL, p->no_soft_reset ? PCI_PM_CTRL_NO_SOFT_RESET : 0,
	      PCI_PM_CTRL_STATE_MASK);
	return 0;
}

int pciem_cfg_add_cap(struct pciem_device *dev, const struct pciem_cap_config *c)
{
	static const u32 sizes[] = {
		[PCIEM_CAP_MSI] = sizeof(struct pciem_cap_msi_userspace),
		[PCIEM_CAP_PCIE] = sizeof(struct pciem_cap_pcie_userspace),
		[PCIEM_CAP_PM] = sizeof(struct pciem_cap_pm_userspace),
		[PCIEM_CAP_MSIX] = sizeof(struct pciem_cap_msix_userspace),
	};

	if (c->cap_type == 0 || c->cap_type >= ARRAY_SIZE(sizes) || c->cap_size != sizes[c->cap_type])
		return -EINVAL;
	if (memchr_inv(c->cap_data + c->cap_size, 0, sizeof(c->cap_data) - c->cap_size))
		return -EINVAL;

	switch (c->cap_type) {
	case PCIEM_CAP_MSI:
		if (dev->msi_off)
			return -EEXIST;
		return cap_msi(dev, (const void *)c->cap_data);
	case PCIEM_CAP_PCIE:
		if (dev->pcie_off)
			return -EEXIST;
		return cap_pcie(dev, (const void *)c->cap_data);
	case PCIEM_CAP_MSIX:
		if (dev->msix_off)
			return -EEXIST;
		return cap_msix(dev, (const void *)c->cap_data);
	default:
		if (dev->pm_off)
			return -EEXIST;
		return cap_pm(dev, (const void *)c->cap_data);
	}
}

/* ---- a whole image (SET_CONFIG_IMAGE) ---------------------------------- */

#define PCIEM_MAX_CAPS	48

struct img_cap {
	u8 id;
	unsigned int at, len;
	u8 log2;		/* MSI */
	bool is64, mask;	/* MSI */
	u16 n;			/* MSI-X: table size */
	u32 table, pba;		/* MSI-X: offset | BAR */
};

static u16 img16(const u8 *img, unsigned int at)
{
	return img[at] | (img[at + 1] << 8);
}

static u32 img32(const u8 *img, unsigned int at)
{
	return img16(img, at) | ((u32)img16(img, at + 2) << 16);
}

/* Walks the image's capability list; 0 and @caps/@n, or -EINVAL. */
static int img_parse_caps(const u8 *img, struct img_cap *caps, unsigned int *n)
{
	DECLARE_BITMAP(seen, PCIEM_CAP_END / 4);
	unsigned int at, i;
	u16 flags;

	*n = 0;
	if (!(img16(img, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	bitmap_zero(seen, PCIEM_CAP_END / 4);
	for (at = img[PCI_CAPABILITY_LIST]; at; at = img[at + PCI_CAP_LIST_NEXT]) {
		struct img_cap *c = &caps[*n];

		if (at < PCIEM_CAP_START || at >= PCIEM_CAP_END || (at & 3) ||
		    test_and_set_bit(at / 4, seen) || *n == PCIEM_MAX_CAPS)
			return -EINVAL;
		memset(c, 0, sizeof(*c));
		c->id = img[at];
		c->at = at;
		switch (c->id) {
		case PCI_CAP_ID_MSI:
			flags = img16(img, at + PCI_MSI_FLAGS);
			if (flags & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QMASK |
				      PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_64BIT |
				      PCI_MSI_FLAGS_MASKBIT))
				return -EINVAL;
			c->log2 = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
			c->is64 = flags & PCI_MSI_FLAGS_64BIT;
			c->mask = flags & PCI_MSI_FLAGS_MASKBIT;
			if (c->log2 > 5)
				return -EINVAL;
			c->len = msi_len(c->is64, c->mask);
			break;
		case PCI_CAP_ID_EXP:
			flags = img16(img, at + PCI_EXP_FLAGS);
			if ((flags & PCI_EXP_FLAGS_VERS) != 2 ||
			    (((flags & PCI_EXP_FLAGS_TYPE) >> 4) != PCI_EXP_TYPE_ENDPOINT &&
			     ((flags & PCI_EXP_FLAGS_TYPE) >> 4) != PCI_EXP_TYPE_LEG_END))
				return -EINVAL;
			c->len = PCI_CAP_EXP_ENDPOINT_SIZEOF_V2;
			break;
		case PCI_CAP_ID_PM:
			c->len = PCI_PM_SIZEOF;
			break;
		case PCI_CAP_ID_MSIX:
			flags = img16(img, at + PCI_MSIX_FLAGS);
			if (flags & ~(PCI_MSIX_FLAGS_QSIZE | PCI_MSIX_FLAGS_ENABLE |
				      PCI_MSIX_FLAGS_MASKALL))
				return -EINVAL;
			c->n = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
			c->table = img32(img, at + PCI_MSIX_TABLE);
			c->pba = img32(img, at + PCI_MSIX_PBA);
			c->len = PCI_CAP_MSIX_SIZEOF;
			break;
		default:
			return -EINVAL;	/* not one PCIem emulates */
		}
		if (at + c->len > PCIEM_CAP_END)
			return -EINVAL;
		for (i = 0; i < *n; i++)
			if (caps[i].id == c->id ||
			    (caps[i].at < at + c->len && at < caps[i].at + caps[i].len))
				return -EINVAL;
		(*n)++;
	}
	for (i = 0; i < *n; i++)
		if (caps[i].id == PCI_CAP_ID_EXP && img32(img, PCI_CFG_SPACE_SIZE))
			return -EINVAL;	/* extended capabilities: none emulated */
	return 0;
}

static bool img_header_ignored(unsigned int at)
{
	return (at >= PCI_BASE_ADDRESS_0 && at <= PCI_BASE_ADDRESS_5 + 3) ||
	       (at >= PCI_ROM_ADDRESS && at < PCI_ROM_ADDRESS + 4);
}

/*
 * PCIEM_IOCTL_SET_CONFIG_IMAGE: @img and @wmask (or NULL) are kernel copies
 * of PCIEM_CFG_SIZE bytes.  The caller checked the device's state.
 */
int pciem_cfg_load_image(struct pciem_device *dev, const u8 *img, const u8 *wmask)
{
	struct img_cap *caps;
	unsigned long flags;
	unsigned int n, i, end = PCIEM_CAP_START;
	u16 vendor = img16(img, PCI_VENDOR_ID);
	int ret;

	if (vendor == 0 || vendor == 0xffff || img[PCI_HEADER_TYPE] != PCI_HEADER_TYPE_NORMAL ||
	    img[PCI_INTERRUPT_PIN] > 1)
		return -EINVAL;
	caps = kcalloc(PCIEM_MAX_CAPS, sizeof(*caps), GFP_KERNEL);
	if (!caps)
		return -ENOMEM;
	ret = img_parse_caps(img, caps, &n);
	if (ret)
		goto out;
	/* the one capability that can still be refused, before any change */
	for (i = 0; i < n; i++) {
		const struct img_cap *c = &caps[i];

		if (c->id != PCI_CAP_ID_MSIX)
			continue;
		ret = pciem_msix_setup(dev, c->n, c->table & PCI_MSIX_TABLE_BIR,
				       c->table & PCI_MSIX_TABLE_OFFSET,
				       c->pba & PCI_MSIX_PBA_BIR, c->pba & PCI_MSIX_PBA_OFFSET);
		if (ret)
			goto out;
	}

	/* write masks (and default values) as ADD_CAPABILITY makes them */
	for (i = 0; i < n; i++) {
		const struct img_cap *c = &caps[i];

		if (c->id == PCI_CAP_ID_MSI)
			msi_layout(dev, c->at, c->log2, c->is64, c->mask);
		else if (c->id == PCI_CAP_ID_MSIX)
			msix_layout(dev, c->at);
		else if (c->id == PCI_CAP_ID_EXP)
			pcie_layout(dev, c->at);
		else
			pm_layout(dev, c->at);
		end = max(end, c->at + c->len);
	}
	raw_spin_lock_irqsave(&dev->cfg_lock, flags);
	for (i = 0; i < PCIEM_CAP_START; i++)
		if (!img_header_ignored(i))
			dev->cfg[i] = img[i];
	memcpy(dev->cfg + PCIEM_CAP_START, img + PCIEM_CAP_START,
	       PCIEM_CFG_SIZE - PCIEM_CAP_START);
	if (dev->msi_off && dev->msi_mask)	/* pending bits are PCIem's */
		memset(dev->cfg + dev->msi_off + (dev->msi_64 ? PCI_MSI_PENDING_64 :
						    PCI_MSI_PENDING_32), 0, 4);
	if (dev->msix_off)	/* disabled and unmasked, as after reset */
		dev->cfg[dev->msix_off + PCI_MSIX_FLAGS + 1] &=
			~((PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8);
	if (wmask)
		memcpy(dev->wmask + PCIEM_CAP_START, wmask + PCIEM_CAP_START,
		       PCIEM_CFG_SIZE - PCIEM_CAP_START);
	raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);
	dev->cap_next = ALIGN(end, 4);
out:
	kfree(caps);
	return ret;
}

/*
 * Is [@where, @where + @size) device-specific config space: from 0x40 on,
 * outside the capabilities PCIem emulates?  Any context.
 */
bool pciem_cfg_plain(const struct pciem_device *dev, unsigned int where, unsigned int size)
{
	unsigned int lo[4] = { dev->msi_off, dev->pcie_off, dev->pm_off, dev->msix_off };
	unsigned int len[4] = { msi_len(dev->msi_64, dev->msi_mask),
				PCI_CAP_EXP_ENDPOINT_SIZEOF_V2, PCI_PM_SIZEOF, PCI_CAP_MSIX_SIZEOF };
	int i;

	if (where < PCIEM_CAP_START || where + size > PCIEM_CFG_SIZE)
		return false;
	for (i = 0; i < 4; i++)
		if (lo[i] && where < lo[i] + len[i] && lo[i] < where + size)
			return false;
	return true;
}

void pciem_cfg_bar_added(struct pciem_device *dev, unsigned int bar)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&dev->cfg_lock, flags);
	cfg_define_bar(dev, bar);
	raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);
}

static unsigned int cfg_limit(const struct pciem_device *dev)
{
	return dev->pcie_off ? PCIEM_CFG_SIZE : PCI_CFG_SPACE_SIZE;
}

u32 pciem_cfg_read(struct pciem_device *dev, unsigned int where, unsigned int size)
{
	unsigned long flags;
	u32 v;

	raw_spin_lock_irqsave(&dev->cfg_lock, flags);
	v = get(dev, where, size);
	raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);
	return v;
}

static bool valid_access(struct pciem_device *dev, unsigned int devfn, int where, int size)
{
	if (devfn != 0 || where < 0 || (size != 1 && size != 2 && size != 4))
		return false;
	return where + size <= cfg_limit(dev) && !(where & (size - 1));
}

static int pciem_pci_read(struct pci_bus *bus, unsigned int devfn, int where, int size, u32 *val)
{
	struct pciem_device *dev = pciem_bus_to_dev(bus);

	if (!valid_access(dev, devfn, where, size)) {
		*val = ~0U;
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	*val = pciem_cfg_read(dev, where, size);
	if (READ_ONCE(dev->nattach)) {
		struct pciem_event ev;

		pciem_event_fill(&ev, PCIEM_EVENT_CONFIG_READ, 0, where, size, *val, _RET_IP_);
		pciem_ring_push(dev, &ev);
	}
	return PCIBIOS_SUCCESSFUL;
}

/* Does the write touch MSI state, or MSI-X's enable and function mask? */
static bool in_msi_state(const struct pciem_device *dev, unsigned int where, int size)
{
	unsigned int lo = dev->msi_off, hi = dev->msi_off + 24;
	unsigned int xlo = dev->msix_off + PCI_MSIX_FLAGS;

	return (dev->msi_off && where < hi && where + size > lo) ||
	       (dev->msix_off && where < xlo + 2 && where + size > xlo);
}

static int pciem_pci_write(struct pci_bus *bus, unsigned int devfn, int where, int size, u32 val)
{
	struct pciem_device *dev = pciem_bus_to_dev(bus);
	struct pciem_event ev;
	unsigned long flags;
	bool push;
	int i;

	if (!valid_access(dev, devfn, where, size))
		return PCIBIOS_DEVICE_NOT_FOUND;

	raw_spin_lock_irqsave(&dev->cfg_lock, flags);
	for (i = 0; i < size; i++) {
		u8 m = dev->wmask[where + i];
		u8 b = (val >> (8 * i)) & 0xff;

		dev->cfg[where + i] = (dev->cfg[where + i] & ~m) | (b & m);
	}
	raw_spin_unlock_irqrestore(&dev->cfg_lock, flags);

	/* a write that disables MSI(-X) or masks vectors waits out deliveries */
	if (in_msi_state(dev, where, size))
		pciem_irq_msi_quiesce(dev);
	if (in_msi_state(dev, where, size) || (where <= PCI_COMMAND + 1 && where + size > PCI_COMMAND))
		pciem_irq_cfg_changed(dev);
	/* the model hears of writes from 0x40 on; recorders of all of them */
	push = where >= PCIEM_CAP_START || READ_ONCE(dev->nattach);
	if (push) {
		pciem_event_fill(&ev, PCIEM_EVENT_CONFIG_WRITE, 0, where, size, val, _RET_IP_);
		if (where < PCIEM_CAP_START)
			ev.flags = PCIEM_EVENT_F_HEADER;
	}
	if (dev->replay)	/* matched there, and its event emitted in order */
		pciem_replay_cfg_write(dev, where, size, val, _RET_IP_, push ? &ev : NULL);
	else if (push)
		pciem_ring_push(dev, &ev);
	return PCIBIOS_SUCCESSFUL;
}

struct pci_ops pciem_pci_ops = {
	.read = pciem_pci_read,
	.write = pciem_pci_write,
};
