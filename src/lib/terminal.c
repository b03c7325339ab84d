/* terminal.c: ptys for process.terminal; see terminal.h. */
#define _GNU_SOURCE
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount_fd.h"
#include "sync.h"

urun_error *terminal_open_in_container(const struct spec_process *p, bool console, int *ret_master) {
  _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return urun_error_errno("process.terminal: open /dev/ptmx");
  if (unlockpt(master) < 0) return urun_error_errno("process.terminal: unlockpt");
  /* TIOCGPTPEER opens the peer through the master: no path lookup to race. */
  _cleanup_close_ int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (peer < 0) return urun_error_errno("process.terminal: open pty peer");
  if (p->has_console_size) {
    struct winsize ws = {.ws_row = (unsigned short)p->console_height, .ws_col = (unsigned short)p->console_width};
    if (ioctl(peer, TIOCSWINSZ, &ws) < 0) return urun_error_errno("process.terminal: consoleSize");
  }
  /* The process owns its terminal, as on a login. */
  if (fchown(peer, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
    return urun_error_errno("process.terminal: chown pty");
  if (console) TRY(urun_error_wrap(mount_console(peer), "process.terminal"));
  if (setsid() < 0) return urun_error_errno("process.terminal: setsid");
  if (ioctl(peer, TIOCSCTTY, 0) < 0) return urun_error_errno("process.terminal: set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(peer, fd) < 0) return urun_error_errno("process.terminal: dup2");
  *ret_master = steal_fd(&master);
  return NULL;
}

urun_error *terminal_send_to_console_socket(const char *path, int master) {
  /* conmon expects exactly one fd; the text is informational */
  static const char name[] = "/dev/ptmx";
  return send_fd_to_socket_path(path, "--console-socket", name, sizeof(name), master);
}

void terminal_proxy_start(struct terminal_proxy *t, int master) {
  t->master = master;
  t->saved = false;
  t->tty_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
  struct termios *saved = &t->saved_termios;
  if (t->tty_fd >= 0 && tcgetattr(t->tty_fd, saved) == 0) {
    struct termios raw = *saved;
    cfmakeraw(&raw);
    if (tcsetattr(t->tty_fd, TCSANOW, &raw) == 0) t->saved = true;
  }
  terminal_proxy_resize(t);
}

void terminal_copy_caller_size(int master) {
  struct winsize ws;
  if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

void terminal_proxy_resize(struct terminal_proxy *t) {
  struct winsize ws;
  if (t->tty_fd >= 0 && ioctl(t->tty_fd, TIOCGWINSZ, &ws) == 0) ioctl(t->master, TIOCSWINSZ, &ws);
}

static bool copy(int from, int to) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    off += w;
  }
  return true;
}

bool terminal_proxy_from_master(struct terminal_proxy *t) { return copy(t->master, STDOUT_FILENO); }

bool terminal_proxy_from_stdin(struct terminal_proxy *t) {
  if (copy(STDIN_FILENO, t->master)) return true;
  /* stdin closed: an end-of-file for the container's terminal */
  char eof = 4;
  if (write(t->master, &eof, 1) < 0) return false;
  return false;
}

void terminal_proxy_stop(struct terminal_proxy *t) {
  if (t->saved) tcsetattr(t->tty_fd, TCSANOW, &t->saved_termios);
  t->saved = false;
}
