/* init.h: the container's init, from clone() to execve(). */
#ifndef URUN_INIT_H
#define URUN_INIT_H

#include <stdbool.h>

#include "seccomp_filter.h"
#include "spec.h"

#define INIT_MAX_JOIN 8

struct init_config {
  const struct spec *spec;
  const char *rootfs; /* absolute host path */
  const char *bundle; /* absolute */
  int sync_fd;        /* our end of the socketpair */
  int fifo_fd;        /* O_PATH fd of <state>/exec.fifo */
  int join_fds[INIT_MAX_JOIN]; /* namespaces joined by path (not user/pid), -1 ends */
  int join_types[INIT_MAX_JOIN];
  bool userns_created;
  bool in_userns; /* created, joined or the caller's: not the initial one */
  bool setgroups_allowed;
  bool own_netns;
  bool own_utsns;
  bool new_cgroupns; /* unshared once the parent placed us in our cgroup */
  bool new_timens;   /* unshared by init, so that the offsets can be written */
  bool no_pivot;
  bool shared_mount_ns; /* the caller's mount namespace: chroot, no mounts */
  bool no_new_keyring;
  bool keep_groups;
  int preserve_fds;  /* counts listen_fds too */
  int listen_fds;    /* handed to urun by socket activation: the process gets LISTEN_FDS */
  const int *idmap_trees; /* per mount, trees the parent made (mount_prepare_trees), or NULL */
  char *start_state; /* state for startContainer hooks, received at ACK */
  const struct seccomp_program *seccomp; /* compiled by the parent; empty: none */
};

/* Runs in the cloned child; never returns. */
_Noreturn void init_main(struct init_config *cfg);

#endif
