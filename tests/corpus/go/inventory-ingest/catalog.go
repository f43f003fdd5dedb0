package main

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Catalog reads product data and records the last stock change per product.
type Catalog struct {
	products *mongo.Collection
}

type Product struct {
	SKU      string `bson:"sku"`
	Name     string `bson:"name"`
	Discount bool   `bson:"discontinued"`
}

func (c *Catalog) Product(ctx context.Context, sku string) (*Product, error) {
	var p Product
	err := c.products.FindOne(ctx, bson.M{"sku": sku}).Decode(&p)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	return &p, err
}

func (c *Catalog) TouchStock(ctx context.Context, sku string, at time.Time) error {
	_, err := c.products.UpdateOne(ctx,
		bson.M{"sku": sku},
		bson.M{"$set": bson.M{"stock_changed_at": at}},
		options.Update().SetUpsert(false))
	return err
}
