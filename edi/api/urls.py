from aktau_tos.api import Router
from edi.api import views

# Mounted under /api/v1/edi/.
router = Router()
router.register("messages", views.EdiMessageViewSet, basename="edi-message")
urlpatterns = router.urls
