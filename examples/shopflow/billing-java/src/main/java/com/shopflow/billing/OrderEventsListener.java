package com.shopflow.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** Opens an invoice for every order the ingest service publishes. */
@Component
public class OrderEventsListener {

    private static final Logger log = LoggerFactory.getLogger(OrderEventsListener.class);
    private final ObjectMapper mapper = new ObjectMapper();
    private final JdbcTemplate jdbcTemplate;

    public OrderEventsListener(JdbcTemplate jdbcTemplate) {
        this.jdbcTemplate = jdbcTemplate;
    }

    @KafkaListener(topics = "order-events", groupId = "billing")
    public void onOrder(String message) throws Exception {
        JsonNode event = mapper.readTree(message);
        BigDecimal amount = BigDecimal.valueOf(event.path("total_cents").asLong())
                .divide(BigDecimal.valueOf(100), 2, RoundingMode.HALF_UP);
        if (amount.signum() <= 0) {
            log.warn("skipping zero-value order {}", event.path("id").asText());
            return;
        }
        // order-events is delivered at least once: a redelivered order must not open a second invoice
        jdbcTemplate.update(
                "INSERT INTO invoices (order_id, customer_id, amount, currency, status, issued_at) "
                        + "VALUES (?, ?, ?, ?, 'open', now()) ON CONFLICT (order_id) DO NOTHING",
                event.path("id").asText(), event.path("customer_id").asText(), amount,
                event.path("currency").asText("EUR"));
    }
}
