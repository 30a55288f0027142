//! The fixed tables simulated Shopify orders draw from: a tea shop's products and variants (each with
//! its inventory item), buyers' names, and real-looking addresses in the countries it ships to.

/// A product (`gid://shopify/Product/…`) and its variants.
#[derive(Debug)]
pub struct Product {
    pub id: u64,
    pub title: &'static str,
    pub variants: &'static [Variant],
}

/// A variant (`gid://shopify/ProductVariant/…`) with the SKU sellers route on and its inventory item.
#[derive(Debug)]
pub struct Variant {
    pub id: u64,
    pub inventory_item_id: u64,
    pub sku: &'static str,
    pub title: &'static str,
    /// Price in cents.
    pub price: i64,
}

/// A shipping address's place: city, province (name and code), zip and country.
#[derive(Debug)]
pub struct Place {
    pub city: &'static str,
    pub province: &'static str,
    pub province_code: &'static str,
    pub zip: &'static str,
    pub country: &'static str,
    pub country_code: &'static str,
    pub phone_prefix: &'static str,
}

const fn variant(n: u64, sku: &'static str, title: &'static str, price: i64) -> Variant {
    Variant {
        id: 4_400_000_000_000_000_000 + n,
        inventory_item_id: 4_600_000_000_000_000_000 + n,
        sku,
        title,
        price,
    }
}

pub const CATALOGUE: &[Product] = &[
    Product {
        id: 8_100_000_000_000_000_001,
        title: "West Lake Longjing, first flush",
        variants: &[
            variant(11, "TEA-LJ-100", "100 g tin", 2_450),
            variant(12, "TEA-LJ-250", "250 g tin", 5_200),
        ],
    },
    Product {
        id: 8_100_000_000_000_000_002,
        title: "Pu'er cake, ripe, 357 g",
        variants: &[variant(21, "TEA-PE-357", "Default Title", 3_200)],
    },
    Product {
        id: 8_100_000_000_000_000_003,
        title: "Double-wall glass with infuser",
        variants: &[
            variant(31, "CUP-GL-350-CL", "350 ml / Clear", 1_950),
            variant(32, "CUP-GL-350-GR", "350 ml / Grey", 1_950),
            variant(33, "CUP-GL-500-CL", "500 ml / Clear", 2_400),
        ],
    },
    Product {
        id: 8_100_000_000_000_000_004,
        title: "Gongfu tea set",
        variants: &[
            variant(41, "SET-GONGFU-6", "6 pieces", 6_900),
            variant(42, "SET-GONGFU-10", "10 pieces", 9_800),
        ],
    },
    Product {
        id: 8_100_000_000_000_000_005,
        title: "Jasmine pearls",
        variants: &[
            variant(51, "TEA-JP-50", "50 g pouch", 1_400),
            variant(52, "TEA-JP-200", "200 g pouch", 4_300),
        ],
    },
    Product {
        id: 8_100_000_000_000_000_006,
        title: "Bamboo tea tray",
        variants: &[variant(61, "TRAY-BMB", "Default Title", 3_900)],
    },
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe", "Mateo", "Sofia",
    "Hiroshi", "Priya", "Wei", "Fatima", "Jonas", "Aisha", "Camille", "Diego", "Hannah",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Martin", "Lee", "Nguyen", "Tanaka", "Patel",
    "Chen", "Müller", "Dubois", "Rossi", "O'Connor", "Kowalski", "Silva", "Andersen", "Khan",
    "Walker",
];

pub(crate) const STREETS: &[&str] = &[
    "Maple Avenue",
    "Oak Street",
    "King Street West",
    "High Street",
    "Elm Road",
    "Harbour Drive",
    "Sunset Boulevard",
    "Church Lane",
    "Queen Street",
    "Park Road",
    "Lakeview Terrace",
    "Mill Lane",
];

pub const PLACES: &[Place] = &[
    Place {
        city: "Portland",
        province: "Oregon",
        province_code: "OR",
        zip: "97205",
        country: "United States",
        country_code: "US",
        phone_prefix: "+1 503",
    },
    Place {
        city: "Austin",
        province: "Texas",
        province_code: "TX",
        zip: "78701",
        country: "United States",
        country_code: "US",
        phone_prefix: "+1 512",
    },
    Place {
        city: "Brooklyn",
        province: "New York",
        province_code: "NY",
        zip: "11201",
        country: "United States",
        country_code: "US",
        phone_prefix: "+1 718",
    },
    Place {
        city: "Toronto",
        province: "Ontario",
        province_code: "ON",
        zip: "M5V 2T6",
        country: "Canada",
        country_code: "CA",
        phone_prefix: "+1 416",
    },
    Place {
        city: "Vancouver",
        province: "British Columbia",
        province_code: "BC",
        zip: "V6B 1A1",
        country: "Canada",
        country_code: "CA",
        phone_prefix: "+1 604",
    },
    Place {
        city: "Manchester",
        province: "England",
        province_code: "ENG",
        zip: "M1 1AE",
        country: "United Kingdom",
        country_code: "GB",
        phone_prefix: "+44 161",
    },
    Place {
        city: "Melbourne",
        province: "Victoria",
        province_code: "VIC",
        zip: "3000",
        country: "Australia",
        country_code: "AU",
        phone_prefix: "+61 3",
    },
    Place {
        city: "Berlin",
        province: "Berlin",
        province_code: "BE",
        zip: "10115",
        country: "Germany",
        country_code: "DE",
        phone_prefix: "+49 30",
    },
];

pub(crate) const NOTES: &[&str] = &[
    "Gift wrap please",
    "Leave at the back door",
    "Please no plastic packaging",
    "It's a birthday present, no invoice in the box",
];

pub(crate) const TAGS: &[&str] = &["vip", "repeat", "wholesale", "newsletter", "gift"];
