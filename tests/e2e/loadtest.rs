//! `diana loadtest` as a load tester runs it, kept tiny: a benchmark is not a test. It must
//! work end to end (long polling and webhook), write its report, and fail when the database
//! shows a fault.

use std::process::Command;

fn loadtest(args: &[&str], report: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_diana"))
        .arg("loadtest")
        .args(["--users", "150", "--duration", "3s", "--quiet", "--report"])
        .arg(report)
        .args(args)
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/diana")
        .env("REDIS_URL", "redis://127.0.0.1:6379")
        .env_remove("DIANA_CONFIG")
        .output()
        .expect("the diana binary runs")
}

fn report(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("report.json")).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_load_runs_end_to_end_writes_its_report_and_its_checks_pass() {
    for (mode, args) in
        [("polling", vec!["--rate", "60"]), ("webhook", vec!["--closed-loop", "--think", "500ms", "--webhook"])]
    {
        let dir = std::env::temp_dir().join(format!("diana-loadtest-test-{mode}-{:08x}", rand::random::<u32>()));
        let out = loadtest(&args, &dir);
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{mode}: {printed}\n{}", String::from_utf8_lossy(&out.stderr));
        check_report(mode, &report(&dir), &printed);
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains("<svg") && html.contains("Checks"), "charts and checks in the page");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naive_commit_runs_the_same_load_with_one_transaction_per_update_and_reports_both() {
    let dir = std::env::temp_dir().join(format!("diana-loadtest-test-naive-{:08x}", rand::random::<u32>()));
    let out = loadtest(&["--rate", "60", "--naive-commit", "--commit-group", "32"], &dir);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}\n{}", String::from_utf8_lossy(&out.stderr));
    let r = report(&dir);
    check_report("group", &r["group_commit"], &printed);
    check_report("naive", &r["naive_commit"], &printed);
    assert_eq!(r["group_commit"]["commit"], "group commit, up to 32 updates per transaction");
    assert_eq!(r["naive_commit"]["commit"], "one transaction per update (naive)");
    assert!(r["throughput_ratio"].as_f64().unwrap() > 0.0 && r["p99_ratio"].as_f64().unwrap() > 0.0, "{r}");
    assert!(printed.contains("group commit:") && printed.contains("the throughput"), "{printed}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("One transaction per update") && html.matches("<svg").count() >= 6, "both runs charted");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What every run's report must show: all answered, nothing refused, the checks passed.
fn check_report(mode: &str, r: &serde_json::Value, printed: &str) {
    let sent = r["updates_sent"].as_u64().unwrap();
    assert!(sent > 50, "{mode}: {printed}");
    assert_eq!(r["updates_answered"].as_u64(), Some(sent), "{mode}: every update answered: {printed}");
    assert_eq!(r["timeouts"], 0, "{mode}");
    assert!(r["rejected"].as_object().unwrap().is_empty(), "{mode}: nothing Telegram would refuse: {printed}");
    assert!(r["latency"]["p99_ms"].as_f64().unwrap() > 0.0);
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3, "{checks:?}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");
    assert!(r["server_peak_rss_mb"].as_f64().unwrap() > 0.0);
    assert!(r["bot_api_calls"]["sendmessage"].as_u64().unwrap() > 0);
    assert!(printed.contains("p99"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_fault_fails_the_run() {
    let faults = [
        ("duplicate-effect", "the ledger invariant holds"),
        ("lost-update", "no update the server took was lost"),
        ("unsaved-state", "no player is left with unsaved state"),
    ];
    for (fault, check) in faults {
        let dir = std::env::temp_dir().join(format!("diana-loadtest-test-{fault}-{:08x}", rand::random::<u32>()));
        let out = loadtest(&["--rate", "60", "--plant", fault], &dir);
        assert!(!out.status.success(), "{fault}: the run must fail");
        let failed: Vec<String> = report(&dir)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["ok"] == false)
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(failed, [check], "{fault}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
