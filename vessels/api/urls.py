from aktau_tos.api import Router
from vessels.api import views

# Mounted under /api/v1/vessels/.
router = Router()
router.register("calls", views.VesselCallViewSet, basename="vessel-call")
urlpatterns = router.urls
