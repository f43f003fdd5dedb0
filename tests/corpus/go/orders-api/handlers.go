package main

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

type handlers struct {
	store    *OrderStore
	products *ProductCache
	events   *EventPublisher
	payments *PaymentsClient
}

func fail(c *gin.Context, code int, err error) {
	c.JSON(code, gin.H{"error": err.Error()})
}

func (h *handlers) listOrders(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "50"))
	orders, err := h.store.ListByStatus(c.Request.Context(), c.Query("status"), limit)
	if err != nil {
		fail(c, http.StatusInternalServerError, err)
		return
	}
	c.JSON(http.StatusOK, orders)
}

func (h *handlers) createOrder(c *gin.Context) {
	var req struct {
		CustomerID int64 `json:"customer_id"`
		Lines      []struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		} `json:"lines"`
	}
	if err := c.ShouldBindJSON(&req); err != nil {
		fail(c, http.StatusBadRequest, err)
		return
	}
	ctx := c.Request.Context()
	order := Order{CustomerID: req.CustomerID, Status: "pending"}
	for _, l := range req.Lines {
		p, err := h.products.Get(ctx, l.SKU)
		if err != nil {
			fail(c, http.StatusUnprocessableEntity, err)
			return
		}
		order.Lines = append(order.Lines, OrderLine{SKU: l.SKU, Quantity: l.Quantity, PriceCents: p.PriceCents})
		order.TotalCents += int64(l.Quantity) * p.PriceCents
	}
	if err := h.store.Create(ctx, &order); err != nil {
		fail(c, http.StatusInternalServerError, err)
		return
	}
	if err := h.payments.Authorize(ctx, order.ID, order.TotalCents); err != nil {
		_ = h.store.SetStatus(ctx, order.ID, "payment_failed")
		fail(c, http.StatusPaymentRequired, err)
		return
	}
	_ = h.events.OrderCreated(ctx, order)
	c.JSON(http.StatusCreated, order)
}

func (h *handlers) revenue(c *gin.Context) {
	rows, err := h.store.RevenueByDay(c.Request.Context(), c.DefaultQuery("since", "2024-01-01"))
	if err != nil {
		fail(c, http.StatusInternalServerError, err)
		return
	}
	c.JSON(http.StatusOK, rows)
}
