/* net.c: the container's network as urun sets it up: `--net host` keeps
 * the caller's network namespace; `--net slirp` gives the container its
 * own with the urun-slirp helper beside it (a tap device inside, NAT and
 * port forwards outside), and an /etc/resolv.conf naming the helper's DNS.
 * Otherwise config.json decides.  Annotations run.urun.network and
 * run.urun.ports ask for the same from configs other tools write. */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "helper_exec.h"
#include "journal.h"
#include "pidfd.h"
#include "process.h"
#include "selfexe.h"
#include "state.h"

#define RESOLV_CONF_NAME "resolv.conf"
#define SLIRP_DNS "10.0.2.3"

static urun_error *add_port(struct net_plan *p, const char *spec) {
  if (p->nports == NET_MAX_PORTS) return urun_error_new("--publish: at most %d ports", NET_MAX_PORTS);
  if (!*spec || strspn(spec, "0123456789.:/tcpudTCPUD[]abcdefABCDEF") != strlen(spec))
    return urun_error_new("--publish %s: expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]", spec);
  p->ports[p->nports++] = spec;
  return NULL;
}

urun_error *net_plan_make(struct spec *s, const char *mode_opt, const char *const *ports, size_t nports,
                          struct net_plan *ret) {
  *ret = (struct net_plan){.mode = NET_CONFIG};
  const char *mode = mode_opt ? mode_opt : spec_annotation(s, "run.urun.network");
  const char *where = mode_opt ? "--net" : "annotation run.urun.network";
  if (mode && !strcmp(mode, "slirp")) ret->mode = NET_SLIRP;
  else if (mode && !strcmp(mode, "host")) ret->mode = NET_HOST;
  else if (mode && strcmp(mode, "config") != 0)
    return urun_error_new("%s: unknown network \"%s\" (slirp, host or config)", where, mode);
  for (size_t i = 0; i < nports; i++) TRY(add_port(ret, ports[i]));
  const char *ann = nports ? NULL : spec_annotation(s, "run.urun.ports");
  if (ann && *ann) {
    if (!(ret->ports_buf = strdup(ann))) return urun_error_code(ENOMEM, "ports");
    char *save = NULL;
    for (char *t = strtok_r(ret->ports_buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) TRY(add_port(ret, t));
  }
  if (ret->nports && ret->mode != NET_SLIRP)
    return urun_error_new("--publish: port forwards need --net slirp (or the annotation run.urun.network=slirp)");
  struct spec_linux *l = &s->linux_;
  size_t n = 0;
  bool had_netns = false;
  for (size_t i = 0; i < l->namespaces_len; i++) {
    struct spec_namespace *ns = &l->namespaces[i];
    if (!strcmp(ns->type, "network")) {
      had_netns = true;
      if (ret->mode == NET_SLIRP && ns->path)
        return urun_error_new("%s slirp: the config joins the network namespace %s; slirp needs a new one", where,
                              ns->path);
      if (ret->mode == NET_HOST) { /* keep the caller's */
        free(ns->type);
        free(ns->path);
        continue;
      }
    }
    l->namespaces[n++] = *ns;
  }
  l->namespaces_len = n;
  if (ret->mode == NET_SLIRP && !had_netns) {
    struct spec_namespace *more = realloc(l->namespaces, (n + 1) * sizeof(*more));
    if (!more) return urun_error_code(ENOMEM, "network namespace");
    l->namespaces = more;
    more[n] = (struct spec_namespace){.type = strdup("network")};
    if (!more[n].type) return urun_error_code(ENOMEM, "network namespace");
    l->namespaces_len++;
  }
  return NULL;
}

void net_plan_free(struct net_plan *p) {
  free(p->ports_buf);
  p->ports_buf = NULL;
}

urun_error *net_add_resolv_conf(struct spec *s, const struct net_plan *p, int state_dirfd, const char *state_dir) {
  if (p->mode != NET_SLIRP) return NULL;
  static const char text[] = "# urun --net slirp: the DNS of urun-slirp\nnameserver " SLIRP_DNS "\n";
  TRY(write_file_at(state_dirfd, RESOLV_CONF_NAME, text, sizeof(text) - 1, 0644));
  _cleanup_free_ char *source = path_join(state_dir, RESOLV_CONF_NAME);
  struct spec_mount *mounts = source ? realloc(s->mounts, (s->mounts_len + 1) * sizeof(*mounts)) : NULL;
  if (!mounts) return urun_error_code(ENOMEM, "resolv.conf");
  s->mounts = mounts;
  struct spec_mount *m = &mounts[s->mounts_len++];
  *m = (struct spec_mount){.destination = strdup("/etc/resolv.conf"), .type = strdup("bind"), .source = steal_ptr(source)};
  char **options = calloc(2, sizeof(char *));
  if (options && (options[0] = strdup("bind"))) m->options = (struct str_list){options, 1};
  else free(options);
  if (!m->destination || !m->type || !m->options.len) return urun_error_code(ENOMEM, "resolv.conf");
  return NULL;
}

urun_error *net_open_namespaces(const struct net_plan *p, pid_t pid, bool own_userns, int *ret_userns,
                                int *ret_netns) {
  *ret_userns = *ret_netns = -1;
  if (p->mode != NET_SLIRP) return NULL;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
  *ret_netns = open(path, O_RDONLY | O_CLOEXEC);
  if (*ret_netns < 0) return urun_error_errno("--net slirp: %s", path);
  if (!own_userns) return NULL; /* the helper stays in ours */
  snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
  *ret_userns = open(path, O_RDONLY | O_CLOEXEC);
  if (*ret_userns < 0) return urun_error_errno("--net slirp: %s", path);
  return NULL;
}

/* The helper's last words, for an error. */
static char *log_tail(int state_dirfd) {
  _cleanup_free_ char *log = NULL;
  urun_error *e = read_file_at(state_dirfd, NET_HELPER_LOG_NAME, &log, NULL);
  if (e) {
    urun_error_free(e);
    return strdup("no message");
  }
  size_t len = strlen(log);
  while (len && log[len - 1] == '\n') log[--len] = '\0';
  const char *last = strrchr(log, '\n');
  return strdup(last ? last + 1 : log);
}

urun_error *net_start_helper(const struct net_plan *p, int userns, int netns, int init_pidfd, int state_dirfd,
                             const char *state_dir, int journal_fd, pid_t *ret_pid, uint64_t *ret_start_time) {
  *ret_pid = 0;
  if (p->mode != NET_SLIRP) return NULL;
  _cleanup_free_ char *api = path_join(state_dir, "slirp.sock");
  if (!api) return urun_error_code(ENOMEM, "urun-slirp");
  /* run from a sealed copy: the helper sits in the container's network
   * namespace, and its file must be out of the container's reach */
  _cleanup_free_ char *exe = NULL;
  _cleanup_close_ int sealed = -1;
  TRY(urun_error_wrap(helper_exec_sealed("urun-slirp", &exe, &sealed), "--net slirp"));
  _cleanup_close_ int log = openat(state_dirfd, NET_HELPER_LOG_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log < 0) return urun_error_errno("urun-slirp: log");
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) return urun_error_errno("urun-slirp: pipe");
  pid_t pid = fork();
  if (pid == 0) {
    /* fds 3 (ready), 4 (user namespace), 5 (network namespace), 6 (init's
     * pidfd: the helper holds the namespace open, so it cannot wait for the
     * namespace to go; it goes with init, deleted or not) */
    setsid();
    /* sources first out of the way (one could sit on a target number),
     * then to their numbers; dup2 leaves the copies open across exec */
    int src[] = {ready[1], userns, netns, init_pidfd};
    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
      if (src[i] >= 0 && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 100)) < 0) _exit(126);
    int exe_copy = fcntl(sealed, F_DUPFD_CLOEXEC, 100);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(log, 2) < 0)
      _exit(126);
    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
      if (src[i] >= 0 && dup2(src[i], 3 + (int)i) < 0) _exit(126);
    char *argv[10 + 2 * NET_MAX_PORTS + 2];
    size_t n = 0;
    argv[n++] = exe;
    argv[n++] = "--configure";
    argv[n++] = "--ready-fd=3";
    if (userns >= 0) argv[n++] = "--userns-path=/proc/self/fd/4";
    argv[n++] = "--netns-type=path";
    /* exit with init; and should the helper be killed, its watchdog
     * stops the container (urun-slirp(1)) */
    if (init_pidfd >= 0) argv[n++] = "--stop-pidfd=6";
    char apiarg[PATH_MAX + 16];
    snprintf(apiarg, sizeof(apiarg), "--api-socket=%s", api);
    argv[n++] = apiarg;
    for (size_t i = 0; i < p->nports; i++) argv[n++] = "-p", argv[n++] = (char *)p->ports[i];
    argv[n++] = "/proc/self/fd/5";
    argv[n++] = "tap0";
    argv[n] = NULL;
    /* the rest closes on exec (the sealed copy must stay open until then) */
    syscall(SYS_close_range, init_pidfd >= 0 ? 7 : 6, ~0U, CLOSE_RANGE_CLOEXEC);
    syscall(SYS_execveat, exe_copy, "", argv, environ, AT_EMPTY_PATH);
    dprintf(2, "urun-slirp: exec %s: %s\n", exe, strerror(errno));
    _exit(127);
  }
  close(ready[1]);
  _cleanup_close_ int rfd = ready[0];
  if (pid < 0) return urun_error_errno("urun-slirp: fork");
  /* noted before it can be waited for: a create killed while the helper
   * starts leaves it to delete --force (one killed before this line leaves
   * it to init's pidfd, on which the helper exits) */
  urun_error *je = journal_note_pid(journal_fd, "helper", pid, process_start_time(pid));
  if (je) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return je;
  }
  /* ready before the container's process can start */
  struct pollfd pfd = {.fd = rfd, .events = POLLIN};
  int r = poll(&pfd, 1, 20000);
  char c;
  if (r > 0 && read(rfd, &c, 1) == 1) {
    *ret_pid = pid;
    *ret_start_time = process_start_time(pid);
    return NULL;
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  _cleanup_free_ char *why = log_tail(state_dirfd);
  return urun_error_new("--net slirp: urun-slirp %s: %s", r == 0 ? "was not ready within 20 s" : "failed",
                        why ? why : "no message");
}

void net_stop_helper(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return;
  struct proc_handle h;
  urun_error *e = proc_open(pid, start_time, &h);
  if (e) { /* gone already */
    urun_error_free(e);
    return;
  }
  urun_error_free(proc_signal(&h, SIGTERM));
  if (!proc_wait_exit(&h, 2000)) {
    urun_error_free(proc_signal(&h, SIGKILL));
    proc_wait_exit(&h, 2000);
  }
  waitpid(pid, NULL, WNOHANG); /* ours when run made it */
  proc_close(&h);
}
