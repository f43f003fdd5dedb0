package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type Movement struct {
	SKU       string    `json:"sku"`
	Warehouse string    `json:"warehouse"`
	Delta     int       `json:"delta"`
	At        time.Time `json:"at"`
}

type Level struct {
	Warehouse string `json:"warehouse"`
	Quantity  int    `json:"quantity"`
}

// StockStore is the stock ledger in Postgres.
type StockStore struct {
	pool *pgxpool.Pool
}

func (s *StockStore) Apply(ctx context.Context, m Movement) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO stock_levels (sku, warehouse, quantity, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (sku, warehouse) DO UPDATE
		SET quantity = stock_levels.quantity + EXCLUDED.quantity, updated_at = EXCLUDED.updated_at`,
		m.SKU, m.Warehouse, m.Delta, m.At)
	return err
}

func (s *StockStore) Levels(ctx context.Context, sku string) ([]Level, error) {
	rows, err := s.pool.Query(ctx, "SELECT warehouse, quantity FROM stock_levels WHERE sku = $1", sku)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Level])
}

func (s *StockStore) BelowReorderPoint(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT l.sku
		FROM stock_levels l
		JOIN reorder_points r ON r.sku = l.sku
		GROUP BY l.sku, r.minimum
		HAVING sum(l.quantity) < r.minimum`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LoadSnapshot bulk-loads an inventory count, replacing the previous one.
func (s *StockStore) LoadSnapshot(ctx context.Context, levels map[string]Level) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "TRUNCATE stock_snapshot"); err != nil {
		return 0, err
	}
	rows := make([][]any, 0, len(levels))
	for sku, l := range levels {
		rows = append(rows, []any{sku, l.Warehouse, l.Quantity})
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"stock_snapshot"}, []string{"sku", "warehouse", "quantity"}, pgx.CopyFromRows(rows))
	if err != nil {
		return 0, err
	}
	return n, tx.Commit(ctx)
}
