#!/bin/bash
# scenario_schema.sh -- every scenario in scenarios/ validates against
# scenarios/scenario.schema.json (what editors use), and a scenario that
# breaks the schema is caught: the schema and the loader must not drift.
set -u
src=$2
python3 - "$src" <<'PY'
import glob, json, sys
import jsonschema
src = sys.argv[1]
schema = json.load(open(f"{src}/scenarios/scenario.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
bad = 0
files = sorted(f for f in glob.glob(f"{src}/scenarios/**/*.json", recursive=True)
               if not f.endswith("scenario.schema.json"))
for f in files:
    try:
        jsonschema.validate(json.load(open(f)), schema)
    except jsonschema.ValidationError as e:
        bad += 1
        print(f"FAIL: {f}: {e.message} at {list(e.path)}")
broken = {"devices": {"scsi": {"luns": [{"lun": 0}]}}, "steps": [{"disk_read": {"disk": "da0"}}]}
try:
    jsonschema.validate(broken, schema)
    print("FAIL: a scenario without a disk back end and without lba passed the schema")
    bad += 1
except jsonschema.ValidationError:
    pass
print(f"scenario_schema: {len(files)} scenarios, {bad} failures")
sys.exit(1 if bad or not files else 0)
PY
