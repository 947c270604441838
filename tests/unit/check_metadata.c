/* check_metadata.c - metadata key/value lists and subscription sets: validation,
 * insertion order, limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/metadata.h"

START_TEST(test_key_and_value_validity)
{
	char key[METADATA_KEY_MAX + 2], value[METADATA_VALUE_MAX + 2];

	ck_assert(metadata_key_valid("display-name"));
	ck_assert(metadata_key_valid("a.b/c_d-9"));
	ck_assert(!metadata_key_valid(""));
	ck_assert(!metadata_key_valid("Upper"));
	ck_assert(!metadata_key_valid("sp ace"));
	ck_assert(!metadata_key_valid("$url$"));
	memset(key, 'k', sizeof(key));
	key[METADATA_KEY_MAX] = '\0';
	ck_assert(metadata_key_valid(key));
	key[METADATA_KEY_MAX] = 'k';
	key[METADATA_KEY_MAX + 1] = '\0';
	ck_assert(!metadata_key_valid(key));

	ck_assert(metadata_value_valid("caf\xc3\xa9"));
	ck_assert(!metadata_value_valid("caf\xe9"));
	ck_assert(!metadata_value_valid(""));
	memset(value, 'v', sizeof(value));
	value[METADATA_VALUE_MAX] = '\0';
	ck_assert(metadata_value_valid(value));
	value[METADATA_VALUE_MAX] = 'v';
	value[METADATA_VALUE_MAX + 1] = '\0';
	ck_assert(!metadata_value_valid(value));
}
END_TEST

/* The capability value advertises the limits the code enforces. */
START_TEST(test_cap_value_matches_limits)
{
	char want[128];

	snprintf(want, sizeof(want),
	         "before-connect,max-subs=%d,max-keys=%d,max-key-bytes=%d,max-value-bytes=%d",
	         METADATA_MAX_SUBS, METADATA_MAX_KEYS, METADATA_KEY_MAX, METADATA_VALUE_MAX);
	ck_assert_str_eq(METADATA_CAP_VALUE, want);
}
END_TEST

START_TEST(test_list_order_replace_delete)
{
	struct metadata_list l;
	struct metadata *md;
	const char *order[3];
	int n = 0;

	metadata_init(&l);
	ck_assert_int_eq(metadata_set(&l, "b", "1"), 0);
	ck_assert_int_eq(metadata_set(&l, "a", "2"), 0);
	ck_assert_int_eq(metadata_set(&l, "c", "3"), 0);
	/* A changed value keeps its place; a deleted key leaves the order. */
	ck_assert_int_eq(metadata_set(&l, "b", "changed"), 0);
	ck_assert_int_eq(metadata_set(&l, "a", NULL), 0);
	ck_assert_int_eq(metadata_set(&l, "missing", NULL), 0);
	ck_assert_uint_eq(l.count, 2);
	TAILQ_FOREACH (md, &l.head, link)
		order[n++] = md->key;
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(order[0], "b");
	ck_assert_str_eq(order[1], "c");
	ck_assert_str_eq(metadata_get(&l, "b"), "changed");
	ck_assert_ptr_null(metadata_get(&l, "a"));
	metadata_clear(&l);
	ck_assert_uint_eq(l.count, 0);
	ck_assert(TAILQ_EMPTY(&l.head));
}
END_TEST

START_TEST(test_list_limit)
{
	struct metadata_list l;
	char key[16];

	metadata_init(&l);
	for (int i = 0; i < METADATA_MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(metadata_set(&l, key, "v"), 0);
	}
	ck_assert_int_eq(metadata_set(&l, "one-more", "v"), -1);
	ck_assert_int_eq(metadata_set(&l, "k0", "replaced"), 0);
	ck_assert_uint_eq(l.count, METADATA_MAX_KEYS);
	metadata_clear(&l);
}
END_TEST

START_TEST(test_subscriptions)
{
	struct metadata_subs s = {NULL, 0};
	char key[16];

	ck_assert_int_eq(metadata_sub_add(&s, "avatar"), 1);
	ck_assert_int_eq(metadata_sub_add(&s, "avatar"), 0);
	ck_assert(metadata_sub_has(&s, "avatar"));
	metadata_sub_del(&s, "avatar");
	metadata_sub_del(&s, "never");
	ck_assert(!metadata_sub_has(&s, "avatar"));
	for (int i = 0; i < METADATA_MAX_SUBS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(metadata_sub_add(&s, key), 1);
	}
	ck_assert_int_eq(metadata_sub_add(&s, "full"), -1);
	ck_assert_int_eq(metadata_sub_add(&s, "k7"), 0);
	metadata_sub_clear(&s);
	ck_assert_uint_eq(s.count, 0);
	ck_assert_ptr_null(s.keys);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metadata");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_key_and_value_validity);
	tcase_add_test(tc, test_cap_value_matches_limits);
	tcase_add_test(tc, test_list_order_replace_delete);
	tcase_add_test(tc, test_list_limit);
	tcase_add_test(tc, test_subscriptions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
