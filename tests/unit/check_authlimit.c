/* check_authlimit.c - password attempts per address: IPv4 alone, IPv6 per /64, refill. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/util.h"
#include "proto/authlimit.h"
#include "state/client.h"

static struct config cfg;

static struct client *
from(const char *ip)
{
	static struct client c;

	memset(&c, 0, sizeof(c));
	str_copy(c.ip, ip, sizeof(c.ip));
	return &c;
}

static void
setup(void)
{
	cfg.accounts.auth_rate = 2;
	conf = &cfg;
	now_ms = 1000000;
}

START_TEST(ipv4_addresses_apart)
{
	ck_assert(authlimit_take(from("192.0.2.1")));
	ck_assert(authlimit_take(from("192.0.2.1")));
	ck_assert(!authlimit_take(from("192.0.2.1")));
	ck_assert(authlimit_take(from("192.0.2.2")));
}
END_TEST

START_TEST(ipv6_per_64)
{
	ck_assert(authlimit_take(from("2001:db8:1:2::1")));
	ck_assert(authlimit_take(from("2001:db8:1:2:ffff::9")));
	ck_assert(!authlimit_take(from("2001:db8:1:2::abcd")));
	ck_assert(authlimit_take(from("2001:db8:1:3::1")));
}
END_TEST

START_TEST(refills_over_a_minute)
{
	ck_assert(authlimit_take(from("198.51.100.7")));
	ck_assert(authlimit_take(from("198.51.100.7")));
	ck_assert(!authlimit_take(from("198.51.100.7")));
	now_ms += 30000; /* 2 a minute: one more after 30 s */
	ck_assert(authlimit_take(from("198.51.100.7")));
	ck_assert(!authlimit_take(from("198.51.100.7")));
	now_ms += 3600000;
	authlimit_sweep(); /* full buckets are forgotten */
	ck_assert_uint_eq(authlimit_tracked(), 0);
}
END_TEST

START_TEST(zero_means_no_limit)
{
	cfg.accounts.auth_rate = 0;
	for (int i = 0; i < 1000; i++)
		ck_assert(authlimit_take(from("203.0.113.5")));
}
END_TEST

START_TEST(places_per_address)
{
	char key[AUTHLIMIT_KEY_MAX], other[AUTHLIMIT_KEY_MAX];

	authlimit_key(from("2001:db8::1"), key, sizeof(key));
	authlimit_key(from("2001:db8::2"), other, sizeof(other));
	ck_assert_str_eq(key, other);
	for (int i = 0; i < AUTHLIMIT_PLACES; i++)
		ck_assert(authlimit_place_take(key));
	ck_assert(!authlimit_place_take(key));
	authlimit_place_give(key);
	ck_assert(authlimit_place_take(key));
	authlimit_key(from("192.0.2.9"), other, sizeof(other));
	ck_assert(authlimit_place_take(other));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("authlimit");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, ipv4_addresses_apart);
	tcase_add_test(tc, ipv6_per_64);
	tcase_add_test(tc, refills_over_a_minute);
	tcase_add_test(tc, zero_means_no_limit);
	tcase_add_test(tc, places_per_address);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
