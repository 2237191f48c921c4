//! The documented input fields of each kind. A test checks them against the examples, so a
//! field added to a struct without a line here (or the reverse) fails the build's tests.

use serde::Serialize;

use crate::kind::DocumentKind;

/// One input field of a document, for `motcua render --list`.
///
/// Invariant: `name` is the dotted JSON path ("applicant.name"; "[]" marks the items of a list,
/// "handovers[].at").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldDoc {
    /// Dotted JSON path.
    pub name: &'static str,
    /// Whether the document cannot be rendered without it.
    pub required: bool,
    /// What goes in it, with an example.
    pub description: &'static str,
}

impl DocumentKind {
    /// The input fields, for `motcua render --list`.
    pub fn fields(self) -> &'static [FieldDoc] {
        of(self)
    }
}

const fn required(name: &'static str, description: &'static str) -> FieldDoc {
    FieldDoc { name, required: true, description }
}

const fn optional(name: &'static str, description: &'static str) -> FieldDoc {
    FieldDoc { name, required: false, description }
}

/// The fields of `kind`.
fn of(kind: DocumentKind) -> &'static [FieldDoc] {
    match kind {
        DocumentKind::Receipt => RECEIPT,
        DocumentKind::SupplementRequest => SUPPLEMENT_REQUEST,
        DocumentKind::Refusal => REFUSAL,
        DocumentKind::Apology => APOLOGY,
        DocumentKind::ControlSheet => CONTROL_SHEET,
        DocumentKind::TrackingBook => TRACKING_BOOK,
        DocumentKind::ConsultationRequest => CONSULTATION_REQUEST,
        DocumentKind::ConsultationReply => CONSULTATION_REPLY,
        DocumentKind::OfficialLetter => OFFICIAL_LETTER,
    }
}

const ISSUER_PARENT: FieldDoc = optional(
    "issuer.parent",
    "superior body, upper case (\"ỦY BAN NHÂN DÂN PHƯỜNG SÀI GÒN\"); \"\\n\" breaks the line",
);
const ISSUER_NAME: FieldDoc = required(
    "issuer.name",
    "issuing body or unit, upper case, bold (\"BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ\"); \"\\n\" breaks the line",
);
const ISSUER_PLACE: FieldDoc = required(
    "issuer.place",
    "place of the date line: the administrative unit where the body sits (\"Sài Gòn\", \"Thành phố Hồ Chí Minh\")",
);
const ISSUER_ABBREVIATION_OPTIONAL: FieldDoc =
    optional("issuer.abbreviation", "abbreviation of the body (\"UBND\"); unused here");
const ISSUER_ABBREVIATION: FieldDoc =
    required("issuer.abbreviation", "abbreviation of the body for the symbol (\"UBND\", \"SXD\")");
const DATE: FieldDoc = required("date", "date of the document, YYYY-MM-DD");
const DOSSIER_CODE: FieldDoc = required("dossier_code", "dossier code (\"26740-260213-0007\")");
const APPLICANT_NAME: FieldDoc = required("applicant.name", "applicant's full name or organisation");
const APPLICANT_ADDRESS: FieldDoc = required("applicant.address", "applicant's address");
const APPLICANT_PHONE: FieldDoc = optional("applicant.phone", "applicant's phone");
const APPLICANT_EMAIL: FieldDoc = optional("applicant.email", "applicant's email");
const PROCEDURE: FieldDoc =
    required("procedure", "procedure name (\"Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ\")");
const OFFICER: FieldDoc = required("officer", "full name of the officer who signs the form");
const SIGNER_AUTHORITY: FieldDoc =
    optional("signer.authority", "\"TM.\", \"Q.\", \"KT.\", \"TL.\" or \"TUQ.\" (requires signer.principal)");
const SIGNER_PRINCIPAL: FieldDoc = optional(
    "signer.principal",
    "collective after TM. (\"ỦY BAN NHÂN DÂN\") or head's title after KT./Q./TL./TUQ. (\"GIÁM ĐỐC\")",
);
const SIGNER_DEPUTY_FOR: FieldDoc =
    optional("signer.deputy_for", "under a TM. line, \"KT. <title>\" for a deputy (\"CHỦ TỊCH\")");
const SIGNER_POSITION: FieldDoc = required("signer.position", "signer's position, upper case (\"PHÓ CHỦ TỊCH\")");
const SIGNER_NAME: FieldDoc = required("signer.name", "signer's full name, no titles");
const RECIPIENTS: FieldDoc =
    required("recipients[]", "lines under \"Nơi nhận:\" before the archive line (\"Như trên\")");
const ARCHIVE: FieldDoc = required("archive", "text after \"Lưu:\" (\"VT, VP\")");
const NUMBER: FieldDoc = required("number", "number in the body's yearly series (1 → \"01\")");
const DRAFTING_UNIT: FieldDoc =
    required("drafting_unit", "abbreviation of the drafting unit or field for the symbol (\"VP\")");
const SUBJECT: FieldDoc = required("subject", "summary printed after \"V/v\"");
const ADDRESSEES: FieldDoc = required("addressees[]", "bodies after \"Kính gửi:\"");

const RECEIPT: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION_OPTIONAL,
    ISSUER_PLACE,
    DATE,
    DOSSIER_CODE,
    optional("copy", "which copy (\"Liên 2: giao người nộp hồ sơ\")"),
    required("receiving_body", "body whose desk received the dossier, in running text"),
    APPLICANT_NAME,
    APPLICANT_ADDRESS,
    APPLICANT_PHONE,
    APPLICANT_EMAIL,
    PROCEDURE,
    required("documents[]", "documents handed in, one per item"),
    required("sets", "number of sets (≥ 1)"),
    required("processing_time", "legal processing time in words (\"07 ngày làm việc\")"),
    required("received_at", "time received, local, YYYY-MM-DDTHH:MM"),
    required("return_at", "time of the result, local, YYYY-MM-DDTHH:MM (not before received_at)"),
    required("return_place", "where the result is collected"),
    optional("book.volume", "tracking book volume (\"01\")"),
    optional("book.entry", "tracking book entry number (\"0125\")"),
    OFFICER,
];

const SUPPLEMENT_REQUEST: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION_OPTIONAL,
    ISSUER_PLACE,
    DATE,
    DOSSIER_CODE,
    APPLICANT_NAME,
    APPLICANT_ADDRESS,
    APPLICANT_PHONE,
    APPLICANT_EMAIL,
    PROCEDURE,
    required("items[]", "what to add or correct, one per item"),
    required("reason", "why the dossier is incomplete"),
    required("contact.name", "whom to ask"),
    required("contact.phone", "their phone"),
    OFFICER,
];

const REFUSAL: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION_OPTIONAL,
    ISSUER_PLACE,
    DATE,
    optional("dossier_code", "dossier code, when one was issued"),
    required("receiving_body", "body whose desk examined the dossier, in running text"),
    APPLICANT_NAME,
    APPLICANT_ADDRESS,
    APPLICANT_PHONE,
    APPLICANT_EMAIL,
    PROCEDURE,
    required("reasons[]", "specific reasons for the refusal"),
    OFFICER,
];

const APOLOGY: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION_OPTIONAL,
    ISSUER_PLACE,
    DATE,
    required("sender", "responsible body in running text (\"Ủy ban nhân dân phường Sài Gòn\")"),
    APPLICANT_NAME,
    APPLICANT_ADDRESS,
    APPLICANT_PHONE,
    APPLICANT_EMAIL,
    required("received_on", "day the dossier was received, YYYY-MM-DD"),
    required("receiving_body", "body whose desk received the dossier, in running text"),
    PROCEDURE,
    DOSSIER_CODE,
    required("promised_at", "missed appointment, YYYY-MM-DDTHH:MM"),
    required("reason", "why the result is late"),
    required("new_return_at", "new appointment, YYYY-MM-DDTHH:MM (after promised_at)"),
    SIGNER_AUTHORITY,
    SIGNER_PRINCIPAL,
    SIGNER_DEPUTY_FOR,
    SIGNER_POSITION,
    SIGNER_NAME,
    RECIPIENTS,
    ARCHIVE,
];

const CONTROL_SHEET: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION_OPTIONAL,
    ISSUER_PLACE,
    DOSSIER_CODE,
    optional("copy", "which copy"),
    required("lead_body", "body settling the dossier"),
    optional("coordinating_bodies[]", "bodies consulted or coordinating"),
    required("handovers[].from", "unit handing over"),
    required("handovers[].giver", "person handing over"),
    required("handovers[].to", "unit receiving"),
    required("handovers[].receiver", "person receiving"),
    required("handovers[].at", "time, YYYY-MM-DDTHH:MM (in order)"),
    optional("handovers[].result", "\"early\", \"on_time\" or \"late\""),
    optional("handovers[].note", "remarks"),
];

const TRACKING_BOOK: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION_OPTIONAL,
    ISSUER_PLACE,
    required("year", "year of the book"),
    required("volume", "volume number (\"01\")"),
    required("date", "date the book or extract was closed, YYYY-MM-DD"),
    required("entries[].dossier_code", "dossier code"),
    required("entries[].procedure", "procedure name"),
    required("entries[].sets", "number of sets"),
    required("entries[].applicant", "applicant"),
    required("entries[].address", "address and phone"),
    required("entries[].lead_body", "body settling the dossier"),
    required("entries[].received_at", "received, YYYY-MM-DDTHH:MM (in the book's year)"),
    required("entries[].appointment_at", "appointment, YYYY-MM-DDTHH:MM"),
    optional("entries[].forwarded_at", "forwarded to the settling body"),
    optional("entries[].result_received_at", "result received from the settling body"),
    optional("entries[].returned_at", "result returned to the applicant"),
    optional("entries[].note", "remarks"),
    SIGNER_AUTHORITY,
    SIGNER_PRINCIPAL,
    SIGNER_DEPUTY_FOR,
    optional("signer.position", "position of the head who closes the book (with signer.name)"),
    optional("signer.name", "name of the head who closes the book"),
];

const CONSULTATION_REQUEST: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION,
    ISSUER_PLACE,
    NUMBER,
    DRAFTING_UNIT,
    DATE,
    SUBJECT,
    ADDRESSEES,
    required("sender", "consulting body in running text"),
    DOSSIER_CODE,
    PROCEDURE,
    required("applicant", "applicant in running text (\"bà Nguyễn Thị Thu Hà\")"),
    required("received_on", "day the dossier was received, YYYY-MM-DD"),
    required("questions[]", "points on which an opinion is asked"),
    required("reply_by", "reply deadline, YYYY-MM-DD (after date)"),
    optional("contact.name", "whom to call"),
    optional("contact.phone", "their phone"),
    SIGNER_AUTHORITY,
    SIGNER_PRINCIPAL,
    SIGNER_DEPUTY_FOR,
    SIGNER_POSITION,
    SIGNER_NAME,
    RECIPIENTS,
    ARCHIVE,
];

const CONSULTATION_REPLY: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION,
    ISSUER_PLACE,
    NUMBER,
    DRAFTING_UNIT,
    DATE,
    SUBJECT,
    ADDRESSEES,
    required("sender", "consulted body in running text (\"Sở Xây dựng\")"),
    required("request.number_symbol", "number and symbol of the request (\"45/UBND-KTHTĐT\")"),
    required("request.date", "date of the request, YYYY-MM-DD"),
    required("request.from", "requesting body in running text"),
    required("request.subject", "subject of the request"),
    required("opinions[]", "opinions, one per item"),
    SIGNER_AUTHORITY,
    SIGNER_PRINCIPAL,
    SIGNER_DEPUTY_FOR,
    SIGNER_POSITION,
    SIGNER_NAME,
    RECIPIENTS,
    ARCHIVE,
];

const OFFICIAL_LETTER: &[FieldDoc] = &[
    ISSUER_PARENT,
    ISSUER_NAME,
    ISSUER_ABBREVIATION,
    ISSUER_PLACE,
    NUMBER,
    DRAFTING_UNIT,
    DATE,
    SUBJECT,
    ADDRESSEES,
    required("body[]", "paragraphs of the letter; end the last with \"./.\""),
    SIGNER_AUTHORITY,
    SIGNER_PRINCIPAL,
    SIGNER_DEPUTY_FOR,
    SIGNER_POSITION,
    SIGNER_NAME,
    RECIPIENTS,
    ARCHIVE,
];
