//! The crate's error: one enum, each variant with a stable machine code and a message in
//! Vietnamese and English.

/// A refused signing, embedding, key-store or verification operation. Nothing was written.
///
/// `code()` is stable and meant for callers (CLI exit messages, HTTP problem codes, tests);
/// `Display` gives "Vietnamese / English".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// An RSA key under 2048 bits or an elliptic curve under 256 bits (or one not allowed).
    #[error("khóa quá yếu: {key} / weak key: {key}")]
    WeakKey {
        /// The key as found, e.g. "RSA-1024".
        key: String,
    },
    /// SHA-1, MD5 or another digest under 256 bits, in a signature, a certificate or a request.
    #[error("thuật toán băm không được phép: {algorithm} / hash algorithm not allowed: {algorithm}")]
    WeakHash {
        /// The algorithm (name or OID).
        algorithm: String,
    },
    /// An algorithm this crate does not implement (neither weak nor allowed).
    #[error("thuật toán không được hỗ trợ: {algorithm} / unsupported algorithm: {algorithm}")]
    UnsupportedAlgorithm {
        /// The algorithm (name or OID).
        algorithm: String,
    },
    /// The certificate's validity period ended before the time of use.
    #[error("chứng thư số đã hết hạn ({not_after}) / certificate expired ({not_after})")]
    CertificateExpired {
        /// The certificate's notAfter, ISO 8601.
        not_after: String,
    },
    /// The certificate's validity period starts after the time of use.
    #[error("chứng thư số chưa có hiệu lực ({not_before}) / certificate not yet valid ({not_before})")]
    CertificateNotYetValid {
        /// The certificate's notBefore, ISO 8601.
        not_before: String,
    },
    /// The certificate's serial number is on the caller's revocation list or in a CRL.
    #[error("chứng thư số đã bị thu hồi (số hiệu {serial}) / certificate revoked (serial {serial})")]
    CertificateRevoked {
        /// Serial number, hexadecimal.
        serial: String,
    },
    /// The certificate cannot sign documents (key usage) or is malformed.
    #[error("chứng thư số không dùng để ký được: {detail} / certificate unusable for signing: {detail}")]
    CertificateUnusable {
        /// What is wrong.
        detail: String,
    },
    /// A certificate revocation list could not be read or its signature does not verify.
    #[error("danh sách thu hồi không hợp lệ: {detail} / invalid revocation list: {detail}")]
    InvalidRevocationList {
        /// What is wrong.
        detail: String,
    },
    /// The PKCS#12 password is wrong (its MAC does not verify).
    #[error("sai mật khẩu tệp khóa PKCS#12 / wrong PKCS#12 password")]
    WrongPassword,
    /// The PKCS#12 file is unreadable or holds no private key with a certificate.
    #[error("tệp khóa PKCS#12 không hợp lệ: {detail} / invalid PKCS#12 file: {detail}")]
    InvalidKeyStore {
        /// What is wrong.
        detail: String,
    },
    /// The PDF cannot be read or has a structure this crate does not sign.
    #[error("tệp PDF không hợp lệ: {detail} / invalid PDF: {detail}")]
    InvalidPdf {
        /// What is wrong.
        detail: String,
    },
    /// The PDF is encrypted; incremental signing of encrypted files is not supported.
    #[error("tệp PDF được mã hóa, không ký được / encrypted PDF cannot be signed")]
    EncryptedPdf,
    /// The document carries a certification signature that forbids further changes (DocMDP P=1).
    #[error("văn bản đã khóa, không cho phép ký thêm / document is locked against further signatures")]
    DocumentLocked,
    /// An agency signature was requested but the document does not end with a valid person
    /// signature covering it entirely.
    #[error(
        "chỉ ký số của cơ quan sau chữ ký hợp lệ của người có thẩm quyền: {detail} / the agency signs only after a valid signature of the competent person: {detail}"
    )]
    AgencyBeforePerson {
        /// Why (no signature, last signature not a person's, invalid, or document changed since).
        detail: String,
    },
    /// A person signature was requested on a document the agency has already signed.
    #[error(
        "văn bản đã có chữ ký số của cơ quan, không ký cá nhân thêm được / the agency has already signed this document; no further person signature"
    )]
    PersonAfterAgency,
    /// A person certificate was used for an agency signature or the reverse.
    #[error(
        "loại chứng thư số không khớp vai trò ký: {detail} / certificate kind does not match the signing role: {detail}"
    )]
    RoleCertificateMismatch {
        /// Which role and which certificate kind.
        detail: String,
    },
    /// The appearance request is invalid (page out of range, bad PNG, text not in the font...).
    #[error("hình thức chữ ký không hợp lệ: {detail} / invalid signature appearance: {detail}")]
    InvalidAppearance {
        /// What is wrong.
        detail: String,
    },
    /// The CMS signature is larger than the space reserved in the PDF.
    #[error(
        "chữ ký ({needed} byte) vượt chỗ dành sẵn ({capacity} byte) / signature ({needed} bytes) exceeds the reserved space ({capacity} bytes)"
    )]
    SignatureTooLarge {
        /// DER length of the CMS.
        needed: usize,
        /// Reserved bytes.
        capacity: usize,
    },
    /// The CMS structure is malformed or not a detached SignedData with one signer.
    #[error("cấu trúc chữ ký CMS không hợp lệ: {detail} / invalid CMS signature: {detail}")]
    InvalidCms {
        /// What is wrong.
        detail: String,
    },
    /// The CMS message-digest does not match the digest of the signed byte ranges.
    #[error("giá trị băm không khớp với văn bản / message digest does not match the document")]
    DigestMismatch,
    /// The cryptographic signature does not verify with the signer's public key.
    #[error("chữ ký số không đúng với khóa công khai / signature does not verify with the public key")]
    BadSignature,
    /// The private key could not be read or does not match the certificate.
    #[error("khóa bí mật không hợp lệ: {detail} / invalid private key: {detail}")]
    InvalidKey {
        /// What is wrong.
        detail: String,
    },
    /// A certificate could not be built or encoded (demo PKI).
    #[error("không tạo được chứng thư số: {detail} / cannot build certificate: {detail}")]
    CertificateBuild {
        /// What went wrong.
        detail: String,
    },
    /// The prepared document does not match (already embedded, or not from `prepare`).
    #[error("dữ liệu chuẩn bị ký không hợp lệ: {detail} / invalid prepared signature: {detail}")]
    InvalidPrepared {
        /// What is wrong.
        detail: String,
    },
}

impl SigningError {
    /// The stable machine code of this error, e.g. `WEAK_KEY`.
    pub fn code(&self) -> &'static str {
        match self {
            SigningError::WeakKey { .. } => "WEAK_KEY",
            SigningError::WeakHash { .. } => "WEAK_HASH",
            SigningError::UnsupportedAlgorithm { .. } => "UNSUPPORTED_ALGORITHM",
            SigningError::CertificateExpired { .. } => "CERTIFICATE_EXPIRED",
            SigningError::CertificateNotYetValid { .. } => "CERTIFICATE_NOT_YET_VALID",
            SigningError::CertificateRevoked { .. } => "CERTIFICATE_REVOKED",
            SigningError::CertificateUnusable { .. } => "CERTIFICATE_UNUSABLE",
            SigningError::InvalidRevocationList { .. } => "INVALID_CRL",
            SigningError::WrongPassword => "WRONG_PASSWORD",
            SigningError::InvalidKeyStore { .. } => "INVALID_KEYSTORE",
            SigningError::InvalidPdf { .. } => "INVALID_PDF",
            SigningError::EncryptedPdf => "ENCRYPTED_PDF",
            SigningError::DocumentLocked => "DOCUMENT_LOCKED",
            SigningError::AgencyBeforePerson { .. } => "ORDER_AGENCY_BEFORE_PERSON",
            SigningError::PersonAfterAgency => "ORDER_PERSON_AFTER_AGENCY",
            SigningError::RoleCertificateMismatch { .. } => "ROLE_CERTIFICATE_MISMATCH",
            SigningError::InvalidAppearance { .. } => "INVALID_APPEARANCE",
            SigningError::SignatureTooLarge { .. } => "SIGNATURE_TOO_LARGE",
            SigningError::InvalidCms { .. } => "INVALID_CMS",
            SigningError::DigestMismatch => "DIGEST_MISMATCH",
            SigningError::BadSignature => "BAD_SIGNATURE",
            SigningError::InvalidKey { .. } => "INVALID_KEY",
            SigningError::CertificateBuild { .. } => "CERTIFICATE_BUILD",
            SigningError::InvalidPrepared { .. } => "INVALID_PREPARED",
        }
    }

    pub(crate) fn pdf(detail: impl Into<String>) -> SigningError {
        SigningError::InvalidPdf { detail: detail.into() }
    }

    pub(crate) fn cms(detail: impl Into<String>) -> SigningError {
        SigningError::InvalidCms { detail: detail.into() }
    }

    pub(crate) fn unusable(detail: impl Into<String>) -> SigningError {
        SigningError::CertificateUnusable { detail: detail.into() }
    }

    pub(crate) fn appearance(detail: impl Into<String>) -> SigningError {
        SigningError::InvalidAppearance { detail: detail.into() }
    }

    pub(crate) fn build(detail: impl std::fmt::Display) -> SigningError {
        SigningError::CertificateBuild { detail: detail.to_string() }
    }
}
