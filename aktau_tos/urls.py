from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aktau_tos import views

api_v1 = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("", include("yard.api.urls")),
    path("dangerous-goods/", include("dangerous_goods.api.urls")),
    path("customs/", include("customs.api.urls")),
    path("rail/", include("rail.api.urls")),
    path("vessels/", include("vessels.api.urls")),
    path("edi/", include("edi.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Browsers ask for /favicon.ico on every page that names no icon (the API's docs, a bare error page).
    path("favicon.ico", views.favicon),
    path("admin/language/", views.language_set, name="language-set"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("hh/", include("handheld.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's script is served as a file (the split view); the UI injects its own style elements.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

if settings.DEBUG:  # uploaded files (inspection photos); production serves MEDIA_ROOT from the web server
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "Aktau TOS"
admin.site.site_title = "Aktau TOS"
admin.site.index_title = _("Terminal operations")
