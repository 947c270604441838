/* privdrop.c - give up root once the listeners are bound. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "ops/privdrop.h"

/* Started as someone else: nothing to drop; say so if a user was asked for. */
static int
not_root(const struct config *c)
{
	const struct passwd *pw = c->run_user ? getpwnam(c->run_user) : NULL;

	if (pw != NULL && pw->pw_uid != getuid())
		log_warn("[server] user %s: not started as root, so running as uid %u",
		         c->run_user, (unsigned)getuid());
	return 0;
}

int
privileges_drop(const struct config *c)
{
	const struct passwd *pw;
	const struct group *gr;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return not_root(c);
	if (c->run_user == NULL) {
		log_warn("running as root: set [server] user (and group) to drop root after "
		         "binding");
		return 0;
	}
	if ((pw = getpwnam(c->run_user)) == NULL) {
		log_error("[server] user %s: no such user", c->run_user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (c->run_group != NULL) {
		if ((gr = getgrnam(c->run_group)) == NULL) {
			log_error("[server] group %s: no such group", c->run_group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	/* Groups first: once the uid is gone, they can no longer be changed. */
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		log_error("dropping root for user %s: %s", c->run_user, strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_error("dropping root for user %s: root could be regained", c->run_user);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", c->run_user, (unsigned)uid,
	         (unsigned)gid);
	return 0;
}
