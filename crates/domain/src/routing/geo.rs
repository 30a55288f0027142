//! Distance between an address and a warehouse, from area-code centroids: each province-level division
//! is placed at its capital, and two places in the same city or province are nearer than any two
//! centroids. Coarse on purpose: it ranks warehouses, it does not price parcels.

/// Province-level divisions: the area-code prefix, the name's start, and the capital's latitude and
/// longitude in degrees.
const PROVINCES: [(&str, &str, f64, f64); 34] = [
    ("11", "北京", 39.90, 116.41),
    ("12", "天津", 39.13, 117.20),
    ("13", "河北", 38.04, 114.51),
    ("14", "山西", 37.87, 112.55),
    ("15", "内蒙古", 40.84, 111.75),
    ("21", "辽宁", 41.80, 123.43),
    ("22", "吉林", 43.82, 125.32),
    ("23", "黑龙江", 45.80, 126.53),
    ("31", "上海", 31.23, 121.47),
    ("32", "江苏", 32.06, 118.80),
    ("33", "浙江", 30.27, 120.15),
    ("34", "安徽", 31.82, 117.23),
    ("35", "福建", 26.07, 119.30),
    ("36", "江西", 28.68, 115.86),
    ("37", "山东", 36.65, 117.12),
    ("41", "河南", 34.75, 113.63),
    ("42", "湖北", 30.59, 114.31),
    ("43", "湖南", 28.23, 112.94),
    ("44", "广东", 23.13, 113.26),
    ("45", "广西", 22.82, 108.37),
    ("46", "海南", 20.04, 110.20),
    ("50", "重庆", 29.56, 106.55),
    ("51", "四川", 30.57, 104.07),
    ("52", "贵州", 26.65, 106.63),
    ("53", "云南", 25.04, 102.71),
    ("54", "西藏", 29.65, 91.13),
    ("61", "陕西", 34.34, 108.94),
    ("62", "甘肃", 36.06, 103.83),
    ("63", "青海", 36.62, 101.78),
    ("64", "宁夏", 38.49, 106.23),
    ("65", "新疆", 43.83, 87.62),
    ("71", "台湾", 25.03, 121.57),
    ("81", "香港", 22.32, 114.17),
    ("82", "澳门", 22.20, 113.55),
];

/// Where a receiver is, as far as ranking warehouses goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place<'a> {
    /// The area code, or as much of it as is known (may be empty).
    pub(crate) area_code: &'a str,
    /// The province's name when the area code is missing.
    pub(crate) province: &'a str,
}

/// A sort key: same city first, then same province, then kilometres between province centroids.
/// Unknown places sort last, by warehouse order.
pub(crate) fn distance_key(from: Place<'_>, warehouse_area: &str) -> (u8, u32) {
    let code = if let Some(code) = from.area_code.get(..2) {
        Some(code)
    } else {
        PROVINCES
            .iter()
            .find(|(_, name, _, _)| !from.province.is_empty() && from.province.starts_with(name))
            .map(|(code, _, _, _)| *code)
    };
    let Some(code) = code else {
        return (3, 0);
    };
    // Text that is not an area code (`get` is `None` inside a multi-byte character) is no city.
    let same_city = from
        .area_code
        .get(..4)
        .is_some_and(|city| warehouse_area.get(..4) == Some(city));
    if same_city {
        return (0, 0);
    }
    if warehouse_area.get(..2) == Some(code) {
        return (1, 0);
    }
    let km = match (centroid(code), warehouse_area.get(..2).and_then(centroid)) {
        (Some(a), Some(b)) => kilometres(a, b),
        _ => return (3, 0),
    };
    (2, km)
}

fn centroid(code: &str) -> Option<(f64, f64)> {
    PROVINCES
        .iter()
        .find(|(prefix, _, _, _)| *prefix == code)
        .map(|(_, _, lat, lon)| (*lat, *lon))
}

/// Great-circle distance in whole kilometres (haversine).
fn kilometres(a: (f64, f64), b: (f64, f64)) -> u32 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    (2.0 * 6371.0 * h.sqrt().asin()).round() as u32
}

#[cfg(test)]
mod tests {
    use crate::routing::geo::{Place, distance_key};

    #[test]
    fn nearer_warehouses_sort_first() {
        let hangzhou = Place {
            area_code: "330106",
            province: "浙江省",
        };
        let jiaxing = "330402";
        let guangzhou = "440106";
        let shanghai = "310115";
        assert_eq!(distance_key(hangzhou, jiaxing), (1, 0));
        assert!(distance_key(hangzhou, shanghai) < distance_key(hangzhou, guangzhou));
        let by_name = Place {
            area_code: "",
            province: "广东省",
        };
        assert!(distance_key(by_name, guangzhou) < distance_key(by_name, jiaxing));
        let same_city = Place {
            area_code: "440104",
            province: "",
        };
        assert_eq!(distance_key(same_city, guangzhou), (0, 0));
        let nowhere = Place {
            area_code: "",
            province: "",
        };
        assert_eq!(distance_key(nowhere, guangzhou), (3, 0));
        // A rule file's test case may carry any text as its area code: never a panic.
        let named = Place {
            area_code: "广州天河",
            province: "广东省",
        };
        assert_eq!(
            distance_key(named, guangzhou),
            distance_key(by_name, guangzhou)
        );
    }
}
