/* init.c: the child side of create, in the container's namespaces.
 *
 * Order follows runc's: namespaces, mounts and pivot_root, sysctl, rlimits,
 * bounding set, user and groups, capabilities, cwd, the executable lookup,
 * no_new_privs; then "ready" to the parent, then the wait on exec.fifo, and
 * execve.  (Seccomp comes right before execve when it lands.) */
#define _GNU_SOURCE
#include "init.h"
#include "labels.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hooks.h"
#include "log.h"
#include "mount.h"
#include "namespaces.h"
#include "process.h"
#include "process_cwd.h"
#include "process_env.h"
#include "process_sched.h"
#include "seccomp_filter.h"
#include "seccomp_notify.h"
#include "sync.h"
#include "sysctl.h"
#include "terminal.h"
#include "userns.h"

/* EPERM in a UTS namespace of our own: an outer runtime's seccomp filter
 * (podman's refuses these without CAP_SYS_ADMIN); the error names the option. */
static urun_error *names_error(const char *what) {
  int err = errno;
  if (err == EPERM && seccomp_filtered_already())
    return urun_error_new("%s: %s: " SECCOMP_OUTER_HINT " (run 'urun check')", what, strerror(err));
  return urun_error_code(err, "%s", what);
}

static urun_error *set_names(const struct init_config *cfg) {
  const struct spec *s = cfg->spec;
  if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
    return names_error("config.json: .hostname: sethostname");
  if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
    return names_error("config.json: .domainname: setdomainname");
  return NULL;
}

/* A new network namespace has lo down: up, as runc and crun leave it
 * (127.0.0.1 comes with it). */
static urun_error *bring_up_loopback(const struct init_config *cfg) {
  if (!cfg->own_netns) return NULL;
  _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return urun_error_errno("loopback: socket");
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) return urun_error_errno("loopback: get flags");
  if (ifr.ifr_flags & IFF_UP) return NULL;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) return urun_error_errno("loopback: bring up lo");
  return NULL;
}

/* In a network namespace of its own, ping(8) without privileges: ICMP echo
 * sockets for every gid the container has (as crun does), unless the
 * config sets the sysctl itself.  Only one urun made: a shared or joined
 * one is another's (the host's), whose setting is not ours to widen. */
static void set_ping_group_range(const struct init_config *cfg, const struct spec *s, int procfd) {
  if (!cfg->own_netns) return;
  for (size_t i = 0; i < s->linux_.sysctl.len; i++)
    if (!strcmp(s->linux_.sysctl.keys[i], "net.ipv4.ping_group_range")) return;
  _cleanup_free_ char *map = NULL;
  urun_error *e = read_file_at(procfd, "self/gid_map", &map, NULL);
  unsigned long long max = 0;
  for (const char *line = map; !e && line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    unsigned long long inside, outside, count;
    if (sscanf(line, "%llu %llu %llu", &inside, &outside, &count) == 3 && count && inside + count - 1 > max)
      max = inside + count - 1;
  }
  if (max > 2147483647ULL) max = 2147483647ULL;
  char value[64];
  int n = snprintf(value, sizeof(value), "0 %llu", max);
  if (!e) e = write_file_at(procfd, "sys/net/ipv4/ping_group_range", value, (size_t)n, 0);
  if (e) log_debug("net.ipv4.ping_group_range not set: %s", e->message);
  urun_error_free(e);
}

static urun_error *join_namespaces(const struct init_config *cfg) {
  for (int i = 0; i < INIT_MAX_JOIN && cfg->join_fds[i] >= 0; i++)
    if (setns(cfg->join_fds[i], cfg->join_types[i]) < 0)
      return urun_error_errno("config.json: .linux.namespaces: joining the %s namespace by path",
                              ns_type_of_flag(cfg->join_types[i]));
  return NULL;
}

static bool joins_mount_namespace(const struct init_config *cfg) {
  for (int i = 0; i < INIT_MAX_JOIN && cfg->join_fds[i] >= 0; i++)
    if (cfg->join_types[i] == CLONE_NEWNS) return true;
  return false;
}

static void keep_only_preserved_fds(int preserve) {
  for (int fd = 3; fd < 3 + preserve; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  /* Everything else closes on exec, whatever the caller left open. */
  syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC);
}

static urun_error *setup(const struct init_config *cfg, int *ret_procfd, char **ret_exe,
                         struct seccomp_program *filter, struct process_env *ret_env) {
  const struct spec *s = cfg->spec;
  struct sync_msg m;
  TRY(process_set_cpu_affinity(".process.execCPUAffinity.initial", s->process.exec_cpu_affinity_initial));
  TRY(sync_expect(cfg->sync_fd, SYNC_MAPS_DONE, &m));
  /* Until execve this process is urun's binary: non-dumpable, so nothing in
   * the container can open /proc/<pid>/exe (or mem, environ) of it and reach
   * the host's binary (CVE-2019-5736).  The kernel then checks the user
   * namespace the binary was exec'd in, the host's, where the container has
   * no CAP_SYS_PTRACE; execve of the container's program resets it.  Not
   * earlier: the parent (and newuidmap, which checks the owner of
   * /proc/<pid>) must open our id map files, and until now nothing else can
   * be in our new namespaces.  A joined user namespace: the stage did it. */
  /* (the time namespace first: its offsets file must still be ours) */
  if (cfg->new_timens) TRY(process_enter_time_namespace(&s->linux_));
  /* (and oom_score_adj: /proc/self of a non-dumpable process is the host root's) */
  TRY(process_set_oom_score_adj(&s->process));
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return urun_error_errno("prctl(PR_SET_DUMPABLE)");
  if (cfg->userns_created) {
    /* Become root of the new namespace where 0 is mapped (files we create
     * are then owned by it); harmless where it is not. */
    if (setresgid(0, 0, 0) < 0 && errno != EINVAL) return urun_error_errno("setgid 0");
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL) return urun_error_errno("setuid 0");
  }
  TRY(join_namespaces(cfg));
  /* Now that the parent put us in our cgroup, a cgroup namespace rooted there. */
  if (cfg->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0) return urun_error_errno("new cgroup namespace");
  TRY(set_names(cfg));
  struct mount_context mctx = {
      .spec = s, .rootfs = cfg->rootfs, .bundle = cfg->bundle,
      .in_userns = cfg->in_userns, .own_netns = cfg->own_netns,
      .no_pivot = cfg->no_pivot, .host_trees = cfg->idmap_trees,
  };
  if (!cfg->shared_mount_ns) TRY(mount_setup_rootfs(&mctx));
  const struct spec_hooks *h = &s->hooks;
  if (h->prestart.len || h->create_runtime.len || h->create_container.len) {
    /* prestart/createRuntime run in the runtime's namespaces (the parent);
     * createContainer here, in the container's, before pivot_root. */
    struct sync_msg m;
    TRY(sync_send(cfg->sync_fd, SYNC_HOOKS, 0, 0, NULL));
    TRY(sync_expect(cfg->sync_fd, SYNC_HOOKS_DONE, &m));
    /* the runtime's environment (crun): the hook is a program of the host */
    TRY(hooks_run(&h->create_container, "createContainer", m.text, NULL));
  }
  /* Kept for reopening exec.fifo after the switch; closed before execve. */
  int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0) return urun_error_errno("open /proc");
  *ret_procfd = procfd;
  if (cfg->shared_mount_ns) {
    TRY(mount_chroot(&mctx));
  } else {
    TRY(mount_pivot_root(&mctx));
    TRY(mount_finish(&mctx));
  }
  if (s->process.terminal) {
    /* The pty comes from the container's own devpts; the master goes to
     * the parent (for --console-socket or run's proxy). */
    int master;
    TRY(terminal_open_in_container(&s->process, true, &master));
    urun_error *e = sync_send_fd(cfg->sync_fd, SYNC_CONSOLE, master);
    close(master);
    TRY(e);
  }
  TRY(sysctl_write_all(s, procfd)); /* sysctl_check made sure they are ours */
  set_ping_group_range(cfg, s, procfd);
  TRY(bring_up_loopback(cfg));
  if (!cfg->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
      errno != ENOSYS && errno != EPERM && errno != EACCES)
    return urun_error_errno("new session keyring");
  const struct spec_process *p = &s->process;
  /* as root of the container, in its root: the passwd file and the stdio */
  TRY(process_env_build(p, cfg->listen_fds, ret_env));
  process_chown_stdio(p->user.uid, p->user.gid);
  TRY(process_set_rlimits(p));
  TRY(process_apply_settings(&s->linux_, p));
  /* Compiled by the parent before the clone (our copy of its memory holds
   * it); loaded as late as the kernel lets us: without no_new_privs it needs
   * CAP_SYS_ADMIN, which the user change below may drop, so it goes in
   * first (runc's order). */
  *filter = *cfg->seccomp;
  /* the profile and label of the exec, before the filter (runc's order) */
  TRY(labels_apply_on_exec(p));
  /* Before a filter can refuse the calls (a profile older than openat2 or
   * close_range answers EPERM, a small one refuses getcwd): the cwd
   * resolved inside the root and entered, and every fd but the preserved
   * ones closing on exec (whatever we open from here on is close-on-exec
   * already). */
  static const char cwd_field[] = "config.json: .process.cwd";
  _cleanup_close_ int cwd = -1;
  bool in_cwd;
  TRY(cwd_open(p->cwd, cwd_field, &cwd));
  /* the cwd as runc takes it: with our privileges first, as the user after */
  TRY(cwd_enter(cwd, p->cwd, cwd_field, true, &in_cwd));
  keep_only_preserved_fds(cfg->preserve_fds);
  /* A listener fd must reach urun while it still waits for us. */
  if (!p->no_new_privileges || filter->notify) TRY(seccomp_install_and_hand_over(filter, cfg->sync_fd));
  TRY(caps_drop_bounding(&p->capabilities));
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return urun_error_errno("keep capabilities");
  TRY(process_set_user(p, cfg->setgroups_allowed, cfg->keep_groups));
  if (!in_cwd) TRY(cwd_enter(cwd, p->cwd, cwd_field, false, &in_cwd));
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return urun_error_errno("keep capabilities");
  TRY(caps_apply(&p->capabilities));
  umask(p->user.has_umask ? p->user.umask : 0022);
  TRY(process_find_executable(p, ret_exe));
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return urun_error_errno("no_new_privs");
  return NULL;
}

/* Hand over to the parent: it records the state, then we stop dying with it. */
static urun_error *detach_from_parent(int sync_fd, uint64_t mnt_ns, char **ret_state) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return urun_error_errno("pdeathsig");
  TRY(sync_send(sync_fd, SYNC_READY, 0, (int64_t)mnt_ns, NULL));
  struct sync_msg m;
  TRY(sync_expect(sync_fd, SYNC_ACK, &m));
  if (m.text[0] && !(*ret_state = strdup(m.text))) return urun_error_code(ENOMEM, "state");
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) return urun_error_errno("pdeathsig");
  return sync_send(sync_fd, SYNC_DETACHED, 0, 0, NULL);
}

/* Blocks until `start` opens the fifo for reading.  The fd lands above the
 * fds passed on (whose close-on-exec is cleared). */
static urun_error *wait_for_start(int procfd, int fifo_fd, int min_fd, int *ret_fd) {
  char rel[32];
  snprintf(rel, sizeof(rel), "self/fd/%d", fifo_fd);
  int fd = openat(procfd, rel, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open exec fifo");
  if (fd < min_fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
    close(fd);
    if ((fd = moved) < 0) return urun_error_errno("exec fifo");
  }
  *ret_fd = fd;
  return NULL;
}

/* Our byte lets `start` return (after startContainer).  The fd stays open
 * until execve closes it: with poststart hooks, `start` waits for that end
 * of file, since they come after the process is executed (runtime-spec). */
static urun_error *let_start_return(int fd) {
  if (write(fd, "0", 1) != 1) return urun_error_errno("write exec fifo");
  return NULL;
}


static void die(urun_error *e) {
  /* The parent is gone: stderr is all we have. */
  char *t = urun_error_text(e);
  fprintf(stderr, "urun: %s\n", t ? t : e->message);
  _exit(1);
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Keep stdio, the caller's preserved fds and our own; close what else the
 * parent had open (its locked state directory above all). */
static void close_inherited_fds(const struct init_config *cfg) {
  size_t ntrees = cfg->idmap_trees ? cfg->spec->mounts_len : 0;
  _cleanup_free_ int *keep = malloc((INIT_MAX_JOIN + 3 + ntrees) * sizeof(int));
  if (!keep) _exit(1);
  size_t n = 0;
  keep[n++] = cfg->sync_fd;
  keep[n++] = cfg->fifo_fd;
  for (int i = 0; i < INIT_MAX_JOIN && cfg->join_fds[i] >= 0; i++) keep[n++] = cfg->join_fds[i];
  for (size_t i = 0; i < ntrees; i++)
    if (cfg->idmap_trees[i] >= 0) keep[n++] = cfg->idmap_trees[i];
  qsort(keep, n, sizeof(int), cmp_int);
  close_fds_from_except(3 + (unsigned)cfg->preserve_fds, keep, n);
}

_Noreturn void init_main(struct init_config *cfg) {
  close_inherited_fds(cfg);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) _exit(1);
  /* the parent cannot look at a non-dumpable process's /proc/PID/ns: tell it
   * our mount namespace (the host's /proc is still mounted here).  Not a
   * joined one: its other processes are not the container's to signal. */
  struct stat mnt_ns;
  if (joins_mount_namespace(cfg) || stat("/proc/self/ns/mnt", &mnt_ns) < 0) mnt_ns.st_ino = 0;
  int procfd = -1;
  char *exe = NULL;
  struct seccomp_program filter = {0};
  struct process_env env = {0};
  urun_error *e = setup(cfg, &procfd, &exe, &filter, &env);
  if (!e) e = detach_from_parent(cfg->sync_fd, mnt_ns.st_ino, &cfg->start_state);
  if (e) {
    sync_send_error(cfg->sync_fd, e);
    _exit(1);
  }
  close(cfg->sync_fd);
  int start_fd = -1;
  e = wait_for_start(procfd, cfg->fifo_fd, 3 + cfg->preserve_fds, &start_fd);
  if (e) die(e);
  /* startContainer: in the container, after start, before the process (and
   * so before start's poststart hooks; a failure fails start); a program
   * of the container's, with the process's environment (runc, crun) */
  if (cfg->spec->hooks.start_container.len &&
      (e = hooks_run(&cfg->spec->hooks.start_container, "startContainer", cfg->start_state, env.envp)))
    die(e);
  if ((e = let_start_return(start_fd))) die(e);
  close(procfd);
  close(cfg->fifo_fd);
  keep_only_preserved_fds(cfg->preserve_fds);
  const struct spec_process *p = &cfg->spec->process;
  if (filter.filter) {
    /* The last step before execve: everything above ran unfiltered. */
    int listener;
    e = seccomp_install(&filter, &listener);
    if (e) die(e);
  }
  execve(exe, p->args.items, env.envp);
  int err = errno;
  fprintf(stderr, "urun: exec: \"%s\": %s\n", p->args.items[0], strerror(err));
  _exit(err == ENOENT ? 127 : 126);
}
