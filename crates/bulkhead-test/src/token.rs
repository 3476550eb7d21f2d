//! A minimal token server for the docker registry token authentication protocol, so tests can
//! exercise the bearer-token flow against the real `docker-registry`: clients send basic
//! credentials to `/token?service=…&scope=…` and get an ES256 JWT whose `x5c` header carries a
//! certificate the registry trusts (`auth.token.rootcertbundle`). Keys, certificates and
//! signatures come from the `openssl` command, so no crypto is reimplemented here.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::json;

use crate::{require_tool, run};

pub(crate) const SERVICE: &str = "bulkhead-test-registry";
pub(crate) const ISSUER: &str = "bulkhead-test-token-issuer";

/// A running token server; stops accepting when dropped.
#[derive(Debug)]
pub(crate) struct TokenServer {
    pub(crate) port: u16,
    pub(crate) cert_pem: PathBuf,
    stop: Arc<AtomicBool>,
    /// How many tokens were issued (tests assert the bearer flow really happened).
    pub(crate) issued: Arc<AtomicUsize>,
}

impl TokenServer {
    pub(crate) fn start(dir: &Path, user: &str, password: &str) -> TokenServer {
        require_tool("openssl", "openssl");
        let key = dir.join("token-key.pem");
        let cert_pem = dir.join("token-cert.pem");
        run(Command::new("openssl").args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=bulkhead-test-token",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert_pem.to_str().unwrap(),
        ]));
        let cert_der = dir.join("token-cert.der");
        run(Command::new("openssl").args([
            "x509",
            "-in",
            cert_pem.to_str().unwrap(),
            "-outform",
            "DER",
            "-out",
            cert_der.to_str().unwrap(),
        ]));
        let x5c =
            base64::engine::general_purpose::STANDARD.encode(fs_err::read(&cert_der).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let issued = Arc::new(AtomicUsize::new(0));
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        let (stop_flag, counter) = (Arc::clone(&stop), Arc::clone(&issued));
        std::thread::spawn(move || {
            while !stop_flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        if serve(stream, &expected, &key, &x5c) {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
        });
        TokenServer {
            port,
            cert_pem,
            stop,
            issued,
        }
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Answers one request; true if it issued a token.
fn serve(stream: TcpStream, expected_auth: &str, key: &Path, x5c: &str) -> bool {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return false;
    }
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            authorized = value.trim() == expected_auth;
        }
    }
    let mut stream = stream;
    if !authorized {
        let _ = stream.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return false;
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let access: Vec<serde_json::Value> = query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("scope="))
        .map(percent_decode)
        .filter_map(|scope| {
            // `repository:NAME:pull,push`; NAME may itself hold no colon.
            let mut parts = scope.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            Some(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
        })
        .collect();
    let token = sign_jwt(key, x5c, &access);
    let body = json!({"token": token, "access_token": token, "expires_in": 300}).to_string();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).is_ok()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn sign_jwt(key: &Path, x5c: &str, access: &[serde_json::Value]) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = json!({"alg": "ES256", "typ": "JWT", "x5c": [x5c]});
    let claims = json!({
        "iss": ISSUER, "sub": "tester", "aud": SERVICE,
        "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{now}-{}", access.len()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign", key.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(signing_input.as_bytes())
        .unwrap();
    let der = child.wait_with_output().unwrap().stdout;
    format!("{signing_input}.{}", b64(&der_ecdsa_to_raw(&der)))
}

/// An ECDSA signature as openssl writes it (DER `SEQUENCE { INTEGER r, INTEGER s }`) to the
/// fixed 64-byte `r || s` form JWS requires.
fn der_ecdsa_to_raw(der: &[u8]) -> Vec<u8> {
    let mut pos = 2; // SEQUENCE tag and (short) length
    let mut out = Vec::with_capacity(64);
    for _ in 0..2 {
        assert_eq!(der[pos], 0x02, "expected an INTEGER in the signature");
        let len = der[pos + 1] as usize;
        let int = &der[pos + 2..pos + 2 + len];
        let int = &int[int.len().saturating_sub(32)..];
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        pos += 2 + len;
    }
    out
}
