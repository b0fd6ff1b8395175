from django.urls import path

from handheld import views

app_name = "handheld"
urlpatterns = [
    path("", views.index, name="index"),
    path("worker.js", views.worker, name="worker"),
]
