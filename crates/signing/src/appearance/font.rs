//! Text in appearances: Liberation Serif (metric-compatible with Times New Roman, which Decree
//! 30/2020 prescribes), embedded as a subset CID font (Type0, Identity-H) with a ToUnicode map,
//! so that Vietnamese letters render and copy correctly and the font is embedded as PDF/A
//! requires.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Object, Stream, dictionary};
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

use crate::error::SigningError;
use crate::pdf::write::IncrementalUpdate;

/// The font file, shared with the `docs` crate (SIL Open Font License 1.1, see its OFL.txt).
static LIBERATION_SERIF: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../typeset/fonts/LiberationSerif-Regular.ttf"));

/// The font's metrics and character map.
pub(crate) struct Font {
    face: Face<'static>,
}

impl Font {
    pub(crate) fn liberation_serif() -> Result<Font, SigningError> {
        let face =
            Face::parse(LIBERATION_SERIF, 0).map_err(|error| SigningError::appearance(format!("font: {error}")))?;
        Ok(Font { face })
    }

    fn units_per_em(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    /// The glyph of `character`; `INVALID_APPEARANCE` when the font lacks it (PDF/A forbids
    /// showing .notdef).
    fn glyph(&self, character: char) -> Result<GlyphId, SigningError> {
        self.face
            .glyph_index(character)
            .ok_or_else(|| SigningError::appearance(format!("the font has no glyph for {character:?}")))
    }

    /// The width of `text` at `size` points (no kerning: Vietnamese letters are precomposed).
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .nfc()
            .map(|character| {
                self.face
                    .glyph_index(character)
                    .and_then(|glyph| self.face.glyph_hor_advance(glyph))
                    .map_or(0.0, f32::from)
            })
            .sum();
        units * size / self.units_per_em()
    }

    /// The ascent of the font in points at `size`.
    pub(crate) fn ascent(&self, size: f32) -> f32 {
        f32::from(self.face.ascender()) * size / self.units_per_em()
    }

    /// The descent (negative) of the font in points at `size`.
    pub(crate) fn descent(&self, size: f32) -> f32 {
        f32::from(self.face.descender()) * size / self.units_per_em()
    }
}

/// The glyphs used by one appearance, remapped for the subset.
pub(crate) struct FontSubset<'font> {
    font: &'font Font,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → the character it shows (for ToUnicode) and its advance.
    used: BTreeMap<u16, (char, u16)>,
}

impl<'font> FontSubset<'font> {
    /// A subset holding every character of `texts` (after NFC normalisation).
    pub(crate) fn new(font: &'font Font, texts: &[&str]) -> Result<FontSubset<'font>, SigningError> {
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut used = BTreeMap::new();
        for character in texts.iter().flat_map(|text| text.nfc()) {
            let glyph = font.glyph(character)?;
            let new = remapper.remap(glyph.0);
            let advance = font.face.glyph_hor_advance(glyph).unwrap_or(0);
            used.entry(new).or_insert((character, advance));
        }
        Ok(FontSubset { font, remapper, used })
    }

    /// `text` as a hexadecimal string of subset glyph ids, for `Tj`.
    pub(crate) fn encode(&self, text: &str) -> Result<String, SigningError> {
        let mut out = String::from("<");
        for character in text.nfc() {
            let glyph = self.font.glyph(character)?;
            let new = self
                .remapper
                .get(glyph.0)
                .ok_or_else(|| SigningError::appearance(format!("{character:?} is not in the font subset")))?;
            out.push_str(&format!("{new:04X}"));
        }
        out.push('>');
        Ok(out)
    }

    /// Writes the font objects into `update`; returns the Type0 font's id.
    pub(crate) fn write(&self, update: &mut IncrementalUpdate<'_>) -> Result<lopdf::ObjectId, SigningError> {
        let subset = subsetter::subset(LIBERATION_SERIF, 0, &self.remapper)
            .map_err(|error| SigningError::appearance(format!("font subset: {error:?}")))?;
        let tag = subset_tag(&self.used);
        let base_font = format!("{tag}+LiberationSerif");
        let scale = 1000.0 / self.font.units_per_em();
        let face = &self.font.face;

        let mut file = Stream::new(dictionary! { "Length1" => i64::try_from(subset.len()).unwrap_or(0) }, subset);
        compress(&mut file)?;
        let file_id = update.allocate();
        update.put(file_id, &Object::Stream(file))?;

        let bbox = face.global_bounding_box();
        let scaled = |value: i16| Object::Integer((f32::from(value) * scale).round() as i64);
        let descriptor = dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => Object::Name(base_font.clone().into_bytes()),
            // Serif (2) + Nonsymbolic (32).
            "Flags" => 34,
            "FontBBox" => vec![scaled(bbox.x_min), scaled(bbox.y_min), scaled(bbox.x_max), scaled(bbox.y_max)],
            "ItalicAngle" => Object::Real(face.italic_angle()),
            "Ascent" => scaled(face.ascender()),
            "Descent" => scaled(face.descender()),
            "CapHeight" => scaled(face.capital_height().unwrap_or(face.ascender())),
            "StemV" => 80,
            "FontFile2" => Object::Reference(file_id),
        };
        let descriptor_id = update.allocate();
        update.put(descriptor_id, &Object::Dictionary(descriptor))?;

        let mut widths = Vec::new();
        for (glyph, (_, advance)) in &self.used {
            widths.push(Object::Integer(i64::from(*glyph)));
            widths.push(Object::Array(vec![Object::Integer((f32::from(*advance) * scale).round() as i64)]));
        }
        let descendant = dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => Object::Name(base_font.clone().into_bytes()),
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"),
                "Supplement" => 0,
            },
            "FontDescriptor" => Object::Reference(descriptor_id),
            "DW" => 1000,
            "W" => widths,
            "CIDToGIDMap" => "Identity",
        };
        let descendant_id = update.allocate();
        update.put(descendant_id, &Object::Dictionary(descendant))?;

        let mut to_unicode = Stream::new(Dictionary::new(), self.to_unicode_map().into_bytes());
        compress(&mut to_unicode)?;
        let to_unicode_id = update.allocate();
        update.put(to_unicode_id, &Object::Stream(to_unicode))?;

        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => Object::Name(base_font.into_bytes()),
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![Object::Reference(descendant_id)],
            "ToUnicode" => Object::Reference(to_unicode_id),
        };
        let font_id = update.allocate();
        update.put(font_id, &Object::Dictionary(font))?;
        Ok(font_id)
    }

    fn to_unicode_map(&self) -> String {
        let mut map = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.used.iter().collect();
        // At most 100 entries per bfchar block.
        for block in entries.chunks(100) {
            map.push_str(&format!("{} beginbfchar\n", block.len()));
            for (glyph, (character, _)) in block {
                let mut units = [0u16; 2];
                let hex: String = character.encode_utf16(&mut units).iter().map(|unit| format!("{unit:04X}")).collect();
                map.push_str(&format!("<{glyph:04X}> <{hex}>\n"));
            }
            map.push_str("endbfchar\n");
        }
        map.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        map
    }
}

/// Six capital letters derived from the glyph set, as PDF requires for subset font names.
fn subset_tag(used: &BTreeMap<u16, (char, u16)>) -> String {
    let glyphs: Vec<u8> = used
        .keys()
        .flat_map(|glyph| glyph.to_be_bytes())
        .chain(used.values().flat_map(|(character, _)| u32::from(*character).to_be_bytes()))
        .collect();
    let digest = crate::algorithm::DigestAlgorithm::Sha256.digest(&glyphs);
    digest.iter().take(6).map(|byte| char::from(b'A' + byte % 26)).collect()
}

pub(crate) fn compress(stream: &mut Stream) -> Result<(), SigningError> {
    stream.compress().map_err(|error| SigningError::pdf(format!("compression: {error}")))
}
