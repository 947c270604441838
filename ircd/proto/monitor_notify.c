/* monitor_notify.c - 730/731 and extended-monitor notices to watchers. */
#include "base/casemap.h"
#include "proto/cap.h"
#include "proto/metasync.h"
#include "proto/monitor_notify.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/client.h"
#include "state/local.h"
#include "state/monitor.h"

static void
tell_online(struct client *watcher, void *arg)
{
	struct client *c = arg;

	reply(watcher, RPL_MONONLINE, ":%s!%s@%s", c->nick, c->user, c->host);
	/* draft/metadata-3: a 730 brings the user's metadata along. */
	if (metadata_aware(watcher))
		metasync_user(watcher, c, METASYNC_AUTO);
}

void
monitor_signon(struct client *c)
{
	monitor_each_watcher(c, tell_online, c);
}

static void
tell_offline(struct client *watcher, void *arg)
{
	reply(watcher, RPL_MONOFFLINE, ":%s", (const char *)arg);
}

void
monitor_signoff(struct client *c, const char *old_nick)
{
	(void)c;
	monitor_each_watcher_of(old_nick, tell_offline, (void *)old_nick);
}

void
monitor_nick_changed(struct client *c, const char *old)
{
	if (irc_strcmp(old, c->nick) == 0)
		return;
	monitor_signoff(c, old);
	monitor_signon(c);
}

struct notify {
	struct outmsg *om;
	uint32_t caps;
	uint32_t serial;
};

static void
tell_change(struct client *to, void *arg)
{
	struct notify *n = arg;

	if (to->mark == n->serial || to->local == NULL ||
	    (to->local->caps & n->caps) != n->caps)
		return;
	to->mark = n->serial;
	send_msg(to, n->om);
}

void
monitor_notify(struct client *c, struct outmsg *om, uint32_t caps, uint32_t serial)
{
	struct notify n = {om, caps | CAP_EXTENDED_MONITOR, serial};

	monitor_each_watcher(c, tell_change, &n);
}
