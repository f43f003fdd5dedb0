package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
)

// SeedFromFile loads an inventory count exported by the warehouse system: one
// JSON level per line, keyed by SKU.
func SeedFromFile(ctx context.Context, stock *StockStore, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	levels := map[string]Level{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			SKU string `json:"sku"`
			Level
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		levels[rec.SKU] = rec.Level
	}
	if err := sc.Err(); err != nil {
		return err
	}
	n, err := stock.LoadSnapshot(ctx, levels)
	if err != nil {
		return err
	}
	report, _ := json.MarshalIndent(map[string]any{"file": path, "rows": n}, "", "  ")
	return os.WriteFile("seed-report.json", report, 0o644)
}
