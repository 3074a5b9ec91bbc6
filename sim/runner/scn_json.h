/* scn_json.h -- the validation kit every part of the scenario parser uses:
 * where we are in the JSON tree (for "FILE:LINE: $.path: reason" errors),
 * strict key sets, and typed getters that check ranges and fail once. */
#ifndef SIM_RUNNER_SCN_JSON_H
#define SIM_RUNNER_SCN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sim/runner/jsonpos.h"
#include "sim/runner/scenario.h"

struct scn_vctx {
	const char *file;
	const char *text;
	size_t      len;
	struct jpath_elem path[SCN_MAX_DEPTH + 4];
	size_t      depth;
	char       *err;
	size_t      errlen;
	bool        failed;
	struct scenario *s;       /* being built: sections parsed so far */
	/* Read from a file: relative image paths are taken from 'dir' and
	 * must stay under 'image_root'; files the run writes (captures,
	 * pcaps) go under 'cwd'.  NULL when parsed from a buffer. */
	const char *dir, *image_root, *cwd;
};

void scn_push_key(struct scn_vctx *v, const char *key);
void scn_push_index(struct scn_vctx *v, size_t i);
void scn_pop(struct scn_vctx *v);
/* Record the first error at the current path; later ones are dropped. */
__attribute__((format(printf, 2, 3)))
void scn_fail(struct scn_vctx *v, const char *fmt, ...);
/* A path the run writes to (a capture directory, a NIC's pcap): relative,
 * no ".." component, made absolute under v->cwd into out (cap bytes).
 * False with the reason recorded at the current path.  From a buffer
 * (v->cwd NULL) the path is copied as given. */
bool scn_out_path(struct scn_vctx *v, const char *in, char *out, size_t cap);
/* An image a scenario names: made absolute from v->dir and checked
 * (devspec_check_image: under v->image_root, a regular file of whole
 * sectors).  False with the reason recorded. */
bool scn_image_path(struct scn_vctx *v, const char *in, uint32_t sector, bool read_only,
		    char *out, size_t cap);
/* The line of the current path in the file. */
unsigned scn_line(const struct scn_vctx *v);
const char *scn_json_kind(const json_t *j);

/* Reject keys not in 'allowed' (NULL-terminated). */
bool scn_check_keys(struct scn_vctx *v, json_t *obj, const char *const *allowed);
/* Getters: false when absent (an error only if required) or invalid. */
json_t *scn_want_object(struct scn_vctx *v, json_t *parent, const char *key, bool required);
json_t *scn_want_array(struct scn_vctx *v, json_t *parent, const char *key, size_t max,
		       bool required);
bool scn_get_uint(struct scn_vctx *v, json_t *obj, const char *key, uint64_t min,
		  uint64_t max, bool required, uint64_t *out);
bool scn_get_int(struct scn_vctx *v, json_t *obj, const char *key, int64_t min, int64_t max,
		 bool required, int64_t *out);
bool scn_get_bool(struct scn_vctx *v, json_t *obj, const char *key, bool *out);
bool scn_get_string(struct scn_vctx *v, json_t *obj, const char *key, char *out,
		    size_t cap, bool required);
/* A string that must be one of 'names' (NULL-terminated): *out = its index. */
bool scn_get_enum(struct scn_vctx *v, json_t *obj, const char *key, const char *const *names,
		  bool required, unsigned *out);
/* Deepest nesting level of j (stops counting past SCN_MAX_DEPTH). */
unsigned scn_max_depth(json_t *j, unsigned level);
/* "5.3" -> VMBUS_VERSION_* (major << 16 | minor); "0.13" is WS2008. */
bool scn_get_version(struct scn_vctx *v, json_t *obj, const char *key, uint32_t *out);
/* "10.0.0.1" -> host byte order. */
bool scn_get_ipv4(struct scn_vctx *v, json_t *obj, const char *key, uint32_t *out);
/* An expected outcome by errno name: "ok" (0), "EIO", "EINVAL", ... ->
 * 0 or the negative errno. */
bool scn_get_errno(struct scn_vctx *v, json_t *obj, const char *key, int *out);
/* The body of a step must be an object with only 'allowed' keys. */
bool scn_body(struct scn_vctx *v, json_t *body, const char *const *allowed);

#endif /* SIM_RUNNER_SCN_JSON_H */
