/* login.h - account changes of a user: the replies, the notices, the stored keys. */
#ifndef EVIRCD_LOGIN_H
#define EVIRCD_LOGIN_H

struct client;

/* c is now logged in as name (SASL, REGISTER, VERIFY): 900 and account-notify. */
void account_login(struct client *c, const char *name);
/* c logged out: 901 and account-notify. */
void account_logout(struct client *c);

#endif
