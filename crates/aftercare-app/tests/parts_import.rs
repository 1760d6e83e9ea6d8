//! Part master import/export against real databases (SQLite always, PostgreSQL when
//! configured): every broken file is reported row by row and writes nothing; a good file
//! imports once and re-importing it changes nothing.

use aftercare_app::parts_io::{FileFormat, Kind};
use aftercare_app::{Actor, App, AppConfig, AppError};
use aftercare_domain::org::WarehouseKind;
use aftercare_domain::part::PartDraft;
use aftercare_domain::{Principal, Role, Scope};
use aftercare_store::org::{self, NewProductModel, NewWarehouse};
use aftercare_store::part_master;
use aftercare_store::testing::each_backend;
use rust_xlsxwriter::Workbook;

async fn setup(db: &aftercare_store::Db) {
    let mut tx = db.begin_write().await.unwrap();
    let brand = org::insert_brand(&mut tx, "BR", "品牌", "Brand", true)
        .await
        .unwrap();
    let line = org::insert_product_line(&mut tx, "TV", "电视", "TV")
        .await
        .unwrap();
    for code in ["TV-55A", "TV-65B"] {
        org::insert_product_model(
            &mut tx,
            &NewProductModel {
                code: code.into(),
                name_zh: code.into(),
                name_en: code.into(),
                product_line_id: line,
                brand_id: brand,
                launched_on: None,
                end_of_production_on: None,
            },
        )
        .await
        .unwrap();
    }
    org::insert_warehouse(
        &mut tx,
        &NewWarehouse {
            code: "WH-CEN".into(),
            name: "总库".into(),
            kind: WarehouseKind::Central,
            parent_id: None,
            region_id: None,
            station_id: None,
            address: "x".into(),
            after_sales: true,
            active: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

const PARTS: &str = "part_number,name_zh,name_en,unit,standard_cost,source,lead_time_days,criticality,end_of_production\n\
PCB-55A,主板,Main board,块,320.50,外购,30,关键,2027-06-30\n\
LED-55,背光灯条,,条,45,buy,14,,\n\
PSU-55,电源板,Power board,块,88.8,make,21,normal,\n";

const WHERE_USED: &str =
    "model_code,part_number,qty_per_unit\nTV-55A,PCB-55A,1\nTV-55A,LED-55,4\ntv-65b,PSU-55,1\n";

const SUBSTITUTES: &str = "part_number,substitute_part_number,direction,priority,instruction\n\
LED-55,PSU-55,one_way,1,\"剪短线束, 重新压接\"\n";

const LEVELS: &str = "warehouse_code,part_number,min,max\nWH-CEN,PCB-55A,5,20\nWH-CEN,LED-55,10,\n";

async fn import(app: &App, text: &[u8], kind: Kind) -> aftercare_app::parts::ImportReport {
    app.import_part_master(&Actor::Cli, text, None, kind)
        .await
        .unwrap()
}

async fn counts(app: &App) -> [i64; 4] {
    part_master::master_counts(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_good_file_imports_once_and_reimporting_changes_nothing() {
    for t in each_backend().await.unwrap() {
        setup(&t.db).await;
        let app = App::new(t.db.clone(), AppConfig::default());
        let r = import(&app, PARTS.as_bytes(), Kind::Parts).await;
        assert!(r.applied, "{}: {:?}", t.label, r.issues);
        assert_eq!(r.counts[&Kind::Parts].created, 3);
        for (text, kind) in [
            (WHERE_USED, Kind::WhereUsed),
            (SUBSTITUTES, Kind::Substitutes),
            (LEVELS, Kind::Levels),
        ] {
            let r = import(&app, text.as_bytes(), kind).await;
            assert!(r.applied, "{}: {kind}: {:?}", t.label, r.issues);
        }
        assert_eq!(counts(&app).await, [3, 3, 1, 2], "{}", t.label);

        // Again: every row unchanged.
        for (text, kind) in [
            (PARTS, Kind::Parts),
            (WHERE_USED, Kind::WhereUsed),
            (SUBSTITUTES, Kind::Substitutes),
            (LEVELS, Kind::Levels),
        ] {
            let r = import(&app, text.as_bytes(), kind).await;
            let c = r.counts[&kind];
            assert_eq!((c.created, c.updated), (0, 0), "{}: {kind}", t.label);
            assert!(c.unchanged > 0);
        }

        // One changed cost updates exactly one part.
        let changed = PARTS.replace("320.50", "330");
        let r = import(&app, changed.as_bytes(), Kind::Parts).await;
        assert_eq!(r.counts[&Kind::Parts].updated, 1);
        assert_eq!(r.counts[&Kind::Parts].unchanged, 2);
        let p = part_master::part_by_number(&app.db, "PCB-55A")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.standard_cost, 33_000);

        // The XLSX export of everything re-imports with nothing changed.
        let xlsx = app
            .export_part_master(&Actor::Cli, FileFormat::Xlsx, &Kind::ALL)
            .await
            .unwrap();
        let r = import(&app, &xlsx, Kind::Parts).await;
        assert!(r.applied, "{}: {:?}", t.label, r.issues);
        assert_eq!(r.counts.len(), 4);
        for (k, c) in &r.counts {
            assert_eq!((c.created, c.updated), (0, 0), "{}: {k}", t.label);
        }
        // And the CSV export of parts too.
        let csv = app
            .export_part_master(&Actor::Cli, FileFormat::Csv, &[Kind::Parts])
            .await
            .unwrap();
        let r = import(&app, &csv, Kind::Parts).await;
        assert_eq!(r.counts[&Kind::Parts].unchanged, 3, "{}", t.label);
    }
}

#[tokio::test]
async fn the_parts_supplier_comes_in_with_the_part_master_and_goes_out_with_its_export() {
    use aftercare_store::stock::master::{NewSupplier, insert_supplier};
    for t in each_backend().await.unwrap() {
        setup(&t.db).await;
        let mut tx = t.db.begin_write().await.unwrap();
        for (code, kind) in [
            ("SUP-A", "supplier"),
            ("SUP-B", "both"),
            ("REP-1", "repair_vendor"),
        ] {
            let s = NewSupplier {
                code: code.into(),
                name: code.into(),
                kind: kind.into(),
            };
            insert_supplier(&mut tx, &s, aftercare_domain::Instant(0))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let app = App::new(t.db.clone(), AppConfig::default());
        let supplier_of = |app: &App| {
            let db = app.db.clone();
            async move { part_master::part_suppliers(&db).await.unwrap() }
        };
        let with = |rows: [&str; 3]| {
            let mut lines = PARTS.lines();
            let header = format!("{},supplier", lines.next().unwrap());
            let body: Vec<String> = lines.zip(rows).map(|(l, s)| format!("{l},{s}")).collect();
            format!("{header}\n{}\n", body.join("\n"))
        };
        // A new part with its supplier (codes in any case); a blank leaves none.
        let r = import(&app, with(["sup-a", "", "SUP-B"]).as_bytes(), Kind::Parts).await;
        assert!(r.applied, "{}: {:?}", t.label, r.issues);
        let linked = supplier_of(&app).await;
        assert_eq!(linked.len(), 2, "{}: {linked:?}", t.label);
        let codes: Vec<&str> = linked.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(codes, ["SUP-A", "SUP-B"], "{}", t.label);
        // Again: unchanged; the file without the column leaves the suppliers as they are.
        let r = import(&app, with(["SUP-A", "", "SUP-B"]).as_bytes(), Kind::Parts).await;
        assert_eq!(r.counts[&Kind::Parts].unchanged, 3, "{}", t.label);
        let r = import(&app, PARTS.as_bytes(), Kind::Parts).await;
        assert_eq!(r.counts[&Kind::Parts].unchanged, 3, "{}", t.label);
        assert_eq!(supplier_of(&app).await, linked);
        // Another supplier replaces the part's one: an update of that part only.
        let r = import(&app, with(["SUP-B", "", "SUP-B"]).as_bytes(), Kind::Parts).await;
        let c = r.counts[&Kind::Parts];
        assert_eq!((c.updated, c.unchanged), (1, 2), "{}", t.label);
        let codes: Vec<String> = supplier_of(&app)
            .await
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(codes, ["SUP-B", "SUP-B"], "{}", t.label);
        // An unknown supplier, or a repair vendor, is refused on its line and column.
        refused(
            &app,
            t.label,
            with(["SUP-X", "REP-1", ""]).as_bytes(),
            Kind::Parts,
            &[
                (2, Some("supplier"), "unknown supplier 'SUP-X'"),
                (3, Some("supplier"), "unknown supplier 'REP-1'"),
            ],
        )
        .await;
        assert_eq!(codes.len(), supplier_of(&app).await.len());
        // The export carries the supplier and re-imports unchanged.
        let csv = app
            .export_part_master(&Actor::Cli, FileFormat::Csv, &[Kind::Parts])
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&csv);
        assert!(
            text.lines().next().unwrap().ends_with(",supplier"),
            "{text}"
        );
        assert!(text.contains(",SUP-B"), "{text}");
        let r = import(&app, &csv, Kind::Parts).await;
        assert_eq!(r.counts[&Kind::Parts].unchanged, 3, "{}", t.label);
        // A supplier no longer active is no part's supplier: not exported, so the export
        // still re-imports.
        let sql = "UPDATE suppliers SET active = FALSE WHERE code = 'SUP-B'";
        match &app.db {
            aftercare_store::Db::Sqlite(p) => {
                sqlx::query(sql).execute(p).await.unwrap();
            }
            aftercare_store::Db::Postgres(p) => {
                sqlx::query(sql).execute(p).await.unwrap();
            }
        }
        assert!(supplier_of(&app).await.is_empty(), "{}", t.label);
        let csv = app
            .export_part_master(&Actor::Cli, FileFormat::Csv, &[Kind::Parts])
            .await
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&csv).contains("SUP-B"),
            "{}",
            t.label
        );
        let r = import(&app, &csv, Kind::Parts).await;
        assert!(r.applied, "{}: {:?}", t.label, r.issues);
        assert_eq!(r.counts[&Kind::Parts].unchanged, 3, "{}", t.label);
    }
}

/// Import `bytes` and assert it is refused, nothing is written, and every expected
/// (line, column, reason fragment) is reported.
async fn refused(
    app: &App,
    label: &str,
    bytes: &[u8],
    kind: Kind,
    expected: &[(usize, Option<&str>, &str)],
) {
    let before = counts(app).await;
    let r = import(app, bytes, kind).await;
    assert!(!r.applied, "{label}: {kind} accepted");
    for (line, col, frag) in expected {
        assert!(
            r.issues
                .iter()
                .any(|i| i.line == *line && i.column.as_deref() == *col && i.reason.contains(frag)),
            "{label}: no issue ({line}, {col:?}, {frag}) in {:#?}",
            r.issues
        );
    }
    assert_eq!(r.issues.len(), expected.len(), "{label}: {:#?}", r.issues);
    assert_eq!(counts(app).await, before, "{label}: something was written");
}

#[tokio::test]
async fn broken_files_report_every_bad_row_and_write_nothing() {
    for t in each_backend().await.unwrap() {
        setup(&t.db).await;
        let app = App::new(t.db.clone(), AppConfig::default());
        let l = t.label;
        // Wrong columns.
        refused(
            &app,
            l,
            b"part_number,name,unit,standard_cost,source,lead_time_days\nA1,x,pcs,1,buy,1\n",
            Kind::Parts,
            &[
                (1, Some("name"), "unknown column 'name'"),
                (1, Some("name_zh"), "missing required column"),
            ],
        )
        .await;
        // Bad numbers, on several rows, with the good rows around them not written.
        refused(
            &app,
            l,
            "part_number,name_zh,unit,standard_cost,source,lead_time_days\n\
             OK-1,好,个,1,buy,1\n\
             BAD-1,坏,个,12.345,buy,1\n\
             BAD-2,坏,个,-1,buy,ten\n\
             OK-2,好,个,2,buy,2\n"
                .as_bytes(),
            Kind::Parts,
            &[
                (3, Some("standard_cost"), "12.345"),
                (4, Some("lead_time_days"), "not a whole number"),
                (4, Some("standard_cost"), "must not be negative"),
            ],
        )
        .await;
        // Duplicate part numbers within the file (after normalisation).
        refused(
            &app,
            l,
            "part_number,name_zh,unit,standard_cost,source,lead_time_days\n\
             DUP-1,一,个,1,buy,1\n\
             dup-1,二,个,1,buy,1\n"
                .as_bytes(),
            Kind::Parts,
            &[(3, Some("part_number"), "first on line 2")],
        )
        .await;
        // Unknown warehouse, model and part.
        import(&app, PARTS.as_bytes(), Kind::Parts).await;
        refused(
            &app,
            l,
            b"warehouse_code,part_number,min,max\nWH-NOPE,PCB-55A,1,2\n",
            Kind::Levels,
            &[(2, Some("warehouse_code"), "unknown warehouse 'WH-NOPE'")],
        )
        .await;
        // A level no order line could reach (the ledger takes at most a billion a line).
        refused(
            &app,
            l,
            b"warehouse_code,part_number,min,max\nWH-CEN,PCB-55A,1,1000000001\nWH-CEN,LED-55,9223372036854775807,\n",
            Kind::Levels,
            &[
                (2, Some("max"), "must be at most 1000000000 units"),
                (3, Some("min"), "must be at most 1000000000 units"),
            ],
        )
        .await;
        refused(
            &app,
            l,
            b"model_code,part_number,qty_per_unit\nTV-99Z,PCB-55A,1\nTV-55A,NOPE-1,1\n",
            Kind::WhereUsed,
            &[
                (2, Some("model_code"), "unknown product model"),
                (3, Some("part_number"), "unknown part 'NOPE-1'"),
            ],
        )
        .await;
        // Non-UTF-8 (and not GB18030 either).
        refused(
            &app,
            l,
            b"part_number,name_zh,unit,standard_cost,source,lead_time_days\nA1,\xFF\xFE\xFF,pcs,1,buy,1\n",
            Kind::Parts,
            &[(0, None, "not UTF-8")],
        )
        .await;
        // An XLSX with a formula: refused with its cell address.
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("parts").unwrap();
        for (c, h) in [
            "part_number",
            "name_zh",
            "unit",
            "standard_cost",
            "source",
            "lead_time_days",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, n) in ["F-1", "F-2"].iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, *n).unwrap();
            ws.write_string(r, 1, "件").unwrap();
            ws.write_string(r, 2, "个").unwrap();
            ws.write_number(r, 3, 10.0).unwrap();
            ws.write_string(r, 4, "buy").unwrap();
            ws.write_number(r, 5, 7.0).unwrap();
        }
        ws.write_formula(2, 3, "=D2*2").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let before = counts(&app).await;
        let r = import(&app, &bytes, Kind::Parts).await;
        assert!(!r.applied);
        assert_eq!(r.issues.len(), 1, "{:#?}", r.issues);
        assert_eq!(r.issues[0].cell.as_deref(), Some("D3"));
        assert_eq!(r.issues[0].column.as_deref(), Some("standard_cost"));
        assert!(r.issues[0].reason.contains("formula"));
        assert_eq!(counts(&app).await, before);
        // A file that is not a workbook at all.
        let r = app
            .import_part_master(
                &Actor::Cli,
                b"PK\x03\x04garbage",
                Some(FileFormat::Xlsx),
                Kind::Parts,
            )
            .await
            .unwrap();
        assert!(!r.applied && r.issues[0].reason.contains("not a readable XLSX"));
    }
}

#[tokio::test]
async fn a_workbook_brings_new_parts_with_their_where_used_in_one_go_or_not_at_all() {
    for t in each_backend().await.unwrap() {
        setup(&t.db).await;
        let app = App::new(t.db.clone(), AppConfig::default());
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("零件").unwrap();
        for (c, h) in [
            "零件号",
            "中文名称",
            "单位",
            "标准成本",
            "来源",
            "采购周期(天)",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["NEW-1", "新件", "个", "5", "外购", "3"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        let ws = wb.add_worksheet();
        ws.set_name("where_used").unwrap();
        for (c, h) in ["model_code", "part_number", "qty_per_unit"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "TV-55A").unwrap();
        ws.write_string(1, 1, "NEW-1").unwrap();
        ws.write_number(1, 2, 2.0).unwrap();
        // A second where-used row with a bad quantity keeps the whole workbook out.
        ws.write_string(2, 0, "TV-65B").unwrap();
        ws.write_string(2, 1, "NEW-1").unwrap();
        ws.write_number(2, 2, 1.5).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let r = import(&app, &bytes, Kind::Parts).await;
        assert!(!r.applied, "{}", t.label);
        assert_eq!(r.issues.len(), 1);
        assert_eq!(r.issues[0].sheet, "where_used");
        assert_eq!(r.issues[0].cell.as_deref(), Some("C3"));
        assert_eq!(counts(&app).await, [0, 0, 0, 0]);
    }
}

#[tokio::test]
async fn only_part_editors_may_import_and_brand_users_may_not_export() {
    let t = aftercare_store::testing::fresh_sqlite().await.unwrap();
    setup(&t.db).await;
    let app = App::new(t.db.clone(), AppConfig::default());
    let wh_user = app
        .add_user(
            &Actor::Cli,
            aftercare_app::admin::AddUser {
                login: "keeper".into(),
                display_name: None,
                role: Role::Warehouse,
                station: None,
                technician: None,
                brand: None,
                password: "password123".into(),
            },
        )
        .await
        .unwrap();
    let user = |role, scope| {
        Actor::user(
            Principal {
                user_id: wh_user.id,
                login: "u".into(),
                role,
                scope,
            },
            None,
        )
    };
    let agent = user(Role::Agent, Scope::All);
    let err = app
        .import_part_master(&agent, PARTS.as_bytes(), None, Kind::Parts)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
    let wh = user(Role::Warehouse, Scope::All);
    assert!(
        app.import_part_master(&wh, PARTS.as_bytes(), None, Kind::Parts)
            .await
            .unwrap()
            .applied
    );
    let brand = user(Role::Brand, Scope::Brand(aftercare_domain::BrandId(1)));
    assert!(matches!(
        app.export_part_master(&brand, FileFormat::Csv, &[Kind::Parts])
            .await,
        Err(AppError::Forbidden { .. })
    ));
}

#[tokio::test]
async fn parts_are_created_and_changed_with_validation_and_where_used_works_both_ways() {
    for t in each_backend().await.unwrap() {
        setup(&t.db).await;
        let app = App::new(t.db.clone(), AppConfig::default());
        let draft = PartDraft {
            part_number: "cmp-1".into(),
            name_zh: "压缩机".into(),
            unit: "台".into(),
            standard_cost: 50_000,
            source: "buy".into(),
            lead_time_days: 45,
            ..PartDraft::default()
        };
        let p = app.create_part(&Actor::Cli, &draft).await.unwrap();
        assert_eq!(p.part_number, "CMP-1");
        assert!(matches!(
            app.create_part(&Actor::Cli, &draft).await,
            Err(AppError::Conflict { .. })
        ));
        let bad = PartDraft {
            unit: String::new(),
            standard_cost: -5,
            ..draft.clone()
        };
        match app.create_part(&Actor::Cli, &bad).await {
            Err(AppError::Invalid(f)) => {
                let names: Vec<&str> = f.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(names, ["unit", "standard_cost"]);
            }
            other => panic!("{other:?}"),
        }
        let id = aftercare_domain::PartId(p.id);
        let changed = PartDraft {
            lead_time_days: 60,
            ..draft.clone()
        };
        assert_eq!(
            app.update_part(&Actor::Cli, id, &changed)
                .await
                .unwrap()
                .lead_time_days,
            60
        );
        app.set_where_used(&Actor::Cli, "TV-55A", id, 2)
            .await
            .unwrap();
        app.set_where_used(&Actor::Cli, "tv-65b", id, 1)
            .await
            .unwrap();
        let models: Vec<String> = app
            .models_using_part(&Actor::Cli, id)
            .await
            .unwrap()
            .into_iter()
            .map(|w| format!("{}x{}", w.model_code, w.qty_per_unit))
            .collect();
        assert_eq!(models, ["TV-55Ax2", "TV-65Bx1"], "{}", t.label);
        let parts = app.parts_of_model(&Actor::Cli, "TV-55A").await.unwrap();
        assert_eq!(parts.len(), 1);
        app.set_where_used(&Actor::Cli, "TV-55A", id, 0)
            .await
            .unwrap();
        assert!(
            app.parts_of_model(&Actor::Cli, "TV-55A")
                .await
                .unwrap()
                .is_empty()
        );

        // Substitutes: declared once, the reverse of a both-ways pair is refused.
        let other = app
            .create_part(
                &Actor::Cli,
                &PartDraft {
                    part_number: "CMP-2".into(),
                    ..draft.clone()
                },
            )
            .await
            .unwrap();
        let other = aftercare_domain::PartId(other.id);
        use aftercare_domain::part::SubstituteDirection::*;
        app.set_substitute(&Actor::Cli, id, other, BothWays, 1, "换接头")
            .await
            .unwrap();
        assert!(matches!(
            app.set_substitute(&Actor::Cli, other, id, OneWay, 2, "")
                .await,
            Err(AppError::Conflict { .. })
        ));
        assert_eq!(
            app.substitutes_of_part(&Actor::Cli, other)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            app.set_substitute(&Actor::Cli, id, id, OneWay, 1, "").await,
            Err(AppError::Invalid(_))
        ));
    }
}
