/* main.c - owns start-up (flags, config, keys of the process), signals and the order of
 * shutdown: SIGTERM or SIGINT stops accepting, in-flight requests finish, exit 0. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>
#include <pthread.h>
#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "crypto/keys.h"
#include "http/http.h"
#include "routes.h"
#include "server.h"
#include "service.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pakn-server [--config FILE]\n"
		"Serves the PAKN-57 feedback API. Settings come from FILE (or $PAKN_CONFIG),\n"
		"then from environment variables, which win:\n\n");
	config_print_help(out);
}

/* libevent's warnings (a failed accept, a broken socket) come from any worker thread and can
 * repeat as fast as the loop turns: they become JSON lines, rate-limited. */
static struct log_source libevent_log = LOG_SOURCE_INIT("libevent");

static void libevent_log_cb(int severity, const char *msg)
{
	enum log_level level = severity == EVENT_LOG_DEBUG ? LOG_DEBUG
			       : severity == EVENT_LOG_MSG ? LOG_INFO
			       : severity == EVENT_LOG_WARN ? LOG_WARN
							    : LOG_ERROR;
	log_limited(&libevent_log, level, NULL, "%s", msg);
}

/* Every connection holds a descriptor, and the soft limit (1024 by default) is far below
 * the hard one: raise it, so the connection caps and not the kernel decide who waits. */
static void raise_open_files_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t was = rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn(NULL, "cannot raise the open-files limit from %llu to %llu: %s",
				 (unsigned long long)was, (unsigned long long)rl.rlim_max,
				 strerror(errno));
			return;
		}
	}
	json_object *f = json_object_new_object();
	json_object_object_add(f, "open_files", json_object_new_int64((int64_t)rl.rlim_cur));
	json_object_object_add(f, "was", json_object_new_int64((int64_t)was));
	log_write(LOG_INFO, NULL, f, "open-files limit");
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config_path = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	/* Replies and request bodies of a few kilobytes come and go on every thread: without
	 * this, glibc gives the top of a thread's heap back to the kernel and asks for it again
	 * many times a second (madvise and sysmalloc in the profile of catalog reads). */
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
	static struct config cfg;
	char err[512];
	if (config_load(&cfg, config_path, err, sizeof(err)) < 0) {
		log_error(NULL, "configuration: %s", err);
		return 2;
	}
	log_set_level(cfg.log_level);
	event_set_log_callback(libevent_log_cb);
	raise_open_files_limit();
	if (sodium_init() < 0) {
		log_error(NULL, "libsodium failed to initialise");
		return 1;
	}

	/* Signals are taken by sigwait below, never by a worker thread. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct keyring *keys = keys_load(cfg.key_dir, true, err, sizeof(err));
	if (!keys) {
		log_error(NULL, "keys: %s", err);
		return 1;
	}
	log_info(NULL, "signing with key %s", keys_current(keys)->id);
	const struct server_routes answers = {routes, nroutes, service_webfiles};
	struct server *srv = server_new(&cfg, keys, &answers, err, sizeof(err));
	if (!srv) {
		log_error(NULL, "%s", err);
		keys_free(keys);
		return 1;
	}
	int rc = 0;
	if (server_start(srv) == 0) {
		json_object *f = json_object_new_object();
		json_object_object_add(f, "url", json_object_new_string(server_url(srv)));
		log_write(LOG_INFO, NULL, f, "listening");
		printf("PAKN-57 đang phục vụ tại / serving on %s\n", server_url(srv));
		fflush(stdout);
		int sig;
		sigwait(&stop_signals, &sig);
		log_info(NULL, "%s received: finishing requests in flight",
			 sig == SIGINT ? "SIGINT" : "SIGTERM");
	} else {
		rc = 1;
	}
	server_stop(srv);
	/* Workers give up on stragglers after shutdown_grace; a worker that has not returned
	 * some seconds later is stuck, and the process must still end. */
	if (server_wait(srv, (int)cfg.shutdown_grace + 5) < 0)
		_exit(1);
	server_free(srv);
	keys_free(keys);
	log_info(NULL, "stopped");
	return rc;
}
