//! `motcua pki init`, `render`, `sign` and `verify` as a user runs them, judged by Poppler's
//! `pdfsig` and `pdftotext` and by OpenSSL (issue 7, part 3). The tools come from
//! scripts/ensure-doc-tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_CONFIG")
        .env_remove("MOTCUA_P12_PASSWORD")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "motcua-docs-cli-{tag}-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A refusal: exit status 2 and one line on standard error naming the stable code.
fn refused(output: &Output, code: &str) {
    let error = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{error}");
    assert_eq!(error.trim_end().lines().count(), 1, "one line: {error}");
    assert!(error.contains(code), "{code} in {error}");
}

fn ok(output: &Output) {
    assert!(output.status.success(), "{}{}", stdout(output), stderr(output));
}

fn pdfsig(file: &str) -> String {
    let output = Command::new("pdfsig").arg(file).output().expect("pdfsig (Debian poppler-utils)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn render_list_names_every_kind_with_its_fields() {
    let output = motcua(&["render", "--list"]);
    ok(&output);
    let text = stdout(&output);
    let names: Vec<&str> = text.lines().map(|line| line.split('\t').next().unwrap_or("")).collect();
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
    let receipt = text.lines().next().unwrap_or_default();
    assert!(receipt.contains("dossier_code") && receipt.contains("applicant.name"), "{receipt}");
}

#[test]
fn person_then_agency_signatures_verify_and_a_changed_byte_is_caught() {
    let dir = TempDir::new("sign");
    let keys = dir.0.join("keys");
    let keys_dir = keys.display().to_string();
    ok(&motcua(&["pki", "init", "--out", &keys_dir]));
    for file in ["ca.pem", "person.p12", "agency.p12", "crl.pem", "password.txt"] {
        assert!(keys.join(file).is_file(), "{file}");
    }
    // Never overwrites a PKI.
    refused(&motcua(&["pki", "init", "--out", &keys_dir]), "INVALID_INPUT");

    let letter = path(&dir.0, "apology.pdf");
    ok(&motcua(&["render", "apology", "--example", "--out", &letter]));
    let text = Command::new("pdftotext").args([letter.as_str(), "-"]).output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"), "{text}");

    let password = path(&keys, "password.txt");
    let (person_p12, agency_p12) = (path(&keys, "person.p12"), path(&keys, "agency.p12"));
    let (person_pdf, both_pdf) = (path(&dir.0, "person.pdf"), path(&dir.0, "both.pdf"));
    // The agency may not sign before the competent person.
    let early = path(&dir.0, "early.pdf");
    let sign = |file: &str, p12: &str, role: &str, out: &str| {
        motcua(&["sign", file, "--p12", p12, "--password-file", &password, "--role", role, "--out", out])
    };
    refused(&sign(&letter, &agency_p12, "agency", &early), "ORDER");
    assert!(!Path::new(&early).exists(), "nothing written on a refusal");
    ok(&sign(&letter, &person_p12, "person", &person_pdf));
    ok(&sign(&person_pdf, &agency_p12, "agency", &both_pdf));

    let report = pdfsig(&both_pdf);
    assert_eq!(report.matches("Signature is Valid.").count(), 2, "{report}");
    let trust = path(&keys, "ca.pem");
    let verified = motcua(&["verify", &both_pdf, "--trust", &trust]);
    ok(&verified);
    assert_eq!(stdout(&verified).lines().count(), 2, "one line per signature: {}", stdout(&verified));
    // Without the trust anchor the signatures are intact but untrusted: exit 1.
    let untrusted = motcua(&["verify", &both_pdf]);
    assert_eq!(untrusted.status.code(), Some(1), "{}", stdout(&untrusted));

    // OpenSSL checks the first signature's CMS over its signed bytes.
    let pdf = std::fs::read(&both_pdf).expect("read");
    let extracted = signing::extract_signatures(&pdf).expect("signatures");
    let (cms, content) = (path(&dir.0, "cms.der"), path(&dir.0, "content.bin"));
    std::fs::write(&cms, &extracted[0].cms_der).expect("write");
    std::fs::write(&content, &extracted[0].signed_content).expect("write");
    let openssl = Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in", &cms, "-content", &content, "-CAfile", &trust])
        .args(["-purpose", "any", "-out", "/dev/null"])
        .output()
        .expect("openssl");
    assert!(String::from_utf8_lossy(&openssl.stderr).contains("Verification successful"), "{openssl:?}");

    // One byte of signed content changed: both pdfsig and motcua verify report it.
    let mut changed = pdf.clone();
    // A digit of the creation date in the (uncompressed) XMP metadata: the file still parses.
    let marker = b"<xmp:CreateDate>";
    let at = changed.windows(marker.len()).position(|window| window == marker).expect("XMP creation date");
    changed[at + marker.len() + 3] ^= 0x01;
    let changed_pdf = path(&dir.0, "changed.pdf");
    std::fs::write(&changed_pdf, &changed).expect("write");
    assert!(!pdfsig(&changed_pdf).contains("Signature is Valid."), "{}", pdfsig(&changed_pdf));
    let verdict = motcua(&["verify", &changed_pdf, "--trust", &trust]);
    assert_eq!(verdict.status.code(), Some(1));
    assert!(stdout(&verdict).contains("INVALID") || stdout(&verdict).contains("không hợp lệ"), "{}", stdout(&verdict));
}

#[test]
fn bad_input_is_refused_with_one_line_and_status_2() {
    let dir = TempDir::new("bad");
    let keys = dir.0.join("keys");
    ok(&motcua(&["pki", "init", "--out", &keys.display().to_string()]));
    let receipt = path(&dir.0, "receipt.pdf");
    ok(&motcua(&["render", "receipt", "--example", "--out", &receipt]));
    let password = path(&keys, "password.txt");
    let person = path(&keys, "person.p12");
    let out = path(&dir.0, "out.pdf");

    // Not a PDF.
    let text = path(&dir.0, "note.pdf");
    std::fs::write(&text, "chỉ là văn bản / just text").expect("write");
    let output =
        motcua(&["sign", &text, "--p12", &person, "--password-file", &password, "--role", "person", "--out", &out]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stderr(&output).trim_end().lines().count(), 1);
    let output = motcua(&["verify", &text]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));

    // A wrong password.
    let wrong = path(&dir.0, "wrong.txt");
    std::fs::write(&wrong, "not-the-password\n").expect("write");
    let output =
        motcua(&["sign", &receipt, "--p12", &person, "--password-file", &wrong, "--role", "person", "--out", &out]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stderr(&output).trim_end().lines().count(), 1);

    // A weak key: RSA-1024, made with OpenSSL.
    let (key, certificate, p12) = (path(&dir.0, "weak.key"), path(&dir.0, "weak.pem"), path(&dir.0, "weak.p12"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", &key, "-out", &certificate])
        .args(["-days", "30", "-subj", "/CN=Khoa yeu/UID=CCCD:079099000009", "-sha256"])
        .output()
        .expect("openssl req");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let exported = Command::new("openssl")
        .args(["pkcs12", "-export", "-inkey", &key, "-in", &certificate, "-out", &p12, "-passout", "pass:motcua-demo"])
        .output()
        .expect("openssl pkcs12");
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let output =
        motcua(&["sign", &receipt, "--p12", &p12, "--password-file", &password, "--role", "person", "--out", &out]);
    refused(&output, "WEAK_KEY");
    assert!(!Path::new(&out).exists(), "nothing written on a refusal");

    // Data that does not fit the form.
    let data = path(&dir.0, "data.json");
    std::fs::write(&data, r#"{"issuer": {"name": "X", "place": "Sài Gòn"}}"#).expect("write");
    let output = motcua(&["render", "receipt", "--data", &data, "--out", &out]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stderr(&output).trim_end().lines().count(), 1);
    let output = motcua(&["render", "no-such-form", "--example", "--out", &out]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
