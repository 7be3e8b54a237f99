//! Prints the reach graph of a `get-account-authorization-details` snapshot: admins, edges,
//! escalations (`cargo run -p iam-analysis --example reach_dump -- FILE [REPEAT]`). With
//! REPEAT, builds the graph that many more times and prints the mean wall-clock and CPU time per
//! build (CPU time from `/proc/self/stat` is what a loaded machine does not inflate).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use iam_account::Account;
use iam_analysis::ReachGraph;

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let text = std::fs::read_to_string(path).unwrap();
    let details = iam_parser::gaad::parse_authorization_details(&text).unwrap();
    let acct = Account::from_authorization_details(&details).unwrap();
    let t = std::time::Instant::now();
    let g = ReachGraph::build(&acct).unwrap();
    let el = t.elapsed();
    println!("nodes {} edges {} in {el:?}", g.nodes.len(), g.edges.len());
    if let Some(n) = std::env::args().nth(2).and_then(|n| n.parse::<u32>().ok()) {
        let cpu0 = cpu_ticks();
        let t = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(ReachGraph::build(&acct).unwrap());
        }
        let wall = t.elapsed() / n;
        let cpu_ms = (cpu_ticks() - cpu0) as f64 * 10.0 / f64::from(n);
        println!("mean over {n} builds: wall {wall:?}, cpu {cpu_ms:.1} ms");
    }
    for n in g.admins() {
        let a = n.admin.as_ref().unwrap();
        println!("ADMIN {} via {} ({})", n.name, a.method, a.access);
    }
    for e in &g.edges {
        if e.kind != iam_analysis::EdgeKind::ServiceTrust {
            println!(
                "EDGE {} -[{} {}]-> {}",
                e.from.rsplit('/').next().unwrap(),
                e.method,
                e.access,
                e.to.rsplit('/').next().unwrap()
            );
        }
    }
    for e in g.escalations() {
        let steps: Vec<String> = e
            .steps
            .iter()
            .map(|&i| {
                let x = g.edge(i).unwrap();
                format!(
                    "{}-[{}]->{}",
                    x.from.rsplit('/').next().unwrap(),
                    x.method,
                    x.to.rsplit('/').next().unwrap()
                )
            })
            .collect();
        println!(
            "ESC {} => {} ({}) : {}",
            e.principal.rsplit('/').next().unwrap(),
            e.target.rsplit('/').next().unwrap(),
            e.access,
            steps.join(" ; ")
        );
    }
}

/// utime + stime of this process in clock ticks (100 per second on Linux).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    n(11) + n(12)
}
