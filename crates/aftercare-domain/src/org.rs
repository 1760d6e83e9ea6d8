//! The organisation: region tiers, warehouse kinds, stations.

use serde::{Deserialize, Serialize};

/// How remote a region is; decides SLA windows (urban 24 h, township 48 h, remote 72 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// City districts.
    Urban,
    /// Towns and townships.
    Township,
    /// Remote areas.
    Remote,
}

impl Tier {
    /// Every tier.
    pub const ALL: [Tier; 3] = [Tier::Urban, Tier::Township, Tier::Remote];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Tier::Urban => "urban",
            Tier::Township => "township",
            Tier::Remote => "remote",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Level of a region in the hierarchy province → city → district/county → township.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省 / 直辖市 / 自治区.
    Province,
    /// 市.
    City,
    /// 区 / 县.
    District,
    /// 乡镇.
    Township,
}

impl RegionLevel {
    /// Every level, top down.
    pub const ALL: [RegionLevel; 4] = [
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::District,
        RegionLevel::Township,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => "district",
            RegionLevel::Township => "township",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<RegionLevel> {
        RegionLevel::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Where a warehouse sits in the replenishment network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarehouseKind {
    /// 总库: replenished by purchases.
    Central,
    /// 分库: replenished from the central warehouse.
    Regional,
    /// Stock held at a service station.
    Station,
}

impl WarehouseKind {
    /// Every kind.
    pub const ALL: [WarehouseKind; 3] = [
        WarehouseKind::Central,
        WarehouseKind::Regional,
        WarehouseKind::Station,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            WarehouseKind::Central => "central",
            WarehouseKind::Regional => "regional",
            WarehouseKind::Station => "station",
        }
    }

    /// Parse a code.
    pub fn parse(code: &str) -> Option<WarehouseKind> {
        WarehouseKind::ALL.into_iter().find(|t| t.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.code()), Some(t));
        }
        for l in RegionLevel::ALL {
            assert_eq!(RegionLevel::parse(l.code()), Some(l));
        }
        for k in WarehouseKind::ALL {
            assert_eq!(WarehouseKind::parse(k.code()), Some(k));
        }
        assert_eq!(Tier::parse("suburb"), None);
    }
}
