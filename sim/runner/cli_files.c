/* cli_files.c -- scenario discovery: files as given, directories walked
 * (sorted, depth-limited) for *.json that are not schemas. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/runner/cli_var.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_scenario_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0 &&
	       !(n > 12 && strcmp(name + n - 12, ".schema.json") == 0);
}

int cli_add_path(struct file_list *fl, const char *path, unsigned depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "hvsim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (fl->n >= CLI_MAX_FILES) {
			fprintf(stderr, "hvsim: more than %d scenario files\n", CLI_MAX_FILES);
			return -1;
		}
		fl->path[fl->n] = strdup(path);
		return fl->path[fl->n++] ? 0 : -1;
	}
	if (depth > 8)
		return 0;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "hvsim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t first = fl->n;
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[4096];
		size_t plen = strlen(path);
		while (plen > 1 && path[plen - 1] == '/')
			plen--;
		snprintf(sub, sizeof sub, "%.*s/%s", (int)plen, path, de->d_name);
		struct stat sst;
		if (stat(sub, &sst) != 0)
			continue;
		if (S_ISDIR(sst.st_mode) || is_scenario_name(de->d_name))
			rc = cli_add_path(fl, sub, depth + 1);
	}
	closedir(d);
	qsort(fl->path + first, fl->n - first, sizeof fl->path[0], cmp_str);
	return rc;
}

void cli_free_list(struct file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->path[i]);
	fl->n = 0;
}

int cli_collect(struct file_list *fl, int argc, char **argv)
{
	if (argc <= 0)
		return cli_usage_error("%s", "no scenario given");
	for (int i = 0; i < argc; i++)
		if (cli_add_path(fl, argv[i], 0) != 0)
			return 2;
	if (fl->n == 0) {
		fprintf(stderr, "hvsim: no scenario files found\n");
		return 2;
	}
	return 0;
}

