/* check_proceed_user.c - the user proceeds (NICK, QUIT, KILL, AWAY, SETNAME, account)
 * run for users behind a link, as a TS6 module will run them: the record, the nick and
 * UID tables, channels, counts and whowas right afterwards. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/util.h"
#include "modules/modules.h"
#include "proto/login.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"
#include "state/whowas.h"

static struct config test_conf;

static struct server *
mkserver(const char *name, const char *sid)
{
	struct server *s = NULL;

	ck_assert_int_eq(server_new_remote(&me, name, sid, 1, "test", &s), SERVER_OK);
	return s;
}

/* A remote user: UID is the server's SID plus id. */
static struct client *
mkremote(struct server *s, const char *nick, const char *id, uint32_t umodes)
{
	char uid[UIDLEN + 1];
	struct client_intro in = {
	    .nick = nick,
	    .nick_ts = 1000,
	    .user = "u",
	    .host = "host.example",
	    .ip = "192.0.2.1",
	    .uid = uid,
	    .realname = "Remote User",
	    .umodes = umodes,
	};
	struct client *c;

	snprintf(uid, sizeof(uid), "%s%s", s->sid, id);
	c = client_new_remote(s, &in);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* A local user in no channel: nothing is ever queued to its (absent) connection. */
static struct client *
mklocal(const char *nick)
{
	struct client *c = client_new_local(NULL, "127.0.0.1");

	client_set_nick(c, nick, now);
	str_copy(c->user, "local", sizeof(c->user));
	client_register(c);
	return c;
}

static void
count_visit(const struct whowas *w, void *arg)
{
	(void)w;
	(*(unsigned *)arg)++;
}

static unsigned
whowas_entries(const char *nick)
{
	unsigned n = 0;

	whowas_find(nick, 0, count_visit, &n);
	return n;
}

START_TEST(test_nick_proceed_remote)
{
	struct server *a = mkserver("a.test", "1AA");
	struct client *r = mkremote(a, "alice", "AAAAAA", 0);
	struct client *other = mkremote(a, "bob", "AAAAAB", 0);
	struct channel *ch = channel_create("#room");

	channel_add(ch, r, MEMBER_OP);
	channel_add(ch, other, 0);
	nick_proceed(r, "Alicia", 2000);

	/* The new nick and the link's TS; the old nick free; the UID unchanged. */
	ck_assert_str_eq(r->nick, "Alicia");
	ck_assert_int_eq(r->nick_ts, 2000);
	ck_assert_ptr_null(client_find_nick("alice"));
	ck_assert_ptr_eq(client_find_nick("ALICIA"), r);
	ck_assert_ptr_eq(client_find_uid("1AAAAAAAA"), r);
	/* Still in the channel with its status; counts unchanged; the old nick in whowas. */
	ck_assert_ptr_nonnull(channel_member(ch, r));
	ck_assert_uint_eq(channel_member(ch, r)->flags, MEMBER_OP);
	ck_assert_uint_eq(ch->nmembers, 2);
	ck_assert_uint_eq(a->users, 2);
	ck_assert_uint_eq(client_count_global(), 2);
	ck_assert_uint_eq(whowas_entries("alice"), 1);

	/* A change of case only: the same record under the new spelling. */
	nick_proceed(r, "ALICIA", 2001);
	ck_assert_str_eq(r->nick, "ALICIA");
	ck_assert_int_eq(r->nick_ts, 2001);
	ck_assert_ptr_eq(client_find_nick("alicia"), r);
	ck_assert_uint_eq(client_count_global(), 2);
}
END_TEST

START_TEST(test_quit_proceed_remote)
{
	struct server *a = mkserver("a.test", "1AA");
	struct client *loc = mklocal("local");
	struct client *r = mkremote(a, "alice", "AAAAAA", UMODE_INVISIBLE | UMODE_OPER);
	struct client *other = mkremote(a, "bob", "AAAAAB", 0);
	struct channel *ch = channel_create("#room");

	channel_add(ch, r, 0);
	channel_add(ch, other, 0);
	ck_assert_uint_eq(clients_invisible, 1);
	ck_assert_uint_eq(clients_opers, 1);

	/* Behind a link there is no connection to close: the record ends now. */
	quit_proceed(r, "Quit: bye");
	ck_assert_ptr_null(client_find_nick("alice"));
	ck_assert_ptr_null(client_find_uid("1AAAAAAAA"));
	ck_assert_uint_eq(a->users, 1);
	ck_assert_uint_eq(client_count_global(), 2);
	ck_assert_uint_eq(clients_invisible, 0);
	ck_assert_uint_eq(clients_opers, 0);
	ck_assert_uint_eq(ch->nmembers, 1);
	ck_assert_ptr_nonnull(channel_member(ch, other));
	ck_assert_uint_eq(whowas_entries("alice"), 1);
	ck_assert_ptr_eq(client_find_nick("local"), loc);

	/* The last member gone, the channel goes too. */
	quit_proceed(other, "Ping timeout");
	ck_assert_ptr_null(channel_find("#room"));
	ck_assert_uint_eq(a->users, 0);
	ck_assert_uint_eq(client_count_global(), 1);
}
END_TEST

START_TEST(test_kill_proceed_remote_victim)
{
	struct server *a = mkserver("a.test", "1AA");
	struct server *b = mkserver("b.test", "2BB");
	struct client *oper = mklocal("oper");
	struct client *remote_oper = mkremote(b, "ro", "AAAAAA", UMODE_OPER);
	struct client *v1 = mkremote(a, "victim", "AAAAAA", 0);
	struct client *v2 = mkremote(a, "victim2", "AAAAAB", 0);
	struct channel *ch = channel_create("#room");

	channel_add(ch, v1, 0);
	channel_add(ch, remote_oper, 0);

	/* A local operator kills a user behind a link: gone from every table at once. */
	kill_proceed(oper, v1, "spam");
	ck_assert_ptr_null(client_find_nick("victim"));
	ck_assert_ptr_null(client_find_uid("1AAAAAAAA"));
	ck_assert_uint_eq(ch->nmembers, 1);
	ck_assert_uint_eq(whowas_entries("victim"), 1);

	/* A remote operator's KILL (from a link) ends a remote user the same way. */
	kill_proceed(remote_oper, v2, "spam");
	ck_assert_ptr_null(client_find_nick("victim2"));
	ck_assert_uint_eq(a->users, 0);
	ck_assert_uint_eq(b->users, 1);
	ck_assert_uint_eq(client_count_global(), 2);
	ck_assert_ptr_eq(client_find_nick("oper"), oper);
	ck_assert_ptr_eq(client_find_nick("ro"), remote_oper);
}
END_TEST

START_TEST(test_away_setname_account_remote)
{
	struct server *a = mkserver("a.test", "1AA");
	struct client *r = mkremote(a, "alice", "AAAAAA", 0);
	struct client *other = mkremote(a, "bob", "AAAAAB", 0);
	struct channel *ch = channel_create("#room");

	channel_add(ch, r, 0);
	channel_add(ch, other, 0);

	/* AWAY: kept as the link gave it, whatever this server's awaylen. */
	away_proceed(r, "gone fishing");
	ck_assert_str_eq(r->away, "gone fishing");
	away_proceed(r, "still gone");
	ck_assert_str_eq(r->away, "still gone");
	away_proceed(r, NULL);
	ck_assert_ptr_null(r->away);
	away_proceed(r, NULL); /* back twice: nothing to clear */
	ck_assert_ptr_null(r->away);

	setname_proceed(r, "Alice Liddell");
	ck_assert_str_eq(r->realname, "Alice Liddell");

	/* A link's login and logout: the record's account, no local user touched. */
	account_proceed(r, "alice_acct");
	ck_assert_str_eq(r->account, "alice_acct");
	account_proceed(r, "other_acct");
	ck_assert_str_eq(r->account, "other_acct");
	account_proceed(r, NULL);
	ck_assert_ptr_null(r->account);
	ck_assert_ptr_null(other->account);
	ck_assert_uint_eq(client_count_global(), 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proceed_user");
	TCase *tc = tcase_create("remote");
	SRunner *sr;
	int failed;

	/* Tests run in forked children, each starting from these tables. */
	test_conf.limits.kicklen = 180;
	test_conf.limits.awaylen = 200;
	conf = &test_conf;
	now = 5000;
	server_init("irc.test", "0TS", "d");
	client_tables_init();
	channel_tables_init();
	whowas_init(16);

	tcase_add_test(tc, test_nick_proceed_remote);
	tcase_add_test(tc, test_quit_proceed_remote);
	tcase_add_test(tc, test_kill_proceed_remote_victim);
	tcase_add_test(tc, test_away_setname_account_remote);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
