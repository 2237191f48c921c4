//! Algorithms: digests, public keys and signature verification, with the key and hash policy
//! (RSA ≥ 2048 bits, ECDSA on P-256 or P-384, SHA-256/384/512 only).

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::traits::PublicKeyParts;
use sha2_next::Digest;
use spki::{AlgorithmIdentifierOwned, DecodePublicKey, SubjectPublicKeyInfoOwned};

use crate::error::SigningError;

/// A digest algorithm allowed for signing: SHA-2 with at least 256 bits.
///
/// SHA-1, MD5 and SHA-224 cannot be represented; meeting them in a signature or certificate
/// gives `WEAK_HASH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DigestAlgorithm {
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Sha256 => oid::SHA_256,
            DigestAlgorithm::Sha384 => oid::SHA_384,
            DigestAlgorithm::Sha512 => oid::SHA_512,
        }
    }

    /// The digest algorithm with this identifier; `WEAK_HASH` for SHA-1, MD5, MD2, SHA-224.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<DigestAlgorithm, SigningError> {
        match *oid {
            oid::SHA_256 => Ok(DigestAlgorithm::Sha256),
            oid::SHA_384 => Ok(DigestAlgorithm::Sha384),
            oid::SHA_512 => Ok(DigestAlgorithm::Sha512),
            oid::SHA_1 => Err(weak_hash("SHA-1")),
            oid::MD5 => Err(weak_hash("MD5")),
            oid::MD2 => Err(weak_hash("MD2")),
            oid::SHA_224 => Err(weak_hash("SHA-224")),
            other => Err(SigningError::UnsupportedAlgorithm { algorithm: format!("digest {other}") }),
        }
    }

    /// The conventional name, e.g. "SHA-256".
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// The digest of the concatenation of `parts`.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }
        match self {
            DigestAlgorithm::Sha256 => run::<sha2_next::Sha256>(parts),
            DigestAlgorithm::Sha384 => run::<sha2_next::Sha384>(parts),
            DigestAlgorithm::Sha512 => run::<sha2_next::Sha512>(parts),
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }

    /// The algorithm identifier as written in CMS (parameters absent, as RFC 5754 prefers).
    pub(crate) fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: self.oid(), parameters: None }
    }
}

/// Object identifiers used across the crate, spelled out so that they are easy to check.
pub(crate) mod oid {
    use const_oid::ObjectIdentifier;

    pub const SHA_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
    pub const MD5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
    pub const MD2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.2");
    pub const SHA_224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
    pub const SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA_384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA_512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

    pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    pub const MD2_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.2");
    pub const MD5_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
    pub const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
    pub const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
    pub const SHA224_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.14");
    pub const SHA1_RSA_OIW: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.29");

    pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
    pub const ECDSA_WITH_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.1");
    pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
    pub const DSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.3");

    pub const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    pub const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
    pub const SECP224R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.33");
    pub const SECP192R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.1");

    pub const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    pub const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
    pub const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
    pub const SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

    pub const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    pub const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
    pub const LOCALITY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
    pub const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
    pub const ORGANIZATIONAL_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
    pub const TITLE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.12");
    /// LDAP `uid` (RFC 4519), where Vietnamese CAs write "CCCD:…", "CMND:…", "MST:…", "MNS:…".
    pub const USER_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");
    pub const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
    pub const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
}

/// A public key accepted by the policy.
#[derive(Debug, Clone)]
pub(crate) enum PublicKey {
    Rsa(Box<rsa::PublicKey>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// Reads a subject public key and applies the key policy (`WEAK_KEY` below the minimum).
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, SigningError> {
        let der = spki.to_der().map_err(|error| SigningError::unusable(format!("public key: {error}")))?;
        match spki.algorithm.oid {
            oid::RSA_ENCRYPTION => {
                let key = rsa::PublicKey::from_public_key_der(&der)
                    .map_err(|error| SigningError::unusable(format!("RSA public key: {error}")))?;
                let bits = key.n_bits_precision();
                if bits < 2048 {
                    return Err(SigningError::WeakKey { key: format!("RSA-{bits}") });
                }
                Ok(PublicKey::Rsa(Box::new(key)))
            }
            oid::EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok())
                    .ok_or_else(|| SigningError::unusable("EC public key without a named curve"))?;
                match curve {
                    oid::SECP256R1 => p256::ecdsa::VerifyingKey::from_public_key_der(&der)
                        .map(PublicKey::P256)
                        .map_err(|error| SigningError::unusable(format!("P-256 public key: {error}"))),
                    oid::SECP384R1 => p384::ecdsa::VerifyingKey::from_public_key_der(&der)
                        .map(PublicKey::P384)
                        .map_err(|error| SigningError::unusable(format!("P-384 public key: {error}"))),
                    oid::SECP224R1 => Err(SigningError::WeakKey { key: "ECDSA P-224".into() }),
                    oid::SECP192R1 => Err(SigningError::WeakKey { key: "ECDSA P-192".into() }),
                    oid::SECP521R1 => Err(SigningError::UnsupportedAlgorithm { algorithm: "ECDSA P-521".into() }),
                    other => Err(SigningError::WeakKey { key: format!("EC curve {other}") }),
                }
            }
            other => Err(SigningError::UnsupportedAlgorithm { algorithm: format!("public key {other}") }),
        }
    }

    /// A short description, e.g. "RSA-2048" or "ECDSA P-256".
    pub(crate) fn describe(&self) -> String {
        match self {
            PublicKey::Rsa(key) => format!("RSA-{}", key.n_bits_precision()),
            PublicKey::P256(_) => "ECDSA P-256".into(),
            PublicKey::P384(_) => "ECDSA P-384".into(),
        }
    }

    /// Verifies `signature` over data whose digest is `prehash`, computed with the digest that
    /// `signature_algorithm` names (or `message_digest` when the identifier names only the key
    /// type, as `rsaEncryption` in CMS does).
    pub(crate) fn verify_prehash(
        &self,
        signature_algorithm: &AlgorithmIdentifierOwned,
        message_digest: DigestAlgorithm,
        data: &[u8],
        signature: &[u8],
    ) -> Result<(), SigningError> {
        let scheme = SignatureScheme::from_identifier(signature_algorithm, message_digest)?;
        let prehash = scheme.digest().digest(data);
        match (self, scheme) {
            (PublicKey::Rsa(key), SignatureScheme::RsaPkcs1(digest)) => {
                let padding = match digest {
                    DigestAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2_next::Sha256>(),
                    DigestAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2_next::Sha384>(),
                    DigestAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2_next::Sha512>(),
                };
                key.verify(padding, &prehash, signature).map_err(|_| SigningError::BadSignature)
            }
            (PublicKey::Rsa(key), SignatureScheme::RsaPss(digest)) => {
                let result = match digest {
                    DigestAlgorithm::Sha256 => key.verify(pss::<sha2_next::Sha256>(), &prehash, signature),
                    DigestAlgorithm::Sha384 => key.verify(pss::<sha2_next::Sha384>(), &prehash, signature),
                    DigestAlgorithm::Sha512 => key.verify(pss::<sha2_next::Sha512>(), &prehash, signature),
                };
                result.map_err(|_| SigningError::BadSignature)
            }
            (PublicKey::P256(key), SignatureScheme::Ecdsa(_)) => {
                let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| SigningError::BadSignature)?;
                key.verify_prehash(&prehash, &signature).map_err(|_| SigningError::BadSignature)
            }
            (PublicKey::P384(key), SignatureScheme::Ecdsa(_)) => {
                let signature = p384::ecdsa::Signature::from_der(signature).map_err(|_| SigningError::BadSignature)?;
                key.verify_prehash(&prehash, &signature).map_err(|_| SigningError::BadSignature)
            }
            _ => Err(SigningError::BadSignature),
        }
    }
}

/// PSS verification with the salt length read from the signature (any length is accepted).
fn pss<D: Digest + sha2_next::digest::FixedOutputReset>() -> rsa::Pss<D> {
    let mut padding = rsa::Pss::<D>::new();
    padding.salt_len = None;
    padding
}

/// A signature scheme named by an algorithm identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureScheme {
    RsaPkcs1(DigestAlgorithm),
    RsaPss(DigestAlgorithm),
    Ecdsa(DigestAlgorithm),
}

impl SignatureScheme {
    /// The scheme named by `identifier`; `message_digest` fills in the digest for identifiers
    /// that name only the key type. `WEAK_HASH` for SHA-1/MD5-based identifiers.
    pub(crate) fn from_identifier(
        identifier: &AlgorithmIdentifierOwned,
        message_digest: DigestAlgorithm,
    ) -> Result<SignatureScheme, SigningError> {
        match identifier.oid {
            oid::SHA256_WITH_RSA => Ok(SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha256)),
            oid::SHA384_WITH_RSA => Ok(SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha384)),
            oid::SHA512_WITH_RSA => Ok(SignatureScheme::RsaPkcs1(DigestAlgorithm::Sha512)),
            oid::RSA_ENCRYPTION => Ok(SignatureScheme::RsaPkcs1(message_digest)),
            oid::ECDSA_WITH_SHA256 => Ok(SignatureScheme::Ecdsa(DigestAlgorithm::Sha256)),
            oid::ECDSA_WITH_SHA384 => Ok(SignatureScheme::Ecdsa(DigestAlgorithm::Sha384)),
            oid::ECDSA_WITH_SHA512 => Ok(SignatureScheme::Ecdsa(DigestAlgorithm::Sha512)),
            oid::EC_PUBLIC_KEY => Ok(SignatureScheme::Ecdsa(message_digest)),
            oid::RSASSA_PSS => Ok(SignatureScheme::RsaPss(pss_digest(identifier)?)),
            oid::SHA1_WITH_RSA | oid::SHA1_RSA_OIW => Err(weak_hash("SHA-1 with RSA")),
            oid::MD5_WITH_RSA => Err(weak_hash("MD5 with RSA")),
            oid::MD2_WITH_RSA => Err(weak_hash("MD2 with RSA")),
            oid::SHA224_WITH_RSA => Err(weak_hash("SHA-224 with RSA")),
            oid::ECDSA_WITH_SHA1 => Err(weak_hash("ECDSA with SHA-1")),
            oid::ECDSA_WITH_SHA224 => Err(weak_hash("ECDSA with SHA-224")),
            oid::DSA_WITH_SHA1 => Err(weak_hash("DSA with SHA-1")),
            other => Err(SigningError::UnsupportedAlgorithm { algorithm: format!("signature {other}") }),
        }
    }

    /// The digest this scheme hashes with.
    pub(crate) fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureScheme::RsaPkcs1(digest) | SignatureScheme::RsaPss(digest) | SignatureScheme::Ecdsa(digest) => {
                digest
            }
        }
    }
}

/// `RSASSA-PSS-params` (RFC 4055); only the hash matters to the verifier.
#[derive(Debug, Clone, der::Sequence)]
struct PssParameters {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_generation: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

fn pss_digest(identifier: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm, SigningError> {
    let parameters =
        identifier.parameters.as_ref().ok_or_else(|| weak_hash("RSASSA-PSS with default parameters (SHA-1)"))?;
    let parameters =
        PssParameters::from_der(&parameters.to_der().map_err(|error| SigningError::cms(error.to_string()))?)
            .map_err(|error| SigningError::cms(format!("RSASSA-PSS parameters: {error}")))?;
    match parameters.hash {
        // The ASN.1 default hash of RSASSA-PSS is SHA-1.
        None => Err(weak_hash("RSASSA-PSS with SHA-1")),
        Some(hash) => DigestAlgorithm::from_oid(&hash.oid),
    }
}

pub(crate) fn weak_hash(algorithm: &str) -> SigningError {
    SigningError::WeakHash { algorithm: algorithm.to_string() }
}
