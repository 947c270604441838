/* listener.h - listening sockets and the accept loop. */
#ifndef EVIRCD_LISTENER_H
#define EVIRCD_LISTENER_H

struct config;

/* Open every [listen] block; 0 when all are bound. */
int listener_open_all(const struct config *c);
void listener_close_all(void);

#endif
