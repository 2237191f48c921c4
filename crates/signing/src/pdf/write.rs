//! Writing one incremental update (ISO 32000-1 §7.5.6): the original bytes unchanged, then the
//! new and changed objects, a cross-reference section of the same kind as the previous one
//! (table or stream) with /Prev, and a trailer.
//!
//! The update is written by hand rather than through lopdf's writer so that the layout of the
//! signature dictionary (the fixed-width /ByteRange and the /Contents placeholder) is known
//! exactly, and so that nothing of the previous trailer (filters, predictors) leaks into the
//! new cross-reference stream.

use lopdf::xref::XrefType;
use lopdf::{Document, Object, ObjectId};

use crate::error::SigningError;
use crate::pdf::parse::last_startxref;

/// An update being assembled on top of `base`.
pub(crate) struct IncrementalUpdate<'a> {
    base: &'a [u8],
    kind: XrefType,
    previous_startxref: usize,
    root: Object,
    info: Option<Object>,
    identifier: Option<Object>,
    next_id: u32,
    objects: Vec<(ObjectId, Vec<u8>)>,
}

/// The bytes of a finished update and where each object's body starts.
pub(crate) struct WrittenUpdate {
    pub(crate) bytes: Vec<u8>,
    pub(crate) body_offsets: Vec<(ObjectId, usize)>,
}

impl WrittenUpdate {
    pub(crate) fn body_offset(&self, id: ObjectId) -> Option<usize> {
        self.body_offsets.iter().find(|(written, _)| *written == id).map(|(_, offset)| *offset)
    }
}

impl<'a> IncrementalUpdate<'a> {
    /// Starts an update of `base`, which `document` was loaded from.
    pub(crate) fn new(base: &'a [u8], document: &Document) -> Result<IncrementalUpdate<'a>, SigningError> {
        let previous_startxref =
            last_startxref(base).ok_or_else(|| SigningError::pdf("no startxref at the end of the file"))?;
        let root = document.trailer.get(b"Root").map_err(|_| SigningError::pdf("trailer without /Root"))?.clone();
        let size = document.trailer.get(b"Size").ok().and_then(|size| size.as_i64().ok()).unwrap_or(0);
        let declared_max = u32::try_from(size.saturating_sub(1)).unwrap_or(0);
        Ok(IncrementalUpdate {
            base,
            kind: document.reference_table.cross_reference_type,
            previous_startxref,
            root,
            info: document.trailer.get(b"Info").ok().cloned(),
            identifier: document.trailer.get(b"ID").ok().cloned(),
            next_id: document.max_id.max(declared_max) + 1,
            objects: Vec::new(),
        })
    }

    /// A fresh object number.
    pub(crate) fn allocate(&mut self) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id += 1;
        id
    }

    /// Adds (or replaces) object `id` with `object` serialised by lopdf.
    pub(crate) fn put(&mut self, id: ObjectId, object: &Object) -> Result<(), SigningError> {
        let mut body = Vec::new();
        lopdf::Writer::write_object(&mut body, object).map_err(|error| SigningError::pdf(error.to_string()))?;
        self.put_raw(id, body);
        Ok(())
    }

    /// Adds (or replaces) object `id` with an already serialised body.
    pub(crate) fn put_raw(&mut self, id: ObjectId, body: Vec<u8>) {
        self.objects.retain(|(existing, _)| *existing != id);
        self.objects.push((id, body));
    }

    /// Writes the update after the base bytes.
    pub(crate) fn finish(self) -> WrittenUpdate {
        let mut bytes = Vec::with_capacity(
            self.base.len() + self.objects.iter().map(|(_, body)| body.len() + 32).sum::<usize>() + 512,
        );
        bytes.extend_from_slice(self.base);
        if !self.base.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        let mut entries: Vec<(ObjectId, usize)> = Vec::new();
        let mut body_offsets = Vec::new();
        for (id, body) in &self.objects {
            entries.push((*id, bytes.len()));
            bytes.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
            body_offsets.push((*id, bytes.len()));
            bytes.extend_from_slice(body);
            bytes.extend_from_slice(b"\nendobj\n");
        }
        let xref_offset = bytes.len();
        match self.kind {
            XrefType::CrossReferenceTable => self.write_table(&mut bytes, &mut entries),
            XrefType::CrossReferenceStream => self.write_stream(&mut bytes, &mut entries, xref_offset),
        }
        bytes.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        WrittenUpdate { bytes, body_offsets }
    }

    fn trailer_entries(&self, size: u32) -> Vec<u8> {
        let mut out = format!("/Size {size} /Root ").into_bytes();
        write_value(&mut out, &self.root);
        if let Some(info) = &self.info {
            out.extend_from_slice(b" /Info ");
            write_value(&mut out, info);
        }
        if let Some(identifier) = &self.identifier {
            out.extend_from_slice(b" /ID ");
            write_value(&mut out, identifier);
        }
        out.extend_from_slice(format!(" /Prev {}", self.previous_startxref).as_bytes());
        out
    }

    fn write_table(&self, bytes: &mut Vec<u8>, entries: &mut [(ObjectId, usize)]) {
        entries.sort_by_key(|((number, _), _)| *number);
        bytes.extend_from_slice(b"xref\n");
        for run in runs(entries) {
            bytes.extend_from_slice(format!("{} {}\n", run[0].0.0, run.len()).as_bytes());
            for ((_, generation), offset) in run {
                // Each entry is exactly 20 bytes, ending with a space and a line feed.
                bytes.extend_from_slice(format!("{offset:010} {generation:05} n \n").as_bytes());
            }
        }
        bytes.extend_from_slice(b"trailer\n<<");
        bytes.extend_from_slice(&self.trailer_entries(self.next_id));
        bytes.extend_from_slice(b">>\n");
    }

    fn write_stream(&self, bytes: &mut Vec<u8>, entries: &mut Vec<(ObjectId, usize)>, xref_offset: usize) {
        // The cross-reference stream is itself an object of the update.
        let stream_id = (self.next_id, 0);
        entries.push((stream_id, xref_offset));
        entries.sort_by_key(|((number, _), _)| *number);
        let mut index = String::new();
        let mut data = Vec::with_capacity(entries.len() * 7);
        for run in runs(entries) {
            index.push_str(&format!("{} {} ", run[0].0.0, run.len()));
            for ((_, generation), offset) in run {
                data.push(1);
                // Offsets beyond 4 GiB are not supported; such PDFs are not signed here.
                data.extend_from_slice(&u32::try_from(*offset).unwrap_or(u32::MAX).to_be_bytes());
                data.extend_from_slice(&generation.to_be_bytes());
            }
        }
        bytes.extend_from_slice(format!("{} 0 obj\n<</Type /XRef ", stream_id.0).as_bytes());
        bytes.extend_from_slice(&self.trailer_entries(self.next_id + 1));
        bytes.extend_from_slice(
            format!(" /W [1 4 2] /Index [{}] /Length {}>>\nstream\n", index.trim_end(), data.len()).as_bytes(),
        );
        bytes.extend_from_slice(&data);
        bytes.extend_from_slice(b"\nendstream\nendobj\n");
    }
}

/// Splits sorted entries into runs of consecutive object numbers.
fn runs(entries: &[(ObjectId, usize)]) -> Vec<&[(ObjectId, usize)]> {
    let mut runs = Vec::new();
    let mut start = 0;
    for index in 1..=entries.len() {
        let ends_run = index == entries.len() || entries[index].0.0 != entries[index - 1].0.0 + 1;
        if ends_run {
            runs.push(&entries[start..index]);
            start = index;
        }
    }
    runs
}

fn write_value(out: &mut Vec<u8>, object: &Object) {
    // Writing to a Vec cannot fail.
    let _ = lopdf::Writer::write_object(out, object);
}
