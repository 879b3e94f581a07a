//! Physical and monetary units: simulated time, byte counts, bandwidth and money.
//!
//! Owns the value types every other module measures with, and their parsing from
//! the human strings scenarios use (`"24h"`, `"250ms"`, `"64KiB"`, `"10Gbps"`,
//! `"$0.01"`). Time is integer nanoseconds and money is an exact decimal: no
//! float ever accumulates time or dollars.
//!
//! Must not know about AWS: these are plain quantities.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Nanoseconds per unit, used by parsing and formatting.
const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;
const NS_PER_MIN: u64 = 60 * NS_PER_S;
const NS_PER_H: u64 = 60 * NS_PER_MIN;
const NS_PER_D: u64 = 24 * NS_PER_H;

/// An error in a unit string, with the text that failed and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {input:?} — {hint}")]
pub struct UnitError {
    /// The kind of quantity that was being parsed ("duration", "size", ...).
    pub what: &'static str,
    /// The offending input.
    pub input: String,
    /// What would have been accepted.
    pub hint: String,
}

impl UnitError {
    fn new(what: &'static str, input: &str, hint: impl Into<String>) -> Self {
        Self {
            what,
            input: input.to_string(),
            hint: hint.into(),
        }
    }
}

/// Splits `"12.5Gbps"` into the number part and the suffix.
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    (&s[..end], s[end..].trim())
}

/// Parses a non-negative decimal number and multiplies it by an integer scale,
/// exactly (no float rounding): `"1.5"` × 1e9 = 1_500_000_000.
fn scaled(
    num: &str,
    scale: u64,
    what: &'static str,
    input: &str,
    hint: &str,
) -> Result<u64, UnitError> {
    let cleaned: String = num.chars().filter(|c| *c != '_').collect();
    if cleaned.is_empty() || cleaned.starts_with('.') || cleaned.ends_with('.') {
        return Err(UnitError::new(what, input, hint));
    }
    let value: Decimal = cleaned
        .parse()
        .map_err(|_| UnitError::new(what, input, hint))?;
    let product = value
        .checked_mul(Decimal::from(scale))
        .ok_or_else(|| UnitError::new(what, input, "the value is too large"))?;
    if !product.fract().is_zero() {
        return Err(UnitError::new(
            what,
            input,
            "the value is finer than the smallest unit (1 ns, 1 byte, 1 bit/s)",
        ));
    }
    u64::try_from(product).map_err(|_| UnitError::new(what, input, "the value is too large"))
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

/// A span of simulated time, in integer nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

/// An instant of simulated time: nanoseconds since the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_nanos(ns: u64) -> Self {
        SimDuration(ns)
    }
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us * NS_PER_US)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * NS_PER_MS)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * NS_PER_S)
    }
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m * NS_PER_MIN)
    }
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h * NS_PER_H)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for reports only (never for accumulation).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// Whole hours, rounding any partial hour up (AWS bills partial hours as full).
    pub fn hours_ceil(self) -> u64 {
        self.0.div_ceil(NS_PER_H)
    }

    /// Parses `"24h"`, `"30m"`, `"1.5s"`, `"250ms"`, `"10us"`, `"5ns"`, `"7d"`.
    ///
    /// Compound spans add up, largest unit first: `"3h10m"`, `"1h 30m 15s"`.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        const HINT: &str = "expected a number and a unit: ns, us, ms, s, m (or min), h, d — e.g. \"250ms\", \"30m\", \"24h\", or several, largest first: \"3h10m\"";
        let mut rest = s.trim();
        let mut total: u64 = 0;
        let mut previous_scale = u64::MAX;
        while !rest.is_empty() {
            let (num, tail) = split_number(rest);
            let unit_len = tail
                .char_indices()
                .find(|(_, c)| !c.is_alphabetic())
                .map(|(i, _)| i)
                .unwrap_or(tail.len());
            let scale = match &tail[..unit_len] {
                "ns" => 1,
                "us" | "µs" => NS_PER_US,
                "ms" => NS_PER_MS,
                "s" | "sec" => NS_PER_S,
                "m" | "min" => NS_PER_MIN,
                "h" => NS_PER_H,
                "d" => NS_PER_D,
                _ => return Err(UnitError::new("duration", s, HINT)),
            };
            // "10m3h" or "1h1h" is a typo, not a sum.
            if scale >= previous_scale {
                return Err(UnitError::new("duration", s, HINT));
            }
            previous_scale = scale;
            let part = scaled(num, scale, "duration", s, HINT)?;
            total = total
                .checked_add(part)
                .ok_or_else(|| UnitError::new("duration", s, "the value is too large"))?;
            rest = tail[unit_len..].trim_start();
        }
        if previous_scale == u64::MAX {
            return Err(UnitError::new("duration", s, HINT));
        }
        Ok(SimDuration(total))
    }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// Time elapsed since `earlier`; zero if `earlier` is later (never negative).
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0 + rhs.0)
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        SimDuration(self.0 - rhs.0)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0 + rhs.0)
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 += rhs.0;
    }
}

fn fmt_ns(ns: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const UNITS: [(u64, &str); 7] = [
        (NS_PER_D, "d"),
        (NS_PER_H, "h"),
        (NS_PER_MIN, "m"),
        (NS_PER_S, "s"),
        (NS_PER_MS, "ms"),
        (NS_PER_US, "us"),
        (1, "ns"),
    ];
    if ns == 0 {
        return write!(f, "0s");
    }
    for (scale, name) in UNITS {
        if ns % scale == 0 {
            return write!(f, "{}{}", ns / scale, name);
        }
    }
    write!(f, "{ns}ns")
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ns(self.0, f)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t=")?;
        fmt_ns(self.0, f)
    }
}

// ---------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------

/// A byte count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(pub u64);

impl Bytes {
    pub const ZERO: Bytes = Bytes(0);
    pub const KIB: u64 = 1 << 10;
    pub const MIB: u64 = 1 << 20;
    pub const GIB: u64 = 1 << 30;
    pub const TIB: u64 = 1 << 40;

    pub const fn get(self) -> u64 {
        self.0
    }

    /// Parses `"64KiB"`, `"1.5MB"`, `"2GiB"`, `"512B"`, `"1TB"`.
    /// Binary prefixes (KiB, MiB, GiB, TiB) are powers of 1024; SI prefixes
    /// (kB/KB, MB, GB, TB) are powers of 1000.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        const HINT: &str = "expected a number and a unit: B, KiB, MiB, GiB, TiB (×1024) or kB, MB, GB, TB (×1000) — e.g. \"64KiB\"";
        let t = s.trim();
        let (num, unit) = split_number(t);
        let scale = match unit {
            "B" => 1,
            "KiB" => Self::KIB,
            "MiB" => Self::MIB,
            "GiB" => Self::GIB,
            "TiB" => Self::TIB,
            "kB" | "KB" => 1_000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            "TB" => 1_000_000_000_000,
            _ => return Err(UnitError::new("size", s, HINT)),
        };
        scaled(num, scale, "size", s, HINT).map(Bytes)
    }
}

impl Add for Bytes {
    type Output = Bytes;
    fn add(self, rhs: Bytes) -> Bytes {
        Bytes(self.0 + rhs.0)
    }
}

impl AddAssign for Bytes {
    fn add_assign(&mut self, rhs: Bytes) {
        self.0 += rhs.0;
    }
}

/// Binary prefixes, largest first, for both ways of printing a size.
const BYTE_UNITS: [(u64, &str); 4] = [
    (Bytes::TIB, "TiB"),
    (Bytes::GIB, "GiB"),
    (Bytes::MIB, "MiB"),
    (Bytes::KIB, "KiB"),
];

impl Bytes {
    /// The size for people, to three significant digits (two decimals
    /// below 10, one below 100): `11530244561` → `"10.7 GiB"`; below 1 KiB,
    /// `"512 B"`.
    /// [`Display`](fmt::Display) is the exact form scenarios accept
    /// (`"64MiB"`).
    pub fn approx(self) -> String {
        for (scale, unit) in BYTE_UNITS {
            if self.0 >= scale {
                let v = self.0 as f64 / scale as f64;
                let digits = if v >= 100.0 {
                    0
                } else if v >= 10.0 {
                    1
                } else {
                    2
                };
                return format!("{v:.digits$} {unit}");
            }
        }
        format!("{} B", self.0)
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (scale, name) in BYTE_UNITS {
            if self.0 >= scale && self.0 % scale == 0 {
                return write!(f, "{}{}", self.0 / scale, name);
            }
        }
        write!(f, "{}B", self.0)
    }
}

// ---------------------------------------------------------------------------
// Bandwidth
// ---------------------------------------------------------------------------

/// A bit rate, in bits per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bandwidth(pub u64);

impl Bandwidth {
    pub const ZERO: Bandwidth = Bandwidth(0);
    /// The capacity of a resource that never limits traffic (a `Managed`
    /// endpoint ENI): the largest rate there is. Outputs show it as "no
    /// ceiling" (`null` in JSON, an empty CSV field), never as a figure.
    pub const UNBOUNDED: Bandwidth = Bandwidth(u64::MAX);

    /// Whether this is [`Bandwidth::UNBOUNDED`], a capacity with no ceiling.
    pub const fn is_unbounded(self) -> bool {
        self.0 == u64::MAX
    }

    pub const fn bps(b: u64) -> Self {
        Bandwidth(b)
    }
    pub const fn mbps(m: u64) -> Self {
        Bandwidth(m * 1_000_000)
    }
    pub const fn gbps(g: u64) -> Self {
        Bandwidth(g * 1_000_000_000)
    }
    pub const fn bits_per_sec(self) -> u64 {
        self.0
    }
    /// Bytes per second as a float, for the flow model.
    pub fn bytes_per_sec(self) -> f64 {
        self.0 as f64 / 8.0
    }
    pub fn as_gbps_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Parses `"10Gbps"`, `"500Mbps"`, `"1.25Gbps"`, `"100kbps"`, `"800bps"`.
    /// Network rates are decimal: 1 Gbps = 10^9 bit/s.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        const HINT: &str =
            "expected a number and a unit: bps, kbps, Mbps, Gbps, Tbps — e.g. \"10Gbps\"";
        let t = s.trim();
        let (num, unit) = split_number(t);
        let scale = match unit {
            "bps" => 1,
            "kbps" | "Kbps" => 1_000,
            "Mbps" => 1_000_000,
            "Gbps" => 1_000_000_000,
            "Tbps" => 1_000_000_000_000,
            _ => return Err(UnitError::new("bandwidth", s, HINT)),
        };
        scaled(num, scale, "bandwidth", s, HINT).map(Bandwidth)
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 4] = [
            (1_000_000_000_000, "Tbps"),
            (1_000_000_000, "Gbps"),
            (1_000_000, "Mbps"),
            (1_000, "kbps"),
        ];
        for (scale, name) in UNITS {
            if self.0 >= scale {
                let whole = self.0 / scale;
                let rem = self.0 % scale;
                if rem == 0 {
                    return write!(f, "{whole}{name}");
                }
                let frac = Decimal::from(self.0) / Decimal::from(scale);
                return write!(f, "{}{name}", frac.normalize());
            }
        }
        write!(f, "{}bps", self.0)
    }
}

// ---------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------

/// An exact amount of US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Usd(pub Decimal);

impl Usd {
    pub const ZERO: Usd = Usd(Decimal::ZERO);

    pub fn new(d: Decimal) -> Self {
        Usd(d)
    }
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Parses `"$0.01"`, `"0.045"`, `"$1,250.50"`.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        const HINT: &str = "expected a dollar amount such as \"$0.01\" or \"$1250\"";
        let t = s.trim();
        let t = t.strip_prefix('$').unwrap_or(t).trim();
        let cleaned: String = t.chars().filter(|c| *c != ',' && *c != '_').collect();
        if cleaned.is_empty() || cleaned.starts_with('-') || cleaned.starts_with('+') {
            return Err(UnitError::new("amount", s, HINT));
        }
        cleaned
            .parse::<Decimal>()
            .map(Usd)
            .map_err(|_| UnitError::new("amount", s, HINT))
    }
}

impl Add for Usd {
    type Output = Usd;
    fn add(self, rhs: Usd) -> Usd {
        Usd(self.0 + rhs.0)
    }
}

impl AddAssign for Usd {
    fn add_assign(&mut self, rhs: Usd) {
        self.0 += rhs.0;
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.0.round_dp(4))
    }
}

// ---------------------------------------------------------------------------
// serde: human strings in, canonical strings out
// ---------------------------------------------------------------------------

macro_rules! human_serde_de {
    ($ty:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

macro_rules! human_serde {
    ($ty:ty, $expecting:literal) => {
        human_serde_de!($ty, $expecting);
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

human_serde!(
    SimDuration,
    "a duration string such as \"24h\" or \"250ms\""
);
human_serde!(Bytes, "a size string such as \"64KiB\" or \"1GB\"");
human_serde!(Bandwidth, "a bandwidth string such as \"10Gbps\"");
human_serde_de!(Usd, "a dollar amount string such as \"$0.01\"");

impl Serialize for Usd {
    /// Exact: every digit of the decimal, never rounded (Display rounds for people).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("${}", self.0.normalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_exactly() {
        assert_eq!(
            SimDuration::parse("24h").unwrap(),
            SimDuration::from_hours(24)
        );
        assert_eq!(
            SimDuration::parse("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            SimDuration::parse("1.5s").unwrap(),
            SimDuration::from_millis(1500)
        );
        assert_eq!(
            SimDuration::parse("30m").unwrap(),
            SimDuration::from_mins(30)
        );
        assert_eq!(
            SimDuration::parse("10us").unwrap(),
            SimDuration::from_micros(10)
        );
        assert_eq!(
            SimDuration::parse("7d").unwrap(),
            SimDuration::from_hours(168)
        );
        // 0.1 s is not representable in binary floats; the decimal parse keeps it exact.
        assert_eq!(SimDuration::parse("0.1s").unwrap().as_nanos(), 100_000_000);
    }

    #[test]
    fn compound_durations_add_up_largest_unit_first() {
        // 3h10m = 3 × 3600 s + 10 × 60 s = 11400 s.
        assert_eq!(
            SimDuration::parse("3h10m").unwrap(),
            SimDuration::from_secs(11_400)
        );
        // 1h 30m 15.5s = 5415.5 s, spaces allowed between parts.
        assert_eq!(
            SimDuration::parse("1h 30m 15.5s").unwrap().as_nanos(),
            5_415_500_000_000
        );
        // A smaller unit before a larger one, or a unit twice, is a typo.
        for bad in ["10m3h", "1h1h", "3h10", "3h x"] {
            assert!(SimDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_durations_are_errors_with_a_hint() {
        for bad in [
            "",
            "h",
            "10",
            "10 parsecs",
            "-5s",
            "1.5ns",
            "1e3s",
            "99999999999999999999d",
        ] {
            let e = SimDuration::parse(bad).unwrap_err();
            assert_eq!(e.what, "duration", "{bad}");
            assert!(!e.hint.is_empty());
        }
    }

    #[test]
    fn sizes_binary_and_decimal() {
        assert_eq!(Bytes::parse("64KiB").unwrap(), Bytes(65_536));
        assert_eq!(Bytes::parse("1GB").unwrap(), Bytes(1_000_000_000));
        assert_eq!(Bytes::parse("1.5MiB").unwrap(), Bytes(1_572_864));
        assert_eq!(Bytes::parse("512B").unwrap(), Bytes(512));
        assert!(Bytes::parse("64kib").is_err());
        assert!(Bytes::parse("0.5B").is_err());
    }

    #[test]
    fn bandwidth_is_decimal() {
        assert_eq!(Bandwidth::parse("10Gbps").unwrap(), Bandwidth::gbps(10));
        assert_eq!(
            Bandwidth::parse("12.5Gbps").unwrap(),
            Bandwidth(12_500_000_000)
        );
        assert_eq!(Bandwidth::parse("500Mbps").unwrap(), Bandwidth::mbps(500));
        assert!(Bandwidth::parse("10GB/s").is_err());
        assert_eq!(Bandwidth(12_500_000_000).to_string(), "12.5Gbps");
    }

    #[test]
    fn money_is_exact() {
        let a = Usd::parse("$0.01").unwrap();
        let mut total = Usd::ZERO;
        for _ in 0..730 {
            total += a;
        }
        assert_eq!(total, Usd::parse("7.30").unwrap());
        assert_eq!(
            Usd::parse("$1,250.50").unwrap(),
            Usd::parse("1250.5").unwrap()
        );
        assert!(Usd::parse("-$1").is_err());
        assert!(Usd::parse("$-1").is_err());
        assert!(Usd::parse("ten dollars").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in ["24h", "250ms", "90m", "1ns"] {
            let d = SimDuration::parse(s).unwrap();
            assert_eq!(SimDuration::parse(&d.to_string()).unwrap(), d);
        }
        for s in ["64KiB", "3GiB", "1000B"] {
            let b = Bytes::parse(s).unwrap();
            assert_eq!(Bytes::parse(&b.to_string()).unwrap(), b);
        }
    }

    #[test]
    fn partial_hours_round_up() {
        assert_eq!(SimDuration::from_mins(90).hours_ceil(), 2);
        assert_eq!(SimDuration::from_hours(730).hours_ceil(), 730);
        assert_eq!(SimDuration::ZERO.hours_ceil(), 0);
        assert_eq!(SimDuration(1).hours_ceil(), 1);
    }
}
