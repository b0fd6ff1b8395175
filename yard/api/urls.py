from rest_framework.routers import SimpleRouter

from yard.api import views

# Mounted under /api/v1/.
router = SimpleRouter()
router.register("containers", views.ContainerViewSet, basename="container")
urlpatterns = router.urls
