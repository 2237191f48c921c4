//! Visible appearances of signatures as Decree 30/2020 (Annex I) describes them: the signer's
//! signature image, the agency's seal over the left third of it, and the agency's text box on
//! separately filed annexes.

mod font;
mod image;

use jiff::Timestamp;
use lopdf::{Dictionary, Object, ObjectId, Stream, dictionary};

use crate::error::SigningError;
use crate::pdf::text::iso_vietnam;
use crate::pdf::write::IncrementalUpdate;
use font::{Font, FontSubset, compress};

/// A rectangle on a page where an appearance is drawn: PDF points, origin at the lower-left
/// corner of the page (the unrotated page's user space), as the `docs` crate reports them.
///
/// Invariant (checked when signing): width and height are positive and finite, and the page
/// exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureBox {
    /// The page, counted from 0.
    pub page_index: usize,
    /// Left edge.
    pub x: f32,
    /// Bottom edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl SignatureBox {
    /// A box on page `page_index` (from 0) with its lower-left corner at (`x`, `y`).
    pub fn new(page_index: usize, x: f32, y: f32, width: f32, height: f32) -> SignatureBox {
        SignatureBox { page_index, x, y, width, height }
    }

    /// Where a seal of `seal_width` × `seal_height` goes when this box is the signer's: its
    /// right edge on the line one third into this box, vertically centred, so that it covers
    /// about the left third of the signature (Decree 30/2020, Annex I §II.8a).
    pub fn seal_over_left_third(&self, seal_width: f32, seal_height: f32) -> SignatureBox {
        SignatureBox {
            page_index: self.page_index,
            x: self.x + self.width / 3.0 - seal_width,
            y: self.y + (self.height - seal_height) / 2.0,
            width: seal_width,
            height: seal_height,
        }
    }

    fn check(&self) -> Result<(), SigningError> {
        let values = [self.x, self.y, self.width, self.height];
        if values.iter().any(|value| !value.is_finite()) || self.width <= 0.0 || self.height <= 0.0 {
            return Err(SigningError::appearance(format!("box {self:?} must have a positive, finite size")));
        }
        Ok(())
    }
}

/// How a signature shows on the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Appearance {
    /// No visible appearance (a field with an empty rectangle).
    Invisible,
    /// The competent person's signature: the handwritten signature image (a transparent PNG,
    /// blue by the decree) fitted into the box, or — without an image — the signer's name and
    /// the signing time drawn in blue.
    PersonSignature {
        /// Where.
        area: SignatureBox,
        /// The signature image (PNG), if any.
        image_png: Option<Vec<u8>>,
        /// The signer's full name, drawn when there is no image.
        signer_name: String,
    },
    /// The agency's seal: the seal image (a transparent red PNG at its real size) fitted into
    /// the box, or — without an image — a red ring with the agency's name. Place the box with
    /// [`SignatureBox::seal_over_left_third`] of the person's box.
    AgencySeal {
        /// Where.
        area: SignatureBox,
        /// The seal image (PNG), if any.
        seal_png: Option<Vec<u8>>,
        /// The agency's name, drawn when there is no image.
        agency_name: String,
    },
    /// The agency signature of a separately filed annex or an electronic copy: no image, a
    /// text box (Liberation Serif ≈ Times New Roman, 10 pt, black) with the document's number
    /// and symbol, the agency's name and the signing time in ISO 8601 with +07:00
    /// (Decree 30/2020, Annex I §II.8b).
    AgencyTextBox {
        /// Where (top right of the first page, by the decree).
        area: SignatureBox,
        /// "Số và ký hiệu", e.g. "15/QĐ-UBND", or the copy form for copies.
        document_number: String,
        /// The agency's name.
        agency_name: String,
    },
}

impl Appearance {
    /// The box, unless invisible.
    pub fn area(&self) -> Option<&SignatureBox> {
        match self {
            Appearance::Invisible => None,
            Appearance::PersonSignature { area, .. }
            | Appearance::AgencySeal { area, .. }
            | Appearance::AgencyTextBox { area, .. } => Some(area),
        }
    }
}

const SIGNATURE_BLUE: &str = "0 0.2 0.6";
const SEAL_RED: &str = "0.8 0.05 0.05";
const BLACK: &str = "0 0 0";

/// Writes the appearance stream (and its images and font) into `update`; returns its id.
pub(crate) fn build(
    update: &mut IncrementalUpdate<'_>,
    appearance: &Appearance,
    area: &SignatureBox,
    signing_time: Timestamp,
) -> Result<ObjectId, SigningError> {
    area.check()?;
    let (width, height) = (area.width, area.height);
    let mut content = String::new();
    let mut resources = Dictionary::new();
    match appearance {
        Appearance::Invisible => {}
        Appearance::PersonSignature { image_png: Some(png), .. }
        | Appearance::AgencySeal { seal_png: Some(png), .. } => {
            let image = image::decode_png(png)?;
            content.push_str(&image_placement(image.width, image.height, width, height));
            let image_id = image.write(update)?;
            resources.set("XObject", dictionary! { "Im0" => Object::Reference(image_id) });
        }
        Appearance::PersonSignature { image_png: None, signer_name, .. } => {
            let font = Font::liberation_serif()?;
            let name_box = TextBox { x: 0.0, y: height * 0.35, width, height: height * 0.65 };
            let time_box = TextBox { x: 0.0, y: 0.0, width, height: height * 0.35 };
            let stamp = format!("Ký số: {}", iso_vietnam(signing_time));
            let mut lines = layout(&font, &[signer_name.as_str()], &name_box, 16.0, Align::Center);
            lines.extend(layout(&font, &[stamp.as_str()], &time_box, 8.0, Align::Center));
            draw_text(update, &font, &lines, SIGNATURE_BLUE, &mut content, &mut resources)?;
        }
        Appearance::AgencySeal { seal_png: None, agency_name, .. } => {
            let font = Font::liberation_serif()?;
            let (centre_x, centre_y) = (width / 2.0, height / 2.0);
            let radius = (width.min(height) / 2.0 - 1.5).max(1.0);
            content.push_str(&format!("q {SEAL_RED} RG 2 w {} S ", circle(centre_x, centre_y, radius)));
            content.push_str(&format!("0.8 w {} S Q\n", circle(centre_x, centre_y, (radius - 4.0).max(0.5))));
            let inner = radius * 0.7;
            let name_box =
                TextBox { x: centre_x - inner, y: centre_y - inner * 0.7, width: inner * 2.0, height: inner * 1.4 };
            let lines = layout(&font, &[agency_name.as_str()], &name_box, 12.0, Align::Center);
            draw_text(update, &font, &lines, SEAL_RED, &mut content, &mut resources)?;
        }
        Appearance::AgencyTextBox { document_number, agency_name, .. } => {
            let font = Font::liberation_serif()?;
            let time = iso_vietnam(signing_time);
            let text_box = TextBox { x: 2.0, y: 2.0, width: width - 4.0, height: height - 4.0 };
            let lines = layout(
                &font,
                &[document_number.as_str(), agency_name.as_str(), time.as_str()],
                &text_box,
                10.0,
                Align::Left,
            );
            draw_text(update, &font, &lines, BLACK, &mut content, &mut resources)?;
        }
    }
    let mut form = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)],
            "Resources" => resources,
        },
        content.into_bytes(),
    );
    compress(&mut form)?;
    let form_id = update.allocate();
    update.put(form_id, &Object::Stream(form))?;
    Ok(form_id)
}

/// `Do` of image `Im0`, scaled to fit the box with its aspect ratio kept, centred.
fn image_placement(image_width: u32, image_height: u32, width: f32, height: f32) -> String {
    let (image_width, image_height) = (image_width as f32, image_height as f32);
    let scale = (width / image_width).min(height / image_height);
    let (drawn_width, drawn_height) = (image_width * scale, image_height * scale);
    format!(
        "q {} 0 0 {} {} {} cm /Im0 Do Q\n",
        number(drawn_width),
        number(drawn_height),
        number((width - drawn_width) / 2.0),
        number((height - drawn_height) / 2.0)
    )
}

/// A circle as four Bézier curves.
fn circle(x: f32, y: f32, radius: f32) -> String {
    let k = radius * 0.552_284_8;
    format!(
        "{} {} m {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c h",
        number(x + radius),
        number(y),
        number(x + radius),
        number(y + k),
        number(x + k),
        number(y + radius),
        number(x),
        number(y + radius),
        number(x - k),
        number(y + radius),
        number(x - radius),
        number(y + k),
        number(x - radius),
        number(y),
        number(x - radius),
        number(y - k),
        number(x - k),
        number(y - radius),
        number(x),
        number(y - radius),
        number(x + k),
        number(y - radius),
        number(x + radius),
        number(y - k),
        number(x + radius),
        number(y),
    )
}

/// A number for content streams: at most three decimals, no exponent.
fn number(value: f32) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "" | "-0" => "0".to_string(),
        other => other.to_string(),
    }
}

struct TextBox {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
}

struct TextLine {
    text: String,
    x: f32,
    baseline: f32,
    size: f32,
}

/// Lays `paragraphs` out in `text_box`: the largest size up to `max_size` (down to 3 pt) at
/// which the word-wrapped lines fit, vertically centred.
fn layout(font: &Font, paragraphs: &[&str], text_box: &TextBox, max_size: f32, align: Align) -> Vec<TextLine> {
    let mut size = max_size;
    let lines = loop {
        let lines: Vec<String> =
            paragraphs.iter().flat_map(|paragraph| wrap(font, paragraph, size, text_box.width)).collect();
        let fits_height = lines.len() as f32 * size * 1.15 <= text_box.height;
        let fits_width = lines.iter().all(|line| font.width(line, size) <= text_box.width);
        if (fits_height && fits_width) || size <= 3.0 {
            break lines;
        }
        size -= 0.5;
    };
    let leading = size * 1.15;
    let block_height = leading * (lines.len() as f32 - 1.0) + font.ascent(size) - font.descent(size);
    let top = text_box.y + (text_box.height + block_height) / 2.0;
    lines
        .into_iter()
        .enumerate()
        .map(|(index, text)| {
            let x = match align {
                Align::Left => text_box.x,
                Align::Center => text_box.x + (text_box.width - font.width(&text, size)) / 2.0,
            };
            let baseline = top - font.ascent(size) - leading * index as f32;
            TextLine { text, x, baseline, size }
        })
        .collect()
}

/// Greedy word wrap of `text` to `width` at `size`.
fn wrap(font: &Font, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if font.width(&candidate, size) <= width || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn draw_text(
    update: &mut IncrementalUpdate<'_>,
    font: &Font,
    lines: &[TextLine],
    colour: &str,
    content: &mut String,
    resources: &mut Dictionary,
) -> Result<(), SigningError> {
    let texts: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
    let subset = FontSubset::new(font, &texts)?;
    content.push_str(&format!("q BT {colour} rg\n"));
    for line in lines {
        content.push_str(&format!(
            "/F1 {} Tf 1 0 0 1 {} {} Tm {} Tj\n",
            number(line.size),
            number(line.x),
            number(line.baseline),
            subset.encode(&line.text)?
        ));
    }
    content.push_str("ET Q\n");
    let font_id = subset.write(update)?;
    resources.set("Font", dictionary! { "F1" => Object::Reference(font_id) });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_plain() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(-0.0001), "0");
        assert_eq!(number(12.34567), "12.346");
    }

    #[test]
    fn the_seal_covers_the_left_third() {
        let person = SignatureBox::new(0, 300.0, 100.0, 150.0, 60.0);
        let seal = person.seal_over_left_third(100.0, 100.0);
        assert_eq!(seal.x + seal.width, 350.0);
        assert_eq!(seal.y + seal.height / 2.0, person.y + person.height / 2.0);
    }

    #[test]
    fn vietnamese_text_is_laid_out_and_wrapped() {
        let font = Font::liberation_serif().unwrap();
        let text_box = TextBox { x: 0.0, y: 0.0, width: 120.0, height: 60.0 };
        let lines = layout(&font, &["Ủy ban nhân dân phường Sài Gòn"], &text_box, 10.0, Align::Left);
        assert!(lines.len() >= 2, "wrapped into {} lines", lines.len());
        assert!(lines.iter().all(|line| font.width(&line.text, line.size) <= 120.0));
        let subset = FontSubset::new(&font, &["Ủy ban"]).unwrap();
        assert!(subset.encode("Ủy").unwrap().starts_with('<'));
        assert!(FontSubset::new(&font, &["中"]).is_err());
    }
}
