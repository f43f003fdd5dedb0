// Command orders-api serves the storefront's order endpoints. Orders live in
// Postgres (through GORM), product lookups are cached in Redis and every new
// order is announced on Kafka so that fulfilment can pick it up.
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

func envOr(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return fallback
}

func main() {
	db, err := gorm.Open(postgres.Open(os.Getenv("DATABASE_URL")), &gorm.Config{})
	if err != nil {
		log.Fatalf("connect postgres: %v", err)
	}
	if err := db.AutoMigrate(&Order{}, &OrderLine{}); err != nil {
		log.Fatalf("migrate: %v", err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: envOr("REDIS_ADDR", "localhost:6379"), DB: 0})
	defer rdb.Close()

	events := NewEventPublisher(envOr("KAFKA_BROKERS", "localhost:9092"))

	h := &handlers{
		store:    &OrderStore{db: db},
		products: &ProductCache{rdb: rdb, ttl: 10 * time.Minute},
		events:   events,
		payments: NewPaymentsClient(os.Getenv("PAYMENTS_BASE_URL")),
	}

	router := gin.New()
	router.Use(gin.Recovery())
	router.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	api := router.Group("/api/v1")
	api.GET("/orders", h.listOrders)
	api.POST("/orders", h.createOrder)
	api.GET("/reports/revenue", h.revenue)

	log.Fatal(router.Run(":" + envOr("PORT", "8080")))
}
