//! Shared helpers of the signing tests and the benchmark: sample PDFs and PNGs, the demo PKI,
//! temporary directories, and the external arbiters (Poppler's pdfsig with an NSS database,
//! OpenSSL).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use signing::pki::{DemoPki, DemoPkiOptions};

pub const PASSWORD: &str = "motcua-demo";

/// A PDF with `pages` A4 pages of text (uncompressed, about 3.5 KB a page), saved with a
/// cross-reference table, or with object streams and a cross-reference stream.
pub fn sample_pdf(pages: usize, xref_stream: bool) -> Vec<u8> {
    let mut document = Document::with_version("1.7");
    let pages_id = document.new_object_id();
    let font_id = document.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Times-Roman",
    });
    let resources_id = document.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for page in 0..pages {
        let mut operations = vec![Operation::new("BT", vec![]), Operation::new("Tf", vec!["F1".into(), 11.into()])];
        for line in 0..48 {
            operations.push(Operation::new(
                "Td",
                vec![if line == 0 { 72.into() } else { 0.into() }, if line == 0 { 780.into() } else { (-15).into() }],
            ));
            operations.push(Operation::new(
                "Tj",
                vec![Object::string_literal(format!(
                    "Page {} line {line}: Quyet dinh ve viec giai quyet ho so.",
                    page + 1
                ))],
            ));
        }
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations };
        let content_id = document.add_object(Stream::new(dictionary! {}, content.encode().expect("content")));
        let page_id = document.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(page_id.into());
    }
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => i64::try_from(pages).expect("pages"),
            "Resources" => resources_id,
        }),
    );
    let catalog_id = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog_id);
    document.trailer.set(
        "ID",
        vec![
            Object::String(vec![1; 16], lopdf::StringFormat::Hexadecimal),
            Object::String(vec![2; 16], lopdf::StringFormat::Hexadecimal),
        ],
    );
    let mut bytes = Vec::new();
    if xref_stream {
        document.save_modern(&mut bytes).expect("save with an xref stream");
        assert!(bytes.windows(10).any(|window| window == b"/Type/XRef" || window == b"/Type /XRe"), "an xref stream");
    } else {
        document.save_to(&mut bytes).expect("save");
        assert!(bytes.windows(5).any(|window| window == b"xref\n"), "an xref table");
    }
    bytes
}

/// A `width`×`height` RGBA PNG: a transparent background with an opaque ring (`colour`) and,
/// for signatures, a diagonal stroke.
pub fn sample_png(width: u32, height: u32, colour: [u8; 3], stroke: bool) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 4) as usize);
    let (centre_x, centre_y) = (width as f32 / 2.0, height as f32 / 2.0);
    let radius = width.min(height) as f32 / 2.0 - 2.0;
    for y in 0..height {
        for x in 0..width {
            let distance = ((x as f32 - centre_x).powi(2) + (y as f32 - centre_y).powi(2)).sqrt();
            let on_ring = !stroke && (distance - radius).abs() < 2.0;
            let on_stroke = stroke && ((x as f32 * height as f32 / width as f32) - y as f32).abs() < 2.0;
            let alpha = if on_ring || on_stroke { 255 } else { 0 };
            pixels.extend_from_slice(&[colour[0], colour[1], colour[2], alpha]);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        writer.write_image_data(&pixels).expect("png data");
    }
    out
}

/// The demo PKI, generated once per test binary.
pub fn demo() -> &'static DemoPki {
    static DEMO: OnceLock<DemoPki> = OnceLock::new();
    DEMO.get_or_init(|| DemoPki::generate(&DemoPkiOptions::new(Timestamp::now())).expect("demo PKI"))
}

pub fn fixture(name: &str) -> Vec<u8> {
    let pem = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).expect("fixture");
    let (label, der) = der::pem::decode_vec(&pem).expect("PEM fixture");
    assert_eq!(label, "PRIVATE KEY");
    der
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "motcua-signing-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("temporary directory");
        TempDir(path)
    }

    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write temporary file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `program` with `arguments`; panics (never skips) when the tool is missing.
pub fn run(program: &str, arguments: &[&str]) -> (bool, String) {
    let output = Command::new(program).args(arguments).output().unwrap_or_else(|error| {
        panic!("{program} is required by the signing tests (apt-get install -y poppler-utils libnss3-tools openssl): {error}")
    });
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// An NSS database in `directory` trusting `ca_pem` for e-mail signing (what pdfsig checks).
pub fn nss_database(directory: &TempDir, ca_pem: &[u8]) -> String {
    let database = format!("sql:{}", directory.0.display());
    let (created, output) = run("certutil", &["-N", "--empty-password", "-d", &database]);
    assert!(created, "certutil -N: {output}");
    let ca = directory.file("ca.pem", ca_pem);
    let (added, output) = run(
        "certutil",
        &["-A", "-d", &database, "-n", "motcua-demo-ca", "-t", "CT,C,C", "-a", "-i", ca.to_str().expect("path")],
    );
    assert!(added, "certutil -A: {output}");
    database
}

/// pdfsig's report on `pdf`, with the demo CA trusted. pdfsig exits 0 even for invalid
/// signatures, so callers read the text.
pub fn pdfsig(pdf: &[u8], ca_pem: &[u8]) -> String {
    let directory = TempDir::new("pdfsig");
    let database = nss_database(&directory, ca_pem);
    let path = directory.file("document.pdf", pdf);
    let (_, output) = run("pdfsig", &["-nssdir", &database, path.to_str().expect("path")]);
    output
}

/// The blocks of pdfsig's output, one per signature.
pub fn pdfsig_blocks(output: &str) -> Vec<String> {
    output.split("Signature #").skip(1).map(str::to_string).collect()
}
