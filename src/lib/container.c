/* container.c: create: claim the id, clone init into its namespaces, write
 * the id maps, wait for init to be ready, record the state. */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "hooks.h"
#include "init.h"
#include "journal.h"
#include "lifecycle.h"
#include "log.h"
#include "mount_extra.h"
#include "namespaces.h"
#include "spec_check.h"
#include "sysctl.h"
#include "mount_overlay.h"
#include "net.h"
#include "notify_socket.h"
#include "process.h"
#include "process_env.h"
#include "seccomp_cache.h"
#include "seccomp_notify.h"
#include "sync.h"
#include "terminal.h"

/* fork-like clone into new namespaces: clone3 where it exists (into the
 * cgroup `cgroup_fd` when >= 0, so init's first instruction already runs
 * under its limits), else clone (the parent then moves it). */
/* *ret_placed: the child starts in the group of cgroup_fd (a cgroup.procs
 * write after the fact costs a migration, ~15 ms here). */
static pid_t clone_child(uint64_t flags, int cgroup_fd, bool *ret_placed) {
  /* with CLONE_PARENT the exit signal is the caller's own: clone3 wants 0 */
  struct clone_args args = {.flags = flags, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD};
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
  }
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
  if (pid > 0 && cgroup_fd >= 0) *ret_placed = true;
  if (pid < 0 && (errno == ENOSYS || errno == E2BIG))
    pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | ((flags & CLONE_PARENT) ? 0 : SIGCHLD), NULL, NULL, NULL, 0);
  return pid;
}

struct create_ctx {
  struct spec *spec;
  char *bundle;
  char *rootfs;
  struct userns_plan plan;
  struct cgroup_plan cgroup;
  bool new_cgroupns;
  bool new_timens;
  bool shared_mount_ns; /* no mount namespace in the config: the caller's */
  int dirfd;
  int journal_fd; /* what is made is noted here first (journal.h) */
  int fifo_fd;
  int join_user_fd, join_pid_fd;
  int join_fds[INIT_MAX_JOIN];
  int join_types[INIT_MAX_JOIN];
  size_t njoin;
  uint64_t clone_flags;
  pid_t pid;
  uint64_t start_time;
  uint64_t mnt_ns; /* inode, as init reported it */
  int *idmap_trees; /* per mount, see mount_prepare_trees */
  const char *root_path; /* the state root's */
  struct net_plan net;
  int net_userns, net_netns; /* slirp: init's namespaces for the helper */
  bool pid_file_written; /* a failure after it removes it; one that was there before is not ours */
  pid_t net_helper;
  uint64_t net_helper_start;
  struct seccomp_program seccomp; /* compiled here (or cached): init inherits it */
};

static void ctx_release(struct create_ctx *c) {
  seccomp_program_free(&c->seccomp);
  net_plan_free(&c->net);
  if (c->net_userns >= 0) close(c->net_userns);
  if (c->net_netns >= 0) close(c->net_netns);
  if (c->spec) mount_prepared_free(c->idmap_trees, c->spec->mounts_len);
  spec_free(c->spec);
  free(c->bundle);
  free(c->rootfs);
  userns_plan_free(&c->plan);
  cgroup_plan_free(&c->cgroup);
  if (c->dirfd >= 0) close(c->dirfd);
  if (c->journal_fd >= 0) close(c->journal_fd);
  if (c->fifo_fd >= 0) close(c->fifo_fd);
  if (c->join_user_fd >= 0) close(c->join_user_fd);
  if (c->join_pid_fd >= 0) close(c->join_pid_fd);
  for (size_t i = 0; i < c->njoin; i++) close(c->join_fds[i]);
}

/* What a config without a mount namespace cannot have: each would be a
 * mount in the caller's namespace. */
static urun_error *check_without_mount_namespace(const struct spec *s) {
  const char *field = s->mounts_len ? ".mounts"
                      : s->linux_.masked_paths.len ? ".linux.maskedPaths"
                      : s->linux_.readonly_paths.len ? ".linux.readonlyPaths"
                      : s->root_readonly ? ".root.readonly"
                      : s->linux_.rootfs_propagation ? ".linux.rootfsPropagation"
                      : s->linux_.devices_len ? ".linux.devices"
                      : s->process.terminal ? ".process.terminal"
                      : NULL;
  if (!field) return NULL;
  return urun_error_new("config.json: %s: needs a mount namespace of the container's own (without one the "
                        "container shares the caller's mount table, where urun mounts nothing): add {\"type\": "
                        "\"mount\"} to .linux.namespaces, or remove %s",
                        field, field);
}

static urun_error *open_namespaces(struct create_ctx *c) {
  const struct spec_linux *l = &c->spec->linux_;
  bool have_mount = false;
  for (size_t i = 0; i < l->namespaces_len; i++) {
    const struct spec_namespace *ns = &l->namespaces[i];
    int flag = ns_flag_of_type(ns->type);
    if (flag == CLONE_NEWNS) have_mount = true;
    if (!ns->path) {
      /* cgroup: unshared by init once it is in its group */
      if (flag == CLONE_NEWCGROUP) c->new_cgroupns = true;
      else if (flag == CLONE_NEWTIME) c->new_timens = true;
      else if (flag != CLONE_NEWUSER) c->clone_flags |= (uint64_t)flag;
      continue;
    }
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return urun_error_errno("config.json: .linux.namespaces[%zu].path: %s", i, ns->path);
    /* a file of another type (or none) is refused here, by name, not by setns in init */
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type != flag) {
      int err = errno;
      close(fd);
      if (type < 0 && err != ENOTTY && err != EINVAL)
        return urun_error_code(err, "config.json: .linux.namespaces[%zu].path: %s", i, ns->path);
      return urun_error_new("config.json: .linux.namespaces[%zu].path: %s is not a %s namespace", i, ns->path,
                            ns->type);
    }
    if (flag == CLONE_NEWUSER) c->join_user_fd = fd;
    else if (flag == CLONE_NEWPID) c->join_pid_fd = fd;
    else {
      c->join_fds[c->njoin] = fd;
      c->join_types[c->njoin++] = flag;
    }
  }
  /* No mount namespace: the spec says the container inherits the
   * runtime's.  It runs there, chrooted into its root; nothing is mounted,
   * for a mount would change the caller's table and outlive the container
   * (runc leaves them behind). */
  if (!have_mount) {
    c->shared_mount_ns = true;
    TRY(check_without_mount_namespace(c->spec));
  }
  if (c->plan.create) c->clone_flags |= CLONE_NEWUSER;
  return NULL;
}

/* A user or pid namespace joined by path must be entered before the other
 * namespaces are made (they are owned by the user namespace that makes
 * them, and a pid namespace applies to children only): a short-lived stage
 * process joins them and clones init as a sibling (CLONE_PARENT). */
static pid_t spawn_init(struct create_ctx *c, struct init_config *icfg, int parent_sock) {
  bool staged = c->join_user_fd >= 0 || c->join_pid_fd >= 0;
  pid_t pid = clone_child(staged ? 0 : c->clone_flags, staged ? -1 : c->cgroup.dirfd, &c->cgroup.placed);
  if (pid != 0) return pid;
  /* non-dumpable before joining a user namespace others live in: see
   * init.c (CVE-2019-5736); init inherits it */
  if (c->join_user_fd >= 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) _exit(1);
  close(parent_sock);
  if (staged) {
    if (c->join_user_fd >= 0 && setns(c->join_user_fd, CLONE_NEWUSER) < 0) {
      urun_error *e = urun_error_errno("join user namespace");
      sync_send_error(icfg->sync_fd, e);
      _exit(1);
    }
    if (c->join_pid_fd >= 0 && setns(c->join_pid_fd, CLONE_NEWPID) < 0) {
      urun_error *e = urun_error_errno("join pid namespace");
      sync_send_error(icfg->sync_fd, e);
      _exit(1);
    }
    pid_t init = clone_child(c->clone_flags | CLONE_PARENT, c->cgroup.dirfd, &(bool){false}); /* the parent moves it */
    if (init < 0) {
      urun_error *e = urun_error_errno("clone container init");
      sync_send_error(icfg->sync_fd, e);
      _exit(1);
    }
    if (init > 0) {
      urun_error *e = sync_send(icfg->sync_fd, SYNC_PID, 0, init, NULL);
      _exit(e ? 1 : 0);
    }
  }
  init_main(icfg);
}

/* Stdio files become the container's root's (crun) while urun still may:
 * init, in the user namespace, could not change a file whose owner is not
 * mapped there.  Init then gives them to the process's user. */
static void chown_stdio_to_container_root(const struct userns_plan *plan) {
  if (!plan->create) return;
  long uid = userns_to_host(&plan->uid_maps, 0), gid = userns_to_host(&plan->gid_maps, 0);
  if (uid < 0 || gid < 0 || ((uid_t)uid == geteuid() && (gid_t)gid == getegid())) return;
  process_chown_stdio((uid_t)uid, (gid_t)gid);
}

static urun_error *write_pid_file(const char *path, pid_t pid) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d", pid);
  _cleanup_free_ char *dir = strdup(path);
  if (!dir) return urun_error_code(ENOMEM, "pid file");
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : path;
  if (slash) *slash = '\0';
  _cleanup_close_ int dfd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return urun_error_errno("pid file %s", path);
  return urun_error_wrap(write_file_atomic_at(dfd, base, buf, (size_t)n, 0644), "pid file %s", path);
}

static void fill_state(struct create_ctx *c, const struct create_options *o, char *created,
                       struct state *ret) {
  *ret = (struct state){
      .id = (char *)o->id, .pid = c->pid, .start_time = process_start_time(c->pid),
      .bundle = c->bundle, .rootfs = c->rootfs, .created = created, .owner = geteuid(),
      .annotations = c->spec->annotations,
      .own_pid_ns = (c->clone_flags & CLONE_NEWPID) != 0, .mnt_ns = c->mnt_ns,
      .rootless = geteuid() != 0 || c->plan.create,
      .has_poststart = c->spec->hooks.poststart.len > 0, .has_poststop = c->spec->hooks.poststop.len > 0,
      .cgroup_path = c->cgroup.path, .cgroup_unit = c->cgroup.unit, .cgroup_user_bus = c->cgroup.user_bus,
      .net_helper_pid = c->net_helper, .net_helper_start_time = c->net_helper_start,
  };
}

/* `pid` as its own pid namespace sees it (the last of NSpid): what hooks
 * that run in the container get (runtime-spec: "as seen by the container"). */
static pid_t pid_in_container(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", pid);
  _cleanup_free_ char *status = NULL;
  urun_error *e = read_file_at(AT_FDCWD, path, &status, NULL);
  if (e) {
    urun_error_free(e);
    return pid;
  }
  const char *line = strstr(status, "\nNSpid:");
  if (!line) return pid;
  line += 8;
  long last = pid;
  for (char *end; *line && *line != '\n'; line = end) {
    long v = strtol(line, &end, 10);
    if (end == line) break;
    last = v;
  }
  return (pid_t)last;
}

/* The state document hooks read on stdin: the runtime's view, or with
 * `in_container` the container's (its pid as seen there). */
static urun_error *hook_state(struct create_ctx *c, const struct create_options *o,
                              enum container_status status, bool in_container, char **ret) {
  _cleanup_free_ char *created = rfc3339_now();
  struct state st;
  fill_state(c, o, created, &st);
  if (in_container) st.pid = pid_in_container(c->pid);
  return state_to_json(&st, status, false, ret);
}

static urun_error *record_state(struct create_ctx *c, const struct create_options *o) {
  _cleanup_free_ char *created = rfc3339_now();
  struct state st;
  fill_state(c, o, created, &st);
  if (st.start_time == 0) return urun_error_new("container init exited during setup");
  c->start_time = st.start_time;
  TRY(state_write(c->dirfd, &st));
  if (o->pid_file) TRY(write_pid_file(o->pid_file, c->pid));
  c->pid_file_written = o->pid_file != NULL;
  return NULL;
}

static urun_error *prepare(struct create_ctx *c, struct state_root *root, const struct create_options *o) {
  char buf[PATH_MAX];
  if (!realpath(o->bundle ? o->bundle : ".", buf)) return urun_error_errno("bundle %s", o->bundle ? o->bundle : ".");
  c->bundle = strdup(buf);
  _cleanup_free_ char *cfg = o->config_path ? strdup(o->config_path) : path_join(c->bundle, "config.json");
  if (!c->bundle || !cfg) return urun_error_code(ENOMEM, "create");
  /* the bytes parsed are the bytes copied: one read, and no window for a change between */
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  TRY(spec_load_file(cfg, o->config_path ? o->config_path : "config.json", &c->spec, &data, &len));
  TRY(spec_check(c->spec, o->console_socket != NULL || o->terminal_proxy));
  TRY(notify_socket_pass_through(c->spec));
  TRY(net_plan_make(c->spec, o->net, o->ports, o->nports, &c->net));
  TRY(sysctl_check(c->spec)); /* after --net, which may give or take the network namespace */
  if (o->overlay) TRY(rootfs_overlay_annotate(c->spec, o->overlay));
  _cleanup_free_ char *rootfs = c->spec->root_path[0] == '/' ? strdup(c->spec->root_path)
                                                             : path_join(c->bundle, c->spec->root_path);
  if (!rootfs) return urun_error_code(ENOMEM, "create");
  if (!realpath(rootfs, buf)) return urun_error_errno("config.json: .root.path: %s", rootfs);
  struct stat st;
  if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
    return urun_error_new("config.json: .root.path: %s is not a directory", buf);
  c->rootfs = strdup(buf);
  if (!c->rootfs) return urun_error_code(ENOMEM, "create");
  TRY(userns_plan_make(c->spec, o->rootless, &c->plan));
  TRY(spec_check_ids(c->spec, &c->plan));
  TRY(open_namespaces(c));
  TRY(state_claim(root, o->id, &c->dirfd));
  TRY(journal_create(c->dirfd, &c->journal_fd));
  TRY(journal_note_path(c->journal_fd, "bundle", c->bundle, false));
  if (c->net.mode == NET_SLIRP) {
    _cleanup_free_ char *dir = path_join(root->path, o->id);
    if (!dir) return urun_error_code(ENOMEM, "create");
    TRY(net_add_resolv_conf(c->spec, &c->net, c->dirfd, dir));
  }
  /* From here on the caller rolls everything back on failure. */
  cgroup_drop_default_cpu_shares(&c->spec->linux_.resources);
  TRY(cgroup_prepare(c->spec, o->id, o->cgroup_manager, c->journal_fd, &c->cgroup));
  /* From here on the id is ours: the caller removes the dir on failure. */
  if (mkfifoat(c->dirfd, EXEC_FIFO_NAME, 0622) < 0) return urun_error_errno("create exec fifo");
  /* mkfifo is subject to the umask; the init may run as another uid. */
  if (fchmodat(c->dirfd, EXEC_FIFO_NAME, 0622, 0) < 0) return urun_error_errno("chmod exec fifo");
  c->fifo_fd = openat(c->dirfd, EXEC_FIFO_NAME, O_PATH | O_CLOEXEC);
  if (c->fifo_fd < 0) return urun_error_errno("open exec fifo");
  TRY(write_file_at(c->dirfd, CONFIG_COPY_NAME, data, len, 0600));
  return NULL;
}

/* The pty master: to the console socket, or kept for run's proxy. */
static urun_error *take_console(const struct create_options *o, bool has_console_size, int master, int *ret_master) {
  if (o->console_socket) {
    urun_error *e = terminal_send_to_console_socket(o->console_socket, master);
    close(master);
    return e;
  }
  *ret_master = master;
  if (!has_console_size) terminal_copy_caller_size(master);
  return NULL;
}

/* init's pid and start time, the moment it exists: until create has written
 * state.json this is how delete --force knows it (before this line is
 * written a killed create takes init with it: its parent-death signal). */
static urun_error *note_init(struct create_ctx *c) {
  return journal_note_pid(c->journal_fd, "init", c->pid, process_start_time(c->pid));
}

static urun_error *handshake(struct create_ctx *c, const struct create_options *o, int sock,
                             bool staged, int *ret_master) {
  if (staged) {
    struct sync_msg m;
    TRY(sync_expect(sock, SYNC_PID, &m));
    int status;
    waitpid(c->pid, &status, 0); /* the stage process exits once init exists */
    c->pid = (pid_t)m.value;
    TRY(note_init(c));
  }
  TRY(cgroup_enter(&c->cgroup, c->spec, c->pid));
  TRY(userns_write_maps(c->pid, &c->plan));
  TRY(net_open_namespaces(&c->net, c->pid, c->plan.create, &c->net_userns, &c->net_netns));
  TRY(sync_send(sock, SYNC_MAPS_DONE, 0, 0, NULL));
  /* in parallel with init's mounts; before READY, so before any user code */
  TRY(cgroup_enter_devices(&c->cgroup, c->spec));
  const struct spec_hooks *h = &c->spec->hooks;
  for (;;) {
    struct sync_msg m;
    TRY(sync_recv(sock, &m));
    if (m.type == SYNC_READY) {
      c->mnt_ns = (uint64_t)m.value;
      TRY(journal_note_namespaces(c->journal_fd, c->mnt_ns, (c->clone_flags & CLONE_NEWPID) != 0));
      break;
    }
    if (m.type == SYNC_ERROR) return urun_error_code(m.code, "%s", m.text);
    if (m.type == SYNC_CONSOLE && m.fd >= 0) {
      TRY(take_console(o, c->spec->process.has_console_size, m.fd, ret_master));
    } else if (m.type == SYNC_SECCOMP && m.fd >= 0) {
      _cleanup_close_ int listener = m.fd;
      _cleanup_free_ char *created = rfc3339_now();
      struct state st;
      fill_state(c, o, created, &st);
      TRY(seccomp_notify_send(&c->spec->linux_.seccomp, c->pid, &st, STATUS_CREATING, listener));
      TRY(sync_send(sock, SYNC_SECCOMP_DONE, 0, 0, NULL));
    } else if (m.type == SYNC_HOOKS) {
      /* "created": the environment is made (lifecycle step 2 is over), the
       * process not started; crun and runtime-tools say so (runc: "creating") */
      _cleanup_free_ char *state = NULL, *inside = NULL;
      TRY(hook_state(c, o, STATUS_CREATED, false, &state));
      TRY(hooks_run(&h->prestart, "prestart", state, NULL));
      TRY(hooks_run(&h->create_runtime, "createRuntime", state, NULL));
      TRY(hook_state(c, o, STATUS_CREATED, true, &inside));
      TRY(sync_send(sock, SYNC_HOOKS_DONE, 0, 0, inside));
    } else {
      return urun_error_new("sync: unexpected message %u from container init", m.type);
    }
  }
  if (c->spec->process.terminal && *ret_master < 0 && !o->console_socket)
    return urun_error_new("process.terminal: init sent no pty");
  if (c->net.mode == NET_SLIRP) {
    _cleanup_free_ char *dir = path_join(c->root_path, o->id);
    if (!dir) return urun_error_code(ENOMEM, "create");
    _cleanup_close_ int init_pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    TRY(net_start_helper(&c->net, c->net_userns, c->net_netns, init_pidfd, c->dirfd, dir, c->journal_fd,
                         &c->net_helper, &c->net_helper_start));
  }
  TRY(record_state(c, o));
  _cleanup_free_ char *start_state = NULL;
  /* startContainer runs before the process: still "created" (runc) */
  if (h->start_container.len) TRY(hook_state(c, o, STATUS_CREATED, true, &start_state));
  TRY(sync_send(sock, SYNC_ACK, 0, 0, start_state));
  return sync_expect(sock, SYNC_DETACHED, NULL);
}

urun_error *container_create(struct state_root *root, const struct create_options *o,
                             struct created *ret) {
  struct create_ctx c = {.dirfd = -1, .journal_fd = -1, .fifo_fd = -1, .join_user_fd = -1, .join_pid_fd = -1, .pid = -1,
                         .net_userns = -1, .net_netns = -1, .root_path = root->path};
  bool claimed = false;
  int sp[2] = {-1, -1};
  ret->master = -1;
  ret->dirfd = -1;
  log_phase("create");
  urun_error *e = prepare(&c, root, o);
  log_phase("config read, state reserved, cgroup prepared");
  claimed = c.dirfd >= 0;
  /* For a container with a user namespace: root on the host idmaps (its
   * root could not; otherwise init does it); root of the host or of a user
   * namespace (rootless podman) opens the bind sources it could not reach */
  if (!e && (c.plan.create || c.join_user_fd >= 0) && geteuid() == 0)
    e = mount_prepare_trees(c.spec, c.bundle, running_as_real_root(), &c.idmap_trees);
  /* before the clone, so a bad filter fails create and init inherits the program */
  if (!e) e = seccomp_compile_cached(&c.spec->linux_.seccomp, root->fd, &c.seccomp);
  if (e) goto fail;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
    e = urun_error_errno("socketpair");
    goto fail;
  }
  /* socket activation of urun: its fds follow stdio into the container */
  int listen_fds = process_env_listen_fds();
  chown_stdio_to_container_root(&c.plan);
  struct init_config icfg = {
      .spec = c.spec, .rootfs = c.rootfs, .bundle = c.bundle, .sync_fd = sp[1], .fifo_fd = c.fifo_fd,
      .userns_created = c.plan.create,
      /* joined, inherited (rootless podman) or new: where init will be */
      .in_userns = c.plan.create || c.join_user_fd >= 0 || !running_as_real_root(),
      .setgroups_allowed = !c.plan.deny_setgroups,
      .own_netns = (c.clone_flags & CLONE_NEWNET) != 0, .own_utsns = (c.clone_flags & CLONE_NEWUTS) != 0,
      .new_cgroupns = c.new_cgroupns,
      .new_timens = c.new_timens,
      .no_pivot = o->no_pivot, .no_new_keyring = o->no_new_keyring, .shared_mount_ns = c.shared_mount_ns,
      .keep_groups = spec_annotation(c.spec, "run.oci.keep_original_groups") &&
                     !strcmp(spec_annotation(c.spec, "run.oci.keep_original_groups"), "1"),
      .preserve_fds = o->preserve_fds + listen_fds, .listen_fds = listen_fds,
      .idmap_trees = c.idmap_trees, .seccomp = &c.seccomp,
  };
  for (size_t i = 0; i < INIT_MAX_JOIN; i++) icfg.join_fds[i] = i < c.njoin ? c.join_fds[i] : -1;
  memcpy(icfg.join_types, c.join_types, sizeof(icfg.join_types));
  bool staged = c.join_user_fd >= 0 || c.join_pid_fd >= 0;
  log_phase("seccomp compiled");
  c.pid = spawn_init(&c, &icfg, sp[0]);
  log_phase("init cloned");
  if (c.pid < 0) {
    int err = errno;
    /* a user namespace refused: a host matter, which `urun check` explains */
    e = c.plan.create && (err == EPERM || err == ENOSPC || err == EUSERS)
            ? urun_error_new("clone container init: a new user namespace was refused: %s (run 'urun check')",
                             strerror(err))
            : urun_error_code(err, "clone container init");
    goto fail;
  }
  close(sp[1]);
  sp[1] = -1;
  ret->master = -1;
  if (!staged) e = note_init(&c);
  if (!e) e = handshake(&c, o, sp[0], staged, &ret->master);
  log_phase("init ready on exec.fifo, state written");
  if (e) goto fail;
  close(sp[0]);
  ret->pid = c.pid;
  ret->start_time = c.start_time;
  ret->pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
  ret->dirfd = steal_fd(&c.dirfd);
  ret->has_poststart = c.spec->hooks.poststart.len > 0;
  ctx_release(&c);
  return NULL;
fail:
  net_stop_helper(c.net_helper, c.net_helper_start);
  if (ret->master >= 0) close(ret->master);
  ret->master = -1;
  if (c.pid > 0) {
    kill(c.pid, SIGKILL);
    waitpid(c.pid, NULL, 0);
  }
  if (sp[0] >= 0) close(sp[0]);
  if (sp[1] >= 0) close(sp[1]);
  if (c.cgroup.driver != CGROUP_DRIVER_NONE || c.cgroup.path)
    urun_error_free(cgroup_destroy(c.cgroup.path, c.cgroup.unit, c.cgroup.user_bus));
  if (claimed) {
    urun_error_free(state_remove(root, o->id));
    if (c.pid_file_written) unlink(o->pid_file);
  }
  ctx_release(&c);
  /* A config error already names the file and the field. */
  const char *label = o->config_path ? o->config_path : "config.json";
  if (e && (str_has_prefix(e->message, label) || str_has_prefix(e->message, "config.json:"))) return e;
  return urun_error_wrap(e, "create \"%s\"", o->id);
}
