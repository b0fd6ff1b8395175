from rest_framework.routers import SimpleRouter

from rail.api import views

# Mounted under /api/v1/rail/.
router = SimpleRouter()
router.register("visits", views.TrainVisitViewSet, basename="train-visit")
urlpatterns = router.urls
