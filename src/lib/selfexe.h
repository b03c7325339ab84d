/* selfexe.h: run urun and its helpers from sealed memfd copies, never from
 * the host's files, where a container could reach them (CVE-2019-5736). */
#ifndef URUN_SELFEXE_H
#define URUN_SELFEXE_H

#include "error.h"

/* Unless this process already runs from a sealed copy: re-execute urun
 * from one with the same arguments (argv[0] becomes the binary's path).
 * Returns only with an error, or when already sealed. */
urun_error *selfexe_ensure_sealed(char **argv);

/* The path of urun's binary file, also when running from the copy
 * (NULL when unknown).  Caller frees. */
char *selfexe_path(void);

/* A sealed, close-on-exec memfd holding what exec needs of the file at srcfd. */
urun_error *selfexe_sealed_copy(int srcfd, const char *name, int *ret_fd);

#endif
