/* linger.h - closing a socket without losing the last line we sent. */
#ifndef EVIRCD_LINGER_H
#define EVIRCD_LINGER_H

/*
 * Closing a socket that still has unread input makes the kernel send a
 * reset, and the peer's kernel then drops our ERROR line unread.  So: shut
 * down our side, discard what the peer still sends for up to two seconds
 * or until it closes, then close.  Takes ownership of fd.
 */
void linger_close(int fd);
/* Close every lingering socket now (shutdown). */
void linger_close_all(void);
unsigned linger_count(void);
/* Close the oldest lingering socket now, to free its descriptor; 0 if none. */
int linger_shed(void);

#endif
