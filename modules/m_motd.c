/* m_motd.c - MOTD: the message of the day, held in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "modules/modules.h"
#include "proto/numeric.h"
#include "proto/send.h"
#include "state/server.h"

#define MOTD_MAX_LINES 200

static char *motd_lines[MOTD_MAX_LINES];
static int motd_count = -1; /* -1: no MOTD file */

void
motd_load(void)
{
	char line[OUT_LINE_MAX];
	FILE *fp;

	for (int i = 0; i < motd_count; i++)
		free(motd_lines[i]);
	motd_count = -1;
	if (conf->motd_path == NULL)
		return;
	fp = fopen(conf->motd_path, "re");
	if (fp == NULL) {
		log_warn("MOTD %s: cannot open; clients get 422", conf->motd_path);
		return;
	}
	motd_count = 0;
	while (motd_count < MOTD_MAX_LINES && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		motd_lines[motd_count++] = xstrdup(line);
	}
	fclose(fp);
}

void
motd_send(struct client *c)
{
	if (motd_count < 0) {
		reply(c, ERR_NOMOTD, ":MOTD File is missing");
		return;
	}
	reply(c, RPL_MOTDSTART, ":- %s Message of the day - ", me.name);
	for (int i = 0; i < motd_count; i++)
		reply(c, RPL_MOTD, ":- %.400s", motd_lines[i]);
	reply(c, RPL_ENDOFMOTD, ":End of /MOTD command.");
}

HANDLER(m_motd)
{
	if (m->argc > 0 && route_query(c, "MOTD", m->argv[0], NULL))
		return IRC_OK;
	motd_send(c);
	return IRC_OK;
}
