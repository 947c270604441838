/* match.c - iterative glob matching with single backtrack point. */
#include <stdio.h>
#include <string.h>

#include "base/casemap.h"
#include "base/match.h"
#include "base/util.h"

int
mask_match(const char *mask, const char *name)
{
	const char *star_m = NULL, *star_n = NULL;

	while (*name != '\0') {
		if (*mask == '*') {
			star_m = ++mask;
			star_n = name;
		} else if (*mask == '?' || irc_tolower(*mask) == irc_tolower(*name)) {
			if (*mask == '\0')
				return 0;
			mask++;
			name++;
		} else if (star_m != NULL) {
			mask = star_m;
			name = ++star_n;
		} else {
			return 0;
		}
	}
	while (*mask == '*')
		mask++;
	return *mask == '\0';
}

void
mask_normalize(const char *in, char *out, size_t size)
{
	const char *bang = strchr(in, '!');
	const char *at = strchr(in, '@');
	char nick[128], user[128], host[256];

	if (bang != NULL && at != NULL && at > bang) {
		snprintf(nick, sizeof(nick), "%.*s", (int)(bang - in), in);
		snprintf(user, sizeof(user), "%.*s", (int)(at - bang - 1), bang + 1);
		str_copy(host, at + 1, sizeof(host));
	} else if (bang != NULL) {
		snprintf(nick, sizeof(nick), "%.*s", (int)(bang - in), in);
		str_copy(user, bang + 1, sizeof(user));
		str_copy(host, "*", sizeof(host));
	} else if (at != NULL) {
		str_copy(nick, "*", sizeof(nick));
		snprintf(user, sizeof(user), "%.*s", (int)(at - in), in);
		str_copy(host, at + 1, sizeof(host));
	} else if (strchr(in, '.') != NULL || strchr(in, ':') != NULL) {
		str_copy(nick, "*", sizeof(nick));
		str_copy(user, "*", sizeof(user));
		str_copy(host, in, sizeof(host));
	} else {
		str_copy(nick, in, sizeof(nick));
		str_copy(user, "*", sizeof(user));
		str_copy(host, "*", sizeof(host));
	}
	snprintf(out, size, "%s!%s@%s", *nick ? nick : "*", *user ? user : "*",
	         *host ? host : "*");
}
