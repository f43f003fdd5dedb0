use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use serde::{Deserialize, Serialize};

use crate::schema::{products, stock_moves};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<ConnectionManager<PgConnection>>;
pub type PgConn = PooledConnection<ConnectionManager<PgConnection>>;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i32,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i32,
}

#[derive(Debug, Deserialize, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
}

#[derive(Debug, Deserialize)]
pub struct StockMove {
    pub delta: i32,
    pub reason: String,
}

#[derive(Debug, Serialize, QueryableByName)]
pub struct LowStock {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub products: i64,
}

pub fn connect(database_url: &str) -> DbPool {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    let pool = Pool::builder().max_size(8).build(manager).expect("postgres pool");
    let mut conn = pool.get().expect("postgres connection");
    conn.run_pending_migrations(MIGRATIONS).expect("migrations");
    pool
}

pub fn list_products(conn: &mut PgConn) -> QueryResult<Vec<Product>> {
    products::table
        .filter(products::stock.gt(0))
        .order(products::name.asc())
        .select(Product::as_select())
        .load(conn)
}

pub fn find_product(conn: &mut PgConn, sku: &str) -> QueryResult<Product> {
    products::table.filter(products::sku.eq(sku)).select(Product::as_select()).first(conn)
}

pub fn insert_product(conn: &mut PgConn, new: &NewProduct) -> QueryResult<Product> {
    diesel::insert_into(products::table).values(new).returning(Product::as_returning()).get_result(conn)
}

pub fn adjust_stock(conn: &mut PgConn, sku: &str, mv: StockMove) -> QueryResult<Product> {
    conn.transaction(|conn| {
        let product: Product = diesel::update(products::table.filter(products::sku.eq(sku)))
            .set(products::stock.eq(products::stock + mv.delta))
            .returning(Product::as_returning())
            .get_result(conn)?;
        diesel::insert_into(stock_moves::table)
            .values((
                stock_moves::product_id.eq(product.id),
                stock_moves::delta.eq(mv.delta),
                stock_moves::reason.eq(&mv.reason),
            ))
            .execute(conn)?;
        Ok(product)
    })
}

pub fn low_stock(conn: &mut PgConn) -> QueryResult<Vec<LowStock>> {
    diesel::sql_query(
        "SELECT category, COUNT(*) AS products FROM products WHERE stock < 5 GROUP BY category ORDER BY products DESC",
    )
    .load(conn)
}
