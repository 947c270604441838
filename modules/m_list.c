/* m_list.c - LIST with ELIST filters C M N T U. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/match.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"

struct list_filter {
	long min_users, max_users;     /* U: >n <n */
	long min_created, max_created; /* C: C>n C<n, minutes ago */
	long min_topic, max_topic;     /* T: T>n T<n, minutes ago */
	char *masks[8];                /* M (or N when '!') */
	int nmasks;
};

static int
parse_number(const char *s, long *out)
{
	return str_to_long(s, 0, 1L << 30, out);
}

/* One comma-separated filter item; 0 when it is not understood. */
static int
filter_add(struct list_filter *f, char *item)
{
	long v;

	if ((item[0] == '>' || item[0] == '<') && parse_number(item + 1, &v) == 0) {
		if (item[0] == '>')
			f->min_users = v + 1;
		else
			f->max_users = v - 1;
		return 1;
	}
	if ((item[0] == 'C' || item[0] == 'T') && (item[1] == '>' || item[1] == '<') &&
	    parse_number(item + 2, &v) == 0) {
		long *lo = item[0] == 'C' ? &f->min_created : &f->min_topic;
		long *hi = item[0] == 'C' ? &f->max_created : &f->max_topic;
		/* "C>n": created more than n minutes ago. */
		if (item[1] == '>')
			*lo = v;
		else
			*hi = v;
		return 1;
	}
	if (f->nmasks < (int)ARRAY_LEN(f->masks)) {
		f->masks[f->nmasks++] = item;
		return 1;
	}
	return 0;
}

static int
age_ok(time_t when, long older_than, long newer_than)
{
	long age = (long)(now - when) / 60;
	if (older_than >= 0 && age <= older_than)
		return 0;
	if (newer_than >= 0 && age >= newer_than)
		return 0;
	return 1;
}

static int
filter_match(const struct list_filter *f, const struct channel *ch)
{
	if ((long)ch->nmembers < f->min_users)
		return 0;
	if (f->max_users >= 0 && (long)ch->nmembers > f->max_users)
		return 0;
	if (!age_ok(ch->ts, f->min_created, f->max_created))
		return 0;
	if ((f->min_topic >= 0 || f->max_topic >= 0) &&
	    (ch->topic == NULL || !age_ok(ch->topic_time, f->min_topic, f->max_topic)))
		return 0;
	for (int i = 0; i < f->nmasks; i++) {
		const char *mask = f->masks[i];
		int negate = mask[0] == '!';
		if (mask_match(mask + negate, ch->name) == negate)
			return 0;
	}
	return 1;
}

static void
list_one(struct client *c, const struct channel *ch)
{
	reply(c, RPL_LIST, "%s %u :%s", ch->name, ch->nmembers, ch->topic ? ch->topic : "");
}

HANDLER(m_list)
{
	struct list_filter f = {0, -1, -1, -1, -1, -1, {0}, 0};
	char *items = m->argc > 0 ? m->argv[0] : NULL, *item;
	unsigned left = (c->umodes & UMODE_OPER) ? UINT_MAX : conf->limits.list_max;

	while ((item = list_next(&items)) != NULL)
		if (*item != '\0')
			filter_add(&f, item);
	reply(c, RPL_LISTSTART, "Channel :Users  Name");
	/* An exact channel name is a lookup, not a scan. */
	if (f.nmasks == 1 && strpbrk(f.masks[0], "*?!") == NULL) {
		struct channel *ch = channel_find(f.masks[0]);
		if (ch != NULL && channel_visible(ch, c) && filter_match(&f, ch))
			list_one(c, ch);
	} else {
		strmap_foreach (&channels, slot) {
			struct channel *ch = slot->value;
			if (!channel_visible(ch, c) || !filter_match(&f, ch))
				continue;
			/* One LIST may not fill the sendq: past list_max, say so and stop. */
			if (left-- == 0) {
				reply(c, ERR_TOOMANYMATCHES,
				      "LIST :Output too large, truncated");
				break;
			}
			list_one(c, ch);
		}
	}
	reply(c, RPL_LISTEND, ":End of /LIST");
	return IRC_OK;
}
