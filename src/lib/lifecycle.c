/* lifecycle.c: start, kill and delete of an existing container. */
#define _GNU_SOURCE
#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "cgroup.h"
#include "fsutil.h"
#include "hooks.h"
#include "pidfd.h"
#include "recover.h"
#include "log.h"
#include "net.h"

static urun_error *signal_init(const struct state *st, int sig) {
  struct proc_handle h;
  TRY(urun_error_wrap(proc_open(st->pid, st->start_time, &h), "signal container init"));
  urun_error *e = proc_signal(&h, sig);
  proc_close(&h);
  return e;
}

urun_error *lifecycle_pids_in_mount_ns(uint64_t ino, pid_t **ret, size_t *ret_len) {
  _cleanup_closedir_ DIR *d = opendir("/proc");
  if (!d) return urun_error_errno("open /proc");
  size_t n = 0, cap = 16;
  _cleanup_free_ pid_t *pids = malloc(cap * sizeof(pid_t));
  if (!pids) return urun_error_code(ENOMEM, "processes");
  struct dirent *de;
  while ((de = readdir(d))) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
    struct stat sb;
    if (stat(path, &sb) < 0 || sb.st_ino != ino) continue;
    if (n == cap) {
      pid_t *np = realloc(pids, (cap *= 2) * sizeof(pid_t));
      if (!np) return urun_error_code(ENOMEM, "processes");
      pids = np;
    }
    pids[n++] = (pid_t)pid;
  }
  *ret = steal_ptr(pids);
  *ret_len = n;
  return NULL;
}

/* Every process of a container without a cgroup: those in its mount namespace. */
static urun_error *signal_all(const struct state *st, int sig) {
  pid_t *pids = NULL;
  size_t n = 0;
  TRY(lifecycle_pids_in_mount_ns(st->mnt_ns, &pids, &n));
  for (size_t i = 0; i < n; i++) kill(pids[i], sig);
  free(pids);
  return NULL;
}

urun_error *lifecycle_signal(const struct state *st, int sig, bool all) {
  if (all && st->cgroup_path) return cgroup_kill_all(st->cgroup_path, sig);
  if (all && st->mnt_ns) {
    if (st->own_pid_ns && sig == SIGKILL) return signal_init(st, sig);
    TRY(signal_all(st, sig));
    return NULL;
  }
  return signal_init(st, sig);
}

urun_error *lifecycle_kill_and_wait(const struct state *st) {
  struct proc_handle h;
  urun_error *e = proc_open(st->pid, st->start_time, &h);
  if (e) { /* already gone */
    urun_error_free(e);
    return NULL;
  }
  if (st->cgroup_path) urun_error_free(cgroup_kill_all(st->cgroup_path, SIGKILL));
  else if (st->mnt_ns && !st->own_pid_ns) urun_error_free(signal_all(st, SIGKILL));
  e = proc_signal(&h, SIGKILL);
  if (e && e->code == ESRCH) {
    urun_error_free(e);
    e = NULL;
  }
  /* init exits whoever its reaper is; a zombie counts as exited */
  if (!e && !proc_wait_exit(&h, 10000))
    e = urun_error_new("container init %d did not exit after SIGKILL", st->pid);
  proc_close(&h);
  return e;
}

/* Run the poststart or poststop hooks of the config copied at create. */
static urun_error *run_saved_hooks(int dirfd, const struct state *st, enum container_status status,
                                   bool poststart) {
  _cleanup_free_ char *data = NULL;
  size_t len;
  TRY(read_file_at(dirfd, CONFIG_COPY_NAME, &data, &len));
  _cleanup_spec_ struct spec *s = NULL;
  TRY(spec_parse(CONFIG_COPY_NAME, data, len, &s));
  _cleanup_free_ char *json = NULL;
  TRY(state_to_json(st, status, false, &json));
  return poststart ? hooks_run(&s->hooks.poststart, "poststart", json, NULL)
                   : hooks_run_all(&s->hooks.poststop, "poststop", json, NULL);
}

/* Open the exec fifo and read init's byte: init then execs.  Fails if init
 * goes away first. */
/* Open the fifo (which releases init) and read its byte.  With
 * `until_exec`, then wait for the end of file: init keeps its end open
 * until execve closes it, and poststart hooks come after the process is
 * executed (runtime-spec), not beside init's startContainer hooks. */
static urun_error *release_init(int dirfd, const char *id, struct proc_handle *h, bool until_exec) {
  _cleanup_close_ int fifo = openat(dirfd, EXEC_FIFO_NAME, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0) return urun_error_errno("start \"%s\": open exec fifo", id);
  struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = h->pidfd, .events = POLLIN}};
  bool released = false;
  for (;;) {
    /* without a pidfd, look at init between short polls */
    int r = poll(p, 2, h->pidfd >= 0 ? -1 : 20);
    if (r == 0 && !released && !proc_alive(h)) return urun_error_new("start \"%s\": container init has exited", id);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return urun_error_errno("start \"%s\"", id);
    if (p[0].revents & (POLLIN | POLLHUP)) {
      char c;
      ssize_t n = read(fifo, &c, 1);
      if (n == 1 && !until_exec) break;
      if (n == 1) {
        released = true;
        p[1].fd = -1; /* init may exit at once now: only the end of file counts */
        continue;
      }
      if (n < 0 && errno == EAGAIN) continue;
      if (n == 0 && released) break;
      return urun_error_new("start \"%s\": container init exited before it could start", id);
    }
    if (p[1].revents) return urun_error_new("start \"%s\": container init has exited", id);
  }
  if (unlinkat(dirfd, EXEC_FIFO_NAME, 0) < 0) return urun_error_errno("start \"%s\": remove exec fifo", id);
  return NULL;
}

static urun_error *destroy_locked(struct state_root *root, const char *id, int dirfd, const struct state *st,
                                  enum container_status s);

/* A failing poststart hook is an error, and the container is stopped
 * (runtime-spec 1.3; 1.0 only asked for a warning); the caller then
 * destroys it, as runc does (`start` here, `run` by its delete) */
static urun_error *poststart(int dirfd, const char *id, const struct state *st) {
  urun_error *he = run_saved_hooks(dirfd, st, STATUS_RUNNING, true);
  if (!he) return NULL;
  urun_error_free(lifecycle_kill_and_wait(st));
  return urun_error_wrap(he, "start \"%s\"", id);
}

urun_error *container_start(struct state_root *root, const char *id) {
  _cleanup_close_ int dirfd = -1;
  TRY(state_open(root, id, LOCK_EX, &dirfd));
  _cleanup_state_ struct state *st = NULL;
  TRY(state_read(dirfd, id, &st));
  enum container_status s = state_status(dirfd, st);
  if (s != STATUS_CREATED)
    return urun_error_new("cannot start container \"%s\": it is %s, not created", id, state_status_name(s));
  /* init before the fifo: opening the fifo releases init, which may run
   * (a real-time one at once) and exit before we look at it */
  struct proc_handle h;
  urun_error *e = proc_open(st->pid, st->start_time, &h);
  if (e) {
    urun_error_free(e);
    return urun_error_new("start \"%s\": container init has exited", id);
  }
  e = release_init(dirfd, id, &h, st->has_poststart);
  proc_close(&h);
  if (!e && st->has_poststart && (e = poststart(dirfd, id, st)))
    /* never half-gone: no container is left for a `start` that failed */
    urun_error_free(destroy_locked(root, id, dirfd, st, STATUS_RUNNING));
  return e;
}

urun_error *container_start_created(const char *id, struct created *c) {
  _cleanup_close_ int dirfd = steal_fd(&c->dirfd);
  /* create held the state directory's lock since it made it, and the
   * pidfd, so nothing has to be read back: init is ours and created */
  struct proc_handle h = {.pid = c->pid, .start_time = c->start_time, .pidfd = c->pidfd};
  TRY(release_init(dirfd, id, &h, c->has_poststart));
  if (!c->has_poststart) return NULL;
  _cleanup_state_ struct state *st = NULL;
  TRY(state_read(dirfd, id, &st));
  return poststart(dirfd, id, st);
}

urun_error *container_kill(struct state_root *root, const char *id, int sig, bool all) {
  _cleanup_close_ int dirfd = -1;
  TRY(state_open(root, id, LOCK_SH, &dirfd));
  _cleanup_state_ struct state *st = NULL;
  TRY(state_read(dirfd, id, &st));
  if (state_status(dirfd, st) == STATUS_STOPPED)
    return urun_error_new("container \"%s\" is not running", id);
  return urun_error_wrap(lifecycle_signal(st, sig, all), "kill \"%s\"", id);
}

urun_error *container_delete(struct state_root *root, const char *id, bool force) {
  _cleanup_close_ int dirfd = -1;
  urun_error *e = state_open(root, id, LOCK_EX, &dirfd);
  if (e && force) {
    /* --force also clears a directory left by a create that died. */
    urun_error_free(e);
    _cleanup_close_ int d = -1;
    TRY(state_validate_id(id));
    d = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    /* nothing to delete is what --force asks for (runc, crun: exit 0) */
    if (d < 0 && errno == ENOENT) return NULL;
    if (d < 0) return urun_error_errno("container \"%s\"", id);
    if (!state_lock_briefly(d, LOCK_EX) && flock(d, LOCK_EX | LOCK_NB) < 0)
      return urun_error_new("container \"%s\" is being created", id);
    /* a create that died: its journal says what it made */
    if (faccessat(d, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0) return recover_container(root, id, d);
    /* written meanwhile: a delete of a created container after all */
    dirfd = steal_fd(&d);
  } else if (e) {
    return e;
  }
  _cleanup_state_ struct state *st = NULL;
  _cleanup_free_ char *damage = NULL;
  TRY(state_load(dirfd, id, &st, &damage));
  if (damage && force) {
    log_debug("delete \"%s\": state.json is not trusted (%s): deleting by the journal", id, damage);
    return recover_container(root, id, dirfd);
  }
  if (damage) return state_damage_error(id, damage);
  enum container_status s = state_status(dirfd, st);
  if ((s == STATUS_RUNNING || s == STATUS_PAUSED) && !force) {
    return urun_error_new("cannot delete container \"%s\" that is not stopped: %s%s (use --force)", id,
                          state_status_name(s), st->net_helper_gone ? ", without a network: its urun-slirp has exited" : "");
  }
  return destroy_locked(root, id, dirfd, st, s);
}

/* Everything of the container, its state directory (locked by the caller
 * as `dirfd`) last; then the poststop hooks. */
static urun_error *destroy_locked(struct state_root *root, const char *id, int dirfd, const struct state *st,
                                  enum container_status s) {
  /* A stopped container's namespace inode may belong to a new namespace
   * by now: only a live init makes the namespace identity trustworthy. */
  if (s != STATUS_STOPPED) TRY(urun_error_wrap(lifecycle_kill_and_wait(st), "delete \"%s\"", id));
  net_stop_helper(st->net_helper_pid, st->net_helper_start_time);
  if (st->cgroup_path || st->cgroup_unit)
    TRY(urun_error_wrap(cgroup_destroy(st->cgroup_path, st->cgroup_unit, st->cgroup_user_bus),
                        "delete \"%s\"", id));
  if (!st->has_poststop) return state_remove(root, id);
  /* poststop runs after the container is gone; its failure is a warning. */
  urun_error *hook_err = run_saved_hooks(dirfd, st, STATUS_STOPPED, false);
  urun_error *rm_err = state_remove(root, id);
  if (rm_err) {
    urun_error_free(hook_err);
    return rm_err;
  }
  if (hook_err) {
    _cleanup_free_ char *t = urun_error_text(hook_err);
    log_warning("delete \"%s\": %s", id, t ? t : hook_err->message);
    urun_error_free(hook_err);
  }
  return NULL;
}
