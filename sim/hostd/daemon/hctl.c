/* hctl.c -- hvsim-hostd's control socket: JSON lines from an operator (or
 * `hvsim ctl`, or a split-mode runner doing a scenario's host steps).  One
 * request object per line, one reply object per line.  Daemon commands:
 * help, guests, daemon, stop; everything else goes to one guest's host
 * (hostcmd.h), chosen by "guest" (the id `guests` shows) or "pid".  A bad
 * line gets an error reply; only a line over the cap or a client that
 * stops reading is disconnected, and it is told why first. */
#include "sim/hostd/daemon/hostd_var.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "sim/devices/devspec.h"
#include "sim/devices/hostcmd.h"
#include "sim/hostd/daemon/hsess.h"

#define HCTL_LINE_MAX    65536u       /* one request */
#define HCTL_OUT_MAX     (1u << 20)   /* replies a client has not read */
#define HCTL_MAX_CLIENTS 16u

struct hctl_client {
	struct hostd *cl_d;
	struct hctl_client *cl_prev, *cl_next;
	struct bufferevent *cl_bev;
	bool cl_closing;                  /* close once the output drained */
};

static void hctl_client_free(struct hctl_client *cl)
{
	struct hostd *d = cl->cl_d;
	if (cl->cl_prev)
		cl->cl_prev->cl_next = cl->cl_next;
	else
		d->d_ctl_clients = cl->cl_next;
	if (cl->cl_next)
		cl->cl_next->cl_prev = cl->cl_prev;
	d->d_nctl--;
	bufferevent_free(cl->cl_bev);
	free(cl);
}

static void hctl_send(struct hctl_client *cl, json_t *reply)
{
	if (!reply) {
		static const char oom[] = "{\"ok\": false, \"error\": \"out of memory\"}\n";
		bufferevent_write(cl->cl_bev, oom, sizeof oom - 1);
		return;
	}
	char *text = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (text) {
		bufferevent_write(cl->cl_bev, text, strlen(text));
		bufferevent_write(cl->cl_bev, "\n", 1);
		free(text);
	}
}

static struct hconn *hctl_find_guest(struct hostd *d, json_t *req, char *err, size_t errlen)
{
	json_t *g = json_object_get(req, "guest"), *p = json_object_get(req, "pid");
	if (!g && !p) {
		snprintf(err, errlen, "name the guest: \"guest\": ID (see \"guests\") or \"pid\": PID");
		return NULL;
	}
	if ((g && !json_is_integer(g)) || (p && !json_is_integer(p))) {
		snprintf(err, errlen, "\"guest\" and \"pid\" are integers");
		return NULL;
	}
	for (struct hconn *c = d->d_conns; c; c = c->c_next) {
		if (g && (json_int_t)c->c_id != json_integer_value(g))
			continue;
		if (p && (json_int_t)c->c_pid != json_integer_value(p))
			continue;
		if (hsess_state(c->c_sess) == HSESS_READY)
			return c;
	}
	snprintf(err, errlen, "no such guest (see \"guests\")");
	return NULL;
}

static json_t *hctl_guests(struct hostd *d)
{
	json_t *list = json_array();
	for (struct hconn *c = d->d_conns; c; c = c->c_next) {
		const char *profile;
		uint32_t ncpus;
		uint64_t mem;
		if (!hsess_hello_info(c->c_sess, &profile, &ncpus, &mem))
			continue;
		json_array_append_new(list, json_pack("{s:i, s:i, s:s, s:i, s:I}", "guest",
			(int)c->c_id, "pid", c->c_pid, "profile", profile, "vcpus", (int)ncpus,
			"memory_mb", (json_int_t)(mem >> 20)));
	}
	json_t *r = json_object();
	json_object_set_new(r, "guests", list);
	return r;
}

static json_t *hctl_daemon_help(void)
{
	json_t *r = json_object();
	json_t *list = json_array();
	static const char *const own[][2] = {
		{ "guests", "the guests this daemon serves: id, pid, profile, vCPUs, memory" },
		{ "daemon", "daemon counters: sessions, connections, drops" },
		{ "guest.devices", "{pid, devices}: the devices (NICs, SCSI LUNs, ATA disk; see "
				   "docs/scenarios.md) the guest process pid gets at its HELLO" },
		{ "stop", "stop the daemon (every guest is told the host went away)" },
	};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "cmd", own[i][0],
						      "args", "", "help", own[i][1]));
	for (const struct hostcmd_def *const *c = hostcmd_defs; *c; c++)
		if (strcmp((*c)->name, "help") != 0)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "cmd", (*c)->name,
				"args", (*c)->args, "help", (*c)->help));
	json_object_set_new(r, "commands", list);
	json_object_set_new(r, "note", json_string(
		"guest commands need \"guest\": ID or \"pid\": PID"));
	return r;
}

static json_t *hctl_ok(json_t *r, json_t *id)
{
	json_object_set_new(r, "ok", json_true());
	if (id)
		json_object_set(r, "id", id);
	return r;
}

/* {"cmd": "guest.devices", "pid": PID, "devices": {...}}: the devices the
 * guest process PID gets at its HELLO (devspec.h). */
static json_t *hctl_guest_devices(struct hostd *d, json_t *req, json_t *id)
{
	json_t *pid = json_object_get(req, "pid");
	json_t *dev = json_object_get(req, "devices");
	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > INT32_MAX)
		return hostcmd_reply_error(id, "guest.devices: \"pid\" must be a process id");
	if (!dev)
		return hostcmd_reply_error(id, "guest.devices: \"devices\" is missing");
	const char *key;
	json_t *val;
	json_object_foreach(req, key, val)
		if (strcmp(key, "cmd") && strcmp(key, "pid") && strcmp(key, "devices") &&
		    strcmp(key, "id"))
			return hostcmd_reply_error(id, "guest.devices: unknown key \"%s\"", key);
	struct devspec *spec = malloc(sizeof *spec);
	if (!spec)
		return hostcmd_reply_error(id, "guest.devices: out of memory");
	struct devspec_err e;
	char why[384];
	if (devspec_parse(dev, spec, &e) != 0) {
		free(spec);
		devspec_err_format(&e, why, sizeof why);
		return hostcmd_reply_error(id, "guest.devices: devices%s", why + 1);
	}
	/* The daemon opens these files as itself: the control socket is the
	 * operator's (mode 0600), and the paths must not depend on our cwd. */
	for (unsigned i = 0; i < spec->nluns; i++)
		if (spec->luns[i].disk.image[0] && spec->luns[i].disk.image[0] != '/')
			goto relative;
	for (unsigned i = 0; i < spec->nnics; i++)
		if (spec->nics[i].pcap[0] && spec->nics[i].pcap[0] != '/')
			goto relative;
	if (spec->ata && spec->ata_disk.image[0] && spec->ata_disk.image[0] != '/')
		goto relative;
	unsigned nnics = spec->nnics, nluns = spec->nluns;
	bool ata = spec->ata;
	if (hostd_prepare_devices(d, (int)json_integer_value(pid), spec) != 0)
		return hostcmd_reply_error(id, "guest.devices: %u device lists already wait for "
					   "their guests", HOSTD_PREPARED_MAX);
	return hctl_ok(json_pack("{s:I, s:i, s:i, s:b}", "pid", json_integer_value(pid), "nics",
				 (int)nnics, "luns", (int)nluns, "ata", ata), id);
relative:
	free(spec);
	return hostcmd_reply_error(id, "guest.devices: paths must be absolute");
}

static json_t *hctl_handle(struct hostd *d, const char *line, size_t len)
{
	json_error_t je;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!req)
		return hostcmd_reply_error(NULL, "not JSON: %s (column %d)", je.text, je.column);
	json_t *reply;
	json_t *id = json_object_get(req, "id");
	json_t *cmd = json_is_object(req) ? json_object_get(req, "cmd") : NULL;
	const char *name = json_is_string(cmd) ? json_string_value(cmd) : NULL;
	if (!json_is_object(req) || !name) {
		reply = hostcmd_exec(NULL, req); /* says what is wrong */
	} else if (strcmp(name, "help") == 0) {
		reply = hctl_ok(hctl_daemon_help(), id);
	} else if (strcmp(name, "guests") == 0) {
		reply = hctl_ok(hctl_guests(d), id);
	} else if (strcmp(name, "daemon") == 0) {
		struct hostd_stats st;
		hostd_get_stats(d, &st);
		reply = hctl_ok(json_pack("{s:I, s:I, s:I, s:I}", "sessions_live",
			(json_int_t)st.sessions_live, "conns_live", (json_int_t)st.conns_live,
			"conns_total", (json_int_t)st.conns_total, "dropped", (json_int_t)st.dropped), id);
	} else if (strcmp(name, "guest.devices") == 0) {
		reply = hctl_guest_devices(d, req, id);
	} else if (strcmp(name, "stop") == 0) {
		reply = hctl_ok(json_object(), id);
		hostd_stop(d);
	} else if (!hostcmd_find(name)) {
		reply = hostcmd_reply_error(id, "unknown command \"%s\" (try \"help\")", name);
	} else {
		char err[256];
		struct hconn *c = hctl_find_guest(d, req, err, sizeof err);
		if (!c) {
			reply = hostcmd_reply_error(id, "%s: %s", name, err);
		} else {
			json_object_del(req, "guest");
			json_object_del(req, "pid");
			/* The partition's clock moves on guest input and timers
			 * only: bring it to now so the command sees the present. */
			hsess_tick(c->c_sess);
			reply = hostcmd_exec(hsess_ext_ctx(c->c_sess), req);
			hconn_kick_pump(c);
		}
	}
	json_decref(req);
	return reply;
}

static void hctl_on_read(struct bufferevent *bev, void *arg)
{
	struct hctl_client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	if (cl->cl_closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	for (;;) {
		size_t n;
		char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (!line)
			break;
		if (n > HCTL_LINE_MAX) {
			/* A whole over-long line arrived at once: say so, then go. */
			free(line);
			hctl_send(cl, hostcmd_reply_error(NULL, "a request line is longer than %u "
							  "bytes; closing", HCTL_LINE_MAX));
			evbuffer_drain(in, evbuffer_get_length(in));
			cl->cl_closing = true;
			return;
		}
		if (n && line[n - 1] == '\r')
			n--;
		if (n)
			hctl_send(cl, hctl_handle(cl->cl_d, line, n));
		free(line);
		if (evbuffer_get_length(bufferevent_get_output(bev)) > HCTL_OUT_MAX) {
			cl->cl_closing = true; /* not reading its replies */
			return;
		}
	}
	if (evbuffer_get_length(in) > HCTL_LINE_MAX) {
		hctl_send(cl, hostcmd_reply_error(NULL, "a request line is longer than %u bytes; "
						  "closing", HCTL_LINE_MAX));
		evbuffer_drain(in, evbuffer_get_length(in));
		cl->cl_closing = true;
	}
}

static void hctl_on_write(struct bufferevent *bev, void *arg)
{
	struct hctl_client *cl = arg;
	(void)bev;
	if (cl->cl_closing)
		hctl_client_free(cl);
}

static void hctl_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		hctl_client_free(arg);
}

static void hctl_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct hostd *d = arg;
	(void)what;
	for (int i = 0; i < 8; i++) {
		int fd = accept4((int)lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (d->d_nctl >= HCTL_MAX_CLIENTS) {
			static const char busy[] =
				"{\"ok\": false, \"error\": \"too many control clients\"}\n";
			ssize_t w = write(fd, busy, sizeof busy - 1);
			(void)w;
			close(fd);
			continue;
		}
		struct hctl_client *cl = calloc(1, sizeof *cl);
		struct bufferevent *bev = bufferevent_socket_new(d->d_base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (!cl || !bev) {
			free(cl);
			if (bev)
				bufferevent_free(bev);
			else
				close(fd);
			continue;
		}
		cl->cl_d = d;
		cl->cl_bev = bev;
		bufferevent_setcb(bev, hctl_on_read, hctl_on_write, hctl_on_event, cl);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		cl->cl_next = d->d_ctl_clients;
		if (d->d_ctl_clients)
			d->d_ctl_clients->cl_prev = cl;
		d->d_ctl_clients = cl;
		d->d_nctl++;
	}
}

int hctl_open(struct hostd *d, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, d->d_ctl_path, strlen(d->d_ctl_path) + 1);
	/* The lock file serialises daemons on this path, so a leftover control
	 * socket is stale. */
	struct stat st;
	if (lstat(d->d_ctl_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", d->d_ctl_path);
			return -1;
		}
		unlink(d->d_ctl_path);
	}
	d->d_ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->d_ctl_fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Operators only: whoever may connect may shut guests down. */
	mode_t old = umask(077);
	int rc = bind(d->d_ctl_fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "bind %s: %s", d->d_ctl_path, strerror(errno));
		return -1;
	}
	d->d_ctl_bound = true;
	if (listen(d->d_ctl_fd, 16) != 0) {
		snprintf(err, errlen, "listen %s: %s", d->d_ctl_path, strerror(errno));
		return -1;
	}
	d->d_ev_ctl = event_new(d->d_base, d->d_ctl_fd, EV_READ | EV_PERSIST, hctl_on_accept, d);
	if (!d->d_ev_ctl || event_add(d->d_ev_ctl, NULL) != 0) {
		snprintf(err, errlen, "libevent setup failed");
		return -1;
	}
	return 0;
}

void hctl_close(struct hostd *d)
{
	while (d->d_ctl_clients)
		hctl_client_free(d->d_ctl_clients);
	if (d->d_ev_ctl)
		event_free(d->d_ev_ctl);
	d->d_ev_ctl = NULL;
	if (d->d_ctl_fd >= 0)
		close(d->d_ctl_fd);
	d->d_ctl_fd = -1;
	if (d->d_ctl_bound)
		unlink(d->d_ctl_path);
	d->d_ctl_bound = false;
}
