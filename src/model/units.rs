//! Units of the model: durations, round-trip times, probabilities and money.
//!
//! Raw YAML values are plain numbers and strings; after validation every quantity carries its
//! unit in its type, so a TTL can never be added to a cost by mistake. Parsing and formatting of
//! units live here and nowhere else.

use std::fmt;

/// A duration in seconds (recovery times, TTLs, MTTRs, replication lag).
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Seconds(pub f64);

/// A round-trip time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Millis(pub f64);

/// A probability in (0, 1], used for component availabilities.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Probability(pub f64);

/// US dollars.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Usd(pub f64);

impl Seconds {
    /// The value in hours, for failure frequencies per year.
    pub fn hours(self) -> f64 {
        self.0 / 3600.0
    }

    /// The same duration read as a round-trip time.
    pub fn as_millis(self) -> Millis {
        Millis(self.0 * 1000.0)
    }
}

impl Probability {
    /// The probability that the component is down.
    pub fn unavailability(self) -> f64 {
        1.0 - self.0
    }
}

/// Parses a duration: a bare number of seconds, or a string of number-unit pairs such as
/// `250ms`, `30s`, `5m`, `1.5h`, `1h30m` or `1d`. Negative and non-finite values are errors.
pub fn parse_duration(text: &str) -> Result<Seconds, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("a duration cannot be empty".into());
    }
    if s.starts_with('-') {
        return Err(format!("`{text}` is negative; durations must be 0 or more"));
    }
    if let Ok(n) = s.parse::<f64>() {
        return finite_seconds(n, text);
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(bad_duration(text));
        }
        let number: f64 = rest[..number_len].parse().map_err(|_| bad_duration(text))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => return Err(bad_duration(text)),
        };
        rest = rest[unit_len..].trim_start();
        total += number * factor;
    }
    finite_seconds(total, text)
}

fn finite_seconds(n: f64, text: &str) -> Result<Seconds, String> {
    if !n.is_finite() {
        return Err(format!("`{text}` is not a finite duration"));
    }
    if n < 0.0 {
        return Err(format!("`{text}` is negative; durations must be 0 or more"));
    }
    Ok(Seconds(n))
}

fn bad_duration(text: &str) -> String {
    format!(
        "`{text}` is not a duration; write a number of seconds or number-unit pairs with the units ms, s, m, h, d (`250ms`, `30s`, `1h30m`)"
    )
}

/// Parses an availability: a fraction (`0.9995`) or a percent string (`"99.95%"`).
/// The range (0, 1] is checked by the caller, which knows the location.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let s = text.trim();
    let (number, scale) = match s.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (s, 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| n / scale)
        .ok_or_else(|| format!("`{text}` is not an availability; write a fraction (`0.9995`) or a percent string (`\"99.95%\"`)"))
}

impl fmt::Display for Seconds {
    /// Human-readable: `0s`, `450ms`, `1m 30s`, `2h 5m`, `3d 4h`, with at most two parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s == 0.0 {
            return f.write_str("0s");
        }
        if s < 1.0 {
            return write!(f, "{}ms", round_to(s * 1000.0, 1));
        }
        if s < 60.0 {
            return write!(f, "{}s", round_to(s, 1));
        }
        let total = s.round() as u64;
        let parts = [
            (total / 86_400, "d"),
            (total % 86_400 / 3600, "h"),
            (total % 3600 / 60, "m"),
            (total % 60, "s"),
        ];
        let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
        let mut out = format!("{}{}", parts[first].0, parts[first].1);
        if let Some((n, unit)) = parts.get(first + 1).filter(|(n, _)| *n > 0) {
            out.push_str(&format!(" {n}{unit}"));
        }
        f.write_str(&out)
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", round_to(self.0, 1))
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = (self.0 * 100.0).round() as i64;
        let (whole, frac) = (cents / 100, (cents % 100).abs());
        let grouped = group_thousands(whole.unsigned_abs());
        let sign = if cents < 0 { "-" } else { "" };
        write!(f, "{sign}${grouped}.{frac:02}")
    }
}

/// Formats a whole number with commas between thousands (`1,090,029`).
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// Formats a number with at most `digits` decimals and no trailing zeros.
pub fn round_to(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Formats an availability as a percentage with enough digits to tell nines apart.
pub fn percent(fraction: f64) -> String {
    let unavailability = 1.0 - fraction;
    let digits = if unavailability <= 0.0 {
        4
    } else {
        ((-unavailability.log10()).ceil() as usize).clamp(2, 10)
    };
    format!("{}%", round_to(fraction * 100.0, digits))
}

/// The number of nines of an availability (`0.9995` is 3.3 nines).
pub fn nines(fraction: f64) -> f64 {
    let unavailability = 1.0 - fraction;
    if unavailability <= 0.0 {
        f64::INFINITY
    } else {
        -unavailability.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms").unwrap().0, 0.25);
        assert_eq!(parse_duration("30s").unwrap().0, 30.0);
        assert_eq!(parse_duration("5m").unwrap().0, 300.0);
        assert_eq!(parse_duration("1.5h").unwrap().0, 5400.0);
        assert_eq!(parse_duration("1h30m").unwrap().0, 5400.0);
        assert_eq!(parse_duration("1d").unwrap().0, 86_400.0);
        assert_eq!(parse_duration("42").unwrap().0, 42.0);
        assert_eq!(parse_duration("2.5").unwrap().0, 2.5);
    }

    #[test]
    fn bad_durations_are_errors() {
        for bad in ["", "-5s", "5 parsecs", "h", "1e400", "ms", "1.2.3s", "-1"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn percent_strings_are_read_as_hundredths() {
        assert_eq!(parse_percent("99.95%").unwrap(), 0.9995);
        assert_eq!(parse_percent("0.5").unwrap(), 0.5);
        assert!(parse_percent("ninety").is_err());
    }

    #[test]
    fn durations_format_for_humans() {
        assert_eq!(Seconds(0.0).to_string(), "0s");
        assert_eq!(Seconds(0.5).to_string(), "500ms");
        assert_eq!(Seconds(30.0).to_string(), "30s");
        assert_eq!(Seconds(90.0).to_string(), "1m 30s");
        assert_eq!(Seconds(3600.0).to_string(), "1h");
        assert_eq!(Seconds(7500.0).to_string(), "2h 5m");
        assert_eq!(Seconds(90_000.0).to_string(), "1d 1h");
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(Usd(12_345.678).to_string(), "$12,345.68");
        assert_eq!(Usd(3.0).to_string(), "$3.00");
    }
}
