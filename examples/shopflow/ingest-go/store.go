package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	_ "github.com/lib/pq"
)

type Order struct {
	ID         string      `json:"id"`
	CustomerID string      `json:"customer_id"`
	Currency   string      `json:"currency"`
	TotalCents int64       `json:"total_cents"`
	CreatedAt  time.Time   `json:"created_at"`
	Items      []OrderItem `json:"items"`
}

type OrderItem struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

type Store struct {
	db *sql.DB
}

func OpenStore(dsn string) (*Store, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(10)
	return &Store{db: db}, db.Ping()
}

// InsertOrder writes the order, its lines and its outbox event in one transaction.
func (s *Store) InsertOrder(ctx context.Context, o Order) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx,
		`INSERT INTO orders (id, customer_id, currency, total_cents, created_at)
		 VALUES ($1, $2, $3, $4, now())`,
		o.ID, o.CustomerID, o.Currency, o.TotalCents)
	if err != nil {
		return err
	}
	for _, item := range o.Items {
		if _, err = tx.ExecContext(ctx,
			"INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES ($1, $2, $3, $4)",
			o.ID, item.SKU, item.Quantity, item.UnitPriceCents); err != nil {
			return err
		}
	}
	payload, _ := json.Marshal(o)
	if _, err = tx.Exec("INSERT INTO outbox (topic, event_key, payload) VALUES ($1, $2, $3)",
		"order-events", o.ID, payload); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) RecentOrders(ctx context.Context, customerID string) ([]Order, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, customer_id, currency, total_cents, created_at FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50",
		customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Currency, &o.TotalCents, &o.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *Store) CountToday() (int, error) {
	var n int
	err := s.db.QueryRow("SELECT count(*) FROM orders WHERE created_at::date = current_date").Scan(&n)
	return n, err
}
