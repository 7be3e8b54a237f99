//! Prints the reach graph of a `get-account-authorization-details` snapshot: admins, edges,
//! escalations (`cargo run -p iam-analysis --example reach_dump -- FILE`).
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
                let x = g.edge(i);
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
