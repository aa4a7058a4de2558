//! A Telegram Passport bot: decrypts the passport data users share, checks the nonce it asked
//! with, reads the personal details and downloads the scans, and tells the user what to fix.
//!
//! Offline (no `TELEGRAM_BOT_TOKEN`), it makes a key pair, encrypts passport data for it as
//! Telegram does, then decrypts it, and shows a tampered copy and a replayed one (another
//! nonce) refused. Live, it reads the bot's private key from the PEM file at
//! `TELEGRAM_PASSPORT_KEY` and the nonce from `TELEGRAM_PASSPORT_NONCE` (the one your
//! `Telegram.Passport.auth` page passes), and answers each `passport_data` message.
//!
//! ```sh
//! cargo run -p telegram-api --example passport --features passport
//! ```

use std::error::Error;

use telegram_api::passport::{DecryptedPassport, ElementData, PassportKey};
use telegram_api::{Bot, PassportData};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    match std::env::var("TELEGRAM_BOT_TOKEN") {
        Ok(_) => live(),
        Err(_) => offline(),
    }
}

fn live() -> Result<()> {
    let bot = Bot::from_env()?;
    let pem = std::fs::read_to_string(std::env::var("TELEGRAM_PASSPORT_KEY")?)?;
    let key = PassportKey::from_pem(&pem)?;
    let nonce = std::env::var("TELEGRAM_PASSPORT_NONCE")?;
    println!("waiting for passport data (give @BotFather this public key):");
    println!("{}", key.public_key_pem()?);
    let mut updates = bot.updates();
    while let Some(update) = updates.next() {
        let update = update?;
        let Some(message) = update.message() else {
            continue;
        };
        if let (Some(passport), Some(user)) = (&message.passport_data, &message.from) {
            match key.decrypt(passport, &nonce) {
                Ok(decrypted) => {
                    let reply = describe(&decrypted, Some(&bot));
                    bot.send_message(message.chat.id, reply).call()?;
                    // A scan we cannot accept: the user is asked to upload it again.
                    let errors = decrypted
                        .elements
                        .iter()
                        .filter_map(|e| e.selfie_error("Please take the selfie in daylight"))
                        .collect::<Vec<_>>();
                    if !errors.is_empty() {
                        bot.set_passport_data_errors(user.id, errors).call()?;
                    }
                }
                // Not decryptable with our key, altered, or asked for with another nonce.
                Err(e) => println!("message {}: refused passport data: {e}", message.message_id),
            }
        }
        updates.confirm()?;
    }
    Ok(())
}

/// What the bot learned, in a few lines; with a bot, the sizes of the downloaded scans.
fn describe(passport: &DecryptedPassport, bot: Option<&Bot>) -> String {
    let mut lines = Vec::new();
    for element in &passport.elements {
        let name = element.r#type.as_str();
        match element.data.as_ref().map(|d| &d.value) {
            Some(ElementData::PersonalDetails(p)) => lines.push(format!(
                "{name}: {} {}, born {}, {}",
                p.first_name, p.last_name, p.birth_date, p.country_code
            )),
            Some(ElementData::IdDocument(d)) => lines.push(format!(
                "{name}: number {}, expires {}",
                d.document_no,
                d.expiry_date.as_deref().unwrap_or("never")
            )),
            Some(ElementData::Address(a)) => lines.push(format!(
                "{name}: {}, {} {}",
                a.street_line1, a.post_code, a.city
            )),
            _ => {}
        }
        if let Some(phone) = &element.phone_number {
            lines.push(format!("{name}: {phone}"));
        }
        if let (Some(front), Some(bot)) = (&element.front_side, bot) {
            match front.download(bot) {
                Ok(scan) => lines.push(format!("{name}: front side, {} bytes", scan.len())),
                Err(e) => lines.push(format!("{name}: front side: {e}")),
            }
        }
    }
    lines.join("\n")
}

fn offline() -> Result<()> {
    println!("No TELEGRAM_BOT_TOKEN: encrypting passport data for a new key pair, offline.");
    let key = PassportKey::generate()?;
    let public = key.public_key_pem()?;
    println!(
        "made a {}-bit key; its public half for @BotFather:",
        key.bits()
    );
    println!("{}", public.lines().next().unwrap_or_default());
    println!("...");

    let nonce = "signup-1234567890";
    let (passport, scan) = telegram_side::encrypt_for(&key, nonce)?;

    let decrypted = key.decrypt(&passport, nonce)?;
    println!("decrypted:\n{}", describe(&decrypted, None));
    let front = decrypted.elements[1]
        .front_side
        .as_ref()
        .ok_or("the passport has a front side")?;
    println!(
        "front side decrypted: {:?}",
        String::from_utf8_lossy(&front.decrypt(&scan)?)
    );
    let error = decrypted.elements[1]
        .front_side_error("The photo is blurry")
        .ok_or("the passport has a front side")?;
    println!("setPassportDataErrors would send: {error}");

    let mut tampered = passport.clone();
    // One base64 digit of the personal details changed.
    tampered.data[0].data = tampered.data[0].data.as_ref().map(|d| {
        let swap = if d.starts_with('A') { "B" } else { "A" };
        format!("{swap}{}", &d[1..])
    });
    match key.decrypt(&tampered, nonce) {
        Ok(_) => println!("tampered copy: accepted (it should not be)"),
        Err(e) => println!("tampered copy: refused: {e}"),
    }
    match key.decrypt(&passport, "another-nonce") {
        Ok(_) => println!("replayed copy: accepted (it should not be)"),
        Err(e) => println!("replayed copy: refused: {e}"),
    }
    Ok(())
}

/// What Telegram does with the data a user shares: the documented encryption, for the bot's
/// public key. Only the offline run needs it.
mod telegram_side {
    use aes::cipher::{BlockEncryptMut as _, KeyIvInit as _, block_padding::NoPadding};
    use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
    use base64::Engine as _;
    use sha2::{Digest as _, Sha256, Sha512};

    use super::{PassportData, PassportKey, Result};

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn random(len: usize) -> Result<Vec<u8>> {
        let mut out = vec![0; len];
        aws_lc_rs::rand::fill(&mut out).map_err(|_| "no randomness")?;
        Ok(out)
    }

    /// Random padding (32 to 47 bytes, its length first) and the data, a whole number of AES
    /// blocks, encrypted with AES-256-CBC under SHA-512(secret ++ SHA-256(padded data)).
    /// Returns the ciphertext, the hash and the secret.
    fn encrypt(plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        let secret = random(32)?;
        let pad = 32 + (16 - (plain.len() + 32) % 16) % 16;
        let mut padded = random(pad)?;
        padded[0] = u8::try_from(pad)?;
        padded.extend_from_slice(plain);
        let hash = Sha256::digest(&padded).to_vec();
        let secret_hash = Sha512::new()
            .chain_update(&secret)
            .chain_update(&hash)
            .finalize();
        let (key, iv) = (&secret_hash[..32], &secret_hash[32..48]);
        let encryptor = cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into());
        Ok((
            encryptor.encrypt_padded_vec_mut::<NoPadding>(&padded),
            hash,
            secret,
        ))
    }

    /// Personal details and a passport with its front side, for `key`, asked for with
    /// `nonce`; and the encrypted scan of the front side, as the bot would download it.
    pub fn encrypt_for(key: &PassportKey, nonce: &str) -> Result<(PassportData, Vec<u8>)> {
        let details = r#"{"first_name":"Ann","last_name":"Smith","birth_date":"01.02.1990","gender":"female","country_code":"GB","residence_country_code":"GB","first_name_native":"Ann","last_name_native":"Smith"}"#;
        let (details, details_hash, details_secret) = encrypt(details.as_bytes())?;
        let document = r#"{"document_no":"123456789","expiry_date":"01.01.2030"}"#;
        let (document, document_hash, document_secret) = encrypt(document.as_bytes())?;
        let (scan, scan_hash, scan_secret) = encrypt(b"(a jpeg of the front side)")?;
        let credentials = serde_json::json!({
            "secure_data": {
                "personal_details": {"data": {"data_hash": b64(&details_hash), "secret": b64(&details_secret)}},
                "passport": {
                    "data": {"data_hash": b64(&document_hash), "secret": b64(&document_secret)},
                    "front_side": {"file_hash": b64(&scan_hash), "secret": b64(&scan_secret)}
                }
            },
            "nonce": nonce
        });
        let (data, hash, secret) = encrypt(credentials.to_string().as_bytes())?;
        let public =
            OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&key.public_key_der()?)?)?;
        let mut encrypted_secret = vec![0; public.ciphertext_size()];
        let encrypted_secret =
            public.encrypt(&OAEP_SHA1_MGF1SHA1, &secret, &mut encrypted_secret, None)?;
        let passport = serde_json::json!({
            "data": [
                {"type": "personal_details", "data": b64(&details), "hash": b64(&details_hash)},
                {"type": "passport", "data": b64(&document), "hash": b64(&document_hash),
                 "front_side": {"file_id": "DgADAgADf", "file_unique_id": "AgADf",
                                "file_size": scan.len(), "file_date": 1788256800}}
            ],
            "credentials": {"data": b64(&data), "hash": b64(&hash), "secret": b64(encrypted_secret)}
        });
        Ok((telegram_api::json::from_str(&passport.to_string())?, scan))
    }
}
