/* What the reports of list, info and status say the same way about an
 * add-on (ops/catalog.h's view) and about the index they read. */
#include <stdio.h>
#include <string.h>

#include "jsonc.h"
#include "ops/catalog.h"
#include "render.h"

typedef struct json_object jobj;

static int add_name(const char *name, void *data)
{
	jobj *s = json_object_new_string(name);

	if (!s || json_object_array_add(data, s) < 0) {
		json_object_put(s);
		return -1;
	}
	return 0;
}

static const char *or_null(const char *s)
{
	return s[0] ? s : NULL;
}

jobj *report_addon_json(const struct pf_addon_view *v)
{
	jobj *e = json_object_new_object(), *deps = json_object_new_array();

	if (!e || !deps || pf_addon_view_depends(v, add_name, deps) != 0) {
		json_object_put(deps);
		goto fail;
	}
	if (jv_string(e, "name", v->name) < 0 || jv_string(e, "summary", v->summary) < 0) {
		json_object_put(deps);
		goto fail;
	}
	/* jv_add takes DEPS, also when it fails */
	if (jv_add(e, "depends", deps) < 0 || jv_bool(e, "offered", v->offered) < 0 ||
	    jv_string(e, "version", or_null(v->version)) < 0 ||
	    (v->offered ? jv_uint(e, "package_size", v->package_size) :
			  jv_string(e, "package_size", NULL)) < 0 ||
	    jv_bool(e, "installed", v->installed) < 0 ||
	    jv_string(e, "installed_version", or_null(v->installed_version)) < 0 ||
	    jv_string(e, "installed_series", or_null(v->installed_series)) < 0 ||
	    jv_string(e, "reason", or_null(v->reason)) < 0 ||
	    jv_bool(e, "upgradable", v->upgradable) < 0)
		goto fail;
	return e;
fail:
	json_object_put(e);
	return NULL;
}

int report_index_json(jobj *r, const struct pf_index_view *iv)
{
	jobj *idx;

	if (!iv->have)
		return jv_string(r, "index", NULL);
	idx = json_object_new_object();
	if (!idx || jv_uint(idx, "revision", iv->revision) < 0 ||
	    jv_time(idx, "valid_until", iv->valid_until) < 0 ||
	    jv_bool(idx, "expired", iv->expired) < 0) {
		json_object_put(idx);
		return -1;
	}
	return jv_add(r, "index", idx);
}

void report_addon_state(const struct pf_addon_view *v, const char *series, char *buf,
			size_t size)
{
	bool dep = v->installed && !strcmp(v->reason, "dependency");

	if (!v->installed)
		snprintf(buf, size, "available");
	else if (v->upgradable && series && strcmp(v->installed_series, series))
		snprintf(buf, size, "upgradable from %s of %s%s", v->installed_version,
			 v->installed_series, dep ? ", dependency" : "");
	else if (v->upgradable)
		snprintf(buf, size, "upgradable from %s%s", v->installed_version,
			 dep ? ", dependency" : "");
	else
		snprintf(buf, size, "installed%s%s", !v->offered && series ? ", not offered" : "",
			 dep ? ", dependency" : "");
}
