//! Signing in two phases: [`prepare`] adds the signature field, its appearance and a
//! placeholder by an incremental update and returns the digest to sign; [`embed`] (or
//! [`embed_signature`]) writes the CMS signature into the placeholder. The built-in PKCS#12
//! signer ([`crate::P12Signer`]) goes through the same two phases.
//!
//! Order rules (Decree 30/2020 Art. 32(2)(d)): an agency signature only on a document whose
//! last signature is a valid person signature covering all of it; no person signature once
//! the agency has signed.

use jiff::Timestamp;
use lopdf::{Document, Object, ObjectId, dictionary};

use crate::algorithm::DigestAlgorithm;
use crate::appearance::{self, Appearance};
use crate::cades;
use crate::certificate::{CertificateKind, ParsedCertificate};
use crate::error::SigningError;
use crate::pdf::parse::{self, ROLE_KEY, SignatureValue, resolve, resolve_dictionary};
use crate::pdf::text::{pdf_date, text_string};
use crate::pdf::write::IncrementalUpdate;
use crate::policy::{RevocationList, check_signer};
use crate::role::Role;
use crate::verify::{check_integrity, role_of};

/// The space reserved for the CMS signature by default: 16 KiB (a P-256 or RSA-2048 signature
/// with a two-certificate chain takes 1.5–3 KiB; a time-stamp token would add 3–6 KiB).
pub const DEFAULT_RESERVED_BYTES: usize = 16 * 1024;

/// The length of "[0 a b c]" with a, b and c each padded to ten characters.
const PLACEHOLDER_RANGE_LENGTH: usize = 36;

/// The options of one signature.
///
/// Invariant: `reserved_bytes` bounds the CMS size; `signing_time` is the claimed time written
/// as /M and must fall in the certificate's validity, as must the actual time of signing.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// Person or agency; recorded in the signature dictionary (/MotcuaRole, /Reason) and
    /// matched against the certificate's kind.
    pub role: Role,
    /// How the signature shows.
    pub appearance: Appearance,
    /// The claimed signing time (/M), shown in Vietnam time.
    pub signing_time: Timestamp,
    /// /Reason; the role's default when `None`.
    pub reason: Option<String>,
    /// /Location, e.g. "Thành phố Hồ Chí Minh".
    pub location: Option<String>,
    /// The digest for the document and the signed attributes.
    pub digest: DigestAlgorithm,
    /// Bytes reserved for the CMS signature.
    pub reserved_bytes: usize,
    /// Revoked certificates, checked before signing.
    pub revocation: RevocationList,
    /// The signature field's name; a unique "motcua-person-N" / "motcua-agency-N" when `None`.
    pub field_name: Option<String>,
}

impl SignOptions {
    /// Options with the defaults: SHA-256, 16 KiB reserved, the role's reason, no revocation
    /// data, a generated field name.
    pub fn new(role: Role, appearance: Appearance, signing_time: Timestamp) -> SignOptions {
        SignOptions {
            role,
            appearance,
            signing_time,
            reason: None,
            location: None,
            digest: DigestAlgorithm::Sha256,
            reserved_bytes: DEFAULT_RESERVED_BYTES,
            revocation: RevocationList::new(),
            field_name: None,
        }
    }
}

/// A document prepared for signing: the bytes with the placeholder, which must be kept
/// byte-exact until [`embed`], and the digest of everything but the placeholder.
#[derive(Debug, Clone)]
pub struct Prepared {
    pdf: Vec<u8>,
    byte_range: [usize; 4],
    document_digest: Vec<u8>,
    options: SignOptions,
}

/// The signed attributes of a PAdES signature for one signer certificate, for signers that
/// sign raw data (a USB token, an HSM): sign [`SignedAttributes::der`] — or its digest,
/// [`SignedAttributes::digest`], when the device takes a prehash — then call
/// [`embed_signature`].
#[derive(Debug, Clone)]
pub struct SignedAttributes {
    attributes: cades::SignedAttributesSet,
    der: Vec<u8>,
    digest: Vec<u8>,
    chain: Vec<ParsedCertificate>,
}

impl SignedAttributes {
    /// The DER encoding (a `SET OF Attribute`) to be signed.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The digest of [`SignedAttributes::der`], with the prepared digest algorithm.
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }
}

impl Prepared {
    /// The PDF with the signature field and a zero-filled /Contents placeholder.
    pub fn pdf_with_placeholder(&self) -> &[u8] {
        &self.pdf
    }

    /// `[0, a, b, c]`: the signed ranges are `0..a` and `b..b+c`; `a..b` is the placeholder
    /// including its `<` `>` delimiters.
    pub fn byte_range(&self) -> [usize; 4] {
        self.byte_range
    }

    /// The digest algorithm of the document digest.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.options.digest
    }

    /// The digest of the signed ranges: the CMS message-digest an external signer that returns
    /// a whole CMS must sign.
    pub fn document_digest(&self) -> &[u8] {
        &self.document_digest
    }

    /// The signed ranges themselves, for external signers that hash the content themselves.
    pub fn signed_content(&self) -> Vec<u8> {
        let [_, first_end, second_start, second_length] = self.byte_range;
        [&self.pdf[..first_end], &self.pdf[second_start..second_start + second_length]].concat()
    }

    /// The options this document was prepared with.
    pub fn options(&self) -> &SignOptions {
        &self.options
    }

    /// Rebuilds a `Prepared` from stored placeholder bytes (e.g. kept in a database while a
    /// remote signer works) and the same options. `INVALID_PREPARED` unless the file ends with
    /// an unfilled signature placeholder.
    pub fn resume(pdf_with_placeholder: Vec<u8>, options: SignOptions) -> Result<Prepared, SigningError> {
        let document = parse::load(&pdf_with_placeholder)?;
        let placeholder = parse::signature_fields(&document)
            .into_iter()
            .filter_map(|field| field.value.ok())
            .find(|value| {
                value.revision_end() == pdf_with_placeholder.len() && value.contents.iter().all(|byte| *byte == 0)
            })
            .ok_or_else(|| SigningError::InvalidPrepared { detail: "no unfilled placeholder ends the file".into() })?;
        let byte_range = placeholder.byte_range;
        check_placeholder(&pdf_with_placeholder, byte_range)?;
        let document_digest = options
            .digest
            .digest_parts(&[&pdf_with_placeholder[..byte_range[1]], &pdf_with_placeholder[byte_range[2]..]]);
        Ok(Prepared { pdf: pdf_with_placeholder, byte_range, document_digest, options })
    }

    /// Builds the signed attributes for the signer whose certificate comes first in
    /// `certificate_chain_der` (DER certificates; the rest is its chain, included in the CMS).
    /// The signer is checked first — key policy, usage, validity now and at the signing time,
    /// revocation, kind against the role — so nothing is signed with an unusable certificate.
    pub fn signed_attributes(&self, certificate_chain_der: &[Vec<u8>]) -> Result<SignedAttributes, SigningError> {
        let chain =
            certificate_chain_der.iter().map(|der| ParsedCertificate::from_der(der)).collect::<Result<Vec<_>, _>>()?;
        check_signer_for(&chain, &self.options)?;
        let signer = chain.first().ok_or_else(|| SigningError::unusable("no signer certificate"))?;
        let attributes = cades::build_signed_attributes(&self.document_digest, signer)?;
        let der = cades::signed_attributes_der(&attributes)?;
        let digest = self.options.digest.digest(&der);
        Ok(SignedAttributes { attributes, der, digest, chain })
    }
}

/// Checks a signer before use: the policy (see [`crate::policy`]) at the actual time and at the
/// claimed signing time, and the certificate kind against the role.
pub(crate) fn check_signer_for(chain: &[ParsedCertificate], options: &SignOptions) -> Result<(), SigningError> {
    check_signer(chain, &options.revocation, &[Timestamp::now(), options.signing_time])?;
    let kind = chain.first().map_or(CertificateKind::Unknown, ParsedCertificate::kind);
    check_role_kind(options.role, kind)
}

/// A person certificate cannot make an agency signature, nor the reverse. A certificate of
/// unknown kind is accepted for either role (foreign CAs do not use the Vietnamese UID
/// markers).
fn check_role_kind(role: Role, kind: CertificateKind) -> Result<(), SigningError> {
    match (role, kind) {
        (Role::Person, CertificateKind::Organization) => Err(SigningError::RoleCertificateMismatch {
            detail: "chữ ký cá nhân với chứng thư của tổ chức / person signature with an organisation certificate"
                .into(),
        }),
        (Role::Agency, CertificateKind::Person) => Err(SigningError::RoleCertificateMismatch {
            detail: "chữ ký cơ quan với chứng thư cá nhân / agency signature with a person certificate".into(),
        }),
        _ => Ok(()),
    }
}

/// Phase one: adds a signature field (with its appearance) and a zero-filled placeholder to
/// `pdf` by an incremental update, after checking the order rules.
pub fn prepare(pdf: &[u8], options: &SignOptions) -> Result<Prepared, SigningError> {
    let document = parse::load(pdf)?;
    refuse_locked(&document)?;
    let existing = parse::signature_fields(&document);
    check_order(pdf, &existing, options.role)?;

    let pages = document.get_pages();
    let page_index = options.appearance.area().map_or(0, |area| area.page_index);
    let page_id = u32::try_from(page_index + 1)
        .ok()
        .and_then(|number| pages.get(&number).copied())
        .ok_or_else(|| SigningError::appearance(format!("page {page_index} does not exist ({} pages)", pages.len())))?;

    let mut update = IncrementalUpdate::new(pdf, &document)?;
    let signature_id = update.allocate();
    let widget_id = update.allocate();
    let mut widget = dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => crate::pdf::text::text_object(&field_name(&existing, options)),
        "V" => Object::Reference(signature_id),
        // Print (4) + Locked (128).
        "F" => 132,
        "P" => Object::Reference(page_id),
    };
    match options.appearance.area() {
        None => widget.set("Rect", vec![0.into(), 0.into(), 0.into(), 0.into()]),
        Some(area) => {
            let form_id = appearance::build(&mut update, &options.appearance, area, options.signing_time)?;
            widget.set(
                "Rect",
                vec![
                    Object::Real(area.x),
                    Object::Real(area.y),
                    Object::Real(area.x + area.width),
                    Object::Real(area.y + area.height),
                ],
            );
            widget.set("AP", dictionary! { "N" => Object::Reference(form_id) });
        }
    }
    update.put(widget_id, &Object::Dictionary(widget))?;
    add_to_form(&mut update, &document, widget_id)?;
    add_to_page(&mut update, &document, page_id, widget_id)?;
    let (body, byte_range_at, contents_at) = signature_dictionary(options);
    update.put_raw(signature_id, body);

    let written = update.finish();
    let body_offset = written
        .body_offset(signature_id)
        .ok_or_else(|| SigningError::pdf("the signature dictionary was not written"))?;
    let mut pdf = written.bytes;
    let first_end = body_offset + contents_at;
    let second_start = first_end + 2 * options.reserved_bytes + 2;
    let byte_range = [0, first_end, second_start, pdf.len() - second_start];
    let range_text = format!("[0 {:<10} {:<10} {:<10}]", byte_range[1], byte_range[2], byte_range[3]);
    let slot = &mut pdf[body_offset + byte_range_at..body_offset + byte_range_at + PLACEHOLDER_RANGE_LENGTH];
    if range_text.len() != slot.len() {
        return Err(SigningError::pdf("the document is too large for a 10-digit /ByteRange"));
    }
    slot.copy_from_slice(range_text.as_bytes());
    check_placeholder(&pdf, byte_range)?;
    let document_digest = options.digest.digest_parts(&[&pdf[..first_end], &pdf[second_start..]]);
    Ok(Prepared { pdf, byte_range, document_digest, options: options.clone() })
}

/// Phase two: writes `cms_der` (a detached CMS SignedData over the prepared digest, from any
/// signer) into the placeholder. Checked first: the CMS structure, its message-digest
/// against the prepared document, its signature, the signer policy, and the signer's kind
/// against the role.
pub fn embed(prepared: &Prepared, cms_der: &[u8]) -> Result<Vec<u8>, SigningError> {
    let parsed = cades::parse(cms_der)?;
    let der = &cms_der[..parsed.length];
    let digest = if parsed.digest == prepared.options.digest {
        prepared.document_digest.clone()
    } else {
        parsed.digest.digest(&prepared.signed_content())
    };
    parsed.verify(&digest)?;
    check_signer_for(&parsed.chain, &prepared.options)?;
    let capacity = prepared.options.reserved_bytes;
    if der.len() > capacity {
        return Err(SigningError::SignatureTooLarge { needed: der.len(), capacity });
    }
    let mut pdf = prepared.pdf.clone();
    let hex: Vec<u8> = der.iter().flat_map(|byte| format!("{byte:02X}").into_bytes()).collect();
    let start = prepared.byte_range[1] + 1;
    pdf[start..start + hex.len()].copy_from_slice(&hex);
    Ok(pdf)
}

/// Phase two for raw signers: assembles the CMS from `attributes` and `signature` (the
/// signer's signature over [`SignedAttributes::der`]; for ECDSA either DER or the raw r‖s
/// form that PKCS#11 tokens return) and embeds it as [`embed`] does.
pub fn embed_signature(
    prepared: &Prepared,
    attributes: &SignedAttributes,
    signature: &[u8],
) -> Result<Vec<u8>, SigningError> {
    let signer = attributes.chain.first().ok_or_else(|| SigningError::unusable("no signer certificate"))?;
    let (algorithm, signature) = signature_for(signer, prepared.options.digest, signature)?;
    let cms = cades::assemble(
        prepared.options.digest,
        attributes.attributes.clone(),
        &attributes.chain,
        algorithm,
        signature,
    )?;
    embed(prepared, &cms)
}

/// The CMS signature algorithm for `signer`'s key, and the signature in DER form.
fn signature_for(
    signer: &ParsedCertificate,
    digest: DigestAlgorithm,
    signature: &[u8],
) -> Result<(spki::AlgorithmIdentifierOwned, Vec<u8>), SigningError> {
    use crate::algorithm::{PublicKey, oid};
    let ecdsa = |identifier| spki::AlgorithmIdentifierOwned { oid: identifier, parameters: None };
    let ecdsa_oid = match digest {
        DigestAlgorithm::Sha256 => oid::ECDSA_WITH_SHA256,
        DigestAlgorithm::Sha384 => oid::ECDSA_WITH_SHA384,
        DigestAlgorithm::Sha512 => oid::ECDSA_WITH_SHA512,
    };
    match signer.public_key()? {
        PublicKey::Rsa(_) => {
            let rsa_oid = match digest {
                DigestAlgorithm::Sha256 => oid::SHA256_WITH_RSA,
                DigestAlgorithm::Sha384 => oid::SHA384_WITH_RSA,
                DigestAlgorithm::Sha512 => oid::SHA512_WITH_RSA,
            };
            let identifier = spki::AlgorithmIdentifierOwned { oid: rsa_oid, parameters: Some(der::asn1::Null.into()) };
            Ok((identifier, signature.to_vec()))
        }
        PublicKey::P256(_) => {
            let der = match p256::ecdsa::Signature::from_der(signature) {
                Ok(_) => signature.to_vec(),
                Err(_) => p256::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| SigningError::BadSignature)?
                    .to_der()
                    .as_bytes()
                    .to_vec(),
            };
            Ok((ecdsa(ecdsa_oid), der))
        }
        PublicKey::P384(_) => {
            let der = match p384::ecdsa::Signature::from_der(signature) {
                Ok(_) => signature.to_vec(),
                Err(_) => p384::ecdsa::Signature::from_slice(signature)
                    .map_err(|_| SigningError::BadSignature)?
                    .to_der()
                    .as_bytes()
                    .to_vec(),
            };
            Ok((ecdsa(ecdsa_oid), der))
        }
    }
}

/// The signature dictionary with a fixed-width /ByteRange and a zero-filled /Contents (last,
/// so that the placeholder ends the dictionary). Returns the body and the offsets, within it,
/// of the `[` of /ByteRange and of the `<` of /Contents.
fn signature_dictionary(options: &SignOptions) -> (Vec<u8>, usize, usize) {
    let mut body = b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ".to_vec();
    body.extend_from_slice(&text_string(&pdf_date(options.signing_time)));
    body.extend_from_slice(b" /Reason ");
    body.extend_from_slice(&text_string(options.reason.as_deref().unwrap_or(options.role.default_reason())));
    if let Some(location) = &options.location {
        body.extend_from_slice(b" /Location ");
        body.extend_from_slice(&text_string(location));
    }
    body.extend_from_slice(b" /");
    body.extend_from_slice(ROLE_KEY);
    body.extend_from_slice(format!(" /{}", options.role.pdf_name()).as_bytes());
    body.extend_from_slice(b" /Prop_Build <</App <</Name /motcua>>>> /ByteRange ");
    let byte_range_at = body.len();
    let placeholder = format!("[0 {0:<10} {0:<10} {0:<10}]", 0);
    debug_assert_eq!(placeholder.len(), PLACEHOLDER_RANGE_LENGTH);
    body.extend_from_slice(placeholder.as_bytes());
    body.extend_from_slice(b" /Contents ");
    let contents_at = body.len();
    body.push(b'<');
    body.resize(body.len() + 2 * options.reserved_bytes, b'0');
    body.extend_from_slice(b">>>");
    (body, byte_range_at, contents_at)
}

/// `INVALID_PREPARED` unless `byte_range` brackets a `<0…0>` hole and ends the file.
fn check_placeholder(pdf: &[u8], byte_range: [usize; 4]) -> Result<(), SigningError> {
    let [start, first_end, second_start, second_length] = byte_range;
    let valid = start == 0
        && first_end < second_start
        && second_start.checked_add(second_length) == Some(pdf.len())
        && pdf[first_end] == b'<'
        && pdf[second_start - 1] == b'>'
        && pdf[first_end + 1..second_start - 1].iter().all(|byte| *byte == b'0');
    match valid {
        true => Ok(()),
        false => Err(SigningError::InvalidPrepared {
            detail: format!("byte range {byte_range:?} does not bracket the placeholder"),
        }),
    }
}

/// Refuses documents certified with DocMDP permission 1 (no changes at all).
fn refuse_locked(document: &Document) -> Result<(), SigningError> {
    let Ok(catalog) = document.catalog() else {
        return Ok(());
    };
    let permissions = resolve_dictionary(document, catalog.get(b"Perms").ok());
    let certification =
        permissions.and_then(|permissions| resolve_dictionary(document, permissions.get(b"DocMDP").ok()));
    let references = certification
        .and_then(|signature| resolve(document, signature.get(b"Reference").ok()))
        .and_then(|references| references.as_array().ok());
    let locked = references.into_iter().flatten().any(|reference| {
        resolve_dictionary(document, Some(reference))
            .and_then(|reference| resolve_dictionary(document, reference.get(b"TransformParams").ok()))
            .and_then(|parameters| parameters.get(b"P").ok())
            .and_then(|permission| permission.as_i64().ok())
            == Some(1)
    });
    match locked {
        true => Err(SigningError::DocumentLocked),
        false => Ok(()),
    }
}

fn check_order(pdf: &[u8], existing: &[parse::SignatureField], role: Role) -> Result<(), SigningError> {
    let signatures: Vec<&SignatureValue> = existing.iter().filter_map(|field| field.value.as_ref().ok()).collect();
    match role {
        Role::Person => {
            let agency_signed = signatures.iter().any(|value| {
                let signer = cades::parse(&value.contents).ok();
                role_of(value, signer.as_ref().map(|parsed| parsed.signer())) == Some(Role::Agency)
            });
            match agency_signed {
                true => Err(SigningError::PersonAfterAgency),
                false => Ok(()),
            }
        }
        Role::Agency => {
            let refuse = |detail: &str| SigningError::AgencyBeforePerson { detail: detail.to_string() };
            let last = signatures
                .iter()
                .max_by_key(|value| value.revision_end())
                .ok_or_else(|| refuse("văn bản chưa có chữ ký / the document has no signature"))?;
            let parsed = check_integrity(pdf, last)
                .map_err(|error| SigningError::AgencyBeforePerson { detail: error.to_string() })?;
            if role_of(last, Some(parsed.signer())) != Some(Role::Person) {
                return Err(refuse("chữ ký cuối không phải của cá nhân / the last signature is not a person's"));
            }
            let rest = &pdf[last.revision_end().min(pdf.len())..];
            if !rest.iter().all(u8::is_ascii_whitespace) {
                return Err(refuse("văn bản đã bị sửa sau khi ký / the document changed after the person signed"));
            }
            Ok(())
        }
    }
}

fn field_name(existing: &[parse::SignatureField], options: &SignOptions) -> String {
    if let Some(name) = &options.field_name {
        return name.clone();
    }
    let prefix = match options.role {
        Role::Person => "motcua-person",
        Role::Agency => "motcua-agency",
    };
    (1..)
        .map(|number| format!("{prefix}-{number}"))
        .find(|candidate| existing.iter().all(|field| &field.name != candidate))
        .unwrap_or_else(|| prefix.to_string())
}

/// Appends the widget to the AcroForm's /Fields (creating the form if needed) and sets
/// /SigFlags 3. Only the objects that change are rewritten.
fn add_to_form(
    update: &mut IncrementalUpdate<'_>,
    document: &Document,
    widget_id: ObjectId,
) -> Result<(), SigningError> {
    let catalog_id = document
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| SigningError::pdf("/Root is not a reference"))?;
    let mut catalog = document.catalog().map_err(|error| SigningError::pdf(error.to_string()))?.clone();
    let (form_id, mut form) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => {
            let form = document.get_dictionary(*id).map_err(|error| SigningError::pdf(error.to_string()))?.clone();
            (Some(*id), form)
        }
        Ok(Object::Dictionary(form)) => (None, form.clone()),
        _ => (None, lopdf::Dictionary::new()),
    };
    match form.get(b"Fields") {
        Ok(Object::Reference(fields_id)) => {
            let mut fields = document
                .get_object(*fields_id)
                .and_then(Object::as_array)
                .map_err(|error| SigningError::pdf(error.to_string()))?
                .clone();
            fields.push(Object::Reference(widget_id));
            update.put(*fields_id, &Object::Array(fields))?;
        }
        Ok(Object::Array(fields)) => {
            let mut fields = fields.clone();
            fields.push(Object::Reference(widget_id));
            form.set("Fields", fields);
        }
        _ => form.set("Fields", vec![Object::Reference(widget_id)]),
    }
    form.set("SigFlags", 3);
    match form_id {
        Some(id) => update.put(id, &Object::Dictionary(form)),
        None => {
            let id = update.allocate();
            update.put(id, &Object::Dictionary(form))?;
            catalog.set("AcroForm", Object::Reference(id));
            update.put(catalog_id, &Object::Dictionary(catalog))
        }
    }
}

/// Appends the widget to the page's /Annots.
fn add_to_page(
    update: &mut IncrementalUpdate<'_>,
    document: &Document,
    page_id: ObjectId,
    widget_id: ObjectId,
) -> Result<(), SigningError> {
    let mut page = document.get_dictionary(page_id).map_err(|error| SigningError::pdf(error.to_string()))?.clone();
    match page.get(b"Annots") {
        Ok(Object::Reference(annotations_id)) => {
            let mut annotations = document
                .get_object(*annotations_id)
                .and_then(Object::as_array)
                .map_err(|error| SigningError::pdf(error.to_string()))?
                .clone();
            annotations.push(Object::Reference(widget_id));
            update.put(*annotations_id, &Object::Array(annotations))
        }
        Ok(Object::Array(annotations)) => {
            let mut annotations = annotations.clone();
            annotations.push(Object::Reference(widget_id));
            page.set("Annots", annotations);
            update.put(page_id, &Object::Dictionary(page))
        }
        _ => {
            page.set("Annots", vec![Object::Reference(widget_id)]);
            update.put(page_id, &Object::Dictionary(page))
        }
    }
}
