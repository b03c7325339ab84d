/* sandbox.h: what is left to the helper once the mount is made. */
#ifndef URUN_FUSE_OVL_SANDBOX_H
#define URUN_FUSE_OVL_SANDBOX_H

/* Drop every capability a file server does not use, set no_new_privs and
 * load the syscall allowlist (file calls on fds; no exec, no sockets, no
 * namespaces, no new mounts). -1 with errno. */
int sandbox_enter(void);

#endif
