package com.acme.billing;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import javax.persistence.EntityManager;
import javax.persistence.PersistenceContext;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.client.RestTemplate;

@Service
public class InvoiceService {

    private static final Logger log = LoggerFactory.getLogger(InvoiceService.class);
    private static final String INVOICE_EVENTS = "invoice-events";

    private final InvoiceRepository invoiceRepository;
    private final ReportingDao reportingDao;
    private final RestTemplate taxRestTemplate;
    private final KafkaTemplate<String, String> kafkaTemplate;
    private final ObjectMapper mapper;

    @PersistenceContext
    private EntityManager entityManager;

    public InvoiceService(InvoiceRepository invoiceRepository, ReportingDao reportingDao,
                          RestTemplate taxRestTemplate, KafkaTemplate<String, String> kafkaTemplate,
                          ObjectMapper mapper) {
        this.invoiceRepository = invoiceRepository;
        this.reportingDao = reportingDao;
        this.taxRestTemplate = taxRestTemplate;
        this.kafkaTemplate = kafkaTemplate;
        this.mapper = mapper;
    }

    public Optional<Invoice> find(long id) {
        return invoiceRepository.findById(id);
    }

    public List<Invoice> forCustomer(long customerId) {
        return invoiceRepository.findByCustomerIdOrderByIssuedAtDesc(customerId);
    }

    @Transactional
    public Invoice issue(NewInvoice request) {
        BigDecimal net = request.lines().stream()
                .map(line -> line.unitPrice().multiply(BigDecimal.valueOf(line.quantity())))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        TaxQuote quote = taxRestTemplate.postForObject("/quotes",
                new TaxQuoteRequest(request.country(), net), TaxQuote.class);
        BigDecimal tax = quote != null ? quote.amount() : BigDecimal.ZERO;

        Invoice invoice = Invoice.open(request.customerId(), net, tax, LocalDate.now().plusDays(30));
        Invoice saved = invoiceRepository.save(invoice);
        entityManager.persist(new AuditEntry("invoice.issued", saved.getId(), Instant.now()));
        publish("issued", saved);
        return saved;
    }

    @Transactional
    public void changeStatus(long id, String status) {
        int changed = invoiceRepository.updateStatus(id, status);
        if (changed == 0) {
            throw new InvoiceNotFoundException(id);
        }
        invoiceRepository.findById(id).ifPresent(invoice -> publish("status-changed", invoice));
    }

    @Transactional
    public void cancel(long id) {
        invoiceRepository.deleteById(id);
        entityManager.persist(new AuditEntry("invoice.cancelled", id, Instant.now()));
    }

    public List<RevenueRow> revenueReport(String month) {
        return reportingDao.revenueByCountry(month);
    }

    public BigDecimal vatRate(String country) {
        VatRate rate = taxRestTemplate.getForObject("/rates/{country}", VatRate.class, country);
        return rate == null ? BigDecimal.ZERO : rate.percent();
    }

    @KafkaListener(topics = "payment-events", groupId = "billing")
    @Transactional
    public void onPayment(String payload) throws JsonProcessingException {
        PaymentEvent event = mapper.readValue(payload, PaymentEvent.class);
        log.info("payment {} for invoice {}", event.paymentId(), event.invoiceId());
        if (event.succeeded()) {
            invoiceRepository.updateStatus(event.invoiceId(), "PAID");
        }
    }

    @Scheduled(cron = "0 0 6 * * *")
    public void markOverdue() {
        List<Invoice> overdue = invoiceRepository.findOverdue(LocalDate.now());
        overdue.forEach(invoice -> invoiceRepository.updateStatus(invoice.getId(), "OVERDUE"));
        reportingDao.snapshotOverdue(overdue.size());
    }

    private void publish(String type, Invoice invoice) {
        try {
            String json = mapper.writeValueAsString(new InvoiceEvent(type, invoice));
            kafkaTemplate.send(INVOICE_EVENTS, String.valueOf(invoice.getId()), json);
        } catch (JsonProcessingException e) {
            log.error("could not serialise invoice {}", invoice.getId(), e);
        }
    }
}
