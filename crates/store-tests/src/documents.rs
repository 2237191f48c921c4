//! Document scenarios: files submitted with a dossier, and the forms transitions issue.

use std::sync::Arc;

use app::access::Actor;
use app::{Store, StoreError};
use domain::dossier::{Channel, Transition};

use crate::fixtures::{THREE_DAY_PROCEDURE, instant, seeded, submit_request};

const PDF_SHA256: &str = "42265d225ba77e7570b3d4bbd6a856d65768bc2686342514464f10b61484e9bf";

/// Files submitted online are stored with the dossier, in order, with their hash.
pub async fn documents_with_intake(store: Arc<dyn Store>) {
    use app::NewDocument;
    let service = seeded(store.clone()).await;
    let system = Actor::system("portal");
    let pdf = b"%PDF-1.4\n% motcua test\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let documents = vec![
        NewDocument { name: "Tờ khai".to_owned(), content_type: "application/pdf".to_owned(), content: pdf.clone() },
        NewDocument {
            name: "Giấy tờ tùy thân".to_owned(), content_type: "image/png".to_owned(), content: png.clone()
        },
    ];
    let at = instant("2026-03-09T09:00:00+07:00");
    let request = submit_request(THREE_DAY_PROCEDURE, Channel::Online, None);
    let (dossier, _) = service.submit_with_documents(request, documents, &system, at).await.unwrap();
    let code = dossier.state.code;
    let listed = store.documents(&code).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!((listed[0].seq, listed[0].name.as_str(), listed[0].size), (1, "Tờ khai", pdf.len() as i64));
    assert_eq!(listed[1].content_type, "image/png");
    // The SHA-256 of "%PDF-1.4\n% motcua test\n", computed with `sha256sum`.
    assert_eq!(listed[0].sha256, PDF_SHA256);
    let (record, content) = store.document_content(&code, 2).await.unwrap().expect("second file");
    assert_eq!((record.name.as_str(), content), ("Giấy tờ tùy thân", png));
    assert_eq!(store.document_content(&code, 3).await.unwrap(), None);
    assert!(store.documents("26740-260309-9999").await.unwrap().is_empty());
    // A dossier without files has none.
    let (plain, _) =
        service.submit(submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None), &system, at).await.unwrap();
    assert!(store.documents(&plain.state.code).await.unwrap().is_empty());
}

/// A form issuer for the store suite: "renders" a small text naming the form and the event, or
/// lies about its hash, or fails, as told. The real one (rendering and signing) is tested end to
/// end in `crates/web/tests/documents.rs`.
struct SuiteIssuer {
    behaviour: &'static str,
}

impl app::service::FormIssuer for SuiteIssuer {
    fn form_of(&self, transition: &Transition) -> Option<&'static str> {
        matches!(transition, Transition::Accept | Transition::RequestSupplement { .. }).then_some("receipt")
    }

    fn issue(&self, request: &app::service::IssueRequest) -> app::StoreResult<app::IssuedDocument> {
        use sha2::Digest;
        let content =
            format!("form for {} at event {}", request.record.dossier.state.code, request.event.seq).into_bytes();
        let mut sha256 = hex::encode(sha2::Sha256::digest(&content));
        match self.behaviour {
            "fail" => {
                return Err(StoreError::Issuing { code: "SIGNING_KEYS_MISSING", message: "no keys".to_owned() });
            }
            "lie" => sha256 = "0".repeat(64),
            _ => {}
        }
        Ok(app::IssuedDocument {
            form: "receipt".to_owned(),
            name: format!("{}.pdf", request.record.dossier.state.code),
            content,
            sha256,
            signatures: 1,
        })
    }
}

/// A transition that issues a form stores it with its event, in the same transaction: the event
/// names the form's hash, the form is found by dossier and by hash; a form whose bytes do not
/// hash to what it claims, or that cannot be made, refuses the transition and writes nothing.
pub async fn issued_documents_with_their_event(store: Arc<dyn Store>) {
    let plain = seeded(store.clone()).await;
    let issuing = |behaviour| plain.clone().with_issuer(Arc::new(SuiteIssuer { behaviour }));
    let desk = Actor::system("officer-1");
    let at = instant("2026-03-09T09:00:00+07:00");
    let (dossier, _) =
        plain.submit(submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None), &desk, at).await.unwrap();
    let code = dossier.state.code;
    for behaviour in ["fail", "lie"] {
        let refused = issuing(behaviour).transition(&code, None, Transition::Accept, &desk, Channel::Counter, at).await;
        assert!(
            matches!(refused, Err(StoreError::Issuing { .. } | StoreError::Database(_))),
            "{behaviour}: {refused:?}"
        );
        // Which refusal: the issuer's own code, or the store's check of the hash it claims.
        match (behaviour, &refused) {
            ("fail", Err(StoreError::Issuing { code, message })) => {
                assert_eq!((*code, message.as_str()), ("SIGNING_KEYS_MISSING", "no keys"));
            }
            ("lie", Err(StoreError::Database(message))) => {
                assert!(message.contains("does not match its event"), "{message}");
            }
            other => panic!("unexpected refusal {other:?}"),
        }
        let record = store.dossier(&code).await.unwrap().expect("dossier");
        assert_eq!(record.events.len(), 1, "{behaviour}: nothing written");
        assert!(store.issued_documents(&code).await.unwrap().is_empty(), "{behaviour}");
    }
    let accepted =
        issuing("honest").transition(&code, Some(1), Transition::Accept, &desk, Channel::Counter, at).await.unwrap();
    assert_eq!(accepted.state.version, 2);
    let record = store.dossier(&code).await.unwrap().expect("dossier");
    let document = &record.events[1].payload["document"];
    let listed = store.issued_documents(&code).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].seq, listed[0].form.as_str(), listed[0].signatures), (2, "receipt", 1));
    assert_eq!(document["sha256"], listed[0].sha256.as_str());
    assert_eq!(listed[0].issued_at, record.events[1].at);
    let (found, content) = store.issued_content(&code, 2).await.unwrap().expect("content");
    assert_eq!(found, listed[0]);
    assert_eq!(content, format!("form for {code} at event 2").into_bytes());
    assert_eq!(store.issued_by_hash(&listed[0].sha256).await.unwrap(), listed);
    assert!(store.issued_by_hash(&"f".repeat(64)).await.unwrap().is_empty());
    assert_eq!(store.issued_content(&code, 1).await.unwrap(), None);
    // A transition that issues nothing stores nothing; the events replay to the same state.
    issuing("honest").transition(&code, None, Transition::CompleteStep, &desk, Channel::Counter, at).await.unwrap();
    assert_eq!(store.issued_documents(&code).await.unwrap().len(), 1);
    assert_eq!(plain.check().await.unwrap().differences, Vec::<String>::new());
}
