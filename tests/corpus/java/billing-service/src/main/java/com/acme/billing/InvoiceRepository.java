package com.acme.billing;

import java.time.LocalDate;
import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface InvoiceRepository extends JpaRepository<Invoice, Long> {

    List<Invoice> findByCustomerIdOrderByIssuedAtDesc(long customerId);

    @Query("SELECT i FROM Invoice i WHERE i.status = 'OPEN' AND i.dueDate < :today")
    List<Invoice> findOverdue(@Param("today") LocalDate today);

    @Modifying
    @Query(value = "UPDATE invoices SET status = :status, updated_at = now() WHERE id = :id", nativeQuery = true)
    int updateStatus(@Param("id") long id, @Param("status") String status);
}
