//! The dossiers' commands and queries in the service: intake, transitions, staff and public reads.

use crate::access::{Action, Actor};
use crate::documents::issuer::{FormIssuer, IssueRequest};
use crate::service::{Service, denied, not_found, stored_precision};
use crate::{StoreError, StoreResult};
use domain::DomainError;
use domain::catalog::{Code, normalize_text};
use domain::dossier::{self, Channel, Context, Event, NewDossier, Transition};
use jiff::Timestamp;
use std::sync::Arc;

use super::*;

impl Service {
    /// Whether `actor` may make `transition` on `dossier`: the rule the write itself checks
    /// inside its transaction, asked beforehand so that pages offer only what would be accepted.
    pub async fn may_transition(
        &self,
        actor: &Actor,
        dossier: &StoredDossier,
        transition: &Transition,
    ) -> StoreResult<bool> {
        let (action, at_receiving_unit) = action_of(transition);
        let unit = if at_receiving_unit { dossier.unit_id } else { dossier.current_unit_id };
        let tree = self.unit_tree(&[unit]).await?;
        Ok(actor.may(&tree, action, unit))
    }

    /// Submits a dossier (intake through any channel). Idempotent on the key.
    pub async fn submit(
        &self,
        request: SubmitRequest,
        actor: &Actor,
        at: Timestamp,
    ) -> StoreResult<(StoredDossier, bool)> {
        self.submit_with_documents(request, Vec::new(), actor, at).await
    }

    /// Submits a dossier with its files (online intake), all in one transaction.
    pub async fn submit_with_documents(
        &self,
        request: SubmitRequest,
        documents: Vec<crate::NewDocument>,
        actor: &Actor,
        at: Timestamp,
    ) -> StoreResult<(StoredDossier, bool)> {
        let at = stored_precision(at);
        let day = dossier::local_day(at);
        let unit = self
            .store
            .find_unit(&request.unit_code, day)
            .await?
            .ok_or_else(|| not_found(format!("đơn vị / unit {}", request.unit_code)))?;
        self.authorize(actor, Action::Intake, &[unit.id], &format!("đơn vị / unit {}", unit.code)).await?;
        let procedure = self.store.procedure_on(&request.procedure_code, day).await?.ok_or_else(|| {
            not_found(format!("thủ tục đang áp dụng / procedure in force {} on {day}", request.procedure_code))
        })?;
        let applicant = Applicant {
            name: normalize_text(&request.applicant.name),
            id_number: request.applicant.id_number.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
            phone: request.applicant.phone.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
            email: request.applicant.email.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
            address: request.applicant.address.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
        };
        if applicant.name.is_empty() || applicant.name.chars().count() > 200 {
            return Err(DomainError::new(
                "APPLICANT_NAME_REQUIRED",
                "cần họ tên người nộp (tối đa 200 ký tự) / the applicant's name is required (at most 200 characters)"
                    .to_owned(),
            )
            .into());
        }
        let key = request.idempotency_key.as_deref().map(normalize_text).filter(|key| !key.is_empty());
        if key.as_ref().is_some_and(|key| key.len() > 200) {
            return Err(DomainError::new(
                "IDEMPOTENCY_KEY_TOO_LONG",
                "khóa tối đa 200 byte / the idempotency key is at most 200 bytes".to_owned(),
            )
            .into());
        }
        let unit_code = Code::parse(&unit.code).map_err(|message| DomainError::new("UNIT_INVALID_CODE", message))?;
        let new = NewDossier {
            receiving_unit: unit_code,
            procedure: procedure.code.clone(),
            channel: request.channel,
            idempotency_key: key.clone(),
        };
        let client = actor.client.clone();
        let actor = actor.name.clone();
        let build = move |code: &str| dossier::submit(&new, code, &procedure, &actor, at);
        let result = self
            .store
            .create_dossier(crate::NewDossierWrite {
                unit_id: unit.id,
                unit_code: unit.code.clone(),
                day,
                idempotency_key: key,
                applicant,
                client,
                documents,
                build: Box::new(build),
            })
            .await;
        self.wrote(result)
    }

    /// Applies a transition.
    pub async fn transition(
        &self,
        code: &str,
        expected_version: Option<i64>,
        transition: Transition,
        actor: &Actor,
        channel: Channel,
        at: Timestamp,
    ) -> StoreResult<StoredDossier> {
        let at = stored_precision(at);
        if let Some(issuer) = &self.issuer
            && let Some(form) = issuer.form_of(&transition)
        {
            let issuer = issuer.clone();
            return self.transition_issuing(issuer, form, code, expected_version, transition, actor, channel, at).await;
        }
        let to_unit_id = match &transition {
            Transition::Transfer { to_unit } => Some(
                self.store
                    .find_unit(to_unit, dossier::local_day(at))
                    .await?
                    .ok_or_else(|| not_found(format!("đơn vị / unit {to_unit}")))?
                    .id,
            ),
            _ => None,
        };
        let decide = self.decider(actor, transition, channel, at).await?;
        let result = self
            .store
            .apply(crate::ApplyWrite {
                code: code.to_owned(),
                expected_version,
                current_unit_id: to_unit_id,
                client: actor.client.clone(),
                decide: Box::new(move |stored, procedure| decide(stored, procedure)),
                issued: None,
            })
            .await;
        self.wrote(result)
    }

    /// What a transition's write runs inside its transaction, against the locked dossier: the
    /// access check (so a concurrent transfer cannot slip an action past it; the unit tree is
    /// loaded beforehand) and the domain's decision.
    async fn decider(
        &self,
        actor: &Actor,
        transition: Transition,
        channel: Channel,
        at: Timestamp,
    ) -> StoreResult<impl Fn(&StoredDossier, &domain::catalog::Procedure) -> StoreResult<Event> + Send + Sync + 'static>
    {
        let (engine, unit_engines) = (self.engine.clone(), self.unit_engines.clone());
        let tree = self.unit_tree(&[]).await?;
        let (action, at_receiving_unit) = action_of(&transition);
        let actor = actor.clone();
        Ok(move |stored: &StoredDossier, procedure: &domain::catalog::Procedure| {
            let unit = if at_receiving_unit { stored.unit_id } else { stored.current_unit_id };
            if !actor.may(&tree, action, unit) {
                return Err(denied(&actor, action, &format!("hồ sơ / dossier {}", stored.state.code)));
            }
            let state = &stored.state;
            let engine = unit_engines.get(state.receiving_unit.as_str()).unwrap_or(&engine);
            let context = Context { engine, procedure, actor: &actor.name, at, channel };
            Ok(dossier::decide_event(state, &transition, &context)?)
        })
    }

    /// A transition that issues a form: the event is decided once outside the transaction from
    /// the dossier as read, the form rendered and signed from it (milliseconds of CPU, kept out of
    /// the write lock), then the write decides the event again against the locked dossier and
    /// stores event and form together only if the event is the same (else it was changed
    /// meanwhile: with no version given by the caller it is tried again, up to three times).
    #[allow(clippy::too_many_arguments)]
    async fn transition_issuing(
        &self,
        issuer: Arc<dyn FormIssuer>,
        form: &'static str,
        code: &str,
        expected_version: Option<i64>,
        transition: Transition,
        actor: &Actor,
        channel: Channel,
        at: Timestamp,
    ) -> StoreResult<StoredDossier> {
        let (action, at_receiving_unit) = action_of(&transition);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let record = self.store.dossier(code).await?.ok_or_else(|| not_found(format!("hồ sơ / dossier {code}")))?;
            let stored = &record.dossier;
            let version = stored.state.version;
            if let Some(expected) = expected_version
                && expected != version
            {
                return Err(StoreError::Conflict { expected, actual: version });
            }
            let unit_id = if at_receiving_unit { stored.unit_id } else { stored.current_unit_id };
            self.authorize(actor, action, &[unit_id], &format!("hồ sơ / dossier {code}")).await?;
            let state = &stored.state;
            // The version the dossier was received under, as the write inside the transaction uses.
            let procedure =
                self.store.procedure_version(state.procedure.as_str(), state.procedure_version).await?.ok_or_else(
                    || not_found(format!("thủ tục / procedure {} v{}", state.procedure, state.procedure_version)),
                )?;
            let engine = self.engine_for(state.receiving_unit.as_str());
            let context = Context { engine, procedure: &procedure, actor: &actor.name, at, channel };
            let event = dossier::decide_event(state, &transition, &context)?;
            let officer = match self.store.user_by_login(&actor.name).await? {
                Some(user) if !user.display_name.trim().is_empty() => user.display_name,
                _ => actor.name.clone(),
            };
            let unit = |id: i64| async move {
                self.store.unit_by_id(id).await?.ok_or_else(|| not_found(format!("đơn vị / unit #{id}")))
            };
            let request = IssueRequest {
                receiving_unit: unit(stored.unit_id).await?,
                acting_unit: unit(stored.current_unit_id).await?,
                procedure,
                transition: transition.clone(),
                event: event.clone(),
                officer,
                record: record.clone(),
            };
            let issuing = issuer.clone();
            let issued = tokio::task::spawn_blocking(move || issuing.issue(&request))
                .await
                .map_err(|error| StoreError::Database(format!("issuing {form}: {error}")))??;
            let mut written = event.clone();
            if let Some(payload) = written.payload.as_object_mut() {
                payload.insert(
                    "document".to_owned(),
                    serde_json::json!({
                        "form": issued.form,
                        "name": issued.name,
                        "sha256": issued.sha256,
                        "signatures": issued.signatures,
                    }),
                );
            }
            let decider = self.decider(actor, transition.clone(), channel, at).await?;
            let decide = move |stored: &StoredDossier, procedure: &domain::catalog::Procedure| {
                if decider(stored, procedure)? != event {
                    // The form was made from another state or procedure version than the locked one.
                    return Err(StoreError::Conflict { expected: version, actual: stored.state.version });
                }
                Ok(written.clone())
            };
            let result = self
                .store
                .apply(crate::ApplyWrite {
                    code: code.to_owned(),
                    expected_version: Some(version),
                    current_unit_id: None,
                    client: actor.client.clone(),
                    decide: Box::new(decide),
                    issued: Some(issued),
                })
                .await;
            match result {
                Err(StoreError::Conflict { .. }) if expected_version.is_none() && attempt < 3 => continue,
                result => return self.wrote(result),
            }
        }
    }

    /// A dossier with its applicant's personal data and history, for staff: the actor must be
    /// allowed to read dossiers of its receiving or current unit, and the read is recorded in the
    /// audit trail with the actor and client address.
    pub async fn dossier_for_staff(
        &self,
        code: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> StoreResult<crate::DossierRecord> {
        let record = self.store.dossier(code).await?.ok_or_else(|| not_found(format!("hồ sơ / dossier {code}")))?;
        let units = [record.dossier.unit_id, record.dossier.current_unit_id];
        self.authorize(actor, Action::ReadDossier, &units, &format!("hồ sơ / dossier {code}")).await?;
        self.record_read(record.dossier.unit_id, code, &actor.name, actor.client.clone(), at).await?;
        Ok(record)
    }

    /// The secret printed on a dossier's receipt: the second factor of the public look-up. Derived
    /// (HMAC-SHA-256 with the server's receipt key, 40 bits in Crockford base32, 8 characters), so
    /// it is the same for every answer about the same dossier and is stored nowhere.
    pub async fn receipt_secret(&self, code: &str) -> StoreResult<String> {
        use hmac::Mac;
        let key = self
            .receipt_key
            .get_or_try_init(|| async {
                let mut fresh = [0_u8; 32];
                getrandom::fill(&mut fresh)
                    .map_err(|error| crate::StoreError::Database(format!("no randomness: {error}")))?;
                let stored = self.store.setting_or_insert("receipt_key", &hex::encode(fresh)).await?;
                hex::decode(stored)
                    .map_err(|_| crate::StoreError::Database("the stored receipt key is not hex".to_owned()))
            })
            .await?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
            .map_err(|_| crate::StoreError::Database("bad receipt key".to_owned()))?;
        mac.update(code.as_bytes());
        let digest = mac.finalize().into_bytes();
        Ok(crockford().encode(&digest[..5]))
    }

    /// Whether `given` is the receipt secret of `code` (case and spaces ignored; compared in
    /// constant time).
    pub async fn receipt_secret_matches(&self, code: &str, given: &str) -> StoreResult<bool> {
        let expected = self.receipt_secret(code).await?;
        let given: Vec<u8> =
            given.bytes().filter(|byte| !byte.is_ascii_whitespace()).map(|byte| byte.to_ascii_uppercase()).collect();
        Ok(bool::from(subtle::ConstantTimeEq::ct_eq(given.as_slice(), expected.as_bytes())))
    }

    /// The public look-up: the dossier when `code` exists and `secret` is its receipt's secret;
    /// `None` otherwise (an unknown code and a wrong secret are not told apart).
    pub async fn public_dossier(&self, code: &str, secret: &str) -> StoreResult<Option<crate::DossierRecord>> {
        if !domain::code::looks_like_dossier_code(code) || secret.is_empty() {
            return Ok(None);
        }
        let Some(record) = self.reads().dossier(code).await? else { return Ok(None) };
        if !self.receipt_secret_matches(code, secret).await? {
            return Ok(None);
        }
        Ok(Some(record))
    }
}

/// Crockford's base32 (digits and capitals without I, L, O, U), most significant bit first, no
/// padding: 40 bits make 8 characters.
fn crockford() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    #[allow(clippy::expect_used)]
    spec.encoding().expect("32 distinct ASCII symbols and no padding make a valid base32 specification")
}

#[cfg(test)]
mod tests {
    /// The encoding is the one receipts were printed with (bits taken five by five from the
    /// most significant), so printed secrets stay valid.
    #[test]
    fn crockford_as_printed_on_receipts() {
        const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let bytes: Vec<u8> = seed.to_be_bytes()[..5].to_vec();
            let bits = bytes.iter().fold(0_u64, |bits, byte| (bits << 8) | u64::from(*byte));
            let printed: String =
                (0..8).rev().map(|index| char::from(ALPHABET[((bits >> (index * 5)) & 31) as usize])).collect();
            assert_eq!(super::crockford().encode(&bytes), printed);
        }
        assert_eq!(super::crockford().encode(&[0xff; 5]), "ZZZZZZZZ");
    }
}
