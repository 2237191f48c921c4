//! Verification of the signatures in a PDF.
//!
//! For each signature: the byte range (starts at 0, its gap is exactly the /Contents hex
//! string, it stays inside the file), the CMS (detached SignedData, one signer, signed
//! attributes, content-type id-data), the message digest against the signed bytes, the ESS
//! signing-certificate-v2 binding, the signature itself, the signer policy (key size and
//! curve, digest and signature algorithms, key usage, validity at the validation time,
//! revocation from caller-supplied data), and a certification path to a configured trust
//! anchor (issuer names, signatures, CA flags, validity, revocation of each link).
//!
//! Changes after signing: bytes after the last signed revision, other than white space, make
//! every signature "modified after signing". Each update between two signed revisions must
//! only add a signature: new objects, a rewritten catalog differing only in /AcroForm, an
//! AcroForm differing only in /Fields, /SigFlags, /DR or /DA with no field removed, pages
//! differing only in /Annots with no annotation removed, and every added field or annotation a
//! signature widget. Anything else marks the earlier signatures "modified after signing".
//!
//! Not checked: OCSP or CRLs fetched over the network, time-stamps (PAdES B-T and above),
//! certificate policies and name constraints, and whether new objects in a signature update
//! are drawn anywhere other than through the new widget.

use std::collections::HashSet;

use jiff::Timestamp;
use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::algorithm::DigestAlgorithm;
use crate::cades::{self, ParsedCms};
use crate::certificate::{CertificateKind, ParsedCertificate};
use crate::error::SigningError;
use crate::pdf::parse::{self, SignatureValue, resolve, resolve_dictionary};
use crate::policy::{RevocationList, check_signer};
use crate::role::Role;

/// What verification trusts and checks against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Trust anchors (root CAs, DER). Without any, every intact signature is `Untrusted`.
    pub trust_anchors: Vec<Vec<u8>>,
    /// Revoked certificates.
    pub revocation: RevocationList,
    /// The instant certificates must be valid at; now when `None`. (PAdES B-B has no trusted
    /// signing time, so the claimed /M is not used for this.)
    pub validation_time: Option<Timestamp>,
}

impl VerifyOptions {
    /// No anchors, no revocation data, validation now.
    pub fn new() -> VerifyOptions {
        VerifyOptions::default()
    }

    /// Adds trust anchors from DER or PEM (one or more "CERTIFICATE" blocks).
    pub fn add_trust_anchors(&mut self, der_or_pem: &[u8]) -> Result<(), SigningError> {
        if !der_or_pem.starts_with(b"-----BEGIN") {
            ParsedCertificate::from_der(der_or_pem)?;
            self.trust_anchors.push(der_or_pem.to_vec());
            return Ok(());
        }
        let certificates = x509_cert::Certificate::load_pem_chain(der_or_pem)
            .map_err(|error| SigningError::unusable(format!("trust anchor PEM: {error}")))?;
        for certificate in certificates {
            self.trust_anchors.push(ParsedCertificate::from_certificate(certificate)?.der);
        }
        Ok(())
    }
}

/// The verdict on one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Intact, unmodified since, policy met, certificate chains to a trust anchor.
    Valid,
    /// Intact and unmodified, but no certification path to a trust anchor.
    Untrusted,
    /// Broken: digest mismatch, bad signature, malformed, or the signer fails the policy
    /// (weak key or hash, expired, revoked, unusable certificate).
    Invalid,
    /// The signature itself is intact, but the document was changed afterwards by something
    /// other than further signatures.
    ModifiedAfterSigning,
}

impl SignatureStatus {
    /// Stable code, e.g. `VALID`.
    pub fn code(self) -> &'static str {
        match self {
            SignatureStatus::Valid => "VALID",
            SignatureStatus::Untrusted => "UNTRUSTED",
            SignatureStatus::Invalid => "INVALID",
            SignatureStatus::ModifiedAfterSigning => "MODIFIED_AFTER_SIGNING",
        }
    }

    /// The verdict in Vietnamese.
    pub fn message_vi(self) -> &'static str {
        match self {
            SignatureStatus::Valid => "Chữ ký số hợp lệ",
            SignatureStatus::Untrusted => "Chữ ký số nguyên vẹn nhưng chứng thư số không thuộc nguồn tin cậy",
            SignatureStatus::Invalid => "Chữ ký số không hợp lệ",
            SignatureStatus::ModifiedAfterSigning => "Văn bản đã bị thay đổi sau khi ký",
        }
    }

    /// The verdict in English.
    pub fn message_en(self) -> &'static str {
        match self {
            SignatureStatus::Valid => "Signature is valid",
            SignatureStatus::Untrusted => "Signature is intact but the certificate is not trusted",
            SignatureStatus::Invalid => "Signature is invalid",
            SignatureStatus::ModifiedAfterSigning => "Document was modified after signing",
        }
    }
}

/// One reason behind a verdict, or a remark that does not change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable code: a [`SigningError::code`] or one of `NOT_TRUSTED`, `MODIFIED_AFTER_SIGNING`,
    /// `NO_SIGNING_CERTIFICATE_V2`, `ORDER`, `ROLE_CERTIFICATE_MISMATCH`.
    pub code: &'static str,
    /// "Vietnamese / English".
    pub message: String,
}

/// The result of verifying one signature.
#[derive(Debug, Clone)]
pub struct SignatureReport {
    /// The signature field's fully qualified name.
    pub field_name: String,
    /// The verdict.
    pub status: SignatureStatus,
    /// The signer certificate's common name (CN).
    pub signer_common_name: Option<String>,
    /// The signer certificate's organisation (O).
    pub signer_organization: Option<String>,
    /// The signer certificate's kind.
    pub certificate_kind: Option<CertificateKind>,
    /// The role recorded in the signature, or else implied by the certificate kind.
    pub role: Option<Role>,
    /// The claimed signing time (/M), not verified (no time-stamp).
    pub signing_time: Option<Timestamp>,
    /// /Reason.
    pub reason: Option<String>,
    /// /Location.
    pub location: Option<String>,
    /// /SubFilter, e.g. "ETSI.CAdES.detached".
    pub sub_filter: Option<String>,
    /// /ByteRange.
    pub byte_range: Option<[usize; 4]>,
    /// Whether the signed ranges reach the end of the file.
    pub covers_whole_document: bool,
    /// The signer's key, e.g. "ECDSA P-256".
    pub key: Option<String>,
    /// The CMS digest algorithm.
    pub digest: Option<DigestAlgorithm>,
    /// Why the verdict is what it is, and remarks.
    pub findings: Vec<Finding>,
}

impl SignatureReport {
    /// A one-line summary in Vietnamese and English.
    pub fn summary(&self) -> String {
        let signer = self.signer_common_name.as_deref().unwrap_or("?");
        format!("{}: {} / {} ({signer})", self.field_name, self.status.message_vi(), self.status.message_en())
    }
}

/// One signature's CMS and the bytes it signs (for checks with other tools, e.g.
/// `openssl cms -verify -binary -content`).
#[derive(Debug, Clone)]
pub struct ExtractedSignature {
    /// The signature field's name.
    pub field_name: String,
    /// The CMS, DER, without the placeholder's zero padding.
    pub cms_der: Vec<u8>,
    /// The concatenated signed byte ranges.
    pub signed_content: Vec<u8>,
}

/// The CMS and signed bytes of every signature with a usable byte range.
pub fn extract_signatures(pdf: &[u8]) -> Result<Vec<ExtractedSignature>, SigningError> {
    let document = parse::load(pdf)?;
    let mut extracted = Vec::new();
    for field in parse::signature_fields(&document) {
        let Ok(value) = field.value else {
            continue;
        };
        let [_, first_end, second_start, second_length] = value.byte_range;
        if first_end > second_start || second_start.saturating_add(second_length) > pdf.len() {
            continue;
        }
        let length = cades::der_length(&value.contents).unwrap_or(value.contents.len()).min(value.contents.len());
        extracted.push(ExtractedSignature {
            field_name: field.name,
            cms_der: value.contents[..length].to_vec(),
            signed_content: [&pdf[..first_end], &pdf[second_start..second_start + second_length]].concat(),
        });
    }
    Ok(extracted)
}

/// Verifies every signature of `pdf`, in field order. Fails only when the PDF cannot be read.
pub fn verify(pdf: &[u8], options: &VerifyOptions) -> Result<Vec<SignatureReport>, SigningError> {
    let document = parse::load(pdf)?;
    let anchors =
        options.trust_anchors.iter().map(|der| ParsedCertificate::from_der(der)).collect::<Result<Vec<_>, _>>()?;
    let at = options.validation_time.unwrap_or_else(Timestamp::now);
    let fields = parse::signature_fields(&document);
    let mut reports: Vec<SignatureReport> = fields
        .iter()
        .map(|field| verify_one(pdf, &field.name, &field.value, &anchors, &options.revocation, at))
        .collect();

    let revision_ends: Vec<usize> = fields
        .iter()
        .filter_map(|field| field.value.as_ref().ok())
        .map(SignatureValue::revision_end)
        .filter(|end| *end <= pdf.len())
        .collect();
    for (report, field) in reports.iter_mut().zip(&fields) {
        let Ok(value) = &field.value else {
            continue;
        };
        if let Some(reason) = modification_after(pdf, value.revision_end(), &revision_ends) {
            report.findings.push(finding("MODIFIED_AFTER_SIGNING", &reason));
            if matches!(report.status, SignatureStatus::Valid | SignatureStatus::Untrusted) {
                report.status = SignatureStatus::ModifiedAfterSigning;
            }
        }
    }
    check_order_of_reports(&mut reports);
    Ok(reports)
}

fn finding(code: &'static str, message: &str) -> Finding {
    Finding { code, message: message.to_string() }
}

fn error_finding(error: &SigningError) -> Finding {
    Finding { code: error.code(), message: error.to_string() }
}

fn verify_one(
    pdf: &[u8],
    name: &str,
    value: &Result<SignatureValue, SigningError>,
    anchors: &[ParsedCertificate],
    revocation: &RevocationList,
    at: Timestamp,
) -> SignatureReport {
    let mut report = SignatureReport {
        field_name: name.to_string(),
        status: SignatureStatus::Invalid,
        signer_common_name: None,
        signer_organization: None,
        certificate_kind: None,
        role: None,
        signing_time: None,
        reason: None,
        location: None,
        sub_filter: None,
        byte_range: None,
        covers_whole_document: false,
        key: None,
        digest: None,
        findings: Vec::new(),
    };
    let value = match value {
        Ok(value) => value,
        Err(error) => {
            report.findings.push(error_finding(error));
            return report;
        }
    };
    report.signing_time = value.claimed_time;
    report.reason = value.reason.clone();
    report.location = value.location.clone();
    report.byte_range = Some(value.byte_range);
    report.sub_filter = Some(value.sub_filter.clone());
    report.covers_whole_document = value.revision_end() == pdf.len();
    report.role = value.role;
    // Read who signed even when the integrity check fails, for the report.
    if let Ok(parsed) = cades::parse(&value.contents) {
        describe_signer(&mut report, value, &parsed);
    }
    let parsed = match check_integrity(pdf, value) {
        Ok(parsed) => parsed,
        Err(error) => {
            report.findings.push(error_finding(&error));
            return report;
        }
    };
    if !parse::ends_with_eof_marker(&pdf[..value.revision_end()]) {
        report.findings.push(finding(
            "PARTIAL_REVISION",
            "phần được ký không kết thúc bằng %%EOF / the signed part does not end with %%EOF",
        ));
    }
    if !parsed.has_signing_certificate_v2() {
        report.findings.push(finding(
            "NO_SIGNING_CERTIFICATE_V2",
            "thiếu thuộc tính signing-certificate-v2 (không đúng PAdES) / no signing-certificate-v2 attribute (not PAdES)",
        ));
    }
    if let Some(error) = role_mismatch(value, parsed.signer()) {
        report.findings.push(error_finding(&error));
        return report;
    }
    if let Err(error) = check_signer(&parsed.chain, revocation, &[at]) {
        report.findings.push(error_finding(&error));
        return report;
    }
    match path_to_anchor(&parsed.chain, anchors, revocation, at) {
        Err(error) => {
            report.findings.push(error_finding(&error));
            report.status = SignatureStatus::Invalid;
        }
        Ok(Some(reason)) => {
            report.findings.push(finding("NOT_TRUSTED", &reason));
            report.status = SignatureStatus::Untrusted;
        }
        Ok(None) => report.status = SignatureStatus::Valid,
    }
    report
}

fn describe_signer(report: &mut SignatureReport, value: &SignatureValue, parsed: &ParsedCms) {
    let signer = parsed.signer();
    report.signer_common_name = signer.common_name();
    report.signer_organization = signer.organization();
    report.certificate_kind = Some(signer.kind());
    report.role = role_of(value, Some(signer));
    report.key = signer.public_key().ok().map(|key| key.describe());
    report.digest = Some(parsed.digest);
    if report.signing_time.is_none() {
        report.signing_time = parsed.signing_time_attribute;
    }
}

fn role_mismatch(value: &SignatureValue, signer: &ParsedCertificate) -> Option<SigningError> {
    let role = value.role?;
    let kind = signer.kind();
    (kind != CertificateKind::Unknown && kind != role.certificate_kind())
        .then(|| SigningError::RoleCertificateMismatch { detail: format!("{role:?} / {kind:?}") })
}

/// The role of an existing signature: the recorded /MotcuaRole, else the certificate's kind.
pub(crate) fn role_of(value: &SignatureValue, signer: Option<&ParsedCertificate>) -> Option<Role> {
    value.role.or_else(|| signer.and_then(|signer| Role::for_certificate_kind(signer.kind())))
}

/// Checks one signature's integrity: the byte range and its gap, the CMS, the digest of the
/// signed bytes and the signature. Returns the parsed CMS.
pub(crate) fn check_integrity(pdf: &[u8], value: &SignatureValue) -> Result<ParsedCms, SigningError> {
    let [start, first_end, second_start, second_length] = value.byte_range;
    let second_end = second_start.checked_add(second_length).filter(|end| *end <= pdf.len());
    let Some(second_end) = second_end.filter(|_| start == 0 && first_end + 2 <= second_start) else {
        return Err(SigningError::pdf(format!("/ByteRange {:?} does not fit the file", value.byte_range)));
    };
    let gap = &pdf[first_end..second_start];
    let inner = &gap[1..gap.len() - 1];
    let is_hex_string = gap[0] == b'<' && gap[gap.len() - 1] == b'>' && inner.iter().all(u8::is_ascii_hexdigit);
    if !is_hex_string || inner.len() % 2 == 1 || hex_decode(inner) != value.contents {
        return Err(SigningError::pdf("the unsigned gap of /ByteRange is not exactly the signature's /Contents"));
    }
    if value.contents.iter().all(|byte| *byte == 0) {
        return Err(SigningError::cms("the signature placeholder was never filled"));
    }
    let parsed = cades::parse(&value.contents)?;
    let digest = parsed.digest.digest_parts(&[&pdf[..first_end], &pdf[second_start..second_end]]);
    parsed.verify(&digest)?;
    Ok(parsed)
}

/// Decodes hexadecimal digits (already checked to be digits).
fn hex_decode(hex: &[u8]) -> Vec<u8> {
    let value = |digit: u8| match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    };
    hex.chunks_exact(2).map(|pair| (value(pair[0]) << 4) | value(pair[1])).collect()
}

/// `Ok(None)` when the signer chains to an anchor, `Ok(Some(reason))` when it does not, and
/// `Err` when a certificate on the path is expired or revoked.
fn path_to_anchor(
    chain: &[ParsedCertificate],
    anchors: &[ParsedCertificate],
    revocation: &RevocationList,
    at: Timestamp,
) -> Result<Option<String>, SigningError> {
    let Some(mut current) = chain.first() else {
        return Ok(Some("không có chứng thư / no certificate".into()));
    };
    // Paths are short; the bound stops loops in malformed chains.
    for _ in 0..8 {
        if anchors.contains(current) {
            return Ok(None);
        }
        let issued_by = |candidate: &&ParsedCertificate| {
            candidate.subject() == current.issuer()
                && *candidate != current
                && candidate.is_certificate_authority()
                && current.verify_issued_by(candidate).is_ok()
        };
        if let Some(anchor) = anchors.iter().find(issued_by) {
            revocation.check(current, Some(anchor))?;
            anchor.check_validity_at(at)?;
            return Ok(None);
        }
        let Some(issuer) = chain.iter().find(issued_by) else {
            break;
        };
        revocation.check(current, Some(issuer))?;
        issuer.check_validity_at(at)?;
        current = issuer;
    }
    Ok(Some(
        "không có đường tin cậy tới chứng thư gốc được cấu hình / no certification path to a configured trust anchor"
            .into(),
    ))
}

/// Why the bytes after `revision_end` are more than signature updates, if they are.
fn modification_after(pdf: &[u8], revision_end: usize, revision_ends: &[usize]) -> Option<String> {
    let mut later: Vec<usize> = revision_ends.iter().copied().filter(|end| *end > revision_end).collect();
    later.sort_unstable();
    later.dedup();
    let last = later.last().copied().unwrap_or(revision_end).min(pdf.len());
    if !pdf[last..].iter().all(u8::is_ascii_whitespace) {
        return Some(format!(
            "có {} byte được thêm sau chữ ký cuối cùng mà không phải chữ ký / {} bytes added after the last signature are not a signature",
            pdf.len() - last,
            pdf.len() - last
        ));
    }
    let mut start = revision_end;
    for end in later {
        if let Err(reason) = signature_only_update(&pdf[..start], &pdf[..end]) {
            return Some(format!(
                "bản cập nhật sau chữ ký không chỉ thêm chữ ký: {reason} / an update after signing does more than add a signature: {reason}"
            ));
        }
        start = end;
    }
    None
}

/// Checks that revision `after` only adds signatures to revision `before`.
fn signature_only_update(before: &[u8], after: &[u8]) -> Result<(), String> {
    let old = parse::load(before).map_err(|error| error.to_string())?;
    let new = parse::load(after).map_err(|error| error.to_string())?;
    let root = old.trailer.get(b"Root").ok().cloned();
    if new.trailer.get(b"Root").ok().cloned() != root {
        return Err("/Root changed".into());
    }
    let catalog_id = root.and_then(|root| root.as_reference().ok());
    let form_id =
        old.catalog().ok().and_then(|catalog| catalog.get(b"AcroForm").ok()).and_then(|form| form.as_reference().ok());
    let pages: HashSet<ObjectId> = old.get_pages().into_values().collect();
    let mut list_ids = HashSet::new();
    if let Some(fields) = resolve_dictionary(&old, old.catalog().ok().and_then(|catalog| catalog.get(b"AcroForm").ok()))
        .and_then(|form| form.get(b"Fields").ok())
        .and_then(|fields| fields.as_reference().ok())
    {
        list_ids.insert(fields);
    }
    for page in &pages {
        if let Some(annotations) = old
            .get_dictionary(*page)
            .ok()
            .and_then(|page| page.get(b"Annots").ok())
            .and_then(|annotations| annotations.as_reference().ok())
        {
            list_ids.insert(annotations);
        }
    }
    for (id, old_object) in &old.objects {
        let Some(new_object) = new.objects.get(id) else {
            return Err(format!("object {} {} was removed", id.0, id.1));
        };
        if old_object == new_object {
            continue;
        }
        let allowed = if Some(*id) == catalog_id {
            same_except(old_object, new_object, &[b"AcroForm"])
        } else if Some(*id) == form_id {
            same_except(old_object, new_object, &[b"Fields", b"SigFlags", b"DR", b"DA"])
        } else if pages.contains(id) {
            same_except(old_object, new_object, &[b"Annots"])
        } else {
            list_ids.contains(id) && is_superset(old_object, new_object)
        };
        if !allowed {
            return Err(format!("object {} {} changed", id.0, id.1));
        }
    }
    check_added_fields(&old, &new)?;
    for page in &pages {
        let old_annotations = annotations(&old, *page);
        for added in annotations(&new, *page).into_iter().filter(|annotation| !old_annotations.contains(annotation)) {
            if !is_signature_field(&new, &added) {
                return Err(format!("a non-signature annotation was added to page object {}", page.0));
            }
        }
    }
    Ok(())
}

fn check_added_fields(old: &Document, new: &Document) -> Result<(), String> {
    let old_fields = form_fields(old);
    let new_fields = form_fields(new);
    if !old_fields.iter().all(|field| new_fields.contains(field)) {
        return Err("a form field was removed".into());
    }
    for added in new_fields.iter().filter(|field| !old_fields.contains(field)) {
        if !is_signature_field(new, added) {
            return Err("a non-signature form field was added".into());
        }
    }
    Ok(())
}

fn form_fields(document: &Document) -> Vec<Object> {
    resolve_dictionary(document, document.catalog().ok().and_then(|catalog| catalog.get(b"AcroForm").ok()))
        .and_then(|form| resolve(document, form.get(b"Fields").ok()))
        .and_then(|fields| fields.as_array().ok())
        .cloned()
        .unwrap_or_default()
}

fn annotations(document: &Document, page: ObjectId) -> Vec<Object> {
    document
        .get_dictionary(page)
        .ok()
        .and_then(|page| resolve(document, page.get(b"Annots").ok()))
        .and_then(|annotations| annotations.as_array().ok())
        .cloned()
        .unwrap_or_default()
}

fn is_signature_field(document: &Document, object: &Object) -> bool {
    let Some(dictionary) = resolve_dictionary(document, Some(object)) else {
        return false;
    };
    let own_type = dictionary.get(b"FT").ok().and_then(|kind| kind.as_name().ok());
    let parent_type = resolve_dictionary(document, dictionary.get(b"Parent").ok())
        .and_then(|parent| parent.get(b"FT").ok())
        .and_then(|kind| kind.as_name().ok());
    own_type.or(parent_type) == Some(b"Sig".as_slice())
}

fn same_except(old: &Object, new: &Object, keys: &[&[u8]]) -> bool {
    let (Ok(old), Ok(new)) = (old.as_dict(), new.as_dict()) else {
        return false;
    };
    let without = |dictionary: &Dictionary| -> Vec<(Vec<u8>, Object)> {
        let mut entries: Vec<(Vec<u8>, Object)> = dictionary
            .iter()
            .filter(|(key, _)| !keys.contains(&key.as_slice()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        entries.sort_by(|left, right| left.0.cmp(&right.0));
        entries
    };
    let arrays_grow = keys.iter().all(|key| match (old.get(key), new.get(key)) {
        (Ok(old @ Object::Array(_)), Ok(new)) => is_superset(old, new),
        _ => true,
    });
    without(old) == without(new) && arrays_grow
}

fn is_superset(old: &Object, new: &Object) -> bool {
    match (old.as_array(), new.as_array()) {
        (Ok(old), Ok(new)) => old.iter().all(|item| new.contains(item)),
        _ => false,
    }
}

/// Remarks on the order: an agency signature before any person signature.
fn check_order_of_reports(reports: &mut [SignatureReport]) {
    let mut ordered: Vec<usize> = (0..reports.len()).collect();
    ordered.sort_by_key(|index| reports[*index].byte_range.map_or(0, |range| range[2] + range[3]));
    let mut person_seen = false;
    for index in ordered {
        match reports[index].role {
            Some(Role::Person) => person_seen = true,
            Some(Role::Agency) if !person_seen => reports[index].findings.push(finding(
                "ORDER",
                "chữ ký cơ quan đứng trước chữ ký cá nhân / agency signature before any person signature",
            )),
            _ => {}
        }
    }
}
