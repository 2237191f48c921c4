//! Input pieces shared by several documents, the normalisation of input JSON, and the
//! [`Document`] trait that ties an input struct to its template.

use jiff::civil::{Date, DateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::decree30::{self, Authority};
use crate::error::RenderError;
use crate::kind::DocumentKind;
use crate::numbering::Abbreviation;

/// Paper of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paper {
    /// A4 portrait (letters, Decree 30 Annex I §I.1).
    A4,
    /// A5 portrait (forms 01–05, Circular 01/2018 Art. 9).
    A5,
    /// A4 landscape (form 06, a book of wide tables; the Decree allows landscape for tables).
    A4Landscape,
}

/// What a document hands to its template and to the PDF metadata.
pub(crate) struct View {
    /// The PDF document title.
    pub title: String,
    /// The date written in the PDF metadata (and XMP) as creation date, at 00:00 +07:00.
    pub date: Date,
    /// Paper and orientation.
    pub paper: Paper,
    /// The template's `/data.json`: pre-formatted strings only.
    pub data: Value,
}

/// A field that breaks a rule after deserialisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// A field required in this combination is absent.
    Missing(String),
    /// A field whose value is refused.
    Refused { field: String, reason: String },
}

/// One input document type.
pub(crate) trait Document: Serialize + DeserializeOwned {
    /// The kind this struct renders.
    const KIND: DocumentKind;

    /// Realistic example data (Ho Chi Minh City, 2026); it always renders.
    fn example() -> Self;

    /// The rules serde cannot check (orders of dates, required combinations, abbreviations).
    fn validate(&self) -> Result<(), Invalid>;

    /// The strings the template lays out.
    fn view(&self) -> View;
}

/// The issuing body (Decree 30 box 2) and the place of the date line (box 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// The directly superior body, upper case, regular ("ỦY BAN NHÂN DÂN PHƯỜNG SÀI GÒN").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The issuing body, upper case, bold, with a rule beneath. A "\n" forces a line break.
    pub name: String,
    /// The body's abbreviation for symbols ("UBND"); required on numbered letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbreviation: Option<String>,
    /// The place of the date line: the official name of the administrative unit where the body
    /// sits ("Thành phố Hồ Chí Minh", "Sài Gòn").
    pub place: String,
}

/// A person or organisation that filed a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// Full name of the person, or the organisation's name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A contact for questions: name and phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name (and title) of the contact person.
    pub name: String,
    /// Phone number.
    pub phone: String,
}

/// The competent signer of a document (Decree 30 boxes 7a–7c).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    /// "TM.", "Q.", "KT.", "TL." or "TUQ.".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// The collective after "TM." ("ỦY BAN NHÂN DÂN") or the head's title after the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Under a "TM." line, the head for whom a deputy signs ("CHỦ TỊCH" gives "KT. CHỦ TỊCH").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deputy_for: Option<String>,
    /// The signer's own position ("PHÓ CHỦ TỊCH").
    pub position: String,
    /// Full name, without academic titles.
    pub name: String,
}

impl Issuer {
    /// The template's header strings: parent and body lines.
    pub(crate) fn header(&self) -> Value {
        json!({
            "parent": self.parent.as_deref().map(str::to_uppercase),
            "body": self.name.to_uppercase(),
        })
    }

    /// The abbreviation, required and checked.
    pub(crate) fn abbreviation(&self) -> Result<Abbreviation, Invalid> {
        let text = self.abbreviation.as_deref().ok_or_else(|| Invalid::Missing("issuer.abbreviation".into()))?;
        Abbreviation::parse(text)
            .map_err(|error| Invalid::Refused { field: "issuer.abbreviation".into(), reason: error.to_string() })
    }
}

impl Applicant {
    /// The contact line: "Số điện thoại: … Email: …", empty parts left out.
    pub(crate) fn view(&self) -> Value {
        json!({
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
            "email": self.email,
        })
    }
}

impl Signer {
    /// Checks the combinations of authority, principal and deputy.
    pub(crate) fn validate(&self, field: &str) -> Result<(), Invalid> {
        if self.authority.is_some() && self.principal.is_none() {
            return Err(Invalid::Missing(format!("{field}.principal")));
        }
        if self.authority.is_none() && self.principal.is_some() {
            return Err(Invalid::Missing(format!("{field}.authority")));
        }
        if self.deputy_for.is_some() && self.authority != Some(Authority::OnBehalfOf) {
            return Err(Invalid::Refused {
                field: format!("{field}.deputy_for"),
                reason: "a \"KT.\" line under the principal is only used with \"TM.\"".into(),
            });
        }
        Ok(())
    }

    /// The signer block's strings.
    pub(crate) fn view(&self) -> Value {
        json!({
            "lines": decree30::signer_lines(self.authority, self.principal.as_deref(), self.deputy_for.as_deref(), &self.position),
            "name": self.name,
        })
    }
}

/// Refuses `later` before `earlier`.
pub(crate) fn not_before<T: PartialOrd>(later: T, earlier: T, field: &str, reason: &str) -> Result<(), Invalid> {
    match later < earlier {
        true => Err(Invalid::Refused { field: field.into(), reason: reason.into() }),
        false => Ok(()),
    }
}

/// Refuses an empty list.
pub(crate) fn not_empty<T>(items: &[T], field: &str) -> Result<(), Invalid> {
    match items.is_empty() {
        true => Err(Invalid::Missing(field.into())),
        false => Ok(()),
    }
}

/// "13/02/2026 08:30" for narrow table cells.
pub(crate) fn short_datetime(datetime: DateTime) -> String {
    format!("{} {:02}:{:02}", short_date(datetime.date()), datetime.hour(), datetime.minute())
}

/// "13/02/2026".
pub(crate) fn short_date(date: Date) -> String {
    format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
}

/// Normalises, parses, validates and views `data` as a `D`.
pub(crate) fn prepare<D: Document>(data: &Value) -> Result<View, RenderError> {
    let normalised = normalise(data);
    let document: D = serde_path_to_error::deserialize(normalised).map_err(|error| {
        let path = error.path().to_string();
        field_error(D::KIND, &path, &error.into_inner().to_string())
    })?;
    document.validate().map_err(|invalid| match invalid {
        Invalid::Missing(field) => RenderError::MissingField { kind: D::KIND, field },
        Invalid::Refused { field, reason } => RenderError::InvalidField { kind: D::KIND, field, reason },
    })?;
    Ok(document.view())
}

/// The example of `D` as JSON.
pub(crate) fn example_json<D: Document>() -> Value {
    // Serialising plain structs of strings, numbers and dates cannot fail.
    serde_json::to_value(D::example()).unwrap_or(Value::Null)
}

/// NFC-normalises and trims every string (keys included); an empty string becomes null, so
/// that it counts as missing.
pub(crate) fn normalise(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let text: String = text.trim().nfc().collect();
            match text.is_empty() {
                true => Value::Null,
                false => Value::String(text),
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(key, item)| (key.nfc().collect(), normalise(item))).collect())
        }
        other => other.clone(),
    }
}

/// Maps a serde message at `path` to a typed error naming the field.
fn field_error(kind: DocumentKind, path: &str, message: &str) -> RenderError {
    let join = |name: &str| match path {
        "." | "" => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    if let Some(name) = quoted_after(message, "missing field `") {
        return RenderError::MissingField { kind, field: join(name) };
    }
    if message.starts_with("invalid type: null") {
        return RenderError::MissingField { kind, field: path.to_owned() };
    }
    RenderError::InvalidField { kind, field: path.to_owned(), reason: message.to_owned() }
}

fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_nfc_and_blanks_to_null() {
        let decomposed = "Nguye\u{0302}\u{0303}n";
        let value = normalise(&json!({"name": format!("  {decomposed} "), "empty": "  ", "list": ["Ho\u{0300}a"]}));
        assert_eq!(value, json!({"name": "Nguyễn", "empty": null, "list": ["Hòa"]}));
    }

    #[test]
    fn names_fields_in_serde_errors() {
        let kind = DocumentKind::Receipt;
        assert_eq!(
            field_error(kind, "applicant", "missing field `name`"),
            RenderError::MissingField { kind, field: "applicant.name".into() }
        );
        assert_eq!(
            field_error(kind, ".", "missing field `issuer`"),
            RenderError::MissingField { kind, field: "issuer".into() }
        );
        assert_eq!(
            field_error(kind, "applicant.name", "invalid type: null, expected a string"),
            RenderError::MissingField { kind, field: "applicant.name".into() }
        );
    }
}
