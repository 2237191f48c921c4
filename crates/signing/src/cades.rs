//! CMS SignedData (RFC 5652) for PAdES: building the signed attributes and the detached
//! SignedData, and parsing and checking one found in a PDF.
//!
//! Signed attributes written: content-type (id-data), message-digest, and ESS
//! signing-certificate-v2 (RFC 5035) with the SHA-256 hash of the signer's certificate and its
//! issuer and serial number. No CMS signing-time: PAdES baseline (ETSI EN 319 142-1) puts the
//! claimed signing time in the signature dictionary's /M instead.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use jiff::Timestamp;
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::algorithm::{DigestAlgorithm, PublicKey, oid};
use crate::certificate::{ParsedCertificate, time_to_timestamp};
use crate::error::SigningError;

/// ESS `SigningCertificateV2` (RFC 5035).
#[derive(Debug, Clone, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// ESS `ESSCertIDv2`; `hashAlgorithm` defaults to SHA-256 and is then omitted (DER), which
/// `None` stands for.
#[derive(Debug, Clone, der::Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// ESS `IssuerSerial`.
#[derive(Debug, Clone, der::Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// The signed attributes as a set.
pub(crate) type SignedAttributesSet = SignedAttributes;

fn der_error(error: der::Error) -> SigningError {
    SigningError::cms(error.to_string())
}

/// Builds the signed attributes of a PAdES signature over content whose digest is
/// `message_digest`.
pub(crate) fn build_signed_attributes(
    message_digest: &[u8],
    signer: &ParsedCertificate,
) -> Result<SignedAttributes, SigningError> {
    let essential = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(DigestAlgorithm::Sha256.digest(&signer.der)).map_err(der_error)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(signer.issuer().clone())],
                serial_number: signer.certificate.tbs_certificate().serial_number().clone(),
            }),
        }],
        policies: None,
    };
    let attributes = vec![
        attribute(oid::CONTENT_TYPE, Any::encode_from(&oid::DATA).map_err(der_error)?)?,
        attribute(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(message_digest).map_err(der_error)?).map_err(der_error)?,
        )?,
        attribute(oid::SIGNING_CERTIFICATE_V2, Any::encode_from(&essential).map_err(der_error)?)?,
    ];
    SetOfVec::try_from(attributes).map_err(der_error)
}

fn attribute(oid: const_oid::ObjectIdentifier, value: Any) -> Result<Attribute, SigningError> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value]).map_err(der_error)? })
}

/// The DER encoding that is signed: the attributes as a `SET OF` (RFC 5652 §5.4).
pub(crate) fn signed_attributes_der(attributes: &SignedAttributes) -> Result<Vec<u8>, SigningError> {
    attributes.to_der().map_err(der_error)
}

/// Assembles a detached `ContentInfo(SignedData)` with one signer.
pub(crate) fn assemble(
    digest: DigestAlgorithm,
    attributes: SignedAttributes,
    chain: &[ParsedCertificate],
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
) -> Result<Vec<u8>, SigningError> {
    let Some(signer) = chain.first() else {
        return Err(SigningError::cms("no signer certificate"));
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: signer.issuer().clone(),
            serial_number: signer.certificate.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: digest.identifier(),
        signed_attrs: Some(attributes),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(der_error)?,
        unsigned_attrs: None,
    };
    let mut certificates = SetOfVec::new();
    for certificate in chain {
        let choice = CertificateChoices::Certificate(certificate.certificate.clone());
        if !certificates.iter().any(|existing| existing == &choice) {
            certificates.insert(choice).map_err(der_error)?;
        }
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest.identifier()]).map_err(der_error)?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: oid::DATA, econtent: None },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(der_error)?),
    };
    let content_info =
        ContentInfo { content_type: oid::SIGNED_DATA, content: Any::encode_from(&signed_data).map_err(der_error)? };
    content_info.to_der().map_err(der_error)
}

/// A detached CMS signature read from a PDF, not yet checked.
#[derive(Debug, Clone)]
pub(crate) struct ParsedCms {
    /// The certificates carried in the CMS, the signer's first.
    pub(crate) chain: Vec<ParsedCertificate>,
    pub(crate) digest: DigestAlgorithm,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    signed_attributes_der: Vec<u8>,
    message_digest: Vec<u8>,
    essential_certificate_hash: Option<(DigestAlgorithm, Vec<u8>)>,
    /// The CMS signing-time attribute, when a signer added one (not PAdES baseline).
    pub(crate) signing_time_attribute: Option<Timestamp>,
    /// The DER length of the CMS (the rest of /Contents is padding).
    pub(crate) length: usize,
}

/// The length of the DER TLV at the start of `bytes`; `None` for indefinite or bad lengths.
pub(crate) fn der_length(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return None;
    }
    let length = bytes.get(2..2 + count)?.iter().fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
    Some(2 + count + length)
}

/// Parses a detached SignedData with exactly one signer and signed attributes. Trailing zero
/// padding after the DER value is ignored. Algorithms are checked against the policy
/// (`WEAK_HASH`).
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedCms, SigningError> {
    let length = der_length(bytes)
        .filter(|length| *length <= bytes.len())
        .ok_or_else(|| SigningError::cms("not a DER-encoded ContentInfo"))?;
    let content_info = ContentInfo::from_der(&bytes[..length]).map_err(der_error)?;
    if content_info.content_type != oid::SIGNED_DATA {
        return Err(SigningError::cms("not a SignedData"));
    }
    let signed_data: SignedData = content_info.content.decode_as().map_err(der_error)?;
    if signed_data.encap_content_info.econtent.is_some() {
        return Err(SigningError::cms("the content is encapsulated; PAdES needs a detached signature"));
    }
    let mut signer_infos = signed_data.signer_infos.0.iter();
    let (Some(signer_info), None) = (signer_infos.next(), signer_infos.next()) else {
        return Err(SigningError::cms("exactly one signer expected"));
    };
    let digest = DigestAlgorithm::from_oid(&signer_info.digest_alg.oid)?;
    let certificates = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(certificate) => Some(certificate.clone()),
            CertificateChoices::Other(_) => None,
        })
        .map(ParsedCertificate::from_certificate)
        .collect::<Result<Vec<_>, _>>()?;
    let signer_position = certificates
        .iter()
        .position(|certificate| identifies(&signer_info.sid, certificate))
        .ok_or_else(|| SigningError::cms("the signer's certificate is not in the signature"))?;
    let mut chain = certificates;
    let signer = chain.remove(signer_position);
    chain.insert(0, signer);

    let attributes = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| SigningError::cms("no signed attributes (PAdES needs them)"))?;
    let single = |wanted: const_oid::ObjectIdentifier| -> Result<Option<&Any>, SigningError> {
        let mut found = attributes.iter().filter(|attribute| attribute.oid == wanted);
        match (found.next(), found.next()) {
            (None, _) => Ok(None),
            (Some(attribute), None) if attribute.values.len() == 1 => Ok(attribute.values.iter().next()),
            _ => Err(SigningError::cms(format!("attribute {wanted} must appear once with one value"))),
        }
    };
    let content_type: const_oid::ObjectIdentifier = single(oid::CONTENT_TYPE)?
        .ok_or_else(|| SigningError::cms("no content-type attribute"))?
        .decode_as()
        .map_err(der_error)?;
    if content_type != oid::DATA {
        return Err(SigningError::cms("content-type is not id-data"));
    }
    let message_digest: OctetString = single(oid::MESSAGE_DIGEST)?
        .ok_or_else(|| SigningError::cms("no message-digest attribute"))?
        .decode_as()
        .map_err(der_error)?;
    let essential_certificate_hash = match single(oid::SIGNING_CERTIFICATE_V2)? {
        None => None,
        Some(value) => {
            let essential: SigningCertificateV2 = value.decode_as().map_err(der_error)?;
            let first = essential.certs.first().ok_or_else(|| SigningError::cms("empty signing-certificate-v2"))?;
            let hash = match &first.hash_algorithm {
                None => DigestAlgorithm::Sha256,
                Some(algorithm) => DigestAlgorithm::from_oid(&algorithm.oid)?,
            };
            Some((hash, first.cert_hash.as_bytes().to_vec()))
        }
    };
    let signing_time_attribute = match single(oid::SIGNING_TIME)? {
        None => None,
        Some(value) => Some(time_to_timestamp(&value.decode_as::<Time>().map_err(der_error)?)),
    };
    Ok(ParsedCms {
        chain,
        digest,
        signature_algorithm: signer_info.signature_algorithm.clone(),
        signature: signer_info.signature.as_bytes().to_vec(),
        signed_attributes_der: attributes.to_der().map_err(der_error)?,
        message_digest: message_digest.as_bytes().to_vec(),
        essential_certificate_hash,
        signing_time_attribute,
        length,
    })
}

fn identifies(sid: &SignerIdentifier, certificate: &ParsedCertificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial) => {
            &issuer_and_serial.issuer == certificate.issuer()
                && &issuer_and_serial.serial_number == certificate.certificate.tbs_certificate().serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(wanted) => certificate
            .certificate
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, found)| &found == wanted),
    }
}

impl ParsedCms {
    pub(crate) fn signer(&self) -> &ParsedCertificate {
        // `parse` puts the signer first and fails when it is missing.
        &self.chain[0]
    }

    /// Whether the signature carries an ESS signing-certificate-v2 attribute.
    pub(crate) fn has_signing_certificate_v2(&self) -> bool {
        self.essential_certificate_hash.is_some()
    }

    /// Checks the message digest against `content_digest` (the digest of the signed byte
    /// ranges, with this CMS's digest algorithm), the ESS binding of the signer certificate,
    /// and the signature over the signed attributes. Applies the key policy.
    pub(crate) fn verify(&self, content_digest: &[u8]) -> Result<PublicKey, SigningError> {
        if self.message_digest != content_digest {
            return Err(SigningError::DigestMismatch);
        }
        if let Some((hash, expected)) = &self.essential_certificate_hash
            && hash.digest(&self.signer().der) != *expected
        {
            return Err(SigningError::cms("signing-certificate-v2 does not match the signer's certificate"));
        }
        let public_key = self.signer().public_key()?;
        public_key.verify_prehash(
            &self.signature_algorithm,
            self.digest,
            &self.signed_attributes_der,
            &self.signature,
        )?;
        Ok(public_key)
    }
}
