/* jsonpos.c -- map a JSON path to its line in the source text.  The text
 * has already been parsed by jansson, so this scanner only has to be
 * correct on valid JSON; on anything else it stops and reports what it has. */
#include "sim/runner/jsonpos.h"

#include <stdbool.h>
#include <string.h>

#define JPOS_MAX_NEST 64

struct jscan {
	const char *s;
	size_t      len, pos;
	unsigned    line;
	bool        bad;
};

static void skip_ws(struct jscan *j)
{
	while (j->pos < j->len) {
		char c = j->s[j->pos];
		if (c == '\n')
			j->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		j->pos++;
	}
}

/* Scan a string starting at '"'; copy up to cap-1 bytes of its raw
 * contents into out (escapes kept raw, good enough for key matching). */
static void scan_string(struct jscan *j, char *out, size_t cap)
{
	size_t n = 0;
	j->pos++; /* opening quote */
	while (j->pos < j->len) {
		char c = j->s[j->pos++];
		if (c == '"')
			goto done;
		if (c == '\\' && j->pos < j->len) {
			if (out && n + 1 < cap)
				out[n++] = c;
			c = j->s[j->pos++];
		}
		if (c == '\n')
			j->line++;
		if (out && n + 1 < cap)
			out[n++] = c;
	}
	j->bad = true;
done:
	if (out && cap)
		out[n] = '\0';
}

static void skip_value(struct jscan *j, unsigned nest);

static void skip_container(struct jscan *j, unsigned nest, char close)
{
	j->pos++;
	for (;;) {
		skip_ws(j);
		if (j->bad || j->pos >= j->len) {
			j->bad = true;
			return;
		}
		char c = j->s[j->pos];
		if (c == close) {
			j->pos++;
			return;
		}
		if (c == ',' || c == ':') {
			j->pos++;
			continue;
		}
		size_t before = j->pos;
		skip_value(j, nest + 1);
		if (j->pos == before) /* no progress: not JSON we understand */
			j->bad = true;
	}
}

static void skip_value(struct jscan *j, unsigned nest)
{
	skip_ws(j);
	if (j->pos >= j->len || nest > JPOS_MAX_NEST) {
		j->bad = true;
		return;
	}
	char c = j->s[j->pos];
	if (c == '"')
		scan_string(j, NULL, 0);
	else if (c == '{')
		skip_container(j, nest, '}');
	else if (c == '[')
		skip_container(j, nest, ']');
	else
		while (j->pos < j->len && !strchr(",}] \t\r\n", j->s[j->pos]))
			j->pos++;
}

/* Position j at the value for path[level..] inside the value at j->pos;
 * returns the line of the deepest element reached. */
static unsigned descend(struct jscan *j, const struct jpath_elem *path,
			size_t depth, size_t level)
{
	skip_ws(j);
	unsigned here = j->line;
	if (level == depth || j->pos >= j->len || j->bad)
		return here;
	const struct jpath_elem *e = &path[level];
	char c = j->s[j->pos];
	if (c == '{' && e->key) {
		j->pos++;
		for (;;) {
			skip_ws(j);
			if (j->pos >= j->len || j->s[j->pos] != '"')
				return here;
			char key[256];
			scan_string(j, key, sizeof key);
			skip_ws(j);
			if (j->pos < j->len && j->s[j->pos] == ':')
				j->pos++;
			skip_ws(j);
			if (strcmp(key, e->key) == 0)
				return descend(j, path, depth, level + 1);
			skip_value(j, 0);
			skip_ws(j);
			if (j->bad || j->pos >= j->len || j->s[j->pos] != ',')
				return here;
			j->pos++;
		}
	}
	if (c == '[' && !e->key) {
		j->pos++;
		for (size_t i = 0;; i++) {
			skip_ws(j);
			if (j->pos >= j->len || j->s[j->pos] == ']')
				return here;
			if (i == e->index)
				return descend(j, path, depth, level + 1);
			skip_value(j, 0);
			skip_ws(j);
			if (j->bad || j->pos >= j->len || j->s[j->pos] != ',')
				return here;
			j->pos++;
		}
	}
	return here;
}

unsigned jsonpos_line(const char *text, size_t len, const struct jpath_elem *path,
		      size_t depth)
{
	struct jscan j = { .s = text, .len = len, .pos = 0, .line = 1, .bad = false };
	if (!text)
		return 1;
	return descend(&j, path, depth, 0);
}
