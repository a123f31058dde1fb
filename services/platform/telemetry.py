"""OpenTelemetry tracer provider configured from settings (OTLP/HTTP exporter when an endpoint is set)."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from services.platform.settings import CommonSettings


def build_tracer_provider(settings: CommonSettings, process: str) -> TracerProvider:
    """A tracer provider for one process; spans go to the OTLP endpoint when one is configured."""
    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": f"{settings.service_name}-{process}",
                "service.namespace": settings.service_name,
                "deployment.environment": settings.environment.value,
            }
        )
    )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        processor: SpanProcessor = BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint))
        provider.add_span_processor(processor)
    return provider


def configure_tracing(settings: CommonSettings, process: str) -> TracerProvider:
    """Install the process-wide tracer provider (call once, at process start)."""
    provider = build_tracer_provider(settings, process)
    trace.set_tracer_provider(provider)
    return provider


def current_trace_id() -> str | None:
    """The 32-hex-digit id of the current trace, or None outside a span."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
