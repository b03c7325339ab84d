/* signals.c: signal names, forwarding while `run` waits. */
#define _GNU_SOURCE
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "terminal.h"

urun_error *signal_parse(const char *name, int *ret) {
  const char *s = name;
  if (!s || !*s) return urun_error_new("invalid signal \"\"");
  char *end;
  long n = strtol(s, &end, 10);
  if (*end == '\0') {
    if (n <= 0 || n > SIGRTMAX) return urun_error_new("invalid signal \"%s\"", name);
    *ret = (int)n;
    return NULL;
  }
  if (!strncasecmp(s, "SIG", 3)) s += 3;
  for (int sig = 1; sig < SIGRTMIN; sig++) {
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev && !strcasecmp(abbrev, s)) {
      *ret = sig;
      return NULL;
    }
  }
  /* real-time signals: RTMIN, RTMIN+n, RTMAX-n */
  if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
    bool min = !strncasecmp(s, "RTMIN", 5);
    long off = 0;
    if (s[5]) {
      off = strtol(s + 5, &end, 10);
      if (*end || (min && off < 0) || (!min && off > 0)) return urun_error_new("invalid signal \"%s\"", name);
    }
    long sig = (min ? SIGRTMIN : SIGRTMAX) + off;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
      *ret = (int)sig;
      return NULL;
    }
  }
  return urun_error_new("invalid signal \"%s\"", name);
}

static void forwarded_set(sigset_t *set) {
  sigfillset(set);
  sigdelset(set, SIGKILL);
  sigdelset(set, SIGSTOP);
  /* Faults of our own must stay deadly. */
  sigdelset(set, SIGSEGV);
  sigdelset(set, SIGBUS);
  sigdelset(set, SIGILL);
  sigdelset(set, SIGFPE);
  sigdelset(set, SIGTRAP);
  sigdelset(set, SIGSYS);
}

void signals_block_forwarded(void) {
  sigset_t set;
  forwarded_set(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
}

urun_error *signals_wait_forwarding(pid_t pid, int master, int *ret_exit) {
  sigset_t set;
  forwarded_set(&set);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) return urun_error_errno("signalfd");
  struct terminal_proxy proxy;
  bool stdin_open = master >= 0, master_open = master >= 0;
  if (master >= 0) terminal_proxy_start(&proxy, master);
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      /* drain what the container wrote last */
      while (master_open && poll(&(struct pollfd){.fd = master, .events = POLLIN}, 1, 0) > 0 &&
             terminal_proxy_from_master(&proxy)) {
      }
      if (master >= 0) terminal_proxy_stop(&proxy);
      close(sfd);
      *ret_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return NULL;
    }
    if (r < 0 && errno != EINTR) {
      urun_error *e = urun_error_errno("wait for container");
      if (master >= 0) terminal_proxy_stop(&proxy);
      close(sfd);
      return e;
    }
    struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                          {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
                          {.fd = master_open ? master : -1, .events = POLLIN}};
    if (poll(p, 3, -1) < 0) continue;
    if (p[2].revents) master_open = terminal_proxy_from_master(&proxy);
    if (p[1].revents) stdin_open = terminal_proxy_from_stdin(&proxy);
    if (!(p[0].revents & POLLIN)) continue;
    struct signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof(si));
    if (n != sizeof(si)) continue;
    int sig = (int)si.ssi_signo;
    if (sig == SIGWINCH && master >= 0) terminal_proxy_resize(&proxy);
    if (sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG) continue;
    kill(pid, sig);
  }
}
