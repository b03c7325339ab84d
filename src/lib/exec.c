/* exec.c: `urun exec` - a new process in a running container.
 *
 * A first child joins every namespace of init with one setns(pidfd), which
 * the kernel orders itself (user namespace first); since a pid namespace
 * applies to children only, it clones the real process as our sibling
 * (CLONE_PARENT) and into the container's cgroup (CLONE_INTO_CGROUP). */
#define _GNU_SOURCE
#include "exec.h"
#include "labels.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "cleanup.h"
#include "fsutil.h"
#include "namespaces.h"
#include "process.h"
#include "process_cwd.h"
#include "process_env.h"
#include "process_sched.h"
#include "seccomp_cache.h"
#include "seccomp_filter.h"
#include "seccomp_notify.h"
#include "signals.h"
#include "sync.h"
#include "terminal.h"

/* The namespaces init is in that we are not (setns refuses our own userns). */
static int differing_namespaces(pid_t pid) {
  int flags = 0;
  for (size_t i = 0; i < NS_KIND_COUNT; i++) {
    char a[64], b[64];
    struct stat sa, sb;
    snprintf(a, sizeof(a), "/proc/self/ns/%s", ns_kinds[i].proc);
    snprintf(b, sizeof(b), "/proc/%d/ns/%s", pid, ns_kinds[i].proc);
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino) flags |= ns_kinds[i].flag;
  }
  return flags;
}

/* setns by /proc/PID/ns path, the user namespace first (no pidfd). */
static void join_one_by_one(int sock, pid_t pid, int nsflags) {
  int fds[NS_KIND_COUNT];
  for (size_t i = 0; i < NS_KIND_COUNT; i++) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns_kinds[i].proc);
    fds[i] = (nsflags & ns_kinds[i].flag) ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  }
  for (size_t i = 0; i < NS_KIND_COUNT; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], ns_kinds[i].flag) < 0) {
      urun_error *e = urun_error_errno("join the container's %s namespace", ns_kinds[i].proc);
      sync_send_error(sock, e);
      _exit(1);
    }
    close(fds[i]);
  }
}

static void enter_root_of(int sock, pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/root", pid);
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fchdir(fd) < 0 || chroot(".") < 0) {
    sync_send_error(sock, urun_error_errno("enter the container's root"));
    _exit(1);
  }
  close(fd);
}

struct exec_child {
  const struct exec_options *o;
  const struct spec_process *process;
  const struct spec *config;
  const struct seccomp_program *filter; /* compiled (or cached) by the parent */
  int sock; /* to the parent: errors, the pty, the pid; closes on execve */
  int listen_fds; /* urun's socket-activation fds, before the preserved ones */
};

/* Owned arrays of a process built from the config plus overrides. */
struct built_process {
  struct spec_process p;
  char **env, **bounding, **effective, **permitted;
  uint32_t *gids;
  struct spec_process *parsed; /* from --process */
};

static void built_free(struct built_process *b) {
  free(b->env);
  free(b->bounding);
  free(b->effective);
  free(b->permitted);
  free(b->gids);
  if (b->parsed) spec_process_free(b->parsed);
}

/* l + extra (shallow: the strings stay owned by their sources). */
static char **concat(const struct str_list *l, char **extra, size_t n, size_t *ret_len) {
  char **v = calloc(l->len + n + 1, sizeof(char *));
  if (!v) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < l->len; i++) v[k++] = l->items[i];
  for (size_t i = 0; i < n; i++) v[k++] = extra[i];
  *ret_len = k;
  return v;
}

static urun_error *build_process(const struct spec *config, const struct exec_options *o, struct built_process *b) {
  memset(b, 0, sizeof(*b));
  if (o->process_file) {
    _cleanup_free_ char *data = NULL;
    size_t len;
    TRY(read_file_at(AT_FDCWD, o->process_file, &data, &len));
    TRY(spec_parse_process(o->process_file, data, len, &b->parsed));
    b->p = *b->parsed;
    return NULL;
  }
  const struct exec_overrides *v = &o->overrides;
  b->p = config->process;
  size_t n = 0;
  while (v->args[n]) n++;
  b->p.args = (struct str_list){v->args, n};
  b->p.terminal = v->tty;
  if (v->cwd) b->p.cwd = (char *)v->cwd;
  if (v->has_user) {
    b->p.user.uid = v->uid;
    b->p.user.gid = v->gid;
    b->p.user.additional_gids_len = 0;
  }
  if (v->no_new_privs) b->p.no_new_privileges = true;
  if (v->additional_gids_len) {
    /* runc: added to what the process has */
    const struct spec_user *u = &b->p.user;
    b->gids = calloc(u->additional_gids_len + v->additional_gids_len, sizeof(uint32_t));
    if (!b->gids) return urun_error_code(ENOMEM, "exec");
    if (u->additional_gids_len) memcpy(b->gids, u->additional_gids, u->additional_gids_len * sizeof(uint32_t));
    memcpy(b->gids + u->additional_gids_len, v->additional_gids, v->additional_gids_len * sizeof(uint32_t));
    b->p.user.additional_gids = b->gids;
    b->p.user.additional_gids_len += v->additional_gids_len;
  }
  /* env: the config's, where --env KEY=... replaces KEY */
  b->env = calloc(config->process.env.len + v->env_len + 1, sizeof(char *));
  if (!b->env) return urun_error_code(ENOMEM, "exec");
  size_t k = 0;
  for (size_t i = 0; i < config->process.env.len; i++) {
    const char *e = config->process.env.items[i];
    size_t keylen = strcspn(e, "=");
    bool replaced = false;
    for (size_t j = 0; j < v->env_len; j++)
      if (!strncmp(v->env[j], e, keylen) && v->env[j][keylen] == '=') replaced = true;
    if (!replaced) b->env[k++] = (char *)e;
  }
  for (size_t j = 0; j < v->env_len; j++) b->env[k++] = v->env[j];
  b->p.env = (struct str_list){b->env, k};
  if (v->caps_len) {
    struct spec_capabilities *c = &b->p.capabilities;
    c->present = true;
    size_t len;
    if (!(b->bounding = concat(&c->bounding, v->caps, v->caps_len, &len))) return urun_error_code(ENOMEM, "exec");
    c->bounding = (struct str_list){b->bounding, len};
    if (!(b->effective = concat(&c->effective, v->caps, v->caps_len, &len))) return urun_error_code(ENOMEM, "exec");
    c->effective = (struct str_list){b->effective, len};
    if (!(b->permitted = concat(&c->permitted, v->caps, v->caps_len, &len))) return urun_error_code(ENOMEM, "exec");
    c->permitted = (struct str_list){b->permitted, len};
  }
  return NULL;
}

static _Noreturn void fail(int sock, urun_error *e) {
  sync_send_error(sock, e);
  _exit(1);
}

/* In the container's namespaces and cgroup: the process settings, execve. */
static _Noreturn void run_process(struct exec_child *x) {
  const struct spec_process *p = x->process;
  urun_error *e = NULL;
  /* our socket above the fds passed on (socket activation's, then the
   * preserved ones: the caller's) */
  int keep = x->listen_fds + x->o->preserve_fds, lowest = 3 + keep;
  if (x->sock < lowest) {
    int moved = fcntl(x->sock, F_DUPFD_CLOEXEC, lowest);
    if (moved < 0) fail(x->sock, urun_error_errno("exec: move the sync socket"));
    close(x->sock);
    x->sock = moved;
  }
  if ((e = process_apply_settings(&x->config->linux_, p))) fail(x->sock, e);
  /* the leader of a process group (and session) of its own, as runc's: a
   * signal to the group (kill -- -PID) reaches it and its children only,
   * and a caller's terminal is not its controlling one (no SIGTTIN); with
   * a terminal, terminal_open_in_container does it */
  if (!p->terminal && setsid() < 0) fail(x->sock, urun_error_errno("exec: setsid"));
  /* in the container's root, as its root: its passwd file */
  struct process_env env;
  if ((e = process_env_build(p, x->listen_fds, &env))) fail(x->sock, e);
  if (p->terminal) {
    int master;
    if ((e = terminal_open_in_container(p, false, &master))) fail(x->sock, e);
    e = sync_send_fd(x->sock, SYNC_CONSOLE, master);
    close(master);
    if (e) fail(x->sock, e);
  }
  if ((e = process_set_rlimits(p))) fail(x->sock, e);
  if ((e = labels_apply_on_exec(p))) fail(x->sock, e);
  _cleanup_free_ char *setgroups = NULL;
  urun_error_free(read_file_at(AT_FDCWD, "/proc/self/setgroups", &setgroups, NULL));
  bool groups_ok = !setgroups || strncmp(setgroups, "deny", 4) != 0;
  /* Nothing but stdio, the preserved fds and our socket to urun stays open
   * while the cwd is resolved (CVE-2024-21626: not even urun's own); all
   * before a filter can refuse close_range, openat2 or getcwd */
  close_fds_from_except(3 + (unsigned)keep, &x->sock, 1);
  _cleanup_close_ int cwd = -1;
  bool in_cwd;
  /* the cwd as runc takes it: with our privileges first, as the user after */
  if ((e = cwd_open(p->cwd, "exec: cwd", &cwd)) || (e = cwd_enter(cwd, p->cwd, "exec: cwd", true, &in_cwd)))
    fail(x->sock, e);
  struct seccomp_program filter = *x->filter;
  if ((!p->no_new_privileges || filter.notify) && filter.filter &&
      (e = seccomp_install_and_hand_over(&filter, x->sock)))
    fail(x->sock, e);
  if ((e = caps_drop_bounding(&p->capabilities))) fail(x->sock, e);
  prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  if ((e = process_set_user(p, groups_ok, false))) fail(x->sock, e);
  if (!in_cwd && (e = cwd_enter(cwd, p->cwd, "exec: cwd", false, &in_cwd))) fail(x->sock, e);
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  if ((e = caps_apply(&p->capabilities))) fail(x->sock, e);
  if (p->user.has_umask) umask(p->user.umask);
  char *exe = NULL;
  if ((e = process_find_executable(p, &exe))) fail(x->sock, e);
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(x->sock, urun_error_errno("no_new_privs"));
  for (int fd = 3; fd < 3 + keep; fd++) fcntl(fd, F_SETFD, 0);
  syscall(SYS_close_range, 3 + keep, ~0U, CLOSE_RANGE_CLOEXEC);
  if (filter.filter) {
    int l;
    if ((e = seccomp_install(&filter, &l))) fail(x->sock, e);
  }
  execve(exe, p->args.items, env.envp);
  fail(x->sock, urun_error_errno("exec: \"%s\"", p->args.items[0]));
}

static pid_t clone_into(uint64_t flags) {
  /* with CLONE_PARENT the exit signal is the caller's own: clone3 wants 0 */
  struct clone_args args = {.flags = flags, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD};
  return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static urun_error *exec_run(const struct state *st, const struct spec *config, const struct spec_process *process,
                            const struct seccomp_program *filter, const struct exec_options *o, int *ret_exit);

urun_error *exec_in_container(struct state_root *root, const char *id, const struct exec_options *o,
                              int *ret_exit) {
  _cleanup_close_ int dirfd = -1;
  TRY(state_open(root, id, LOCK_SH, &dirfd));
  _cleanup_state_ struct state *st = NULL;
  TRY(state_read(dirfd, id, &st));
  enum container_status status = state_status(dirfd, st);
  if (status == STATUS_PAUSED && !o->ignore_paused)
    return urun_error_new("exec \"%s\": it is paused (resume it, or use --ignore-paused)", id);
  if (status != STATUS_RUNNING && status != STATUS_CREATED && status != STATUS_PAUSED)
    return urun_error_new("exec \"%s\": it is %s, not running", id, state_status_name(status));
  _cleanup_free_ char *data = NULL;
  size_t len;
  TRY(read_file_at(dirfd, CONFIG_COPY_NAME, &data, &len));
  _cleanup_spec_ struct spec *config = NULL;
  TRY(spec_parse(CONFIG_COPY_NAME, data, len, &config));
  struct built_process built;
  urun_error *be = build_process(config, o, &built);
  if (be) {
    built_free(&built);
    return be;
  }
  struct seccomp_program filter = {0};
  urun_error *e = o->apply_seccomp ? seccomp_compile_cached(&config->linux_.seccomp, root->fd, &filter) : NULL;
  /* the lock is for reading the state: held while the process runs, it
   * would keep delete -f (and kill's waiters) out until the process exits */
  close(dirfd);
  dirfd = -1;
  if (!e) e = exec_run(st, config, &built.p, &filter, o, ret_exit);
  seccomp_program_free(&filter);
  built_free(&built);
  return urun_error_wrap(e, "exec \"%s\"", id);
}

static urun_error *exec_run(const struct state *st, const struct spec *config, const struct spec_process *process,
                            const struct seccomp_program *filter, const struct exec_options *o, int *ret_exit) {
  if (process->terminal && !o->console_socket && o->detach)
    return urun_error_new("--tty with --detach needs --console-socket");
  TRY(caps_check(&process->capabilities));
  /* nor may an exec'd process bring CAP_SYS_PTRACE to an overlay's helper
   * (see mount_overlay.c): refused where the container has an overlay mount
   * whose helper create's check let through */
  if (caps_bounding_has(&process->capabilities, "CAP_SYS_PTRACE") &&
      !caps_bounding_has(&config->process.capabilities, "CAP_SYS_PTRACE") && spec_has_mount_type(config, "overlay"))
    return urun_error_new("CAP_SYS_PTRACE: the container has an overlay mount, whose urun-fuse-overlay it would reach");
  TRY(process_check(process));
  TRY(labels_prepare(process, NULL));
  /* a pidfd joins every namespace in one setns; without one, the /proc/PID/ns files one by one */
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if ((pidfd < 0 && errno != ENOSYS) || process_start_time(st->pid) != st->start_time)
    return urun_error_new("container init is gone");
  /* Until start, init is urun itself and non-dumpable (see init.c): only a
   * caller with CAP_SYS_PTRACE on the host may look into its namespaces. */
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/mnt", st->pid);
  if (access(nspath, F_OK) < 0 && errno == EACCES)
    return urun_error_code(EACCES, "its init is protected until the container starts: exec once it runs");
  int nsflags = differing_namespaces(st->pid);
  int listen_fds = process_env_listen_fds();
  _cleanup_free_ char *cg = st->cgroup_path && o->cgroup_child ? path_join(st->cgroup_path, o->cgroup_child)
                                                               : (st->cgroup_path ? strdup(st->cgroup_path) : NULL);
  if (o->cgroup_child && !st->cgroup_path)
    return urun_error_new("--cgroup %s: the container has no cgroup of its own", o->cgroup_child);
  if (cg && access(cg, F_OK) < 0) return urun_error_errno("--cgroup: %s", cg);
  /* execCPUAffinity.initial is for the runtime's side until the cgroup
   * move: set on us, the stage inherits it; final comes before execve */
  TRY(process_set_cpu_affinity(".process.execCPUAffinity.initial", process->exec_cpu_affinity_initial));
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return urun_error_errno("socketpair");
  /* The stage reports the pid on a pipe of its own: on the socket it could
   * come after the process's first message (its pty, an error). */
  int pidpipe[2];
  if (pipe2(pidpipe, O_CLOEXEC) < 0) {
    close(sp[0]);
    close(sp[1]);
    return urun_error_errno("pipe");
  }
  if (!o->detach) signals_block_forwarded();
  pid_t stage = fork();
  if (stage == 0) {
    close(pidpipe[0]);
    /* non-dumpable before joining: see init.c (CVE-2019-5736) */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) _exit(1);
    close(sp[0]);
    /* the parent puts us in the container's cgroup, before we join its
     * cgroup namespace (a move must be seen from the mover's namespace) */
    urun_error *ge = cg ? sync_expect(sp[1], SYNC_CGROUP_DONE, NULL) : NULL;
    if (ge) fail(sp[1], ge);
    struct exec_child x = {.o = o, .process = process, .config = config, .filter = filter, .sock = sp[1],
                           .listen_fds = listen_fds};
    if (nsflags && pidfd >= 0 && setns(pidfd, nsflags) < 0)
      fail(sp[1], urun_error_errno("join the container's namespaces"));
    if (nsflags && pidfd < 0) join_one_by_one(sp[1], st->pid, nsflags);
    /* a container in our mount namespace (none of its own) is chrooted:
     * its root, not ours */
    if (!(nsflags & CLONE_NEWNS)) enter_root_of(sp[1], st->pid);
    pid_t child = clone_into(CLONE_PARENT);
    if (child < 0) fail(sp[1], urun_error_errno("exec: clone"));
    if (child == 0) {
      close(pidpipe[1]);
      sigset_t all;
      sigemptyset(&all);
      sigprocmask(SIG_SETMASK, &all, NULL);
      run_process(&x);
    }
    _exit(write(pidpipe[1], &child, sizeof(child)) == sizeof(child) ? 0 : 1);
  }
  close(pidpipe[1]);
  _cleanup_close_ int pid_pipe = pidpipe[0];
  close(sp[1]);
  _cleanup_close_ int sock = sp[0];
  if (stage < 0) return urun_error_errno("fork");
  if (cg) {
    urun_error *ge = cgroup_join(cg, st->cgroup_unit, st->cgroup_user_bus, stage);
    if (!ge) ge = sync_send(sock, SYNC_CGROUP_DONE, 0, 0, NULL);
    if (ge) {
      kill(stage, SIGKILL);
      waitpid(stage, NULL, 0);
      return ge;
    }
  }
  int wstatus;
  waitpid(stage, &wstatus, 0);
  struct sync_msg m;
  pid_t pid;
  if (read(pid_pipe, &pid, sizeof(pid)) != sizeof(pid)) {
    /* the stage failed before the clone: its error is on the socket */
    TRY(sync_expect(sock, SYNC_ERROR, &m));
    return urun_error_new("exec: the stage exited without a process");
  }
  int master = -1;
  urun_error *e;
  /* The pty (if any), then either an error or EOF on the exec pipe. */
  for (;;) {
    e = sync_recv(sock, &m);
    if (e) { /* EOF: the child exec'd (the socket closed on exec) */
      urun_error_free(e);
      e = NULL;
      break;
    }
    if (m.type == SYNC_ERROR) {
      e = urun_error_code(m.code, "%s", m.text);
      break;
    }
    if (m.type == SYNC_SECCOMP && m.fd >= 0) {
      e = seccomp_notify_send(&config->linux_.seccomp, pid, st, STATUS_RUNNING, m.fd);
      close(m.fd);
      if (e || (e = sync_send(sock, SYNC_SECCOMP_DONE, 0, 0, NULL))) break;
      continue;
    }
    if (m.type == SYNC_CONSOLE && m.fd >= 0) {
      if (o->console_socket) {
        e = terminal_send_to_console_socket(o->console_socket, m.fd);
        close(m.fd);
        if (e) break;
      } else {
        master = m.fd;
        if (!process->has_console_size) terminal_copy_caller_size(master);
      }
    }
  }
  if (e) {
    waitpid(pid, NULL, 0);
    if (master >= 0) close(master);
    return e;
  }
  if (o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", pid);
    e = write_file_at(AT_FDCWD, o->pid_file, buf, (size_t)n, 0644);
    if (e) return urun_error_wrap(e, "--pid-file");
  }
  if (o->detach) return NULL;
  e = signals_wait_forwarding(pid, master, ret_exit);
  if (master >= 0) close(master);
  return e;
}
