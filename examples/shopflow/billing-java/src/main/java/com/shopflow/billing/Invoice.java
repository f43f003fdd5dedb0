package com.shopflow.billing;

import java.math.BigDecimal;
import java.time.Instant;

public record Invoice(long id, String orderId, String customerId, BigDecimal amount,
                      String currency, String status, Instant issuedAt) {

    public Invoice withStatus(String newStatus) {
        return new Invoice(id, orderId, customerId, amount, currency, newStatus, issuedAt);
    }
}
