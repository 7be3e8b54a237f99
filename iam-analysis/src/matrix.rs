//! [`access_matrix`]: principals × actions, computed in parallel.
//!
//! **Shared rows.** Principals holding the very same policies (the same managed policies, the
//! same groups' policies, no inline policy of their own, the same boundary, in the same
//! account) have the same row, unless one of their policies depends on who the principal is
//! (a policy variable such as `${aws:username}`, a condition on `aws:PrincipalTag/…`,
//! `aws:username` or another key decided by the principal: see [`RowClasses`]). Each distinct
//! row is computed and stored once: in a real account most principals get their permissions
//! from groups and shared managed policies, so a matrix of 50,000 principals holds a few
//! thousand distinct rows (BENCHMARKS.md, issue #14).

use super::conditions::is_principal_key;
use super::core::{Analyzer, Cache, Dependence, ShareKey, Subject, share_key};
use super::index::index;
use super::{Access, AnalysisError, Target};
use iam_model::catalog::AccessLevel;
use iam_model::entities::IamError;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Principals × actions: each cell says whether the principal is allowed the action on at
/// least one resource (the [`what_can`](super::what_can) rule). Principals with the same
/// policies share one stored row (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessMatrix {
    /// Row labels: principal ARNs.
    pub principals: Vec<String>,
    /// Column labels: actions (`service:Name`), catalog order.
    pub actions: Vec<&'static str>,
    /// The distinct rows, one after the other.
    cells: Vec<Option<Access>>,
    /// `rows[r]`: which distinct row principal `r` has.
    rows: Vec<u32>,
}

/// The five access levels, in column order of [`LevelMatrix`].
pub const LEVELS: [AccessLevel; 5] = [
    AccessLevel::List,
    AccessLevel::Read,
    AccessLevel::Write,
    AccessLevel::PermissionsManagement,
    AccessLevel::Tagging,
];

/// Principals × access levels: how many actions of each level a principal is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelMatrix {
    /// Row labels: principal ARNs.
    pub principals: Vec<String>,
    /// Column labels.
    pub levels: [AccessLevel; 5],
    /// `counts[row][level]`: allowed or conditional actions.
    pub counts: Vec<[usize; 5]>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl AccessMatrix {
    /// The cell of (`row`, `col`).
    pub fn get(&self, row: usize, col: usize) -> Option<Access> {
        if col >= self.actions.len() {
            return None;
        }
        self.row(row).get(col).copied().flatten()
    }

    /// One principal's row.
    pub fn row(&self, row: usize) -> &[Option<Access>] {
        match self.rows.get(row) {
            Some(&d) => self.distinct_row(d as usize),
            None => &[],
        }
    }

    /// How many distinct rows the matrix stores (principals with the same policies share one).
    pub fn distinct_rows(&self) -> usize {
        self.cells
            .len()
            .checked_div(self.actions.len())
            .unwrap_or(0)
    }

    /// Which distinct row principal `row` has (`0..distinct_rows()`).
    pub fn row_class(&self, row: usize) -> Option<usize> {
        self.rows.get(row).map(|&d| d as usize)
    }

    /// Distinct row `d`.
    pub fn distinct_row(&self, d: usize) -> &[Option<Access>] {
        let n = self.actions.len();
        self.cells.get(d * n..(d + 1) * n).unwrap_or_default()
    }

    /// The cell of a principal and action, by name.
    pub fn lookup(&self, principal: &str, action: &str) -> Option<Access> {
        let r = self.principals.iter().position(|p| p == principal)?;
        let c = self
            .actions
            .iter()
            .position(|a| a.eq_ignore_ascii_case(action))?;
        self.get(r, c)
    }

    /// CSV: a header `principal,<action>...`, then one line per principal with `allowed`,
    /// `conditional` or an empty field.
    ///
    /// ```
    /// use iam_account::Account;
    /// let mut a = Account::new("111122223333").unwrap();
    /// a.create_user("u", None).unwrap();
    /// a.put_user_policy("u", "p", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#).unwrap();
    /// let m = iam_analysis::access_matrix(&a, &["iam:PassRole", "iam:GetUser"], 2).unwrap();
    /// assert_eq!(m.to_csv(), "principal,iam:GetUser,iam:PassRole\narn:aws:iam::111122223333:user/u,,allowed\n");
    /// ```
    pub fn to_csv(&self) -> String {
        let mut s = String::from("principal");
        for a in &self.actions {
            s.push(',');
            s.push_str(a);
        }
        s.push('\n');
        for (r, p) in self.principals.iter().enumerate() {
            s.push_str(&csv_field(p));
            for c in self.row(r) {
                s.push(',');
                if let Some(c) = c {
                    s.push_str(c.as_str());
                }
            }
            s.push('\n');
        }
        s
    }

    /// Counts per access level.
    pub fn by_access_level(&self) -> LevelMatrix {
        let cat = index();
        let levels: Vec<usize> = self
            .actions
            .iter()
            .map(|a| {
                cat.id_of(a)
                    .and_then(|i| cat.action(i))
                    .and_then(|x| LEVELS.iter().position(|l| *l == x.access_level))
                    .unwrap_or(0)
            })
            .collect();
        let counts = (0..self.principals.len())
            .map(|r| {
                let mut c = [0usize; 5];
                for (cell, l) in self.row(r).iter().zip(&levels) {
                    if cell.is_some() {
                        if let Some(x) = c.get_mut(*l) {
                            *x += 1;
                        }
                    }
                }
                c
            })
            .collect();
        LevelMatrix {
            principals: self.principals.clone(),
            levels: LEVELS,
            counts,
        }
    }
}

impl LevelMatrix {
    /// CSV: `principal,List,Read,Write,Permissions management,Tagging`.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("principal");
        for l in &self.levels {
            s.push(',');
            s.push_str(l.as_str());
        }
        s.push('\n');
        for (p, c) in self.principals.iter().zip(&self.counts) {
            s.push_str(&csv_field(p));
            for n in c {
                let _ = write!(s, ",{n}");
            }
            s.push('\n');
        }
        s
    }
}

/// The matrix of every user and role of `target` × the catalog actions matching `patterns`
/// (`["*"]` for all 22,091), computed on `threads` threads (principals split between them;
/// `0` = the machine's parallelism). Each principal is compiled once. A pattern that matches
/// no catalog action is [`AnalysisError::UnknownAction`] (a column silently missing would read
/// as "nobody can").
///
/// ```
/// use iam_account::Account;
/// let a = Account::new("111122223333").unwrap();
/// assert!(iam_analysis::access_matrix(&a, &["s3:Get*", "s3:*Objekt"], 1).is_err());
/// ```
pub fn access_matrix<'a>(
    target: impl Into<Target<'a>>,
    patterns: &[&str],
    threads: usize,
) -> Result<AccessMatrix, AnalysisError> {
    let target = target.into();
    access_matrix_among(target, &target.principals(), patterns, threads)
}

/// [`access_matrix`] restricted to the given principals of `target` (rows in the order given):
/// the unit of work that `executor=` in Python ships to other processes or machines. Rows are
/// exactly [`access_matrix`]'s rows for the same principals, so the matrices of consecutive
/// chunks of [`Target::principals`](super::Target::principals), stacked, are the whole matrix.
/// A principal the target does not have is an error (`NoSuchEntity`).
///
/// ```
/// use iam_account::Account;
/// let mut a = Account::new("111122223333").unwrap();
/// for u in ["u", "v"] { a.create_user(u, None).unwrap(); }
/// a.put_user_policy("v", "p", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#).unwrap();
/// let v = ["arn:aws:iam::111122223333:user/v".to_string()];
/// let m = iam_analysis::access_matrix_among(&a, &v, &["iam:PassRole"], 1).unwrap();
/// assert_eq!(m.to_csv(), "principal,iam:PassRole\narn:aws:iam::111122223333:user/v,allowed\n");
/// ```
pub fn access_matrix_among<'a>(
    target: impl Into<Target<'a>>,
    principals: &[String],
    patterns: &[&str],
    threads: usize,
) -> Result<AccessMatrix, AnalysisError> {
    super::check_actions(patterns.iter().copied())?;
    let target = target.into();
    let scope = target.scope();
    let subjects = principals
        .iter()
        .map(|p| Subject::prepare(&scope, p, "iam:GetUser", "*"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(matrix_of(&subjects, patterns, threads)?)
}

/// Which principals share a row of the access matrix: `class_of[i]` is the class of
/// `principals[i]`, and `representatives[c]` the first principal of class `c`. Two principals
/// are in one class when their policy layers are the very same policies (by identity: the
/// same managed policies, the same groups' inline policies, the same boundary, SCPs and RCPs)
/// in the same account, and none of those policies depends on who the principal is: no policy
/// variable (`${…}`) and no condition on a key the principal decides (`aws:username`,
/// `aws:PrincipalTag/…`, … — they are evaluated per principal). A principal with an inline
/// policy of its own is in a class of its own.
///
/// ```
/// use iam_account::Account;
/// let mut a = Account::new("111122223333").unwrap();
/// a.create_group("devs", None).unwrap();
/// a.attach_group_policy("devs", "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
/// for u in ["ann", "bob", "cy"] {
///     a.create_user(u, None).unwrap();
///     a.add_user_to_group("devs", u).unwrap();
/// }
/// a.put_user_policy("cy", "home", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
///   "Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#).unwrap();
/// let c = iam_analysis::row_classes(&a).unwrap();
/// assert_eq!(c.class_of, [0, 0, 1]);
/// assert_eq!(c.representatives, ["arn:aws:iam::111122223333:user/ann", "arn:aws:iam::111122223333:user/cy"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowClasses {
    /// Every user and role of the target ([`Target::principals`] order).
    pub principals: Vec<String>,
    /// The class of each principal.
    pub class_of: Vec<u32>,
    /// The first principal of each class.
    pub representatives: Vec<String>,
}

/// The row classes of every user and role of `target` (see [`RowClasses`]).
pub fn row_classes<'a>(target: impl Into<Target<'a>>) -> Result<RowClasses, AnalysisError> {
    let target = target.into();
    let principals = target.principals();
    let scope = target.scope();
    let subjects = principals
        .iter()
        .map(|p| Subject::prepare(&scope, p, "iam:GetUser", "*"))
        .collect::<Result<Vec<_>, _>>()?;
    let (class_of, reps) = classes(&subjects);
    let representatives = reps
        .iter()
        .filter_map(|&i| principals.get(i).cloned())
        .collect();
    Ok(RowClasses {
        principals,
        class_of,
        representatives,
    })
}

/// (the class of each subject, the index of each class's first subject).
fn classes(subjects: &[Subject]) -> (Vec<u32>, Vec<usize>) {
    // Holds the policies keyed by address, so no address is reused while the map lives.
    let mut dependent = Dependence::default();
    let mut by_key: HashMap<ShareKey, u32> = HashMap::new();
    let mut class_of = Vec::with_capacity(subjects.len());
    let mut reps: Vec<usize> = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        let next = u32::try_from(reps.len()).unwrap_or(u32::MAX);
        let c = match share_key(s, &mut dependent) {
            Some(k) => *by_key.entry(k).or_insert(next),
            None => next,
        };
        if c == next {
            reps.push(i);
        }
        class_of.push(c);
    }
    (class_of, reps)
}

pub(crate) fn matrix_of(
    subjects: &[Subject],
    patterns: &[&str],
    threads: usize,
) -> Result<AccessMatrix, IamError> {
    let idx = index();
    let ids = idx.expand_all(patterns.iter().copied(), false);
    let mut filter = vec![false; idx.len()];
    let mut column = vec![u32::MAX; idx.len()];
    for (c, i) in ids.iter().enumerate() {
        if let Some(f) = filter.get_mut(*i as usize) {
            *f = true;
        }
        if let Some(x) = column.get_mut(*i as usize) {
            *x = u32::try_from(c).unwrap_or(u32::MAX);
        }
    }
    let all = ids.len() == idx.len();
    let width = ids.len();
    let (rows, reps) = classes(subjects);
    let distinct: Vec<&Subject> = reps.iter().filter_map(|&i| subjects.get(i)).collect();
    let mut cells = vec![None; distinct.len() * width];
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
    .clamp(1, distinct.len().max(1));
    let per = distinct.len().div_ceil(threads).max(1);
    let filter = (!all).then_some(filter.as_slice());
    let column = column.as_slice();
    let results: Vec<Result<(), IamError>> = std::thread::scope(|s| {
        let handles: Vec<_> = distinct
            .chunks(per)
            .zip(cells.chunks_mut(per * width.max(1)))
            .map(|(subs, out)| {
                s.spawn(move || -> Result<(), IamError> {
                    let mut cache = Cache::new(|_| true, is_principal_key);
                    for (r, subject) in subs.iter().enumerate() {
                        let analyzer = Analyzer::new(subject, &mut cache, false)?;
                        let row = out.get_mut(r * width..(r + 1) * width).unwrap_or_default();
                        analyzer.compute(filter, false, |id, access, _| {
                            let c = column.get(id as usize).copied().unwrap_or(u32::MAX);
                            if let Some(cell) = row.get_mut(c as usize) {
                                *cell = Some(access);
                            }
                        });
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(IamError::new(
                        iam_model::entities::ErrorCode::InvalidInput,
                        "an analysis thread failed".to_string(),
                    ))
                })
            })
            .collect()
    });
    for r in results {
        r?;
    }
    Ok(AccessMatrix {
        principals: subjects.iter().map(|s| s.arn.clone()).collect(),
        actions: ids.iter().map(|i| idx.name(*i)).collect(),
        cells,
        rows,
    })
}
