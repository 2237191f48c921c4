//! The signer policy shared by signing and verification, and offline revocation data.
//!
//! Checked: key size and curve, digest and signature algorithms of the signer certificate and
//! of every non-self-signed certificate in its chain, validity at the given instants, key
//! usage / extended key usage, and revocation against serial numbers or CRLs the caller
//! supplies. Not checked: OCSP or CRL distribution points over the network, certificate
//! policies, name constraints.

use der::{Decode, Encode};
use jiff::Timestamp;
use x509_cert::crl::CertificateList;

use crate::algorithm::{PublicKey, SignatureScheme};
use crate::certificate::{ParsedCertificate, hex_upper};
use crate::error::SigningError;

/// Revocation data given by the caller: revoked serial numbers and certificate revocation lists.
///
/// A certificate is revoked when its serial number is in the serial list, or in a CRL whose
/// issuer is the certificate's issuer. A CRL's signature is verified when the issuer
/// certificate is at hand (in the signer's chain or the trust anchors); a CRL whose signature
/// fails is refused with `INVALID_CRL`. Revocation dates are not compared with the signing
/// time: without a trusted time-stamp the claimed time cannot be relied on.
#[derive(Debug, Clone, Default)]
pub struct RevocationList {
    serials: Vec<Vec<u8>>,
    crls: Vec<CertificateList>,
}

impl RevocationList {
    /// An empty list: nothing is revoked.
    pub fn new() -> RevocationList {
        RevocationList::default()
    }

    /// Adds a revoked serial number, in hexadecimal (colons and spaces are ignored).
    pub fn add_revoked_serial_hex(&mut self, serial: &str) -> Result<(), SigningError> {
        let digits: String = serial.chars().filter(|character| !matches!(character, ':' | ' ')).collect();
        let invalid = || SigningError::InvalidRevocationList { detail: format!("serial number {serial:?}") };
        if digits.is_empty() || digits.len() % 2 == 1 {
            return Err(invalid());
        }
        let bytes = (0..digits.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(&digits[index..index + 2], 16).map_err(|_| invalid()))
            .collect::<Result<Vec<u8>, SigningError>>()?;
        self.serials.push(normalise_serial(&bytes).to_vec());
        Ok(())
    }

    /// Adds a CRL, DER or PEM ("X509 CRL").
    pub fn add_crl(&mut self, der_or_pem: &[u8]) -> Result<(), SigningError> {
        let der = match der_or_pem.starts_with(b"-----BEGIN") {
            true => {
                der::pem::decode_vec(der_or_pem)
                    .map_err(|error| SigningError::InvalidRevocationList { detail: format!("PEM: {error}") })?
                    .1
            }
            false => der_or_pem.to_vec(),
        };
        let crl = CertificateList::from_der(&der)
            .map_err(|error| SigningError::InvalidRevocationList { detail: error.to_string() })?;
        self.crls.push(crl);
        Ok(())
    }

    /// Whether nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.serials.is_empty() && self.crls.is_empty()
    }

    /// `CERTIFICATE_REVOKED` when `certificate` is listed; `INVALID_CRL` when a CRL from its
    /// issuer does not verify with `issuer`.
    pub(crate) fn check(
        &self,
        certificate: &ParsedCertificate,
        issuer: Option<&ParsedCertificate>,
    ) -> Result<(), SigningError> {
        let serial = normalise_serial(certificate.serial());
        let revoked = || SigningError::CertificateRevoked { serial: hex_upper(serial) };
        if self.serials.iter().any(|listed| listed == serial) {
            return Err(revoked());
        }
        for crl in self.crls.iter().filter(|crl| &crl.tbs_cert_list.issuer == certificate.issuer()) {
            if let Some(issuer) = issuer {
                verify_crl(crl, issuer)?;
            }
            let listed = crl.tbs_cert_list.revoked_certificates.iter().flatten();
            if listed.into_iter().any(|entry| normalise_serial(entry.serial_number.as_bytes()) == serial) {
                return Err(revoked());
            }
        }
        Ok(())
    }
}

fn verify_crl(crl: &CertificateList, issuer: &ParsedCertificate) -> Result<(), SigningError> {
    let invalid = |detail: String| SigningError::InvalidRevocationList { detail };
    let tbs = crl.tbs_cert_list.to_der().map_err(|error| invalid(error.to_string()))?;
    let scheme = SignatureScheme::from_identifier(&crl.signature_algorithm, crate::DigestAlgorithm::Sha256)?;
    let signature = crl.signature.as_bytes().ok_or_else(|| invalid("signature is not whole bytes".into()))?;
    issuer
        .public_key()?
        .verify_prehash(&crl.signature_algorithm, scheme.digest(), &tbs, signature)
        .map_err(|_| invalid("the CRL's signature does not verify with its issuer's key".into()))
}

/// Serial numbers compare without leading zero bytes (DER adds one before a high bit).
fn normalise_serial(serial: &[u8]) -> &[u8] {
    let first = serial.iter().position(|byte| *byte != 0).unwrap_or(serial.len());
    &serial[first..]
}

/// The checks made on a signer before its key is used, and again by verification:
/// key policy, usage, validity at every instant in `instants`, algorithms along the chain, and
/// revocation. `chain` starts with the signer's certificate; the other certificates are
/// candidate issuers. Returns the signer's public key.
pub(crate) fn check_signer(
    chain: &[ParsedCertificate],
    revocation: &RevocationList,
    instants: &[Timestamp],
) -> Result<PublicKey, SigningError> {
    let Some(signer) = chain.first() else {
        return Err(SigningError::unusable("no signer certificate"));
    };
    let public_key = signer.public_key()?;
    signer.check_signing_usage()?;
    for instant in instants {
        signer.check_validity_at(*instant)?;
    }
    for certificate in chain.iter().filter(|certificate| !certificate.is_self_issued()) {
        SignatureScheme::from_identifier(
            certificate.certificate.signature_algorithm(),
            crate::DigestAlgorithm::Sha256,
        )?;
    }
    let issuer = chain.iter().skip(1).find(|candidate| candidate.subject() == signer.issuer());
    revocation.check(signer, issuer)?;
    Ok(public_key)
}
