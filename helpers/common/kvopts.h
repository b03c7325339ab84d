/* kvopts.h: "-o a=b,c,d=e" option lists, as mount(8) and FUSE programs take them. */
#ifndef URUN_KVOPTS_H
#define URUN_KVOPTS_H

/* Called for each item: KEY and its VALUE (NULL for a bare "c"). A
 * non-zero return stops the walk and is returned. */
typedef int (*kvopts_fn)(const char *key, const char *value, void *arg);

/* Split LIST at commas ("\," keeps a comma, "\\" a backslash, in a key or
 * value) and call FN for each non-empty item. -1 with errno on no memory. */
int kvopts_parse(const char *list, kvopts_fn fn, void *arg);

#endif
