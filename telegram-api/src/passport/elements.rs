//! Decrypted credentials and elements, and the errors that point at them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::{PassportError, decode_base64, decrypt_data};
use crate::{
    Bot, EncryptedPassportElement, PassportElementError, PassportElementErrorDataField,
    PassportElementErrorFile, PassportElementErrorFiles, PassportElementErrorFrontSide,
    PassportElementErrorReverseSide, PassportElementErrorSelfie,
    PassportElementErrorTranslationFile, PassportElementErrorTranslationFiles,
    PassportElementErrorUnspecified, PassportElementType, PassportFile,
};

type Extra = serde_json::Map<String, serde_json::Value>;

/// Decrypted credentials
/// ([Credentials](https://core.telegram.org/passport#credentials)): the secrets of the data
/// and files of each element, and the nonce the bot asked with.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Credentials {
    /// The secrets of the data and files, by element type.
    pub secure_data: SecureData,
    /// The nonce the bot passed to `Telegram.Passport.auth`.
    pub nonce: String,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The credentials of each element, by the element's type name (`personal_details`,
/// `passport`, ...). ([SecureData](https://core.telegram.org/passport#securedata))
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct SecureData(pub BTreeMap<String, SecureValue>);

impl SecureData {
    /// The credentials of the element of type `r#type`.
    pub fn get(&self, r#type: &PassportElementType) -> Option<&SecureValue> {
        self.0.get(r#type.as_str())
    }
}

/// The credentials of one element's data and files
/// ([SecureValue](https://core.telegram.org/passport#securevalue)).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SecureValue {
    /// The credentials of the element's encrypted data.
    pub data: Option<DataCredentials>,
    /// The credentials of the front side of a document.
    pub front_side: Option<FileCredentials>,
    /// The credentials of the reverse side of a document.
    pub reverse_side: Option<FileCredentials>,
    /// The credentials of the selfie with a document.
    pub selfie: Option<FileCredentials>,
    /// The credentials of the translations of a document, in the order of its files.
    pub translation: Option<Vec<FileCredentials>>,
    /// The credentials of the files of a document, in the order of its files.
    pub files: Option<Vec<FileCredentials>>,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What decrypts an element's data
/// ([DataCredentials](https://core.telegram.org/passport#datacredentials)). `Debug` leaves
/// out the secret.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DataCredentials {
    /// The hash of the data, base64: the `data_hash` of errors about it.
    pub data_hash: String,
    /// The secret of the data, base64.
    pub secret: String,
}

impl fmt::Debug for DataCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataCredentials")
            .field("data_hash", &self.data_hash)
            .finish_non_exhaustive()
    }
}

/// What decrypts a file
/// ([FileCredentials](https://core.telegram.org/passport#filecredentials)). `Debug` leaves
/// out the secret.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct FileCredentials {
    /// The hash of the file, base64: the `file_hash` of errors about it.
    pub file_hash: String,
    /// The secret of the file, base64.
    pub secret: String,
}

impl fmt::Debug for FileCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileCredentials")
            .field("file_hash", &self.file_hash)
            .finish_non_exhaustive()
    }
}

/// Personal details
/// ([PersonalDetails](https://core.telegram.org/passport#personaldetails)), the data of a
/// `personal_details` element.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct PersonalDetails {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Date of birth, `DD.MM.YYYY`.
    pub birth_date: String,
    /// `male` or `female`.
    pub gender: String,
    /// Citizenship, an ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// Country of residence, an ISO 3166-1 alpha-2 country code.
    pub residence_country_code: String,
    /// First name in the language of the user's country of residence.
    pub first_name_native: String,
    /// Last name in the language of the user's country of residence.
    pub last_name_native: String,
    /// Middle name in the language of the user's country of residence.
    pub middle_name_native: Option<String>,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A residential address
/// ([ResidentialAddress](https://core.telegram.org/passport#residentialaddress)), the data of
/// an `address` element.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ResidentialAddress {
    /// First line of the address.
    pub street_line1: String,
    /// Second line of the address.
    pub street_line2: Option<String>,
    /// City.
    pub city: String,
    /// State.
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// Postal code.
    pub post_code: String,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The data of an identity document
/// ([IdDocumentData](https://core.telegram.org/passport#iddocumentdata)): of a `passport`,
/// `driver_license`, `identity_card` or `internal_passport` element.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct IdDocumentData {
    /// The document's number.
    pub document_no: String,
    /// Date of expiry, `DD.MM.YYYY`.
    pub expiry_date: Option<String>,
    /// Fields this version of the crate does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The decrypted data of an element, typed by the element's type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ElementData {
    /// Of `personal_details`.
    PersonalDetails(PersonalDetails),
    /// Of `passport`, `driver_license`, `identity_card` and `internal_passport`.
    IdDocument(IdDocumentData),
    /// Of `address`.
    Address(ResidentialAddress),
    /// Of an element type this version of the crate does not know, as JSON.
    Unknown(serde_json::Value),
}

/// An element's decrypted data and its hash.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DecryptedData {
    /// The data.
    pub value: ElementData,
    /// The data's hash, base64: the `data_hash` of errors about it.
    pub data_hash: String,
}

/// An encrypted file of an element and what decrypts it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SecureFile {
    /// The file, to download with [`getFile`](crate::Bot::get_file).
    pub file: PassportFile,
    /// Its hash and secret.
    pub credentials: FileCredentials,
}

impl SecureFile {
    /// Decrypts the file's downloaded bytes, checking them against the file's hash.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::InvalidBase64`] when the file's secret or hash is not base64,
    /// [`PassportError::InvalidCiphertext`] when `encrypted` is empty or not whole AES blocks, and
    /// [`PassportError::HashMismatch`] or [`PassportError::InvalidPadding`] when it does not
    /// decrypt to the file.
    pub fn decrypt(&self, encrypted: &[u8]) -> Result<Vec<u8>, PassportError> {
        let what = || format!("the file {}", self.file.file_unique_id);
        let secret = decode_base64(&self.credentials.secret, || "a file secret")?;
        let hash = decode_base64(&self.credentials.file_hash, || "a file hash")?;
        decrypt_data(encrypted, &secret, &hash, what)
    }

    /// Downloads the file through `bot` ([`getFile`](crate::Bot::get_file), then
    /// [`download_file`](crate::Bot::download_file)) and decrypts it.
    ///
    /// # Errors
    ///
    /// Fails with [`PassportError::Download`] when `getFile` or the download fails, and as
    /// [`decrypt`](SecureFile::decrypt) does.
    pub fn download(&self, bot: &Bot) -> Result<Vec<u8>, PassportError> {
        let failed = |source| PassportError::Download {
            what: format!("the file {}", self.file.file_unique_id),
            source,
        };
        let info = bot
            .get_file(self.file.file_id.as_str())
            .call()
            .map_err(failed)?;
        let encrypted = bot.download_file(&info).map_err(failed)?;
        self.decrypt(&encrypted)
    }
}

/// Passport data decrypted with the bot's key.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DecryptedPassport {
    /// The decrypted credentials.
    pub credentials: Credentials,
    /// The elements, in the order Telegram sent them.
    pub elements: Vec<DecryptedElement>,
}

impl DecryptedPassport {
    /// The element of type `r#type`, if the user shared one.
    pub fn element(&self, r#type: &PassportElementType) -> Option<&DecryptedElement> {
        self.elements.iter().find(|e| &e.r#type == r#type)
    }
}

/// An element with its data decrypted and its files ready to download.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DecryptedElement {
    /// The element's type.
    pub r#type: PassportElementType,
    /// The element's hash, base64: the `element_hash` of unspecified errors.
    pub hash: String,
    /// The decrypted data (personal details, a document's or an address's fields).
    pub data: Option<DecryptedData>,
    /// The phone number, of a `phone_number` element (not encrypted).
    pub phone_number: Option<String>,
    /// The email address, of an `email` element (not encrypted).
    pub email: Option<String>,
    /// The front side of a document.
    pub front_side: Option<SecureFile>,
    /// The reverse side of a document.
    pub reverse_side: Option<SecureFile>,
    /// The selfie with a document.
    pub selfie: Option<SecureFile>,
    /// The files of a document (scans of a bill, a statement, ...).
    pub files: Vec<SecureFile>,
    /// The translations of a document.
    pub translation: Vec<SecureFile>,
}

impl DecryptedElement {
    pub(super) fn decrypt(
        element: &EncryptedPassportElement,
        secure_data: &SecureData,
    ) -> Result<DecryptedElement, PassportError> {
        let name = element.r#type.as_str();
        let value = secure_data.get(&element.r#type);
        let missing = |part: &str| PassportError::MissingCredentials {
            what: format!("the {part} of {name}"),
        };
        let data = match &element.data {
            None => None,
            Some(encrypted) => {
                let credentials = value
                    .and_then(|v| v.data.as_ref())
                    .ok_or_else(|| missing("data"))?;
                let what = || format!("the data of {name}");
                let ciphertext = decode_base64(encrypted, what)?;
                let secret = decode_base64(&credentials.secret, || "a data secret")?;
                let hash = decode_base64(&credentials.data_hash, || "a data hash")?;
                let plain = decrypt_data(&ciphertext, &secret, &hash, what)?;
                Some(DecryptedData {
                    value: typed_data(&element.r#type, &plain, what)?,
                    data_hash: credentials.data_hash.clone(),
                })
            }
        };
        let single = |file: &Option<Box<PassportFile>>,
                      credentials: Option<&FileCredentials>,
                      part: &str| {
            file.as_deref()
                .map(|file| {
                    let credentials = credentials.ok_or_else(|| missing(part))?;
                    Ok(SecureFile {
                        file: file.clone(),
                        credentials: credentials.clone(),
                    })
                })
                .transpose()
        };
        let several = |files: &Option<Vec<PassportFile>>,
                       credentials: Option<&Vec<FileCredentials>>,
                       part: &str| {
            let files = files.as_deref().unwrap_or_default();
            if files.is_empty() {
                return Ok(Vec::new());
            }
            let credentials = credentials.ok_or_else(|| missing(part))?;
            if credentials.len() != files.len() {
                return Err(PassportError::FileCountMismatch {
                    what: format!("{part} of {name}"),
                });
            }
            Ok(files
                .iter()
                .zip(credentials)
                .map(|(file, credentials)| SecureFile {
                    file: file.clone(),
                    credentials: credentials.clone(),
                })
                .collect())
        };
        Ok(DecryptedElement {
            r#type: element.r#type.clone(),
            hash: element.hash.clone(),
            data,
            phone_number: element.phone_number.clone(),
            email: element.email.clone(),
            front_side: single(
                &element.front_side,
                value.and_then(|v| v.front_side.as_ref()),
                "front side",
            )?,
            reverse_side: single(
                &element.reverse_side,
                value.and_then(|v| v.reverse_side.as_ref()),
                "reverse side",
            )?,
            selfie: single(
                &element.selfie,
                value.and_then(|v| v.selfie.as_ref()),
                "selfie",
            )?,
            files: several(
                &element.files,
                value.and_then(|v| v.files.as_ref()),
                "files",
            )?,
            translation: several(
                &element.translation,
                value.and_then(|v| v.translation.as_ref()),
                "translation files",
            )?,
        })
    }

    /// An error about the field `field_name` of the element's data (`first_name`,
    /// `document_no`, ...); `None` if the element has no data.
    pub fn data_error(
        &self,
        field_name: impl Into<String>,
        message: impl Into<String>,
    ) -> Option<PassportElementError> {
        let data = self.data.as_ref()?;
        Some(
            PassportElementErrorDataField::new(
                self.r#type.clone(),
                field_name,
                data.data_hash.clone(),
                message,
            )
            .into(),
        )
    }

    /// An error about the front side of the document; `None` if it has none.
    pub fn front_side_error(&self, message: impl Into<String>) -> Option<PassportElementError> {
        let (r#type, file_hash) = self.about(self.front_side.as_ref()?);
        Some(PassportElementErrorFrontSide::new(r#type, file_hash, message).into())
    }

    /// An error about the reverse side of the document; `None` if it has none.
    pub fn reverse_side_error(&self, message: impl Into<String>) -> Option<PassportElementError> {
        let (r#type, file_hash) = self.about(self.reverse_side.as_ref()?);
        Some(PassportElementErrorReverseSide::new(r#type, file_hash, message).into())
    }

    /// An error about the selfie with the document; `None` if it has none.
    pub fn selfie_error(&self, message: impl Into<String>) -> Option<PassportElementError> {
        let (r#type, file_hash) = self.about(self.selfie.as_ref()?);
        Some(PassportElementErrorSelfie::new(r#type, file_hash, message).into())
    }

    /// An error about one of the element's [`files`](DecryptedElement::files).
    pub fn file_error(
        &self,
        file: &SecureFile,
        message: impl Into<String>,
    ) -> PassportElementError {
        let (r#type, file_hash) = self.about(file);
        PassportElementErrorFile::new(r#type, file_hash, message).into()
    }

    /// An error about all of the element's [`files`](DecryptedElement::files); `None` if it
    /// has none.
    pub fn files_error(&self, message: impl Into<String>) -> Option<PassportElementError> {
        let hashes = file_hashes(&self.files)?;
        Some(PassportElementErrorFiles::new(self.r#type.clone(), hashes, message).into())
    }

    /// An error about one of the element's [`translation`](DecryptedElement::translation)
    /// files.
    pub fn translation_file_error(
        &self,
        file: &SecureFile,
        message: impl Into<String>,
    ) -> PassportElementError {
        let (r#type, file_hash) = self.about(file);
        PassportElementErrorTranslationFile::new(r#type, file_hash, message).into()
    }

    /// An error about all of the element's [`translation`](DecryptedElement::translation)
    /// files; `None` if it has none.
    pub fn translation_files_error(
        &self,
        message: impl Into<String>,
    ) -> Option<PassportElementError> {
        let hashes = file_hashes(&self.translation)?;
        Some(PassportElementErrorTranslationFiles::new(self.r#type.clone(), hashes, message).into())
    }

    /// The element's type and the hash of `file`: what an error about one file names.
    fn about(&self, file: &SecureFile) -> (PassportElementType, String) {
        (self.r#type.clone(), file.credentials.file_hash.clone())
    }

    /// An error about the element as a whole.
    pub fn unspecified_error(&self, message: impl Into<String>) -> PassportElementError {
        PassportElementErrorUnspecified::new(self.r#type.as_str(), self.hash.clone(), message)
            .into()
    }
}

fn file_hashes(files: &[SecureFile]) -> Option<Vec<String>> {
    if files.is_empty() {
        return None;
    }
    Some(
        files
            .iter()
            .map(|f| f.credentials.file_hash.clone())
            .collect(),
    )
}

fn typed_data(
    r#type: &PassportElementType,
    plain: &[u8],
    what: impl Fn() -> String,
) -> Result<ElementData, PassportError> {
    use PassportElementType as T;
    let invalid = |source| PassportError::InvalidJson {
        what: what(),
        source,
    };
    Ok(match r#type {
        T::PersonalDetails => {
            ElementData::PersonalDetails(serde_json::from_slice(plain).map_err(invalid)?)
        }
        T::Passport | T::DriverLicense | T::IdentityCard | T::InternalPassport => {
            ElementData::IdDocument(serde_json::from_slice(plain).map_err(invalid)?)
        }
        T::Address => ElementData::Address(serde_json::from_slice(plain).map_err(invalid)?),
        _ => ElementData::Unknown(serde_json::from_slice(plain).map_err(invalid)?),
    })
}
