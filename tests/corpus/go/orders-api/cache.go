package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

type Product struct {
	SKU        string `json:"sku"`
	PriceCents int64  `json:"price_cents"`
}

// ProductCache fronts the catalog service; entries expire after ttl.
type ProductCache struct {
	rdb *redis.Client
	ttl time.Duration
}

func (c *ProductCache) Get(ctx context.Context, sku string) (Product, error) {
	var p Product
	raw, err := c.rdb.Get(ctx, "product:"+sku).Bytes()
	if errors.Is(err, redis.Nil) {
		return p, fmt.Errorf("unknown product %s", sku)
	}
	if err != nil {
		return p, fmt.Errorf("cache get %s: %w", sku, err)
	}
	return p, json.Unmarshal(raw, &p)
}

func (c *ProductCache) Put(ctx context.Context, p Product) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return c.rdb.Set(ctx, "product:"+p.SKU, raw, c.ttl).Err()
}
