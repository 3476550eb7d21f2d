//! gitleaks' own `gitleaks.toml`: it loads whole, and behaves on known cases.

use bulkhead_secrets::Ruleset;

use crate::support::{default, ids, scan};

/// The file the crate embeds, read again from `../shared` to check the embedding.
fn shared_toml() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/peer-data/gitleaks/gitleaks.toml"
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn all_222_rules_load_and_compile() {
    let rules = default();
    assert_eq!(rules.rules().count(), 222);
    assert_eq!(rules.rules().filter(|r| r.regex().is_some()).count(), 221);
    let path_only: Vec<&str> = rules
        .rules()
        .filter(|r| r.regex().is_none())
        .map(bulkhead_secrets::Rule::id)
        .collect();
    assert_eq!(path_only, ["pkcs12-file"]);
    assert_eq!(rules.rules().filter(|r| r.entropy().is_some()).count(), 130);
    assert_eq!(rules.rules().filter(|r| r.path().is_some()).count(), 5);
    assert_eq!(
        rules.rule("sonar-api-token").unwrap().secret_group(),
        Some(2)
    );
    let distinct: std::collections::BTreeSet<&str> = rules
        .rules()
        .flat_map(|r| r.keywords().iter().map(String::as_str))
        .collect();
    assert_eq!(distinct.len(), 244);
    assert!(rules.warnings().is_empty());
    assert_eq!(rules.title(), Some("gitleaks config"));
    // The embedded text is the shared file, byte for byte.
    assert_eq!(Ruleset::default_toml(), shared_toml());
    // Most rules are searched only around their keywords (an optimisation; see analysis.rs).
    let windowed = rules.rules().filter(|r| r.is_windowed()).count();
    assert!(windowed >= 200, "{windowed}");
}

#[test]
fn the_shared_file_loads_through_from_toml_too() {
    let origin = std::path::Path::new("gitleaks.toml");
    let rules = Ruleset::from_toml(&shared_toml(), origin).unwrap();
    assert_eq!(rules.rules().count(), 222);
}

/// AWS' documentation key must not be reported (the rule allowlists `.+EXAMPLE$`), while a
/// key of the same shape with random characters must.
#[test]
fn aws_documentation_key_is_allowlisted_but_a_real_shape_is_not() {
    // Joined at run time so this file does not itself contain the documentation key.
    let example = ["AKIA", "IOSFODNN7", "EXAMPLE"].concat();
    let fake = ["AKIA", "Q3ZT7RWX2KVNM4PL"].concat();
    for (template, path) in [
        ("AWS_ACCESS_KEY_ID={}\n", ".env"),
        ("aws_access_key_id: \"{}\"\n", "config.yaml"),
        ("{{\"AccessKeyId\": \"{}\"}}\n", "creds.json"),
        (
            "client = boto3.client('s3', aws_access_key_id='{}')\n",
            "app.py",
        ),
        ("ENV AWS_ACCESS_KEY_ID={}\n", "Dockerfile"),
    ] {
        let text = template.replace("{}", &example);
        let found = scan(default(), path, &text);
        assert!(found.is_empty(), "{text}: {:?}", ids(&found));
        let text = template.replace("{}", &fake);
        let found = scan(default(), path, &text);
        assert_eq!(
            ids(&found),
            vec![("aws-access-token".to_owned(), 1)],
            "{text}"
        );
        assert_eq!(found[0].secret, fake);
    }
}

/// Values that look like secrets to a naive scanner but are not, in the contexts they
/// really appear in: none may be reported by the default rules.
#[test]
fn realistic_false_positives_yield_nothing() {
    let example_key = ["AKIA", "IOSFODNN7", "EXAMPLE"].concat();
    let cases: Vec<(&str, String)> = vec![
        (".env", "API_KEY=${API_KEY}\n".to_owned()),
        (".env", "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n".to_owned()),
        (".env", "SECRET_KEY=$SECRET_KEY\n".to_owned()),
        (".env", "DB_PASSWORD=%DB_PASSWORD%\n".to_owned()),
        ("values.yaml", "password: \"{{ .Values.db.password }}\"\n".to_owned()),
        ("deploy.yaml", "  api_key: {{ .Values.apiKey }}\n".to_owned()),
        ("config.yaml", "api_key: \"xxxxxxxxxxxxxxxxxxxxxxxx\"\n".to_owned()),
        (".env", "SECRET_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n".to_owned()),
        (".env", "ACCESS_TOKEN=****************\n".to_owned()),
        (".env", format!("AWS_ACCESS_KEY_ID={example_key}\n")),
        ("config.py", "password = None\n".to_owned()),
        ("config.py", "api_key = \"true\"\n".to_owned()),
        ("settings.py", "SECRET_KEY = os.environ[\"SECRET_KEY\"]\n".to_owned()),
        ("main.go", "token := os.Getenv(\"GITHUB_TOKEN\")\n".to_owned()),
        ("app.js", "const apiKey = process.env.API_KEY;\n".to_owned()),
        ("Dockerfile", "ENV API_KEY=\"\"\n".to_owned()),
        (
            "Dockerfile",
            "RUN --mount=type=secret,id=npm_token,target=/root/.npmrc npm ci\n".to_owned(),
        ),
        // UUIDs, git SHAs and digests under names that are not secret names.
        (
            "request.json",
            "{\"request_id\": \"3f2b8c1e-9a4d-4e6f-b1c7-2d5e8f9a0b3c\"}\n".to_owned(),
        ),
        (
            "build.yaml",
            "commit: 9fceb02d0ae598e95dc970b74767f19372d61af8\n".to_owned(),
        ),
        (
            "Dockerfile",
            "FROM alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1\n"
                .to_owned(),
        ),
        (
            "SHA256SUMS",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  file.tar.gz\n"
                .to_owned(),
        ),
        (
            "package-lock.json",
            "\"integrity\": \"sha512-Gn3yGGMlHoUy5uZyU5Cyc/eQwV5Ozv0s7HnZBB/7m7ZAvaWn4sXK4p7tF+gGJVT5oeeJWbLHTm2GR9lv8LAdzPw==\"\n"
                .to_owned(),
        ),
        (
            "vendor-lock.json",
            "\"integrity\": \"sha512-Gn3yGGMlHoUy5uZyU5Cyc/eQwV5Ozv0s7HnZBB/7m7ZAvaWn4sXK4p7tF+gGJVT5oeeJWbLHTm2GR9lv8LAdzPw==\"\n"
                .to_owned(),
        ),
        (
            "go.sum",
            "golang.org/x/text v0.3.0 h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=\n".to_owned(),
        ),
        // Identifiers that merely contain a keyword.
        ("a.py", "keyboard_layout = \"us-international-altgr\"\n".to_owned()),
        ("a.go", "primaryKey := \"customer_identifier_v2\"\n".to_owned()),
        // Images and lockfiles are skipped by path.
        ("logo.png", format!("{}\n", ["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"].concat())),
        ("yarn.lock", format!("{}\n", ["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"].concat())),
    ];
    for (path, text) in &cases {
        let found = scan(default(), path, text);
        assert!(
            found.is_empty(),
            "{path}: {text:?} gave {:?}",
            found
                .iter()
                .map(|f| (&f.rule_id, &f.secret))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_few_known_true_positives() {
    let slack = [
        "xoxb-",
        "1234567890123-1234567890123-",
        "AbCdEfGhIjKlMnOpQrStUvWx",
    ]
    .concat();
    let stripe = ["sk_live_", "51HqLyjWDarjtT1zdp7dcXyZ"].concat();
    let key_body = "MIIEowIBAAKCAQEAvZ4m2yQ9w5Xk1dLz8bT3nF7pR6sJ0hG4cV2aE9uY1iO3kL5qW8xZ7tB6nM4jH2gF0dS8aP6oI4uY2tR1eW3qA5sD7fG9hJ1kL3zX5cV7bN9mQ2wE4rT6yU8iO0pA";
    let pem =
        format!("-----BEGIN RSA PRIVATE KEY-----\n{key_body}\n-----END RSA PRIVATE KEY-----\n");
    let text = format!("SLACK_BOT_TOKEN={slack}\nstripe.api_key = \"{stripe}\"\n{pem}");
    let found = scan(default(), "notes.txt", &text);
    assert_eq!(
        ids(&found),
        vec![
            ("slack-bot-token".to_owned(), 1),
            ("stripe-access-token".to_owned(), 2),
            ("private-key".to_owned(), 3),
        ]
    );
    assert_eq!(found[2].end_line, 5);
    // A PKCS #12 file is a finding by its name alone.
    assert_eq!(
        ids(&scan(default(), "deploy/certs/client.p12", b"\x30\x82\x0a")),
        vec![("pkcs12-file".to_owned(), 0)]
    );
}
