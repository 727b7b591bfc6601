//! `orderdeck demo`: a fresh demo database filled from the seeded synthetic
//! shop, loaded through the same import path as real payloads, then the
//! queues. (The console and the live simulator join it as they land.)

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::{emit, queues, CommandError, Context, GlobalOptions};
use crate::connectors::Source;
use crate::sim::shop::{ListWriter, ShopFiles, ShopGenerator};
use crate::store::sqlite_url;
use crate::sync::import::import_paths;

pub struct DemoOptions {
    pub orders: u64,
    pub seed: u64,
    pub dir: Option<PathBuf>,
}

pub async fn run(global: &GlobalOptions, options: &DemoOptions) -> Result<(), CommandError> {
    let dir = match &options.dir {
        Some(dir) => dir.clone(),
        None => crate::paths::project_dirs()
            .map(|d| d.data_dir().join("demo"))
            .ok_or_else(|| {
                CommandError::Other("no data directory for this user; pass --dir".into())
            })?,
    };
    // Fresh every time: the demo must show what the generator made now, not
    // what an earlier run left.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| CommandError::Other(format!("cannot clear {}: {e}", dir.display())))?;
    }
    let payloads = dir.join("payloads");
    std::fs::create_dir_all(&payloads)
        .map_err(|e| CommandError::Other(format!("cannot create {}: {e}", payloads.display())))?;

    let mut demo_options = global.clone();
    demo_options.db = Some(
        global
            .db
            .clone()
            .unwrap_or_else(|| sqlite_url(&dir.join("demo.sqlite"))),
    );
    let ctx = Context::open(&demo_options).await?;
    write_shop(
        &payloads,
        &ShopGenerator::new(options.seed, ctx.now),
        options.orders,
    )
    .map_err(|e| CommandError::Other(format!("writing demo payloads: {e}")))?;

    let storefront = [
        payloads.join("shopify-orders.json"),
        payloads.join("shopify-fulfillment-orders.json"),
    ];
    let warehouse = [
        payloads.join("shipstation-orders.json"),
        payloads.join("shipstation-shipments.json"),
    ];
    let mut evaluated = 0;
    for (source, files) in [
        (Source::Storefront, &storefront[..]),
        (Source::Warehouse, &warehouse[..]),
    ] {
        evaluated += import_paths(&ctx.store, &ctx.policy, source, files, ctx.now)
            .await?
            .orders_evaluated;
    }
    queues::run(&ctx, false).await?;
    emit(&format!(
        "\n{evaluated} evaluation(s) of {} generated order(s) (seed {}).\n\
         Demo database: {}\nTry: orderdeck --db {} show <ORDER>\n",
        options.orders,
        options.seed,
        demo_options.db.as_deref().unwrap_or_default(),
        demo_options.db.as_deref().unwrap_or_default(),
    ))?;
    ctx.store.close().await;
    Ok(())
}

fn write_shop(dir: &Path, generator: &ShopGenerator, orders: u64) -> std::io::Result<()> {
    let open = |name: &str| File::create(dir.join(name)).map(BufWriter::new);
    let mut files = ShopFiles {
        storefront_orders: ListWriter::start(open("shopify-orders.json")?, "orders")?,
        fulfillment_orders: ListWriter::start(
            open("shopify-fulfillment-orders.json")?,
            "fulfillment_orders",
        )?,
        warehouse_orders: ListWriter::start(open("shipstation-orders.json")?, "orders")?,
        shipments: ListWriter::start(open("shipstation-shipments.json")?, "shipments")?,
    };
    files.write(generator, orders)?;
    files.storefront_orders.finish()?;
    files.fulfillment_orders.finish()?;
    files.warehouse_orders.finish()?;
    files.shipments.finish()?;
    Ok(())
}
