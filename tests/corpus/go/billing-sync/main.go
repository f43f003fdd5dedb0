// Command billing-sync consumes payment events from Kafka, books them into the
// ledger database and exports a daily CSV statement to S3.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	_ "github.com/lib/pq"
	"gopkg.in/yaml.v3"
)

type Config struct {
	Brokers   []string `yaml:"brokers"`
	Group     string   `yaml:"group"`
	ExportDir string   `yaml:"export_dir"`
	Bucket    string   `yaml:"bucket"`
}

func readConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	cfg := &Config{Group: "billing-sync"}
	if err := yaml.Unmarshal(raw, cfg); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return cfg, nil
}

func main() {
	cfg, err := readConfig("/etc/billing-sync/config.yaml")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("postgres", os.Getenv("LEDGER_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ledger := &Ledger{db: db}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	if _, err := startConsumer(ctx, cfg, ledger); err != nil {
		log.Fatal(err)
	}
	exporter, err := NewExporter(ctx, ledger, cfg.ExportDir, cfg.Bucket)
	if err != nil {
		log.Fatal(err)
	}

	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	r.Post("/admin/export", func(w http.ResponseWriter, r *http.Request) {
		if err := exporter.ExportDay(r.Context(), time.Now().UTC().AddDate(0, 0, -1)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	r.Get("/admin/accounts/{id}/balance", func(w http.ResponseWriter, r *http.Request) {
		balance, err := ledger.Balance(r.Context(), chi.URLParam(r, "id"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "%d\n", balance)
	})
	log.Fatal(http.ListenAndServe(":9090", r))
}
