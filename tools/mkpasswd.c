/*
 * evircd-mkpasswd - print an scrypt hash for an [oper] block's password or
 * a [link] accept_password.  Built as evircd-mkpasswd; tools/mkpasswd.c is
 * its source.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/passwd.h"

static int
read_password(char *buf, size_t size)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);

	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (fgets(buf, (int)size, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] != '\0' ? 0 : -1;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: evircd-mkpasswd [--] [PASSWORD]\n"
	            "Print an scrypt hash of PASSWORD for ircd.conf ([oper] password,\n"
	            "[link] accept_password). Without PASSWORD it is read from the\n"
	            "terminal, not echoed, or from one line of standard input.\n"
	            "  -h, --help     this help\n"
	            "  -V, --version  print the version\n");
}

int
main(int argc, char **argv)
{
	char password[256], hash[PASSWD_HASH_MAX];
	int arg = 1;

	if (arg < argc && (strcmp(argv[arg], "-h") == 0 || strcmp(argv[arg], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (arg < argc &&
	    (strcmp(argv[arg], "-V") == 0 || strcmp(argv[arg], "--version") == 0)) {
		printf("evircd-mkpasswd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (arg < argc && strcmp(argv[arg], "--") == 0)
		arg++;
	else if (arg < argc && argv[arg][0] == '-' && argv[arg][1] != '\0') {
		fprintf(stderr,
		        "evircd-mkpasswd: unknown option %s (a password starting "
		        "with '-' goes after --)\n",
		        argv[arg]);
		usage(stderr);
		return 2;
	}
	if (argc - arg > 1) {
		usage(stderr);
		return 2;
	}
	if (arg < argc)
		snprintf(password, sizeof(password), "%s", argv[arg]);
	else if (read_password(password, sizeof(password)) != 0) {
		fprintf(stderr, "evircd-mkpasswd: no password given\n");
		return 1;
	}
	if (passwd_hash(password, hash, sizeof(hash)) != 0) {
		fprintf(stderr, "evircd-mkpasswd: hashing failed\n");
		return 1;
	}
	printf("%s\n", hash);
	return 0;
}
