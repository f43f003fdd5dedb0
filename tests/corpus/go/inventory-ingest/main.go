// Command inventory-ingest keeps warehouse stock levels in Postgres from the
// stock-movement stream, enriches them with the product catalog in MongoDB and
// serves stock queries over HTTP.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func main() {
	logFile, err := os.OpenFile("/var/log/inventory/ingest.log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	log.SetOutput(logFile)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	pool, err := pgxpool.New(ctx, os.Getenv("STOCK_DATABASE_URL"))
	if err != nil {
		log.Fatalf("postgres: %v", err)
	}
	defer pool.Close()

	mc, err := mongo.Connect(ctx, options.Client().ApplyURI(os.Getenv("CATALOG_MONGO_URI")))
	if err != nil {
		log.Fatalf("mongo: %v", err)
	}
	defer mc.Disconnect(context.Background())

	stock := &StockStore{pool: pool}
	catalog := &Catalog{products: mc.Database("catalog").Collection("products")}

	if len(os.Args) > 2 && os.Args[1] == "seed" {
		if err := SeedFromFile(ctx, stock, os.Args[2]); err != nil {
			log.Fatalf("seed: %v", err)
		}
		return
	}

	go func() {
		if err := RunMovements(ctx, os.Getenv("KAFKA_BOOTSTRAP"), stock, catalog); err != nil {
			log.Printf("movements stopped: %v", err)
			cancel()
		}
	}()

	e := echo.New()
	e.GET("/stock/:sku", func(c echo.Context) error {
		levels, err := stock.Levels(c.Request().Context(), c.Param("sku"))
		if err != nil {
			return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
		}
		return c.JSON(http.StatusOK, levels)
	})
	e.GET("/stock/low", func(c echo.Context) error {
		items, err := stock.BelowReorderPoint(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, items)
	})
	srv := &http.Server{Addr: ":8080", ReadTimeout: 5 * time.Second}
	log.Fatal(e.StartServer(srv))
}
