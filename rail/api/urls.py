from aktau_tos.api import Router
from rail.api import views

# Mounted under /api/v1/rail/.
router = Router()
router.register("visits", views.TrainVisitViewSet, basename="train-visit")
urlpatterns = router.urls
