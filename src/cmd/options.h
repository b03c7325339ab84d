/* options.h: argument helpers shared by the commands. */
#ifndef URUN_OPTIONS_H
#define URUN_OPTIONS_H

#include "cmd.h"

/* Exactly one positional argument, the container id, after the options. */
urun_error *options_one_id(const char *cmd, int argc, char **argv, int optind_, const char **ret_id);
/* Open the state root named by the global options. */
urun_error *options_open_root(const struct global_options *g, struct state_root *ret);
/* A container's state, locked (LOCK_SH or LOCK_EX) and read, with its
 * live status; the lock goes with dirfd. */
struct container_handle {
  int dirfd;
  struct state *st;
  enum container_status status;
};
urun_error *options_open_container(const struct global_options *g, const char *id, int lock,
                                   struct container_handle *ret);
void container_handle_close(struct container_handle *h);
#define _cleanup_container_ __attribute__((cleanup(container_handle_close)))
enum cgroup_manager options_cgroup_manager(const struct global_options *g);
urun_error *options_parse_uint(const char *flag, const char *value, int *ret);
/* The shared options of create and run; returns 0 when `opt` was not one. */
struct create_options;
int options_create_flag(struct create_options *o, int opt, const char *arg, urun_error **err);
#define CREATE_LONG_OPTIONS                                                                        \
  {"bundle", required_argument, NULL, 'b'}, {"pid-file", required_argument, NULL, 'P'},              \
  {"console-socket", required_argument, NULL, 'C'}, {"no-pivot", no_argument, NULL, 'N'},           \
  {"no-new-keyring", no_argument, NULL, 'K'}, {"preserve-fds", required_argument, NULL, 'F'},        \
  {"config", required_argument, NULL, 'f'}, {"net", required_argument, NULL, 'n'},                 \
  {"publish", required_argument, NULL, 'p'}, {"overlay", optional_argument, NULL, 'O'}
#define CREATE_SHORT_OPTIONS "b:f:p:"

#endif
