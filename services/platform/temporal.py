"""Temporal client factory: address, namespace, TLS and API key from settings; Pydantic data converter;
OpenTelemetry `TracingInterceptor`, which a worker built on this client inherits, so one trace spans
request → workflow → activity."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from services.platform.settings import CommonSettings


def _tls_config(settings: CommonSettings) -> TLSConfig | bool:
    if settings.temporal_tls_cert is None and settings.temporal_tls_ca is None:
        # Temporal Cloud with an API key needs TLS without client certificates.
        return settings.temporal_api_key is not None
    return TLSConfig(
        server_root_ca_cert=settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None,
        client_cert=settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None,
        client_private_key=settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None,
    )


async def connect_temporal(settings: CommonSettings, *, lazy: bool = False) -> Client:
    """Connect to the configured Temporal frontend; `lazy` defers the connection to the first call."""
    return await Client.connect(
        settings.require_temporal_address(),
        namespace=settings.temporal_namespace,
        tls=_tls_config(settings),
        api_key=settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None,
        data_converter=pydantic_data_converter,
        interceptors=[TracingInterceptor()],
        lazy=lazy,
    )
