/* check_channel.c - membership both ways, swap-remove, bans with exceptions and their cache,
 * invites, name/nick rules, mode strings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"

static struct client *
mkclient(const char *nick, const char *user)
{
	struct client *c = client_new_local(NULL, "127.0.0.1");

	client_set_nick(c, nick, now);
	str_copy(c->user, user, sizeof(c->user));
	client_register(c);
	return c;
}

/* Every member is where its index says and is found through the map. */
static void
assert_consistent(const struct channel *ch)
{
	for (uint32_t i = 0; i < ch->nmembers; i++) {
		struct membership *m = ch->members[i];
		ck_assert_uint_eq(m->index, i);
		ck_assert_ptr_eq(m->channel, ch);
		ck_assert_ptr_eq(channel_member(ch, m->client), m);
	}
	ck_assert_uint_eq(ch->member_map.count, ch->nmembers);
}

static int
on_list(const struct client *c, const struct membership *want)
{
	struct membership *m;

	LIST_FOREACH (m, &c->channels, client_link)
		if (m == want)
			return 1;
	return 0;
}

static unsigned
list_len(const struct client *c)
{
	struct membership *m;
	unsigned n = 0;

	LIST_FOREACH (m, &c->channels, client_link)
		n++;
	return n;
}

START_TEST(test_membership_both_ways)
{
	struct client *a = mkclient("alice", "a"), *b = mkclient("bob", "b");
	struct channel *ch = channel_create("#Test");
	struct channel *ch2 = channel_create("#other");
	struct membership *ma, *mb, *ma2;

	ck_assert_ptr_eq(channel_find("#test"), ch);
	ck_assert_ptr_eq(channel_find("#TEST"), ch);
	ck_assert_str_eq(ch->name, "#Test");
	ck_assert_uint_eq(ch->nmembers, 0);

	ma = channel_add(ch, a, MEMBER_OP);
	mb = channel_add(ch, b, 0);
	ma2 = channel_add(ch2, a, MEMBER_VOICE);
	ck_assert_uint_eq(ch->nmembers, 2);
	ck_assert_uint_eq(ch2->nmembers, 1);
	ck_assert_ptr_eq(channel_member(ch, a), ma);
	ck_assert_ptr_eq(channel_member(ch, b), mb);
	ck_assert_ptr_eq(channel_member(ch2, a), ma2);
	ck_assert_ptr_null(channel_member(ch2, b));
	ck_assert_ptr_eq(ma->client, a);
	ck_assert_ptr_eq(ma->channel, ch);
	ck_assert_uint_eq(ma->flags, MEMBER_OP);
	ck_assert_uint_eq(ma2->flags, MEMBER_VOICE);
	ck_assert_uint_eq(ma->index, 0);
	ck_assert_uint_eq(mb->index, 1);
	assert_consistent(ch);

	/* The client side: its list of memberships and the count. */
	ck_assert_uint_eq(a->nchannels, 2);
	ck_assert_uint_eq(list_len(a), 2);
	ck_assert_uint_eq(b->nchannels, 1);
	ck_assert_ptr_eq(LIST_FIRST(&b->channels), mb);
	ck_assert_int_eq(on_list(a, ma), 1);
	ck_assert_int_eq(on_list(a, ma2), 1);
	ck_assert_int_eq(on_list(b, mb), 1);
	ck_assert_int_eq(on_list(b, ma), 0);

	channel_remove(ma2);
	ck_assert_ptr_null(channel_find("#other"));
	ck_assert_uint_eq(a->nchannels, 1);
	ck_assert_uint_eq(list_len(a), 1);
	ck_assert_ptr_eq(LIST_FIRST(&a->channels), ma);

	client_free(a);
	ck_assert_uint_eq(ch->nmembers, 1);
	ck_assert_ptr_null(channel_member(ch, a));
	ck_assert_ptr_eq(ch->members[0], mb);
	ck_assert_uint_eq(mb->index, 0);
	client_free(b);
	ck_assert_ptr_null(channel_find("#test"));
	ck_assert_uint_eq(channels.count, 0);
}
END_TEST

START_TEST(test_swap_remove)
{
	struct client *c[40];
	struct membership *m[40];
	struct channel *ch = channel_create("#swap");
	char nick[16];
	/* Middle, last, first, then the rest in a scrambled order. */
	static const int order[] = {17, 39, 0,  5,  38, 21, 1,  30, 2,  11, 29, 3,  12, 4,
	                            36, 6,  25, 7,  33, 8,  14, 9,  27, 10, 37, 13, 15, 16,
	                            18, 19, 20, 22, 23, 24, 26, 28, 31, 32, 34, 35};
	char gone[40] = {0};

	for (int i = 0; i < 40; i++) {
		snprintf(nick, sizeof(nick), "user%d", i);
		c[i] = mkclient(nick, "u");
		m[i] = channel_add(ch, c[i], 0);
	}
	ck_assert_uint_eq(ch->nmembers, 40);
	ck_assert_uint_ge(ch->members_cap, 40);
	assert_consistent(ch);

	for (size_t k = 0; k + 1 < ARRAY_LEN(order); k++) {
		int i = order[k];
		channel_remove(m[i]);
		gone[i] = 1;
		ck_assert_ptr_eq(channel_find("#swap"), ch);
		ck_assert_uint_eq(ch->nmembers, 40 - k - 1);
		ck_assert_uint_eq(c[i]->nchannels, 0);
		ck_assert_ptr_null(LIST_FIRST(&c[i]->channels));
		assert_consistent(ch);
		for (int j = 0; j < 40; j++)
			ck_assert_ptr_eq(channel_member(ch, c[j]), gone[j] ? NULL : m[j]);
	}
	/* The array shrank as it emptied. */
	ck_assert_uint_le(ch->members_cap, 16);

	/* The last member leaving destroys the channel. */
	channel_remove(m[35]);
	ck_assert_ptr_null(channel_find("#swap"));
	for (int i = 0; i < 40; i++)
		client_free(c[i]);
}
END_TEST

START_TEST(test_part_all)
{
	struct client *a = mkclient("alice", "a"), *b = mkclient("bob", "b");
	struct channel *x = channel_create("#x"), *y = channel_create("#y"),
	               *z = channel_create("#z");

	channel_add(x, a, 0);
	channel_add(y, a, MEMBER_OP);
	channel_add(z, a, 0);
	channel_add(y, b, 0);
	ck_assert_uint_eq(a->nchannels, 3);

	channel_part_all(a);
	ck_assert_uint_eq(a->nchannels, 0);
	ck_assert_ptr_null(LIST_FIRST(&a->channels));
	ck_assert_ptr_null(channel_find("#x"));
	ck_assert_ptr_null(channel_find("#z"));
	ck_assert_ptr_eq(channel_find("#y"), y);
	ck_assert_uint_eq(y->nmembers, 1);
	ck_assert_ptr_null(channel_member(y, a));
	ck_assert_ptr_nonnull(channel_member(y, b));
	assert_consistent(y);
	/* Nothing to part: a no-op. */
	channel_part_all(a);
	ck_assert_uint_eq(a->nchannels, 0);

	client_free(a);
	client_free(b);
	ck_assert_uint_eq(channels.count, 0);
}
END_TEST

START_TEST(test_ban_list)
{
	struct client *a = mkclient("alice", "a");
	struct channel *ch = channel_create("#bans");
	struct ban *b1, *b2;
	uint32_t serial;

	channel_add(ch, a, MEMBER_OP);
	ck_assert_ptr_null(channel_ban_find(ch, BAN_LIST_BAN, "*!*@*"));
	serial = ch->ban_serial;
	channel_ban_add(ch, BAN_LIST_BAN, "*!*@evil.host", "alice!a@127.0.0.1");
	ck_assert_uint_ne(ch->ban_serial, serial);
	channel_ban_add(ch, BAN_LIST_BAN, "spam*!*@*", "alice");
	channel_ban_add(ch, BAN_LIST_EXCEPT, "friend!*@*", "alice");
	ck_assert_uint_eq(ch->nbans[BAN_LIST_BAN], 2);
	ck_assert_uint_eq(ch->nbans[BAN_LIST_EXCEPT], 1);
	ck_assert_uint_eq(ch->nbans[BAN_LIST_INVEX], 0);

	/* Found by casemapped mask, in its own list only. */
	b1 = channel_ban_find(ch, BAN_LIST_BAN, "*!*@EVIL.HOST");
	ck_assert_ptr_nonnull(b1);
	ck_assert_str_eq(b1->mask, "*!*@evil.host");
	ck_assert_str_eq(b1->setter, "alice!a@127.0.0.1");
	ck_assert_ptr_null(channel_ban_find(ch, BAN_LIST_EXCEPT, "*!*@evil.host"));
	ck_assert_ptr_null(channel_ban_find(ch, BAN_LIST_BAN, "*!*@evil"));
	/* Insertion order is kept. */
	ck_assert_ptr_eq(TAILQ_FIRST(&ch->bans[BAN_LIST_BAN]), b1);

	serial = ch->ban_serial;
	channel_ban_del(ch, BAN_LIST_BAN, b1);
	ck_assert_uint_ne(ch->ban_serial, serial);
	ck_assert_uint_eq(ch->nbans[BAN_LIST_BAN], 1);
	ck_assert_ptr_null(channel_ban_find(ch, BAN_LIST_BAN, "*!*@evil.host"));
	b2 = channel_ban_find(ch, BAN_LIST_BAN, "SPAM*!*@*");
	ck_assert_ptr_nonnull(b2);
	ck_assert_ptr_eq(TAILQ_FIRST(&ch->bans[BAN_LIST_BAN]), b2);

	/* Bans still set are freed with the channel. */
	client_free(a);
	ck_assert_ptr_null(channel_find("#bans"));
}
END_TEST

START_TEST(test_is_banned_with_exception)
{
	struct client *op = mkclient("op", "op");
	struct client *bad = mkclient("bad", "evil");
	struct client *friend = mkclient("friend", "evil");
	struct channel *ch = channel_create("#e");

	channel_add(ch, op, MEMBER_OP);
	str_copy(bad->host, "evil.host", sizeof(bad->host));
	str_copy(friend->host, "evil.host", sizeof(friend->host));
	ck_assert_int_eq(channel_is_banned(ch, bad, NULL), 0);

	channel_ban_add(ch, BAN_LIST_BAN, "*!*@EVIL.HOST", "op");
	ck_assert_int_eq(channel_list_match(ch, BAN_LIST_BAN, bad), 1);
	ck_assert_int_eq(channel_is_banned(ch, bad, NULL), 1);
	ck_assert_int_eq(channel_is_banned(ch, friend, NULL), 1);
	ck_assert_int_eq(channel_is_banned(ch, op, NULL), 0);

	/* +e wins over +b. */
	channel_ban_add(ch, BAN_LIST_EXCEPT, "friend!*@*", "op");
	ck_assert_int_eq(channel_list_match(ch, BAN_LIST_EXCEPT, friend), 1);
	ck_assert_int_eq(channel_is_banned(ch, friend, NULL), 0);
	ck_assert_int_eq(channel_is_banned(ch, bad, NULL), 1);
	/* An exception alone bans nobody. */
	channel_ban_del(ch, BAN_LIST_BAN, TAILQ_FIRST(&ch->bans[BAN_LIST_BAN]));
	ck_assert_int_eq(channel_is_banned(ch, bad, NULL), 0);
	ck_assert_int_eq(channel_is_banned(ch, friend, NULL), 0);

	client_free(op);
	client_free(bad);
	client_free(friend);
}
END_TEST

START_TEST(test_ban_matches_real_host_and_ip)
{
	struct client *op = mkclient("op", "op");
	struct client *c = mkclient("hidden", "h");
	struct channel *ch = channel_create("#cloak");

	channel_add(ch, op, MEMBER_OP);
	str_copy(c->host, "net-1A2B3C4D.example", sizeof(c->host));
	str_copy(c->realhost, "dsl-7.isp.example", sizeof(c->realhost));
	str_copy(c->ip, "192.0.2.7", sizeof(c->ip));

	channel_ban_add(ch, BAN_LIST_BAN, "*!*@dsl-*.isp.example", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, NULL), 1);
	channel_ban_del(ch, BAN_LIST_BAN, TAILQ_FIRST(&ch->bans[BAN_LIST_BAN]));
	channel_ban_add(ch, BAN_LIST_BAN, "*!*@192.0.2.*", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, NULL), 1);
	channel_ban_del(ch, BAN_LIST_BAN, TAILQ_FIRST(&ch->bans[BAN_LIST_BAN]));
	channel_ban_add(ch, BAN_LIST_BAN, "*!*@net-1a2b3c4d.example", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, NULL), 1);
	channel_ban_del(ch, BAN_LIST_BAN, TAILQ_FIRST(&ch->bans[BAN_LIST_BAN]));
	channel_ban_add(ch, BAN_LIST_BAN, "*!*@other.example", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, NULL), 0);

	client_free(op);
	client_free(c);
}
END_TEST

START_TEST(test_ban_cache)
{
	struct client *c = mkclient("good", "u");
	struct channel *ch = channel_create("#cache");
	struct membership *m = channel_add(ch, c, 0);

	channel_ban_add(ch, BAN_LIST_BAN, "bad*!*@*", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, m), 0);
	ck_assert_uint_eq(m->ban_serial, ch->ban_serial);
	ck_assert_uint_eq(m->banned, 0);

	/* The cached answer stands while nothing invalidates it... */
	str_copy(c->nick, "badly", sizeof(c->nick));
	ck_assert_int_eq(channel_is_banned(ch, c, m), 0);
	ck_assert_int_eq(channel_is_banned(ch, c, NULL), 1);
	str_copy(c->nick, "good", sizeof(c->nick));

	/* ...a nick change through client_set_nick invalidates it... */
	client_set_nick(c, "badguy", now);
	ck_assert_ptr_eq(client_find_nick("BADGUY"), c);
	ck_assert_ptr_null(client_find_nick("good"));
	ck_assert_int_eq(channel_is_banned(ch, c, m), 1);
	ck_assert_uint_eq(m->banned, 1);
	client_set_nick(c, "good", now);
	ck_assert_int_eq(channel_is_banned(ch, c, m), 0);

	/* ...and so does any change to the ban or exception lists. */
	channel_ban_add(ch, BAN_LIST_BAN, "good!*@*", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, m), 1);
	channel_ban_add(ch, BAN_LIST_EXCEPT, "*!u@*", "op");
	ck_assert_int_eq(channel_is_banned(ch, c, m), 0);
	channel_ban_del(ch, BAN_LIST_EXCEPT, TAILQ_FIRST(&ch->bans[BAN_LIST_EXCEPT]));
	ck_assert_int_eq(channel_is_banned(ch, c, m), 1);
	channel_ban_del(ch, BAN_LIST_BAN, channel_ban_find(ch, BAN_LIST_BAN, "good!*@*"));
	ck_assert_int_eq(channel_is_banned(ch, c, m), 0);

	client_free(c);
}
END_TEST

START_TEST(test_invites)
{
	struct client *op = mkclient("op", "op");
	struct client *guest = mkclient("guest", "g");
	struct channel *ch = channel_create("#inv"), *ch2 = channel_create("#inv2");

	channel_add(ch, op, MEMBER_OP);
	channel_add(ch2, op, MEMBER_OP);
	ck_assert_int_eq(invite_exists(ch, guest), 0);
	invite_add(ch, guest);
	invite_add(ch, guest); /* no duplicate */
	invite_add(ch2, guest);
	ck_assert_int_eq(invite_exists(ch, guest), 1);
	ck_assert_int_eq(invite_exists(ch2, guest), 1);
	ck_assert_int_eq(invite_exists(ch, op), 0);

	invite_del(ch, guest);
	ck_assert_int_eq(invite_exists(ch, guest), 0);
	ck_assert_int_eq(invite_exists(ch2, guest), 1);
	ck_assert_ptr_null(LIST_FIRST(&ch->invites));
	invite_del(ch, guest); /* absent: no-op */

	/* Joining uses up the invite. */
	channel_add(ch2, guest, 0);
	ck_assert_int_eq(invite_exists(ch2, guest), 0);
	ck_assert_ptr_null(LIST_FIRST(&ch2->invites));
	ck_assert_ptr_null(LIST_FIRST(&guest->invites));

	/* Freeing the client clears its invites from the channels. */
	invite_add(ch, guest);
	ck_assert_ptr_nonnull(LIST_FIRST(&ch->invites));
	client_free(guest);
	ck_assert_ptr_null(LIST_FIRST(&ch->invites));
	ck_assert_uint_eq(ch2->nmembers, 1);

	client_free(op);
	ck_assert_uint_eq(channels.count, 0);
}
END_TEST

START_TEST(test_invite_cleared_with_channel)
{
	struct client *op = mkclient("op", "op");
	struct client *guest = mkclient("guest", "g");
	struct channel *ch = channel_create("#gone");
	struct membership *m = channel_add(ch, op, MEMBER_OP);

	invite_add(ch, guest);
	ck_assert_ptr_nonnull(LIST_FIRST(&guest->invites));
	channel_remove(m);
	ck_assert_ptr_null(channel_find("#gone"));
	ck_assert_ptr_null(LIST_FIRST(&guest->invites));
	client_free(op);
	client_free(guest);
}
END_TEST

START_TEST(test_channel_name_valid)
{
	char name[64];

	ck_assert_int_eq(channel_name_valid("#a", 50), 1);
	ck_assert_int_eq(channel_name_valid("#Chat-Room_1.2[x]", 50), 1);
	ck_assert_int_eq(channel_name_valid("#caf\xc3\xa9", 50), 1);
	ck_assert_int_eq(channel_name_valid("#", 50), 0);
	ck_assert_int_eq(channel_name_valid("", 50), 0);
	ck_assert_int_eq(channel_name_valid("chan", 50), 0);
	ck_assert_int_eq(channel_name_valid("&chan", 50), 0);
	ck_assert_int_eq(channel_name_valid("#a,b", 50), 0);
	ck_assert_int_eq(channel_name_valid("#a b", 50), 0);
	ck_assert_int_eq(channel_name_valid("#a\x07", 50), 0);
	ck_assert_int_eq(channel_name_valid("#a\tb", 50), 0);
	/* Exactly maxlen is fine, one more is not. */
	memset(name, 'x', sizeof(name));
	name[0] = '#';
	name[50] = '\0';
	ck_assert_int_eq(channel_name_valid(name, 50), 1);
	name[50] = 'x';
	name[51] = '\0';
	ck_assert_int_eq(channel_name_valid(name, 50), 0);
}
END_TEST

START_TEST(test_nick_valid)
{
	char nick[64];

	ck_assert_int_eq(nick_valid("alice", 30), 1);
	ck_assert_int_eq(nick_valid("Alice-2", 30), 1);
	ck_assert_int_eq(nick_valid("a1", 30), 1);
	ck_assert_int_eq(nick_valid("[away]", 30), 1);
	ck_assert_int_eq(nick_valid("`^_{|}\\", 30), 1);
	ck_assert_int_eq(nick_valid("1abc", 30), 0);
	ck_assert_int_eq(nick_valid("-abc", 30), 0);
	ck_assert_int_eq(nick_valid("", 30), 0);
	ck_assert_int_eq(nick_valid("a b", 30), 0);
	ck_assert_int_eq(nick_valid("a!b", 30), 0);
	ck_assert_int_eq(nick_valid("a@b", 30), 0);
	ck_assert_int_eq(nick_valid("a,b", 30), 0);
	ck_assert_int_eq(nick_valid("#a", 30), 0);
	ck_assert_int_eq(nick_valid(":a", 30), 0);
	ck_assert_int_eq(nick_valid("a*", 30), 0);
	ck_assert_int_eq(nick_valid("caf\xc3\xa9", 30), 0);
	memset(nick, 'n', sizeof(nick));
	nick[30] = '\0';
	ck_assert_int_eq(nick_valid(nick, 30), 1);
	nick[30] = 'n';
	nick[31] = '\0';
	ck_assert_int_eq(nick_valid(nick, 30), 0);
}
END_TEST

START_TEST(test_mode_string)
{
	struct client *c = mkclient("op", "op");
	struct channel *ch = channel_create("#modes");
	char buf[64];

	channel_add(ch, c, MEMBER_OP);
	channel_mode_string(ch, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+");

	ch->modes = CMODE_NOEXTERNAL | CMODE_TOPICLOCK;
	channel_mode_string(ch, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+nt");

	ch->key = xstrdup("sekrit");
	channel_mode_string(ch, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+ntk sekrit");
	channel_mode_string(ch, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+ntk *");

	ch->limit = 25;
	channel_mode_string(ch, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+ntkl sekrit 25");
	channel_mode_string(ch, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+ntkl * 25");

	free(ch->key);
	ch->key = NULL;
	channel_mode_string(ch, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+ntl 25");

	ch->limit = 0;
	ch->modes = CMODE_INVITE | CMODE_MODERATED | CMODE_NOEXTERNAL | CMODE_PRIVATE |
	            CMODE_SECRET | CMODE_TOPICLOCK;
	channel_mode_string(ch, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "+imnpst");
	client_free(c);
}
END_TEST

START_TEST(test_member_prefix)
{
	struct membership m = {0};

	ck_assert_str_eq(member_prefix(&m, 0), "");
	ck_assert_str_eq(member_prefix(&m, 1), "");
	m.flags = MEMBER_VOICE;
	ck_assert_str_eq(member_prefix(&m, 0), "+");
	ck_assert_str_eq(member_prefix(&m, 1), "+");
	m.flags = MEMBER_OP;
	ck_assert_str_eq(member_prefix(&m, 0), "@");
	ck_assert_str_eq(member_prefix(&m, 1), "@");
	m.flags = MEMBER_OP | MEMBER_VOICE;
	ck_assert_str_eq(member_prefix(&m, 0), "@");
	ck_assert_str_eq(member_prefix(&m, 1), "@+");
}
END_TEST

START_TEST(test_visible)
{
	struct client *in = mkclient("in", "i"), *out = mkclient("out", "o");
	struct channel *ch = channel_create("#secret");

	channel_add(ch, in, 0);
	ck_assert_int_eq(channel_visible(ch, out), 1);
	ch->modes = CMODE_SECRET;
	ck_assert_int_eq(channel_visible(ch, out), 0);
	ck_assert_int_eq(channel_visible(ch, in), 1);
	ch->modes = CMODE_PRIVATE;
	ck_assert_int_eq(channel_visible(ch, out), 0);
	client_free(in);
	client_free(out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	/* Tests run in forked children, each starting from these tables. */
	server_init("irc.test", "0TS", "d");
	client_tables_init();
	channel_tables_init();

	tcase_add_test(tc, test_membership_both_ways);
	tcase_add_test(tc, test_swap_remove);
	tcase_add_test(tc, test_part_all);
	tcase_add_test(tc, test_ban_list);
	tcase_add_test(tc, test_is_banned_with_exception);
	tcase_add_test(tc, test_ban_matches_real_host_and_ip);
	tcase_add_test(tc, test_ban_cache);
	tcase_add_test(tc, test_invites);
	tcase_add_test(tc, test_invite_cleared_with_channel);
	tcase_add_test(tc, test_channel_name_valid);
	tcase_add_test(tc, test_nick_valid);
	tcase_add_test(tc, test_mode_string);
	tcase_add_test(tc, test_member_prefix);
	tcase_add_test(tc, test_visible);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
