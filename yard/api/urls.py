from django.urls import path

from aktau_tos.api import Router
from yard.api import views

# Mounted under /api/v1/.
router = Router()
router.register("containers", views.ContainerViewSet, basename="container")
router.register("yard/moves", views.MoveViewSet, basename="move")
router.register("yard/holds", views.HoldViewSet, basename="hold")
urlpatterns = [
    path("yard/gate-in/", views.GateInView.as_view(), name="gate-in"),
    *router.urls,
]
