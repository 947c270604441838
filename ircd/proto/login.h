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
/*
 * Local c logged in as name (SASL, REGISTER, VERIFY): account_proceed, 900,
 * stored keys.  id: the account's row (store/account.h), 0 for services'.
 */
void account_login(struct client *c, const char *name, long long id);
/* Local c logged out: account_proceed and 901. */
void account_logout(struct client *c);
/*
 * Every local session logged in to account id is logged out (901,
 * account-notify) but except; each is handed to then (or NULL) afterwards.
 * For ACCOUNT DROP and a password change.
 */
void account_logout_all(long long id, const struct client *except,
                        void (*then)(struct client *c));
/*
 * 1 while local c is logged in to an account that still exists; a session
 * whose account row is gone (dropped, perhaps registered again under its
 * name) is logged out here and gets 0.  Before anything an account owns:
 * history, metadata, certificates, read markers, ACCOUNT.
 */
int account_session_valid(struct client *c);

#endif
