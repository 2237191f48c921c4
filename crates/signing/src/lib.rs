//! motcua's document signatures: PAdES baseline B-B signatures of PDFs added by incremental
//! update, their verification, and a demo PKI.
//!
//! - [`prepare`] / [`embed`] / [`embed_signature`]: two-phase signing, so that the private key
//!   can live anywhere (USB token, HSM, remote service); [`P12Signer`] is the built-in signer
//!   on the same path.
//! - [`verify()`]: valid / untrusted / invalid / modified after signing, with reasons in
//!   Vietnamese and English.
//! - [`pki`]: the demo CA and credentials of `motcua pki init`.
//!
//! One RustCrypto generation only (sha2 0.11, der 0.8, x509-cert 0.3, cms 0.3 pre-release,
//! rsa 0.10, p256/p384 0.14); keys, certificates and PDFs cross the API as bytes.

mod algorithm;
mod appearance;
mod cades;
mod certificate;
mod error;
mod key;
mod p12;
mod pdf;
pub mod pki;
mod policy;
mod role;
mod sign;
mod verify;

pub use algorithm::DigestAlgorithm;
pub use appearance::{Appearance, SignatureBox};
pub use certificate::CertificateKind;
pub use error::SigningError;
pub use p12::P12Signer;
pub use policy::RevocationList;
pub use role::Role;
pub use sign::{DEFAULT_RESERVED_BYTES, Prepared, SignOptions, SignedAttributes, embed, embed_signature, prepare};
pub use verify::{
    ExtractedSignature, Finding, SignatureReport, SignatureStatus, VerifyOptions, extract_signatures, verify,
};
