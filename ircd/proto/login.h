/* login.h - account changes of a user: the replies, the notices, the stored keys. */
#ifndef EVIRCD_LOGIN_H
#define EVIRCD_LOGIN_H

struct client;

/*
 * c's account is now name, or none when name is NULL: the record and
 * account-notify to those who share a channel with c or monitor it.  For
 * any user: a link calls it when a user behind it logs in or out (TS6
 * ENCAP LOGIN, SU).  No numerics to c and no stored keys: those are for
 * local users, below.
 */
void account_proceed(struct client *c, const char *name);
/* Local c logged in as name (SASL, REGISTER, VERIFY): account_proceed, 900, stored keys. */
void account_login(struct client *c, const char *name);
/* Local c logged out: account_proceed and 901. */
void account_logout(struct client *c);

#endif
