//! Dossiers and events as stored.

use app::{StoreError, StoreResult, StoredDossier, instant_of};
use domain::dossier::{Channel, Event};

use crate::{Columns, json_error};

/// A dossier projection of a row (`unit_id, current_unit_id, state`).
pub fn stored_dossier(row: &impl Columns) -> StoreResult<StoredDossier> {
    Ok(StoredDossier {
        unit_id: row.column("unit_id")?,
        current_unit_id: row.column("current_unit_id")?,
        state: serde_json::from_str(row.column::<&str>("state")?).map_err(json_error)?,
    })
}

/// An event of a row of `events`.
pub fn event_of(row: &impl Columns) -> StoreResult<Event> {
    Ok(Event {
        seq: row.column("seq")?,
        kind: row.column("kind")?,
        actor: row.column("actor")?,
        at: instant_of(row.column("at")?)?,
        channel: Channel::parse(row.column("channel")?)
            .ok_or_else(|| StoreError::Database("bad channel".to_owned()))?,
        payload: serde_json::from_str(row.column::<&str>("payload")?).map_err(json_error)?,
    })
}
