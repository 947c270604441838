/* check_proceed_channel.c - the channel proceeds (JOIN PART KICK MODE TOPIC INVITE, user
 * modes, CHGHOST) run for users behind a link and for servers, as TS6 will run
 * them: the state changes, and nothing is sent to the remote source (no NAMES, no
 * numerics), which is the local handler's business. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/stats.h"
#include "base/util.h"
#include "modules/modules.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"

static struct config test_conf;
static struct server *link_a;
static struct client *alice, *bob;
static struct channel *ch;
static struct source by_server, by_alice;
static unsigned lines_to_remote;

/* Whatever a proceed would send a remote user one by one (numerics, NAMES). */
static void
count_line(struct client *to, const char *line, size_t len)
{
	(void)to;
	(void)line;
	(void)len;
	lines_to_remote++;
}

static const struct link_ops counting = {count_line};

static struct client *
mkremote(struct server *s, const char *nick, const char *id)
{
	char uid[UIDLEN + 1];
	struct client_intro in = {.nick = nick,
	                          .nick_ts = 1000,
	                          .user = "u",
	                          .host = "h.example",
	                          .realhost = "real.example",
	                          .ip = "192.0.2.1",
	                          .uid = uid,
	                          .realname = "r"};
	struct client *c;

	snprintf(uid, sizeof(uid), "%s%s", s->sid, id);
	c = client_new_remote(s, &in);
	ck_assert_ptr_nonnull(c);
	return c;
}

static void
setup(void)
{
	test_conf.limits.kicklen = 90;
	test_conf.limits.topiclen = 120;
	conf = &test_conf;
	now = 1700000000;
	server_init("me.test", "0ME", "d");
	client_tables_init();
	channel_tables_init();
	ck_assert_int_eq(server_new_remote(&me, "a.test", "1AA", 1, "a", &link_a), SERVER_OK);
	alice = mkremote(link_a, "alice", "AAAAAA");
	bob = mkremote(link_a, "bob", "AAAAAB");
	by_server = (struct source){.origin = ORIGIN_SERVER, .server = link_a, .link = link_a};
	by_alice = (struct source){
	    .origin = ORIGIN_REMOTE, .client = alice, .server = link_a, .link = link_a};
	send_set_link_ops(&counting);
	lines_to_remote = 0;
	/* As TS6 SJOIN makes it: the peer's TS, its creator opped. */
	ch = channel_create("#net");
	ch->ts = 1500;
	join_proceed(alice, ch, MEMBER_OP);
	join_proceed(bob, ch, 0);
}

static int
change(const struct source *src, char dir, char letter, const char *arg, uint32_t limit,
       struct client *member, struct mode_line *line)
{
	struct mode_change mc = {dir, letter, arg, limit, member};

	return mode_proceed_change(src, ch, &mc, line);
}

START_TEST(test_join_remote)
{
	struct membership *ma = channel_member(ch, alice), *mb = channel_member(ch, bob);

	ck_assert_uint_eq(ch->nmembers, 2);
	ck_assert_ptr_nonnull(ma);
	ck_assert_ptr_nonnull(mb);
	ck_assert_uint_eq(ma->flags, MEMBER_OP);
	ck_assert_uint_eq(mb->flags, 0);
	ck_assert_uint_eq(alice->nchannels, 1);
	ck_assert_uint_eq(stats.joins, 2);
	ck_assert_int_eq(ch->ts, 1500);
	/* No topic, NAMES or metadata burst for a user that is not here. */
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

START_TEST(test_join_clears_invite)
{
	struct client *carol = mkremote(link_a, "carol", "AAAAAC");

	invite_proceed(alice, carol, ch);
	ck_assert_int_eq(invite_exists(ch, carol), 1);
	join_proceed(carol, ch, 0);
	ck_assert_int_eq(invite_exists(ch, carol), 0);
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

START_TEST(test_mode_from_server)
{
	struct mode_line line = {0};
	struct ban *b;

	ck_assert_int_eq(change(&by_server, '+', 'o', NULL, 0, bob, &line), 1);
	ck_assert_int_eq(change(&by_server, '+', 'b', "*!*@bad.example", 0, NULL, &line), 1);
	ck_assert_int_eq(change(&by_server, '+', 'k', "sesame", 0, NULL, &line), 1);
	ck_assert_int_eq(change(&by_server, '+', 'l', NULL, 10, NULL, &line), 1);
	ck_assert_int_eq(change(&by_server, '+', 'n', NULL, 0, NULL, &line), 1);
	ck_assert_int_eq(change(&by_server, '-', 'o', NULL, 0, alice, &line), 1);
	ck_assert_str_eq(line.letters, "+obkln-o");
	ck_assert_str_eq(line.params, " bob *!*@bad.example sesame 10 alice");

	ck_assert_uint_eq(channel_member(ch, bob)->flags, MEMBER_OP);
	ck_assert_uint_eq(channel_member(ch, alice)->flags, 0);
	ck_assert_str_eq(ch->key, "sesame");
	ck_assert_uint_eq(ch->limit, 10);
	ck_assert_uint_eq(ch->modes, CMODE_NOEXTERNAL);
	b = channel_ban_find(ch, BAN_LIST_BAN, "*!*@bad.example");
	ck_assert_ptr_nonnull(b);
	/* A server set it: the setter is the server's name. */
	ck_assert_str_eq(b->setter, "a.test");

	/* The same again changes nothing and adds nothing to the line. */
	ck_assert_int_eq(change(&by_server, '+', 'o', NULL, 0, bob, &line), 0);
	ck_assert_int_eq(change(&by_server, '+', 'b', "*!*@bad.example", 0, NULL, &line), 0);
	ck_assert_int_eq(change(&by_server, '+', 'l', NULL, 10, NULL, &line), 0);
	ck_assert_int_eq(change(&by_server, '+', 'n', NULL, 0, NULL, &line), 0);
	ck_assert_str_eq(line.letters, "+obkln-o");
	mode_proceed_channel(&by_server, ch, &line);
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

START_TEST(test_mode_from_remote_user)
{
	struct mode_line line = {0};
	struct client *carol = mkremote(link_a, "carol", "AAAAAC");

	/* A peer's key replaces ours (the local check refuses a second +k, 467). */
	ck_assert_int_eq(change(&by_alice, '+', 'k', "one", 0, NULL, &line), 1);
	ck_assert_int_eq(change(&by_alice, '+', 'k', "two", 0, NULL, &line), 1);
	ck_assert_str_eq(ch->key, "two");
	ck_assert_int_eq(change(&by_alice, '-', 'k', "two", 0, NULL, &line), 1);
	ck_assert_ptr_null(ch->key);
	ck_assert_str_eq(line.letters, "+kk-k");
	ck_assert_str_eq(line.params, " one two *");
	/* A status for a user not on the channel, an unknown letter: nothing. */
	ck_assert_int_eq(change(&by_alice, '+', 'v', NULL, 0, carol, &line), 0);
	ck_assert_int_eq(change(&by_alice, '+', 'Z', NULL, 0, NULL, &line), 0);
	ck_assert_int_eq(change(&by_alice, '+', 'e', "ex!*@*", 0, NULL, &line), 1);
	ck_assert_str_eq(channel_ban_find(ch, BAN_LIST_EXCEPT, "ex!*@*")->setter,
	                 "alice!u@h.example");
	mode_proceed_channel(&by_alice, ch, &line);
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

START_TEST(test_topic_from_server_and_user)
{
	/* TB/TBURST: the setter and topicTS as the peer gives them. */
	topic_proceed(&by_server, ch, "burst topic", "carol!c@old.example", 1234);
	ck_assert_str_eq(ch->topic, "burst topic");
	ck_assert_str_eq(ch->topic_setter, "carol!c@old.example");
	ck_assert_int_eq(ch->topic_time, 1234);
	topic_proceed(&by_alice, ch, "live", "alice!u@h.example", now);
	ck_assert_str_eq(ch->topic, "live");
	ck_assert_int_eq(ch->topic_time, now);
	topic_proceed(&by_alice, ch, "", "alice!u@h.example", now);
	ck_assert_ptr_null(ch->topic);
	ck_assert_ptr_null(ch->topic_setter);
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

START_TEST(test_kick_and_part)
{
	kick_proceed(&by_server, ch, bob, "bye");
	ck_assert_ptr_null(channel_member(ch, bob));
	ck_assert_uint_eq(bob->nchannels, 0);
	ck_assert_uint_eq(stats.parts, 1);
	/* A KICK crossing a PART: the victim is gone already. */
	kick_proceed(&by_alice, ch, bob, "again");
	part_proceed(bob, ch, NULL);
	ck_assert_uint_eq(stats.parts, 1);
	/* The last member leaves: the channel ends. */
	part_proceed(alice, ch, "done");
	ck_assert_ptr_null(channel_find("#net"));
	ck_assert_uint_eq(alice->nchannels, 0);
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

START_TEST(test_umodes_of_remote_user)
{
	struct mode_line line = {0};
	unsigned invisible = clients_invisible, opers = clients_opers;

	ck_assert_int_eq(umode_proceed(alice, '+', 'i', &line), 1);
	ck_assert_int_eq(umode_proceed(alice, '+', 'i', &line), 0);
	ck_assert_uint_eq(clients_invisible, invisible + 1);
	/* A peer's oper: +o counts it; -o drops it all. */
	ck_assert_int_eq(umode_proceed(alice, '+', 'o', &line), 1);
	ck_assert_uint_eq(clients_opers, opers + 1);
	ck_assert_int_eq(umode_proceed(alice, '-', 'o', &line), 1);
	ck_assert_uint_eq(clients_opers, opers);
	ck_assert_uint_eq(alice->umodes & UMODE_OPER, 0);
	/* No cloak key here: the flag only, the peer sends the host. */
	ck_assert_int_eq(umode_proceed(alice, '+', 'x', &line), 1);
	ck_assert_str_eq(alice->host, "h.example");
	ck_assert_int_eq(umode_proceed(alice, '+', 's', &line), 0);
	ck_assert_str_eq(line.letters, "+io-o+x");
	chghost_proceed(alice, "new.example");
	ck_assert_str_eq(alice->host, "new.example");
	ck_assert_uint_eq(lines_to_remote, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proceed");
	TCase *tc = tcase_create("remote");
	SRunner *sr;
	int failed;

	/* Each test runs in a forked child, from a fresh network. */
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_join_remote);
	tcase_add_test(tc, test_join_clears_invite);
	tcase_add_test(tc, test_mode_from_server);
	tcase_add_test(tc, test_mode_from_remote_user);
	tcase_add_test(tc, test_topic_from_server_and_user);
	tcase_add_test(tc, test_kick_and_part);
	tcase_add_test(tc, test_umodes_of_remote_user);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
