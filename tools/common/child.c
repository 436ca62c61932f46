// SPDX-License-Identifier: GPL-2.0
/* Running a COMMAND under a tool: see child.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

pid_t child__spawn(char **cmd, const sigset_t *mask)
{
	int pfd[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (!pid) {
		sigprocmask(SIG_SETMASK, mask, NULL);
		execvp(cmd[0], cmd);
		/* the parent learns why through the pipe (closed on exec) */
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	do {
		n = read(pfd[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(e)) {
		waitpid(pid, NULL, 0);
		return -(e ? e : ENOEXEC);
	}
	return pid;
}

int child__stop(pid_t pid, int sigfd, unsigned int term_ms, const char *prog)
{
	uint64_t deadline = mono_ms() + term_ms;
	int st;

	kill(pid, SIGTERM);
	for (;;) {
		struct pollfd p = { .fd = sigfd, .events = POLLIN };
		struct signalfd_siginfo si;
		uint64_t now;

		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		now = mono_ms();
		if (now >= deadline) {
			fprintf(stderr, "%s: COMMAND did not exit after SIGTERM; sending SIGKILL\n",
				prog);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, deadline - now + 1) > 0 && read(sigfd, &si, sizeof(si)) < 0)
			break;
	}
	waitpid(pid, &st, 0);
	return st;
}

int child__exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}
