/* log.c - log lines to stderr (the systemd way), a file, or syslog. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

static enum log_level min_level = LOG_LEVEL_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const int syslog_priorities[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
/*
 * Worker lanes log too: the file descriptor, the path and the syslog switch
 * change (rehash, SIGUSR1) under this lock, and each line is written under
 * it, so no thread writes to a descriptor being closed (or reused).
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static char *log_path;
static int use_syslog;

void
log_set_level(enum log_level level)
{
	__atomic_store_n(&min_level, level, __ATOMIC_RELAXED);
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
	int fd = -1, old;

	if (path != NULL && mkdir_parents(path, 0750) != 0)
		log_warn("log file %s: cannot make its folder: %s", path, strerror(errno));
	/* O_CLOEXEC: a command the server runs must not inherit the log. */
	if (path != NULL &&
	    (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		log_error("log file %s: %s", path, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&log_lock);
	old = log_fd;
	log_fd = fd;
	free(log_path);
	log_path = path ? strdup(path) : NULL;
	if (syslog_on && !use_syslog)
		openlog("evircd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!syslog_on && use_syslog)
		closelog();
	use_syslog = syslog_on;
	pthread_mutex_unlock(&log_lock);
	if (old >= 0)
		close(old);
	return 0;
}

void
log_reopen(void)
{
	char *path;
	int syslog_on;

	pthread_mutex_lock(&log_lock);
	path = log_path != NULL ? strdup(log_path) : NULL;
	syslog_on = use_syslog;
	pthread_mutex_unlock(&log_lock);
	if (path != NULL)
		log_open(path, syslog_on);
	free(path);
}

/*
 * Is stderr the journal (systemd sets JOURNAL_STREAM to its device:inode)?
 * Then lines carry their priority as "<N>" and no time stamp: the journal
 * has both, and "journalctl -p warning" works.
 */
static int journal_stderr;
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;

static void
check_journal_stderr(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal_stderr = env != NULL && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	                 fstat(STDERR_FILENO, &st) == 0 &&
	                 (unsigned long long)st.st_dev == dev &&
	                 (unsigned long long)st.st_ino == ino;
}

static int
stderr_is_journal(void)
{
	pthread_once(&journal_once, check_journal_stderr);
	return journal_stderr;
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
	if (stderr_is_journal())
		fprintf(stderr, "<%d>%s\n", syslog_priorities[level], text);
	else
		fprintf(stderr, "%s evircd[%s]: %s\n", stamp, level_names[level], text);
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0) {
		char line[sizeof(stamp) + sizeof(text) + 16];
		int n = snprintf(line, sizeof(line), "%s [%s] %s\n", stamp, level_names[level],
		                 text);
		/* One write per line: O_APPEND keeps lines whole beside other writers. */
		ssize_t w = write(log_fd, line, (size_t)MIN(n, (int)sizeof(line) - 1));
		(void)w; /* a failed log write has nowhere to be reported */
	}
	if (use_syslog)
		syslog(syslog_priorities[level], "%s", text);
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level < __atomic_load_n(&min_level, __ATOMIC_RELAXED))
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
