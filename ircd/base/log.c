/* log.c - log lines to stderr (the systemd way), a file, or syslog. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"

static enum log_level min_level = LOG_LEVEL_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const int syslog_priorities[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
static FILE *log_file;
static char *log_path;
static int use_syslog;

void
log_set_level(enum log_level level)
{
	min_level = level;
}

int
log_level_parse(const char *name, enum log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int
log_open(const char *path, int syslog_on)
{
	FILE *fp = NULL;

	if (path != NULL && mkdir_parents(path, 0750) != 0)
		log_warn("log file %s: cannot make its folder: %s", path, strerror(errno));
	if (path != NULL && (fp = fopen(path, "a")) == NULL) {
		log_error("log file %s: %s", path, strerror(errno));
		return -1;
	}
	if (log_file != NULL)
		fclose(log_file);
	log_file = fp;
	if (fp != NULL)
		setvbuf(fp, NULL, _IOLBF, 0);
	free(log_path);
	log_path = path ? strdup(path) : NULL;
	if (syslog_on && !use_syslog)
		openlog("evircd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!syslog_on && use_syslog)
		closelog();
	use_syslog = syslog_on;
	return 0;
}

void
log_reopen(void)
{
	if (log_path != NULL) {
		char *path = strdup(log_path);
		log_open(path, use_syslog);
		free(path);
	}
}

static void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char stamp[32], text[1024];
	time_t t = time(NULL);
	struct tm tm;

	vsnprintf(text, sizeof(text), fmt, ap);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s evircd[%s]: %s\n", stamp, level_names[level], text);
	if (log_file != NULL)
		fprintf(log_file, "%s [%s] %s\n", stamp, level_names[level], text);
	if (use_syslog)
		syslog(syslog_priorities[level], "%s", text);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
