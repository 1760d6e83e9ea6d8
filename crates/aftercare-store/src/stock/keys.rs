//! Locations as canonical text keys (`kind:warehouse:condition:reference`, `-` for empty).

use aftercare_domain::WarehouseId;
use aftercare_domain::stock::{Location, LocationKey, LocationKind, StockCondition};

/// The canonical key of a location.
pub fn location_key(location: &Location) -> String {
    let k = location.key();
    let w = k.warehouse.map_or("-".to_string(), |w| w.get().to_string());
    let c = k.condition.map_or("-", |c| c.code());
    let r = k.reference.map_or("-".to_string(), |r| r.to_string());
    format!("{}:{w}:{c}:{r}", k.kind.code())
}

/// Parse a key written by [`location_key`].
pub fn parse_location_key(text: &str) -> Option<Location> {
    let mut parts = text.split(':');
    let kind = LocationKind::parse(parts.next()?)?;
    let num = |s: &str| -> Option<Option<i64>> {
        if s == "-" {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    let warehouse = num(parts.next()?)?.map(WarehouseId);
    let c = parts.next()?;
    let condition = if c == "-" {
        None
    } else {
        Some(StockCondition::parse(c)?)
    };
    let reference = num(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Location::from_key(LocationKey {
        kind,
        warehouse,
        condition,
        reference,
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::stock::Consumer;
    use aftercare_domain::{RepairOrderId, SupplierId, TicketId, TransferId};

    #[test]
    fn keys_round_trip_for_every_kind() {
        let w = WarehouseId(7);
        let all = [
            Location::stock(w, StockCondition::Quarantine),
            Location::Supplier {
                supplier: SupplierId(3),
            },
            Location::Consumer {
                consumer: Consumer::Ticket(TicketId(42)),
            },
            Location::RepairVendor {
                order: RepairOrderId(5),
            },
            Location::InTransit {
                transfer: TransferId(118),
                to: w,
                condition: StockCondition::Good,
            },
            Location::TransferDiscrepancy {
                transfer: TransferId(118),
                condition: StockCondition::Repaired,
            },
            Location::Scrapped { warehouse: w },
            Location::StocktakeDifference { warehouse: w },
        ];
        for loc in all {
            let key = location_key(&loc);
            assert_eq!(parse_location_key(&key), Some(loc), "{key}");
        }
        assert_eq!(
            location_key(&Location::stock(w, StockCondition::Good)),
            "stock:7:good:-"
        );
        assert_eq!(parse_location_key("stock:7:good"), None);
        assert_eq!(parse_location_key("stock:x:good:-"), None);
        assert_eq!(parse_location_key("stock:7:-:-"), None);
    }
}
