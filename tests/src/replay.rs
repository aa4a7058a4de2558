//! Bot API exchanges as fixtures, and the loopback server that replays them.
//!
//! A [`Fixture`] is a JSON file under `tests/fixtures/` holding one or more [`Exchange`]s: a
//! request as the client must send it and the response the Bot API answers (or a network
//! fault). The fixtures in this repository are written by hand from the Bot API's documented
//! wire format. [`Replay::serve`] serves a fixture on `127.0.0.1:0`: each incoming request is checked against
//! the next recorded one (JSON parameters compared as JSON values, `multipart/form-data` part by
//! part, uploads by file name, size and SHA-256) and answered with the recorded response.
//! [`Replay::finish`] (or dropping the [`Replay`]) fails the test with a readable diff when a
//! request differed from the recording, came unexpected, or a recorded exchange was never used.
//!
//! ```
//! use telegram_api_tests::replay::{Fixture, Replay};
//!
//! let replay = Replay::serve(Fixture::walkthrough());
//! let bot = replay.bot(); // any token is accepted
//! let me = bot.get_me().call()?;
//! assert!(me.is_bot);
//! let updates = bot.get_updates().timeout(30).call()?;
//! let user = updates[0].message().and_then(|m| m.from.as_ref()).expect("a message");
//! bot.send_message(user.id, "Hi John!").call()?;
//! bot.get_updates().offset(updates[0].update_id + 1).limit(1).timeout(0).call()?;
//! replay.finish(); // panics with a diff if anything differed
//! # Ok::<(), telegram_api::Error>(())
//! ```

mod compare;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_derive::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::http::{Reply, Request, Server};

pub use compare::{json_differences, observe};

/// The token of the bots that tests point at a [`Replay`]. The replay server accepts any token;
/// fixtures never contain one (a request is stored by method name).
pub const PLACEHOLDER_TOKEN: &str = "123456789:REPLAY-placeholder-token";

/// A recorded conversation with the Bot API: what the client sent and what came back.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The file's path under `tests/fixtures/` (`walkthrough.json`), or a name given to
    /// [`Fixture::parse`].
    #[serde(skip)]
    pub name: String,
    /// What the exchanges show.
    pub description: String,
    /// `Type.field` names the fixture uses on purpose although the Bot API description does not
    /// define them (an update kind from a newer Bot API); the conformance check allows these.
    #[serde(default)]
    pub not_in_spec: Vec<String>,
    /// The exchanges, in the order the client makes them.
    pub exchanges: Vec<Exchange>,
}

/// One request and its response.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// What the client must send.
    pub request: RecordedRequest,
    /// What the server answers.
    pub response: RecordedResponse,
}

/// A request as recorded: where it went and its parameters.
///
/// A Bot API call has a [`method`](Self::method) (`POST /bot<token>/<method>`); a file download
/// has a [`download`](Self::download) path instead (`GET /file/bot<token>/<file_path>`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    /// The Bot API method, such as `sendMessage`.
    #[serde(default)]
    pub method: Option<String>,
    /// The `file_path` of a file download.
    #[serde(default)]
    pub download: Option<String>,
    /// Whether the request went to the test environment (`/bot<token>/test/<method>`).
    #[serde(default)]
    pub test_environment: bool,
    /// The HTTP method: `POST` for calls, `GET` for downloads.
    pub http_method: String,
    /// The media type of the body, without parameters: `application/json` or
    /// `multipart/form-data`; absent for a request without a body.
    #[serde(default)]
    pub content_type: Option<String>,
    /// The parameters of an `application/json` body.
    #[serde(default)]
    pub json: Option<Value>,
    /// The parts of a `multipart/form-data` body.
    #[serde(default)]
    pub multipart: Option<Multipart>,
}

impl RecordedRequest {
    /// What the request is for: the method name or `download <file_path>`.
    pub fn target(&self) -> String {
        match (&self.method, &self.download) {
            (Some(m), _) => m.clone(),
            (None, Some(path)) => format!("download {path}"),
            (None, None) => "(nothing)".into(),
        }
    }
}

/// The parts of a `multipart/form-data` request, by part name.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Multipart {
    /// The form fields. A JSON string stands for the field's exact text (`"caption": "a cat"`);
    /// any other JSON value is compared with the field's text read as JSON (`"chat_id": 42`,
    /// `"media": [{"type": "photo", ...}]`), since that is how non-string parameters travel.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// The uploads.
    #[serde(default)]
    pub files: BTreeMap<String, FilePart>,
}

/// An uploaded file part: its file name and a digest of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FilePart {
    /// The `filename` of the part.
    pub filename: String,
    /// The number of bytes.
    pub size: u64,
    /// The SHA-256 of the bytes, in lower-case hex.
    pub sha256: String,
}

impl FilePart {
    /// The description of an upload of `bytes` under `filename`.
    pub fn of(filename: impl Into<String>, bytes: &[u8]) -> FilePart {
        FilePart {
            filename: filename.into(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A network fault in place of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The connection is closed without an answer.
    Close,
    /// The status line and headers announce `declared_length` bytes, only the body given is
    /// sent, and the connection is closed.
    Truncated,
    /// Nothing is sent for `stall_ms` milliseconds (the client should time out first).
    Stall,
}

/// A response as recorded: status, the headers that matter and the body exactly as received, or
/// a [`Fault`].
///
/// The body is one of `body` (JSON, served byte for byte as it is written in the fixture file),
/// `body_text` (any other text, such as a proxy's HTML page or a cut-off JSON document) or
/// `body_base64` (bytes, such as a downloaded file).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// A fault instead of a complete response.
    #[serde(default)]
    pub fault: Option<Fault>,
    /// The HTTP status (not used by `close` and `stall`).
    #[serde(default)]
    pub status: Option<u16>,
    /// Headers, names in lower case (`content-type`); `content-length` is computed.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default)]
    pub body: Option<Box<RawValue>>,
    /// A body that is text but not JSON.
    #[serde(default)]
    pub body_text: Option<String>,
    /// A binary body, base64-encoded.
    #[serde(default)]
    pub body_base64: Option<String>,
    /// For `truncated`: the content length announced.
    #[serde(default)]
    pub declared_length: Option<usize>,
    /// For `stall`: how long nothing is sent, in milliseconds.
    #[serde(default)]
    pub stall_ms: Option<u64>,
}

impl RecordedResponse {
    /// The body's bytes (empty when there is none).
    pub fn body_bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.body, &self.body_text, &self.body_base64) {
            (Some(json), None, None) => Ok(json.get().as_bytes().to_vec()),
            (None, Some(text), None) => Ok(text.as_bytes().to_vec()),
            (None, None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("body_base64 is not base64: {e}")),
            (None, None, None) => Ok(Vec::new()),
            _ => Err("a response has one of body, body_text and body_base64".into()),
        }
    }

    /// The body as JSON, when it is `body`.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(self.body.as_ref()?.get()).ok()
    }

    /// The reply the server gives.
    pub fn to_reply(&self) -> Result<Reply, String> {
        let body = self.body_bytes()?;
        let status = || self.status.ok_or("a response needs a status");
        match self.fault {
            None => Ok(Reply::Respond {
                status: status()?,
                headers: self
                    .headers
                    .iter()
                    .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
                    .map(|(n, v)| (n.clone(), v.clone()))
                    .collect(),
                body,
            }),
            Some(Fault::Truncated) => {
                let declared = self
                    .declared_length
                    .ok_or("a truncated response needs declared_length")?;
                if declared <= body.len() {
                    return Err(format!(
                        "declared_length {declared} is not longer than the {} bytes sent",
                        body.len()
                    ));
                }
                Ok(Reply::Truncated {
                    status: status()?,
                    body,
                    declared,
                })
            }
            Some(Fault::Close) => Ok(Reply::Close),
            Some(Fault::Stall) => Ok(Reply::Stall(Duration::from_millis(
                self.stall_ms.ok_or("a stall needs stall_ms")?,
            ))),
        }
    }
}

impl Fixture {
    /// Reads a fixture from its JSON text; `name` is used in messages.
    pub fn parse(name: &str, text: &str) -> Result<Fixture, String> {
        let mut fixture: Fixture =
            serde_json::from_str(text).map_err(|e| format!("fixture {name}: {e}"))?;
        fixture.name = name.to_owned();
        fixture.validate()?;
        Ok(fixture)
    }

    /// Checks that every exchange is complete and consistent.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        for (i, e) in self.exchanges.iter().enumerate() {
            let at = |m: String| format!("fixture {name}, exchange {}: {m}", i + 1);
            let r = &e.request;
            match (&r.method, &r.download) {
                (Some(_), None) | (None, Some(_)) => {}
                _ => return Err(at("a request has either a method or a download".into())),
            }
            match (r.content_type.as_deref(), &r.json, &r.multipart) {
                (Some("application/json"), Some(_), None)
                | (Some("multipart/form-data"), None, Some(_))
                | (None, None, None) => {}
                _ => {
                    return Err(at(
                        "content_type application/json goes with json, multipart/form-data with \
                         multipart, and no content_type with neither"
                            .into(),
                    ));
                }
            }
            if let Some(m) = &r.multipart {
                for (part, f) in &m.files {
                    if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(at(format!("file part {part}: sha256 is not 64 hex digits")));
                    }
                }
            }
            e.response.to_reply().map_err(at)?;
        }
        Ok(())
    }

    /// The folder of the committed fixtures (`tests/fixtures/` in the workspace).
    pub fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
    }

    /// Reads `tests/fixtures/<name>`; panics with the reason when it cannot.
    pub fn load(name: &str) -> Fixture {
        let path = Fixture::dir().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
        Fixture::parse(name, &text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every fixture under `tests/fixtures/`, sorted by name.
    pub fn all() -> Vec<Fixture> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let entries = std::fs::read_dir(dir)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "json") {
                    out.push(path);
                }
            }
        }
        let root = Fixture::dir();
        let mut paths = Vec::new();
        walk(&root, &mut paths);
        paths.sort();
        paths
            .iter()
            .map(|p| {
                let name = p.strip_prefix(&root).expect("under the fixtures folder");
                Fixture::load(&name.to_string_lossy().replace('\\', "/"))
            })
            .collect()
    }

    /// The walkthrough, built into the crate so that programs outside the tests can replay it:
    /// `getMe`, then `getUpdates` returning a private text message, then `sendMessage` replying
    /// to it.
    pub fn walkthrough() -> Fixture {
        Fixture::parse(
            "walkthrough.json",
            include_str!("../fixtures/walkthrough.json"),
        )
        .expect("the walkthrough fixture is valid")
    }
}

/// What the replay server has seen.
#[derive(Default)]
struct State {
    /// The index of the next recorded exchange.
    next: usize,
    /// Requests that differed from the recording or came unexpected.
    failures: Vec<String>,
}

/// A running replay server for one fixture; see the [module docs](self).
pub struct Replay {
    server: Server,
    fixture: Arc<Fixture>,
    state: Arc<Mutex<State>>,
    finished: bool,
}

impl Replay {
    /// Serves `fixture` on `127.0.0.1:0`.
    pub fn serve(fixture: Fixture) -> Replay {
        let fixture = Arc::new(fixture);
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let (fixture, state) = (fixture.clone(), state.clone());
            Server::start(move |request| answer(&fixture, &state, request))
        };
        Replay {
            server,
            fixture,
            state,
            finished: false,
        }
    }

    /// The server's root URL, for [`Bot::with_api_url`](telegram_api::Bot::with_api_url).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A bot talking to this server, with [`PLACEHOLDER_TOKEN`].
    pub fn bot(&self) -> telegram_api::Bot {
        telegram_api::Bot::new(PLACEHOLDER_TOKEN).with_api_url(self.url())
    }

    /// The fixture being served.
    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// Every request the server received, as it received it.
    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// `Ok` when every request so far matched its recording and every recorded exchange was
    /// used; otherwise a report of what differed.
    pub fn check(&self) -> Result<(), String> {
        let state = self.state.lock().unwrap();
        let mut problems = state.failures.clone();
        let unused = &self.fixture.exchanges[state.next.min(self.fixture.exchanges.len())..];
        for (i, e) in unused.iter().enumerate() {
            problems.push(format!(
                "exchange {} of {} ({}): no matching request came",
                state.next + i + 1,
                self.fixture.exchanges.len(),
                e.request.target()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "replay of fixture {}:\n{}",
                self.fixture.name,
                problems.join("\n\n")
            ))
        }
    }

    /// Ends the replay: panics with the report of [`check`](Self::check) when anything
    /// differed.
    pub fn finish(mut self) {
        self.finished = true;
        self.conclude();
    }

    /// Ends the replay without checking that every exchange came: for a run that is meant
    /// to send none of them (updates delivered again that were handled before).
    pub fn discard(mut self) {
        self.finished = true;
    }

    fn conclude(&self) {
        if let Err(report) = self.check() {
            panic!("{report}");
        }
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if std::thread::panicking() {
            // The test failed already: show what the server saw.
            if let Err(report) = self.check() {
                eprintln!("{report}");
            }
            return;
        }
        self.conclude();
    }
}

/// Checks a request against the next recorded exchange and picks the reply.
fn answer(fixture: &Fixture, state: &Mutex<State>, request: &Request) -> Reply {
    match expect(fixture, state, request) {
        Ok(expected) => expected
            .response
            .to_reply()
            .expect("validated when the fixture was read"),
        Err(reply) => reply,
    }
}

/// Checks a request against the next exchange of the fixture: that exchange when they match
/// (and the replay moves past it), or the reply that reports the mismatch.
fn expect<'f>(
    fixture: &'f Fixture,
    state: &Mutex<State>,
    request: &Request,
) -> Result<&'f Exchange, Reply> {
    let mut state = state.lock().unwrap();
    let total = fixture.exchanges.len();
    let observed = observe(request);
    let Some(expected) = fixture.exchanges.get(state.next) else {
        let shown = match &observed {
            Ok(o) => format!(
                "{}\n  got: {}",
                o.target(),
                compare::show_request(o).replace('\n', "\n       ")
            ),
            Err(e) => e.clone(),
        };
        let failure = format!(
            "unexpected request {} (the fixture has {total} exchanges): {shown}",
            state.next + state.failures.len() + 1
        );
        state.failures.push(failure.clone());
        return Err(mismatch_reply(&failure));
    };
    let differences = match &observed {
        Ok(o) => compare::differences(&expected.request, o),
        Err(e) => vec![e.clone()],
    };
    if differences.is_empty() {
        state.next += 1;
        return Ok(expected);
    }
    let mut failure = format!(
        "exchange {} of {total} ({}): the request differs from the recording\n  {}",
        state.next + 1,
        expected.request.target(),
        differences.join("\n  ")
    );
    failure.push_str(&format!(
        "\n  expected: {}",
        compare::show_request(&expected.request).replace('\n', "\n            ")
    ));
    if let Ok(o) = &observed {
        failure.push_str(&format!(
            "\n  got:      {}",
            compare::show_request(o).replace('\n', "\n            ")
        ));
    }
    state.failures.push(failure.clone());
    Err(mismatch_reply(&failure))
}

/// The HTTP status of the answer to a request that differs from the recording: not one the Bot
/// API uses, so that no test mistakes it for a recorded error.
pub const MISMATCH_STATUS: u16 = 418;

fn mismatch_reply(failure: &str) -> Reply {
    let body = serde_json::json!({
        "ok": false,
        "error_code": MISMATCH_STATUS,
        "description": format!("Replay mismatch: {failure}"),
    });
    Reply::json(MISMATCH_STATUS, body.to_string())
}
