//! The bulk loader on PostgreSQL: multi-row inserts in one transaction.

use crate::prelude::*;

#[async_trait]
impl app::BulkStore for PostgresStore {
    async fn bulk_insert(&self, batch: &BulkBatch) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        bulk_write(&mut tx, batch).await?;
        tx.commit().await.map_err(database)
    }
}

/// Rows per multi-row INSERT (13 columns × 1,000 rows stays under PostgreSQL's 65,535 parameters).
pub(crate) const BULK_ROWS: usize = 1_000;

pub(crate) async fn bulk_write(tx: &mut Transaction<'static, Postgres>, batch: &BulkBatch) -> StoreResult<()> {
    // In key order: each unit's rows go to neighbouring index pages.
    let mut dossiers: Vec<&app::BulkDossier> = batch.dossiers.iter().collect();
    dossiers.sort_unstable_by(|a, b| (a.unit_id, &a.state.code).cmp(&(b.unit_id, &b.state.code)));
    for chunk in dossiers.chunks(BULK_ROWS) {
        let mut states = Vec::with_capacity(chunk.len());
        for dossier in chunk {
            states.push(serde_json::to_string(&dossier.state).map_err(json_error)?);
        }
        let mut builder = QueryBuilder::<Postgres>::new(
            "INSERT INTO dossiers (unit_id, code, current_unit_id, procedure, procedure_version, field, channel, status, version, \
             submitted_at, legal_due, appointment, state) ",
        );
        builder.push_values(chunk.iter().zip(states), |mut row, (dossier, state_json)| {
            let state = &dossier.state;
            row.push_bind(dossier.unit_id)
                .push_bind(&state.code)
                .push_bind(dossier.current_unit_id)
                .push_bind(state.procedure.as_str())
                .push_bind(i64::from(state.procedure_version))
                .push_bind(&state.field)
                .push_bind(state.channel.as_str())
                .push_bind(state.status.as_str())
                .push_bind(state.version)
                .push_bind(micros(state.submitted_at))
                .push_bind(optional_micros(state.legal_due))
                .push_bind(optional_micros(state.appointment))
                .push_bind(state_json);
        });
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
        let mut builder = QueryBuilder::<Postgres>::new(
            "INSERT INTO applicants (unit_id, code, name, id_number, phone, email, address) ",
        );
        builder.push_values(chunk, |mut row, dossier| {
            let applicant = &dossier.applicant;
            row.push_bind(dossier.unit_id)
                .push_bind(&dossier.state.code)
                .push_bind(&applicant.name)
                .push_bind(&applicant.id_number)
                .push_bind(&applicant.phone)
                .push_bind(&applicant.email)
                .push_bind(&applicant.address);
        });
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    let mut events: Vec<(i64, &str, &Event)> = batch
        .dossiers
        .iter()
        .flat_map(|dossier| {
            dossier.events.iter().map(move |event| (dossier.unit_id, dossier.state.code.as_str(), event))
        })
        .collect();
    events.sort_unstable_by(|a, b| (a.0, a.1, a.2.seq).cmp(&(b.0, b.1, b.2.seq)));
    for chunk in events.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<Postgres>::new(
            "INSERT INTO events (unit_id, code, seq, kind, actor, at, channel, payload) ",
        );
        builder.push_values(chunk, |mut row, (unit_id, code, event)| {
            row.push_bind(*unit_id)
                .push_bind(*code)
                .push_bind(event.seq)
                .push_bind(&event.kind)
                .push_bind(&event.actor)
                .push_bind(micros(event.at))
                .push_bind(event.channel.as_str())
                .push_bind(event.payload.to_string());
        });
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    let sequences: Vec<_> = batch.sequences.iter().collect();
    for chunk in sequences.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<Postgres>::new("INSERT INTO code_sequences (unit_id, day, last) ");
        builder.push_values(chunk, |mut row, ((unit_id, day), last)| {
            row.push_bind(*unit_id).push_bind(*day).push_bind(**last);
        });
        builder.push(" ON CONFLICT (unit_id, day) DO UPDATE SET last = GREATEST(code_sequences.last, excluded.last)");
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    let aggregates = &batch.aggregates;
    let daily: Vec<_> = aggregates.daily.iter().collect();
    let columns = DAILY_COUNTERS.join(", ");
    let updates: Vec<String> =
        DAILY_COUNTERS.iter().map(|column| format!("{column} = stat_daily.{column} + excluded.{column}")).collect();
    for chunk in daily.chunks(BULK_ROWS / 2) {
        let mut builder = QueryBuilder::<Postgres>::new(format!(
            "INSERT INTO stat_daily (unit_id, procedure, field, day, {columns}) "
        ));
        builder.push_values(chunk, |mut row, ((unit_id, procedure, field, day), counters)| {
            row.push_bind(*unit_id).push_bind(procedure).push_bind(field).push_bind(*day);
            for counter in counters.iter() {
                row.push_bind(*counter);
            }
        });
        builder.push(format!(" ON CONFLICT (unit_id, day, procedure, field) DO UPDATE SET {}", updates.join(", ")));
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    upsert_rollups(tx, &app::unit_daily_of(&aggregates.daily)).await?;
    let opened: Vec<_> = aggregates.due_opened.iter().collect();
    for chunk in opened.chunks(BULK_ROWS) {
        let mut builder =
            QueryBuilder::<Postgres>::new("INSERT INTO stat_due_opened (unit_id, procedure, field, due_day, n) ");
        builder.push_values(chunk, |mut row, ((unit_id, procedure, field, day), n)| {
            row.push_bind(*unit_id).push_bind(procedure).push_bind(field).push_bind(*day).push_bind(**n);
        });
        builder
            .push(" ON CONFLICT (unit_id, due_day, procedure, field) DO UPDATE SET n = stat_due_opened.n + excluded.n");
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    let closed: Vec<_> = aggregates.due_closed.iter().collect();
    for chunk in closed.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<Postgres>::new(
            "INSERT INTO stat_due_closed (unit_id, procedure, field, close_day, due_day, n) ",
        );
        builder.push_values(chunk, |mut row, ((unit_id, procedure, field, close_day, due_day), n)| {
            row.push_bind(*unit_id)
                .push_bind(procedure)
                .push_bind(field)
                .push_bind(*close_day)
                .push_bind(*due_day)
                .push_bind(**n);
        });
        builder.push(" ON CONFLICT (unit_id, close_day, due_day, procedure, field) DO UPDATE SET n = stat_due_closed.n + excluded.n");
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    let steps: Vec<_> = aggregates.steps.iter().collect();
    for chunk in steps.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<Postgres>::new(
            "INSERT INTO stat_steps (unit_id, procedure, step, day, count, spent_seconds, over_budget) ",
        );
        builder.push_values(chunk, |mut row, ((unit_id, procedure, step, day), (count, spent, over))| {
            row.push_bind(*unit_id)
                .push_bind(procedure)
                .push_bind(i64::from(*step))
                .push_bind(*day)
                .push_bind(*count)
                .push_bind(*spent)
                .push_bind(*over);
        });
        builder.push(
            " ON CONFLICT (unit_id, procedure, step, day) DO UPDATE SET count = stat_steps.count + excluded.count, \
             spent_seconds = stat_steps.spent_seconds + excluded.spent_seconds, over_budget = stat_steps.over_budget + excluded.over_budget",
        );
        builder.build().persistent(named_statements()).execute(&mut **tx).await.map_err(database)?;
    }
    Ok(())
}
