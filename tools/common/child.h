/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a COMMAND under a tool (pciem-record, pciem-replay): start it,
 * stop it, turn its wait status into an exit code.
 */
#ifndef PCIEM_CHILD_H
#define PCIEM_CHILD_H

#include <signal.h>
#include <sys/types.h>

/*
 * Starts @cmd (execvp) with the signal mask @mask.  Returns its pid, or
 * -errno when it could not be run (exec's error: -ENOENT when not found),
 * the failed child having been reaped.
 */
pid_t child__spawn(char **cmd, const sigset_t *mask);

/*
 * Ends @pid: SIGTERM, then SIGKILL if it has not exited after @term_ms
 * (saying so on stderr after "@prog: ").  @sigfd is a signalfd that
 * includes SIGCHLD, so the wait wakes up when the child exits.  Returns
 * its wait status.
 */
int child__stop(pid_t pid, int sigfd, unsigned int term_ms, const char *prog);

/* The shell's view of a wait status: the exit status, 128+N for a
 * signal N. */
int child__exit_code(int wstatus);

#endif
