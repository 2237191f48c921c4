//! Signing and verification end to end, judged by our verifier and by independent tools:
//! Poppler's pdfsig (NSS) and `openssl cms -verify`.

mod common;

use common::{PASSWORD, TempDir, demo, fixture, pdfsig, pdfsig_blocks, run, sample_pdf, sample_png};
use jiff::{SignedDuration, Timestamp};
use lopdf::dictionary;
use signing::pki::{
    CertificateAuthority, DemoPki, DemoPkiOptions, KeyAlgorithm, SubjectName, generate_private_key, write_pkcs12,
};
use signing::{
    Appearance, DigestAlgorithm, P12Signer, RevocationList, Role, SignOptions, SignatureBox, SignatureStatus,
    SigningError, VerifyOptions, embed, embed_signature, extract_signatures, prepare, verify,
};

fn person_box() -> SignatureBox {
    SignatureBox::new(0, 340.0, 120.0, 160.0, 64.0)
}

fn person_options(image: bool) -> SignOptions {
    let appearance = Appearance::PersonSignature {
        area: person_box(),
        image_png: image.then(|| sample_png(320, 128, [20, 40, 160], true)),
        signer_name: "Nguyễn Văn An".into(),
    };
    let mut options = SignOptions::new(Role::Person, appearance, Timestamp::now());
    options.location = Some("Thành phố Hồ Chí Minh".into());
    options
}

fn agency_options(image: bool) -> SignOptions {
    let appearance = Appearance::AgencySeal {
        area: person_box().seal_over_left_third(96.0, 96.0),
        seal_png: image.then(|| sample_png(200, 200, [200, 20, 20], false)),
        agency_name: "Ủy ban nhân dân phường Sài Gòn".into(),
    };
    SignOptions::new(Role::Agency, appearance, Timestamp::now())
}

fn person() -> P12Signer {
    P12Signer::open(&demo().person.p12, PASSWORD).expect("person p12")
}

fn agency() -> P12Signer {
    P12Signer::open(&demo().agency.p12, PASSWORD).expect("agency p12")
}

fn ca_pem() -> Vec<u8> {
    demo().authority.certificate_pem().expect("CA PEM").into_bytes()
}

fn trusting_demo_ca() -> VerifyOptions {
    let mut options = VerifyOptions::new();
    options.add_trust_anchors(&ca_pem()).expect("anchor");
    options
}

fn signed_twice(pdf: &[u8], images: bool) -> Vec<u8> {
    let once = person().sign_pdf(pdf, &person_options(images)).expect("person signature");
    agency().sign_pdf(&once, &agency_options(images)).expect("agency signature")
}

/// Asserts that pdfsig calls every signature valid and trusted, and which one covers the whole
/// document.
fn assert_pdfsig_valid(pdf: &[u8], count: usize) {
    let output = pdfsig(pdf, &ca_pem());
    let blocks = pdfsig_blocks(&output);
    assert_eq!(blocks.len(), count, "pdfsig output:\n{output}");
    for (index, block) in blocks.iter().enumerate() {
        assert!(block.contains("Signature Validation: Signature is Valid."), "signature {index}:\n{output}");
        assert!(block.contains("Certificate Validation: Certificate is Trusted."), "signature {index}:\n{output}");
        assert!(block.contains("ETSI.CAdES.detached"), "signature {index}:\n{output}");
        let last = index + 1 == count;
        let total = if last { "- Total document signed" } else { "- Not total document signed" };
        assert!(block.contains(total), "signature {index} ({total}):\n{output}");
    }
}

fn statuses(pdf: &[u8], options: &VerifyOptions) -> Vec<SignatureStatus> {
    verify(pdf, options).expect("verify").iter().map(|report| report.status).collect()
}

fn code<T: std::fmt::Debug>(result: Result<T, SigningError>) -> &'static str {
    result.expect_err("an error").code()
}

#[test]
fn person_then_agency_with_images_is_valid_for_pdfsig_and_for_us() {
    let signed = signed_twice(&sample_pdf(2, false), true);
    assert_pdfsig_valid(&signed, 2);

    let reports = verify(&signed, &trusting_demo_ca()).expect("verify");
    assert_eq!(reports.len(), 2);
    let (first, second) = (&reports[0], &reports[1]);
    assert_eq!((first.status, second.status), (SignatureStatus::Valid, SignatureStatus::Valid), "{reports:#?}");
    assert_eq!(first.role, Some(Role::Person));
    assert_eq!(first.signer_common_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(first.signer_organization.as_deref(), Some("Ủy ban nhân dân phường Sài Gòn"));
    assert_eq!(first.location.as_deref(), Some("Thành phố Hồ Chí Minh"));
    assert!(!first.covers_whole_document && second.covers_whole_document);
    assert_eq!(second.role, Some(Role::Agency));
    assert_eq!(second.signer_common_name.as_deref(), Some("Ủy ban nhân dân phường Sài Gòn"));
    assert_eq!(first.key.as_deref(), Some("ECDSA P-256"));
    assert!(first.signing_time.is_some());
    assert!(first.findings.is_empty() && second.findings.is_empty(), "{reports:#?}");
    assert!(second.summary().contains("Chữ ký số hợp lệ / Signature is valid"));
}

#[test]
fn xref_stream_documents_with_generated_appearances_are_valid() {
    let pdf = sample_pdf(3, true);
    let signed = signed_twice(&pdf, false);
    assert!(signed.starts_with(&pdf), "an incremental update keeps the original bytes");
    assert_pdfsig_valid(&signed, 2);
    assert_eq!(statuses(&signed, &trusting_demo_ca()), vec![SignatureStatus::Valid; 2]);
    // The generated appearances draw Vietnamese text with an embedded Liberation Serif subset.
    let directory = TempDir::new("fonts");
    let path = directory.file("signed.pdf", &signed);
    let (ok, fonts) = run("pdffonts", &[path.to_str().expect("path")]);
    assert!(ok, "{fonts}");
    let embedded =
        fonts.lines().filter(|line| line.contains("+LiberationSerif") && line.contains("CID TrueType")).count();
    assert_eq!(embedded, 2, "one subset per generated appearance, embedded:\n{fonts}");
}

#[test]
fn annex_text_box_shows_vietnamese_text() {
    let pdf = sample_pdf(1, false);
    let once = person().sign_pdf(&pdf, &person_options(false)).expect("person");
    let appearance = Appearance::AgencyTextBox {
        area: SignatureBox::new(0, 400.0, 770.0, 170.0, 48.0),
        document_number: "15/QĐ-UBND".into(),
        agency_name: "Ủy ban nhân dân phường Sài Gòn".into(),
    };
    let signed =
        agency().sign_pdf(&once, &SignOptions::new(Role::Agency, appearance, Timestamp::now())).expect("agency");
    assert_pdfsig_valid(&signed, 2);
    // Render the page with Poppler and check that the box at the top right has black ink.
    let directory = TempDir::new("render");
    let path = directory.file("annex.pdf", &signed);
    let prefix = directory.0.join("page");
    let (ok, output) = run(
        "pdftoppm",
        &["-r", "72", "-gray", "-f", "1", "-l", "1", path.to_str().expect("path"), prefix.to_str().expect("path")],
    );
    assert!(ok, "{output}");
    let image = std::fs::read_dir(&directory.0)
        .expect("rendered")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "pgm"))
        .expect("a PGM page");
    let pgm = std::fs::read(image).expect("read PGM");
    let dark = dark_pixels(&pgm, (400, 842 - 818), (570, 842 - 770));
    assert!(dark > 150, "the annex text box should show text, found {dark} dark pixels");
}

/// Dark pixels of a binary PGM (P5, 72 dpi: one pixel per point) in the rectangle between
/// `top_left` and `bottom_right`, in pixels from the top left.
fn dark_pixels(pgm: &[u8], top_left: (usize, usize), bottom_right: (usize, usize)) -> usize {
    let text = String::from_utf8_lossy(&pgm[..20.min(pgm.len())]).into_owned();
    let mut fields = text.split_ascii_whitespace();
    assert_eq!(fields.next(), Some("P5"));
    let width: usize = fields.next().and_then(|field| field.parse().ok()).expect("width");
    let height: usize = fields.next().and_then(|field| field.parse().ok()).expect("height");
    let header_end = pgm.len() - width * height;
    let pixels = &pgm[header_end..];
    let mut dark = 0;
    for y in top_left.1..bottom_right.1.min(height) {
        for x in top_left.0..bottom_right.0.min(width) {
            if pixels[y * width + x] < 128 {
                dark += 1;
            }
        }
    }
    dark
}

#[test]
fn a_changed_byte_is_reported_by_pdfsig_and_by_us() {
    let signed = signed_twice(&sample_pdf(1, false), true);
    let mut tampered = signed.clone();
    // Change one byte of page text, inside both signatures' first range.
    let position = tampered.windows(6).position(|window| window == b"line 7").expect("page text");
    tampered[position + 5] = b'8';
    let output = pdfsig(&tampered, &ca_pem());
    let blocks = pdfsig_blocks(&output);
    assert_eq!(blocks.len(), 2, "{output}");
    for block in &blocks {
        assert!(!block.contains("Signature is Valid."), "{output}");
        assert!(block.contains("Digest Mismatch.") || block.contains("Signature is Invalid."), "{output}");
    }
    let reports = verify(&tampered, &trusting_demo_ca()).expect("verify");
    for report in &reports {
        assert_eq!(report.status, SignatureStatus::Invalid, "{reports:#?}");
        assert_eq!(report.findings[0].code, "DIGEST_MISMATCH", "{reports:#?}");
    }
}

#[test]
fn openssl_verifies_the_extracted_signatures() {
    let signed = signed_twice(&sample_pdf(1, false), true);
    let directory = TempDir::new("openssl");
    let ca = directory.file("ca.pem", &ca_pem());
    let extracted = extract_signatures(&signed).expect("extract");
    assert_eq!(extracted.len(), 2);
    for (index, signature) in extracted.iter().enumerate() {
        let cms = directory.file(&format!("signature-{index}.der"), &signature.cms_der);
        let content = directory.file(&format!("content-{index}.bin"), &signature.signed_content);
        let (ok, output) = run(
            "openssl",
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                cms.to_str().expect("path"),
                "-content",
                content.to_str().expect("path"),
                "-CAfile",
                ca.to_str().expect("path"),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        );
        assert!(ok && output.contains("Verification successful"), "signature {index}: {output}");
    }
}

#[test]
fn content_appended_after_signing_is_modification() {
    let once = person().sign_pdf(&sample_pdf(1, false), &person_options(true)).expect("person");
    // Append an incremental update that changes a page (not a signature).
    let mut document = lopdf::Document::load_mem(&once).expect("load");
    let page_id = *document.get_pages().get(&1).expect("page 1");
    let mut incremental = lopdf::IncrementalDocument::create_from(once.clone(), document.clone());
    incremental.opt_clone_object_to_new_document(page_id).expect("clone page");
    let page = incremental.new_document.get_object_mut(page_id).and_then(lopdf::Object::as_dict_mut).expect("page");
    page.set("Rotate", 90);
    let mut modified = Vec::new();
    incremental.save_to(&mut modified).expect("save");
    document.objects.clear();

    let reports = verify(&modified, &trusting_demo_ca()).expect("verify");
    assert_eq!(reports[0].status, SignatureStatus::ModifiedAfterSigning, "{reports:#?}");
    assert!(reports[0].findings.iter().any(|finding| finding.code == "MODIFIED_AFTER_SIGNING"));
    // The agency does not sign a document changed after the person signed.
    assert_eq!(code(agency().sign_pdf(&modified, &agency_options(true))), "ORDER_AGENCY_BEFORE_PERSON");

    // So is a new annotation that is not a signature, even in an update that looks harmless.
    let document = lopdf::Document::load_mem(&once).expect("load");
    let mut incremental = lopdf::IncrementalDocument::create_from(once.clone(), document);
    let note = incremental.new_document.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "FreeText",
        "Rect" => vec![100.into(), 100.into(), 300.into(), 130.into()],
        "Contents" => lopdf::Object::string_literal("VOID"),
        "DA" => lopdf::Object::string_literal("/Helv 12 Tf 0 g"),
    });
    incremental.opt_clone_object_to_new_document(page_id).expect("clone page");
    let page = incremental.new_document.get_object_mut(page_id).and_then(lopdf::Object::as_dict_mut).expect("page");
    let mut annotations = page.get(b"Annots").and_then(lopdf::Object::as_array).cloned().unwrap_or_default();
    annotations.push(note.into());
    page.set("Annots", annotations);
    let mut annotated = Vec::new();
    incremental.save_to(&mut annotated).expect("save");
    assert_eq!(statuses(&annotated, &trusting_demo_ca()), vec![SignatureStatus::ModifiedAfterSigning]);
    // A later signature does not hide it: the update between the two signatures is examined.
    let mut second = person_options(false);
    second.appearance = Appearance::Invisible;
    let signed_again = person().sign_pdf(&annotated, &second).expect("second person signature");
    let reports = verify(&signed_again, &trusting_demo_ca()).expect("verify");
    assert_eq!(reports[0].status, SignatureStatus::ModifiedAfterSigning, "{reports:#?}");
    assert!(reports[0].findings[0].message.contains("non-signature annotation"), "{reports:#?}");
    assert_eq!(reports[1].status, SignatureStatus::Valid, "{reports:#?}");

    // Plain garbage appended is a modification too.
    let mut appended = once.clone();
    appended.extend_from_slice(b"\n% appended comment\n");
    assert_eq!(statuses(&appended, &trusting_demo_ca()), vec![SignatureStatus::ModifiedAfterSigning]);
}

#[test]
fn signing_order_is_enforced() {
    let pdf = sample_pdf(1, false);
    assert_eq!(code(agency().sign_pdf(&pdf, &agency_options(true))), "ORDER_AGENCY_BEFORE_PERSON");
    let twice = signed_twice(&pdf, true);
    assert_eq!(code(person().sign_pdf(&twice, &person_options(true))), "ORDER_PERSON_AFTER_AGENCY");
    // Agency after agency: the last signature is not a person's.
    assert_eq!(code(agency().sign_pdf(&twice, &agency_options(true))), "ORDER_AGENCY_BEFORE_PERSON");
    // Two persons may sign before the agency.
    let once = person().sign_pdf(&pdf, &person_options(true)).expect("person");
    let mut second_person = person_options(false);
    second_person.appearance = Appearance::Invisible;
    let two_persons = person().sign_pdf(&once, &second_person).expect("second person");
    let all = agency().sign_pdf(&two_persons, &agency_options(true)).expect("agency after two persons");
    assert_eq!(statuses(&all, &trusting_demo_ca()), vec![SignatureStatus::Valid; 3]);
}

#[test]
fn the_certificate_kind_must_match_the_role() {
    let pdf = sample_pdf(1, false);
    assert_eq!(code(agency().sign_pdf(&pdf, &person_options(true))), "ROLE_CERTIFICATE_MISMATCH");
    let once = person().sign_pdf(&pdf, &person_options(true)).expect("person");
    assert_eq!(code(person().sign_pdf(&once, &agency_options(true))), "ROLE_CERTIFICATE_MISMATCH");
}

#[test]
fn wrong_password_is_refused() {
    assert_eq!(code(P12Signer::open(&demo().person.p12, "not the password")), "WRONG_PASSWORD");
    assert_eq!(code(P12Signer::open(b"not a PKCS#12 file", PASSWORD)), "INVALID_KEYSTORE");
}

/// A PKCS#12 file for `key` with a person certificate from the demo CA valid in the window.
fn person_p12(key: &[u8], not_before: Timestamp, not_after: Timestamp) -> Vec<u8> {
    let authority: &CertificateAuthority = &demo().authority;
    let subject = SubjectName {
        common_name: "Trần Thị Bình".into(),
        organization: Some("Ủy ban nhân dân phường Sài Gòn".into()),
        country: Some("VN".into()),
        user_id: Some("CCCD:079099000002".into()),
        ..SubjectName::default()
    };
    let certificate = authority.issue(&subject, key, not_before, not_after).expect("issue");
    write_pkcs12(key, &[certificate, authority.certificate_der().to_vec()], PASSWORD, "test").expect("p12")
}

#[test]
fn rsa_2048_signatures_are_valid_and_rsa_1024_keys_are_refused() {
    let now = Timestamp::now();
    let (from, to) = (now - SignedDuration::from_hours(1), now + SignedDuration::from_hours(24));
    let signer = P12Signer::open(&person_p12(&fixture("rsa-2048.key.pem"), from, to), PASSWORD).expect("RSA-2048 p12");
    let once = signer.sign_pdf(&sample_pdf(1, false), &person_options(true)).expect("RSA person signature");
    let twice = agency().sign_pdf(&once, &agency_options(true)).expect("agency");
    assert_pdfsig_valid(&twice, 2);
    let reports = verify(&twice, &trusting_demo_ca()).expect("verify");
    assert_eq!(reports[0].key.as_deref(), Some("RSA-2048"));
    assert_eq!(reports.iter().map(|report| report.status).collect::<Vec<_>>(), vec![SignatureStatus::Valid; 2]);

    let weak = person_p12(&fixture("rsa-1024.key.pem"), from, to);
    assert_eq!(code(P12Signer::open(&weak, PASSWORD)), "WEAK_KEY");
}

#[test]
fn certificates_signed_with_sha1_are_refused() {
    // A CA and a leaf made by OpenSSL with SHA-1 signatures.
    let directory = TempDir::new("sha1");
    let path = |name: &str| directory.0.join(name).to_str().expect("path").to_string();
    let extensions =
        directory.file("leaf.ext", b"keyUsage=digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n");
    let steps: [&[&str]; 6] = [
        &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &path("ca.key")],
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &path("ca.key"),
            "-sha1",
            "-subj",
            "/CN=SHA-1 CA",
            "-days",
            "2",
            "-out",
            &path("ca.pem"),
        ],
        &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &path("leaf.key")],
        &["req", "-new", "-key", &path("leaf.key"), "-subj", "/CN=Leaf", "-out", &path("leaf.csr")],
        &[
            "x509",
            "-req",
            "-in",
            &path("leaf.csr"),
            "-CA",
            &path("ca.pem"),
            "-CAkey",
            &path("ca.key"),
            "-CAcreateserial",
            "-sha1",
            "-days",
            "1",
            "-extfile",
            extensions.to_str().expect("path"),
            "-out",
            &path("leaf.pem"),
        ],
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &path("leaf.key"),
            "-in",
            &path("leaf.pem"),
            "-certfile",
            &path("ca.pem"),
            "-passout",
            "pass:secret",
            "-out",
            &path("leaf.p12"),
        ],
    ];
    for step in steps {
        let (ok, output) = run("openssl", step);
        assert!(ok, "openssl {step:?}: {output}");
    }
    let p12 = std::fs::read(path("leaf.p12")).expect("p12");
    let signer = P12Signer::open(&p12, "secret").expect("an OpenSSL PKCS#12 opens");
    assert_eq!(code(signer.sign_pdf(&sample_pdf(1, false), &person_options(true))), "WEAK_HASH");
}

#[test]
fn expired_and_not_yet_valid_certificates_are_refused_before_signing() {
    let now = Timestamp::now();
    let key = generate_private_key(KeyAlgorithm::EcdsaP256).expect("key");
    let expired = person_p12(&key, now - SignedDuration::from_hours(48), now - SignedDuration::from_hours(24));
    let signer = P12Signer::open(&expired, PASSWORD).expect("expired p12 opens");
    assert_eq!(code(signer.sign_pdf(&sample_pdf(1, false), &person_options(true))), "CERTIFICATE_EXPIRED");
    let future = person_p12(&key, now + SignedDuration::from_hours(24), now + SignedDuration::from_hours(48));
    let signer = P12Signer::open(&future, PASSWORD).expect("future p12 opens");
    assert_eq!(code(signer.sign_pdf(&sample_pdf(1, false), &person_options(true))), "CERTIFICATE_NOT_YET_VALID");
    // A signing time claimed outside the validity is refused too.
    let mut backdated = person_options(true);
    backdated.signing_time = now - SignedDuration::from_hours(24 * 400 * 3);
    assert_eq!(code(person().sign_pdf(&sample_pdf(1, false), &backdated)), "CERTIFICATE_NOT_YET_VALID");
}

#[test]
fn revoked_certificates_are_refused_and_reported() {
    let pdf = sample_pdf(1, false);
    let person_certificate = &demo().person.certificate_der;
    let now = Timestamp::now();
    let crl = demo()
        .authority
        .revocation_list(std::slice::from_ref(person_certificate), now, now + SignedDuration::from_hours(24))
        .expect("CRL");
    let mut revocation = RevocationList::new();
    revocation.add_crl(crl.as_bytes()).expect("read CRL");
    let mut options = person_options(true);
    options.revocation = revocation.clone();
    assert_eq!(code(person().sign_pdf(&pdf, &options)), "CERTIFICATE_REVOKED");

    // Signed before the revocation became known: verification with the CRL reports it.
    let signed = person().sign_pdf(&pdf, &person_options(true)).expect("person");
    let mut verify_options = trusting_demo_ca();
    verify_options.revocation = revocation;
    let reports = verify(&signed, &verify_options).expect("verify");
    assert_eq!(reports[0].status, SignatureStatus::Invalid);
    assert_eq!(reports[0].findings[0].code, "CERTIFICATE_REVOKED");

    // A list of revoked serial numbers works the same way.
    use der::Decode;
    let certificate = x509_cert::Certificate::from_der(person_certificate).expect("certificate");
    let serial: String =
        certificate.tbs_certificate().serial_number().as_bytes().iter().map(|byte| format!("{byte:02x}:")).collect();
    let mut serials = RevocationList::new();
    serials.add_revoked_serial_hex(serial.trim_end_matches(':')).expect("serial");
    let mut options = person_options(true);
    options.revocation = serials.clone();
    assert_eq!(code(person().sign_pdf(&pdf, &options)), "CERTIFICATE_REVOKED");
    let mut verify_options = trusting_demo_ca();
    verify_options.revocation = serials;
    assert_eq!(statuses(&signed, &verify_options), vec![SignatureStatus::Invalid]);
    assert_eq!(code(RevocationList::new().add_revoked_serial_hex("xyz")), "INVALID_CRL");
}

#[test]
fn p384_keys_with_sha512_are_valid() {
    let mut options = DemoPkiOptions::new(Timestamp::now());
    options.key_algorithm = KeyAlgorithm::EcdsaP384;
    let pki = DemoPki::generate(&options).expect("P-384 PKI");
    let signer = P12Signer::open(&pki.person.p12, PASSWORD).expect("P-384 signer");
    let mut sign_options = person_options(true);
    sign_options.digest = DigestAlgorithm::Sha512;
    let signed = signer.sign_pdf(&sample_pdf(1, true), &sign_options).expect("signed");
    let mut verify_options = VerifyOptions::new();
    verify_options.add_trust_anchors(pki.authority.certificate_der()).expect("anchor");
    let reports = verify(&signed, &verify_options).expect("verify");
    assert_eq!(reports[0].status, SignatureStatus::Valid, "{reports:#?}");
    assert_eq!((reports[0].key.as_deref(), reports[0].digest), (Some("ECDSA P-384"), Some(DigestAlgorithm::Sha512)));
    let output = pdfsig(&signed, pki.authority.certificate_pem().expect("PEM").as_bytes());
    assert!(output.contains("Signature is Valid.") && output.contains("Certificate is Trusted."), "{output}");
}

#[test]
fn signatures_are_invalid_once_the_certificate_has_expired() {
    let signed = signed_twice(&sample_pdf(1, false), true);
    let mut options = trusting_demo_ca();
    options.validation_time = Some(Timestamp::now() + SignedDuration::from_hours(24 * 366 * 5));
    let reports = verify(&signed, &options).expect("verify");
    for report in &reports {
        assert_eq!(report.status, SignatureStatus::Invalid, "{reports:#?}");
        assert_eq!(report.findings[0].code, "CERTIFICATE_EXPIRED", "{reports:#?}");
    }
}

#[test]
fn without_a_trust_anchor_signatures_are_untrusted() {
    let signed = signed_twice(&sample_pdf(1, false), true);
    assert_eq!(statuses(&signed, &VerifyOptions::new()), vec![SignatureStatus::Untrusted; 2]);
    // Another CA is no anchor for the demo certificates.
    let other =
        signing::pki::DemoPki::generate(&signing::pki::DemoPkiOptions::new(Timestamp::now())).expect("other PKI");
    let mut options = VerifyOptions::new();
    options.add_trust_anchors(other.authority.certificate_der()).expect("anchor");
    assert_eq!(statuses(&signed, &options), vec![SignatureStatus::Untrusted; 2]);
}

/// The key of the demo person credential, exported with the OpenSSL CLI (an "external" key).
fn exported_person_key(directory: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let p12 = directory.file("person.p12", &demo().person.p12);
    let key = directory.0.join("person.key");
    let certificate = directory.0.join("person.crt");
    let password = format!("pass:{PASSWORD}");
    let (ok, output) = run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            p12.to_str().expect("path"),
            "-passin",
            &password,
            "-nodes",
            "-nocerts",
            "-out",
            key.to_str().expect("path"),
        ],
    );
    assert!(ok, "{output}");
    let (ok, output) = run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            p12.to_str().expect("path"),
            "-passin",
            &password,
            "-clcerts",
            "-nokeys",
            "-out",
            certificate.to_str().expect("path"),
        ],
    );
    assert!(ok, "{output}");
    (key, certificate)
}

#[test]
fn an_external_raw_signer_signs_the_attributes_digest() {
    let directory = TempDir::new("raw");
    let (key, _) = exported_person_key(&directory);
    let prepared = prepare(&sample_pdf(1, true), &person_options(true)).expect("prepare");
    let chain = vec![demo().person.certificate_der.clone(), demo().authority.certificate_der().to_vec()];
    let attributes = prepared.signed_attributes(&chain).expect("attributes");
    assert_eq!(attributes.digest(), DigestAlgorithm::Sha256.digest(attributes.der()));
    // A token-like signer: it gets only the digest and returns an ECDSA signature.
    let digest = directory.file("digest.bin", attributes.digest());
    let signature_path = directory.0.join("signature.der");
    let (ok, output) = run(
        "openssl",
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            key.to_str().expect("path"),
            "-in",
            digest.to_str().expect("path"),
            "-out",
            signature_path.to_str().expect("path"),
        ],
    );
    assert!(ok, "{output}");
    let signature = std::fs::read(&signature_path).expect("signature");
    let signed = embed_signature(&prepared, &attributes, &signature).expect("embed");
    assert_eq!(statuses(&signed, &trusting_demo_ca()), vec![SignatureStatus::Valid]);
    assert_pdfsig_valid(&signed, 1);
    // A wrong signature is refused before anything is written.
    let mut wrong = signature.clone();
    let last = wrong.len() - 1;
    wrong[last] ^= 1;
    assert_eq!(code(embed_signature(&prepared, &attributes, &wrong)), "BAD_SIGNATURE");
    // The prepared bytes can be stored and resumed.
    let resumed =
        signing::Prepared::resume(prepared.pdf_with_placeholder().to_vec(), person_options(true)).expect("resume");
    assert_eq!(resumed.document_digest(), prepared.document_digest());
    assert_eq!(resumed.byte_range(), prepared.byte_range());
}

#[test]
fn an_external_signer_may_return_a_whole_cms() {
    let directory = TempDir::new("cms");
    let (key, certificate) = exported_person_key(&directory);
    let prepared = prepare(&sample_pdf(1, false), &person_options(true)).expect("prepare");
    let content = directory.file("content.bin", &prepared.signed_content());
    let output_path = directory.0.join("signature.der");
    let sign = |digest: &str| {
        run(
            "openssl",
            &[
                "cms",
                "-sign",
                "-binary",
                "-cades",
                "-nosmimecap",
                "-md",
                digest,
                "-in",
                content.to_str().expect("path"),
                "-signer",
                certificate.to_str().expect("path"),
                "-inkey",
                key.to_str().expect("path"),
                "-outform",
                "DER",
                "-out",
                output_path.to_str().expect("path"),
            ],
        )
    };
    let (ok, output) = sign("sha256");
    assert!(ok, "{output}");
    let cms = std::fs::read(&output_path).expect("CMS");
    let signed = embed(&prepared, &cms).expect("embed");
    assert_eq!(statuses(&signed, &trusting_demo_ca()), vec![SignatureStatus::Valid]);
    assert_pdfsig_valid(&signed, 1);

    // SHA-1 is refused.
    let (ok, output) = sign("sha1");
    assert!(ok, "{output}");
    let cms = std::fs::read(&output_path).expect("CMS");
    assert_eq!(code(embed(&prepared, &cms)), "WEAK_HASH");
    // A CMS over other content is refused.
    directory.file("content.bin", b"something else");
    let (ok, output) = sign("sha256");
    assert!(ok, "{output}");
    let cms = std::fs::read(&output_path).expect("CMS");
    assert_eq!(code(embed(&prepared, &cms)), "DIGEST_MISMATCH");
}

#[test]
fn a_too_small_placeholder_is_refused() {
    let mut options = person_options(false);
    options.reserved_bytes = 256;
    assert_eq!(code(person().sign_pdf(&sample_pdf(1, false), &options)), "SIGNATURE_TOO_LARGE");
}

#[test]
fn demo_pki_files_are_written() {
    let directory = TempDir::new("pki");
    demo().write_to_dir(&directory.0).expect("write");
    for name in ["ca.pem", "person.p12", "person.pem", "agency.p12", "agency.pem", "crl.pem"] {
        assert!(directory.0.join(name).is_file(), "{name}");
    }
    // OpenSSL reads the PKCS#12 files with the password (PBES2, AES-256, HMAC-SHA256).
    let password = format!("pass:{PASSWORD}");
    let (ok, output) = run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            directory.0.join("person.p12").to_str().expect("path"),
            "-passin",
            &password,
            "-info",
            "-noout",
        ],
    );
    assert!(ok, "{output}");
    assert!(output.contains("PBES2") && output.contains("AES-256-CBC") && output.contains("sha256"), "{output}");
    // The person's name is a UTF8String.
    let (ok, output) = run(
        "openssl",
        &[
            "x509",
            "-in",
            directory.0.join("person.pem").to_str().expect("path"),
            "-noout",
            "-subject",
            "-nameopt",
            "utf8,show_type",
        ],
    );
    assert!(ok, "{output}");
    assert!(output.contains("UTF8STRING:Nguyễn Văn An"), "{output}");
    let (ok, output) =
        run("openssl", &["crl", "-in", directory.0.join("crl.pem").to_str().expect("path"), "-noout", "-text"]);
    assert!(ok && output.contains("No Revoked Certificates"), "{output}");
}
