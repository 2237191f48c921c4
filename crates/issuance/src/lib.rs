//! The documents a dossier's transitions issue, as the one-stop rules tie them
//! (Circular 01/2018/TT-VPCP, forms 01–04; Decree 61/2018/NĐ-CP Art. 19–20): the receipt and
//! appointment when the desk accepts a dossier, the supplement request when it asks for missing
//! items (at the desk or after appraisal), the refusal when it refuses one, and the apology with
//! a new appointment when a result will be late. Each is rendered by [`docs`] from the dossier
//! and the transition's event, signed with [`signing`] under the acting unit's keys — the
//! competent person in the form's signature box, then the agency's seal where the form has one —
//! and handed to the store, which keeps it with the event that issued it (see
//! [`app::service::FormIssuer`]).
//!
//! Keys come from a directory (`DIR/<unit code>/` or, for every unit without its own, `DIR/`
//! itself, each with `person.p12`, `agency.p12` and `password.txt`, as `motcua pki init` writes
//! them) or, for the demo, from an in-memory root CA that issues each unit's certificates on
//! first use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use app::service::{FormIssuer, IssueRequest};
use app::{IssuedDocument, StoreError, StoreResult, UnitRecord};
use domain::catalog::{TimeLimitSpec, UnitKind};
use domain::dossier::Transition;
use jiff::Timestamp;
use serde_json::{Value, json};
use signing::pki::{CertificateAuthority, KeyAlgorithm, SubjectName, generate_private_key, write_pkcs12};
use signing::{Appearance, P12Signer, Role, SignOptions, SignatureBox, SigningError, VerifyOptions};
use typeset::{DocumentKind, SignatureRole};

/// Where the city's documents are dated when the unit is not a commune ("Thành phố Hồ Chí Minh").
pub const DEFAULT_PLACE: &str = "Thành phố Hồ Chí Minh";

/// The phone printed for questions on a supplement request when the unit has none configured:
/// the city's 1022 switchboard.
pub const DEFAULT_CONTACT_PHONE: &str = "1022";

/// The demo PKI's password (the same as `motcua pki init`).
const DEMO_PASSWORD: &str = "motcua-demo";

/// One unit's signers.
struct UnitKeys {
    person: P12Signer,
    agency: P12Signer,
}

enum Keys {
    Directory(PathBuf),
    Demo { authority: Box<CertificateAuthority>, not_before: Timestamp, not_after: Timestamp },
}

/// Renders and signs the forms; implements [`FormIssuer`].
pub struct Issuer {
    keys: Keys,
    verify: VerifyOptions,
    place: String,
    contact_phone: String,
    units: Mutex<HashMap<String, Arc<UnitKeys>>>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = match &self.keys {
            Keys::Directory(path) => format!("directory {}", path.display()),
            Keys::Demo { .. } => "demo".to_owned(),
        };
        write!(formatter, "Issuer {{ keys: {keys} }}")
    }
}

/// Why an issuer could not be set up.
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::error::Error for SetupError {}

impl std::fmt::Display for SetupError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl Issuer {
    /// Keys from `directory`; trust anchors from `directory/ca.pem` when present (add others
    /// with [`Issuer::add_trust_anchors`]).
    pub fn from_directory(directory: &Path) -> Result<Issuer, SetupError> {
        if !directory.is_dir() {
            return Err(SetupError(format!(
                "thư mục khóa ký không có / the signing keys directory {} does not exist",
                directory.display()
            )));
        }
        let mut issuer = Issuer::with_keys(Keys::Directory(directory.to_owned()));
        let ca = directory.join("ca.pem");
        if ca.is_file() {
            let pem = std::fs::read(&ca).map_err(|error| SetupError(format!("{}: {error}", ca.display())))?;
            issuer.add_trust_anchors(&pem).map_err(|error| SetupError(format!("{}: {}", ca.display(), error.0)))?;
        }
        Ok(issuer)
    }

    /// The demo: a root CA made now, in memory, issuing each unit's person and agency
    /// certificates (P-256) on first use; valid from 2020 for ten years from `now` so that
    /// simulated clocks can sign.
    pub fn demo(now: Timestamp) -> Result<Issuer, SetupError> {
        let setup = |error: SigningError| SetupError(error.to_string());
        let not_before = Timestamp::from_second(1_577_836_800).map_err(|error| SetupError(error.to_string()))?;
        let not_after = now + jiff::SignedDuration::from_hours(10 * 366 * 24);
        let authority = CertificateAuthority::demo_root(
            KeyAlgorithm::EcdsaP256,
            not_before,
            not_after + jiff::SignedDuration::from_hours(366 * 24),
        )
        .map_err(setup)?;
        let anchor = authority.certificate_der().to_vec();
        let mut issuer = Issuer::with_keys(Keys::Demo { authority: Box::new(authority), not_before, not_after });
        issuer.add_trust_anchors(&anchor)?;
        Ok(issuer)
    }

    fn with_keys(keys: Keys) -> Issuer {
        Issuer {
            keys,
            verify: VerifyOptions::new(),
            place: DEFAULT_PLACE.to_owned(),
            contact_phone: DEFAULT_CONTACT_PHONE.to_owned(),
            units: Mutex::new(HashMap::new()),
        }
    }

    /// Adds trust anchors (PEM or DER certificates) for verification.
    pub fn add_trust_anchors(&mut self, pem_or_der: &[u8]) -> Result<(), SetupError> {
        self.verify.add_trust_anchors(pem_or_der).map_err(|error| SetupError(error.to_string()))
    }

    /// The phone printed on supplement requests.
    pub fn set_contact_phone(&mut self, phone: &str) {
        phone.clone_into(&mut self.contact_phone);
    }

    /// Verification options with this issuer's trust anchors (the demo CA, or the keys
    /// directory's `ca.pem`, and any added), each checked when it was added.
    pub fn verify_options(&self) -> VerifyOptions {
        self.verify.clone()
    }

    /// The signers for `unit`: from the keys directory (the unit's designated competent person
    /// and the unit), or in the demo a person certificate in the acting officer's own name.
    fn unit_keys(&self, unit: &UnitRecord, officer: &str) -> StoreResult<Arc<UnitKeys>> {
        let key = match &self.keys {
            Keys::Directory(_) => unit.code.clone(),
            Keys::Demo { .. } => format!("{}\u{0}{officer}", unit.code),
        };
        let mut units = self.units.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(keys) = units.get(&key) {
            return Ok(keys.clone());
        }
        let keys = Arc::new(match &self.keys {
            Keys::Directory(directory) => directory_keys(directory, &unit.code)?,
            Keys::Demo { authority, not_before, not_after } => {
                demo_keys(authority, unit, officer, *not_before, *not_after)?
            }
        });
        units.insert(key, keys.clone());
        Ok(keys)
    }
}

fn signing_error(error: &SigningError) -> StoreError {
    StoreError::Issuing { code: error.code(), message: error.to_string() }
}

fn directory_keys(directory: &Path, unit_code: &str) -> StoreResult<UnitKeys> {
    // A unit code names a sub-directory only as one plain path component.
    let plain =
        !unit_code.is_empty() && unit_code != "." && unit_code != ".." && !unit_code.contains(['/', '\\', '\0']);
    let own = directory.join(unit_code);
    let base = if plain && own.join("person.p12").is_file() { own } else { directory.to_owned() };
    let read = |name: &str| {
        std::fs::read(base.join(name)).map_err(|error| StoreError::Issuing {
            code: "SIGNING_KEYS_MISSING",
            message: format!("{} ({unit_code}): {error}", base.join(name).display()),
        })
    };
    let password = String::from_utf8_lossy(&read("password.txt")?).lines().next().unwrap_or_default().to_owned();
    let person = P12Signer::open(&read("person.p12")?, &password).map_err(|error| signing_error(&error))?;
    let agency = P12Signer::open(&read("agency.p12")?, &password).map_err(|error| signing_error(&error))?;
    Ok(UnitKeys { person, agency })
}

fn demo_keys(
    authority: &CertificateAuthority,
    unit: &UnitRecord,
    officer: &str,
    not_before: Timestamp,
    not_after: Timestamp,
) -> StoreResult<UnitKeys> {
    let body = body_name(unit);
    let credential = |subject: SubjectName, friendly: &str| -> Result<P12Signer, SigningError> {
        let key = generate_private_key(KeyAlgorithm::EcdsaP256)?;
        let certificate = authority.issue(&subject, &key, not_before, not_after)?;
        let chain = [certificate, authority.certificate_der().to_vec()];
        P12Signer::open(&write_pkcs12(&key, &chain, DEMO_PASSWORD, friendly)?, DEMO_PASSWORD)
    };
    let person = credential(
        SubjectName {
            common_name: officer.to_owned(),
            organization: Some(body.clone()),
            organizational_unit: Some("chứng thư dùng thử / demo certificate".to_owned()),
            country: Some("VN".into()),
            user_id: Some("CCCD:079099000001".into()),
            ..SubjectName::default()
        },
        "person",
    )
    .map_err(|error| signing_error(&error))?;
    let agency = credential(
        SubjectName {
            common_name: body.clone(),
            organization: Some(body),
            country: Some("VN".into()),
            user_id: Some(format!("MNS:{}", unit.code)),
            ..SubjectName::default()
        },
        "agency",
    )
    .map_err(|error| signing_error(&error))?;
    Ok(UnitKeys { person, agency })
}

/// The body in running text: "Ủy ban nhân dân phường Sài Gòn" for a ward, the unit's own name
/// for an agency ("Sở Xây dựng").
pub fn body_name(unit: &UnitRecord) -> String {
    match unit.kind {
        UnitKind::City | UnitKind::District | UnitKind::Commune => {
            let mut name = unit.name.chars();
            let lowered = match name.next() {
                // "Phường Sài Gòn" → "phường Sài Gòn"; "Thành phố Hồ Chí Minh" keeps its capital.
                Some(first) if unit.kind == UnitKind::Commune => first.to_lowercase().chain(name).collect(),
                _ => unit.name.clone(),
            };
            format!("Ủy ban nhân dân {lowered}")
        }
        _ => unit.name.clone(),
    }
}

/// The place of the date line: a commune's own name without its kind ("Sài Gòn"), else the city.
fn place(unit: &UnitRecord, city: &str) -> String {
    if unit.kind == UnitKind::Commune {
        for prefix in ["Phường ", "Xã ", "Thị trấn ", "Đặc khu "] {
            if let Some(rest) = unit.name.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
        return unit.name.clone();
    }
    city.to_owned()
}

/// The header of the desk's forms: the body above the one-stop desk.
fn desk_issuer(unit: &UnitRecord, city: &str) -> Value {
    let parent = match unit.kind {
        UnitKind::City | UnitKind::District | UnitKind::Commune => {
            format!("ỦY BAN NHÂN DÂN\n{}", unit.name.to_uppercase())
        }
        _ => unit.name.to_uppercase(),
    };
    json!({ "parent": parent, "name": "BỘ PHẬN TIẾP NHẬN\nVÀ TRẢ KẾT QUẢ", "place": place(unit, city) })
}

/// The signature block of a letter from the body: "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" for a
/// People's Committee, the head's title for an agency.
fn body_signer(unit: &UnitRecord, name: &str) -> Value {
    let head = unit.head.split(" UBND").next().unwrap_or(&unit.head).trim().to_uppercase();
    match unit.kind {
        UnitKind::City | UnitKind::District | UnitKind::Commune => {
            json!({ "authority": "TM.", "principal": "ỦY BAN NHÂN DÂN", "position": head, "name": name })
        }
        _ => json!({ "position": head, "name": name }),
    }
}

fn local(at: Timestamp) -> jiff::civil::DateTime {
    at.to_zoned(calendar::ho_chi_minh_time_zone()).datetime()
}

fn minute(at: Timestamp) -> String {
    local(at).strftime("%Y-%m-%dT%H:%M").to_string()
}

fn day(at: Timestamp) -> String {
    local(at).date().to_string()
}

/// "07 ngày làm việc" (two digits, as forms write small numbers).
pub fn processing_time(limit: &TimeLimitSpec) -> String {
    match limit {
        TimeLimitSpec::WorkingDays { value } => format!("{value:02} ngày làm việc"),
        TimeLimitSpec::CalendarDays { value } => format!("{value:02} ngày"),
        TimeLimitSpec::SameDay => "Trong ngày làm việc".to_owned(),
    }
}

/// Text entered earlier by someone else (the applicant at intake) as the form can print it: a
/// character the document's fonts lack becomes "?" and the text is cut at the longest a field
/// may hold, so that an emoji in a name never blocks the desk. The officer's own text of this
/// transition (items, reasons) is not touched: the form refuses it and the officer retypes.
pub fn printable_text(text: &str) -> String {
    text.chars().map(|c| if typeset::printable(c) { c } else { '?' }).take(typeset::MAX_TEXT_CHARS).collect()
}

fn applicant(request: &IssueRequest) -> Value {
    let applicant = &request.record.applicant;
    let optional = |text: &Option<String>| text.as_deref().map(printable_text);
    json!({
        "name": printable_text(&applicant.name),
        "address": optional(&applicant.address).unwrap_or_else(|| "Không kê khai".to_owned()),
        "phone": optional(&applicant.phone),
        "email": optional(&applicant.email),
    })
}

fn event_instant(request: &IssueRequest, field: &str) -> StoreResult<Timestamp> {
    request.event.payload.get(field).and_then(Value::as_str).and_then(|text| text.parse().ok()).ok_or_else(|| {
        StoreError::Issuing {
            code: "DOCUMENT_RENDER_FAILED",
            message: format!("event {} has no {field}", request.event.kind),
        }
    })
}

/// A field of the event's payload as the domain normalised it (trimmed items, the reason).
fn event_field(request: &IssueRequest, field: &str) -> StoreResult<Value> {
    request.event.payload.get(field).cloned().ok_or_else(|| StoreError::Issuing {
        code: "DOCUMENT_RENDER_FAILED",
        message: format!("event {} has no {field}", request.event.kind),
    })
}

/// The form's input data, from the dossier and the transition's event.
fn form_data(self_: &Issuer, kind: DocumentKind, request: &IssueRequest, signer_name: &str) -> StoreResult<Value> {
    let state = &request.record.dossier.state;
    let at = request.event.at;
    let receiving = body_name(&request.receiving_unit);
    let acting = body_name(&request.acting_unit);
    let procedure = request.procedure.name.clone();
    Ok(match (kind, &request.transition) {
        (DocumentKind::Receipt, _) => json!({
            "issuer": desk_issuer(&request.receiving_unit, &self_.place),
            "date": day(at),
            "dossier_code": state.code,
            "copy": "Liên 2: giao người nộp hồ sơ",
            "receiving_body": receiving,
            "applicant": applicant(request),
            "procedure": procedure,
            "documents": if request.procedure.documents.is_empty() {
                vec!["Hồ sơ theo quy định của thủ tục".to_owned()]
            } else {
                request.procedure.documents.clone()
            },
            "sets": 1,
            "processing_time": processing_time(&request.procedure.time_limit),
            "received_at": minute(at),
            "return_at": minute(event_instant(request, "appointment")?),
            "return_place": format!("Bộ phận tiếp nhận và trả kết quả, {receiving}"),
            "officer": request.officer,
        }),
        (
            DocumentKind::SupplementRequest,
            Transition::RequestIntakeSupplement { .. } | Transition::RequestSupplement { .. },
        ) => json!({
            // Sent through the receiving unit's one-stop desk, also after appraisal elsewhere.
            "issuer": desk_issuer(&request.receiving_unit, &self_.place),
            "date": day(at),
            "dossier_code": state.code,
            "applicant": applicant(request),
            "procedure": procedure,
            "items": event_field(request, "items")?,
            "reason": "Hồ sơ chưa đầy đủ hoặc chưa hợp lệ theo thành phần hồ sơ của thủ tục.",
            "contact": {
                "name": format!("{}, Bộ phận tiếp nhận và trả kết quả, {receiving}", request.officer),
                "phone": self_.contact_phone,
            },
            "officer": request.officer,
        }),
        (DocumentKind::Refusal, Transition::RefuseIntake { .. }) => json!({
            "issuer": desk_issuer(&request.receiving_unit, &self_.place),
            "date": day(at),
            "dossier_code": state.code,
            "receiving_body": receiving,
            "applicant": applicant(request),
            "procedure": procedure,
            "reasons": [event_field(request, "reason")?],
            "officer": request.officer,
        }),
        (DocumentKind::Apology, Transition::Apologize { .. }) => {
            let promised = state.appointment.ok_or_else(|| StoreError::Issuing {
                code: "DOCUMENT_RENDER_FAILED",
                message: "apology without an appointment".to_owned(),
            })?;
            let mut issuer = desk_issuer(&request.acting_unit, &self_.place);
            issuer["name"] = issuer["parent"].take();
            if matches!(request.acting_unit.kind, UnitKind::City | UnitKind::District | UnitKind::Commune) {
                issuer["abbreviation"] = json!("UBND");
            }
            json!({
                "issuer": issuer,
                "date": day(at),
                "sender": acting,
                "applicant": applicant(request),
                "received_on": day(state.accepted_at.unwrap_or(state.submitted_at)),
                "receiving_body": format!("Bộ phận tiếp nhận và trả kết quả, {receiving}"),
                "procedure": procedure,
                "dossier_code": state.code,
                "promised_at": minute(promised),
                "reason": event_field(request, "reason")?,
                "new_return_at": minute(event_instant(request, "appointment")?),
                "signer": body_signer(&request.acting_unit, signer_name),
                "recipients": ["Như trên"],
                "archive": "VT, BPTN&TKQ",
            })
        }
        (kind, transition) => {
            return Err(StoreError::Issuing {
                code: "DOCUMENT_RENDER_FAILED",
                message: format!("no {} for {}", kind.name(), transition.name()),
            });
        }
    })
}

fn area(found: &typeset::SignatureBox) -> SignatureBox {
    #[allow(clippy::cast_possible_truncation)]
    SignatureBox::new(
        found.page.saturating_sub(1),
        found.x as f32,
        found.y as f32,
        found.width as f32,
        found.height as f32,
    )
}

impl Issuer {
    /// Renders and signs `kind` for `request` (what [`FormIssuer::issue`] does, by kind).
    pub fn issue_kind(&self, kind: DocumentKind, request: &IssueRequest) -> StoreResult<IssuedDocument> {
        // Text from elsewhere (accounts, the catalogue) printed as the fonts can; the officer's own
        // words of this transition are checked by the renderer instead.
        let mut clean = request.clone();
        clean.officer = printable_text(&clean.officer);
        for unit in [&mut clean.receiving_unit, &mut clean.acting_unit] {
            unit.name = printable_text(&unit.name);
            unit.head = printable_text(&unit.head);
        }
        clean.procedure.name = printable_text(&clean.procedure.name);
        clean.procedure.documents = clean.procedure.documents.iter().map(|text| printable_text(text)).collect();
        let request = &clean;
        let keys = self.unit_keys(&request.acting_unit, &request.officer)?;
        let person_name = keys.person.common_name().unwrap_or_else(|| request.officer.clone());
        let data = form_data(self, kind, request, &person_name)?;
        let rendered = typeset::render(kind, &data).map_err(|error| match error {
            // The user's own words could not go into the form (a field the form refuses).
            typeset::RenderError::MissingField { .. } | typeset::RenderError::InvalidField { .. } => {
                StoreError::Domain(domain::DomainError::new("DOCUMENT_DATA_INVALID", error.to_string()))
            }
            other => StoreError::Issuing { code: "DOCUMENT_RENDER_FAILED", message: other.to_string() },
        })?;
        let at = request.event.at;
        let sign = |pdf: &[u8], signer: &P12Signer, role: Role, appearance: Appearance| {
            let mut options = SignOptions::new(role, appearance, at);
            options.location = Some(place(&request.acting_unit, &self.place));
            signer.sign_pdf(pdf, &options).map_err(|error| signing_error(&error))
        };
        let boxes = &rendered.signature_boxes;
        let person_box = boxes.iter().find(|found| found.role == SignatureRole::Person);
        let appearance = match person_box {
            Some(found) => {
                // The officer's name under the box is printed by the form; the appearance draws
                // the certificate holder's name and the time.
                Appearance::PersonSignature { area: area(found), image_png: None, signer_name: person_name }
            }
            None => Appearance::Invisible,
        };
        let mut pdf = sign(&rendered.pdf, &keys.person, Role::Person, appearance)?;
        let mut signatures = 1;
        if let Some(found) = boxes.iter().find(|found| found.role == SignatureRole::Agency) {
            let agency_name = keys.agency.common_name().unwrap_or_else(|| body_name(&request.acting_unit));
            let appearance = Appearance::AgencySeal { area: area(found), seal_png: None, agency_name };
            pdf = sign(&pdf, &keys.agency, Role::Agency, appearance)?;
            signatures += 1;
        }
        use sha2::Digest;
        let sha256 = hex::encode(sha2::Sha256::digest(&pdf));
        Ok(IssuedDocument {
            form: kind.name().to_owned(),
            name: format!("{}-{:02}-{}.pdf", request.record.dossier.state.code, request.event.seq, kind.name()),
            content: pdf,
            sha256,
            signatures,
        })
    }
}

impl FormIssuer for Issuer {
    fn form_of(&self, transition: &Transition) -> Option<&'static str> {
        form_of(transition).map(DocumentKind::name)
    }

    fn issue(&self, request: &IssueRequest) -> StoreResult<IssuedDocument> {
        let kind = form_of(&request.transition).ok_or_else(|| StoreError::Issuing {
            code: "DOCUMENT_RENDER_FAILED",
            message: format!("{} issues no form", request.transition.name()),
        })?;
        self.issue_kind(kind, request)
    }
}

/// The form a transition issues (Circular 01/2018 forms 01–04).
pub fn form_of(transition: &Transition) -> Option<DocumentKind> {
    match transition {
        Transition::Accept => Some(DocumentKind::Receipt),
        Transition::RequestIntakeSupplement { .. } | Transition::RequestSupplement { .. } => {
            Some(DocumentKind::SupplementRequest)
        }
        Transition::RefuseIntake { .. } => Some(DocumentKind::Refusal),
        Transition::Apologize { .. } => Some(DocumentKind::Apology),
        _ => None,
    }
}
