/* prefault.h: the heap made present in one call, not a fault per page. */
#ifndef URUN_PREFAULT_H
#define URUN_PREFAULT_H

/* Make malloc's heap present and writable now. Best effort (Linux 5.14+). */
void prefault_heap(void);

#endif
