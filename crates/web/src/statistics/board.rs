//! The statistics board: on-time rates per unit, per field and per land branch for a period,
//! computed from the maintained aggregates and cached; and its bar chart.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{StoreError, StoreResult};
use domain::catalog::UnitKind;
use jiff::civil::Date;
use moka::ops::compute::{CompResult, Op};

use crate::state::AppState;

/// The plan's target for a field: 95% for citizen reception, complaints and denunciations, 98%
/// for everything else (HCMC's administrative reform plan; ../shared/seed/README.md R4).
pub fn field_target(field: &str) -> f64 {
    let folded = domain::search::fold(field);
    if ["khieu nai", "to cao", "tiep cong dan", "kien nghi", "phan anh"].iter().any(|word| folded.contains(word)) {
        95.0
    } else {
        98.0
    }
}

/// A row of the board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    /// Rank (1-based).
    pub rank: usize,
    /// Unit code (or field).
    pub code: String,
    /// Name.
    pub name: String,
    /// Received in the period.
    pub received: i64,
    /// Settled in the period.
    pub settled: i64,
    /// Settled late.
    pub late: i64,
    /// On-time rate in percent, when anything was settled.
    pub rate: Option<f64>,
    /// The target in percent.
    pub target: f64,
}

impl BoardRow {
    /// A row from counters.
    pub fn new(code: String, name: String, counters: &[i64; 9], target: f64) -> BoardRow {
        let received = counters[..4].iter().sum();
        let settled = counters[4] + counters[5] + counters[6];
        let rate = (settled > 0).then(|| (counters[4] + counters[5]) as f64 * 100.0 / settled as f64);
        BoardRow { rank: 0, code, name, received, settled, late: counters[6], rate, target }
    }

    /// The rate as text (`97,5%`), or a dash.
    pub fn rate_text(&self) -> String {
        self.rate.map_or_else(|| "—".to_owned(), |rate| format!("{:.1}%", rate).replace('.', ","))
    }

    /// Whether it is below its target.
    pub fn below(&self) -> bool {
        self.rate.is_some_and(|rate| rate < self.target)
    }
}

/// The board's data for a period: every unit with activity, every field, the land branches.
pub type Board = ([i64; 9], Vec<BoardRow>, Vec<BoardRow>, Vec<BoardRow>);

/// A computed board: when, at which write generation.
#[derive(Clone)]
struct CachedBoard {
    at: Instant,
    generation: u64,
    board: Arc<Board>,
}

impl CachedBoard {
    /// Whether it may be reused at write generation `generation`: while no write has happened
    /// since it was computed, or for [`BoardCache::FRESH`] (the cache's time to live caps both at
    /// [`BoardCache::MAX_AGE`]).
    fn usable(&self, generation: u64) -> bool {
        let age = self.at.elapsed();
        age < BoardCache::MAX_AGE && (self.generation == generation || age < BoardCache::FRESH)
    }
}

/// Boards already computed, by period (a `moka` cache of at most 64 periods): reused while no
/// write has happened in this process since, and otherwise for at most [`BoardCache::FRESH`] (so
/// under a steady stream of writes a period's board is computed at most once a second); never
/// older than [`BoardCache::MAX_AGE`] (writes of other server processes). Requests for a period
/// whose board is being computed wait for that computation instead of starting their own.
pub struct BoardCache {
    boards: moka::future::Cache<(Date, Date), CachedBoard>,
}

impl Default for BoardCache {
    fn default() -> BoardCache {
        BoardCache { boards: moka::future::Cache::builder().max_capacity(64).time_to_live(BoardCache::MAX_AGE).build() }
    }
}

impl BoardCache {
    /// Reused for this long even when this process has written since.
    pub const FRESH: Duration = Duration::from_secs(1);
    /// Never reused after this long.
    pub const MAX_AGE: Duration = Duration::from_secs(30);

    async fn get(&self, key: (Date, Date), generation: u64) -> Option<Arc<Board>> {
        self.boards.get(&key).await.filter(|cached| cached.usable(generation)).map(|cached| cached.board)
    }

    #[cfg(test)]
    async fn put(&self, key: (Date, Date), generation: u64, board: Arc<Board>) {
        self.boards.insert(key, CachedBoard { at: Instant::now(), generation, board }).await;
    }

    /// The board of `key`, computed by `compute` when the cached one may not be reused; callers
    /// asking for the same period meanwhile wait for this computation (no stampede).
    async fn get_or_compute<F, Fut>(&self, key: (Date, Date), generation: u64, compute: F) -> StoreResult<Arc<Board>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = StoreResult<Board>>,
    {
        if let Some(board) = self.get(key, generation).await {
            return Ok(board);
        }
        // One computation per period at a time: the entry is locked while it runs, and whoever
        // waited on it finds the fresh board and keeps it.
        let result = self
            .boards
            .entry(key)
            .and_try_compute_with(|current| async move {
                if current.is_some_and(|entry| entry.value().usable(generation)) {
                    return Ok(Op::Nop);
                }
                let board = Arc::new(compute().await?);
                Ok::<_, StoreError>(Op::Put(CachedBoard { at: Instant::now(), generation, board }))
            })
            .await?;
        match result {
            CompResult::Inserted(entry) | CompResult::ReplacedWith(entry) | CompResult::Unchanged(entry) => {
                Ok(entry.into_value().board)
            }
            // Neither happens: the computation puts a board whenever there is none to keep.
            CompResult::StillNone(_) | CompResult::Removed(_) => {
                Err(StoreError::Database("the statistics board was not kept".to_owned()))
            }
        }
    }
}

/// The board of a period, from the cache when it is still good.
pub async fn cached_board(state: &AppState, boards: &BoardCache, from: Date, to: Date) -> StoreResult<Arc<Board>> {
    let generation = state.service.write_generation();
    boards.get_or_compute((from, to), generation, || board(state, from, to)).await
}

/// Every unit's, every field's and every land branch's figures of a period, from the statistics
/// (read where public reads go).
async fn board(state: &AppState, from: Date, to: Date) -> StoreResult<Board> {
    let store = state.service.reads();
    let units = store.list_units(to).await?;
    // One pass over the period's statistics, summed here per unit and per field.
    let mut totals: HashMap<i64, [i64; 9]> = HashMap::new();
    let mut by_field: BTreeMap<String, [i64; 9]> = BTreeMap::new();
    let mut all = [0_i64; 9];
    for ((unit_id, field), counters) in store.unit_field_totals(from, to).await? {
        for target in [totals.entry(unit_id).or_insert([0; 9]), by_field.entry(field).or_insert([0; 9]), &mut all] {
            for (total, counter) in target.iter_mut().zip(&counters) {
                *total += counter;
            }
        }
    }
    let mut ranking = Vec::new();
    let mut land = Vec::new();
    for unit in &units {
        let counters = totals.get(&unit.id).copied().unwrap_or_default();
        let row = BoardRow::new(unit.code.clone(), unit.name.clone(), &counters, 98.0);
        if unit.kind == UnitKind::LandBranch {
            land.push(BoardRow::new(unit.code.clone(), unit.name.clone(), &counters, 98.0));
        }
        if row.settled > 0 {
            ranking.push(row);
        }
    }
    let by_rate = |left: &BoardRow, right: &BoardRow| {
        right
            .rate
            .unwrap_or(-1.0)
            .total_cmp(&left.rate.unwrap_or(-1.0))
            .then_with(|| right.settled.cmp(&left.settled))
            .then_with(|| left.code.cmp(&right.code))
    };
    ranking.sort_by(by_rate);
    land.sort_by(by_rate);
    for (index, row) in ranking.iter_mut().enumerate() {
        row.rank = index + 1;
    }
    for (index, row) in land.iter_mut().enumerate() {
        row.rank = index + 1;
    }
    let mut fields: Vec<BoardRow> = by_field
        .into_iter()
        .map(|(field, counters)| BoardRow::new(field.clone(), field.clone(), &counters, field_target(&field)))
        .collect();
    fields.sort_by(by_rate);
    Ok((all, ranking, fields, land))
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart of on-time rates (SVG, drawn on the server), with the target line.
/// The axis runs from 80% to 100% so that the differences that matter are visible; rates
/// below 80% are drawn at the left edge and labelled with their value.
pub fn rate_chart(rows: &[BoardRow], title: &str, target: f64) -> String {
    const LABEL: f64 = 230.0;
    const BAR: f64 = 420.0;
    const ROW: f64 = 22.0;
    let floor = 80.0;
    let x = |rate: f64| LABEL + (rate.clamp(floor, 100.0) - floor) / (100.0 - floor) * BAR;
    let height = ROW * rows.len() as f64 + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title"><title id="chart-title">{title}</title>"#,
        width = LABEL + BAR + 70.0,
        title = escape_xml(title)
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 20.0 + ROW * index as f64;
        // Branch names share a long prefix: keep what tells them apart.
        let short = row.name.replace("Văn phòng đăng ký đất đai ", "").replace("Văn phòng Đăng ký đất đai ", "");
        let name: String = short.chars().take(40).collect();
        let _ =
            write!(svg, r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#, LABEL - 6.0, y + 13.0, escape_xml(&name));
        if let Some(rate) = row.rate {
            let colour = if rate < row.target { "#a3161a" } else { "#17663a" };
            let _ = write!(
                svg,
                r##"<rect x="{LABEL}" y="{}" width="{:.1}" height="14" fill="{colour}"/><text x="{:.1}" y="{}">{}</text>"##,
                y + 2.0,
                (x(rate) - LABEL).max(1.0),
                x(rate) + 4.0,
                y + 13.0,
                row.rate_text()
            );
        } else {
            let _ = write!(svg, r#"<text x="{}" y="{}">—</text>"#, LABEL + 4.0, y + 13.0);
        }
    }
    let target_x = x(target);
    let _ = write!(
        svg,
        r##"<line x1="{target_x:.1}" x2="{target_x:.1}" y1="14" y2="{:.1}" stroke="#1b1f24" stroke-width="2" stroke-dasharray="4 3"/><text x="{target_x:.1}" y="11" text-anchor="middle">{}%</text>"##,
        height - 8.0,
        target
    );
    let _ = write!(
        svg,
        r#"<text x="{LABEL}" y="{:.1}">80%</text><text x="{:.1}" y="{:.1}" text-anchor="end">100%</text></svg>"#,
        height - 2.0,
        LABEL + BAR,
        height - 2.0
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn boards_are_reused_until_a_write_and_a_second() {
        let cache = BoardCache::default();
        let key = (Date::constant(2026, 1, 1), Date::constant(2026, 11, 29));
        let board = std::sync::Arc::new(([0; 9], Vec::new(), Vec::new(), Vec::new()));
        assert!(cache.get(key, 7).await.is_none());
        cache.put(key, 7, board).await;
        assert!(cache.get(key, 7).await.is_some(), "no write since");
        assert!(cache.get(key, 8).await.is_some(), "a write, but less than a second ago");
        assert!(cache.get((key.0, Date::constant(2026, 11, 30)), 7).await.is_none(), "another period");
        tokio::time::sleep(BoardCache::FRESH).await;
        assert!(cache.get(key, 8).await.is_none(), "a write and over a second");
        assert!(cache.get(key, 7).await.is_some(), "still no write");
    }

    #[tokio::test]
    async fn a_board_is_computed_once_for_concurrent_requests() {
        let cache = BoardCache::default();
        let key = (Date::constant(2026, 1, 1), Date::constant(2026, 1, 31));
        let computed = std::sync::atomic::AtomicUsize::new(0);
        let compute = || async {
            computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(([0; 9], Vec::new(), Vec::new(), Vec::new()))
        };
        let (first, second) =
            tokio::join!(cache.get_or_compute(key, 1, compute), cache.get_or_compute(key, 1, compute));
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(cache.get_or_compute(key, 2, compute).await.is_ok(), "a write, but less than a second ago");
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn targets_by_field() {
        assert_eq!(field_target("Khiếu nại"), 95.0);
        assert_eq!(field_target("Tố cáo"), 95.0);
        assert_eq!(field_target("Tiếp công dân"), 95.0);
        assert_eq!(field_target("Hộ tịch"), 98.0);
        assert_eq!(field_target("Đất đai"), 98.0);
    }

    #[test]
    fn rates_and_the_chart() {
        let row = BoardRow::new("a".to_owned(), "Phường <A>".to_owned(), &[10, 0, 0, 0, 50, 47, 3, 90, 0], 98.0);
        assert_eq!((row.received, row.settled, row.late), (10, 100, 3));
        assert_eq!(row.rate_text(), "97,0%");
        assert!(row.below());
        let chart = rate_chart(&[row], "Chi nhánh", 98.0);
        assert!(chart.contains("Phường &lt;A&gt;") && chart.contains("97,0%") && chart.contains("98%"));
        assert!(chart.starts_with("<svg") && chart.ends_with("</svg>"));
        let empty = BoardRow::new("b".to_owned(), "B".to_owned(), &[0; 9], 98.0);
        assert_eq!((empty.rate_text(), empty.below()), ("—".to_owned(), false));
    }
}
