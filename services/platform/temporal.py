"""Temporal client factory: address, namespace, TLS and API key from settings; Pydantic data converter;
OpenTelemetry `TracingInterceptor`, which a worker built on this client inherits, so one trace spans
request → workflow → activity."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, PydanticPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.service import TLSConfig

from contracts.queues import SEARCH_ATTRIBUTES
from contracts.types import TRUSTED
from services.platform.settings import CommonSettings


class TrustedPydanticJSONConverter(PydanticJSONPlainPayloadConverter):
    """Reads payloads with the `TRUSTED` validation context (contracts.types): what Temporal gives back was
    accepted at the API boundary when it was written, and a boundary rule added since must not stop a running
    loan from replaying its history. Types and structure are still validated."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        adapter: TypeAdapter[Any] = self._type_adapter(type_hint if type_hint is not None else Any)
        return adapter.validate_json(payload.data, context=TRUSTED)


class SharedPydanticPayloadConverter(PydanticPayloadConverter):
    """The Pydantic payload converter, built once per process.

    The SDK builds a new payload converter for every workflow activation; the stock class then makes a fresh
    serializer and an empty type-adapter cache each time, which showed in the step benchmark's profile (about
    a tenth of the worker's activation time). Every instance here shares the first one's converters: they hold
    no state but the adapter cache, which is thread-safe. `with_context` still works: it replaces the
    converters of its own new instance, never the shared ones.
    """

    _template: ClassVar[PydanticPayloadConverter | None] = None

    def __init__(self) -> None:
        template = SharedPydanticPayloadConverter._template
        if template is None:
            json_converter = TrustedPydanticJSONConverter()
            CompositePayloadConverter.__init__(
                self,
                *(
                    json_converter if isinstance(c, JSONPlainPayloadConverter) else c
                    for c in DefaultPayloadConverter.default_encoding_payload_converters
                ),
            )
            SharedPydanticPayloadConverter._template = self
        else:
            self.__dict__.update(template.__dict__)


# Pydantic models in and out of every workflow, activity and update; clients and test environments use this.
data_converter = DataConverter(payload_converter_class=SharedPydanticPayloadConverter)


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
        data_converter=data_converter,
        interceptors=[TracingInterceptor()],
        lazy=lazy,
    )


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register the custom search attributes of `contracts.queues.SEARCH_ATTRIBUTES` (idempotent).

    The dev server gets them on its command line; this serves the time-skipping test server and a fresh
    self-hosted namespace.
    """
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.service import RPCError, RPCStatusCode

    for name, kind in SEARCH_ATTRIBUTES.items():
        request = AddSearchAttributesRequest(
            search_attributes={name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{kind.upper()}")},
            namespace=namespace,
        )
        try:
            await client.operator_service.add_search_attributes(request)
        except RPCError as error:
            if error.status != RPCStatusCode.ALREADY_EXISTS:
                raise
