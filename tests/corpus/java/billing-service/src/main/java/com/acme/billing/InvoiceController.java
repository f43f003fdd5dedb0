package com.acme.billing;

import java.net.URI;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/invoices")
public class InvoiceController {

    private final InvoiceService service;

    public InvoiceController(InvoiceService service) {
        this.service = service;
    }

    @GetMapping("/{id}")
    public ResponseEntity<Invoice> get(@PathVariable long id) {
        return service.find(id)
                .map(ResponseEntity::ok)
                .orElse(ResponseEntity.notFound().build());
    }

    @GetMapping
    public List<Invoice> forCustomer(@RequestParam("customer") long customerId) {
        return service.forCustomer(customerId);
    }

    @PostMapping
    public ResponseEntity<Invoice> create(@RequestBody NewInvoice request) {
        if (request.lines() == null || request.lines().isEmpty()) {
            return ResponseEntity.badRequest().build();
        }
        Invoice created = service.issue(request);
        return ResponseEntity.created(URI.create("/api/invoices/" + created.getId())).body(created);
    }

    @PutMapping(path = "/{id}/status", consumes = "application/json")
    public ResponseEntity<Void> changeStatus(@PathVariable long id, @RequestBody StatusChange change) {
        service.changeStatus(id, change.status());
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<Void> cancel(@PathVariable long id) {
        service.cancel(id);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/reports/revenue")
    public List<RevenueRow> revenue(@RequestParam("month") String month) {
        return service.revenueReport(month);
    }
}
