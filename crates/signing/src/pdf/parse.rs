//! Reading PDFs: loading with limits, and finding the signature fields and their values.

use std::collections::HashSet;

use jiff::Timestamp;
use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::error::SigningError;
use crate::pdf::text::{decode_text_string, parse_pdf_date};
use crate::role::Role;

/// The largest decompressed stream accepted when reading a PDF (guards against bombs).
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// The custom signature-dictionary key recording the signing role (/Person or /Agency). It is
/// covered by the signature like every other key of the dictionary.
pub(crate) const ROLE_KEY: &[u8] = b"MotcuaRole";

/// Loads a PDF (all revisions merged). Encrypted files are refused.
pub(crate) fn load(bytes: &[u8]) -> Result<Document, SigningError> {
    let options = lopdf::LoadOptions { max_decompressed_size: Some(MAX_DECOMPRESSED), ..Default::default() };
    let document =
        Document::load_mem_with_options(bytes, options).map_err(|error| SigningError::pdf(error.to_string()))?;
    if document.is_encrypted() || document.trailer.has(b"Encrypt") {
        return Err(SigningError::EncryptedPdf);
    }
    Ok(document)
}

/// A signature field with a value (a signature dictionary), as found in the document.
#[derive(Debug, Clone)]
pub(crate) struct SignatureField {
    /// The fully qualified field name.
    pub(crate) name: String,
    /// The signature dictionary's values, or why they are unusable.
    pub(crate) value: Result<SignatureValue, SigningError>,
}

/// The values of a signature dictionary.
#[derive(Debug, Clone)]
pub(crate) struct SignatureValue {
    pub(crate) byte_range: [usize; 4],
    pub(crate) contents: Vec<u8>,
    pub(crate) sub_filter: String,
    pub(crate) claimed_time: Option<Timestamp>,
    pub(crate) reason: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) role: Option<Role>,
}

impl SignatureValue {
    /// The end of the revision the signature covers (end of its second byte range).
    pub(crate) fn revision_end(&self) -> usize {
        self.byte_range[2].saturating_add(self.byte_range[3])
    }
}

/// The signature fields that carry a value, in the order of the AcroForm field tree.
pub(crate) fn signature_fields(document: &Document) -> Vec<SignatureField> {
    let mut found = Vec::new();
    let Ok(catalog) = document.catalog() else {
        return found;
    };
    let Some(form) = resolve_dictionary(document, catalog.get(b"AcroForm").ok()) else {
        return found;
    };
    let Some(fields) = resolve(document, form.get(b"Fields").ok()).and_then(|fields| fields.as_array().ok()) else {
        return found;
    };
    let mut visited = HashSet::new();
    for field in fields {
        walk_field(document, field, "", None, 0, &mut visited, &mut found);
    }
    found
}

fn walk_field(
    document: &Document,
    field: &Object,
    parent_name: &str,
    inherited_type: Option<&[u8]>,
    depth: usize,
    visited: &mut HashSet<ObjectId>,
    found: &mut Vec<SignatureField>,
) {
    // Field trees are shallow; a deep or cyclic one is malformed and is not followed further.
    if depth > 32 {
        return;
    }
    if let Object::Reference(id) = field
        && !visited.insert(*id)
    {
        return;
    }
    let Some(dictionary) = resolve_dictionary(document, Some(field)) else {
        return;
    };
    let partial = dictionary.get(b"T").ok().and_then(|name| name.as_str().ok()).map(decode_text_string);
    let name = match (parent_name.is_empty(), partial) {
        (_, None) => parent_name.to_string(),
        (true, Some(partial)) => partial,
        (false, Some(partial)) => format!("{parent_name}.{partial}"),
    };
    let field_type = dictionary.get(b"FT").ok().and_then(|kind| kind.as_name().ok()).or(inherited_type);
    if let Some(kids) = resolve(document, dictionary.get(b"Kids").ok()).and_then(|kids| kids.as_array().ok()) {
        for kid in kids {
            walk_field(document, kid, &name, field_type, depth + 1, visited, found);
        }
    }
    if field_type != Some(b"Sig".as_slice()) {
        return;
    }
    let Some(value) = resolve_dictionary(document, dictionary.get(b"V").ok()) else {
        return;
    };
    found.push(SignatureField { name, value: read_value(document, value) });
}

fn read_value(document: &Document, dictionary: &Dictionary) -> Result<SignatureValue, SigningError> {
    let byte_range = resolve(document, dictionary.get(b"ByteRange").ok())
        .and_then(|range| range.as_array().ok())
        .ok_or_else(|| SigningError::pdf("signature without /ByteRange"))?;
    let numbers: Vec<usize> = byte_range
        .iter()
        .map(|number| number.as_i64().ok().and_then(|number| usize::try_from(number).ok()))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| SigningError::pdf("/ByteRange holds a value that is not a non-negative integer"))?;
    let byte_range: [usize; 4] =
        numbers.try_into().map_err(|_| SigningError::pdf("/ByteRange must hold exactly two ranges"))?;
    let contents = dictionary
        .get(b"Contents")
        .ok()
        .and_then(|contents| contents.as_str().ok())
        .ok_or_else(|| SigningError::pdf("signature without /Contents"))?
        .to_vec();
    let text = |key: &[u8]| -> Option<String> {
        resolve(document, dictionary.get(key).ok()).and_then(|value| value.as_str().ok()).map(decode_text_string)
    };
    let role = dictionary.get(ROLE_KEY).ok().and_then(|role| role.as_name().ok()).and_then(Role::from_pdf_name);
    Ok(SignatureValue {
        byte_range,
        contents,
        sub_filter: dictionary
            .get(b"SubFilter")
            .ok()
            .and_then(|name| name.as_name().ok())
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .unwrap_or_default(),
        claimed_time: text(b"M").and_then(|date| parse_pdf_date(&date)),
        reason: text(b"Reason"),
        location: text(b"Location"),
        role,
    })
}

/// Follows a reference (one level is enough for the values read here).
pub(crate) fn resolve<'a>(document: &'a Document, object: Option<&'a Object>) -> Option<&'a Object> {
    match object? {
        Object::Reference(id) => document.get_object(*id).ok(),
        other => Some(other),
    }
}

pub(crate) fn resolve_dictionary<'a>(document: &'a Document, object: Option<&'a Object>) -> Option<&'a Dictionary> {
    resolve(document, object).and_then(|object| object.as_dict().ok())
}

/// The offset named by the last `startxref` of the file.
pub(crate) fn last_startxref(bytes: &[u8]) -> Option<usize> {
    let tail_start = bytes.len().saturating_sub(2048);
    let tail = &bytes[tail_start..];
    let position = tail.windows(9).rposition(|window| window == b"startxref")?;
    let digits: String = tail[position + 9..]
        .iter()
        .skip_while(|byte| byte.is_ascii_whitespace())
        .take_while(|byte| byte.is_ascii_digit())
        .map(|byte| char::from(*byte))
        .collect();
    digits.parse().ok()
}

/// Whether `bytes` (a revision) ends with `%%EOF`, optionally followed by an end of line.
pub(crate) fn ends_with_eof_marker(bytes: &[u8]) -> bool {
    let trimmed = bytes.len() - bytes.iter().rev().take_while(|byte| matches!(byte, b'\r' | b'\n')).count();
    bytes[..trimmed].ends_with(b"%%EOF")
}
