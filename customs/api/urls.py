from aktau_tos.api import Router
from customs.api import views

# Mounted under /api/v1/customs/.
router = Router()
router.register("holds", views.CustomsHoldViewSet, basename="customs-hold")
router.register("declarations", views.CustomsDeclarationViewSet, basename="customs-declaration")
router.register("inspections", views.InspectionViewSet, basename="customs-inspection")
urlpatterns = router.urls
