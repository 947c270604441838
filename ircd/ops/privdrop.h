/* privdrop.h - run as [server] user/group once bound (started as root). */
#ifndef EVIRCD_PRIVDROP_H
#define EVIRCD_PRIVDROP_H

struct config;

/*
 * As root: switch to [server] user and group for good (or warn that root
 * stays, when no user is set); -1 if that fails.  Otherwise nothing.
 */
int privileges_drop(const struct config *c);

#endif
