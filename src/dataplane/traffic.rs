//! Traffic generators: when connections arrive and how big they are.
//!
//! Each traffic class owns one seeded random stream; its arrival process and
//! its size samplers draw only from that stream, so adding a class never
//! changes the draws of another. Arrival times are integer nanoseconds.
//!
//! Owns: arrival processes (constant, Poisson, on/off, diurnal, trace replay,
//! burst) and size distributions (fixed, uniform, log-normal, Pareto,
//! empirical CDF). Must not: decide where a connection goes or what it costs.

use std::sync::Arc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, StandardNormal};

use crate::scenario::{Arrivals, SizeDist};
use crate::units::{Bytes, SimDuration, SimTime};

const NS_PER_S: f64 = 1e9;

/// The largest request or response body vpcsim moves (the schema's
/// [`crate::scenario::MAX_BODY`]); the tails of random distributions are
/// clamped to it.
pub use crate::scenario::MAX_BODY;
const DAY_NS: u64 = 86_400_000_000_000;

/// One row of a replayed trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRow {
    pub time: SimTime,
    /// Source name, or empty for the class's own source.
    pub source: String,
    /// Target name, or empty for the class's own target.
    pub target: String,
    pub request: Bytes,
    pub response: Bytes,
    /// Line of the trace file the row is on (for messages).
    pub line: u64,
}

/// The header a trace must start with.
pub const TRACE_HEADER: [&str; 5] = [
    "time",
    "source",
    "target",
    "request_bytes",
    "response_bytes",
];

/// Why a trace file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    #[error("{file}: cannot read trace: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error("{file}:{line}: {message}")]
    Row {
        file: String,
        line: u64,
        message: String,
    },
}

/// Parses a trace CSV: `time,source,target,request_bytes,response_bytes`
/// with a header row; `time` is a duration string (`"1.5s"`) or seconds.
/// Rows must be in non-decreasing time order. `file` names it in errors.
///
/// Trace files are read by the scenario loader (once per run, through the
/// bounded reader), never here.
pub fn parse_trace(input: impl std::io::Read, file: &str) -> Result<Vec<TraceRow>, TraceError> {
    let file = file.to_string();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(input);
    check_trace_header(&mut reader, &file)?;
    let mut rows = Vec::new();
    let mut last = SimTime::ZERO;
    for rec in reader.records() {
        let rec = rec.map_err(|e| TraceError::Row {
            file: file.clone(),
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let bad = |message: String| TraceError::Row {
            file: file.clone(),
            line,
            message,
        };
        if rec.len() != 5 {
            return Err(bad(format!(
                "expected 5 columns (time,source,target,request_bytes,response_bytes), found {}",
                rec.len()
            )));
        }
        let time = parse_trace_time(&rec[0]).ok_or_else(|| {
            bad(format!(
                "bad time {:?}; use seconds (\"1.5\") or a duration (\"1500ms\")",
                &rec[0]
            ))
        })?;
        if time < last {
            return Err(bad(format!(
                "time {} goes backwards (previous row at {})",
                time, last
            )));
        }
        last = time;
        let size = |s: &str| -> Result<Bytes, TraceError> {
            let b = s
                .parse::<u64>()
                .map(Bytes)
                .or_else(|_| Bytes::parse(s))
                .map_err(|_| bad(format!("bad size {s:?}; use a byte count or \"64KiB\"")))?;
            if b > MAX_BODY {
                return Err(bad(format!(
                    "size {s:?} is above the largest request or response vpcsim accepts ({MAX_BODY})"
                )));
            }
            // Like sampled sizes, a body is at least 1 byte (a flow moves
            // something), so that the byte accounting is exact.
            Ok(Bytes(b.0.max(1)))
        };
        rows.push(TraceRow {
            time,
            source: rec[1].to_string(),
            target: rec[2].to_string(),
            request: size(&rec[3])?,
            response: size(&rec[4])?,
            line,
        });
    }
    Ok(rows)
}

/// Requires the header row: without it the first row would be taken for
/// a header and lost.
fn check_trace_header<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    file: &str,
) -> Result<(), TraceError> {
    let headers = reader.headers().map_err(|e| TraceError::Row {
        file: file.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(1),
        message: e.to_string(),
    })?;
    let line = headers.position().map(|p| p.line()).unwrap_or(1);
    let found: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if found.iter().map(String::as_str).eq(TRACE_HEADER) {
        return Ok(());
    }
    let expected = TRACE_HEADER.join(",");
    let message = if found.is_empty() {
        format!("the trace is empty; it starts with the header {expected}")
    } else if headers.get(0).and_then(parse_trace_time).is_some() {
        format!("no header row (this line looks like data); the first line must be {expected}")
    } else {
        format!(
            "the header is {:?}; it must be {expected}",
            headers.iter().collect::<Vec<_>>().join(",")
        )
    };
    Err(TraceError::Row {
        file: file.to_string(),
        line,
        message,
    })
}

fn parse_trace_time(s: &str) -> Option<SimTime> {
    if let Ok(d) = SimDuration::parse(s) {
        return Some(SimTime(d.as_nanos()));
    }
    let d: rust_decimal::Decimal = s.parse().ok()?;
    let ns = d.checked_mul(rust_decimal::Decimal::from(1_000_000_000u64))?;
    if ns.is_sign_negative() || !ns.fract().is_zero() {
        return None;
    }
    u64::try_from(ns).ok().map(SimTime)
}

/// Draws an exponential gap with the given rate (per second), in whole
/// nanoseconds, at least 1 so that time always advances. Inverse CDF:
/// `-ln(U) / rate` with `U` uniform in (0, 1].
fn exp_gap_ns(rng: &mut ChaCha8Rng, per_second: f64) -> u64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let secs = -u.ln() / per_second;
    ((secs * NS_PER_S).ceil() as u64).max(1)
}

/// The phase (radians, 0 at the peak) of a diurnal rate at `t`, without
/// overflow for any `t`.
fn diurnal_phase(t: SimTime, peak_at: u64) -> f64 {
    let tod = (t.as_nanos() % DAY_NS + DAY_NS - (peak_at % DAY_NS)) % DAY_NS;
    tod as f64 / DAY_NS as f64 * std::f64::consts::TAU
}

/// The arrival process of one traffic class.
#[derive(Debug)]
pub struct ArrivalProcess {
    kind: Kind,
    start: SimTime,
    end: SimTime,
    /// Arrivals produced so far.
    count: u64,
    /// Time of the last arrival produced.
    last: SimTime,
}

#[derive(Debug)]
enum Kind {
    Constant {
        period_ns: f64,
    },
    Poisson {
        rate: f64,
    },
    OnOff {
        rate: f64,
        on: u64,
        off: u64,
    },
    Diurnal {
        peak: f64,
        trough: f64,
        peak_at: u64,
    },
    Burst {
        count: u32,
    },
    Trace {
        rows: Arc<[TraceRow]>,
        next: usize,
    },
}

impl ArrivalProcess {
    /// A process for `spec` over the window `[start, end)`. Trace rows must be
    /// loaded by the caller (`trace`), relative to the window's start.
    pub fn new(
        spec: &Arrivals,
        start: SimTime,
        end: SimTime,
        trace: Option<Arc<[TraceRow]>>,
    ) -> Self {
        let kind = match spec {
            Arrivals::Constant { per_second } => Kind::Constant {
                period_ns: NS_PER_S / per_second,
            },
            Arrivals::Poisson { per_second } => Kind::Poisson { rate: *per_second },
            Arrivals::OnOff {
                per_second,
                on,
                off,
            } => Kind::OnOff {
                rate: *per_second,
                on: on.as_nanos().max(1),
                off: off.as_nanos(),
            },
            Arrivals::Diurnal {
                peak_per_second,
                trough_per_second,
                peak_at,
            } => Kind::Diurnal {
                peak: *peak_per_second,
                trough: *trough_per_second,
                peak_at: peak_at.as_nanos(),
            },
            Arrivals::Burst { count } => Kind::Burst { count: *count },
            Arrivals::Trace { .. } => Kind::Trace {
                rows: trace.unwrap_or_else(|| Arc::from(Vec::new())),
                next: 0,
            },
        };
        ArrivalProcess {
            kind,
            start,
            end,
            count: 0,
            last: start,
        }
    }

    /// The expected number of arrivals in the window (for size checks before
    /// a run): exact for constant, burst and trace; the exact mean of the
    /// window for Poisson, on/off and diurnal (whatever part of a cycle or
    /// day the window covers).
    pub fn expected_count(&self) -> f64 {
        let span = self.end.saturating_since(self.start).as_secs_f64();
        match &self.kind {
            Kind::Constant { period_ns } => (span * NS_PER_S / period_ns).ceil(),
            Kind::Poisson { rate } => rate * span,
            Kind::OnOff { rate, on, off } => {
                // The on-time inside the window, exactly (the window starts
                // with an on period).
                let ns = self.end.saturating_since(self.start).as_nanos();
                let cycle = on.saturating_add(*off);
                let on_ns = (ns / cycle) as f64 * *on as f64 + (ns % cycle).min(*on) as f64;
                rate * on_ns / NS_PER_S
            }
            Kind::Diurnal {
                peak,
                trough,
                peak_at,
            } => {
                // The integral of the rate over the window:
                // trough·T + (peak − trough)/2 · (T + D/2π · [sin φ(end) − sin φ(start)]).
                let day = DAY_NS as f64 / NS_PER_S;
                let swing = (diurnal_phase(self.end, *peak_at).sin()
                    - diurnal_phase(self.start, *peak_at).sin())
                    * day
                    / std::f64::consts::TAU;
                trough * span + (peak - trough) / 2.0 * (span + swing)
            }
            Kind::Burst { count } => f64::from(*count),
            Kind::Trace { rows, .. } => rows.len() as f64,
        }
    }

    /// The next arrival, or `None` when the window is over. Trace arrivals
    /// also return their row.
    pub fn next(&mut self, rng: &mut ChaCha8Rng) -> Option<(SimTime, Option<TraceRow>)> {
        let (t, row) = match &mut self.kind {
            Kind::Constant { period_ns } => {
                let offset = (self.count as f64 * *period_ns).round() as u64;
                (self.start.saturating_add(SimDuration(offset)), None)
            }
            Kind::Poisson { rate } => (
                self.last
                    .saturating_add(SimDuration(exp_gap_ns(rng, *rate))),
                None,
            ),
            Kind::OnOff { rate, on, off } => {
                // Poisson in "on" time: draw the gap in on-time, then map
                // on-time back to wall time by skipping the off periods.
                // Saturating: `on` and `off` may be up to u64::MAX ns, and a
                // saturated time is past any run's end.
                let cycle = on.saturating_add(*off);
                let since = self.last.saturating_since(self.start).as_nanos();
                let on_elapsed = (since / cycle) * *on + (since % cycle).min(*on);
                let target_on = on_elapsed.saturating_add(exp_gap_ns(rng, *rate));
                let t = (target_on / *on)
                    .saturating_mul(cycle)
                    .saturating_add(target_on % *on);
                (self.start.saturating_add(SimDuration(t)), None)
            }
            Kind::Diurnal {
                peak,
                trough,
                peak_at,
            } => {
                // Thinning (Lewis–Shedler): candidates at the peak rate, each
                // kept with probability rate(t) / peak.
                let mut t = self.last;
                loop {
                    t = t.saturating_add(SimDuration(exp_gap_ns(rng, *peak)));
                    if t >= self.end {
                        break;
                    }
                    let phase = diurnal_phase(t, *peak_at);
                    let rate = *trough + (*peak - *trough) * (1.0 + phase.cos()) / 2.0;
                    let u: f64 = rng.random();
                    if u * *peak < rate {
                        break;
                    }
                }
                (t, None)
            }
            Kind::Burst { count } => {
                if self.count >= u64::from(*count) {
                    return None;
                }
                (self.start, None)
            }
            Kind::Trace { rows, next } => {
                let row = rows.get(*next)?.clone();
                *next += 1;
                (
                    self.start.saturating_add(SimDuration(row.time.as_nanos())),
                    Some(row),
                )
            }
        };
        if t >= self.end {
            return None;
        }
        self.count += 1;
        self.last = t;
        Some((t, row))
    }
}

/// A sampler for one size distribution.
#[derive(Debug, Clone)]
pub enum SizeSampler {
    Fixed(u64),
    Uniform(u64, u64),
    LogNormal(LogNormal<f64>),
    Pareto { min: f64, inv_alpha: f64, max: f64 },
    Empirical(Vec<(f64, f64)>),
}

impl SizeSampler {
    /// A sampler for a validated distribution.
    pub fn new(d: &SizeDist) -> Self {
        match d {
            SizeDist::Fixed(b) => SizeSampler::Fixed(b.0),
            SizeDist::Uniform { min, max } => SizeSampler::Uniform(min.0, max.0),
            SizeDist::LogNormal { median, sigma } => {
                match LogNormal::new((median.0 as f64).ln(), *sigma) {
                    Ok(ln) => SizeSampler::LogNormal(ln),
                    // Validation keeps sigma in [0, 10]; degrade to the median.
                    Err(_) => SizeSampler::Fixed(median.0),
                }
            }
            SizeDist::Pareto { min, alpha, max } => SizeSampler::Pareto {
                min: min.0 as f64,
                inv_alpha: 1.0 / alpha,
                max: max.map(|m| m.0 as f64).unwrap_or(f64::INFINITY),
            },
            SizeDist::Empirical(points) => {
                SizeSampler::Empirical(points.iter().map(|(b, p)| (b.0 as f64, *p)).collect())
            }
        }
    }

    /// The mean size in bytes (for capacity planning checks and tests).
    pub fn mean(&self) -> f64 {
        match self {
            SizeSampler::Fixed(b) => *b as f64,
            SizeSampler::Uniform(a, b) => (*a as f64 + *b as f64) / 2.0,
            SizeSampler::LogNormal(_) => f64::NAN,
            SizeSampler::Pareto { .. } => f64::NAN,
            SizeSampler::Empirical(_) => f64::NAN,
        }
    }

    /// Draws one size, in whole bytes: at least 1, at most [`MAX_BODY`].
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        let v = match self {
            SizeSampler::Fixed(b) => return (*b).clamp(1, MAX_BODY.0),
            SizeSampler::Uniform(a, b) => {
                return rng.random_range(*a..=(*b).max(*a)).clamp(1, MAX_BODY.0)
            }
            SizeSampler::LogNormal(d) => d.sample(rng),
            SizeSampler::Pareto {
                min,
                inv_alpha,
                max,
            } => {
                // Inverse CDF: x = min / U^(1/alpha), U in (0, 1].
                let u: f64 = 1.0 - rng.random::<f64>();
                (min / u.powf(*inv_alpha)).min(*max)
            }
            SizeSampler::Empirical(points) => {
                let u: f64 = rng.random();
                let mut prev = (0.0, 0.0);
                let mut out = points.last().map(|p| p.0).unwrap_or(1.0);
                for &(b, p) in points {
                    if u <= p {
                        let span = p - prev.1;
                        out = if span > 0.0 {
                            prev.0 + (b - prev.0) * (u - prev.1) / span
                        } else {
                            b
                        };
                        break;
                    }
                    prev = (b, p);
                }
                out
            }
        };
        if v.is_finite() {
            (v.round() as u64).clamp(1, MAX_BODY.0)
        } else {
            MAX_BODY.0
        }
    }
}

/// Draws a standard normal (for tests of the streams).
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    fn all(p: &mut ArrivalProcess, r: &mut ChaCha8Rng) -> Vec<SimTime> {
        let mut v = Vec::new();
        while let Some((t, _)) = p.next(r) {
            v.push(t);
        }
        v
    }

    #[test]
    fn constant_is_evenly_spaced_and_stops_at_the_window_end() {
        let mut p = ArrivalProcess::new(
            &Arrivals::Constant { per_second: 4.0 },
            SimTime(0),
            SimTime(1_000_000_000),
            None,
        );
        let v = all(&mut p, &mut rng());
        // 4/s over [0, 1s): arrivals at 0, 250ms, 500ms, 750ms; 1s is outside.
        assert_eq!(
            v,
            vec![
                SimTime(0),
                SimTime(250_000_000),
                SimTime(500_000_000),
                SimTime(750_000_000)
            ]
        );
    }

    #[test]
    fn poisson_count_is_near_its_mean() {
        let end = SimTime(1000 * 1_000_000_000);
        let mut p = ArrivalProcess::new(
            &Arrivals::Poisson { per_second: 50.0 },
            SimTime(0),
            end,
            None,
        );
        let n = all(&mut p, &mut rng()).len() as f64;
        // Mean 50,000, sd ≈ 224: 5 sd is ±1,118.
        assert!((n - 50_000.0).abs() < 1_200.0, "{n}");
    }

    #[test]
    fn on_off_has_no_arrival_in_off_periods() {
        let spec = Arrivals::OnOff {
            per_second: 100.0,
            on: SimDuration::from_secs(1),
            off: SimDuration::from_secs(3),
        };
        let end = SimTime(400 * 1_000_000_000);
        let mut p = ArrivalProcess::new(&spec, SimTime(0), end, None);
        let v = all(&mut p, &mut rng());
        assert!(v
            .iter()
            .all(|t| t.as_nanos() % 4_000_000_000 < 1_000_000_000));
        // 100 on-periods of 1 s at 100/s: about 10,000 arrivals.
        assert!((v.len() as f64 - 10_000.0).abs() < 500.0, "{}", v.len());
    }

    #[test]
    fn diurnal_peaks_at_its_peak_hour() {
        let spec = Arrivals::Diurnal {
            peak_per_second: 10.0,
            trough_per_second: 0.0,
            peak_at: SimDuration::from_hours(14),
        };
        let mut p = ArrivalProcess::new(&spec, SimTime(0), SimTime(DAY_NS), None);
        let v = all(&mut p, &mut rng());
        let hour = |h: u64| {
            v.iter()
                .filter(|t| t.as_nanos() / 3_600_000_000_000 == h)
                .count()
        };
        // Rate at 14h is ~10/s (36,000/h); at 2h it is ~0.
        assert!(hour(14) > 30_000, "{}", hour(14));
        assert!(hour(2) < 500, "{}", hour(2));
    }

    /// The estimate the resource limits use is the mean of the window
    /// itself, also for windows shorter than an on/off cycle or a day; and
    /// extreme periods neither overflow nor hang.
    #[test]
    fn expected_count_is_the_mean_of_the_window() {
        let s = |x: u64| SimTime(x * 1_000_000_000);
        let on_off = Arrivals::OnOff {
            per_second: 100.0,
            on: SimDuration::from_mins(5),
            off: SimDuration::from_mins(10),
        };
        // 1 s inside the first on period: all of it is on.
        let p = ArrivalProcess::new(&on_off, s(0), s(1), None);
        assert!((p.expected_count() - 100.0).abs() < 1e-9);
        // 20 minutes: one full on period and 5 minutes of the next cycle's on.
        let p = ArrivalProcess::new(&on_off, s(0), s(1200), None);
        assert!((p.expected_count() - 100.0 * 600.0).abs() < 1e-6);
        let mut p = ArrivalProcess::new(&on_off, s(0), s(1200), None);
        let n = all(&mut p, &mut rng()).len() as f64;
        assert!((n / 60_000.0 - 1.0).abs() < 0.02, "{n}");

        let diurnal = Arrivals::Diurnal {
            peak_per_second: 300.0,
            trough_per_second: 20.0,
            peak_at: SimDuration::from_hours(14),
        };
        // A whole day: the average of peak and trough.
        let p = ArrivalProcess::new(&diurnal, s(0), s(86_400), None);
        assert!((p.expected_count() - 160.0 * 86_400.0).abs() < 1e-3);
        // One hour around the peak: close to the peak rate, and what a
        // draw gives.
        let (a, b) = (s(13 * 3600 + 1800), s(14 * 3600 + 1800));
        let p = ArrivalProcess::new(&diurnal, a, b, None);
        let e = p.expected_count();
        assert!(e > 0.99 * 300.0 * 3600.0 && e < 300.0 * 3600.0, "{e}");
        let mut p = ArrivalProcess::new(&diurnal, a, b, None);
        let n = all(&mut p, &mut rng()).len() as f64;
        assert!((n / e - 1.0).abs() < 0.02, "{n} vs {e}");

        // Periods of u64::MAX nanoseconds, a tiny rate: no overflow.
        let huge = Arrivals::OnOff {
            per_second: 1e-6,
            on: SimDuration(1),
            off: SimDuration(u64::MAX - 1),
        };
        let mut p = ArrivalProcess::new(&huge, s(0), SimTime(u64::MAX), None);
        assert!(p.expected_count() <= 1.0);
        assert!(p
            .next(&mut rng())
            .is_none_or(|(t, _)| t.as_nanos() < u64::MAX));
    }

    #[test]
    fn burst_and_trace() {
        let mut p =
            ArrivalProcess::new(&Arrivals::Burst { count: 3 }, SimTime(5), SimTime(10), None);
        assert_eq!(all(&mut p, &mut rng()), vec![SimTime(5); 3]);
        let rows = vec![
            TraceRow {
                time: SimTime(0),
                source: String::new(),
                target: String::new(),
                request: Bytes(1),
                response: Bytes(2),
                line: 2,
            },
            TraceRow {
                time: SimTime(7),
                source: "a".into(),
                target: String::new(),
                request: Bytes(3),
                response: Bytes(4),
                line: 3,
            },
        ];
        let mut p = ArrivalProcess::new(
            &Arrivals::Trace { file: "x".into() },
            SimTime(100),
            SimTime(1000),
            Some(rows.into()),
        );
        let mut r = rng();
        assert_eq!(p.next(&mut r).map(|(t, _)| t), Some(SimTime(100)));
        let (t, row) = p.next(&mut r).expect("second row");
        assert_eq!(
            (t, row.map(|r| r.source)),
            (SimTime(107), Some("a".to_string()))
        );
        assert!(p.next(&mut r).is_none());
    }

    #[test]
    fn sizes_follow_their_distributions() {
        let mut r = rng();
        let fixed = SizeSampler::new(&SizeDist::Fixed(Bytes(2048)));
        assert_eq!(fixed.sample(&mut r), 2048);
        let ln = SizeSampler::new(&SizeDist::LogNormal {
            median: Bytes(65536),
            sigma: 1.2,
        });
        let mut v: Vec<u64> = (0..20_001).map(|_| ln.sample(&mut r)).collect();
        v.sort_unstable();
        let median = v[10_000] as f64;
        // The sample median of 20k log-normal draws is within a few % of 64 KiB.
        assert!((median / 65536.0 - 1.0).abs() < 0.05, "{median}");
        let pareto = SizeSampler::new(&SizeDist::Pareto {
            min: Bytes(1000),
            alpha: 1.5,
            max: Some(Bytes(1_000_000)),
        });
        let v: Vec<u64> = (0..10_000).map(|_| pareto.sample(&mut r)).collect();
        assert!(v.iter().all(|x| (1000..=1_000_000).contains(x)));
        let emp = SizeSampler::new(&SizeDist::Empirical(vec![
            (Bytes(100), 0.5),
            (Bytes(200), 1.0),
        ]));
        let v: Vec<u64> = (0..10_000).map(|_| emp.sample(&mut r)).collect();
        assert!(v.iter().all(|x| *x <= 200));
        let below_100 = v.iter().filter(|x| **x <= 100).count();
        assert!(
            (below_100 as f64 / 10_000.0 - 0.5).abs() < 0.03,
            "{below_100}"
        );
    }

    /// Without the header the first row was taken for one and lost.
    #[test]
    fn a_trace_needs_its_header() {
        let read = |text: &str| parse_trace(text.as_bytes(), "t.csv").map_err(|e| e.to_string());
        let rows =
            read("# a comment\ntime,source,target,request_bytes,response_bytes\n1,,,10,20\n")
                .expect("valid");
        assert_eq!((rows.len(), rows[0].line), (1, 3));
        let e = read("1,,,10,20\n2,,,10,20\n").expect_err("headerless");
        assert!(e.ends_with(":1: no header row (this line looks like data); the first line must be time,source,target,request_bytes,response_bytes"), "{e}");
        let e = read("when,src,dst,req,resp\n1,,,10,20\n").expect_err("wrong header");
        assert!(
            e.contains(":1: the header is \"when,src,dst,req,resp\""),
            "{e}"
        );
        assert!(read("").expect_err("empty").contains("the trace is empty"));
    }

    #[test]
    fn trace_times_parse_as_seconds_or_durations() {
        assert_eq!(parse_trace_time("1.5"), Some(SimTime(1_500_000_000)));
        assert_eq!(parse_trace_time("250ms"), Some(SimTime(250_000_000)));
        assert_eq!(parse_trace_time("-1"), None);
    }
}
