/* ops.h: the FUSE low-level operations, in ops*.c by what they touch. */
#ifndef URUN_FUSE_OVL_OPS_H
#define URUN_FUSE_OVL_OPS_H

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include "node.h"

extern const struct fuse_lowlevel_ops ovl_ops;

/* Where node N's entry of LAYER is: a directory fd and a name ("." for the root). */
void node_at(const struct node *n, int layer, int *dirfd, const char **name);
/* The kernel's entry for node N showing ST (one lookup reference was taken). */
void reply_entry(fuse_req_t req, const struct node *n, const struct stat *st);
/* The host ids a new entry of the caller gets in upper directory UDIR. -errno. */
int new_owner(fuse_req_t req, int udir, uid_t *uid, gid_t *gid);
/* Give a freshly built entry (WDIR, NAME) its owner. -errno. */
int set_new_owner(int wdir, const char *name, uid_t uid, gid_t gid);
double node_timeout(const struct node *n);

void ovl_lock(void);
void ovl_unlock(void);

/* ops_dir.c */
void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
               unsigned int flags);
void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
/* A new entry NAME in PARENT, made by BUILD (at a directory fd and a name),
 * owned by the caller; its node (one kernel reference) and stat. -errno. */
int create_entry(fuse_req_t req, struct node *parent, const char *name, mode_t type,
                 int (*build)(int dirfd, const char *name, void *arg), void *arg, struct node **ret, struct stat *st);

/* ops_file.c */
void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi);
void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off, struct fuse_file_info *fi);
void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len, struct fuse_file_info *fi);
void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, struct fuse_file_info *fi_in,
                        fuse_ino_t ino_out, off_t off_out, struct fuse_file_info *fi_out, size_t len, int flags);
void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);

/* ops_xattr.c */
void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size, int flags);
void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
