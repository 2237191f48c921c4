//! Signing a ≈50 KB PDF (14 pages of text, cross-reference table) with the built-in PKCS#12
//! signer, ECDSA P-256 and RSA-2048, invisible and with a signature image; and verifying a
//! document with two signatures. Keys are opened once, outside the measured loop.
//!
//! Run: `cargo bench -p signing --bench sign`. Results go in BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::OnceLock;

use common::{PASSWORD, demo, fixture, sample_pdf, sample_png};
use divan::Bencher;
use jiff::{SignedDuration, Timestamp};
use signing::pki::{SubjectName, write_pkcs12};
use signing::{Appearance, P12Signer, Role, SignOptions, SignatureBox, VerifyOptions, verify};

fn main() {
    divan::main();
}

fn document() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let pdf = sample_pdf(14, false);
        assert!((45_000..60_000).contains(&pdf.len()), "the sample PDF is {} bytes", pdf.len());
        pdf
    })
}

fn p256_signer() -> &'static P12Signer {
    static SIGNER: OnceLock<P12Signer> = OnceLock::new();
    SIGNER.get_or_init(|| P12Signer::open(&demo().person.p12, PASSWORD).expect("P-256 signer"))
}

fn rsa_signer() -> &'static P12Signer {
    static SIGNER: OnceLock<P12Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let key = fixture("rsa-2048.key.pem");
        let now = Timestamp::now();
        let subject = SubjectName {
            common_name: "Trần Thị Bình".into(),
            organization: Some("Ủy ban nhân dân phường Sài Gòn".into()),
            country: Some("VN".into()),
            user_id: Some("CCCD:079099000002".into()),
            ..SubjectName::default()
        };
        let authority = &demo().authority;
        let certificate = authority
            .issue(&subject, &key, now - SignedDuration::from_hours(1), now + SignedDuration::from_hours(24))
            .expect("certificate");
        let p12 =
            write_pkcs12(&key, &[certificate, authority.certificate_der().to_vec()], PASSWORD, "rsa").expect("p12");
        P12Signer::open(&p12, PASSWORD).expect("RSA signer")
    })
}

fn options(appearance: Appearance) -> SignOptions {
    SignOptions::new(Role::Person, appearance, Timestamp::now())
}

#[divan::bench]
fn sign_invisible_p256(bencher: Bencher) {
    let (pdf, signer, options) = (document(), p256_signer(), options(Appearance::Invisible));
    bencher.bench(|| signer.sign_pdf(divan::black_box(pdf), &options).expect("signed"));
}

#[divan::bench]
fn sign_invisible_rsa2048(bencher: Bencher) {
    let (pdf, signer, options) = (document(), rsa_signer(), options(Appearance::Invisible));
    bencher.bench(|| signer.sign_pdf(divan::black_box(pdf), &options).expect("signed"));
}

#[divan::bench]
fn sign_with_image_p256(bencher: Bencher) {
    let appearance = Appearance::PersonSignature {
        area: SignatureBox::new(0, 340.0, 120.0, 160.0, 64.0),
        image_png: Some(sample_png(320, 128, [20, 40, 160], true)),
        signer_name: "Nguyễn Văn An".into(),
    };
    let (pdf, signer, options) = (document(), p256_signer(), options(appearance));
    bencher.bench(|| signer.sign_pdf(divan::black_box(pdf), &options).expect("signed"));
}

#[divan::bench]
fn sign_with_generated_text_p256(bencher: Bencher) {
    let appearance = Appearance::PersonSignature {
        area: SignatureBox::new(0, 340.0, 120.0, 160.0, 64.0),
        image_png: None,
        signer_name: "Nguyễn Văn An".into(),
    };
    let (pdf, signer, options) = (document(), p256_signer(), options(appearance));
    bencher.bench(|| signer.sign_pdf(divan::black_box(pdf), &options).expect("signed"));
}

#[divan::bench]
fn verify_two_signatures(bencher: Bencher) {
    let once = p256_signer().sign_pdf(document(), &options(Appearance::Invisible)).expect("person");
    let agency = P12Signer::open(&demo().agency.p12, PASSWORD).expect("agency");
    let twice = agency
        .sign_pdf(&once, &SignOptions::new(Role::Agency, Appearance::Invisible, Timestamp::now()))
        .expect("agency signature");
    let mut verify_options = VerifyOptions::new();
    verify_options.add_trust_anchors(demo().authority.certificate_der()).expect("anchor");
    bencher.bench(|| verify(divan::black_box(&twice), &verify_options).expect("verified"));
}
