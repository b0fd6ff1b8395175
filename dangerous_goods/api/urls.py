from django.urls import path

from dangerous_goods.api import views

# Mounted under /api/v1/dangerous-goods/.
urlpatterns = [
    path("segregation/", views.SegregationView.as_view(), name="dg-segregation"),
    path("declarations/", views.DeclarationView.as_view(), name="dg-declarations"),
    path("inventory/", views.InventoryView.as_view(), name="dg-inventory"),
]
