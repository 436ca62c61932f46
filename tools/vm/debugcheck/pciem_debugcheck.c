// SPDX-License-Identifier: GPL-2.0
/*
 * pciem_debugcheck: makes one deliberate kernel bug when loaded, so that
 * the harness self-test (tools/vm/selftest.sh) can prove that the debug
 * kernel's checkers are on and that tools/pciem-vm fails a run whose
 * kernel log has their report.  Only for the debug kernel, only in a VM.
 *
 *   insmod pciem_debugcheck.ko bug=kasan|lockdep|sleep|odebug|list
 *
 * Loading always succeeds: the bug is the point, the log check the test.
 */
#include <linux/delay.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "kasan, lockdep, sleep, odebug or list");

/* An index the compiler cannot see is out of bounds. */
static unsigned int past = 32;
module_param(past, uint, 0444);

static int check_kasan(void)
{
	char *p = kmalloc(32, GFP_KERNEL);
	volatile char *v = p;

	if (!p)
		return -ENOMEM;
	pr_info("pciem_debugcheck: reading byte %u of a 32-byte object\n", past);
	(void)v[past];
	kfree(p);
	return 0;
}

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);

static int check_lockdep(void)
{
	/* A then B, then B then A: lockdep reports the possible deadlock. */
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);

	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
	return 0;
}

static DEFINE_SPINLOCK(spin);

static int check_sleep(void)
{
	spin_lock(&spin);
	might_sleep();
	spin_unlock(&spin);
	return 0;
}

struct timed {
	struct timer_list timer;
};

static void timed_fn(struct timer_list *t)
{
}

static int check_odebug(void)
{
	struct timed *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	timer_setup(&t->timer, timed_fn, 0);
	mod_timer(&t->timer, jiffies + 3600 * HZ);
	/*
	 * Freeing an armed timer: debug objects reports "free active", and
	 * its fixup deletes the timer, so it never runs on freed memory.
	 */
	kfree(t);
	return 0;
}

static int check_list(void)
{
	LIST_HEAD(head);
	struct list_head e;

	list_add(&e, &head);
	/* Adding the same entry again: DEBUG_LIST reports a double add. */
	list_add(&e, &head);
	INIT_LIST_HEAD(&head);
	return 0;
}

static int __init debugcheck_init(void)
{
	if (!strcmp(bug, "kasan"))
		return check_kasan();
	if (!strcmp(bug, "lockdep"))
		return check_lockdep();
	if (!strcmp(bug, "sleep"))
		return check_sleep();
	if (!strcmp(bug, "odebug"))
		return check_odebug();
	if (!strcmp(bug, "list"))
		return check_list();
	pr_err("pciem_debugcheck: unknown bug '%s'\n", bug);
	return -EINVAL;
}

static void __exit debugcheck_exit(void)
{
}

module_init(debugcheck_init);
module_exit(debugcheck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate kernel bugs for the PCIem harness self-test");
