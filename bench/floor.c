/* floor.c: the least a runtime must do to start a container, and nothing
 * else: clone with the namespaces, the id maps (for a user), the default
 * OCI mounts, pivot_root and exec.  The bench times it beside the runtimes.
 * Usage: floor [--net] ROOTFS COMMAND */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *rootfs, *command;
static int net, user, sync_pipe[2];

static void die(const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
  _exit(1);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  mkdir(dst, 0755);
  if (mount(src, dst, type, flags, data) < 0) die(dst);
}

static void bind_dev(const char *name) {
  char host[64], target[64];
  snprintf(host, sizeof(host), "/dev/%s", name);
  snprintf(target, sizeof(target), "dev/%s", name);
  int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) die(target);
  close(fd);
  mnt(host, target, NULL, MS_BIND, NULL);
}

static int child(void *arg) {
  (void)arg;
  char c;
  close(sync_pipe[1]);
  if (read(sync_pipe[0], &c, 1) != 1) die("wait for the id maps");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make / private");
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind rootfs");
  if (chdir(rootfs) < 0) die("chdir rootfs");
  mnt("proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
  mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  mnt("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
  mnt("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
  const char *devs[] = {"null", "zero", "full", "random", "urandom", "tty"};
  for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) bind_dev(devs[i]);
  /* sysfs needs a network namespace of our own; otherwise the host's, read-only */
  if (net) mnt("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
  else {
    mnt("/sys", "sys", NULL, MS_BIND | MS_REC, NULL);
    if (mount(NULL, "sys", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0 &&
        errno != EPERM)
      die("sys read-only");
  }
  if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root");
  if (umount2(".", MNT_DETACH) < 0) die("detach the old root");
  if (chdir("/") < 0) die("chdir /");
  execl(command, command, (char *)NULL);
  die(command);
  return 1;
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) die(path);
  close(fd);
}

int main(int argc, char **argv) {
  int i = 1;
  if (i < argc && !strcmp(argv[i], "--net")) net = 1, i++;
  if (argc - i != 2) {
    fprintf(stderr, "usage: floor [--net] ROOTFS COMMAND\n");
    return 2;
  }
  rootfs = argv[i];
  command = argv[i + 1];
  user = geteuid() != 0;
  if (pipe2(sync_pipe, O_CLOEXEC) < 0) die("pipe");
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
  if (net) flags |= CLONE_NEWNET;
  if (user) flags |= CLONE_NEWUSER;
  static char stack[64 * 1024];
  pid_t pid = clone(child, stack + sizeof(stack), flags, NULL);
  if (pid < 0) die("clone");
  close(sync_pipe[0]);
  if (user) {
    char path[64], map[64];
    snprintf(map, sizeof(map), "0 %d 1\n", (int)geteuid());
    snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
    write_file(path, map);
    snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
    write_file(path, "deny");
    snprintf(map, sizeof(map), "0 %d 1\n", (int)getegid());
    snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
    write_file(path, map);
  }
  if (write(sync_pipe[1], "x", 1) != 1) die("release the child");
  int status;
  if (waitpid(pid, &status, 0) < 0) die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
