//! PNG images (the signature and the seal) as PDF image XObjects, with the alpha channel as a
//! soft mask so that the transparent background stays transparent (allowed in PDF/A-2).

use std::io::Cursor;

use lopdf::{Object, Stream, dictionary};

use crate::appearance::font::compress;
use crate::error::SigningError;
use crate::pdf::write::IncrementalUpdate;

/// The largest image accepted, in pixels (a seal or signature scan is far smaller).
const MAX_PIXELS: u64 = 16 * 1024 * 1024;

/// A decoded 8-bit image.
pub(crate) struct DecodedImage {
    pub(crate) width: u32,
    pub(crate) height: u32,
    gray: bool,
    samples: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

/// Decodes a PNG (any colour type and depth; palettes and 16-bit samples are converted).
pub(crate) fn decode_png(bytes: &[u8]) -> Result<DecodedImage, SigningError> {
    let invalid = |error: &dyn std::fmt::Display| SigningError::appearance(format!("PNG: {error}"));
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|error| invalid(&error))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(SigningError::appearance(format!("PNG of {width}×{height} pixels is not accepted")));
    }
    let size = reader.output_buffer_size().ok_or_else(|| invalid(&"image too large"))?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(|error| invalid(&error))?;
    let line = frame.line_size;
    let pixels = usize::try_from(u64::from(width) * u64::from(height)).map_err(|_| invalid(&"image too large"))?;
    let rows = buffer.chunks(line).take(usize::try_from(height).unwrap_or(0));
    let (channels, gray) = match frame.color_type {
        png::ColorType::Grayscale => (1, true),
        png::ColorType::GrayscaleAlpha => (2, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (4, false),
        png::ColorType::Indexed => return Err(invalid(&"palette was not expanded")),
    };
    let has_alpha = channels == 2 || channels == 4;
    let colour_channels = if gray { 1 } else { 3 };
    let mut samples = Vec::with_capacity(pixels * colour_channels);
    let mut alpha = Vec::with_capacity(if has_alpha { pixels } else { 0 });
    for row in rows {
        for pixel in row.chunks(channels).take(usize::try_from(width).unwrap_or(0)) {
            samples.extend_from_slice(&pixel[..colour_channels]);
            if has_alpha {
                alpha.push(pixel[colour_channels]);
            }
        }
    }
    // A fully opaque alpha channel needs no mask.
    let alpha = (has_alpha && alpha.iter().any(|value| *value != 255)).then_some(alpha);
    Ok(DecodedImage { width, height, gray, samples, alpha })
}

impl DecodedImage {
    /// Writes the image (and its soft mask) into `update`; returns the image's id.
    pub(crate) fn write(self, update: &mut IncrementalUpdate<'_>) -> Result<lopdf::ObjectId, SigningError> {
        let mut dictionary = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => i64::from(self.width),
            "Height" => i64::from(self.height),
            "ColorSpace" => if self.gray { "DeviceGray" } else { "DeviceRGB" },
            "BitsPerComponent" => 8,
        };
        if let Some(alpha) = self.alpha {
            let mut mask = Stream::new(
                dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Image",
                    "Width" => i64::from(self.width),
                    "Height" => i64::from(self.height),
                    "ColorSpace" => "DeviceGray",
                    "BitsPerComponent" => 8,
                },
                alpha,
            );
            compress(&mut mask)?;
            let mask_id = update.allocate();
            update.put(mask_id, &Object::Stream(mask))?;
            dictionary.set("SMask", Object::Reference(mask_id));
        }
        let mut image = Stream::new(dictionary, self.samples);
        compress(&mut image)?;
        let image_id = update.allocate();
        update.put(image_id, &Object::Stream(image))?;
        Ok(image_id)
    }
}
