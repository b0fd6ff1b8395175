"""Pages of API lists (its own module: DRF's generic views import it while `aktau_tos.api` is loading)."""

from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
