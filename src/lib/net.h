/* net.h: --net slirp|host and port forwards, with the urun-slirp helper. */
#ifndef URUN_NET_H
#define URUN_NET_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

#define NET_MAX_PORTS 32

enum net_mode { NET_CONFIG, NET_SLIRP, NET_HOST };

struct net_plan {
  enum net_mode mode;
  const char *ports[NET_MAX_PORTS]; /* -p specs, for urun-slirp */
  size_t nports;
  char *ports_buf; /* the run.urun.ports annotation, split */
};

/* From --net / -p (or the annotations): the mode, and the config's
 * namespaces changed to match (slirp: a new network namespace; host: none). */
urun_error *net_plan_make(struct spec *s, const char *mode, const char *const *ports, size_t nports,
                          struct net_plan *ret);
void net_plan_free(struct net_plan *p);
/* slirp: /etc/resolv.conf naming the helper's DNS, bind-mounted from the state dir. */
urun_error *net_add_resolv_conf(struct spec *s, const struct net_plan *p, int state_dirfd, const char *state_dir);
/* slirp: the new init's user and network namespaces, opened while it is
 * still dumpable (-1 otherwise). */
urun_error *net_open_namespaces(const struct net_plan *p, pid_t pid, bool own_userns, int *ret_userns,
                                int *ret_netns);
/* slirp: start urun-slirp on them and wait until it is ready. */
/* init_pidfd (or -1): the helper exits when that process does. */
urun_error *net_start_helper(const struct net_plan *p, int userns, int netns, int init_pidfd, int state_dirfd,
                             const char *state_dir, int journal_fd, pid_t *ret_pid, uint64_t *ret_start_time);
/* Stop the helper (delete, or a failed create); nothing if it is gone. */
void net_stop_helper(pid_t pid, uint64_t start_time);


#endif
