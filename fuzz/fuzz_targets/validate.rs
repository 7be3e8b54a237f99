//! Every policy type's `validate` and `parse_policy` on arbitrary input (as lossy UTF-8); a
//! policy that parses must print and parse back to itself.
#![no_main]

use iam_model::PolicyType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for t in PolicyType::ALL {
        let _ = iam_parser::validate(&text, t);
    }
    let _ = iam_parser::parse_policy(&text, PolicyType::Identity);
    if let Ok(p) = iam_parser::parse_policy(&text, PolicyType::Resource) {
        let printed = p.to_json();
        match iam_parser::parse_policy(&printed, PolicyType::Resource) {
            Ok(back) => assert_eq!(back, p, "print then parse changed the policy: {printed}"),
            Err(e) => panic!("the printed policy does not parse: {e}: {printed}"),
        }
    }
});
