//! Official letters (công văn, Decree 30/2020 Annex III template 1.4): the consultation request
//! and reply of inter-agency dossiers, and a generic letter.

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::decree30::{self, Authority};
use crate::kind::DocumentKind;
use crate::model::{Contact, Document, Invalid, Issuer, Paper, Signer, View, not_before, not_empty};
use crate::numbering::{Abbreviation, letter_number_symbol};

/// A letter asking another body for its opinion on a dossier (Decree 61/2018 Art. 19; HCMC
/// consultation rules). The question and the deadline are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsultationRequest {
    /// The consulting body; `issuer.abbreviation` is required.
    pub issuer: Issuer,
    /// Number in the body's yearly series.
    pub number: u32,
    /// Abbreviation of the drafting unit or field ("VP", "KTHTĐT").
    pub drafting_unit: String,
    /// Date of issue.
    pub date: Date,
    /// The summary after "V/v" ("lấy ý kiến về chỉ giới xây dựng").
    pub subject: String,
    /// Bodies consulted.
    pub addressees: Vec<String>,
    /// The consulting body in running text ("Ủy ban nhân dân phường Sài Gòn").
    pub sender: String,
    /// The dossier code.
    pub dossier_code: String,
    /// The procedure.
    pub procedure: String,
    /// Who filed the dossier.
    pub applicant: String,
    /// The day the dossier was received.
    pub received_on: Date,
    /// The questions, one item each.
    pub questions: Vec<String>,
    /// The reply deadline.
    pub reply_by: Date,
    /// Whom to call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// The competent signer.
    pub signer: Signer,
    /// Recipients besides the addressees' "Như trên" and the archive.
    pub recipients: Vec<String>,
    /// The archive line after "Lưu:" ("VT, KTHTĐT").
    pub archive: String,
}

/// The reply to a consultation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsultationReply {
    /// The consulted body; `issuer.abbreviation` is required.
    pub issuer: Issuer,
    /// Number in the body's yearly series.
    pub number: u32,
    /// Abbreviation of the drafting unit or field.
    pub drafting_unit: String,
    /// Date of issue.
    pub date: Date,
    /// The summary after "V/v".
    pub subject: String,
    /// The requesting body (usually one).
    pub addressees: Vec<String>,
    /// The consulted body in running text ("Sở Xây dựng").
    pub sender: String,
    /// The request being answered.
    pub request: RequestReference,
    /// The opinions, one item each.
    pub opinions: Vec<String>,
    /// The competent signer.
    pub signer: Signer,
    /// Recipients besides the archive ("Như trên").
    pub recipients: Vec<String>,
    /// The archive line after "Lưu:".
    pub archive: String,
}

/// The letter a reply answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestReference {
    /// Its number and symbol ("45/UBND-KTHTĐT").
    pub number_symbol: String,
    /// Its date.
    pub date: Date,
    /// Its issuer in running text.
    pub from: String,
    /// Its subject (after "về việc").
    pub subject: String,
}

/// A generic official letter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialLetter {
    /// The issuing body; `issuer.abbreviation` is required.
    pub issuer: Issuer,
    /// Number in the body's yearly series.
    pub number: u32,
    /// Abbreviation of the drafting unit or field.
    pub drafting_unit: String,
    /// Date of issue.
    pub date: Date,
    /// The summary after "V/v".
    pub subject: String,
    /// "Kính gửi" addressees.
    pub addressees: Vec<String>,
    /// Paragraphs of the body.
    pub body: Vec<String>,
    /// The competent signer.
    pub signer: Signer,
    /// Recipients besides the archive.
    pub recipients: Vec<String>,
    /// The archive line after "Lưu:".
    pub archive: String,
}

/// The parts every letter shares, checked.
struct LetterHead<'a> {
    issuer: &'a Issuer,
    number: u32,
    drafting_unit: &'a str,
    date: Date,
    subject: &'a str,
    addressees: &'a [String],
}

impl LetterHead<'_> {
    fn validate(&self) -> Result<(Abbreviation, Abbreviation), Invalid> {
        let body = self.issuer.abbreviation()?;
        let unit = Abbreviation::parse(self.drafting_unit)
            .map_err(|error| Invalid::Refused { field: "drafting_unit".into(), reason: error.to_string() })?;
        if self.number == 0 {
            return Err(Invalid::Refused { field: "number".into(), reason: "document numbers start at 1".into() });
        }
        not_empty(self.addressees, "addressees")?;
        Ok((body, unit))
    }

    fn number_symbol(&self) -> String {
        match self.validate() {
            Ok((body, unit)) => letter_number_symbol(self.number, &body, &unit),
            // `view` runs after `validate`; this arm only keeps the function total.
            Err(_) => format!("{}/{}", self.number, self.drafting_unit),
        }
    }

    fn header(&self) -> Value {
        let mut header = self.issuer.header();
        header["number"] = json!(format!("Số: {}", self.number_symbol()));
        header["summary"] = json!(format!("V/v {}", self.subject));
        header["date_line"] = json!(decree30::date_line(&self.issuer.place, self.date));
        header
    }

    fn title(&self) -> String {
        format!("Công văn số {} – V/v {}", self.number_symbol(), self.subject)
    }

    fn addressees(&self) -> Vec<String> {
        decree30::addressee_lines(self.addressees)
    }
}

fn example_ward() -> Issuer {
    Issuer {
        parent: None,
        name: "ỦY BAN NHÂN DÂN\nPHƯỜNG SÀI GÒN".into(),
        abbreviation: Some("UBND".into()),
        place: "Sài Gòn".into(),
    }
}

fn example_department() -> Issuer {
    Issuer {
        parent: Some("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HỒ CHÍ MINH".into()),
        name: "SỞ XÂY DỰNG".into(),
        abbreviation: Some("SXD".into()),
        place: "Thành phố Hồ Chí Minh".into(),
    }
}

fn ward_vice_chair() -> Signer {
    Signer {
        authority: Some(Authority::OnBehalfOf),
        principal: Some("ỦY BAN NHÂN DÂN".into()),
        deputy_for: Some("CHỦ TỊCH".into()),
        position: "PHÓ CHỦ TỊCH".into(),
        name: "Huỳnh Quốc Bảo".into(),
    }
}

impl ConsultationRequest {
    fn head(&self) -> LetterHead<'_> {
        LetterHead {
            issuer: &self.issuer,
            number: self.number,
            drafting_unit: &self.drafting_unit,
            date: self.date,
            subject: &self.subject,
            addressees: &self.addressees,
        }
    }
}

impl Document for ConsultationRequest {
    const KIND: DocumentKind = DocumentKind::ConsultationRequest;

    fn example() -> ConsultationRequest {
        ConsultationRequest {
            issuer: example_ward(),
            number: 45,
            drafting_unit: "KTHTĐT".into(),
            date: date(2026, 2, 16),
            subject: "lấy ý kiến về chỉ giới xây dựng tại số 42 đường Lê Thánh Tôn".into(),
            addressees: vec!["Sở Xây dựng Thành phố Hồ Chí Minh".into()],
            sender: "Ủy ban nhân dân phường Sài Gòn".into(),
            dossier_code: "26740-260213-0007".into(),
            procedure: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ".into(),
            applicant: "bà Nguyễn Thị Thu Hà".into(),
            received_on: date(2026, 2, 13),
            questions: vec![
                "Chỉ giới đường đỏ và chỉ giới xây dựng của tuyến đường Lê Thánh Tôn đoạn từ đường Hai Bà Trưng đến đường Pasteur theo quy hoạch được duyệt.".into(),
                "Tầng cao và khoảng lùi tối thiểu áp dụng cho nhà ở riêng lẻ trên tuyến đường này.".into(),
            ],
            reply_by: date(2026, 2, 24),
            contact: Some(Contact { name: "ông Lê Văn Nam, Phòng Kinh tế, Hạ tầng và Đô thị".into(), phone: "028 3823 6011".into() }),
            signer: ward_vice_chair(),
            recipients: vec!["Như trên".into(), "Chủ tịch UBND phường (để báo cáo)".into()],
            archive: "VT, KTHTĐT".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        self.head().validate()?;
        self.signer.validate("signer")?;
        not_empty(&self.questions, "questions")?;
        not_before(self.date, self.received_on, "date", "the request cannot precede the dossier")?;
        match self.reply_by > self.date {
            true => Ok(()),
            false => Err(Invalid::Refused {
                field: "reply_by".into(),
                reason: "the reply deadline must be after the request date".into(),
            }),
        }
    }

    fn view(&self) -> View {
        let head = self.head();
        View {
            title: head.title(),
            date: self.date,
            paper: Paper::A4,
            data: json!({
                "header": head.header(),
                "addressees": head.addressees(),
                "sender": self.sender,
                "code": self.dossier_code,
                "procedure": self.procedure,
                "applicant": self.applicant,
                "received_on": decree30::date_phrase(self.received_on),
                "questions": self.questions,
                "reply_by": decree30::date_phrase(self.reply_by),
                "contact": self.contact,
                "signer": self.signer.view(),
                "recipients": decree30::recipient_lines(&self.recipients, &self.archive),
            }),
        }
    }
}

impl ConsultationReply {
    fn head(&self) -> LetterHead<'_> {
        LetterHead {
            issuer: &self.issuer,
            number: self.number,
            drafting_unit: &self.drafting_unit,
            date: self.date,
            subject: &self.subject,
            addressees: &self.addressees,
        }
    }
}

impl Document for ConsultationReply {
    const KIND: DocumentKind = DocumentKind::ConsultationReply;

    fn example() -> ConsultationReply {
        ConsultationReply {
            issuer: example_department(),
            number: 1287,
            drafting_unit: "QLXD".into(),
            date: date(2026, 2, 23),
            subject: "trả lời ý kiến về chỉ giới xây dựng tại số 42 đường Lê Thánh Tôn, phường Sài Gòn".into(),
            addressees: vec!["Ủy ban nhân dân phường Sài Gòn".into()],
            sender: "Sở Xây dựng".into(),
            request: RequestReference {
                number_symbol: "45/UBND-KTHTĐT".into(),
                date: date(2026, 2, 16),
                from: "Ủy ban nhân dân phường Sài Gòn".into(),
                subject: "lấy ý kiến về chỉ giới xây dựng tại số 42 đường Lê Thánh Tôn".into(),
            },
            opinions: vec![
                "Theo đồ án quy hoạch phân khu được duyệt, lộ giới đường Lê Thánh Tôn đoạn từ đường Hai Bà Trưng đến đường Pasteur là 20 m; chỉ giới xây dựng trùng chỉ giới đường đỏ.".into(),
                "Nhà ở riêng lẻ tại vị trí này được xây dựng tối đa 06 tầng, khoảng lùi tối thiểu 3 m đối với phần công trình từ tầng 5 trở lên.".into(),
            ],
            signer: Signer {
                authority: Some(Authority::ForTheHead),
                principal: Some("GIÁM ĐỐC".into()),
                deputy_for: None,
                position: "PHÓ GIÁM ĐỐC".into(),
                name: "Trương Thị Kim Loan".into(),
            },
            recipients: vec!["Như trên".into(), "Giám đốc Sở (để báo cáo)".into()],
            archive: "VT, QLXD".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        self.head().validate()?;
        self.signer.validate("signer")?;
        not_empty(&self.opinions, "opinions")?;
        if !self.request.number_symbol.contains('/') {
            return Err(Invalid::Refused {
                field: "request.number_symbol".into(),
                reason: "expected \"number/symbol\", e.g. \"45/UBND-VP\"".into(),
            });
        }
        not_before(self.date, self.request.date, "date", "the reply cannot precede the request")
    }

    fn view(&self) -> View {
        let head = self.head();
        View {
            title: head.title(),
            date: self.date,
            paper: Paper::A4,
            data: json!({
                "header": head.header(),
                "addressees": head.addressees(),
                "sender": self.sender,
                "request": {
                    "number_symbol": self.request.number_symbol,
                    "date": decree30::date_phrase(self.request.date),
                    "from": self.request.from,
                    "subject": self.request.subject,
                },
                "opinions": self.opinions,
                "signer": self.signer.view(),
                "recipients": decree30::recipient_lines(&self.recipients, &self.archive),
            }),
        }
    }
}

impl OfficialLetter {
    fn head(&self) -> LetterHead<'_> {
        LetterHead {
            issuer: &self.issuer,
            number: self.number,
            drafting_unit: &self.drafting_unit,
            date: self.date,
            subject: &self.subject,
            addressees: &self.addressees,
        }
    }
}

impl Document for OfficialLetter {
    const KIND: DocumentKind = DocumentKind::OfficialLetter;

    fn example() -> OfficialLetter {
        OfficialLetter {
            issuer: example_ward(),
            number: 123,
            drafting_unit: "VP".into(),
            date: date(2026, 1, 5),
            subject: "triển khai tiếp nhận hồ sơ trực tuyến toàn trình năm 2026".into(),
            addressees: vec![
                "Bộ phận tiếp nhận và trả kết quả phường".into(),
                "Phòng Kinh tế, Hạ tầng và Đô thị".into(),
                "Phòng Văn hóa - Xã hội".into(),
            ],
            body: vec![
                "Thực hiện Kế hoạch cải cách hành chính năm 2026 của Ủy ban nhân dân Thành phố Hồ Chí Minh, Ủy ban nhân dân phường Sài Gòn đề nghị các đơn vị tiếp nhận, giải quyết hồ sơ trực tuyến toàn trình đối với các thủ tục đăng ký khai sinh, đăng ký thường trú và đăng ký thành lập hộ kinh doanh kể từ ngày 15 tháng 01 năm 2026.".into(),
                "Các đơn vị rà soát quy trình nội bộ, bảo đảm mỗi hồ sơ được cập nhật đầy đủ trên Hệ thống thông tin giải quyết thủ tục hành chính; hồ sơ trễ hạn phải có Phiếu xin lỗi và hẹn lại ngày trả kết quả gửi người dân trước ngày hẹn.".into(),
                "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị báo cáo về Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường để tổng hợp, trình Chủ tịch Ủy ban nhân dân phường xem xét, giải quyết./.".into(),
            ],
            signer: Signer {
                authority: Some(Authority::OnBehalfOf),
                principal: Some("ỦY BAN NHÂN DÂN".into()),
                deputy_for: None,
                position: "CHỦ TỊCH".into(),
                name: "Nguyễn Văn Thắng".into(),
            },
            recipients: vec!["Như trên".into(), "Thường trực Đảng ủy phường".into(), "Thường trực HĐND phường".into()],
            archive: "VT, VP".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        self.head().validate()?;
        self.signer.validate("signer")?;
        not_empty(&self.body, "body")
    }

    fn view(&self) -> View {
        let head = self.head();
        View {
            title: head.title(),
            date: self.date,
            paper: Paper::A4,
            data: json!({
                "header": head.header(),
                "addressees": head.addressees(),
                "body": self.body,
                "signer": self.signer.view(),
                "recipients": decree30::recipient_lines(&self.recipients, &self.archive),
            }),
        }
    }
}
