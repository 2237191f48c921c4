//! A demo PKI for trying motcua without real certificates (`motcua pki init`): a self-signed
//! root CA, a person certificate for a unit head and an organisation certificate for the unit,
//! each in a PKCS#12 file, and an empty CRL. Also the building blocks (keys, certificates,
//! PKCS#12, CRLs) that tests use for other cases.
//!
//! The certificates follow what Vietnamese signing certificates carry: names in UTF8String,
//! C=VN, the UID marker ("CCCD:…" for a person, "MNS:…" for a budget unit), key usage
//! digitalSignature + nonRepudiation and extended key usage emailProtection (which Poppler/NSS
//! also require to call a document signer trusted). None of this is a real identity.

use std::path::Path;
use std::time::{Duration, SystemTime};

use der::asn1::Any;
use der::{Decode, Encode, EncodePem, Tag};
use jiff::Timestamp;
use p12_keystore::{EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKeyChain};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::algorithm::oid;
use crate::certificate::ParsedCertificate;
use crate::error::SigningError;
use crate::key::{PrivateKey, random_bytes};

/// Key types the demo PKI can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 (the default: fast, and Circular 15/2025 allows ECDSA ≥ 256 bits).
    #[default]
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// RSA with a 2048-bit modulus (slow to generate).
    Rsa2048,
}

/// Generates a private key; returns it as unencrypted PKCS#8 DER.
pub fn generate_private_key(algorithm: KeyAlgorithm) -> Result<Vec<u8>, SigningError> {
    use p256::elliptic_curve::Generate;
    use p256::pkcs8::EncodePrivateKey;
    let failed =
        |error: &dyn std::fmt::Display| SigningError::InvalidKey { detail: format!("key generation: {error}") };
    let document = match algorithm {
        KeyAlgorithm::EcdsaP256 => p256::SecretKey::try_generate_from_rng(&mut getrandom::SysRng)
            .map_err(|error| failed(&error))?
            .to_pkcs8_der(),
        KeyAlgorithm::EcdsaP384 => p384::SecretKey::try_generate_from_rng(&mut getrandom::SysRng)
            .map_err(|error| failed(&error))?
            .to_pkcs8_der(),
        KeyAlgorithm::Rsa2048 => {
            rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).map_err(|error| failed(&error))?.to_pkcs8_der()
        }
    }
    .map_err(|error| failed(&error))?;
    Ok(document.as_bytes().to_vec())
}

/// A distinguished name, written with UTF8String values (PrintableString for the country).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectName {
    /// CN: a person's full name, or the organisation's name.
    pub common_name: String,
    /// O: the organisation.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// T: a person's position, e.g. "Chủ tịch".
    pub title: Option<String>,
    /// L: the locality, e.g. "Thành phố Hồ Chí Minh".
    pub locality: Option<String>,
    /// C: two letters, e.g. "VN".
    pub country: Option<String>,
    /// UID: "CCCD:…" for a person, "MST:…"/"MNS:…" for an organisation.
    pub user_id: Option<String>,
}

impl SubjectName {
    fn to_name(&self) -> Result<Name, SigningError> {
        let mut sequence = RdnSequence::default();
        let mut push = |attribute: const_oid::ObjectIdentifier, value: &str, tag: Tag| -> Result<(), SigningError> {
            let value = Any::new(tag, value.as_bytes()).map_err(SigningError::build)?;
            let rdn = RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid: attribute, value }])
                .map_err(SigningError::build)?;
            sequence.push(rdn);
            Ok(())
        };
        if let Some(country) = &self.country {
            push(oid::COUNTRY, country, Tag::PrintableString)?;
        }
        if let Some(locality) = &self.locality {
            push(oid::LOCALITY, locality, Tag::Utf8String)?;
        }
        if let Some(organization) = &self.organization {
            push(oid::ORGANIZATION, organization, Tag::Utf8String)?;
        }
        if let Some(unit) = &self.organizational_unit {
            push(oid::ORGANIZATIONAL_UNIT, unit, Tag::Utf8String)?;
        }
        if let Some(title) = &self.title {
            push(oid::TITLE, title, Tag::Utf8String)?;
        }
        push(oid::COMMON_NAME, &self.common_name, Tag::Utf8String)?;
        if let Some(user_id) = &self.user_id {
            push(oid::USER_ID, user_id, Tag::Utf8String)?;
        }
        Name::from_der(&sequence.to_der().map_err(SigningError::build)?).map_err(SigningError::build)
    }
}

/// What an issued certificate may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Usage {
    Authority,
    DocumentSigner,
}

/// The builder profile: basic constraints, key usage, extended key usage and key identifiers.
struct Profile {
    issuer: Name,
    subject: Name,
    usage: Usage,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        subject_key: SubjectPublicKeyInfoRef<'_>,
        issuer_key: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut extensions: Vec<Extension> = Vec::new();
        let constraints = BasicConstraints { ca: self.usage == Usage::Authority, path_len_constraint: None };
        extensions.push((&constraints).to_extension(subject, &extensions)?);
        let usage = match self.usage {
            Usage::Authority => KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature),
            Usage::DocumentSigner => KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        };
        extensions.push((&usage).to_extension(subject, &extensions)?);
        if self.usage == Usage::DocumentSigner {
            let extended = ExtendedKeyUsage(vec![oid::EMAIL_PROTECTION]);
            extensions.push((&extended).to_extension(subject, &extensions)?);
        }
        let subject_key_identifier = SubjectKeyIdentifier::try_from(subject_key)?;
        extensions.push((&subject_key_identifier).to_extension(subject, &extensions)?);
        if self.usage == Usage::DocumentSigner {
            let issuer_key_identifier = SubjectKeyIdentifier::try_from(issuer_key)?;
            let authority =
                AuthorityKeyIdentifier { key_identifier: Some(issuer_key_identifier.0), ..Default::default() };
            extensions.push((&authority).to_extension(subject, &extensions)?);
        }
        Ok(extensions)
    }
}

/// A certificate authority: its key and self-signed certificate.
pub struct CertificateAuthority {
    key: PrivateKey,
    certificate: ParsedCertificate,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("CertificateAuthority").field("subject", &self.certificate.common_name()).finish()
    }
}

impl CertificateAuthority {
    /// Creates a self-signed root CA with `key_pkcs8_der`, valid from `not_before` to
    /// `not_after`.
    pub fn create_root(
        subject: &SubjectName,
        key_pkcs8_der: &[u8],
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<CertificateAuthority, SigningError> {
        let key = PrivateKey::from_pkcs8_der(key_pkcs8_der)?;
        let name = subject.to_name()?;
        let profile = Profile { issuer: name.clone(), subject: name, usage: Usage::Authority };
        let builder = CertificateBuilder::new(
            profile,
            random_serial()?,
            validity(not_before, not_after)?,
            key.public_key_info()?,
        )
        .map_err(SigningError::build)?;
        let certificate = ParsedCertificate::from_certificate(build_with(builder, &key)?)?;
        Ok(CertificateAuthority { key, certificate })
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate.der
    }

    /// The CA certificate, PEM.
    pub fn certificate_pem(&self) -> Result<String, SigningError> {
        self.certificate.certificate.to_pem(der::pem::LineEnding::LF).map_err(SigningError::build)
    }

    /// Issues a document-signing certificate for the key `subject_key_pkcs8_der` (only its
    /// public half is used), valid from `not_before` to `not_after`. Returns it as DER.
    pub fn issue(
        &self,
        subject: &SubjectName,
        subject_key_pkcs8_der: &[u8],
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Vec<u8>, SigningError> {
        let public_key = PrivateKey::from_pkcs8_der(subject_key_pkcs8_der)?.public_key_info()?;
        let profile = Profile {
            issuer: self.certificate.subject().clone(),
            subject: subject.to_name()?,
            usage: Usage::DocumentSigner,
        };
        let builder = CertificateBuilder::new(profile, random_serial()?, validity(not_before, not_after)?, public_key)
            .map_err(SigningError::build)?;
        Ok(ParsedCertificate::from_certificate(build_with(builder, &self.key)?)?.der)
    }

    /// A CRL listing `revoked` certificates (DER), issued at `this_update`, next due at
    /// `next_update`. Returns it as PEM.
    pub fn revocation_list(
        &self,
        revoked: &[Vec<u8>],
        this_update: Timestamp,
        next_update: Timestamp,
    ) -> Result<String, SigningError> {
        let entries = revoked
            .iter()
            .map(|der| {
                let certificate = ParsedCertificate::from_der(der)?;
                Ok(RevokedCert {
                    serial_number: certificate.certificate.tbs_certificate().serial_number().clone(),
                    revocation_date: time(this_update)?,
                    crl_entry_extensions: None,
                })
            })
            .collect::<Result<Vec<_>, SigningError>>()?;
        let number = CrlNumber(der::asn1::Uint::new(&[1]).map_err(SigningError::build)?);
        let builder = CrlBuilder::new_with_this_update(&self.certificate.certificate, number, time(this_update)?)
            .map_err(SigningError::build)?
            .with_next_update(Some(time(next_update)?))
            .with_certificates(entries.into_iter());
        build_with(builder, &self.key)?.to_pem(der::pem::LineEnding::LF).map_err(SigningError::build)
    }
}

/// Runs a certificate or CRL builder with `key`.
fn build_with<B: Builder>(builder: B, key: &PrivateKey) -> Result<B::Output, SigningError> {
    match key {
        PrivateKey::P256(key) => builder.build::<_, p256::ecdsa::DerSignature>(key),
        PrivateKey::P384(key) => builder.build::<_, p384::ecdsa::DerSignature>(key),
        PrivateKey::Rsa(key) => {
            let signer = rsa::pkcs1v15::SigningKey::<sha2_next::Sha256>::new((**key).clone());
            builder.build::<_, rsa::pkcs1v15::Signature>(&signer)
        }
    }
    .map_err(SigningError::build)
}

/// A positive random 128-bit serial number.
fn random_serial() -> Result<SerialNumber, SigningError> {
    let mut bytes = [0u8; 16];
    random_bytes(&mut bytes)?;
    bytes[0] = (bytes[0] & 0x7f) | 0x10;
    SerialNumber::new(&bytes).map_err(SigningError::build)
}

fn time(instant: Timestamp) -> Result<Time, SigningError> {
    let seconds = u64::try_from(instant.as_second()).map_err(|_| SigningError::build("times before 1970"))?;
    Time::try_from(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)).map_err(SigningError::build)
}

fn validity(not_before: Timestamp, not_after: Timestamp) -> Result<Validity, SigningError> {
    Ok(Validity::new(time(not_before)?, time(not_after)?))
}

/// Writes a PKCS#12 file with the key and its chain (signer first), protected by `password`
/// with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC.
pub fn write_pkcs12(
    key_pkcs8_der: &[u8],
    chain_der: &[Vec<u8>],
    password: &str,
    friendly_name: &str,
) -> Result<Vec<u8>, SigningError> {
    let keystore_error =
        |error: p12_keystore::error::Error| SigningError::InvalidKeyStore { detail: error.to_string() };
    let key = p12_keystore::PrivateKey::from_der(key_pkcs8_der).map_err(keystore_error)?;
    let certificates = chain_der
        .iter()
        .map(|der| p12_keystore::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(keystore_error)?;
    let mut local_key_id = vec![0u8; 20];
    random_bytes(&mut local_key_id)?;
    let mut store = KeyStore::new();
    store.add_entry(
        friendly_name,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certificates)),
    );
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .write()
        .map_err(keystore_error)
}

/// The demo PKI's parameters.
#[derive(Debug, Clone)]
pub struct DemoPkiOptions {
    /// The unit, e.g. "Ủy ban nhân dân phường Sài Gòn" (O of both certificates, CN of the
    /// organisation certificate).
    pub unit_name: String,
    /// The unit head's full name, e.g. "Nguyễn Văn An".
    pub person_name: String,
    /// The unit head's position, e.g. "Chủ tịch".
    pub person_title: String,
    /// The locality (L).
    pub locality: String,
    /// The PKCS#12 password.
    pub password: String,
    /// Start of validity of all certificates.
    pub not_before: Timestamp,
    /// End of validity of the leaf certificates (the CA's lasts a year longer).
    pub not_after: Timestamp,
    /// The key type of all three keys.
    pub key_algorithm: KeyAlgorithm,
}

impl DemoPkiOptions {
    /// The demo defaults around `now`: P-256 keys, valid from an hour ago for two years,
    /// password "motcua-demo".
    pub fn new(now: Timestamp) -> DemoPkiOptions {
        DemoPkiOptions {
            unit_name: "Ủy ban nhân dân phường Sài Gòn".into(),
            person_name: "Nguyễn Văn An".into(),
            person_title: "Chủ tịch".into(),
            locality: "Thành phố Hồ Chí Minh".into(),
            password: "motcua-demo".into(),
            not_before: now - jiff::SignedDuration::from_hours(1),
            not_after: now + jiff::SignedDuration::from_hours(2 * 366 * 24),
            key_algorithm: KeyAlgorithm::EcdsaP256,
        }
    }
}

/// A certificate with its PKCS#12 file.
#[derive(Debug, Clone)]
pub struct DemoCredential {
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The PKCS#12 file (key, certificate and CA certificate).
    pub p12: Vec<u8>,
}

/// The demo PKI: a root CA, the unit head's and the unit's credentials, and an empty CRL.
#[derive(Debug)]
pub struct DemoPki {
    /// The CA (kept so that tests can issue further certificates).
    pub authority: CertificateAuthority,
    /// The unit head's person certificate.
    pub person: DemoCredential,
    /// The unit's organisation certificate.
    pub agency: DemoCredential,
    /// An empty CRL from the CA, PEM.
    pub crl_pem: String,
}

impl DemoPki {
    /// Generates the demo PKI.
    pub fn generate(options: &DemoPkiOptions) -> Result<DemoPki, SigningError> {
        let authority = CertificateAuthority::demo_root(
            options.key_algorithm,
            options.not_before,
            options.not_after + jiff::SignedDuration::from_hours(366 * 24),
        )?;
        let person_subject = SubjectName {
            common_name: options.person_name.clone(),
            organization: Some(options.unit_name.clone()),
            title: Some(options.person_title.clone()),
            locality: Some(options.locality.clone()),
            country: Some("VN".into()),
            user_id: Some("CCCD:079099000001".into()),
            ..SubjectName::default()
        };
        let agency_subject = SubjectName {
            common_name: options.unit_name.clone(),
            organization: Some(options.unit_name.clone()),
            locality: Some(options.locality.clone()),
            country: Some("VN".into()),
            user_id: Some("MNS:1099001".into()),
            ..SubjectName::default()
        };
        let person = authority.credential(&person_subject, options, "person")?;
        let agency = authority.credential(&agency_subject, options, "agency")?;
        let crl_pem = authority.revocation_list(&[], options.not_before, options.not_after)?;
        Ok(DemoPki { authority, person, agency, crl_pem })
    }

    /// The files of `motcua pki init`: `ca.pem`, `person.p12`, `person.pem`, `agency.p12`,
    /// `agency.pem`, `crl.pem`.
    pub fn files(&self) -> Result<Vec<(&'static str, Vec<u8>)>, SigningError> {
        let pem = |der: &[u8]| -> Result<Vec<u8>, SigningError> {
            let certificate = ParsedCertificate::from_der(der)?;
            Ok(certificate.certificate.to_pem(der::pem::LineEnding::LF).map_err(SigningError::build)?.into_bytes())
        };
        Ok(vec![
            ("ca.pem", self.authority.certificate_pem()?.into_bytes()),
            ("person.p12", self.person.p12.clone()),
            ("person.pem", pem(&self.person.certificate_der)?),
            ("agency.p12", self.agency.p12.clone()),
            ("agency.pem", pem(&self.agency.certificate_der)?),
            ("crl.pem", self.crl_pem.clone().into_bytes()),
        ])
    }

    /// Writes [`DemoPki::files`] into `directory` (created if missing).
    pub fn write_to_dir(&self, directory: &Path) -> Result<(), std::io::Error> {
        std::fs::create_dir_all(directory)?;
        for (name, bytes) in self.files().map_err(std::io::Error::other)? {
            std::fs::write(directory.join(name), bytes)?;
        }
        Ok(())
    }
}

impl CertificateAuthority {
    /// The demo root CA ("motcua Demo Root CA (chỉ dùng thử / demo only)") with a new key.
    pub fn demo_root(
        key_algorithm: KeyAlgorithm,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<CertificateAuthority, SigningError> {
        CertificateAuthority::create_root(
            &SubjectName {
                common_name: "motcua Demo Root CA (chỉ dùng thử / demo only)".into(),
                organization: Some("motcua demo".into()),
                country: Some("VN".into()),
                ..SubjectName::default()
            },
            &generate_private_key(key_algorithm)?,
            not_before,
            not_after,
        )
    }

    fn credential(
        &self,
        subject: &SubjectName,
        options: &DemoPkiOptions,
        friendly_name: &str,
    ) -> Result<DemoCredential, SigningError> {
        let key = generate_private_key(options.key_algorithm)?;
        let certificate_der = self.issue(subject, &key, options.not_before, options.not_after)?;
        let chain = [certificate_der.clone(), self.certificate_der().to_vec()];
        let p12 = write_pkcs12(&key, &chain, &options.password, friendly_name)?;
        Ok(DemoCredential { certificate_der, p12 })
    }
}
