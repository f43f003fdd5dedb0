// Command ingest receives orders from the storefront, stores them in Postgres
// and relays them to Kafka (topic "order-events") through a transactional outbox.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

type Config struct {
	ListenAddr   string   `json:"listen_addr"`
	KafkaBrokers []string `json:"kafka_brokers"`
	FxRatesURL   string   `json:"fx_rates_url"`
}

func loadConfig(path string) (Config, error) {
	cfg := Config{ListenAddr: ":8081", KafkaBrokers: []string{"kafka:9092"}}
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, fmt.Errorf("parse config %s: %w", path, err)
	}
	return cfg, nil
}

// fetchFxRates asks the finance service for today's currency rates.
func fetchFxRates(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	rates := map[string]float64{}
	return rates, json.Unmarshal(body, &rates)
}

func ordersHandler(store *Store, rates map[string]float64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			var o Order
			if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
				http.Error(w, "bad order: "+err.Error(), http.StatusBadRequest)
				return
			}
			if rate, ok := rates[o.Currency]; ok {
				o.TotalCents = int64(float64(o.TotalCents) * rate)
				o.Currency = "EUR"
			}
			if err := store.InsertOrder(r.Context(), o); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusCreated)
		case http.MethodGet:
			orders, err := store.RecentOrders(r.Context(), r.URL.Query().Get("customer"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_ = json.NewEncoder(w).Encode(orders)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}
}

func main() {
	cfg, err := loadConfig("config/ingest.json")
	if err != nil {
		log.Printf("using defaults: %v", err)
	}
	store, err := OpenStore(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	rates, err := fetchFxRates(cfg.FxRatesURL)
	if err != nil {
		log.Printf("no fx rates: %v", err)
	}

	relay, err := NewOutboxRelay(os.Getenv("DATABASE_URL"), cfg.KafkaBrokers)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go relay.Run(ctx, 2*time.Second)

	http.HandleFunc("/orders", ordersHandler(store, rates))
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})
	log.Printf("listening on %s", cfg.ListenAddr)
	log.Fatal(http.ListenAndServe(cfg.ListenAddr, nil))
}
