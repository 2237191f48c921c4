//! Private keys held in memory (from PKCS#12 or the demo PKI) and the randomness source.

use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::pkcs8::DecodePrivateKey;
use spki::{AlgorithmIdentifierOwned, EncodePublicKey, SubjectPublicKeyInfoOwned};

use crate::algorithm::{DigestAlgorithm, PublicKey, oid};
use crate::error::SigningError;

/// A private key this crate can sign with. RSA signatures use PKCS#1 v1.5 with blinding.
pub(crate) enum PrivateKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        let kind = match self {
            PrivateKey::P256(_) => "P-256",
            PrivateKey::P384(_) => "P-384",
            PrivateKey::Rsa(_) => "RSA",
        };
        formatter.debug_tuple("PrivateKey").field(&kind).finish()
    }
}

impl PrivateKey {
    /// Reads an unencrypted PKCS#8 private key (RSA, P-256 or P-384).
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, SigningError> {
        let info = p256::pkcs8::PrivateKeyInfoRef::try_from(der)
            .map_err(|error| SigningError::InvalidKey { detail: format!("PKCS#8: {error}") })?;
        let invalid = |error: p256::pkcs8::Error| SigningError::InvalidKey { detail: error.to_string() };
        match info.algorithm.oid {
            oid::RSA_ENCRYPTION => {
                rsa::PrivateKey::from_pkcs8_der(der).map(|key| PrivateKey::Rsa(Box::new(key))).map_err(invalid)
            }
            oid::EC_PUBLIC_KEY => {
                let curve = info.algorithm.parameters_oid().map_err(|error| SigningError::InvalidKey {
                    detail: format!("EC key without a named curve: {error}"),
                })?;
                match curve {
                    oid::SECP256R1 => {
                        p256::ecdsa::SigningKey::from_pkcs8_der(der).map(PrivateKey::P256).map_err(invalid)
                    }
                    oid::SECP384R1 => {
                        p384::ecdsa::SigningKey::from_pkcs8_der(der).map(PrivateKey::P384).map_err(invalid)
                    }
                    other => Err(SigningError::UnsupportedAlgorithm { algorithm: format!("EC curve {other}") }),
                }
            }
            other => Err(SigningError::UnsupportedAlgorithm { algorithm: format!("private key {other}") }),
        }
    }

    /// The matching public key, as a SubjectPublicKeyInfo.
    pub(crate) fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, SigningError> {
        let der = match self {
            PrivateKey::P256(key) => key.verifying_key().to_public_key_der(),
            PrivateKey::P384(key) => key.verifying_key().to_public_key_der(),
            PrivateKey::Rsa(key) => key.to_public_key().to_public_key_der(),
        }
        .map_err(|error| SigningError::InvalidKey { detail: error.to_string() })?;
        der.decode_msg::<SubjectPublicKeyInfoOwned>()
            .map_err(|error| SigningError::InvalidKey { detail: error.to_string() })
    }

    /// Applies the key policy to this key (`WEAK_KEY` for RSA under 2048 bits).
    pub(crate) fn check_policy(&self) -> Result<(), SigningError> {
        PublicKey::from_spki(&self.public_key_info()?).map(|_| ())
    }

    /// Signs a prehashed message: `prehash` is the `digest` of the data. Returns the CMS
    /// signature algorithm identifier and the signature (DER `ECDSA-Sig-Value` for ECDSA).
    pub(crate) fn sign_prehash(
        &self,
        digest: DigestAlgorithm,
        prehash: &[u8],
    ) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), SigningError> {
        let failed =
            |error: &dyn std::fmt::Display| SigningError::InvalidKey { detail: format!("signing failed: {error}") };
        match self {
            PrivateKey::P256(key) => {
                let signature: p256::ecdsa::Signature = key.sign_prehash(prehash).map_err(|error| failed(&error))?;
                Ok((ecdsa_identifier(digest), signature.to_der().as_bytes().to_vec()))
            }
            PrivateKey::P384(key) => {
                let signature: p384::ecdsa::Signature = key.sign_prehash(prehash).map_err(|error| failed(&error))?;
                Ok((ecdsa_identifier(digest), signature.to_der().as_bytes().to_vec()))
            }
            PrivateKey::Rsa(key) => {
                let (padding, identifier) = match digest {
                    DigestAlgorithm::Sha256 => (rsa::Pkcs1v15Sign::new::<sha2_next::Sha256>(), oid::SHA256_WITH_RSA),
                    DigestAlgorithm::Sha384 => (rsa::Pkcs1v15Sign::new::<sha2_next::Sha384>(), oid::SHA384_WITH_RSA),
                    DigestAlgorithm::Sha512 => (rsa::Pkcs1v15Sign::new::<sha2_next::Sha512>(), oid::SHA512_WITH_RSA),
                };
                let signature =
                    key.sign_with_rng(&mut getrandom::SysRng, padding, prehash).map_err(|error| failed(&error))?;
                // RFC 4055: the parameters of sha*WithRSAEncryption are NULL.
                Ok((AlgorithmIdentifierOwned { oid: identifier, parameters: Some(der::asn1::Null.into()) }, signature))
            }
        }
    }
}

fn ecdsa_identifier(digest: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    let identifier = match digest {
        DigestAlgorithm::Sha256 => oid::ECDSA_WITH_SHA256,
        DigestAlgorithm::Sha384 => oid::ECDSA_WITH_SHA384,
        DigestAlgorithm::Sha512 => oid::ECDSA_WITH_SHA512,
    };
    AlgorithmIdentifierOwned { oid: identifier, parameters: None }
}

/// Fills `buffer` with operating-system randomness.
pub(crate) fn random_bytes(buffer: &mut [u8]) -> Result<(), SigningError> {
    getrandom::fill(buffer).map_err(|error| SigningError::InvalidKey { detail: format!("no randomness: {error}") })
}
