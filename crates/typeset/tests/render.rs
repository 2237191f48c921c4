//! Black-box tests of `typeset::render`: every kind renders its example as PDF/A-2b with the
//! expected paper, title and extractable Vietnamese text (checked with poppler's `pdftotext`,
//! `pdfinfo` and `pdftoppm`, which CI installs: a missing tool fails the test), reserved
//! signature boxes land where the PDF draws them, and bad input gives an error naming the field.
//!
//! PDFs and PNG previews go to `target/test-artifacts/docs/` for people to look at.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use typeset::{DocumentKind, RenderError, RenderOptions, Rendered, SignatureRole};
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// `target/test-artifacts/docs`, honouring `CARGO_TARGET_DIR`.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let directory = target.join("test-artifacts").join("docs");
    std::fs::create_dir_all(&directory).expect("create the artifacts directory");
    directory
}

/// Runs a poppler tool; a missing tool is a failure with the fix in the message.
fn poppler(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|error| {
        panic!("{tool} is required for these tests ({error}); install it with `apt-get install -y poppler-utils`")
    });
    assert!(output.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("poppler writes UTF-8")
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write_pdf(name: &str, rendered: &Rendered) -> PathBuf {
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, &rendered.pdf).expect("write the PDF");
    path
}

/// Page size in points from `pdfinfo` ("Page size: 419.528 x 595.276 pts (A5)").
fn page_size(info: &str) -> (f64, f64) {
    let line = info.lines().find(|line| line.starts_with("Page size:")).expect("pdfinfo prints the page size");
    let numbers: Vec<f64> = line.split_whitespace().filter_map(|word| word.parse().ok()).collect();
    (numbers[0], numbers[1])
}

/// The phrases each example must show, exactly (NFC), after whitespace is collapsed.
fn expected_phrases(kind: DocumentKind) -> Vec<&'static str> {
    let mut phrases = vec!["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"];
    phrases.extend(match kind {
        DocumentKind::Receipt => vec![
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "ỦY BAN NHÂN DÂN",
            "PHƯỜNG SÀI GÒN",
            "BỘ PHẬN TIẾP NHẬN",
            "Sài Gòn, ngày 13 tháng 02 năm 2026",
            "Mã hồ sơ: 26740-260213-0007",
            "Tiếp nhận hồ sơ của: Nguyễn Thị Thu Hà",
            "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            "Giấy chứng nhận quyền sử dụng đất (bản sao có chứng thực)",
            "2. Số lượng hồ sơ: 01 (bộ)",
            "08 giờ 35 phút, ngày 13 tháng 02 năm 2026",
            "16 giờ 00 phút, ngày 27 tháng 02 năm 2026",
            "Quyển số: 01, Số thứ tự: 0125",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "Trần Minh Khôi",
        ],
        DocumentKind::SupplementRequest => vec![
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "Sài Gòn, ngày 04 tháng 3 năm 2026",
            "Hồ sơ của: Lê Hoàng Phúc",
            "Đăng ký thành lập hộ kinh doanh",
            "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:",
            "Lý do:",
            "để được hướng dẫn./.",
            "NGƯỜI HƯỚNG DẪN",
            "Phạm Ngọc Ánh",
        ],
        DocumentKind::Refusal => vec![
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            "Sài Gòn, ngày 09 tháng 3 năm 2026",
            "Tiếp nhận hồ sơ của: Võ Thanh Tùng",
            "Nội dung yêu cầu giải quyết: Đăng ký khai tử",
            "Qua xem xét, Ủy ban nhân dân phường Sài Gòn thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
            "Xin thông báo cho Ông/Bà được biết và thực hiện./.",
            "Đặng Thị Mỹ Duyên",
        ],
        DocumentKind::Apology => vec![
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Sài Gòn, ngày 27 tháng 02 năm 2026",
            "Kính gửi: Ông/Bà Nguyễn Thị Thu Hà",
            "Ngày 13 tháng 02 năm 2026, Bộ phận tiếp nhận và trả kết quả phường Sài Gòn tiếp nhận",
            "Mã hồ sơ: 26740-260213-0007",
            "xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào",
            "16 giờ 00 phút, ngày 06 tháng 3 năm 2026",
            "TM. ỦY BAN NHÂN DÂN",
            "KT. CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "Huỳnh Quốc Bảo",
            "Nơi nhận:",
            "- Như trên;",
            "- Lưu: VT, BPTN&TKQ.",
        ],
        DocumentKind::ControlSheet => vec![
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "Mã hồ sơ: 26740-260213-0007",
            "Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Kinh tế, Hạ tầng và Đô thị phường Sài Gòn",
            "Sở Xây dựng Thành phố Hồ Chí Minh",
            "Giao: Bộ phận tiếp nhận và trả kết quả",
            "Quá hạn",
            "Chờ ý kiến Sở Xây dựng",
        ],
        DocumentKind::TrackingBook => vec![
            "SỔ THEO DÕI HỒ SƠ",
            "Năm 2026 – Quyển số: 01",
            "26740-260213-0008",
            "Đăng ký khai sinh",
            "Đăng ký thường trú",
            "Phan Gia Hân",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG",
            "Nguyễn Văn Thắng",
        ],
        DocumentKind::ConsultationRequest => vec![
            "ỦY BAN NHÂN DÂN",
            "PHƯỜNG SÀI GÒN",
            "Số: 45/UBND-KTHTĐT",
            "V/v lấy ý kiến về chỉ giới xây dựng",
            "Sài Gòn, ngày 16 tháng 02 năm 2026",
            "Kính gửi: Sở Xây dựng Thành phố Hồ Chí Minh",
            "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            "trước ngày 24 tháng 02 năm 2026",
            "TM. ỦY BAN NHÂN DÂN",
            "Huỳnh Quốc Bảo",
            "- Lưu: VT, KTHTĐT.",
        ],
        DocumentKind::ConsultationReply => vec![
            "SỞ XÂY DỰNG",
            "Số: 1287/SXD-QLXD",
            "Thành phố Hồ Chí Minh, ngày 23 tháng 02 năm 2026",
            "Kính gửi: Ủy ban nhân dân phường Sài Gòn",
            "Phúc đáp Công văn số 45/UBND-KTHTĐT ngày 16 tháng 02 năm 2026 của Ủy ban nhân dân phường Sài Gòn",
            "KT. GIÁM ĐỐC",
            "PHÓ GIÁM ĐỐC",
            "Trương Thị Kim Loan",
            "- Lưu: VT, QLXD.",
        ],
        DocumentKind::OfficialLetter => vec![
            "Số: 123/UBND-VP",
            "V/v triển khai tiếp nhận hồ sơ trực tuyến toàn trình năm 2026",
            "Sài Gòn, ngày 05 tháng 01 năm 2026",
            "Kính gửi:",
            "- Phòng Văn hóa - Xã hội.",
            "TM. ỦY BAN NHÂN DÂN",
            "CHỦ TỊCH",
            "Nguyễn Văn Thắng",
            "- Thường trực HĐND phường;",
            "- Lưu: VT, VP.",
        ],
    });
    phrases
}

fn expected_paper(kind: DocumentKind) -> (&'static str, f64, f64) {
    match kind {
        DocumentKind::TrackingBook => ("A4 landscape", 841.89, 595.276),
        DocumentKind::ConsultationRequest | DocumentKind::ConsultationReply | DocumentKind::OfficialLetter => {
            ("A4", 595.276, 841.89)
        }
        _ => ("A5", 419.528, 595.276),
    }
}

fn expected_roles(kind: DocumentKind) -> Vec<SignatureRole> {
    match kind {
        DocumentKind::Receipt | DocumentKind::SupplementRequest | DocumentKind::Refusal => vec![SignatureRole::Person],
        DocumentKind::ControlSheet => vec![],
        _ => vec![SignatureRole::Person, SignatureRole::Agency],
    }
}

#[test]
fn every_kind_renders_its_example_as_pdf_a_with_extractable_vietnamese_text() {
    for &kind in DocumentKind::all() {
        let rendered = typeset::render(kind, &kind.example()).unwrap_or_else(|error| panic!("{kind}: {error}"));
        let pdf = write_pdf(kind.name(), &rendered);
        let pdf = pdf.to_str().unwrap();

        let text = poppler("pdftotext", &["-enc", "UTF-8", pdf, "-"]);
        assert!(is_nfc(&text), "{kind}: extracted text is not NFC");
        let text = collapse(&text);
        for phrase in expected_phrases(kind) {
            assert!(text.contains(phrase), "{kind}: {phrase:?} missing from the extracted text:\n{text}");
        }

        let info = poppler("pdfinfo", &[pdf]);
        let (paper, width, height) = expected_paper(kind);
        let (actual_width, actual_height) = page_size(&info);
        assert!(
            (actual_width - width).abs() < 0.5 && (actual_height - height).abs() < 0.5,
            "{kind}: not {paper}:\n{info}"
        );
        assert!(info.contains(&format!("Title:           {}", rendered.title)), "{kind}: title missing:\n{info}");
        assert!(info.lines().any(|line| line.starts_with("CreationDate:")), "{kind}: no creation date:\n{info}");
        let metadata = poppler("pdfinfo", &["-meta", pdf]);
        assert!(
            metadata.contains("pdfaid:part") && metadata.contains("pdfaid:conformance"),
            "{kind}: no PDF/A identification:\n{metadata}"
        );
        assert!(
            collapse(&metadata).contains("<pdfaid:part>2</pdfaid:part>") || metadata.contains("pdfaid:part=\"2\""),
            "{kind}: not PDF/A-2:\n{metadata}"
        );

        let roles: Vec<_> = rendered.signature_boxes.iter().map(|signature| signature.role).collect();
        assert_eq!(roles, expected_roles(kind), "{kind}: signature boxes");
        for signature in &rendered.signature_boxes {
            assert!(signature.page >= 1 && signature.page <= rendered.pages, "{kind}: {signature:?}");
            assert!(
                signature.x >= 0.0 && signature.x + signature.width <= actual_width,
                "{kind}: {signature:?} leaves the page"
            );
            assert!(
                signature.y >= 0.0 && signature.y + signature.height <= actual_height,
                "{kind}: {signature:?} leaves the page"
            );
        }

        let prefix = artifacts().join(kind.name());
        poppler("pdftoppm", &["-png", "-r", "80", pdf, prefix.to_str().unwrap()]);
    }
}

#[test]
fn the_seal_covers_the_left_third_of_the_signature() {
    let rendered = typeset::render(DocumentKind::OfficialLetter, &DocumentKind::OfficialLetter.example()).unwrap();
    let [person, seal] = rendered.signature_boxes.as_slice() else { panic!("{:?}", rendered.signature_boxes) };
    assert_eq!((person.role, seal.role), (SignatureRole::Person, SignatureRole::Agency));
    assert_eq!(person.page, seal.page);
    assert!((seal.x + seal.width - (person.x + person.width / 3.0)).abs() < 0.01, "{person:?} {seal:?}");
    let centre = |signature: &typeset::SignatureBox| signature.y + signature.height / 2.0;
    assert!((centre(person) - centre(seal)).abs() < 0.01);
    // A round seal of 35 mm, at real size.
    assert!((seal.width - 35.0 / 25.4 * 72.0).abs() < 0.01);
}

/// Reads a binary PGM (P5) as written by `pdftoppm -gray`.
fn read_pgm(path: &Path) -> (usize, usize, Vec<u8>) {
    let bytes = std::fs::read(path).expect("read the PGM");
    let mut fields = Vec::new();
    let mut position = 0;
    while fields.len() < 4 {
        while bytes[position].is_ascii_whitespace() {
            position += 1;
        }
        let start = position;
        while !bytes[position].is_ascii_whitespace() {
            position += 1;
        }
        fields.push(String::from_utf8(bytes[start..position].to_vec()).expect("ASCII PGM header"));
    }
    assert_eq!(fields[0], "P5");
    let width: usize = fields[1].parse().expect("PGM width");
    let height: usize = fields[2].parse().expect("PGM height");
    let pixels = bytes[position + 1..].to_vec();
    assert_eq!(pixels.len(), width * height);
    (width, height, pixels)
}

#[test]
fn reserved_boxes_are_where_the_pdf_draws_them() {
    // With outlines on, the PDF draws each reserved box; at 72 dpi one pixel is one point, so
    // the reported rectangles (bottom-left origin) must sit on those drawn edges.
    for kind in [DocumentKind::OfficialLetter, DocumentKind::Receipt] {
        let options = RenderOptions { outline_signature_boxes: true };
        let rendered = typeset::render_with(kind, &kind.example(), &options).unwrap();
        let pdf = write_pdf(&format!("{}-outlined", kind.name()), &rendered);
        let prefix = artifacts().join(format!("{}-outlined", kind.name()));
        poppler("pdftoppm", &["-gray", "-r", "72", "-singlefile", pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
        let (width, height, pixels) = read_pgm(&prefix.with_extension("pgm"));
        let dark = |x: f64, y_from_bottom: f64| {
            let column = x.round() as usize;
            let row = (height as f64 - y_from_bottom).round() as usize;
            (row.saturating_sub(2)..=(row + 2).min(height - 1))
                .flat_map(|row| {
                    (column.saturating_sub(2)..=(column + 2).min(width - 1)).map(move |column| (row, column))
                })
                .any(|(row, column)| pixels[row * width + column] < 200)
        };
        for signature in &rendered.signature_boxes {
            assert_eq!(signature.page, 1);
            let (x, y, w, h) = (signature.x, signature.y, signature.width, signature.height);
            match signature.role {
                SignatureRole::Person => {
                    // Dashed edges: most sample points along the top and bottom edges are near ink.
                    let samples: Vec<f64> = (1..20).map(|step| x + w * f64::from(step) / 20.0).collect();
                    let top = samples.iter().filter(|&&sample| dark(sample, y + h)).count();
                    let bottom = samples.iter().filter(|&&sample| dark(sample, y)).count();
                    assert!(
                        top >= 12 && bottom >= 12,
                        "{kind}: person box not drawn at {signature:?} ({top}, {bottom})"
                    );
                    // Nothing drawn just outside the middle of its left edge, well away from it.
                    assert!(!dark(x - 8.0, y + h / 2.0) || kind == DocumentKind::OfficialLetter, "{kind}");
                }
                SignatureRole::Agency => {
                    // A circle: ink near its leftmost, rightmost, top and bottom points (sampled
                    // a few points along each, since the outline is dashed).
                    let centre = (x + w / 2.0, y + h / 2.0);
                    let radius = w / 2.0;
                    let near = |dx: f64, dy: f64| {
                        (-3..=3).any(|step| {
                            let along = f64::from(step) * 1.5;
                            dark(centre.0 + dx * radius + dy * along, centre.1 + dy * radius + dx * along)
                        })
                    };
                    assert!(
                        near(-1.0, 0.0) && near(1.0, 0.0) && near(0.0, 1.0) && near(0.0, -1.0),
                        "{kind}: seal not drawn at {signature:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn decomposed_input_comes_out_composed() {
    let mut data = DocumentKind::Receipt.example();
    let name = "Nguyễn Thị Thu Hà";
    data["applicant"]["name"] = json!(name.nfd().collect::<String>());
    assert_ne!(data["applicant"]["name"].as_str().unwrap(), name);
    let rendered = typeset::render(DocumentKind::Receipt, &data).unwrap();
    let pdf = write_pdf("receipt-from-nfd", &rendered);
    let text = poppler("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(is_nfc(&text));
    assert!(collapse(&text).contains(&format!("Tiếp nhận hồ sơ của: {name}")));
}

fn error_of(kind: DocumentKind, data: &Value) -> RenderError {
    typeset::render(kind, data).expect_err("should be refused")
}

fn missing(kind: DocumentKind, field: &str) -> RenderError {
    RenderError::MissingField { kind, field: field.to_owned() }
}

fn invalid_field(error: &RenderError) -> Option<&str> {
    match error {
        RenderError::InvalidField { field, .. } => Some(field),
        _ => None,
    }
}

#[test]
fn missing_fields_are_named() {
    let kind = DocumentKind::Receipt;
    let mut data = kind.example();
    data.as_object_mut().unwrap().remove("dossier_code");
    assert_eq!(error_of(kind, &data), missing(kind, "dossier_code"));

    let mut data = kind.example();
    data["applicant"].as_object_mut().unwrap().remove("name");
    assert_eq!(error_of(kind, &data), missing(kind, "applicant.name"));

    let mut data = kind.example();
    data["issuer"]["name"] = json!("   ");
    assert_eq!(error_of(kind, &data), missing(kind, "issuer.name"));

    let mut data = kind.example();
    data["documents"] = json!([]);
    assert_eq!(error_of(kind, &data), missing(kind, "documents"));

    let kind = DocumentKind::OfficialLetter;
    let mut data = kind.example();
    data["issuer"].as_object_mut().unwrap().remove("abbreviation");
    assert_eq!(error_of(kind, &data), missing(kind, "issuer.abbreviation"));

    let mut data = kind.example();
    data["signer"].as_object_mut().unwrap().remove("principal");
    assert_eq!(error_of(kind, &data), missing(kind, "signer.principal"));

    let kind = DocumentKind::ConsultationRequest;
    let mut data = kind.example();
    data.as_object_mut().unwrap().remove("reply_by");
    assert_eq!(error_of(kind, &data), missing(kind, "reply_by"));
    let mut data = kind.example();
    data["questions"] = json!([]);
    assert_eq!(error_of(kind, &data), missing(kind, "questions"));

    let error = error_of(DocumentKind::Refusal, &json!({}));
    assert!(matches!(error, RenderError::MissingField { .. }), "{error}");
    assert!(error.to_string().contains("missing field"), "{error}");
}

#[test]
fn invalid_fields_are_named() {
    let kind = DocumentKind::Receipt;
    let check = |data: Value, field: &str| {
        let error = error_of(kind, &data);
        assert_eq!(invalid_field(&error), Some(field), "{error}");
    };
    let mut data = kind.example();
    data["received_at"] = json!("13/02/2026");
    check(data, "received_at");
    let mut data = kind.example();
    data["return_at"] = json!("2026-02-12T08:00:00");
    check(data, "return_at");
    let mut data = kind.example();
    data["sets"] = json!(0);
    check(data, "sets");
    let mut data = kind.example();
    data["sets"] = json!("một");
    check(data, "sets");
    let mut data = kind.example();
    data["aplicant"] = json!({});
    check(data, "aplicant");
    check(json!("reçu"), ".");

    let kind = DocumentKind::OfficialLetter;
    let check = |data: Value, field: &str| {
        let error = error_of(kind, &data);
        assert_eq!(invalid_field(&error), Some(field), "{error}");
    };
    let mut data = kind.example();
    data["issuer"]["abbreviation"] = json!("ub nd");
    check(data, "issuer.abbreviation");
    let mut data = kind.example();
    data["drafting_unit"] = json!("V-P");
    check(data, "drafting_unit");
    let mut data = kind.example();
    data["number"] = json!(0);
    check(data, "number");
    let mut data = kind.example();
    data["signer"]["authority"] = json!("KT");
    check(data, "signer.authority");
    let mut data = kind.example();
    data["signer"]["authority"] = json!("KT.");
    data["signer"]["deputy_for"] = json!("CHỦ TỊCH");
    check(data, "signer.deputy_for");

    let kind = DocumentKind::Apology;
    let mut data = kind.example();
    data["new_return_at"] = data["promised_at"].clone();
    assert_eq!(invalid_field(&error_of(kind, &data)), Some("new_return_at"));
}

#[test]
fn every_authority_prefix_renders() {
    let kind = DocumentKind::OfficialLetter;
    for (authority, principal, expected) in [
        ("TM.", "ỦY BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN"),
        ("KT.", "CHỦ TỊCH", "KT. CHỦ TỊCH"),
        ("Q.", "CHỦ TỊCH", "Q. CHỦ TỊCH"),
        ("TL.", "CHỦ TỊCH", "TL. CHỦ TỊCH"),
        ("TUQ.", "CHỦ TỊCH", "TUQ. CHỦ TỊCH"),
    ] {
        let mut data = kind.example();
        data["signer"] = json!({"authority": authority, "principal": principal, "position": "CHÁNH VĂN PHÒNG", "name": "Lâm Thị Ngọc Trâm"});
        let rendered = typeset::render(kind, &data).unwrap();
        let pdf = write_pdf(&format!("official-letter-{}", authority.trim_end_matches('.').to_lowercase()), &rendered);
        let text = collapse(&poppler("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]));
        assert!(text.contains(expected), "{authority}: {text}");
        assert_eq!(text.contains("CHÁNH VĂN PHÒNG"), authority != "Q.", "{authority}: {text}");
    }
}

#[test]
fn a_long_letter_numbers_its_pages_from_the_second() {
    let kind = DocumentKind::OfficialLetter;
    let mut data = kind.example();
    let paragraph = "Ủy ban nhân dân phường Sài Gòn đề nghị các đơn vị tiếp tục rà soát, cập nhật đầy đủ thông tin hồ sơ trên hệ thống, bảo đảm công khai, minh bạch và đúng thời hạn giải quyết thủ tục hành chính cho người dân, doanh nghiệp.";
    data["body"] = json!(vec![paragraph; 14]);
    let rendered = typeset::render(kind, &data).unwrap();
    assert!(rendered.pages >= 2, "{}", rendered.pages);
    let pdf = write_pdf("official-letter-long", &rendered);
    let pdf = pdf.to_str().unwrap();
    let first = poppler("pdftotext", &["-enc", "UTF-8", "-f", "1", "-l", "1", pdf, "-"]);
    let second = poppler("pdftotext", &["-enc", "UTF-8", "-f", "2", "-l", "2", pdf, "-"]);
    let first_line = first.lines().map(str::trim).find(|line| !line.is_empty());
    assert!(first_line.is_some_and(|line| line.parse::<u32>().is_err()), "page 1 must show no number:\n{first}");
    assert_eq!(second.lines().map(str::trim).find(|line| !line.is_empty()), Some("2"), "{second}");
    // The signature boxes follow the signer block onto the last page.
    assert!(rendered.signature_boxes.iter().all(|signature| signature.page == rendered.pages));
}

#[test]
fn kinds_have_stable_names() {
    let names: Vec<_> = DocumentKind::all().iter().map(|kind| kind.name()).collect();
    assert_eq!(
        names,
        [
            "receipt",
            "supplement-request",
            "refusal",
            "apology",
            "control-sheet",
            "tracking-book",
            "consultation-request",
            "consultation-reply",
            "official-letter"
        ]
    );
    for &kind in DocumentKind::all() {
        assert_eq!(kind.name().parse::<DocumentKind>(), Ok(kind));
        assert_eq!(kind.name().replace('-', "_").parse::<DocumentKind>(), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.name()));
    }
    let error = "receipts".parse::<DocumentKind>().unwrap_err();
    assert!(error.to_string().contains("official-letter"), "{error}");
}

/// Every leaf of the example must be documented in `fields()`, and every required field must
/// be in the example.
#[test]
fn fields_match_the_examples() {
    fn leaves(value: &Value, prefix: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    leaves(item, path, out);
                }
            }
            Value::Array(items) => match items.first() {
                Some(item @ Value::Object(_)) => leaves(item, format!("{prefix}[]"), out),
                _ => out.push(format!("{prefix}[]")),
            },
            _ => out.push(prefix),
        }
    }
    for &kind in DocumentKind::all() {
        let mut paths = Vec::new();
        leaves(&kind.example(), String::new(), &mut paths);
        let documented: Vec<&str> = kind.fields().iter().map(|field| field.name).collect();
        for path in &paths {
            assert!(documented.contains(&path.as_str()), "{kind}: {path} is not in fields()");
        }
        for field in kind.fields() {
            assert!(!field.description.is_empty());
            if field.required {
                assert!(
                    paths.iter().any(|path| path == field.name),
                    "{kind}: required {} is not in the example",
                    field.name
                );
            }
        }
        let unique: std::collections::HashSet<_> = documented.iter().collect();
        assert_eq!(unique.len(), documented.len(), "{kind}: duplicate field docs");
    }
}
