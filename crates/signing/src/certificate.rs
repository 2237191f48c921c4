//! Reading X.509 certificates: names, validity, key usage, and the person/organisation kind.

use der::asn1::{Any, BmpString, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::name::Name;
use x509_cert::time::Time;

use crate::algorithm::{PublicKey, SignatureScheme, oid};
use crate::error::SigningError;

/// Whether a certificate identifies a natural person or an organisation.
///
/// Vietnamese CAs mark this in the subject's `UID` attribute: "CCCD:", "CMND:" or "HC:" (an
/// identity card or passport number) for a person; "MST:" (tax code) or "MNS:" (budget-unit
/// code) for an organisation. A certificate with neither is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKind {
    /// A natural person (cá nhân), e.g. the head of a unit.
    Person,
    /// An organisation (tổ chức), e.g. the unit itself (the "seal" certificate).
    Organization,
    /// The subject carries no recognised marker.
    Unknown,
}

/// A parsed certificate with its DER encoding.
#[derive(Debug, Clone)]
pub(crate) struct ParsedCertificate {
    pub(crate) certificate: Certificate,
    pub(crate) der: Vec<u8>,
}

impl PartialEq for ParsedCertificate {
    fn eq(&self, other: &ParsedCertificate) -> bool {
        self.der == other.der
    }
}

impl ParsedCertificate {
    pub(crate) fn from_der(der: &[u8]) -> Result<ParsedCertificate, SigningError> {
        let certificate =
            Certificate::from_der(der).map_err(|error| SigningError::unusable(format!("certificate: {error}")))?;
        Ok(ParsedCertificate { certificate, der: der.to_vec() })
    }

    pub(crate) fn from_certificate(certificate: Certificate) -> Result<ParsedCertificate, SigningError> {
        let der = certificate.to_der().map_err(|error| SigningError::unusable(format!("certificate: {error}")))?;
        Ok(ParsedCertificate { certificate, der })
    }

    pub(crate) fn subject(&self) -> &Name {
        self.certificate.tbs_certificate().subject()
    }

    pub(crate) fn issuer(&self) -> &Name {
        self.certificate.tbs_certificate().issuer()
    }

    pub(crate) fn serial(&self) -> &[u8] {
        self.certificate.tbs_certificate().serial_number().as_bytes()
    }

    pub(crate) fn common_name(&self) -> Option<String> {
        name_attribute(self.subject(), oid::COMMON_NAME)
    }

    pub(crate) fn organization(&self) -> Option<String> {
        name_attribute(self.subject(), oid::ORGANIZATION)
    }

    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject() == self.issuer()
    }

    /// The public key, after the key policy.
    pub(crate) fn public_key(&self) -> Result<PublicKey, SigningError> {
        PublicKey::from_spki(self.certificate.tbs_certificate().subject_public_key_info())
    }

    pub(crate) fn not_before(&self) -> Timestamp {
        time_to_timestamp(&self.certificate.tbs_certificate().validity().not_before)
    }

    pub(crate) fn not_after(&self) -> Timestamp {
        time_to_timestamp(&self.certificate.tbs_certificate().validity().not_after)
    }

    /// `CERTIFICATE_EXPIRED` or `CERTIFICATE_NOT_YET_VALID` unless valid at `at`.
    pub(crate) fn check_validity_at(&self, at: Timestamp) -> Result<(), SigningError> {
        if at < self.not_before() {
            return Err(SigningError::CertificateNotYetValid { not_before: self.not_before().to_string() });
        }
        if at > self.not_after() {
            return Err(SigningError::CertificateExpired { not_after: self.not_after().to_string() });
        }
        Ok(())
    }

    fn key_usage(&self) -> Option<KeyUsage> {
        self.certificate.tbs_certificate().get_extension::<KeyUsage>().ok().flatten().map(|(_, usage)| usage)
    }

    /// `CERTIFICATE_UNUSABLE` unless key usage allows document signatures (digitalSignature or
    /// nonRepudiation; an absent extension allows everything, as RFC 5280 says) and the
    /// extended key usage, if present, allows e-mail protection or any purpose.
    pub(crate) fn check_signing_usage(&self) -> Result<(), SigningError> {
        if let Some(usage) = self.key_usage()
            && !usage.digital_signature()
            && !usage.non_repudiation()
        {
            return Err(SigningError::unusable("key usage lacks digitalSignature and nonRepudiation"));
        }
        let extended = self.certificate.tbs_certificate().get_extension::<ExtendedKeyUsage>().ok().flatten();
        if let Some((_, ExtendedKeyUsage(purposes))) = extended
            && !purposes
                .iter()
                .any(|purpose| *purpose == oid::EMAIL_PROTECTION || *purpose == oid::ANY_EXTENDED_KEY_USAGE)
        {
            return Err(SigningError::unusable("extended key usage lacks emailProtection"));
        }
        Ok(())
    }

    /// Whether this certificate may issue certificates: basicConstraints cA and, when key usage
    /// is present, keyCertSign.
    pub(crate) fn is_certificate_authority(&self) -> bool {
        let constraints = self.certificate.tbs_certificate().get_extension::<BasicConstraints>().ok().flatten();
        let is_ca = matches!(constraints, Some((_, BasicConstraints { ca: true, .. })));
        let may_sign = self.key_usage().is_none_or(|usage| usage.key_cert_sign());
        is_ca && may_sign
    }

    /// Verifies that `issuer` signed this certificate (policy applies to both the algorithm and
    /// the issuer's key).
    pub(crate) fn verify_issued_by(&self, issuer: &ParsedCertificate) -> Result<(), SigningError> {
        let tbs = self
            .certificate
            .tbs_certificate()
            .to_der()
            .map_err(|error| SigningError::unusable(format!("certificate: {error}")))?;
        let algorithm = self.certificate.signature_algorithm();
        // The digest argument is unused for identifiers that name their digest, which all
        // certificate signature algorithms do.
        let scheme = SignatureScheme::from_identifier(algorithm, crate::DigestAlgorithm::Sha256)?;
        let signature = self.certificate.signature().as_bytes().ok_or(SigningError::BadSignature)?;
        issuer.public_key()?.verify_prehash(algorithm, scheme.digest(), &tbs, signature)
    }

    /// The person/organisation kind, from the subject's UID marker.
    pub(crate) fn kind(&self) -> CertificateKind {
        kind_of_subject(self.subject())
    }
}

/// The kind marked in a subject name (see [`CertificateKind`]).
pub(crate) fn kind_of_subject(subject: &Name) -> CertificateKind {
    let Some(uid) = name_attribute(subject, oid::USER_ID) else {
        return CertificateKind::Unknown;
    };
    let marker = uid.split(':').next().unwrap_or_default().trim().to_ascii_uppercase();
    match marker.as_str() {
        "CCCD" | "CMND" | "HC" | "CMT" => CertificateKind::Person,
        "MST" | "MNS" | "MDV" => CertificateKind::Organization,
        _ => CertificateKind::Unknown,
    }
}

/// The first value of attribute `oid` in `name`, decoded from any directory string type.
pub(crate) fn name_attribute(name: &Name, oid: const_oid::ObjectIdentifier) -> Option<String> {
    name.iter().find(|attribute| attribute.oid == oid).and_then(|attribute| any_to_string(&attribute.value))
}

fn any_to_string(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|text| text.as_str().to_string()),
        Tag::PrintableString => PrintableStringRef::try_from(value).ok().map(|text| text.as_str().to_string()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|text| text.as_str().to_string()),
        Tag::TeletexString => TeletexStringRef::try_from(value).ok().map(|text| text.as_str().to_string()),
        Tag::BmpString => BmpString::from_der(&value.to_der().ok()?).ok().map(|text| text.to_string()),
        _ => None,
    }
}

pub(crate) fn time_to_timestamp(time: &Time) -> Timestamp {
    let seconds = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    Timestamp::from_second(seconds).unwrap_or(Timestamp::MAX)
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}
