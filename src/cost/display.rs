//! Display rounding of money: parts rounded so that they add up to the
//! rounded total (largest-remainder rounding).
//!
//! Bills are exact to [`AMOUNT_DECIMALS`](super::AMOUNT_DECIMALS) places;
//! summaries show fewer. Rounding every part on its own lets the shown parts
//! miss the shown total by a unit of the last place; this module rounds the
//! total (half to even) and hands the units it holds to the parts in order of
//! their dropped remainders, largest first (ties: earlier part first).
//!
//! Owns: that rounding. Must not: price, sum bills or format strings.

use rust_decimal::Decimal;

/// `parts` (which add up exactly to their total) rounded to `places`
/// decimals so that they add up to the total rounded half-even to `places`;
/// returns `(rounded parts, rounded total)`.
pub fn largest_remainder(parts: &[Decimal], places: u32) -> (Vec<Decimal>, Decimal) {
    let exact_total: Decimal = parts.iter().copied().sum();
    let total = exact_total.round_dp(places);
    let unit = Decimal::new(1, places);
    let mut rounded: Vec<Decimal> = parts.iter().map(|p| floor_to(*p, places)).collect();
    let floors: Decimal = rounded.iter().copied().sum();
    // Σ floors ≤ Σ parts, and the shortfall is at most one unit per part.
    let mut missing = ((total - floors) / unit).round();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (parts[a] - rounded[a], parts[b] - rounded[b]);
        rb.cmp(&ra).then(a.cmp(&b))
    });
    for i in order {
        if missing <= Decimal::ZERO {
            break;
        }
        rounded[i] += unit;
        missing -= Decimal::ONE;
    }
    (rounded, total)
}

/// `x` rounded down (towards −∞) to `places` decimals.
fn floor_to(x: Decimal, places: u32) -> Decimal {
    x.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::ToNegativeInfinity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn three_thirds_add_up_to_the_rounded_total() {
        // 0.00005 × 3 = 0.00015. Each part alone rounds half-even to 0.0000
        // (0 shown three times, total 0.0002): parts miss the total. Largest
        // remainder: floors 0, 0, 0; the total 0.00015 rounds to 0.0002, so
        // 2 units go to the first two parts (equal remainders, earlier first).
        let parts = [d("0.00005"), d("0.00005"), d("0.00005")];
        let (r, t) = largest_remainder(&parts, 4);
        assert_eq!(t, d("0.0002"));
        assert_eq!(r, vec![d("0.0001"), d("0.0001"), d("0")]);
        assert_eq!(r.iter().copied().sum::<Decimal>(), t);
    }

    #[test]
    fn the_largest_dropped_remainder_gets_the_unit() {
        // 0.12344 + 0.56786 = 0.69130 → 0.6913. Floors 0.1234 + 0.5678 =
        // 0.6912: one unit short; remainders 0.00004 and 0.00006, so the
        // second part becomes 0.5679. Per-part rounding gives the same here.
        let (r, t) = largest_remainder(&[d("0.12344"), d("0.56786")], 4);
        assert_eq!((r, t), (vec![d("0.1234"), d("0.5679")], d("0.6913")));
        // Exact parts stay exact.
        let (r, t) = largest_remainder(&[d("1.5"), d("0.25")], 4);
        assert_eq!((r, t), (vec![d("1.5"), d("0.25")], d("1.75")));
        let (r, t) = largest_remainder(&[], 4);
        assert_eq!((r, t), (vec![], Decimal::ZERO));
    }
}
