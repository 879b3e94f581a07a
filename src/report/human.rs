//! Numbers for people: byte counts, durations, money and bill categories as
//! the text summary, report.html, comparison tables and charts print them.
//!
//! **The unit rule** (docs/outputs.md, "Units"): byte counts shown to people
//! use binary prefixes — KiB, MiB, GiB, TiB are 2^10, 2^20, 2^30, 2^40
//! bytes. AWS prices data "per GB" and its GB is 2^30 bytes, that is one
//! GiB, so a rate of $0.01 per GB applies to each GiB printed here. Rates
//! stay decimal (1 Gbps = 10^9 bit/s, as AWS quotes bandwidth). Exact values
//! (bytes, seconds, 10-decimal dollars) stay in summary.json and the CSV
//! files; only what people read is rounded.
//!
//! Owns: formatting. Must not: compute anything a result depends on.

use crate::units::Bytes;

/// What a printed "GB" of AWS data means, for footnotes and legends.
pub const GB_NOTE: &str = "AWS's GB = 1 GiB = 2^30 bytes";

/// `11530244561` → `"10.7 GiB"`; below 1 KiB, `"512 B"`: three
/// significant digits ([`Bytes::approx`]).
pub fn bytes(n: u64) -> String {
    Bytes(n).approx()
}

/// A span of seconds in the scenario's own syntax, largest units first and
/// at most two of them: `21600` → `"6h"`, `11400` → `"3h10m"`, `90` →
/// `"1m30s"`, `0.25` → `"250ms"`. What it prints, `--at` and scenario files
/// accept back.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs <= 0.0 {
        return "0s".to_string();
    }
    if secs < 1.0 {
        let ms = secs * 1e3;
        return if ms >= 1.0 {
            format!("{}ms", trim(ms, 1))
        } else {
            format!("{}us", trim(ms * 1e3, 0))
        };
    }
    if secs < 60.0 {
        return format!("{}s", trim(secs, 1));
    }
    let total = secs.round() as u64;
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut out = String::new();
    let mut rest = total;
    let mut parts = 0;
    for (scale, unit) in UNITS {
        if parts == 2 {
            break;
        }
        let n = rest / scale;
        if n > 0 || parts > 0 {
            if n > 0 {
                out.push_str(&format!("{n}{unit}"));
            }
            rest -= n * scale;
            parts += 1;
        }
    }
    out
}

/// `v` with at most `decimals` decimals and no trailing zeros.
fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// An instant of the run as an offset from its start: `"t=3h"`, `"t=0s"`.
pub fn at(secs: f64) -> String {
    format!("t={}", duration(secs))
}

/// A decimal dollar string (`"1234.5000"`) with thousands grouped and cents:
/// `"$1,234.50"`; amounts under a cent keep four decimals (`"$0.0004"`) so
/// they do not read as zero.
pub fn usd(amount: &str) -> String {
    let v: f64 = amount.trim().parse().unwrap_or(0.0);
    usd_f64(v)
}

/// [`usd`] of a float.
pub fn usd_f64(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a > 0.0 && a < 0.01 {
        return format!("{sign}${a:.4}");
    }
    let cents = (a * 100.0).round() as u64;
    format!("{sign}${}.{:02}", grouped(cents / 100), cents % 100)
}

/// An amount already rounded for display, exactly as it is
/// (`1234.5` → `"$1,234.50"` with 2 places); no float rounding.
pub fn usd_decimal(d: rust_decimal::Decimal, places: u32) -> String {
    let d = d.round_dp(places);
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    let text = format!("{:.*}", places as usize, d.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let whole = grouped(int.parse().unwrap_or(0));
    if frac.is_empty() {
        format!("{sign}${whole}")
    } else {
        format!("{sign}${whole}.{frac}")
    }
}

/// Display places of a column of money whose total is `total`: cents, or
/// 4 places below a dollar (so a short run's bill does not read $0.00).
pub fn usd_places(total: rust_decimal::Decimal) -> u32 {
    if total.abs() >= rust_decimal::Decimal::ONE {
        2
    } else {
        4
    }
}

/// `1234567` → `"1,234,567"`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The label of a bill category code: `"cross_az"` → `"Cross-AZ data
/// transfer"`. Codes stay in JSON and CSV; unknown codes read as words.
pub fn category(code: &str) -> String {
    let known = match code {
        "endpoint_hours" => "Endpoint hours",
        "endpoint_data_processed" => "Endpoint data processed",
        "cross_az" => "Cross-AZ data transfer",
        "peering_same_az" => "Peering, same AZ (free)",
        "peering_cross_az" => "Peering, cross-AZ",
        "peering_inter_region" => "Peering, inter-region",
        "gateway_endpoint" => "Gateway endpoint (free)",
        "tgw_attachment_hours" => "TGW attachment hours",
        "tgw_data_processed" => "TGW data processed",
        "nat_hours" => "NAT gateway hours",
        "nat_data_processed" => "NAT data processed",
        "dx_port_hours" => "Direct Connect port hours",
        "dx_data_out" => "Direct Connect data out",
        "internet_out" => "Internet data out",
        "inter_region_out" => "Inter-region data out",
        "nlb_hours" => "NLB hours",
        "nlb_capacity_units" => "NLB capacity units (NLCU)",
        other => {
            let words = other.replace('_', " ");
            let mut c = words.chars();
            return match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            };
        }
    };
    known.to_string()
}

/// `"1 expectation"`, `"3 expectations"`.
pub fn count(n: u64, singular: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{} {singular}s", grouped(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_binary_prefixes() {
        // 11530244561 / 2^30 = 10.738...: the quickstart's cross-AZ bytes.
        assert_eq!(bytes(11_530_244_561), "10.7 GiB");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1024), "1.00 KiB");
        assert_eq!(bytes(3 << 20), "3.00 MiB");
        assert_eq!(bytes(5 << 40), "5.00 TiB");
    }

    #[test]
    fn durations_read_like_the_scenario_syntax() {
        assert_eq!(duration(21_600.0), "6h");
        assert_eq!(duration(11_400.0), "3h10m");
        assert_eq!(duration(90.0), "1m30s");
        assert_eq!(duration(3_661.0), "1h1m", "two units at most");
        assert_eq!(duration(86_400.0 * 2.0 + 3_600.0), "2d1h");
        assert_eq!(duration(0.25), "250ms");
        assert_eq!(duration(1.5), "1.5s");
        assert_eq!(duration(0.0), "0s");
        assert_eq!(at(10_800.0), "t=3h");
    }

    #[test]
    fn every_printed_duration_parses_back() {
        // The promise of `duration`: what it prints, --at accepts.
        for s in [0.25, 1.5, 45.0, 90.0, 3_600.0, 11_400.0, 86_400.0, 93_600.0] {
            let text = duration(s);
            let back = crate::units::SimDuration::parse(&text).expect(&text);
            assert!((back.as_nanos() as f64 / 1e9 - s).abs() < 1e-9, "{text}");
        }
    }

    #[test]
    fn money_is_grouped_and_small_amounts_stay_visible() {
        assert_eq!(usd("1234.5000"), "$1,234.50");
        assert_eq!(usd("0.6865"), "$0.69");
        assert_eq!(usd("0.0004"), "$0.0004");
        assert_eq!(usd("0.0000"), "$0.00");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn categories_have_labels_and_unknown_codes_read_as_words() {
        assert_eq!(category("cross_az"), "Cross-AZ data transfer");
        assert_eq!(category("made_up_thing"), "Made up thing");
        assert_eq!(count(1, "expectation"), "1 expectation");
        assert_eq!(count(2, "expectation"), "2 expectations");
    }
}
