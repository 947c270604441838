/* check_casemap.c - rfc1459 case mapping and its hash. */
#include <check.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/casemap.h"

START_TEST(test_rfc1459_pairs_are_equal)
{
	ck_assert_int_eq(irc_strcmp("Foo[]\\~", "foo{}|^"), 0);
	ck_assert_int_eq(irc_strcmp("NICK", "nick"), 0);
	ck_assert_int_ne(irc_strcmp("nick", "nick_"), 0);
	ck_assert_int_ne(irc_strcmp("a", "b"), 0);
}
END_TEST

START_TEST(test_ascii_only_mapping)
{
	/* Bytes above 0x7f and '_' are not folded. */
	ck_assert_int_ne(irc_strcmp("\xc3\x84", "\xc3\xa4"), 0);
	ck_assert_int_ne(irc_strcmp("_", "\x7f"), 0);
	ck_assert_int_eq(irc_tolower('^'), '^');
	ck_assert_int_eq(irc_tolower('~'), '^');
}
END_TEST

START_TEST(test_prefix_compare)
{
	ck_assert_int_eq(irc_strncmp("ABCdef", "abcXYZ", 3), 0);
	ck_assert_int_ne(irc_strncmp("ABCdef", "abcXYZ", 4), 0);
}
END_TEST

START_TEST(test_hash_follows_casemap)
{
	ck_assert_uint_eq(irc_strhash("#Chan[x]"), irc_strhash("#chan{X}"));
	ck_assert_uint_ne(irc_strhash("#chan1"), irc_strhash("#chan2"));
}
END_TEST

START_TEST(test_hash_is_siphash_1_3)
{
	unsigned char key[16];

	for (int i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	irc_strhash_key(key);
	/* The low half of SipHash-1-3 (key 00..0f) of the casemapped bytes, from a
	 * byte-at-a-time reference: the word-at-a-time folding must agree. */
	ck_assert_uint_eq(irc_strhash("abcdefghijk"), 0xdbd799c8u);
	ck_assert_uint_eq(irc_strhash("#Chan[X]"), 0x9af33687u);
	ck_assert_uint_eq(irc_strhash(""), 0x050fc4dcu);
	ck_assert_uint_eq(irc_strhash("12345678"), 0xcd0da9ceu);
	ck_assert_uint_eq(irc_strhash("~Nick^Name\\x"), 0xbc0cd95cu);
	ck_assert_uint_eq(irc_strhash("\xc3\xa9"
	                              "A~^\x7f\x80\xff][@`{}aZ\\"),
	                  0x31d584dau);
}
END_TEST

/* Every byte, at every place in a block: the hash of a name is the hash of
 * its casemap_lower form. */
START_TEST(test_hash_folds_every_byte)
{
	char name[20], lower[20];

	for (int b = 1; b < 256; b++) {
		for (int at = 0; at < 17; at++) {
			memset(name, 'q', sizeof(name));
			name[at] = (char)b;
			name[at + 1 + at % 3] = '\0';
			irc_strlower(lower, sizeof(lower), name);
			ck_assert_uint_eq(irc_strhash(name), irc_strhash(lower));
			ck_assert_uint_eq((unsigned char)lower[at], casemap_lower[b]);
		}
	}
}
END_TEST

START_TEST(test_hash_key_differs_per_start)
{
	uint32_t first, second;

	ck_assert_int_eq(irc_strhash_seed(), 0);
	first = irc_strhash("SomeNick");
	ck_assert_int_eq(irc_strhash_seed(), 0);
	second = irc_strhash("SomeNick");
	ck_assert_uint_ne(first, second); /* equal by chance once in 2^32 */
	ck_assert_uint_eq(irc_strhash("SomeNick"), irc_strhash("somenick"));
}
END_TEST

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= irc_tolower(*s);
		h *= 16777619u;
	}
	return h;
}

/* Names an attacker computes offline against the old unkeyed hash. */
START_TEST(test_fnv_collisions_no_longer_collide)
{
	static const char *pairs[][2] = {
	    {"novzqzk25", "ny4kku5mv"},
	    {"nktldx2mw", "nnbp7yjxy"},
	    {"nckcstadq", "ny2mcj1rp"},
	    {"npjx4ipb8", "nwwou5nu3"},
	};
	char names[64][16];
	int found = 0, distinct = 0;
	unsigned char used[1024] = {0};

	ck_assert_int_eq(irc_strhash_seed(), 0);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ck_assert_uint_eq(fnv1a(pairs[i][0]), fnv1a(pairs[i][1]));
		ck_assert_uint_ne(irc_strhash(pairs[i][0]), irc_strhash(pairs[i][1]));
	}
	/* 64 names in one FNV-1a bucket of a 1,024-slot table: spread now. */
	for (unsigned n = 0; found < 64; n++) {
		char name[16];
		snprintf(name, sizeof(name), "nick%u", n);
		if ((fnv1a(name) & 1023) == 0)
			snprintf(names[found++], sizeof(names[0]), "%s", name);
	}
	for (int i = 0; i < 64; i++) {
		unsigned slot = irc_strhash(names[i]) & 1023;
		distinct += !used[slot];
		used[slot] = 1;
	}
	ck_assert_int_ge(distinct, 48); /* about 62 expected */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("casemap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rfc1459_pairs_are_equal);
	tcase_add_test(tc, test_ascii_only_mapping);
	tcase_add_test(tc, test_prefix_compare);
	tcase_add_test(tc, test_hash_follows_casemap);
	tcase_add_test(tc, test_hash_is_siphash_1_3);
	tcase_add_test(tc, test_hash_folds_every_byte);
	tcase_add_test(tc, test_hash_key_differs_per_start);
	tcase_add_test(tc, test_fnv_collisions_no_longer_collide);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
