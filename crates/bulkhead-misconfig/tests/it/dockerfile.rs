//! Dockerfile rules, case by case: each case says which rules must fire on which line and
//! which must stay quiet, written from the rule's definition (hadolint's and Trivy's docs
//! for the same check), not from what the code printed.

use std::collections::BTreeSet;

use bulkhead_finding::Location;
use bulkhead_misconfig::dockerfile::analyze;

/// (rule id, line) of every finding.
fn found(text: &str) -> BTreeSet<(String, u32)> {
    analyze("Dockerfile", text)
        .findings
        .into_iter()
        .map(|f| {
            let line = match f.location {
                Location::File { line, .. } => line.unwrap_or(0),
                _ => 0,
            };
            (f.rule.id, line)
        })
        .collect()
}

struct Case {
    name: &'static str,
    text: &'static str,
    /// (rule, line) that must be reported.
    fires: &'static [(&'static str, u32)],
    /// Rules that must not be reported anywhere.
    quiet: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "latest and untagged",
        text: "FROM node:latest\nFROM alpine\nFROM alpine:3.20\nFROM ghcr.io/x/y:1@sha256:00\nFROM registry:5000/img\n",
        fires: &[("BH-DF-001", 1), ("BH-DF-001", 2), ("BH-DF-001", 5)],
        quiet: &[],
    },
    Case {
        name: "ARG-expanded base, stage reference, scratch",
        text: "ARG V=3.20\nFROM alpine:${V} AS base\nFROM base\nFROM scratch\nARG U\n",
        fires: &[],
        quiet: &["BH-DF-001"],
    },
    Case {
        name: "ARG default latest",
        text: "ARG TAG=latest\nFROM nginx:$TAG\n",
        fires: &[("BH-DF-001", 2)],
        quiet: &[],
    },
    Case {
        name: "root user",
        text: "FROM alpine:3\nUSER app\nUSER root\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-002", 3)],
        quiet: &[],
    },
    Case {
        name: "no user",
        text: "FROM alpine:3\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-002", 1)],
        quiet: &[],
    },
    Case {
        name: "user inherited from the base stage",
        text: "FROM alpine:3 AS base\nUSER 1000\nFROM base\nHEALTHCHECK CMD true\n",
        fires: &[],
        quiet: &["BH-DF-002"],
    },
    Case {
        name: "user set in an earlier stage only",
        text: "FROM alpine:3 AS build\nUSER 1000\nFROM alpine:3\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-002", 3)],
        quiet: &[],
    },
    Case {
        name: "ADD local vs URL and archive",
        text: "FROM alpine:3\nADD src/ /src/\nADD https://x.example/a.bin /a\nADD rootfs.tar.gz /\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-003", 2)],
        quiet: &[],
    },
    Case {
        name: "relative workdir",
        text: "FROM alpine:3\nWORKDIR app\nWORKDIR /srv\nWORKDIR $HOME\nWORKDIR \"/q\"\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-004", 2)],
        quiet: &[],
    },
    Case {
        name: "sudo, also inside sh -c",
        text: "FROM alpine:3\nRUN sudo apk add --no-cache x=1\nRUN sh -c 'sudo id'\nRUN cp sudoers /etc/\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-005", 2), ("BH-DF-005", 3)],
        quiet: &[],
    },
    Case {
        name: "duplicate stage names, case-insensitively",
        text: "FROM alpine:3 AS build\nFROM alpine:3 AS Build\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-006", 2), ("BH-DF-050", 2)],
        quiet: &[],
    },
    Case {
        name: "maintainer",
        text: "FROM alpine:3\nMAINTAINER me\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-007", 2)],
        quiet: &[],
    },
    Case {
        name: "no healthcheck",
        text: "FROM alpine:3\nUSER app\n",
        fires: &[("BH-DF-008", 1)],
        quiet: &[],
    },
    Case {
        name: "expose",
        text: "FROM alpine:3\nEXPOSE 80 22/tcp 20-25 443/udp\nEXPOSE 99999 80/ftp abc ${P}\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-009", 2), ("BH-DF-017", 3)],
        quiet: &[],
    },
    Case {
        name: "apt-get update alone",
        text: "FROM debian:12\nRUN apt-get update\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88 && rm -rf /var/lib/apt/lists/*\nUSER app\nHEALTHCHECK CMD true\n",
        // The lists `apt-get update` fetched stay in line 2's layer (hadolint's DL3009).
        fires: &[("BH-DF-010", 2), ("BH-DF-023", 2)],
        quiet: &["BH-DF-021", "BH-DF-022", "BH-DF-034"],
    },
    Case {
        name: "apt-get install hygiene",
        text: "FROM debian:12\nRUN apt-get update && apt-get install curl\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[
            ("BH-DF-021", 2),
            ("BH-DF-022", 2),
            ("BH-DF-023", 2),
            ("BH-DF-034", 2),
        ],
        quiet: &["BH-DF-010"],
    },
    Case {
        name: "apt-get with -qy, -o recommends off and a cache mount",
        text: "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -qy -o APT::Install-Recommends=false curl=1\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[],
        quiet: &["BH-DF-021", "BH-DF-022", "BH-DF-023", "BH-DF-034"],
    },
    Case {
        name: "secrets in ARG and ENV",
        text: "FROM alpine:3\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x PUBLIC_KEY=y TOKENIZER=z\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-011", 2), ("BH-DF-011", 3)],
        quiet: &[],
    },
    Case {
        name: "several CMD, ENTRYPOINT, HEALTHCHECK",
        text: "FROM alpine:3\nUSER app\nCMD [\"a\"]\nCMD [\"b\"]\nENTRYPOINT [\"x\"]\nENTRYPOINT [\"y\"]\nHEALTHCHECK CMD a\nHEALTHCHECK CMD b\n",
        fires: &[("BH-DF-012", 3), ("BH-DF-013", 5), ("BH-DF-014", 7)],
        quiet: &[],
    },
    Case {
        name: "COPY --from own stage and unknown stage",
        text: "FROM alpine:3 AS a\nCOPY --from=a /x /y\nCOPY --from=nope /x /y\nCOPY --from=nginx:1.27 /x /y\nCOPY --from=0 /x /y\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-015", 2), ("BH-DF-016", 3), ("BH-DF-015", 5)],
        quiet: &[],
    },
    Case {
        name: "COPY several sources",
        text: "FROM alpine:3\nCOPY a b /dst\nCOPY a b /dst/\nCOPY [\"a\", \"b\", \"c\"]\nCOPY a /one\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-018", 2), ("BH-DF-018", 4)],
        quiet: &[],
    },
    Case {
        name: "cd in RUN",
        text: "FROM alpine:3\nRUN cd /tmp && make\nRUN (cd /x && make)\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-019", 2)],
        quiet: &[],
    },
    Case {
        name: "curl and wget",
        text: "FROM alpine:3\nRUN curl -fsSL https://x -o /x\nRUN wget https://y\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-020", 3)],
        quiet: &["BH-DF-043"],
    },
    Case {
        name: "apk",
        text: "FROM alpine:3\nRUN apk add curl\nRUN apk add --no-cache --virtual .deps curl=8.5.0-r0\nRUN apk add --allow-untrusted --no-cache x=1\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-024", 2), ("BH-DF-035", 2), ("BH-DF-044", 4)],
        quiet: &[],
    },
    Case {
        name: "yum, dnf, zypper",
        text: "FROM fedora:40\nRUN yum install httpd\nRUN dnf install -y httpd-2.4.58 && dnf clean all\nRUN zypper install vim\nRUN zypper -n install vim=9.1 && zypper clean\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[
            ("BH-DF-025", 2),
            ("BH-DF-026", 2),
            ("BH-DF-040", 2),
            ("BH-DF-029", 4),
            ("BH-DF-030", 4),
            ("BH-DF-042", 4),
        ],
        quiet: &["BH-DF-027", "BH-DF-028", "BH-DF-041"],
    },
    Case {
        name: "pip",
        text: "FROM python:3.12\nRUN pip install flask\nRUN pip3 install --no-cache-dir flask==3.0.3 -r requirements.txt\nRUN python -m pip install --no-cache-dir requests\nRUN pip install --no-cache-dir --upgrade pip\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-031", 2), ("BH-DF-036", 2), ("BH-DF-036", 4)],
        quiet: &[],
    },
    Case {
        name: "PIP_NO_CACHE_DIR in the stage",
        text: "FROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.3\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[],
        quiet: &["BH-DF-031", "BH-DF-036"],
    },
    Case {
        name: "npm, gem, go, yarn",
        text: "FROM node:22\nRUN npm install express @scope/pkg@1.0.0\nRUN npm ci\nRUN gem install rails\nRUN gem install rails -v 7.1\nRUN go install golang.org/x/tools/cmd/goimports@latest\nRUN yarn install\nRUN yarn install && yarn cache clean\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[
            ("BH-DF-037", 2),
            ("BH-DF-038", 4),
            ("BH-DF-039", 6),
            ("BH-DF-032", 7),
        ],
        quiet: &[],
    },
    Case {
        name: "apt instead of apt-get",
        text: "FROM debian:12\nRUN apt install -y curl\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-033", 2)],
        quiet: &[],
    },
    Case {
        name: "TLS off",
        text: "FROM alpine:3\nRUN curl -sSLk https://x -o y\nRUN wget --no-check-certificate https://x\nRUN pip install --no-cache-dir --trusted-host pypi.org x==1\nRUN npm config set strict-ssl false\nRUN git -c http.sslVerify=false clone https://x\nENV PYTHONHTTPSVERIFY=0 GIT_SSL_NO_VERIFY=1\nARG PIP_TRUSTED_HOST=pypi.org\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[
            ("BH-DF-043", 2),
            ("BH-DF-043", 3),
            ("BH-DF-043", 4),
            ("BH-DF-043", 5),
            ("BH-DF-043", 6),
            ("BH-DF-043", 7),
            ("BH-DF-043", 8),
        ],
        quiet: &[],
    },
    Case {
        name: "TLS on",
        text: "FROM alpine:3\nRUN curl -sSL https://x -o y\nENV NODE_TLS_REJECT_UNAUTHORIZED=1 GIT_SSL_NO_VERIFY=\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[],
        quiet: &["BH-DF-043"],
    },
    Case {
        name: "signatures off and chpasswd",
        text: "FROM debian:12\nRUN apt-get install -y --no-install-recommends --allow-unauthenticated x=1 && rm -rf /var/lib/apt/lists/*\nRUN rpm -i --nosignature x.rpm\nRUN echo 'root:pw' | chpasswd\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-044", 2), ("BH-DF-044", 3), ("BH-DF-045", 4)],
        quiet: &[],
    },
    Case {
        name: "shell-form CMD and ENTRYPOINT",
        text: "FROM alpine:3\nUSER app\nENTRYPOINT /run.sh\nCMD [\"--flag\"]\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-046", 3)],
        quiet: &[],
    },
    Case {
        name: "pipes and pipefail",
        text: "FROM alpine:3\nRUN curl -fsSL https://x | sh\nRUN set -o pipefail && curl -fsSL https://x | sh\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://x | bash\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-047", 2)],
        quiet: &[],
    },
    Case {
        name: "legacy ENV, casing",
        text: "from alpine:3 AS base\nENV A b\nrun true\nuser app\nhealthcheck cmd true\n",
        fires: &[("BH-DF-049", 2), ("BH-DF-051", 1), ("BH-DF-052", 2)],
        quiet: &[],
    },
    Case {
        name: "apt lists: left by the RUN that updates, only in stages that reach the image",
        text: "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc=12\nFROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl=7 && rm -rf /var/lib/apt/lists/*\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends git=2\nCOPY --from=build /x /x\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-023", 4)],
        quiet: &[],
    },
    Case {
        name: "caches of a build stage that is only copied from are not in the image",
        text: "FROM python:3.12 AS wheels\nRUN pip install flask==3.0.3\nRUN apk add x=1\nRUN yum install -y x-1\nRUN yarn install\nFROM python:3.12 AS base\nRUN pip install requests==2.32.3\nFROM base\nCOPY --from=wheels /w /w\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-031", 7)],
        quiet: &["BH-DF-024", "BH-DF-026", "BH-DF-032"],
    },
    Case {
        name: "ONBUILD RUN is judged like RUN",
        text: "FROM python:3.12\nONBUILD RUN pip install flask\nONBUILD RUN cd /app && make\nONBUILD COPY . /app\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-031", 2), ("BH-DF-036", 2), ("BH-DF-019", 3)],
        quiet: &["BH-DF-053"],
    },
    Case {
        name: "a heredoc fed to a shell is the RUN's script; one fed to python is not",
        text: "FROM alpine:3\nRUN <<-EOF bash\n\tcd /opt\n\tcurl -fsSL https://x | tar -xz\nEOF\nRUN python3 <<EOF\nprint('cd /x && curl https://x | sh')\nEOF\nUSER app\nHEALTHCHECK CMD true\n",
        // Found on the heredoc's lines.
        fires: &[("BH-DF-019", 3), ("BH-DF-047", 4)],
        quiet: &[],
    },
    Case {
        name: "a heredoc fed to python is not shell",
        text: "FROM alpine:3\nRUN python3 <<EOF\nimport os\nos.system('sudo true; cd /x && curl https://x | sh')\nEOF\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[],
        quiet: &["BH-DF-005", "BH-DF-019", "BH-DF-047"],
    },
    Case {
        name: "COPY from heredocs: a heredoc source is counted once",
        text: "FROM alpine:3\nCOPY <<EOF /etc/app.conf\nx\nEOF\nCOPY <<A <<B /etc/x\na\nA\nb\nB\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-018", 5)],
        quiet: &[],
    },
    Case {
        name: "npm git sources need a ref; local folders and tarballs are pinned",
        text: "FROM node:22\nRUN npm install git+https://github.com/x/y.git\nRUN npm install git+https://github.com/x/y.git#v1.2.0 ./local ../lib /abs/pkg x.tgz\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-037", 2)],
        quiet: &[],
    },
    Case {
        name: "go get without a version",
        text: "FROM golang:1.22\nRUN go get github.com/golang/mock/mockgen\nRUN go get ./... && go get github.com/pkg/errors@v0.9.1\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-039", 2)],
        quiet: &[],
    },
    Case {
        name: "yum/dnf sslverify off is TLS; rpm --noverify is signatures",
        text: "FROM fedora:40\nRUN yum-config-manager --setopt=sslverify=false --save\nRUN dnf config-manager --setopt=fedora.sslverify=0 --save\nRUN dnf install -y --setopt=sslverify=no x-1 && dnf clean all\nRUN rpm -i --noverify x.rpm\nRUN dnf config-manager --setopt=sslverify=1 --save\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[
            ("BH-DF-043", 2),
            ("BH-DF-043", 3),
            ("BH-DF-043", 4),
            ("BH-DF-044", 5),
        ],
        quiet: &[],
    },
    Case {
        name: "curl and wget in different stages",
        text: "FROM alpine:3 AS a\nRUN curl -o /x https://x\nFROM alpine:3\nRUN wget https://y\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[],
        quiet: &["BH-DF-020"],
    },
    Case {
        name: "WORKDIR in a system directory",
        text: "FROM alpine:3\nWORKDIR /proc/self\nWORKDIR /dev\nWORKDIR /devices\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-054", 2), ("BH-DF-054", 3)],
        quiet: &[],
    },
    Case {
        name: "consecutive RUN: only single commands with the same flags",
        text: "FROM alpine:3\nRUN a && b\nRUN c\nRUN d | e\nRUN --mount=type=cache,target=/c f\nRUN --mount=type=cache,target=/c g\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-053", 6)],
        quiet: &[],
    },
    Case {
        name: "consecutive RUN",
        text: "FROM alpine:3\nRUN a\nRUN b\nRUN --mount=type=cache,target=/c c\nUSER app\nHEALTHCHECK CMD true\n",
        fires: &[("BH-DF-053", 3)],
        quiet: &[],
    },
];

#[test]
fn each_rule_fires_where_it_should_and_nowhere_else() {
    let mut failures = Vec::new();
    for case in CASES {
        let got = found(case.text);
        for (rule, line) in case.fires {
            if !got.contains(&((*rule).to_owned(), *line)) {
                failures.push(format!(
                    "{}: expected {rule} at line {line}; got {got:?}",
                    case.name
                ));
            }
        }
        for rule in case.quiet {
            if got.iter().any(|(r, _)| r == rule) {
                failures.push(format!("{}: {rule} must not fire; got {got:?}", case.name));
            }
        }
        // A rule that fires in a case must be one the case expects, unless it is about the
        // parts every case shares (tags, users, healthchecks, consecutive RUNs, casing).
        let incidental = [
            "BH-DF-001",
            "BH-DF-002",
            "BH-DF-008",
            "BH-DF-053",
            "BH-DF-034",
            "BH-DF-022",
            "BH-DF-021",
            "BH-DF-023",
            "BH-DF-024",
            "BH-DF-035",
            "BH-DF-031",
            "BH-DF-036",
            "BH-DF-047",
            "BH-DF-019",
            "BH-DF-020",
            "BH-DF-010",
            "BH-DF-037",
            "BH-DF-026",
            "BH-DF-025",
            "BH-DF-040",
            "BH-DF-046",
        ];
        for (rule, line) in &got {
            let expected = case.fires.iter().any(|(r, _)| r == rule);
            if !expected && !incidental.contains(&rule.as_str()) {
                failures.push(format!("{}: unexpected {rule} at line {line}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_file_buildkit_rejects_is_one_parse_finding() {
    let negatives =
        bulkhead_test::shared_dir().join("peer-data/buildkit-dockerfile-parser/testfiles-negative");
    let mut seen = 0;
    for entry in fs_err::read_dir(&negatives).unwrap() {
        let path = entry.unwrap().path().join("Dockerfile");
        let text = fs_err::read_to_string(&path).unwrap();
        let got = found(&text);
        assert_eq!(got.len(), 1, "{}: {got:?}", path.display());
        assert!(
            got.iter().all(|(r, _)| r == "BH-DF-000"),
            "{}: {got:?}",
            path.display()
        );
        seen += 1;
    }
    assert_eq!(seen, 4);
}

/// BuildKit's 33 accepted test files (real-world Dockerfiles among them): no parse finding,
/// only rules from the registry, every finding on a line of the file, evidence from it.
#[test]
fn buildkits_test_files_are_judged_without_parse_findings() {
    let dir = bulkhead_test::shared_dir().join("peer-data/buildkit-dockerfile-parser/testfiles");
    let mut files = 0;
    let mut total = 0;
    for entry in fs_err::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("Dockerfile");
        let text = fs_err::read_to_string(&path).unwrap();
        let lines = u32::try_from(text.lines().count()).unwrap();
        let outcome = analyze("Dockerfile", &text);
        for f in &outcome.findings {
            assert_ne!(f.rule.id, "BH-DF-000", "{}: {}", path.display(), f.title);
            assert!(!bulkhead_misconfig::lookup(&f.rule.id).is_empty());
            let Location::File {
                line: Some(line), ..
            } = f.location
            else {
                panic!("{}: no line: {f:?}", path.display());
            };
            assert!(
                (1..=lines).contains(&line),
                "{}: line {line} of {lines}",
                path.display()
            );
            let evidence = f.evidence.as_ref().unwrap();
            assert!(
                text.contains(
                    evidence
                        .text
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('…')
                )
            );
        }
        total += outcome.findings.len();
        files += 1;
    }
    assert_eq!(files, 33);
    assert!(total > 100, "{total}");
}

#[test]
fn inline_comments_suppress_by_id_or_alias() {
    let text = "FROM alpine\n# hadolint ignore=DL3006\nFROM busybox\n# bulkhead:ignore=BH-DF-001 base pinned by CI digest\nFROM node\nUSER app\nHEALTHCHECK CMD true\n";
    let outcome = analyze("Dockerfile", text);
    let fired: Vec<(String, u32)> = outcome
        .findings
        .iter()
        .filter(|f| f.rule.id == "BH-DF-001")
        .map(|f| match f.location {
            Location::File { line, .. } => (f.rule.id.clone(), line.unwrap()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(fired, [("BH-DF-001".to_owned(), 1)]);
    let reasons: Vec<&str> = outcome
        .suppressed
        .iter()
        .map(|s| s.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "inline hadolint comment on line 2",
            "base pinned by CI digest; inline bulkhead comment on line 4"
        ]
    );
}

#[test]
fn hostile_dockerfiles_finish() {
    let long_run = format!(
        "FROM alpine:3\nRUN {}\n",
        "apt-get install x && ".repeat(3000)
    );
    let many = "RUN true\n".repeat(20_000);
    let nested = format!("FROM a:1\nRUN {}x{}\n", "$(".repeat(200), ")".repeat(200));
    let continuation = format!("FROM a:1\nRUN a \\\n{}b\n", "  && c \\\n".repeat(10_000));
    let unterminated = "FROM a:1\nRUN <<EOF\nno end\n";
    for text in [
        long_run.as_str(),
        &format!("FROM a:1\n{many}"),
        &nested,
        &continuation,
        unterminated,
        "\u{0}\u{0}",
        "FROM\n",
        "FROM a:1\nEXPOSE -1 65536-1 /tcp 1-\n",
    ] {
        let _ = analyze("Dockerfile", text);
    }
    assert_eq!(
        found(unterminated).iter().next().map(|(r, _)| r.as_str()),
        Some("BH-DF-000")
    );
}
