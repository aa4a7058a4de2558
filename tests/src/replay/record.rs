//! Record mode: a proxy in front of the real Bot API that writes what it sees as a fixture.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Anonymizer, Exchange, Fault, Fixture, RecordedResponse, observe};
use crate::http::{Reply, Request};

/// The settings of record mode, from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSettings {
    /// The real bot token (`TELEGRAM_BOT_TOKEN`).
    pub token: String,
    /// The Bot API server to record from (`TELEGRAM_API_URL`, by default
    /// `https://api.telegram.org`; a local Bot API server works too).
    pub api_url: String,
    /// The anonymizer's mapping file (`TELEGRAM_ANONYMIZER`, by default
    /// `target/telegram-anonymizer.json` in the workspace).
    pub anonymizer: PathBuf,
}

impl RecordSettings {
    /// Record mode as the environment sets it: on only when `TELEGRAM_RECORD` is `1` (or
    /// `true`). Panics when it is on without `TELEGRAM_BOT_TOKEN`.
    pub fn from_env() -> Option<RecordSettings> {
        let var = |name: &str| std::env::var(name).ok();
        RecordSettings::from_vars(
            var("TELEGRAM_RECORD").as_deref(),
            var("TELEGRAM_BOT_TOKEN").as_deref(),
            var("TELEGRAM_API_URL").as_deref(),
            var("TELEGRAM_ANONYMIZER").as_deref(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Record mode from the values of `TELEGRAM_RECORD`, `TELEGRAM_BOT_TOKEN`,
    /// `TELEGRAM_API_URL` and `TELEGRAM_ANONYMIZER`.
    pub fn from_vars(
        record: Option<&str>,
        token: Option<&str>,
        api_url: Option<&str>,
        anonymizer: Option<&str>,
    ) -> Result<Option<RecordSettings>, String> {
        let on = record.is_some_and(|r| matches!(r.trim(), "1" | "true" | "yes"));
        if !on {
            return Ok(None);
        }
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or("TELEGRAM_RECORD is on but TELEGRAM_BOT_TOKEN is not set")?;
        Ok(Some(RecordSettings {
            token: token.to_owned(),
            api_url: nonempty(api_url)
                .unwrap_or(telegram_api::DEFAULT_API_URL)
                .trim_end_matches('/')
                .to_owned(),
            anonymizer: nonempty(anonymizer)
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace_target().join("telegram-anonymizer.json")),
        }))
    }

    /// A recorder writing to `output`.
    pub fn recorder(&self, output: PathBuf) -> Recorder {
        Recorder::new(
            &self.api_url,
            &self.token,
            Anonymizer::from_file(&self.token, &self.anonymizer),
            output,
        )
    }
}

/// Forwards requests to a Bot API server and keeps the exchanges, anonymized.
///
/// A request is forwarded with the real token in its path and the fixture values of its
/// parameters replaced by real ones ([`Anonymizer::to_real`]); the response goes back to the
/// client and into the fixture with the token removed and people replaced
/// ([`Anonymizer::anonymize_body`]). [`Replay::record`](super::Replay::record) keeps the
/// fixture's own request beside the recorded response.
#[derive(Debug)]
pub struct Recorder {
    upstream: String,
    token: String,
    anonymizer: Anonymizer,
    output: PathBuf,
    agent: ureq::Agent,
}

/// How long the recorder waits for the upstream server (long polls included).
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);

impl Recorder {
    /// A recorder in front of the Bot API server at `upstream` (its root URL), calling it with
    /// `token`, and writing the fixture to `output`.
    pub fn new(
        upstream: &str,
        token: &str,
        anonymizer: Anonymizer,
        output: impl Into<PathBuf>,
    ) -> Recorder {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(UPSTREAM_TIMEOUT))
            .build()
            .new_agent();
        Recorder {
            upstream: upstream.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            anonymizer,
            output: output.into(),
            agent,
        }
    }

    /// The anonymizer in use.
    pub fn anonymizer(&self) -> &Anonymizer {
        &self.anonymizer
    }

    /// Where the fixture is written.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Forwards one request; returns the exchange to record and the reply for the client.
    pub(super) fn forward(&self, request: &Request) -> Result<(Exchange, Reply), String> {
        let recorded = observe(request)?;
        let url = self.upstream_url(&request.path);
        let sent = match request.media_type() {
            None => self.agent.get(&url).call(),
            Some("application/json") => {
                let mut params: Value = request.json();
                self.anonymizer.to_real(&mut params);
                self.agent
                    .post(&url)
                    .header("content-type", "application/json")
                    .send(params.to_string().as_bytes())
            }
            Some(_) => {
                let (content_type, body) = self.multipart_to_real(request);
                self.agent
                    .post(&url)
                    .header("content-type", &content_type)
                    .send(&body[..])
            }
        };
        let response = sent.and_then(|mut r| {
            let status = r.status().as_u16();
            let content_type = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = r
                .body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .read_to_vec()?;
            Ok((status, content_type, body))
        });
        let (status, content_type, body) = match response {
            Ok(r) => r,
            Err(e) => {
                let fault = match e {
                    ureq::Error::Timeout(_) => RecordedResponse {
                        fault: Some(Fault::Stall),
                        stall_ms: Some(UPSTREAM_TIMEOUT.as_millis() as u64),
                        ..RecordedResponse::default()
                    },
                    _ => RecordedResponse {
                        fault: Some(Fault::Close),
                        ..RecordedResponse::default()
                    },
                };
                let exchange = Exchange {
                    request: recorded,
                    response: fault,
                };
                return Ok((exchange, Reply::Close));
            }
        };
        let mut response = RecordedResponse {
            status: Some(status),
            ..RecordedResponse::default()
        };
        if let Some(ct) = &content_type {
            response.headers.insert("content-type".into(), ct.clone());
        }
        let body = match String::from_utf8(body) {
            Ok(text) => {
                let text = self.anonymizer.anonymize_body(&text);
                match RawValue::from_string(text.clone()) {
                    Ok(raw) if !text.trim().is_empty() => response.body = Some(raw),
                    _ => response.body_text = Some(text.clone()),
                }
                text.into_bytes()
            }
            Err(bytes) => {
                let bytes = bytes.into_bytes();
                response.body_base64 =
                    Some(base64::engine::general_purpose::STANDARD.encode(&bytes));
                bytes
            }
        };
        let reply = Reply::Respond {
            status,
            headers: response
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            body,
        };
        Ok((
            Exchange {
                request: recorded,
                response,
            },
            reply,
        ))
    }

    /// The upstream URL of a request path, with the real token in place of the client's.
    fn upstream_url(&self, path: &str) -> String {
        let (prefix, rest) = match path.strip_prefix("/file/bot") {
            Some(rest) => ("/file/bot", rest),
            None => ("/bot", path.strip_prefix("/bot").unwrap_or(path)),
        };
        let rest = rest.split_once('/').map(|(_, r)| r).unwrap_or("");
        format!("{}{prefix}{}/{rest}", self.upstream, self.token)
    }

    /// A multipart body with fixture values replaced by real ones, under a new boundary.
    fn multipart_to_real(&self, request: &Request) -> (String, Vec<u8>) {
        let boundary = "telegram-api-tests-recorder-boundary";
        let mut body = Vec::new();
        for part in request.multipart() {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match &part.filename {
                Some(filename) => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{}\"; filename=\"{filename}\"\r\n\
                             Content-Type: {}\r\n\r\n",
                            part.name,
                            part.content_type.as_deref().unwrap_or("application/octet-stream")
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(&part.body);
                }
                None => {
                    let text = self.anonymizer.field_to_real(&part.name, &part.text());
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{}\"\r\n\r\n{text}",
                            part.name
                        )
                        .as_bytes(),
                    );
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }

    /// Writes the recording of a test that failed to `target/failed-recordings/<fixture name>`
    /// in the workspace (not where fixtures are read from), returning the path.
    pub(super) fn write_failed(&self, fixture: &Fixture) -> PathBuf {
        let path = workspace_target()
            .join("failed-recordings")
            .join(&fixture.name);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(&path, self.anonymizer.remove_token(&fixture.to_json()));
        self.anonymizer.save();
        path
    }

    /// Writes `fixture` to the output file (with any trace of the token removed) and saves the
    /// anonymizer's mapping.
    pub(super) fn write(&self, fixture: &Fixture) {
        let text = self.anonymizer.remove_token(&fixture.to_json());
        let reparsed = Fixture::parse(&fixture.name, &text)
            .unwrap_or_else(|e| panic!("record mode wrote an unreadable fixture: {e}"));
        debug_assert_eq!(reparsed.exchanges.len(), fixture.exchanges.len());
        if let Some(dir) = self.output.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(&self.output, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.output.display()));
        self.anonymizer.save();
    }
}

/// The trimmed value, unless it is empty.
fn nonempty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The `target` folder of the workspace.
fn workspace_target() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).join("target")
}
