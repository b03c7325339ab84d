/* urun-fuse-overlay: the kernel overlayfs's layers, served through FUSE
 * where the kernel's own overlay cannot be mounted (or ids must shift).
 *
 * main.c: the order of setup (layers opened and the mount made while the
 * helper still has its privileges), the sandbox, then the FUSE loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_util.h"
#include "lookup.h"
#include "loop.h"
#include "node.h"
#include "ops.h"
#include "ovl.h"
#include "readahead.h"
#include "sandbox.h"

struct ovl ovl = {.lock = PTHREAD_MUTEX_INITIALIZER, .caps_gen = 1};

static int open_dir(const char *what, const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("%s %s: %s", what, path, strerror(errno));
  return fd;
}

/* Inode numbers of layers on another filesystem than the first get high
 * bits of their own, so that two layers' numbers never meet. */
static void tag_layers(void) {
  dev_t devs[64];
  int ndevs = 0;
  for (int i = 0; i < ovl.nlayers; i++) {
    int k = 0;
    while (k < ndevs && devs[k] != ovl.layers[i].dev) k++;
    if (k == ndevs && ndevs < 64) devs[ndevs++] = ovl.layers[i].dev;
    ovl.layers[i].tag = (uint64_t)(k % 64) << 57;
  }
}

/* The initial user namespace maps every id: there root may write trusted.* */
static bool in_initial_userns(void) {
  FILE *f = fopen("/proc/self/uid_map", "re");
  if (!f) return false;
  unsigned long a, b, c;
  bool initial = fscanf(f, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL;
  fclose(f);
  return initial;
}

static void open_layers(struct options *o) {
  ovl.opt = o;
  ovl.has_upper = o->upperdir != NULL;
  ovl.nlayers = (int)o->nlowers + (ovl.has_upper ? 1 : 0);
  ovl.layers = calloc((size_t)ovl.nlayers, sizeof(*ovl.layers));
  if (!ovl.layers) die("out of memory");
  int k = 0;
  if (ovl.has_upper) ovl.layers[k++].path = o->upperdir;
  for (size_t i = 0; i < o->nlowers; i++) ovl.layers[k++].path = o->lowers[i];
  for (int i = 0; i < ovl.nlayers; i++) {
    struct layer *l = &ovl.layers[i];
    l->fd = open_dir(layer_is_upper(i) ? "upperdir" : "lowerdir", l->path);
    struct stat st;
    if (fstat(l->fd, &st) < 0) die("%s: %s", l->path, strerror(errno));
    l->dev = st.st_dev;
  }
  tag_layers();
  ovl.workfd = -1;
  if (ovl.has_upper) {
    int w = open_dir("workdir", o->workdir);
    struct stat st;
    if (fstat(w, &st) < 0 || st.st_dev != ovl.layers[UPPER].dev)
      die("workdir %s: not on the filesystem of upperdir %s", o->workdir, o->upperdir);
    /* "work" as the kernel overlay names it; left-overs of a crash are ours to reuse */
    if (mkdirat(w, "work", 0700) < 0 && errno != EEXIST) die("workdir %s: %s", o->workdir, strerror(errno));
    ovl.workfd = openat(w, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ovl.workfd < 0) die("workdir %s/work: %s", o->workdir, strerror(errno));
    close(w);
  }
}

static void make_root(void) {
  int *fds = malloc((size_t)ovl.nlayers * sizeof(*fds));
  if (!fds) die("out of memory");
  for (int i = 0; i < ovl.nlayers; i++) fds[i] = ovl.layers[i].fd;
  struct stat st;
  if (fstat(fds[0], &st) < 0) die("%s: %s", ovl.layers[0].path, strerror(errno));
  ovl.root = node_new(NULL, "", 0, S_IFDIR, st.st_ino | ovl.layers[0].tag, fds);
  if (!ovl.root) die("out of memory");
  ovl.root->nlookup = 1;
}

static void raise_fd_limit(void) {
  /* a directory node holds an fd per layer */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* An unprivileged mount is undone by fusermount3 (set-user-id), which the
 * sandboxed helper can no longer run: a child forked before the sandbox
 * runs it when the helper ends by a signal. Returns the pipe to ask it. */
static int start_unmounter(const char *mountpoint) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    /* keep no /dev/fuse fd: the connection must end with the helper */
    if (dup2(p[0], 3) < 0) _exit(1);
    close_range(4, ~0U, 0);
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    char c;
    if (read(3, &c, 1) != 1) _exit(0); /* the helper ended otherwise: leave the mount as it is */
    execlp("fusermount3", "fusermount3", "-u", "-z", "--", mountpoint, (char *)NULL);
    _exit(127);
  }
  close(p[0]);
  return p[1];
}

static struct fuse_session *session;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig) {
  got_signal = 1;
  if (session) fuse_session_exit(session);
}

static void set_signals(void) {
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

/* Is the FUSE option KEY in the comma list LIST? */
static bool has_fuse_opt(const char *list, const char *key) {
  size_t n = strlen(key);
  for (const char *p = list; (p = strstr(p, key)); p += n)
    if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return true;
  return false;
}

static struct fuse_session *new_session(struct options *o) {
  /* root (of its user namespace) mounts for every process there, as the
   * kernel overlay and fuse-overlayfs do: podman's --userns=auto container
   * runs under other ids of that namespace; modes still apply
   * (default_permissions), and the kernel keeps a mount made in a user
   * namespace out of the reach of processes outside it */
  bool for_all = geteuid() == 0 && !has_fuse_opt(o->fuse_opts, "allow_other") &&
                 !has_fuse_opt(o->fuse_opts, "allow_root");
  char opts[1400];
  snprintf(opts, sizeof(opts), "-odefault_permissions,fsname=%s,subtype=urun-fuse-overlay%s%s%s",
           ovl.layers[ovl.nlayers - 1].path, for_all ? ",allow_other" : "", o->fuse_opts[0] ? "," : "",
           o->fuse_opts);
  /* fsname may hold a comma: FUSE's option syntax escapes it */
  char *args_v[] = {(char *)PROG, opts, o->debug ? (char *)"-d" : NULL, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(o->debug ? 3 : 2, args_v);
  struct fuse_session *se = fuse_session_new(&args, &ovl_ops, sizeof(ovl_ops), NULL);
  if (!se) die("cannot start a FUSE session (options: %s)", opts + 2);
  return se;
}

/* Fork away from the caller, who returns once the helper reports ready. */
static int daemonize(void) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid > 0) {
    close(p[1]);
    char c = 0;
    ssize_t n = read(p[0], &c, 1);
    _exit(n == 1 && c == '1' ? 0 : 1);
  }
  close(p[0]);
  setsid();
  return p[1];
}

static void detach_stdio(void) {
  int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
}

int main(int argc, char **argv) {
  helper_prog = PROG;
  /* nothing may open /proc/<pid>/exe of a helper that runs inside a
   * container's namespaces and reach the host's binary (CVE-2019-5736) */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  static struct options o;
  options_parse(&o, argc, argv);
  raise_fd_limit();
  ovl.euid = geteuid();
  ovl.egid = getegid();
  ovl.userxattr = !(ovl.euid == 0 && in_initial_userns());
  ovl.lower_timeout = o.timeout > 86400 ? o.timeout : 86400;
  open_layers(&o);
  if (node_table_init() < 0) die("out of memory");
  make_root();
  umask(0); /* modes come from the caller, already masked by the kernel */

  session = ovl.se = new_session(&o);
  set_signals();
  char *canonical = readahead_prepare(o.mountpoint);
  if (fuse_session_mount(session, o.mountpoint) < 0) die("cannot mount on %s", o.mountpoint);
  readahead_widen(canonical);
  free(canonical);
  int ready = o.foreground ? -1 : daemonize();
  int unmounter = ovl.euid != 0 ? start_unmounter(o.mountpoint) : -1;
  if (chdir("/") < 0 || sandbox_enter() < 0) {
    errmsg("cannot sandbox: %s", strerror(errno));
    if (unmounter >= 0) (void)!write(unmounter, "u", 1);
    else fuse_session_unmount(session);
    return 1;
  }
  if (ready >= 0) {
    (void)!write(ready, "1", 1);
    close(ready);
    detach_stdio();
  }

  int rc = loop_run(session, o.threaded && !o.debug);
  /* ended by an unmount: nothing to undo; by a signal: unmount */
  if (got_signal) {
    if (unmounter >= 0) {
      (void)!write(unmounter, "u", 1);
      close(unmounter);
      while (wait(NULL) < 0 && errno == EINTR) {
      }
    } else {
      fuse_session_unmount(session);
    }
  }
  fuse_session_destroy(session);
  return rc < 0 ? 1 : 0;
}
