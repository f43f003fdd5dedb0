from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from portal import views

router = DefaultRouter()
router.register(r"offers", views.OfferViewSet, basename="offer")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/<int:pk>/", views.partner_detail, name="partner-detail"),
    path("partners/<int:pk>/feeds/", views.upload_feed, name="feed-upload"),
    path("api/", include(router.urls)),
]
