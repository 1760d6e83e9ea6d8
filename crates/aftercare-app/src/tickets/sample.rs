//! A tiny, fully known world for ticket tests across crates (app, web, browser): one city with
//! an urban and a township district, one product line with a warranty policy and fault codes,
//! an own brand and a buy-out ODM brand, two stations (A and B) covering the same city, a
//! technician each, and one user per role. Passwords are [`SAMPLE_PASSWORD`].

use crate::App;
use crate::access::Actor;
use crate::admin::AddUser;
use crate::error::AppResult;
use aftercare_domain::org::{RegionLevel, Tier};
use aftercare_domain::warranty::{BrandContract, TermsOverride, WarrantyTerms};
use aftercare_domain::{
    BrandId, FaultCodeId, ProductLineId, ProductModelId, RegionId, Role, StationId, TechnicianId,
};
use aftercare_store::org::{self, NewProductModel, NewRegion, NewStation};

/// The password of every sample user.
pub const SAMPLE_PASSWORD: &str = "sample-pass-1";

/// Ids of the sample world.
#[derive(Debug, Clone)]
pub struct SampleWorld {
    /// 成都市.
    pub city: RegionId,
    /// An urban district.
    pub urban: RegionId,
    /// A township-tier county.
    pub township: RegionId,
    /// The TV line.
    pub tv: ProductLineId,
    /// The own brand.
    pub own_brand: BrandId,
    /// The ODM brand with a buy-out contract.
    pub buyout_brand: BrandId,
    /// An own-brand TV model.
    pub model: ProductModelId,
    /// A buy-out brand TV model.
    pub buyout_model: ProductModelId,
    /// Station A (covers the city, score 90, room for 100,000 open tickets).
    pub station_a: StationId,
    /// Station B (covers the city, score 60).
    pub station_b: StationId,
    /// Technician of A.
    pub tech_a: TechnicianId,
    /// Technician of B.
    pub tech_b: TechnicianId,
    /// Fault code "no picture".
    pub fault: FaultCodeId,
}

impl App {
    /// Create the sample world in an empty database (tests and trials only).
    pub async fn seed_ticket_sample(&self) -> AppResult<SampleWorld> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let region = |parent, code: &str, zh: &str, en: &str, level, tier| NewRegion {
            parent_id: parent,
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            level,
            tier,
        };
        let province = org::insert_region(
            &mut tx,
            &region(
                None,
                "51",
                "四川省",
                "Sichuan",
                RegionLevel::Province,
                Tier::Urban,
            ),
        )
        .await?;
        let city = org::insert_region(
            &mut tx,
            &region(
                Some(province),
                "5101",
                "成都市",
                "Chengdu",
                RegionLevel::City,
                Tier::Urban,
            ),
        )
        .await?;
        let urban = org::insert_region(
            &mut tx,
            &region(
                Some(city),
                "510104",
                "锦江区",
                "Jinjiang",
                RegionLevel::District,
                Tier::Urban,
            ),
        )
        .await?;
        let township = org::insert_region(
            &mut tx,
            &region(
                Some(city),
                "510129",
                "大邑县",
                "Dayi",
                RegionLevel::District,
                Tier::Township,
            ),
        )
        .await?;
        let own_brand = org::insert_brand(&mut tx, "QILAN", "启澜", "Qilan", true).await?;
        let buyout_brand =
            org::insert_brand(&mut tx, "NORDHAVEN", "诺德", "Nordhaven", false).await?;
        let tv = org::insert_product_line(&mut tx, "TV", "电视", "Television").await?;
        let model = |code: &str, brand| NewProductModel {
            code: code.into(),
            name_zh: format!("电视 {code}"),
            name_en: format!("TV {code}"),
            product_line_id: tv,
            brand_id: brand,
            launched_on: Some("2024-01-01".into()),
            end_of_production_on: None,
        };
        let m1 = org::insert_product_model(&mut tx, &model("QL-55A", own_brand)).await?;
        let m2 = org::insert_product_model(&mut tx, &model("NH-65X", buyout_brand)).await?;
        let station = |code: &str, name: &str, score| NewStation {
            code: code.into(),
            name: name.into(),
            region_id: urban,
            address: "红星路 1 号".into(),
            phone: "028-8000 0000".into(),
            contact: "王".into(),
            capacity: 100_000,
            score,
            active: true,
            coverage: vec![city],
            product_lines: vec![tv],
        };
        let a = org::insert_station(&mut tx, &station("ST-A", "锦江服务站", 90), now).await?;
        let b = org::insert_station(&mut tx, &station("ST-B", "大邑服务站", 60), now).await?;
        let ta = org::insert_technician(&mut tx, "T-A1", a, "李师傅", "13900000001", true).await?;
        let tb = org::insert_technician(&mut tx, "T-B1", b, "赵师傅", "13900000002", true).await?;
        tx.commit().await?;

        self.set_warranty_policy(
            &Actor::Cli,
            tv,
            WarrantyTerms {
                unit_months: 12,
                key_parts_months: 36,
                labour_months: 12,
            },
        )
        .await?;
        self.set_brand_contract(
            &Actor::Cli,
            BrandContract {
                brand: buyout_brand,
                overrides: TermsOverride::default(),
                buy_out: true,
            },
        )
        .await?;
        let fault = self
            .add_fault_code(&Actor::Cli, tv, "TV-E01", "无图像", "No picture")
            .await?;
        self.add_fault_code(&Actor::Cli, tv, "TV-E02", "无声音", "No sound")
            .await?;
        let users: [(&str, Role, Option<&str>, Option<&str>); 8] = [
            ("admin", Role::Admin, None, None),
            ("agent", Role::Agent, None, None),
            ("dispatcher", Role::Dispatcher, None, None),
            ("manager", Role::Manager, None, None),
            ("station-a", Role::Station, Some("ST-A"), None),
            ("station-b", Role::Station, Some("ST-B"), None),
            ("tech-a", Role::Technician, Some("ST-A"), Some("T-A1")),
            ("tech-b", Role::Technician, Some("ST-B"), Some("T-B1")),
        ];
        for (login, role, station, tech) in users {
            self.add_user(
                &Actor::Cli,
                AddUser {
                    login: login.into(),
                    display_name: None,
                    role,
                    station: station.map(str::to_string),
                    technician: tech.map(str::to_string),
                    brand: None,
                    password: SAMPLE_PASSWORD.into(),
                },
            )
            .await?;
        }
        Ok(SampleWorld {
            city,
            urban,
            township,
            tv,
            own_brand,
            buyout_brand,
            model: m1,
            buyout_model: m2,
            station_a: a,
            station_b: b,
            tech_a: ta,
            tech_b: tb,
            fault,
        })
    }
}

/// Ids of the parts added to the sample world by [`App::seed_ticket_parts_sample`].
#[derive(Debug, Clone)]
pub struct PartsSample {
    /// Station A's warehouse.
    pub warehouse_a: aftercare_domain::WarehouseId,
    /// Station B's warehouse.
    pub warehouse_b: aftercare_domain::WarehouseId,
    /// The supplier stock is bought from.
    pub supplier: aftercare_domain::SupplierId,
    /// A TV main board.
    pub board: aftercare_domain::PartId,
    /// A second main board, declared a one-way substitute of [`PartsSample::board`].
    pub board_alt: aftercare_domain::PartId,
    /// A remote control (no substitutes).
    pub remote: aftercare_domain::PartId,
}

impl App {
    /// Give the sample world's stations a warehouse each, a supplier and three parts (the
    /// alternative board substitutes the board, priority 1). No stock: see
    /// [`App::stock_in_sample`].
    pub async fn seed_ticket_parts_sample(&self, w: &SampleWorld) -> AppResult<PartsSample> {
        use aftercare_domain::Money;
        use aftercare_domain::org::WarehouseKind;
        use aftercare_domain::part::{SubstituteDirection, SubstituteRule};
        use aftercare_store::stock::master::{self, NewPart, NewSupplier};
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let wh = |code: &str, station| org::NewWarehouse {
            code: code.into(),
            name: format!("{code} 备件库"),
            kind: WarehouseKind::Station,
            parent_id: None,
            region_id: Some(w.urban),
            station_id: Some(station),
            address: "红星路 1 号".into(),
            after_sales: true,
            active: true,
        };
        let warehouse_a = org::insert_warehouse(&mut tx, &wh("WH-ST-A", w.station_a)).await?;
        let warehouse_b = org::insert_warehouse(&mut tx, &wh("WH-ST-B", w.station_b)).await?;
        let supplier = master::insert_supplier(
            &mut tx,
            &NewSupplier {
                code: "SUP-TV".into(),
                name: "京东方备件".into(),
                kind: "both".into(),
            },
            now,
        )
        .await?;
        let part = |number: &str, name: &str, cost| NewPart {
            part_number: number.into(),
            name_zh: name.into(),
            standard_cost: Money::from_minor(cost),
        };
        let board =
            master::insert_part(&mut tx, &part("TV-MB-55A", "55寸主板", 42_000), now).await?;
        let board_alt =
            master::insert_part(&mut tx, &part("TV-MB-55B", "55寸主板(新版)", 45_000), now).await?;
        let remote = master::insert_part(&mut tx, &part("TV-RC-01", "遥控器", 3_500), now).await?;
        let rule = SubstituteRule::new(
            board,
            board_alt,
            SubstituteDirection::OneWay,
            1,
            "新版主板需同时更换排线",
        )?;
        master::insert_substitute(&mut tx, &rule).await?;
        tx.commit().await?;
        Ok(PartsSample {
            warehouse_a,
            warehouse_b,
            supplier,
            board,
            board_alt,
            remote,
        })
    }

    /// Put `qty` good units of `part` into `warehouse` through the ledger (purchase order,
    /// receipt, inspection), as the command line.
    pub async fn stock_in_sample(
        &self,
        s: &PartsSample,
        warehouse: aftercare_domain::WarehouseId,
        part: aftercare_domain::PartId,
        qty: i64,
    ) -> AppResult<()> {
        use aftercare_domain::stock::{Command, Created, Qty};
        let q = Qty::new(qty).map_err(|e| crate::error::AppError::invalid("qty", e.to_string()))?;
        let unexpected = |what: &str| crate::error::AppError::Unexpected(format!("no {what}"));
        let po = self
            .stock_execute(
                &Actor::Cli,
                None,
                Command::PlacePurchaseOrder {
                    supplier: s.supplier,
                    lines: vec![(part, q)],
                },
            )
            .await?;
        let Some(Created::PurchaseOrder(order)) = po.outcome.created else {
            return Err(unexpected("purchase order"));
        };
        let r = self
            .stock_execute(
                &Actor::Cli,
                None,
                Command::Receive {
                    order,
                    warehouse,
                    part,
                    qty: q,
                },
            )
            .await?;
        let Some(Created::Lot(lot)) = r.outcome.created else {
            return Err(unexpected("lot"));
        };
        self.stock_execute(
            &Actor::Cli,
            None,
            Command::Inspect {
                warehouse,
                lot,
                accept: q,
                reject: Qty::ZERO,
            },
        )
        .await?;
        Ok(())
    }
}
