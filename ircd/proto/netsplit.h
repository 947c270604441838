/*
 * netsplit.h - what local users see of a split and a relink: the QUITs of
 * the users behind a split server in one IRCv3 netsplit batch, the JOINs
 * of those who come back in the relink's burst in one netjoin batch (for
 * clients with the batch capability; the others get the lines plain), and
 * the split users' nicks held for [netsplit] split_user_grace_period.
 */
#ifndef EVIRCD_NETSPLIT_H
#define EVIRCD_NETSPLIT_H

struct channel;
struct client;
struct outmsg;
struct server;

/*
 * s and everything behind it leave: every user on them quits with
 * "near far" (near: the server s hung from), queued to the local users
 * sharing a channel in one pass, each getting each QUIT once; the servers
 * go too.  Cost: the users behind s, their channels and the local members
 * of those, once.
 */
void netsplit_run(struct server *s, const char *near);

/* 1 when nick belongs to a user split away within the grace period. */
int netsplit_nick_held(const char *nick);
/*
 * c (new behind a link) takes a held nick back, if it is held: the hold
 * ends; when c is the same user@host it is a returning user: coming in a
 * burst (a direct link's, or that of a server new behind one), its JOINs of
 * that burst go in that server's netjoin batch; coming after its server's
 * burst, in a netjoin batch of its server's that closes a second later.
 */
void netsplit_user_back(struct client *c);
/*
 * c joined ch: when c is a returning user, its JOIN (plain, or ext for
 * extended-join) is sent to ch's local members here, framed for those
 * with the batch capability, and 1 is returned; else 0 and nothing sent.
 */
int netjoin_announce(struct client *c, struct channel *ch, struct outmsg *plain,
                     struct outmsg *ext);
/* Server s ended its burst (EOB, or a direct link's PONG): its netjoin batch closes. */
void netjoin_end(const struct server *s);

/* Start the expiry of held nicks and of netjoin batches left open. */
void netsplit_init(void);

#endif
