"""Partner portal views: partner pages, feed uploads, and the offers API."""

from __future__ import annotations

import json
import os
import uuid

import pika
from azure.storage.blob import BlobServiceClient
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST
from rest_framework import viewsets

from portal.models import FeedUpload, Offer, Partner
from portal.serializers import OfferSerializer

MAX_FEED_BYTES = 20 * 1024 * 1024

_blob_service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
_feeds = _blob_service.get_container_client("partner-feeds")


def health(request):
    return JsonResponse({"status": "ok"})


@login_required
def partner_list(request):
    partners = Partner.objects.filter(active=True).order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        partners = [p for p in partners if query.lower() in p.name.lower()]
    return render(request, "portal/partner_list.html", {"partners": partners, "q": query})


@login_required
def partner_detail(request, pk: int):
    partner = get_object_or_404(Partner, pk=pk)
    uploads = partner.uploads.order_by("-created_at")[:20]
    return render(request, "portal/partner_detail.html", {"partner": partner, "uploads": uploads})


@login_required
@require_POST
def upload_feed(request, pk: int):
    partner = get_object_or_404(Partner, pk=pk)
    feed = request.FILES.get("feed")
    if feed is None or feed.size > MAX_FEED_BYTES:
        return HttpResponseBadRequest("a CSV feed of at most 20 MB is required")
    blob_name = f"{partner.code}/{uuid.uuid4()}.csv"
    _feeds.upload_blob(name=blob_name, data=feed.chunks(), overwrite=False)
    upload = FeedUpload.objects.create(partner=partner, blob_name=blob_name, uploaded_by=request.user)
    _announce_upload(upload.id, blob_name)
    return JsonResponse({"upload": upload.id, "status": "queued"}, status=202)


def _announce_upload(upload_id: int, blob_name: str) -> None:
    params = pika.URLParameters(os.environ["RABBITMQ_URL"])
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.queue_declare(queue="feed-uploads", durable=True)
        channel.basic_publish(
            exchange="",
            routing_key="feed-uploads",
            body=json.dumps({"upload": upload_id, "blob": blob_name}),
            properties=pika.BasicProperties(delivery_mode=2),
        )
    finally:
        connection.close()


class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OfferSerializer

    def get_queryset(self):
        return Offer.objects.select_related("partner").filter(partner__active=True)
