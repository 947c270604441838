/* snomask.h - server notices to operators by category (user mode +s). */
#ifndef EVIRCD_SNOMASK_H
#define EVIRCD_SNOMASK_H

#include <stdint.h>

#include "base/util.h"

struct client;

#define SNO_CONNECT 0x01 /* c: connects and exits */
#define SNO_KILL 0x02    /* k: kills */
#define SNO_OPER 0x04    /* o: OPER use and failures */
#define SNO_REJECT 0x08  /* r: refused connections, bans applied */
#define SNO_LINK 0x10    /* l: server links: up, down, bursts, refusals */
#define SNO_ALL 0x1f

/* Apply "+ck-o" style changes to mask; unknown letters are ignored. */
uint32_t snomask_parse(const char *spec, uint32_t mask);
void snomask_string(uint32_t mask, char *buf, size_t size);
/* Set c's snomask (0 removes +s); keeps the subscriber set in step. */
void snomask_set(struct client *c, uint32_t mask);
void snomask_send(uint32_t category, const char *fmt, ...) PRINTF(2, 3);

#endif
