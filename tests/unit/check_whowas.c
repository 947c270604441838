/* check_whowas.c - the WHOWAS ring: newest first, max count, overwrite of the oldest,
 * casemapped lookup. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "state/client.h"
#include "state/server.h"
#include "state/whowas.h"

static struct server srv = {.name = "irc.test", .sid = "0TS"};

struct seen {
	int n;
	char user[8][USERLEN + 1];
	char nick[8][NICKLEN_MAX + 1];
	char realname[8][64];
	char server[8][SERVLEN + 1];
	char host[8][HOSTLEN + 1];
	time_t when[8];
};

static void
collect(const struct whowas *w, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	strcpy(s->nick[s->n], w->nick);
	strcpy(s->user[s->n], w->user);
	strcpy(s->host[s->n], w->host);
	strcpy(s->server[s->n], w->server);
	strcpy(s->realname[s->n], w->realname);
	s->when[s->n] = w->when;
	s->n++;
}

/* Record a departure at time t. */
static void
depart(const char *nick, const char *user, const char *realname, time_t t)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	str_copy(c.nick, nick, sizeof(c.nick));
	str_copy(c.user, user, sizeof(c.user));
	str_copy(c.host, "host.example", sizeof(c.host));
	c.realname = realname ? xstrdup(realname) : NULL;
	c.server = &srv;
	now = t;
	whowas_add(&c);
	free(c.realname);
}

static unsigned
find(const char *nick, unsigned max, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return whowas_find(nick, max, collect, s);
}

START_TEST(test_newest_first_and_fields)
{
	struct seen s;

	whowas_init(3);
	ck_assert_uint_eq(whowas_count(), 0);
	ck_assert_uint_eq(find("alice", 0, &s), 0);
	depart("Alice", "a1", "Alice One", 100);
	depart("bob", "b1", NULL, 200);
	depart("alice", "a2", "Alice Two", 300);
	ck_assert_uint_eq(whowas_count(), 3);

	ck_assert_uint_eq(find("alice", 0, &s), 2);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.nick[0], "alice");
	ck_assert_str_eq(s.user[0], "a2");
	ck_assert_str_eq(s.realname[0], "Alice Two");
	ck_assert_int_eq(s.when[0], 300);
	ck_assert_str_eq(s.nick[1], "Alice");
	ck_assert_str_eq(s.user[1], "a1");
	ck_assert_str_eq(s.host[1], "host.example");
	ck_assert_str_eq(s.server[1], "irc.test");
	ck_assert_int_eq(s.when[1], 100);

	/* No realname is kept as "". */
	ck_assert_uint_eq(find("bob", 0, &s), 1);
	ck_assert_str_eq(s.user[0], "b1");
	ck_assert_str_eq(s.realname[0], "");
	whowas_init(0);
}
END_TEST

START_TEST(test_max_count)
{
	struct seen s;

	whowas_init(10);
	for (int i = 0; i < 5; i++) {
		char user[8];
		snprintf(user, sizeof(user), "u%d", i);
		depart("dave", user, "Dave", 10 + i);
	}
	ck_assert_uint_eq(find("dave", 1, &s), 1);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.user[0], "u4");
	ck_assert_uint_eq(find("dave", 3, &s), 3);
	ck_assert_str_eq(s.user[0], "u4");
	ck_assert_str_eq(s.user[1], "u3");
	ck_assert_str_eq(s.user[2], "u2");
	/* A max above the number held returns what there is. */
	ck_assert_uint_eq(find("dave", 9, &s), 5);
	ck_assert_uint_eq(find("dave", 0, &s), 5);
	ck_assert_str_eq(s.user[4], "u0");
	whowas_init(0);
}
END_TEST

START_TEST(test_ring_overwrites_oldest)
{
	struct seen s;

	whowas_init(3);
	depart("Alice", "a1", "A1", 1);
	depart("bob", "b1", "B1", 2);
	depart("alice", "a2", "A2", 3);
	depart("ALICE", "a3", "A3", 4);
	depart("bob", "b2", "B2", 5);
	/* Kept: a2, a3, b2. */
	ck_assert_uint_eq(whowas_count(), 3);
	ck_assert_uint_eq(find("alice", 0, &s), 2);
	ck_assert_str_eq(s.user[0], "a3");
	ck_assert_str_eq(s.nick[0], "ALICE");
	ck_assert_str_eq(s.user[1], "a2");
	ck_assert_str_eq(s.realname[1], "A2");
	ck_assert_uint_eq(find("bob", 0, &s), 1);
	ck_assert_str_eq(s.user[0], "b2");
	ck_assert_int_eq(s.when[0], 5);
	ck_assert_uint_eq(find("carol", 0, &s), 0);

	/* Keep going round: after 3 more only those remain. */
	depart("carol", "c1", "C1", 6);
	depart("carol", "c2", "C2", 7);
	depart("carol", "c3", "C3", 8);
	ck_assert_uint_eq(whowas_count(), 3);
	ck_assert_uint_eq(find("alice", 0, &s), 0);
	ck_assert_uint_eq(find("bob", 0, &s), 0);
	ck_assert_uint_eq(find("carol", 0, &s), 3);
	ck_assert_str_eq(s.user[0], "c3");
	ck_assert_str_eq(s.user[2], "c1");
	whowas_init(0);
}
END_TEST

START_TEST(test_case_insensitive)
{
	struct seen s;

	whowas_init(4);
	depart("Nick[x]", "n", "N", 1);
	depart("other", "o", "O", 2);
	ck_assert_uint_eq(find("nick{X}", 0, &s), 1);
	ck_assert_str_eq(s.nick[0], "Nick[x]");
	ck_assert_uint_eq(find("NICK[X]", 0, &s), 1);
	ck_assert_uint_eq(find("nick", 0, &s), 0);
	ck_assert_uint_eq(find("Nick[x]_", 0, &s), 0);
	whowas_init(0);
}
END_TEST

START_TEST(test_size_zero_and_reinit)
{
	struct seen s;

	whowas_init(0);
	depart("gone", "g", "G", 1);
	ck_assert_uint_eq(whowas_count(), 0);
	ck_assert_uint_eq(find("gone", 0, &s), 0);

	/* Re-init drops (and frees) what was held. */
	whowas_init(2);
	depart("gone", "g", "G", 1);
	ck_assert_uint_eq(whowas_count(), 1);
	whowas_init(5);
	ck_assert_uint_eq(whowas_count(), 0);
	ck_assert_uint_eq(find("gone", 0, &s), 0);
	whowas_init(0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("whowas");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_newest_first_and_fields);
	tcase_add_test(tc, test_max_count);
	tcase_add_test(tc, test_ring_overwrites_oldest);
	tcase_add_test(tc, test_case_insensitive);
	tcase_add_test(tc, test_size_zero_and_reinit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
