package com.shopflow.billing;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

@Repository
public class InvoiceRepository {

    private final JdbcTemplate jdbcTemplate;

    public InvoiceRepository(JdbcTemplate jdbcTemplate) {
        this.jdbcTemplate = jdbcTemplate;
    }

    private static Invoice mapRow(ResultSet rs, int rowNum) throws SQLException {
        return new Invoice(rs.getLong("id"), rs.getString("order_id"), rs.getString("customer_id"),
                rs.getBigDecimal("amount"), rs.getString("currency"), rs.getString("status"),
                rs.getTimestamp("issued_at").toInstant());
    }

    public Optional<Invoice> findById(long id) {
        List<Invoice> found = jdbcTemplate.query(
                "SELECT id, order_id, customer_id, amount, currency, status, issued_at FROM invoices WHERE id = ?",
                InvoiceRepository::mapRow, id);
        return found.stream().findFirst();
    }

    public List<Invoice> findOpenForCustomer(String customerId) {
        return jdbcTemplate.query(
                "SELECT i.id, i.order_id, i.customer_id, i.amount, i.currency, i.status, i.issued_at "
                        + "FROM invoices i JOIN orders o ON o.id = i.order_id "
                        + "WHERE i.customer_id = ? AND i.status = 'open' ORDER BY i.issued_at",
                InvoiceRepository::mapRow, customerId);
    }

    public int markPaid(long id) {
        return jdbcTemplate.update("UPDATE invoices SET status = 'paid' WHERE id = ?", id);
    }
}
