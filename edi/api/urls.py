from django.urls import path

from aktau_tos.api import Router
from edi.api import advices, events, views

# Mounted under /api/v1/edi/.
router = Router()
router.register("messages", views.EdiMessageViewSet, basename="edi-message")
router.register("train-advices", advices.TrainAdviceViewSet, basename="edi-train-advice")
urlpatterns = [
    *router.urls,
    path("events/", events.ContainerEventFeedView.as_view(), name="edi-event-feed"),
]
