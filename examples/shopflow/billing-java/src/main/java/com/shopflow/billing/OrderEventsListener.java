package com.shopflow.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

@Component
public class OrderEventsListener {

    private static final Logger log = LoggerFactory.getLogger(OrderEventsListener.class);
    private final ObjectMapper mapper = new ObjectMapper();
    private final InvoiceRepository invoices;

    public OrderEventsListener(InvoiceRepository invoices) {
        this.invoices = invoices;
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
        invoices.insert(event.path("id").asText(), event.path("customer_id").asText(), amount,
                event.path("currency").asText("EUR"));
    }
}
