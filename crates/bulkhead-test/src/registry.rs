//! A real `docker-registry` (Debian's package of distribution 2.8) on 127.0.0.1.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::token::{self, TokenServer};
use crate::{require_tool, run};

/// A registry process serving plain HTTP on a free loopback port; killed on drop.
#[derive(Debug)]
pub struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    credentials: Option<(String, String)>,
    token_server: Option<TokenServer>,
}

/// How the registry authenticates clients.
enum Auth<'a> {
    Anonymous,
    /// HTTP basic auth against an htpasswd file (bcrypt).
    Basic(&'a str, &'a str),
    /// The registry token protocol: basic credentials go to a token server, which hands out
    /// bearer JWTs the registry verifies.
    Token(&'a str, &'a str),
}

impl Registry {
    /// Starts an anonymous registry.
    pub fn start() -> Registry {
        Registry::launch(&Auth::Anonymous)
    }

    /// Starts a registry that requires HTTP basic auth (htpasswd, bcrypt) for `user`/`password`.
    pub fn start_with_basic_auth(user: &str, password: &str) -> Registry {
        Registry::launch(&Auth::Basic(user, password))
    }

    /// Starts a registry behind token authentication, with a token server that issues tokens
    /// to `user`/`password` for whatever scope they ask.
    pub fn start_with_token_auth(user: &str, password: &str) -> Registry {
        Registry::launch(&Auth::Token(user, password))
    }

    /// How many bearer tokens the token server has issued (0 without token auth).
    pub fn tokens_issued(&self) -> usize {
        self.token_server
            .as_ref()
            .map_or(0, |t| t.issued.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn launch(auth: &Auth<'_>) -> Registry {
        let binary = require_tool("docker-registry", "docker-registry");
        let dir = tempfile::Builder::new()
            .prefix("bulkhead-registry-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("storage").display()
        );
        let mut credentials = None;
        let mut token_server = None;
        if let Auth::Basic(user, password) = auth {
            credentials = Some(((*user).to_owned(), (*password).to_owned()));
            require_tool("htpasswd", "apache2-utils");
            let htpasswd = dir.path().join("htpasswd");
            run(Command::new("htpasswd").args([
                "-Bbc",
                htpasswd.to_str().unwrap(),
                user,
                password,
            ]));
            let _ = write!(
                config,
                "auth:\n  htpasswd:\n    realm: bulkhead-test\n    path: {}\n",
                htpasswd.display()
            );
        }
        if let Auth::Token(user, password) = auth {
            credentials = Some(((*user).to_owned(), (*password).to_owned()));
            let server = TokenServer::start(dir.path(), user, password);
            let _ = write!(
                config,
                "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                server.port,
                token::SERVICE,
                token::ISSUER,
                server.cert_pem.display()
            );
            token_server = Some(server);
        }
        let config_path = dir.path().join("config.yml");
        fs_err::write(&config_path, config).unwrap();
        let log = fs_err::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log.into_parts().0)
            .spawn()
            .expect("cannot start docker-registry");
        let registry = Registry {
            child,
            port,
            dir,
            credentials,
            token_server,
        };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let request = format!("GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port);
                if stream.write_all(request.as_bytes()).is_ok() {
                    let mut head = [0u8; 12];
                    if stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = fs_err::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default();
        panic!(
            "docker-registry did not come up on port {}:\n{log}",
            self.port
        );
    }

    /// `127.0.0.1:PORT`
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Where the registry stores blobs and manifests (for tampering tests).
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Pushes `source` (any skopeo transport, e.g. `oci:DIR:TAG`) to `REPO:TAG` in this
    /// registry; with `all`, every image of a multi-platform index. Returns the full reference.
    pub fn push(&self, source: &str, repo_tag: &str, all: bool) -> String {
        require_tool("skopeo", "skopeo");
        let dest = format!("{}/{repo_tag}", self.host());
        let mut cmd = Command::new("skopeo");
        cmd.args(["copy", "--quiet", "--dest-tls-verify=false"]);
        if all {
            cmd.arg("--all");
        }
        if let Some((user, password)) = &self.credentials {
            cmd.arg(format!("--dest-creds={user}:{password}"));
        }
        cmd.arg(source).arg(format!("docker://{dest}"));
        run(&mut cmd);
        dest
    }

    /// A docker `config.json` in `dir` holding this registry's credentials.
    pub fn docker_config(&self, dir: &Path) -> PathBuf {
        use base64::Engine as _;
        let (user, password) = self
            .credentials
            .clone()
            .expect("registry has no credentials");
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let path = dir.join("config.json");
        let json = format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, self.host());
        fs_err::write(&path, json).unwrap();
        path
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
