//! The console's trigram index (SQLite's FTS5, `orders_search`) filled in
//! one pass for the orders a large import creates, instead of row by row.
//!
//! Kept in step by triggers, FTS5 writes a segment of the index at every
//! statement that inserts orders and keeps merging those segments: most of
//! the index's cost in an import. Inside the import's transaction the
//! triggers are narrowed to the orders that existed before it, the orders
//! the import creates are indexed with their final text by one statement at
//! the end, and the triggers are put back as they were, all before the
//! commit: a reader never sees the narrowed triggers, and an import that
//! fails rolls all of it back with the rest.

use sqlx::{AnyConnection, Row};

use super::{highest_order_id, QueryContext, StoreError};

/// The triggers of `migrations/sqlite/0006_search_index.sql`, as SQLite
/// keeps them. Any other definition (a later migration) is left alone and
/// the import keeps the index row by row.
const TRIGGERS: [(&str, &str); 3] = [
    (
        "orders_search_insert",
        "CREATE TRIGGER orders_search_insert AFTER INSERT ON orders\n\
         WHEN new.search_text IS NOT NULL BEGIN\n    \
         INSERT INTO orders_search (rowid, search_text) VALUES (new.id, new.search_text);\n\
         END",
    ),
    (
        "orders_search_delete",
        "CREATE TRIGGER orders_search_delete AFTER DELETE ON orders\n\
         WHEN old.search_text IS NOT NULL BEGIN\n    \
         INSERT INTO orders_search (orders_search, rowid, search_text)\n    \
         VALUES ('delete', old.id, old.search_text);\n\
         END",
    ),
    (
        "orders_search_update",
        "CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders\n\
         WHEN old.search_text IS NOT new.search_text BEGIN\n    \
         INSERT INTO orders_search (orders_search, rowid, search_text)\n    \
         SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL;\n    \
         INSERT INTO orders_search (rowid, search_text)\n    \
         SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;\n\
         END",
    ),
];

/// FTS5's pending-terms budget for the one pass, and its default.
const FILL_HASHSIZE: i64 = 8 << 20;
const DEFAULT_HASHSIZE: i64 = 1 << 20;

/// The narrowed triggers, for orders with ids up to `{above}`: those the
/// index already holds (or, should SQLite ever give a new order a lower
/// id, one the final pass would miss).
fn narrowed(above: i64) -> [String; 3] {
    [
        format!(
            "CREATE TRIGGER orders_search_insert AFTER INSERT ON orders \
             WHEN new.search_text IS NOT NULL AND new.id <= {above} BEGIN \
             INSERT INTO orders_search (rowid, search_text) VALUES (new.id, new.search_text); \
             END"
        ),
        format!(
            "CREATE TRIGGER orders_search_delete AFTER DELETE ON orders \
             WHEN old.search_text IS NOT NULL AND old.id <= {above} BEGIN \
             INSERT INTO orders_search (orders_search, rowid, search_text) \
             VALUES ('delete', old.id, old.search_text); \
             END"
        ),
        format!(
            "CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders \
             WHEN old.search_text IS NOT new.search_text AND old.id <= {above} BEGIN \
             INSERT INTO orders_search (orders_search, rowid, search_text) \
             SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL; \
             INSERT INTO orders_search (rowid, search_text) \
             SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL; \
             END"
        ),
    ]
}

/// The index's upkeep deferred for orders with ids above `above`; finish
/// with [`DeferredSearchIndex::finish`] before the commit.
#[derive(Debug)]
pub struct DeferredSearchIndex {
    above: i64,
}

/// On SQLite, inside the caller's transaction: narrows the triggers to the
/// orders that exist now. `None` when the triggers are not the ones this
/// module knows (the index is then kept row by row, as always).
pub async fn defer_search_index(
    conn: &mut AnyConnection,
) -> Result<Option<DeferredSearchIndex>, StoreError> {
    let what = "deferring the search index";
    let rows = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'orders' \
         AND name LIKE 'orders_search%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .context(what)?;
    let mut stored = Vec::with_capacity(rows.len());
    for row in &rows {
        let name: String = row.try_get("name").context(what)?;
        let sql: String = row.try_get("sql").context(what)?;
        stored.push((name, sql));
    }
    let mut expected: Vec<(String, String)> = TRIGGERS
        .iter()
        .map(|(name, sql)| (name.to_string(), sql.to_string()))
        .collect();
    expected.sort();
    if stored != expected {
        return Ok(None);
    }
    let above = highest_order_id(conn).await?;
    for ((name, _), sql) in TRIGGERS.iter().zip(narrowed(above)) {
        sqlx::query(&format!("DROP TRIGGER {name}"))
            .execute(&mut *conn)
            .await
            .context(what)?;
        sqlx::query(&sql).execute(&mut *conn).await.context(what)?;
    }
    Ok(Some(DeferredSearchIndex { above }))
}

impl DeferredSearchIndex {
    /// Indexes the orders created since [`defer_search_index`], with their
    /// text as it is now, and puts the triggers back as they were.
    pub async fn finish(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        let what = "filling the search index";
        // FTS5 writes a segment whenever its pending terms pass `hashsize`
        // (1 MiB by default), then merges the segments: with 8 MiB the pass
        // writes an eighth as many. The setting is put back after it.
        let previous: Option<i64> =
            sqlx::query("SELECT v FROM orders_search_config WHERE k = 'hashsize'")
                .fetch_optional(&mut *conn)
                .await
                .context(what)?
                .map(|row| row.try_get("v"))
                .transpose()
                .context(what)?;
        let set_hashsize = |size: i64| {
            sqlx::query("INSERT INTO orders_search (orders_search, rank) VALUES ('hashsize', $1)")
                .bind(size)
        };
        set_hashsize(FILL_HASHSIZE)
            .execute(&mut *conn)
            .await
            .context(what)?;
        sqlx::query(
            "INSERT INTO orders_search (rowid, search_text) \
             SELECT id, search_text FROM orders WHERE id > $1 AND search_text IS NOT NULL",
        )
        .bind(self.above)
        .execute(&mut *conn)
        .await
        .context(what)?;
        set_hashsize(previous.unwrap_or(DEFAULT_HASHSIZE))
            .execute(&mut *conn)
            .await
            .context(what)?;
        if previous.is_none() {
            // As it was: no setting, FTS5's default.
            sqlx::query("DELETE FROM orders_search_config WHERE k = 'hashsize'")
                .execute(&mut *conn)
                .await
                .context(what)?;
        }
        for (name, sql) in TRIGGERS {
            sqlx::query(&format!("DROP TRIGGER {name}"))
                .execute(&mut *conn)
                .await
                .context(what)?;
            sqlx::query(sql).execute(&mut *conn).await.context(what)?;
        }
        Ok(())
    }
}
