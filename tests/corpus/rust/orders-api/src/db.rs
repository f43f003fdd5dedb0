use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};

const RECENT_ORDERS: &str = r#"
    SELECT o.id, o.status, o.total_cents, o.created_at, c.email AS customer_email
    FROM orders o
    JOIN customers c ON c.id = o.customer_id
    ORDER BY o.created_at DESC
    LIMIT $1
"#;

#[derive(Debug, Clone, Serialize, Deserialize, FromRow)]
pub struct Order {
    pub id: i64,
    pub customer_id: i64,
    pub status: String,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, FromRow)]
pub struct OrderView {
    pub id: i64,
    pub status: String,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
    pub customer_email: String,
}

#[derive(Debug, Deserialize)]
pub struct NewItem { pub sku: String, pub qty: i32, pub price_cents: i64 }

#[derive(Debug, Deserialize)]
pub struct NewOrder { pub customer_id: i64, pub items: Vec<NewItem> }

#[derive(Debug, Serialize, FromRow)]
pub struct DailyTotal { pub day: NaiveDate, pub orders: i64, pub revenue_cents: i64 }

#[derive(Clone)]
pub struct OrderRepo {
    pool: PgPool,
}

impl OrderRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn recent(&self, limit: i64) -> sqlx::Result<Vec<OrderView>> {
        sqlx::query_as::<_, OrderView>(RECENT_ORDERS)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn find(&self, id: i64) -> sqlx::Result<Option<Order>> {
        sqlx::query_as!(
            Order,
            "SELECT id, customer_id, status, total_cents, created_at FROM orders WHERE id = $1",
            id
        )
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn create(&self, new: &NewOrder) -> sqlx::Result<Order> {
        let total: i64 = new.items.iter().map(|i| i.price_cents * i64::from(i.qty)).sum();
        let mut tx = self.pool.begin().await?;
        let order = sqlx::query_as::<_, Order>(
            r#"INSERT INTO orders (customer_id, status, total_cents)
               VALUES ($1, 'pending', $2)
               RETURNING id, customer_id, status, total_cents, created_at"#,
        )
        .bind(new.customer_id)
        .bind(total)
        .fetch_one(&mut *tx)
        .await?;
        for item in &new.items {
            sqlx::query("INSERT INTO order_items (order_id, sku, qty, price_cents) VALUES ($1, $2, $3, $4)")
                .bind(order.id)
                .bind(&item.sku)
                .bind(item.qty)
                .bind(item.price_cents)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(order)
    }

    pub async fn mark_paid(&self, id: i64, payment_ref: &str) -> sqlx::Result<u64> {
        let done = sqlx::query!(
            "UPDATE orders SET status = 'paid', payment_ref = $2, paid_at = now() WHERE id = $1 AND status = 'pending'",
            id,
            payment_ref
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn daily_totals(&self, since: NaiveDate) -> sqlx::Result<Vec<DailyTotal>> {
        sqlx::query_as::<_, DailyTotal>(
            r#"SELECT created_at::date AS day, COUNT(*) AS orders, SUM(total_cents) AS revenue_cents
               FROM orders
               WHERE status = 'paid' AND created_at >= $1
               GROUP BY 1
               ORDER BY 1"#,
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await
    }
}
