//! Telegram Passport: decrypting the identity data users share with the bot.
//!
//! A user who shares [Telegram Passport](https://core.telegram.org/passport) data with a bot
//! sends a message with [`passport_data`](crate::Message::passport_data): a
//! [`PassportData`] whose contents only the bot can read.
//!
//! - The [`credentials`](PassportData::credentials) hold a secret encrypted with RSA-OAEP
//!   under the bot's public key (the one given to @BotFather); with it, AES-256-CBC opens the
//!   credentials themselves: the nonce the bot chose when it asked for the data, and a secret
//!   and hash for each piece of data and each file.
//! - Each [`EncryptedPassportElement`](crate::EncryptedPassportElement) carries its encrypted data (the fields of personal
//!   details, an identity document or an address) and refers to encrypted files (scans,
//!   selfies, translations) that the bot downloads.
//!
//! [`PassportKey`] is the bot's private key. [`PassportKey::decrypt`] checks the nonce and
//! decrypts everything that came with the message, typed ([`PersonalDetails`],
//! [`IdDocumentData`], [`ResidentialAddress`]); files are downloaded and decrypted on demand
//! ([`SecureFile::download`]). Every piece is checked against the SHA-256 hash Telegram sent
//! with it, so altered data is an error, never garbage.
//!
//! ```no_run
//! use telegram_api::passport::{ElementData, PassportKey};
//! # fn demo(bot: &telegram_api::Bot, message: &telegram_api::Message) -> Result<(), Box<dyn std::error::Error>> {
//! let key = PassportKey::from_pem(&std::fs::read_to_string("private.key")?)?;
//! if let Some(passport) = &message.passport_data {
//!     // The nonce this bot passed to Telegram.Passport.auth for this user.
//!     let decrypted = key.decrypt(passport, "nonce-chosen-for-this-user")?;
//!     for element in &decrypted.elements {
//!         if let Some(ElementData::PersonalDetails(details)) = element.data.as_ref().map(|d| &d.value) {
//!             println!("{} {}", details.first_name, details.last_name);
//!         }
//!         if let Some(front) = &element.front_side {
//!             let jpeg = front.download(bot)?;
//!             println!("front side of {}: {} bytes", element.r#type.as_str(), jpeg.len());
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! When data is not acceptable, tell the user what to fix with
//! [`setPassportDataErrors`](crate::Bot::set_passport_data_errors); the error helpers of
//! [`DecryptedElement`] ([`data_error`](DecryptedElement::data_error),
//! [`front_side_error`](DecryptedElement::front_side_error), ...) fill in the hashes that
//! Telegram needs to know which data is meant.
//!
//! # The private key
//!
//! Make one with `openssl genrsa 2048 > private.key` (or [`PassportKey::generate`]) and give
//! its public half (`openssl rsa -in private.key -pubout`, or
//! [`PassportKey::public_key_pem`]) to @BotFather with `/setpublickey`.
//! [`PassportKey::from_pem`] reads PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1
//! (`BEGIN RSA PRIVATE KEY`) keys of 2048 to 8192 bits, unencrypted.
//!
//! # Why AWS-LC for RSA
//!
//! The bot decrypts a secret that anyone who can send it a message chooses: a forged
//! `passport_data` is an attacker's ciphertext. RSA decryption whose time depends on the
//! ciphertext leaks, over many such attempts, enough to decrypt a secret (the Marvin attack);
//! the pure Rust `rsa` crate has this weakness (RUSTSEC-2023-0071). RSA-OAEP decryption here
//! is AWS-LC's (through `aws-lc-rs`), which is constant time; every other step (SHA-256,
//! SHA-512, AES-256-CBC) is RustCrypto's. Failures of any step are reported the same way
//! whatever the cause inside it, so errors are no oracle either.

use std::fmt;

use aes::cipher::{BlockDecryptMut as _, KeyIvInit as _, block_padding::NoPadding};
use base64::Engine as _;
use sha2::{Digest as _, Sha256, Sha512};

use crate::{EncryptedCredentials, PassportData};

mod elements;
mod key;

pub use elements::{
    Credentials, DataCredentials, DecryptedData, DecryptedElement, DecryptedPassport, ElementData,
    FileCredentials, IdDocumentData, PersonalDetails, ResidentialAddress, SecureData, SecureFile,
    SecureValue,
};
pub use key::PassportKey;

/// Why passport data could not be decrypted or checked.
#[derive(Debug)]
#[non_exhaustive]
pub enum PassportError {
    /// The private key is not an unencrypted RSA private key of 2048 to 8192 bits in PEM,
    /// PKCS#8 or PKCS#1 form.
    InvalidKey,
    /// The cryptographic library failed to make or encode a key.
    Key,
    /// A field that should be base64 is not.
    InvalidBase64 {
        /// Which field.
        what: String,
    },
    /// The credentials' secret does not decrypt with this key: it was encrypted for another
    /// key (the public key given to @BotFather is not this key's) or was altered.
    SecretDecryption,
    /// A ciphertext is empty or not a whole number of AES blocks.
    InvalidCiphertext {
        /// Which ciphertext.
        what: String,
    },
    /// Decrypted data does not match its hash: it was altered, or decrypted with the wrong
    /// secret.
    HashMismatch {
        /// Which data.
        what: String,
    },
    /// Decrypted data does not start with a valid padding length.
    InvalidPadding {
        /// Which data.
        what: String,
    },
    /// Decrypted data is not JSON of the documented shape.
    InvalidJson {
        /// Which data.
        what: String,
        /// The decoding error.
        source: serde_json::Error,
    },
    /// The credentials' nonce is not the one the bot asked with: the data was requested by
    /// someone else, or for another purpose, and is replayed here.
    NonceMismatch,
    /// An element has encrypted data or files but the credentials have no secret for them.
    MissingCredentials {
        /// Which data or file.
        what: String,
    },
    /// An element refers to a different number of files than the credentials have secrets
    /// for.
    FileCountMismatch {
        /// Which files.
        what: String,
    },
    /// Downloading a file failed.
    Download {
        /// Which file.
        what: String,
        /// The error of the download.
        source: crate::Error,
    },
}

use crate::transport::error::untold_cause;

impl fmt::Display for PassportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PassportError::InvalidKey => f.write_str(
                "not an unencrypted rsa private key of 2048 to 8192 bits (pem, pkcs#8 or pkcs#1)",
            ),
            PassportError::Key => f.write_str("the rsa key could not be made or encoded"),
            PassportError::InvalidBase64 { what } => write!(f, "{what} is not base64"),
            PassportError::SecretDecryption => f.write_str(
                "the credentials' secret does not decrypt with this key (another key, or altered)",
            ),
            PassportError::InvalidCiphertext { what } => {
                write!(f, "{what} is not a whole number of aes blocks")
            }
            PassportError::HashMismatch { what } => {
                write!(
                    f,
                    "{what} does not match its hash (altered, or wrong secret)"
                )
            }
            PassportError::InvalidPadding { what } => write!(f, "{what} has an invalid padding"),
            PassportError::InvalidJson { what, source } => {
                write!(f, "{what} is not json of the documented shape: {source}")
            }
            PassportError::NonceMismatch => {
                f.write_str("the credentials' nonce is not the one the bot asked with")
            }
            PassportError::MissingCredentials { what } => {
                write!(f, "the credentials have no secret for {what}")
            }
            PassportError::FileCountMismatch { what } => {
                write!(
                    f,
                    "the credentials have secrets for a different number of {what}"
                )
            }
            PassportError::Download { what, source } => {
                write!(f, "cannot download {what}: {source}")
            }
        }
    }
}

/// The message includes the wrapped error's, so `source()` goes on with the first cause it does
/// not already tell, as for every error of the crate.
impl std::error::Error for PassportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let told = || self.to_string();
        match self {
            PassportError::InvalidJson { source, .. } => untold_cause(&told(), source),
            PassportError::Download { source, .. } => untold_cause(&told(), source),
            _ => None,
        }
    }
}

impl PassportKey {
    /// Decrypts the credentials, checks that their nonce is `nonce` (the one the bot passed to
    /// `Telegram.Passport.auth`), then decrypts the data of every element.
    ///
    /// Files are not downloaded here: each [`SecureFile`] downloads and decrypts its file on
    /// demand.
    ///
    /// # Errors
    ///
    /// Fails as [`decrypt_credentials`](PassportKey::decrypt_credentials) does, with
    /// [`PassportError::NonceMismatch`] when the credentials' nonce is not `nonce`, and with the
    /// error of the first element that does not decrypt: [`PassportError::MissingCredentials`] or
    /// [`PassportError::FileCountMismatch`] when the credentials do not cover it, or an error of
    /// its data as for the credentials.
    pub fn decrypt(
        &self,
        passport: &PassportData,
        nonce: &str,
    ) -> Result<DecryptedPassport, PassportError> {
        let credentials = self.decrypt_credentials(&passport.credentials)?;
        if !constant_time_eq(credentials.nonce.as_bytes(), nonce.as_bytes()) {
            return Err(PassportError::NonceMismatch);
        }
        let elements = passport
            .data
            .iter()
            .map(|element| DecryptedElement::decrypt(element, &credentials.secure_data))
            .collect::<Result<_, _>>()?;
        Ok(DecryptedPassport {
            credentials,
            elements,
        })
    }

    /// Decrypts the credentials alone, without checking their nonce: the caller must compare
    /// [`Credentials::nonce`] with the nonce it asked with.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::InvalidBase64`] when a field is not base64,
    /// [`PassportError::SecretDecryption`] when the secret was not encrypted for this key,
    /// [`PassportError::InvalidCiphertext`], [`PassportError::HashMismatch`] or
    /// [`PassportError::InvalidPadding`] when the data does not decrypt, and
    /// [`PassportError::InvalidJson`] when it is not credentials.
    pub fn decrypt_credentials(
        &self,
        credentials: &EncryptedCredentials,
    ) -> Result<Credentials, PassportError> {
        let encrypted_secret = decode_base64(&credentials.secret, || "the credentials' secret")?;
        let hash = decode_base64(&credentials.hash, || "the credentials' hash")?;
        let data = decode_base64(&credentials.data, || "the credentials' data")?;
        let secret = self.decrypt_secret(&encrypted_secret)?;
        let plain = decrypt_data(&data, &secret, &hash, || "the credentials")?;
        serde_json::from_slice(&plain).map_err(|source| PassportError::InvalidJson {
            what: "the credentials".into(),
            source,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

fn decode_base64<W: Into<String>>(
    text: &str,
    what: impl FnOnce() -> W,
) -> Result<Vec<u8>, PassportError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| PassportError::InvalidBase64 {
            what: what().into(),
        })
}

/// Telegram's scheme for the credentials, each element's data and each file: the key and IV
/// of AES-256-CBC are the first 32 and next 16 bytes of SHA-512(secret ++ hash); the
/// plaintext's SHA-256 is `hash`; its first byte is the length of the random padding that
/// starts it.
fn decrypt_data<W: Into<String>>(
    ciphertext: &[u8],
    secret: &[u8],
    hash: &[u8],
    what: impl FnOnce() -> W,
) -> Result<Vec<u8>, PassportError> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(PassportError::InvalidCiphertext {
            what: what().into(),
        });
    }
    let secret_hash = Sha512::new()
        .chain_update(secret)
        .chain_update(hash)
        .finalize();
    let (key, iv) = (&secret_hash[..32], &secret_hash[32..48]);
    let decryptor = cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into());
    let Ok(mut plain) = decryptor.decrypt_padded_vec_mut::<NoPadding>(ciphertext) else {
        return Err(PassportError::InvalidCiphertext {
            what: what().into(),
        });
    };
    if !constant_time_eq(&Sha256::digest(&plain), hash) {
        return Err(PassportError::HashMismatch {
            what: what().into(),
        });
    }
    let padding = usize::from(plain[0]);
    if padding == 0 || padding > plain.len() {
        return Err(PassportError::InvalidPadding {
            what: what().into(),
        });
    }
    plain.drain(..padding);
    Ok(plain)
}
