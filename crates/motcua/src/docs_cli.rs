//! `motcua pki init`, `motcua render`, `motcua sign`, `motcua verify`: official documents and
//! their digital signatures from the command line (issue 7). The work is in the `docs` and
//! `signing` crates; this module reads files, parses options and prints.
//!
//! `render` writes the rectangles it reserved for the signatures next to the PDF
//! (`FILE.pdf.boxes.json`), and `sign` reads them from there (or from `--box`), so that nothing
//! here knows a template's coordinates.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use signing::{Appearance, P12Signer, Role, SignOptions, SignatureBox, SignatureStatus, VerifyOptions};
use typeset::DocumentKind;

use crate::input::InputError;

/// `motcua pki ...`.
#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Tạo bộ chứng thư số dùng thử / a demo root CA with PKCS#12 files for a unit head
    /// (person) and for the unit (agency). For trying things out only.
    Init {
        /// Thư mục đầu ra / output directory (created; existing files are not overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Tên đơn vị / the unit's name (O of both certificates).
        #[arg(long, default_value = "Ủy ban nhân dân phường Sài Gòn")]
        unit: String,
        /// Họ tên thủ trưởng / the unit head's full name.
        #[arg(long, default_value = "Nguyễn Văn An")]
        person: String,
        /// Khóa RSA-2048 thay cho ECDSA P-256 / RSA-2048 keys instead of ECDSA P-256.
        #[arg(long)]
        rsa: bool,
    },
}

/// `motcua render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Loại văn bản / the document kind (see --list).
    kind: Option<String>,
    /// Liệt kê các loại văn bản và trường dữ liệu / list the kinds, one per line, with their fields.
    #[arg(long, conflicts_with_all = ["data", "example", "out"])]
    list: bool,
    /// Dữ liệu JSON / the document's data (JSON).
    #[arg(long, conflicts_with = "example")]
    data: Option<PathBuf>,
    /// Dùng dữ liệu mẫu có sẵn / render the built-in example.
    #[arg(long)]
    example: bool,
    /// Tệp PDF đầu ra / the PDF to write (its signature boxes go to FILE.boxes.json beside it).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Who signs.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Người có thẩm quyền / the competent person (signs first).
    Person,
    /// Cơ quan, tổ chức / the issuing body (signs after the person).
    Agency,
}

/// `motcua sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Tệp PDF cần ký / the PDF to sign.
    file: PathBuf,
    /// Tệp khóa PKCS#12 / the PKCS#12 key file.
    #[arg(long)]
    p12: PathBuf,
    /// Tệp chứa mật khẩu (dòng đầu) / a file whose first line is the PKCS#12 password
    /// (otherwise MOTCUA_P12_PASSWORD).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Vai trò / the signer's role.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// Tệp PDF đã ký / the signed PDF to write.
    #[arg(long)]
    out: PathBuf,
    /// Ảnh chữ ký hoặc con dấu (PNG trong suốt) / the signature image (person) or seal image
    /// (agency), a transparent PNG; without it the signer's name is drawn.
    #[arg(long)]
    image: Option<PathBuf>,
    /// Vị trí: TRANG,X,Y,RỘNG,CAO (điểm PDF, trang từ 1) / where: PAGE,X,Y,WIDTH,HEIGHT in PDF
    /// points from the bottom-left, page from 1 (default: the box `render` reserved for the role).
    #[arg(long = "box")]
    area: Option<String>,
    /// Ký ẩn (không hiển thị) / an invisible signature.
    #[arg(long, conflicts_with_all = ["image", "area"])]
    invisible: bool,
    /// Danh sách thu hồi (CRL, PEM hoặc DER) / a certificate revocation list to check first.
    #[arg(long)]
    crl: Option<PathBuf>,
}

/// `motcua verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Tệp PDF / the PDF to check.
    file: PathBuf,
    /// Chứng thư gốc tin cậy (PEM/DER), có thể lặp lại / a trusted root certificate; repeatable.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Danh sách thu hồi (CRL) / a certificate revocation list.
    #[arg(long)]
    crl: Option<PathBuf>,
}

/// A signing or rendering refusal: the library's message and stable code, exit status 2.
#[derive(Debug)]
pub struct DocumentError {
    /// "Vietnamese / English".
    pub message: String,
    /// Stable code (`WRONG_PASSWORD`, `MISSING_FIELD`, …).
    pub code: &'static str,
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for DocumentError {}

impl From<signing::SigningError> for DocumentError {
    fn from(error: signing::SigningError) -> DocumentError {
        DocumentError { message: error.to_string(), code: error.code() }
    }
}

impl From<typeset::RenderError> for DocumentError {
    fn from(error: typeset::RenderError) -> DocumentError {
        let code = match &error {
            typeset::RenderError::MissingField { .. } => "MISSING_FIELD",
            typeset::RenderError::InvalidField { .. } => "INVALID_FIELD",
            typeset::RenderError::Template { .. } => "TEMPLATE_ERROR",
            typeset::RenderError::Pdf { .. } => "PDF_EXPORT_ERROR",
        };
        DocumentError { message: error.to_string(), code }
    }
}

/// `verify` found a signature that is not valid and trusted (exit status 1; lines printed).
#[derive(Debug)]
pub struct NotVerified(pub String);

impl std::fmt::Display for NotVerified {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for NotVerified {}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|error| {
            InputError(format!("không đọc được {what} / cannot read the {what} {}: {error}", path.display()))
        })
        .map_err(anyhow::Error::from)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so that a failed
/// write never leaves half a document.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let directory = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| InputError(format!("không phải tên tệp / not a file name: {}", path.display())))?;
    let temporary = directory.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    std::fs::write(&temporary, bytes)
        .map_err(|error| InputError(format!("không ghi được / cannot write {}: {error}", temporary.display())))?;
    std::fs::rename(&temporary, path).with_context(|| format!("rename to {}", path.display()))?;
    Ok(())
}

/// Where `render` leaves the signature boxes of `pdf`.
fn boxes_path(pdf: &Path) -> PathBuf {
    let mut name = pdf.as_os_str().to_owned();
    name.push(".boxes.json");
    PathBuf::from(name)
}

/// `motcua pki init`.
pub fn pki(command: PkiCommand) -> Result<()> {
    let PkiCommand::Init { out, unit, person, rsa } = command;
    let mut options = signing::pki::DemoPkiOptions::new(jiff::Timestamp::now());
    options.unit_name = unit;
    options.person_name = person;
    if rsa {
        options.key_algorithm = signing::pki::KeyAlgorithm::Rsa2048;
    }
    let pki = signing::pki::DemoPki::generate(&options).map_err(DocumentError::from)?;
    let mut files = pki.files().map_err(DocumentError::from)?;
    files.push(("password.txt", format!("{}\n", options.password).into_bytes()));
    for (name, _) in &files {
        if out.join(name).exists() {
            return Err(InputError(format!(
                "tệp đã có, không ghi đè / {} exists; not overwritten",
                out.join(name).display()
            ))
            .into());
        }
    }
    std::fs::create_dir_all(&out)
        .map_err(|error| InputError(format!("không tạo được thư mục / cannot create {}: {error}", out.display())))?;
    for (name, bytes) in &files {
        write_atomically(&out.join(name), bytes)?;
    }
    println!("đã tạo / created in {}:", out.display());
    for (name, _) in &files {
        println!("  {name}");
    }
    println!("chỉ dùng thử, không có giá trị pháp lý / for trying out only, no legal value; password in password.txt");
    Ok(())
}

/// `motcua render`.
pub fn render(args: RenderArgs) -> Result<()> {
    if args.list {
        for kind in DocumentKind::ALL {
            let fields: Vec<String> = kind
                .fields()
                .iter()
                .map(|field| if field.required { field.name.to_owned() } else { format!("[{}]", field.name) })
                .collect();
            println!("{}\t{}\t{}", kind.name(), kind.title_vi(), fields.join(" "));
        }
        return Ok(());
    }
    let Some(name) = args.kind else {
        return Err(InputError("cần loại văn bản hoặc --list / needs a document kind or --list".to_owned()).into());
    };
    let kind: DocumentKind = name.parse().map_err(|error: typeset::ParseKindError| InputError(error.to_string()))?;
    let Some(out) = args.out else {
        return Err(InputError("cần --out FILE.pdf / needs --out FILE.pdf".to_owned()).into());
    };
    let data = match (args.data, args.example) {
        (Some(path), false) => {
            let text = read(&path, "dữ liệu / data")?;
            serde_json::from_slice(&text).map_err(|error| {
                InputError(format!("JSON không hợp lệ / invalid JSON in {}: {error}", path.display()))
            })?
        }
        (None, true) => kind.example(),
        _ => {
            return Err(InputError(
                "cần --data FILE.json hoặc --example / needs --data FILE.json or --example".to_owned(),
            )
            .into());
        }
    };
    let rendered = typeset::render(kind, &data).map_err(DocumentError::from)?;
    write_atomically(&out, &rendered.pdf)?;
    let boxes = serde_json::to_vec_pretty(&rendered.signature_boxes)?;
    write_atomically(&boxes_path(&out), &boxes)?;
    println!("{} ({} trang / pages, {} bytes) → {}", rendered.title, rendered.pages, rendered.pdf.len(), out.display());
    Ok(())
}

/// A `--box` value: PAGE,X,Y,WIDTH,HEIGHT with the page from 1.
fn parse_box(text: &str) -> Result<SignatureBox> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let invalid =
        || InputError(format!("--box cần TRANG,X,Y,RỘNG,CAO / --box needs PAGE,X,Y,WIDTH,HEIGHT, not {text:?}"));
    let [page, x, y, width, height] = parts.as_slice() else {
        return Err(invalid().into());
    };
    let page: usize = page.parse().map_err(|_| invalid())?;
    let number = |value: &str| value.parse::<f32>().map_err(|_| invalid());
    if page == 0 {
        return Err(invalid().into());
    }
    Ok(SignatureBox::new(page - 1, number(x)?, number(y)?, number(width)?, number(height)?))
}

/// The box `render` reserved for `role` in the sidecar next to `pdf`, if any.
fn reserved_box(pdf: &Path, role: RoleArg) -> Result<Option<SignatureBox>> {
    let path = boxes_path(pdf);
    let Ok(text) = std::fs::read(&path) else {
        return Ok(None);
    };
    let boxes: Vec<serde_json::Value> = serde_json::from_slice(&text).map_err(|error| {
        InputError(format!("tệp vị trí chữ ký hỏng / bad signature boxes {}: {error}", path.display()))
    })?;
    let wanted = match role {
        RoleArg::Person => "person",
        RoleArg::Agency => "agency",
    };
    for entry in boxes {
        if entry["role"] != wanted {
            continue;
        }
        let number = |key: &str| entry[key].as_f64().map(|value| value as f32);
        let page = entry["page"].as_u64().and_then(|page| usize::try_from(page).ok()).filter(|page| *page > 0);
        let (Some(page), Some(x), Some(y), Some(width), Some(height)) =
            (page, number("x"), number("y"), number("width"), number("height"))
        else {
            return Err(InputError(format!("tệp vị trí chữ ký hỏng / bad signature boxes {}", path.display())).into());
        };
        return Ok(Some(SignatureBox::new(page - 1, x, y, width, height)));
    }
    Ok(None)
}

fn password(args: &SignArgs) -> Result<String> {
    if let Some(path) = &args.password_file {
        let text = read(path, "tệp mật khẩu / password file")?;
        let text = String::from_utf8(text).map_err(|_| {
            InputError(format!("mật khẩu không phải UTF-8 / the password in {} is not UTF-8", path.display()))
        })?;
        return Ok(text.lines().next().unwrap_or_default().to_owned());
    }
    std::env::var("MOTCUA_P12_PASSWORD").map_err(|_| {
        InputError(
            "cần --password-file hoặc MOTCUA_P12_PASSWORD / needs --password-file or MOTCUA_P12_PASSWORD".to_owned(),
        )
        .into()
    })
}

/// `motcua sign`.
pub fn sign(args: SignArgs) -> Result<()> {
    let pdf = read(&args.file, "tệp PDF / PDF")?;
    let p12 = read(&args.p12, "tệp khóa / key file")?;
    let signer = P12Signer::open(&p12, &password(&args)?).map_err(DocumentError::from)?;
    let image = args.image.as_deref().map(|path| read(path, "ảnh / image")).transpose()?;
    let area = match &args.area {
        Some(text) => Some(parse_box(text)?),
        None if args.invisible => None,
        None => reserved_box(&args.file, args.role)?,
    };
    let name = signer.common_name().unwrap_or_default();
    let (role, appearance) = match (args.role, area) {
        (_, None) => {
            (if matches!(args.role, RoleArg::Person) { Role::Person } else { Role::Agency }, Appearance::Invisible)
        }
        (RoleArg::Person, Some(area)) => {
            (Role::Person, Appearance::PersonSignature { area, image_png: image, signer_name: name.clone() })
        }
        (RoleArg::Agency, Some(area)) => {
            (Role::Agency, Appearance::AgencySeal { area, seal_png: image, agency_name: name.clone() })
        }
    };
    let mut options = SignOptions::new(role, appearance, jiff::Timestamp::now());
    options.location = Some("Thành phố Hồ Chí Minh".to_owned());
    if let Some(path) = &args.crl {
        options.revocation.add_crl(&read(path, "CRL")?).map_err(DocumentError::from)?;
    }
    let signed = signer.sign_pdf(&pdf, &options).map_err(DocumentError::from)?;
    // Said after signing succeeded, so that a refusal stays one line.
    if options.appearance.area().is_none() && !args.invisible {
        eprintln!(
            "motcua: không có vị trí chữ ký (--box hoặc {}), đã ký ẩn / no signature box (--box or {}), signed invisibly",
            boxes_path(&args.file).display(),
            boxes_path(&args.file).display()
        );
    }
    write_atomically(&args.out, &signed)?;
    // The boxes travel with the document, so that the agency can sign the person's output.
    if let Ok(boxes) = std::fs::read(boxes_path(&args.file))
        && boxes_path(&args.file) != boxes_path(&args.out)
    {
        write_atomically(&boxes_path(&args.out), &boxes)?;
    }
    println!("đã ký / signed ({}, {name}) → {}", role_text(role), args.out.display());
    Ok(())
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Person => "người có thẩm quyền / person",
        Role::Agency => "cơ quan / agency",
    }
}

/// `motcua verify`: one line per signature; an error (exit 1) unless all are valid and trusted.
pub fn verify(args: VerifyArgs) -> Result<()> {
    let pdf = read(&args.file, "tệp PDF / PDF")?;
    let mut options = VerifyOptions::new();
    for path in &args.trust {
        options.add_trust_anchors(&read(path, "chứng thư tin cậy / trust anchor")?).map_err(DocumentError::from)?;
    }
    if let Some(path) = &args.crl {
        options.revocation.add_crl(&read(path, "CRL")?).map_err(DocumentError::from)?;
    }
    let reports = signing::verify(&pdf, &options).map_err(DocumentError::from)?;
    if reports.is_empty() {
        return Err(NotVerified("tệp không có chữ ký số / the file has no digital signature".to_owned()).into());
    }
    let vietnam = jiff::tz::TimeZone::fixed(jiff::tz::offset(7));
    for (index, report) in reports.iter().enumerate() {
        let signer = report.signer_common_name.as_deref().unwrap_or("?");
        let organization = report.signer_organization.as_deref().map(|o| format!(" ({o})")).unwrap_or_default();
        let role = report.role.map(role_text).unwrap_or("?");
        let time = report
            .signing_time
            .map(|instant| instant.to_zoned(vietnam.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_else(|| "?".to_owned());
        let reason = report.reason.as_deref().unwrap_or("");
        let findings: Vec<String> = report.findings.iter().map(|finding| finding.code.to_owned()).collect();
        let findings = if findings.is_empty() { String::new() } else { format!(" [{}]", findings.join(", ")) };
        println!(
            "{}. {} {}: {} / {} — {signer}{organization}, {role}, {time}, {reason}{findings}",
            index + 1,
            report.status.code(),
            report.field_name,
            report.status.message_vi(),
            report.status.message_en(),
        );
    }
    let failed = reports.iter().filter(|report| report.status != SignatureStatus::Valid).count();
    if failed > 0 {
        return Err(NotVerified(format!(
            "{failed}/{} chữ ký không hợp lệ hoặc không tin cậy / signatures not valid and trusted",
            reports.len()
        ))
        .into());
    }
    Ok(())
}
