//! The console's indexes on `orders` and `findings` built once at the end of
//! a large import instead of kept row by row.
//!
//! They are sorted by queue, deadline, name or code, so an import inserts
//! into each of them all over: once they outgrow the import's page cache
//! (at a few hundred thousand orders), each new order costs a page read back
//! from the WAL and a page written again per index, and the import slows as
//! the file grows. Built at the end, each is one sort and one sequential
//! write. The import itself never searches them: it matches orders by their
//! keys and ids, whose unique indexes stay.
//!
//! An import drops them only once it has created at least as many orders as
//! the store held before it (and a few thousand), so that rebuilding them
//! over the whole table sorts at most about twice the rows the import
//! brought; a small import into a large store never pays for it. The
//! drop and the rebuild happen inside the import's transaction: a reader
//! keeps seeing the indexes of the last commit, and an import that fails
//! rolls the drop back with the rest.

use sqlx::{AnyConnection, Row};

use super::{highest_order_id, QueryContext, StoreError};

/// The indexes the import itself never searches.
const DEFERRABLE: [&str; 7] = [
    "orders_queue",
    "orders_next_eval",
    "orders_evaluated",
    "orders_queue_deadline",
    "orders_queue_placed",
    "orders_queue_name",
    "findings_code",
];

/// Orders an import creates before its indexes are set aside. Below this,
/// keeping them or building them again costs milliseconds either way.
const MIN_CREATED: i64 = 5_000;

#[derive(Debug)]
pub struct BulkIndexes {
    /// The highest order id before the import: the orders above it are new.
    above: i64,
    /// The definitions of the indexes dropped, to be created again.
    dropped: Vec<String>,
}

impl BulkIndexes {
    /// On SQLite, inside the import's transaction, before its first batch.
    pub async fn start(conn: &mut AnyConnection) -> Result<BulkIndexes, StoreError> {
        Ok(BulkIndexes {
            above: highest_order_id(conn).await?,
            dropped: Vec::new(),
        })
    }

    /// After each batch: drops the indexes once the import has created
    /// enough orders to pay for rebuilding them.
    pub async fn after_batch(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if !self.dropped.is_empty() {
            return Ok(());
        }
        let created = highest_order_id(conn).await? - self.above;
        if created < MIN_CREATED.max(self.above) {
            return Ok(());
        }
        let what = "setting the console's indexes aside for a large import";
        let list = DEFERRABLE
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND name IN ({list}) ORDER BY name"
        ))
        .fetch_all(&mut *conn)
        .await
        .context(what)?;
        for row in rows {
            let name: String = row.try_get("name").context(what)?;
            let sql: String = row.try_get("sql").context(what)?;
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *conn)
                .await
                .context(what)?;
            self.dropped.push(sql);
        }
        Ok(())
    }

    /// Before the commit: creates the dropped indexes again, exactly as
    /// their migrations left them.
    pub async fn finish(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        for sql in self.dropped {
            sqlx::query(&sql)
                .execute(&mut *conn)
                .await
                .context("building the console's indexes after a large import")?;
        }
        Ok(())
    }
}
