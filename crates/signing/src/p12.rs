//! The built-in signer: a private key and certificate chain from a PKCS#12 file.

use p12_keystore::{KeyStore, Pkcs12ImportPolicy};

use crate::certificate::ParsedCertificate;
use crate::error::SigningError;
use crate::key::PrivateKey;
use crate::sign::{Prepared, SignOptions, SignedAttributes, check_signer_for, embed_signature, prepare};

/// A signer holding a private key (P-256, P-384 or RSA) and its certificate chain, read from
/// a PKCS#12 file. Signing goes through [`prepare`], [`Prepared::signed_attributes`] and
/// [`embed_signature`], as an external signer's would.
///
/// Invariant: the key matches the first certificate of the chain and passes the key policy.
pub struct P12Signer {
    key: PrivateKey,
    chain: Vec<ParsedCertificate>,
    chain_der: Vec<Vec<u8>>,
}

impl std::fmt::Debug for P12Signer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is never printed.
        formatter
            .debug_struct("P12Signer")
            .field("key", &self.key)
            .field("signer", &self.chain.first().and_then(ParsedCertificate::common_name))
            .finish()
    }
}

impl P12Signer {
    /// Opens a PKCS#12 file (PBES2/AES or the legacy 3DES/RC2 schemes). `WRONG_PASSWORD` when
    /// the MAC does not verify; `INVALID_KEYSTORE` when there is no key with a certificate;
    /// `WEAK_KEY` for an RSA key under 2048 bits or a curve under 256 bits.
    pub fn open(p12: &[u8], password: &str) -> Result<P12Signer, SigningError> {
        let store = KeyStore::from_pkcs12(p12, password, Pkcs12ImportPolicy::Strict).map_err(|error| match error {
            p12_keystore::error::Error::MacError(_) => SigningError::WrongPassword,
            other => SigningError::InvalidKeyStore { detail: other.to_string() },
        })?;
        let (_, entry) = store
            .private_key_chain()
            .ok_or_else(|| SigningError::InvalidKeyStore { detail: "no private key with a certificate".into() })?;
        let key = PrivateKey::from_pkcs8_der(entry.key().as_der())?;
        let chain_der: Vec<Vec<u8>> = entry.certs().iter().map(|certificate| certificate.as_der().to_vec()).collect();
        let chain =
            chain_der.iter().map(|der| ParsedCertificate::from_der(der)).collect::<Result<Vec<_>, SigningError>>()?;
        let signer = chain
            .first()
            .ok_or_else(|| SigningError::InvalidKeyStore { detail: "the key has no certificate".into() })?;
        if signer.certificate.tbs_certificate().subject_public_key_info() != &key.public_key_info()? {
            return Err(SigningError::InvalidKeyStore { detail: "the key does not match the certificate".into() });
        }
        key.check_policy()?;
        Ok(P12Signer { key, chain, chain_der })
    }

    /// The signer's certificate followed by its chain, DER.
    pub fn certificate_chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }

    /// The signer certificate's common name.
    pub fn common_name(&self) -> Option<String> {
        self.chain.first().and_then(ParsedCertificate::common_name)
    }

    /// Signs signed attributes prepared for this signer's certificate: the raw signature over
    /// [`SignedAttributes::der`] (DER `ECDSA-Sig-Value` or PKCS#1 v1.5).
    pub fn sign_attributes(&self, prepared: &Prepared, attributes: &SignedAttributes) -> Result<Vec<u8>, SigningError> {
        let (_, signature) = self.key.sign_prehash(prepared.digest_algorithm(), attributes.digest())?;
        Ok(signature)
    }

    /// Signs `pdf` in one call: checks this signer against `options` first (expired, revoked,
    /// wrong kind for the role → refused before anything is signed), then prepares, signs the
    /// attributes and embeds.
    pub fn sign_pdf(&self, pdf: &[u8], options: &SignOptions) -> Result<Vec<u8>, SigningError> {
        check_signer_for(&self.chain, options)?;
        let prepared = prepare(pdf, options)?;
        let attributes = prepared.signed_attributes(&self.chain_der)?;
        let signature = self.sign_attributes(&prepared, &attributes)?;
        embed_signature(&prepared, &attributes, &signature)
    }
}
