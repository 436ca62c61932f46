// SPDX-License-Identifier: GPL-2.0
/*
 * pciem-replay --suite: a regression suite of traces, replayed one after
 * the other, each as the single-trace form replays it (a device created,
 * replayed and removed), with NAME.sh beside NAME.zst as its COMMAND, and
 * reported as JUnit XML (--junit) and TAP (--tap) by junit.c.
 *
 * Each trace is replayed in a child process of its own, whose stderr is a
 * pipe: the suite copies what comes through to its own stderr as it comes
 * and keeps it for the reports (pciem-replay's messages, COMMAND's), and
 * the child sends, on a second pipe, how the replay ended and its text
 * report (what report.c wrote: the divergences, the summary), which is
 * also on stderr.  A replay that crashes or leaves state behind harms no
 * other trace's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "replay.h"

#define TRACE_ENV	"PCIEM_REPLAY_TRACE"	/* given to NAME.sh: the trace */
#define NAME_ENV	"PCIEM_REPLAY_NAME"	/* and its NAME */
#define NOT_RUN		"not run: the suite was interrupted before it"
#define KEEP_MAX	(1u << 20)		/* bytes kept of a trace's stderr
						 * and of its report */

static const char prog[] = "pciem-replay";

/* ---- the suite's traces ------------------------------------------------------ */

static char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(REPLAY_EX_ERROR);
	}
	return d;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(REPLAY_EX_ERROR);
	}
	return s;
}

static int add_case(struct suite *s, const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	char *dir, real[PATH_MAX], *script;
	struct suite_case *c;
	struct stat st;

	c = realloc(s->cases, (s->n + 1) * sizeof(*c));
	if (!c) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -ENOMEM;
	}
	s->cases = c;
	c = &s->cases[s->n++];
	memset(c, 0, sizeof(*c));
	c->trace = xstrndup(path, strlen(path));
	if (blen > 4 && !strcmp(base + blen - 4, ".zst"))
		blen -= 4;
	c->name = xstrndup(base, blen);
	dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrndup(".", 1);
	if (realpath(dir, real)) {
		const char *r = strrchr(real, '/');

		c->classname = xstrndup(r && r[1] ? r + 1 : real, strlen(r && r[1] ? r + 1 : real));
	} else {
		c->classname = xstrndup(dir, strlen(dir));
	}
	script = xasprintf("%s/%s.sh", dir, c->name);
	if (!stat(script, &st) && S_ISREG(st.st_mode))
		c->script = script;
	else
		free(script);
	free(dir);
	return 0;
}

static int is_trace_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && !strcmp(d->d_name + n - 4, ".zst");
}

/* Each PATH: a trace, or a directory whose NAME.zst are traces (in the
 * order of their names; not its subdirectories). */
static int collect(struct suite *s, char **paths)
{
	for (; *paths; paths++) {
		const char *p = *paths;
		struct dirent **ents;
		struct stat st;
		int n, i, added = 0;

		if (stat(p, &st)) {
			fprintf(stderr, "%s: %s: %s\n", prog, p, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (add_case(s, p))
				return -1;
			continue;
		}
		n = scandir(p, &ents, is_trace_name, alphasort);
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, p, strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			size_t len = strlen(p);
			char *t = xasprintf("%s%s%s", p, len && p[len - 1] == '/' ? "" : "/",
					    ents[i]->d_name);

			if (!stat(t, &st) && S_ISREG(st.st_mode) && !add_case(s, t))
				added++;
			free(t);
			free(ents[i]);
		}
		free(ents);
		if (!added) {
			fprintf(stderr, "%s: %s: no trace (NAME.zst) in this directory\n", prog, p);
			return -1;
		}
	}
	return 0;
}

/* ---- one trace, in a child process -------------------------------------------- */

/* A FILE that writes to stderr and into a memory stream: the text report
 * goes to both (fopencookie). */
static ssize_t tee_write(void *cookie, const char *buf, size_t len)
{
	size_t off = 0;

	fwrite(buf, 1, len, cookie);
	while (off < len) {
		ssize_t n = write(STDERR_FILENO, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	return len;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static void case_child(struct replay_opts *o, const struct suite_case *c, bool tap,
		       int errfd, int repfd, int sigfd, const sigset_t *orig)
{
	cookie_io_functions_t tee = { .write = tee_write };
	char *report = NULL, *cmd[3] = { "sh", NULL, NULL }, *dir, real[PATH_MAX], *line;
	size_t report_len = 0;
	struct replay_end end = { .result = RESULT_ERROR };
	FILE *mem, *out;
	int code;

	if (dup2(errfd, STDERR_FILENO) < 0 || (tap && dup2(STDERR_FILENO, STDOUT_FILENO) < 0))
		_exit(REPLAY_EX_ERROR);
	close(errfd);
	mem = open_memstream(&report, &report_len);
	out = mem ? fopencookie(mem, "w", tee) : NULL;
	if (!out) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		exit(REPLAY_EX_ERROR);
	}
	setvbuf(out, NULL, _IOLBF, 0);
	dir = xstrndup(c->trace, strrchr(c->trace, '/') ? (size_t)(strrchr(c->trace, '/') -
		       c->trace) : 0);
	o->trace = c->trace;
	o->cmd_dir = dir[0] ? dir : (c->trace[0] == '/' ? "/" : ".");
	if (c->script) {
		cmd[1] = strrchr(c->script, '/') + 1;
		o->cmd = cmd;
	}
	if (setenv(NAME_ENV, c->name, 1) ||
	    setenv(TRACE_ENV, realpath(c->trace, real) ? real : c->trace, 1)) {
		fprintf(stderr, "%s: setenv: %s\n", prog, strerror(errno));
		exit(REPLAY_EX_ERROR);
	}
	code = replay_trace(o, sigfd, orig, out, &end);
	fclose(out);
	fclose(mem);
	line = xasprintf("%s %d\n%s\n", code == REPLAY_EX_NOSTACKS ? "no_stacks" :
			 report__result_name(end.result), code, end.headline);
	write_all(repfd, line, strlen(line));
	write_all(repfd, report, report_len);
	free(line);
	free(report);
	free(dir);
	exit(code);
}

struct keep {
	char *p;
	size_t len, dropped;
};

static void keep_add(struct keep *k, const char *buf, size_t len)
{
	size_t room = KEEP_MAX - k->len, n = len < room ? len : room;

	if (!k->p)
		k->p = malloc(KEEP_MAX + 1);
	if (!k->p)
		n = 0;
	if (n) {
		memcpy(k->p + k->len, buf, n);
		k->len += n;
		k->p[k->len] = 0;
	}
	k->dropped += len - n;
}

/* Reads what @fd has: copies it to @copy_fd (if >= 0) and keeps it.
 * Returns 0 at the end (EOF, or nothing more when @fd is non-blocking),
 * 1 when there may be more. */
static int pump(int fd, int copy_fd, struct keep *k)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	if (copy_fd >= 0)
		write_all(copy_fd, buf, n);
	keep_add(k, buf, n);
	return 1;
}

static char *keep_text(struct keep *k, size_t *len)
{
	char *t;

	if (k->dropped && asprintf(&t, "%.*s\n[%s: %zu more bytes not kept]\n", (int)k->len,
				   k->p ? k->p : "", prog, k->dropped) >= 0) {
		free(k->p);
		*len = strlen(t);
		return t;
	}
	*len = k->len;
	return k->p;
}

/* The last line pciem-replay said, without its "pciem-replay: ". */
static char *last_said(const char *out, size_t len)
{
	const char *p = out, *e = out + len, *best = NULL, *nl;
	size_t plen = strlen(prog) + 2;

	for (; p && p < e; p = nl ? nl + 1 : NULL) {
		nl = memchr(p, '\n', e - p);
		if ((size_t)(e - p) > plen && !strncmp(p, prog, plen - 2) && !strncmp(p + plen - 2, ": ", 2))
			best = p + plen;
	}
	if (!best)
		return NULL;
	nl = memchr(best, '\n', e - best);
	return xstrndup(best, nl ? (size_t)(nl - best) : (size_t)(e - best));
}

/* Replays case @c; *stop is set when SIGINT or SIGTERM came. */
static void run_case(struct replay_opts *o, struct suite_case *c, bool tap, int sigfd,
		     const sigset_t *orig, bool *stop)
{
	int errp[2], repp[2], wst = 0, fork_err;
	struct keep out = { 0 }, rep = { 0 };
	bool reaped = false, rep_open = true, err_open = true;
	uint64_t t0 = replay__now_ns();
	char *nl, *nl2, *text;
	size_t tlen;
	pid_t pid;

	if (pipe2(errp, O_CLOEXEC) || pipe2(repp, O_CLOEXEC)) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		snprintf(c->result, sizeof(c->result), "error");
		c->verdict = CASE_ERROR;
		c->exit_status = REPLAY_EX_ERROR;
		c->message = xstrndup("cannot make a pipe", 18);
		return;
	}
	fflush(NULL);
	pid = fork();
	fork_err = errno;
	if (pid == 0) {
		close(errp[0]);
		close(repp[0]);
		case_child(o, c, tap, errp[1], repp[1], sigfd, orig);
	}
	close(errp[1]);
	close(repp[1]);
	while (pid > 0 && (!reaped || rep_open)) {
		struct pollfd pf[3] = {
			{ .fd = err_open ? errp[0] : -1, .events = POLLIN },
			{ .fd = rep_open ? repp[0] : -1, .events = POLLIN },
			{ .fd = reaped ? -1 : sigfd, .events = POLLIN },
		};

		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents && !pump(errp[0], STDERR_FILENO, &out))
			err_open = false;
		if (pf[1].revents && !pump(repp[0], -1, &rep))
			rep_open = false;
		if (pf[2].revents) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
				kill(pid, si.ssi_signo);
				*stop = true;
			}
			if (waitpid(pid, &wst, WNOHANG) == pid) {
				reaped = true;
				/* what is left in the pipe: COMMAND's leftovers may
				 * keep it open, so no waiting for its end */
				fcntl(errp[0], F_SETFL, O_NONBLOCK);
			}
		}
	}
	while (err_open && reaped && pump(errp[0], STDERR_FILENO, &out))
		;
	close(errp[0]);
	close(repp[0]);
	c->time_s = (replay__now_ns() - t0) / 1e9;
	c->output = keep_text(&out, &c->output_len);

	/* "RESULT EXIT\nHEADLINE\nREPORT" */
	text = keep_text(&rep, &tlen);
	nl = text ? memchr(text, '\n', tlen) : NULL;
	nl2 = nl ? memchr(nl + 1, '\n', tlen - (nl + 1 - text)) : NULL;
	if (pid < 0 || !reaped || !WIFEXITED(wst) || !nl2) {
		/* no word from the child: it could not be started, or died */
		bool killed = pid > 0 && reaped && WIFSIGNALED(wst);

		snprintf(c->result, sizeof(c->result), killed ? "killed" : "error");
		c->verdict = CASE_ERROR;
		c->exit_status = REPLAY_EX_ERROR;
		if (pid < 0)
			c->message = xasprintf("cannot fork: %s", strerror(fork_err));
		else if (killed)
			c->message = xasprintf("pciem-replay was killed by signal %d (%s)",
					       WTERMSIG(wst), strsignal(WTERMSIG(wst)));
		else
			c->message = last_said(c->output, c->output_len);
		free(text);
		return;
	}

	c->exit_status = WEXITSTATUS(wst);
	snprintf(c->result, sizeof(c->result), "%.*s", (int)strcspn(text, " \n"), text);
	c->verdict = c->exit_status == REPLAY_EX_OK ? CASE_PASSED :
		     c->exit_status == REPLAY_EX_DIVERGED ? CASE_FAILED : CASE_ERROR;
	if (c->verdict == CASE_FAILED || strncmp(nl + 1, "ERROR:", 6))
		c->message = xstrndup(nl + 1, nl2 - nl - 1);
	else
		c->message = last_said(c->output, c->output_len);
	if (c->verdict == CASE_PASSED) {
		free(c->message);
		c->message = NULL;
	}
	c->report_len = tlen - (nl2 + 1 - text);
	c->report = xstrndup(nl2 + 1, c->report_len);
	free(text);
}

/* ---- the suite ---------------------------------------------------------------- */

/* FILE, written anew after each trace (through FILE.tmp, renamed): a suite
 * killed half-way still leaves a whole report, the traces not run yet in
 * it as skipped. */
static int write_junit(const char *path, struct suite *s, unsigned int done)
{
	char *tmp;
	FILE *f;
	unsigned int i;
	int err = 0;

	for (i = done; i < s->n; i++) {
		s->cases[i].verdict = CASE_SKIPPED;
		if (!s->cases[i].message)
			s->cases[i].message = xstrndup(NOT_RUN, strlen(NOT_RUN));
	}
	tmp = xasprintf("%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || junit__write(f, s) | fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "%s: cannot write the JUnit report %s: %s\n", prog, path,
			strerror(errno));
		if (f)
			unlink(tmp);
		err = -1;
	}
	free(tmp);
	return err;
}

static void free_suite(struct suite *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		struct suite_case *c = &s->cases[i];

		free(c->trace);
		free(c->name);
		free(c->classname);
		free(c->script);
		free(c->message);
		free(c->report);
		free(c->output);
	}
	free(s->cases);
}

int suite__run(struct replay_opts *o, char **paths, const char *junit, bool tap, int sigfd,
	       const sigset_t *orig)
{
	struct suite s = { .name = "pciem-replay" };
	unsigned int count[CASE_NVERDICTS], i, done;
	bool stop = false, junit_failed = false;
	time_t now = time(NULL);
	uint64_t t0 = replay__now_ns();
	int code;

	if (collect(&s, paths)) {
		free_suite(&s);
		return REPLAY_EX_ERROR;
	}
	strftime(s.timestamp, sizeof(s.timestamp), "%Y-%m-%dT%H:%M:%S", gmtime(&now));
	if (gethostname(s.hostname, sizeof(s.hostname) - 1))
		snprintf(s.hostname, sizeof(s.hostname), "localhost");
	if (tap)
		tap__plan(stdout, s.n);
	if (junit && write_junit(junit, &s, 0))
		junit_failed = true;
	for (done = 0; done < s.n && !stop; done++) {
		struct suite_case *c = &s.cases[done];

		fprintf(stderr, "%s: suite: %u of %u: %s%s%s\n", prog, done + 1, s.n, c->trace,
			c->script ? ", COMMAND sh " : "", c->script ? c->script : "");
		free(c->message);
		c->message = NULL;
		run_case(o, c, tap, sigfd, orig, &stop);
		fprintf(stderr, "%s: suite: %s: %s%s%s\n", prog, c->name,
			c->verdict == CASE_PASSED ? "passed" : c->verdict == CASE_FAILED ?
			"FAILED" : "ERROR", c->message ? ": " : "", c->message ? c->message : "");
		s.time_s = (replay__now_ns() - t0) / 1e9;
		if (tap)
			tap__case(stdout, done + 1, c);
		if (junit && !junit_failed && write_junit(junit, &s, done + 1))
			junit_failed = true;
	}
	for (i = done; tap && i < s.n; i++) {
		s.cases[i].verdict = CASE_SKIPPED;
		if (!s.cases[i].message)
			s.cases[i].message = xstrndup(NOT_RUN, strlen(NOT_RUN));
		tap__case(stdout, i + 1, &s.cases[i]);
	}
	suite__count(&s, count);
	if (tap)
		tap__end(stdout, &s);
	fprintf(stderr, "%s: suite: %u traces: %u passed, %u failed, %u errors, %u not run\n",
		prog, s.n, count[CASE_PASSED], count[CASE_FAILED], count[CASE_ERROR],
		count[CASE_SKIPPED]);
	/* a divergence is a verdict on the driver: it wins over the errors */
	code = count[CASE_FAILED] ? REPLAY_EX_DIVERGED :
	       count[CASE_ERROR] || count[CASE_SKIPPED] || junit_failed ? REPLAY_EX_ERROR :
	       REPLAY_EX_OK;
	free_suite(&s);
	return code;
}
