//! The policy maths against stockpyl 1.0.2 (Snyder & Shen's library): reference values
//! generated once by `bench/stockpyl_reference.py` into `tests/fixtures/stockpyl_*.csv`.

use aftercare_planning::distribution::{
    gamma_loss, negative_binomial_loss, normal_loss, normal_second_loss, poisson_loss,
    standard_normal_loss, standard_normal_second_loss,
};
use aftercare_planning::policy::{
    eoq, eoq_cost, newsvendor_normal, newsvendor_poisson, r_q_cost_poisson, r_q_eoqss,
    r_q_loss_function_approximation,
};
use std::collections::HashMap;

/// Rows of a fixture as column name → value.
fn fixture(name: &str) -> Vec<HashMap<String, f64>> {
    let path = format!(
        "{}/tests/fixtures/stockpyl_{name}.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let rows: Vec<HashMap<String, f64>> = lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.parse().expect("number")))
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{path} has no rows");
    rows
}

fn assert_close(what: &str, ours: f64, theirs: f64, rel: f64) {
    let tol = rel * theirs.abs().max(1e-3);
    assert!(
        (ours - theirs).abs() <= tol,
        "{what}: ours {ours}, stockpyl {theirs}"
    );
}

#[test]
fn standard_normal_loss_functions_match_stockpyl() {
    for r in fixture("standard_normal_loss") {
        assert_close("G", standard_normal_loss(r["z"]), r["loss"], 1e-9);
        // The second-order loss subtracts nearly equal terms in the tail; stockpyl's and
        // ours differ below 1e-11 absolute there.
        assert_close("G2", standard_normal_second_loss(r["z"]), r["second"], 1e-6);
    }
}

#[test]
fn normal_loss_functions_match_stockpyl() {
    for r in fixture("normal_loss") {
        assert_close(
            "n",
            normal_loss(r["x"], r["mean"], r["sd"]),
            r["loss"],
            1e-9,
        );
        assert_close(
            "n2",
            normal_second_loss(r["x"], r["mean"], r["sd"]),
            r["second"],
            1e-6,
        );
    }
}

#[test]
fn poisson_loss_matches_stockpyl() {
    for r in fixture("poisson_loss") {
        assert_close("poisson", poisson_loss(r["x"], r["mean"]), r["loss"], 1e-8);
    }
}

#[test]
fn negative_binomial_loss_matches_stockpyl() {
    for r in fixture("negative_binomial_loss") {
        assert_close(
            "nbinom",
            negative_binomial_loss(r["x"], r["r"], r["p"]),
            r["loss"],
            1e-8,
        );
    }
}

#[test]
fn gamma_loss_matches_stockpyl() {
    for r in fixture("gamma_loss") {
        assert_close(
            "gamma",
            gamma_loss(r["x"], r["shape"], r["scale"]),
            r["loss"],
            1e-7,
        );
    }
}

#[test]
fn eoq_and_its_cost_match_stockpyl() {
    for r in fixture("eoq") {
        let q = eoq(r["order_cost"], r["holding_cost"], r["demand"]);
        assert_close("Q", q, r["q"], 1e-12);
        let cost = eoq_cost(r["order_cost"], r["holding_cost"], r["demand"], q);
        assert_close("cost", cost, r["cost"], 1e-12);
    }
}

#[test]
fn newsvendor_levels_and_costs_match_stockpyl() {
    for r in fixture("newsvendor_normal") {
        let (s, cost) = newsvendor_normal(r["holding"], r["stockout"], r["mean"], r["sd"]);
        assert_close("S", s, r["level"], 1e-9);
        assert_close("cost", cost, r["cost"], 1e-9);
    }
    for r in fixture("newsvendor_poisson") {
        let (s, cost) = newsvendor_poisson(r["holding"], r["stockout"], r["mean"]);
        assert_eq!(s, r["level"]);
        assert_close("cost", cost, r["cost"], 1e-8);
    }
}

#[test]
fn r_q_approximations_match_stockpyl() {
    for r in fixture("r_q_eoqss") {
        let (rr, q) = r_q_eoqss(
            r["holding"],
            r["stockout"],
            r["order_cost"],
            r["mean"],
            r["sd"],
            r["lead_time"],
        );
        assert_close("r", rr, r["r"], 1e-9);
        assert_close("Q", q, r["q"], 1e-12);
    }
    for r in fixture("r_q_loss_function") {
        let (rr, q) = r_q_loss_function_approximation(
            r["holding"],
            r["stockout"],
            r["order_cost"],
            r["mean"],
            r["sd"],
            r["lead_time"],
        );
        // stockpyl solves with scipy's fsolve to 1e-10 absolute.
        assert_close("r", rr, r["r"], 1e-7);
        assert_close("Q", q, r["q"], 1e-7);
    }
}

#[test]
fn r_q_cost_with_poisson_demand_matches_stockpyl() {
    for r in fixture("r_q_cost_poisson") {
        let cost = r_q_cost_poisson(
            r["r"] as i64,
            r["q"] as i64,
            r["holding"],
            r["stockout"],
            r["order_cost"],
            r["mean"],
            r["lead_time"],
        );
        assert_close("g(r,Q)", cost, r["cost"], 1e-8);
    }
}
