/* sandbox.h: what is left to the helper once the mount is made. */
#ifndef URUN_FUSE_OVL_SANDBOX_H
#define URUN_FUSE_OVL_SANDBOX_H

/* Drop every capability a file server does not use, set no_new_privs and
 * load the syscall allowlist (file calls on fds; no exec, no sockets, no
 * namespaces, no new mounts). -1 with errno. */
int sandbox_enter(void);

/* The allowlist, added to CTX (a scmp_filter_ctx whose default is EPERM);
 * used by filter_gen.c when urun is built. 0 or -errno. */
int sandbox_rules(void *ctx);

#endif
