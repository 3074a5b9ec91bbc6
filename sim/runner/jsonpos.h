/* jsonpos.h -- find the line of a JSON path in the source text, so that a
 * validation error found on the parsed tree can name the line (jansson
 * keeps no positions per value). */
#ifndef SIM_RUNNER_JSONPOS_H
#define SIM_RUNNER_JSONPOS_H

#include <stddef.h>

/* One path element: an object key (key != NULL) or an array index. */
struct jpath_elem {
	const char *key;
	size_t      index;
};

/* Line (1-based) where the value at 'path' starts in 'text', or the line
 * of the deepest element found when the path does not fully resolve; 1 if
 * nothing is found.  Never reads past text[len]. */
unsigned jsonpos_line(const char *text, size_t len, const struct jpath_elem *path,
		      size_t depth);

#endif /* SIM_RUNNER_JSONPOS_H */
