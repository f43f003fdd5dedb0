package main

import (
	"context"
	"time"

	"gorm.io/gorm"
)

type Order struct {
	ID         int64 `gorm:"primaryKey"`
	CustomerID int64 `gorm:"index"`
	Status     string
	TotalCents int64
	Lines      []OrderLine
	CreatedAt  time.Time
}

type OrderLine struct {
	ID         int64 `gorm:"primaryKey"`
	OrderID    int64 `gorm:"index"`
	SKU        string
	Quantity   int
	PriceCents int64
}

// OrderStore keeps orders and their lines in Postgres.
type OrderStore struct {
	db *gorm.DB
}

func (s *OrderStore) ListByStatus(ctx context.Context, status string, limit int) ([]Order, error) {
	var orders []Order
	q := s.db.WithContext(ctx).Preload("Lines").Order("created_at DESC").Limit(limit)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	err := q.Find(&orders).Error
	return orders, err
}

func (s *OrderStore) Create(ctx context.Context, o *Order) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(o).Error; err != nil {
			return err
		}
		return tx.Table("order_audit").Create(map[string]any{"order_id": o.ID, "event": "created"}).Error
	})
}

func (s *OrderStore) SetStatus(ctx context.Context, id int64, status string) error {
	return s.db.WithContext(ctx).Model(&Order{}).
		Where("id = ?", id).
		Update("status", status).Error
}

func (s *OrderStore) RevenueByDay(ctx context.Context, since string) ([]map[string]any, error) {
	var out []map[string]any
	err := s.db.WithContext(ctx).Raw(`
		SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total_cents) AS total_cents
		FROM orders
		WHERE created_at >= ? AND status <> 'cancelled'
		GROUP BY 1
		ORDER BY 1`, since).Scan(&out).Error
	return out, err
}
