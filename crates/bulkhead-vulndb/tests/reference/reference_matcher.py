#!/usr/bin/env python3
"""An independent reference matcher for OSV advisories, written from the OSV specification.

Used by `tests/it/reference.rs`: it must NOT share code or logic with Bulkhead's importer or
matcher. It reads the advisory feeds itself and evaluates every query with the algorithm of
the OSV schema's "Evaluation" section (https://ossf.github.io/osv-schema/#evaluation):

    IsVulnerable(pkg, v) = for some affected[] entry of pkg:
        v is in affected.versions, or
        some range (ECOSYSTEM or SEMVER) has BeforeLimits(v) and, walking its events in sorted
        order, `introduced <= v` sets vulnerable, `fixed <= v` clears it, `last_affected < v`
        clears it, and the walk ends vulnerable.
    BeforeLimits(v) = no limit event, or v < some limit (`*` is infinity).

Versions are ordered by each ecosystem's authoritative comparator:
  - PyPI: `packaging.version.Version` (PEP 440),
  - Debian: `apt_pkg.version_compare` (python3-apt: libapt's implementation of dpkg's algorithm),
  - npm: node-semver's `semver.compare` (run once in node to rank every version needed).

Input (stdin, JSON):
    {"feeds": [dir, ...], "node": path, "semver": path to the node-semver package,
     "queries": [{"ecosystem": "PyPI", "name": "...", "version": "..."}, ...]}
Output (stdout, JSON):
    {"results": [{"affected": [id, ...], "undecided": [id, ...]}, ...], "stats": {...}}
`affected` is the sorted set of advisory ids that affect the query; `undecided` the ids that
could not be evaluated (a version the comparator rejects) and were not found affected some
other way.
"""

import functools
import json
import os
import re
import subprocess
import sys

import yaml
from packaging.version import InvalidVersion, Version

try:
    import apt_pkg
except ImportError:
    # python3-apt is a Debian package; a virtualenv does not see the system's site-packages.
    # Append (not prepend) so nothing else is taken from there.
    sys.path.append("/usr/lib/python3/dist-packages")
    import apt_pkg

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# ---------------------------------------------------------------------------------------------
# Loading OSV records (JSON and YAML) from the feed directories.


def feed_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            lower = name.lower()
            if lower.endswith((".json", ".yaml", ".yml")):
                yield os.path.join(dirpath, name)


def load_record(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if path.lower().endswith(".json"):
        return json.loads(data)
    return yaml.load(data, Loader=YAML_LOADER)


def normalize_name(ecosystem, name):
    """Package names as the OSV spec says each ecosystem names them."""
    if ecosystem == "PyPI":
        # The spec: "the `name` field is a normalized PyPI package name" (PEP 503). Feeds
        # do not always write it normalized, so normalize both sides.
        return re.sub(r"[-_.]+", "-", name).lower()
    if ecosystem == "npm":
        # The spec says only "an NPM package name", and taken literally names are compared
        # as written. But GHSA spells one package two ways: GHSA-pmm3-68q9-57jg says
        # `vvvebJs`, GHSA-pc95-3wgm-x28p `vvvebjs` (the registry's name). The registry
        # refuses capitals in new names and any new name that differs from an existing one
        # only in case, so a case-only difference is the same package in practice: compare
        # case-insensitively, or one of the two advisories is missed whichever spelling a
        # lockfile uses.
        return name.lower()
    return name


class Index:
    def __init__(self):
        self.by_package = {}  # (ecosystem, name) -> [(advisory id, affected entry)]
        self.stats = {"files": 0, "records": 0, "withdrawn": 0, "not_osv": 0}

    def load(self, root):
        for path in feed_files(root):
            self.stats["files"] += 1
            record = load_record(path)
            if not (isinstance(record, dict) and "id" in record and "affected" in record):
                self.stats["not_osv"] += 1  # licences, READMEs, other JSON
                continue
            summary = record.get("summary") or ""
            details = record.get("details") or ""
            if record.get("withdrawn") or (
                summary.startswith("Withdrawn:") and details.lstrip().startswith("# Withdrawn")
            ):
                # A withdrawn record no longer asserts anything. GitHub also marks withdrawal
                # in the text (`Withdrawn:` summary, `# Withdrawn` details), which is all the
                # vulsio GHSA exports in vulndata/ghsa-* keep of it.
                self.stats["withdrawn"] += 1
                continue
            self.stats["records"] += 1
            for affected in record.get("affected") or []:
                package = affected.get("package") or {}
                ecosystem, name = package.get("ecosystem"), package.get("name")
                if not ecosystem or not name:
                    continue  # GIT-only entries (Debian's upstream repositories)
                key = (ecosystem, normalize_name(ecosystem, name))
                self.by_package.setdefault(key, []).append((record["id"], affected))


# ---------------------------------------------------------------------------------------------
# Version orderings. Each ecosystem gives `key(version)`: a value whose Python ordering is the
# ecosystem's, or None if the comparator rejects the version.


def pypi_key(version):
    try:
        return Version(version)
    except InvalidVersion:
        return None


def ranked(versions, compare):
    """Dense ranks of `versions` under the three-way comparator `compare`."""
    ordered = sorted(set(versions), key=functools.cmp_to_key(compare))
    ranks, rank, previous = {}, -1, None
    for v in ordered:
        if previous is None or compare(previous, v) != 0:
            rank += 1
        ranks[v] = rank
        previous = v
    return ranks


def debian_ranks(versions):
    apt_pkg.init_system()
    return ranked(versions, apt_pkg.version_compare)


NODE_RANK = r"""
const semver = require(process.argv[1]);
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const versions = JSON.parse(input);
  const valid = versions.filter((v) => semver.valid(v) !== null);
  valid.sort((a, b) => semver.compare(a, b));
  const ranks = {};
  let rank = -1;
  for (let i = 0; i < valid.length; i++) {
    if (i === 0 || semver.compare(valid[i - 1], valid[i]) !== 0) rank++;
    ranks[valid[i]] = rank;
  }
  process.stdout.write(JSON.stringify(ranks));
});
"""


def npm_ranks(versions, node, semver):
    out = subprocess.run(
        [node, "-e", NODE_RANK, semver],
        input=json.dumps(sorted(set(versions))).encode(),
        stdout=subprocess.PIPE,
        check=True,
    )
    return json.loads(out.stdout)


def ecosystem_base(ecosystem):
    return ecosystem.split(":", 1)[0]


# ---------------------------------------------------------------------------------------------
# The evaluation algorithm of the OSV spec.

INTRODUCED, FIXED, LAST_AFFECTED, LIMIT = "introduced", "fixed", "last_affected", "limit"

# Events at the SAME version. The spec sorts events by version and does not say how to order
# ties, and the feeds do have them: PYSEC-2022-236 writes `introduced: 0, fixed: 3.1.1,
# introduced: 3.2.0, fixed: 3.2.2, introduced: 3.1.1, fixed: 3.1.3`, PYSEC-2023-72 the same
# with `fixed: 3.2.0` last, PYSEC-2022-42972 `introduced: 0.13.0, fixed: 0.14.0rc1,
# introduced: 0.12.2, fixed: 0.13.0`. We take the pseudocode's `sorted(range.events)` literally
# as Python's stable sort on the version alone, so ties keep the record's order. That is not
# an arbitrary pick: of the rules we considered it is the only one consistent with the
# `versions` lists OSV.dev enumerated for all three records (PYSEC-2022-236 lists 3.1.1 and
# 3.1.2; PYSEC-2023-72 lists 3.1.1 to 3.1.3 but not 3.2.0 or 3.2.1; PYSEC-2022-42972 lists
# no 0.13.x), and it reads Alpine's `introduced: 0, fixed: 0` ("never affected") as nothing
# affected. A fixed rule for ties contradicts one of them: "fixed wins" drops [3.1.1, 3.1.3)
# from PYSEC-2022-236, "introduced wins" adds [3.2.0, 3.2.2) to PYSEC-2023-72 and 0.13.x to
# PYSEC-2022-42972.
ZERO = object()  # the sort key of `introduced: "0"`, below every version


class Undecidable(Exception):
    pass


def included_in_range(v, events, key):
    """True/False, or raises Undecidable if a comparison it needs has a version the ecosystem's
    comparator rejects."""
    walk, limits = [], []
    for event in events:
        if len(event) != 1:
            # "Only a single type is allowed in each event object."
            raise Undecidable(str(event))
        ((kind, at),) = event.items()
        at = str(at)
        if kind == LIMIT:
            limits.append(None if at == "*" else parsed(at, key))  # "*" is infinity
        elif kind == INTRODUCED and at == "0":
            # "`introduced` allows a version of the value "0" to represent a version that sorts
            # before any other version."
            walk.append((ZERO, kind))
        elif kind in (INTRODUCED, FIXED, LAST_AFFECTED):
            walk.append((parsed(at, key), kind))
        else:
            raise Undecidable(kind)
    # Stable: events at the same version keep the record's order (see above).
    walk.sort(key=lambda e: (e[0] is not ZERO, None if e[0] is ZERO else e[0]))

    # The installed version is parsed only when a comparison needs it: `v >= "0"` holds for any
    # v by definition, so a range of only `introduced: 0` ("every version") affects even a
    # version the ecosystem's comparator rejects.
    kv = None

    def version():
        nonlocal kv
        if kv is None:
            kv = parsed(v, key)
        return kv

    # BeforeLimits: no limit events (an implicit "*"), or below ANY of them ("each expands
    # the scope").
    if limits and not any(limit is None or version() < limit for limit in limits):
        return False

    vulnerable = False
    for at, kind in walk:
        if kind == INTRODUCED and (at is ZERO or version() >= at):
            vulnerable = True
        elif kind == FIXED and version() >= at:
            vulnerable = False
        elif kind == LAST_AFFECTED and version() > at:
            vulnerable = False
    return vulnerable


def parsed(version, key):
    k = key(version)
    if k is None:
        raise Undecidable(version)
    return k


def evaluate(v, entries, key):
    affected, undecided = set(), set()
    for advisory_id, entry in entries:
        # IncludedInVersions: `v == version`. The listed versions are the ecosystem's own
        # strings; the spec compares them as given (no normalisation such as 1.0 == 1.0.0).
        if v in [str(x) for x in entry.get("versions") or []]:
            affected.add(advisory_id)
            continue
        hit, unsure = False, False
        for rng in entry.get("ranges") or []:
            # GIT ranges need the repository's commit graph: not evaluable from a version.
            if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            try:
                if included_in_range(v, rng.get("events") or [], key):
                    hit = True
                    break
            except Undecidable:
                unsure = True
        if hit:
            affected.add(advisory_id)
        elif unsure:
            undecided.add(advisory_id)
    return affected, undecided - affected


def main():
    request = json.load(sys.stdin)
    index = Index()
    for root in request["feeds"]:
        index.load(root)

    queries = request["queries"]
    # Every version string each ecosystem needs ordered: queried versions and event versions.
    needed = {}
    for q in queries:
        needed.setdefault(ecosystem_base(q["ecosystem"]), set()).add(q["version"])
    for (ecosystem, _), entries in index.by_package.items():
        bucket = needed.get(ecosystem_base(ecosystem))
        if bucket is None:
            continue
        for _, entry in entries:
            for rng in entry.get("ranges") or []:
                for event in rng.get("events") or []:
                    bucket.update(str(x) for x in event.values())

    keys = {"PyPI": pypi_key}
    if "Debian" in needed:
        ranks = debian_ranks(needed["Debian"])
        keys["Debian"] = ranks.get
    if "npm" in needed:
        ranks = npm_ranks(needed["npm"], request["node"], request["semver"])
        keys["npm"] = ranks.get

    results = []
    for q in queries:
        ecosystem = q["ecosystem"]
        key = keys.get(ecosystem_base(ecosystem))
        if key is None:
            raise SystemExit(f"no reference comparator for ecosystem {ecosystem!r}")
        entries = index.by_package.get((ecosystem, normalize_name(ecosystem, q["name"])), [])
        affected, undecided = evaluate(q["version"], entries, key)
        results.append({"affected": sorted(affected), "undecided": sorted(undecided)})

    json.dump({"results": results, "stats": index.stats}, sys.stdout)


if __name__ == "__main__":
    main()
