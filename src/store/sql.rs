//! Hand-written SQL with bind values for either backend, for the reads diesel's DSL cannot
//! express over both (dynamic `GROUP BY`s, correlated aggregates).

use chrono::NaiveDate;

use super::StoreError;
use crate::db::DbConn;

#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i32),
    Date(NaiveDate),
}

/// SQL text with its bind values, placeholders written for the connection's backend.
pub(crate) struct Sql {
    pub(crate) postgres: bool,
    pub(crate) text: String,
    pub(crate) binds: Vec<Bind>,
}

impl Sql {
    pub(crate) fn new(conn: &DbConn) -> Sql {
        Sql { postgres: matches!(conn, DbConn::Postgresql(_)), text: String::new(), binds: Vec::new() }
    }

    pub(crate) fn push(&mut self, s: &str) -> &mut Sql {
        self.text.push_str(s);
        self
    }

    pub(crate) fn bind(&mut self, b: Bind) -> &mut Sql {
        self.binds.push(b);
        if self.postgres {
            let n = self.binds.len();
            self.text.push_str(&format!("${n}"));
        } else {
            self.text.push('?');
        }
        self
    }
}

/// Loads `$row`s from an [`Sql`] on whichever backend `$conn` is.
macro_rules! load_sql {
    ($conn:expr, $sql:expr, $row:ty) => {{
        use diesel::sql_types::{Date, Integer, Text};
        use $crate::store::sql::{Bind, Sql};
        let sql: &Sql = $sql;
        $crate::store::on_backend!($conn, |c| {
            let mut q = diesel::sql_query(sql.text.as_str()).into_boxed();
            for b in &sql.binds {
                q = match b {
                    Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                    Bind::Int(i) => q.bind::<Integer, _>(*i),
                    Bind::Date(d) => q.bind::<Date, _>(*d),
                };
            }
            diesel::RunQueryDsl::load::<$row>(q, c)
        })
    }};
}
pub(crate) use load_sql;

/// Agency codes as an SQL list. Codes are checked against the code alphabet (letters,
/// digits, `.`, `-`, `_`, `/`), which has no quote, so the literal cannot break out; a list
/// of bind parameters would hit SQLite's parameter limit on a large city.
pub(crate) fn code_list(codes: &[String]) -> Result<String, StoreError> {
    let mut out = String::from("(");
    for (i, code) in codes.iter().enumerate() {
        let ok =
            !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'));
        if !ok {
            return Err(StoreError::Rejected(format!("not an agency code: {code:?}")));
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push('\'');
        out.push_str(code);
        out.push('\'');
    }
    out.push(')');
    Ok(out)
}
