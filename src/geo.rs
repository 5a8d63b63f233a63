//! Distances and speed-of-light round trips (MODEL.md §4).

use crate::model::{LatLon, Millis};

/// Mean Earth radius used by the model, km.
pub const EARTH_RADIUS_KM: f64 = 6371.0;
/// Light in fiber, km per ms.
pub const FIBER_KM_PER_MS: f64 = 204.19;
/// How much longer real fiber routes are than the great circle.
pub const ROUTE_FACTOR: f64 = 1.5;

/// Great-circle distance in km (haversine, accurate for short and antipodal distances alike).
pub fn great_circle_km(a: LatLon, b: LatLon) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The derived round trip between two points: route factor 1.5 over fiber.
pub fn derived_rtt(a: LatLon, b: LatLon) -> Millis {
    Millis(2.0 * great_circle_km(a, b) * ROUTE_FACTOR / FIBER_KM_PER_MS)
}

/// The physical lower bound of a round trip: the great circle at the speed of light in fiber.
pub fn min_rtt(a: LatLon, b: LatLon) -> Millis {
    Millis(2.0 * great_circle_km(a, b) / FIBER_KM_PER_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_meridian_is_a_quarter_circumference() {
        let km = great_circle_km(
            LatLon { lat: 0.0, lon: 0.0 },
            LatLon {
                lat: 90.0,
                lon: 0.0,
            },
        );
        assert!((km - std::f64::consts::PI * EARTH_RADIUS_KM / 2.0).abs() < 1e-9);
    }

    #[test]
    fn derived_rtt_is_one_and_a_half_times_the_bound() {
        let a = LatLon {
            lat: 39.04,
            lon: -77.49,
        };
        let b = LatLon {
            lat: 53.35,
            lon: -6.27,
        };
        assert!((derived_rtt(a, b).0 - 1.5 * min_rtt(a, b).0).abs() < 1e-9);
        // Ashburn to Dublin is about 5,440 km: about 53 ms at the bound.
        assert!((min_rtt(a, b).0 - 53.3).abs() < 1.0);
    }
}
