//! What every module of this crate imports (`use crate::prelude::*`).

pub(crate) use app::accounts::{NewToken, NewUser, Principal, SessionRecord, TokenRecord, UserRecord};
pub(crate) use app::audit::{AuditRecord, AuditWrite};
pub(crate) use app::service::{Increment, increments};
pub(crate) use app::{
    Aggregates, Applicant, ApplyWrite, BulkBatch, DAILY_COUNTERS, DossierRecord, ImportReport, NewDossierWrite,
    QueueQuery, StatsQuery, StepStat, Store, StoreError, StoreResult, StoredDossier, UnitDayKey, UnitRecord,
    add_counters, day_number, micros,
};
pub(crate) use async_trait::async_trait;
pub(crate) use domain::catalog::{Catalog, Procedure};
pub(crate) use domain::dossier::{self, DossierState, Event};
pub(crate) use domain::stats::PeriodSums;
pub(crate) use futures_util::FutureExt;
pub(crate) use futures_util::future::BoxFuture;
pub(crate) use jiff::Timestamp;
pub(crate) use jiff::civil::Date;
pub(crate) use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
pub(crate) use sqlx::{AssertSqlSafe, ConnectOptions, QueryBuilder, Row, SqlitePool, Transaction};
pub(crate) use std::collections::{BTreeMap, BTreeSet, HashMap};
pub(crate) use std::str::FromStr;
pub(crate) use std::sync::{Arc, RwLock};
pub(crate) use std::time::Duration;
pub(crate) use store_sql::audit::*;
pub(crate) use store_sql::catalogue::*;
pub(crate) use store_sql::dossiers::*;
pub(crate) use store_sql::statistics::*;
pub(crate) use store_sql::{database, json_error, optional_micros};
pub(crate) use tokio::sync::{mpsc, oneshot};

pub(crate) use crate::SqliteStore;
pub(crate) use crate::audit::*;
pub(crate) use crate::bulk::*;
pub(crate) use crate::catalogue::*;
pub(crate) use crate::documents::*;
pub(crate) use crate::statistics::*;
pub(crate) use crate::writer::*;
