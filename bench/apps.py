from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Measurement: installed only by `bench.settings` (make bench), never by the product's settings."""

    name = "bench"
    verbose_name = "Benchmarks"

    def ready(self) -> None:
        import bench.allocation  # noqa: F401  (registers the baseline allocation strategies)
