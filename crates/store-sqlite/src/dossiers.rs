//! Dossiers on SQLite: creation and transitions (run by the writer task), the queue, reads.

use crate::prelude::*;

pub(crate) async fn insert_event(
    tx: &mut SqliteConnection,
    unit_id: i64,
    code: &str,
    event: &Event,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO events (unit_id, code, seq, kind, actor, at, channel, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(unit_id)
        .bind(code)
        .bind(event.seq)
        .bind(&event.kind)
        .bind(&event.actor)
        .bind(micros(event.at))
        .bind(event.channel.as_str())
        .bind(event.payload.to_string())
        .execute(&mut *tx)
        .await
        .map_err(database)?;
    Ok(())
}

#[async_trait]
impl app::DossierStore for SqliteStore {
    async fn create_dossier(&self, write: NewDossierWrite) -> StoreResult<(StoredDossier, bool)> {
        self.write(move |tx| Box::pin(run_create(tx, write))).await
    }

    async fn apply(&self, write: ApplyWrite) -> StoreResult<StoredDossier> {
        self.write(move |tx| Box::pin(run_apply(tx, write))).await
    }

    async fn queue(&self, query: &QueueQuery) -> StoreResult<Vec<StoredDossier>> {
        let (sql, values) = query.statement();
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for value in values {
            statement = match value {
                app::SqlValue::Int(value) => statement.bind(value),
                app::SqlValue::Text(value) => statement.bind(value),
            };
        }
        let rows = statement.fetch_all(&self.reader).await.map_err(database)?;
        rows.iter().map(stored_dossier).collect()
    }

    async fn dossier(&self, code: &str) -> StoreResult<Option<DossierRecord>> {
        let Some(row) = sqlx::query("SELECT unit_id, current_unit_id, state FROM dossiers WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?
        else {
            return Ok(None);
        };
        let dossier = stored_dossier(&row)?;
        let events = sqlx::query(
            "SELECT seq, kind, actor, at, channel, payload FROM events WHERE unit_id = $1 AND code = $2 ORDER BY seq",
        )
        .bind(dossier.unit_id)
        .bind(code)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?
        .iter()
        .map(event_of)
        .collect::<StoreResult<Vec<_>>>()?;
        let applicant = sqlx::query(
            "SELECT name, id_number, phone, email, address FROM applicants WHERE unit_id = $1 AND code = $2",
        )
        .bind(dossier.unit_id)
        .bind(code)
        .fetch_optional(&self.reader)
        .await
        .map_err(database)?
        .map(|row| Applicant {
            name: row.get("name"),
            id_number: row.get("id_number"),
            phone: row.get("phone"),
            email: row.get("email"),
            address: row.get("address"),
        })
        .unwrap_or_default();
        Ok(Some(DossierRecord { dossier, events, applicant }))
    }

    async fn dossier_page(
        &self,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<(StoredDossier, Vec<Event>)>> {
        let (after_unit, after_code) = after.unwrap_or((i64::MIN, String::new()));
        let rows = sqlx::query(
            "SELECT unit_id, current_unit_id, code, state FROM dossiers WHERE (unit_id, code) > ($1, $2) ORDER BY unit_id, code LIMIT $3",
        )
        .bind(after_unit)
        .bind(&after_code)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        let Some(last) = rows.last() else {
            return Ok(Vec::new());
        };
        let (last_unit, last_code): (i64, String) = (last.get("unit_id"), last.get("code"));
        let mut page: Vec<(StoredDossier, Vec<Event>)> =
            rows.iter().map(|row| Ok((stored_dossier(row)?, Vec::new()))).collect::<StoreResult<_>>()?;
        let index: HashMap<(i64, String), usize> = page
            .iter()
            .enumerate()
            .map(|(position, (dossier, _))| ((dossier.unit_id, dossier.state.code.clone()), position))
            .collect();
        let events = sqlx::query(
            "SELECT unit_id, code, seq, kind, actor, at, channel, payload FROM events \
             WHERE (unit_id, code) > ($1, $2) AND (unit_id, code) <= ($3, $4) ORDER BY unit_id, code, seq",
        )
        .bind(after_unit)
        .bind(&after_code)
        .bind(last_unit)
        .bind(&last_code)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        for row in &events {
            let key = (row.get::<i64, _>("unit_id"), row.get::<String, _>("code"));
            if let Some(&position) = index.get(&key) {
                page[position].1.push(event_of(row)?);
            }
        }
        Ok(page)
    }

    async fn dossier_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM dossiers").fetch_one(&self.reader).await.map_err(database)?.get("n"))
    }
}

pub(crate) async fn insert_dossier(tx: &mut SqliteConnection, unit_id: i64, state: &DossierState) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO dossiers (unit_id, code, current_unit_id, procedure, procedure_version, field, channel, status, version, \
         submitted_at, legal_due, appointment, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(unit_id)
    .bind(&state.code)
    .bind(unit_id)
    .bind(state.procedure.as_str())
    .bind(i64::from(state.procedure_version))
    .bind(&state.field)
    .bind(state.channel.as_str())
    .bind(state.status.as_str())
    .bind(state.version)
    .bind(micros(state.submitted_at))
    .bind(optional_micros(state.legal_due))
    .bind(optional_micros(state.appointment))
    .bind(serde_json::to_string(state).map_err(json_error)?)
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    Ok(())
}

pub(crate) async fn update_dossier(
    tx: &mut SqliteConnection,
    unit_id: i64,
    current_unit_id: i64,
    state: &DossierState,
    previous_version: i64,
) -> StoreResult<()> {
    let result = sqlx::query(
        "UPDATE dossiers SET current_unit_id = $1, status = $2, version = $3, legal_due = $4, appointment = $5, state = $6 \
         WHERE unit_id = $7 AND code = $8 AND version = $9",
    )
    .bind(current_unit_id)
    .bind(state.status.as_str())
    .bind(state.version)
    .bind(optional_micros(state.legal_due))
    .bind(optional_micros(state.appointment))
    .bind(serde_json::to_string(state).map_err(json_error)?)
    .bind(unit_id)
    .bind(&state.code)
    .bind(previous_version)
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    if result.rows_affected() != 1 {
        return Err(StoreError::Conflict { expected: previous_version, actual: state.version });
    }
    Ok(())
}

pub(crate) async fn run_create(w: &mut WriteTx<'_>, write: NewDossierWrite) -> StoreResult<(StoredDossier, bool)> {
    if let Some(key) = write.idempotency_key.as_deref() {
        let existing = sqlx::query(
            "SELECT d.unit_id, d.current_unit_id, d.state FROM intake_keys k JOIN dossiers d ON d.unit_id = k.unit_id AND d.code = k.code \
             WHERE k.unit_id = $1 AND k.key = $2",
        )
        .bind(write.unit_id)
        .bind(key)
        .fetch_optional(&mut *w.connection)
        .await
        .map_err(database)?;
        if let Some(row) = existing {
            return Ok((stored_dossier(&row)?, false));
        }
    }
    let sequence: i64 = sqlx::query(
        "INSERT INTO code_sequences (unit_id, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (unit_id, day) DO UPDATE SET last = last + 1 RETURNING last",
    )
    .bind(write.unit_id)
    .bind(day_number(write.day))
    .fetch_one(&mut *w.connection)
    .await
    .map_err(database)?
    .try_get("last")
    .map_err(database)?;
    let unit_code = domain::catalog::Code::parse(&write.unit_code).map_err(StoreError::Database)?;
    let sequence =
        u32::try_from(sequence).map_err(|_| StoreError::Database(format!("code sequence out of range: {sequence}")))?;
    let code = domain::code::dossier_code(&unit_code, write.day, sequence);
    let (state, event) = (write.build)(&code)?;
    insert_dossier(w.connection, write.unit_id, &state).await?;
    insert_event(w.connection, write.unit_id, &code, &event).await?;
    let changes = increments(write.unit_id, None, &state, &event);
    apply_increments(w.connection, &changes).await?;
    w.roll_up(&changes);
    let applicant = &write.applicant;
    sqlx::query("INSERT INTO applicants (unit_id, code, name, id_number, phone, email, address) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(write.unit_id)
        .bind(&code)
        .bind(&applicant.name)
        .bind(&applicant.id_number)
        .bind(&applicant.phone)
        .bind(&applicant.email)
        .bind(&applicant.address)
        .execute(&mut *w.connection)
        .await
        .map_err(database)?;
    insert_documents(w.connection, write.unit_id, &code, &write.documents).await?;
    if let Some(key) = write.idempotency_key.as_deref() {
        sqlx::query("INSERT INTO intake_keys (unit_id, key, code) VALUES ($1, $2, $3)")
            .bind(write.unit_id)
            .bind(key)
            .bind(&code)
            .execute(&mut *w.connection)
            .await
            .map_err(database)?;
    }
    w.append_audit(&audit_of(write.unit_id, &code, &event, write.client.as_ref())).await?;
    Ok((StoredDossier { unit_id: write.unit_id, current_unit_id: write.unit_id, state }, true))
}

pub(crate) async fn run_apply(w: &mut WriteTx<'_>, job: ApplyWrite) -> StoreResult<StoredDossier> {
    let row = sqlx::query("SELECT unit_id, current_unit_id, state FROM dossiers WHERE code = $1")
        .bind(&job.code)
        .fetch_optional(&mut *w.connection)
        .await
        .map_err(database)?
        .ok_or_else(|| StoreError::NotFound(format!("hồ sơ / dossier {}", job.code)))?;
    let stored = stored_dossier(&row)?;
    if let Some(expected) = job.expected_version
        && expected != stored.state.version
    {
        return Err(StoreError::Conflict { expected, actual: stored.state.version });
    }
    let procedure =
        procedure_version(w.connection, w.procedures, stored.state.procedure.as_str(), stored.state.procedure_version)
            .await?;
    let event = (job.decide)(&stored, &procedure)?;
    let after = dossier::fold(Some(&stored.state), &event)?;
    let changes = increments(stored.unit_id, Some(&stored.state), &after, &event);
    insert_event(w.connection, stored.unit_id, &job.code, &event).await?;
    if let Some(issued) = &job.issued {
        insert_issued(w.connection, stored.unit_id, &job.code, &event, issued).await?;
    }
    let current = job.current_unit_id.unwrap_or(stored.current_unit_id);
    update_dossier(w.connection, stored.unit_id, current, &after, stored.state.version).await?;
    apply_increments(w.connection, &changes).await?;
    w.roll_up(&changes);
    w.append_audit(&audit_of(stored.unit_id, &job.code, &event, job.client.as_ref())).await?;
    Ok(StoredDossier { unit_id: stored.unit_id, current_unit_id: current, state: after })
}
