//! Multi-row statements built at run time: one statement per ~1,000 rows is
//! what makes SQLite fast through sqlx (a statement costs ~60 µs).

use std::borrow::Cow;

use sqlx::any::{AnyArguments, AnyTypeInfo};
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Type};
use sqlx_core::any::{AnyArgumentBuffer, AnyValueKind};

use super::{Backend, QueryContext, StoreError};

/// One bound value.
#[derive(Debug, Clone)]
pub enum Param {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bytes(Vec<u8>),
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
            Param::Text(v) => query.bind(Owned(v)),
            Param::OptText(Some(v)) => query.bind(Owned(v)),
            Param::OptText(None) => query.bind(None::<String>),
            Param::Bytes(v) => query.bind(Owned(v)),
        };
    }
    query
}

/// A value bound by moving it into the arguments: sqlx's `String` and
/// `Vec<u8>` encode by reference, so binding one copies it (a payload's
/// whole body, on the writer's path while SQLite waits).
struct Owned<T>(T);

/// The argument a value moves into.
trait IntoAnyValue: Clone + Type<Any> {
    fn into_any_value(self) -> AnyValueKind<'static>;
}

impl IntoAnyValue for String {
    fn into_any_value(self) -> AnyValueKind<'static> {
        AnyValueKind::Text(Cow::Owned(self))
    }
}

impl IntoAnyValue for Vec<u8> {
    fn into_any_value(self) -> AnyValueKind<'static> {
        AnyValueKind::Blob(Cow::Owned(self))
    }
}

impl<T: IntoAnyValue> Type<Any> for Owned<T> {
    fn type_info() -> AnyTypeInfo {
        T::type_info()
    }
}

impl<'q, T: IntoAnyValue> Encode<'q, Any> for Owned<T> {
    fn encode(self, buf: &mut AnyArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        buf.0.push(self.0.into_any_value());
        Ok(IsNull::No)
    }

    fn encode_by_ref(&self, buf: &mut AnyArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        buf.0.push(self.0.clone().into_any_value());
        Ok(IsNull::No)
    }
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
        match Backend::of(conn) {
            Backend::Sqlite => Style::Anonymous,
            Backend::Postgres => Style::Numbered,
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

/// Rows one multi-row statement holds at most.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Longest `IN (…)` list padded to a power of two (see [`in_list`]).
const PADDED_LIST_MAX: usize = 1_024;

/// How `total` rows are cut into statements: full statements of `cap` rows,
/// then the rest by powers of two, largest first. sqlx keeps the statements
/// a connection prepared by their text, so with a few recurring shapes each
/// is compiled once per connection, where a row count never seen before is
/// compiled afresh each time (for a 3,500-row insert that takes about as
/// long as running it) and pushes a shape still in use out of the cache.
pub fn statement_sizes(total: usize, cap: usize) -> Vec<usize> {
    let cap = cap.max(1);
    let mut sizes = vec![cap; total / cap];
    let rest = total % cap;
    let mut bit = usize::BITS;
    while bit > 0 {
        bit -= 1;
        let size = 1usize << bit;
        if rest & size != 0 {
            sizes.push(size);
        }
    }
    sizes
}

/// Rows per statement for rows of `width` values: the shapes' upper bound.
pub fn rows_cap(width: usize) -> usize {
    (MAX_PARAMS_PER_STATEMENT / width.max(1)).clamp(1, ROWS_PER_STATEMENT)
}

/// Runs `head VALUES (…), (…) tail` over `rows`, in statements of the sizes
/// [`statement_sizes`] gives.
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
    let mut rows = rows.into_iter();
    for size in statement_sizes(rows.len(), rows_cap(width)) {
        let mut sql = String::with_capacity(head.len() + tail.len() + size * width * 6);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut params: Vec<Param> = Vec::with_capacity(size * width);
        for i in 0..size {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(style, i * width + 1, width));
            sql.push(')');
            params.extend(rows.next().into_iter().flatten());
        }
        sql.push(' ');
        sql.push_str(tail);
        bind_all(sqlx::query(&sql), params)
            .execute(&mut *conn)
            .await
            .context(what)?;
    }
    Ok(())
}

/// The placeholders of an `IN (…)` list of `values` from parameter `start`,
/// and the values to bind. A list of up to 1,024 values is padded to a power
/// of two by repeating its last value (which `IN` does not mind), so that the
/// statements of one batch after another have the same text and are
/// prepared once (see [`statement_sizes`]).
pub fn in_list(style: Style, start: usize, mut values: Vec<Param>) -> (String, Vec<Param>) {
    let len = values.len();
    if len > 0 && len <= PADDED_LIST_MAX {
        if let Some(last) = values.last().cloned() {
            values.resize(len.next_power_of_two(), last);
        }
    }
    (placeholders(style, start, values.len()), values)
}

/// `IN ($n, …)` over many ids or keys, split so no statement passes the limit.
pub fn id_chunks<T>(ids: &[T]) -> impl Iterator<Item = &[T]> {
    ids.chunks(MAX_PARAMS_PER_STATEMENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_sizes_cover_the_rows_in_few_shapes() {
        assert_eq!(statement_sizes(0, 1_000), Vec::<usize>::new());
        assert_eq!(statement_sizes(1_000, 1_000), vec![1_000]);
        assert_eq!(
            statement_sizes(2_500, 1_000),
            vec![1_000, 1_000, 256, 128, 64, 32, 16, 4]
        );
        assert_eq!(statement_sizes(7, 4), vec![4, 2, 1]);
        for total in 0..3_000 {
            let sizes = statement_sizes(total, 1_000);
            assert_eq!(sizes.iter().sum::<usize>(), total);
            assert!(sizes
                .iter()
                .all(|&s| s == 1_000 || (s.is_power_of_two() && s < 1_000)));
        }
    }

    #[test]
    fn in_lists_are_padded_to_a_power_of_two_with_their_last_value() {
        let values = (1..=5).map(Param::Int).collect();
        let (text, params) = in_list(Style::Anonymous, 1, values);
        assert_eq!(text, "?, ?, ?, ?, ?, ?, ?, ?");
        let ints: Vec<i64> = params
            .iter()
            .map(|p| match p {
                Param::Int(v) => *v,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ints, vec![1, 2, 3, 4, 5, 5, 5, 5]);
        let (text, params) = in_list(Style::Numbered, 3, vec![Param::Int(9)]);
        assert_eq!((text.as_str(), params.len()), ("$3", 1));
        let (text, params) = in_list(Style::Numbered, 1, Vec::new());
        assert_eq!((text.as_str(), params.len()), ("", 0));
    }
}
