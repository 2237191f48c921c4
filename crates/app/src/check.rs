//! The consistency check: every stored projection and aggregate recomputed from the events.

use std::collections::BTreeMap;

use domain::dossier::{self, DossierState};

use crate::StoreResult;
use crate::service::Service;
use crate::statistics::{Aggregates, add_increments, increments};

impl Service {
    /// Recomputes every dossier's state and every statistic from the event log and lists the
    /// differences with what is stored (empty when consistent).
    pub async fn check(&self) -> StoreResult<CheckReport> {
        let mut differences = Vec::new();
        let mut recount = Aggregates::default();
        let mut after: Option<(i64, String)> = None;
        let mut dossiers = 0_u64;
        loop {
            let page = self.store.dossier_page(after.clone(), 2_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = Some((last.unit_id, last.state.code.clone()));
            for (stored, events) in &page {
                dossiers += 1;
                let mut state: Option<DossierState> = None;
                for event in events {
                    match dossier::fold(state.as_ref(), event) {
                        Ok(next) => {
                            add_increments(&mut recount, &increments(stored.unit_id, state.as_ref(), &next, event));
                            state = Some(next);
                        }
                        Err(error) => {
                            differences.push(format!(
                                "{}: event #{} cannot be applied: {}",
                                stored.state.code, event.seq, error.message
                            ));
                            break;
                        }
                    }
                }
                match state {
                    Some(state) if state == stored.state => {}
                    Some(state) => differences.push(format!(
                        "{}: stored state differs from the event log in {}",
                        stored.state.code,
                        differing_fields(&stored.state, &state)
                    )),
                    None => differences.push(format!("{}: no events", stored.state.code)),
                }
            }
        }
        let stored = self.store.aggregates().await?;
        diff_maps("daily", &stored.daily, &recount.daily, &mut differences);
        diff_maps("due_opened", &stored.due_opened, &recount.due_opened, &mut differences);
        diff_maps("due_closed", &stored.due_closed, &recount.due_closed, &mut differences);
        diff_maps("steps", &stored.steps, &recount.steps, &mut differences);
        diff_maps("monthly", &stored.monthly, &crate::monthly_of(&recount.daily), &mut differences);
        diff_maps("unit_daily", &stored.unit_daily, &crate::unit_daily_of(&recount.daily), &mut differences);
        Ok(CheckReport { dossiers, differences })
    }
}
/// What `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Dossiers whose events were replayed.
    pub dossiers: u64,
    /// Differences between the stored projections/statistics and the recount (empty when
    /// consistent).
    pub differences: Vec<String>,
}

/// The names and values of the fields in which two states differ.
fn differing_fields(stored: &DossierState, recomputed: &DossierState) -> String {
    let (Ok(serde_json::Value::Object(stored)), Ok(serde_json::Value::Object(recomputed))) =
        (serde_json::to_value(stored), serde_json::to_value(recomputed))
    else {
        return "an unreadable state".to_owned();
    };
    stored
        .iter()
        .filter(|(key, value)| recomputed.get(*key) != Some(*value))
        .map(|(key, value)| {
            format!("{key} (stored {value}, recomputed {})", recomputed.get(key).unwrap_or(&serde_json::Value::Null))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn diff_maps<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug + Default>(
    name: &str,
    stored: &BTreeMap<K, V>,
    recount: &BTreeMap<K, V>,
    differences: &mut Vec<String>,
) {
    let zero = V::default();
    for (key, value) in stored {
        let expected = recount.get(key).unwrap_or(&zero);
        if value != expected {
            differences.push(format!("{name} {key:?}: stored {value:?}, recount {expected:?}"));
        }
    }
    for (key, value) in recount {
        if !stored.contains_key(key) && *value != zero {
            differences.push(format!("{name} {key:?}: missing, recount {value:?}"));
        }
    }
}
