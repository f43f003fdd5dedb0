package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const insertEntrySQL = `
INSERT INTO ledger_entries (payment_id, account_id, amount_cents, currency, booked_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (payment_id) DO NOTHING`

// Ledger books payments and answers balance and statement queries.
type Ledger struct {
	db *sql.DB
}

type Entry struct {
	PaymentID   string
	AccountID   string
	AmountCents int64
	Currency    string
	BookedAt    time.Time
}

func (l *Ledger) Book(ctx context.Context, entries []Entry) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	stmt, err := tx.PrepareContext(ctx, insertEntrySQL)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer stmt.Close()
	for _, e := range entries {
		if _, err := stmt.ExecContext(ctx, e.PaymentID, e.AccountID, e.AmountCents, e.Currency, e.BookedAt); err != nil {
			return fmt.Errorf("book %s: %w", e.PaymentID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET last_booked_at = now()
		WHERE id IN (SELECT account_id FROM ledger_entries WHERE booked_at > now() - interval '1 hour')`); err != nil {
		return err
	}
	return tx.Commit()
}

func (l *Ledger) Balance(ctx context.Context, accountID string) (int64, error) {
	var balance int64
	err := l.db.QueryRowContext(ctx,
		"SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE account_id = $1", accountID,
	).Scan(&balance)
	return balance, err
}

// Statement returns one day's entries with the account holder's name.
func (l *Ledger) Statement(ctx context.Context, day time.Time) ([][]string, error) {
	rows, err := l.db.QueryContext(ctx, `
		SELECT e.payment_id, a.holder_name, e.amount_cents, e.currency
		FROM ledger_entries e
		JOIN accounts a ON a.id = e.account_id
		WHERE e.booked_at >= $1 AND e.booked_at < $2
		ORDER BY e.booked_at`, day, day.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var id, holder, currency string
		var amount int64
		if err := rows.Scan(&id, &holder, &amount, &currency); err != nil {
			return nil, err
		}
		out = append(out, []string{id, holder, fmt.Sprint(amount), currency})
	}
	return out, rows.Err()
}
