package com.shopflow.billing;

import java.util.Map;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestTemplate;

@RestController
public class InvoiceController {

    private final InvoiceRepository invoices;
    private final RestTemplate restTemplate = new RestTemplate();

    public InvoiceController(InvoiceRepository invoices) {
        this.invoices = invoices;
    }

    @GetMapping("/invoices/{id}")
    public ResponseEntity<Invoice> get(@PathVariable long id) {
        return invoices.findById(id).map(ResponseEntity::ok).orElse(ResponseEntity.notFound().build());
    }

    @PostMapping("/invoices/{id}/pay")
    public ResponseEntity<Void> pay(@PathVariable long id, @RequestBody Map<String, String> body) {
        Invoice invoice = invoices.findById(id).orElse(null);
        if (invoice == null) {
            return ResponseEntity.notFound().build();
        }
        // The payment provider confirms the charge before we mark the invoice paid.
        Map<?, ?> charge = restTemplate.postForObject(
                "https://payments.shopflow.example/v1/charges",
                Map.of("invoice", id, "amount", invoice.amount(), "token", body.get("token")),
                Map.class);
        if (charge == null || !"succeeded".equals(charge.get("status"))) {
            return ResponseEntity.status(402).build();
        }
        invoices.markPaid(id);
        return ResponseEntity.noContent().build();
    }
}
