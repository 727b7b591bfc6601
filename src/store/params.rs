//! Multi-row statements built at run time: one statement per ~1,000 rows is
//! what makes SQLite fast through sqlx (a statement costs ~60 µs).

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use super::{QueryContext, StoreError};

/// One bound value.
#[derive(Debug, Clone)]
pub enum Param {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// Both engines accept far more, but a bounded statement keeps memory flat.
const MAX_PARAMS_PER_STATEMENT: usize = 30_000;

pub fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    params: Vec<Param>,
) -> Query<'q, Any, AnyArguments<'q>> {
    for param in params {
        query = match param {
            Param::Int(v) => query.bind(v),
            Param::OptInt(v) => query.bind(v),
            Param::Text(v) => query.bind(v),
            Param::OptText(v) => query.bind(v),
        };
    }
    query
}

/// How a statement names its parameters. PostgreSQL needs `$n`; SQLite
/// takes `$n` too, but sqlx resolves each named one with a linear scan, so a
/// 7,000-parameter insert spends most of its time there: SQLite gets `?`.
/// With `?`, parameters bind in the order they appear, so no list may be
/// used twice in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Numbered,
    Anonymous,
}

impl Style {
    pub fn of(conn: &AnyConnection) -> Style {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Style::Anonymous
        } else {
            Style::Numbered
        }
    }
}

/// `$start, $start+1, …` or `?, ?, …`: `count` parameters from `start`.
pub fn placeholders(style: Style, start: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 4);
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        match style {
            Style::Numbered => {
                out.push('$');
                out.push_str(&(start + i).to_string());
            }
            Style::Anonymous => out.push('?'),
        }
    }
    out
}

/// Runs `head VALUES (…), (…) tail` over `rows`, as few statements as the
/// parameter limit allows.
pub async fn insert_rows(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    rows: Vec<Vec<Param>>,
    what: &str,
) -> Result<(), StoreError> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let style = Style::of(conn);
    let per_statement = (MAX_PARAMS_PER_STATEMENT / width.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Param>> = rows.by_ref().take(per_statement).collect();
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * width * 6);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut next = 1;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(style, next, width));
            sql.push(')');
            next += width;
        }
        sql.push(' ');
        sql.push_str(tail);
        let params: Vec<Param> = chunk.into_iter().flatten().collect();
        bind_all(sqlx::query(&sql), params)
            .execute(&mut *conn)
            .await
            .context(what)?;
    }
    Ok(())
}

/// `IN ($n, …)` over many ids or keys, split so no statement passes the limit.
pub fn id_chunks<T>(ids: &[T]) -> impl Iterator<Item = &[T]> {
    ids.chunks(MAX_PARAMS_PER_STATEMENT)
}
