//! Known-answer tests of `telegram_api::passport`: passport data encrypted here as Telegram's
//! documentation describes, for an RSA key made in the test.
#![cfg(feature = "passport")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::OnceLock;

use aes::cipher::{BlockEncryptMut as _, KeyIvInit as _, block_padding::NoPadding};
use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PrivateDecryptingKey};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest as _, Sha256, Sha512};
use telegram_api::passport::{ElementData, PassportError, PassportKey};
use telegram_api::{Bot, PassportData, PassportElementType};

const NONCE: &str = "b0f5e6a1-signup-1234567890";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Deterministic "random" bytes: the test needs distinct values, not unpredictable ones.
fn bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(31).wrapping_add(i as u8 ^ 0x5a))
        .collect()
}

/// Telegram's scheme: 32 to 47 bytes of padding whose first byte is its length, then the data,
/// a whole number of AES blocks; hash = SHA-256 of that; key and IV from SHA-512(secret ++ hash).
fn encrypt(plain: &[u8], secret: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let pad = 32 + (16 - (plain.len() + 32) % 16) % 16;
    let mut padded = bytes(plain.len() as u8, pad);
    padded[0] = pad as u8;
    padded.extend_from_slice(plain);
    let hash = Sha256::digest(&padded).to_vec();
    let secret_hash = Sha512::new()
        .chain_update(secret)
        .chain_update(&hash)
        .finalize();
    let encryptor =
        cbc::Encryptor::<aes::Aes256>::new(secret_hash[..32].into(), secret_hash[32..48].into());
    (encryptor.encrypt_padded_vec_mut::<NoPadding>(&padded), hash)
}

struct Keys {
    private_pem: String,
    public: OaepPublicEncryptingKey,
    other_pem: String,
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let make = || PrivateDecryptingKey::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let private = make();
        let other = make();
        Keys {
            private_pem: pem("PRIVATE KEY", private.as_der().unwrap().as_ref()),
            public: OaepPublicEncryptingKey::new(private.public_key()).unwrap(),
            other_pem: pem("PRIVATE KEY", other.as_der().unwrap().as_ref()),
        }
    })
}

fn key() -> PassportKey {
    PassportKey::from_pem(&keys().private_pem).unwrap()
}

/// A front side scan, encrypted: the file's bytes, hash and secret.
struct File {
    encrypted: Vec<u8>,
    hash: Vec<u8>,
    secret: Vec<u8>,
}

fn file(seed: u8, content: &[u8]) -> File {
    let secret = bytes(seed, 32);
    let (encrypted, hash) = encrypt(content, &secret);
    File {
        encrypted,
        hash,
        secret,
    }
}

fn front_side() -> File {
    file(3, b"\xff\xd8\xff\xe0 a jpeg of the front side")
}

fn bill_files() -> [File; 2] {
    [file(4, b"page one"), file(5, b"page two")]
}

fn passport_file(id: &str) -> serde_json::Value {
    json!({"file_id": id, "file_unique_id": format!("u-{id}"), "file_size": 1024, "file_date": 1788256800})
}

/// Passport data of personal details, a passport with its front side and a utility bill of
/// two pages, with the credentials' secret encrypted for `public` and the given nonce.
fn passport_json(nonce: &str) -> serde_json::Value {
    let details = json!({
        "first_name": "Ann", "last_name": "Smith", "birth_date": "01.02.1990", "gender": "female",
        "country_code": "GB", "residence_country_code": "GB",
        "first_name_native": "Ann", "last_name_native": "Smith"
    });
    let details_secret = bytes(1, 32);
    let (details_data, details_hash) = encrypt(details.to_string().as_bytes(), &details_secret);
    let document = json!({"document_no": "123456789", "expiry_date": "01.01.2030"});
    let document_secret = bytes(2, 32);
    let (document_data, document_hash) = encrypt(document.to_string().as_bytes(), &document_secret);
    let front = front_side();
    let bills = bill_files();
    let credentials = json!({
        "secure_data": {
            "personal_details": {"data": {"data_hash": b64(&details_hash), "secret": b64(&details_secret)}},
            "passport": {
                "data": {"data_hash": b64(&document_hash), "secret": b64(&document_secret)},
                "front_side": {"file_hash": b64(&front.hash), "secret": b64(&front.secret)}
            },
            "utility_bill": {"files": bills.iter().map(|f| json!({"file_hash": b64(&f.hash), "secret": b64(&f.secret)})).collect::<Vec<_>>()}
        },
        "nonce": nonce
    });
    let credentials_secret = bytes(9, 32);
    let (credentials_data, credentials_hash) =
        encrypt(credentials.to_string().as_bytes(), &credentials_secret);
    let public = &keys().public;
    let mut secret = vec![0; public.ciphertext_size()];
    let secret = public
        .encrypt(&OAEP_SHA1_MGF1SHA1, &credentials_secret, &mut secret, None)
        .unwrap();
    json!({
        "data": [
            {"type": "personal_details", "data": b64(&details_data), "hash": "aGFzaDE="},
            {"type": "passport", "data": b64(&document_data), "front_side": passport_file("front"), "hash": "aGFzaDI="},
            {"type": "utility_bill", "files": [passport_file("bill1"), passport_file("bill2")], "hash": "aGFzaDM="},
            {"type": "phone_number", "phone_number": "447700900123", "hash": "aGFzaDQ="}
        ],
        "credentials": {"data": b64(&credentials_data), "hash": b64(&credentials_hash), "secret": b64(secret)}
    })
}

fn decode(value: &serde_json::Value) -> PassportData {
    telegram_api::json::from_str(&value.to_string()).unwrap()
}

#[test]
fn credentials_data_and_files_decrypt() {
    let passport = decode(&passport_json(NONCE));
    let decrypted = key().decrypt(&passport, NONCE).unwrap();
    assert_eq!(decrypted.credentials.nonce, NONCE);
    assert_eq!(decrypted.elements.len(), 4);

    let details = decrypted
        .element(&PassportElementType::PersonalDetails)
        .unwrap();
    let Some(ElementData::PersonalDetails(details)) = details.data.as_ref().map(|d| &d.value)
    else {
        panic!("{details:?}");
    };
    assert_eq!(
        (details.first_name.as_str(), details.last_name.as_str()),
        ("Ann", "Smith")
    );
    assert_eq!(details.birth_date, "01.02.1990");
    assert_eq!(details.middle_name, None);

    let document = decrypted.element(&PassportElementType::Passport).unwrap();
    let Some(ElementData::IdDocument(data)) = document.data.as_ref().map(|d| &d.value) else {
        panic!("{document:?}");
    };
    assert_eq!(data.document_no, "123456789");
    assert_eq!(data.expiry_date.as_deref(), Some("01.01.2030"));
    let front = document.front_side.as_ref().unwrap();
    assert_eq!(front.file.file_id, "front");
    assert_eq!(
        front.decrypt(&front_side().encrypted).unwrap(),
        b"\xff\xd8\xff\xe0 a jpeg of the front side"
    );

    let bill = decrypted
        .element(&PassportElementType::UtilityBill)
        .unwrap();
    assert!(bill.data.is_none());
    let pages: Vec<Vec<u8>> = bill
        .files
        .iter()
        .zip(bill_files())
        .map(|(file, encrypted)| file.decrypt(&encrypted.encrypted).unwrap())
        .collect();
    assert_eq!(pages, [b"page one".to_vec(), b"page two".to_vec()]);

    let phone = decrypted
        .element(&PassportElementType::PhoneNumber)
        .unwrap();
    assert_eq!(phone.phone_number.as_deref(), Some("447700900123"));
}

#[test]
fn pkcs1_keys_decrypt_too() {
    // `openssl genrsa` before OpenSSL 3 writes PKCS#1: the RSAPrivateKey inside the PKCS#8
    // document (lengths of two bytes for a 2048-bit key).
    let der = base64::engine::general_purpose::STANDARD
        .decode(
            keys()
                .private_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let octets = &der[4 + 18..];
    assert_eq!(&octets[..2], [0x04, 0x82]);
    let len = usize::from(octets[2]) << 8 | usize::from(octets[3]);
    let pkcs1 = pem("RSA PRIVATE KEY", &octets[4..4 + len]);
    let key = PassportKey::from_pem(&pkcs1).unwrap();
    key.decrypt(&decode(&passport_json(NONCE)), NONCE).unwrap();
}

#[test]
fn a_wrong_nonce_is_rejected() {
    let passport = decode(&passport_json("another-request"));
    assert!(matches!(
        key().decrypt(&passport, NONCE),
        Err(PassportError::NonceMismatch)
    ));
    // Decrypting the credentials alone leaves the nonce to the caller.
    let credentials = key().decrypt_credentials(&passport.credentials).unwrap();
    assert_eq!(credentials.nonce, "another-request");
}

#[test]
fn a_wrong_key_is_rejected() {
    let other = PassportKey::from_pem(&keys().other_pem).unwrap();
    let error = other
        .decrypt(&decode(&passport_json(NONCE)), NONCE)
        .unwrap_err();
    assert!(
        matches!(error, PassportError::SecretDecryption),
        "{error:?}"
    );
    assert!(matches!(
        PassportKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        Err(PassportError::InvalidKey)
    ));
    assert!(matches!(
        PassportKey::from_pem("not a key"),
        Err(PassportError::InvalidKey)
    ));
}

/// Flips one bit of the base64 field at `pointer`.
fn tamper(value: &mut serde_json::Value, pointer: &str, at: usize) {
    let field = value.pointer_mut(pointer).unwrap();
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(field.as_str().unwrap())
        .unwrap();
    raw[at] ^= 1;
    *field = b64(&raw).into();
}

#[test]
fn tampered_data_is_rejected() {
    for (pointer, at) in [
        ("/credentials/data", 40),
        ("/credentials/hash", 0),
        ("/data/0/data", 70),
        ("/data/1/data", 0),
    ] {
        let mut value = passport_json(NONCE);
        tamper(&mut value, pointer, at);
        let error = key().decrypt(&decode(&value), NONCE).unwrap_err();
        assert!(
            matches!(error, PassportError::HashMismatch { .. }),
            "{pointer}: {error:?}"
        );
    }
    let mut value = passport_json(NONCE);
    tamper(&mut value, "/credentials/secret", 10);
    assert!(matches!(
        key().decrypt(&decode(&value), NONCE),
        Err(PassportError::SecretDecryption)
    ));
    // A file altered on the way.
    let decrypted = key()
        .decrypt(&decode(&passport_json(NONCE)), NONCE)
        .unwrap();
    let front = decrypted.elements[1].front_side.as_ref().unwrap();
    let mut encrypted = front_side().encrypted;
    encrypted[20] ^= 1;
    let error = front.decrypt(&encrypted).unwrap_err();
    assert!(matches!(error, PassportError::HashMismatch { .. }));
    assert_eq!(
        error.to_string(),
        "the file u-front does not match its hash (altered, or wrong secret)"
    );
    // Another element's file under this file's secret.
    assert!(matches!(
        front.decrypt(&bill_files()[0].encrypted),
        Err(PassportError::HashMismatch { .. })
    ));
}

#[test]
fn truncated_and_malformed_ciphertexts_are_rejected() {
    let mut value = passport_json(NONCE);
    let data = value["credentials"]["data"].as_str().unwrap().to_string();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&data)
        .unwrap();
    for len in [0, 5, raw.len() - 1, raw.len() - 16] {
        value["credentials"]["data"] = b64(&raw[..len]).into();
        let error = key().decrypt(&decode(&value), NONCE).unwrap_err();
        match len % 16 {
            0 if len > 0 => assert!(matches!(error, PassportError::HashMismatch { .. })),
            _ => assert!(
                matches!(error, PassportError::InvalidCiphertext { .. }),
                "{len}: {error:?}"
            ),
        }
    }
    let mut value = passport_json(NONCE);
    let secret = value["credentials"]["secret"].as_str().unwrap().to_string();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&secret)
        .unwrap();
    value["credentials"]["secret"] = b64(&raw[..raw.len() - 1]).into();
    assert!(matches!(
        key().decrypt(&decode(&value), NONCE),
        Err(PassportError::SecretDecryption)
    ));
    let mut value = passport_json(NONCE);
    value["data"][0]["data"] = "not base64!".into();
    assert!(matches!(
        key().decrypt(&decode(&value), NONCE),
        Err(PassportError::InvalidBase64 { .. })
    ));
    let decrypted = key()
        .decrypt(&decode(&passport_json(NONCE)), NONCE)
        .unwrap();
    let front = decrypted.elements[1].front_side.as_ref().unwrap();
    for encrypted in [&[][..], &[1; 15], &[1; 17]] {
        assert!(matches!(
            front.decrypt(encrypted),
            Err(PassportError::InvalidCiphertext { .. })
        ));
    }
}

#[test]
fn elements_without_credentials_are_rejected() {
    let mut value = passport_json(NONCE);
    value["data"][2]["files"]
        .as_array_mut()
        .unwrap()
        .push(passport_file("bill3"));
    assert!(matches!(
        key().decrypt(&decode(&value), NONCE),
        Err(PassportError::FileCountMismatch { .. })
    ));
    let mut value = passport_json(NONCE);
    value["data"][1]["selfie"] = passport_file("selfie");
    let error = key().decrypt(&decode(&value), NONCE).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the credentials have no secret for the selfie of passport"
    );
    let mut value = passport_json(NONCE);
    value["data"][0]["type"] = "address".into();
    assert!(matches!(
        key().decrypt(&decode(&value), NONCE),
        Err(PassportError::MissingCredentials { .. })
    ));
}

#[test]
fn errors_point_at_the_data_and_files_by_their_hashes() {
    let passport = decode(&passport_json(NONCE));
    let decrypted = key().decrypt(&passport, NONCE).unwrap();
    let secure = &decrypted.credentials.secure_data;
    let document = decrypted.element(&PassportElementType::Passport).unwrap();
    let document_credentials = secure.get(&PassportElementType::Passport).unwrap();
    let front = front_side();

    let data = document.data_error("document_no", "Unreadable").unwrap();
    assert_eq!(
        serde_json::to_value(&data).unwrap(),
        json!({"source": "data", "type": "passport", "field_name": "document_no",
            "data_hash": document_credentials.data.as_ref().unwrap().data_hash, "message": "Unreadable"})
    );
    let front_error = document.front_side_error("Blurry").unwrap();
    assert_eq!(
        serde_json::to_value(&front_error).unwrap(),
        json!({"source": "front_side", "type": "passport", "file_hash": b64(&front.hash), "message": "Blurry"})
    );
    assert!(document.reverse_side_error("x").is_none());
    assert!(document.selfie_error("x").is_none());
    assert!(document.files_error("x").is_none());
    assert!(document.translation_files_error("x").is_none());
    assert_eq!(
        serde_json::to_value(document.unspecified_error("Expired")).unwrap(),
        json!({"source": "unspecified", "type": "passport", "element_hash": "aGFzaDI=", "message": "Expired"})
    );

    let bill = decrypted
        .element(&PassportElementType::UtilityBill)
        .unwrap();
    let hashes: Vec<String> = bill_files().iter().map(|f| b64(&f.hash)).collect();
    assert_eq!(
        serde_json::to_value(bill.files_error("Too old")).unwrap(),
        json!({"source": "files", "type": "utility_bill", "file_hashes": hashes, "message": "Too old"})
    );
    assert_eq!(
        serde_json::to_value(bill.file_error(&bill.files[1], "Cut off")).unwrap(),
        json!({"source": "file", "type": "utility_bill", "file_hash": hashes[1], "message": "Cut off"})
    );
    assert!(bill.data_error("x", "y").is_none());
}

#[test]
fn secrets_are_not_shown() {
    let decrypted = key()
        .decrypt(&decode(&passport_json(NONCE)), NONCE)
        .unwrap();
    let shown = format!("{decrypted:?} {:?}", key());
    for secret in [bytes(1, 32), bytes(2, 32), bytes(3, 32)] {
        assert!(!shown.contains(&b64(&secret)), "{shown}");
    }
    assert!(format!("{:?}", key()).contains("2048"));
}

/// A Bot API server on a loopback port answering `getFile` and the file download.
fn file_server(encrypted: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = if request.contains("/getFile") {
                json!({"ok": true, "result": {"file_id": "front", "file_unique_id": "u-front",
                    "file_size": encrypted.len(), "file_path": "passport/file_1.jpg"}})
                .to_string()
                .into_bytes()
            } else if request.contains("/file/bot") && request.contains("passport/file_1.jpg") {
                encrypted.clone()
            } else {
                b"{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}".to_vec()
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    format!("http://{address}")
}

#[test]
fn files_download_through_the_bot_and_decrypt() {
    let decrypted = key()
        .decrypt(&decode(&passport_json(NONCE)), NONCE)
        .unwrap();
    let front = decrypted.elements[1].front_side.as_ref().unwrap();
    let bot = Bot::new("123:TEST").with_api_url(file_server(front_side().encrypted));
    assert_eq!(
        front.download(&bot).unwrap(),
        b"\xff\xd8\xff\xe0 a jpeg of the front side"
    );
    // A server that is not there: the message tells the download's error, and no cause in the
    // chain of sources repeats what the error before it told.
    let gone = Bot::new("123:TEST").with_api_url("http://127.0.0.1:9");
    let error = front.download(&gone).unwrap_err();
    let mut told = error.to_string();
    assert!(
        told.starts_with("cannot download the file u-front: getFile: connection failed"),
        "{told}"
    );
    let mut next = std::error::Error::source(&error);
    while let Some(cause) = next {
        let text = cause.to_string();
        assert!(!told.contains(&text), "{text:?} repeats {told:?}");
        told = text;
        next = cause.source();
    }
}
