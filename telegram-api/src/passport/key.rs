//! The bot's RSA private key: reading, making and writing it, and RSA-OAEP decryption.

use std::fmt;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeySize, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use base64::Engine as _;

use super::PassportError;

/// The bot's RSA private key, whose public half Telegram encrypts passport data for.
///
/// Its `Debug` output shows the key's size only.
pub struct PassportKey {
    key: OaepPrivateDecryptingKey,
    private: PrivateDecryptingKey,
}

impl fmt::Debug for PassportKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassportKey")
            .field("bits", &self.private.key_size_bits())
            .finish_non_exhaustive()
    }
}

const PKCS8_LABEL: &str = "PRIVATE KEY";
const PKCS1_LABEL: &str = "RSA PRIVATE KEY";

impl PassportKey {
    /// Reads a PEM private key: PKCS#8 (`-----BEGIN PRIVATE KEY-----`, what
    /// `openssl genrsa` writes since OpenSSL 3) or PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`).
    /// Encrypted keys are not read: decrypt them first (`openssl pkey -in key.pem`).
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::InvalidKey`] when `pem` has no PKCS#8 or PKCS#1 private key
    /// block, or its key is not an RSA key of 2048 to 8192 bits.
    pub fn from_pem(pem: &str) -> Result<PassportKey, PassportError> {
        let (label, der) = pem_decode(pem).ok_or(PassportError::InvalidKey)?;
        match label {
            PKCS8_LABEL => PassportKey::from_pkcs8_der(&der),
            PKCS1_LABEL => PassportKey::from_pkcs1_der(&der),
            _ => Err(PassportError::InvalidKey),
        }
    }

    /// Reads a private key in PKCS#8 DER.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::InvalidKey`] when `der` is not an RSA private key of 2048 to
    /// 8192 bits in PKCS#8.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PassportKey, PassportError> {
        let private =
            PrivateDecryptingKey::from_pkcs8(der).map_err(|_| PassportError::InvalidKey)?;
        PassportKey::from_private(private)
    }

    /// Reads a private key in PKCS#1 DER (an `RSAPrivateKey`).
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::InvalidKey`] when `der` is not an RSA private key of 2048 to
    /// 8192 bits in PKCS#1.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PassportKey, PassportError> {
        PassportKey::from_pkcs8_der(&pkcs1_to_pkcs8(der))
    }

    /// Makes a new 2048-bit key, as Telegram's documentation suggests.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::Key`] when the cryptographic library cannot make the key.
    pub fn generate() -> Result<PassportKey, PassportError> {
        let private =
            PrivateDecryptingKey::generate(KeySize::Rsa2048).map_err(|_| PassportError::Key)?;
        PassportKey::from_private(private)
    }

    fn from_private(private: PrivateDecryptingKey) -> Result<PassportKey, PassportError> {
        let key = OaepPrivateDecryptingKey::new(private.clone())
            .map_err(|_| PassportError::InvalidKey)?;
        Ok(PassportKey { key, private })
    }

    /// The key's size in bits.
    pub fn bits(&self) -> usize {
        self.private.key_size_bits()
    }

    /// The private key in PEM (PKCS#8), to store it. Keep it secret.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::Key`] when the cryptographic library cannot encode the key.
    pub fn private_key_pem(&self) -> Result<String, PassportError> {
        let der = self.private.as_der().map_err(|_| PassportError::Key)?;
        Ok(pem_encode(PKCS8_LABEL, der.as_ref()))
    }

    /// The public key in PEM (`-----BEGIN PUBLIC KEY-----`, X.509 SubjectPublicKeyInfo), to give
    /// to @BotFather with `/setpublickey`.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::Key`] when the cryptographic library cannot encode the key.
    pub fn public_key_pem(&self) -> Result<String, PassportError> {
        let der = self.public_key_der()?;
        Ok(pem_encode("PUBLIC KEY", &der))
    }

    /// The public key in DER (X.509 SubjectPublicKeyInfo).
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::Key`] when the cryptographic library cannot encode the key.
    pub fn public_key_der(&self) -> Result<Vec<u8>, PassportError> {
        let der = self
            .private
            .public_key()
            .as_der()
            .map_err(|_| PassportError::Key)?;
        Ok(der.as_ref().to_vec())
    }

    /// RSA-OAEP (SHA-1, MGF1 with SHA-1) decryption of the credentials' secret.
    pub(super) fn decrypt_secret(&self, ciphertext: &[u8]) -> Result<Vec<u8>, PassportError> {
        if ciphertext.len() != self.key.key_size_bytes() {
            return Err(PassportError::SecretDecryption);
        }
        let mut out = vec![0; self.key.min_output_size()];
        let plain = self
            .key
            .decrypt(&OAEP_SHA1_MGF1SHA1, ciphertext, &mut out, None)
            .map_err(|_| PassportError::SecretDecryption)?;
        Ok(plain.to_vec())
    }
}

/// The label and the decoded body of the first PEM block of `pem`.
fn pem_decode(pem: &str) -> Option<(&str, Vec<u8>)> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----")?;
    let label = &rest[..label_end];
    let body = &rest[label_end + "-----".len()..];
    let end = body.find(&format!("-----END {label}-----"))?;
    let body: String = body[..end].split_whitespace().collect();
    if body.contains(':') {
        // Headers of an encrypted PKCS#1 key (`Proc-Type: 4,ENCRYPTED`).
        return None;
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    Some((label, der))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        // Base64 text is ASCII, so any chunk of it is text.
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo` (version 0, algorithm
/// rsaEncryption with NULL parameters), which is what AWS-LC reads.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    // INTEGER 0, then SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }.
    const HEAD: [u8; 18] = [
        0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00,
    ];
    let mut octets = vec![0x04];
    der_length(&mut octets, pkcs1.len());
    octets.extend_from_slice(pkcs1);
    let mut out = vec![0x30];
    der_length(&mut out, HEAD.len() + octets.len());
    out.extend_from_slice(&HEAD);
    out.extend_from_slice(&octets);
    out
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths() {
        let mut out = Vec::new();
        der_length(&mut out, 5);
        der_length(&mut out, 0x80);
        der_length(&mut out, 0x1234);
        assert_eq!(out, [5, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn pem_round_trip() {
        let pem = pem_encode("PRIVATE KEY", &[1; 100]);
        assert!(pem.lines().all(|line| line.len() <= 64));
        assert_eq!(pem_decode(&pem), Some(("PRIVATE KEY", vec![1; 100])));
        assert_eq!(pem_decode("-----BEGIN X-----\nAAAA\n"), None);
        assert_eq!(pem_decode("-----BEGIN X-----\n!!\n-----END X-----"), None);
        assert_eq!(pem_decode("garbage"), None);
    }

    #[test]
    fn pkcs1_keys_are_read() {
        // A PKCS#1 key is the OCTET STRING inside AWS-LC's PKCS#8 encoding of the same key.
        let key = PassportKey::generate().unwrap();
        let pkcs8 = key.private.as_der().unwrap().as_ref().to_vec();
        let pkcs1 = inner_private_key(&pkcs8);
        assert_eq!(pkcs1_to_pkcs8(pkcs1), pkcs8);
        let pem = pem_encode(PKCS1_LABEL, pkcs1);
        let again = PassportKey::from_pem(&pem).unwrap();
        assert_eq!(
            again.public_key_der().unwrap(),
            key.public_key_der().unwrap()
        );
        assert!(matches!(
            PassportKey::from_pem(&pem_encode("EC PRIVATE KEY", pkcs1)),
            Err(PassportError::InvalidKey)
        ));
        assert!(matches!(
            PassportKey::from_pkcs1_der(&[0x30, 0x03, 0x02, 0x01, 0x00]),
            Err(PassportError::InvalidKey)
        ));
    }

    /// The private key octets of a PKCS#8 `PrivateKeyInfo` whose lengths take two bytes.
    fn inner_private_key(pkcs8: &[u8]) -> &[u8] {
        assert_eq!(&pkcs8[..2], [0x30, 0x82]);
        let octets = &pkcs8[4 + 18..];
        assert_eq!(&octets[..2], [0x04, 0x82]);
        let len = usize::from(octets[2]) << 8 | usize::from(octets[3]);
        &octets[4..4 + len]
    }
}
