//! The six one-stop forms of Circular 01/2018/TT-VPCP (Art. 9, templates 01–06).
//!
//! Wording follows the circular's templates as reproduced by public one-stop implementations
//! (the official Word annex could not be opened; see shared/docs/reference/vn-admin-rules.md
//! §2.1); the header follows Decree 30/2020 Annex I.

use jiff::civil::{Date, DateTime, date};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::decree30::{self, Authority};
use crate::kind::DocumentKind;
use crate::model::{
    Applicant, Contact, Document, Invalid, Issuer, Paper, Signer, View, not_before, not_empty, short_datetime,
};
use crate::numbering::format_number;

/// Form 01: receipt of a dossier and appointment for the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Header: parent body and the one-stop desk.
    pub issuer: Issuer,
    /// Date of the form (the date line).
    pub date: Date,
    /// The dossier code.
    pub dossier_code: String,
    /// Which copy this is ("Liên 2: giao người nộp hồ sơ").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
    /// The body whose desk received the dossier, in running text.
    pub receiving_body: String,
    /// Who filed the dossier.
    pub applicant: Applicant,
    /// The procedure (nội dung yêu cầu giải quyết).
    pub procedure: String,
    /// The documents handed in.
    pub documents: Vec<String>,
    /// Number of sets.
    pub sets: u32,
    /// The legal processing time, in words ("07 ngày làm việc").
    pub processing_time: String,
    /// When the dossier was received (local time).
    pub received_at: DateTime,
    /// When the result will be returned (local time).
    pub return_at: DateTime,
    /// Where the applicant collects the result.
    pub return_place: String,
    /// The entry in the tracking book.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub book: Option<BookReference>,
    /// The receiving officer's full name.
    pub officer: String,
}

/// Volume and entry of the tracking book (form 06).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookReference {
    /// Volume ("01").
    pub volume: String,
    /// Entry number in the volume ("0125").
    pub entry: String,
}

/// Form 02: request to supplement or complete a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplementRequest {
    /// Header: parent body and the one-stop desk.
    pub issuer: Issuer,
    /// Date of the form.
    pub date: Date,
    /// The dossier code.
    pub dossier_code: String,
    /// Who filed the dossier.
    pub applicant: Applicant,
    /// The procedure.
    pub procedure: String,
    /// What to add or correct, one item each.
    pub items: Vec<String>,
    /// Why.
    pub reason: String,
    /// Whom to ask while completing the dossier.
    pub contact: Contact,
    /// The guiding officer's full name.
    pub officer: String,
}

/// Form 03: refusal to receive and settle a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// Header: parent body and the one-stop desk.
    pub issuer: Issuer,
    /// Date of the form.
    pub date: Date,
    /// The dossier code, when one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier_code: Option<String>,
    /// The body whose desk examined the dossier, in running text.
    pub receiving_body: String,
    /// Who filed the dossier.
    pub applicant: Applicant,
    /// The procedure.
    pub procedure: String,
    /// The specific reasons for the refusal.
    pub reasons: Vec<String>,
    /// The receiving officer's full name.
    pub officer: String,
}

/// Form 04: apology and new appointment for a late result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Apology {
    /// The body responsible for the delay.
    pub issuer: Issuer,
    /// Date of the letter (at the latest the appointment date).
    pub date: Date,
    /// The responsible body in running text ("Ủy ban nhân dân phường Sài Gòn").
    pub sender: String,
    /// Who filed the dossier.
    pub applicant: Applicant,
    /// The day the dossier was received.
    pub received_on: Date,
    /// The body whose desk received the dossier, in running text.
    pub receiving_body: String,
    /// The procedure.
    pub procedure: String,
    /// The dossier code.
    pub dossier_code: String,
    /// The appointment that was missed.
    pub promised_at: DateTime,
    /// Why the result is late.
    pub reason: String,
    /// The new appointment.
    pub new_return_at: DateTime,
    /// The head who signs.
    pub signer: Signer,
    /// Recipients besides the archive ("Như trên").
    pub recipients: Vec<String>,
    /// The archive line after "Lưu:" ("VT, VP").
    pub archive: String,
}

/// Form 05: control sheet of the settlement of a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlSheet {
    /// Header: parent body and the one-stop desk.
    pub issuer: Issuer,
    /// The dossier code.
    pub dossier_code: String,
    /// Which copy this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
    /// The body (unit) settling the dossier.
    pub lead_body: String,
    /// Bodies consulted or coordinating; may be empty.
    #[serde(default)]
    pub coordinating_bodies: Vec<String>,
    /// Hand-overs in time order.
    pub handovers: Vec<Handover>,
}

/// One hand-over of the dossier between units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handover {
    /// The unit handing the dossier over.
    pub from: String,
    /// The person handing it over.
    pub giver: String,
    /// The unit receiving it.
    pub to: String,
    /// The person receiving it.
    pub receiver: String,
    /// When (local time).
    pub at: DateTime,
    /// How the step ended compared with its time budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<StepResult>,
    /// Remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The result column of form 05.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepResult {
    /// Trước hạn.
    Early,
    /// Đúng hạn.
    OnTime,
    /// Quá hạn.
    Late,
}

/// Form 06: the tracking book of dossiers (one volume, one year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingBook {
    /// Header: parent body and the one-stop desk.
    pub issuer: Issuer,
    /// The book's year.
    pub year: i16,
    /// Volume number ("01").
    pub volume: String,
    /// Date the book (or this extract) was closed.
    pub date: Date,
    /// Entries, numbered from 01 in order.
    pub entries: Vec<BookEntry>,
    /// The head who closes and signs the book at year end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signer>,
}

/// One row of the tracking book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookEntry {
    /// The dossier code.
    pub dossier_code: String,
    /// The procedure.
    pub procedure: String,
    /// Number of sets.
    pub sets: u32,
    /// Who filed the dossier.
    pub applicant: String,
    /// Address and phone.
    pub address: String,
    /// The body settling the dossier.
    pub lead_body: String,
    /// Received.
    pub received_at: DateTime,
    /// Appointment for the result.
    pub appointment_at: DateTime,
    /// Forwarded to the settling body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_at: Option<DateTime>,
    /// Result received back from the settling body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_received_at: Option<DateTime>,
    /// Result returned to the applicant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_at: Option<DateTime>,
    /// Remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl StepResult {
    fn label(self) -> &'static str {
        match self {
            StepResult::Early => "Trước hạn",
            StepResult::OnTime => "Đúng hạn",
            StepResult::Late => "Quá hạn",
        }
    }
}

/// The header of forms 01–05: desk name, no number, optional date line.
fn form_header(issuer: &Issuer, date: Option<Date>) -> serde_json::Value {
    let mut header = issuer.header();
    header["date_line"] = json!(date.map(|date| decree30::date_line(&issuer.place, date)));
    header
}

fn title(kind: DocumentKind, code: Option<&str>) -> String {
    match code {
        Some(code) => format!("{} – Mã hồ sơ {code}", kind.title_vi()),
        None => kind.title_vi().to_owned(),
    }
}

/// The one-stop desk of Phường Sài Gòn (unit code 26740), the examples' issuer.
fn example_desk() -> Issuer {
    Issuer {
        parent: Some("ỦY BAN NHÂN DÂN\nPHƯỜNG SÀI GÒN".into()),
        name: "BỘ PHẬN TIẾP NHẬN\nVÀ TRẢ KẾT QUẢ".into(),
        abbreviation: None,
        place: "Sài Gòn".into(),
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

fn example_applicant() -> Applicant {
    Applicant {
        name: "Nguyễn Thị Thu Hà".into(),
        address: "số 42 đường Lê Thánh Tôn, phường Sài Gòn, Thành phố Hồ Chí Minh".into(),
        phone: Some("0903 418 275".into()),
        email: Some("thuha.nguyen@gmail.com".into()),
    }
}

const EXAMPLE_PERMIT: &str = "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ";

impl Document for Receipt {
    const KIND: DocumentKind = DocumentKind::Receipt;

    fn example() -> Receipt {
        Receipt {
            issuer: example_desk(),
            date: date(2026, 2, 13),
            dossier_code: "26740-260213-0007".into(),
            copy: Some("Liên 2: giao người nộp hồ sơ".into()),
            receiving_body: "Ủy ban nhân dân phường Sài Gòn".into(),
            applicant: example_applicant(),
            procedure: EXAMPLE_PERMIT.into(),
            documents: vec![
                "Đơn đề nghị cấp giấy phép xây dựng (bản chính)".into(),
                "Giấy chứng nhận quyền sử dụng đất (bản sao có chứng thực)".into(),
                "Hai bộ bản vẽ thiết kế xây dựng (bản chính)".into(),
                "Bản kê khai năng lực của tổ chức thiết kế (bản chính)".into(),
            ],
            sets: 1,
            processing_time: "07 ngày làm việc".into(),
            received_at: date(2026, 2, 13).at(8, 35, 0, 0),
            return_at: date(2026, 2, 27).at(16, 0, 0, 0),
            return_place: "Bộ phận tiếp nhận và trả kết quả, Ủy ban nhân dân phường Sài Gòn".into(),
            book: Some(BookReference { volume: "01".into(), entry: "0125".into() }),
            officer: "Trần Minh Khôi".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        not_empty(&self.documents, "documents")?;
        if self.sets == 0 {
            return Err(Invalid::Refused { field: "sets".into(), reason: "at least one set".into() });
        }
        not_before(
            self.return_at,
            self.received_at,
            "return_at",
            "the result cannot be due before the dossier is received",
        )
    }

    fn view(&self) -> View {
        View {
            title: title(Self::KIND, Some(&self.dossier_code)),
            date: self.date,
            paper: Paper::A5,
            data: json!({
                "header": form_header(&self.issuer, Some(self.date)),
                "title": Self::KIND.title_vi().to_uppercase(),
                "code": self.dossier_code,
                "copy": self.copy,
                "receiving_body": self.receiving_body,
                "applicant": self.applicant.view(),
                "procedure": self.procedure,
                "documents": self.documents,
                "sets": format_number(self.sets),
                "processing_time": self.processing_time,
                "received_at": decree30::datetime_phrase(self.received_at),
                "return_at": decree30::datetime_phrase(self.return_at),
                "return_place": self.return_place,
                "book": self.book,
                "officer": self.officer,
            }),
        }
    }
}

impl Document for SupplementRequest {
    const KIND: DocumentKind = DocumentKind::SupplementRequest;

    fn example() -> SupplementRequest {
        SupplementRequest {
            issuer: example_desk(),
            date: date(2026, 3, 4),
            dossier_code: "26740-260304-0019".into(),
            applicant: Applicant {
                name: "Lê Hoàng Phúc".into(),
                address: "số 17 đường Hai Bà Trưng, phường Sài Gòn, Thành phố Hồ Chí Minh".into(),
                phone: Some("0938 205 614".into()),
                email: None,
            },
            procedure: "Đăng ký thành lập hộ kinh doanh".into(),
            items: vec![
                "Bổ sung bản sao hợp đồng thuê địa điểm kinh doanh tại số 17 đường Hai Bà Trưng".into(),
                "Ghi rõ ngành, nghề kinh doanh theo mã ngành cấp bốn trong Giấy đề nghị đăng ký hộ kinh doanh".into(),
            ],
            reason: "Hồ sơ chưa có giấy tờ chứng minh quyền sử dụng địa điểm kinh doanh và kê khai ngành, nghề chưa đúng quy định.".into(),
            contact: Contact { name: "bà Phạm Ngọc Ánh, công chức Bộ phận tiếp nhận và trả kết quả".into(), phone: "028 3829 1054".into() },
            officer: "Phạm Ngọc Ánh".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        not_empty(&self.items, "items")
    }

    fn view(&self) -> View {
        View {
            title: title(Self::KIND, Some(&self.dossier_code)),
            date: self.date,
            paper: Paper::A5,
            data: json!({
                "header": form_header(&self.issuer, Some(self.date)),
                "title": Self::KIND.title_vi().to_uppercase(),
                "code": self.dossier_code,
                "applicant": self.applicant.view(),
                "procedure": self.procedure,
                "items": self.items,
                "reason": self.reason,
                "contact": self.contact,
                "officer": self.officer,
            }),
        }
    }
}

impl Document for Refusal {
    const KIND: DocumentKind = DocumentKind::Refusal;

    fn example() -> Refusal {
        Refusal {
            issuer: example_desk(),
            date: date(2026, 3, 9),
            dossier_code: Some("26740-260309-0004".into()),
            receiving_body: "Ủy ban nhân dân phường Sài Gòn".into(),
            applicant: Applicant {
                name: "Võ Thanh Tùng".into(),
                address: "số 8 đường Pasteur, phường Sài Gòn, Thành phố Hồ Chí Minh".into(),
                phone: Some("0976 330 518".into()),
                email: Some("vothanhtung@yahoo.com".into()),
            },
            procedure: "Đăng ký khai tử".into(),
            reasons: vec![
                "Người chết có nơi cư trú cuối cùng tại phường Tân Định; theo Điều 32 Luật Hộ tịch 2014, việc khai tử thuộc thẩm quyền của Ủy ban nhân dân phường Tân Định.".into(),
                "Đề nghị Ông/Bà nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả phường Tân Định.".into(),
            ],
            officer: "Đặng Thị Mỹ Duyên".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        not_empty(&self.reasons, "reasons")
    }

    fn view(&self) -> View {
        View {
            title: title(Self::KIND, self.dossier_code.as_deref()),
            date: self.date,
            paper: Paper::A5,
            data: json!({
                "header": form_header(&self.issuer, Some(self.date)),
                "title": Self::KIND.title_vi().to_uppercase(),
                "code": self.dossier_code,
                "receiving_body": self.receiving_body,
                "applicant": self.applicant.view(),
                "procedure": self.procedure,
                "reasons": self.reasons,
                "officer": self.officer,
            }),
        }
    }
}

impl Document for Apology {
    const KIND: DocumentKind = DocumentKind::Apology;

    fn example() -> Apology {
        Apology {
            issuer: example_ward(),
            date: date(2026, 2, 27),
            sender: "Ủy ban nhân dân phường Sài Gòn".into(),
            applicant: example_applicant(),
            received_on: date(2026, 2, 13),
            receiving_body: "Bộ phận tiếp nhận và trả kết quả phường Sài Gòn".into(),
            procedure: EXAMPLE_PERMIT.into(),
            dossier_code: "26740-260213-0007".into(),
            promised_at: date(2026, 2, 27).at(16, 0, 0, 0),
            reason: "Hồ sơ cần lấy ý kiến của Sở Xây dựng về chỉ giới xây dựng của tuyến đường Lê Thánh Tôn; đến nay Ủy ban nhân dân phường chưa nhận được văn bản trả lời.".into(),
            new_return_at: date(2026, 3, 6).at(16, 0, 0, 0),
            signer: Signer {
                authority: Some(Authority::OnBehalfOf),
                principal: Some("ỦY BAN NHÂN DÂN".into()),
                deputy_for: Some("CHỦ TỊCH".into()),
                position: "PHÓ CHỦ TỊCH".into(),
                name: "Huỳnh Quốc Bảo".into(),
            },
            recipients: vec!["Như trên".into(), "Chủ tịch UBND phường (để báo cáo)".into()],
            archive: "VT, BPTN&TKQ".into(),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        self.signer.validate("signer")?;
        not_before(
            self.promised_at.date(),
            self.received_on,
            "promised_at",
            "the appointment cannot precede the receipt",
        )?;
        match self.new_return_at > self.promised_at {
            true => Ok(()),
            false => Err(Invalid::Refused {
                field: "new_return_at".into(),
                reason: "the new appointment must be later than the missed one".into(),
            }),
        }
    }

    fn view(&self) -> View {
        View {
            title: title(Self::KIND, Some(&self.dossier_code)),
            date: self.date,
            paper: Paper::A5,
            data: json!({
                "header": form_header(&self.issuer, Some(self.date)),
                "title": Self::KIND.title_vi().to_uppercase(),
                "addressee": self.applicant.name,
                "applicant": self.applicant.view(),
                "sender": self.sender,
                "received_on": decree30::date_phrase(self.received_on),
                "receiving_body": self.receiving_body,
                "procedure": self.procedure,
                "dossier_code": self.dossier_code,
                "promised_at": decree30::datetime_phrase(self.promised_at),
                "reason": self.reason,
                "new_return_at": decree30::datetime_phrase(self.new_return_at),
                "signer": self.signer.view(),
                "recipients": decree30::recipient_lines(&self.recipients, &self.archive),
            }),
        }
    }
}

impl Document for ControlSheet {
    const KIND: DocumentKind = DocumentKind::ControlSheet;

    fn example() -> ControlSheet {
        let step =
            |from: &str, giver: &str, to: &str, receiver: &str, at: DateTime, result, note: Option<&str>| Handover {
                from: from.into(),
                giver: giver.into(),
                to: to.into(),
                receiver: receiver.into(),
                at,
                result,
                note: note.map(Into::into),
            };
        let desk = "Bộ phận tiếp nhận và trả kết quả";
        let office = "Phòng Kinh tế, Hạ tầng và Đô thị";
        ControlSheet {
            issuer: example_desk(),
            dossier_code: "26740-260213-0007".into(),
            copy: Some("Liên 1: lưu tại Bộ phận tiếp nhận và trả kết quả".into()),
            lead_body: "Phòng Kinh tế, Hạ tầng và Đô thị phường Sài Gòn".into(),
            coordinating_bodies: vec!["Sở Xây dựng Thành phố Hồ Chí Minh".into()],
            handovers: vec![
                step(
                    desk,
                    "Trần Minh Khôi",
                    office,
                    "Lê Văn Nam",
                    date(2026, 2, 13).at(10, 15, 0, 0),
                    Some(StepResult::OnTime),
                    None,
                ),
                step(
                    office,
                    "Lê Văn Nam",
                    "Lãnh đạo Ủy ban nhân dân phường",
                    "Huỳnh Quốc Bảo",
                    date(2026, 3, 5).at(9, 0, 0, 0),
                    Some(StepResult::Late),
                    Some("Chờ ý kiến Sở Xây dựng"),
                ),
                step(
                    "Lãnh đạo Ủy ban nhân dân phường",
                    "Huỳnh Quốc Bảo",
                    desk,
                    "Trần Minh Khôi",
                    date(2026, 3, 6).at(10, 30, 0, 0),
                    Some(StepResult::OnTime),
                    None,
                ),
            ],
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        not_empty(&self.handovers, "handovers")?;
        for (index, pair) in self.handovers.windows(2).enumerate() {
            if let [earlier, later] = pair {
                not_before(
                    later.at,
                    earlier.at,
                    &format!("handovers[{}].at", index + 1),
                    "hand-overs must be in time order",
                )?;
            }
        }
        Ok(())
    }

    fn view(&self) -> View {
        let first = self.handovers.first().map(|handover| handover.at.date()).unwrap_or(date(2000, 1, 1));
        let rows: Vec<_> = self
            .handovers
            .iter()
            .map(|handover| {
                json!({
                    "from": handover.from,
                    "to": handover.to,
                    "giver": handover.giver,
                    "receiver": handover.receiver,
                    "time": decree30::datetime_phrase(handover.at),
                    "result": handover.result.map(StepResult::label),
                    "note": handover.note,
                })
            })
            .collect();
        View {
            title: title(Self::KIND, Some(&self.dossier_code)),
            date: first,
            paper: Paper::A5,
            data: json!({
                "header": form_header(&self.issuer, None),
                "title": Self::KIND.title_vi().to_uppercase(),
                "code": self.dossier_code,
                "copy": self.copy,
                "lead_body": self.lead_body,
                "coordinating_bodies": self.coordinating_bodies,
                "rows": rows,
            }),
        }
    }
}

impl Document for TrackingBook {
    const KIND: DocumentKind = DocumentKind::TrackingBook;

    fn example() -> TrackingBook {
        let entry = |code: &str, procedure: &str, applicant: &str, address: &str, received: DateTime, due: DateTime| {
            BookEntry {
                dossier_code: code.into(),
                procedure: procedure.into(),
                sets: 1,
                applicant: applicant.into(),
                address: address.into(),
                lead_body: "UBND phường Sài Gòn".into(),
                received_at: received,
                appointment_at: due,
                forwarded_at: None,
                result_received_at: None,
                returned_at: None,
                note: None,
            }
        };
        let mut permit = entry(
            "26740-260213-0007",
            EXAMPLE_PERMIT,
            "Nguyễn Thị Thu Hà",
            "42 Lê Thánh Tôn, P. Sài Gòn; 0903 418 275",
            date(2026, 2, 13).at(8, 35, 0, 0),
            date(2026, 2, 27).at(16, 0, 0, 0),
        );
        permit.forwarded_at = Some(date(2026, 2, 13).at(10, 15, 0, 0));
        permit.result_received_at = Some(date(2026, 3, 6).at(10, 30, 0, 0));
        permit.returned_at = Some(date(2026, 3, 6).at(14, 10, 0, 0));
        permit.note = Some("Trễ hạn, đã gửi phiếu xin lỗi".into());
        let mut birth = entry(
            "26740-260213-0008",
            "Đăng ký khai sinh",
            "Phan Gia Hân",
            "9 Nguyễn Huệ, P. Sài Gòn; 0908 771 902",
            date(2026, 2, 13).at(9, 10, 0, 0),
            date(2026, 2, 13).at(16, 30, 0, 0),
        );
        birth.forwarded_at = Some(date(2026, 2, 13).at(9, 20, 0, 0));
        birth.result_received_at = Some(date(2026, 2, 13).at(14, 0, 0, 0));
        birth.returned_at = Some(date(2026, 2, 13).at(15, 5, 0, 0));
        let mut residence = entry(
            "26740-260213-0009",
            "Đăng ký thường trú",
            "Trịnh Quang Vinh",
            "118 Pasteur, P. Sài Gòn; 0912 584 337",
            date(2026, 2, 13).at(10, 5, 0, 0),
            date(2026, 2, 25).at(10, 5, 0, 0),
        );
        residence.lead_body = "Công an phường Sài Gòn".into();
        residence.forwarded_at = Some(date(2026, 2, 13).at(11, 0, 0, 0));
        let business = entry(
            "26740-260304-0019",
            "Đăng ký thành lập hộ kinh doanh",
            "Lê Hoàng Phúc",
            "17 Hai Bà Trưng, P. Sài Gòn; 0938 205 614",
            date(2026, 3, 4).at(14, 20, 0, 0),
            date(2026, 3, 9).at(14, 20, 0, 0),
        );
        TrackingBook {
            issuer: example_desk(),
            year: 2026,
            volume: "01".into(),
            date: date(2026, 3, 9),
            entries: vec![permit, birth, residence, business],
            signer: Some(Signer {
                authority: None,
                principal: None,
                deputy_for: None,
                position: "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG".into(),
                name: "Nguyễn Văn Thắng".into(),
            }),
        }
    }

    fn validate(&self) -> Result<(), Invalid> {
        not_empty(&self.entries, "entries")?;
        if let Some(signer) = &self.signer {
            signer.validate("signer")?;
        }
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.received_at.year() != self.year {
                return Err(Invalid::Refused {
                    field: format!("entries[{index}].received_at"),
                    reason: format!("the book of {} holds only dossiers received that year", self.year),
                });
            }
        }
        Ok(())
    }

    fn view(&self) -> View {
        let optional = |at: Option<DateTime>| at.map(short_datetime);
        let rows: Vec<_> = self
            .entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                json!([
                    format_number(u32::try_from(index + 1).unwrap_or(u32::MAX)),
                    entry.dossier_code,
                    entry.procedure,
                    format_number(entry.sets),
                    entry.applicant,
                    entry.address,
                    entry.lead_body,
                    short_datetime(entry.received_at),
                    short_datetime(entry.appointment_at),
                    optional(entry.forwarded_at),
                    optional(entry.result_received_at),
                    optional(entry.returned_at),
                    entry.note,
                ])
            })
            .collect();
        View {
            title: format!("{} năm {} – Quyển số {}", Self::KIND.title_vi(), self.year, self.volume),
            date: self.date,
            paper: Paper::A4Landscape,
            data: json!({
                "header": form_header(&self.issuer, Some(self.date)),
                "title": Self::KIND.title_vi().to_uppercase(),
                "subtitle": format!("Năm {} – Quyển số: {}", self.year, self.volume),
                "rows": rows,
                "signer": self.signer.as_ref().map(Signer::view),
            }),
        }
    }
}
