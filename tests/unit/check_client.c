/* check_client.c - remote servers and clients in the state layer: the server tree and its
 * tables, remote clients in the nick/UID tables and the counts, TS6 nick collisions, and
 * splits that visit only the subtree that left. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"

static struct server *
mkserver(struct server *uplink, const char *name, const char *sid)
{
	struct server *s = NULL;

	ck_assert_int_eq(server_new_remote(uplink, name, sid, uplink->hopcount + 1, "test", &s),
	                 SERVER_OK);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* A remote user: UID is the server's SID plus id, umodes as given. */
static struct client *
mkremote(struct server *s, const char *nick, const char *id, time_t ts, uint32_t umodes)
{
	char uid[UIDLEN + 1];
	struct client_intro in = {
	    .nick = nick,
	    .nick_ts = ts,
	    .user = "u",
	    .host = "host.example",
	    .realhost = NULL,
	    .ip = "192.0.2.1",
	    .uid = uid,
	    .account = NULL,
	    .realname = "Remote User",
	    .umodes = umodes,
	};
	struct client *c;

	snprintf(uid, sizeof(uid), "%s%s", s->sid, id);
	c = client_new_remote(s, &in);
	ck_assert_ptr_nonnull(c);
	return c;
}

static struct client *
mklocal(const char *nick)
{
	struct client *c = client_new_local(NULL, "127.0.0.1");

	client_set_nick(c, nick, now);
	str_copy(c->user, "local", sizeof(c->user));
	client_register(c);
	return c;
}

static unsigned
server_list_len(const struct server *s)
{
	const struct client *c;
	unsigned n = 0;

	LIST_FOREACH (c, &s->clients, server_link)
		n++;
	return n;
}

static unsigned
children_len(const struct server *s)
{
	const struct server *child;
	unsigned n = 0;

	LIST_FOREACH (child, &s->children, sibling)
		n++;
	return n;
}

START_TEST(test_server_tree)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct server *b = mkserver(a, "b.test", "2BB");

	ck_assert_uint_eq(server_count(), 3);
	ck_assert_ptr_eq(server_find("A.TEST"), a);
	ck_assert_ptr_eq(server_find("2BB"), b);
	ck_assert_ptr_eq(server_find_sid("1AA"), a);
	ck_assert_ptr_null(server_find_sid("a.test"));
	ck_assert_str_eq(b->description, "test");

	/* A direct link is reached through itself, a server behind it through the link. */
	ck_assert_ptr_null(me.via);
	ck_assert_ptr_eq(a->uplink, &me);
	ck_assert_ptr_eq(a->via, a);
	ck_assert_uint_eq(a->hopcount, 1);
	ck_assert_ptr_eq(b->uplink, a);
	ck_assert_ptr_eq(b->via, a);
	ck_assert_uint_eq(b->hopcount, 2);
	ck_assert_ptr_eq(LIST_FIRST(&a->children), b);
	ck_assert_uint_eq(children_len(&me), 1);
	ck_assert_uint_eq(children_len(b), 0);
}
END_TEST

START_TEST(test_server_duplicates_refused)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct server *out = NULL;
	char longname[SERVLEN + 2];

	ck_assert_int_eq(server_new_remote(a, "A.Test", "3CC", 2, "x", &out),
	                 SERVER_NAME_IN_USE);
	ck_assert_int_eq(server_new_remote(a, "c.test", "1AA", 2, "x", &out),
	                 SERVER_SID_IN_USE);
	/* This server's own name and SID are taken too. */
	ck_assert_int_eq(server_new_remote(a, "irc.test", "3CC", 2, "x", &out),
	                 SERVER_NAME_IN_USE);
	ck_assert_int_eq(server_new_remote(a, "c.test", "0TS", 2, "x", &out),
	                 SERVER_SID_IN_USE);
	/* Too long to store whole: refused rather than truncated into a clash. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(server_new_remote(a, longname, "3CC", 2, "x", &out), SERVER_INVALID);
	ck_assert_int_eq(server_new_remote(a, "c.test", "3CCC", 2, "x", &out), SERVER_INVALID);
	ck_assert_int_eq(server_new_remote(a, "c.test", "3C", 2, "x", &out), SERVER_INVALID);

	/* Nothing changed. */
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(server_count(), 2);
	ck_assert_ptr_null(server_find("c.test"));
	ck_assert_ptr_null(server_find_sid("3CC"));
	ck_assert_ptr_eq(server_find_sid("1AA"), a);
	ck_assert_ptr_eq(server_find("irc.test"), &me);
	ck_assert_uint_eq(children_len(a), 0);
}
END_TEST

START_TEST(test_remote_clients)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct server *b = mkserver(a, "b.test", "2BB");
	struct client *loc = mklocal("local");
	struct client *r1 = mkremote(a, "Alice", "AAAAAA", 1000, UMODE_INVISIBLE);
	struct client *r2 = mkremote(b, "bob", "AAAAAB", 1001, UMODE_OPER);

	/* Tables: nick (casemapped), UID, and either through client_find. */
	ck_assert_ptr_eq(client_find_nick("alice"), r1);
	ck_assert_ptr_eq(client_find_uid("1AAAAAAAA"), r1);
	ck_assert_ptr_eq(client_find_uid("2BBAAAAAB"), r2);
	ck_assert_ptr_eq(client_find("2BBAAAAAB"), r2);
	ck_assert_ptr_eq(client_find("BOB"), r2);
	ck_assert_ptr_eq(client_find(loc->uid), loc);
	ck_assert_ptr_null(client_find("1AAZZZZZZ"));
	ck_assert_ptr_null(client_find_nick("1AAAAAAAA"));

	/* Fields as introduced. */
	ck_assert_str_eq(r1->user, "u");
	ck_assert_str_eq(r1->realhost, "host.example");
	ck_assert_str_eq(r1->realname, "Remote User");
	ck_assert_ptr_null(r1->account);
	ck_assert_int_eq(r1->nick_ts, 1000);
	ck_assert(r1->registered);
	ck_assert(!client_is_local(r1));

	/* Where each is, and which link leads there. */
	ck_assert_ptr_eq(r1->server, a);
	ck_assert_ptr_eq(r2->server, b);
	ck_assert_ptr_eq(client_via(r1), a);
	ck_assert_ptr_eq(client_via(r2), a);
	ck_assert_ptr_null(client_via(loc));

	/* Per-server lists and counts, and the global ones LUSERS shows. */
	ck_assert_uint_eq(a->users, 1);
	ck_assert_uint_eq(b->users, 1);
	ck_assert_uint_eq(me.users, 1);
	ck_assert_uint_eq(server_list_len(a), 1);
	ck_assert_uint_eq(server_list_len(b), 1);
	ck_assert_uint_eq(server_list_len(&me), 1);
	ck_assert_ptr_eq(LIST_FIRST(&a->clients), r1);
	ck_assert_uint_eq(client_count_global(), 3);
	ck_assert_uint_eq(clients_invisible, 1);
	ck_assert_uint_eq(clients_opers, 1);
	ck_assert_uint_eq(clients_max_global, 3);
	ck_assert_uint_eq(clients_max_local, 1);

	/* The exit path's client_free unlinks a remote client everywhere. */
	client_free(r2);
	ck_assert_ptr_null(client_find_nick("bob"));
	ck_assert_ptr_null(client_find_uid("2BBAAAAAB"));
	ck_assert_uint_eq(b->users, 0);
	ck_assert_ptr_null(LIST_FIRST(&b->clients));
	ck_assert_uint_eq(client_count_global(), 2);
	ck_assert_uint_eq(clients_opers, 0);
	ck_assert_uint_eq(clients_max_global, 3);
}
END_TEST

START_TEST(test_remote_intro_fields)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client_intro in = {
	    .nick = "carol",
	    .nick_ts = 1234,
	    .user = "~carol",
	    .host = "cloak.example",
	    .realhost = "real.example",
	    .ip = "0",
	    .uid = "1AAAAAAAC",
	    .account = "carolacct",
	    .realname = "Carol",
	    .umodes = UMODE_INVISIBLE | UMODE_WALLOPS,
	};
	struct client *c = client_new_remote(a, &in);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->nick, "carol");
	ck_assert_str_eq(c->user, "~carol");
	ck_assert_str_eq(c->host, "cloak.example");
	ck_assert_str_eq(c->realhost, "real.example");
	ck_assert_str_eq(c->ip, "0");
	ck_assert_str_eq(c->uid, "1AAAAAAAC");
	ck_assert_str_eq(c->account, "carolacct");
	ck_assert_str_eq(c->realname, "Carol");
	ck_assert_uint_eq(c->umodes, UMODE_INVISIBLE | UMODE_WALLOPS);
	ck_assert_int_eq(c->nick_ts, 1234);
	ck_assert_ptr_null(c->local);
}
END_TEST

START_TEST(test_remote_duplicates_refused)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client *loc = mklocal("local");
	struct client *r = mkremote(a, "alice", "AAAAAA", 1000, 0);
	struct client_intro in = {
	    .nick = "ALICE",
	    .nick_ts = 1,
	    .user = "u",
	    .host = "h",
	    .ip = "0",
	    .uid = "1AAAAAAAB",
	    .realname = "r",
	};

	/* Nick taken (case-insensitively), by a remote or a local client. */
	ck_assert_ptr_null(client_new_remote(a, &in));
	in.nick = "Local";
	ck_assert_ptr_null(client_new_remote(a, &in));
	/* UID taken. */
	in.nick = "fresh";
	in.uid = "1AAAAAAAA";
	ck_assert_ptr_null(client_new_remote(a, &in));
	/* Not a UID's length; and me's users are local ones only. */
	in.uid = "1AAAAAAAAA";
	ck_assert_ptr_null(client_new_remote(a, &in));
	in.uid = "0TSAAAAZZ";
	ck_assert_ptr_null(client_new_remote(&me, &in));

	/* Nothing changed. */
	ck_assert_ptr_null(client_find_nick("fresh"));
	ck_assert_ptr_eq(client_find_nick("alice"), r);
	ck_assert_ptr_eq(client_find_nick("local"), loc);
	ck_assert_uint_eq(client_count_global(), 2);
	ck_assert_uint_eq(a->users, 1);
	ck_assert_uint_eq(me.users, 1);
}
END_TEST

START_TEST(test_set_nick_with_ts)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client *r = mkremote(a, "alice", "AAAAAA", 1000, 0);
	struct client *loc = mklocal("local");

	client_set_nick(r, "alice2", 2000);
	ck_assert_int_eq(r->nick_ts, 2000);
	ck_assert_ptr_null(client_find_nick("alice"));
	ck_assert_ptr_eq(client_find_nick("ALICE2"), r);
	ck_assert_ptr_eq(client_find("1AAAAAAAA"), r);

	now = 5000;
	client_set_nick(loc, "local2", now);
	ck_assert_int_eq(loc->nick_ts, 5000);
	ck_assert_ptr_eq(client_find_nick("local2"), loc);
	ck_assert_uint_eq(client_count_global(), 2);
}
END_TEST

/*
 * The TS6 table (Solanum doc/technical/ts6.md, hybrid ts6.txt): existing
 * alice has TS 1000, user "u", host "host.example", IP 192.0.2.1.
 */
START_TEST(test_collide_equal_ts)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client *c = mkremote(a, "alice", "AAAAAA", 1000, 0);

	ck_assert_int_eq(client_collide(c, 1000, "u", "host.example"), COLLIDE_BOTH);
	ck_assert_int_eq(client_collide(c, 1000, "other", "elsewhere"), COLLIDE_BOTH);
	ck_assert_int_eq(client_collide_ip(c, 1000, "u", "192.0.2.1"), COLLIDE_BOTH);
	/* No TS on either side: nothing to decide by, both go. */
	ck_assert_int_eq(client_collide(c, 0, "u", "host.example"), COLLIDE_BOTH);
	c->nick_ts = 0;
	ck_assert_int_eq(client_collide(c, 1000, "other", "elsewhere"), COLLIDE_BOTH);
}
END_TEST

START_TEST(test_collide_different_user)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client *c = mkremote(a, "alice", "AAAAAA", 1000, 0);

	/* Different people: the older nick stays. */
	ck_assert_int_eq(client_collide(c, 999, "other", "host.example"),
	                 COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide(c, 1001, "other", "host.example"),
	                 COLLIDE_KEEP_EXISTING);
	ck_assert_int_eq(client_collide(c, 999, "u", "elsewhere"), COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide(c, 1001, "u", "elsewhere"), COLLIDE_KEEP_EXISTING);
}
END_TEST

START_TEST(test_collide_same_user)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client *c = mkremote(a, "alice", "AAAAAA", 1000, 0);

	/* The same user@host (case-insensitive): the newer one stays, the older is a ghost. */
	ck_assert_int_eq(client_collide(c, 1001, "u", "host.example"), COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide(c, 999, "U", "HOST.example"), COLLIDE_KEEP_EXISTING);
}
END_TEST

START_TEST(test_collide_hybrid_by_ip)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct client *c = mkremote(a, "alice", "AAAAAA", 1000, 0);

	/* Same username and IP: the same user, whatever the host says. */
	ck_assert_int_eq(client_collide_ip(c, 1001, "u", "192.0.2.1"), COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide_ip(c, 999, "u", "192.0.2.1"), COLLIDE_KEEP_EXISTING);
	/* Another IP: another user. */
	ck_assert_int_eq(client_collide_ip(c, 1001, "u", "192.0.2.2"), COLLIDE_KEEP_EXISTING);
	ck_assert_int_eq(client_collide_ip(c, 999, "u", "192.0.2.2"), COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide_ip(c, 999, "v", "192.0.2.1"), COLLIDE_KEEP_INCOMING);
}
END_TEST

START_TEST(test_collide_unregistered_existing)
{
	struct client *c = client_new_local(NULL, "127.0.0.1");

	client_set_nick(c, "early", 1000);
	/* Not introduced anywhere yet: it gives way whatever the TS. */
	ck_assert_int_eq(client_collide(c, 2000, "x", "y"), COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide(c, 1000, "x", "y"), COLLIDE_KEEP_INCOMING);
	ck_assert_int_eq(client_collide_ip(c, 500, "x", "127.0.0.1"), COLLIDE_KEEP_INCOMING);
	client_free(c);
}
END_TEST

/* What a split visitor saw: each client's UID and the server it was on. */
struct visits {
	char uid[16][UIDLEN + 1];
	const struct server *server[16];
	unsigned n;
};

static void
visit_and_exit(struct client *c, void *arg)
{
	struct visits *v = arg;

	ck_assert_uint_lt(v->n, 16);
	str_copy(v->uid[v->n], c->uid, sizeof(v->uid[0]));
	v->server[v->n] = c->server;
	v->n++;
	client_free(c); /* as client_exit would */
}

static unsigned
times_visited(const struct visits *v, const char *uid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < v->n; i++)
		if (strcmp(v->uid[i], uid) == 0)
			n++;
	return n;
}

START_TEST(test_split_subtree)
{
	/* me -- a -- b, and me -- c: split a, and b goes with it. */
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct server *b = mkserver(a, "b.test", "2BB");
	struct server *c = mkserver(&me, "c.test", "3CC");
	struct client *loc = mklocal("local");
	struct client *kept = mkremote(c, "carol", "AAAAAA", 1000, UMODE_INVISIBLE);
	struct channel *ch = channel_create("#mixed");
	struct visits v = {.n = 0};

	mkremote(a, "a1", "AAAAAA", 1000, UMODE_OPER);
	mkremote(a, "a2", "AAAAAB", 1000, UMODE_INVISIBLE);
	mkremote(b, "b1", "AAAAAA", 1000, 0);
	channel_add(ch, loc, MEMBER_OP);
	channel_add(ch, client_find_nick("a1"), 0);
	channel_add(ch, client_find_nick("b1"), 0);
	channel_add(ch, kept, 0);
	ck_assert_uint_eq(client_count_global(), 5);
	ck_assert_uint_eq(clients_opers, 1);
	ck_assert_uint_eq(clients_invisible, 2);

	server_split(a, visit_and_exit, &v);

	/* Every client behind a visited exactly once, while its server was still there. */
	ck_assert_uint_eq(v.n, 3);
	ck_assert_uint_eq(times_visited(&v, "1AAAAAAAA"), 1);
	ck_assert_uint_eq(times_visited(&v, "1AAAAAAAB"), 1);
	ck_assert_uint_eq(times_visited(&v, "2BBAAAAAA"), 1);
	for (unsigned i = 0; i < v.n; i++)
		ck_assert(v.server[i] == a || v.server[i] == b);

	/* Servers gone from the tables and the tree; c untouched. */
	ck_assert_ptr_null(server_find("a.test"));
	ck_assert_ptr_null(server_find("b.test"));
	ck_assert_ptr_null(server_find_sid("1AA"));
	ck_assert_ptr_null(server_find_sid("2BB"));
	ck_assert_ptr_eq(server_find("c.test"), c);
	ck_assert_uint_eq(server_count(), 2);
	ck_assert_ptr_eq(LIST_FIRST(&me.children), c);
	ck_assert_uint_eq(children_len(&me), 1);

	/* Clients gone from the tables, the counts and the channel; the rest untouched. */
	ck_assert_ptr_null(client_find_nick("a1"));
	ck_assert_ptr_null(client_find_nick("b1"));
	ck_assert_ptr_null(client_find_uid("1AAAAAAAB"));
	ck_assert_ptr_eq(client_find_nick("local"), loc);
	ck_assert_ptr_eq(client_find_nick("carol"), kept);
	ck_assert_uint_eq(client_count_global(), 2);
	ck_assert_uint_eq(clients_opers, 0);
	ck_assert_uint_eq(clients_invisible, 1);
	ck_assert_uint_eq(me.users, 1);
	ck_assert_uint_eq(c->users, 1);
	ck_assert_uint_eq(server_list_len(&me), 1);
	ck_assert_uint_eq(ch->nmembers, 2);
	ck_assert_ptr_nonnull(channel_member(ch, loc));
	ck_assert_ptr_nonnull(channel_member(ch, kept));
	ck_assert_ptr_eq(loc->server, &me);
}
END_TEST

START_TEST(test_split_leaf_and_quiet)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	struct server *b = mkserver(a, "b.test", "2BB");
	struct visits v = {.n = 0};

	mkremote(a, "a1", "AAAAAA", 1000, 0);
	mkremote(b, "b1", "AAAAAA", 1000, 0);
	mkremote(b, "b2", "AAAAAB", 1000, 0);

	/* A leaf: only its own clients; its uplink keeps its own. */
	server_split(b, visit_and_exit, &v);
	ck_assert_uint_eq(v.n, 2);
	ck_assert_uint_eq(times_visited(&v, "2BBAAAAAA"), 1);
	ck_assert_uint_eq(times_visited(&v, "2BBAAAAAB"), 1);
	ck_assert_ptr_null(LIST_FIRST(&a->children));
	ck_assert_uint_eq(a->users, 1);
	ck_assert_uint_eq(server_count(), 2);

	/* No visitor: the clients are freed quietly. */
	server_split(a, NULL, NULL);
	ck_assert_ptr_null(client_find_nick("a1"));
	ck_assert_uint_eq(client_count_global(), 0);
	ck_assert_uint_eq(server_count(), 1);
	ck_assert_ptr_null(LIST_FIRST(&me.children));

	/* This server never splits from itself. */
	server_split(&me, NULL, NULL);
	ck_assert_ptr_eq(server_find("irc.test"), &me);
}
END_TEST

static void
visit_only(struct client *c, void *arg)
{
	unsigned *n = arg;

	(void)c;
	(*n)++;
}

START_TEST(test_split_visitor_keeps_client)
{
	struct server *a = mkserver(&me, "a.test", "1AA");
	unsigned n = 0;

	mkremote(a, "a1", "AAAAAA", 1000, 0);
	mkremote(a, "a2", "AAAAAB", 1000, 0);
	/* A visitor that does not end its client: split frees it rather than dangle. */
	server_split(a, visit_only, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(client_find_nick("a1"));
	ck_assert_ptr_null(client_find_uid("1AAAAAAAB"));
	ck_assert_uint_eq(client_count_global(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("remote");
	SRunner *sr;
	int failed;

	/* Tests run in forked children, each starting from these tables. */
	server_init("irc.test", "0TS", "d");
	client_tables_init();
	channel_tables_init();

	tcase_add_test(tc, test_server_tree);
	tcase_add_test(tc, test_server_duplicates_refused);
	tcase_add_test(tc, test_remote_clients);
	tcase_add_test(tc, test_remote_intro_fields);
	tcase_add_test(tc, test_remote_duplicates_refused);
	tcase_add_test(tc, test_set_nick_with_ts);
	tcase_add_test(tc, test_collide_equal_ts);
	tcase_add_test(tc, test_collide_different_user);
	tcase_add_test(tc, test_collide_same_user);
	tcase_add_test(tc, test_collide_hybrid_by_ip);
	tcase_add_test(tc, test_collide_unregistered_existing);
	tcase_add_test(tc, test_split_subtree);
	tcase_add_test(tc, test_split_leaf_and_quiet);
	tcase_add_test(tc, test_split_visitor_keeps_client);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
