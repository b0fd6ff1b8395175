from aktau_tos.api import Router
from edi.api import advices, events, views

# Mounted under /api/v1/edi/.
router = Router()
router.register("messages", views.EdiMessageViewSet, basename="edi-message")
router.register("train-advices", advices.TrainAdviceViewSet, basename="edi-train-advice")
router.register("events", events.ContainerEventViewSet, basename="edi-event")
urlpatterns = router.urls
