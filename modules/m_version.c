/* m_version.c - VERSION: the software and its ISUPPORT tokens. */
#include "client.h"
#include "modules.h"
#include "numeric.h"
#include "send.h"
#include "server.h"

HANDLER(m_version)
{
	reply(c, RPL_VERSION, "evircd-%s. %s :libev, OpenSSL, c-ares, sqlite3, inih",
	      PACKAGE_VERSION, me.name);
	isupport_send(c);
	return IRC_OK;
}
