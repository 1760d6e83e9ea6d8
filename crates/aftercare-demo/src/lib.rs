//! Deterministic demo data for Aftercare: a fictional appliance manufacturer (启澜电器) with
//! real Chinese regions, its brands and ODM brand customers, TV/monitor/fridge/washer
//! models, a central and six regional warehouses, service stations with technicians, and
//! login accounts for every role.
//!
//! Pure: no I/O, no clock, no global randomness. The same seed and scale give the same
//! records on every run and machine (ChaCha8 streams, ordered collections only). Records
//! are plain structs that refer to each other by code, never by database id, so the caller
//! inserts them in the order of the [`DemoData`] fields and maps codes to ids.
//!
//! # Sizes
//!
//! Regions (31 provinces, 118 cities, 971 districts/counties, 29 townships), brands (3),
//! product lines (4) and product models (60) are the same at every scale. Station counts
//! are exact; technicians are 3-6 per urban, 2-4 per township and 2-3 per remote station,
//! so their total depends on the seed (the counts shown are for [`DEFAULT_SEED`]).
//!
//! | scale      | stations (urban/township/remote) | inactive | technicians | warehouses | users |
//! |------------|----------------------------------|----------|-------------|------------|-------|
//! | `small`    | 9 (4/3/2)                        | 1        | 37          | 16         | 13    |
//! | `standard` | 120 (60/42/18)                   | 4        | 444         | 127        | 45    |
//! | `large`    | 3,000 (1,500/1,050/450)          | 120      | 11,071      | 3,007      | 794   |
//!
//! Users per scale (admin/manager/agent/dispatcher/warehouse/station/technician/brand):
//! small 1/1/2/2/1/2/2/2, standard 1/2/8/4/4/12/12/2, large 2/6/120/40/24/300/300/2.
//!
//! # Demo accounts
//!
//! Every account's password is [`DEMO_PASSWORD`] (`demo1234`), for demos only. The memorable
//! logins are `admin`, `manager`, `agent`, `dispatcher`, `warehouse`, `station` and `tech`
//! (both bound to [`FLAGSHIP_STATION`] in 成都市锦江区) and `brand` (brand customer
//! `NORDHAVEN`). Extras are numbered (`agent2`, `brand2` for `YUEJIA`) or named after their
//! station (`st-gd-0003`, `tech-gd-0003`).
//!
//! # Extending
//!
//! Each family lives in its own module and draws from its own random stream
//! ([`rng::Family`]), so a later family (parts, stock, movements, customers, units, tickets)
//! adds a module, a new stream number and a field here, and leaves every existing record
//! unchanged; `pins_the_output_of_a_known_seed` guards that. Dates are relative to
//! [`DemoConfig::as_of`] so history can end "today" when the caller passes today.

pub mod check;
pub mod org;
pub mod parts;
pub mod people;
pub mod products;
pub mod regions;
mod regions_table;
pub mod rng;
pub mod service;
pub mod stations;

pub use check::Problem;
pub use org::{Brand, BrandKind, Company, Warehouse};
pub use people::{DEMO_PASSWORD, DemoUser, Technician};
pub use products::{ModelSize, ProductLine, ProductModel};
pub use regions::{Region, ServiceArea};
pub use stations::{FLAGSHIP_STATION, Station};

use aftercare_domain::org::Tier;
use chrono::NaiveDate;
use serde::Serialize;

/// The seed `aftercare demo` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 2026;

/// The reference date used by [`generate`]: launch dates, contracts and tenures lie before it.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or(NaiveDate::MIN)
}

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// A handful of stations, for fast tests.
    Small,
    /// The default demo: ~120 stations.
    #[default]
    Standard,
    /// Thousands of stations and technicians, to exercise performance.
    Large,
}

impl Scale {
    /// Every scale, smallest first.
    pub const ALL: [Scale; 3] = [Scale::Small, Scale::Standard, Scale::Large];

    /// Stable code (`small`, `standard`, `large`), as on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Standard => "standard",
            Scale::Large => "large",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<Scale> {
        Scale::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// The exact counts of this scale.
    pub fn spec(self) -> ScaleSpec {
        match self {
            Scale::Small => ScaleSpec {
                urban_stations: 4,
                township_stations: 3,
                remote_stations: 2,
                admins: 1,
                managers: 1,
                agents: 2,
                dispatchers: 2,
                warehouse_keepers: 1,
                station_users: 2,
                technician_users: 2,
            },
            Scale::Standard => ScaleSpec {
                urban_stations: 60,
                township_stations: 42,
                remote_stations: 18,
                admins: 1,
                managers: 2,
                agents: 8,
                dispatchers: 4,
                warehouse_keepers: 4,
                station_users: 12,
                technician_users: 12,
            },
            Scale::Large => ScaleSpec {
                urban_stations: 1500,
                township_stations: 1050,
                remote_stations: 450,
                admins: 2,
                managers: 6,
                agents: 120,
                dispatchers: 40,
                warehouse_keepers: 24,
                station_users: 300,
                technician_users: 300,
            },
        }
    }
}

/// Exact counts of the scale-dependent records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSpec {
    /// Stations in urban districts (one of them the flagship).
    pub urban_stations: usize,
    /// Stations in county towns and townships.
    pub township_stations: usize,
    /// Stations in remote counties.
    pub remote_stations: usize,
    /// `admin`, `admin2`, ...
    pub admins: usize,
    /// `manager`, `manager2`, ...
    pub managers: usize,
    /// `agent`, `agent2`, ...
    pub agents: usize,
    /// `dispatcher`, `dispatcher2`, ...
    pub dispatchers: usize,
    /// `warehouse`, `warehouse2`, ...
    pub warehouse_keepers: usize,
    /// `station` and `st-<station>` accounts, one per station.
    pub station_users: usize,
    /// `tech` and `tech-<station>` accounts, one per station.
    pub technician_users: usize,
}

impl ScaleSpec {
    /// Stations of one tier.
    pub fn stations_of(&self, tier: Tier) -> usize {
        match tier {
            Tier::Urban => self.urban_stations,
            Tier::Township => self.township_stations,
            Tier::Remote => self.remote_stations,
        }
    }

    /// All stations.
    pub fn stations(&self) -> usize {
        self.urban_stations + self.township_stations + self.remote_stations
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Size.
    pub scale: Scale,
    /// Reference date ("today" of the demo): dates are placed before it.
    pub as_of: NaiveDate,
}

/// A complete demo data set. Inserting the fields in this order satisfies every reference
/// (the company's region and own brand excepted: store its settings after those).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoData {
    /// The manufacturer.
    pub company: Company,
    /// Region hierarchy, parents before children.
    pub regions: Vec<Region>,
    /// Own brand first, then the ODM brand customers.
    pub brands: Vec<Brand>,
    /// TV, monitor, refrigerator, washing machine.
    pub product_lines: Vec<ProductLine>,
    /// Product models.
    pub product_models: Vec<ProductModel>,
    /// Service stations, by code.
    pub stations: Vec<Station>,
    /// Central, regional, then station warehouses (parents first).
    pub warehouses: Vec<Warehouse>,
    /// Technicians, station by station.
    pub technicians: Vec<Technician>,
    /// Login accounts.
    pub users: Vec<DemoUser>,
}

impl DemoData {
    /// A 64-bit digest of the whole data set (FNV-1a of its `Debug` form): equal digests mean
    /// equal data; compare digests only between builds with the same Rust toolchain.
    pub fn fingerprint(&self) -> u64 {
        rng::fnv1a64(format!("{self:?}").as_bytes())
    }

    /// Every inconsistency in the data set (dangling codes, duplicates, bad bindings).
    pub fn problems(&self) -> Vec<Problem> {
        check::problems(self)
    }

    /// Record counts per family, for printing.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("regions", self.regions.len()),
            ("brands", self.brands.len()),
            ("product_lines", self.product_lines.len()),
            ("product_models", self.product_models.len()),
            ("stations", self.stations.len()),
            ("warehouses", self.warehouses.len()),
            ("technicians", self.technicians.len()),
            ("users", self.users.len()),
        ]
    }
}

/// Generate the demo data for `seed` and `scale`, dated relative to [`default_as_of`].
pub fn generate(seed: u64, scale: Scale) -> DemoData {
    generate_with(DemoConfig {
        seed,
        scale,
        as_of: default_as_of(),
    })
}

/// Generate the demo data for a full configuration.
pub fn generate_with(config: DemoConfig) -> DemoData {
    let DemoConfig { seed, scale, as_of } = config;
    let spec = scale.spec();
    let atlas = regions::Atlas::builtin();
    let stations = stations::stations(seed, &spec, &atlas, as_of);
    let technicians = people::technicians(seed, &stations, as_of);
    DemoData {
        company: org::company(),
        regions: atlas.regions(),
        brands: org::brands(as_of),
        product_lines: products::product_lines(),
        product_models: products::product_models(seed, as_of),
        warehouses: org::warehouses(seed, &atlas, &stations),
        users: people::users(seed, &spec, &stations, &technicians),
        stations,
        technicians,
    }
}

#[cfg(test)]
mod tests;
