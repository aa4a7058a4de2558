//! `Application::run_webhook` serving HTTPS itself (`Webhook::tls`, the `webhook-tls` feature):
//! updates over TLS are handled and answered, a client that does not finish its handshake is
//! cut off at the header timeout without holding up others, and unreadable certificate files
//! fail the run at start.
#![cfg(feature = "webhook-tls")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use telegram_api::Bot;
use telegram_api::ext::{Application, Context, Handler, RunError, Webhook};
use telegram_api_tests::updates;
use telegram_api_tests::wait::{Log, PATIENCE};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// Posts `body` to `path` over HTTPS, trusting only the fixture's certificate, and returns the
/// raw response.
fn post_tls(addr: SocketAddr, path: &str, body: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(fixture("cert.pem")).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let client = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut stream = rustls::StreamOwned::new(client, tcp);
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = Vec::new();
    // The answer is all there is; how the connection ends after it does not matter here.
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

#[test]
fn updates_come_over_tls_and_a_stalled_handshake_holds_up_no_one() {
    let handled: Arc<Log<i64>> = Arc::default();
    let app = {
        let handled = handled.clone();
        Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .handler(Handler::update(
                |_| true,
                move |ctx: &Context| {
                    handled.push(ctx.update().unwrap().update_id);
                    Ok::<_, std::io::Error>(())
                },
            ))
            .build()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = app.stop_handle();
    let timeout = Duration::from_secs(2);
    let runner = std::thread::spawn(move || {
        app.run_webhook(
            Webhook::from_listener(listener)
                .path("/hook")
                .header_timeout(timeout)
                .tls(fixture("cert.pem"), fixture("key.pem")),
        )
    });

    // A client that connects and never starts its handshake.
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled.set_read_timeout(Some(PATIENCE)).unwrap();
    let connected = Instant::now();

    let update = updates::text(7, 70, "over tls").json();
    let response = post_tls(addr, "/hook", &update);
    assert!(response.starts_with("HTTP/1.1 200"), "{response:?}");
    assert_eq!(handled.wait_len(1), [7]);
    assert!(post_tls(addr, "/elsewhere", "{}").starts_with("HTTP/1.1 404"));
    // Plain HTTP on the TLS port gets no answer, and the server goes on.
    let mut plain = TcpStream::connect(addr).unwrap();
    plain.set_read_timeout(Some(PATIENCE)).unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/1.1 200"));

    // The stalled one is closed at the header timeout.
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    let after = connected.elapsed();
    assert!(
        after >= timeout - Duration::from_millis(200) && after < timeout + Duration::from_secs(2),
        "closed after {after:?}"
    );
    assert!(rest.is_empty());

    stop.stop();
    runner.join().unwrap().unwrap();
}

#[test]
fn an_unreadable_certificate_or_key_fails_the_run_at_start() {
    let run = |cert: PathBuf, key: PathBuf| {
        let app = Application::builder(Bot::new("1:T").with_api_url("http://127.0.0.1:9"))
            .handle_signals(false)
            .build();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        app.run_webhook(Webhook::from_listener(listener).tls(cert, key))
    };
    let missing = fixture("missing.pem");
    let Err(RunError::Io(e)) = run(missing.clone(), fixture("key.pem")) else {
        panic!("a missing certificate file was accepted");
    };
    assert!(e.to_string().contains("missing.pem"), "{e}");
    // A certificate where the key should be: no key in it.
    let Err(RunError::Io(e)) = run(fixture("cert.pem"), fixture("cert.pem")) else {
        panic!("a file without a key was accepted");
    };
    assert!(e.to_string().contains("cert.pem"), "{e}");
}
