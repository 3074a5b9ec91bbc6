/* hostcmd.h -- the host's command interface: one JSON object in, one JSON
 * object out.  Scenario host steps (inproc: a direct call; split: through
 * hvsim-hostd's control socket) and `hvsim ctl` speak the same commands,
 * so whatever a scenario can do to the host, an operator can do by hand.
 *
 * Request:  {"cmd": "kvp.set", "pool": 0, "key": "k", "value": "v", "id": 7}
 * Reply:    {"ok": true, "id": 7, ...results}
 *           {"ok": false, "id": 7, "error": "one line saying why"}
 * Unknown keys in a request are errors, as in scenario files. */
#ifndef SIM_DEVICES_HOSTCMD_H
#define SIM_DEVICES_HOSTCMD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct hostside;

struct hostcmd_def {
	const char *name;                  /* "kvp.set" */
	const char *args;                  /* argument summary for `hvsim ctl help` */
	const char *help;                  /* one line */
	const char *const *keys;           /* allowed argument keys, NULL-terminated */
	/* Fill 'reply' (an object) with results; on failure return -1 with a
	 * reason in err.  Arguments are validated here, never trusted. */
	int (*run)(struct hostside *hs, json_t *req, json_t *reply, char *err, size_t errlen);
};

/* Every command, NULL-terminated (hostcmd_table.c). */
extern const struct hostcmd_def *const hostcmd_defs[];

const struct hostcmd_def *hostcmd_find(const char *name);  /* NULL if unknown */

/* Run one request; always returns a reply object (new reference), NULL
 * only when out of memory.  hs may be NULL (no guest): commands that need
 * one fail with a reason. */
json_t *hostcmd_exec(struct hostside *hs, json_t *req);
/* The same from text (one JSON object): parse errors become replies. */
json_t *hostcmd_exec_text(struct hostside *hs, const char *text, size_t len);

/* An error reply {"ok": false, "id": id, "error": ...} (id may be NULL). */
__attribute__((format(printf, 2, 3)))
json_t *hostcmd_reply_error(json_t *id, const char *fmt, ...);

/* Helpers for command implementations. */
int hostcmd_get_str(json_t *req, const char *key, const char **out, bool required,
		    char *err, size_t errlen);
int hostcmd_get_int(json_t *req, const char *key, long long min, long long max,
		    long long *out, bool required, char *err, size_t errlen);
int hostcmd_get_bool(json_t *req, const char *key, bool *out, char *err, size_t errlen);

#endif /* SIM_DEVICES_HOSTCMD_H */
