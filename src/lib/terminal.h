/* terminal.h: process.terminal - a pty made inside the container. */
#ifndef URUN_TERMINAL_H
#define URUN_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "error.h"
#include "spec.h"

/* Init side, after pivot_root: open a pty on the container's devpts, make
 * its peer the controlling terminal and stdio (and, with `console`, what
 * /dev/console shows), return the master fd. */
urun_error *terminal_open_in_container(const struct spec_process *p, bool console, int *ret_master);
/* Parent side: hand the master to the --console-socket listener. */
urun_error *terminal_send_to_console_socket(const char *path, int master);

/* `run` in the foreground: put the caller's terminal in raw mode (restored
 * by terminal_restore), copy stdin <-> master, keep the window size. */
struct terminal_proxy {
  int master;
  bool saved;
  int tty_fd;
  struct termios saved_termios;
};
void terminal_proxy_start(struct terminal_proxy *t, int master);
/* Copy what is ready; false once that side has closed (stop polling it). */
bool terminal_proxy_from_master(struct terminal_proxy *t);
bool terminal_proxy_from_stdin(struct terminal_proxy *t);
void terminal_proxy_resize(struct terminal_proxy *t);
void terminal_proxy_stop(struct terminal_proxy *t);

/* The caller's terminal size onto a pty master we keep (run, exec without
 * a console socket), before the process starts: it sees the right size
 * from its first instruction (consoleSize, when given, was set by init). */
void terminal_copy_caller_size(int master);

#endif
