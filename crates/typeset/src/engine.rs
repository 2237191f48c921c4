//! typst as a library: a static engine (fonts, font book, standard library and templates, all
//! loaded once), a per-render [`World`] that adds `/data.json`, and the PDF/A-2b export.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::json;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Label, Selector, Smart};
use typst::introspection::{Introspector, MetadataElem};
use typst::syntax::{DiagSpan, DiagSpanKind, FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::{LazyHash, PicoStr};
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::error::RenderError;
use crate::kind::DocumentKind;
use crate::model::{Paper, View};

/// A rendered document.
///
/// Invariant: `pdf` is a complete PDF/A-2b file whose document title is `title`; every box in
/// `signature_boxes` lies inside the page it names.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF/A-2b bytes.
    pub pdf: Vec<u8>,
    /// The document title written in the PDF metadata (Vietnamese, NFC).
    pub title: String,
    /// The number of pages.
    pub pages: usize,
    /// The reserved rectangles for signature appearances, in document order (person first).
    pub signature_boxes: Vec<SignatureBox>,
    /// typst's warnings. The templates produce none (a test checks the examples); callers may
    /// log any that appear for unusual data.
    pub warnings: Vec<String>,
}

/// A rectangle reserved for a signature appearance, in PDF user space.
///
/// Invariant: `page` starts at 1; `x`, `y`, `width` and `height` are in PDF points (1/72 inch)
/// with the origin at the bottom-left corner of the page, as a PDF `/Rect` expects.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignatureBox {
    /// Whose appearance goes in the box.
    pub role: SignatureRole,
    /// The page, from 1.
    pub page: usize,
    /// Left edge, points from the left of the page.
    pub x: f64,
    /// Bottom edge, points from the bottom of the page.
    pub y: f64,
    /// Width in points.
    pub width: f64,
    /// Height in points.
    pub height: f64,
}

/// Who signs in a [`SignatureBox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureRole {
    /// The competent person's signature image (blue, transparent PNG), centred between the
    /// position line and the name (Decree 30 Annex I §II.7d).
    Person,
    /// The agency's seal at its real size (red, transparent PNG), over the left third of the
    /// person's signature (Annex I §II.8a).
    Agency,
}

/// Options of [`render_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Draw a thin dashed outline around the reserved signature boxes (for previews and layout
    /// work; never on a document that will be signed).
    pub outline_signature_boxes: bool,
}

/// Renders `data` as a PDF/A-2b document of `kind` with `options`. See [`crate::render`].
pub fn render_with(
    kind: DocumentKind,
    data: &serde_json::Value,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    check_text(kind, data, &mut String::new())?;
    let view = kind.prepare(data)?;
    let compiled = compile(kind, &view, options)?;
    let pdf = export(kind, &view, &compiled.document)?;
    // Keep the memo caches of the last few compilations only (the engine is long-lived).
    typst::comemo::evict(10);
    Ok(Rendered {
        pdf,
        title: view.title,
        pages: compiled.document.pages().len(),
        signature_boxes: compiled.signature_boxes,
        warnings: compiled.warnings,
    })
}

/// The longest text one field may hold: PDF/A-2 limits a PDF string to 32,767 bytes, and a
/// paragraph's glyphs may be written as one string of four hex digits per glyph.
pub const MAX_TEXT_CHARS: usize = 5_000;

/// Whether the shipped fonts can show `c` (line breaks and tabs are layout, not glyphs). PDF/A
/// forbids text drawn without a glyph, so a character outside the fonts cannot be exported.
pub fn printable(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t')
        || Engine::get().is_ok_and(|engine| engine.fonts.iter().any(|font| font.info().coverage.contains(u32::from(c))))
}

/// Refuses, with the field's path, text the PDF/A export would refuse: characters the fonts do
/// not have (emoji, control characters, scripts other than Latin, Greek and Cyrillic) and
/// over-long strings.
fn check_text(kind: DocumentKind, value: &serde_json::Value, path: &mut String) -> Result<(), RenderError> {
    let invalid = |path: &str, reason: String| RenderError::InvalidField {
        kind,
        field: if path.is_empty() { ".".to_owned() } else { path.to_owned() },
        reason,
    };
    match value {
        serde_json::Value::String(text) => {
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(invalid(
                    path,
                    format!("dài quá {MAX_TEXT_CHARS} ký tự / longer than {MAX_TEXT_CHARS} characters"),
                ));
            }
            if let Some(c) = text.chars().find(|c| !printable(*c)) {
                return Err(invalid(
                    path,
                    format!(
                        "ký tự U+{:04X} không in được bằng phông chữ của văn bản / character U+{:04X} cannot be printed with the document's fonts",
                        u32::from(c),
                        u32::from(c)
                    ),
                ));
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                check_text(kind, item, path)?;
                path.truncate(length);
            }
        }
        serde_json::Value::Object(fields) => {
            for (name, item) in fields {
                let length = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                check_text(kind, item, path)?;
                path.truncate(length);
            }
        }
        _ => {}
    }
    Ok(())
}

/// A compiled document with its reserved boxes and typst's warnings.
pub(crate) struct Compiled {
    pub document: PagedDocument,
    pub signature_boxes: Vec<SignatureBox>,
    pub warnings: Vec<String>,
}

/// Fonts shipped in `fonts/` (Liberation Serif 2.1.5, SIL OFL 1.1; see `fonts/OFL.txt`).
const FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf"),
];

/// Templates, by virtual path. Every document template imports `/decree30.typ`.
const TEMPLATES: [(&str, &str); 10] = [
    ("/decree30.typ", include_str!("../templates/decree30.typ")),
    ("/receipt.typ", include_str!("../templates/receipt.typ")),
    ("/supplement-request.typ", include_str!("../templates/supplement-request.typ")),
    ("/refusal.typ", include_str!("../templates/refusal.typ")),
    ("/apology.typ", include_str!("../templates/apology.typ")),
    ("/control-sheet.typ", include_str!("../templates/control-sheet.typ")),
    ("/tracking-book.typ", include_str!("../templates/tracking-book.typ")),
    ("/consultation-request.typ", include_str!("../templates/consultation-request.typ")),
    ("/consultation-reply.typ", include_str!("../templates/consultation-reply.typ")),
    ("/official-letter.typ", include_str!("../templates/official-letter.typ")),
];

/// The label of the metadata the templates put in each reserved signature box.
const SIGNATURE_LABEL: &str = "motcua-signature";

/// Everything that is the same for every render. File ids are interned once: typst keeps at
/// most 2^16 of them for the life of the process, so there is never one per request.
struct Engine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    sources: HashMap<FileId, Source>,
    data: FileId,
    standards: PdfStandards,
}

static ENGINE: LazyLock<Result<Engine, String>> = LazyLock::new(Engine::new);

/// One render: the shared engine plus this document's main file and data.
struct RenderWorld<'a> {
    engine: &'a Engine,
    main: FileId,
    data: Bytes,
}

/// What a template's signature metadata holds.
#[derive(Deserialize)]
struct BoxMetadata {
    role: String,
    width: f64,
    height: f64,
}

impl Engine {
    fn new() -> Result<Engine, String> {
        let fonts: Vec<Font> = FONTS.iter().flat_map(|data| Font::iter(Bytes::new(*data))).collect();
        if fonts.len() != FONTS.len() {
            return Err(format!("expected {} fonts, loaded {}", FONTS.len(), fonts.len()));
        }
        let mut sources = HashMap::new();
        for (path, text) in TEMPLATES {
            sources.insert(file_id(path)?, Source::new(file_id(path)?, text.to_owned()));
        }
        let standards = PdfStandards::new(&[PdfStandard::A_2b]).map_err(|error| error.message().to_string())?;
        Ok(Engine {
            library: LazyHash::new(<Library as LibraryExt>::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            sources,
            data: file_id("/data.json")?,
            standards,
        })
    }

    fn get() -> Result<&'static Engine, String> {
        ENGINE.as_ref().map_err(Clone::clone)
    }
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.engine.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.engine.sources.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.engine.data {
            return Ok(self.data.clone());
        }
        match self.engine.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.text().to_owned())),
            None => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.get(index).cloned()
    }

    /// Templates never ask for today's date: every date comes from the data.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Compiles the template of `kind` over `view`, and reads back the reserved boxes.
pub(crate) fn compile(kind: DocumentKind, view: &View, options: &RenderOptions) -> Result<Compiled, RenderError> {
    let engine = Engine::get().map_err(|message| RenderError::Template { kind, message })?;
    let main =
        file_id(&format!("/{}.typ", kind.template())).map_err(|message| RenderError::Template { kind, message })?;
    let mut data = view.data.clone();
    data["paper"] = json!(match view.paper {
        Paper::A4 => "a4",
        Paper::A5 => "a5",
        Paper::A4Landscape => "a4-landscape",
    });
    data["pdf_title"] = json!(view.title);
    data["outline_boxes"] = json!(options.outline_signature_boxes);
    let bytes =
        serde_json::to_vec(&data).map_err(|error| RenderError::Template { kind, message: error.to_string() })?;
    let world = RenderWorld { engine, main, data: Bytes::new(bytes) };
    let warned = typst::compile::<PagedDocument>(&world);
    let document = warned.output.map_err(|errors| RenderError::Template { kind, message: diagnostics(&errors) })?;
    let signature_boxes = signature_boxes(&document).map_err(|message| RenderError::Template { kind, message })?;
    let warnings = warned.warnings.iter().map(|warning| warning.message.to_string()).collect();
    Ok(Compiled { document, signature_boxes, warnings })
}

/// Exports a PDF/A-2b with the view's date as creation date (00:00, Vietnam time).
fn export(kind: DocumentKind, view: &View, document: &PagedDocument) -> Result<Vec<u8>, RenderError> {
    let pdf_error = |message: String| RenderError::Pdf { kind, message };
    let engine = Engine::get().map_err(pdf_error)?;
    let date = view.date;
    let timestamp = u8::try_from(date.month())
        .ok()
        .zip(u8::try_from(date.day()).ok())
        .and_then(|(month, day)| Datetime::from_ymd_hms(i32::from(date.year()), month, day, 0, 0, 0))
        .and_then(|datetime| Timestamp::new_local(datetime, 7 * 60))
        .ok_or_else(|| pdf_error(format!("date {date} out of range")))?;
    let options = PdfOptions {
        ident: Smart::Custom(format!("motcua/{kind}/{}", view.title)),
        timestamp: Some(timestamp),
        standards: engine.standards.clone(),
        ..PdfOptions::default()
    };
    typst_pdf::pdf(document, &options).map_err(|errors| pdf_error(diagnostics(&errors)))
}

/// The boxes the template marked with `<motcua-signature>` metadata, converted to PDF user
/// space (points, origin bottom-left).
fn signature_boxes(document: &PagedDocument) -> Result<Vec<SignatureBox>, String> {
    let label = Label::new(PicoStr::intern(SIGNATURE_LABEL)).ok_or("empty label")?;
    let introspector = document.introspector();
    let mut boxes = Vec::new();
    for content in introspector.query(&Selector::Label(label)) {
        let metadata = content.to_packed::<MetadataElem>().ok_or("signature label on something other than metadata")?;
        let value = serde_json::to_value(&metadata.value).map_err(|error| error.to_string())?;
        let meta: BoxMetadata =
            serde_json::from_value(value).map_err(|error| format!("signature metadata: {error}"))?;
        let location = content.location().ok_or("signature metadata without location")?;
        let position = introspector.position(location).ok_or("signature metadata without position")?;
        let page = position.page.get();
        let page_height =
            document.pages().get(page - 1).ok_or("signature box on a missing page")?.frame.height().to_pt();
        let role = match meta.role.as_str() {
            "person" => SignatureRole::Person,
            "agency" => SignatureRole::Agency,
            other => return Err(format!("unknown signature role {other:?}")),
        };
        boxes.push(SignatureBox {
            role,
            page,
            x: position.point.x.to_pt(),
            y: page_height - position.point.y.to_pt() - meta.height,
            width: meta.width,
            height: meta.height,
        });
    }
    Ok(boxes)
}

fn file_id(path: &str) -> Result<FileId, String> {
    let path = VirtualPath::new(path).map_err(|error| format!("{path}: {error:?}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, path)))
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.get().vpath().get_with_slash()))
}

/// typst's diagnostics, one per line, with "file:line: " when the span points into a template.
fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|error| {
            let hints: String = error.hints.iter().map(|hint| format!(" (hint: {})", hint.v)).collect();
            format!("{}{}{hints}", location(error.span), error.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn location(span: DiagSpan) -> String {
    let (id, range) = match span.get() {
        DiagSpanKind::Detached => return String::new(),
        DiagSpanKind::Range { id, range } => (id, Some(range)),
        DiagSpanKind::Number { id, num, sub_range } => {
            let range = Engine::get()
                .ok()
                .and_then(|engine| engine.sources.get(&id))
                .and_then(|source| source.range(num, sub_range));
            (id, range)
        }
    };
    let line = range.and_then(|range| {
        let source = Engine::get().ok()?.sources.get(&id)?;
        source.lines().byte_to_line(range.start)
    });
    match line {
        Some(line) => format!("{}:{}: ", id.get().vpath().get_with_slash(), line + 1),
        None => format!("{}: ", id.get().vpath().get_with_slash()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_four_fonts_and_every_template_once() {
        let engine = Engine::get().unwrap();
        assert_eq!(engine.fonts.len(), 4);
        assert_eq!(engine.sources.len(), TEMPLATES.len());
        let families: Vec<_> = engine.fonts.iter().map(|font| font.info().family.clone()).collect();
        assert!(families.iter().all(|family| family == "Liberation Serif"), "{families:?}");
    }

    #[test]
    fn examples_compile_without_warnings() {
        // typst warns, for instance, about a font family it does not know; templates must not.
        for &kind in DocumentKind::all() {
            let view = kind.prepare(&kind.example()).unwrap();
            let compiled = compile(kind, &view, &RenderOptions::default()).unwrap();
            assert_eq!(compiled.warnings, Vec::<String>::new(), "{kind}");
        }
    }
}
