//! Where cloud regions are (for `regions.<id>.location`) and which jurisdiction holds them. The
//! coordinates are the cities the providers name for each region, rounded; a region missing
//! here is written with its location left for the overlay.

/// `(region name, [lat, lon], jurisdiction)`.
const TABLE: &[(&str, [f64; 2], &str)] = &[
    // AWS
    ("us-east-1", [39.04, -77.49], "US"),
    ("us-east-2", [39.96, -83.0], "US"),
    ("us-west-1", [37.35, -121.96], "US"),
    ("us-west-2", [45.84, -119.7], "US"),
    ("ca-central-1", [45.5, -73.57], "CA"),
    ("ca-west-1", [51.05, -114.07], "CA"),
    ("sa-east-1", [-23.55, -46.63], "BR"),
    ("eu-west-1", [53.35, -6.27], "EU"),
    ("eu-west-2", [51.51, -0.13], "UK"),
    ("eu-west-3", [48.86, 2.35], "EU"),
    ("eu-central-1", [50.11, 8.68], "EU"),
    ("eu-central-2", [47.37, 8.54], "CH"),
    ("eu-north-1", [59.33, 18.07], "EU"),
    ("eu-south-1", [45.46, 9.19], "EU"),
    ("eu-south-2", [41.65, -0.88], "EU"),
    ("ap-northeast-1", [35.69, 139.69], "JP"),
    ("ap-northeast-2", [37.57, 126.98], "KR"),
    ("ap-northeast-3", [34.69, 135.5], "JP"),
    ("ap-southeast-1", [1.29, 103.85], "SG"),
    ("ap-southeast-2", [-33.87, 151.21], "AU"),
    ("ap-southeast-3", [-6.21, 106.85], "ID"),
    ("ap-south-1", [19.08, 72.88], "IN"),
    ("ap-south-2", [17.39, 78.49], "IN"),
    ("ap-east-1", [22.32, 114.17], "HK"),
    ("me-south-1", [26.07, 50.56], "BH"),
    ("me-central-1", [25.2, 55.27], "AE"),
    ("af-south-1", [-33.92, 18.42], "ZA"),
    ("il-central-1", [32.09, 34.78], "IL"),
    // Google Cloud
    ("us-central1", [41.26, -95.86], "US"),
    ("us-east1", [33.2, -80.01], "US"),
    ("us-east4", [39.04, -77.49], "US"),
    ("us-west1", [45.6, -121.18], "US"),
    ("us-west2", [34.05, -118.24], "US"),
    ("europe-west1", [50.45, 3.82], "EU"),
    ("europe-west2", [51.51, -0.13], "UK"),
    ("europe-west3", [50.11, 8.68], "EU"),
    ("europe-west4", [53.44, 6.84], "EU"),
    ("europe-north1", [60.57, 27.19], "EU"),
    ("asia-east1", [24.05, 120.52], "TW"),
    ("asia-northeast1", [35.69, 139.69], "JP"),
    ("asia-southeast1", [1.35, 103.99], "SG"),
    ("australia-southeast1", [-33.87, 151.21], "AU"),
    // Azure
    ("eastus", [37.37, -79.82], "US"),
    ("eastus2", [36.67, -78.39], "US"),
    ("westus", [37.78, -122.42], "US"),
    ("westus2", [47.23, -119.85], "US"),
    ("centralus", [41.59, -93.6], "US"),
    ("northeurope", [53.35, -6.27], "EU"),
    ("westeurope", [52.37, 4.9], "EU"),
    ("francecentral", [46.37, 2.37], "EU"),
    ("germanywestcentral", [50.11, 8.68], "EU"),
    ("uksouth", [51.51, -0.13], "UK"),
    ("southeastasia", [1.28, 103.83], "SG"),
    ("japaneast", [35.68, 139.77], "JP"),
    ("australiaeast", [-33.86, 151.21], "AU"),
];

/// The location and jurisdiction of a region name, when known.
pub fn lookup(name: &str) -> Option<([f64; 2], &'static str)> {
    let lower = name.to_ascii_lowercase().replace(' ', "");
    TABLE
        .iter()
        .find(|(n, _, _)| *n == lower)
        .map(|(_, loc, j)| (*loc, *j))
}

/// Whether the name has the shape of an AWS region (`us-east-1`, `us-gov-west-1`).
pub fn is_aws_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

/// The region of an AWS availability zone name (`eu-west-1a` -> `eu-west-1`). Local and
/// Wavelength zones (`us-west-2-lax-1a`) give their parent region.
pub fn aws_az_region(az: &str) -> Option<String> {
    let parts: Vec<&str> = az.split('-').collect();
    if parts.len() >= 3 {
        // `us-west-2-lax-1a`: the parent region is the first three parts.
        let parent = parts[..3].join("-");
        if parts.len() > 3 && is_aws_region(&parent) {
            return Some(parent);
        }
    }
    let last = az.chars().last()?;
    if !last.is_ascii_lowercase() {
        return None;
    }
    let region = &az[..az.len() - 1];
    is_aws_region(region).then(|| region.to_string())
}

/// The region of a Google zone, given as a name or a URL (`projects/p/zones/us-central1-a`).
pub fn google_zone_region(zone: &str) -> Option<String> {
    let name = zone.rsplit('/').next()?;
    let (region, letter) = name.rsplit_once('-')?;
    (letter.len() == 1 && !region.is_empty()).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_give_their_regions() {
        assert_eq!(aws_az_region("eu-west-1a").as_deref(), Some("eu-west-1"));
        assert_eq!(
            aws_az_region("us-west-2-lax-1a").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(aws_az_region("use1-az1"), None);
        assert_eq!(
            google_zone_region("projects/foobar/global/zones/us-central1-a").as_deref(),
            Some("us-central1")
        );
        assert!(lookup("us-east-1").is_some());
        assert!(lookup("mars-north-1").is_none());
    }
}
