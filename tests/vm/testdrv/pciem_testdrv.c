// SPDX-License-Identifier: GPL-2.0
/*
 * pciem_testdrv: a PCI driver for the VM tests.  It binds to 1234:0e01,
 * maps every memory BAR and performs the MMIO accesses a test asks for
 * through the sysfs attribute "mmio" of the device:
 *
 *   echo "w BAR OFF WIDTH VALUE" > mmio     writeb/w/l/q
 *   echo "r BAR OFF WIDTH" > mmio; cat mmio readb/w/l/q, prints the value
 *   echo "peek BAR OFF WIDTH" > mmio          the same, anywhere in the mapped pages
 *                                            (past the end of a BAR smaller
 *                                            than a page)
 *   echo "untrap_peek BAR OFF 0" > mmio      "untrap" (below) there, the same way
 *   echo "set BAR OFF LEN BYTE" > mmio       memset_io
 *   echo "copy BAR OFF LEN" > mmio           memcpy_toio of bytes 0, 1, 2...
 *   echo "loop BAR OFF COUNT TAG" > mmio     COUNT times: writel(TAG << 24 | i)
 *                                            then readl, at OFF (i = 0, 1, ...)
 *   echo "bench BAR OFF COUNT KIND" > mmio   COUNT readl (KIND 0) or writel (1) at
 *                                            OFF; cat mmio gives the time in ns.
 *                                            KIND 2: the floor under any trap, COUNT
 *                                            copy_from_kernel_nofault() reads of a
 *                                            kernel page that is not present (a
 *                                            vmalloc guard page): a page fault
 *                                            that does nothing useful
 *   echo "exercise 0 0 0" > mmio             every accessor once on BAR 0, in
 *                                            the order of exercise() below
 *   echo "rmw BAR OFF 4 BITS" > mmio         one "orl $BITS" on the register:
 *                                            a read-modify-write
 *   echo "pte BAR OFF 0" > mmio; cat mmio    how the driver's mapping of that
 *                                            page is armed: 0 not present (full
 *                                            trap), 1 read-only, 2 writable
 *   echo "hammer BAR OFF NCPU" > mmio        a kernel thread on each CPU 0..NCPU-1
 *                                            loops writel(i) + readl at OFF + 8 * cpu
 *                                            until "stop" (or remove()); "stop" sets
 *                                            mmio to the iterations done
 *   echo "stop 0 0 0" > mmio                 stops the hammer threads
 *   echo "wphammer BAR WOFF OOFF COUNT" > mmio  threads on CPUs 0 and 1, each COUNT
 *                                            times: readl(WOFF), then writel(i) at
 *                                            OOFF + 8 * cpu; mmio: the reads done
 *   echo "big BAR KIND LEN BYTE" > mmio      over LEN bytes at offset 0, on one CPU
 *                                            with a pinned 1 ms hrtimer running:
 *                                            KIND 0 memset_io(BYTE), 1 memcpy_toio
 *                                            of big_pattern(), 2 memcpy_fromio and
 *                                            compare with BYTE (or the pattern if
 *                                            BYTE is -1); mmio: timer callbacks
 *                                            that interrupted the copy half-way
 *                                            (-EIO on a mismatch)
 *   echo "irqcycle 0 0 N" > mmio             N times: free the vector and the
 *                                            vectors, allocate and request again
 *   echo "untrap BAR OFF 0" > mmio           "sgdt" on OFF: an instruction PCIem
 *                                            will never emulate, so the page is
 *                                            untrapped for good
 *   echo "keep BAR 0 0" > mmio               map BAR again, a mapping remove()
 *                                            does not unmap (an orphan to be)
 *   echo "form BAR K 0" > mmio; cat form     instruction form K (see forms[]) on
 *                                            page K of BAR, natively on kernel
 *                                            memory and on the BAR; past the last
 *                                            form: -ENOENT and form says "end"
 *
 * The kept mapping is used through debugfs, pciem_testdrv/orphan:
 *   echo "r OFF" / "w OFF VALUE" / "sgdt OFF" / "unmap" > orphan; cat orphan
 *
 * debugfs pciem_testdrv/bar0 is BAR 0 of the first device bound, read and
 * written with copy_to_user()/copy_from_user() straight from and into the
 * iomem mapping, as some drivers' read() and write() do.
 *
 * Module parameter ipmodify=FUNC: at load, claim FUNC with an ftrace_ops
 * that may change the instruction pointer (IPMODIFY), as a livepatch does;
 * the load fails (-EBUSY) if another such user holds FUNC.
 *
 * The driver asks for up to 32 vectors of any kind and handles each.
 * "irq_count" counts interrupts of vector 0, "irq_counts" those of every
 * vector ("N0 N1 ..."); "nvec" is how many vectors the PCI core granted
 * (0: none); "irq_kind" is msix, msi, intx or none.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/dma-mapping.h>
#include <linux/pci.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <asm/pgtable.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/hrtimer.h>
#include <linux/vmalloc.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/ftrace.h>
#include <linux/bitops.h>
#include <asm/irq_regs.h>
#include <asm/fpu/api.h>
#include <asm/cpufeature.h>

#define DRV_BARS 6
#define DRV_HAMMERS 4
#define DRV_VECS 32

struct testdrv;

struct hammer {
	struct testdrv *td;
	struct task_struct *task;
	void __iomem *p;	/* readl/writel here */
	void __iomem *w;	/* wphammer: the watched register */
	unsigned long count;	/* 0: until stopped */
	unsigned long done;
	struct completion finished;
};

struct testdrv_vec {
	struct testdrv *td;
	atomic_t count;
};

struct testdrv {
	struct pci_dev *pdev;
	void __iomem *bar[DRV_BARS];
	resource_size_t len[DRV_BARS];
	struct testdrv_vec vec[DRV_VECS];
	int nvec;
	/* DMA: one coherent buffer, one streaming buffer (see dma_cmd()) */
	void *cbuf, *sbuf;
	dma_addr_t cbus, sbus;
	size_t clen, slen;
	enum dma_data_direction sdir;
	u64 last;
	struct mutex lock;
	struct hammer ham[DRV_HAMMERS];
	char form[512];		/* the last form's result line */
};

static irqreturn_t testdrv_irq(int irq, void *data)
{
	struct testdrv_vec *v = data;

	atomic_inc(&v->count);
	return IRQ_HANDLED;
}

static void vectors_put(struct testdrv *td)
{
	struct pci_dev *pdev = td->pdev;
	int i;

	if (!td->nvec)
		return;
	irq_clear_status_flags(pci_irq_vector(pdev, 0), IRQ_DISABLE_UNLAZY);
	for (i = 0; i < td->nvec; i++)
		free_irq(pci_irq_vector(pdev, i), &td->vec[i]);
	pci_free_irq_vectors(pdev);
	td->nvec = 0;
}

/* Every vector the PCI core grants (up to 32), each with the handler. */
static int vectors_get(struct testdrv *td)
{
	struct pci_dev *pdev = td->pdev;
	int i, n, ret;

	n = pci_alloc_irq_vectors(pdev, 1, DRV_VECS, PCI_IRQ_ALL_TYPES);
	if (n < 0)
		return n;
	/* masking vector 0 takes effect at once, so tests see the mask bit */
	irq_set_status_flags(pci_irq_vector(pdev, 0), IRQ_DISABLE_UNLAZY);
	for (i = 0; i < n; i++) {
		td->vec[i].td = td;
		ret = request_irq(pci_irq_vector(pdev, i), testdrv_irq, 0, KBUILD_MODNAME,
				  &td->vec[i]);
		if (ret) {
			td->nvec = i;
			vectors_put(td);
			if (!i)		/* vectors_put() does nothing then */
				pci_free_irq_vectors(pdev);
			return ret;
		}
	}
	td->nvec = n;
	return 0;
}

/*
 * Each accessor once, between two marker writes, checking what the reads
 * return; the VM test compares the trace with this sequence.  Needs a BAR 0
 * of at least 4 KiB.
 */
static int exercise(struct testdrv *td)
{
	void __iomem *b = td->bar[0];
	u8 src[64], dst[64];
	u32 rep[4] = { 0x10, 0x20, 0x30, 0x40 }, back[4];
	u32 cfg, bad = 0;
	int i;

	if (!b || td->len[0] < 4096)
		return -EINVAL;
	for (i = 0; i < 64; i++)
		src[i] = i + 1;
	writel(0xdeadbeef, b + 0xf00);			/* start marker */
	writeb(0x11, b + 0x00);
	writew(0x2222, b + 0x02);
	writel(0x33333333, b + 0x04);
	writeq(0x4444444444444444ULL, b + 0x08);
	bad |= (u32)(readb(b + 0x00) != 0x11) << 0;
	bad |= (u32)(readw(b + 0x02) != 0x2222) << 1;
	bad |= (u32)(readl(b + 0x04) != 0x33333333) << 2;
	bad |= (u32)(readq(b + 0x08) != 0x4444444444444444ULL) << 3;
	iowrite8(0x55, b + 0x10);
	iowrite16(0x6666, b + 0x12);
	iowrite32(0x77777777, b + 0x14);
	bad |= (u32)(ioread8(b + 0x10) != 0x55) << 4;
	bad |= (u32)(ioread16(b + 0x12) != 0x6666) << 5;
	bad |= (u32)(ioread32(b + 0x14) != 0x77777777) << 6;
	iowrite32be(0x01020304, b + 0x18);
	bad |= (u32)(ioread32be(b + 0x18) != 0x01020304) << 7;
	__raw_writel(0x89abcdef, b + 0x1c);
	bad |= (u32)(__raw_readl(b + 0x1c) != 0x89abcdef) << 8;
	pci_write_config_dword(td->pdev, 0xf0, 0xa5a5a5a5);
	pci_read_config_dword(td->pdev, 0xf0, &cfg);
	bad |= (u32)(cfg != 0xa5a5a5a5) << 9;
	memcpy_toio(b + 0x100, src, sizeof(src));
	memcpy_fromio(dst, b + 0x100, sizeof(dst));
	bad |= (u32)(memcmp(src, dst, sizeof(src)) != 0) << 10;
	memset_io(b + 0x200, 0x3c, 32);
	iowrite32_rep(b + 0x300, rep, 4);
	ioread32_rep(b + 0x300, back, 4);
	bad |= (u32)(back[3] != 0x40) << 11;
	writel(0xfeedface, b + 0xf04);			/* end marker */
	if (bad)
		dev_err(&td->pdev->dev, "exercise: checks %#x read back wrong\n", bad);
	return bad ? -EIO : 0;
}

/* ---- hammer threads ------------------------------------------------------ */

static int hammer_fn(void *data)
{
	struct hammer *h = data;
	unsigned long i = 0;

	while (!kthread_should_stop() && (!h->count || i < h->count)) {
		if (h->w)
			(void)readl(h->w);
		writel((u32)i, h->p);
		if (!h->w)
			(void)readl(h->p);
		i++;
		WRITE_ONCE(h->done, i);
		if (!(i & 63))
			cond_resched();
	}
	complete(&h->finished);
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Stops every hammer thread; returns the iterations they did. */
static u64 hammer_stop(struct testdrv *td)
{
	u64 total = 0;
	int i;

	for (i = 0; i < DRV_HAMMERS; i++) {
		struct hammer *h = &td->ham[i];

		if (!h->task)
			continue;
		kthread_stop(h->task);
		put_task_struct(h->task);
		h->task = NULL;
		total += h->done;
	}
	return total;
}

/* Hammer threads on CPUs 0..@n-1: at @p + 8 * cpu, reading @w first if set. */
static int hammer_start(struct testdrv *td, void __iomem *p, void __iomem *w,
			int n, unsigned long count)
{
	int i;

	if (n < 1 || n > DRV_HAMMERS || n > num_online_cpus())
		return -EINVAL;
	for (i = 0; i < DRV_HAMMERS; i++)
		if (td->ham[i].task)
			return -EBUSY;
	for (i = 0; i < n; i++) {
		struct hammer *h = &td->ham[i];
		struct task_struct *t;

		h->td = td;
		h->p = p + 8 * i;
		h->w = w;
		h->count = count;
		h->done = 0;
		init_completion(&h->finished);
		t = kthread_create(hammer_fn, h, "testdrv-ham/%d", i);
		if (IS_ERR(t)) {
			hammer_stop(td);
			return PTR_ERR(t);
		}
		get_task_struct(t);
		kthread_bind(t, i);
		h->task = t;
		wake_up_process(t);
	}
	return 0;
}

/* ---- big copies with a timer running ------------------------------------- */

struct big_timer {
	struct hrtimer t;
	atomic_t ticks;
	atomic_t mid;		/* callbacks that interrupted the copy half-way */
	unsigned long lo, hi;	/* the copy's destination */
	int cpu;
	atomic_t elsewhere;
};

/*
 * Counts its callbacks, and those that interrupted the copy half-way: the
 * interrupted context's destination pointer (rdi, for the string
 * instructions and the unrolled loops alike) strictly inside the
 * destination.  A copy emulated in one fault with interrupts off cannot be
 * interrupted half-way: the timer fires after it, with rdi at its end.
 */
static enum hrtimer_restart big_tick(struct hrtimer *t)
{
	struct big_timer *bt = container_of(t, struct big_timer, t);
	struct pt_regs *regs = get_irq_regs();

	atomic_inc(&bt->ticks);
	if (regs && !user_mode(regs) && regs->di > bt->lo && regs->di < bt->hi)
		atomic_inc(&bt->mid);
	if (smp_processor_id() != bt->cpu)
		atomic_inc(&bt->elsewhere);
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

static u8 big_pattern(size_t i)
{
	return (i ^ (i >> 8) ^ (i >> 16) ^ 0x5a) & 0xff;
}

static int big(struct testdrv *td, void __iomem *p, int kind, size_t len, int byte)
{
	struct big_timer *bt;
	u64 t0, ns;
	size_t i;
	int ticks, mid, ret = 0;
	u8 *buf;

	if (kind < 0 || kind > 2)
		return -EINVAL;
	bt = kzalloc(sizeof(*bt), GFP_KERNEL);
	buf = vmalloc(len);
	if (!bt || !buf) {
		kfree(bt);
		vfree(buf);
		return -ENOMEM;
	}
	for (i = 0; i < len; i++)
		buf[i] = kind == 1 ? big_pattern(i) : 0;
	hrtimer_init(&bt->t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	bt->t.function = big_tick;
	bt->lo = kind == 2 ? (unsigned long)buf : (unsigned long)p;
	bt->hi = bt->lo + len;
	migrate_disable();
	bt->cpu = smp_processor_id();
	hrtimer_start(&bt->t, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED);
	ticks = atomic_read(&bt->ticks);
	t0 = ktime_get_ns();
	if (kind == 0)
		memset_io(p, byte, len);
	else if (kind == 1)
		memcpy_toio(p, buf, len);
	else
		memcpy_fromio(buf, p, len);
	ticks = atomic_read(&bt->ticks) - ticks;
	ns = ktime_get_ns() - t0;
	hrtimer_cancel(&bt->t);
	migrate_enable();
	mid = atomic_read(&bt->mid);
	td->last = mid;
	dev_info(&td->pdev->dev, "big %d: %zu bytes in %llu us, %d timer callbacks during the copy on CPU %d, %d of them half-way through it\n",
		 kind, len, ns / 1000, ticks, bt->cpu, mid);
	if (atomic_read(&bt->elsewhere)) {
		dev_info(&td->pdev->dev, "big: the pinned timer ran on another CPU\n");
		ret = -EIO;
	}
	for (i = 0; kind == 2 && i < len; i++) {
		u8 want = byte < 0 ? big_pattern(i) : byte;

		if (buf[i] != want) {
			dev_info(&td->pdev->dev, "big: byte %#zx read %#x, want %#x\n",
				 i, buf[i], want);
			ret = -EIO;
			break;
		}
	}
	kfree(bt);
	vfree(buf);
	return ret;
}

/* ---- interrupt vectors freed and allocated again ---------------------------- */

static int irqcycle(struct testdrv *td, unsigned long n)
{
	unsigned long i;
	int ret;

	for (i = 0; i < n; i++) {
		vectors_put(td);
		ret = vectors_get(td);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/* ---- a mapping remove() does not unmap ----------------------------------------- */

static DEFINE_MUTEX(orphan_lock);
static void __iomem *orphan_va;
static resource_size_t orphan_len;
static u64 orphan_last;

static int keep(struct testdrv *td, unsigned int bar)
{
	int ret = 0;

	mutex_lock(&orphan_lock);
	if (orphan_va) {
		ret = -EBUSY;
	} else {
		orphan_va = ioremap(pci_resource_start(td->pdev, bar), td->len[bar]);
		orphan_len = td->len[bar];
		if (!orphan_va)
			ret = -ENOMEM;
	}
	mutex_unlock(&orphan_lock);
	return ret;
}

static ssize_t orphan_write(struct file *file, const char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	char buf[64], op[8];
	unsigned long long off = 0, val = 0;
	int n, ret = 0;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	n = sscanf(buf, "%7s %lli %lli", op, &off, &val);
	if (n < 1)
		return -EINVAL;
	mutex_lock(&orphan_lock);
	if (!orphan_va) {
		ret = -ENXIO;
	} else if (!strcmp(op, "unmap")) {
		iounmap(orphan_va);
		orphan_va = NULL;
	} else if (off + 4 > orphan_len) {
		ret = -EINVAL;
	} else if (!strcmp(op, "r") && n == 2) {
		orphan_last = readl(orphan_va + off);
	} else if (!strcmp(op, "w") && n == 3) {
		writel(val, orphan_va + off);
	} else if (!strcmp(op, "sgdt") && n == 2 && off + 16 <= orphan_len) {
		/* 10 bytes no emulator takes: PCIem untraps that page */
		asm volatile("sgdt %0" : "=m" (*(struct { u8 b[16]; } __force *)(orphan_va + off)));
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&orphan_lock);
	return ret ? ret : count;
}

static ssize_t orphan_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[32];
	int n = scnprintf(buf, sizeof(buf), "0x%llx\n", orphan_last);

	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static const struct file_operations orphan_fops = {
	.owner = THIS_MODULE,
	.write = orphan_write,
	.read = orphan_read,
	.llseek = default_llseek,
};

/* ---- user copies straight from and into iomem ---------------------------------- */

static DEFINE_MUTEX(uio_lock);
static struct testdrv *uio_td;	/* the first device bound, while bound */

/*
 * -EFAULT for a bad user buffer; the copy is short only there, since the
 * mapping itself never faults (PCIem emulates or untraps).
 */
static ssize_t uio_rw(char __user *ubuf, size_t count, loff_t *ppos, bool write)
{
	void *bar;
	size_t left;
	ssize_t ret;

	mutex_lock(&uio_lock);
	if (!uio_td || !uio_td->bar[0]) {
		ret = -ENXIO;
		goto out;
	}
	if (*ppos < 0 || *ppos >= uio_td->len[0]) {
		ret = 0;
		goto out;
	}
	count = min_t(size_t, count, uio_td->len[0] - *ppos);
	bar = (void __force *)uio_td->bar[0] + *ppos;
	left = write ? copy_from_user(bar, ubuf, count) : copy_to_user(ubuf, bar, count);
	ret = count - left;
	if (!ret && count)
		ret = -EFAULT;
	else
		*ppos += ret;
out:
	mutex_unlock(&uio_lock);
	return ret;
}

static ssize_t uio_write(struct file *file, const char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	return uio_rw((char __user *)ubuf, count, ppos, true);
}

static ssize_t uio_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	return uio_rw(ubuf, count, ppos, false);
}

static const struct file_operations uio_fops = {
	.owner = THIS_MODULE,
	.write = uio_write,
	.read = uio_read,
	.llseek = default_llseek,
};

/* ---- instruction forms on a BAR in full trap ---------------------------------- */

/* 64 bytes at the operand's address: what every form may touch */
struct fblob {
	u64 q[8];
};

struct fctx {
	u64 a, b;		/* rax and another register, in and out */
	unsigned long fl;	/* flags after the instruction */
	unsigned long ip;	/* the instruction's address */
	const void *src;	/* SSE/AVX and movdir64b: bytes to store */
	void *dst;		/* SSE/AVX: where the register is stored after */
};

/*
 * One instruction on *p with rax and one more register, between "clc" or
 * "stc" (PRE) and a read of the flags; "1:" marks the instruction, whose
 * address the trace must show.
 */
#define FORM_FN(fname, pre, insn)						\
static noinline void fname(void *p, struct fctx *c)				\
{										\
	u64 a = c->a, b = c->b;							\
	unsigned long fl, ip;							\
										\
	asm volatile("leaq 1f(%%rip), %[ip]\n\t"				\
		     pre "\n"							\
		     "1:\t" insn "\n\t"						\
		     "pushfq\n\t"						\
		     "popq %[fl]"						\
		     : [m] "+m" (*(struct fblob *)p), [a] "+a" (a), [b] "+r" (b),	\
		       [fl] "=&r" (fl), [ip] "=&r" (ip)				\
		     : : "memory", "cc");					\
	c->a = a;								\
	c->b = b;								\
	c->fl = fl;								\
	c->ip = ip;								\
}

/* SSE/AVX: REG loaded from c->src, INSN, REG stored to c->dst. */
#define VEC_FN(fname, mov, reg, insn)						\
static noinline void fname(void *p, struct fctx *c)				\
{										\
	unsigned long ip;							\
										\
	asm volatile(mov " (%[s]), %%" reg "\n\t"				\
		     "leaq 1f(%%rip), %[ip]\n"					\
		     "1:\t" insn "\n\t"						\
		     mov " %%" reg ", (%[d])"					\
		     : [m] "+m" (*(struct fblob *)p), [ip] "=&r" (ip)		\
		     : [s] "r" (c->src), [d] "r" (c->dst) : "memory");		\
	c->ip = ip;								\
}

FORM_FN(f_mov_ld, "clc", "movl %[m], %k[b]")
FORM_FN(f_mov_st, "clc", "movq %[b], %[m]")
FORM_FN(f_movzb_ld, "clc", "movzbl %[m], %k[b]")
FORM_FN(f_or_r, "clc", "orl %k[b], %[m]")
FORM_FN(f_and_r, "clc", "andl %k[b], %[m]")
FORM_FN(f_xor_r, "clc", "xorl %k[b], %[m]")
FORM_FN(f_add_r, "clc", "addl %k[b], %[m]")
FORM_FN(f_sub_r, "clc", "subl %k[b], %[m]")
FORM_FN(f_adc_r, "stc", "adcl %k[b], %[m]")
FORM_FN(f_sbb_r, "stc", "sbbl %k[b], %[m]")
FORM_FN(f_or_i, "clc", "orl $0x0f000f00, %[m]")
FORM_FN(f_and_i, "clc", "andl $0xffff00ff, %[m]")
FORM_FN(f_xor_i, "clc", "xorl $0x80000001, %[m]")
FORM_FN(f_add_i, "clc", "addl $0x7fffffff, %[m]")
FORM_FN(f_add_i8, "clc", "addl $-3, %[m]")
FORM_FN(f_sub_i, "clc", "subl $0x12345, %[m]")
FORM_FN(f_adc_i, "stc", "adcl $1, %[m]")
FORM_FN(f_sbb_i, "stc", "sbbl $7, %[m]")
FORM_FN(f_or_q, "clc", "orq %[b], %[m]")
FORM_FN(f_add_q, "clc", "addq %[b], %[m]")
FORM_FN(f_sub_qi, "clc", "subq $0x1234, %[m]")
FORM_FN(f_and_w, "clc", "andw %w[b], %[m]")
FORM_FN(f_sub_wi, "clc", "subw $0x100, %[m]")
FORM_FN(f_or_b, "clc", "orb %b[b], %[m]")
FORM_FN(f_add_bi, "clc", "addb $0x7f, %[m]")
FORM_FN(f_sbb_b, "stc", "sbbb %b[b], %[m]")
FORM_FN(f_add_to_reg, "clc", "addl %[m], %k[b]")
FORM_FN(f_or_to_reg_q, "clc", "orq %[m], %[b]")
FORM_FN(f_inc, "clc", "incl %[m]")
FORM_FN(f_dec_q, "stc", "decq %[m]")
FORM_FN(f_inc_b, "clc", "incb %[m]")
FORM_FN(f_not, "clc", "notl %[m]")
FORM_FN(f_not_w, "clc", "notw %[m]")
FORM_FN(f_neg, "clc", "negl %[m]")
FORM_FN(f_neg_q, "clc", "negq %[m]")
FORM_FN(f_test_r, "clc", "testl %k[b], %[m]")
FORM_FN(f_test_i, "clc", "testl $0x100, %[m]")
FORM_FN(f_test_bi, "clc", "testb $1, %[m]")
FORM_FN(f_test_q, "clc", "testq %[b], %[m]")
FORM_FN(f_cmp_r, "clc", "cmpl %k[b], %[m]")
FORM_FN(f_cmp_i, "clc", "cmpl $5, %[m]")
FORM_FN(f_cmp_mr, "clc", "cmpl %[m], %k[b]")
FORM_FN(f_cmp_qi, "clc", "cmpq $-1, %[m]")
FORM_FN(f_xchg, "clc", "xchgl %k[b], %[m]")
FORM_FN(f_xchg_q, "clc", "xchgq %[b], %[m]")
FORM_FN(f_xchg_b, "clc", "xchgb %b[b], %[m]")
FORM_FN(f_xadd, "clc", "xaddl %k[b], %[m]")
FORM_FN(f_xadd_q, "clc", "xaddq %[b], %[m]")
FORM_FN(f_cmpxchg, "clc", "cmpxchgl %k[b], %[m]")
FORM_FN(f_cmpxchg_q, "clc", "cmpxchgq %[b], %[m]")
FORM_FN(f_cmpxchg_b, "clc", "cmpxchgb %b[b], %[m]")
FORM_FN(f_lock_or, "clc", "lock orl %k[b], %[m]")
FORM_FN(f_lock_and_i, "clc", "lock andl $0xffff00ff, %[m]")
FORM_FN(f_lock_add_q, "clc", "lock addq %[b], %[m]")
FORM_FN(f_lock_sub, "clc", "lock subl %k[b], %[m]")
FORM_FN(f_lock_xor_i, "clc", "lock xorl $0x55, %[m]")
FORM_FN(f_lock_inc, "clc", "lock incl %[m]")
FORM_FN(f_lock_dec, "clc", "lock decl %[m]")
FORM_FN(f_lock_xadd, "clc", "lock xaddl %k[b], %[m]")
FORM_FN(f_lock_cmpxchg, "clc", "lock cmpxchgl %k[b], %[m]")
FORM_FN(f_lock_orb, "clc", "lock orb $0x20, %[m]")
FORM_FN(f_lock_andb, "clc", "lock andb $0xdf, %[m]")
FORM_FN(f_lock_bts_r, "clc", "lock btsq %[b], %[m]")
FORM_FN(f_lock_btr_r, "clc", "lock btrq %[b], %[m]")
FORM_FN(f_lock_bts_i, "clc", "lock btsl $9, %[m]")
FORM_FN(f_lock_btr_i, "clc", "lock btrl $1, %[m]")
FORM_FN(f_lock_btc_i, "clc", "lock btcl $2, %[m]")
FORM_FN(f_bt_r, "clc", "btl %k[b], %[m]")
FORM_FN(f_bt_i, "clc", "btl $3, %[m]")
FORM_FN(f_bt_q, "clc", "btq %[b], %[m]")
FORM_FN(f_bt_far, "clc", "btl %k[b], %[m]")
FORM_FN(f_bts_r, "clc", "btsl %k[b], %[m]")
FORM_FN(f_bts_far, "clc", "btsl %k[b], %[m]")
FORM_FN(f_btr_q, "clc", "btrq %[b], %[m]")
FORM_FN(f_btr_i, "clc", "btrl $4, %[m]")
FORM_FN(f_btc_r, "clc", "btcl %k[b], %[m]")
FORM_FN(f_btc_qi, "clc", "btcq $63, %[m]")
FORM_FN(f_bt_w, "clc", "btw %w[b], %[m]")
FORM_FN(f_movnti, "clc", "movntil %k[b], %[m]")
FORM_FN(f_movnti_q, "clc", "movntiq %[b], %[m]")
FORM_FN(f_movbe_ld, "clc", "movbel %[m], %k[b]")
FORM_FN(f_movbe_st, "clc", "movbel %k[b], %[m]")
FORM_FN(f_movbe_ldq, "clc", "movbeq %[m], %[b]")
FORM_FN(f_movbe_stw, "clc", "movbew %w[b], %[m]")
FORM_FN(f_movdiri, "clc", "movdiri %k[b], %[m]")
FORM_FN(f_movdiri_q, "clc", "movdiri %[b], %[m]")
FORM_FN(f_clflush, "clc", "clflush %[m]")
FORM_FN(f_clflushopt, "clc", "clflushopt %[m]")
VEC_FN(f_movdqu_ld, "movdqu", "xmm0", "movdqu %[m], %%xmm0")
VEC_FN(f_movdqu_st, "movdqu", "xmm0", "movdqu %%xmm0, %[m]")
VEC_FN(f_movups_ld, "movdqu", "xmm0", "movups %[m], %%xmm0")
VEC_FN(f_movups_st, "movdqu", "xmm0", "movups %%xmm0, %[m]")
VEC_FN(f_movaps_ld, "movdqu", "xmm0", "movaps %[m], %%xmm0")
VEC_FN(f_movaps_st, "movdqu", "xmm0", "movaps %%xmm0, %[m]")
VEC_FN(f_movntdq, "movdqu", "xmm0", "movntdq %%xmm0, %[m]")
VEC_FN(f_movntdqa, "movdqu", "xmm0", "movntdqa %[m], %%xmm0")
VEC_FN(f_vmovdqu_ld, "vmovdqu", "xmm0", "vmovdqu %[m], %%xmm0")
VEC_FN(f_vmovdqu_st, "vmovdqu", "xmm0", "vmovdqu %%xmm0, %[m]")
VEC_FN(f_vmovdqu_ldy, "vmovdqu", "ymm0", "vmovdqu %[m], %%ymm0")
VEC_FN(f_vmovdqu_sty, "vmovdqu", "ymm0", "vmovdqu %%ymm0, %[m]")

static noinline void f_movdir64b(void *p, struct fctx *c)
{
	unsigned long ip;

	asm volatile("leaq 1f(%%rip), %[ip]\n"
		     "1:\tmovdir64b (%[s]), %[d]"
		     : [m] "+m" (*(struct fblob *)p), [ip] "=&r" (ip)
		     : [s] "r" (c->src), [d] "r" (p) : "memory");
	c->ip = ip;
}

enum { FK_NONE, FK_R, FK_W, FK_RW, FK_CMPXCHG_FAIL };
static const char * const form_kinds[] = { "none", "r", "w", "rw", "r+w?" };

#define F_ARITH	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
		 X86_EFLAGS_SF | X86_EFLAGS_OF)
#define F_LOGIC	(F_ARITH & ~X86_EFLAGS_AF)	/* AF is undefined */
#define F_BT	X86_EFLAGS_CF			/* the others are undefined */

struct form {
	const char *name;
	void (*fn)(void *p, struct fctx *c);
	u8 kind;
	u8 off, len;		/* the bytes accessed, from the operand's address */
	u16 flags;		/* flags compared */
	u16 feature;		/* X86_FEATURE_* needed (0: none) */
	bool vec;		/* SSE/AVX: inside kernel_fpu_begin() */
	bool a_mem;		/* rax starts as the operand's value (cmpxchg succeeds) */
	u64 b;			/* the other register's value (0: the default) */
};

#define A0 0x0123456789abcdefULL
#define B0 0xf0e1d2c3b4a59687ULL

static const struct form forms[] = {
	/* forms PCIem always emulated: they check the checks */
	{ "mov_ld", f_mov_ld, FK_R, 0, 4, 0 },
	{ "mov_st", f_mov_st, FK_W, 0, 8, 0 },
	{ "movzb_ld", f_movzb_ld, FK_R, 0, 1, 0 },
	{ "or_r", f_or_r, FK_RW, 0, 4, F_LOGIC },
	{ "and_r", f_and_r, FK_RW, 0, 4, F_LOGIC },
	{ "xor_r", f_xor_r, FK_RW, 0, 4, F_LOGIC },
	{ "add_r", f_add_r, FK_RW, 0, 4, F_ARITH },
	{ "sub_r", f_sub_r, FK_RW, 0, 4, F_ARITH },
	{ "adc_r", f_adc_r, FK_RW, 0, 4, F_ARITH },
	{ "sbb_r", f_sbb_r, FK_RW, 0, 4, F_ARITH },
	{ "or_i", f_or_i, FK_RW, 0, 4, F_LOGIC },
	{ "and_i", f_and_i, FK_RW, 0, 4, F_LOGIC },
	{ "xor_i", f_xor_i, FK_RW, 0, 4, F_LOGIC },
	{ "add_i", f_add_i, FK_RW, 0, 4, F_ARITH },
	{ "add_i8", f_add_i8, FK_RW, 0, 4, F_ARITH },
	{ "sub_i", f_sub_i, FK_RW, 0, 4, F_ARITH },
	{ "adc_i", f_adc_i, FK_RW, 0, 4, F_ARITH },
	{ "sbb_i", f_sbb_i, FK_RW, 0, 4, F_ARITH },
	{ "or_q", f_or_q, FK_RW, 0, 8, F_LOGIC },
	{ "add_q", f_add_q, FK_RW, 0, 8, F_ARITH },
	{ "sub_qi", f_sub_qi, FK_RW, 0, 8, F_ARITH },
	{ "and_w", f_and_w, FK_RW, 0, 2, F_LOGIC },
	{ "sub_wi", f_sub_wi, FK_RW, 0, 2, F_ARITH },
	{ "or_b", f_or_b, FK_RW, 0, 1, F_LOGIC },
	{ "add_bi", f_add_bi, FK_RW, 0, 1, F_ARITH },
	{ "sbb_b", f_sbb_b, FK_RW, 0, 1, F_ARITH },
	{ "add_to_reg", f_add_to_reg, FK_R, 0, 4, F_ARITH },
	{ "or_to_reg_q", f_or_to_reg_q, FK_R, 0, 8, F_LOGIC },
	{ "inc", f_inc, FK_RW, 0, 4, F_ARITH },
	{ "dec_q", f_dec_q, FK_RW, 0, 8, F_ARITH },
	{ "inc_b", f_inc_b, FK_RW, 0, 1, F_ARITH },
	{ "not", f_not, FK_RW, 0, 4, F_ARITH },
	{ "not_w", f_not_w, FK_RW, 0, 2, F_ARITH },
	{ "neg", f_neg, FK_RW, 0, 4, F_ARITH },
	{ "neg_q", f_neg_q, FK_RW, 0, 8, F_ARITH },
	{ "test_r", f_test_r, FK_R, 0, 4, F_LOGIC },
	{ "test_i", f_test_i, FK_R, 0, 4, F_LOGIC },
	{ "test_bi", f_test_bi, FK_R, 0, 1, F_LOGIC },
	{ "test_q", f_test_q, FK_R, 0, 8, F_LOGIC },
	{ "cmp_r", f_cmp_r, FK_R, 0, 4, F_ARITH },
	{ "cmp_i", f_cmp_i, FK_R, 0, 4, F_ARITH },
	{ "cmp_mr", f_cmp_mr, FK_R, 0, 4, F_ARITH },
	{ "cmp_qi", f_cmp_qi, FK_R, 0, 8, F_ARITH },
	{ "xchg", f_xchg, FK_RW, 0, 4, F_ARITH },
	{ "xchg_q", f_xchg_q, FK_RW, 0, 8, F_ARITH },
	{ "xchg_b", f_xchg_b, FK_RW, 0, 1, F_ARITH },
	{ "xadd", f_xadd, FK_RW, 0, 4, F_ARITH },
	{ "xadd_q", f_xadd_q, FK_RW, 0, 8, F_ARITH },
	{ "cmpxchg_ok", f_cmpxchg, FK_RW, 0, 4, F_ARITH, 0, false, true },
	{ "cmpxchg_fail", f_cmpxchg, FK_CMPXCHG_FAIL, 0, 4, F_ARITH },
	{ "cmpxchg_q_ok", f_cmpxchg_q, FK_RW, 0, 8, F_ARITH, 0, false, true },
	{ "cmpxchg_b_fail", f_cmpxchg_b, FK_CMPXCHG_FAIL, 0, 1, F_ARITH },
	{ "lock_or", f_lock_or, FK_RW, 0, 4, F_LOGIC },
	{ "lock_and_i", f_lock_and_i, FK_RW, 0, 4, F_LOGIC },
	{ "lock_add_q", f_lock_add_q, FK_RW, 0, 8, F_ARITH },
	{ "lock_sub", f_lock_sub, FK_RW, 0, 4, F_ARITH },
	{ "lock_xor_i", f_lock_xor_i, FK_RW, 0, 4, F_LOGIC },
	{ "lock_inc", f_lock_inc, FK_RW, 0, 4, F_ARITH },
	{ "lock_dec", f_lock_dec, FK_RW, 0, 4, F_ARITH },
	{ "lock_xadd", f_lock_xadd, FK_RW, 0, 4, F_ARITH },
	{ "lock_cmpxchg_ok", f_lock_cmpxchg, FK_RW, 0, 4, F_ARITH, 0, false, true },
	{ "lock_cmpxchg_fail", f_lock_cmpxchg, FK_CMPXCHG_FAIL, 0, 4, F_ARITH },
	{ "lock_orb", f_lock_orb, FK_RW, 0, 1, F_LOGIC },
	{ "lock_andb", f_lock_andb, FK_RW, 0, 1, F_LOGIC },
	{ "lock_bts_r", f_lock_bts_r, FK_RW, 0, 8, F_BT, 0, false, false, 5 },
	{ "lock_btr_r", f_lock_btr_r, FK_RW, 0, 8, F_BT, 0, false, false, 3 },
	{ "lock_bts_i", f_lock_bts_i, FK_RW, 0, 4, F_BT },
	{ "lock_btr_i", f_lock_btr_i, FK_RW, 0, 4, F_BT },
	{ "lock_btc_i", f_lock_btc_i, FK_RW, 0, 4, F_BT },
	{ "bt_r", f_bt_r, FK_R, 0, 4, F_BT, 0, false, false, 5 },
	{ "bt_i", f_bt_i, FK_R, 0, 4, F_BT },
	{ "bt_q", f_bt_q, FK_R, 0, 8, F_BT, 0, false, false, 40 },
	{ "bt_far", f_bt_far, FK_R, 4, 4, F_BT, 0, false, false, 37 },
	{ "bts_r", f_bts_r, FK_RW, 0, 4, F_BT, 0, false, false, 6 },
	{ "bts_far", f_bts_far, FK_RW, 8, 4, F_BT, 0, false, false, 70 },
	{ "btr_q", f_btr_q, FK_RW, 0, 8, F_BT, 0, false, false, 33 },
	{ "btr_i", f_btr_i, FK_RW, 0, 4, F_BT },
	{ "btc_r", f_btc_r, FK_RW, 0, 4, F_BT, 0, false, false, 7 },
	{ "btc_qi", f_btc_qi, FK_RW, 0, 8, F_BT },
	{ "bt_w", f_bt_w, FK_R, 0, 2, F_BT, 0, false, false, 2 },
	{ "movnti", f_movnti, FK_W, 0, 4, 0 },
	{ "movnti_q", f_movnti_q, FK_W, 0, 8, 0 },
	{ "movbe_ld", f_movbe_ld, FK_R, 0, 4, 0, X86_FEATURE_MOVBE },
	{ "movbe_st", f_movbe_st, FK_W, 0, 4, 0, X86_FEATURE_MOVBE },
	{ "movbe_ldq", f_movbe_ldq, FK_R, 0, 8, 0, X86_FEATURE_MOVBE },
	{ "movbe_stw", f_movbe_stw, FK_W, 0, 2, 0, X86_FEATURE_MOVBE },
	{ "movdiri", f_movdiri, FK_W, 0, 4, 0, X86_FEATURE_MOVDIRI },
	{ "movdiri_q", f_movdiri_q, FK_W, 0, 8, 0, X86_FEATURE_MOVDIRI },
	{ "movdir64b", f_movdir64b, FK_W, 0, 64, 0, X86_FEATURE_MOVDIR64B },
	{ "clflush", f_clflush, FK_NONE, 0, 0, 0, X86_FEATURE_CLFLUSH },
	{ "clflushopt", f_clflushopt, FK_NONE, 0, 0, 0, X86_FEATURE_CLFLUSHOPT },
	{ "movdqu_ld", f_movdqu_ld, FK_R, 0, 16, 0, X86_FEATURE_XMM2, true },
	{ "movdqu_st", f_movdqu_st, FK_W, 0, 16, 0, X86_FEATURE_XMM2, true },
	{ "movups_ld", f_movups_ld, FK_R, 0, 16, 0, X86_FEATURE_XMM, true },
	{ "movups_st", f_movups_st, FK_W, 0, 16, 0, X86_FEATURE_XMM, true },
	{ "movaps_ld", f_movaps_ld, FK_R, 0, 16, 0, X86_FEATURE_XMM, true },
	{ "movaps_st", f_movaps_st, FK_W, 0, 16, 0, X86_FEATURE_XMM, true },
	{ "movntdq", f_movntdq, FK_W, 0, 16, 0, X86_FEATURE_XMM2, true },
	{ "movntdqa", f_movntdqa, FK_R, 0, 16, 0, X86_FEATURE_XMM4_1, true },
	{ "vmovdqu_ld_xmm", f_vmovdqu_ld, FK_R, 0, 16, 0, X86_FEATURE_AVX, true },
	{ "vmovdqu_st_xmm", f_vmovdqu_st, FK_W, 0, 16, 0, X86_FEATURE_AVX, true },
	{ "vmovdqu_ld_ymm", f_vmovdqu_ldy, FK_R, 0, 32, 0, X86_FEATURE_AVX, true },
	{ "vmovdqu_st_ymm", f_vmovdqu_sty, FK_W, 0, 32, 0, X86_FEATURE_AVX, true },
};

#define FORM_OFF 0x40	/* the operand's offset in its page: 64-byte aligned */

/*
 * Form @k on page @k of @bar and on kernel memory holding the same bytes:
 * registers, flags and memory must agree.  td->form gets one line:
 * NAME KIND BAROFF LEN OLD NEW IP ok|skip|bad:WHAT
 * (OLD and NEW: the accessed bytes before and after, in memory order).
 */
static int run_form(struct testdrv *td, unsigned int bar, unsigned long k)
{
	const struct form *f;
	struct fctx cn = { 0 }, cb = { 0 };
	u8 before[64], after_n[64], after_b[64], src[32], dn[32], db[32];
	void __iomem *p;
	u64 off, opnd = 0;
	char why[160] = "";
	u8 *kbuf;
	int j;

	if (k >= ARRAY_SIZE(forms)) {
		snprintf(td->form, sizeof(td->form), "end\n");
		return -ENOENT;
	}
	f = &forms[k];
	off = k * PAGE_SIZE + FORM_OFF;
	if (off + 64 > td->len[bar])
		return -EINVAL;
	if (f->feature && !boot_cpu_has(f->feature)) {
		snprintf(td->form, sizeof(td->form), "%s skip the CPU lacks it\n", f->name);
		return 0;
	}
	p = td->bar[bar] + off;
	kbuf = kmalloc(128, GFP_KERNEL);	/* naturally aligned */
	if (!kbuf)
		return -ENOMEM;
	for (j = 0; j < 64; j++)
		before[j] = (0x11 * (j + 1) + 7 * k) & 0xff;
	for (j = 0; j < 32; j++)
		src[j] = 0xa0 + j;
	memcpy(kbuf, before, 64);
	for (j = 0; j < 8; j++) {
		u64 q;

		memcpy(&q, before + 8 * j, 8);
		writeq(q, p + 8 * j);
	}
	memcpy(&opnd, before + f->off, min_t(int, f->len, 8));
	cn.a = cb.a = f->a_mem ? opnd : A0;
	cn.b = cb.b = f->b ? f->b : B0;
	cn.src = cb.src = src;
	memset(dn, 0, sizeof(dn));
	memset(db, 0, sizeof(db));
	cn.dst = dn;
	cb.dst = db;
	if (f->vec)
		kernel_fpu_begin();
	f->fn(kbuf, &cn);
	f->fn((void __force *)p, &cb);
	if (f->vec)
		kernel_fpu_end();
	memcpy(after_n, kbuf, 64);
	kfree(kbuf);
	for (j = 0; j < 8; j++) {
		u64 q = readq(p + 8 * j);

		memcpy(after_b + 8 * j, &q, 8);
	}
	if (cn.a != cb.a)
		snprintf(why, sizeof(why), "rax %#llx want %#llx", cb.a, cn.a);
	else if (cn.b != cb.b)
		snprintf(why, sizeof(why), "reg %#llx want %#llx", cb.b, cn.b);
	else if ((cn.fl ^ cb.fl) & f->flags)
		snprintf(why, sizeof(why), "flags %#lx want %#lx", cb.fl & f->flags,
			 cn.fl & f->flags);
	else if (memcmp(after_n, after_b, 64))
		snprintf(why, sizeof(why), "memory %64phN want %64phN", after_b, after_n);
	else if (f->vec && memcmp(dn, db, 32))
		snprintf(why, sizeof(why), "vector register %32phN want %32phN", db, dn);
	if (strlen(why) > sizeof(why) - 2)
		why[sizeof(why) - 2] = 0;
	snprintf(td->form, sizeof(td->form), "%s %s %#llx %u %*phN %*phN %#lx %s%s\n",
		 f->name, form_kinds[f->kind], off + f->off, f->len,
		 f->len ? f->len : 1, before + f->off, f->len ? f->len : 1, after_n + f->off,
		 cb.ip, why[0] ? "bad:" : "ok", why);
	return why[0] ? -EIO : 0;
}

/* ---- DMA ---------------------------------------------------------------------- */

static void dma_release(struct testdrv *td)
{
	if (td->sbuf) {
		dma_unmap_single(&td->pdev->dev, td->sbus, td->slen, td->sdir);
		kfree(td->sbuf);
		td->sbuf = NULL;
	}
	if (td->cbuf) {
		dma_free_coherent(&td->pdev->dev, td->clen, td->cbuf, td->cbus);
		td->cbuf = NULL;
	}
}

/*
 * "dma_alloc 0 0 LEN": a coherent buffer (mmio: its bus address);
 * "dma_map 0 DIR LEN": a streaming one (kmalloc, dma_map_single; DIR 0
 * bidirectional, 1 to the device, 2 from it); "dma_free"/"dma_unmap";
 * "dma_cset"/"dma_sset 0 OFF LEN BYTE": memset of the coherent/streaming
 * buffer; "dma_csum"/"dma_ssum 0 OFF LEN": mmio is the sum of its bytes;
 * "dma_sync 0 FOR LEN": dma_sync_single_for_cpu (FOR 0) or _for_device
 * (FOR 1) of the streaming buffer's first LEN bytes.
 * -ENOIOCTLCMD: not one of them.
 */
static int dma_cmd(struct testdrv *td, const char *op, unsigned long long off,
		   unsigned long long arg, long long val)
{
	static const enum dma_data_direction dirs[] = {
		DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE,
	};
	struct device *d = &td->pdev->dev;
	u8 *buf;
	size_t len, i;
	u64 sum = 0;

	if (!strcmp(op, "dma_alloc")) {
		if (td->cbuf || !arg || arg > SZ_4M)
			return -EINVAL;
		td->cbuf = dma_alloc_coherent(d, arg, &td->cbus, GFP_KERNEL);
		if (!td->cbuf)
			return -ENOMEM;
		td->clen = arg;
		td->last = td->cbus;
		return 0;
	}
	if (!strcmp(op, "dma_map")) {
		if (td->sbuf || !arg || arg > SZ_4M || off >= ARRAY_SIZE(dirs))
			return -EINVAL;
		td->sbuf = kzalloc(arg, GFP_KERNEL);
		if (!td->sbuf)
			return -ENOMEM;
		td->slen = arg;
		td->sdir = dirs[off];
		td->sbus = dma_map_single(d, td->sbuf, arg, td->sdir);
		if (dma_mapping_error(d, td->sbus)) {
			kfree(td->sbuf);
			td->sbuf = NULL;
			return -EIO;
		}
		td->last = td->sbus;
		return 0;
	}
	if (!strcmp(op, "dma_free") || !strcmp(op, "dma_unmap")) {
		void **b = op[4] == 'f' ? &td->cbuf : &td->sbuf;

		if (!*b)
			return -EINVAL;
		if (op[4] == 'f') {
			dma_free_coherent(d, td->clen, td->cbuf, td->cbus);
		} else {
			dma_unmap_single(d, td->sbus, td->slen, td->sdir);
			kfree(td->sbuf);
		}
		*b = NULL;
		return 0;
	}
	if (!strcmp(op, "dma_sync")) {
		if (!td->sbuf || off > 1 || !arg || arg > td->slen)
			return -EINVAL;
		if (off)
			dma_sync_single_for_device(d, td->sbus, arg, td->sdir);
		else
			dma_sync_single_for_cpu(d, td->sbus, arg, td->sdir);
		return 0;
	}
	if (strncmp(op, "dma_", 4) || (op[4] != 'c' && op[4] != 's') ||
	    (strcmp(op + 5, "set") && strcmp(op + 5, "sum")))
		return -ENOIOCTLCMD;
	buf = op[4] == 'c' ? td->cbuf : td->sbuf;
	len = op[4] == 'c' ? td->clen : td->slen;
	if (!buf || off > len || arg > len - off)
		return -EINVAL;
	if (!strcmp(op + 5, "set")) {
		memset(buf + off, val, arg);
		return 0;
	}
	for (i = 0; i < arg; i++)
		sum += buf[off + i];
	td->last = sum;
	return 0;
}

/* The commands added for the stress tests; -ENOIOCTLCMD: not one of them. */
static int do_cmd2(struct testdrv *td, const char *op, unsigned int bar,
		   unsigned long long off, unsigned long long arg, long long val, int n)
{
	if (!strcmp(op, "hammer") && n >= 4) {
		if (off + 8 * arg + 4 > td->len[bar])
			return -EINVAL;
		return hammer_start(td, td->bar[bar] + off, NULL, arg, 0);
	}
	if (!strcmp(op, "stop")) {
		td->last = hammer_stop(td);
		return 0;
	}
	if (!strcmp(op, "wphammer") && n == 5) {
		int i, ret;

		if (off + 4 > td->len[bar] || arg + 16 > td->len[bar] || !val)
			return -EINVAL;
		ret = hammer_start(td, td->bar[bar] + arg, td->bar[bar] + off, 2, val);
		if (ret)
			return ret;
		for (i = 0; i < 2; i++)
			wait_for_completion(&td->ham[i].finished);
		td->last = hammer_stop(td);
		return 0;
	}
	if (!strcmp(op, "big") && n == 5) {
		if (arg > td->len[bar] || !arg)
			return -EINVAL;
		return big(td, td->bar[bar], off, arg, val);
	}
	if (!strcmp(op, "irqcycle"))
		return irqcycle(td, arg);
	if (!strncmp(op, "dma_", 4))
		return dma_cmd(td, op, off, arg, val);
	if (!strcmp(op, "untrap")) {
		if (off + 16 > td->len[bar])
			return -EINVAL;
		/* stores 10 bytes; no MMIO emulator will ever take it */
		asm volatile("sgdt %0" : "=m" (*(struct fblob __force *)(td->bar[bar] + off)));
		return 0;
	}
	if (!strcmp(op, "keep"))
		return keep(td, bar);
	if (!strcmp(op, "form"))
		return run_form(td, bar, off);
	return -ENOIOCTLCMD;
}

static int do_cmd(struct testdrv *td, const char *buf)
{
	char op[16];
	unsigned int bar, width;
	unsigned long long off, arg, val;
	void __iomem *p;
	int n;

	n = sscanf(buf, "%15s %u %lli %lli %lli", op, &bar, &off, &arg, &val);
	if (n < 4 || bar >= DRV_BARS || !td->bar[bar])
		return -EINVAL;
	n = do_cmd2(td, op, bar, off, arg, val, n);
	if (n != -ENOIOCTLCMD)
		return n;
	n = sscanf(buf, "%15s %u %lli %lli %lli", op, &bar, &off, &arg, &val);
	width = arg;
	if (!strcmp(op, "peek")) {
		if (off + width > PAGE_ALIGN(td->len[bar]))
			return -EINVAL;
		strcpy(op, "r");
	} else if (!strcmp(op, "untrap_peek")) {
		/* "untrap" past a BAR smaller than a page, in its page */
		if (n < 2 || off + 16 > PAGE_ALIGN(td->len[bar]))
			return -EINVAL;
		asm volatile("sgdt %0" : "=m" (*(struct fblob __force *)(td->bar[bar] + off)));
		return 0;
	} else if (!strcmp(op, "w") || !strcmp(op, "r")) {
		if (off + width > td->len[bar])
			return -EINVAL;
	} else if (strcmp(op, "loop") && strcmp(op, "bench") && off + arg > td->len[bar]) {
		return -EINVAL;
	}
	p = td->bar[bar] + off;

	if (!strcmp(op, "w") && n == 5) {
		switch (width) {
		case 1: writeb(val, p); break;
		case 2: writew(val, p); break;
		case 4: writel(val, p); break;
		case 8: writeq(val, p); break;
		default: return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(op, "r")) {
		switch (width) {
		case 1: td->last = readb(p); break;
		case 2: td->last = readw(p); break;
		case 4: td->last = readl(p); break;
		case 8: td->last = readq(p); break;
		default: return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(op, "set") && n == 5) {
		memset_io(p, val, arg);
		return 0;
	}
	if (!strcmp(op, "exercise"))
		return exercise(td);
	if (!strcmp(op, "bench") && n == 5 && off + 4 <= td->len[bar] && val <= 2) {
		unsigned long long i;
		char *area = val == 2 ? vmalloc(PAGE_SIZE) : NULL;
		u64 t0;
		u32 x;

		if (val == 2 && !area)
			return -ENOMEM;
		t0 = ktime_get_ns();
		for (i = 0; i < arg; i++) {
			if (val == 2) {
				/* the guard page after the area: never mapped */
				if (!copy_from_kernel_nofault(&x, area + PAGE_SIZE, sizeof(x)))
					break;
			} else if (val) {
				writel(i, p);
			} else {
				(void)readl(p);
			}
			if (!(i & 1023))
				cond_resched();
		}
		td->last = ktime_get_ns() - t0;
		vfree(area);
		return i == arg ? 0 : -EIO;
	}
	if (!strcmp(op, "loop") && n == 5) {
		unsigned long long i;

		if (off + 4 > td->len[bar])
			return -EINVAL;
		for (i = 0; i < arg; i++) {
			writel((u32)(val << 24) | (i & 0xffffff), p);
			td->last = readl(p);
			if (!(i & 1023))
				cond_resched();
		}
		return 0;
	}
	if (!strcmp(op, "rmw") && n == 5 && width == 4) {
		/* what clang can make of "*p |= bits" */
		asm volatile("orl %1, %0" : "+m" (*(u32 __force *)p) : "r" ((u32)val) : "memory");
		return 0;
	}
	if (!strcmp(op, "pte")) {
		unsigned int level;
		pte_t *pte = lookup_address((unsigned long)p, &level);

		if (!pte || !pte_present(*pte))
			td->last = 0;
		else
			td->last = pte_write(*pte) ? 2 : 1;
		return 0;
	}
	if (!strcmp(op, "copy")) {
		u8 *src = kmalloc(arg ? arg : 1, GFP_KERNEL);
		unsigned long long i;

		if (!src)
			return -ENOMEM;
		for (i = 0; i < arg; i++)
			src[i] = i;
		memcpy_toio(p, src, arg);
		kfree(src);
		return 0;
	}
	return -EINVAL;
}

static ssize_t mmio_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct testdrv *td = dev_get_drvdata(dev);
	int ret;

	/* loops run unlocked, so that several CPUs can hammer the device */
	if (!strncmp(buf, "loop ", 5)) {
		ret = do_cmd(td, buf);
		return ret ? ret : count;
	}
	mutex_lock(&td->lock);
	ret = do_cmd(td, buf);
	mutex_unlock(&td->lock);
	return ret ? ret : count;
}

static ssize_t mmio_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%llx\n", td->last);
}
static DEVICE_ATTR_RW(mmio);

static ssize_t form_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&td->lock);
	n = sysfs_emit(buf, "%s", td->form);
	mutex_unlock(&td->lock);
	return n;
}
static DEVICE_ATTR_RO(form);

static ssize_t irq_count_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&td->vec[0].count));
}
static DEVICE_ATTR_RO(irq_count);

static ssize_t irq_counts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);
	int i, n = 0;

	for (i = 0; i < td->nvec; i++)
		n += sysfs_emit_at(buf, n, "%s%d", i ? " " : "", atomic_read(&td->vec[i].count));
	return n + sysfs_emit_at(buf, n, "\n");
}
static DEVICE_ATTR_RO(irq_counts);

static ssize_t nvec_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", td->nvec);
}
static DEVICE_ATTR_RO(nvec);

static ssize_t irq_kind_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct testdrv *td = dev_get_drvdata(dev);

	if (!td->nvec)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%s\n", td->pdev->msix_enabled ? "msix" :
			  td->pdev->msi_enabled ? "msi" : "intx");
}
static DEVICE_ATTR_RO(irq_kind);

/* "irq_enable": 0 masks vector 0 at once (disable_irq), 1 unmasks it. */
static ssize_t irq_enable_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct testdrv *td = dev_get_drvdata(dev);
	bool on;

	if (!td->nvec || kstrtobool(buf, &on))
		return -EINVAL;
	if (on)
		enable_irq(pci_irq_vector(td->pdev, 0));
	else
		disable_irq(pci_irq_vector(td->pdev, 0));
	return count;
}
static DEVICE_ATTR_WO(irq_enable);

static struct attribute *testdrv_attrs[] = {
	&dev_attr_irq_enable.attr,
	&dev_attr_irq_kind.attr,
	&dev_attr_mmio.attr,
	&dev_attr_form.attr,
	&dev_attr_irq_count.attr,
	&dev_attr_irq_counts.attr,
	&dev_attr_nvec.attr,
	NULL,
};
ATTRIBUTE_GROUPS(testdrv);

static int testdrv_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct testdrv *td;
	int i, ret;

	td = devm_kzalloc(&pdev->dev, sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	td->pdev = pdev;
	mutex_init(&td->lock);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	for (i = 0; i < DRV_BARS; i++) {
		if (!(pci_resource_flags(pdev, i) & IORESOURCE_MEM) || !pci_resource_len(pdev, i))
			continue;
		td->bar[i] = pci_iomap(pdev, i, 0);
		td->len[i] = pci_resource_len(pdev, i);
		if (!td->bar[i]) {
			ret = -ENOMEM;
			goto err_unmap;
		}
	}
	pci_set_master(pdev);
	if (pdev->msi_cap || pdev->msix_cap || pdev->irq) {
		ret = vectors_get(td);
		if (ret)
			goto err_unmap;
	}
	pci_set_drvdata(pdev, td);
	mutex_lock(&uio_lock);
	if (!uio_td)
		uio_td = td;
	mutex_unlock(&uio_lock);
	return 0;

err_unmap:
	for (i = 0; i < DRV_BARS; i++)
		if (td->bar[i])
			pci_iounmap(pdev, td->bar[i]);
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void testdrv_remove(struct pci_dev *pdev)
{
	struct testdrv *td = pci_get_drvdata(pdev);
	int i;

	mutex_lock(&uio_lock);
	if (uio_td == td)
		uio_td = NULL;
	mutex_unlock(&uio_lock);
	hammer_stop(td);
	dma_release(td);
	vectors_put(td);
	for (i = 0; i < DRV_BARS; i++)
		if (td->bar[i])
			pci_iounmap(pdev, td->bar[i]);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
}

static const struct pci_device_id testdrv_ids[] = {
	{ PCI_DEVICE(0x1234, 0x0e01) },
	{ PCI_DEVICE(0x1b36, 0x0005) },	/* QEMU's pci-testdev: the benchmark's peer */
	{ }
};
MODULE_DEVICE_TABLE(pci, testdrv_ids);

static struct pci_driver testdrv_driver = {
	.name = "pciem_testdrv",
	.id_table = testdrv_ids,
	.probe = testdrv_probe,
	.remove = testdrv_remove,
	.dev_groups = testdrv_groups,
};
static struct dentry *testdrv_debugfs;

/* ---- a function's instruction pointer claimed, as a livepatch does ------------ */

static char *ipmodify;
module_param(ipmodify, charp, 0444);
MODULE_PARM_DESC(ipmodify, "claim this function with an IPMODIFY ftrace_ops (the load fails if another holds it)");

static void ipmodify_func(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
			  struct ftrace_regs *fregs)
{
}

static struct ftrace_ops ipmodify_ops = {
	.func = ipmodify_func,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

static int ipmodify_claim(void)
{
	int ret;

	if (!ipmodify)
		return 0;
	ret = ftrace_set_filter(&ipmodify_ops, ipmodify, strlen(ipmodify), 1);
	if (!ret)
		ret = register_ftrace_function(&ipmodify_ops);
	if (ret) {
		ftrace_free_filter(&ipmodify_ops);
		pr_info("cannot claim %s with IPMODIFY: %d\n", ipmodify, ret);
		ipmodify = NULL;
		return ret;
	}
	pr_info("claimed %s with IPMODIFY\n", ipmodify);
	return 0;
}

static int __init testdrv_init(void)
{
	int ret = ipmodify_claim();

	if (ret)
		return ret;
	testdrv_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("orphan", 0600, testdrv_debugfs, NULL, &orphan_fops);
	debugfs_create_file("bar0", 0600, testdrv_debugfs, NULL, &uio_fops);
	ret = pci_register_driver(&testdrv_driver);
	if (ret) {
		debugfs_remove_recursive(testdrv_debugfs);
		if (ipmodify) {
			unregister_ftrace_function(&ipmodify_ops);
			ftrace_free_filter(&ipmodify_ops);
		}
	}
	return ret;
}
module_init(testdrv_init);

static void __exit testdrv_exit(void)
{
	if (ipmodify) {
		unregister_ftrace_function(&ipmodify_ops);
		ftrace_free_filter(&ipmodify_ops);
	}
	pci_unregister_driver(&testdrv_driver);
	debugfs_remove_recursive(testdrv_debugfs);
	if (orphan_va)
		iounmap(orphan_va);
}
module_exit(testdrv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCIem VM test driver: MMIO accesses on request");
