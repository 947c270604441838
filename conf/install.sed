# conf/install.sed - conf/ircd.conf made into the installed example
# ($(sysconfdir)/evircd/ircd.conf): state under @statedir@ instead of the
# clone's var/, a log file for logrotate, and TLS left off until there is a
# certificate, so that "evircd -t" accepts the file as installed.
1s|^.*$|; evircd configuration, installed by "make install": works as is (plaintext\
; on loopback, port 6667). Read ircd.conf(5) or doc/configuration.md.\
; Relative paths resolve against this file's folder.|
2d
s|\.\./var/tls/|@statedir@/tls/|
s|\.\./var/|@statedir@/|
s|^; TLS: tools/run makes a self-signed certificate here on first run\.|; TLS: make a certificate as the server's user, e.g.\
;   sudo -u evircd evircd-mkcert @statedir@/tls\
; (or point certificate and key at a CA-issued pair), then uncomment [tls].|
/^\[listen tls4\]/i\
; TLS listeners: uncomment once [tls] below has a certificate.
/^\[listen tls4\]/,/^min_version/s|^\([^;]\)|;\1|
/^; Local settings (operators/i\
; The log file, reopened on SIGUSR1 (the logrotate snippet sends it).\
[log]\
file = @logdir@/evircd.log\

