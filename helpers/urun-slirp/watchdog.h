/* watchdog.h: the process beside the helper that stops the container when
 * the helper dies without exiting in order. */
#ifndef URUN_SLIRP_WATCHDOG_H
#define URUN_SLIRP_WATCHDOG_H

/* Its name in ps and /proc/PID/comm (at most 15 characters). */
#define WATCHDOG_NAME "slirp-watchdog"
/* The line it leaves in the helper's log (stderr) once it has killed the
 * container; urun state looks for its start (NET_HELPER_STOPPED_MARK, src/lib/state.h). */
#define WATCHDOG_KILLED "the helper died: its container was stopped (SIGKILL to init)"

/* Exit with a message unless PIDFD is a pidfd of a live process. */
void watchdog_check_pidfd(int pidfd);
/* Fork the watchdog holding PIDFD (the container's init, as the caller
 * proved it) and the read end of a pipe whose write end only this
 * process holds: when the pipe reaches end of file without a byte (the
 * helper was killed or crashed), the watchdog sends SIGKILL through the
 * pidfd.  An orderly exit disarms it first (atexit).  0, or -1 with a
 * message. */
int watchdog_start(int pidfd);

#endif
